#!/usr/bin/env python3
"""Reference fixtures for the weight formats of the Kernels module.

Writes, under Tests/KernelsTests/Fixtures/quant/:

* for each of F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K:
  `<type>.bin` (the encoded rows, as they would sit in a GGUF file) and `<type>.f32` (their
  decoding by `gguf.quants.dequantize`, little-endian float32), rows of 512 elements;
* `manifest.json` naming them, with the kind of each row;
* `model_spot_values.json`: for every tensor of the default model, checksums of its decoding by
  gguf-py (`GGUFReader` + `gguf.quants.dequantize`) and a few single values.

The reference is gguf-py's dequantizer in every case. The encoded bytes come from
`gguf.quants.quantize` where gguf-py implements it (F32, F16, BF16, Q4_0 … Q8_0); gguf-py 0.19
does not quantize the K-quants, so for those the simple quantizers below (min/max scales, the
block layouts of ggml-common.h) produce valid blocks. Every quantized format also gets one row
of random bytes with sane f16 scales, to reach bit patterns a quantizer rarely emits.

Run from the repository root:
    python3 -m venv tools/reference/.venv
    tools/reference/.venv/bin/pip install -r tools/reference/requirements-quant.txt
    tools/reference/.venv/bin/python tools/reference/make_quant_fixtures.py
"""

import argparse
import hashlib
import json
import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

ROW_LENGTH = 512
SEED = 20240611
OUT_DIR = "Tests/KernelsTests/Fixtures/quant"
DEFAULT_MODEL = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

FORMATS = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q4_K, T.Q5_K, T.Q6_K]
PLAIN = {T.F32, T.F16, T.BF16}
K_QUANTS = {T.Q4_K, T.Q5_K, T.Q6_K}

# Byte offsets of the f16 fields of each block (ggml-common.h), overwritten with sane values in the
# random-bytes rows so that they decode to finite numbers.
F16_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}


def float_rows(rng):
    """Seeded float rows with the shapes that break quantizers: kind name -> float32[512]."""
    n = ROW_LENGTH
    rows = {}
    rows["gaussian"] = rng.normal(0.0, 0.05, n)
    # Element-wise magnitudes from 1e-3 to 1e2, so one block spans five decades.
    rows["mixed_magnitudes"] = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 2, n)
    rows["zeros"] = np.zeros(n)
    rows["negative_only"] = -np.abs(rng.normal(0.0, 0.5, n)) - 0.01
    outlier = rng.normal(0.0, 0.02, n)
    outlier[137] = 30000.0
    rows["huge_outlier"] = outlier
    # Small enough that block scales become f16 subnormals.
    rows["tiny"] = rng.standard_normal(n) * 1e-6
    return {k: v.astype(np.float32) for k, v in rows.items()}


def f16(values):
    return np.asarray(values, dtype=np.float32).astype(np.float16)


# ---------------------------------------------------------------------------------------------
# Simple K-quant quantizers (valid blocks; not llama.cpp's error-minimising search).


def pack_scale_min_k4(ls, lm):
    """Eight 6-bit (scale, min) pairs into 12 bytes (inverse of get_scale_min_k4, ggml-quants.c)."""
    out = np.zeros(12, dtype=np.uint8)
    for j in range(8):
        if j < 4:
            out[j] = ls[j]
            out[j + 4] = lm[j]
        else:
            out[j + 4] = (ls[j] & 0xF) | ((lm[j] & 0xF) << 4)
            out[j - 4] |= (ls[j] >> 4) << 6
            out[j] |= (lm[j] >> 4) << 6
    return out


def affine_k_levels(x, nmax):
    """Per super-block: d, dmin (f16), 6-bit scales/mins, and levels 0..nmax for 8 sub-blocks."""
    sub = x.reshape(8, 32)
    mn = np.minimum(sub.min(axis=1), 0.0)
    scale = (sub.max(axis=1) - mn) / nmax
    mins = -mn
    d = f16(scale.max() / 63.0)
    dmin = f16(mins.max() / 63.0)
    ls = np.clip(np.rint(scale / d.astype(np.float32)) if d != 0 else np.zeros(8), 0, 63).astype(np.uint8)
    lm = np.clip(np.rint(mins / dmin.astype(np.float32)) if dmin != 0 else np.zeros(8), 0, 63).astype(np.uint8)
    levels = np.zeros((8, 32), dtype=np.uint8)
    for j in range(8):
        ds = np.float32(d) * np.float32(ls[j])
        dm = np.float32(dmin) * np.float32(lm[j])
        if ds != 0:
            levels[j] = np.clip(np.rint((sub[j] + dm) / ds), 0, nmax).astype(np.uint8)
    return d, dmin, pack_scale_min_k4(ls, lm), levels.reshape(256)


def quantize_q4_k(x):
    blocks = []
    for sb in x.reshape(-1, 256):
        d, dmin, scales, L = affine_k_levels(sb, 15)
        qs = np.zeros(128, dtype=np.uint8)
        for c in range(4):
            qs[32 * c:32 * c + 32] = L[64 * c:64 * c + 32] | (L[64 * c + 32:64 * c + 64] << 4)
        blocks.append(np.concatenate([d.reshape(1).view(np.uint8), dmin.reshape(1).view(np.uint8), scales, qs]))
    return np.concatenate(blocks)


