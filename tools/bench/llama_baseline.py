#!/usr/bin/env python3
"""llama.cpp's figures for `easykv bench --compare` (issue 9), through llama-cpp-python.

Measures, on the same GGUF and thread count as `easykv bench`:
  prefill/p{N}/s{S}      prompt tokens/s for an N-token prompt fed in batches of S
                         (n_batch = n_ubatch = S; EasyKV's stride), full cache
  decode/d{D}/tg{T}      tokens/s of T single-token decode steps after a D-token prompt
  decode/d{D}/tg{T}/x{B} the same for B sequences decoded together (one llama_batch per step)
  memory/p7000           peak RSS of a fresh process prefilling 7,000 tokens
With --large (issue 14's set for 1.7B-8B models, as `easykv bench --large-model`):
  prefill/p512/s512      512 prompt tokens in one batch
  decode/d512/tg64       64 single-token decode steps after those 512 tokens
  memory/p512/tg64       peak RSS of a fresh process doing both, n_ctx = 576 (as llama-bench
                         sizes its context: prompt + generated tokens)

Prompts are pseudo-random token ids (as llama-bench uses); decode steps feed a fixed token
without sampling (as llama-bench's tg does), so the figures are llama_decode time plus a few
microseconds of Python per call. Uses the low-level API so one model load serves every context.

Usage: llama_baseline.py --model M --threads N [--quick | --large] [--repeat R] [--output FILE]
       llama_baseline.py --model M --threads N --memory-probe P [--memory-tg T]   (internal)
"""

import argparse
import ctypes
import json
import os
import random
import resource
import subprocess
import sys
import time

import llama_cpp

QUICK_PREFILL = [(512, 8), (512, 512), (2048, 512), (7000, 512)]
FULL_PREFILL = [(n, s) for n in (512, 2048, 7000) for s in (8, 64, 256, 512)]
DECODE = [(16, 128, 1), (2048, 128, 1), (16, 128, 4), (16, 128, 8)]
LARGE_PREFILL = [(512, 512)]
LARGE_DECODE = [(512, 64, 1)]
CONTEXT = 8192

# Kept at module level: ctypes must not collect the callback while llama.cpp holds it.
_QUIET = llama_cpp.llama_log_callback(lambda level, text, data: None)


def load_model(path):
    params = llama_cpp.llama_model_default_params()
    model = llama_cpp.llama_model_load_from_file(path.encode(), params)
    if not model:
        sys.exit(f"llama_baseline: cannot load {path}")
    return model


def make_context(model, threads, n_batch, n_seq=1, flash_attn=-1, n_ctx=CONTEXT):
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = n_ctx
    params.n_batch = n_batch
    params.n_ubatch = n_batch
    params.n_seq_max = n_seq
    params.n_threads = threads
    params.n_threads_batch = threads
    params.flash_attn_type = flash_attn  # -1: llama.cpp's own choice (auto)
    params.no_perf = True
    ctx = llama_cpp.llama_init_from_model(model, params)
    if not ctx:
        sys.exit("llama_baseline: cannot create a context")
    return ctx


def tokens(count, vocab, seed):
    rng = random.Random(seed)
    return [rng.randrange(256, vocab) for _ in range(count)]


class Batch:
    def __init__(self, capacity, n_seq):
        self.batch = llama_cpp.llama_batch_init(capacity, 0, n_seq)

    def fill(self, entries):
        """entries: (token, position, sequence, wants_logits)."""
        b = self.batch
        for i, (token, pos, seq, logits) in enumerate(entries):
            b.token[i] = token
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = logits
        b.n_tokens = len(entries)
        return b

    def free(self):
        llama_cpp.llama_batch_free(self.batch)


def decode(ctx, batch):
    status = llama_cpp.llama_decode(ctx, batch)
    if status != 0:
        sys.exit(f"llama_baseline: llama_decode returned {status}")


def clear(ctx):
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)


def prefill(ctx, batch, prompt, n_batch, seq=0, start=0):
    for first in range(0, len(prompt), n_batch):
        chunk = prompt[first : first + n_batch]
        last = first + len(chunk) == len(prompt)
        entries = [(t, start + first + i, seq, last and i == len(chunk) - 1) for i, t in enumerate(chunk)]
        decode(ctx, batch.fill(entries))


