// The x86 kernels, compiled once per kernel set (x86_avx2.c, x86_avx512.c) with that set's
// target attributes. The including file defines:
//   CK_SET(name)          the set's prefix for every function
//   CK_DPB256(acc, u, s)  acc + Σ over each 4 bytes of u (unsigned) · s (signed), 8 int32 lanes
//   the tile vector type VI/VF of CK_LANES int32/float lanes with VI_* / VF_* operations,
//   CK_NV                 vectors per register tile (rows per tile: CK_NV · CK_LANES),
//   CK_Q8_TILE_SIGNED     1 if Q8_0 tiles keep signed bytes (VI_DPB_SIGNED), 0 for `w ^ 0x80`.
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>

#include "ck_internal.h"

/// binary16 → float through a zero-extending `vmovd`: `_cvtsh_ss` inserts the 16 bits into a live
/// register (`vpinsrw`), a false dependency that chained every block to the previous one.
#define CK_F16(bits) _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128((int)(bits))))
#include "ck_blocks.h"
#include "ck_math.h"

#define CK_TR (CK_NV * CK_LANES)

// ---------------------------------------------------------------------------------------------
// Activation quantization (bit-identical to the portable set: the arithmetic is exact or
// correctly rounded IEEE in both).

static inline __m256 CK_SET(round_half_away)(__m256 v) {
    // trunc(v) plus ±1 where the dropped fraction is at least one half; v − trunc(v) is exact.
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 fraction = _mm256_sub_ps(v, t);
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    __m256 away = _mm256_cmp_ps(_mm256_andnot_ps(sign_mask, fraction), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    __m256 step = _mm256_or_ps(_mm256_and_ps(v, sign_mask), _mm256_set1_ps(1.0f));
    return _mm256_add_ps(t, _mm256_and_ps(away, step));
}

static inline int32_t CK_SET(hsum_epi32)(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

static inline float CK_SET(hsum_ps)(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static void CK_SET(quantize)(
    const float *x, intptr_t rows, intptr_t columns, int8_t *q, float *d, float *s, int32_t *bsum,
    int32_t *hsum) {
    intptr_t blocks = rows * (columns / 32);
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (intptr_t b = 0; b < blocks; b++) {
        const float *xb = x + 32 * b;
        __m256 v[4];
        __m256 amax = _mm256_setzero_ps();
        for (int i = 0; i < 4; i++) {
            v[i] = _mm256_loadu_ps(xb + 8 * i);
            amax = _mm256_max_ps(amax, _mm256_and_ps(v[i], abs_mask));
        }
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        float scale = _mm_cvtss_f32(m) / 127;
        float inverse = scale != 0 ? 1 / scale : 0;
        __m256 inv = _mm256_set1_ps(inverse);
        __m256i iq[4];
        for (int i = 0; i < 4; i++) iq[i] = _mm256_cvttps_epi32(CK_SET(round_half_away)(_mm256_mul_ps(v[i], inv)));
        int32_t low = CK_SET(hsum_epi32)(_mm256_add_epi32(iq[0], iq[1]));
        int32_t high = CK_SET(hsum_epi32)(_mm256_add_epi32(iq[2], iq[3]));
        // int32 → int8 in element order: packs interleave 128-bit lanes, the permute undoes it.
        __m256i p16a = _mm256_packs_epi32(iq[0], iq[1]);
        __m256i p16b = _mm256_packs_epi32(iq[2], iq[3]);
        __m256i p8 = _mm256_packs_epi16(p16a, p16b);
        p8 = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + 32 * b), p8);
        d[b] = scale;
        s[b] = scale * (float)(low + high);
        bsum[b] = low + high;
        hsum[2 * b] = low;
        hsum[2 * b + 1] = high;
    }
}

// ---------------------------------------------------------------------------------------------
// Unpacking one 32-value block to a register, in element order.

/// Byte j is 0xFF where bit j of `bits` is set (the idea of ggml's `bytes_from_bits_32`: spread
/// each byte of the word over eight bytes, then test one bit in each).
static inline __m256i CK_SET(bits_to_bytes)(uint32_t bits) {
    const __m256i spread =
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
    const __m256i all_but_bit = _mm256_set1_epi64x(0x7FBFDFEFF7FBFDFE);
    return _mm256_cmpeq_epi8(_mm256_or_si256(bytes, all_but_bit), _mm256_set1_epi64x(-1));
}

static inline __m256i CK_SET(nibbles)(const uint8_t *p) {
    __m128i x = _mm_loadu_si128((const __m128i *)p);
    const __m128i m4 = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(x, 4), m4), _mm_and_si128(x, m4));
}

