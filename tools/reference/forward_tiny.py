"""Tiny random-weight Llama/Mistral models: built with `transformers`, written to GGUF (F32 and
one quantized format), with float32 reference logits and greedy ids from transformers.

For a quantized file the reference runs the HF model whose weights were replaced by the
dequantized GGUF values, so a comparison tests the forward pass, not the quantization error.
Every file written is loaded back with transformers' own GGUF loader (`gguf_file=`) and must
reproduce the reference weights and logits bit for bit: that proves the Q/K permutation and
the tensor naming.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from gguf import GGUFReader
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM

from forward_common import greedy_ignoring_eos, hf_generate, top_k, write_f32, write_json
from forward_gguf_writer import dequantized_state_dict, permute, write_llama_gguf

PROMPT_LEN = 40
GREEDY_STEPS = 16
LICENSES = Path("/usr/share/common-licenses")


@dataclass
class TinySpec:
    name: str
    description: str
    quant: str
    arch: str = "llama"  # HF class: "llama" or "mistral" (the GGUF architecture is always llama)
    layers: int = 2
    heads: int = 4
    kv_heads: int = 4
    rope_theta: float = 10000.0
    rms_eps: float = 1e-5
    rope_linear_factor: float | None = None
    sliding_window: int | None = None
    tied: bool = False
    seed: int = 0
    extra: dict = field(default_factory=dict)


HIDDEN = 64
HEAD_DIM = 16
INTERMEDIATE = 128
VOCAB = 300
CONTEXT = 128

SPECS = [
    TinySpec("llama_mha", "Llama, MHA (4 heads, 4 KV heads)", "Q8_0", kv_heads=4, seed=1),
    TinySpec("llama_gqa", "Llama, GQA (4 heads, 2 KV heads)", "Q4_0", kv_heads=2, seed=2),
    TinySpec(
        "llama_mqa_tied",
        "Llama, MQA (4 heads, 1 KV head), 3 layers, tied embeddings (no output.weight)",
        "Q4_1",
        kv_heads=1,
        layers=3,
        tied=True,
        seed=3,
    ),
    TinySpec(
        "mistral_gqa_swa16",
        "Mistral, GQA (4/2), sliding window 16 < prompt 40",
        "Q8_0",
        arch="mistral",
        kv_heads=2,
        sliding_window=16,
        seed=4,
    ),
    TinySpec(
        "llama_theta_eps",
        "Llama, GQA (4/2), rope_theta 500000, rms_norm_eps 1e-2",
        "Q4_1",
        kv_heads=2,
        rope_theta=500000.0,
        rms_eps=1e-2,
        seed=5,
    ),
    TinySpec("llama_rope_linear2", "Llama, GQA (4/2), rope scaling linear, factor 2", "Q4_0", kv_heads=2, rope_linear_factor=2.0, seed=6),
]


def tiny_tokenizer() -> dict:
    """A real 300-token byte-level BPE (gpt2 model, `gpt-2` pre-tokenizer) trained on license
    text, so the GGUF carries a consistent tokenizer section. The tests feed ids directly."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    specials = ["<|endoftext|>", "<s>", "</s>"]
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    text = (LICENSES / "BSD").read_text()
    tok.train_from_iterator([text], trainer=trainer)
    vocab = tok.get_vocab()
    if len(vocab) != VOCAB:
        raise ValueError(f"tiny tokenizer has {len(vocab)} tokens, want {VOCAB}")
    tokens = [None] * VOCAB
    for t, i in vocab.items():
        tokens[i] = t
    merges = json.loads(tok.to_str())["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    types = [3 if t in specials else 1 for t in tokens]
    return {"pre": "gpt-2", "tokens": tokens, "types": types, "merges": merges, "bos": 1, "eos": 2}


def build_config(spec: TinySpec):
    rope = {"rope_type": "default", "rope_theta": spec.rope_theta}
    if spec.rope_linear_factor is not None:
        rope = {"rope_type": "linear", "factor": spec.rope_linear_factor, "rope_theta": spec.rope_theta}
    common = dict(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=spec.layers,
        num_attention_heads=spec.heads,
        num_key_value_heads=spec.kv_heads,
        head_dim=HEAD_DIM,
        max_position_embeddings=CONTEXT,
        rms_norm_eps=spec.rms_eps,
        rope_parameters=rope,
        tie_word_embeddings=spec.tied,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        hidden_act="silu",
    )
    if spec.arch == "mistral":
        cfg = MistralConfig(sliding_window=spec.sliding_window, **common)
    else:
        cfg = LlamaConfig(**common)
    cfg._attn_implementation = "eager"
    return cfg


def model_class(spec: TinySpec):
    return MistralForCausalLM if spec.arch == "mistral" else LlamaForCausalLM


@torch.no_grad()
def build_model(spec: TinySpec, cfg=None):
    """Random weights scaled so activations stay O(1) and logits spread over a few units:
    that keeps greedy argmax margins wide and makes every config detail visible in the logits."""
    cfg = cfg or build_config(spec)
    torch.manual_seed(spec.seed)
    model = model_class(spec)(cfg).eval()
    gen = torch.Generator().manual_seed(spec.seed)
    for name, p in model.named_parameters():
        if p.ndim == 1:  # RMSNorm weights: not all ones, so a norm that ignores them fails
            p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
        elif name == "model.embed_tokens.weight":
            p.copy_(0.5 * torch.randn(p.shape, generator=gen))
        elif name == "lm_head.weight":
            p.copy_(2.0 / math.sqrt(p.shape[1]) * torch.randn(p.shape, generator=gen))
        else:
            p.copy_(1.0 / math.sqrt(p.shape[1]) * torch.randn(p.shape, generator=gen))
    if spec.tied:
        model.tie_weights()
    return model


@torch.no_grad()
def logits_all(model, ids: list[int]) -> torch.Tensor:
    return model(input_ids=torch.tensor([ids])).logits[0].to(torch.float32)


@torch.no_grad()
def greedy_no_cache(model, ids: list[int], steps: int) -> list[int]:
    """Greedy ids recomputing the whole sequence each step: checks the cached loops."""
    seq = list(ids)
    for _ in range(steps):
        seq.append(int(torch.argmax(logits_all(model, seq)[-1])))
    return seq[len(ids):]


def gguf_config_record(path: Path) -> dict:
    """Metadata as written, read back with gguf-py (what the Swift config reader must report)."""
    r = GGUFReader(str(path))
    keep = {}
    for k, f in r.fields.items():
        if k.startswith("tokenizer.ggml.") and k not in ("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_bos_token"):
            continue
        if k.startswith("GGUF."):
            continue
        v = f.contents()
        keep[k] = v
    keep["tensors"] = {t.name: {"type": t.tensor_type.name, "shape": [int(x) for x in t.shape]} for t in r.tensors}
    return keep


@torch.no_grad()
def load_back_check(spec: TinySpec, path: Path, ref_model, ids: list[int], ref_logits: torch.Tensor) -> dict:
    """Loads `path` with transformers' GGUF loader and checks weights and logits match exactly."""
    loaded = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32).eval()
    lsd, rsd = loaded.state_dict(), ref_model.state_dict()
    worst = 0.0
    for k, v in rsd.items():
        if k not in lsd:
            raise ValueError(f"{path.name}: transformers did not load {k}")
        worst = max(worst, float((lsd[k] - v).abs().max()))
    if worst != 0.0:
        raise ValueError(f"{path.name}: weights differ after GGUF round trip (max {worst})")
    c = loaded.config
    checks = {
        "num_hidden_layers": spec.layers,
        "num_attention_heads": spec.heads,
        "num_key_value_heads": spec.kv_heads,
        "head_dim": HEAD_DIM,
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "vocab_size": VOCAB,
        "tie_word_embeddings": spec.tied,
    }
    for k, want in checks.items():
        if getattr(c, k) != want:
            raise ValueError(f"{path.name}: transformers read {k}={getattr(c, k)}, want {want}")
    if not math.isclose(c.rope_parameters["rope_theta"], spec.rope_theta) or not math.isclose(c.rms_norm_eps, spec.rms_eps, rel_tol=1e-6):
        raise ValueError(f"{path.name}: rope_theta/rms_norm_eps read back wrong")
    # transformers' GGUF loader does not read llama.sliding_window or llama.rope.scaling.* for the
    # llama architecture, so run the loaded weights in a model with the reference config.
    probe = model_class(spec)(copy.deepcopy(ref_model.config)).eval()
    probe.load_state_dict(lsd, strict=False)
    if spec.tied:
        probe.tie_weights()
    got = logits_all(probe, ids)
    diff = float((got - ref_logits).abs().max())
    if diff != 0.0:
        raise ValueError(f"{path.name}: logits after GGUF round trip differ by {diff}")
    return {"weights_max_abs_diff": worst, "logits_max_abs_diff": diff, "loader": "transformers gguf_file="}


