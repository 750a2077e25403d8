// Internal declarations shared by the kernel translation units.
#ifndef CROOFLINE_KERNELS_INTERNAL_H
#define CROOFLINE_KERNELS_INTERNAL_H
#include "CRooflineKernels.h"
#include <string.h>

void rf_quantize_row_q8_0_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_q8_1_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_f16_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_bf16_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_f32_ref(const float *x, void *y, int64_t k);
float rf_vec_dot_q4_0_q8_0_ref(int n, const void *x, const void *y);
float rf_vec_dot_q4_1_q8_1_ref(int n, const void *x, const void *y);
float rf_vec_dot_q8_0_q8_0_ref(int n, const void *x, const void *y);
float rf_vec_dot_f16_f16_ref(int n, const void *x, const void *y);
float rf_vec_dot_bf16_bf16_ref(int n, const void *x, const void *y);
float rf_vec_dot_f32_f32_ref(int n, const void *x, const void *y);
void rf_quantize_row_q5_0_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_q5_1_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_mxfp4_ref(const float *x, void *y, int64_t k);
void rf_dequantize_row_q5_0(const void *x, float *y, int64_t k);
void rf_dequantize_row_q5_1(const void *x, float *y, int64_t k);
void rf_dequantize_row_mxfp4(const void *x, float *y, int64_t k);
float rf_vec_dot_q5_0_q8_0_ref(int n, const void *x, const void *y);
float rf_vec_dot_q5_1_q8_1_ref(int n, const void *x, const void *y);
float rf_vec_dot_mxfp4_q8_0_ref(int n, const void *x, const void *y);
extern const int8_t rf_kvalues_mxfp4[16];
float rf_e8m0_to_fp32_half(uint8_t e);
int rf_best_index_mxfp4(float x, float d);
float rf_ue4m3_to_fp32_half(uint8_t x);
void rf_quantize_row_nvfp4_ref(const float *x, void *y, int64_t k);
void rf_dequantize_row_nvfp4(const void *x, float *y, int64_t k);
float rf_vec_dot_nvfp4_q8_0_ref(int n, const void *x, const void *y);
int rf_dequantize_row_kquant(int type, const void *x, float *y, int64_t k);
void rf_quantize_row_q8_K_ref(const float *x, void *y, int64_t k);
float rf_vec_dot_q2_K_q8_K_ref(int n, const void *x, const void *y);
float rf_vec_dot_q3_K_q8_K_ref(int n, const void *x, const void *y);
float rf_vec_dot_q4_K_q8_K_ref(int n, const void *x, const void *y);
float rf_vec_dot_q5_K_q8_K_ref(int n, const void *x, const void *y);
float rf_vec_dot_q6_K_q8_K_ref(int n, const void *x, const void *y);
// Q3_K's twelve scale bytes -> sixteen 6-bit scales (biased by 32) in aux's bytes (ggml's kmask unpacking).
static inline void rf_q3_K_scales(const uint8_t *scales, uint32_t aux[4]) {
    memcpy(aux, scales, 12);
    const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f, tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
}
// K-quant weight quantizers (kernels_quant_kquants.c)
void rf_quantize_row_q2_K_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_q3_K_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_q4_K_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_q5_K_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_q6_K_ref(const float *x, void *y, int64_t k);
// FP8 rows (kernels_fp8.c, kernels_avx2_fp8.c)
void rf_dequantize_row_fp8(int type, const void *x, float *y, int64_t k);
float rf_vec_dot_fp8_e4m3_f32_ref(int n, const void *x, const void *y);
float rf_vec_dot_fp8_e5m2_f32_ref(int n, const void *x, const void *y);
void rf_quantize_row_fp8_e4m3_ref(const float *x, void *y, int64_t k);
void rf_quantize_row_fp8_e5m2_ref(const float *x, void *y, int64_t k);

typedef struct {
    void (*f16_scale)(int n, uint16_t *acc, float s);
    void (*f16_mad)(int n, uint16_t *acc, const uint16_t *v, float s);
    float (*dot_f32_f16)(int n, const float *q, const uint16_t *k);
    void (*axpy_f32_f16)(int n, float *o, const uint16_t *v, float w);
    void (*axpy_f32_q8)(int n, float *o, const void *v, float w);  // v: n / 32 Q8_0 blocks, dequantized
    void (*scale_f32)(int n, float *o, float s);
} rf_attn_ops;
rf_attn_ops rf_get_attn_ops(int path);
// An attention sink (one logit per head, no value; ggml applies it after the keys): folds it into the running
// maximum M and sum S and returns the factor the accumulator must be scaled by (1 when M stays). S·ms + 1 is
// two statements so that no caller's target (FMA or not) fuses it: every path gets the same bits.
static inline float rf_attn_sink(const float *sink, float M, float *S) {
    if (!sink) return 1.0f;
    const float s = *sink;
    if (s > M) {
        const float ms = __builtin_expf(M - s);
        const float scaled = *S * ms;  // its own statement: never contracted into an FMA
        *S = scaled + 1.0f;
        return ms;
    }
    *S = *S + __builtin_expf(s - M);
    return 1.0f;
}

