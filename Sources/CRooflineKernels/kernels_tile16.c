// Prefill on AVX-512 VNNI: sixteen weight rows × eight activation columns per pass (Q4_K, Q6_K, Q5_0, Q8_0, Q4_1).
//
// The sixteen- and eight-column kernels (kernels_gemmk16.c) take one weight row at a time: its 4-bit or 6-bit
// codes are unpacked again for every group of columns, and each vpdpbusd loads 64 bytes of packed activations.
// For prefill (many columns) that unpacking and those loads, not the multiply-adds, set the pace. Here a tile of
// sixteen rows is unpacked once per matmul into a scratch buffer, with word t of the sixteen rows side by side
// in one 512-bit vector; every column of the batch then meets it with its own four activation bytes broadcast,
// so a vpdpbusd needs no unpacking and one broadcast load, and the broadcasts of eight columns share one
// vector of weights.
//
// Each (row, column) result is computed in the arithmetic of every K-quant kernel (kernels_kquants_impl.h,
// kernels_gemmk_impl.h): per super-block the exact integers S = Σ scale·dot and M = Σ min·(sum of y) (Q6_K:
// the offset 32·Σ scale·bsum16), fma(float(S), d·dy) into even and odd super-block accumulators, then
// (acc_even + acc_odd) - (summ_even + summ_odd). The integers are the same sums in another order; the float
// operations are the same ones on the same values. So a column's result is bit for bit what it is alone.
#include "avx2_helpers.h"
#include "kernels_gemm8.h"

#ifdef RF_X86
#define RF_VNNIT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

// One super-block of sixteen Q4_K rows: q[s][t] holds word t (codes 4t..4t+3) of sub-block s of each row,
// sc and mn each row's sub-block scales and mins (mn as int16 pairs: sub-blocks 2p and 2p + 1), d and dmin.
typedef struct {
    uint32_t q[8][8][16];
    int32_t sc[8][16];
    int32_t mn[4][16];
    float d[16], dmin[16];
} rf_tile_q4_K;

// One super-block of sixteen Q6_K rows: q[s][t] word t of sub-block s (of 16) of each row's unsigned 6-bit
// codes, sc the signed sub-block scales, scp the same as int16 pairs (sub-blocks 2p and 2p + 1), d.
typedef struct {
    uint32_t q[16][4][16];
    int32_t sc[16][16];
    int32_t scp[8][16];
    float d[16];
} rf_tile_q6_K;

_Static_assert(sizeof(rf_tile_q4_K) <= RF_TILE16_SB_BYTES && sizeof(rf_tile_q6_K) <= RF_TILE16_SB_BYTES, "tile");

static inline int32_t rf_pair16t(int a, int b) { return (int32_t)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16); }

// Word `off` (a byte offset, a multiple of four) of super-block i of each of the sixteen rows, gathered.
#define RF_GATHER16(BASE, IDX, OFF) _mm512_i32gather_epi32((IDX), (const void *)((BASE) + (OFF)), 1)

