// A persistent thread pool: workers spin briefly on a generation counter, then sleep on a condition
// variable. rf_pool_run wakes all workers, runs slice 0 on the caller, and waits for the rest.
#define _GNU_SOURCE
#include "kernels_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define RF_PAUSE() _mm_pause()
#else
#define RF_PAUSE() ((void)0)
#endif

// Spin briefly (about 50 µs) before sleeping: long enough to catch the next matmul of a forward pass,
// short enough not to steal a core from other processes when the machine is oversubscribed.
#define RF_SPIN_ITERS 2048
// While a thread waits (for the next pass, or for the others at the end of one), it prefetches the rest of its
// share of the hinted matmul into L2, RF_WAIT_LINES cache lines per turn of its spin loop, at most
// RF_WAIT_BUDGET bytes past the start burst: the wait (the caller's serial steps, the slower thread's tail)
// otherwise leaves memory idle (measurements: docs/performance.md, "Measurements behind the code").
#define RF_WAIT_BUDGET 262144
#define RF_WAIT_LINES 2
#ifdef RF_AB_EXPERIMENTS
static int ab_nowait = -1;  // RF_AB_NOWAITPF: mode 1 waits without prefetching
static int rf_wait_prefetch(void) { return !rf_ab("RF_AB_NOWAITPF", &ab_nowait); }
#else
static inline int rf_wait_prefetch(void) { return 1; }
#endif
#include <sched.h>

struct rf_pool {
    int n;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic unsigned generation;
    _Atomic int pending;
    _Atomic int stop;
    _Atomic int sleepers;   // workers inside the condition-variable wait: only then does rf_pool_run signal
    rf_task_fn fn;
    void *ctx;
    void *scratch;          // rf_pool_scratch: grows, never shrinks; used by the caller between runs
    size_t scratch_bytes;
    rf_slice_hint hint;     // rf_pool_hint_next: the matmul after the next pass (hint.n == 0: none)
};

#ifdef RF_AB_EXPERIMENTS
#include <stdio.h>
#include <x86intrin.h>
int rf_ab_mode;
static int ab_on = -1;
static unsigned long long ab_t[2], ab_n[2], ab_last, ab_runs;
__attribute__((destructor)) static void rf_ab_dump(void) {
    if (ab_on > 0 && ab_n[0] > 0 && ab_n[1] > 0)
        fprintf(stderr, "[ab] mode 0: %.1f Mcycles in %llu windows, mode 1: %.1f Mcycles in %llu; per window, mode 1 / mode 0 %.4f\n",
                ab_t[0] / 1e6, ab_n[0], ab_t[1] / 1e6, ab_n[1], ((double)ab_t[1] / (double)ab_n[1]) / ((double)ab_t[0] / (double)ab_n[0]));
}
// Windows of 151 passes, alternately in each mode; windows longer than 30 M TSC cycles (the bandwidth
// probe, the gaps between repetitions) are left out of both.
// RF_AB_WINDOW=N: windows of N passes instead (effects that carry from one token to the next, such as what
// stays in the caches, then stay inside a window).
static unsigned long long ab_window = 151;
static void rf_ab_tick(void) {
    if (ab_on < 0) {
        ab_on = getenv("RF_AB") != 0;
        if (getenv("RF_AB_WINDOW")) ab_window = strtoull(getenv("RF_AB_WINDOW"), 0, 10);
        if (ab_window < 1) ab_window = 151;
    }
    if (!ab_on || ab_runs++ % ab_window != 0) return;
    const unsigned long long t = __rdtsc();
    if (ab_last && t - ab_last < 30000000ULL * (ab_window + 150) / 151) { ab_t[rf_ab_mode] += t - ab_last; ab_n[rf_ab_mode]++; }
    ab_last = t;
    rf_ab_mode = (int)((ab_runs / ab_window) & 1);
    static int force = -1;
    if (force < 0) force = getenv("RF_AB_FORCE") != 0;  // mode 1 throughout (for RF_AB_PASSES of one mode)
    if (force) rf_ab_mode = 1;
}
#else
static inline void rf_ab_tick(void) {}
#endif

