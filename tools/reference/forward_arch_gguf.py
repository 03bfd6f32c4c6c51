"""Writes a Hugging Face Qwen2 / Phi-3 / Gemma / Gemma 2 model to GGUF the way llama.cpp's
`convert_hf_to_gguf.py` does, one function per converter class.

Sources (llama.cpp `convert_hf_to_gguf.py`, read at ggml-org/llama.cpp 0024aa74; gguf-py 0.19.0):
- `TextModel.set_gguf_parameters` (used as is by `Qwen2Model`): block_count, context_length
  (`max_position_embeddings`), embedding_length, feed_forward_length, head_count,
  head_count_kv, rope.freq_base (`rope_parameters.rope_theta`), layer_norm_rms_epsilon,
  attention.key_length/value_length only when the HF config has a `head_dim` (Qwen2's has
  none), file_type. No `{arch}.vocab_size`, no `rope.dimension_count`.
- `Phi3MiniModel.set_gguf_parameters`: context_length, rope.scaling.original_context_length
  (`original_max_position_embeddings`), embedding_length, feed_forward_length, block_count,
  head_count, head_count_kv, layer_norm_rms_epsilon,
  rope.dimension_count = int(partial_rotary_factor * hidden) // heads, rope.freq_base,
  file_type, attention.sliding_window (0 when the config has none: "use zero value of
  sliding_window to distinguish Phi-4 from other PHI3 models").
- `GemmaModel.set_gguf_parameters`: context_length, embedding_length, block_count,
  feed_forward_length, head_count, head_count_kv, layer_norm_rms_epsilon,
  attention.key_length, attention.value_length (= head_dim), file_type. **No rope.freq_base**:
  llama.cpp then uses its default 10000 (`rope_freq_base_train = 10000.0f` in
  llama_model::load_hparams), so these models must use rope_theta 10000.
- `Gemma2Model.set_gguf_parameters`: Gemma's keys plus attn_logit_softcapping,
  final_logit_softcapping, attention.sliding_window. No sliding-window pattern key: llama.cpp
  hard-codes it (`set_swa_pattern(2)` in src/models/gemma2.cpp), and no query_pre_attn_scalar:
  llama.cpp derives the attention scale from the model size (see forward_arch.py).
- `modify_tensors`: Qwen2 and Phi-3 keep HF tensors as they are (no Q/K permutation: llama.cpp
  applies NeoX RoPE to these architectures, `llama_model_rope_type`); Gemma/Gemma 2 drop
  `lm_head.weight` and add 1 to every tensor whose name ends in `norm.weight` ("ref:
  modeling_gemma.py#L89", HF's GemmaRMSNorm multiplies by `1 + weight`).
- Names: `gguf.get_tensor_name_map(arch, blocks).get_name(name, try_suffixes=(".weight",
  ".bias"))`, the table `ModelBase.map_tensor_name` uses.
- Tensor types: `ModelBase.prepare_tensors` keeps 1-D tensors and `*_norm.weight` in F32; here
  every 2-D tensor takes the file's quantized type (as `llama-quantize` with a pure type would).
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import torch

from forward_gguf_writer import QUANT_TYPES, WrittenTensor

MODEL_ARCHS = {
    "qwen2": gguf.MODEL_ARCH.QWEN2,
    "phi3": gguf.MODEL_ARCH.PHI3,
    "gemma": gguf.MODEL_ARCH.GEMMA,
    "gemma2": gguf.MODEL_ARCH.GEMMA2,
}

NORM_PLUS_ONE = ("gemma", "gemma2")
PAD_TOKEN_ID = 0


def _text_model_parameters(w: gguf.GGUFWriter, hp: dict, blocks: int) -> None:
    """TextModel.set_gguf_parameters, for the keys a dense model without rope scaling has."""
    w.add_block_count(blocks)
    w.add_context_length(hp["max_position_embeddings"])
    w.add_embedding_length(hp["hidden_size"])
    w.add_feed_forward_length(hp["intermediate_size"])
    w.add_head_count(hp["num_attention_heads"])
    w.add_head_count_kv(hp["num_key_value_heads"])
    rope = hp["rope_parameters"]
    if rope.get("rope_type", "default") != "default":
        raise ValueError(f"rope type {rope['rope_type']} is not written by this script")
    w.add_rope_freq_base(rope["rope_theta"])
    w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
    if hp.get("head_dim") is not None:
        w.add_key_length(hp["head_dim"])
        w.add_value_length(hp["head_dim"])


def _phi3_parameters(w: gguf.GGUFWriter, hp: dict, blocks: int) -> None:
    """Phi3MiniModel.set_gguf_parameters."""
    n_embd, n_head = hp["hidden_size"], hp["num_attention_heads"]
    rope_dims = int(hp.get("partial_rotary_factor", 1.0) * n_embd) // n_head
    w.add_context_length(hp["max_position_embeddings"])
    w.add_rope_scaling_orig_ctx_len(hp["original_max_position_embeddings"])
    w.add_embedding_length(n_embd)
    w.add_feed_forward_length(hp["intermediate_size"])
    w.add_block_count(blocks)
    w.add_head_count(n_head)
    w.add_head_count_kv(hp["num_key_value_heads"])
    w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
    w.add_rope_dimension_count(rope_dims)
    w.add_rope_freq_base(hp["rope_parameters"]["rope_theta"])
    w.add_sliding_window(hp.get("sliding_window") or 0)


def _gemma_parameters(w: gguf.GGUFWriter, hp: dict, blocks: int) -> None:
    """GemmaModel.set_gguf_parameters (and the common part of Gemma2Model's)."""
    w.add_context_length(hp["max_position_embeddings"])
    w.add_embedding_length(hp["hidden_size"])
    w.add_block_count(blocks)
    w.add_feed_forward_length(hp["intermediate_size"])
    w.add_head_count(hp["num_attention_heads"])
    w.add_head_count_kv(hp.get("num_key_value_heads", hp["num_attention_heads"]))
    w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
    w.add_key_length(hp["head_dim"])
    w.add_value_length(hp["head_dim"])


def _gemma2_parameters(w: gguf.GGUFWriter, hp: dict, blocks: int) -> None:
    """Gemma2Model.set_gguf_parameters."""
    _gemma_parameters(w, hp, blocks)
    w.add_attn_logit_softcapping(hp["attn_logit_softcapping"])
    w.add_final_logit_softcapping(hp["final_logit_softcapping"])
    w.add_sliding_window(hp["sliding_window"])


PARAMETERS = {"qwen2": _text_model_parameters, "phi3": _phi3_parameters, "gemma": _gemma_parameters, "gemma2": _gemma2_parameters}


def hf_to_gguf_tensors(arch: str, model) -> list[tuple[str, np.ndarray, str]]:
    """(gguf name, float32 array, hf name) in state-dict order, after the converter's
    `modify_tensors` for `arch`. Tied models have no `lm_head.weight` in their checkpoint
    (`save_pretrained` drops tied weights), so none is written."""
    cfg = model.config
    names = gguf.get_tensor_name_map(MODEL_ARCHS[arch], cfg.num_hidden_layers)
    out = []
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight" and (cfg.tie_word_embeddings or arch in NORM_PLUS_ONE):
            continue
        arr = tensor.detach().to(torch.float32).cpu().numpy()
        if arch in NORM_PLUS_ONE and hf_name.endswith("norm.weight"):
            arr = arr + np.float32(1.0)
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ValueError(f"{arch}: gguf-py has no GGUF name for {hf_name}")
        out.append((gguf_name, arr, hf_name))
    return out


def write_arch_gguf(arch: str, model, path: Path, quant: str, name: str, tokenizer: dict) -> list[WrittenTensor]:
    """Writes `model` as GGUF architecture `arch`; returns every tensor as a reader sees it
    after dequantization (GGUF values: Gemma norms include the +1)."""
    cfg = model.config
    qtype, ftype = QUANT_TYPES[quant]
    w = gguf.GGUFWriter(str(path), arch=gguf.MODEL_ARCH_NAMES[MODEL_ARCHS[arch]])
    w.add_name(name)
    PARAMETERS[arch](w, cfg.to_dict(), cfg.num_hidden_layers)
    w.add_file_type(ftype)
    if quant != "F32":
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(tokenizer["pre"])
    w.add_token_list(tokenizer["tokens"])
    w.add_token_types(tokenizer["types"])
    w.add_token_merges(tokenizer["merges"])
    w.add_bos_token_id(tokenizer["bos"])
    w.add_eos_token_id(tokenizer["eos"])
    # gguf.SpecialVocab also copies the HF config's pad_token_id (0, <|endoftext|>); transformers'
    # GGUF loader needs it for Phi-3, whose default pad id 32000 lies outside this vocabulary.
    w.add_pad_token_id(PAD_TOKEN_ID)
    w.add_add_bos_token(False)

    written = []
    for gname, arr, hname in hf_to_gguf_tensors(arch, model):
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


def gguf_value_to_hf(arch: str, hf_name: str, arr: np.ndarray) -> np.ndarray:
    """Inverse of the converter's value change: Gemma norms lose the +1 again."""
    if arch in NORM_PLUS_ONE and hf_name.endswith("norm.weight"):
        return arr - np.float32(1.0)
    return arr


def dequantized_state_dict(arch: str, model, written: list[WrittenTensor]) -> dict[str, torch.Tensor]:
    """HF state dict holding exactly the values stored in the GGUF."""
    sd = {t.hf_name: torch.from_numpy(np.ascontiguousarray(gguf_value_to_hf(arch, t.hf_name, t.dequantized))) for t in written}
    if model.config.tie_word_embeddings:
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    return sd
