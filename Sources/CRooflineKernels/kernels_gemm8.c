// Weight row × eight activation rows at once, for prefill and batched decode on AVX-512 VNNI.
//
// The activations of eight columns are first packed block by block so that 32-bit lane c of a vector holds
// four bytes of column c (rf_pack_x8). A weight row then needs no horizontal reduction: four of its bytes are
// broadcast to all lanes and one vpdpbusd adds their products with the same four bytes of all eight columns.
// Each column's result is computed with exactly the arithmetic of the four-row kernels (the same integer sums
// per block or half block, float scale, FMA order and final additions), so a sequence's logits do not depend
// on how many others share its batch.
#include "avx2_helpers.h"
#include "kernels_gemm8.h"

#ifdef RF_X86
#define RF_VNNI8 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

// Packs block i of columns x[c] (c < ncols <= 8; missing columns are zero) of Q8_0 or Q8_1 rows: q[j] gets
// word j (bytes 4j..4j+3) of every column, d, s and sy (Σq over the block) one value per column. `offset` stores the
// quants as unsigned (q + 128), for signed weights.
RF_VNNI8 static inline void rf_pack_block8(const void *x, size_t x_stride, int ncols, int i, int act_type, int offset, __m256i q[8],
                                           float *d, float *s, int32_t *sy) {
    const size_t bsize = act_type == RF_Q8_1 ? sizeof(rf_block_q8_1) : sizeof(rf_block_q8_0);
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    const __m256i ones = _mm256_set1_epi8(1);
    __m256i rows[8];
    for (int c = 0; c < 8; c++) {
        if (c < ncols) {
            const char *b = (const char *)x + c * x_stride + i * bsize;
            const uint16_t *head = (const uint16_t *)b;
            rows[c] = _mm256_loadu_si256((const __m256i *)(b + (act_type == RF_Q8_1 ? 4 : 2)));
            d[c] = _cvtsh_ss(head[0]);
            s[c] = act_type == RF_Q8_1 ? _cvtsh_ss(head[1]) : 0.0f;
            // Σy over the block (Q4_0's offset of 8), once per column instead of once per weight row
            const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, rows[c]);
            sy[c] = _mm_cvtsi128_si32(rf_halves_sum(rf_reduce4(p, p, p, p)));
        } else {
            rows[c] = _mm256_setzero_si256();
            d[c] = 0.0f;
            s[c] = 0.0f;
            sy[c] = 0;
        }
        if (offset) rows[c] = _mm256_xor_si256(rows[c], flip);
    }
    // Transpose the 8×8 matrix of 32-bit words: q[j][c] = word j of column c.
    __m256i t0 = _mm256_unpacklo_epi32(rows[0], rows[1]), t1 = _mm256_unpackhi_epi32(rows[0], rows[1]);
    __m256i t2 = _mm256_unpacklo_epi32(rows[2], rows[3]), t3 = _mm256_unpackhi_epi32(rows[2], rows[3]);
    __m256i t4 = _mm256_unpacklo_epi32(rows[4], rows[5]), t5 = _mm256_unpackhi_epi32(rows[4], rows[5]);
    __m256i t6 = _mm256_unpacklo_epi32(rows[6], rows[7]), t7 = _mm256_unpackhi_epi32(rows[6], rows[7]);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    q[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    q[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    q[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    q[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    q[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    q[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    q[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    q[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

RF_VNNI8 void rf_pack_x8_vnni(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x8_block *out) {
    for (int i = 0; i < (int)(k / RF_QK); i++) {
        rf_x8_block *o = &out[i];
        __m256i q[8];
        rf_pack_block8(x, x_stride, ncols, i, act_type, offset, q, o->d, o->s, o->sy);
        for (int j = 0; j < 8; j++) _mm256_storeu_si256((__m256i *)o->q[j], q[j]);
    }
}

// Sixteen columns: columns 0-7 as rf_pack_x8 packs them in the low half of each 64-byte word row, 8-15 in the high.
RF_VNNI8 void rf_pack_x16_vnni(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x16_block *out) {
    for (int i = 0; i < (int)(k / RF_QK); i++) {
        rf_x16_block *o = &out[i];
        __m256i a[8], b[8];
        rf_pack_block8(x, x_stride, ncols < 8 ? ncols : 8, i, act_type, offset, a, o->d, o->s, o->sy);
        rf_pack_block8((const char *)x + 8 * x_stride, x_stride, ncols > 8 ? ncols - 8 : 0, i, act_type, offset, b,
                       o->d + 8, o->s + 8, o->sy + 8);
        for (int j = 0; j < 8; j++) {
            _mm256_storeu_si256((__m256i *)o->q[j], a[j]);
            _mm256_storeu_si256((__m256i *)o->q[j] + 1, b[j]);
        }
    }
}

RF_VNNI8 static inline void rf_store8(float *out, size_t out_stride, __m256 v) {
    float tmp[8];
    _mm256_storeu_ps(tmp, v);
    for (int c = 0; c < 8; c++) out[c * out_stride] = tmp[c];
}

// The integer sum of one block of 4-bit weights (32 nibbles in ggml's order) with eight packed columns, both
// halves into one accumulator (low nibbles: elements 0..15, high: 16..31).
RF_VNNI8 static inline __m256i rf_q4_sum8(const uint8_t *qs, const __m256i *q) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i p = _mm256_setzero_si256();
    for (int j = 0; j < 4; j++) {
        int32_t word;
        __builtin_memcpy(&word, qs + 4 * j, 4);
        const __m256i b = _mm256_set1_epi32(word);
        p = _mm256_dpbusd_epi32(p, _mm256_and_si256(b, m4), _mm256_loadu_si256(q + j));
        p = _mm256_dpbusd_epi32(p, _mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_loadu_si256(q + 4 + j));
    }
    return p;
}

// One Q4_1 row × eight packed Q8_1 columns: out[c * out_stride], in the four-row kernel's scale-and-min
// arithmetic (kernels_rows4_impl.h): both halves' products summed into one integer per block and column, even
// and odd blocks into their own accumulators.
#define RF_GEMM8_Q4_1_STEP(i, ACC, SUMM) do { \
        const __m256 s_ = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(w[i].d)), _mm256_loadu_ps(x[i].d)); \
        ACC = _mm256_fmadd_ps(_mm256_cvtepi32_ps(rf_q4_sum8(w[i].qs, (const __m256i *)x[i].q)), s_, ACC); \
        SUMM = _mm256_add_ps(SUMM, _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(w[i].m)), _mm256_loadu_ps(x[i].s))); \
    } while (0)
RF_VNNI8 void rf_gemm8_q4_1_vnni(int n, const void *vw, const rf_x8_block *x, float *out, size_t out_stride) {
    const rf_block_q4_1 *w = vw;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, summ0 = acc0, summ1 = acc0;
    int i = 0;
    for (; i + 2 <= n / RF_QK; i += 2) {
        RF_GEMM8_Q4_1_STEP(i, acc0, summ0);
        RF_GEMM8_Q4_1_STEP(i + 1, acc1, summ1);
    }
    if (i < n / RF_QK) RF_GEMM8_Q4_1_STEP(i, acc0, summ0);
    rf_store8(out, out_stride, _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(summ0, summ1)));
}
#undef RF_GEMM8_Q4_1_STEP

// One Q4_0 row × eight packed Q8_0 columns: (q - 8)·y = q·y - 8·Σy, both halves in one integer per block, even
// and odd blocks into their own accumulators (the four-row kernel's offset arithmetic).
#define RF_GEMM8_Q4_0_STEP(i, ACC) do { \
        const __m256i p_ = _mm256_sub_epi32(rf_q4_sum8(w[i].qs, (const __m256i *)x[i].q), \
                                            _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)x[i].sy), 3)); \
        ACC = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p_), _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(w[i].d)), _mm256_loadu_ps(x[i].d)), ACC); \
    } while (0)