// expf of n floats, eight lanes at a time with AVX-512, bit for bit glibc's expf (expf_avx512.c); callers use it
// only while rf_expf_avx512_exact() (a once-per-process comparison with the library's expf) says so.
void rf_expf_avx512(const float *x, float *y, int n);
int rf_expf_avx512_exact(void);

// The rows of one KV head of one layer that a query reads, through its sequence's block table: row s (0 for the
// first position the query sees) is at blk[(first + s) >> shift] + off + ((first + s) & (2^shift - 1)) * stride
// (a cache in one piece: one block pointer and a shift past any position).
typedef struct { const uint16_t *const *blk; int64_t off; int first; int shift; int stride; } rf_kv_rows;
static inline const uint16_t *rf_kv_row(const rf_kv_rows *r, int s) {
    const int p = r->first + s;
    return r->blk[p >> r->shift] + r->off + (int64_t)(p & ((1 << r->shift) - 1)) * r->stride;
}

// Keys between a decode attention's K/V row prefetch and their use (attention_avx512.c, attention.c).
#define RF_KV_AHEAD 32
// Head widths whose AVX-512 decode scores go through rf_scores_group, which prefetches K and V as it goes.
static inline int rf_attn_scores_grouped(int hd) { return hd % 16 == 0 && hd <= 128; }
// One query's flash attention over an F16 cache with AVX-512 (attention_avx512.c); 0 when `hd` is not a
// multiple of 16 (the caller then takes the AVX2 helpers). att: n_kv floats; acc: hd floats.
int rf_attn_one_f16_avx512(int hd, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                           float scale, float softcap, const float *sink, float *o, float *att, float *acc);

// G (2-4) query heads that share one KV head (qh: G rows of hd F16 values; o: G rows o_stride floats apart;
// att: G * n_kv floats), each with rf_attn_one_f16_avx512's bits; 0 for shapes it does not take (hd 64 with
// G 2-4, hd 128 with G 2). sinks: NULL or G logits.
int rf_attn_group_f16_avx512(int hd, int G, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                             float scale, float softcap, const float *sinks, float *o, int o_stride, float *att);

// The tiled F32 path's arithmetic (prefill, 64 or more queries) for G (1-4) query heads of one query that share a
// KV head (q: G rows of hd floats; o: G rows o_stride floats apart; att: G * n_kv floats), bit for bit what
// rf_attn_one_f32 gives each with the AVX2 helpers; 0 for shapes it does not take (hd 64 with G 1-4, hd 128
// with G 1-2).
int rf_attn_group_f32_avx512(int hd, int G, const float *q, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                             float scale, float softcap, const float *sinks, float *o, int o_stride, float *att);

