// Eight weight rows × one activation row (decode) for AVX-512 VNNI on 512-bit vectors. Each result equals
// the four-row VNNI kernel's (kernels_rows4_impl.h) bit for bit. Q8_0: per row and block the same two integer
// sums (codes 0-15 and 16-31), converted to float and FMA'd with the same scale d·dy into one accumulator per
// half, and (lo + hi) + 0 at the end. Q4_1 and Q4_0: the paired-block arithmetic described at their kernels
// below. Only the way the integer sums are formed changes, and integer sums are exact:
// - Q4_0/Q4_1: the 16 code bytes of four rows fill one zmm (one row per 128-bit lane), so one vpdpbusd takes
//   the low nibbles of four rows against the activation's first 16 bytes broadcast to every lane, another the
//   high nibbles against the last 16. Q4_0's offset (n - 8)·y enters as vpdpbusd's starting value -8·Σy.
// - Q8_0: two rows per zmm; the signed codes become unsigned by x + 128 (xor 0x80), and -128·Σy is the
//   starting value, so each lane sums the true products x·y (ggml's Q8_0 codes stay within ±127, where the
//   four-row kernel's sign trick also gives the true products).
// - The four per-lane partial sums of each (row, half) are reduced for all eight rows together.
// - The eight rows' 16-bit heads (d, and m for Q4_1) are converted with one vcvtph2ps.
// - Q5_0: as Q4_0, with the fifth bits turned into byte masks by vpshufbitqmb and 16 added under them.
// Each kernel also prefetches the rows of a later call (RF_PF_START). Needs GFNI and BITALG besides
// AVX-512 VNNI (dispatch.c checks).
#include "avx2_helpers.h"
#ifdef RF_X86
#define RF_R8 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni,gfni,avx512bitalg")))

static inline int rf_ld32(const char *p) { int v; memcpy(&v, p, 4); return v; }

// The first 32 bits of block i of eight rows (p is row 0's block, rb apart) as eight dwords in the given order.
// Rows are paired into 64-bit words in general registers and moved over with vmovq/vpinsrq (three shuffles
// with the vinserti128, where vpinsrd from memory takes seven; broadcast loads with blends and vpgatherdd were
// slower: docs/performance.md, "Measurements behind the code"). The empty asm keeps the compiler from turning the
// pairs back into vpinsrd.
static inline long long rf_pair32(const char *lo, const char *hi) {
    uint64_t v = (uint32_t)rf_ld32(lo) | (uint64_t)(uint32_t)rf_ld32(hi) << 32;
    __asm__("" : "+r"(v));
    return (long long)v;
}
#define RF_HEADS8(p, rb, a, b, c, d, e, f, g, h) \
    _mm256_set_m128i(_mm_insert_epi64(_mm_cvtsi64_si128(rf_pair32((p) + (e) * (rb), (p) + (f) * (rb))), rf_pair32((p) + (g) * (rb), (p) + (h) * (rb)), 1), \
                     _mm_insert_epi64(_mm_cvtsi64_si128(rf_pair32((p) + (a) * (rb), (p) + (b) * (rb))), rf_pair32((p) + (c) * (rb), (p) + (d) * (rb)), 1))

// The high nibble of every byte in one instruction (GF(2) affine map = shift right by 4) instead of a shift and
// a mask.
RF_R8 static inline __m512i rf_hi_nibbles(__m512i z) { return _mm512_gf2p8affine_epi64_epi8(z, _mm512_set1_epi64(0x1020408000000000LL), 0); }

// Prefetch of a later call's rows (rows are contiguous): at the start of each call, eight rows' worth at least
// RF_PF_LEAD bytes ahead go to L1 at once (up to RF_PF_CAP bytes; for longer rows the rest is spread over the
// loop). Streaming rows from memory on one core this beats the next eight rows spread over the loop into L2 on
// the K-quants and Q5_0 (docs/performance.md, "Measurements behind the code").
#define RF_PF_LEAD 8192
#define RF_PF_CAP 16384
static inline const char *rf_pf_begin(const char *w, size_t rb) {
    const char *next = w + (8 * rb > RF_PF_LEAD ? 8 * rb : RF_PF_LEAD);
    const size_t burst = 8 * rb < RF_PF_CAP ? 8 * rb : RF_PF_CAP;
    for (size_t o = 0; o < burst; o += 64) _mm_prefetch(next + o, _MM_HINT_T0);
    return 8 * rb > RF_PF_CAP ? next + RF_PF_CAP : 0;
}
#define RF_PF_START(w, rb) rf_pf_begin(w, rb)
#define RF_PREFETCH_NEXT8(pf, bytes) do { if (pf) { for (int o_ = 0; o_ < (bytes); o_ += 64) _mm_prefetch((pf) + o_, _MM_HINT_T0); (pf) += (bytes); } } while (0)
// The next eight rows, at least 8 KiB ahead, spread over the loop into L2: kept for Q4_0, Q4_1 and Q8_0, where it
// decodes faster end to end than the scheme above (docs/performance.md, "Measurements behind the code").
#define RF_PF_START_L2(w, rb) ((w) + (8 * (rb) > 8192 ? 8 * (rb) : 8192))
#define RF_PREFETCH_NEXT8_L2(pf, bytes) do { for (int o_ = 0; o_ < (bytes); o_ += 64) _mm_prefetch((pf) + o_, _MM_HINT_T1); (pf) += (bytes); } while (0)

// Four vectors of four int32 partial sums per 128-bit lane (each partial within ±2^13, so the int16 packs are
// exact) -> per lane L: [sum of a's lane L, of b's, of c's, of d's].
RF_R8 static inline __m512i rf_reduce4x4_i16(__m512i a, __m512i b, __m512i c, __m512i d) {
    const __m512i ones = _mm512_set1_epi16(1);
    const __m512i ab = _mm512_madd_epi16(_mm512_packs_epi32(a, b), ones);  // [a01, a23, b01, b23]
    const __m512i cd = _mm512_madd_epi16(_mm512_packs_epi32(c, d), ones);
    return _mm512_madd_epi16(_mm512_packs_epi32(ab, cd), ones);
}

// The same for partial sums of any int32 size (Q8_0).
RF_R8 static inline __m512i rf_reduce4x4_i32(__m512i a, __m512i b, __m512i c, __m512i d) {
    const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));  // [a02, b02, a13, b13]
    const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}

// Q4_1 and Q4_0, in the arithmetic of kernels_rows4_impl.h (one exact integer sum per row and block over both
// halves; even and odd blocks FMA'd into their own accumulators; for Q4_1 the m·sy products added into their
// own even and odd sums; (acc_even + acc_odd) (+ (summ_even + summ_odd))). Two blocks per iteration: the
// integer sums of four rows come from one zmm each (two vpdpbusd into one accumulator), the four zmm of rows
// 0-3 and 4-7 of both blocks reduce into one, lane L holding [row L, row L+4] of the even block and then of the
// odd one, and one conversion and one FMA serve all sixteen (no half of a vector idle, no order between the two
// blocks' FMAs). The heads' products d·dy (and m·sy) come from one multiply per block. Row addresses are formed from one pointer and three row
// offsets by scaled-index addressing (RF_OPAQUE keeps the compiler from making eight row pointers and spilling
// them). One core from L2 (scripts/kernels/rows8_rates.sh): see docs/performance.md, "Where the speed issue stands"
// (2026-12-07, the build of 79853d2).
#define RF_OPAQUE(x) __asm__("" : "+r"(x))

