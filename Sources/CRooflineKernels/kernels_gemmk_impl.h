// The K-quant many-column kernels' bodies, included by kernels_gemmk16.c once per width: GK_COLS columns
// (sixteen on 512-bit registers, eight on 256-bit ones, the same arithmetic per lane), GK_BLOCK their packed
// activations, GK(op) and GK_SI(op) the intrinsics of that width, GK_NAME(f) the function's name for that width. A group of
// fewer columns than the width is packed with zero columns and only its `ncols` results are stored.

RF_VNNIK static void GK_NAME(rf_pack_xk)(const void *x, size_t x_stride, int ncols, int64_t k, GK_BLOCK *out) {
    for (int64_t i = 0; i < k / RF_QK_K; i++) {
        GK_BLOCK *o = &out[i];
        for (int c = 0; c < GK_COLS; c++) {
            if (c >= ncols) {
                for (int j = 0; j < 64; j++) memset(o->q[j][c], 0, 4);
                o->d[c] = 0;
                for (int p = 0; p < 4; p++) o->bs32[p][c] = 0;
                for (int p = 0; p < 8; p++) o->bs16[p][c] = 0;
                continue;
            }
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)x + c * x_stride) + i;
            for (int j = 0; j < 64; j++) memcpy(o->q[j][c], y->qs + 4 * j, 4);
            o->d[c] = y->d;
            for (int p = 0; p < 4; p++) {
                const int lo = y->bsums[4 * p] + y->bsums[4 * p + 1], hi = y->bsums[4 * p + 2] + y->bsums[4 * p + 3];
                o->bs32[p][c] = (int32_t)((uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16);
            }
            for (int p = 0; p < 8; p++)
                o->bs16[p][c] = (int32_t)((uint32_t)(uint16_t)y->bsums[2 * p] | (uint32_t)(uint16_t)y->bsums[2 * p + 1] << 16);
        }
    }
}

RF_VNNIK static inline void GK_NAME(rf_storek)(float *out, size_t out_stride, int ncols, GK_VF v) {
    float tmp[GK_COLS];
    GK(storeu_ps)(tmp, v);
    for (int c = 0; c < ncols; c++) out[c * out_stride] = tmp[c];
}

// Q4_K: sub-block 2k is the low nibbles of code bytes 32k..32k+31, 2k + 1 their high nibbles.
RF_VNNIK static void GK_NAME(rf_gemmk_q4_K)(int n, const void *vw, const GK_BLOCK *x, float *out, size_t out_stride, int ncols) {
    const rf_block_q4_K *w = vw;
    const GK_VI m4 = GK(set1_epi8)(0x0F);
    GK_VF acc[2] = {GK(setzero_ps)(), GK(setzero_ps)()}, summ[2] = {GK(setzero_ps)(), GK(setzero_ps)()};
    for (int i = 0; i < n / RF_QK_K; i++) {
        const rf_block_q4_K *b = &w[i];
        const GK_VI *q = (const GK_VI *)x[i].q;
        const uint8_t *sq = b->scales;
        int sc[8], mn[8];
        for (int j = 0; j < 4; j++) { sc[j] = sq[j] & 63; mn[j] = sq[j + 4] & 63; }
        for (int j = 4; j < 8; j++) { sc[j] = (sq[j + 4] & 0xF) | ((sq[j - 4] >> 6) << 4); mn[j] = (sq[j + 4] >> 4) | ((sq[j] >> 6) << 4); }
        GK_VI S = GK_SI(setzero)();
        for (int kk = 0; kk < 4; kk++) {
            GK_VI pe = GK_SI(setzero)(), po = GK_SI(setzero)();
            for (int t = 0; t < 8; t++) {
                int32_t word;
                memcpy(&word, b->qs + 32 * kk + 4 * t, 4);
                const GK_VI bw = GK(set1_epi32)(word);
                pe = GK(dpbusd_epi32)(pe, GK_SI(and)(bw, m4), GK_SI(loadu)(q + 16 * kk + t));
                po = GK(dpbusd_epi32)(po, GK_SI(and)(GK(srli_epi16)(bw, 4), m4), GK_SI(loadu)(q + 16 * kk + 8 + t));
            }
            S = GK(add_epi32)(S, GK(add_epi32)(GK(mullo_epi32)(pe, GK(set1_epi32)(sc[2 * kk])),
                                                     GK(mullo_epi32)(po, GK(set1_epi32)(sc[2 * kk + 1]))));
        }
        GK_VI M = GK_SI(setzero)();
        for (int p = 0; p < 4; p++) M = GK(dpwssd_epi32)(M, GK_SI(loadu)((const GK_VI *)x[i].bs32[p]), GK(set1_epi32)(rf_pair16(mn[2 * p], mn[2 * p + 1])));
        const GK_VF dy = GK(loadu_ps)(x[i].d);
        acc[i & 1] = GK(fmadd_ps)(GK(cvtepi32_ps)(S), GK(mul_ps)(GK(set1_ps)(_cvtsh_ss(b->d)), dy), acc[i & 1]);
        summ[i & 1] = GK(fmadd_ps)(GK(cvtepi32_ps)(M), GK(mul_ps)(GK(set1_ps)(_cvtsh_ss(b->dmin)), dy), summ[i & 1]);
    }
    GK_NAME(rf_storek)(out, out_stride, ncols, GK(sub_ps)(GK(add_ps)(acc[0], acc[1]), GK(add_ps)(summ[0], summ[1])));
}