RF_VNNIT static void rf_tile16_unpack_q4_K(int n, const void *w, size_t w_row, void *out) {
    const int nb = n / RF_QK_K;
    const __m512i m4 = _mm512_set1_epi8(0x0F), m63 = _mm512_set1_epi32(63), m15 = _mm512_set1_epi32(15), m3 = _mm512_set1_epi32(3);
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32((int)w_row));
    for (int i = 0; i < nb; i++) {
        const char *base = (const char *)w + (size_t)i * sizeof(rf_block_q4_K);
        rf_tile_q4_K *t = (rf_tile_q4_K *)((char *)out + (size_t)i * RF_TILE16_SB_BYTES);
        const __m512i dd = RF_GATHER16(base, idx, 0);
        _mm512_storeu_ps(t->d, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dd)));
        _mm512_storeu_ps(t->dmin, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dd, 16))));
        // The twelve scale bytes of each row as three words: v0 = bytes 0-3, v1 = 4-7, v2 = 8-11.
        const __m512i v0 = RF_GATHER16(base, idx, 4), v1 = RF_GATHER16(base, idx, 8), v2 = RF_GATHER16(base, idx, 12);
        __m512i sc[8], mn[8];
        for (int j = 0; j < 4; j++) {
            const __m512i b0 = _mm512_srli_epi32(v0, 8 * j), b1 = _mm512_srli_epi32(v1, 8 * j), b2 = _mm512_srli_epi32(v2, 8 * j);
            sc[j] = _mm512_and_si512(b0, m63);
            mn[j] = _mm512_and_si512(b1, m63);
            sc[j + 4] = _mm512_or_si512(_mm512_and_si512(b2, m15), _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(b0, 6), m3), 4));
            mn[j + 4] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(b2, 4), m15), _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(b1, 6), m3), 4));
        }
        for (int s = 0; s < 8; s++) _mm512_storeu_si512(t->sc[s], sc[s]);
        for (int p = 0; p < 4; p++) _mm512_storeu_si512(t->mn[p], _mm512_or_si512(mn[2 * p], _mm512_slli_epi32(mn[2 * p + 1], 16)));
        for (int kk = 0; kk < 4; kk++) {
            for (int k = 0; k < 8; k++) {
                const __m512i bits = RF_GATHER16(base, idx, 16 + 32 * kk + 4 * k);
                _mm512_storeu_si512(t->q[2 * kk][k], _mm512_and_si512(bits, m4));
                _mm512_storeu_si512(t->q[2 * kk + 1][k], _mm512_and_si512(_mm512_srli_epi16(bits, 4), m4));
            }
        }
    }
}

RF_VNNIT static void rf_tile16_unpack_q6_K(int n, const void *w, size_t w_row, void *out) {
    const int nb = n / RF_QK_K;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    for (int i = 0; i < nb; i++) {
        for (int row = 0; row < 16; row++) {
            const rf_block_q6_K *b = (const rf_block_q6_K *)((const char *)w + row * w_row);
            rf_tile_q6_K *t = (rf_tile_q6_K *)((char *)out + (size_t)i * RF_TILE16_SB_BYTES);
            uint32_t codes[64];
            for (int h = 0; h < 2; h++) {
                const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(b[i].ql + 64 * h));
                const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(b[i].ql + 64 * h + 32));
                const __m256i qh = _mm256_loadu_si256((const __m256i *)(b[i].qh + 32 * h));
                __m256i *c = (__m256i *)(codes + 32 * h);
                _mm256_storeu_si256(c, _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30)));
                _mm256_storeu_si256(c + 1, _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30)));
                _mm256_storeu_si256(c + 2, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30)));
                _mm256_storeu_si256(c + 3, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30)));
            }
            for (int s = 0; s < 16; s++) {
                for (int k = 0; k < 4; k++) t->q[s][k][row] = codes[4 * s + k];
                t->sc[s][row] = b[i].scales[s];
            }
            for (int p = 0; p < 8; p++) t->scp[p][row] = rf_pair16t(b[i].scales[2 * p], b[i].scales[2 * p + 1]);
            t->d[row] = _cvtsh_ss(b[i].d);
        }
    }
}

// Eight columns of activations as the tiles read them: per super-block, column c's 256 codes at q[c], so that
// every activation word the kernel broadcasts is at a fixed distance from one pointer.
RF_VNNIT static void rf_tile16_pack_x_impl(const void *x, size_t x_stride, int ncols, int64_t k, rf_xt_block *out) {
    for (int64_t i = 0; i < k / RF_QK_K; i++) {
        rf_xt_block *o = &out[i];
        for (int c = 0; c < 8; c++) {
            if (c >= ncols) {
                memset(o->q[c], 0, sizeof o->q[c]);
                o->d[c] = 0;
                for (int p = 0; p < 4; p++) o->bs32[p][c] = 0;
                for (int p = 0; p < 8; p++) o->bs16[p][c] = 0;
                continue;
            }
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)x + c * x_stride) + i;
            memcpy(o->q[c], y->qs, sizeof o->q[c]);
            o->d[c] = y->d;
            for (int p = 0; p < 4; p++)
                o->bs32[p][c] = rf_pair16t(y->bsums[4 * p] + y->bsums[4 * p + 1], y->bsums[4 * p + 2] + y->bsums[4 * p + 3]);
            for (int p = 0; p < 8; p++) o->bs16[p][c] = rf_pair16t(y->bsums[2 * p], y->bsums[2 * p + 1]);
        }
    }
}