/// The 32 unsigned values of block `b` (Q8_0: its signed bytes as stored).
static inline __attribute__((always_inline)) __m256i CK_SET(unpack)(int format, const uint8_t *row, intptr_t b) {
    int g;
    const uint8_t *blk = ck_block_at(format, row, b, &g);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    switch (format) {
    case CK_Q4_0: return CK_SET(nibbles)(blk + 2);
    case CK_Q4_1: return CK_SET(nibbles)(blk + 4);
    case CK_Q5_0:
    case CK_Q5_1: {
        int q5_0 = format == CK_Q5_0;
        __m256i high = _mm256_and_si256(CK_SET(bits_to_bytes)(ck_load_u32(blk + (q5_0 ? 2 : 4))), _mm256_set1_epi8(16));
        return _mm256_or_si256(CK_SET(nibbles)(blk + (q5_0 ? 6 : 8)), high);
    }
    case CK_Q8_0: return _mm256_loadu_si256((const __m256i *)(blk + 2));
    case CK_Q4_K: {
        __m256i q = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * (g >> 1)));
        return (g & 1) ? _mm256_and_si256(_mm256_srli_epi16(q, 4), m4) : _mm256_and_si256(q, m4);
    }
    case CK_Q5_K: {
        __m256i q = _mm256_loadu_si256((const __m256i *)(blk + 48 + 32 * (g >> 1)));
        __m256i low = (g & 1) ? _mm256_and_si256(_mm256_srli_epi16(q, 4), m4) : _mm256_and_si256(q, m4);
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 16));
        __m256i clear = _mm256_cmpeq_epi8(_mm256_and_si256(qh, _mm256_set1_epi8((char)(1 << g))), _mm256_setzero_si256());
        return _mm256_or_si256(low, _mm256_andnot_si256(clear, _mm256_set1_epi8(16)));
    }
    case CK_Q6_K: {
        int h = g >> 2, t = g & 3;
        __m256i ql = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32 * (t & 1)));
        __m256i low = t < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
        __m256i high = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * t)), _mm256_set1_epi8(3));
        // Values 0..3 shifted by 4 stay inside their byte.
        return _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
    }
    default: return _mm256_setzero_si256();
    }
}

// ---------------------------------------------------------------------------------------------
// Decode: one weight row against up to four activation rows, lanes along k.

