// Four weight rows × four activation rows (prefill, batched decode), instantiated like kernels_rows4_impl.h:
// each weight block is unpacked once for four activations and each activation block loaded once for four rows.
// No include guard: included once per instantiation.

// out[c * out_stride + r] for rows r < 4 (w_row_bytes apart) and activations c < 4 (x_stride bytes apart).
// Per column the arithmetic is the four-row kernel's (kernels_rows4_impl.h), so a row's result does not depend
// on which of the two kernels computed it. The 4- and 5-bit formats share two shapes, generated per format from
// the code loaders RF_Q4_CODES / RF_Q5_CODES (defined there).
#ifndef RF_TILE4X4_MACROS
#define RF_TILE4X4_MACROS
#define RF_TILE_PROLOGUE(BLOCK, YBLOCK) \
    RF_ROWS4(BLOCK); \
    const YBLOCK *y[4]; \
    for (int c = 0; c < 4; c++) y[c] = (const void *)((const char *)vx + c * xs); \
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() }
#define RF_TILE_STORE(EXTRA) \
    for (int c = 0; c < 4; c++) { \
        const __m128 r = _mm_add_ps(_mm256_castps256_ps128(acc[c]), _mm256_extractf128_ps(acc[c], 1)); \
        _mm_storeu_ps(out + c * out_stride, _mm_add_ps(r, EXTRA)); \
    }
// The four-row kernels' paired-block arithmetic per column (kernels_rows4_impl.h): even and odd blocks in their
// own accumulators. Two columns share a register (column c in the low half, c + 1 in the high one), so eight
// registers hold the accumulators of four columns, as the per-half accumulators did before.
#define RF_TILE_SM_STEP(CODES, i, ACC, SUMM) do { \
        const __m256i q0 = CODES(w0[i]), q1 = CODES(w1[i]), q2 = CODES(w2[i]), q3 = CODES(w3[i]); \
        const __m256 dm = RF_HEADS4(w0, w1, w2, w3, i); \
        const __m256 d8 = _mm256_permute2f128_ps(dm, dm, 0x00), m8 = _mm256_permute2f128_ps(dm, dm, 0x11); \
        for (int c = 0; c < 4; c += 2) { \
            __m128i s_[2]; __m128 ys_[2]; \
            for (int k = 0; k < 2; k++) { \
                const __m256i qy = _mm256_loadu_si256((const __m256i *)y[c + k][i].qs); \
                s_[k] = rf_halves_sum(rf_reduce4(RF_DOTUS(q0, qy), RF_DOTUS(q1, qy), RF_DOTUS(q2, qy), RF_DOTUS(q3, qy))); \
                ys_[k] = _mm_cvtph_ps(_mm_cvtsi32_si128(*(const int *)&y[c + k][i])); \
            } \
            const __m256 ys = _mm256_set_m128(ys_[1], ys_[0]); \
            ACC[c / 2] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_set_m128i(s_[1], s_[0])), _mm256_mul_ps(d8, _mm256_permute_ps(ys, 0x00)), ACC[c / 2]); \
            SUMM[c / 2] = _mm256_add_ps(SUMM[c / 2], _mm256_mul_ps(m8, _mm256_permute_ps(ys, 0x55))); \
        } \
    } while (0)
#define RF_TILE_SCALE_MIN(NAME, BLOCK, CODES) \
RF_KTARGET void RF_KFN(NAME)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) { \
    RF_ROWS4(BLOCK); \
    const rf_block_q8_1 *y[4]; \
    for (int c = 0; c < 4; c++) y[c] = (const void *)((const char *)vx + c * xs); \
    __m256 acc0[2], acc1[2], summ0[2], summ1[2]; \
    for (int c = 0; c < 2; c++) acc0[c] = acc1[c] = summ0[c] = summ1[c] = _mm256_setzero_ps(); \
    int i = 0; \
    for (; i + 2 <= n / RF_QK; i += 2) { \
        RF_TILE_SM_STEP(CODES, i, acc0, summ0); \
        RF_TILE_SM_STEP(CODES, i + 1, acc1, summ1); \
    } \
    if (i < n / RF_QK) RF_TILE_SM_STEP(CODES, i, acc0, summ0); \
    for (int c = 0; c < 2; c++) { \
        const __m256 r = _mm256_add_ps(_mm256_add_ps(acc0[c], acc1[c]), _mm256_add_ps(summ0[c], summ1[c])); \
        _mm_storeu_ps(out + 2 * c * out_stride, _mm256_castps256_ps128(r)); \
        _mm_storeu_ps(out + (2 * c + 1) * out_stride, _mm256_extractf128_ps(r, 1)); \
    } \
}
// The four-row kernels' offset arithmetic per column, two columns to a register as above.
#define RF_TILE_OFF_STEP(CODES, S, i, ACC) do { \
        const __m256i q0 = CODES(w0[i]), q1 = CODES(w1[i]), q2 = CODES(w2[i]), q3 = CODES(w3[i]); \
        const __m256 h = RF_HEADS4(w0, w1, w2, w3, i); \
        const __m256 d8 = _mm256_permute2f128_ps(h, h, 0x00); \
        for (int c = 0; c < 4; c += 2) { \
            __m128i s_[2]; float dy_[2]; \
            for (int k = 0; k < 2; k++) { \
                const __m256i qy = _mm256_loadu_si256((const __m256i *)y[c + k][i].qs); \
                const __m256i sy = RF_DOTUS(ones8, qy); \
                s_[k] = _mm_sub_epi32(rf_halves_sum(rf_reduce4(RF_DOTUS(q0, qy), RF_DOTUS(q1, qy), RF_DOTUS(q2, qy), RF_DOTUS(q3, qy))), \
                                      _mm_slli_epi32(rf_halves_sum(rf_reduce4(sy, sy, sy, sy)), S)); \
                dy_[k] = _cvtsh_ss(y[c + k][i].d); \
            } \
            const __m256 dy = _mm256_set_m128(_mm_set1_ps(dy_[1]), _mm_set1_ps(dy_[0])); \
            ACC[c / 2] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_set_m128i(s_[1], s_[0])), _mm256_mul_ps(d8, dy), ACC[c / 2]); \
        } \
    } while (0)