static inline int32_t rf_word(const int8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

#define RF_UNROLL _Pragma("clang loop unroll(full)")

// One super-block of the Q4_K tile against eight packed columns: acc[c] += float(S)·(d·dy), summ[c] += float(M)·(dmin·dy).
RF_VNNIT static inline void rf_tile16_q4_K_sb(const rf_tile_q4_K *t, const rf_xt_block *xb, __m512 acc[8], __m512 summ[8]) {
    __m512i S[8];
    RF_UNROLL for (int c = 0; c < 8; c++) S[c] = _mm512_setzero_si512();
    const int8_t *xq = xb->q[0];
    const uint32_t *wq = t->q[0][0];
    for (int s = 0; s < 8; s++, xq += 32, wq += 8 * 16) {
        __m512i p[8];
        // The next super-block's weights and activations into L1 while this one's are multiplied.
        RF_UNROLL for (int k = 0; k < 8; k++) _mm_prefetch((const char *)wq + RF_TILE16_SB_BYTES + 64 * k, _MM_HINT_T0);
        if ((s & 1) == 0) RF_UNROLL for (int c = 0; c < 8; c++) _mm_prefetch((const char *)(xq + 256 * c) + sizeof(rf_xt_block), _MM_HINT_T0);
        {
            const __m512i wv = _mm512_loadu_si512(wq);
            RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv, _mm512_set1_epi32(rf_word(xq + 256 * c)));
        }
        RF_UNROLL for (int k = 1; k < 8; k++) {
            const __m512i wv = _mm512_loadu_si512(wq + 16 * k);
            RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_dpbusd_epi32(p[c], wv, _mm512_set1_epi32(rf_word(xq + 256 * c + 4 * k)));
        }
        const __m512i scv = _mm512_loadu_si512(t->sc[s]);
        RF_UNROLL for (int c = 0; c < 8; c++) S[c] = _mm512_add_epi32(S[c], _mm512_mullo_epi32(p[c], scv));
    }
    const __m512 d = _mm512_loadu_ps(t->d), dmin = _mm512_loadu_ps(t->dmin);
    RF_UNROLL for (int c = 0; c < 8; c++) {
        __m512i M = _mm512_setzero_si512();
        for (int p = 0; p < 4; p++) M = _mm512_dpwssd_epi32(M, _mm512_set1_epi32(xb->bs32[p][c]), _mm512_loadu_si512(t->mn[p]));
        const __m512 dy = _mm512_set1_ps(xb->d[c]);
        acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(S[c]), _mm512_mul_ps(d, dy), acc[c]);
        summ[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(M), _mm512_mul_ps(dmin, dy), summ[c]);
    }
}

RF_VNNIT static void rf_tile16_gemm_q4_K(int n, const void *tile, const void *x, int ncols, float *y, size_t y_stride) {
    __m512 acc0[8], acc1[8], summ0[8], summ1[8];
    for (int c = 0; c < 8; c++) acc0[c] = acc1[c] = summ0[c] = summ1[c] = _mm512_setzero_ps();
    const char *t = tile;
    const rf_xt_block *xb = x;
    const int nb = n / RF_QK_K;
    int i = 0;
    for (; i + 2 <= nb; i += 2, xb += 2, t += 2 * RF_TILE16_SB_BYTES) {
        rf_tile16_q4_K_sb((const rf_tile_q4_K *)t, xb, acc0, summ0);
        rf_tile16_q4_K_sb((const rf_tile_q4_K *)(t + RF_TILE16_SB_BYTES), xb + 1, acc1, summ1);
    }
    if (i < nb) rf_tile16_q4_K_sb((const rf_tile_q4_K *)t, xb, acc0, summ0);
    for (int c = 0; c < ncols; c++)
        _mm512_storeu_ps(y + c * y_stride, _mm512_sub_ps(_mm512_add_ps(acc0[c], acc1[c]), _mm512_add_ps(summ0[c], summ1[c])));
}

