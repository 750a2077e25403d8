// Matrix-vector and matrix-matrix products over quantized weights, split over weight rows.
#include "kernels_internal.h"
#ifdef RF_AB_EXPERIMENTS
#include <x86intrin.h>
#endif
#include "kernels_gemm8.h"
#include <stdatomic.h>

// Software prefetch of the weights a few row groups ahead: the hardware prefetchers stop at 4 KiB page
// boundaries, and without this the dot-product loops wait on DRAM. 8 KiB ahead into L2 (locality 2), which
// measured better than 2 KiB into L1 (docs/performance.md, "Measurements behind the code").
#ifndef RF_PREFETCH_AHEAD
#define RF_PREFETCH_AHEAD 8192
#endif
static inline void rf_prefetch_range(const char *p, int64_t bytes) {
    for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o, 0, 2);
}

#define RF_MAX_RANGES 64
// The fewest columns the K-quant many-column kernels take (below them, the eight-row kernel per column is
// faster), and the most columns left over that go through the eight-row kernel rather than the 4×4 tiles
// (docs/performance.md, "Small batches").
#define RF_KCOLS_MIN 7
#define RF_ROWS8_COLS 8
// From this many columns, K-quant rows go through the sixteen-row tiles (kernels_tile16.c), RF_TILE_BLOCK
// tiles unpacked at a time, each group of eight columns then meeting all of them while its activations are in
// L1 or L2.
#define RF_TILE_MIN_COLS 32
#define RF_TILE_BLOCK 4

typedef struct {
    const rf_matmul_part *parts; int n_parts; int64_t total_rows;
    int64_t k; const char *x; int64_t x_stride; int64_t n_x;
    rf_vec_dot_fn dots[RF_MAX_PARTS]; rf_vec_dot4_fn dots4[RF_MAX_PARTS]; rf_vec_dot8_fn dots8[RF_MAX_PARTS]; rf_vec_dot8n_fn dots8n[RF_MAX_PARTS]; rf_tile4x4_fn tiles[RF_MAX_PARTS]; int64_t w_row[RF_MAX_PARTS];
    rf_gemm8_fn gemm8[RF_MAX_PARTS]; rf_gemm16_fn gemm16[RF_MAX_PARTS];
    rf_gemmk16_fn gemmk16[RF_MAX_PARTS]; rf_gemmk8_fn gemmk8[RF_MAX_PARTS];
    // K-quants: every column packed, n_groups16 groups for the sixteen-column kernels (the last holding last16
    // columns), then, when packedk8 is set, one group of cols8 for the eight-column ones.
    const rf_xk16_block *packedk; const rf_xk8_block *packedk8; int last16, cols8;
    // Columns 0..16*n_groups16-1 packed for the sixteen-column kernels, the next 8*n_groups for the eight-column
    // ones (rf_packed_columns); the rest go through the four-row kernels.
    // Packed once per offset convention a part wants (parts of one fused matmul may differ: Q8_0's unsigned
    // activations beside Q5_0's signed ones); part pi reads those of offset[pi].
    const rf_x16_block *packed16[2]; int64_t n_groups16;
    // Sixteen-row tiles: each thread's RF_TILE_BLOCK tiles at tile_scratch + ith * tile_bytes.
    rf_tile16_unpack_fn tunpack[RF_MAX_PARTS]; rf_tile16_gemm_fn tgemm[RF_MAX_PARTS];
    // xt: the columns packed in groups of eight, xt_group bytes apart; a tile holds k / unit blocks of
    // unit_bytes (K-quant super-blocks or blocks of 32).
    char *tile_scratch; size_t tile_bytes; const char *xt; size_t xt_group, unit_bytes; int64_t unit;
    const rf_x8_block *packed[2]; int64_t n_groups;
    int offset[RF_MAX_PARTS];
    int64_t static_rows, chunk_rows, min_rows;  // per-thread static range, then chunks of the rest taken from `next`
    _Atomic int64_t next;
    // Decode (n_x < 4, at most RF_MAX_RANGES threads): thread t's rows still to do, front | back << 32.
    int ranges;
    _Atomic uint64_t range[RF_MAX_RANGES];
} rf_matmul_job;

