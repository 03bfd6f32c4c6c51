#!/usr/bin/env bash
# `make bench-baseline`: llama.cpp and then easykv on the same files, threads and prompts, back
# to back for each model so both see the same machine load. Not in CI.
#  1. the default model: llama_baseline.py (QUICK=1: the quick set), then `easykv bench --compare`;
#  2. each shaped model (SHAPES; see bench.sh): llama_baseline.py --large (prefill p512, decode
#     tg64 after it, peak RSS of a fresh process doing both), then `easykv bench --large-model
#     --compare`.
# llama.cpp comes from the PyPI package llama-cpp-python, built from source for this CPU in
# tools/bench/.venv (git-ignored; the first build takes a long while).
#   usage: tools/bench/baseline.sh EASYKV_BINARY MODEL
#   THREADS=n (default: the cores), QUICK=1, SHAPES="...", REPEAT=r / LARGE_REPEAT=r (best of r).
set -euo pipefail
bin=${1:?usage: baseline.sh EASYKV_BINARY MODEL}
model=${2:?usage: baseline.sh EASYKV_BINARY MODEL}
threads=${THREADS:-$(nproc)}
shapes=${SHAPES-smollm2-1.7b mistral-7b}
here=$(dirname "$0")
out=bench-results
mkdir -p "$out"
source "$here/venv.sh"
bench_venv_llama
EASYKV_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
export EASYKV_COMMIT

"$here/check_build.sh" "$bin"
quick=()
[ -n "${QUICK:-}" ] && quick=(--quick)
repeat=${REPEAT:-1}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH_VENV/bin/python" "$here/llama_baseline.py" --model "$model" --threads "$threads" "${quick[@]}" \
    --repeat "$repeat" --output "$out/llama.json"
"$bin" bench --threads "$threads" --model "$model" "${quick[@]}" --repeat "$repeat" --compare "$out/llama.json" \
    --json-output "$out/bench.json" | tee "$out/bench.txt"

reports=("$out/bench.json")
for shape in $shapes; do
    echo
    status=0
    path=$("$here/shaped_model.sh" "$shape" "$model") || status=$?
    [ "$status" = 3 ] && continue
    [ "$status" = 0 ] || exit "$status"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    "$BENCH_VENV/bin/python" "$here/llama_baseline.py" --large --model "$path" --threads "$threads" \
        --repeat "${LARGE_REPEAT:-1}" --output "$out/llama-$shape.json"
    "$bin" bench --large-model --threads "$threads" --model "$path" --repeat "${LARGE_REPEAT:-1}" \
        --compare "$out/llama-$shape.json" --json-output "$out/bench-$shape.json" | tee "$out/bench-$shape.txt"
    reports+=("$out/bench-$shape.json")
done
echo
python3 "$here/summary.py" "${reports[@]}" | tee "$out/summary.md"
