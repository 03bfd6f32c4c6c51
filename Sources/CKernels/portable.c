// The portable kernel set: plain C for any CPU (the compiler vectorises what it can for the
// baseline instruction set). Also the semantics the vector sets reproduce: one exact integer
// sum per 32-value block, scaled in float and added in block order.
#include <math.h>
#include <stdlib.h>

#include "ck_internal.h"

#define CK_SET(name) ck_portable_##name
#define CK_F16(bits) ck_f16_scalar(bits)
#include "ck_blocks.h"
#include "ck_math.h"

static void portable_quantize(
    const float *x, intptr_t rows, intptr_t columns, int8_t *q, float *d, float *s, int32_t *bsum,
    int32_t *hsum) {
    intptr_t blocks = rows * (columns / 32);
    for (intptr_t b = 0; b < blocks; b++) {
        const float *xb = x + 32 * b;
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(xb[j]));
        float scale = amax / 127;
        float inverse = scale != 0 ? 1 / scale : 0;
        int32_t halves[2] = {0, 0};
        for (int j = 0; j < 32; j++) {
            int v = (int)roundf(xb[j] * inverse);
            q[32 * b + j] = (int8_t)v;
            halves[j >> 4] += v;
        }
        d[b] = scale;
        s[b] = scale * (float)(halves[0] + halves[1]);
        bsum[b] = halves[0] + halves[1];
        hsum[2 * b] = halves[0];
        hsum[2 * b + 1] = halves[1];
    }
}

/// One weight row · one activation row.
static float portable_dot(int format, const uint8_t *w, const ck_activations *x, intptr_t row) {
    intptr_t blocks = x->columns / 32;
    const int8_t *a = x->quants + row * x->columns;
    const float *da = x->scales + row * blocks;
    const float *sa = x->scaled_sums + row * blocks;
    const int32_t *bs = x->block_sums + row * blocks;
    const int32_t *hs = x->half_sums + row * 2 * blocks;
    int offset = ck_offset(format);
    int has_min = ck_has_min(format);
    float total = 0;
    uint8_t u[32];
    for (intptr_t b = 0; b < blocks; b++) {
        ck_block_params p;
        ck_portable_block_params(format, w, b, &p);
        ck_portable_unpack_scalar(format, w, b, u);
        const int8_t *ab = a + 32 * b;
        int32_t isum;
        if (format == CK_Q6_K) {
            int32_t low = 0, high = 0;
            for (int j = 0; j < 16; j++) low += u[j] * ab[j];
            for (int j = 16; j < 32; j++) high += u[j] * ab[j];
            isum = p.sc0 * (low - 32 * hs[2 * b]) + p.sc1 * (high - 32 * hs[2 * b + 1]);
        } else {
            isum = 0;
            for (int j = 0; j < 32; j++) isum += u[j] * ab[j];
            isum -= offset * bs[b];
        }
        total += p.d * da[b] * (float)isum;
        if (has_min) total += p.m * sa[b];
    }
    return total;
}

static void portable_dot_rows(
    int format, const uint8_t *w, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, float *c,
    intptr_t ldc) {
    for (intptr_t j = 0; j < weight_rows; j++) {
        for (intptr_t i = 0; i < x->rows; i++) c[i * ldc + j] = portable_dot(format, w + j * row_bytes, x, i);
    }
}

static void portable_gemm(
    int format, const uint8_t *w, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, intptr_t first,
    intptr_t count, float *c, intptr_t ldc) {
    for (intptr_t j = 0; j < weight_rows; j++) {
        for (intptr_t i = first; i < first + count; i++) c[i * ldc + j] = portable_dot(format, w + j * row_bytes, x, i);
    }
}

const ck_kernel_set ck_portable_set = {
    .name = "portable",
    .quantize = portable_quantize,
    .dot_rows = portable_dot_rows,
    .gemm = portable_gemm,
    .exp_shifted_sum = ck_portable_exp_shifted_sum,
    .swiglu = ck_portable_swiglu,
    .gemm_tile_rows = 16,
};

intptr_t ck_refine_candidates(
    const float *y, const float *norms, intptr_t n, float error_norm, intptr_t *candidates, intptr_t capacity,
    intptr_t *total) {
    float best_lower = -INFINITY;
    for (intptr_t j = 0; j < n; j++) best_lower = fmaxf(best_lower, y[j] - norms[j] * error_norm);
    // Keep the `capacity` highest upper ends among those reaching `best_lower`, as a min-heap
    // on the upper end (root: the weakest kept candidate).
    intptr_t kept = 0, reached = 0;
    for (intptr_t j = 0; j < n; j++) {
        float upper = y[j] + norms[j] * error_norm;
        if (!(upper >= best_lower)) continue;
        reached++;
        if (capacity <= 0) continue;
        if (kept < capacity) {
            intptr_t i = kept++;
            candidates[i] = j;
            while (i > 0) {
                intptr_t parent = (i - 1) / 2;
                intptr_t pj = candidates[parent];
                if (y[pj] + norms[pj] * error_norm <= upper) break;
                candidates[i] = pj;
                candidates[parent] = j;
                i = parent;
            }
        } else {
            intptr_t root = candidates[0];
            if (upper <= y[root] + norms[root] * error_norm) continue;
            intptr_t i = 0;
            candidates[0] = j;
            for (;;) {
                intptr_t l = 2 * i + 1, r = l + 1, m = i;
                float mu = upper;
                if (l < kept) {
                    float lu = y[candidates[l]] + norms[candidates[l]] * error_norm;
                    if (lu < mu) m = l, mu = lu;
                }
                if (r < kept) {
                    float ru = y[candidates[r]] + norms[candidates[r]] * error_norm;
                    if (ru < mu) m = r, mu = ru;
                }
                if (m == i) break;
                candidates[i] = candidates[m];
                candidates[m] = j;
                i = m;
            }
        }
    }
    if (total) *total = reached;
    return kept;
}

float ck_quantization_error(const float *x, const int8_t *quants, const float *scales, intptr_t columns) {
    double sum = 0;
    for (intptr_t k = 0; k < columns; k++) {
        double e = (double)x[k] - (double)(scales[k / 32] * (float)quants[k]);
        sum += e * e;
    }
    return (float)sqrt(sum);
}