// The integer partial sums of four rows (p0..p3: their blocks, whose 16 code bytes start `at` bytes in), one row
// per 128-bit lane: the low nibbles against qlo and the high ones against qhi, both into one accumulator that
// starts at `start` (Q4_0's -8·Σy of each dword's activation bytes, so each dword ends at the true Σ(n - 8)·y,
// within ±8192; zero for Q4_1, within ±15360: the int16 packs of rf_reduce4x4_i16 stay exact either way).
RF_R8 static inline __m512i rf_q4_sums4(const char *p0, const char *p1, const char *p2, const char *p3, int at,
                                        __m512i qlo, __m512i qhi, __m512i start) {
    __m512i z = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + at)));
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p1 + at)), 1);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p2 + at)), 2);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p3 + at)), 3);
    const __m512i lo = _mm512_dpbusd_epi32(start, _mm512_and_si512(z, _mm512_set1_epi8(0x0F)), qlo);
    return _mm512_dpbusd_epi32(lo, rf_hi_nibbles(z), qhi);
}

// Q5_0: the same sums from 5-bit codes. The fifth bits of the four rows (lane L holding row L's qh in both
// quadwords) become byte masks by vpshufbitqmb: byte i of a lane selects bit i of its quadword for the low
// nibbles (values 0-15) and bit 16 + i for the high ones (16-31); 16 is added to the code bytes under the mask.
// Each dword's partial sum Σ(n - 16)·y stays within ±16,256, so rf_reduce4x4_i16's int16 packs stay exact.
RF_R8 static inline __m512i rf_q5_sums4(const char *p0, const char *p1, const char *p2, const char *p3,
                                        __m512i qlo, __m512i qhi, __m512i start, __m512i qh) {
    const __m512i sel_lo = _mm512_set4_epi64(0x0F0E0D0C0B0A0908LL, 0x0706050403020100LL, 0x0F0E0D0C0B0A0908LL, 0x0706050403020100LL);
    const __m512i sel_hi = _mm512_add_epi8(sel_lo, _mm512_set1_epi8(16));
    const __m512i m4 = _mm512_set1_epi8(0x0F), sixteen = _mm512_set1_epi8(16);
    __m512i z = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + 6)));
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p1 + 6)), 1);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p2 + 6)), 2);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p3 + 6)), 3);
    __m512i lo = _mm512_and_si512(z, m4), hi = rf_hi_nibbles(z);
    lo = _mm512_mask_add_epi8(lo, _mm512_bitshuffle_epi64_mask(qh, sel_lo), lo, sixteen);
    hi = _mm512_mask_add_epi8(hi, _mm512_bitshuffle_epi64_mask(qh, sel_hi), hi, sixteen);
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(start, lo, qlo), hi, qhi);
}

// Block w of eight rows against activation block y: A and B, the sums of rows 0-3 and 4-7, and P, the heads
// times the activation's scales (lane L: d·dy of rows L and L+4 in dwords 0 and 2, and for Q4_1 m·sy in 1 and 3).
#define RF_Q4_1_BLOCK8(w, y, A, B, P) \
    const __m512i qlo_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y + 4))); \
    const __m512i qhi_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y + 20))); \
    const __m512i A = rf_q4_sums4(w, w + rb, w + 2 * rb, w + r3, 4, qlo_##A, qhi_##A, _mm512_setzero_si512()); \
    const __m512i B = rf_q4_sums4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, 4, qlo_##A, qhi_##A, _mm512_setzero_si512()); \
    const __m512 P = _mm512_mul_ps(_mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7)), _mm512_cvtph_ps(_mm256_set1_epi32(rf_ld32(y))))
#define RF_Q4_0_BLOCK8(w, y, A, B, P) \
    const __m512i qlo_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y + 2))); \
    const __m512i qhi_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y + 18))); \
    const __m512i off_##A = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), \
                                              _mm512_set1_epi8(8), qlo_##A), _mm512_set1_epi8(8), qhi_##A)); \
    const __m512i A = rf_q4_sums4(w, w + rb, w + 2 * rb, w + r3, 2, qlo_##A, qhi_##A, off_##A); \
    const __m512i B = rf_q4_sums4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, 2, qlo_##A, qhi_##A, off_##A); \
    const __m512 P = _mm512_mul_ps(_mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7)), _mm512_set1_ps(_cvtsh_ss(*(const uint16_t *)(y))))

#define RF_Q5_0_BLOCK8(w, y, A, B, P) \
    const __m512i qlo_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y + 2))); \
    const __m512i qhi_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y + 18))); \
    const __m512i off_##A = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), \
                                              _mm512_set1_epi8(16), qlo_##A), _mm512_set1_epi8(16), qhi_##A)); \
    const __m512i qh8_##A = _mm512_castsi256_si512(RF_HEADS8(w + 2, rb, 0, 1, 2, 3, 4, 5, 6, 7)); \
    const __m512i A = rf_q5_sums4(w, w + rb, w + 2 * rb, w + r3, qlo_##A, qhi_##A, off_##A, \
                                  _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), qh8_##A)); \
    const __m512i B = rf_q5_sums4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, qlo_##A, qhi_##A, off_##A, \
                                  _mm512_permutexvar_epi32(_mm512_setr_epi32(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7), qh8_##A)); \
    const __m512 P = _mm512_mul_ps(_mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7)), _mm512_set1_ps(_cvtsh_ss(*(const uint16_t *)(y))))

// The paired-block kernel of a 4-bit format (BLOCK8 above; HAS_MIN: Q4_1's m·sy sums). Accumulator lanes: lane
// L holds [even-block value of row L, of row L+4, odd-block value of row L, of row L+4]; the m·sy sums the same.
#define RF_PAIRED8(NAME, WBLOCK, YBLOCK, BLOCK8, HAS_MIN, PF) \
RF_R8 void NAME(int n, const void *vw, size_t rb, const void *vy, float *out) { \
    const char *w = vw, *y = vy; \
    const char *pf = RF_PF_START##PF(w, rb); \
    size_t r3 = 3 * rb, r5 = 5 * rb, r7 = 7 * rb; \
    RF_OPAQUE(r3); RF_OPAQUE(r5); RF_OPAQUE(r7); \
    __m512 acc = _mm512_setzero_ps(), summ = _mm512_setzero_ps(); \
    int i = 0; \
    for (; i + 2 <= n / RF_QK; i += 2, w += 2 * sizeof(WBLOCK), y += 2 * sizeof(YBLOCK)) { \
        RF_OPAQUE(w); \
        const char *v = w + sizeof(WBLOCK), *z = y + sizeof(YBLOCK); \
        RF_PREFETCH_NEXT8##PF(pf, 16 * (int)sizeof(WBLOCK)); \
        BLOCK8(w, y, a, b, p0); \
        BLOCK8(v, z, c, d, p1); \
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i16(a, b, c, d)), _mm512_shuffle_ps(p0, p1, 0x88), acc); \
        if (HAS_MIN) summ = _mm512_add_ps(summ, _mm512_shuffle_ps(p0, p1, 0xDD)); \
    } \
    if (i < n / RF_QK) {  /* an odd block count: the last block is an even one */ \
        RF_PREFETCH_NEXT8##PF(pf, 8 * (int)sizeof(WBLOCK)); \
        BLOCK8(w, y, a, b, p); \
        acc = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i16(a, b, a, b)), _mm512_shuffle_ps(p, p, 0x88), acc, 0x3333); \
        if (HAS_MIN) summ = _mm512_mask_add_ps(summ, 0x3333, summ, _mm512_shuffle_ps(p, p, 0xDD)); \
    } \
    /* even + odd (then, for Q4_1, plus the m·sy sums' even + odd): row L in dword 4L, row L+4 in dword 4L + 1 */ \
    __m512 r = _mm512_add_ps(acc, _mm512_permute_ps(acc, 0x4E)); \
    if (HAS_MIN) r = _mm512_add_ps(r, _mm512_add_ps(summ, _mm512_permute_ps(summ, 0x4E))); \
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0); \
    _mm256_storeu_ps(out, _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, r))); \
}