def measure_prefill(model, threads, vocab, n, stride, n_ctx=CONTEXT):
    ctx = make_context(model, threads, stride, n_ctx=n_ctx)
    batch = Batch(stride, 1)
    prompt = tokens(n, vocab, seed=n)
    prefill(ctx, batch, prompt[:64], stride)  # warm-up
    clear(ctx)
    start = time.perf_counter()
    prefill(ctx, batch, prompt, stride)
    seconds = time.perf_counter() - start
    batch.free()
    llama_cpp.llama_free(ctx)
    return n / seconds


def measure_decode(model, threads, vocab, depth, steps, n_seq, n_ctx=CONTEXT):
    ctx = make_context(model, threads, 512, n_seq=n_seq, n_ctx=n_ctx)
    batch = Batch(512, n_seq)
    for s in range(n_seq):
        prefill(ctx, batch, tokens(depth, vocab, seed=1000 + s), 512, seq=s)
    token = tokens(1, vocab, seed=7)[0]
    start = time.perf_counter()
    for step in range(steps):
        decode(ctx, batch.fill([(token, depth + step, s, True) for s in range(n_seq)]))
    seconds = time.perf_counter() - start
    batch.free()
    llama_cpp.llama_free(ctx)
    return steps * n_seq / seconds


def peak_rss():
    """This process's peak resident bytes: VmHWM, since ru_maxrss survives exec and so reports
    the parent's peak when that was higher (the parent here has run every other figure)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--large", action="store_true", help="the 1.7B-8B set: p512, tg64 after it, their peak RSS")
    parser.add_argument("--output", help="write the JSON here (default: stdout)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each figure this many times, keep the best")
    parser.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory-tg", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick and args.large:
        parser.error("--quick and --large choose different sets; pick one")

    llama_cpp.llama_backend_init()
    llama_cpp.llama_log_set(_QUIET, ctypes.c_void_p(0))
    model = load_model(args.model)
    vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(model))

    if args.memory_probe:
        if args.memory_tg:
            n_ctx = args.memory_probe + args.memory_tg
            measure_decode(model, args.threads, vocab, args.memory_probe, args.memory_tg, 1, n_ctx=n_ctx)
        else:
            measure_prefill(model, args.threads, vocab, args.memory_probe, 512)
        peak = peak_rss()
        print(json.dumps({"peak_bytes": peak}))
        return

    result = {
        "tool": "llama.cpp",
        "version": f"llama-cpp-python {llama_cpp.__version__}",
        "system": llama_cpp.llama_print_system_info().decode().strip(),
        "threads": args.threads,
        "model": os.path.abspath(args.model),
        "load_average": load_average(),
        "figures": {},
    }
    figures = result["figures"]
    prefills = LARGE_PREFILL if args.large else QUICK_PREFILL if args.quick else FULL_PREFILL
    for n, stride in prefills:
        key = f"prefill/p{n}/s{stride}"
        figures[key] = max(measure_prefill(model, args.threads, vocab, n, stride) for _ in range(args.repeat))
        print(f"{key}: {figures[key]:.1f} tokens/s", file=sys.stderr)
    for depth, steps, n_seq in LARGE_DECODE if args.large else DECODE:
        key = f"decode/d{depth}/tg{steps}" + (f"/x{n_seq}" if n_seq > 1 else "")
        figures[key] = max(measure_decode(model, args.threads, vocab, depth, steps, n_seq) for _ in range(args.repeat))
        print(f"{key}: {figures[key]:.1f} tokens/s", file=sys.stderr)

    # A fresh process, so the peak is that work's alone (the same as easykv bench's probe).
    probe_args, memory_key = (["512", "--memory-tg", "64"], "memory/p512/tg64") if args.large else (["7000"], "memory/p7000")
    probe = subprocess.run(
        [sys.executable, __file__, "--model", args.model, "--threads", str(args.threads), "--memory-probe"]
        + probe_args, capture_output=True, text=True, check=True)
    result["memory"] = {memory_key: json.loads(probe.stdout)["peak_bytes"]}
    result["load_average_after"] = load_average()

    text = json.dumps(result, indent=1, sort_keys=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
