// Speed-critical kernels in C, compiled by any `swift build` and chosen at run time for the CPU
// they run on (issue 14 item 2). Each kernel set is compiled with per-function target
// attributes and picked once by `__builtin_cpu_supports`, as ggml's CPU backend builds one
// variant per instruction set and picks the best the CPU has.
//
// Quantized products: activations are int8 blocks of 32 with a float scale (ggml's Q8_0
// quants, the scale kept in fp32), weights stay in their GGUF blocks. Every weight block is
// unpacked to unsigned 8-bit values `u` with `w = d · (u − offset) + m`, so one integer dot
// product `Σ u·a − offset·Σ a` per block is exact, and only its scaling is float.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ggml type ids of the weight encodings with an integer product (ggml.h `enum ggml_type`).
enum {
    CK_Q4_0 = 2,
    CK_Q4_1 = 3,
    CK_Q5_0 = 6,
    CK_Q5_1 = 7,
    CK_Q8_0 = 8,
    CK_Q4_K = 12,
    CK_Q5_K = 13,
    CK_Q6_K = 14,
};

/// Rows of quantized activations (blocks of 32 values), as `QuantizedActivations` holds them.
typedef struct ck_activations {
    /// Shape: [rows, columns].
    const int8_t *quants;
    /// Shape: [rows, columns / 32]: the block scales `d`.
    const float *scales;
    /// Shape: [rows, columns / 32]: `d · Σ q` per block.
    const float *scaled_sums;
    /// Shape: [rows, columns / 32]: `Σ q` per block.
    const int32_t *block_sums;
    /// Shape: [rows, columns / 16]: `Σ q` per half block (Q6_K's scales cover 16 values).
    const int32_t *half_sums;
    intptr_t rows;
    intptr_t columns;
} ck_activations;

/// Whether `format` (a ggml type id) has an integer product here.
int ck_supports_format(int format);

/// The kernel set in use: "avx512-vnni", "avx2" or "portable".
const char *ck_kernel_set_name(void);

/// The kernel sets this CPU can run, best first, as a comma-separated list.
const char *ck_available_kernel_sets(void);

/// Uses the kernel set named `name` from now on. Returns 0, or -1 if this CPU or build has no
/// such set (the current one is kept). The first use picks the best set, or the one named by
/// the environment variable EASYKV_KERNELS when the CPU has it.
int ck_select_kernel_set(const char *name);

/// The position of the set named `name` in `ck_available_kernel_sets()`, or -1. The functions
/// below take such a position as `set` to use that set for one call (tests compare the sets
/// side by side), or -1 for the current set.
int ck_kernel_set_index(const char *name);

/// Quantizes `rows` rows of `columns` floats (a multiple of 32) at `x`: per block of 32,
/// `d = max|x| / 127` and `q = round(x / d)` rounding half away from zero (ggml's
/// `quantize_row_q8_0_ref` quants); `scaled_sums = d · Σ q`, `block_sums = Σ q`, and
/// `half_sums` per 16 values. The outputs have the shapes of `ck_activations`.
void ck_quantize_rows(
    int set, const float *x, intptr_t rows, intptr_t columns, int8_t *quants, float *scales, float *scaled_sums,
    int32_t *block_sums, int32_t *half_sums);

/// Decode products (few activation rows): `c[i · ldc + j] = Σ_k W[j, k] · x[i, k]` for every
/// activation row `i` of `x` and weight rows `j` in `0..<weight_rows` at `weights`
/// (`row_bytes` apart). Each unpacked weight block serves up to four activation rows; a row's
/// result does not depend on how many rows are batched with it.
void ck_dot_rows(
    int set, int format, const void *weights, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, float *c,
    intptr_t ldc);

/// Weight rows one `ck_gemm` call should be given (a multiple of its register tile).
intptr_t ck_gemm_tile_rows(int set);

/// Prefill products (many activation rows): as `ck_dot_rows` for activation rows
/// `first..<first+count` of `x`, writing `c[i · ldc + j]`. The weight rows are unpacked once
/// into an interleaved tile and reused by every activation row; a row's result depends on
/// neither `first`, `count` nor `weight_rows`.
void ck_gemm(
    int set, int format, const void *weights, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x,
    intptr_t first, intptr_t count, float *c, intptr_t ldc);

/// Output-layer refinement (see `Projection.refineMaxima`): writes to `candidates` the indices
/// `j` whose interval `[y[j] − bound[j]·e, y[j] + bound[j]·e]` reaches the largest lower end,
/// at most `capacity` of them, those with the highest upper ends, and returns how many it wrote.
/// `*total` receives how many reached it before the cap.
intptr_t ck_refine_candidates(
    const float *y, const float *norms, intptr_t n, float error_norm, intptr_t *candidates, intptr_t capacity,
    intptr_t *total);

/// `‖x − x̂‖₂` for one row of `columns` floats and its quantized form (`quants`, `scales`).
float ck_quantization_error(const float *x, const int8_t *quants, const float *scales, intptr_t columns);

/// Replaces `x[i]` by `e^(x[i] − shift)` for `i < count` and returns their sum (softmax's middle
/// step; relative error about 2e-7, see `ck_math.h`).
float ck_exp_shifted_sum(float *x, intptr_t count, float shift);

/// `out[i] = silu(gate[i]) · up[i]` with `silu(x) = x / (1 + e^−x)` (the Llama feed-forward gate).
void ck_swiglu(const float *gate, const float *up, float *out, intptr_t count);

#ifdef __cplusplus
}
#endif

#endif
