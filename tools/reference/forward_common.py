"""Helpers shared by the forward-pass fixture scripts: float32 binaries, greedy decoding, JSON."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch


def write_f32(path: Path, values: np.ndarray | torch.Tensor) -> dict:
    """Writes float32 little-endian, row-major; returns {file, shape, sha256} for the JSON."""
    if isinstance(values, torch.Tensor):
        values = values.detach().to(torch.float32).cpu().numpy()
    arr = np.ascontiguousarray(values, dtype="<f4")
    data = arr.tobytes()
    path.write_bytes(data)
    return {"file": path.name, "dtype": "float32-le", "shape": list(arr.shape), "sha256": hashlib.sha256(data).hexdigest()}


def write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n")


def top_k(logits: torch.Tensor, k: int) -> tuple[list[int], list[float]]:
    """Top-k ids, highest first; ties broken by the lower id (stable sort), as argmax does."""
    order = torch.sort(logits, descending=True, stable=True).indices[:k]
    return [int(i) for i in order], [float(logits[i]) for i in order]


@torch.no_grad()
def greedy_ignoring_eos(model, prompt_ids: list[int], steps: int) -> tuple[list[int], list[float]]:
    """`steps` argmax tokens with the KV cache, never stopping. Returns ids and, per step, the gap
    between the best and second-best logit (a small gap flags a near-tie that float rounding in
    another implementation could flip)."""
    ids = torch.tensor([prompt_ids])
    out = model(input_ids=ids, use_cache=True)
    past = out.past_key_values
    logits = out.logits[0, -1]
    generated, margins = [], []
    for step in range(steps):
        top2 = torch.topk(logits, 2)
        nxt = int(torch.argmax(logits))
        generated.append(nxt)
        margins.append(float(top2.values[0] - top2.values[1]))
        if step + 1 == steps:
            break
        out = model(input_ids=torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past = out.past_key_values
        logits = out.logits[0, -1]
    return generated, margins


@torch.no_grad()
def hf_generate(model, prompt_ids: list[int], steps: int, eos_token_id: int | None, pad_token_id: int) -> list[int]:
    """What `model.generate(do_sample=False)` returns (new ids only); stops on `eos_token_id`."""
    ids = torch.tensor([prompt_ids])
    out = model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=steps,
        min_new_tokens=0,
        do_sample=False,
        num_beams=1,
        temperature=None,
        top_p=None,
        top_k=None,
        repetition_penalty=None,
        eos_token_id=eos_token_id,
        pad_token_id=pad_token_id,
    )
    return [int(i) for i in out[0, len(prompt_ids):]]
