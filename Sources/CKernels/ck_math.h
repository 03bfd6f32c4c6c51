// Vectorised exp for softmax and SiLU, written once with clang vector extensions and compiled
// by each kernel set for its own registers (the Swift `FastExp` did 16 lanes only when the
// whole build targeted the native CPU). Same method as `FastExp`: Cody–Waite range reduction
// `x = n·ln2 + r` and Cephes' degree-6 polynomial for `e^r` on |r| ≤ ln2/2 (Cephes `expf.c`),
// then `2^n` built in the exponent bits; below −87.3 gives 0, above 88.7 gives +∞.
#if !defined(CK_SET)
#error "define CK_SET(name) before including ck_math.h"
#endif

#include <math.h>
#include <string.h>

// The 64-byte vectors pass between static, inlined functions of this file only, so the
// calling-convention difference clang warns about (-Wpsabi) never crosses an ABI boundary.
#pragma clang diagnostic ignored "-Wpsabi"

#ifndef CK_MATH_TYPES
#define CK_MATH_TYPES
typedef float ck_v16f __attribute__((vector_size(64)));
typedef int32_t ck_v16i __attribute__((vector_size(64)));
#endif

/// `mask ? a : b`, lane by lane (`mask` lanes are all ones or all zeros).
static inline __attribute__((always_inline)) ck_v16f CK_SET(select16)(ck_v16i mask, ck_v16f a, ck_v16f b) {
    return (ck_v16f)((mask & (ck_v16i)a) | (~mask & (ck_v16i)b));
}

static inline __attribute__((always_inline)) ck_v16f CK_SET(exp16)(ck_v16f x) {
    const ck_v16f zero = {0};
    ck_v16i under = x < -87.3f;
    ck_v16i over = x > 88.7f;
    ck_v16f xc = CK_SET(select16)(under, zero - 87.3f, x);
    xc = CK_SET(select16)(over, zero + 88.7f, xc);
    // 1.5 · 2^23 added rounds to an integer held in the low mantissa bits.
    ck_v16f t = xc * 1.44269504f + 12582912.0f;
    ck_v16f n = t - 12582912.0f;
    ck_v16f r = xc - n * 0.693359375f - n * -2.1219444e-4f;
    ck_v16f p = zero + 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16665796e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    ck_v16f er = p * r * r + r + 1.0f;
    ck_v16i ni = (ck_v16i)t - 0x4B400000;
    ck_v16f y = er * (ck_v16f)((ni + 127) << 23);
    y = CK_SET(select16)(under, zero, y);
    return CK_SET(select16)(over, zero + INFINITY, y);
}

static inline __attribute__((always_inline)) float CK_SET(sum16)(ck_v16f v) {
    float s[16];
    memcpy(s, &v, sizeof s);
    for (int w = 8; w >= 1; w /= 2) {
        for (int i = 0; i < w; i++) s[i] += s[i + w];
    }
    return s[0];
}

static float CK_SET(exp_shifted_sum)(float *x, intptr_t count, float shift) {
    ck_v16f sum = {0};
    intptr_t i = 0;
    for (; i + 16 <= count; i += 16) {
        ck_v16f v;
        memcpy(&v, x + i, sizeof v);
        v = CK_SET(exp16)(v - shift);
        memcpy(x + i, &v, sizeof v);
        sum += v;
    }
    float total = CK_SET(sum16)(sum);
    if (i < count) {
        ck_v16f v = {0};
        memcpy(&v, x + i, (size_t)(count - i) * sizeof(float));
        v = CK_SET(exp16)(v - shift);
        float e[16];
        memcpy(e, &v, sizeof e);
        for (intptr_t j = 0; j < count - i; j++) {
            x[i + j] = e[j];
            total += e[j];
        }
    }
    return total;
}

static void CK_SET(swiglu)(const float *gate, const float *up, float *out, intptr_t count) {
    for (intptr_t i = 0; i < count; i += 16) {
        intptr_t n = count - i < 16 ? count - i : 16;
        ck_v16f g = {0}, u = {0};
        memcpy(&g, gate + i, (size_t)n * sizeof(float));
        memcpy(&u, up + i, (size_t)n * sizeof(float));
        ck_v16f o = g / (1.0f + CK_SET(exp16)(-g)) * u;
        memcpy(out + i, &o, (size_t)n * sizeof(float));
    }
}
