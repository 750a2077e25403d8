// Causal grouped-query attention over an F16 KV cache (llama.cpp keeps K and V in F16 by default),
// following the arithmetic of ggml's CPU flash attention (llama.cpp's default on the CPU) in both of its paths.
#include "kernels_internal.h"
#ifdef RF_AB_EXPERIMENTS
#include <x86intrin.h>
#endif
#include <math.h>

// The parameters every (query, head) pair of a call shares.
typedef struct {
    int n_head, n_kv_head, hd; float scale; float *scratch; int scratch_per_thread; int path;
    int window; float softcap; const float *sinks;
} rf_attn_job;

// A score: q·k scaled, then soft-capped as ggml's flash attention does (scale pre-divided by the cap, cap·tanh).
static inline float rf_attn_score(const rf_attn_job *j, float dot) {
    const float s = dot * j->scale;
    return j->softcap != 0.0f ? j->softcap * tanhf(s) : s;
}

// Few queries (decode, short prompts): llama.cpp's ggml_compute_forward_flash_attn_ext_f16_one_chunk:
// Q rounded to F16, online softmax, V accumulated in an F16 vector.
static void rf_attn_one_f16(const rf_attn_job *j, const float *qv, const rf_kv_rows *K, const rf_kv_rows *V,
                            int n_kv, float *o, uint16_t *qh, uint16_t *acc, float *att, const float *sink) {
    const rf_vec_dot_fn dot = rf_get_vec_dot(RF_F16, j->path);
    rf_get_quantize(RF_F16, j->path)(qv, qh, j->hd);
    // The same arithmetic as the AVX2 helpers below, bit for bit, restructured (attention_avx512.c).
    float accf[512];
    if (j->path >= RF_PATH_AVX512VNNI &&
        rf_attn_one_f16_avx512(j->hd, qh, K, V, n_kv, j->scale, j->softcap, sink, o, att, accf)) return;
    const rf_attn_ops ops = rf_get_attn_ops(j->path);
    for (int d = 0; d < j->hd; d++) acc[d] = 0;
    float S = 0.0f, M = -INFINITY;
    for (int s = 0; s < n_kv; s++) {
        const float a = rf_attn_score(j, dot(j->hd, qh, rf_kv_row(K, s)));
        const float Mold = M;
        float ms = 1.0f, vs = 1.0f;
        if (a > M) {
            M = a;
            ms = expf(Mold - M);
            ops.f16_scale(j->hd, acc, ms);
        } else {
            vs = expf(a - M);
        }
        ops.f16_mad(j->hd, acc, rf_kv_row(V, s), vs);
        S = S * ms + vs;
    }
    // ggml converts the F16 accumulator to F32 before the sink rescales it.
    const float fin = rf_attn_sink(sink, M, &S);
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int d = 0; d < j->hd; d++) o[d] = (rf_fp16_to_fp32(acc[d]) * fin) * inv;
}

// Many queries (prefill of 64 or more tokens): llama.cpp's tiled path: F32 Q, K and V, F32 accumulation.
static void rf_attn_one_f32(const rf_attn_job *j, const float *qv, const rf_kv_rows *K, const rf_kv_rows *V,
                            int n_kv, float *o, float *att, const float *sink) {
    const rf_attn_ops ops = rf_get_attn_ops(j->path);
    float mx = -INFINITY;
    for (int s = 0; s < n_kv; s++) {
        const float a = rf_attn_score(j, ops.dot_f32_f16(j->hd, qv, rf_kv_row(K, s)));
        att[s] = a;
        if (a > mx) mx = a;
    }
    float sum = 0;
    for (int s = 0; s < n_kv; s++) { const float e = expf(att[s] - mx); att[s] = e; sum += e; }
    for (int d = 0; d < j->hd; d++) o[d] = 0;
    for (int s = 0; s < n_kv; s++) {
        ops.axpy_f32_f16(j->hd, o, rf_kv_row(V, s), att[s]);
    }
    const float fin = rf_attn_sink(sink, mx, &sum);
    if (fin != 1.0f) for (int d = 0; d < j->hd; d++) o[d] *= fin;
    const float inv = 1.0f / sum;
    for (int d = 0; d < j->hd; d++) o[d] *= inv;
}

