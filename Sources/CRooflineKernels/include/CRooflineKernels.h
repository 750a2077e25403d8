// Roofline's C kernels: ggml block layouts, scalar reference kernels, SIMD kernels chosen at run
// time by CPU feature detection, and a persistent thread pool. Block structs follow ggml-common.h.
#ifndef CROOFLINE_KERNELS_H
#define CROOFLINE_KERNELS_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// ggml type ids (ggml.h)
enum { RF_F32 = 0, RF_F16 = 1, RF_Q4_0 = 2, RF_Q4_1 = 3, RF_Q5_0 = 6, RF_Q5_1 = 7, RF_Q8_0 = 8, RF_Q8_1 = 9,
       RF_Q2_K = 10, RF_Q3_K = 11, RF_Q4_K = 12, RF_Q5_K = 13, RF_Q6_K = 14, RF_Q8_K = 15, RF_BF16 = 30,
       RF_MXFP4 = 39, RF_NVFP4 = 40 };

// Roofline's own tensor types, outside ggml's id range (kernels_fp8.c; llama.cpp cannot read them): each row is
// a float32 scale followed by k FP8 codes (E4M3FN or E5M2), value = code * scale; row bytes = 4 + k.
enum { RF_FP8_E4M3 = 1000, RF_FP8_E5M2 = 1001 };
#define RF_FP8_SCALE_BYTES 4

#define RF_QK 32
typedef struct { uint16_t d; uint8_t qs[16]; } rf_block_q4_0;            // 4.5 bpw
typedef struct { uint16_t d; uint16_t m; uint8_t qs[16]; } rf_block_q4_1; // 5.0 bpw
typedef struct { uint16_t d; int8_t qs[32]; } rf_block_q8_0;             // 8.5 bpw
typedef struct { uint16_t d; uint16_t s; int8_t qs[32]; } rf_block_q8_1;  // 9.0 bpw (s = d * sum(qs))
// 5-bit: low nibbles as Q4_0/Q4_1, the fifth bit of element j in bit j of qh (little-endian uint32).
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } rf_block_q5_0;              // 5.5 bpw
typedef struct { uint16_t d; uint16_t m; uint8_t qh[4]; uint8_t qs[16]; } rf_block_q5_1;  // 6.0 bpw
// MXFP4: E8M0 scale e, 32 E2M1 codes (ggml's doubled values kvalues_mxfp4 times 2^(e-127)/2).
typedef struct { uint8_t e; uint8_t qs[16]; } rf_block_mxfp4;                             // 4.25 bpw
// NVFP4: 64 values in four sub-blocks of 16, one unsigned E4M3 scale each; sub-block s holds its first 8
// values in the low nibbles of qs[8s..8s+7] and the next 8 in the high nibbles.
#define RF_QK_NVFP4 64
typedef struct { uint8_t d[4]; uint8_t qs[32]; } rf_block_nvfp4;                          // 4.5 bpw
// K-quants: super-blocks of 256 (ggml-common.h); scales/mins of the sub-blocks packed in 6 bits (Q4_K,
// Q5_K, Q3_K), 4 bits (Q2_K) or 8 bits (Q6_K). Q8_K is their activation format.
#define RF_QK_K 256
typedef struct { uint8_t scales[16]; uint8_t qs[64]; uint16_t d, dmin; } rf_block_q2_K;                 // 2.625 bpw
typedef struct { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; } rf_block_q3_K;    // 3.4375 bpw
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } rf_block_q4_K;                // 4.5 bpw
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } rf_block_q5_K; // 5.5 bpw
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } rf_block_q6_K;      // 6.5625 bpw
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } rf_block_q8_K;                          // bsums: sums of 16

// Kernel paths. On x86 they rank scalar < AVX2 < AVX-512 VNNI (each implies the ones before it); on arm64 the
// paths are scalar and NEON. RF_PATH_AUTO picks the best the CPU supports.
enum { RF_PATH_SCALAR = 0, RF_PATH_AVX2 = 1, RF_PATH_AVX512VNNI = 2, RF_PATH_NEON = 3, RF_PATH_AUTO = -1 };

int rf_cpu_best_path(void);
/// Whether this CPU can run `path`.
int rf_path_supported(int path);
/// Selects the kernel path used by rf_get_* and rf_matmul (clamped to what the CPU supports). Returns the path in force.
int rf_set_path(int path);
int rf_get_path(void);
const char *rf_path_name(int path);

float rf_fp16_to_fp32(uint16_t h);
uint16_t rf_fp32_to_fp16(float f);
float rf_bf16_to_fp32(uint16_t h);
uint16_t rf_fp32_to_bf16(float f);

