// Shared by the kernel sets: the dispatch table and the scalar block layouts.
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "ckernels.h"

/// One kernel set: what `ck_select_kernel_set` switches between.
typedef struct ck_kernel_set {
    const char *name;
    void (*quantize)(const float *, intptr_t, intptr_t, int8_t *, float *, float *, int32_t *, int32_t *);
    void (*dot_rows)(int, const uint8_t *, intptr_t, intptr_t, const ck_activations *, float *, intptr_t);
    void (*gemm)(int, const uint8_t *, intptr_t, intptr_t, const ck_activations *, intptr_t, intptr_t, float *, intptr_t);
    intptr_t gemm_tile_rows;
    float (*exp_shifted_sum)(float *, intptr_t, float);
    void (*swiglu)(const float *, const float *, float *, intptr_t);
} ck_kernel_set;

extern const ck_kernel_set ck_portable_set;
#if defined(__x86_64__) || defined(_M_X64)
extern const ck_kernel_set ck_avx2_set;
extern const ck_kernel_set ck_avx512_set;
#endif

/// Elements per super-block of the K-quants.
#define CK_QK_K 256

/// Bytes per block of `format` and elements per block.
static inline int ck_block_bytes(int format) {
    switch (format) {
    case CK_Q4_0: return 18;
    case CK_Q4_1: return 20;
    case CK_Q5_0: return 22;
    case CK_Q5_1: return 24;
    case CK_Q8_0: return 34;
    case CK_Q4_K: return 144;
    case CK_Q5_K: return 176;
    case CK_Q6_K: return 210;
    default: return 0;
    }
}

static inline int ck_block_elements(int format) {
    return format == CK_Q4_K || format == CK_Q5_K || format == CK_Q6_K ? CK_QK_K : 32;
}

/// Whether weights of `format` carry a min term `m` (it multiplies the activation block's `d·Σq`).
static inline int ck_has_min(int format) {
    return format == CK_Q4_1 || format == CK_Q5_1 || format == CK_Q4_K || format == CK_Q5_K;
}

/// The offset subtracted from the unpacked unsigned weights (Q8_0: its int8 values + 128).
static inline int ck_offset(int format) {
    switch (format) {
    case CK_Q4_0: return 8;
    case CK_Q5_0: return 16;
    case CK_Q8_0: return 128;
    case CK_Q6_K: return 32;
    default: return 0;
    }
}

static inline uint16_t ck_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline uint32_t ck_load_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/// IEEE binary16 to binary32, exactly (subnormals, infinities and NaNs included).
static inline float ck_f16_scalar(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        // Subnormal: value = mantissa · 2^-24, exact in binary32.
        float f = (float)mantissa * (1.0f / 16777216.0f);
        memcpy(&bits, &f, 4);
        bits |= sign;
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

/// Scale and min of sub-block `j` (0..<8) of a Q4_K/Q5_K super-block from its 12 packed bytes
/// (ggml-quants.c `get_scale_min_k4`).
static inline void ck_scale_min_k4(int j, const uint8_t *s, int *scale, int *min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/// Where a 32-element block `b` of a weight row starts and which sub-block of it `b` is.
static inline const uint8_t *ck_block_at(int format, const uint8_t *row, intptr_t b, int *sub) {
    if (ck_block_elements(format) == CK_QK_K) {
        *sub = (int)(b & 7);
        return row + (b >> 3) * ck_block_bytes(format);
    }
    *sub = 0;
    return row + b * ck_block_bytes(format);
}

#endif