static inline int64_t rf_packed_columns(const rf_matmul_job *j) {
    if (j->packedk || j->packedk8) return j->n_x;
    return 16 * j->n_groups16 + 8 * j->n_groups;
}

// Rows handled together by the sixteen- and eight-column kernels: their weights stay in L2 while each packed
// group of columns is read once per row (eight columns of 1536 elements: 18 KB, in L1; sixteen: 36 KB, from
// L2 for the widest rows of the default model, 14 KB for rows of 576).
#define RF_GEMM8_ROWS 64

static void rf_gemm8_rows(const rf_matmul_job *j, int pi, const rf_matmul_part *part, int64_t r0, int64_t r1) {
    const int64_t nb = j->k / RF_QK, c8 = 16 * j->n_groups16;
    const char *w = part->w;
    for (int64_t rc = r0; rc < r1; rc += RF_GEMM8_ROWS) {
        const int64_t re = rc + RF_GEMM8_ROWS < r1 ? rc + RF_GEMM8_ROWS : r1;
        for (int64_t g = 0; g < j->n_groups16; g++) {
            for (int64_t r = rc; r < re; r++) {
                const char *wr = w + r * j->w_row[pi];
                if (g == 0) rf_prefetch_range(wr + RF_PREFETCH_AHEAD, j->w_row[pi]);
                if (j->packedk) j->gemmk16[pi]((int)j->k, wr, j->packedk + g * (j->k / RF_QK_K), part->y + 16 * g * part->y_stride + r, (size_t)part->y_stride,
                                               g == j->n_groups16 - 1 ? j->last16 : 16);
                else j->gemm16[pi]((int)j->k, wr, j->packed16[j->offset[pi]] + g * nb, part->y + 16 * g * part->y_stride + r, (size_t)part->y_stride);
            }
        }
        if (j->packedk8) {
            for (int64_t r = rc; r < re; r++) {
                const char *wr = w + r * j->w_row[pi];
                if (j->n_groups16 == 0) rf_prefetch_range(wr + RF_PREFETCH_AHEAD, j->w_row[pi]);
                j->gemmk8[pi]((int)j->k, wr, j->packedk8, part->y + 16 * j->n_groups16 * part->y_stride + r, (size_t)part->y_stride, j->cols8);
            }
        }
        for (int64_t g = 0; g < j->n_groups; g++) {
            for (int64_t r = rc; r < re; r++) {
                const char *wr = w + r * j->w_row[pi];
                if (g == 0 && j->n_groups16 == 0) rf_prefetch_range(wr + RF_PREFETCH_AHEAD, j->w_row[pi]);
                j->gemm8[pi]((int)j->k, wr, j->packed[j->offset[pi]] + g * nb, part->y + (c8 + 8 * g) * part->y_stride + r, (size_t)part->y_stride);
            }
        }
    }
}

// Rows r0..<r1 of part pi (a multiple of sixteen) through the sixteen-row tiles, for all X rows.
static void rf_tile16_rows(const rf_matmul_job *j, int pi, const rf_matmul_part *part, int64_t r0, int64_t r1, int ith) {
    const size_t sb_tile = (size_t)(j->k / j->unit) * j->unit_bytes;
    char *tiles = j->tile_scratch + (size_t)ith * j->tile_bytes;
    for (int64_t rb = r0; rb < r1; rb += 16 * RF_TILE_BLOCK) {
        const int nt = (int)((r1 - rb) / 16 < RF_TILE_BLOCK ? (r1 - rb) / 16 : RF_TILE_BLOCK);
        for (int t = 0; t < nt; t++) j->tunpack[pi]((int)j->k, (const char *)part->w + (rb + 16 * t) * j->w_row[pi], (size_t)j->w_row[pi], tiles + t * sb_tile);
        for (int64_t m = 0; m < j->n_x; m += 8) {
            const int nc = (int)(j->n_x - m < 8 ? j->n_x - m : 8);
            for (int t = 0; t < nt; t++)
                j->tgemm[pi]((int)j->k, tiles + t * sb_tile, j->xt + (m / 8) * j->xt_group, nc,
                             part->y + m * part->y_stride + rb + 16 * t, (size_t)part->y_stride);
        }
    }
}

