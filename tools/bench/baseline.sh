#!/usr/bin/env bash
# `make bench-baseline`: llama.cpp on the same model and threads, then `easykv bench --compare`
# right after it, so both sides see the same machine load. Not in CI.
# llama.cpp comes from the PyPI package llama-cpp-python, built from source for this CPU in
# tools/bench/.venv (git-ignored; the first build takes a long while).
#   usage: tools/bench/baseline.sh EASYKV_BINARY MODEL
#   THREADS=n (default: the cores), QUICK=1 for the quick set, REPEAT=r to keep the best of r.
set -euo pipefail
bin=${1:?usage: baseline.sh EASYKV_BINARY MODEL}
model=${2:?usage: baseline.sh EASYKV_BINARY MODEL}
threads=${THREADS:-$(nproc)}
venv=tools/bench/.venv
out=bench-results
mkdir -p "$out"

if ! "$venv/bin/python" -c 'import llama_cpp' 2>/dev/null; then
    echo "building llama-cpp-python 0.3.36 (llama.cpp for this CPU) in $venv; this takes a while"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" \
        CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "$venv/bin/pip" install --no-cache-dir "llama-cpp-python==0.3.36"
fi

quick=()
[ -n "${QUICK:-}" ] && quick=(--quick)
repeat=${REPEAT:-1}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$venv/bin/python" tools/bench/llama_baseline.py --model "$model" --threads "$threads" "${quick[@]}" \
    --repeat "$repeat" --output "$out/llama.json"
EASYKV_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
export EASYKV_COMMIT
"$bin" bench --threads "$threads" --model "$model" "${quick[@]}" --repeat "$repeat" --compare "$out/llama.json" \
    --json-output "$out/bench.json" | tee "$out/bench.txt"