def quantize_q5_k(x):
    blocks = []
    for sb in x.reshape(-1, 256):
        d, dmin, scales, L = affine_k_levels(sb, 31)
        qh = np.zeros(32, dtype=np.uint8)
        qs = np.zeros(128, dtype=np.uint8)
        for c in range(4):
            lo = L[64 * c:64 * c + 32]
            hi = L[64 * c + 32:64 * c + 64]
            qs[32 * c:32 * c + 32] = (lo & 0xF) | ((hi & 0xF) << 4)
            qh |= ((lo >> 4) << (2 * c)).astype(np.uint8)
            qh |= ((hi >> 4) << (2 * c + 1)).astype(np.uint8)
        blocks.append(np.concatenate([d.reshape(1).view(np.uint8), dmin.reshape(1).view(np.uint8), scales, qh, qs]))
    return np.concatenate(blocks)


def quantize_q6_k(x, rng):
    blocks = []
    for sb in x.reshape(-1, 256):
        sub = sb.reshape(16, 16)
        # Signed sub-block scales (random sign) so negative int8 scales get decoded too.
        scale = np.abs(sub).max(axis=1) / 31.0 * rng.choice([-1.0, 1.0], 16)
        d = f16(np.abs(scale).max() / 127.0)
        ls = np.clip(np.rint(scale / d.astype(np.float32)) if d != 0 else np.zeros(16), -128, 127).astype(np.int8)
        L = np.full((16, 16), 32, dtype=np.uint8)
        for j in range(16):
            ds = np.float32(d) * np.float32(ls[j])
            if ds != 0:
                L[j] = (np.clip(np.rint(sub[j] / ds), -32, 31) + 32).astype(np.uint8)
        L = L.reshape(256)
        ql = np.zeros(128, dtype=np.uint8)
        qh = np.zeros(64, dtype=np.uint8)
        for h in range(2):
            b = L[128 * h:128 * h + 128]
            ql[64 * h:64 * h + 32] = (b[0:32] & 0xF) | ((b[64:96] & 0xF) << 4)
            ql[64 * h + 32:64 * h + 64] = (b[32:64] & 0xF) | ((b[96:128] & 0xF) << 4)
            qh[32 * h:32 * h + 32] = (b[0:32] >> 4) | ((b[32:64] >> 4) << 2) | ((b[64:96] >> 4) << 4) | ((b[96:128] >> 4) << 6)
        blocks.append(np.concatenate([ql, qh, ls.view(np.uint8), d.reshape(1).view(np.uint8)]))
    return np.concatenate(blocks)


def encode(x, qtype, rng):
    """One float row -> its encoded bytes."""
    if qtype == T.Q4_K:
        return quantize_q4_k(x)
    if qtype == T.Q5_K:
        return quantize_q5_k(x)
    if qtype == T.Q6_K:
        return quantize_q6_k(x, rng)
    return np.ascontiguousarray(quants.quantize(x.reshape(1, -1), qtype)).view(np.uint8).reshape(-1)


def random_block_row(qtype, rng):
    """Random bytes for one row, with every f16 scale field set to a finite value of either sign."""
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    nblocks = ROW_LENGTH // block
    raw = rng.integers(0, 256, (nblocks, size), dtype=np.uint8)
    for offset in F16_FIELDS[qtype]:
        values = f16(rng.uniform(-2.0, 2.0, nblocks) * 10.0 ** rng.uniform(-4, 0, nblocks))
        raw[:, offset:offset + 2] = values.view(np.uint8).reshape(nblocks, 2)
    return raw.reshape(-1)


def special_row(qtype, rng):
    """Raw encodings of special values (signed zeros, subnormals, infinities, NaNs, extremes) and
    random bit patterns, for the plain float formats."""
    n = ROW_LENGTH
    if qtype == T.F16:
        specials = [0x0000, 0x8000, 0x0001, 0x8001, 0x0200, 0x03FF, 0x83FF, 0x0400, 0x8400, 0x3C00,
                    0xBC00, 0x3555, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7E01, 0x7FFF]
        bits = rng.integers(0, 1 << 16, n, dtype=np.uint16)
        # No signalling NaNs: F16C (and so Swift's Float16) returns them quiet, numpy keeps them
        # signalling; no weight file holds one. Quiet NaNs with payloads stay in.
        snan = ((bits & 0x7C00) == 0x7C00) & ((bits & 0x03FF) != 0) & ((bits & 0x0200) == 0)
        bits[snan] |= 0x0200
        bits[:len(specials)] = specials
        return bits.view(np.uint8)
    if qtype == T.BF16:
        specials = [0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x0080, 0x3F80, 0xBF80, 0x7F7F, 0xFF7F,
                    0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x7F81, 0x7FFF]
        bits = rng.integers(0, 1 << 16, n, dtype=np.uint16)
        bits[:len(specials)] = specials
        return bits.view(np.uint8)
    specials = [0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF,
                0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0x3F800000]
    bits = rng.integers(0, 1 << 32, n, dtype=np.uint32)
    bits[:len(specials)] = specials
    return bits.view(np.uint8)