// Rows g0..<g1 of the concatenated rows of all parts, for all X rows, on thread ith.
static void rf_matmul_range(const rf_matmul_job *j, int64_t g0, int64_t g1, int ith) {
    int64_t base = 0;
    for (int pi = 0; pi < j->n_parts; pi++) {
        const rf_matmul_part *part = &j->parts[pi];
        int64_t r0 = g0 > base ? g0 - base : 0;
        const int64_t r1 = (g1 - base) < part->n_rows ? (g1 - base) : part->n_rows;
        const char *w = part->w;
        if (j->tile_scratch && r1 - r0 >= 16) {
            const int64_t rt = r0 + ((r1 - r0) & ~(int64_t)15);
            rf_tile16_rows(j, pi, part, r0, rt, ith);
            r0 = rt;
        }
        // Rows in whole groups of four go through the multi-row kernels (eight-column, 4×4 tile, eight- and four-row),
        // which share one arithmetic; the rest through the one-row kernel for every column, as when alone.
        const int64_t r4 = j->dots4[pi] ? r0 + ((r1 - r0) & ~(int64_t)3) : r0;
        int64_t m0 = 0;  // columns left for the four-row kernels
        if (rf_packed_columns(j) > 0) {
            rf_gemm8_rows(j, pi, part, r0, r4);
            m0 = rf_packed_columns(j);
        }
        int64_t r = r0;
        if (j->dots4[pi]) {
            float out4[4];
            // Fewer than RF_ROWS8_COLS columns left (decode, speculative verification, the remainder after the
            // packed groups): pairs of four-row groups go through the eight-row kernel for each column, whose
            // results equal the four-row kernel's bit for bit (per column it costs less than the 4×4 tiles up to
            // seven columns). It prefetches the rows of a later call itself (RF_PF_START), spread over its loop.
            if (j->dots8n[pi] && j->n_x - m0 > 1 && !(j->tiles[pi] && j->n_x - m0 >= RF_ROWS8_COLS)) {
                // Several columns: each eight rows' codes taken out once for up to RF_DOT8N_MAX of them.
                float outn[8 * RF_DOT8N_MAX];
                for (; r + 8 <= r4; r += 8) {
                    const char *wr = w + r * j->w_row[pi];
                    for (int64_t m = m0; m < j->n_x; m += RF_DOT8N_MAX) {
                        const int nc = (int)(j->n_x - m < RF_DOT8N_MAX ? j->n_x - m : RF_DOT8N_MAX);
                        j->dots8n[pi]((int)j->k, wr, (size_t)j->w_row[pi], j->x + m * j->x_stride, (size_t)j->x_stride, nc, outn);
                        for (int c = 0; c < nc; c++) memcpy(part->y + (m + c) * part->y_stride + r, outn + 8 * c, 8 * sizeof(float));
                    }
                }
            } else if (j->dots8[pi] && j->n_x - m0 > 0 && !(j->tiles[pi] && j->n_x - m0 >= RF_ROWS8_COLS)) {
                float out8[8];
                for (; r + 8 <= r4; r += 8) {
                    const char *wr = w + r * j->w_row[pi];
                    for (int64_t m = m0; m < j->n_x; m++) {
                        j->dots8[pi]((int)j->k, wr, (size_t)j->w_row[pi], j->x + m * j->x_stride, out8);
                        memcpy(part->y + m * part->y_stride + r, out8, sizeof out8);
                    }
                }
            }
            for (; r < r4; r += 4) {
                const char *wr = w + r * j->w_row[pi];
                if (m0 < j->n_x) rf_prefetch_range(wr + RF_PREFETCH_AHEAD, 4 * j->w_row[pi]);
                int64_t m = m0;
                if (j->tiles[pi]) {
                    for (; m + 4 <= j->n_x; m += 4) {
                        j->tiles[pi]((int)j->k, wr, (size_t)j->w_row[pi], j->x + m * j->x_stride, (size_t)j->x_stride,
                                     part->y + m * part->y_stride + r, (size_t)part->y_stride);
                    }
                }
                for (; m < j->n_x; m++) {
                    j->dots4[pi]((int)j->k, wr, (size_t)j->w_row[pi], j->x + m * j->x_stride, out4);
                    float *yr = part->y + m * part->y_stride + r;
                    yr[0] = out4[0]; yr[1] = out4[1]; yr[2] = out4[2]; yr[3] = out4[3];
                }
            }
        }
        for (; r < r1; r++) {
            const char *wr = w + r * j->w_row[pi];
            rf_prefetch_range(wr + RF_PREFETCH_AHEAD, j->w_row[pi]);
            for (int64_t m = 0; m < j->n_x; m++) {
                part->y[m * part->y_stride + r] = j->dots[pi]((int)j->k, wr, j->x + m * j->x_stride);
            }
        }
        base += part->n_rows;
    }
}

