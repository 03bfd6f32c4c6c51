#!/usr/bin/env python3
"""Runs the tiny Qwen2 / Phi-3 / Gemma / Gemma 2 GGUFs through llama.cpp itself and compares its
logits and greedy ids with the transformers reference: evidence, independent of this project's
writer and of transformers, that the files say what llama.cpp expects (tensor names, metadata
keys, the Gemma norm +1, NeoX RoPE, soft-capping, which layers slide, the attention scale).

    python3 -m venv tools/reference/.venv-llamacpp      # git-ignored; llama.cpp builds from source
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF \\
        -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" \\
        tools/reference/.venv-llamacpp/bin/pip install -r tools/reference/requirements-llamacpp.txt
    tools/reference/.venv-llamacpp/bin/python tools/reference/check_arch_llamacpp.py

Writes tiny/<model>/llamacpp.json. llama.cpp is not an exact reference: its KV cache is kept in
F32 here, but ggml's CPU GELU reads an fp16 table (about 1e-3 on the Gemma logits, as large as
the erf-vs-tanh difference, which this check therefore cannot see), and for quantized weights it
quantizes the activations to 8 bits before the integer dot products. The check asks for the same
greedy ids and logits within LOGIT_TOLERANCE_F32 on the F32 files (every other sensitivity entry
of these fixtures is above 0.1), and only records the difference on the quantized files.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
from pathlib import Path

import llama_cpp
import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_TINY = HERE.parent.parent / "Tests" / "LanguageModelsTests" / "Fixtures" / "forward" / "tiny"
LOGIT_TOLERANCE_F32 = 5e-3
GGML_TYPE_F32 = 0


def run(path: Path, ids: list[int], steps: int) -> tuple[np.ndarray, list[int]]:
    """Logits at every prompt position, then `steps` argmax tokens, one llama_decode each."""
    llm = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=128,
        n_batch=128,
        n_ubatch=128,
        n_threads=1,
        logits_all=True,
        type_k=GGML_TYPE_F32,
        type_v=GGML_TYPE_F32,
        # llama.cpp's vocabulary loader sets Phi-3 token attributes when general.name contains
        # "phi3" and then looks up "<unk>" by text, which this 300-token vocabulary lacks
        # ("unordered_map::at"); the name plays no other part in loading.
        kv_overrides={"general.name": "easykv-tiny-fixture"},
        verbose=False,
    )
    llm.eval(ids)
    logits = np.array(llm.scores[: len(ids)], dtype=np.float32)
    greedy = []
    nxt = int(np.argmax(logits[-1]))
    for _ in range(steps):
        greedy.append(nxt)
        llm.eval([nxt])
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    llm.close()
    return logits, greedy


def check(model_dir: Path) -> dict:
    reference = json.loads((model_dir / "reference.json").read_text())
    ids = reference["prompt_ids"]
    out = {"llama_cpp_python": importlib.metadata.version("llama-cpp-python"), "kv_cache": "f32", "variants": {}}
    for key, v in reference["variants"].items():
        logits, greedy = run(model_dir / v["gguf"], ids, reference["greedy_steps"])
        shape = v["logits_all"]["shape"]
        want = np.fromfile(model_dir / v["logits_all"]["file"], dtype="<f4").reshape(shape)
        diff = np.abs(logits - want)
        entry = {
            "max_abs_diff_all_positions": float(diff.max()),
            "max_abs_diff_last_position": float(diff[-1].max()),
            "greedy_ids": greedy,
            "greedy_ids_equal": greedy == v["greedy_ids"],
        }
        if key == "f32":
            entry["tolerance"] = LOGIT_TOLERANCE_F32
            entry["passed"] = entry["greedy_ids_equal"] and entry["max_abs_diff_all_positions"] <= LOGIT_TOLERANCE_F32
        out["variants"][key] = entry
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", type=Path, default=DEFAULT_TINY)
    ap.add_argument("--arch", nargs="*", default=["qwen2", "phi3", "gemma", "gemma2"], help="GGUF architectures to check")
    args = ap.parse_args()
    failed = []
    for config in sorted(args.tiny.glob("*/config.json")):
        if json.loads(config.read_text())["gguf_architecture"] not in args.arch:
            continue
        result = check(config.parent)
        (config.parent / "llamacpp.json").write_text(json.dumps(result, indent=1) + "\n")
        f32 = result["variants"]["f32"]
        print(config.parent.name, json.dumps({k: {x: y for x, y in v.items() if x != "greedy_ids"} for k, v in result["variants"].items()}), flush=True)
        if not f32["passed"]:
            failed.append(config.parent.name)
    if failed:
        raise SystemExit(f"llama.cpp disagrees with transformers on: {', '.join(failed)}")


if __name__ == "__main__":
    main()