#define RF_TILE_OFFSET(NAME, BLOCK, CODES, S) \
RF_KTARGET void RF_KFN(NAME)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) { \
    RF_ROWS4(BLOCK); \
    const rf_block_q8_0 *y[4]; \
    for (int c = 0; c < 4; c++) y[c] = (const void *)((const char *)vx + c * xs); \
    const __m256i ones8 = _mm256_set1_epi8(1); \
    __m256 acc0[2], acc1[2]; \
    for (int c = 0; c < 2; c++) acc0[c] = acc1[c] = _mm256_setzero_ps(); \
    int i = 0; \
    for (; i + 2 <= n / RF_QK; i += 2) { \
        RF_TILE_OFF_STEP(CODES, S, i, acc0); \
        RF_TILE_OFF_STEP(CODES, S, i + 1, acc1); \
    } \
    if (i < n / RF_QK) RF_TILE_OFF_STEP(CODES, S, i, acc0); \
    for (int c = 0; c < 2; c++) { \
        const __m256 r = _mm256_add_ps(acc0[c], acc1[c]); \
        _mm_storeu_ps(out + 2 * c * out_stride, _mm256_castps256_ps128(r)); \
        _mm_storeu_ps(out + (2 * c + 1) * out_stride, _mm256_extractf128_ps(r, 1)); \
    } \
}
#endif

RF_TILE_SCALE_MIN(rf_tile4x4_q4_1_q8_1, rf_block_q4_1, RF_Q4_CODES)
RF_TILE_SCALE_MIN(rf_tile4x4_q5_1_q8_1, rf_block_q5_1, RF_Q5_CODES)
RF_TILE_OFFSET(rf_tile4x4_q4_0_q8_0, rf_block_q4_0, RF_Q4_CODES, 3)
RF_TILE_OFFSET(rf_tile4x4_q5_0_q8_0, rf_block_q5_0, RF_Q5_CODES, 4)

RF_KTARGET void RF_KFN(rf_tile4x4_q8_0_q8_0)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) {
    const rf_block_q8_0 *w0 = vw, *w1 = (const void *)((const char *)vw + rb);
    const rf_block_q8_0 *w2 = (const void *)((const char *)vw + 2 * rb), *w3 = (const void *)((const char *)vw + 3 * rb);
    const rf_block_q8_0 *y[4];
    for (int c = 0; c < 4; c++) y[c] = (const void *)((const char *)vx + c * xs);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int i = 0; i < n / RF_QK; i++) {
        // |w| and the signs of w, once per weight block; each activation gets sign(y, w).
        const __m256i x0 = _mm256_loadu_si256((const __m256i *)w0[i].qs), x1 = _mm256_loadu_si256((const __m256i *)w1[i].qs);
        const __m256i x2 = _mm256_loadu_si256((const __m256i *)w2[i].qs), x3 = _mm256_loadu_si256((const __m256i *)w3[i].qs);
        const __m256i a0 = _mm256_sign_epi8(x0, x0), a1 = _mm256_sign_epi8(x1, x1), a2 = _mm256_sign_epi8(x2, x2), a3 = _mm256_sign_epi8(x3, x3);
        const __m128 d4 = _mm256_castps256_ps128(RF_HEADS4(w0, w1, w2, w3, i));
        for (int c = 0; c < 4; c++) {
            const __m256i qy = _mm256_loadu_si256((const __m256i *)y[c][i].qs);
            const __m256i p = rf_reduce4(RF_DOTUS(a0, _mm256_sign_epi8(qy, x0)),
                                        RF_DOTUS(a1, _mm256_sign_epi8(qy, x1)),
                                        RF_DOTUS(a2, _mm256_sign_epi8(qy, x2)),
                                        RF_DOTUS(a3, _mm256_sign_epi8(qy, x3)));
            const __m128 s4 = _mm_mul_ps(d4, _mm_set1_ps(_cvtsh_ss(y[c][i].d)));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set_m128(s4, s4), acc[c]);
        }
    }
    for (int c = 0; c < 4; c++) {
        _mm_storeu_ps(out + c * out_stride, _mm_add_ps(_mm256_castps256_ps128(acc[c]), _mm256_extractf128_ps(acc[c], 1)));
    }
}

