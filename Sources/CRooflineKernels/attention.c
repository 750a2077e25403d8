// Causal grouped-query attention over an F16 KV cache (llama.cpp keeps K and V in F16 by default).
// Queries are rounded to F16 before Q·K, as ggml does when it multiplies an F16 K by F32 Q.
#include "kernels_internal.h"
#include <math.h>

typedef struct {
    const float *q; const uint16_t *k; const uint16_t *v; float *out;
    int n_q, pos0, n_head, n_kv_head, hd; float scale; float *scratch; int scratch_per_thread; int path;
} rf_attn_job;

static void rf_attn_task(void *p, int ith, int nth) {
    const rf_attn_job *j = p;
    const int total = j->n_q * j->n_head;
    const int group = j->n_head / j->n_kv_head;
    const int q_stride = j->n_head * j->hd, kv_stride = j->n_kv_head * j->hd;
    float *att = j->scratch + (int64_t)ith * j->scratch_per_thread;
    uint16_t qh[512];
    const rf_vec_dot_fn dot = rf_get_vec_dot(RF_F16, j->path);
    const rf_quantize_fn to_f16 = rf_get_quantize(RF_F16, j->path);
    for (int t = ith; t < total; t += nth) {
        const int iq = t / j->n_head, h = t % j->n_head, kvh = h / group;
        const int n_kv = j->pos0 + iq + 1;
        const float *qv = j->q + (int64_t)iq * q_stride + h * j->hd;
        to_f16(qv, qh, j->hd);
        float mx = -INFINITY;
        for (int s = 0; s < n_kv; s++) {
            const float a = dot(j->hd, qh, j->k + (int64_t)s * kv_stride + kvh * j->hd) * j->scale;
            att[s] = a;
            if (a > mx) mx = a;
        }
        double sum = 0;
        for (int s = 0; s < n_kv; s++) { const float e = expf(att[s] - mx); att[s] = e; sum += e; }
        const float inv = (float)(1.0 / sum);
        float *o = j->out + (int64_t)iq * q_stride + h * j->hd;
        for (int d = 0; d < j->hd; d++) o[d] = 0;
        for (int s = 0; s < n_kv; s++) {
            const float w = att[s] * inv;
            const uint16_t *vr = j->v + (int64_t)s * kv_stride + kvh * j->hd;
            for (int d = 0; d < j->hd; d++) o[d] += w * rf_fp16_to_fp32(vr[d]);
        }
    }
}

void rf_attention(rf_pool *pool, const float *q, const uint16_t *k_cache, const uint16_t *v_cache,
                  float *out, int n_q, int pos0, int n_head, int n_kv_head, int hd, float scale,
                  float *scratch, int scratch_per_thread, int path) {
    if (hd > 512 || n_kv_head <= 0 || n_head % n_kv_head != 0) return;
    rf_attn_job j = { q, k_cache, v_cache, out, n_q, pos0, n_head, n_kv_head, hd, scale, scratch, scratch_per_thread, path };
    rf_pool_run(pool, rf_attn_task, &j);
}
