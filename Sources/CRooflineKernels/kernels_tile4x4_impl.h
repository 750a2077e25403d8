// Four weight rows × four activation rows (prefill, batched decode), instantiated like kernels_rows4_impl.h:
// each weight block is unpacked once for four activations and each activation block loaded once for four rows.
// No include guard: included once per instantiation.

// out[c * out_stride + r] for rows r < 4 (w_row_bytes apart) and activations c < 4 (x_stride bytes apart).
RF_KTARGET void RF_KFN(rf_tile4x4_q4_1_q8_1)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) {
    const rf_block_q4_1 *w0 = vw, *w1 = (const void *)((const char *)vw + rb);
    const rf_block_q4_1 *w2 = (const void *)((const char *)vw + 2 * rb), *w3 = (const void *)((const char *)vw + 3 * rb);
    const rf_block_q8_1 *y[4];
    for (int c = 0; c < 4; c++) y[c] = (const void *)((const char *)vx + c * xs);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    __m128 summ[4] = { _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps() };
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256i q0 = rf_nibbles32(w0[i].qs), q1 = rf_nibbles32(w1[i].qs), q2 = rf_nibbles32(w2[i].qs), q3 = rf_nibbles32(w3[i].qs);
        const __m256 dm = RF_HEADS4(w0, w1, w2, w3, i);
        const __m128 d4 = _mm256_castps256_ps128(dm), m4 = _mm256_extractf128_ps(dm, 1);
        for (int c = 0; c < 4; c++) {
            const __m256i qy = _mm256_loadu_si256((const __m256i *)y[c][i].qs);
            const __m128 ys = _mm_cvtph_ps(_mm_cvtsi32_si128(*(const int *)&y[c][i]));
            const __m256i p = rf_reduce4(RF_DOTUS(q0, qy), RF_DOTUS(q1, qy),
                                        RF_DOTUS(q2, qy), RF_DOTUS(q3, qy));
            const __m128 s4 = _mm_mul_ps(d4, _mm_broadcastss_ps(ys));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set_m128(s4, s4), acc[c]);
            summ[c] = _mm_fmadd_ps(m4, _mm_permute_ps(ys, 0x55), summ[c]);
        }
    }
    for (int c = 0; c < 4; c++) {
        const __m128 r = _mm_add_ps(_mm_add_ps(_mm256_castps256_ps128(acc[c]), _mm256_extractf128_ps(acc[c], 1)), summ[c]);
        _mm_storeu_ps(out + c * out_stride, r);
    }
}

RF_KTARGET void RF_KFN(rf_tile4x4_q4_0_q8_0)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t out_stride) {
    const rf_block_q4_0 *w0 = vw, *w1 = (const void *)((const char *)vw + rb);
    const rf_block_q4_0 *w2 = (const void *)((const char *)vw + 2 * rb), *w3 = (const void *)((const char *)vw + 3 * rb);
    const rf_block_q8_0 *y[4];
    for (int c = 0; c < 4; c++) y[c] = (const void *)((const char *)vx + c * xs);
    const __m256i ones8 = _mm256_set1_epi8(1);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int i = 0; i < n / RF_QK; i++) {
        const __m256i q0 = rf_nibbles32(w0[i].qs), q1 = rf_nibbles32(w1[i].qs), q2 = rf_nibbles32(w2[i].qs), q3 = rf_nibbles32(w3[i].qs);
        const __m128 d4 = _mm256_castps256_ps128(RF_HEADS4(w0, w1, w2, w3, i));
        for (int c = 0; c < 4; c++) {
            const __m256i qy = _mm256_loadu_si256((const __m256i *)y[c][i].qs);
            const __m256i sy = RF_DOTUS(ones8, qy);
            const __m256i p = rf_reduce4(RF_DOTUS(q0, qy), RF_DOTUS(q1, qy),
                                        RF_DOTUS(q2, qy), RF_DOTUS(q3, qy));
            const __m256i dots = _mm256_sub_epi32(p, _mm256_slli_epi32(rf_reduce4(sy, sy, sy, sy), 3));
            const __m128 s4 = _mm_mul_ps(d4, _mm_set1_ps(_cvtsh_ss(y[c][i].d)));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_set_m128(s4, s4), acc[c]);
        }
    }
    for (int c = 0; c < 4; c++) {
        _mm_storeu_ps(out + c * out_stride, _mm_add_ps(_mm256_castps256_ps128(acc[c]), _mm256_extractf128_ps(acc[c], 1)));
    }
}

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