// MXFP4: codes through ggml's doubled E2M1 table, |w| and signs once per weight block as for Q8_0; E8M0 scales.
RF_KTARGET void RF_KFN(rf_tile4x4_mxfp4_q8_0)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) {
    RF_TILE_PROLOGUE(rf_block_mxfp4, rf_block_q8_0);
    const __m128i t = _mm_loadu_si128((const __m128i *)rf_kvalues_mxfp4);
    const __m256i table = _mm256_set_m128i(t, t);
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256i x0 = _mm256_shuffle_epi8(table, rf_nibbles32(w0[i].qs)), x1 = _mm256_shuffle_epi8(table, rf_nibbles32(w1[i].qs));
        const __m256i x2 = _mm256_shuffle_epi8(table, rf_nibbles32(w2[i].qs)), x3 = _mm256_shuffle_epi8(table, rf_nibbles32(w3[i].qs));
        const __m256i a0 = _mm256_sign_epi8(x0, x0), a1 = _mm256_sign_epi8(x1, x1), a2 = _mm256_sign_epi8(x2, x2), a3 = _mm256_sign_epi8(x3, x3);
        const __m128 e4 = _mm_setr_ps(rf_e8m0_to_fp32_half(w0[i].e), rf_e8m0_to_fp32_half(w1[i].e),
                                      rf_e8m0_to_fp32_half(w2[i].e), rf_e8m0_to_fp32_half(w3[i].e));
        for (int c = 0; c < 4; c++) {
            const __m256i qy = _mm256_loadu_si256((const __m256i *)y[c][i].qs);
            const __m256i p = rf_reduce4(RF_DOTUS(a0, _mm256_sign_epi8(qy, x0)), RF_DOTUS(a1, _mm256_sign_epi8(qy, x1)),
                                        RF_DOTUS(a2, _mm256_sign_epi8(qy, x2)), RF_DOTUS(a3, _mm256_sign_epi8(qy, x3)));
            const __m128 d4 = _mm_mul_ps(e4, _mm_set1_ps(_cvtsh_ss(y[c][i].d)));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set_m128(d4, d4), acc[c]);
        }
    }
    RF_TILE_STORE(_mm_setzero_ps())
}

// NVFP4: as its four-row kernel (two Q8_0 blocks per 64, a UE4M3 scale per 16), codes unpacked once for four
// activations.
RF_KTARGET void RF_KFN(rf_tile4x4_nvfp4_q8_0)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) {
    RF_TILE_PROLOGUE(rf_block_nvfp4, rf_block_q8_0);
    const __m128i t = _mm_loadu_si128((const __m128i *)rf_kvalues_mxfp4);
    const __m256i table = _mm256_set_m128i(t, t);
    for (int i = 0; i < n / RF_QK_NVFP4; i++) {
        for (int h = 0; h < 2; h++) {
#define RF_NV(w) _mm256_shuffle_epi8(table, _mm256_permute4x64_epi64(rf_nibbles32((w)[i].qs + 16 * h), 0xD8))
#define RF_NVS(s) _mm_setr_ps(rf_ue4m3_to_fp32_half(w0[i].d[s]), rf_ue4m3_to_fp32_half(w1[i].d[s]), \
                              rf_ue4m3_to_fp32_half(w2[i].d[s]), rf_ue4m3_to_fp32_half(w3[i].d[s]))
            const __m256i x0 = RF_NV(w0), x1 = RF_NV(w1), x2 = RF_NV(w2), x3 = RF_NV(w3);
            const __m256i a0 = _mm256_sign_epi8(x0, x0), a1 = _mm256_sign_epi8(x1, x1), a2 = _mm256_sign_epi8(x2, x2), a3 = _mm256_sign_epi8(x3, x3);
            const __m256 d8 = _mm256_set_m128(RF_NVS(2 * h + 1), RF_NVS(2 * h));
#undef RF_NV
#undef RF_NVS
            for (int c = 0; c < 4; c++) {
                const rf_block_q8_0 *yb = &y[c][2 * i + h];
                const __m256i qy = _mm256_loadu_si256((const __m256i *)yb->qs);
                const __m256i p = rf_reduce4(RF_DOTUS(a0, _mm256_sign_epi8(qy, x0)), RF_DOTUS(a1, _mm256_sign_epi8(qy, x1)),
                                            RF_DOTUS(a2, _mm256_sign_epi8(qy, x2)), RF_DOTUS(a3, _mm256_sign_epi8(qy, x3)));
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(d8, _mm256_set1_ps(_cvtsh_ss(yb->d))), acc[c]);
            }
        }
    }
    RF_TILE_STORE(_mm_setzero_ps())
}