RF_VNNI8 void rf_gemm8_q4_0_vnni(int n, const void *vw, const rf_x8_block *x, float *out, size_t out_stride) {
    const rf_block_q4_0 *w = vw;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    int i = 0;
    for (; i + 2 <= n / RF_QK; i += 2) {
        RF_GEMM8_Q4_0_STEP(i, acc0);
        RF_GEMM8_Q4_0_STEP(i + 1, acc1);
    }
    if (i < n / RF_QK) RF_GEMM8_Q4_0_STEP(i, acc0);
    rf_store8(out, out_stride, _mm256_add_ps(acc0, acc1));
}
#undef RF_GEMM8_Q4_0_STEP

// Q5_0: the block's 32 unsigned 5-bit codes unpacked once (rf_q5_codes32, element order), word j of them
// (elements 4j..4j+3) broadcast against packed word j of the columns; (q - 16)·y = q·y - 16·Σy, even and odd
// blocks into their own accumulators (the four-row kernel's offset arithmetic).
RF_VNNI8 static inline void rf_q5_0_words(const rf_block_q5_0 *b, int32_t words[8]) {
    _mm256_storeu_si256((__m256i *)words, rf_q5_codes32(b->qs, b->qh));
}
#define RF_GEMM8_Q5_0_STEP(i, ACC) do { \
        int32_t cw_[8]; \
        rf_q5_0_words(&w[i], cw_); \
        __m256i p_ = _mm256_setzero_si256(); \
        for (int j_ = 0; j_ < 8; j_++) p_ = _mm256_dpbusd_epi32(p_, _mm256_set1_epi32(cw_[j_]), _mm256_loadu_si256((const __m256i *)x[i].q + j_)); \
        p_ = _mm256_sub_epi32(p_, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)x[i].sy), 4)); \
        ACC = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p_), _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(w[i].d)), _mm256_loadu_ps(x[i].d)), ACC); \
    } while (0)
