"""Tiny random-weight Qwen2, Phi-3, Gemma and Gemma 2 models (issue 14, item 5): built with
`transformers`, written to GGUF as llama.cpp's converter writes them (forward_arch_gguf.py), with
float32 reference logits at every position and greedy ids from transformers.

As in forward_tiny.py, the reference for a quantized file is the HF model holding the
dequantized GGUF values, every greedy step has a top-1/top-2 gap >= 0.05, and each file is
read back (by transformers' own GGUF loader where it knows the architecture, and always by
gguf-py's reader with the inverse of the converter's mapping) and must reproduce the reference
weights and logits exactly. `sensitivity_max_abs_diff_last_logits` records how far the logits
move when one architecture detail is done wrong, so the fixture can fail an implementation that
gets that detail wrong.

llama.cpp facts used below (ggml-org/llama.cpp; src/models/<arch>.cpp hold each architecture's
hyper-parameters, tensors and graph; read at qwen2.cpp 93bf6ab3, phi3.cpp 358a4a01, gemma.cpp
860ee92d, gemma2.cpp 82234e08, llama-hparams.h 027d5756, llama_model_rope_type in
src/llama-model.cpp):
- RoPE: every one of these architectures is LLAMA_ROPE_TYPE_NEOX ("the pairs of head values are
  offset by n_rot/2", llama_model_rope_type), i.e. transformers' rotate-half on the GGUF rows as
  stored; only the first n_rot = rope.dimension_count (default: head dim) dims of a head rotate.
- Qwen2 (qwen2.cpp): Q/K/V biases added after the projections, before RoPE; attention scale
  1/sqrt(head_dim); `output.weight` optional (tied: token_embd), SwiGLU.
- Phi-3 (phi3.cpp): fused `attn_qkv` split into Q | K | V rows; fused `ffn_up` = gate | up rows,
  SwiGLU (silu(first half) * second half); sliding window > 0 is ignored ("Phi SWA is currently
  disabled"); `output.weight` optional.
- Gemma (gemma.cpp): inputs scaled by sqrt(n_embd); GeGLU with ggml_gelu (tanh form); Q scaled
  by 1/sqrt(head_dim); output = token_embd.
- Gemma 2 (gemma2.cpp): as Gemma plus post-attention and post-FFN RMSNorms on the branch before
  each residual add; Q scaled by f_attention_scale = 1/sqrt(n_embd_head_k) (1/sqrt(n_embd/n_head)
  only for the 46-layer 27B); scores soft-capped `cap * tanh(s / cap)` before the mask
  (llama-graph.cpp build_attn_mha, attn_soft_cap); logits soft-capped the same way; sliding
  window on layers with il % 2 == 0 (set_swa_pattern(2)); defaults when the keys are missing:
  window 4096, attention cap 50, final cap 30 (llama-hparams.h).
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import gguf
import numpy as np
import torch
from transformers import (
    AutoModelForCausalLM,
    Gemma2Config,
    Gemma2ForCausalLM,
    GemmaConfig,
    GemmaForCausalLM,
    Phi3Config,
    Phi3ForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
)

from forward_arch_gguf import MODEL_ARCHS, dequantized_state_dict, gguf_value_to_hf, write_arch_gguf
from forward_common import greedy_ignoring_eos, hf_generate, top_k, write_f32, write_json
from forward_tiny import (
    CONTEXT,
    GREEDY_STEPS,
    HIDDEN,
    INTERMEDIATE,
    MIN_GREEDY_MARGIN,
    PROMPT_LEN,
    PROMPT_TRIES,
    VOCAB,
    gguf_config_record,
    greedy_no_cache,
    logits_all,
)

HF_CLASSES = {"qwen2": Qwen2ForCausalLM, "phi3": Phi3ForCausalLM, "gemma": GemmaForCausalLM, "gemma2": Gemma2ForCausalLM}
# transformers' GGUF loader (modeling_gguf_pytorch_utils.GGUF_SUPPORTED_ARCHITECTURES) has no `gemma`.
TRANSFORMERS_GGUF = ("qwen2", "phi3", "gemma2")
MIN_DISTINCT_GREEDY_IDS = 4  # a continuation that repeats one token tests little of the decode path
NORM_FRACTION_BITS = 16  # Gemma norm weights are multiples of 2^-16, so `w + 1` and `s - 1` are exact in float32


@dataclass
class ArchSpec:
    name: str
    description: str
    arch: str  # GGUF architecture and HF family: qwen2, phi3, gemma, gemma2
    quant: str
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    head_dim: int = 16
    rope_theta: float = 10000.0
    rms_eps: float = 1e-6
    tied: bool = False
    seed: int = 0
    extra: dict = field(default_factory=dict)  # further HF config arguments
    # Initial weights (see build_model): a tied model whose residual stream is dominated by the
    # token's own embedding just repeats that token, which would make the greedy ids a weak test.
    embed_std: float = 0.5
    branch_gain: float = 1.0  # scales o_proj and down_proj, i.e. what each block adds
    final_norm_offset: float = 0.0  # added to the final norm's weight, spreads the logits


SPECS = [
    ArchSpec(
        "qwen2_gqa_bias",
        "Qwen2, GQA (4/2), Q/K/V biases, rope base 1e6, untied output",
        "qwen2",
        "Q8_0",
        rope_theta=1000000.0,
        seed=21,
    ),
    ArchSpec(
        "qwen2_mqa_tied",
        "Qwen2.5-0.5B-like: tied embeddings (no output.weight), 3 layers, MQA (4/1), Q/K/V biases",
        "qwen2",
        "Q4_0",
        layers=3,
        kv_heads=1,
        rope_theta=1000000.0,
        tied=True,
        seed=22,
        embed_std=0.1,
        branch_gain=2.0,
        final_norm_offset=2.0,
    ),
    ArchSpec(
        "phi3_gqa_partial_rope",
        "Phi-3, GQA (4/2), fused attn_qkv and gate|up ffn_up, partial rotary 0.75 (12 of 16 dims), no sliding window",
        "phi3",
        "Q4_0",
        rms_eps=1e-5,
        seed=23,
        extra={"partial_rotary_factor": 0.75, "original_max_position_embeddings": CONTEXT, "sliding_window": None},
    ),
    ArchSpec(
        "gemma_mqa_hd32",
        "Gemma, MQA (4/1), head dim 32 != hidden/heads, sqrt(hidden) embedding scale, GeGLU, (1 + w) norms, tied",
        "gemma",
        "Q8_0",
        kv_heads=1,
        head_dim=32,
        tied=True,
        seed=24,
        extra={"hidden_act": "gelu_pytorch_tanh"},
        embed_std=0.05,
        branch_gain=3.0,
        final_norm_offset=2.0,
    ),
    ArchSpec(
        "gemma2_swa12_softcap",
        "Gemma 2, GQA (4/2), head dim 24, 3 layers, sliding window 12 on layers 0 and 2, attention soft-cap 5, final soft-cap 10",
        "gemma2",
        "Q4_0",
        layers=3,
        head_dim=24,
        tied=True,
        seed=25,
        extra={
            "hidden_activation": "gelu_pytorch_tanh",
            "query_pre_attn_scalar": 24,  # = head_dim: what llama.cpp uses for every Gemma 2 but the 27B
            "sliding_window": 12,
            "attn_logit_softcapping": 5.0,
            "final_logit_softcapping": 10.0,
        },
        embed_std=0.05,
        final_norm_offset=2.0,
    ),
]

CONFIG_CLASSES = {"qwen2": Qwen2Config, "phi3": Phi3Config, "gemma": GemmaConfig, "gemma2": Gemma2Config}


def build_config(spec: ArchSpec):
    kwargs = dict(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=spec.layers,
        num_attention_heads=spec.heads,
        num_key_value_heads=spec.kv_heads,
        max_position_embeddings=CONTEXT,
        rms_norm_eps=spec.rms_eps,
        rope_parameters={"rope_type": "default", "rope_theta": spec.rope_theta},
        tie_word_embeddings=spec.tied,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        **spec.extra,
    )
    if spec.arch in ("gemma", "gemma2"):
        kwargs["head_dim"] = spec.head_dim
    elif spec.head_dim != HIDDEN // spec.heads:
        raise ValueError(f"{spec.name}: llama.cpp's {spec.arch} needs head_dim = hidden / heads")
    cfg = CONFIG_CLASSES[spec.arch](**kwargs)
    cfg._attn_implementation = "eager"
    return cfg


@torch.no_grad()
def build_model(spec: ArchSpec, cfg=None):
    """Random weights scaled so activations stay O(1) and logits spread over a few units (as in
    forward_tiny.build_model, with the spec's embedding, branch and final-norm scales). Norm
    weights are not all ones (Gemma: the stored offset w is not zero), biases are not zero, so
    ignoring either shows in the logits."""
    cfg = cfg or build_config(spec)
    torch.manual_seed(spec.seed)
    model = HF_CLASSES[spec.arch](cfg).eval()
    gen = torch.Generator().manual_seed(spec.seed)
    step = 2.0**-NORM_FRACTION_BITS
    for name, p in model.named_parameters():
        if name.endswith("norm.weight"):
            offset = spec.final_norm_offset if name == "model.norm.weight" else 0.0
            if spec.arch in ("gemma", "gemma2"):  # HF weight w, applied as (1 + w)
                p.copy_(offset + torch.round(0.2 * torch.randn(p.shape, generator=gen) / step) * step)
            else:
                p.copy_(1.0 + offset + 0.2 * torch.randn(p.shape, generator=gen))
        elif name.endswith(".bias"):
            p.copy_(0.15 * torch.randn(p.shape, generator=gen))
        elif name == "model.embed_tokens.weight":
            p.copy_(spec.embed_std * torch.randn(p.shape, generator=gen))
        elif name == "lm_head.weight":
            p.copy_(2.0 / math.sqrt(p.shape[1]) * torch.randn(p.shape, generator=gen))
        else:
            gain = spec.branch_gain if name.endswith(("o_proj.weight", "down_proj.weight")) else 1.0
            p.copy_(gain / math.sqrt(p.shape[1]) * torch.randn(p.shape, generator=gen))
    if spec.tied:
        model.tie_weights()
    return model


def rope_dims(spec: ArchSpec) -> int:
    return int(spec.extra.get("partial_rotary_factor", 1.0) * spec.head_dim)


def sliding_layers(cfg) -> list[int]:
    return [i for i, t in enumerate(getattr(cfg, "layer_types", None) or []) if t == "sliding_attention"]


def interleave_rotary_rows(w: torch.Tensor, heads: int, head_dim: int, n_rot: int) -> torch.Tensor:
    """Rows for an HF model that computes what *normal* (adjacent-pair) RoPE on the GGUF rows
    computes: per head, the first n_rot rows go from interleaved to half-split order (the
    inverse of llama.cpp's LlamaModel.permute). Scores are unchanged by the same permutation of
    q and k dims, so this is exactly the wrong implementation's output."""
    rest = w.shape[1:]
    x = w.reshape(heads, head_dim, *rest).clone()
    rot = x[:, :n_rot].reshape(heads, n_rot // 2, 2, *rest).transpose(1, 2).reshape(heads, n_rot, *rest)
    x[:, :n_rot] = rot
    return x.reshape(w.shape)


@torch.no_grad()
def variant_logits(spec: ArchSpec, model, ids, cfg_edit=None, sd_edit=None, model_edit=None) -> torch.Tensor:
    cfg = copy.deepcopy(model.config)
    if cfg_edit:
        cfg_edit(cfg)
    m = HF_CLASSES[spec.arch](cfg).eval()
    s = {k: v.clone() for k, v in model.state_dict().items()}
    if sd_edit:
        sd_edit(s)
    m.load_state_dict(s, strict=False)
    if cfg.tie_word_embeddings:
        m.tie_weights()
    if model_edit:
        model_edit(m)
    return logits_all(m, ids)


@torch.no_grad()
def sensitivity(spec: ArchSpec, model, ids: list[int], ref_all: torch.Tensor) -> tuple[dict, dict]:
    """How far the logits move (last position; every position) when one detail is implemented
    wrongly. (A wrong RMS epsilon is not here: at 1e-5 vs 1e-6 it moves these logits by ~1e-4
    only, so the config test must check the value read.)"""
    last, every = {}, {}
    cfg = model.config
    hd, n_rot, q_rows, kv_rows = spec.head_dim, rope_dims(spec), spec.heads * spec.head_dim, spec.kv_heads * spec.head_dim

    def variant(label, **kw):
        diff = (variant_logits(spec, model, ids, **kw) - ref_all).abs()
        last[label], every[label] = float(diff[-1].max()), float(diff.max())

    def normal_rope(s):
        for k in list(s):
            if k.endswith(("q_proj.weight", "q_proj.bias")):
                s[k] = interleave_rotary_rows(s[k], spec.heads, hd, n_rot)
            elif k.endswith(("k_proj.weight", "k_proj.bias")):
                s[k] = interleave_rotary_rows(s[k], spec.kv_heads, hd, n_rot)
            elif k.endswith("qkv_proj.weight"):
                q, kk, v = s[k].split([q_rows, kv_rows, kv_rows])
                s[k] = torch.cat([interleave_rotary_rows(q, spec.heads, hd, n_rot), interleave_rotary_rows(kk, spec.kv_heads, hd, n_rot), v])

    def zero(suffix):
        def edit(s):
            for k in s:
                if k.endswith(suffix):
                    s[k] = torch.zeros_like(s[k])

        return edit

    def norms(delta):
        def edit(s):
            for k in s:
                if k.endswith("norm.weight"):
                    s[k] = s[k] + delta

        return edit

    def set_cfg(**values):
        def edit(c):
            for k, v in values.items():
                setattr(c, k, v)

        return edit

    variant("rope_normal_adjacent_pairs_instead_of_neox", sd_edit=normal_rope)
    if spec.rope_theta != 10000.0:
        variant("rope_theta_10000", cfg_edit=lambda c: c.rope_parameters.update(rope_theta=10000.0))

    if spec.arch == "qwen2":
        for p in ("q", "k", "v"):
            variant(f"{p}_bias_ignored", sd_edit=zero(f"{p}_proj.bias"))
    if spec.arch == "phi3":

        def swap_gate_up(s):
            for k in list(s):
                if k.endswith("gate_up_proj.weight"):
                    g, u = s[k].chunk(2)
                    s[k] = torch.cat([u, g])

        def swap_k_v(s):
            for k in list(s):
                if k.endswith("qkv_proj.weight"):
                    q, kk, v = s[k].split([q_rows, kv_rows, kv_rows])
                    s[k] = torch.cat([q, v, kk])

        variant("rope_all_head_dims_instead_of_rope_dimension_count", cfg_edit=lambda c: c.rope_parameters.update(partial_rotary_factor=1.0))
        variant("ffn_up_gate_and_up_halves_swapped", sd_edit=swap_gate_up)
        variant("attn_qkv_k_and_v_rows_swapped", sd_edit=swap_k_v)
    if spec.arch in ("gemma", "gemma2"):

        def unscaled(m):
            m.model.embed_tokens.embed_scale.fill_(1.0)

        variant("embedding_not_scaled_by_sqrt_hidden", model_edit=unscaled)
        variant("norm_weight_applied_as_1_plus_stored", sd_edit=norms(1.0))
        variant("norm_weight_applied_as_stored_minus_1", sd_edit=norms(-1.0))
        act = "hidden_act" if spec.arch == "gemma" else "hidden_activation"
        variant("gelu_exact_erf_instead_of_tanh", cfg_edit=set_cfg(**{act: "gelu"}))
        variant("silu_instead_of_gelu", cfg_edit=set_cfg(**{act: "silu"}))
    if spec.arch == "gemma":
        wrong = math.sqrt(hd) / math.sqrt(HIDDEN // spec.heads)  # 1/sqrt(hidden/heads) over 1/sqrt(head_dim)

        def q_scale(s):
            for k in list(s):
                if k.endswith("q_proj.weight"):
                    s[k] = s[k] * wrong

        variant("attention_scale_1_over_sqrt_hidden_over_heads", sd_edit=q_scale)
    if spec.arch == "gemma2":
        n = spec.layers
        even = ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(n)]
        variant("attn_softcap_ignored", cfg_edit=set_cfg(attn_logit_softcapping=None))
        variant("final_softcap_ignored", cfg_edit=set_cfg(final_logit_softcapping=None))
        variant("softcaps_llamacpp_defaults_50_30", cfg_edit=set_cfg(attn_logit_softcapping=50.0, final_logit_softcapping=30.0))
        variant("sliding_window_ignored", cfg_edit=set_cfg(layer_types=["full_attention"] * n))
        variant("sliding_window_on_every_layer", cfg_edit=set_cfg(layer_types=["sliding_attention"] * n))
        variant("sliding_window_on_odd_layers", cfg_edit=set_cfg(layer_types=["full_attention" if t == "sliding_attention" else "sliding_attention" for t in even]))
        variant("sliding_window_off_by_one", cfg_edit=set_cfg(sliding_window=cfg.sliding_window + 1))
        variant("sliding_window_llamacpp_default_4096", cfg_edit=set_cfg(sliding_window=4096))
        variant("query_pre_attn_scalar_hidden_over_heads", cfg_edit=set_cfg(query_pre_attn_scalar=HIDDEN // spec.heads))

        def skip(attr):
            def edit(m):
                for layer in m.model.layers:
                    setattr(layer, attr, torch.nn.Identity())

            return edit

        variant("post_attention_norm_skipped", model_edit=skip("post_attention_layernorm"))
        variant("post_ffw_norm_skipped", model_edit=skip("post_feedforward_layernorm"))
    return last, every


def choose_prompt(spec: ArchSpec, refs: dict) -> tuple[list[int], int]:
    """As forward_tiny.choose_prompt (seeded ids 3..299, every greedy step of every weight
    variant >= MIN_GREEDY_MARGIN apart), and the F32 continuation must hold at least
    MIN_DISTINCT_GREEDY_IDS different ids: tied random models tend to repeat one token."""
    for attempt in range(PROMPT_TRIES):
        seed = 1000 + 100 * spec.seed + attempt
        ids = [int(x) for x in np.random.default_rng(seed).integers(3, VOCAB, size=PROMPT_LEN)]
        runs = {q: greedy_ignoring_eos(r, ids, GREEDY_STEPS) for q, r in refs.items()}
        if all(min(m) >= MIN_GREEDY_MARGIN for _, m in runs.values()) and len(set(runs["F32"][0])) >= MIN_DISTINCT_GREEDY_IDS:
            return ids, seed
    raise ValueError(f"{spec.name}: no prompt with greedy margins >= {MIN_GREEDY_MARGIN} and varied ids in {PROMPT_TRIES} tries")


def reference_model(spec: ArchSpec, base, written):
    ref = build_model(spec)
    ref.load_state_dict(dequantized_state_dict(spec.arch, base, written), strict=False)
    if spec.tied:
        ref.tie_weights()
    ref.generation_config.eos_token_id = None
    return ref.eval()


def _compare(path: Path, loaded_sd: dict, ref_model) -> float:
    worst = 0.0
    for k, v in ref_model.state_dict().items():
        if k not in loaded_sd:
            raise ValueError(f"{path.name}: {k} was not read back")
        if loaded_sd[k].shape != v.shape:
            raise ValueError(f"{path.name}: {k} read back as {tuple(loaded_sd[k].shape)}, want {tuple(v.shape)}")
        worst = max(worst, float((loaded_sd[k] - v).abs().max()))
    if worst != 0.0:
        raise ValueError(f"{path.name}: weights differ after the GGUF round trip (max {worst})")
    return worst


@torch.no_grad()
def _logits_with(spec: ArchSpec, ref_model, sd: dict, ids) -> torch.Tensor:
    probe = HF_CLASSES[spec.arch](copy.deepcopy(ref_model.config)).eval()
    probe.load_state_dict(sd, strict=False)
    if spec.tied:
        probe.tie_weights()
    return logits_all(probe, ids)


@torch.no_grad()
def readback_check(spec: ArchSpec, path: Path, ref_model, ids, ref_logits) -> dict:
    """Reads `path` with gguf-py's GGUFReader, dequantizes every tensor, maps GGUF names back
    with gguf-py's TensorNameMap and undoes the converter's value change (Gemma norms - 1):
    the result must be the reference model bit for bit."""
    reader = gguf.GGUFReader(str(path))
    names = gguf.get_tensor_name_map(MODEL_ARCHS[spec.arch], spec.layers)
    to_hf = {}
    for hf_name in ref_model.state_dict():
        g = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if g is not None:
            to_hf.setdefault(g, hf_name)
    sd = {}
    for t in reader.tensors:
        shape = tuple(int(x) for x in reversed(t.shape))  # GGUF shape is [ne0, ne1]; ne0 = row length
        arr = gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float32)
        hf_name = to_hf[t.name]
        sd[hf_name] = torch.from_numpy(gguf_value_to_hf(spec.arch, hf_name, arr).copy())
    if spec.tied:
        if "output.weight" in {t.name for t in reader.tensors}:
            raise ValueError(f"{path.name}: a tied model must not carry output.weight")
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    worst = _compare(path, sd, ref_model)
    diff = float((_logits_with(spec, ref_model, sd, ids) - ref_logits).abs().max())
    if diff != 0.0:
        raise ValueError(f"{path.name}: logits after the gguf-py read-back differ by {diff}")
    return {"weights_max_abs_diff": worst, "logits_max_abs_diff": diff, "reader": "gguf-py GGUFReader + TensorNameMap"}


@torch.no_grad()
def transformers_check(spec: ArchSpec, path: Path, ref_model, ids, ref_logits) -> dict:
    """Loads `path` with transformers' GGUF loader (`gguf_file=`): the weights must be the
    reference weights exactly. Its config reader misses keys for these architectures, so the
    loaded weights run in the reference config; the config keys it read differently are listed."""
    loaded = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32).eval()
    worst = _compare(path, loaded.state_dict(), ref_model)
    diff = float((_logits_with(spec, ref_model, loaded.state_dict(), ids) - ref_logits).abs().max())
    if diff != 0.0:
        raise ValueError(f"{path.name}: logits after the transformers GGUF round trip differ by {diff}")
    want, got = ref_model.config.to_dict(), loaded.config.to_dict()
    keys = (
        "num_hidden_layers",
        "hidden_size",
        "intermediate_size",
        "num_attention_heads",
        "num_key_value_heads",
        "head_dim",
        "vocab_size",
        "max_position_embeddings",
        "rms_norm_eps",
        "tie_word_embeddings",
        "rope_parameters",
        "partial_rotary_factor",
        "sliding_window",
        "layer_types",
        "attn_logit_softcapping",
        "final_logit_softcapping",
        "query_pre_attn_scalar",
    )

    def same(a, b):
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=1e-6)
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b

    misread = {k: {"loader": got.get(k), "reference": want.get(k)} for k in keys if k in want and not same(got.get(k), want.get(k))}
    return {
        "weights_max_abs_diff": worst,
        "logits_max_abs_diff": diff,
        "loader": "transformers gguf_file=",
        "config_keys_the_loader_reads_differently": misread,
    }


def expected_config(spec: ArchSpec, cfg) -> dict:
    """What a config reader must produce from the GGUF (llama.cpp's reading of it)."""
    a = spec.arch
    return {
        "architecture": a,
        "layer_count": spec.layers,
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "head_count": spec.heads,
        "kv_head_count": spec.kv_heads,
        "head_dim": spec.head_dim,
        "rope_dimension_count": rope_dims(spec),
        "rope_type": "neox",
        "rope_theta": spec.rope_theta,
        "rope_scaling": None,
        "rope_scaling_original_context_length": CONTEXT if a == "phi3" else None,
        "vocab_size": VOCAB,
        "context_length": CONTEXT,
        "rms_norm_eps": spec.rms_eps,
        "tied_embeddings": spec.tied or a in ("gemma", "gemma2"),
        "qkv_bias": a == "qwen2",
        "fused_qkv": a == "phi3",
        "fused_gate_up": a == "phi3",
        "activation": "gelu_tanh" if a in ("gemma", "gemma2") else "silu",
        "embedding_scale": math.sqrt(HIDDEN) if a in ("gemma", "gemma2") else None,
        "norm_weights_used_as_stored": True,
        "post_norms": a == "gemma2",
        "attention_scale": 1.0 / math.sqrt(spec.head_dim),
        "attn_logit_softcapping": cfg.attn_logit_softcapping if a == "gemma2" else None,
        "final_logit_softcapping": cfg.final_logit_softcapping if a == "gemma2" else None,
        "sliding_window": cfg.sliding_window if a == "gemma2" else None,
        "sliding_window_layers": sliding_layers(cfg) if a == "gemma2" else [],
    }


def make_one(spec: ArchSpec, out_root: Path, tokenizer: dict) -> dict:
    out = out_root / spec.name
    out.mkdir(parents=True, exist_ok=True)
    base = build_model(spec)
    refs, paths = {}, {}
    for quant in ("F32", spec.quant):
        path = out / f"{spec.name}.{quant.lower()}.gguf"
        written = write_arch_gguf(spec.arch, base, path, quant, f"tiny-{spec.name.replace('_', '-')}", tokenizer)
        refs[quant], paths[quant] = reference_model(spec, base, written), path
    ids, seed = choose_prompt(spec, refs)

    record = {
        "name": spec.name,
        "description": spec.description,
        "architecture": spec.arch,
        "prompt_ids": ids,
        "prompt_seed": seed,
        "greedy_steps": GREEDY_STEPS,
        "greedy_note": "argmax each step, no EOS stop (generation_config.eos_token_id = None)",
        "variants": {},
    }
    for quant, ref in refs.items():
        path = paths[quant]
        la = logits_all(ref, ids)
        last = la[-1]
        tids, tvals = top_k(last, 10)
        gen = hf_generate(ref, ids, GREEDY_STEPS, eos_token_id=None, pad_token_id=0)
        loop, margins = greedy_ignoring_eos(ref, ids, GREEDY_STEPS)
        nocache = greedy_no_cache(ref, ids, GREEDY_STEPS)
        if not (gen == loop == nocache):
            raise ValueError(f"{path.name}: greedy paths disagree: {gen} {loop} {nocache}")
        key = quant.lower()
        entry = {
            "gguf": path.name,
            "weight_type": quant,
            "gguf_bytes": path.stat().st_size,
            "logits_all": write_f32(out / f"{spec.name}.{key}.logits_all.f32", la),
            "last_logits": [float(v) for v in last],
            "top10_ids": tids,
            "top10_logits": tvals,
            "greedy_ids": gen,
            "greedy_top1_top2_margins": margins,
            "greedy_min_margin": min(margins),
            "readback_check": readback_check(spec, path, ref, ids, la),
        }
        if spec.arch in TRANSFORMERS_GGUF:
            entry["roundtrip_check"] = transformers_check(spec, path, ref, ids, la)
        record["variants"][key] = entry
        if quant == "F32":
            sens_last, sens_all = sensitivity(spec, ref, ids, la)
            record["sensitivity_max_abs_diff_last_logits"] = sens_last
            record["sensitivity_max_abs_diff_all_positions"] = sens_all
        else:
            f32_last = torch.tensor(record["variants"]["f32"]["last_logits"])
            entry["max_abs_diff_vs_f32_last_logits"] = float((last - f32_last).abs().max())
    if spec.arch == "gemma2":
        record["sliding_window_check"] = sliding_window_really_applied(spec, refs["F32"], ids)

    config_json = {
        "name": spec.name,
        "description": spec.description,
        "hf_class": type(base).__name__,
        "gguf_architecture": spec.arch,
        "expected": expected_config(spec, base.config),
        "hf_config": base.config.to_diff_dict(),
        "gguf_metadata": {q: gguf_config_record(out / f"{spec.name}.{q.lower()}.gguf") for q in ("F32", spec.quant)},
    }
    write_json(out / "config.json", config_json)
    write_json(out / "reference.json", record)
    return {
        "name": spec.name,
        "files": sorted(p.name for p in out.iterdir()),
        "sens_all_positions": record["sensitivity_max_abs_diff_all_positions"],
        "min_margin": {k: v["greedy_min_margin"] for k, v in record["variants"].items()},
        "q_vs_f32": record["variants"][spec.quant.lower()]["max_abs_diff_vs_f32_last_logits"],
    }


@torch.no_grad()
def sliding_window_really_applied(spec: ArchSpec, model, ids) -> dict:
    """transformers must apply the window: removing it first changes position W (the query at
    p sees keys p-W+1..p), and only the sliding layers carry it."""
    base = logits_all(model, ids)
    full = variant_logits(spec, model, ids, cfg_edit=lambda c: setattr(c, "layer_types", ["full_attention"] * spec.layers))
    per_pos = (base - full).abs().amax(dim=-1)
    changed = torch.nonzero(per_pos > 0)
    first = int(changed[0]) if len(changed) else None
    window = model.config.sliding_window
    if first != window:
        raise ValueError(f"{spec.name}: a window of {window} should first change position {window}, got {first}")
    return {"sliding_window": window, "first_position_that_changes": first, "max_abs_diff_all_positions": float(per_pos.max())}


def make(out_root: Path, tokenizer: dict, only: list[str] | None = None) -> list[dict]:
    results = []
    for spec in SPECS:
        if only and spec.name not in only:
            continue
        results.append(make_one(spec, out_root, tokenizer))
        print(json.dumps(results[-1]), flush=True)
    return results