@torch.no_grad()
def sensitivity(spec: TinySpec, model, ids: list[int], ref_last: torch.Tensor) -> dict:
    """How far the last-position logits move when one detail is implemented wrongly: shows the
    fixture can fail an implementation that ignores that detail."""
    out = {}
    sd = model.state_dict()

    def variant(label, cfg_edit=None, sd_edit=None):
        cfg = copy.deepcopy(model.config)
        if cfg_edit:
            cfg_edit(cfg)
        m = model_class(spec)(cfg).eval()
        s = {k: v.clone() for k, v in sd.items()}
        if sd_edit:
            sd_edit(s)
        m.load_state_dict(s, strict=False)
        if spec.tied:
            m.tie_weights()
        out[label] = float((logits_all(m, ids)[-1] - ref_last).abs().max())

    def keep_gguf_qk_order(s):  # forgetting that GGUF Q/K rows are permuted for interleaved RoPE
        for k in list(s):
            if k.endswith("q_proj.weight"):
                s[k] = torch.from_numpy(permute(s[k].numpy(), spec.heads, spec.heads))
            elif k.endswith("k_proj.weight"):
                s[k] = torch.from_numpy(permute(s[k].numpy(), spec.heads, spec.kv_heads))

    variant("rope_pairs_rotate_half_instead_of_interleaved", sd_edit=keep_gguf_qk_order)
    if spec.sliding_window is not None:
        variant("sliding_window_ignored", cfg_edit=lambda c: setattr(c, "sliding_window", None))
        variant("sliding_window_off_by_one", cfg_edit=lambda c: setattr(c, "sliding_window", spec.sliding_window + 1))
    if spec.rope_theta != 10000.0:
        variant("rope_theta_10000", cfg_edit=lambda c: c.rope_parameters.update(rope_theta=10000.0))
    if spec.rms_eps != 1e-5:
        variant("rms_norm_eps_1e-5", cfg_edit=lambda c: setattr(c, "rms_norm_eps", 1e-5))
    if spec.rope_linear_factor is not None:
        variant("rope_scaling_ignored", cfg_edit=lambda c: setattr(c, "rope_parameters", {"rope_type": "default", "rope_theta": spec.rope_theta}))
    return out