/// Block `b` of one weight row against activation rows `first..<first+nt`, added to the
/// accumulators of parity `b & 1`.
static inline __attribute__((always_inline)) void CK_SET(dot_block)(
    const int format, const uint8_t *w, const ck_activations *x, intptr_t first, const int nt, intptr_t b,
    __m256 *acc, float *min_sum) {
    intptr_t blocks = x->columns / 32;
    const int offset = ck_offset(format);
    ck_block_params p;
    CK_SET(block_params)(format, w, b, &p);
    __m256i u = CK_SET(unpack)(format, w, b);
    __m256i magnitude = _mm256_setzero_si256(), scales = _mm256_setzero_si256();
    if (format == CK_Q8_0) magnitude = _mm256_abs_epi8(u);
    if (format == CK_Q6_K) scales = _mm256_set_m128i(_mm_set1_epi32(p.sc1), _mm_set1_epi32(p.sc0));
    for (int t = 0; t < nt; t++) {
        intptr_t row = first + t;
        __m256i a = _mm256_loadu_si256((const __m256i *)(x->quants + row * x->columns + 32 * b));
        __m256i sum;
        if (format == CK_Q8_0) {
            // Signed weights: |w| · (a with w's sign), ggml's trick for u8 × s8 instructions.
            sum = CK_DPB256(_mm256_setzero_si256(), magnitude, _mm256_sign_epi8(a, u));
        } else if (format == CK_Q6_K) {
            // Σ sc_h · Σ_h (u − 32)·a over the two halves h: the products by lane, the offsets in
            // one scalar added to lane 0 (building a two-value vector per row cost more).
            const int32_t *hs = x->half_sums + row * 2 * blocks + 2 * b;
            int32_t correction = -32 * (p.sc0 * hs[0] + p.sc1 * hs[1]);
            sum = _mm256_mullo_epi32(CK_DPB256(_mm256_setzero_si256(), u, a), scales);
            sum = _mm256_add_epi32(sum, _mm256_zextsi128_si256(_mm_cvtsi32_si128(correction)));
        } else if (offset) {
            __m256i init = _mm256_zextsi128_si256(_mm_cvtsi32_si128(-offset * x->block_sums[row * blocks + b]));
            sum = CK_DPB256(init, u, a);
        } else {
            sum = CK_DPB256(_mm256_setzero_si256(), u, a);
        }
        acc[2 * t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(p.d * x->scales[row * blocks + b]), acc[2 * t]);
        if (ck_has_min(format)) min_sum[2 * t] += p.m * x->scaled_sums[row * blocks + b];
    }
}

/// One weight row against up to four activation rows. Even and odd blocks add into separate
/// accumulators, summed at the end: one chain of fused multiply-adds per row bounded decode at
/// a block per FMA latency (about 27 G weights/s per core).
static inline __attribute__((always_inline)) void CK_SET(dot_group)(
    const int format, const uint8_t *w, const ck_activations *x, intptr_t first, const int nt, float *c,
    intptr_t ldc) {
    intptr_t blocks = x->columns / 32;
    __m256 acc[8];
    float min_sum[8];
    for (int i = 0; i < 2 * nt; i++) {
        acc[i] = _mm256_setzero_ps();
        min_sum[i] = 0;
    }
    intptr_t b = 0;
    for (; b + 2 <= blocks; b += 2) {
        CK_SET(dot_block)(format, w, x, first, nt, b, acc, min_sum);
        CK_SET(dot_block)(format, w, x, first, nt, b + 1, acc + 1, min_sum + 1);
    }
    if (b < blocks) CK_SET(dot_block)(format, w, x, first, nt, b, acc, min_sum);
    for (int t = 0; t < nt; t++) {
        c[t * ldc] = CK_SET(hsum_ps)(_mm256_add_ps(acc[2 * t], acc[2 * t + 1])) + (min_sum[2 * t] + min_sum[2 * t + 1]);
    }
}

#define CK_DOT_ROWS_FOR(fmt, suffix)                                                                              \
    static void CK_SET(dot_rows_##suffix)(                                                                       \
        const uint8_t *w, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, float *c,           \
        intptr_t ldc) {                                                                                          \
        for (intptr_t j = 0; j < weight_rows; j++) {                                                             \
            const uint8_t *row = w + j * row_bytes;                                                              \
            intptr_t i = 0;                                                                                      \
            for (; i + 4 <= x->rows; i += 4) CK_SET(dot_group)(fmt, row, x, i, 4, c + i * ldc + j, ldc);         \
            if (i + 2 <= x->rows) {                                                                              \
                CK_SET(dot_group)(fmt, row, x, i, 2, c + i * ldc + j, ldc);                                      \
                i += 2;                                                                                          \
            }                                                                                                    \
            if (i < x->rows) CK_SET(dot_group)(fmt, row, x, i, 1, c + i * ldc + j, ldc);                         \
        }                                                                                                        \
    }

CK_DOT_ROWS_FOR(CK_Q4_0, q4_0)
CK_DOT_ROWS_FOR(CK_Q4_1, q4_1)
CK_DOT_ROWS_FOR(CK_Q5_0, q5_0)
CK_DOT_ROWS_FOR(CK_Q5_1, q5_1)
CK_DOT_ROWS_FOR(CK_Q8_0, q8_0)
CK_DOT_ROWS_FOR(CK_Q4_K, q4_k)
CK_DOT_ROWS_FOR(CK_Q5_K, q5_k)
CK_DOT_ROWS_FOR(CK_Q6_K, q6_k)

