// Four weight rows × one activation row (decode), instantiated per instruction set by the including file,
// which defines RF_KTARGET (target attribute), RF_KFN(name) (suffixes the name) and RF_DOTUS(u, s) (eight
// int32 sums of unsigned × signed byte products). The activation block and its scales are loaded once for
// all four rows, the four integer dot products are reduced together with horizontal adds, and one FMA per
// block (per pair of blocks for the 4- and 5-bit formats) accumulates all four rows. No include guard: included
// once per instantiation.

RF_KTARGET static inline void RF_KFN(store4)(float *out, __m256 acc, __m128 extra) {
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    _mm_storeu_ps(out, _mm_add_ps(r, extra));
}

// Kernels shared by the 4- and 5-bit formats, generated once per format from the code loader CODES(block)
// (unsigned codes as 32 bytes). The macros are defined on the first inclusion and expand RF_KFN/RF_DOTUS
// of each instantiation where they are used.
#ifndef RF_ROWS4_MACROS
#define RF_ROWS4_MACROS
#define RF_Q4_CODES(b) rf_nibbles32((b).qs)
#define RF_Q5_CODES(b) rf_q5_codes32((b).qs, (b).qh)
#define RF_ROWS4(BLOCK) \
    const BLOCK *w0 = vw, *w1 = (const void *)((const char *)vw + rb); \
    const BLOCK *w2 = (const void *)((const char *)vw + 2 * rb), *w3 = (const void *)((const char *)vw + 3 * rb)