// NEON (kernels_neon.c): on AArch64, or on any machine under SIMDe's NEON emulation for checking them
// (scripts/reference/check_neon_kernels.sh defines RF_NEON_SIMDE).
#if defined(__aarch64__) || defined(RF_NEON_SIMDE)
#define RF_NEON 1
float rf_vec_dot_q4_0_q8_0_neon(int n, const void *x, const void *y);
float rf_vec_dot_q4_1_q8_1_neon(int n, const void *x, const void *y);
float rf_vec_dot_q8_0_q8_0_neon(int n, const void *x, const void *y);
void rf_vec_dot4_q4_0_q8_0_neon(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q4_1_q8_1_neon(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q8_0_q8_0_neon(int n, const void *w, size_t rb, const void *y, float *out);
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define RF_X86 1
void rf_quantize_row_q8_0_avx2(const float *x, void *y, int64_t k);
void rf_quantize_row_q8_1_avx2(const float *x, void *y, int64_t k);
void rf_quantize_row_q8_K_avx2(const float *x, void *y, int64_t k);
void rf_quantize_row_f16_avx2(const float *x, void *y, int64_t k);
float rf_vec_dot_q4_0_q8_0_avx2(int n, const void *x, const void *y);
float rf_vec_dot_q4_1_q8_1_avx2(int n, const void *x, const void *y);
float rf_vec_dot_q8_0_q8_0_avx2(int n, const void *x, const void *y);
float rf_vec_dot_f16_f16_avx2(int n, const void *x, const void *y);
float rf_vec_dot_f32_f32_avx2(int n, const void *x, const void *y);
float rf_vec_dot_bf16_bf16_avx2(int n, const void *x, const void *y);
float rf_vec_dot_q5_0_q8_0_avx2(int n, const void *x, const void *y);
float rf_vec_dot_q5_1_q8_1_avx2(int n, const void *x, const void *y);
float rf_vec_dot_mxfp4_q8_0_avx2(int n, const void *x, const void *y);
float rf_vec_dot_nvfp4_q8_0_avx2(int n, const void *x, const void *y);
float rf_vec_dot_fp8_e4m3_f32_avx2(int n, const void *x, const void *y);
float rf_vec_dot_fp8_e5m2_f32_avx2(int n, const void *x, const void *y);
float rf_vec_dot_fp8_e4m3_f32_avx512(int n, const void *x, const void *y);
void rf_vec_dot4_fp8_e4m3_f32_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_fp8_e5m2_f32_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_tile4x4_fp8_e4m3_f32_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_fp8_e5m2_f32_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
float rf_vec_dot_fp8_e5m2_f32_avx512(int n, const void *x, const void *y);
void rf_vec_dot4_q4_1_q8_1_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q4_0_q8_0_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q8_0_q8_0_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_tile4x4_q4_1_q8_1_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q4_0_q8_0_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q8_0_q8_0_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_vec_dot4_q4_1_q8_1_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q5_1_q8_1_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q5_0_q8_0_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_mxfp4_q8_0_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q5_1_q8_1_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q5_0_q8_0_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_mxfp4_q8_0_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_tile4x4_q5_0_q8_0_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q5_1_q8_1_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_mxfp4_q8_0_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_nvfp4_q8_0_avx2(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q5_0_q8_0_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q5_1_q8_1_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_mxfp4_q8_0_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_nvfp4_q8_0_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_vec_dot4_nvfp4_q8_0_avx2(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_nvfp4_q8_0_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q4_0_q8_0_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot4_q8_0_q8_0_vnni(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q4_0_q8_0_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q4_1_q8_1_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q8_0_q8_0_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q5_0_q8_0_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q4_K_q8_K_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8_q6_K_q8_K_avx512(int n, const void *w, size_t rb, const void *y, float *out);
void rf_vec_dot8n_q4_K_q8_K_avx512(int n, const void *w, size_t rb, const void *y, size_t y_stride, int ncols, float *out);
void rf_vec_dot8n_q6_K_q8_K_avx512(int n, const void *w, size_t rb, const void *y, size_t y_stride, int ncols, float *out);
void rf_vec_dot8n_q5_0_q8_0_avx512(int n, const void *w, size_t rb, const void *y, size_t y_stride, int ncols, float *out);
void rf_vec_dot8n_q4_1_q8_1_avx512(int n, const void *w, size_t rb, const void *y, size_t y_stride, int ncols, float *out);
void rf_tile4x4_q4_1_q8_1_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q4_0_q8_0_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
void rf_tile4x4_q8_0_q8_0_vnni(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t out_stride);
// K-quant kernels (kernels_kquants_impl.h, instantiated in kernels_avx2_kquants.c and kernels_vnni_kquants.c)
#define RF_KQUANT_DECL(T, SFX) \
    float rf_vec_dot_##T##_q8_K_##SFX(int n, const void *x, const void *y); \
    void rf_vec_dot4_##T##_q8_K_##SFX(int n, const void *w, size_t rb, const void *y, float *out); \
    void rf_tile4x4_##T##_q8_K_##SFX(int n, const void *w, size_t rb, const void *x, size_t xs, float *out, size_t os);
#define RF_KQUANT_DECLS(SFX) RF_KQUANT_DECL(q2_K, SFX) RF_KQUANT_DECL(q3_K, SFX) RF_KQUANT_DECL(q4_K, SFX) \
    RF_KQUANT_DECL(q5_K, SFX) RF_KQUANT_DECL(q6_K, SFX)
RF_KQUANT_DECLS(avx2)
RF_KQUANT_DECLS(vnni)
#endif

// Paired measurement of an experiment inside one process (ab_experiments.c; docs/performance.md, "Measuring
// small changes"): built with -DRF_AB_EXPERIMENTS and run with RF_AB=1, the pool flips rf_ab_mode every 151 passes (one
// decoded token of the default model) and prints the time spent in each mode at exit; an experiment's code
// asks rf_ab("RF_AB_<NAME>", &cache), true only in mode 1 and with RF_AB_<NAME> set. Off in normal builds.
#ifdef RF_AB_EXPERIMENTS
#include <stdlib.h>
extern int rf_ab_mode;
// rf_pool_run calls these around every pass: the mode switch, and the gap since the previous pass.
void rf_ab_pass_start(void);
void rf_ab_pass_end(void);
#define RF_AB_PASS_START() rf_ab_pass_start()
#define RF_AB_PASS_END() rf_ab_pass_end()
// RF_AB_WAITS: TSC ticks each pool thread spends in its slices and waiting (pool.c adds, ab_experiments.c prints).
extern unsigned long long wt_fn[2], wt_wait[2], wt_n, wt_kw[4], wt_kn[4], wt_lag, wt_lag_n, wt_last1;
extern volatile unsigned long long wt_gen_tsc;
extern rf_task_fn wt_k[4];
// RF_AB_PASSES: key > 0 a matmul of that many bytes, -1 attention, -2 the gap before attention, -2 - B the gap
// before a matmul of B bytes (the caller's serial work; rf_ab_last_gap, set by rf_pool_run).
void rf_mm_record(int64_t key, unsigned long long ticks);
extern unsigned long long rf_ab_last_gap;
static inline int rf_ab(const char *name, int *cache) { if (*cache < 0) *cache = getenv(name) != 0; return *cache && rf_ab_mode; }
#else
static inline int rf_ab(const char *name, int *cache) { (void)name; (void)cache; return 0; }
#define RF_AB_PASS_START() ((void)0)
#define RF_AB_PASS_END() ((void)0)
#endif
/// Thread ith's share of a decode matmul pass, [*g0, *g1) of the concatenated rows: an even split at
/// multiples of eight rows (matmul.c's schedule; what a waiting thread prefetches after a hint).
static inline void rf_slice_bounds(int64_t total_rows, int ith, int nth, int64_t *g0, int64_t *g1) {
    *g0 = (total_rows * ith / nth) & ~(int64_t)7;
    *g1 = ith == nth - 1 ? total_rows : (total_rows * (ith + 1) / nth) & ~(int64_t)7;
}
/// The rows each thread streams as one slice at the start of a matmul of four or more activation rows
/// (prefill, batches; matmul.c's schedule): 15/16 of them in all, the rest in guided chunks.
static inline int64_t rf_static_rows(int64_t total_rows, int nth) { return (total_rows * 15 / 16 / nth) & ~(int64_t)7; }
/// The bytes of its slice a thread requests at once when it starts a decode matmul, or after a hint.
#define RF_START_BURST 8192
/// A decode matmul named ahead of its pass (rf_pool_hint_next), with its parts' row sizes worked out once.
typedef struct { rf_matmul_part parts[RF_MAX_PARTS]; int64_t w_row[RF_MAX_PARTS]; int n; int64_t total_rows; } rf_slice_hint;
/// Prefetches the first bytes of thread ith's share (rf_slice_bounds) of the hinted matmul's concatenated rows.
void rf_matmul_prefetch_slice(const rf_slice_hint *h, int ith, int nth);
/// The rest of thread ith's share of a hinted matmul, as byte ranges a waiting thread prefetches a few lines
/// at a time (rf_slice_cursor_step) while it spins for the next pass or for the other threads.
typedef struct { const char *p[RF_MAX_PARTS], *end[RF_MAX_PARTS]; int n, i; } rf_slice_cursor;
/// The share after its first `skip` bytes (what rf_matmul_prefetch_slice requested), at most `budget` bytes.
void rf_slice_cursor_init(rf_slice_cursor *c, const rf_slice_hint *h, int ith, int nth, int64_t skip, int64_t budget);
/// Prefetches the cursor's next `lines` cache lines into L2; returns 0 once the cursor is spent.
static inline int rf_slice_cursor_step(rf_slice_cursor *c, int lines) {
    while (c->i < c->n) {
        if (c->p[c->i] < c->end[c->i]) {
            for (int l = 0; l < lines && c->p[c->i] < c->end[c->i]; l++, c->p[c->i] += 64) __builtin_prefetch(c->p[c->i], 0, 1);
            return 1;
        }
        c->i++;
    }
    return 0;
}
#endif