RF_VNNIT static void rf_tile16_gemm_q6_K(int n, const void *tile, const void *vx, int ncols, float *y, size_t y_stride) {
    __m512 acc[8][2];
    for (int c = 0; c < 8; c++) acc[c][0] = acc[c][1] = _mm512_setzero_ps();
    for (int i = 0; i < n / RF_QK_K; i++) {
        const rf_tile_q6_K *t = (const rf_tile_q6_K *)((const char *)tile + (size_t)i * RF_TILE16_SB_BYTES);
        const rf_xt_block *xb = (const rf_xt_block *)vx + i;
        __m512i S[8];
        RF_UNROLL for (int c = 0; c < 8; c++) S[c] = _mm512_setzero_si512();
        RF_UNROLL for (int s = 0; s < 16; s++) {
            __m512i p[8];
            RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_setzero_si512();
            RF_UNROLL for (int k = 0; k < 4; k++) {
                const __m512i wv = _mm512_loadu_si512(t->q[s][k]);
                RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_dpbusd_epi32(p[c], wv, _mm512_set1_epi32(rf_word(xb->q[c] + 16 * s + 4 * k)));
            }
            const __m512i scv = _mm512_loadu_si512(t->sc[s]);
            RF_UNROLL for (int c = 0; c < 8; c++) S[c] = _mm512_add_epi32(S[c], _mm512_mullo_epi32(p[c], scv));
        }
        const __m512 d = _mm512_loadu_ps(t->d);
        RF_UNROLL for (int c = 0; c < 8; c++) {
            __m512i off = _mm512_setzero_si512();
            for (int p = 0; p < 8; p++) off = _mm512_dpwssd_epi32(off, _mm512_set1_epi32(xb->bs16[p][c]), _mm512_loadu_si512(t->scp[p]));
            const __m512i Sc = _mm512_sub_epi32(S[c], _mm512_slli_epi32(off, 5));
            acc[c][i & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(Sc), _mm512_mul_ps(d, _mm512_set1_ps(xb->d[c])), acc[c][i & 1]);
        }
    }
    for (int c = 0; c < ncols; c++)
        _mm512_storeu_ps(y + c * y_stride, _mm512_sub_ps(_mm512_add_ps(acc[c][0], acc[c][1]), _mm512_setzero_ps()));
}

// One block of 32 of sixteen Q5_0 or Q8_0 rows: q[t] word t of each row's unsigned codes (Q5_0's 5-bit codes,
// Q8_0's codes + 128), d the row scales.
typedef struct {
    uint32_t q[8][16];
    float d[16];
} rf_tile_b32;

// One block of 32 of sixteen Q4_1 rows: q[t] word t of each row's 4-bit codes (element order), d and m.
typedef struct {
    uint32_t q[8][16];
    float d[16], m[16];
} rf_tile_q4_1;

_Static_assert(sizeof(rf_tile_b32) <= RF_TILE16_B_BYTES && sizeof(rf_tile_q4_1) <= RF_TILE16_B_BYTES, "tile");

