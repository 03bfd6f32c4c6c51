"""SmolLM2 forward-pass fixtures: last-position logits, top-10, greedy ids, and per-token
log-probabilities for perplexity, from Hugging Face `transformers` in float32.

The model is loaded from the shipped GGUF with `gguf_file=`: transformers dequantizes every
tensor (Q4_1, Q8_0) to float and undoes llama.cpp's Q/K row permutation
(transformers `LlamaTensorProcessor._reverse_permute_weights`). The prompt ids come from the
reference tokenizer of `forward_tokenizer.py`, never from transformers' GGUF tokenizer.
"""

from __future__ import annotations

import math
from pathlib import Path

import jinja2
import torch
from gguf import GGUFReader
from transformers import AutoModelForCausalLM

from forward_common import greedy_ignoring_eos, hf_generate, top_k, write_f32, write_json
from forward_tokenizer import build_reference_tokenizer, encode

LICENSES = Path("/usr/share/common-licenses")
GREEDY_STEPS = 64
TOP_K = 10


def _cut(tok, text: str, target_tokens: int) -> str:
    """The prefix of `text` that ends at the end of the line where token `target_tokens` falls,
    so prompts end at a natural boundary and their ids are the tokenization of the stored text."""
    enc = tok.encode(text, add_special_tokens=False)
    if len(enc.ids) <= target_tokens:
        return text.rstrip()
    char_end = enc.offsets[target_tokens - 1][1]
    nl = text.find("\n", char_end)
    return (text if nl < 0 else text[:nl]).rstrip()


def _chat_prompt(reader: GGUFReader, user: str) -> str:
    """Renders the GGUF's own chat template (ChatML, with SmolLM2's default system message)."""
    template = reader.fields["tokenizer.chat_template"].contents()
    env = jinja2.Environment()
    return env.from_string(template).render(messages=[{"role": "user", "content": user}], add_generation_prompt=True)


MIN_GREEDY_MARGIN = 0.03  # > 2 x the 1e-2 logit tolerance of the acceptance test


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def candidate_groups(tok, reader: GGUFReader) -> list[dict]:
    """Each group is one fixture; its candidates are tried in order and the first whose greedy
    continuation has no near-tie (see `make`) is kept."""
    gpl = (LICENSES / "GPL-3").read_text()
    apache = (LICENSES / "Apache-2.0").read_text()
    mpl = (LICENSES / "MPL-2.0").read_text()
    preamble = _paragraphs(gpl[gpl.index("  The GNU General Public License is a free") : gpl.index("TERMS AND CONDITIONS")])
    shorts = [
        "The GNU General Public License is a free, copyleft license for",
        "When we speak of free software, we are referring to freedom, not",
        "To protect your rights, we need to prevent others from denying you",
        "The licenses for most software and other practical works are designed",
        "Developers that use the GNU GPL protect your rights with two steps:",
        "Finally, every program is threatened constantly by software patents.",
    ]
    groups = [
        {
            "name": "p010_raw",
            "format": "raw",
            "source": "a sentence of the GPL-3 preamble (/usr/share/common-licenses/GPL-3)",
            "candidates": [{"text": t} for t in shorts],
        }
    ]
    chats = []
    for para in preamble[1:]:
        for ask in ("Summarize this paragraph in one sentence:", "What is the main point of this text?"):
            user = f"{ask}\n\n{para}"
            chats.append({"text": _chat_prompt(reader, user), "user": user})
    chats = [c for c in chats if 90 <= len(encode(tok, c["text"])) <= 140]
    groups.append(
        {
            "name": "p100_chat",
            "format": "chat",
            "source": "a GPL-3 preamble paragraph in a user turn, rendered with the GGUF's chat_template "
            "(ChatML, default system message, add_generation_prompt=true)",
            "candidates": chats,
        }
    )
    for name, text, src, target in (
        ("p500_raw", apache, "/usr/share/common-licenses/Apache-2.0 from its start", 500),
        ("p1000_raw", mpl, "/usr/share/common-licenses/MPL-2.0 from its start", 1000),
        ("p2000_raw", gpl, "/usr/share/common-licenses/GPL-3 from its start", 2000),
    ):
        cands, seen = [], set()
        for extra in range(0, 200, 20):
            t = _cut(tok, text, target + extra)
            if t not in seen:
                seen.add(t)
                cands.append({"text": t})
        groups.append({"name": name, "format": "raw", "source": src + ", cut at the end of a line", "candidates": cands})
    return groups


