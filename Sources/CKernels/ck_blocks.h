// The GGUF block layouts, unpacked one 32-element block at a time to unsigned 8-bit values `u`
// in element order with `w = d · (u − offset) + m` (Q6_K: `d · sc · (u − 32)` with one signed
// scale per 16 values). Layouts from ggml-common.h (`block_q4_0` … `block_q6_K`) and the
// scalar `dequantize_row_*` of ggml-quants.c. `CK_F16` converts a binary16 field; each kernel
// set defines it before including this file (F16C where the set has it).
#ifndef CK_BLOCKS_H
#define CK_BLOCKS_H

#include "ck_internal.h"

/// The float parameters of one 32-element block.
typedef struct ck_block_params {
    float d;
    /// The min term (formats with `ck_has_min`), else 0.
    float m;
    /// Q6_K's two signed 16-value scales.
    int sc0, sc1;
} ck_block_params;

#endif

#if !defined(CK_SET) || !defined(CK_F16)
#error "define CK_SET(name) and CK_F16(bits) before including ck_blocks.h"
#endif

/// The parameters of block `b` of a weight row.
static inline __attribute__((always_inline)) void CK_SET(block_params)(
    int format, const uint8_t *row, intptr_t b, ck_block_params *p) {
    int g;
    const uint8_t *blk = ck_block_at(format, row, b, &g);
    p->m = 0;
    p->sc0 = p->sc1 = 0;
    switch (format) {
    case CK_Q4_0:
    case CK_Q5_0:
    case CK_Q8_0:
        p->d = CK_F16(ck_load_u16(blk));
        break;
    case CK_Q4_1:
    case CK_Q5_1:
        p->d = CK_F16(ck_load_u16(blk));
        p->m = CK_F16(ck_load_u16(blk + 2));
        break;
    case CK_Q4_K:
    case CK_Q5_K: {
        int sc, mn;
        ck_scale_min_k4(g, blk + 4, &sc, &mn);
        p->d = CK_F16(ck_load_u16(blk)) * (float)sc;
        p->m = -CK_F16(ck_load_u16(blk + 2)) * (float)mn;
        break;
    }
    case CK_Q6_K:
        p->d = CK_F16(ck_load_u16(blk + 208));
        p->sc0 = (int8_t)blk[192 + 2 * g];
        p->sc1 = (int8_t)blk[193 + 2 * g];
        break;
    default:
        p->d = 0;
    }
}

/// The 32 unsigned values of block `b` of a weight row, element by element.
static inline void CK_SET(unpack_scalar)(int format, const uint8_t *row, intptr_t b, uint8_t *u) {
    int g;
    const uint8_t *blk = ck_block_at(format, row, b, &g);
    switch (format) {
    case CK_Q4_0:
    case CK_Q4_1: {
        const uint8_t *qs = blk + (format == CK_Q4_0 ? 2 : 4);
        for (int j = 0; j < 16; j++) {
            u[j] = qs[j] & 0x0F;
            u[j + 16] = qs[j] >> 4;
        }
        break;
    }
    case CK_Q5_0:
    case CK_Q5_1: {
        uint32_t qh = ck_load_u32(blk + (format == CK_Q5_0 ? 2 : 4));
        const uint8_t *qs = blk + (format == CK_Q5_0 ? 6 : 8);
        for (int j = 0; j < 16; j++) {
            u[j] = (uint8_t)((qs[j] & 0x0F) | (((qh >> j) & 1) << 4));
            u[j + 16] = (uint8_t)((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
        }
        break;
    }
    case CK_Q8_0:
        for (int j = 0; j < 32; j++) u[j] = (uint8_t)(blk[2 + j] ^ 0x80);
        break;
    case CK_Q4_K: {
        const uint8_t *qs = blk + 16 + 32 * (g >> 1);
        for (int l = 0; l < 32; l++) u[l] = (g & 1) ? qs[l] >> 4 : qs[l] & 0x0F;
        break;
    }
    case CK_Q5_K: {
        const uint8_t *qs = blk + 48 + 32 * (g >> 1);
        const uint8_t *qh = blk + 16;
        for (int l = 0; l < 32; l++) {
            uint8_t low = (g & 1) ? qs[l] >> 4 : qs[l] & 0x0F;
            u[l] = (uint8_t)(low | (((qh[l] >> g) & 1) << 4));
        }
        break;
    }
    case CK_Q6_K: {
        int h = g >> 2, t = g & 3;
        const uint8_t *ql = blk + 64 * h + 32 * (t & 1);
        const uint8_t *qh = blk + 128 + 32 * h;
        for (int l = 0; l < 32; l++) {
            uint8_t low = t < 2 ? ql[l] & 0x0F : ql[l] >> 4;
            u[l] = (uint8_t)(low | (((qh[l] >> (2 * t)) & 3) << 4));
        }
        break;
    }
    default:
        memset(u, 0, 32);
    }
}
