#!/usr/bin/env python3
"""Reference fixtures for the forward pass (issue 4) and perplexity.

    tools/reference/.venv/bin/pip install -r tools/reference/requirements-forward.txt
    tools/reference/.venv/bin/python tools/reference/make_forward_fixtures.py [--only smollm|tiny|arch]

Writes Tests/LanguageModelsTests/Fixtures/forward/ (format: Fixtures/README.md):
  smollm2/  SmolLM2-135M-Instruct.Q4_1 through transformers float32: 5 prompts (10-2,000 tokens)
            with last-position logits, top-10, 64 greedy ids; per-token log-probs for perplexity.
  tiny/     six tiny random Llama/Mistral models written to GGUF by this script (F32 and one
            quantized format each), with logits at every position and 16 greedy ids.
  tiny/     (--only arch) five tiny Qwen2 / Phi-3 / Gemma / Gemma 2 models written as llama.cpp's
            converter writes those architectures (forward_arch.py), same layout.
Takes about 15 minutes on 2 cores (SmolLM2 ~13, tiny ~1, arch ~1). Deterministic: seeded weights and
prompts, torch on CPU in float32 (results can move in the last bits across torch versions).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import forward_arch  # noqa: E402
import forward_smollm  # noqa: E402
import forward_tiny  # noqa: E402
from forward_common import write_json  # noqa: E402

DEFAULT_OUT = REPO / "Tests" / "LanguageModelsTests" / "Fixtures" / "forward"
DEFAULT_MODEL = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def versions() -> dict:
    v = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "gguf", "tokenizers", "numpy", "accelerate"):
        v[pkg] = importlib.metadata.version(pkg)
    return v


def tiny_architectures(tiny: Path) -> dict:
    """GGUF architecture of each tiny model (`general.architecture`, as its config.json says)."""
    out = {}
    for config in sorted(tiny.glob("*/config.json")):
        out[config.parent.name] = json.loads(config.read_text())["gguf_architecture"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["smollm", "tiny", "arch"], help="generate one family only")
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="SmolLM2 GGUF")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    if args.only in (None, "tiny"):
        forward_tiny.make(args.out / "tiny")
    if args.only in (None, "arch"):
        forward_arch.make(args.out / "tiny", forward_tiny.tiny_tokenizer())
    if args.only in (None, "smollm"):
        if not args.model.exists():
            sys.exit(f"{args.model}: SmolLM2 GGUF not found (run `make model`)")
        forward_smollm.make(args.model, args.out / "smollm2")
    write_json(
        args.out / "manifest.json",
        {
            "generator": "tools/reference/make_forward_fixtures.py",
            "versions": versions(),
            "smollm2": sorted(p.stem for p in (args.out / "smollm2").glob("*.json")),
            "tiny": sorted(p.name for p in (args.out / "tiny").iterdir() if p.is_dir()) if (args.out / "tiny").exists() else [],
            "tiny_architectures": tiny_architectures(args.out / "tiny"),
        },
    )


if __name__ == "__main__":
    main()