// Prefetches `bytes` from concatenated row g of `parts` onwards (within its part).
static void rf_prefetch_rows(const rf_matmul_part *parts, int n_parts, const int64_t *w_row, int64_t g, int64_t bytes) {
    int64_t base = 0;
    for (int pi = 0; pi < n_parts; pi++) {
        const int64_t n = parts[pi].n_rows;
        if (g < base + n) {
            const int64_t avail = (base + n - g) * w_row[pi];
            rf_prefetch_range((const char *)parts[pi].w + (g - base) * w_row[pi], bytes < avail ? bytes : avail);
            return;
        }
        base += n;
    }
}

void rf_matmul_prefetch_slice(const rf_slice_hint *h, int ith, int nth) {
    int64_t g0, g1;
    rf_slice_bounds(h->total_rows, ith, nth, &g0, &g1);
    rf_prefetch_rows(h->parts, h->n, h->w_row, g0, RF_START_BURST);
}

void rf_slice_cursor_init(rf_slice_cursor *c, const rf_slice_hint *h, int ith, int nth, int64_t skip, int64_t budget) {
    c->n = c->i = 0;
    int64_t g0, g1;
    rf_slice_bounds(h->total_rows, ith, nth, &g0, &g1);
    int64_t base = 0;
    for (int pi = 0; pi < h->n && budget > 0; pi++) {
        const int64_t n = h->parts[pi].n_rows, a = g0 > base ? g0 : base, b = g1 < base + n ? g1 : base + n;
        base += n;
        if (a >= b) continue;
        const char *p = (const char *)h->parts[pi].w + (a - base + n) * h->w_row[pi];
        int64_t bytes = (b - a) * h->w_row[pi];
        if (skip >= bytes) { skip -= bytes; continue; }
        p += skip;
        bytes -= skip;
        skip = 0;
        if (bytes > budget) bytes = budget;
        budget -= bytes;
        c->p[c->n] = p;
        c->end[c->n] = p + bytes;
        c->n++;
    }
}


// Decode: each thread owns an even share of the rows (rf_slice_bounds, the share a waiting thread prefetches)
// and takes it from the front in chunks, one stream with the kernels' prefetch running ahead across chunk
// boundaries; a thread done with its own rows takes chunks from the back of the share with most rows left,
// half of what is left at a time, so the threads finish together. The shared tail of the batch schedule
// below came cold to both threads at the end of every pass, where the prefetched shares stream at full speed
// (docs/performance.md, "Measurements behind the code").
// Boundaries are multiples of eight rows, as below.
// A chunk of about `want` rows: rounded up to eight, within [min_rows, chunk_rows].
static inline int64_t rf_chunk_size(const rf_matmul_job *j, int64_t want) {
    int64_t size = (want + 7) & ~(int64_t)7;
    if (size < j->min_rows) size = j->min_rows;
    return size > j->chunk_rows ? j->chunk_rows : size;
}