void rf_pool_hint_next(rf_pool *pool, const rf_matmul_part *parts, int n_parts, int64_t k) {
    if (!pool || n_parts < 1 || n_parts > RF_MAX_PARTS) return;
    rf_slice_hint *h = &pool->hint;
    h->total_rows = 0;
    for (int i = 0; i < n_parts; i++) {
        h->parts[i] = parts[i];
        h->w_row[i] = rf_row_size(parts[i].wtype, k);
        if (h->w_row[i] < 0) { h->n = 0; return; }
        h->total_rows += parts[i].n_rows;
    }
    h->n = n_parts;
}

#ifdef RF_AB_EXPERIMENTS
// RF_AB_WAITS: TSC ticks each thread spends in its slices, and waiting, over the process.
static unsigned long long wt_fn[2], wt_wait[2], wt_n, wt_kw[4], wt_kn[4];
static rf_task_fn wt_k[4];
static volatile unsigned long long wt_gen_tsc; static unsigned long long wt_lag, wt_lag_n;
__attribute__((destructor)) static void rf_wt_dump(void) {
    if (!getenv("RF_AB_WAITS") || !wt_n) return;
    fprintf(stderr, "[waits] %llu passes; caller: slices %.1f Mcycles, waiting for the worker %.1f; worker: slices %.1f, idle %.1f\n",
            wt_n, wt_fn[0] / 1e6, wt_wait[0] / 1e6, wt_fn[1] / 1e6, wt_wait[1] / 1e6);
    fprintf(stderr, "[waits] worker start lag: %.0f cycles mean over %llu passes\n", (double)wt_lag / (double)(wt_lag_n ? wt_lag_n : 1), wt_lag_n);
    for (int i = 0; i < 4 && wt_k[i]; i++) fprintf(stderr, "[waits] task %d: %llu passes, caller waiting %.1f Mcycles\n", i, wt_kn[i], wt_kw[i] / 1e6);
}
#define WT(x) x
static unsigned long long wt_last1;
#else
#define WT(x)
#endif

// Thread ith's share of the hinted matmul once its part of a pass is done: the first RF_START_BURST bytes
// requested at once, the cursor set on the rest for the wait that follows (empty without a hint).
static void rf_prefetch_hinted(const rf_slice_hint *h, int ith, int nth, rf_slice_cursor *cur) {
    cur->n = cur->i = 0;
    if (h->n <= 0) return;
    rf_matmul_prefetch_slice(h, ith, nth);
    if (rf_wait_prefetch()) rf_slice_cursor_init(cur, h, ith, nth, RF_START_BURST, RF_WAIT_BUDGET);
}

typedef struct { rf_pool *pool; int ith; } rf_worker_arg;

static void *rf_worker(void *p) {
    rf_worker_arg a = *(rf_worker_arg *)p;
    free(p);
    rf_pool *pool = a.pool;
    unsigned seen = 0;
    rf_slice_cursor cur = { .n = 0 };
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen) {
            if (atomic_load(&pool->stop)) return 0;
            if (rf_slice_cursor_step(&cur, RF_WAIT_LINES)) continue;
            if (++spins < RF_SPIN_ITERS) { RF_PAUSE(); continue; }
            pthread_mutex_lock(&pool->mu);
            atomic_fetch_add(&pool->sleepers, 1);  // seq_cst: rf_pool_run sees it, or this sees its new generation
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop)) pthread_cond_wait(&pool->cv, &pool->mu);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->mu);
            spins = 0;
        }
        if (atomic_load(&pool->stop)) return 0;
        seen = g;
        WT(unsigned long long w0 = __rdtsc(); if (a.ith == 1 && wt_last1 && w0 - wt_last1 < 200000ULL) wt_wait[1] += w0 - wt_last1;
           if (a.ith == 1 && w0 - wt_gen_tsc < 200000ULL) { wt_lag += w0 - wt_gen_tsc; wt_lag_n++; })
        pool->fn(pool->ctx, a.ith, pool->n);
        WT(if (a.ith == 1) { wt_last1 = __rdtsc(); wt_fn[1] += wt_last1 - w0; })
        // The hint is copied before this slice is reported done: the caller may set the next one after that.
        const rf_slice_hint h = pool->hint;
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel);
        rf_prefetch_hinted(&h, a.ith, pool->n, &cur);
    }
}