RF_PAIRED8(rf_vec_dot8_q4_1_q8_1_avx512, rf_block_q4_1, rf_block_q8_1, RF_Q4_1_BLOCK8, 1, _L2)
RF_PAIRED8(rf_vec_dot8_q4_0_q8_0_avx512, rf_block_q4_0, rf_block_q8_0, RF_Q4_0_BLOCK8, 0, _L2)
RF_PAIRED8(rf_vec_dot8_q5_0_q8_0_avx512, rf_block_q5_0, rf_block_q8_0, RF_Q5_0_BLOCK8, 0, )
#undef RF_PAIRED8
#undef RF_Q5_0_BLOCK8
#undef RF_Q4_1_BLOCK8
#undef RF_Q4_0_BLOCK8

// Q8_0: zmm k holds rows 2k and 2k+1, so the reduced sums sit in lane L = [r0, r2, r4, r6] (+ L&2 ? 1 : 0),
// the low half's for even L and the high half's for odd L.
RF_R8 void rf_vec_dot8_q8_0_q8_0_avx512(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const char *w = vw, *y = vy;
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    const __m512i hidx = _mm512_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6, 8, 10, 12, 14, 8, 10, 12, 14);
    __m512 acc = _mm512_setzero_ps();
#define RF_ROWS2X32(p) _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(p))), \
                                          _mm256_loadu_si256((const __m256i *)((p) + rb)), 1)
    const char *pf = RF_PF_START_L2(w, rb);
    for (int i = 0; i < n / RF_QK; i++, w += sizeof(rf_block_q8_0), y += sizeof(rf_block_q8_0)) {
        RF_PREFETCH_NEXT8_L2(pf, 8 * (int)sizeof(rf_block_q8_0));
        const __m512i qy = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(y + 2)));
        const __m512i zero = _mm512_setzero_si512();
        const __m512i off = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, bias, qy));  // -128·Σy per lane
        const __m512i a = _mm512_dpbusd_epi32(off, _mm512_xor_si512(RF_ROWS2X32(w + 2), bias), qy);
        const __m512i b = _mm512_dpbusd_epi32(off, _mm512_xor_si512(RF_ROWS2X32(w + 2 + 2 * rb), bias), qy);
        const __m512i c = _mm512_dpbusd_epi32(off, _mm512_xor_si512(RF_ROWS2X32(w + 2 + 4 * rb), bias), qy);
        const __m512i d = _mm512_dpbusd_epi32(off, _mm512_xor_si512(RF_ROWS2X32(w + 2 + 6 * rb), bias), qy);
        const __m512 hf = _mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 2, 4, 6, 1, 3, 5, 7));  // [d0, -, d2, -, ..., d1, -, ...]
        const __m512 s = _mm512_permutexvar_ps(hidx, _mm512_mul_ps(hf, _mm512_set1_ps(_cvtsh_ss(*(const uint16_t *)y))));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(a, b, c, d)), s, acc);
    }
#undef RF_ROWS2X32
    // lanes 0 + 1 -> rows 0,2,4,6; lanes 2 + 3 -> rows 1,3,5,7
    const __m512 t = _mm512_add_ps(_mm512_add_ps(acc, _mm512_shuffle_f32x4(acc, acc, 0xB1)), _mm512_setzero_ps());
    const __m512i idx = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm256_storeu_ps(out, _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, t)));
}
// Q4_K, in the arithmetic of kernels_kquants_impl.h (per row and super-block the exact integers
// S = Σ scale·dot and M = Σ min·Σy; even and odd super-blocks into their own accumulators,
// fma(float(S), d·dy) and fma(float(M), dmin·dy); (acc_even + acc_odd) - (summ_even + summ_odd)). Four rows per
// zmm, one row per 128-bit lane, as for Q4_1: sub-blocks 2k and 2k + 1 are the low and high nibbles of the same
// 32 code bytes, each half of them against its 16 activation bytes broadcast. The last level of the int16
// reduction multiplies by the scales instead of by ones (vpmaddwd with each sub-block's scale in both words),
// so the four rows' scaled sums come out of the reduction itself. The 6-bit scales and mins of four rows are
// unpacked together by two byte shuffles, shifts and masks (lane L: bytes 0-7 the scales, 8-15 the mins of row L).
RF_R8 static inline __m512i rf_k4_scale_min4(const char *p0, const char *p1, const char *p2, const char *p3) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + 4)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p1 + 4)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p2 + 4)), 2);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p3 + 4)), 3);
    // a = q[0..3], b = q[4..7], c = q[8..11]: scales 0-3 = a & 63, 4-7 = (c & 15) | (a >> 6) << 4;
    // mins 0-3 = b & 63, 4-7 = (c >> 4) | (b >> 6) << 4.
    const __m512i x = _mm512_shuffle_epi8(v, _mm512_set4_epi32(0x0B0A0908, 0x07060504, 0x0B0A0908, 0x03020100));  // [a, c, b, c]
    const __m512i t = _mm512_shuffle_epi8(v, _mm512_set4_epi32(0x07060504, -1, 0x03020100, -1));                  // [0, a, 0, b]
    const __m512i lo = _mm512_and_si512(_mm512_srlv_epi32(x, _mm512_set4_epi32(4, 0, 0, 0)),
                                        _mm512_set4_epi32(0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F));
    return _mm512_or_si512(lo, _mm512_and_si512(_mm512_srli_epi32(t, 2), _mm512_set4_epi32(0x30303030, 0, 0x30303030, 0)));
}

// Four vectors of four int32 partial sums per lane (each within ±15,240) -> lane L: [sa·Σa_L, sb·Σb_L, sc·Σc_L,
// sd·Σd_L], where scales16 holds each scale in both words of its dword.
RF_R8 static inline __m512i rf_reduce4x4_scaled(__m512i a, __m512i b, __m512i c, __m512i d, __m512i scales16) {
    const __m512i ones = _mm512_set1_epi16(1);
    const __m512i ab = _mm512_madd_epi16(_mm512_packs_epi32(a, b), ones);
    const __m512i cd = _mm512_madd_epi16(_mm512_packs_epi32(c, d), ones);
    return _mm512_madd_epi16(_mm512_packs_epi32(ab, cd), scales16);
}