static void CK_SET(dot_rows)(
    int format, const uint8_t *w, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, float *c,
    intptr_t ldc) {
    switch (format) {
    case CK_Q4_0: CK_SET(dot_rows_q4_0)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q4_1: CK_SET(dot_rows_q4_1)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q5_0: CK_SET(dot_rows_q5_0)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q5_1: CK_SET(dot_rows_q5_1)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q8_0: CK_SET(dot_rows_q8_0)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q4_K: CK_SET(dot_rows_q4_k)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q5_K: CK_SET(dot_rows_q5_k)(w, row_bytes, weight_rows, x, c, ldc); break;
    case CK_Q6_K: CK_SET(dot_rows_q6_k)(w, row_bytes, weight_rows, x, c, ldc); break;
    default: break;
    }
}

// ---------------------------------------------------------------------------------------------
// Prefill: a tile of CK_TR weight rows unpacked once into an interleaved layout, lanes along
// weight rows, so one vector instruction multiplies four k's of CK_TR/CK_NV rows by the same
// four broadcast activation bytes, and a block's lanes end as the rows' exact block sums
// (the shape of llama.cpp's repacked Q4_0 "8x8" GEMM, `ggml_gemm_q4_0_8x8_q8_0`).
//
// Tile layout, per 32-value block b: quants [8 groups of 4 k][CK_TR rows][4 bytes], then the
// rows' scales d, mins m, and Q6_K's two 16-value scales.

typedef struct {
    uint8_t *quants;
    float *scales;
    float *mins;
    int32_t *sixteen_scales;
} CK_SET(tile);

static _Thread_local void *CK_SET(tile_memory) = NULL;
static _Thread_local size_t CK_SET(tile_capacity) = 0;

static CK_SET(tile) CK_SET(tile_for)(intptr_t blocks) {
    size_t quant_bytes = (size_t)blocks * 32 * CK_TR;
    size_t float_bytes = (size_t)blocks * CK_TR * sizeof(float);
    size_t need = quant_bytes + 4 * float_bytes;
    if (need > CK_SET(tile_capacity)) {
        free(CK_SET(tile_memory));
        size_t rounded = (need + 63) / 64 * 64;
        CK_SET(tile_memory) = aligned_alloc(64, rounded);
        CK_SET(tile_capacity) = CK_SET(tile_memory) ? rounded : 0;
    }
    uint8_t *base = CK_SET(tile_memory);
    CK_SET(tile) tile = {base, (float *)(base + quant_bytes), (float *)(base + quant_bytes + float_bytes),
                         (int32_t *)(base + quant_bytes + 2 * float_bytes)};
    return tile;
}

/// Transposes eight rows of eight 32-bit groups: `v[i]`'s group g goes to lane i of `v[g]`.
static inline void CK_SET(transpose8x8)(__m256i v[8]) {
    __m256i t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i + 0] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int g = 0; g < 4; g++) {
        v[g] = _mm256_permute2x128_si256(u[g], u[g + 4], 0x20);
        v[g + 4] = _mm256_permute2x128_si256(u[g], u[g + 4], 0x31);
    }
}