RF_VNNI8 void rf_gemm8_q5_0_vnni(int n, const void *vw, const rf_x8_block *x, float *out, size_t out_stride) {
    const rf_block_q5_0 *w = vw;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    int i = 0;
    for (; i + 2 <= n / RF_QK; i += 2) {
        RF_GEMM8_Q5_0_STEP(i, acc0);
        RF_GEMM8_Q5_0_STEP(i + 1, acc1);
    }
    if (i < n / RF_QK) RF_GEMM8_Q5_0_STEP(i, acc0);
    rf_store8(out, out_stride, _mm256_add_ps(acc0, acc1));
}
#undef RF_GEMM8_Q5_0_STEP

// One Q8_0 row × eight packed Q8_0 columns stored with +128 (unsigned): Σ(y+128)w - 128Σw.
RF_VNNI8 void rf_gemm8_q8_0_vnni(int n, const void *vw, const rf_x8_block *x, float *out, size_t out_stride) {
    const rf_block_q8_0 *w = vw;
    const __m256i c80 = _mm256_set1_epi8((char)0x80);
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256i *q = (const __m256i *)x[i].q;
        const uint8_t *qs = (const uint8_t *)w[i].qs;
        __m256i pl = _mm256_setzero_si256(), ph = _mm256_setzero_si256();
        __m256i cl = _mm256_setzero_si256(), ch = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            int32_t wl, wh;
            __builtin_memcpy(&wl, qs + 4 * j, 4);
            __builtin_memcpy(&wh, qs + 16 + 4 * j, 4);
            const __m256i bl = _mm256_set1_epi32(wl), bh = _mm256_set1_epi32(wh);
            pl = _mm256_dpbusd_epi32(pl, _mm256_loadu_si256(q + j), bl);
            ph = _mm256_dpbusd_epi32(ph, _mm256_loadu_si256(q + 4 + j), bh);
            cl = _mm256_dpbusd_epi32(cl, c80, bl);
            ch = _mm256_dpbusd_epi32(ch, c80, bh);
        }
        const __m256 s = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(w[i].d)), _mm256_loadu_ps(x[i].d));
        lo = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(pl, cl)), s, lo);
        hi = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(ph, ch)), s, hi);
    }
    rf_store8(out, out_stride, _mm256_add_ps(_mm256_add_ps(lo, hi), _mm256_setzero_ps()));
}

