"""Writes a Hugging Face Llama/Mistral model to a GGUF file the way llama.cpp's converter does.

Sources (llama.cpp, convert_hf_to_gguf.py, class LlamaModel):
- `permute(weights, n_head, n_head_kv)`: Q rows are permuted with (n_head, n_head), K rows with
  (n_head, n_head_kv) -- i.e. per head, HF's "rotate half" row order [x0..x(d/2-1), y0..y(d/2-1)]
  becomes llama.cpp's interleaved pairs [x0, y0, x1, y1, ...], matching llama.cpp's "normal"
  (non-NeoX) RoPE, which rotates adjacent pairs.
- tensor names from gguf-py's TensorNameMap (token_embd, blk.N.attn_q, ..., output_norm, output);
  metadata from `set_gguf_parameters` (block_count, context_length, embedding_length,
  feed_forward_length, head counts, rope base, rms epsilon, rope dimension count, vocab size,
  rope scaling type/factor for "linear").
- 1-D tensors (norm weights) stay F32 in quantized files, as `llama-quantize` leaves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import torch

QUANT_TYPES = {
    "F32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32),
    "Q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "Q4_0": (gguf.GGMLQuantizationType.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0),
    "Q4_1": (gguf.GGMLQuantizationType.Q4_1, gguf.LlamaFileType.MOSTLY_Q4_1),
}


def permute(weights: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    """llama.cpp LlamaModel.permute: HF rotate-half row order -> interleaved RoPE pairs."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def unpermute(weights: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    """Inverse of `permute` (what transformers' GGUF loader does)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return weights.reshape(n_head, weights.shape[0] // n_head // 2, 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def hf_to_gguf_tensors(model) -> list[tuple[str, np.ndarray, str]]:
    """(gguf name, float32 array in GGUF row layout, hf name), in llama.cpp's naming."""
    cfg = model.config
    sd = {k: v.detach().to(torch.float32).cpu().numpy() for k, v in model.state_dict().items()}
    out = [("token_embd.weight", sd["model.embed_tokens.weight"], "model.embed_tokens.weight")]
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        names = [
            ("attn_norm", "input_layernorm"),
            ("attn_q", "self_attn.q_proj"),
            ("attn_k", "self_attn.k_proj"),
            ("attn_v", "self_attn.v_proj"),
            ("attn_output", "self_attn.o_proj"),
            ("ffn_norm", "post_attention_layernorm"),
            ("ffn_gate", "mlp.gate_proj"),
            ("ffn_up", "mlp.up_proj"),
            ("ffn_down", "mlp.down_proj"),
        ]
        for g, h in names:
            w = sd[p + h + ".weight"]
            if g == "attn_q":
                w = permute(w, cfg.num_attention_heads, cfg.num_attention_heads)
            elif g == "attn_k":
                w = permute(w, cfg.num_attention_heads, cfg.num_key_value_heads)
            out.append((f"blk.{i}.{g}.weight", w, p + h + ".weight"))
    out.append(("output_norm.weight", sd["model.norm.weight"], "model.norm.weight"))
    if not cfg.tie_word_embeddings:
        out.append(("output.weight", sd["lm_head.weight"], "lm_head.weight"))
    return out


@dataclass
class WrittenTensor:
    gguf_name: str
    hf_name: str
    ggml_type: str
    dequantized: np.ndarray  # float32, GGUF row layout (Q/K still permuted)


def write_llama_gguf(
    model,
    path: Path,
    quant: str,
    name: str,
    tokenizer: dict | None,
    sliding_window: int | None = None,
) -> list[WrittenTensor]:
    """Writes `model` (LlamaForCausalLM or MistralForCausalLM) as architecture `llama`.
    Returns every tensor as the Swift reader must see it after dequantization."""
    cfg = model.config
    qtype, ftype = QUANT_TYPES[quant]
    w = gguf.GGUFWriter(str(path), arch="llama")
    w.add_name(name)
    w.add_vocab_size(cfg.vocab_size)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_rope_dimension_count(cfg.head_dim)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    rope = cfg.rope_parameters
    w.add_rope_freq_base(float(rope["rope_theta"]))
    w.add_layer_norm_rms_eps(float(cfg.rms_norm_eps))
    if rope.get("rope_type", "default") == "linear":
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(float(rope["factor"]))
    elif rope.get("rope_type", "default") != "default":
        raise ValueError(f"rope type {rope['rope_type']} is not written by this script")
    if sliding_window is not None:
        w.add_sliding_window(int(sliding_window))
    w.add_file_type(ftype)
    if quant != "F32":
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    if tokenizer is not None:
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre(tokenizer["pre"])
        w.add_token_list(tokenizer["tokens"])
        w.add_token_types(tokenizer["types"])
        w.add_token_merges(tokenizer["merges"])
        w.add_bos_token_id(tokenizer["bos"])
        w.add_eos_token_id(tokenizer["eos"])
        w.add_add_bos_token(False)

    written = []
    for gname, arr, hname in hf_to_gguf_tensors(model):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if arr.ndim == 2 and quant != "F32":
            if arr.shape[1] % 32 != 0:
                raise ValueError(f"{gname}: row length {arr.shape[1]} is not a multiple of 32")
            data = gguf.quants.quantize(arr, qtype)
            w.add_tensor(gname, data, raw_dtype=qtype)
            deq = gguf.quants.dequantize(data, qtype).reshape(arr.shape).astype(np.float32)
            written.append(WrittenTensor(gname, hname, quant, deq))
        else:
            w.add_tensor(gname, arr)
            written.append(WrittenTensor(gname, hname, "F32", arr.copy()))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return written


def dequantized_state_dict(model, written: list[WrittenTensor]) -> dict[str, torch.Tensor]:
    """HF state dict holding exactly the values stored in the GGUF (Q/K un-permuted back)."""
    cfg = model.config
    sd = {}
    for t in written:
        arr = t.dequantized
        if ".attn_q." in t.gguf_name:
            arr = unpermute(arr, cfg.num_attention_heads, cfg.num_attention_heads)
        elif ".attn_k." in t.gguf_name:
            arr = unpermute(arr, cfg.num_attention_heads, cfg.num_key_value_heads)
        sd[t.hf_name] = torch.from_numpy(np.ascontiguousarray(arr))
    if cfg.tie_word_embeddings:
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    return sd