// Rows p0..p3 (their super-blocks) against activation super-block y: lane L of *S sums to row L's S, of *M to
// its M. bsum32 holds the eight sums of 32 activations as int16 in every lane.
RF_R8 static inline void rf_q4_K_rows4(const char *p0, const char *p1, const char *p2, const char *p3,
                                       const int8_t *yq, __m512i bsum32, __m512i *S, __m512i *M) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512i part[8];
    for (int k = 0; k < 4; k++) {
        const int at = 16 + 32 * k;
        __m512i z0 = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + at)));
        z0 = _mm512_inserti32x4(z0, _mm_loadu_si128((const __m128i *)(p1 + at)), 1);
        z0 = _mm512_inserti32x4(z0, _mm_loadu_si128((const __m128i *)(p2 + at)), 2);
        z0 = _mm512_inserti32x4(z0, _mm_loadu_si128((const __m128i *)(p3 + at)), 3);
        __m512i z1 = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + at + 16)));
        z1 = _mm512_inserti32x4(z1, _mm_loadu_si128((const __m128i *)(p1 + at + 16)), 1);
        z1 = _mm512_inserti32x4(z1, _mm_loadu_si128((const __m128i *)(p2 + at + 16)), 2);
        z1 = _mm512_inserti32x4(z1, _mm_loadu_si128((const __m128i *)(p3 + at + 16)), 3);
        const int8_t *q = yq + 64 * k;
        const __m512i y0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)q));
        const __m512i y1 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 16)));
        const __m512i y2 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 32)));
        const __m512i y3 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 48)));
        part[2 * k] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(z0, m4), y0), _mm512_and_si512(z1, m4), y1);
        part[2 * k + 1] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), rf_hi_nibbles(z0), y2), rf_hi_nibbles(z1), y3);
    }
    const __m512i sm = rf_k4_scale_min4(p0, p1, p2, p3);
    const __m512i sc_a = _mm512_shuffle_epi8(sm, _mm512_set4_epi32(0x80038003, 0x80028002, 0x80018001, 0x80008000));
    const __m512i sc_b = _mm512_shuffle_epi8(sm, _mm512_set4_epi32(0x80078007, 0x80068006, 0x80058005, 0x80048004));
    *S = _mm512_add_epi32(rf_reduce4x4_scaled(part[0], part[1], part[2], part[3], sc_a),
                          rf_reduce4x4_scaled(part[4], part[5], part[6], part[7], sc_b));
    const __m512i mins16 = _mm512_shuffle_epi8(sm, _mm512_set4_epi32(0x800F800E, 0x800D800C, 0x800B800A, 0x80098008));
    *M = _mm512_madd_epi16(mins16, bsum32);
}

// The eight sums of 32 activations of super-block y as int16, in every 128-bit lane.
RF_R8 static inline __m512i rf_bsum32(const rf_block_q8_K *y) {
    const __m256i s = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)y->bsums), _mm256_set1_epi16(1));
    const __m128i p = _mm_packs_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    return _mm512_broadcast_i32x4(p);
}

// Super-block w of eight rows against activation super-block y: S and M of rows 0-3 and 4-7, and P, the heads
// times dy (lane L: d·dy and dmin·dy of row L in dwords 0 and 1, of row L + 4 in 2 and 3).
#define RF_Q4_K_SB8(w, y, SA, SB, MA, MB, P) \
    __m512i SA, SB, MA, MB; \
    { const __m512i bs_ = rf_bsum32(y); \
      rf_q4_K_rows4(w, w + rb, w + 2 * rb, w + r3, (y)->qs, bs_, &SA, &MA); \
      rf_q4_K_rows4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, (y)->qs, bs_, &SB, &MB); } \
    const __m512 P = _mm512_mul_ps(_mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7)), _mm512_set1_ps((y)->d))

RF_R8 void rf_vec_dot8_q4_K_q8_K_avx512(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const char *w = vw;
    const rf_block_q8_K *y = vy;
    const char *pf = RF_PF_START(w, rb);
    size_t r3 = 3 * rb, r5 = 5 * rb, r7 = 7 * rb;
    RF_OPAQUE(r3); RF_OPAQUE(r5); RF_OPAQUE(r7);
    __m512 acc = _mm512_setzero_ps(), summ = _mm512_setzero_ps();
    const int nb = n / RF_QK_K;
    int i = 0;
    for (; i + 2 <= nb; i += 2, w += 2 * sizeof(rf_block_q4_K)) {
        RF_OPAQUE(w);
        const char *v = w + sizeof(rf_block_q4_K);
        RF_PREFETCH_NEXT8(pf, 16 * (int)sizeof(rf_block_q4_K));
        RF_Q4_K_SB8(w, y + i, sa, sb, ma, mb, pe);
        RF_Q4_K_SB8(v, y + i + 1, sc, sd, mc, md, po);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sc, sd)), _mm512_shuffle_ps(pe, po, 0x88), acc);
        summ = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(ma, mb, mc, md)), _mm512_shuffle_ps(pe, po, 0xDD), summ);
    }
    if (i < nb) {  // an odd super-block count: the last one is an even one
        RF_PREFETCH_NEXT8(pf, 8 * (int)sizeof(rf_block_q4_K));
        RF_Q4_K_SB8(w, y + i, sa, sb, ma, mb, p);
        acc = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sa, sb)), _mm512_shuffle_ps(p, p, 0x88), acc, 0x3333);
        summ = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(ma, mb, ma, mb)), _mm512_shuffle_ps(p, p, 0xDD), summ, 0x3333);
    }
    // (acc_even + acc_odd) - (summ_even + summ_odd): row L in dword 4L, row L + 4 in dword 4L + 1
    const __m512 r = _mm512_sub_ps(_mm512_add_ps(acc, _mm512_permute_ps(acc, 0x4E)), _mm512_add_ps(summ, _mm512_permute_ps(summ, 0x4E)));
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm256_storeu_ps(out, _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, r)));
}
#undef RF_Q4_K_SB8
// Q6_K, in the same arithmetic (S = Σ scale·(dot - 32·Σy), exact; no mins, so the result is acc_even +
// acc_odd). Each 16 code bytes of a row are one 16-value sub-block, so a zmm of four rows' 16 bytes (one row per
// lane) against the sub-block's 16 activation bytes broadcast gives four partial sums of that sub-block per lane
// (each within ±32,004: codes are unsigned, 0-63). Two sub-blocks' partials pack to int16 and vpmaddwd
// multiplies them by their scales (sign-extended, each repeated over its four words); the offset
// 32·Σ scale·(sum of 16 activations) comes from the bsums. The d of a super-block is its last two bytes, read
// as the high half of the four bytes before the end (never past it).
RF_R8 static inline __m512i rf_q6_K_rows4(const char *p0, const char *p1, const char *p2, const char *p3,
                                          const rf_block_q8_K *y, __m512i bs_lo, __m512i bs_hi) {
#define RF_ROWS4_AT(at) _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512( \
        _mm_loadu_si128((const __m128i *)(p0 + (at)))), _mm_loadu_si128((const __m128i *)(p1 + (at))), 1), \
        _mm_loadu_si128((const __m128i *)(p2 + (at))), 2), _mm_loadu_si128((const __m128i *)(p3 + (at))), 3)
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    const __m512i sc8 = RF_ROWS4_AT(192);
    const __m512i neg = _mm512_movm_epi8(_mm512_movepi8_mask(sc8));
    const __m512i sc_lo = _mm512_unpacklo_epi8(sc8, neg), sc_hi = _mm512_unpackhi_epi8(sc8, neg);  // scales 0-7, 8-15
    // Scale words for the packed pairs (sub-blocks h, 2 + h) and (4 + h, 6 + h) of each half.
    const __m512i pick[4] = {
        _mm512_set4_epi32(0x05040504, 0x05040504, 0x01000100, 0x01000100), _mm512_set4_epi32(0x0D0C0D0C, 0x0D0C0D0C, 0x09080908, 0x09080908),
        _mm512_set4_epi32(0x07060706, 0x07060706, 0x03020302, 0x03020302), _mm512_set4_epi32(0x0F0E0F0E, 0x0F0E0F0E, 0x0B0A0B0A, 0x0B0A0B0A)};
    __m512i sum = _mm512_setzero_si512();
    for (int n = 0; n < 2; n++) {
        const __m512i sc = n ? sc_hi : sc_lo;
        for (int h = 0; h < 2; h++) {
            const __m512i ql0 = RF_ROWS4_AT(64 * n + 16 * h), ql1 = RF_ROWS4_AT(64 * n + 32 + 16 * h);
            const __m512i qh = RF_ROWS4_AT(128 + 32 * n + 16 * h);
            const int8_t *q = y->qs + 128 * n + 16 * h;
#define RF_Y16(s) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 32 * (s))))
            const __m512i zero = _mm512_setzero_si512();
            const __m512i c1 = _mm512_or_si512(_mm512_and_si512(ql0, m4), _mm512_and_si512(_mm512_slli_epi16(qh, 4), m30));
            const __m512i c2 = _mm512_or_si512(_mm512_and_si512(ql1, m4), _mm512_and_si512(_mm512_slli_epi16(qh, 2), m30));
            const __m512i c3 = _mm512_or_si512(rf_hi_nibbles(ql0), _mm512_and_si512(qh, m30));
            const __m512i c4 = _mm512_or_si512(rf_hi_nibbles(ql1), _mm512_and_si512(_mm512_srli_epi16(qh, 2), m30));
            const __m512i a = _mm512_packs_epi32(_mm512_dpbusd_epi32(zero, c1, RF_Y16(0)), _mm512_dpbusd_epi32(zero, c2, RF_Y16(1)));
            const __m512i b = _mm512_packs_epi32(_mm512_dpbusd_epi32(zero, c3, RF_Y16(2)), _mm512_dpbusd_epi32(zero, c4, RF_Y16(3)));
            sum = _mm512_add_epi32(sum, _mm512_madd_epi16(a, _mm512_shuffle_epi8(sc, pick[2 * h])));
            sum = _mm512_add_epi32(sum, _mm512_madd_epi16(b, _mm512_shuffle_epi8(sc, pick[2 * h + 1])));
#undef RF_Y16
        }
    }
    const __m512i off = _mm512_add_epi32(_mm512_madd_epi16(sc_lo, bs_lo), _mm512_madd_epi16(sc_hi, bs_hi));
    return _mm512_sub_epi32(sum, _mm512_slli_epi32(off, 5));
