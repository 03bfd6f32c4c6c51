// The AVX2 kernel set (x86-64-v3: AVX2, FMA, F16C): `vpmaddubsw` + `vpmaddwd` stand in for the
// VNNI dot product, and tiles are 8 weight rows (one ymm of int32 lanes).
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ck_internal.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#define CK_SET(name) ck_avx2_##name

/// `acc + Σ u·s` per 4 bytes. Pairs of products go through int16 with saturation; every weight
/// here is below 64, or |w| ≤ 128 for Q8_0, so a pair stays below 2 · 128 · 127 < 2^15.
#define CK_DPB256(acc, u, s) \
    _mm256_add_epi32((acc), _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), _mm256_set1_epi16(1)))

typedef __m256i VI;
typedef __m256 VF;
#define CK_LANES 8
#define CK_NV 1
#define CK_Q8_TILE_SIGNED 1
#define VI_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define VI_SET1(v) _mm256_set1_epi32(v)
#define VI_ZERO() _mm256_setzero_si256()
#define VI_ADD(a, b) _mm256_add_epi32(a, b)
#define VI_MULLO(a, b) _mm256_mullo_epi32(a, b)
#define VI_DPB(acc, u, s) CK_DPB256(acc, u, s)
#define VI_DPB_SIGNED(acc, w, s) CK_DPB256(acc, _mm256_abs_epi8(w), _mm256_sign_epi8(s, w))
#define VF_ZERO() _mm256_setzero_ps()
#define VF_LOAD(p) _mm256_loadu_ps(p)
#define VF_STORE(p, v) _mm256_storeu_ps(p, v)
#define VF_SET1(v) _mm256_set1_ps(v)
#define VF_MUL(a, b) _mm256_mul_ps(a, b)
#define VF_FMADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VF_CVT(v) _mm256_cvtepi32_ps(v)

#include "x86_body.h"

#pragma clang attribute pop

const ck_kernel_set ck_avx2_set = {
    .name = "avx2",
    .quantize = ck_avx2_quantize,
    .dot_rows = ck_avx2_dot_rows,
    .gemm = ck_avx2_gemm,
    .exp_shifted_sum = ck_avx2_exp_shifted_sum,
    .swiglu = ck_avx2_swiglu,
    .gemm_tile_rows = CK_TR,
};

#endif
