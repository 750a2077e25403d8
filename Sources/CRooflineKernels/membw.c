// Memory read-bandwidth probe: every pool thread streams its own slice of a buffer much larger than the
// last-level cache, summing it so the loads cannot be skipped. Returns bytes per second of the median pass.
#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#ifdef RF_X86
#include <immintrin.h>
#endif

typedef struct { const char *buf; size_t bytes; double sink[64]; } rf_bw_job;

#ifdef RF_X86
__attribute__((target("avx2")))
static double rf_sum_avx2(const char *p, size_t n) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 128 <= n; i += 128) {
        a0 = _mm256_xor_si256(a0, _mm256_load_si256((const __m256i *)(p + i)));
        a1 = _mm256_xor_si256(a1, _mm256_load_si256((const __m256i *)(p + i + 32)));
        a2 = _mm256_xor_si256(a2, _mm256_load_si256((const __m256i *)(p + i + 64)));
        a3 = _mm256_xor_si256(a3, _mm256_load_si256((const __m256i *)(p + i + 96)));
    }
    a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return (double)_mm256_extract_epi64(a0, 0);
}
#endif

static double rf_sum_scalar(const char *p, size_t n) {
    uint64_t a = 0, b = 0;
    for (size_t i = 0; i + 16 <= n; i += 16) { a ^= *(const uint64_t *)(p + i); b ^= *(const uint64_t *)(p + i + 8); }
    return (double)(a ^ b);
}

static void rf_bw_task(void *ctx, int ith, int nth) {
    rf_bw_job *j = ctx;
    size_t per = (j->bytes / (size_t)nth) & ~(size_t)127;
    const char *p = j->buf + per * (size_t)ith;
#ifdef RF_X86
    if (rf_get_path() >= RF_PATH_AVX2) { j->sink[ith & 63] += rf_sum_avx2(p, per); return; }
#endif
    j->sink[ith & 63] += rf_sum_scalar(p, per);
}

static double rf_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double rf_measure_read_bandwidth(rf_pool *pool, size_t bytes, int passes) {
    char *buf = 0;
    // 2 MiB-aligned and on transparent huge pages where the system allows it, as the model's mapping is
    // (MappedFile): the probe measures the memory, not the page walks of 4 KiB pages (it reads faster so, which
    // makes rooflines from it stricter: docs/performance.md, "Measurements behind the code").
    if (posix_memalign((void **)&buf, 2 << 20, bytes) != 0) return 0;
#ifdef MADV_HUGEPAGE
    madvise(buf, bytes, MADV_HUGEPAGE);
#endif
    memset(buf, 1, bytes);  // fault every page in before timing
    rf_bw_job j = { buf, bytes, {0} };
    double rates[64];
    if (passes > 63) passes = 63;
    if (passes < 1) passes = 1;
    for (int i = 0; i < passes + 1; i++) {
        const double t0 = rf_now();
        rf_pool_run(pool, rf_bw_task, &j);
        const double dt = rf_now() - t0;
        if (i > 0) rates[i - 1] = dt > 0 ? (double)bytes / dt : 0;  // pass 0 warms up
    }
    free(buf);
    // The median pass: on shared machines single passes swing widely.
    for (int a = 0; a < passes; a++)
        for (int b = a + 1; b < passes; b++)
            if (rates[b] < rates[a]) { const double t = rates[a]; rates[a] = rates[b]; rates[b] = t; }
    return rates[passes / 2];
}