#undef RF_ROWS4_AT
}

#define RF_Q6_K_SB8(w, y, SA, SB, P) \
    const __m512i bl_##SA = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y)->bsums)); \
    const __m512i bh_##SA = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)((y)->bsums + 8))); \
    const __m512i SA = rf_q6_K_rows4(w, w + rb, w + 2 * rb, w + r3, y, bl_##SA, bh_##SA); \
    const __m512i SB = rf_q6_K_rows4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, y, bl_##SA, bh_##SA); \
    const __m512 P = _mm512_mul_ps(_mm512_cvtph_ps(RF_HEADS8(w + 206, rb, 0, 4, 1, 5, 2, 6, 3, 7)), _mm512_set1_ps((y)->d))

RF_R8 void rf_vec_dot8_q6_K_q8_K_avx512(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const char *w = vw;
    const rf_block_q8_K *y = vy;
    const char *pf = RF_PF_START(w, rb);
    size_t r3 = 3 * rb, r5 = 5 * rb, r7 = 7 * rb;
    RF_OPAQUE(r3); RF_OPAQUE(r5); RF_OPAQUE(r7);
    __m512 acc = _mm512_setzero_ps();
    const int nb = n / RF_QK_K;
    int i = 0;
    for (; i + 2 <= nb; i += 2, w += 2 * sizeof(rf_block_q6_K)) {
        RF_OPAQUE(w);
        const char *v = w + sizeof(rf_block_q6_K);
        RF_PREFETCH_NEXT8(pf, 16 * (int)sizeof(rf_block_q6_K));
        RF_Q6_K_SB8(w, y + i, sa, sb, pe);
        RF_Q6_K_SB8(v, y + i + 1, sc, sd, po);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sc, sd)), _mm512_shuffle_ps(pe, po, 0xDD), acc);
    }
    if (i < nb) {
        RF_PREFETCH_NEXT8(pf, 8 * (int)sizeof(rf_block_q6_K));
        RF_Q6_K_SB8(w, y + i, sa, sb, p);
        acc = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sa, sb)), _mm512_shuffle_ps(p, p, 0xDD), acc, 0x3333);
    }
    const __m512 r = _mm512_add_ps(acc, _mm512_permute_ps(acc, 0x4E));
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm256_storeu_ps(out, _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, r)));
}
#undef RF_Q6_K_SB8

// Eight rows against several activation rows at once (speculative verification, a few sequences decoding
// together): each super-block's codes are taken out of the rows once (rf_*_codes4) and then dotted with every
// column (rf_*_dot4), in the arithmetic of the one-column kernels above, so each column's eight results equal
// rf_vec_dot8_*'s bit for bit. y: ncols activation rows, y_stride bytes apart; out: ncols × 8 floats.
// The codes and dot steps below split rf_q4_K_rows4 and rf_q6_K_rows4 in two; those stay whole, as the one-column
// kernels' tuned code is generated from them.
typedef struct { __m512i c[16]; __m512i sm; } rf_q4_K_codes;

RF_R8 static inline void rf_q4_K_codes4(const char *p0, const char *p1, const char *p2, const char *p3, rf_q4_K_codes *o) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    for (int k = 0; k < 4; k++) {
        const int at = 16 + 32 * k;
        __m512i z0 = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + at)));
        z0 = _mm512_inserti32x4(z0, _mm_loadu_si128((const __m128i *)(p1 + at)), 1);
        z0 = _mm512_inserti32x4(z0, _mm_loadu_si128((const __m128i *)(p2 + at)), 2);
        z0 = _mm512_inserti32x4(z0, _mm_loadu_si128((const __m128i *)(p3 + at)), 3);
        __m512i z1 = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + at + 16)));
        z1 = _mm512_inserti32x4(z1, _mm_loadu_si128((const __m128i *)(p1 + at + 16)), 1);
        z1 = _mm512_inserti32x4(z1, _mm_loadu_si128((const __m128i *)(p2 + at + 16)), 2);
        z1 = _mm512_inserti32x4(z1, _mm_loadu_si128((const __m128i *)(p3 + at + 16)), 3);
        o->c[4 * k] = _mm512_and_si512(z0, m4);
        o->c[4 * k + 1] = _mm512_and_si512(z1, m4);
        o->c[4 * k + 2] = rf_hi_nibbles(z0);
        o->c[4 * k + 3] = rf_hi_nibbles(z1);
    }
    o->sm = rf_k4_scale_min4(p0, p1, p2, p3);
}

