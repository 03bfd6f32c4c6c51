#!/usr/bin/env bash
# `make bench`: the quick benchmark, a few minutes. `easykv bench --quick` (prefill and decode
# tokens/s with ratios, single-thread kernel speeds, peak RSS of a budgeted 7,000-token prefill),
# then documents/min and peak memory of the summarize pipeline on input/.
# Ratios are to llama.cpp when `make bench-baseline` has left bench-results/llama.json, else to
# our own naive reference measured in the same run (fp32 sgemm decode, stride-512 full prefill).
#   usage: tools/bench/bench.sh EASYKV_BINARY MODEL     (THREADS=n to override the core count)
set -euo pipefail
bin=${1:?usage: bench.sh EASYKV_BINARY MODEL}
model=${2:?usage: bench.sh EASYKV_BINARY MODEL}
threads=${THREADS:-$(nproc)}
out=bench-results
mkdir -p "$out"
EASYKV_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
export EASYKV_COMMIT

compare=()
if [ -f "$out/llama.json" ]; then
    compare=(--compare "$out/llama.json")
    echo "comparing with $out/llama.json (measured $(date -r "$out/llama.json" '+%F %T'))"
fi
"$bin" bench --quick --threads "$threads" --model "$model" "${compare[@]}" --json-output "$out/bench-quick.json"

if [ -f pipelines/summarize.yaml ]; then
    echo
    "$bin" run pipelines/summarize.yaml --model "$model" --quiet --overwrite \
        --output "$out/summaries.jsonl" --report "$out/pipeline.json"
    python3 - "$out/pipeline.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"summarize pipeline on input/: {r['ok']}/{r['inputs']} documents ok, "
      f"{r['documents_per_minute']:.1f} documents/min, {r['seconds']:.0f} s, "
      f"peak memory {r['peak_memory_bytes'] / 2**20:.0f} MiB")
PY
fi