// Sixteen columns on 512-bit registers: lane c is column c, with the eight-column kernels' arithmetic per lane
// (the same integer sums per half block, scale, FMAs and final additions), so each column's result is the same.
RF_VNNI8 static inline void rf_store16(float *out, size_t out_stride, __m512 v) {
    float tmp[16];
    _mm512_storeu_ps(tmp, v);
    for (int c = 0; c < 16; c++) out[c * out_stride] = tmp[c];
}

RF_VNNI8 static inline __m512i rf_q4_sum16(const uint8_t *qs, const __m512i *q) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512i p = _mm512_setzero_si512();
    for (int j = 0; j < 4; j++) {
        int32_t word;
        __builtin_memcpy(&word, qs + 4 * j, 4);
        const __m512i b = _mm512_set1_epi32(word);
        p = _mm512_dpbusd_epi32(p, _mm512_and_si512(b, m4), _mm512_loadu_si512(q + j));
        p = _mm512_dpbusd_epi32(p, _mm512_and_si512(_mm512_srli_epi16(b, 4), m4), _mm512_loadu_si512(q + 4 + j));
    }
    return p;
}

#define RF_GEMM16_Q4_1_STEP(i, ACC, SUMM) do { \
        const __m512 s_ = _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(w[i].d)), _mm512_loadu_ps(x[i].d)); \
        ACC = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_q4_sum16(w[i].qs, (const __m512i *)x[i].q)), s_, ACC); \
        SUMM = _mm512_add_ps(SUMM, _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(w[i].m)), _mm512_loadu_ps(x[i].s))); \
    } while (0)
RF_VNNI8 void rf_gemm16_q4_1_vnni(int n, const void *vw, const rf_x16_block *x, float *out, size_t out_stride) {
    const rf_block_q4_1 *w = vw;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, summ0 = acc0, summ1 = acc0;
    int i = 0;
    for (; i + 2 <= n / RF_QK; i += 2) {
        RF_GEMM16_Q4_1_STEP(i, acc0, summ0);
        RF_GEMM16_Q4_1_STEP(i + 1, acc1, summ1);
    }
    if (i < n / RF_QK) RF_GEMM16_Q4_1_STEP(i, acc0, summ0);
    rf_store16(out, out_stride, _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(summ0, summ1)));
}
#undef RF_GEMM16_Q4_1_STEP

#define RF_GEMM16_Q4_0_STEP(i, ACC) do { \
        const __m512i p_ = _mm512_sub_epi32(rf_q4_sum16(w[i].qs, (const __m512i *)x[i].q), _mm512_slli_epi32(_mm512_loadu_si512(x[i].sy), 3)); \
        ACC = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p_), _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(w[i].d)), _mm512_loadu_ps(x[i].d)), ACC); \
    } while (0)
RF_VNNI8 void rf_gemm16_q4_0_vnni(int n, const void *vw, const rf_x16_block *x, float *out, size_t out_stride) {
    const rf_block_q4_0 *w = vw;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
    int i = 0;
    for (; i + 2 <= n / RF_QK; i += 2) {
        RF_GEMM16_Q4_0_STEP(i, acc0);
        RF_GEMM16_Q4_0_STEP(i + 1, acc1);
    }
    if (i < n / RF_QK) RF_GEMM16_Q4_0_STEP(i, acc0);
    rf_store16(out, out_stride, _mm512_add_ps(acc0, acc1));
}
#undef RF_GEMM16_Q4_0_STEP

#define RF_GEMM16_Q5_0_STEP(i, ACC) do { \
        int32_t cw_[8]; \
        rf_q5_0_words(&w[i], cw_); \
        __m512i p_ = _mm512_setzero_si512(); \
        for (int j_ = 0; j_ < 8; j_++) p_ = _mm512_dpbusd_epi32(p_, _mm512_set1_epi32(cw_[j_]), _mm512_loadu_si512((const __m512i *)x[i].q + j_)); \
        p_ = _mm512_sub_epi32(p_, _mm512_slli_epi32(_mm512_loadu_si512(x[i].sy), 4)); \
        ACC = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p_), _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(w[i].d)), _mm512_loadu_ps(x[i].d)), ACC); \
    } while (0)