// Half of the `left` rows of a share, as a chunk, and no more than them.
static inline int64_t rf_range_chunk(const rf_matmul_job *j, int64_t left) {
    const int64_t size = rf_chunk_size(j, left / 2);
    return size < left ? size : left;
}

static void rf_matmul_task_ranges(rf_matmul_job *j, int ith, int nth) {
    _Atomic uint64_t *own = &j->range[ith];
    uint64_t v = atomic_load_explicit(own, memory_order_relaxed);
    rf_prefetch_rows(j->parts, j->n_parts, j->w_row, (int64_t)(uint32_t)v, RF_START_BURST);
    for (;;) {
        const int64_t f = (uint32_t)v, b = (int64_t)(v >> 32);
        if (f >= b) break;
        const int64_t size = rf_range_chunk(j, b - f);
        if (!atomic_compare_exchange_weak_explicit(own, &v, (uint64_t)(f + size) | ((uint64_t)b << 32), memory_order_relaxed, memory_order_relaxed)) continue;
        rf_matmul_range(j, f, f + size, ith);
        v = atomic_load_explicit(own, memory_order_relaxed);
    }
    for (;;) {
        int victim = -1;
        int64_t most = 0;
        for (int t = 0; t < nth; t++) {
            const uint64_t w = atomic_load_explicit(&j->range[t], memory_order_relaxed);
            const int64_t left = (int64_t)(w >> 32) - (int64_t)(uint32_t)w;
            if (t != ith && left > most) { most = left; victim = t; }
        }
        if (victim < 0) break;
        uint64_t w = atomic_load_explicit(&j->range[victim], memory_order_relaxed);
        const int64_t f = (uint32_t)w, b = (int64_t)(w >> 32);
        if (f >= b) continue;
        int64_t a = (b - rf_range_chunk(j, b - f)) & ~(int64_t)7;
        if (a < f) a = f;
        if (!atomic_compare_exchange_weak_explicit(&j->range[victim], &w, (uint64_t)f | ((uint64_t)a << 32), memory_order_relaxed, memory_order_relaxed)) continue;
        rf_matmul_range(j, a, b, ith);
    }
}

// Matmuls of four or more activation rows (prefill, batches): each thread first streams its own contiguous
// slice of the concatenated rows (fifteen sixteenths of them in all: one long stream per thread is what the
// prefetchers serve best; the fraction was measured, docs/performance.md), then takes chunks of the rest until none are left:
// a thread that started late or streams slower (the caller also wakes the pool; two threads rarely get the
// same bandwidth) does not leave the other waiting at the end of every matmul. Chunks shrink as the rest does
// (a share of what is left, as OpenMP's guided schedule), so the last ones are small and the threads finish
// together. Chunk boundaries are multiples of eight rows (the eight-row kernels' unit; any multiple of four
// gives every row the same kernel arithmetic whichever thread computes it).
static void rf_matmul_task(void *p, int ith, int nth) {
    rf_matmul_job *j = p;
    if (j->ranges) { rf_matmul_task_ranges(j, ith, nth); return; }
    const int64_t s0 = j->static_rows * ith;
    // The slice's first bytes, which the kernels' own prefetch (always ahead of the rows they compute) never
    // covers, all requested at once; after a hint (rf_pool_hint_next) they are already on their way and the
    // requests cost only their issue.
    if (rf_packed_columns(j) == 0 && j->n_x < 4) rf_prefetch_rows(j->parts, j->n_parts, j->w_row, s0, RF_START_BURST);
    rf_matmul_range(j, s0, s0 + j->static_rows, ith);
    const int64_t tail = j->static_rows * nth;
    int64_t g0 = atomic_load_explicit(&j->next, memory_order_relaxed);
    for (;;) {
        const int64_t left = j->total_rows - tail - g0;
        if (left <= 0) break;
        const int64_t size = rf_chunk_size(j, left / (2 * nth));
        if (!atomic_compare_exchange_weak_explicit(&j->next, &g0, g0 + size, memory_order_relaxed, memory_order_relaxed)) continue;
        const int64_t a = tail + g0, b = a + size < j->total_rows ? a + size : j->total_rows;
        rf_matmul_range(j, a, b, ith);
        g0 = atomic_load_explicit(&j->next, memory_order_relaxed);
    }
}