/// Unpacks `rows` (≤ CK_TR) weight rows into the tile, eight rows at a time: each row's block
/// is unpacked into a register and the eight registers are transposed, so every group of four
/// k's lands as one 32-byte store (scattering 4-byte pieces took a quarter of the prefill).
static inline __attribute__((always_inline)) void CK_SET(unpack_tile)(
    const int format, const uint8_t *w, intptr_t row_bytes, intptr_t rows, intptr_t blocks, CK_SET(tile) tile) {
    for (intptr_t r0 = 0; r0 < CK_TR; r0 += 8) {
        for (intptr_t b = 0; b < blocks; b++) {
            __m256i v[8];
            for (int i = 0; i < 8; i++) {
                intptr_t r = r0 + i;
                ck_block_params p = {0, 0, 0, 0};
                v[i] = _mm256_setzero_si256();
                if (r < rows) {
                    const uint8_t *row = w + r * row_bytes;
                    CK_SET(block_params)(format, row, b, &p);
                    v[i] = CK_SET(unpack)(format, row, b);
                    if (format == CK_Q8_0 && !CK_Q8_TILE_SIGNED) {
                        v[i] = _mm256_xor_si256(v[i], _mm256_set1_epi8((char)0x80));
                    }
                }
                tile.scales[b * CK_TR + r] = p.d;
                if (ck_has_min(format)) tile.mins[b * CK_TR + r] = p.m;
                if (format == CK_Q6_K) {
                    tile.sixteen_scales[2 * b * CK_TR + r] = p.sc0;
                    tile.sixteen_scales[(2 * b + 1) * CK_TR + r] = p.sc1;
                }
            }
            CK_SET(transpose8x8)(v);
            uint8_t *q = tile.quants + (size_t)b * 32 * CK_TR + 4 * r0;
            for (int g = 0; g < 8; g++) _mm256_storeu_si256((__m256i *)(q + g * 4 * CK_TR), v[g]);
        }
    }
}

/// Activation rows `first..<first+nt` against the unpacked tile; writes `valid` columns.
static inline __attribute__((always_inline)) void CK_SET(tile_kernel)(
    const int format, CK_SET(tile) tile, intptr_t blocks, const ck_activations *x, intptr_t first, const int nt,
    float *c, intptr_t ldc, intptr_t valid) {
    const int offset = (format == CK_Q8_0 && CK_Q8_TILE_SIGNED) ? 0 : ck_offset(format);
    const int has_min = ck_has_min(format);
    const int q6 = format == CK_Q6_K;
    VF acc[4][CK_NV];
    const int8_t *a[4];
    for (int t = 0; t < nt; t++) {
        a[t] = x->quants + (first + t) * x->columns;
        for (int v = 0; v < CK_NV; v++) acc[t][v] = VF_ZERO();
    }
    for (intptr_t b = 0; b < blocks; b++) {
        VI sum[4][CK_NV], high[4][CK_NV];
        for (int t = 0; t < nt; t++) {
            intptr_t row = first + t;
            int32_t init = q6 ? -32 * x->half_sums[row * 2 * blocks + 2 * b] : -offset * x->block_sums[row * blocks + b];
            int32_t init_high = q6 ? -32 * x->half_sums[row * 2 * blocks + 2 * b + 1] : 0;
            for (int v = 0; v < CK_NV; v++) {
                sum[t][v] = VI_SET1(init);
                high[t][v] = VI_SET1(init_high);
            }
        }
        const uint8_t *qb = tile.quants + (size_t)b * 32 * CK_TR;
        for (int g = 0; g < 8; g++) {
            VI wv[CK_NV];
            for (int v = 0; v < CK_NV; v++) wv[v] = VI_LOAD(qb + (g * CK_TR + v * CK_LANES) * 4);
            for (int t = 0; t < nt; t++) {
                int32_t four;
                memcpy(&four, a[t] + 32 * b + 4 * g, 4);
                VI av = VI_SET1(four);
                for (int v = 0; v < CK_NV; v++) {
                    if (format == CK_Q8_0 && CK_Q8_TILE_SIGNED) {
                        sum[t][v] = VI_DPB_SIGNED(sum[t][v], wv[v], av);
                    } else if (q6 && g >= 4) {
                        high[t][v] = VI_DPB(high[t][v], wv[v], av);
                    } else {
                        sum[t][v] = VI_DPB(sum[t][v], wv[v], av);
                    }
                }
            }
        }
        for (int v = 0; v < CK_NV; v++) {
            VF d = VF_LOAD(tile.scales + b * CK_TR + v * CK_LANES);
            VF m = has_min ? VF_LOAD(tile.mins + b * CK_TR + v * CK_LANES) : VF_ZERO();
            VI sc0 = VI_ZERO(), sc1 = VI_ZERO();
            if (q6) {
                sc0 = VI_LOAD(tile.sixteen_scales + 2 * b * CK_TR + v * CK_LANES);
                sc1 = VI_LOAD(tile.sixteen_scales + (2 * b + 1) * CK_TR + v * CK_LANES);
            }
            for (int t = 0; t < nt; t++) {
                intptr_t row = first + t;
                VI s = sum[t][v];
                if (q6) s = VI_ADD(VI_MULLO(s, sc0), VI_MULLO(high[t][v], sc1));
                acc[t][v] = VF_FMADD(VF_CVT(s), VF_MUL(d, VF_SET1(x->scales[row * blocks + b])), acc[t][v]);
                if (has_min) acc[t][v] = VF_FMADD(m, VF_SET1(x->scaled_sums[row * blocks + b]), acc[t][v]);
            }
        }
    }
    for (int t = 0; t < nt; t++) {
        float *out = c + (first + t) * ldc;
        if (valid == CK_TR) {
            for (int v = 0; v < CK_NV; v++) VF_STORE(out + v * CK_LANES, acc[t][v]);
        } else {
            float tmp[CK_TR];
            for (int v = 0; v < CK_NV; v++) VF_STORE(tmp + v * CK_LANES, acc[t][v]);
            for (intptr_t j = 0; j < valid; j++) out[j] = tmp[j];
        }
    }
}