rf_pool *rf_pool_create(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    rf_pool *pool = calloc(1, sizeof(rf_pool));
    if (!pool) return 0;
    pool->n = n_threads;
    pthread_mutex_init(&pool->mu, 0);
    pthread_cond_init(&pool->cv, 0);
    pool->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    for (int i = 1; i < n_threads; i++) {
        rf_worker_arg *a = malloc(sizeof(rf_worker_arg));
        a->pool = pool; a->ith = i;
        if (pthread_create(&pool->threads[i], 0, rf_worker, a) != 0) { free(a); pool->n = i; break; }
    }
    return pool;
}

void rf_pool_destroy(rf_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mu);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i], 0);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    free(pool->threads);
    free(pool->scratch);
    free(pool);
}

void *rf_pool_scratch(rf_pool *pool, size_t bytes) {
    if (bytes > pool->scratch_bytes) {
        free(pool->scratch);
        size_t n = (bytes + 4095) & ~(size_t)4095;
        pool->scratch = aligned_alloc(64, n);
        pool->scratch_bytes = pool->scratch ? n : 0;
    }
    return pool->scratch;
}

int rf_pool_size(const rf_pool *pool) { return pool ? pool->n : 1; }

#ifdef RF_AB_EXPERIMENTS
static unsigned long long gap_end;
unsigned long long rf_ab_last_gap;  // TSC ticks between the last two passes (0: none, or over 200000)
#endif
void rf_pool_run(rf_pool *pool, rf_task_fn fn, void *ctx) {
    rf_ab_tick();
#ifdef RF_AB_EXPERIMENTS
    if (gap_end) { const unsigned long long g = __rdtsc() - gap_end; rf_ab_last_gap = g < 200000ULL ? g : 0; }
#endif
    if (!pool || pool->n == 1) {
        fn(ctx, 0, 1);
        if (pool && pool->hint.n > 0) {
            rf_matmul_prefetch_slice(&pool->hint, 0, 1);
            pool->hint.n = 0;
        }
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->pending, pool->n - 1);
    WT(wt_gen_tsc = __rdtsc();)
    atomic_fetch_add(&pool->generation, 1);  // seq_cst, paired with the sleepers count (Dekker-style)
    if (atomic_load(&pool->sleepers) > 0) {
        // Spinning workers see the generation by themselves; only sleeping ones need the signal.
        pthread_mutex_lock(&pool->mu);
        pthread_cond_broadcast(&pool->cv);
        pthread_mutex_unlock(&pool->mu);
    }
    WT(const unsigned long long c0 = __rdtsc();)
    fn(ctx, 0, pool->n);
    WT(const unsigned long long c1 = __rdtsc(); wt_fn[0] += c1 - c0; wt_n++;)
    rf_slice_cursor cur;
    rf_prefetch_hinted(&pool->hint, 0, pool->n, &cur);
    // Wait for the other slices; yield the core if a worker seems descheduled (oversubscribed machine).
    for (int spins = 0; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0;) {
        if (rf_slice_cursor_step(&cur, RF_WAIT_LINES)) continue;
        if (spins++ < RF_SPIN_ITERS) RF_PAUSE(); else sched_yield();
    }
    pool->hint.n = 0;
    WT(const unsigned long long cw = __rdtsc() - c1; wt_wait[0] += cw;
       for (int i = 0; i < 4; i++) if (!wt_k[i] || wt_k[i] == fn) { wt_k[i] = fn; wt_kw[i] += cw; wt_kn[i]++; break; })
#ifdef RF_AB_EXPERIMENTS
    gap_end = __rdtsc();
#endif
}
