#!/usr/bin/env python3
"""Reference fixtures for the quantized KV cache (issue 15): rows of one head's keys and values
encoded by gguf-py, which the Swift encoders (`WeightFormats.quantize`) must match byte for byte.

Writes, under Tests/KernelsTests/Fixtures/kvquant/:

* `input.f32`: the float rows (little-endian float32), ROWS rows of HEAD_DIM;
* `<type>.bin` for Q8_0, Q4_0 and Q4_1: `gguf.quants.quantize` of every row;
* `<type>.f32`: `gguf.quants.dequantize` of those bytes;
* `manifest.json` naming them, with the kind of each row.

The rows have the shapes KV rows have: keys with a few large channels (rotated keys of Llama
models carry outlier dimensions), small values, and the edge cases of a block quantizer (a
constant row, zeros, a tie between +max and -max, tiny and huge magnitudes).

Run from the repository root:
    python3 -m venv tools/reference/.venv
    tools/reference/.venv/bin/pip install -r tools/reference/requirements-quant.txt
    tools/reference/.venv/bin/python tools/reference/make_kv_quant_fixtures.py
"""

import json
import os
from importlib.metadata import version

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

HEAD_DIM = 64
SEED = 20250115
OUT_DIR = "Tests/KernelsTests/Fixtures/kvquant"
FORMATS = [T.Q8_0, T.Q4_0, T.Q4_1]


def rows(rng):
    n = HEAD_DIM
    out = {}
    for i in range(3):
        key = rng.normal(0.0, 1.0, n)
        key[rng.choice(n, 3, replace=False)] *= 12.0  # outlier channels
        out[f"key_{i}"] = key
    for i in range(3):
        out[f"value_{i}"] = rng.normal(0.0, 0.05, n)
    out["mixed_magnitudes"] = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 2, n)
    out["constant"] = np.full(n, 0.375)
    out["zeros"] = np.zeros(n)
    tie = rng.normal(0.0, 0.1, n)
    tie[3], tie[9] = 2.0, -2.0  # +max first, then -max of the same magnitude (Q4_0 clips it)
    tie[40], tie[33] = -1.5, 1.5  # -max first in the second block
    out["tie"] = tie
    out["tiny"] = rng.standard_normal(n) * 1e-6
    out["huge"] = rng.standard_normal(n) * 1e4  # |x| < 65504: the f16 scales stay finite
    out["negative_only"] = -np.abs(rng.normal(0.0, 0.5, n)) - 0.01
    return {k: v.astype(np.float32) for k, v in out.items()}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(SEED)
    data = rows(rng)
    kinds = list(data)
    x = np.stack([data[k] for k in kinds]).astype("<f4")
    with open(os.path.join(OUT_DIR, "input.f32"), "wb") as f:
        f.write(x.tobytes())
    formats = []
    for qtype in FORMATS:
        name = qtype.name.lower()
        raw = np.ascontiguousarray(quants.quantize(x, qtype)).view(np.uint8)
        decoded = quants.dequantize(raw, qtype).astype("<f4")
        assert decoded.shape == x.shape
        with open(os.path.join(OUT_DIR, f"{name}.bin"), "wb") as f:
            f.write(raw.tobytes())
        with open(os.path.join(OUT_DIR, f"{name}.f32"), "wb") as f:
            f.write(decoded.tobytes())
        formats.append({"type": qtype.name, "ggml_type": int(qtype), "quantized": f"{name}.bin",
                        "dequantized": f"{name}.f32", "row_bytes": raw.shape[1]})
    manifest = {
        "generator": "tools/reference/make_kv_quant_fixtures.py", "seed": SEED,
        "gguf_version": version("gguf"), "numpy_version": np.__version__,
        "rows": len(kinds), "head_dim": HEAD_DIM, "row_kinds": kinds, "input": "input.f32",
        "formats": formats,
    }
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(kinds)} rows × {HEAD_DIM}: " + ", ".join(fm["quantized"] for fm in formats))


if __name__ == "__main__":
    main()