static void rf_matmul_schedule(rf_matmul_job *j, int nth) {
    j->static_rows = rf_static_rows(j->total_rows, nth);
    // Chunks of at most about 64 KiB of weights (a few microseconds of streaming), at least 4 KiB (or 64
    // rows for the eight-column kernels, which work in 64-row blocks).
    int64_t row_bytes = j->w_row[0];
    for (int i = 1; i < j->n_parts; i++) if (j->w_row[i] > row_bytes) row_bytes = j->w_row[i];
    if (row_bytes < 1) row_bytes = 1;
    const int64_t chunk = ((65536 / row_bytes) + 7) & ~(int64_t)7;
    const int64_t small = ((4096 / row_bytes) + 7) & ~(int64_t)7;
    j->min_rows = rf_packed_columns(j) > 0 ? RF_GEMM8_ROWS : (small < 8 ? 8 : small);
    j->chunk_rows = chunk < j->min_rows ? j->min_rows : chunk;
    atomic_store_explicit(&j->next, 0, memory_order_relaxed);
    j->ranges = j->n_x < 4 && nth <= RF_MAX_RANGES && j->total_rows < ((int64_t)1 << 32);
    for (int t = 0; j->ranges && t < nth; t++) {
        int64_t g0, g1;
        rf_slice_bounds(j->total_rows, t, nth, &g0, &g1);
        atomic_store_explicit(&j->range[t], (uint64_t)g0 | ((uint64_t)g1 << 32), memory_order_relaxed);
    }
}

static inline size_t rf_round64(size_t n) { return (n + 63) & ~(size_t)63; }

// From RF_TILE_MIN_COLS columns, where every part has sixteen-row tiles: sets their kernels and layout (K-quant
// super-blocks or blocks of 32) and returns the scratch bytes the packed columns and every thread's tiles take;
// 0 for no tiles.
static size_t rf_tiles_plan(rf_matmul_job *j, int path, int kquant, int nth) {
    if (j->n_x < RF_TILE_MIN_COLS) return 0;
    for (int i = 0; i < j->n_parts; i++)
        if (!rf_get_tile16(j->parts[i].wtype, path, &j->tunpack[i], &j->tgemm[i])) return 0;
    j->unit = kquant ? RF_QK_K : RF_QK;
    j->unit_bytes = kquant ? RF_TILE16_SB_BYTES : RF_TILE16_B_BYTES;
    const int64_t nb = j->k / j->unit;
    j->xt_group = (size_t)nb * (kquant ? sizeof(rf_xt_block) : sizeof(rf_xt32_block));
    j->tile_bytes = (size_t)nb * j->unit_bytes * RF_TILE_BLOCK;
    return rf_round64(j->xt_group * (size_t)((j->n_x + 7) / 8)) + j->tile_bytes * (size_t)nth;
}

// Packs the columns for the tiles at `at` (scratch of rf_tiles_plan's size), the threads' tiles after them.
static void rf_tiles_place(rf_matmul_job *j, char *at, int kquant) {
    const int64_t groups = (j->n_x + 7) / 8;
    for (int64_t g = 0; g < groups; g++) {
        const char *xg = j->x + 8 * g * j->x_stride;
        const int nc = (int)(j->n_x - 8 * g < 8 ? j->n_x - 8 * g : 8);
        if (kquant) rf_tile16_pack_x(xg, (size_t)j->x_stride, nc, j->k, (rf_xt_block *)(at + g * j->xt_group));
        else rf_tile16_pack_x32(xg, (size_t)j->x_stride, nc, j->k, rf_vec_dot_type(j->parts[0].wtype), (rf_xt32_block *)(at + g * j->xt_group));
    }
    j->xt = at;
    j->tile_scratch = at + rf_round64(j->xt_group * (size_t)groups);
}