RF_VNNIT static void rf_tile16_unpack_q5_0(int n, const void *w, size_t w_row, void *out) {
    for (int i = 0; i < n / RF_QK; i++) {
        for (int row = 0; row < 16; row++) {
            const rf_block_q5_0 *b = (const rf_block_q5_0 *)((const char *)w + row * w_row);
            rf_tile_b32 *t = (rf_tile_b32 *)((char *)out + (size_t)i * RF_TILE16_B_BYTES);
            uint32_t words[8];
            _mm256_storeu_si256((__m256i *)words, rf_q5_codes32(b[i].qs, b[i].qh));
            for (int k = 0; k < 8; k++) t->q[k][row] = words[k];
            t->d[row] = _cvtsh_ss(b[i].d);
        }
    }
}

RF_VNNIT static void rf_tile16_unpack_q8_0(int n, const void *w, size_t w_row, void *out) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    for (int i = 0; i < n / RF_QK; i++) {
        for (int row = 0; row < 16; row++) {
            const rf_block_q8_0 *b = (const rf_block_q8_0 *)((const char *)w + row * w_row);
            rf_tile_b32 *t = (rf_tile_b32 *)((char *)out + (size_t)i * RF_TILE16_B_BYTES);
            uint32_t words[8];
            _mm256_storeu_si256((__m256i *)words, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)b[i].qs), flip));
            for (int k = 0; k < 8; k++) t->q[k][row] = words[k];
            t->d[row] = _cvtsh_ss(b[i].d);
        }
    }
}

RF_VNNIT static void rf_tile16_unpack_q4_1(int n, const void *w, size_t w_row, void *out) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32((int)w_row));
    for (int i = 0; i < n / RF_QK; i++) {
        const char *base = (const char *)w + (size_t)i * sizeof(rf_block_q4_1);
        rf_tile_q4_1 *t = (rf_tile_q4_1 *)((char *)out + (size_t)i * RF_TILE16_B_BYTES);
        const __m512i dm = RF_GATHER16(base, idx, 0);
        _mm512_storeu_ps(t->d, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm)));
        _mm512_storeu_ps(t->m, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16))));
        // Code bytes 4k..4k+3: low nibbles are elements 4k..4k+3 (word k), high nibbles elements 16 + 4k.. (word k + 4).
        for (int k = 0; k < 4; k++) {
            const __m512i bits = RF_GATHER16(base, idx, 4 + 4 * k);
            _mm512_storeu_si512(t->q[k], _mm512_and_si512(bits, m4));
            _mm512_storeu_si512(t->q[k + 4], _mm512_and_si512(_mm512_srli_epi16(bits, 4), m4));
        }
    }
}

RF_VNNIT static void rf_tile16_pack_x32_impl(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, rf_xt32_block *out) {
    const size_t bsize = act_type == RF_Q8_1 ? sizeof(rf_block_q8_1) : sizeof(rf_block_q8_0);
    for (int64_t i = 0; i < k / RF_QK; i++) {
        rf_xt32_block *o = &out[i];
        for (int c = 0; c < 8; c++) {
            if (c >= ncols) {
                memset(o->q[c], 0, sizeof o->q[c]);
                o->d[c] = o->s[c] = 0;
                o->m16sy[c] = o->m128lo[c] = o->m128hi[c] = 0;
                continue;
            }
            const char *yb = (const char *)x + c * x_stride + i * bsize;
            const uint16_t *head = (const uint16_t *)yb;
            const int8_t *qs = (const int8_t *)(yb + (act_type == RF_Q8_1 ? 4 : 2));
            memcpy(o->q[c], qs, sizeof o->q[c]);
            o->d[c] = _cvtsh_ss(head[0]);
            o->s[c] = act_type == RF_Q8_1 ? _cvtsh_ss(head[1]) : 0.0f;
            int lo = 0, hi = 0;
            for (int e = 0; e < 16; e++) { lo += qs[e]; hi += qs[16 + e]; }
            o->m16sy[c] = -16 * (lo + hi);
            o->m128lo[c] = -128 * lo;
            o->m128hi[c] = -128 * hi;
        }
    }
}

