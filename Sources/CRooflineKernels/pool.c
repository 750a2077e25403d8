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
#include <x86intrin.h>
#define WT(x) x  // RF_AB_WAITS' counters (ab_experiments.c)
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

void rf_pool_run(rf_pool *pool, rf_task_fn fn, void *ctx) {
    RF_AB_PASS_START();
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
    RF_AB_PASS_END();
}