// A Q8_0 cache (llama.cpp's -ctk q8_0 -ctv q8_0): ggml_compute_forward_flash_attn_ext_f16_one_chunk for any
// other K/V type than F16, at every query count: Q quantized to Q8_0 (K's vec_dot_type), scores by the Q8_0 dot,
// online softmax, each V row dequantized to F32 and accumulated in F32 with one FMA per element.
static void rf_attn_one_q8(const rf_attn_job *j, const float *qv, const rf_kv_rows *K, const rf_kv_rows *V,
                           int n_kv, float *o, const float *sink) {
    const rf_vec_dot_fn dot = rf_get_vec_dot(RF_Q8_0, j->path);
    const rf_attn_ops ops = rf_get_attn_ops(j->path);
    const int vector_exp = j->path >= RF_PATH_AVX512VNNI && rf_expf_avx512_exact();
    uint8_t qq[(512 / 32) * 34];
    rf_get_quantize(RF_Q8_0, j->path)(qv, qq, j->hd);
    for (int d = 0; d < j->hd; d++) o[d] = 0.0f;
    float S = 0.0f, M = -INFINITY;
    // ggml's loop, a block of keys at a time: the block's scores, then the running maximum and every exponent the
    // loop would pass to expf (Mold - M where a key raises the maximum, a - M otherwise), their exps at once
    // (eight lanes, bit for bit the library's expf, where the once-per-process check says so), then the
    // accumulation in key order: the values and their order are the one-key-at-a-time loop's.
    enum { B = 64 };
    float sc[B], e[B];
    uint8_t raise[B];
    for (int b0 = 0; b0 < n_kv; b0 += B) {
        const int nb = n_kv - b0 < B ? n_kv - b0 : B;
        for (int i = 0; i < nb; i++) sc[i] = rf_attn_score(j, dot(j->hd, rf_kv_row(K, b0 + i), qq));
        for (int i = 0; i < nb; i++) {
            if (sc[i] > M) { e[i] = M - sc[i]; raise[i] = 1; M = sc[i]; }
            else { e[i] = sc[i] - M; raise[i] = 0; }
        }
        if (vector_exp) rf_expf_avx512(e, e, nb);
        else for (int i = 0; i < nb; i++) e[i] = expf(e[i]);
        for (int i = 0; i < nb; i++) {
            float ms = 1.0f, vs = 1.0f;
            if (raise[i]) { ms = e[i]; ops.scale_f32(j->hd, o, ms); }
            else vs = e[i];
            ops.axpy_f32_q8(j->hd, o, rf_kv_row(V, b0 + i), vs);
            S = S * ms + vs;
        }
    }
    const float fin = rf_attn_sink(sink, M, &S);
    if (fin != 1.0f) ops.scale_f32(j->hd, o, fin);
    ops.scale_f32(j->hd, o, S == 0.0f ? 0.0f : 1.0f / S);
}

// The first key position query position `pos` sees: 0, or the start of its last `window` positions (ggml's
// standard SWA mask: pos - p < window).
static inline int rf_attn_first(const rf_attn_job *j, int pos) {
    return (j->window > 0 && pos + 1 > j->window) ? pos + 1 - j->window : 0;
}

// The keys and values query iq of a segment sees for KV head kvh of `layer`, as row views (K, V) starting at the
// first of them; how many as the result. A segment without a block table is one piece: its k and v pointers
// stand as one-entry tables.
static inline int rf_attn_rows(const rf_attn_job *j, const rf_attn_segment *sg, int layer, int iq, int kvh,
                               rf_kv_rows *K, rf_kv_rows *V) {
    const int pos = sg->pos0 + iq, first = rf_attn_first(j, pos);
    const int64_t off = (int64_t)layer * sg->layer_stride + (int64_t)kvh * sg->head_stride;
    if (sg->blocks) {
        *K = (rf_kv_rows){ sg->blocks, off, first, sg->block_shift, sg->pos_stride };
        *V = (rf_kv_rows){ sg->blocks, off + sg->v_offset, first, sg->block_shift, sg->pos_stride };
    } else {
        *K = (rf_kv_rows){ &sg->k, off, first, 30, sg->pos_stride };
        *V = (rf_kv_rows){ &sg->v, off, first, 30, sg->pos_stride };
    }
    return pos + 1 - first;
}