// Element formats as ml_dtypes defines them (float8_e4m3fn, float8_e5m2, float4_e2m1fn, float8_e8m0fnu):
// decode any code; encode a float32 with ml_dtypes' rounding, overflow and NaN rules (see minifloat.c).
float rf_fp8_e4m3fn_to_fp32(uint8_t c);
uint8_t rf_fp32_to_fp8_e4m3fn(float x);
float rf_fp8_e5m2_to_fp32(uint8_t c);
uint8_t rf_fp32_to_fp8_e5m2(float x);
float rf_fp4_e2m1fn_to_fp32(uint8_t c);     // low 4 bits
uint8_t rf_fp32_to_fp4_e2m1fn(float x);     // 0..15
float rf_e8m0_to_fp32(uint8_t c);
uint8_t rf_fp32_to_e8m0(float x);

typedef void (*rf_quantize_fn)(const float *x, void *y, int64_t k);
typedef float (*rf_vec_dot_fn)(int n, const void *x, const void *y);

/// The activation format the dot product of weight type `type` consumes (ggml's vec_dot_type); -1 if unsupported.
int rf_vec_dot_type(int type);
/// Bytes for a row of `k` elements of `type` (supported types only), or -1.
int64_t rf_row_size(int type, int64_t k);
/// Converts a float row to activation format `type` (F32, F16, BF16, Q8_0, Q8_1, Q8_K) with the given path.
rf_quantize_fn rf_get_quantize(int type, int path);
/// Dot product of a weight row of `type` with an activation row in rf_vec_dot_type(type), with the given path.
rf_vec_dot_fn rf_get_vec_dot(int type, int path);
typedef void (*rf_vec_dot4_fn)(int n, const void *w, size_t w_row_bytes, const void *y, float *out4);
/// Dot products of four consecutive weight rows (w_row_bytes apart) with one activation row; NULL when the
/// path has no four-row kernel for `type` (rf_matmul then uses rf_get_vec_dot row by row).
rf_vec_dot4_fn rf_get_vec_dot4(int type, int path);
typedef void (*rf_vec_dot8_fn)(int n, const void *w, size_t w_row_bytes, const void *y, float *out8);
/// Dot products of eight consecutive weight rows with one activation row, bit for bit those of two calls of the
/// four-row kernel (rows 0-3, then 4-7); NULL when the path has no eight-row kernel for `type`.
rf_vec_dot8_fn rf_get_vec_dot8(int type, int path);
/// Eight rows against `ncols` (1 ... RF_DOT8N_MAX) activation rows `y_stride` bytes apart, the rows' codes taken
/// out once for all columns; column c's eight results (out[8c ..< 8c + 8]) equal rf_vec_dot8's bit for bit. NULL
/// where the type or path has none (Q4_K, Q6_K, Q5_0 and Q4_1 on AVX-512 VNNI with GFNI and BITALG).
#define RF_DOT8N_MAX 8
typedef void (*rf_vec_dot8n_fn)(int n, const void *w, size_t w_row_bytes, const void *y, size_t y_stride, int ncols, float *out);
rf_vec_dot8n_fn rf_get_vec_dot8n(int type, int path);
typedef void (*rf_tile4x4_fn)(int n, const void *w, size_t w_row_bytes, const void *x, size_t x_stride, float *out, size_t out_stride);
/// Four weight rows × four activation rows: out[c * out_stride + r]; NULL when the path has none for `type`.
rf_tile4x4_fn rf_get_tile4x4(int type, int path);
/// Dequantizes a row of `type` (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, MXFP4, NVFP4, Q2_K-Q6_K) into floats
/// (reference code). For FP8 rows (RF_FP8_*), `x` is one row: its scale, then k codes.
int rf_dequantize_row(int type, const void *x, float *y, int64_t k);
/// Quantizes whole blocks of weights to `type` as ggml's quantize_row_*_ref does (Q5_0, Q5_1, MXFP4, NVFP4,
/// Q2_K-Q6_K); NULL for other types. FP8 rows (RF_FP8_*): one row of k values, its scale amax / largest finite code.
rf_quantize_fn rf_get_weight_quantize(int type);

// Thread pool: persistent threads; rf_pool_run calls fn(ctx, ith, nth) on every thread (the caller is ith 0).
typedef struct rf_pool rf_pool;
typedef void (*rf_task_fn)(void *ctx, int ith, int nth);
rf_pool *rf_pool_create(int n_threads);
void rf_pool_destroy(rf_pool *pool);
int rf_pool_size(const rf_pool *pool);
void rf_pool_run(rf_pool *pool, rf_task_fn fn, void *ctx);
/// A buffer of at least `bytes` owned by the pool (kept and reused; NULL if it cannot be allocated), for the
/// caller's use around rf_pool_run, e.g. packed activations.
void *rf_pool_scratch(rf_pool *pool, size_t bytes);