// One block of 32 of a tile (words q, each block RF_TILE16_B_BYTES after the last) against the eight packed
// columns: p[c] += Σ q·y of column c; the blocks four ahead are prefetched.
RF_VNNIT static inline __attribute__((always_inline)) void rf_tile16_block_dots(const uint32_t q[8][16], const rf_xt32_block *xb, __m512i p[8]) {
    RF_UNROLL for (int k = 0; k < 8; k++) _mm_prefetch((const char *)q + 4 * RF_TILE16_B_BYTES + 64 * k, _MM_HINT_T0);
    RF_UNROLL for (int k = 0; k < 8; k++) {
        const __m512i wv = _mm512_loadu_si512(q[k]);
        RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_dpbusd_epi32(p[c], wv, _mm512_set1_epi32(rf_word(xb->q[c] + 4 * k)));
    }
}

// Q5_0: per block the exact integer Σ q·y - 16·Σy (the accumulator starts at -16·Σy), then
// fma(float(·), d·dy) into the even or odd block's accumulator; the result is their sum.
RF_VNNIT static void rf_tile16_gemm_q5_0(int n, const void *tile, const void *vx, int ncols, float *y, size_t y_stride) {
    __m512 acc[8][2];
    for (int c = 0; c < 8; c++) acc[c][0] = acc[c][1] = _mm512_setzero_ps();
    const rf_xt32_block *xb = vx;
    const rf_tile_b32 *t = tile;
    for (int i = 0; i < n / RF_QK; i++, xb++, t = (const rf_tile_b32 *)((const char *)t + RF_TILE16_B_BYTES)) {
        __m512i p[8];
        RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_set1_epi32(xb->m16sy[c]);
        rf_tile16_block_dots(t->q, xb, p);
        const __m512 d = _mm512_loadu_ps(t->d);
        RF_UNROLL for (int c = 0; c < 8; c++)
            acc[c][i & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p[c]), _mm512_mul_ps(d, _mm512_set1_ps(xb->d[c])), acc[c][i & 1]);
    }
    for (int c = 0; c < ncols; c++) _mm512_storeu_ps(y + c * y_stride, _mm512_add_ps(acc[c][0], acc[c][1]));
}

// Q4_1: per block the exact integer Σ q·y, acc = fma(float(·), d·dy, acc) and summ = summ + m·s (s the
// column's d·Σy), even and odd blocks into their own; the result (acc_even + acc_odd) + (summ_even + summ_odd).
RF_VNNIT static void rf_tile16_gemm_q4_1(int n, const void *tile, const void *vx, int ncols, float *y, size_t y_stride) {
    __m512 acc[8][2], summ[8][2];
    for (int c = 0; c < 8; c++) acc[c][0] = acc[c][1] = summ[c][0] = summ[c][1] = _mm512_setzero_ps();
    const rf_xt32_block *xb = vx;
    const rf_tile_q4_1 *t = tile;
    for (int i = 0; i < n / RF_QK; i++, xb++, t = (const rf_tile_q4_1 *)((const char *)t + RF_TILE16_B_BYTES)) {
        __m512i p[8];
        RF_UNROLL for (int c = 0; c < 8; c++) p[c] = _mm512_setzero_si512();
        rf_tile16_block_dots(t->q, xb, p);
        const __m512 d = _mm512_loadu_ps(t->d), m = _mm512_loadu_ps(t->m);
        RF_UNROLL for (int c = 0; c < 8; c++) {
            acc[c][i & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p[c]), _mm512_mul_ps(d, _mm512_set1_ps(xb->d[c])), acc[c][i & 1]);
            summ[c][i & 1] = _mm512_add_ps(summ[c][i & 1], _mm512_mul_ps(m, _mm512_set1_ps(xb->s[c])));
        }
    }
    for (int c = 0; c < ncols; c++)
        _mm512_storeu_ps(y + c * y_stride, _mm512_add_ps(_mm512_add_ps(acc[c][0], acc[c][1]), _mm512_add_ps(summ[c][0], summ[c][1])));
}