// Scale and min (Q4_1, Q5_1) with Q8_1 activations: d·dy·Σ(n·y) + m·(dy·Σy). Per row and block: one exact
// integer sum over both halves of the block; even and odd blocks each into their own accumulators,
// acc = fma(float(sum), d·dy, acc) and summ += m·sy (the product rounded, then added); at the end
// (acc_even + acc_odd) + (summ_even + summ_odd). Every multi-row kernel of these formats (four- and eight-row,
// 4×4 tile, eight- and sixteen-column; NEON four-row on arm64) follows exactly this arithmetic; the four- and
// eight-row kernels take a pair of blocks per step, its even and odd halves side by side.
// One block of the four rows: their exact integer sums S, d·dy in D and m·sy in M (rows 0-3 in the lanes).
#define RF_SM4_BLOCK(CODES, i, S, D, M) \
        const __m256i qy_##S = _mm256_loadu_si256((const __m256i *)y[i].qs); \
        const __m128i S = rf_halves_sum(rf_reduce4(RF_DOTUS(CODES(w0[i]), qy_##S), RF_DOTUS(CODES(w1[i]), qy_##S), \
                                                   RF_DOTUS(CODES(w2[i]), qy_##S), RF_DOTUS(CODES(w3[i]), qy_##S))); \
        const __m256 dm_##S = RF_HEADS4(w0, w1, w2, w3, i); \
        const __m128 ys_##S = _mm_cvtph_ps(_mm_cvtsi32_si128(*(const int *)&y[i])); \
        const __m128 D = _mm_mul_ps(_mm256_castps256_ps128(dm_##S), _mm_broadcastss_ps(ys_##S)); \
        const __m128 M = _mm_mul_ps(_mm256_extractf128_ps(dm_##S, 1), _mm_permute_ps(ys_##S, 0x55))
// Two blocks per step: the even block in the low half of the accumulators, the odd one in the high half.
#define RF_DOT4_SCALE_MIN(NAME, BLOCK, CODES) \
RF_KTARGET void RF_KFN(NAME)(int n, const void *vw, size_t rb, const void *vy, float *out) { \
    RF_ROWS4(BLOCK); \
    const rf_block_q8_1 *y = vy; \
    __m256 acc = _mm256_setzero_ps(), summ = _mm256_setzero_ps(); \
    int i = 0; \
    for (; i + 2 <= n / RF_QK; i += 2) { \
        RF_SM4_BLOCK(CODES, i, s0, d0, m0); \
        RF_SM4_BLOCK(CODES, i + 1, s1, d1, m1); \
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_set_m128i(s1, s0)), _mm256_set_m128(d1, d0), acc); \
        summ = _mm256_add_ps(summ, _mm256_set_m128(m1, m0)); \
    } \
    __m128 acc0 = _mm256_castps256_ps128(acc), summ0 = _mm256_castps256_ps128(summ); \
    if (i < n / RF_QK) { \
        RF_SM4_BLOCK(CODES, i, s0, d0, m0); \
        acc0 = _mm_fmadd_ps(_mm_cvtepi32_ps(s0), d0, acc0); \
        summ0 = _mm_add_ps(summ0, m0); \
    } \
    _mm_storeu_ps(out, _mm_add_ps(_mm_add_ps(acc0, _mm256_extractf128_ps(acc, 1)), _mm_add_ps(summ0, _mm256_extractf128_ps(summ, 1)))); \
}
// Offset codes (Q4_0: n - 8, Q5_0: n - 16) with Q8_0 activations: (n - 2^S)·y = n·y - 2^S·Σy, with Σy taken
// once for all four rows. Per row and block one exact integer sum over both halves, even and odd blocks into
// their own accumulators, acc_even + acc_odd at the end: the arithmetic of every multi-row kernel of these
// formats.
#define RF_OFF4_BLOCK(CODES, SH, i, S, D) \
        const __m256i qy_##S = _mm256_loadu_si256((const __m256i *)y[i].qs); \
        const __m256i sy_##S = RF_DOTUS(ones8, qy_##S); \
        const __m128i S = _mm_sub_epi32(rf_halves_sum(rf_reduce4(RF_DOTUS(CODES(w0[i]), qy_##S), RF_DOTUS(CODES(w1[i]), qy_##S), \
                                                                 RF_DOTUS(CODES(w2[i]), qy_##S), RF_DOTUS(CODES(w3[i]), qy_##S))), \
                                        _mm_slli_epi32(rf_halves_sum(rf_reduce4(sy_##S, sy_##S, sy_##S, sy_##S)), SH)); \
        const __m128 D = _mm_mul_ps(_mm256_castps256_ps128(RF_HEADS4(w0, w1, w2, w3, i)), _mm_set1_ps(_cvtsh_ss(y[i].d)))
#define RF_DOT4_OFFSET(NAME, BLOCK, CODES, SH) \
RF_KTARGET void RF_KFN(NAME)(int n, const void *vw, size_t rb, const void *vy, float *out) { \
    RF_ROWS4(BLOCK); \
    const rf_block_q8_0 *y = vy; \
    const __m256i ones8 = _mm256_set1_epi8(1); \
    __m256 acc = _mm256_setzero_ps(); \
    int i = 0; \
    for (; i + 2 <= n / RF_QK; i += 2) { \
        RF_OFF4_BLOCK(CODES, SH, i, s0, d0); \
        RF_OFF4_BLOCK(CODES, SH, i + 1, s1, d1); \
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_set_m128i(s1, s0)), _mm256_set_m128(d1, d0), acc); \
    } \
    __m128 acc0 = _mm256_castps256_ps128(acc); \
    if (i < n / RF_QK) { \
        RF_OFF4_BLOCK(CODES, SH, i, s0, d0); \
        acc0 = _mm_fmadd_ps(_mm_cvtepi32_ps(s0), d0, acc0); \
    } \
    _mm_storeu_ps(out, _mm_add_ps(acc0, _mm256_extractf128_ps(acc, 1))); \
}
#endif

RF_DOT4_SCALE_MIN(rf_vec_dot4_q4_1_q8_1, rf_block_q4_1, RF_Q4_CODES)
RF_DOT4_SCALE_MIN(rf_vec_dot4_q5_1_q8_1, rf_block_q5_1, RF_Q5_CODES)
RF_DOT4_OFFSET(rf_vec_dot4_q4_0_q8_0, rf_block_q4_0, RF_Q4_CODES, 3)
RF_DOT4_OFFSET(rf_vec_dot4_q5_0_q8_0, rf_block_q5_0, RF_Q5_CODES, 4)

RF_KTARGET static inline __m256i RF_KFN(dot_i8)(__m256i x, __m256i y) {
    return RF_DOTUS(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

RF_KTARGET void RF_KFN(rf_vec_dot4_q8_0_q8_0)(int n, const void *vw, size_t rb, const void *vy, float *out) {
    const rf_block_q8_0 *w0 = vw, *w1 = (const void *)((const char *)vw + rb);
    const rf_block_q8_0 *w2 = (const void *)((const char *)vw + 2 * rb), *w3 = (const void *)((const char *)vw + 3 * rb);
    const rf_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        const __m256i p0 = RF_KFN(dot_i8)(_mm256_loadu_si256((const __m256i *)w0[i].qs), qy);
        const __m256i p1 = RF_KFN(dot_i8)(_mm256_loadu_si256((const __m256i *)w1[i].qs), qy);
        const __m256i p2 = RF_KFN(dot_i8)(_mm256_loadu_si256((const __m256i *)w2[i].qs), qy);
        const __m256i p3 = RF_KFN(dot_i8)(_mm256_loadu_si256((const __m256i *)w3[i].qs), qy);
        const __m128 d4 = _mm_mul_ps(_mm256_castps256_ps128(RF_HEADS4(w0, w1, w2, w3, i)), _mm_set1_ps(_cvtsh_ss(y[i].d)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(rf_reduce4(p0, p1, p2, p3)), _mm256_set_m128(d4, d4), acc);
    }
    RF_KFN(store4)(out, acc, _mm_setzero_ps());
}

// MXFP4: E2M1 codes to ggml's doubled int8 values by pshufb, signed products as Q8_0; E8M0 scales per row.
RF_KTARGET void RF_KFN(rf_vec_dot4_mxfp4_q8_0)(int n, const void *vw, size_t rb, const void *vy, float *out) {
    RF_ROWS4(rf_block_mxfp4);
    const rf_block_q8_0 *y = vy;
    const __m128i t = _mm_loadu_si128((const __m128i *)rf_kvalues_mxfp4);
    const __m256i table = _mm256_set_m128i(t, t);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        const __m256i p0 = RF_KFN(dot_i8)(_mm256_shuffle_epi8(table, rf_nibbles32(w0[i].qs)), qy);
        const __m256i p1 = RF_KFN(dot_i8)(_mm256_shuffle_epi8(table, rf_nibbles32(w1[i].qs)), qy);
        const __m256i p2 = RF_KFN(dot_i8)(_mm256_shuffle_epi8(table, rf_nibbles32(w2[i].qs)), qy);
        const __m256i p3 = RF_KFN(dot_i8)(_mm256_shuffle_epi8(table, rf_nibbles32(w3[i].qs)), qy);
        const __m128 e4 = _mm_setr_ps(rf_e8m0_to_fp32_half(w0[i].e), rf_e8m0_to_fp32_half(w1[i].e),
                                      rf_e8m0_to_fp32_half(w2[i].e), rf_e8m0_to_fp32_half(w3[i].e));
        const __m128 d4 = _mm_mul_ps(e4, _mm_set1_ps(_cvtsh_ss(y[i].d)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(rf_reduce4(p0, p1, p2, p3)), _mm256_set_m128(d4, d4), acc);
    }
    RF_KFN(store4)(out, acc, _mm_setzero_ps());
}

// NVFP4: a 64-value block covers two Q8_0 blocks; each 32 holds two sub-blocks of 16, each with its own UE4M3
// scale. Sub-block s stores values 0-7 in the low nibbles of qs[8s..8s+7] and 8-15 in the high ones, so the
// 16 bytes of a Q8_0 block's two sub-blocks unpack (low nibbles, then high) and reorder by 64-bit quarters into
// value order. rf_reduce4 then leaves the first sub-block's four row sums in the low 128-bit lane and the
// second's in the high lane, which meet their own scales in one multiply.
RF_KTARGET void RF_KFN(rf_vec_dot4_nvfp4_q8_0)(int n, const void *vw, size_t rb, const void *vy, float *out) {
    RF_ROWS4(rf_block_nvfp4);
    const rf_block_q8_0 *y = vy;
    const __m128i t = _mm_loadu_si128((const __m128i *)rf_kvalues_mxfp4);
    const __m256i table = _mm256_set_m128i(t, t);
    __m256 acc = _mm256_setzero_ps();
#define RF_NVFP4_CODES(w, h) _mm256_shuffle_epi8(table, _mm256_permute4x64_epi64(rf_nibbles32((w)[i].qs + 16 * (h)), 0xD8))
#define RF_NVFP4_SCALES(s) _mm_setr_ps(rf_ue4m3_to_fp32_half(w0[i].d[s]), rf_ue4m3_to_fp32_half(w1[i].d[s]), \
                                       rf_ue4m3_to_fp32_half(w2[i].d[s]), rf_ue4m3_to_fp32_half(w3[i].d[s]))
    for (int i = 0; i < n / RF_QK_NVFP4; i++) {
        for (int h = 0; h < 2; h++) {
            const rf_block_q8_0 *yb = &y[2 * i + h];
            const __m256i qy = _mm256_loadu_si256((const __m256i *)yb->qs);
            const __m256i p0 = RF_KFN(dot_i8)(RF_NVFP4_CODES(w0, h), qy), p1 = RF_KFN(dot_i8)(RF_NVFP4_CODES(w1, h), qy);
            const __m256i p2 = RF_KFN(dot_i8)(RF_NVFP4_CODES(w2, h), qy), p3 = RF_KFN(dot_i8)(RF_NVFP4_CODES(w3, h), qy);
            const __m256 d8 = _mm256_mul_ps(_mm256_set_m128(RF_NVFP4_SCALES(2 * h + 1), RF_NVFP4_SCALES(2 * h)), _mm256_set1_ps(_cvtsh_ss(yb->d)));
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(rf_reduce4(p0, p1, p2, p3)), d8, acc);
        }
    }
#undef RF_NVFP4_CODES
#undef RF_NVFP4_SCALES
    RF_KFN(store4)(out, acc, _mm_setzero_ps());
}