// One (query, head) pair of a segment: its output row, with the path (F16 or tiled F32) the segment's own
// query count selects, so a sequence gets the same numbers in a batch as alone.
static void rf_attn_item(const rf_attn_job *j, const rf_attn_segment *sg, int layer,
                         int iq, int h, float *att, uint16_t *qh, uint16_t *acc) {
    const int64_t at = (int64_t)iq * j->n_head * j->hd + (int64_t)h * j->hd;
    rf_kv_rows K, V;
    const int n_kv = rf_attn_rows(j, sg, layer, iq, h / (j->n_head / j->n_kv_head), &K, &V);
    const float *sink = j->sinks ? j->sinks + h : 0;
    if (sg->kv_type == RF_Q8_0) rf_attn_one_q8(j, sg->q + at, &K, &V, n_kv, sg->out + at, sink);
    else if (sg->n_q >= 64) rf_attn_one_f32(j, sg->q + at, &K, &V, n_kv, sg->out + at, att, sink);
    else rf_attn_one_f16(j, sg->q + at, &K, &V, n_kv, sg->out + at, qh, acc, att, sink);
}

// Query heads h..h+G-1 of query iq (one KV head) through the grouped AVX-512 kernel of the segment's path (F16
// for decode-sized n_q, tiled F32 from 64): each head's bits are what rf_attn_item gives it alone. Returns 0
// when the kernel does not take the shape.
static int rf_attn_group_item(const rf_attn_job *j, const rf_attn_segment *sg, int layer,
                              int iq, int h, int G, float *att) {
    const int64_t at = (int64_t)iq * j->n_head * j->hd + (int64_t)h * j->hd;
    rf_kv_rows K, V;
    const int n_kv = rf_attn_rows(j, sg, layer, iq, h / (j->n_head / j->n_kv_head), &K, &V);
    if ((int64_t)G * n_kv > j->scratch_per_thread || j->hd > (sg->n_q >= 64 ? 256 : 128)) return 0;
    const float *sinks = j->sinks ? j->sinks + h : 0;
    if (sg->n_q >= 64) {
        return rf_attn_group_f32_avx512(j->hd, G, sg->q + at, &K, &V, n_kv, j->scale, j->softcap, sinks,
                                        sg->out + at, j->hd, att);
    }
    uint16_t qh[4 * 128];
    const rf_quantize_fn toF16 = rf_get_quantize(RF_F16, j->path);
    for (int g = 0; g < G; g++) toF16(sg->q + at + (int64_t)g * j->hd, qh + g * j->hd, j->hd);
    return rf_attn_group_f16_avx512(j->hd, G, qh, &K, &V, n_kv, j->scale, j->softcap, sinks, sg->out + at, j->hd, att);
}

typedef struct { rf_attn_job common; const rf_attn_segment *segs; int n_segs; int layer; } rf_attn_multi_job;

// Prefetches the K and V rows that query `iq` of a segment reads for KV head `kvh`. The AVX-512 scores loop
// prefetches RF_KV_AHEAD keys ahead as it goes, so there only its first RF_KV_AHEAD keys; elsewhere at most
// the last 512 positions (beyond that the hardware prefetchers have the stream; measurements in
// docs/performance.md, "Measurements behind the code").
static void rf_attn_prefetch(const rf_attn_job *j, const rf_attn_segment *sg, int layer, int iq, int kvh) {
    rf_kv_rows K, V;
    const int n_kv = rf_attn_rows(j, sg, layer, iq, kvh, &K, &V);
    const int q8 = sg->kv_type == RF_Q8_0;
    const int in_loop = !q8 && j->path >= RF_PATH_AVX512VNNI && rf_attn_scores_grouped(j->hd);
    int s0 = 0, s1 = n_kv;  // the first RF_KV_AHEAD keys, or the last 512
    if (in_loop) { if (s1 > RF_KV_AHEAD) s1 = RF_KV_AHEAD; }
    else if (n_kv > 512) s0 = n_kv - 512;
    const int64_t bytes = q8 ? (int64_t)j->hd / 32 * 34 : (int64_t)j->hd * 2;
    for (int s = s0; s < s1; s++) {
        const char *kr = (const char *)rf_kv_row(&K, s), *vr = (const char *)rf_kv_row(&V, s);
        for (int64_t o = 0; o < bytes; o += 64) { __builtin_prefetch(kr + o, 0, 3); __builtin_prefetch(vr + o, 0, 3); }
    }
}

