"""Reference byte-level BPE tokenizer for SmolLM2, built from the GGUF's own vocabulary.

Why not `transformers`' GGUF tokenizer: its 5.x loader drops the digit split of the `smollm`
pre-tokenizer (issue 3), so it disagrees with llama.cpp on numbers. This module rebuilds the
tokenizer with the `tokenizers` library from `tokenizer.ggml.tokens` / `tokenizer.ggml.merges`
and the pre-tokenizer llama.cpp uses for `tokenizer.ggml.pre = smollm`:

    llama-vocab.cpp, case LLAMA_VOCAB_PRE_TYPE_SMOLLM (shared with STARCODER, REFACT, ...):
        regex_exprs = { "\\p{N}",
                        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)" }

i.e. every number character is isolated first, then the GPT-2 byte-level regex runs on the
pieces. `ByteLevel(use_regex=True)` applies that GPT-2 regex (plus a final `|\\s+`, which only
catches trailing whitespace that llama.cpp's hand-written splitter also emits as one piece).
Control tokens (token type 3) are special tokens recognised in the text as single ids, as
llama.cpp does with `parse_special = true`.
"""

from __future__ import annotations

from gguf import GGUFReader
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

# GGUF token types (gguf-py `TokenType`): 1 normal, 3 control.
_CONTROL = 3


def read_vocab(reader: GGUFReader) -> tuple[list[str], list[int], list[str]]:
    tokens = list(reader.fields["tokenizer.ggml.tokens"].contents())
    types = list(reader.fields["tokenizer.ggml.token_type"].contents())
    merges = list(reader.fields["tokenizer.ggml.merges"].contents())
    return tokens, types, merges


def build_reference_tokenizer(gguf_path: str) -> Tokenizer:
    reader = GGUFReader(gguf_path)
    model = reader.fields["tokenizer.ggml.model"].contents()
    pre = reader.fields["tokenizer.ggml.pre"].contents()
    if model != "gpt2" or pre != "smollm":
        raise ValueError(f"{gguf_path}: expected gpt2/smollm tokenizer, found {model}/{pre}")
    tokens, types, merges = read_vocab(reader)
    vocab = {tok: i for i, tok in enumerate(tokens)}
    pairs = []
    for m in merges:
        left, right = m.split(" ")  # byte-level tokens never contain a raw space ("Ġ" instead)
        pairs.append((left, right))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"\p{N}"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    specials = [AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty == _CONTROL]
    tok.add_special_tokens(specials)
    # add_special_tokens must not have created new ids: every control token is in the vocabulary.
    if tok.get_vocab_size(with_added_tokens=True) != len(tokens):
        raise ValueError("special tokens changed the vocabulary size")
    return tok


def encode(tok: Tokenizer, text: str) -> list[int]:
    """Ids for `text` with no BOS (SmolLM2's GGUF says add_bos_token = false)."""
    return tok.encode(text, add_special_tokens=False).ids
