#!/usr/bin/env python3
"""Reference fixtures for the Tokenizers module (issue 3).

Writes into Tests/TokenizersTests/Fixtures/:
  smollm2_tokenizer.json  expected ids for SmolLM2 (byte-level BPE, pre-tokenizer `smollm`):
                          the HF `tokenizers` library built from the GGUF's own vocabulary and
                          merges with SmolLM2's pre-tokenizer sequence (Digits(individual) then
                          ByteLevel), cross-checked against llama.cpp through llama-cpp-python
                          when it is installed.
  spm_tiny.gguf           a small SentencePiece BPE vocabulary (tokenizer.ggml.model = llama)
                          trained here on /usr/share/common-licenses with byte fallback.
  spm_tokenizer.json      expected ids for it from `sentencepiece` itself, plus special-token
                          cases built the way llama.cpp splits them.
  chat_templates.json     chat templates rendered by jinja2 the way transformers renders them.
  pretokenizer_splits.json  the GPT-2 and Llama 3 pre-tokenizer regexes applied by `tokenizers`
                          (Oniguruma) to every string, to check the hand-written matchers.

Usage: tools/reference/.venv/bin/python tools/reference/make_tokenizer_fixtures.py [--model M]
Needs: tokenizers sentencepiece gguf jinja2 numpy (and optionally llama-cpp-python).
"""
import argparse
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tokenizer_strings  # noqa: E402
import tokenizer_templates  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")


def try_llama_cpp(path):
    try:
        from llama_cpp import Llama
    except ImportError as e:
        print(f"llama-cpp-python not available ({e}); no llama.cpp cross-check", file=sys.stderr)
        return None
    return Llama(model_path=path, vocab_only=True, verbose=False)


# --------------------------------------------------------------------------------------------
# SmolLM2: byte-level BPE
# --------------------------------------------------------------------------------------------

def smollm2_reference(model_path):
    """HF `tokenizers` built from the GGUF's vocabulary and merges with SmolLM2's pre-tokenizer."""
    from gguf import GGUFReader
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    reader = GGUFReader(model_path)
    fields = reader.fields
    tokens = fields["tokenizer.ggml.tokens"].contents()
    types = fields["tokenizer.ggml.token_type"].contents()
    merges = fields["tokenizer.ggml.merges"].contents()
    assert fields["tokenizer.ggml.pre"].contents() == "smollm"

    vocab = {t: i for i, t in enumerate(tokens)}
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False, byte_fallback=False))
    # SmolLM2's tokenizer.json: Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False)]
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    # CONTROL (3) and USER_DEFINED (4) tokens are matched before BPE.
    tok.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False)
                            for i, t in enumerate(types) if t in (3, 4)])
    return tok


def smollm2(model_path, strings):
    tok = smollm2_reference(model_path)
    llama = try_llama_cpp(model_path)
    cases = []
    disagreements = 0
    for s in strings:
        ids = tok.encode(s, add_special_tokens=False).ids
        case = {"text": s, "ids": ids,
                "round_trip": tok.decode(ids, skip_special_tokens=False) == s}
        if llama is not None:
            lids = llama.tokenize(s.encode("utf-8"), add_bos=False, special=True)
            if lids != ids:
                disagreements += 1
                case["llama_cpp_ids"] = lids
                print(f"smollm2: tokenizers and llama.cpp disagree on {s!r}:\n  {ids}\n  {lids}",
                      file=sys.stderr)
        cases.append(case)
    return {
        "model": os.path.basename(model_path),
        "reference": "HF tokenizers %s, vocab+merges from the GGUF, Digits(individual)+ByteLevel"
                     % __import__("tokenizers").__version__,
        "llama_cpp_cross_check": None if llama is None else {
            "package": "llama-cpp-python %s" % __import__("llama_cpp").__version__,
            "strings": len(strings), "disagreements": disagreements},
        "cases": cases,
    }


# --------------------------------------------------------------------------------------------
# SentencePiece BPE (Llama 2 style) trained here
# --------------------------------------------------------------------------------------------

SPM_SPECIALS = ["<unk>", "<s>", "</s>"]


def train_spm(workdir, vocab_size):
    import sentencepiece as spm
    files = sorted(f for f in glob.glob("/usr/share/common-licenses/*") if os.path.isfile(f)
                   and not os.path.islink(f))
    prefix = os.path.join(workdir, "spm")
    # Llama 2's trainer settings: identity normaliser, no whitespace cleanup, dummy prefix,
    # digits split, byte fallback.
    spm.SentencePieceTrainer.train(
        input=",".join(files), model_prefix=prefix, model_type="bpe", vocab_size=vocab_size,
        byte_fallback=True, character_coverage=1.0, normalization_rule_name="identity",
        remove_extra_whitespaces=False, add_dummy_prefix=True, split_digits=True,
        allow_whitespace_only_pieces=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=1, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=prefix + ".model")