// rf_q4_K_rows4's sums from codes taken out beforehand.
RF_R8 static inline void rf_q4_K_dot4(const rf_q4_K_codes *cd, const int8_t *yq, __m512i bsum32, __m512i *S, __m512i *M) {
    __m512i part[8];
    for (int k = 0; k < 4; k++) {
        const int8_t *q = yq + 64 * k;
        const __m512i y0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)q));
        const __m512i y1 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 16)));
        const __m512i y2 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 32)));
        const __m512i y3 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 48)));
        part[2 * k] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), cd->c[4 * k], y0), cd->c[4 * k + 1], y1);
        part[2 * k + 1] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), cd->c[4 * k + 2], y2), cd->c[4 * k + 3], y3);
    }
    const __m512i sm = cd->sm;
    const __m512i sc_a = _mm512_shuffle_epi8(sm, _mm512_set4_epi32(0x80038003, 0x80028002, 0x80018001, 0x80008000));
    const __m512i sc_b = _mm512_shuffle_epi8(sm, _mm512_set4_epi32(0x80078007, 0x80068006, 0x80058005, 0x80048004));
    *S = _mm512_add_epi32(rf_reduce4x4_scaled(part[0], part[1], part[2], part[3], sc_a),
                          rf_reduce4x4_scaled(part[4], part[5], part[6], part[7], sc_b));
    const __m512i mins16 = _mm512_shuffle_epi8(sm, _mm512_set4_epi32(0x800F800E, 0x800D800C, 0x800B800A, 0x80098008));
    *M = _mm512_madd_epi16(mins16, bsum32);
}

// The one-column kernel's final reduction: row L in dword 4L, row L + 4 in dword 4L + 1, stored as eight floats.
RF_R8 static inline void rf_store8(__m512 r, float *out) {
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm256_storeu_ps(out, _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, r)));
}

RF_R8 void rf_vec_dot8n_q4_K_q8_K_avx512(int n, const void *vw, size_t rb, const void *vy, size_t y_stride, int ncols, float *out) {
    const char *w = vw;
    const char *pf = RF_PF_START(w, rb);
    size_t r3 = 3 * rb, r5 = 5 * rb, r7 = 7 * rb;
    RF_OPAQUE(r3); RF_OPAQUE(r5); RF_OPAQUE(r7);
    __m512 acc[RF_DOT8N_MAX], summ[RF_DOT8N_MAX];
    for (int c = 0; c < ncols; c++) { acc[c] = _mm512_setzero_ps(); summ[c] = _mm512_setzero_ps(); }
    const int nb = n / RF_QK_K;
    rf_q4_K_codes e0, e1, o0, o1;
    int i = 0;
    for (; i + 2 <= nb; i += 2, w += 2 * sizeof(rf_block_q4_K)) {
        RF_OPAQUE(w);
        const char *v = w + sizeof(rf_block_q4_K);
        RF_PREFETCH_NEXT8(pf, 16 * (int)sizeof(rf_block_q4_K));
        rf_q4_K_codes4(w, w + rb, w + 2 * rb, w + r3, &e0);
        rf_q4_K_codes4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, &e1);
        rf_q4_K_codes4(v, v + rb, v + 2 * rb, v + r3, &o0);
        rf_q4_K_codes4(v + 4 * rb, v + r5, v + 2 * r3, v + r7, &o1);
        const __m512 he = _mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7));
        const __m512 ho = _mm512_cvtph_ps(RF_HEADS8(v, rb, 0, 4, 1, 5, 2, 6, 3, 7));
        for (int c = 0; c < ncols; c++) {
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)vy + (size_t)c * y_stride) + i;
            __m512i sa, sb, sc, sd, ma, mb, mc, md;
            const __m512i be = rf_bsum32(y), bo = rf_bsum32(y + 1);
            rf_q4_K_dot4(&e0, y->qs, be, &sa, &ma);
            rf_q4_K_dot4(&e1, y->qs, be, &sb, &mb);
            rf_q4_K_dot4(&o0, (y + 1)->qs, bo, &sc, &mc);
            rf_q4_K_dot4(&o1, (y + 1)->qs, bo, &sd, &md);
            const __m512 pe = _mm512_mul_ps(he, _mm512_set1_ps(y->d)), po = _mm512_mul_ps(ho, _mm512_set1_ps((y + 1)->d));
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sc, sd)), _mm512_shuffle_ps(pe, po, 0x88), acc[c]);
            summ[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(ma, mb, mc, md)), _mm512_shuffle_ps(pe, po, 0xDD), summ[c]);
        }
    }
    if (i < nb) {
        RF_PREFETCH_NEXT8(pf, 8 * (int)sizeof(rf_block_q4_K));
        rf_q4_K_codes4(w, w + rb, w + 2 * rb, w + r3, &e0);
        rf_q4_K_codes4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, &e1);
        const __m512 he = _mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7));
        for (int c = 0; c < ncols; c++) {
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)vy + (size_t)c * y_stride) + i;
            __m512i sa, sb, ma, mb;
            const __m512i be = rf_bsum32(y);
            rf_q4_K_dot4(&e0, y->qs, be, &sa, &ma);
            rf_q4_K_dot4(&e1, y->qs, be, &sb, &mb);
            const __m512 p = _mm512_mul_ps(he, _mm512_set1_ps(y->d));
            acc[c] = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sa, sb)), _mm512_shuffle_ps(p, p, 0x88), acc[c], 0x3333);
            summ[c] = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(ma, mb, ma, mb)), _mm512_shuffle_ps(p, p, 0xDD), summ[c], 0x3333);
        }
    }
    for (int c = 0; c < ncols; c++) {
        rf_store8(_mm512_sub_ps(_mm512_add_ps(acc[c], _mm512_permute_ps(acc[c], 0x4E)), _mm512_add_ps(summ[c], _mm512_permute_ps(summ[c], 0x4E))), out + 8 * c);
    }
}

typedef struct { __m512i c[16]; __m512i sc_lo, sc_hi; } rf_q6_K_codes;

RF_R8 static inline void rf_q6_K_codes4(const char *p0, const char *p1, const char *p2, const char *p3, rf_q6_K_codes *o) {
#define RF_ROWS4_AT(at) _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512( \
        _mm_loadu_si128((const __m128i *)(p0 + (at)))), _mm_loadu_si128((const __m128i *)(p1 + (at))), 1), \
        _mm_loadu_si128((const __m128i *)(p2 + (at))), 2), _mm_loadu_si128((const __m128i *)(p3 + (at))), 3)
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    const __m512i sc8 = RF_ROWS4_AT(192);
    const __m512i neg = _mm512_movm_epi8(_mm512_movepi8_mask(sc8));
    o->sc_lo = _mm512_unpacklo_epi8(sc8, neg);
    o->sc_hi = _mm512_unpackhi_epi8(sc8, neg);
    for (int n = 0; n < 2; n++) {
        for (int h = 0; h < 2; h++) {
            const __m512i ql0 = RF_ROWS4_AT(64 * n + 16 * h), ql1 = RF_ROWS4_AT(64 * n + 32 + 16 * h);
            const __m512i qh = RF_ROWS4_AT(128 + 32 * n + 16 * h);
            __m512i *c = o->c + 8 * n + 4 * h;
            c[0] = _mm512_or_si512(_mm512_and_si512(ql0, m4), _mm512_and_si512(_mm512_slli_epi16(qh, 4), m30));
            c[1] = _mm512_or_si512(_mm512_and_si512(ql1, m4), _mm512_and_si512(_mm512_slli_epi16(qh, 2), m30));
            c[2] = _mm512_or_si512(rf_hi_nibbles(ql0), _mm512_and_si512(qh, m30));
            c[3] = _mm512_or_si512(rf_hi_nibbles(ql1), _mm512_and_si512(_mm512_srli_epi16(qh, 2), m30));
        }
    }
#undef RF_ROWS4_AT
}