// Q6_K: the 256 unsigned 6-bit codes unpacked once per super-block (element order, as ggml's dequantizer
// places them), then each 16-value sub-block's four words against the columns; the offset 32·Σ scale·bsum16.
RF_VNNIK static void GK_NAME(rf_gemmk_q6_K)(int n, const void *vw, const GK_BLOCK *x, float *out, size_t out_stride, int ncols) {
    const rf_block_q6_K *w = vw;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    GK_VF acc[2] = {GK(setzero_ps)(), GK(setzero_ps)()};
    for (int i = 0; i < n / RF_QK_K; i++) {
        const rf_block_q6_K *b = &w[i];
        const GK_VI *q = (const GK_VI *)x[i].q;
        int32_t codes[64];
        for (int h = 0; h < 2; h++) {
            const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)(b->qh + 32 * h));
            __m256i *c = (__m256i *)(codes + 32 * h);
            _mm256_storeu_si256(c, _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30)));
            _mm256_storeu_si256(c + 1, _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30)));
            _mm256_storeu_si256(c + 2, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30)));
            _mm256_storeu_si256(c + 3, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30)));
        }
        GK_VI S = GK_SI(setzero)();
        for (int s = 0; s < 16; s++) {
            GK_VI p = GK_SI(setzero)();
            for (int t = 0; t < 4; t++) p = GK(dpbusd_epi32)(p, GK(set1_epi32)(codes[4 * s + t]), GK_SI(loadu)(q + 4 * s + t));
            S = GK(add_epi32)(S, GK(mullo_epi32)(p, GK(set1_epi32)(b->scales[s])));
        }
        GK_VI off = GK_SI(setzero)();
        for (int p = 0; p < 8; p++) off = GK(dpwssd_epi32)(off, GK_SI(loadu)((const GK_VI *)x[i].bs16[p]), GK(set1_epi32)(rf_pair16(b->scales[2 * p], b->scales[2 * p + 1])));
        S = GK(sub_epi32)(S, GK(slli_epi32)(off, 5));
        acc[i & 1] = GK(fmadd_ps)(GK(cvtepi32_ps)(S), GK(mul_ps)(GK(set1_ps)(_cvtsh_ss(b->d)), GK(loadu_ps)(x[i].d)), acc[i & 1]);
    }
    GK_NAME(rf_storek)(out, out_stride, ncols, GK(sub_ps)(GK(add_ps)(acc[0], acc[1]), GK(setzero_ps)()));
}