void rf_matmul_multi(rf_pool *pool, const rf_matmul_part *parts, int n_parts, int64_t k,
                     const void *x, int64_t x_stride, int64_t n_x, int path) {
    if (n_parts < 1 || n_parts > RF_MAX_PARTS) return;
    rf_matmul_job j = { .parts = parts, .n_parts = n_parts, .k = k, .x = x, .x_stride = x_stride, .n_x = n_x };
    for (int i = 0; i < n_parts; i++) {
        j.dots[i] = rf_get_vec_dot(parts[i].wtype, path);
        j.dots4[i] = rf_get_vec_dot4(parts[i].wtype, path);
        j.dots8[i] = j.dots4[i] ? rf_get_vec_dot8(parts[i].wtype, path) : 0;
        j.dots8n[i] = j.dots8[i] ? rf_get_vec_dot8n(parts[i].wtype, path) : 0;
        j.tiles[i] = j.dots4[i] ? rf_get_tile4x4(parts[i].wtype, path) : 0;
        j.w_row[i] = rf_row_size(parts[i].wtype, k);
        if (!j.dots[i] || j.w_row[i] < 0) return;
        j.total_rows += parts[i].n_rows;
    }
    // Eight or more activation rows: pack them for the eight-column kernels when every part has one, once per
    // packing the parts want (signed, or unsigned for Q8_0 weights).
    // Sixteen columns at a time where every part also has a sixteen-column kernel, then one group of eight.
    if (n_x >= 8 && k % RF_QK == 0) {
        int ok = 1, ok16 = 1, need[2] = {0, 0};
        for (int i = 0; i < n_parts && ok; i++) {
            int o = 0;
            j.gemm8[i] = rf_get_gemm8(parts[i].wtype, path, &o);
            j.gemm16[i] = rf_get_gemm16(parts[i].wtype, path);
            ok = j.gemm8[i] != 0 && rf_vec_dot_type(parts[i].wtype) == rf_vec_dot_type(parts[0].wtype);
            ok16 = ok16 && j.gemm16[i];
            j.offset[i] = o;
            need[o] = 1;
        }
        const int64_t groups16 = ok16 ? n_x / 16 : 0, groups = (n_x - 16 * groups16) / 8, nb = k / RF_QK;
        const size_t bytes16 = (size_t)(groups16 * nb) * sizeof(rf_x16_block), bytes8 = (size_t)(groups * nb) * sizeof(rf_x8_block);
        const size_t per = bytes16 + bytes8;
        // Sixteen-row tiles where every part has them (Q8_0 or Q8_1 activations).
        const size_t packed_bytes = rf_round64(per * (size_t)(need[0] + need[1]));
        const int act_type = rf_vec_dot_type(parts[0].wtype);
        const size_t tiles = ok && (act_type == RF_Q8_0 || act_type == RF_Q8_1) ? rf_tiles_plan(&j, path, 0, rf_pool_size(pool)) : 0;
        char *scratch = ok ? rf_pool_scratch(pool, packed_bytes + tiles) : 0;
        if (scratch && tiles) rf_tiles_place(&j, scratch + packed_bytes, 0);
        if (scratch) {
            const int act = rf_vec_dot_type(parts[0].wtype);
            for (int offset = 0; offset < 2; offset++) {
                if (!need[offset]) continue;
                rf_x16_block *packed16 = (rf_x16_block *)scratch;
                rf_x8_block *packed = (rf_x8_block *)(scratch + bytes16);
                scratch += per;
                for (int64_t g = 0; g < groups16; g++) {
                    rf_pack_x16(path, (const char *)x + 16 * g * x_stride, (size_t)x_stride, 16, k, act, offset, packed16 + g * nb);
                }
                for (int64_t g = 0; g < groups; g++) {
                    rf_pack_x8(path, (const char *)x + (16 * groups16 + 8 * g) * x_stride, (size_t)x_stride, 8, k, act, offset, packed + g * nb);
                }
                j.packed16[offset] = packed16;
                j.packed[offset] = packed;
            }
            j.n_groups16 = groups16;
            j.n_groups = groups;
        }
    }
    // K-quants (Q8_K activations), from RF_KCOLS_MIN columns, where every part has the many-column kernels:
    // sixteen columns at a time, a remainder of nine to fifteen as one more (zero-padded) sixteen, one to eight
    // as one (padded) eight, whose 256-bit kernel costs half as much.
    if (n_x >= RF_KCOLS_MIN && k % RF_QK_K == 0 && rf_vec_dot_type(parts[0].wtype) == RF_Q8_K) {
        int ok = 1;
        for (int i = 0; i < n_parts && ok; i++)
            ok = (j.gemmk16[i] = rf_get_gemmk16(parts[i].wtype, path)) != 0 && (j.gemmk8[i] = rf_get_gemmk8(parts[i].wtype, path)) != 0;
        const int64_t rem = n_x % 16, groups16 = n_x / 16 + (rem > 8), nb = k / RF_QK_K;
        const int64_t cols8 = rem > 8 ? 0 : rem;
        const size_t bytes16 = (size_t)(groups16 * nb) * sizeof(rf_xk16_block), bytes8 = cols8 ? (size_t)nb * sizeof(rf_xk8_block) : 0;
        const size_t packed_bytes = rf_round64(bytes16 + bytes8);
        const size_t tiles = ok ? rf_tiles_plan(&j, path, 1, rf_pool_size(pool)) : 0;
        char *scratch = ok ? rf_pool_scratch(pool, packed_bytes + tiles) : 0;
        if (scratch) {
            if (tiles) rf_tiles_place(&j, scratch + packed_bytes, 1);
            rf_xk16_block *packed = (rf_xk16_block *)scratch;
            for (int64_t g = 0; g < groups16; g++) {
                const int64_t c = n_x - 16 * g < 16 ? n_x - 16 * g : 16;
                rf_pack_xk16(path, (const char *)x + 16 * g * x_stride, (size_t)x_stride, (int)c, k, packed + g * nb);
            }
            if (cols8) {
                j.packedk8 = (rf_xk8_block *)(scratch + bytes16);
                rf_pack_xk8(path, (const char *)x + 16 * groups16 * x_stride, (size_t)x_stride, (int)cols8, k, (rf_xk8_block *)(scratch + bytes16));
            }
            j.packedk = groups16 ? packed : 0;
            j.n_groups16 = groups16;
            j.last16 = rem > 8 ? (int)rem : 16;
            j.cols8 = (int)cols8;
        }
    }
    rf_matmul_schedule(&j, rf_pool_size(pool));
#ifdef RF_AB_EXPERIMENTS
    int64_t bytes = 0;
    for (int i = 0; i < n_parts; i++) bytes += parts[i].n_rows * j.w_row[i];
    const unsigned long long t0 = __rdtsc();
#endif
    rf_pool_run(pool, rf_matmul_task, &j);
#ifdef RF_AB_EXPERIMENTS
    if (n_x == 1) {
        rf_mm_record(bytes, __rdtsc() - t0);
        if (rf_ab_last_gap) rf_mm_record(-2 - bytes, rf_ab_last_gap);
    }
#endif
}

void rf_matmul(rf_pool *pool, const void *w, int wtype, int64_t k, int64_t n_rows,
               const void *x, int64_t x_stride, int64_t n_x, float *y, int64_t y_stride, int path) {
    const rf_matmul_part part = { w, wtype, n_rows, y, y_stride };
    rf_matmul_multi(pool, &part, 1, k, x, x_stride, n_x, path);
}