// rf_q6_K_rows4's sums from codes taken out beforehand.
RF_R8 static inline __m512i rf_q6_K_dot4(const rf_q6_K_codes *cd, const rf_block_q8_K *y, __m512i bs_lo, __m512i bs_hi) {
    const __m512i pick[4] = {
        _mm512_set4_epi32(0x05040504, 0x05040504, 0x01000100, 0x01000100), _mm512_set4_epi32(0x0D0C0D0C, 0x0D0C0D0C, 0x09080908, 0x09080908),
        _mm512_set4_epi32(0x07060706, 0x07060706, 0x03020302, 0x03020302), _mm512_set4_epi32(0x0F0E0F0E, 0x0F0E0F0E, 0x0B0A0B0A, 0x0B0A0B0A)};
    __m512i sum = _mm512_setzero_si512();
    for (int n = 0; n < 2; n++) {
        const __m512i sc = n ? cd->sc_hi : cd->sc_lo;
        for (int h = 0; h < 2; h++) {
            const __m512i *c = cd->c + 8 * n + 4 * h;
            const int8_t *q = y->qs + 128 * n + 16 * h;
#define RF_Y16(s) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(q + 32 * (s))))
            const __m512i zero = _mm512_setzero_si512();
            const __m512i a = _mm512_packs_epi32(_mm512_dpbusd_epi32(zero, c[0], RF_Y16(0)), _mm512_dpbusd_epi32(zero, c[1], RF_Y16(1)));
            const __m512i b = _mm512_packs_epi32(_mm512_dpbusd_epi32(zero, c[2], RF_Y16(2)), _mm512_dpbusd_epi32(zero, c[3], RF_Y16(3)));
            sum = _mm512_add_epi32(sum, _mm512_madd_epi16(a, _mm512_shuffle_epi8(sc, pick[2 * h])));
            sum = _mm512_add_epi32(sum, _mm512_madd_epi16(b, _mm512_shuffle_epi8(sc, pick[2 * h + 1])));
#undef RF_Y16
        }
    }
    const __m512i off = _mm512_add_epi32(_mm512_madd_epi16(cd->sc_lo, bs_lo), _mm512_madd_epi16(cd->sc_hi, bs_hi));
    return _mm512_sub_epi32(sum, _mm512_slli_epi32(off, 5));
}

RF_R8 void rf_vec_dot8n_q6_K_q8_K_avx512(int n, const void *vw, size_t rb, const void *vy, size_t y_stride, int ncols, float *out) {
    const char *w = vw;
    const char *pf = RF_PF_START(w, rb);
    size_t r3 = 3 * rb, r5 = 5 * rb, r7 = 7 * rb;
    RF_OPAQUE(r3); RF_OPAQUE(r5); RF_OPAQUE(r7);
    __m512 acc[RF_DOT8N_MAX];
    for (int c = 0; c < ncols; c++) acc[c] = _mm512_setzero_ps();
    const int nb = n / RF_QK_K;
    rf_q6_K_codes e0, e1, o0, o1;
#define RF_Q6_BS(y, lo, hi) const __m512i lo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(y)->bsums)); \
    const __m512i hi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)((y)->bsums + 8)))
    int i = 0;
    for (; i + 2 <= nb; i += 2, w += 2 * sizeof(rf_block_q6_K)) {
        RF_OPAQUE(w);
        const char *v = w + sizeof(rf_block_q6_K);
        RF_PREFETCH_NEXT8(pf, 16 * (int)sizeof(rf_block_q6_K));
        rf_q6_K_codes4(w, w + rb, w + 2 * rb, w + r3, &e0);
        rf_q6_K_codes4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, &e1);
        rf_q6_K_codes4(v, v + rb, v + 2 * rb, v + r3, &o0);
        rf_q6_K_codes4(v + 4 * rb, v + r5, v + 2 * r3, v + r7, &o1);
        const __m512 he = _mm512_cvtph_ps(RF_HEADS8(w + 206, rb, 0, 4, 1, 5, 2, 6, 3, 7));
        const __m512 ho = _mm512_cvtph_ps(RF_HEADS8(v + 206, rb, 0, 4, 1, 5, 2, 6, 3, 7));
        for (int c = 0; c < ncols; c++) {
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)vy + (size_t)c * y_stride) + i;
            RF_Q6_BS(y, bel, beh);
            RF_Q6_BS(y + 1, bol, boh);
            const __m512i sa = rf_q6_K_dot4(&e0, y, bel, beh), sb = rf_q6_K_dot4(&e1, y, bel, beh);
            const __m512i sc = rf_q6_K_dot4(&o0, y + 1, bol, boh), sd = rf_q6_K_dot4(&o1, y + 1, bol, boh);
            const __m512 pe = _mm512_mul_ps(he, _mm512_set1_ps(y->d)), po = _mm512_mul_ps(ho, _mm512_set1_ps((y + 1)->d));
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sc, sd)), _mm512_shuffle_ps(pe, po, 0xDD), acc[c]);
        }
    }
    if (i < nb) {
        RF_PREFETCH_NEXT8(pf, 8 * (int)sizeof(rf_block_q6_K));
        rf_q6_K_codes4(w, w + rb, w + 2 * rb, w + r3, &e0);
        rf_q6_K_codes4(w + 4 * rb, w + r5, w + 2 * r3, w + r7, &e1);
        const __m512 he = _mm512_cvtph_ps(RF_HEADS8(w + 206, rb, 0, 4, 1, 5, 2, 6, 3, 7));
        for (int c = 0; c < ncols; c++) {
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)vy + (size_t)c * y_stride) + i;
            RF_Q6_BS(y, bel, beh);
            const __m512i sa = rf_q6_K_dot4(&e0, y, bel, beh), sb = rf_q6_K_dot4(&e1, y, bel, beh);
            const __m512 p = _mm512_mul_ps(he, _mm512_set1_ps(y->d));
            acc[c] = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i32(sa, sb, sa, sb)), _mm512_shuffle_ps(p, p, 0xDD), acc[c], 0x3333);
        }
    }
#undef RF_Q6_BS
    for (int c = 0; c < ncols; c++) rf_store8(_mm512_add_ps(acc[c], _mm512_permute_ps(acc[c], 0x4E)), out + 8 * c);
}
// Q5_0's codes of four rows (rf_q5_sums4's, before the dot products).
RF_R8 static inline void rf_q5_codes4(const char *p0, const char *p1, const char *p2, const char *p3, __m512i qh,
                                      __m512i *lo, __m512i *hi) {
    const __m512i sel_lo = _mm512_set4_epi64(0x0F0E0D0C0B0A0908LL, 0x0706050403020100LL, 0x0F0E0D0C0B0A0908LL, 0x0706050403020100LL);
    const __m512i sel_hi = _mm512_add_epi8(sel_lo, _mm512_set1_epi8(16));
    const __m512i m4 = _mm512_set1_epi8(0x0F), sixteen = _mm512_set1_epi8(16);
    __m512i z = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + 6)));
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p1 + 6)), 1);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p2 + 6)), 2);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p3 + 6)), 3);
    const __m512i l = _mm512_and_si512(z, m4), h = rf_hi_nibbles(z);
    *lo = _mm512_mask_add_epi8(l, _mm512_bitshuffle_epi64_mask(qh, sel_lo), l, sixteen);
    *hi = _mm512_mask_add_epi8(h, _mm512_bitshuffle_epi64_mask(qh, sel_hi), h, sixteen);
}