MIN_GREEDY_MARGIN = 0.05  # a prompt is kept only if no greedy step is a near-tie
PROMPT_TRIES = 50


def _reference_model(spec: TinySpec, base, written) -> torch.nn.Module:
    ref = build_model(spec)
    ref.load_state_dict(dequantized_state_dict(base, written), strict=False)
    if spec.tied:
        ref.tie_weights()
    ref.generation_config.eos_token_id = None
    return ref.eval()


def choose_prompt(spec: TinySpec, refs: dict) -> tuple[list[int], int]:
    """Seeded random ids (no special ids 0-2); the first seed whose greedy continuation has a
    top-1/top-2 logit gap >= MIN_GREEDY_MARGIN at every step for every weight variant, so that
    greedy ids are a fair exact-match test."""
    for attempt in range(PROMPT_TRIES):
        seed = 1000 + 100 * spec.seed + attempt
        ids = [int(x) for x in np.random.default_rng(seed).integers(3, VOCAB, size=PROMPT_LEN)]
        if all(min(greedy_ignoring_eos(r, ids, GREEDY_STEPS)[1]) >= MIN_GREEDY_MARGIN for r in refs.values()):
            return ids, seed
    raise ValueError(f"{spec.name}: no prompt with greedy margins >= {MIN_GREEDY_MARGIN} in {PROMPT_TRIES} tries")