@torch.no_grad()
def make(model_path: Path, out_dir: Path) -> list[dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    tok = build_reference_tokenizer(str(model_path))
    reader = GGUFReader(str(model_path))
    eos = int(reader.fields["tokenizer.ggml.eos_token_id"].contents())
    model = AutoModelForCausalLM.from_pretrained(
        str(model_path.parent), gguf_file=model_path.name, dtype=torch.float32, attn_implementation="eager"
    )
    model.eval()
    summary = []
    for group in candidate_groups(tok, reader):
        tried = []
        chosen = None
        for cand in group["candidates"]:
            ids = encode(tok, cand["text"])
            if tok.decode(ids, skip_special_tokens=False) != cand["text"]:
                raise ValueError(f"{group['name']}: reference tokenizer does not round-trip")
            free_ids, margins = greedy_ignoring_eos(model, ids, GREEDY_STEPS)
            # the steps generate() really takes: up to and including the first EOS
            used = free_ids.index(eos) + 1 if eos in free_ids else GREEDY_STEPS
            worst = min(margins[:used])
            tried.append({"prompt_tokens": len(ids), "min_margin": worst})
            print(group["name"], tried[-1], flush=True)
            if chosen is None or worst > chosen[3]:
                chosen = (cand, ids, (free_ids, margins), worst)
            if worst >= MIN_GREEDY_MARGIN:
                break
        cand, ids, (free_ids, margins), worst = chosen
        x = torch.tensor([ids])
        logits_all = model(input_ids=x).logits[0]
        last = logits_all[-1]
        top_ids, top_vals = top_k(last, TOP_K)
        hf_ids = hf_generate(model, ids, GREEDY_STEPS, eos_token_id=eos, pad_token_id=eos)
        if free_ids[: len(hf_ids)] != hf_ids:
            raise ValueError(f"{group['name']}: generate() and the cached greedy loop disagree")
        rec = {
            "name": group["name"],
            "model": model_path.name,
            "format": group["format"],
            "source": group["source"],
            "text": cand["text"],
            "prompt_ids": ids,
            "prompt_token_count": len(ids),
            "last_logits": write_f32(out_dir / f"{group['name']}.last_logits.f32", last),
            "top10_ids": top_ids,
            "top10_logits": top_vals,
            "greedy": {
                "eos_token_id": eos,
                "ids": hf_ids,
                # generate() stops right after emitting EOS, so EOS can only be the last id.
                "stopped_on_eos": eos in hf_ids,
                "ids_ignoring_eos": free_ids,
                "top1_top2_margins": margins,
                "min_margin_until_stop": worst,
                "text": tok.decode(hf_ids, skip_special_tokens=False),
            },
            "selection": {
                "rule": f"first candidate whose greedy steps (until EOS) all have top1-top2 logit gap >= {MIN_GREEDY_MARGIN}, "
                "else the candidate with the widest gap",
                "tried": tried,
            },
        }
        if "user" in cand:
            rec["user"] = cand["user"]
        if group["name"] == "p500_raw":
            logp = torch.log_softmax(logits_all[:-1].double(), dim=-1)
            nxt = torch.tensor(ids[1:])
            lp = logp[torch.arange(len(ids) - 1), nxt]
            rec["perplexity"] = {
                "note": "next_token_logprobs[i] = log_softmax(logits at position i)[prompt_ids[i+1]], "
                "natural log, i = 0..N-2; perplexity = exp(-mean(next_token_logprobs)) over tokens 1..N-1",
                "next_token_logprobs": [float(v) for v in lp],
                "perplexity": math.exp(-float(lp.mean())),
            }
        write_json(out_dir / f"{group['name']}.json", rec)
        summary.append({"name": group["name"], "tokens": len(ids), "top1": top_ids[0], "greedy_len": len(hf_ids), "min_margin": worst})
        print(summary[-1], flush=True)
    return summary