RF_VNNI8 void rf_gemm16_q5_0_vnni(int n, const void *vw, const rf_x16_block *x, float *out, size_t out_stride) {
    const rf_block_q5_0 *w = vw;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
    int i = 0;
    for (; i + 2 <= n / RF_QK; i += 2) {
        RF_GEMM16_Q5_0_STEP(i, acc0);
        RF_GEMM16_Q5_0_STEP(i + 1, acc1);
    }
    if (i < n / RF_QK) RF_GEMM16_Q5_0_STEP(i, acc0);
    rf_store16(out, out_stride, _mm512_add_ps(acc0, acc1));
}
#undef RF_GEMM16_Q5_0_STEP

RF_VNNI8 void rf_gemm16_q8_0_vnni(int n, const void *vw, const rf_x16_block *x, float *out, size_t out_stride) {
    const rf_block_q8_0 *w = vw;
    const __m512i c80 = _mm512_set1_epi8((char)0x80);
    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m512i *q = (const __m512i *)x[i].q;
        const uint8_t *qs = (const uint8_t *)w[i].qs;
        __m512i pl = _mm512_setzero_si512(), ph = _mm512_setzero_si512();
        __m512i cl = _mm512_setzero_si512(), ch = _mm512_setzero_si512();
        for (int j = 0; j < 4; j++) {
            int32_t wl, wh;
            __builtin_memcpy(&wl, qs + 4 * j, 4);
            __builtin_memcpy(&wh, qs + 16 + 4 * j, 4);
            const __m512i bl = _mm512_set1_epi32(wl), bh = _mm512_set1_epi32(wh);
            pl = _mm512_dpbusd_epi32(pl, _mm512_loadu_si512(q + j), bl);
            ph = _mm512_dpbusd_epi32(ph, _mm512_loadu_si512(q + 4 + j), bh);
            cl = _mm512_dpbusd_epi32(cl, c80, bl);
            ch = _mm512_dpbusd_epi32(ch, c80, bh);
        }
        const __m512 s = _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(w[i].d)), _mm512_loadu_ps(x[i].d));
        lo = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(pl, cl)), s, lo);
        hi = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(ph, ch)), s, hi);
    }
    rf_store16(out, out_stride, _mm512_add_ps(_mm512_add_ps(lo, hi), _mm512_setzero_ps()));
}
#endif

rf_gemm16_fn rf_get_gemm16(int type, int path) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && rf_cpu_best_path() >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_1: return rf_gemm16_q4_1_vnni;
        case RF_Q4_0: return rf_gemm16_q4_0_vnni;
        case RF_Q8_0: return rf_gemm16_q8_0_vnni;
        case RF_Q5_0: return rf_gemm16_q5_0_vnni;
        default: return 0;
        }
    }
#endif
    (void)type; (void)path;
    return 0;
}

void rf_pack_x16(int path, const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x16_block *out) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI) { rf_pack_x16_vnni(x, x_stride, ncols, k, act_type, offset, out); return; }
#endif
    (void)path; (void)x; (void)x_stride; (void)ncols; (void)k; (void)act_type; (void)offset; (void)out;
}

rf_gemm8_fn rf_get_gemm8(int type, int path, int *offset) {
    *offset = 0;
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && rf_cpu_best_path() >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_1: return rf_gemm8_q4_1_vnni;
        case RF_Q4_0: return rf_gemm8_q4_0_vnni;
        case RF_Q8_0: *offset = 1; return rf_gemm8_q8_0_vnni;
        case RF_Q5_0: return rf_gemm8_q5_0_vnni;
        default: return 0;
        }
    }
#endif
    (void)type; (void)path;
    return 0;
}

void rf_pack_x8(int path, const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x8_block *out) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI) { rf_pack_x8_vnni(x, x_stride, ncols, k, act_type, offset, out); return; }
#endif
    (void)path; (void)x; (void)x_stride; (void)ncols; (void)k; (void)act_type; (void)offset; (void)out;
}