def make_one(spec: TinySpec, out_root: Path, tokenizer: dict) -> dict:
    out = out_root / spec.name
    out.mkdir(parents=True, exist_ok=True)
    base = build_model(spec)
    refs, paths = {}, {}
    for quant in ("F32", spec.quant):
        path = out / f"{spec.name}.{quant.lower()}.gguf"
        written = write_llama_gguf(base, path, quant, f"tiny-{spec.name.replace('_', '-')}", tokenizer, spec.sliding_window)
        refs[quant], paths[quant] = _reference_model(spec, base, written), path
    ids, seed = choose_prompt(spec, refs)

    record = {
        "name": spec.name,
        "description": spec.description,
        "prompt_ids": ids,
        "prompt_seed": seed,
        "greedy_steps": GREEDY_STEPS,
        "greedy_note": "argmax each step, no EOS stop (generation_config.eos_token_id = None)",
        "variants": {},
    }
    for quant, ref in refs.items():
        path = paths[quant]
        fname = path.name
        la = logits_all(ref, ids)
        last = la[-1]
        tids, tvals = top_k(last, 10)
        gen = hf_generate(ref, ids, GREEDY_STEPS, eos_token_id=None, pad_token_id=0)
        loop, margins = greedy_ignoring_eos(ref, ids, GREEDY_STEPS)
        nocache = greedy_no_cache(ref, ids, GREEDY_STEPS)
        if not (gen == loop == nocache):
            raise ValueError(f"{fname}: greedy paths disagree: {gen} {loop} {nocache}")
        check = load_back_check(spec, path, ref, ids, la)
        key = quant.lower()
        record["variants"][key] = {
            "gguf": fname,
            "weight_type": quant,
            "gguf_bytes": path.stat().st_size,
            "logits_all": write_f32(out / f"{spec.name}.{key}.logits_all.f32", la),
            "last_logits": [float(v) for v in last],
            "top10_ids": tids,
            "top10_logits": tvals,
            "greedy_ids": gen,
            "greedy_top1_top2_margins": margins,
            "greedy_min_margin": min(margins),
            "roundtrip_check": check,
        }
        if quant == "F32":
            record["sensitivity_max_abs_diff_last_logits"] = sensitivity(spec, ref, ids, last)
        else:
            f32_last = torch.tensor(record["variants"]["f32"]["last_logits"])
            record["variants"][key]["max_abs_diff_vs_f32_last_logits"] = float((last - f32_last).abs().max())

    cfg = base.config
    config_json = {
        "name": spec.name,
        "description": spec.description,
        "hf_class": type(base).__name__,
        "gguf_architecture": "llama",
        "expected": {
            "layer_count": spec.layers,
            "hidden_size": HIDDEN,
            "intermediate_size": INTERMEDIATE,
            "head_count": spec.heads,
            "kv_head_count": spec.kv_heads,
            "head_dim": HEAD_DIM,
            "vocab_size": VOCAB,
            "context_length": CONTEXT,
            "rope_theta": spec.rope_theta,
            "rms_norm_eps": spec.rms_eps,
            "rope_scaling": None if spec.rope_linear_factor is None else {"type": "linear", "factor": spec.rope_linear_factor},
            "sliding_window": spec.sliding_window,
            "tied_embeddings": spec.tied,
        },
        "hf_config": cfg.to_diff_dict(),
        "gguf_metadata": {q: gguf_config_record(out / f"{spec.name}.{q.lower()}.gguf") for q in ("F32", spec.quant)},
    }
    write_json(out / "config.json", config_json)
    write_json(out / "reference.json", record)
    return {
        "name": spec.name,
        "files": sorted(p.name for p in out.iterdir()),
        "sens": record["sensitivity_max_abs_diff_last_logits"],
        "min_margin": {k: v["greedy_min_margin"] for k, v in record["variants"].items()},
        "q_vs_f32": record["variants"][spec.quant.lower()]["max_abs_diff_vs_f32_last_logits"],
    }


def sliding_window_really_applied(out_root: Path) -> dict:
    """HF must apply the window: the Mistral model's logits change when the window is removed."""
    spec = next(s for s in SPECS if s.sliding_window is not None)
    m = build_model(spec)
    ids = json.loads((out_root / spec.name / "reference.json").read_text())["prompt_ids"]
    cfg = copy.deepcopy(m.config)
    cfg.sliding_window = None
    m2 = model_class(spec)(cfg).eval()
    m2.load_state_dict(m.state_dict())
    a, b = logits_all(m, ids), logits_all(m2, ids)
    per_pos = (a - b).abs().amax(dim=-1)
    first_changed = int(torch.nonzero(per_pos > 0)[0]) if bool((per_pos > 0).any()) else None
    return {"max_abs_diff_all_positions": float(per_pos.max()), "first_position_that_changes": first_changed}


def make(out_root: Path) -> list[dict]:
    out_root.mkdir(parents=True, exist_ok=True)
    tokenizer = tiny_tokenizer()
    results = []
    for spec in SPECS:
        results.append(make_one(spec, out_root, tokenizer))
        print(results[-1], flush=True)
    sw = sliding_window_really_applied(out_root)
    print("sliding window check:", sw, flush=True)
    if sw["first_position_that_changes"] != 16:
        raise ValueError(f"sliding window of 16 should first change position 16: {sw}")
    return results