/// Y[m, r] = dot(W row r, X row m) for r < n_rows, m < n_x. W: n_rows rows of `wtype`, k elements each.
/// X: n_x rows already in rf_vec_dot_type(wtype) format, x_stride bytes apart. Y: row-major, y_stride floats apart.
/// Work is split over weight rows; each thread streams its own slice of W once for all X rows.
void rf_matmul(rf_pool *pool, const void *w, int wtype, int64_t k, int64_t n_rows,
               const void *x, int64_t x_stride, int64_t n_x, float *y, int64_t y_stride, int path);

#define RF_MAX_PARTS 4
/// One weight matrix of a fused matmul: n_rows rows of `wtype`; results go to y[m * y_stride + r].
typedef struct { const void *w; int wtype; int64_t n_rows; float *y; int64_t y_stride; } rf_matmul_part;
/// Several matmuls over the same activations (all weight types must share one activation format) in one
/// pass of the pool: Q, K and V, or gate and up, with one synchronisation instead of several.
void rf_matmul_multi(rf_pool *pool, const rf_matmul_part *parts, int n_parts, int64_t k,
                     const void *x, int64_t x_stride, int64_t n_x, int path);
/// Names the decode matmul (one to three activation rows) that comes after the next pass of the pool. Each
/// thread, once its share of that pass is done, prefetches the start of its own slice of these weights, which
/// then arrives while the threads synchronise and the caller does the serial work between passes. The next
/// rf_pool_run takes the hint (once); the parts' y fields are not used.
void rf_pool_hint_next(rf_pool *pool, const rf_matmul_part *parts, int n_parts, int64_t k);

/// Causal grouped-query attention for the new tokens of several sequences in one pass of the pool (one
/// synchronisation per layer), following ggml's CPU flash attention: F16 accumulation below 64 queries per
/// sequence, tiled F32 from 64 on, chosen per sequence so each gets what it would get alone.
/// Segment: n_q queries at positions pos0.. (q, out: [n_q][n_head*hd] floats); its F16 caches hold the hd keys of
/// layer L, KV head h, position p at k + L * layer_stride + h * head_stride + p * pos_stride (positions
/// 0..pos0+n_q-1; values likewise): llama.cpp's layout ([n_ctx][n_kv_head*hd]) has head_stride hd and pos_stride
/// n_kv_head*hd; the engine's (KVCache: each head's positions contiguous) head_stride capacity*hd, pos_stride hd.
/// window: each query sees its last `window` positions, itself included (0: all). softcap: scores become
/// softcap · tanh(q·k · scale / softcap) (0: none), as Gemma 2 uses. sinks: NULL, or one logit per query head that
/// joins each softmax with no value (gpt-oss's attention sinks, as ggml applies them after the keys).
/// Paged caches (KVCache's blocks): `blocks` is the sequence's block table, block b holding positions
/// b << block_shift ..< (b + 1) << block_shift; the key of layer L, head h, position p is at
/// blocks[p >> block_shift] + L * layer_stride + h * head_stride + (p & (2^block_shift - 1)) * pos_stride, its value
/// v_offset elements after it (k and v unused). blocks NULL: one piece at k and v as above.
/// kv_type: 0 or RF_F16 for F16 rows of hd values; RF_Q8_0 for Q8_0 rows (hd a multiple of 32; strides then
/// count uint16 units of the rows' bytes), attended as ggml does any K/V type but F16 (F32 accumulation).
/// scratch: n_threads * scratch_per_thread floats.
typedef struct {
    const float *q; float *out; const uint16_t *k; const uint16_t *v; int64_t layer_stride; int64_t head_stride; int pos_stride;
    int n_q; int pos0;
    const uint16_t *const *blocks; int block_shift; int64_t v_offset;
    int kv_type;
} rf_attn_segment;
void rf_attention_multi(rf_pool *pool, const rf_attn_segment *segs, int n_segs, int layer, int n_head, int n_kv_head,
                        int hd, float scale, int window, float softcap, const float *sinks, float *scratch, int scratch_per_thread,
                        int path);

/// x[i] = silu(x[i]) * g[i] for i < n, as ggml_vec_swiglu_f32 computes it on the given kernel path.
void rf_swiglu(int64_t n, float *x, const float *g, int path);

/// x[i] = gelu(x[i]) * g[i] (tanh form) for i < n, as ggml_vec_geglu_f32 computes it with its fp16 table.
void rf_geglu(int64_t n, float *x, const float *g, int path);

/// Median read bandwidth (bytes/s) over `passes` passes of all pool threads streaming a `bytes`-byte buffer.
double rf_measure_read_bandwidth(rf_pool *pool, size_t bytes, int passes);

#ifdef __cplusplus
}
#endif
#endif
