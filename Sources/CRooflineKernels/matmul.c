// Matrix-vector and matrix-matrix products over quantized weights, split over weight rows.
#include "kernels_internal.h"

typedef struct {
    const char *w; int64_t w_row; int64_t k; int64_t n_rows;
    const char *x; int64_t x_stride; int64_t n_x;
    float *y; int64_t y_stride;
    rf_vec_dot_fn dot;
} rf_matmul_job;

static void rf_matmul_task(void *p, int ith, int nth) {
    const rf_matmul_job *j = p;
    // Row chunks rounded to 4 rows so neighbouring threads do not share output cache lines in decode.
    int64_t per = (j->n_rows + nth - 1) / nth;
    per = (per + 3) & ~(int64_t)3;
    const int64_t r0 = per * ith;
    const int64_t r1 = r0 + per < j->n_rows ? r0 + per : j->n_rows;
    for (int64_t r = r0; r < r1; r++) {
        const char *wr = j->w + r * j->w_row;
        for (int64_t m = 0; m < j->n_x; m++) {
            j->y[m * j->y_stride + r] = j->dot((int)j->k, wr, j->x + m * j->x_stride);
        }
    }
}

void rf_matmul(rf_pool *pool, const void *w, int wtype, int64_t k, int64_t n_rows,
               const void *x, int64_t x_stride, int64_t n_x, float *y, int64_t y_stride, int path) {
    rf_matmul_job j = {
        .w = w, .w_row = rf_row_size(wtype, k), .k = k, .n_rows = n_rows,
        .x = x, .x_stride = x_stride, .n_x = n_x, .y = y, .y_stride = y_stride,
        .dot = rf_get_vec_dot(wtype, path),
    };
    if (!j.dot || j.w_row < 0) return;
    rf_pool_run(pool, rf_matmul_task, &j);
}
