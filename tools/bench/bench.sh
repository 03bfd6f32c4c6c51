#!/usr/bin/env bash
# `make bench`: a few minutes of speed and memory figures, each beside our own naive reference
# measured in the same run (fp32 sgemm on dequantized tiles; stride 512 for other strides and
# budgets), so the ratios hold whatever the load; `make bench-baseline` puts llama.cpp there.
#  1. the default model: `easykv bench --quick` (prefill and decode tokens/s, single-thread
#     kernel speeds, peak RSS of a budgeted 7,000-token prefill), then documents/min and peak
#     memory of the summarize pipeline on input/;
#  2. each shaped model (SHAPES; random weights with a 1.7B and a 7B model's shape, made on
#     demand into models/, skipped with a message when memory or disk is short):
#     `easykv bench --large-model` (prefill p512, decode tg64, peak RSS of a fresh process).
#   usage: tools/bench/bench.sh EASYKV_BINARY MODEL
#   THREADS=n (default: the cores), SHAPES="..." (default: smollm2-1.7b mistral-7b; "" for none),
#   REPEAT=r / LARGE_REPEAT=r to keep the best of r (default 1).
set -euo pipefail
bin=${1:?usage: bench.sh EASYKV_BINARY MODEL}
model=${2:?usage: bench.sh EASYKV_BINARY MODEL}
threads=${THREADS:-$(nproc)}
shapes=${SHAPES-smollm2-1.7b mistral-7b}
here=$(dirname "$0")
out=bench-results
mkdir -p "$out"
EASYKV_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
export EASYKV_COMMIT

"$here/check_build.sh" "$bin"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" bench --quick --threads "$threads" --model "$model" --repeat "${REPEAT:-1}" \
    --json-output "$out/bench-quick.json"

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

reports=("$out/bench-quick.json")
for shape in $shapes; do
    echo
    status=0
    path=$("$here/shaped_model.sh" "$shape" "$model") || status=$?
    [ "$status" = 3 ] && continue
    [ "$status" = 0 ] || exit "$status"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    "$bin" bench --large-model --threads "$threads" --model "$path" --repeat "${LARGE_REPEAT:-1}" \
        --json-output "$out/bench-$shape.json"
    reports+=("$out/bench-$shape.json")
done
echo
python3 "$here/summary.py" "${reports[@]}"
