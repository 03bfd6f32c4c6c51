// The AVX-512 VNNI kernel set (AVX-512 F/BW/VL/VNNI, with FMA and F16C): `vpdpbusd` multiplies
// 64 unsigned weight bytes by signed activation bytes and adds them into 16 int32 lanes in one
// instruction; prefill tiles are 32 weight rows (two zmm of int32 lanes).
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ck_internal.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), \
                             apply_to = function)

#define CK_SET(name) ck_avx512_##name

#define CK_DPB256(acc, u, s) _mm256_dpbusd_epi32((acc), (u), (s))

typedef __m512i VI;
typedef __m512 VF;
#define CK_LANES 16
#define CK_NV 2
#define CK_Q8_TILE_SIGNED 0
#define VI_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define VI_SET1(v) _mm512_set1_epi32(v)
#define VI_ZERO() _mm512_setzero_si512()
#define VI_ADD(a, b) _mm512_add_epi32(a, b)
#define VI_MULLO(a, b) _mm512_mullo_epi32(a, b)
#define VI_DPB(acc, u, s) _mm512_dpbusd_epi32(acc, u, s)
#define VI_DPB_SIGNED(acc, w, s) VI_DPB(acc, w, s) /* unused: Q8_0 tiles are unsigned here */
#define VF_ZERO() _mm512_setzero_ps()
#define VF_LOAD(p) _mm512_loadu_ps(p)
#define VF_STORE(p, v) _mm512_storeu_ps(p, v)
#define VF_SET1(v) _mm512_set1_ps(v)
#define VF_MUL(a, b) _mm512_mul_ps(a, b)
#define VF_FMADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VF_CVT(v) _mm512_cvtepi32_ps(v)

#include "x86_body.h"

#pragma clang attribute pop

const ck_kernel_set ck_avx512_set = {
    .name = "avx512-vnni",
    .quantize = ck_avx512_quantize,
    .dot_rows = ck_avx512_dot_rows,
    .gemm = ck_avx512_gemm,
    .exp_shifted_sum = ck_avx512_exp_shifted_sum,
    .swiglu = ck_avx512_swiglu,
    .gemm_tile_rows = CK_TR,
};

#endif