def write_spm_gguf(sp, path):
    import gguf
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(gguf.TokenType.UNKNOWN)
        elif sp.is_control(i):
            types.append(gguf.TokenType.CONTROL)
        elif sp.is_byte(i):
            types.append(gguf.TokenType.BYTE)
        elif sp.is_unused(i):
            types.append(gguf.TokenType.UNUSED)
        else:
            types.append(gguf.TokenType.NORMAL)
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("spm-tiny (trained on common-licenses for EasyKV tests)")
    # Tiny hyperparameters so llama.cpp can open the file with vocab_only=True.
    w.add_context_length(512)
    w.add_embedding_length(64)
    w.add_block_count(1)
    w.add_feed_forward_length(128)
    w.add_head_count(4)
    w.add_head_count_kv(4)
    w.add_rope_dimension_count(16)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(True)
    w.add_chat_template(tokenizer_templates.LLAMA2)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def split_specials(text, specials):
    """llama.cpp's partition: special tokens, longest first, split the remaining raw text."""
    frags = [("text", text)]
    for sp_text in sorted(specials, key=len, reverse=True):
        out = []
        for kind, value in frags:
            if kind != "text":
                out.append((kind, value))
                continue
            parts = value.split(sp_text)
            for j, part in enumerate(parts):
                if part:
                    out.append(("text", part))
                if j < len(parts) - 1:
                    out.append(("special", sp_text))
            # empty raw fragments vanish, as in llama.cpp
        frags = out
    return frags


def spm_fixture(strings, vocab_size):
    with tempfile.TemporaryDirectory() as workdir:
        sp = train_spm(workdir, vocab_size)
    gguf_path = os.path.join(OUT, "spm_tiny.gguf")
    write_spm_gguf(sp, gguf_path)
    llama = try_llama_cpp(gguf_path)

    cases = []
    disagreements = 0
    byte_fallback_strings = 0
    for s in strings:
        ids = sp.encode(s)
        if any(sp.is_byte(i) for i in ids):
            byte_fallback_strings += 1
        case = {"text": s, "ids": ids, "round_trip": sp.decode(ids) == s}
        if llama is not None:
            lids = llama.tokenize(s.encode("utf-8"), add_bos=False, special=False)
            if lids != ids:
                disagreements += 1
                case["llama_cpp_ids"] = lids
                print(f"spm: sentencepiece and llama.cpp disagree on {s!r}:\n  {ids}\n  {lids}",
                      file=sys.stderr)
        cases.append(case)

    special_strings = [
        "<s>", "</s>", "<unk>", "Hello</s>", "<s>Hello", "<s> Hello", "a<s>b</s>c",
        "<s>[INST] Hi [/INST]", "text </s> <s> text", "</s></s>", "<s<s>>",
        "caf\u00e9</s>\u4f60\u597d", "  <s>  ", "\n</s>\n",
    ]
    special_cases = []
    for s in special_strings:
        ids = []
        for kind, value in split_specials(s, SPM_SPECIALS):
            ids.extend([sp.piece_to_id(value)] if kind == "special" else sp.encode(value))
        case = {"text": s, "ids": ids}
        if llama is not None:
            lids = llama.tokenize(s.encode("utf-8"), add_bos=False, special=True)
            if lids != ids:
                disagreements += 1
                case["llama_cpp_ids"] = lids
                print(f"spm special: constructed and llama.cpp disagree on {s!r}:\n  {ids}\n  {lids}",
                      file=sys.stderr)
        special_cases.append(case)

    return {
        "gguf": "spm_tiny.gguf",
        "reference": "sentencepiece %s (BPE, vocab %d, byte_fallback, identity normaliser)"
                     % (__import__("sentencepiece").__version__, sp.get_piece_size()),
        "vocab_size": sp.get_piece_size(),
        "strings_with_byte_fallback": byte_fallback_strings,
        "llama_cpp_cross_check": None if llama is None else {
            "package": "llama-cpp-python %s" % __import__("llama_cpp").__version__,
            "strings": len(strings) + len(special_strings), "disagreements": disagreements},
        "cases": cases,
        "special_cases": special_cases,
    }


# --------------------------------------------------------------------------------------------
# Pre-tokenizer regexes on their own
# --------------------------------------------------------------------------------------------