#define CK_GEMM_FOR(fmt, suffix)                                                                                  \
    static void CK_SET(gemm_##suffix)(                                                                           \
        const uint8_t *w, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, intptr_t first,      \
        intptr_t count, float *c, intptr_t ldc) {                                                                \
        intptr_t blocks = x->columns / 32;                                                                       \
        CK_SET(tile) tile = CK_SET(tile_for)(blocks);                                                            \
        if (!tile.quants) abort();                                                                               \
        for (intptr_t r0 = 0; r0 < weight_rows; r0 += CK_TR) {                                                   \
            intptr_t rows = weight_rows - r0 < CK_TR ? weight_rows - r0 : CK_TR;                                 \
            CK_SET(unpack_tile)(fmt, w + r0 * row_bytes, row_bytes, rows, blocks, tile);                         \
            intptr_t i = first, end = first + count;                                                             \
            for (; i + 4 <= end; i += 4) CK_SET(tile_kernel)(fmt, tile, blocks, x, i, 4, c + r0, ldc, rows);     \
            switch (end - i) {                                                                                   \
            case 3: CK_SET(tile_kernel)(fmt, tile, blocks, x, i, 3, c + r0, ldc, rows); break;                   \
            case 2: CK_SET(tile_kernel)(fmt, tile, blocks, x, i, 2, c + r0, ldc, rows); break;                   \
            case 1: CK_SET(tile_kernel)(fmt, tile, blocks, x, i, 1, c + r0, ldc, rows); break;                   \
            default: break;                                                                                      \
            }                                                                                                    \
        }                                                                                                        \
    }

CK_GEMM_FOR(CK_Q4_0, q4_0)
CK_GEMM_FOR(CK_Q4_1, q4_1)
CK_GEMM_FOR(CK_Q5_0, q5_0)
CK_GEMM_FOR(CK_Q5_1, q5_1)
CK_GEMM_FOR(CK_Q8_0, q8_0)
CK_GEMM_FOR(CK_Q4_K, q4_k)
CK_GEMM_FOR(CK_Q5_K, q5_k)
CK_GEMM_FOR(CK_Q6_K, q6_k)

static void CK_SET(gemm)(
    int format, const uint8_t *w, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, intptr_t first,
    intptr_t count, float *c, intptr_t ldc) {
    switch (format) {
    case CK_Q4_0: CK_SET(gemm_q4_0)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q4_1: CK_SET(gemm_q4_1)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q5_0: CK_SET(gemm_q5_0)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q5_1: CK_SET(gemm_q5_1)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q8_0: CK_SET(gemm_q8_0)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q4_K: CK_SET(gemm_q4_k)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q5_K: CK_SET(gemm_q5_k)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    case CK_Q6_K: CK_SET(gemm_q6_k)(w, row_bytes, weight_rows, x, first, count, c, ldc); break;
    default: break;
    }
}