// Block w's codes for eight rows (rows 0-3 in la/ha, 4-7 in lb/hb) and its eight heads as floats.
#define RF_Q5_0_CODES8(w, la, ha, lb, hb, he) \
    __m512i la, ha, lb, hb; \
    { const __m512i qh8_ = _mm512_castsi256_si512(RF_HEADS8((w) + 2, rb, 0, 1, 2, 3, 4, 5, 6, 7)); \
      rf_q5_codes4(w, (w) + rb, (w) + 2 * rb, (w) + r3, _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), qh8_), &la, &ha); \
      rf_q5_codes4((w) + 4 * rb, (w) + r5, (w) + 2 * r3, (w) + r7, _mm512_permutexvar_epi32(_mm512_setr_epi32(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7), qh8_), &lb, &hb); } \
    const __m512 he = _mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7))
// Activation block y against those codes: A, B and P as RF_Q5_0_BLOCK8 gives them.
#define RF_Q5_0_DOT8(y, la, ha, lb, hb, he, A, B, P) \
    const __m512i qlo_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)((y) + 2))); \
    const __m512i qhi_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)((y) + 18))); \
    const __m512i off_##A = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), \
                                              _mm512_set1_epi8(16), qlo_##A), _mm512_set1_epi8(16), qhi_##A)); \
    const __m512i A = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(off_##A, la, qlo_##A), ha, qhi_##A); \
    const __m512i B = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(off_##A, lb, qlo_##A), hb, qhi_##A); \
    const __m512 P = _mm512_mul_ps(he, _mm512_set1_ps(_cvtsh_ss(*(const uint16_t *)(y))))

// Q4_1: four rows' codes (rf_q4_sums4's, before the dot products) with the 16 code bytes 4 bytes into each block.
RF_R8 static inline void rf_q4_1_codes4(const char *p0, const char *p1, const char *p2, const char *p3, __m512i *lo, __m512i *hi) {
    __m512i z = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p0 + 4)));
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p1 + 4)), 1);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p2 + 4)), 2);
    z = _mm512_inserti32x4(z, _mm_loadu_si128((const __m128i *)(p3 + 4)), 3);
    *lo = _mm512_and_si512(z, _mm512_set1_epi8(0x0F));
    *hi = rf_hi_nibbles(z);
}

#define RF_Q4_1_CODES8(w, la, ha, lb, hb, he) \
    __m512i la, ha, lb, hb; \
    rf_q4_1_codes4(w, (w) + rb, (w) + 2 * rb, (w) + r3, &la, &ha); \
    rf_q4_1_codes4((w) + 4 * rb, (w) + r5, (w) + 2 * r3, (w) + r7, &lb, &hb); \
    const __m512 he = _mm512_cvtph_ps(RF_HEADS8(w, rb, 0, 4, 1, 5, 2, 6, 3, 7))
// Activation block y against those codes: A, B and P as RF_Q4_1_BLOCK8 gives them.
#define RF_Q4_1_DOT8(y, la, ha, lb, hb, he, A, B, P) \
    const __m512i qlo_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)((y) + 4))); \
    const __m512i qhi_##A = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)((y) + 20))); \
    const __m512i A = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), la, qlo_##A), ha, qhi_##A); \
    const __m512i B = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lb, qlo_##A), hb, qhi_##A); \
    const __m512 P = _mm512_mul_ps(he, _mm512_cvtph_ps(_mm256_set1_epi32(rf_ld32(y))))

// The many-column form of RF_PAIRED8: each block pair's codes of eight rows (CODES8) taken out once, then every
// column's sums (DOT8) and accumulation in RF_PAIRED8's arithmetic, m·sy sums included when HAS_MIN.
#define RF_PAIRED8N(NAME, WBLOCK, YBLOCK, CODES8, DOT8, HAS_MIN, PF) \
RF_R8 void NAME(int n, const void *vw, size_t rb, const void *vy, size_t y_stride, int ncols, float *out) { \
    const char *w = vw; \
    const char *pf = RF_PF_START##PF(w, rb); \
    size_t r3 = 3 * rb, r5 = 5 * rb, r7 = 7 * rb; \
    RF_OPAQUE(r3); RF_OPAQUE(r5); RF_OPAQUE(r7); \
    __m512 acc[RF_DOT8N_MAX], summ[RF_DOT8N_MAX]; \
    for (int c = 0; c < ncols; c++) { acc[c] = _mm512_setzero_ps(); summ[c] = _mm512_setzero_ps(); } \
    const int nb = n / RF_QK; \
    int i = 0; \
    for (; i + 2 <= nb; i += 2, w += 2 * sizeof(WBLOCK)) { \
        RF_OPAQUE(w); \
        const char *v = w + sizeof(WBLOCK); \
        RF_PREFETCH_NEXT8##PF(pf, 16 * (int)sizeof(WBLOCK)); \
        CODES8(w, wla, wha, wlb, whb, whe); \
        CODES8(v, vla, vha, vlb, vhb, vhe); \
        for (int c = 0; c < ncols; c++) { \
            const char *y = (const char *)vy + (size_t)c * y_stride + (size_t)i * sizeof(YBLOCK), *z = y + sizeof(YBLOCK); \
            DOT8(y, wla, wha, wlb, whb, whe, a, b, p0); \
            DOT8(z, vla, vha, vlb, vhb, vhe, cc, dd, p1); \
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i16(a, b, cc, dd)), _mm512_shuffle_ps(p0, p1, 0x88), acc[c]); \
            if (HAS_MIN) summ[c] = _mm512_add_ps(summ[c], _mm512_shuffle_ps(p0, p1, 0xDD)); \
        } \
    } \
    if (i < nb) { \
        RF_PREFETCH_NEXT8##PF(pf, 8 * (int)sizeof(WBLOCK)); \
        CODES8(w, wla, wha, wlb, whb, whe); \
        for (int c = 0; c < ncols; c++) { \
            const char *y = (const char *)vy + (size_t)c * y_stride + (size_t)i * sizeof(YBLOCK); \
            DOT8(y, wla, wha, wlb, whb, whe, a, b, p); \
            acc[c] = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(rf_reduce4x4_i16(a, b, a, b)), _mm512_shuffle_ps(p, p, 0x88), acc[c], 0x3333); \
            if (HAS_MIN) summ[c] = _mm512_mask_add_ps(summ[c], 0x3333, summ[c], _mm512_shuffle_ps(p, p, 0xDD)); \
        } \
    } \
    for (int c = 0; c < ncols; c++) { \
        __m512 r = _mm512_add_ps(acc[c], _mm512_permute_ps(acc[c], 0x4E)); \
        if (HAS_MIN) r = _mm512_add_ps(r, _mm512_add_ps(summ[c], _mm512_permute_ps(summ[c], 0x4E))); \
        rf_store8(r, out + 8 * c); \
    } \
}

RF_PAIRED8N(rf_vec_dot8n_q5_0_q8_0_avx512, rf_block_q5_0, rf_block_q8_0, RF_Q5_0_CODES8, RF_Q5_0_DOT8, 0, )
RF_PAIRED8N(rf_vec_dot8n_q4_1_q8_1_avx512, rf_block_q4_1, rf_block_q8_1, RF_Q4_1_CODES8, RF_Q4_1_DOT8, 1, _L2)
#undef RF_PAIRED8N
#undef RF_Q5_0_CODES8
#undef RF_Q5_0_DOT8
#undef RF_Q4_1_CODES8
#undef RF_Q4_1_DOT8
#endif