// Q8_0: each half block's exact Σ w·y, as Σ (w + 128)·y - 128·Σy, into its own accumulator:
// lo = fma(float(·), d·dy, lo), hi likewise; the result (lo + hi) + 0.
RF_VNNIT static void rf_tile16_gemm_q8_0(int n, const void *tile, const void *vx, int ncols, float *y, size_t y_stride) {
    __m512 lo[8], hi[8];
    for (int c = 0; c < 8; c++) lo[c] = hi[c] = _mm512_setzero_ps();
    const rf_xt32_block *xb = vx;
    const rf_tile_b32 *t = tile;
    for (int i = 0; i < n / RF_QK; i++, xb++, t = (const rf_tile_b32 *)((const char *)t + RF_TILE16_B_BYTES)) {
        RF_UNROLL for (int k = 0; k < 8; k++) _mm_prefetch((const char *)t + 4 * RF_TILE16_B_BYTES + 64 * k, _MM_HINT_T0);
        __m512i pl[8], ph[8];
        RF_UNROLL for (int c = 0; c < 8; c++) { pl[c] = _mm512_set1_epi32(xb->m128lo[c]); ph[c] = _mm512_set1_epi32(xb->m128hi[c]); }
        RF_UNROLL for (int k = 0; k < 4; k++) {
            const __m512i wl = _mm512_loadu_si512(t->q[k]), wh = _mm512_loadu_si512(t->q[4 + k]);
            RF_UNROLL for (int c = 0; c < 8; c++) {
                pl[c] = _mm512_dpbusd_epi32(pl[c], wl, _mm512_set1_epi32(rf_word(xb->q[c] + 4 * k)));
                ph[c] = _mm512_dpbusd_epi32(ph[c], wh, _mm512_set1_epi32(rf_word(xb->q[c] + 16 + 4 * k)));
            }
        }
        const __m512 d = _mm512_loadu_ps(t->d);
        RF_UNROLL for (int c = 0; c < 8; c++) {
            const __m512 s = _mm512_mul_ps(d, _mm512_set1_ps(xb->d[c]));
            lo[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(pl[c]), s, lo[c]);
            hi[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ph[c]), s, hi[c]);
        }
    }
    for (int c = 0; c < ncols; c++) _mm512_storeu_ps(y + c * y_stride, _mm512_add_ps(_mm512_add_ps(lo[c], hi[c]), _mm512_setzero_ps()));
}
#endif

int rf_get_tile16(int type, int path, rf_tile16_unpack_fn *unpack, rf_tile16_gemm_fn *gemm) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && rf_cpu_best_path() >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_K: *unpack = rf_tile16_unpack_q4_K; *gemm = rf_tile16_gemm_q4_K; return 1;
        case RF_Q6_K: *unpack = rf_tile16_unpack_q6_K; *gemm = rf_tile16_gemm_q6_K; return 1;
        case RF_Q5_0: *unpack = rf_tile16_unpack_q5_0; *gemm = rf_tile16_gemm_q5_0; return 1;
        case RF_Q8_0: *unpack = rf_tile16_unpack_q8_0; *gemm = rf_tile16_gemm_q8_0; return 1;
        case RF_Q4_1: *unpack = rf_tile16_unpack_q4_1; *gemm = rf_tile16_gemm_q4_1; return 1;
        default: break;
        }
    }
#endif
    (void)type; (void)path;
    *unpack = 0; *gemm = 0;
    return 0;
}

void rf_tile16_pack_x(const void *x, size_t x_stride, int ncols, int64_t k, rf_xt_block *out) {
#ifdef RF_X86
    rf_tile16_pack_x_impl(x, x_stride, ncols, k, out);
#else
    (void)x; (void)x_stride; (void)ncols; (void)k; (void)out;
#endif
}

void rf_tile16_pack_x32(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, rf_xt32_block *out) {
#ifdef RF_X86
    rf_tile16_pack_x32_impl(x, x_stride, ncols, k, act_type, out);
#else
    (void)x; (void)x_stride; (void)ncols; (void)k; (void)act_type; (void)out;
#endif
}