GPT2_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def split_fixture(strings):
    from tokenizers import Regex, pre_tokenizers
    out = {"gpt2_regex": GPT2_REGEX, "llama3_regex": LLAMA3_REGEX, "cases": []}
    gpt2 = pre_tokenizers.Split(Regex(GPT2_REGEX), behavior="isolated")
    llama3 = pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated")
    for s in strings:
        out["cases"].append({
            "text": s,
            "gpt2": [p for p, _ in gpt2.pre_tokenize_str(s)],
            "llama3": [p for p, _ in llama3.pre_tokenize_str(s)],
        })
    return out


# --------------------------------------------------------------------------------------------
# Chat templates
# --------------------------------------------------------------------------------------------

def chat_fixture(smollm_template):
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise TemplateError(message)

    # transformers' apply_chat_template environment.
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception

    families = [
        ("chatml-smollm2", smollm_template, "<|im_start|>", "<|im_end|>"),
        ("chatml", tokenizer_templates.CHATML, "<|im_start|>", "<|im_end|>"),
        ("llama2", tokenizer_templates.LLAMA2, "<s>", "</s>"),
        ("mistral", tokenizer_templates.MISTRAL, "<s>", "</s>"),
        ("zephyr", tokenizer_templates.ZEPHYR, "<s>", "</s>"),
        ("llama3", tokenizer_templates.LLAMA3, "<|begin_of_text|>", "<|eot_id|>"),
    ]
    templates = {}
    cases = []
    for name, source, bos, eos in families:
        templates[name] = {"source": source, "bos_token": bos, "eos_token": eos}
        compiled = env.from_string(source)
        for messages in tokenizer_templates.CONVERSATIONS:
            for gen in (True, False):
                case = {"template": name, "messages": messages, "add_generation_prompt": gen}
                try:
                    case["expected"] = compiled.render(messages=messages, add_generation_prompt=gen,
                                                       bos_token=bos, eos_token=eos)
                except TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    return {"renderer": "jinja2 %s ImmutableSandboxedEnvironment(trim_blocks, lstrip_blocks)"
                        % __import__("jinja2").__version__,
            "templates": templates, "cases": cases}


def bench(model_path, text_path):
    """Encoding speed of the references on one text (best of 5), for the issue note."""
    import time
    text = open(text_path, encoding="utf-8").read()
    size = len(text.encode("utf-8"))

    def best_of(f):
        best, n = float("inf"), 0
        for _ in range(5):
            start = time.perf_counter()
            n = len(f())
            best = min(best, time.perf_counter() - start)
        return best, n

    tok = smollm2_reference(model_path)
    t, n = best_of(lambda: tok.encode(text, add_special_tokens=False).ids)
    print(f"tokenizers {__import__('tokenizers').__version__}: {n} tokens, {t:.3f} s, {size / t / 1e6:.2f} MB/s")
    llama = try_llama_cpp(model_path)
    if llama is not None:
        data = text.encode("utf-8")
        t, n = best_of(lambda: llama.tokenize(data, add_bos=False, special=True))
        print(f"llama.cpp (llama-cpp-python {__import__('llama_cpp').__version__}): {n} tokens, {t:.3f} s, "
              f"{size / t / 1e6:.2f} MB/s")
    with tempfile.TemporaryDirectory() as workdir:
        sp = train_spm(workdir, 3000)
        t, n = best_of(lambda: sp.encode(text))
        print(f"sentencepiece {__import__('sentencepiece').__version__} (spm_tiny vocabulary): {n} tokens, "
              f"{t:.3f} s, {size / t / 1e6:.2f} MB/s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--spm-vocab", type=int, default=3000)
    ap.add_argument("--bench", metavar="TEXT_FILE",
                    help="only measure the reference tokenizers' speed on this file (MB/s), write nothing")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    strings = tokenizer_strings.all_strings()
    print(f"{len(strings)} strings", file=sys.stderr)

    if args.bench:
        bench(args.model, args.bench)
        return

    smol = smollm2(args.model, strings)
    with open(os.path.join(OUT, "smollm2_tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(smol, f, ensure_ascii=False, indent=1)

    spm_data = spm_fixture([s for s in strings], args.spm_vocab)
    with open(os.path.join(OUT, "spm_tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(spm_data, f, ensure_ascii=False, indent=1)

    with open(os.path.join(OUT, "pretokenizer_splits.json"), "w", encoding="utf-8") as f:
        json.dump(split_fixture(strings), f, ensure_ascii=False, indent=1)

    from gguf import GGUFReader
    template = GGUFReader(args.model).fields["tokenizer.chat_template"].contents()
    with open(os.path.join(OUT, "chat_templates.json"), "w", encoding="utf-8") as f:
        json.dump(chat_fixture(template), f, ensure_ascii=False, indent=1)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
