// The in-process A/B harness (docs/performance.md, "Measuring small changes"), compiled only with
// -DRF_AB_EXPERIMENTS: with RF_AB=1 the pool flips rf_ab_mode between windows of passes and this file prints the
// time spent in each mode at exit; RF_AB_PASSES prints each decode matmul's time and streaming rate, RF_AB_WAITS
// the pool threads' time in their slices and waiting. Experiments ask rf_ab("RF_AB_<NAME>", &cache)
// (kernels_internal.h). Normal builds compile this file to nothing.
#include "kernels_internal.h"
#ifdef RF_AB_EXPERIMENTS
#include <stdio.h>
#include <time.h>
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

static unsigned long long gap_end;
unsigned long long rf_ab_last_gap;  // TSC ticks between the last two passes (0: none, or over 200000)

void rf_ab_pass_start(void) {
    rf_ab_tick();
    if (gap_end) { const unsigned long long g = __rdtsc() - gap_end; rf_ab_last_gap = g < 200000ULL ? g : 0; }
}

void rf_ab_pass_end(void) { gap_end = __rdtsc(); }

// RF_AB_WAITS: TSC ticks each thread spends in its slices, and waiting, over the process.
unsigned long long wt_fn[2], wt_wait[2], wt_n, wt_kw[4], wt_kn[4], wt_lag, wt_lag_n, wt_last1;
rf_task_fn wt_k[4];
volatile unsigned long long wt_gen_tsc;
__attribute__((destructor)) static void rf_wt_dump(void) {
    if (!getenv("RF_AB_WAITS") || !wt_n) return;
    fprintf(stderr, "[waits] %llu passes; caller: slices %.1f Mcycles, waiting for the worker %.1f; worker: slices %.1f, idle %.1f\n",
            wt_n, wt_fn[0] / 1e6, wt_wait[0] / 1e6, wt_fn[1] / 1e6, wt_wait[1] / 1e6);
    fprintf(stderr, "[waits] worker start lag: %.0f cycles mean over %llu passes\n", (double)wt_lag / (double)(wt_lag_n ? wt_lag_n : 1), wt_lag_n);
    for (int i = 0; i < 4 && wt_k[i]; i++) fprintf(stderr, "[waits] task %d: %llu passes, caller waiting %.1f Mcycles\n", i, wt_kn[i], wt_kw[i] / 1e6);
}

// With RF_AB_PASSES set: each decode matmul's mean time and streaming rate, by its bytes of weights (caller's
// view: the whole pass, the wait for the other threads included). TSC ticks are converted with the TSC rate
// measured between the first and the last pass.
static int64_t mm_b[32];
static unsigned long long mm_t[32], mm_n[32], mm_tsc0, mm_tsc1;
static double mm_s0, mm_s1;
static double rf_mm_now(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9; }
void rf_mm_record(int64_t b, unsigned long long t) {
    mm_tsc1 = __rdtsc();
    mm_s1 = rf_mm_now();
    if (!mm_tsc0) { mm_tsc0 = mm_tsc1; mm_s0 = mm_s1; }
    for (int i = 0; i < 32; i++) {
        if (mm_b[i] == b || mm_b[i] == 0) {
            mm_b[i] = b;
            if (t < 50000000ULL) { mm_t[i] += t; mm_n[i]++; }
            return;
        }
    }
}
__attribute__((destructor)) static void rf_mm_dump(void) {
    if (!getenv("RF_AB_PASSES") || mm_s1 <= mm_s0) return;
    const double hz = (double)(mm_tsc1 - mm_tsc0) / (mm_s1 - mm_s0);
    for (int i = 0; i < 32 && mm_b[i] && mm_n[i]; i++) {
        const double sec = (double)mm_t[i] / (double)mm_n[i] / hz;
        if (mm_b[i] == -1) { fprintf(stderr, "[passes] attention: %8.2f us mean over %llu\n", sec * 1e6, mm_n[i]); continue; }
        if (mm_b[i] == -2) { fprintf(stderr, "[passes] gap before attention: %8.2f us mean over %llu\n", sec * 1e6, mm_n[i]); continue; }
        if (mm_b[i] < 0) { fprintf(stderr, "[passes] gap before the %lld-byte pass: %8.2f us mean over %llu\n", (long long)(-2 - mm_b[i]), sec * 1e6, mm_n[i]); continue; }
        fprintf(stderr, "[passes] %9lld bytes: %8.2f us mean over %llu passes, %.1f GB/s\n", (long long)mm_b[i], sec * 1e6, mm_n[i], (double)mm_b[i] / sec / 1e9);
    }
}
#endif