// The (query, head) pairs of all segments, numbered in order and split into one contiguous range per thread:
// the query heads that share a KV head mostly land on one thread, which reads that head's K and V rows once
// (prefetched together as it reaches a new KV head) and finds them in its caches for the others.
static void rf_attn_multi_task(void *p, int ith, int nth) {
    const rf_attn_multi_job *m = p;
    const rf_attn_job *j = &m->common;
    float *att = j->scratch + (int64_t)ith * j->scratch_per_thread;
    uint16_t qh[512], acc[512];
    int64_t total = 0;
    for (int si = 0; si < m->n_segs; si++) total += (int64_t)m->segs[si].n_q * j->n_head;
    const int64_t t0 = total * ith / nth, t1 = total * (ith + 1) / nth;
    const int group = j->n_head / j->n_kv_head;
    int64_t base = 0;
    for (int si = 0; si < m->n_segs && base < t1; si++) {
        const rf_attn_segment *sg = &m->segs[si];
        const int64_t count = (int64_t)sg->n_q * j->n_head;
        const int64_t a = t0 > base ? t0 : base, b = t1 < base + count ? t1 : base + count;
        int last = -1;
        for (int64_t t = a; t < b;) {
            const int64_t local = t - base;
            const int iq = (int)(local / j->n_head), h = (int)(local % j->n_head);
            if (sg->n_q < 64 && h / group != last) { last = h / group; rf_attn_prefetch(j, sg, m->layer, iq, last); }
            if (j->path >= RF_PATH_AVX512VNNI && sg->kv_type != RF_Q8_0) {
                // The following heads of this query on the same KV head, within this thread's range.
                int G = 1;
                const int gmax = j->hd >= 256 ? 1 : j->hd == 128 ? 2 : 4;
                while (G < gmax && t + G < b && h + G < j->n_head && (h + G) / group == h / group) G++;
                // (one F16 head alone takes rf_attn_item, whose AVX-512 path is the same kernel's)
                if ((G >= 2 || sg->n_q >= 64) && rf_attn_group_item(j, sg, m->layer, iq, h, G, att)) { t += G; continue; }
            }
            rf_attn_item(j, sg, m->layer, iq, h, att, qh, acc);
            t++;
        }
        base += count;
    }
}

void rf_attention_multi(rf_pool *pool, const rf_attn_segment *segs, int n_segs, int layer, int n_head, int n_kv_head,
                        int hd, float scale, int window, float softcap, const float *sinks, float *scratch, int scratch_per_thread,
                        int path) {
    if (hd > 512 || n_kv_head <= 0 || n_head % n_kv_head != 0 || n_segs <= 0) return;
    for (int i = 0; i < n_segs; i++) if (segs[i].kv_type == RF_Q8_0 && hd % 32 != 0) return;
    if (softcap != 0.0f) scale /= softcap;
    rf_attn_multi_job m = { { n_head, n_kv_head, hd, scale, scratch, scratch_per_thread, path, window, softcap, sinks }, segs, n_segs, layer };
#ifdef RF_AB_EXPERIMENTS
    const unsigned long long t0 = __rdtsc();
#endif
    rf_pool_run(pool, rf_attn_multi_task, &m);
#ifdef RF_AB_EXPERIMENTS
    if (segs[0].n_q == 1 && n_segs == 1) {
        rf_mm_record(-1, __rdtsc() - t0);
        if (rf_ab_last_gap) rf_mm_record(-2, rf_ab_last_gap);
    }
#endif
}