def check_quantizer(x, decoded, qtype, kind):
    """Our K-quantizers must be real quantizers: every decoded value within one quantization step
    (the sub-block range over the level count) of its input. The "tiny" row is exempt: its
    scales underflow f16, as they would in llama.cpp."""
    if qtype not in K_QUANTS or kind == "tiny":
        return
    levels = {T.Q4_K: 15, T.Q5_K: 31, T.Q6_K: 31}[qtype]
    err = np.abs(decoded.astype(np.float64) - x.astype(np.float64))
    for sb in range(ROW_LENGTH // 256):
        part = slice(256 * sb, 256 * sb + 256)
        span = float(np.abs(x[part]).max()) * 2
        assert err[part].max() <= span / levels + 1e-12, (qtype.name, kind, err[part].max(), span / levels)


def make_format(qtype, rng):
    kinds, encoded, inputs = [], [], []
    for kind, x in float_rows(rng).items():
        inputs.append(x)
        raw = encode(x, qtype, rng)
        decoded = quants.dequantize(raw, qtype).reshape(-1)
        if qtype not in PLAIN:
            check_quantizer(x, decoded, qtype, kind)
        kinds.append(kind)
        encoded.append(raw)
    if qtype in PLAIN:
        kinds.append("special_values")
        encoded.append(special_row(qtype, rng))
    else:
        kinds.append("random_bytes")
        encoded.append(random_block_row(qtype, rng))
    raw = np.concatenate(encoded).astype(np.uint8)
    rows = len(kinds)
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    assert raw.size == rows * ROW_LENGTH // block * size
    decoded = quants.dequantize(raw.reshape(rows, -1), qtype).astype("<f4").reshape(-1)
    assert decoded.size == rows * ROW_LENGTH
    name = qtype.name.lower()
    with open(os.path.join(OUT_DIR, f"{name}.bin"), "wb") as f:
        f.write(raw.tobytes())
    with open(os.path.join(OUT_DIR, f"{name}.f32"), "wb") as f:
        f.write(decoded.tobytes())
    entry = {
        "type": qtype.name, "ggml_type": int(qtype), "rows": rows, "row_length": ROW_LENGTH,
        "row_kinds": kinds, "quantized": f"{name}.bin", "dequantized": f"{name}.f32",
        "encoded_by": "gguf.quants.quantize" if qtype not in K_QUANTS else "make_quant_fixtures.py (simple quantizer)",
    }
    if qtype == T.Q8_0:
        # The float rows gguf-py quantized (all but the last, random-bytes row): the activation
        # quantizer of the integer dot product must give the same int8 quants.
        entry["input"] = f"{name}.input.f32"
        with open(os.path.join(OUT_DIR, entry["input"]), "wb") as f:
            f.write(np.concatenate(inputs).astype("<f4").tobytes())
    return entry


def model_spot_values(path):
    """Checksums and a few values of every tensor of the model, decoded by gguf-py."""
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    reader = gguf.GGUFReader(path)
    tensors = []
    for t in reader.tensors:
        values = quants.dequantize(t.data, t.tensor_type).reshape(-1)
        assert values.size == t.n_elements
        v64 = values.astype(np.float64)
        n = values.size
        picks = sorted({0, 1, 31, 32, n // 3, n // 2 + 7, n - 33, n - 1})
        tensors.append({
            "name": t.name, "type": t.tensor_type.name, "elements": int(n),
            "sum": float(v64.sum()), "sum_abs": float(np.abs(v64).sum()),
            "sum_squares": float((v64 * v64).sum()),
            "values": [[int(i), float(values[i])] for i in picks],
        })
    return {
        "generator": "tools/reference/make_quant_fixtures.py", "gguf_version": gguf_version(),
        "model": os.path.basename(path), "sha256": sha, "tensors": tensors,
    }


def gguf_version():
    from importlib.metadata import version
    return version("gguf")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="GGUF model for the spot values")
    args = parser.parse_args()
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(SEED)
    formats = [make_format(q, rng) for q in FORMATS]
    manifest = {
        "generator": "tools/reference/make_quant_fixtures.py", "seed": SEED,
        "gguf_version": gguf_version(), "numpy_version": np.__version__, "formats": formats,
    }
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    spots = model_spot_values(args.model)
    with open(os.path.join(OUT_DIR, "model_spot_values.json"), "w") as f:
        # One tensor per line keeps the file short and its diffs readable.
        header = {k: v for k, v in spots.items() if k != "tensors"}
        f.write(json.dumps(header)[:-1] + ', "tensors": [\n')
        f.write(",\n".join(json.dumps(t) for t in spots["tensors"]))
        f.write("\n]}\n")
    for fm in formats:
        print(f"{fm['type']:5} {fm['rows']} rows × {fm['row_length']}: {fm['quantized']}, {fm['dequantized']}")


if __name__ == "__main__":
    main()
