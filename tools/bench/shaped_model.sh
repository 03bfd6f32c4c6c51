#!/usr/bin/env bash
# The random-weight GGUF of a larger model's shape for the benchmarks (issue 14), made on demand
# into models/ by ../shared/tools/make_shaped_model.py (tokenizer copied from the default model;
# speed and memory do not depend on the weight values). Not committed: models/ is git-ignored.
# Prints the file's path; exits 3 without one when this machine lacks the memory or disk to make
# or run it (the reason goes to stderr).
#   usage: tools/bench/shaped_model.sh SHAPE SOURCE_GGUF
#   SHAPE: smollm2-1.7b | mistral-7b (Q4_0)
#   SHAPED_DIR (default models), SHAPER (default ../shared/tools/make_shaped_model.py)
set -euo pipefail
shape=${1:?usage: shaped_model.sh SHAPE SOURCE_GGUF}
source_model=${2:?usage: shaped_model.sh SHAPE SOURCE_GGUF}
dir=${SHAPED_DIR:-models}
shaper=${SHAPER:-../shared/tools/make_shaped_model.py}
out="$dir/$shape.Q4_0.gguf"
gib=$((1 << 30))

# Q4_0 file sizes of make_shaped_model.py's shapes (SmolLM2's vocabulary of 49,152).
case "$shape" in
    smollm2-1.7b) size=1021399328 ;;
    mistral-7b) size=4155212320 ;;
    *) echo "shaped_model.sh: unknown shape '$shape' (smollm2-1.7b or mistral-7b)" >&2; exit 2 ;;
esac
[ -e "$out" ] && size=$(stat -L -c %s "$out")

# Running it: the mapped file plus KV, activations and llama.cpp's buffers, with 2 GiB to spare
# for everything else on the machine.
available=$(($(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) * 1024))
needed=$((size + 2 * gib))
if [ "$available" -lt "$needed" ]; then
    echo "skipping $shape: $((available / gib)) GiB of memory available, $((needed / gib + 1)) GiB needed" \
        "(file $((size >> 20)) MiB + 2 GiB)" >&2
    exit 3
fi
if [ ! -e "$out" ]; then
    mkdir -p "$dir"
    free=$(($(df -Pk "$dir" | awk 'NR == 2 {print $4}') * 1024))
    if [ "$free" -lt $((size + gib)) ]; then
        echo "skipping $shape: $((free / gib)) GiB free on $dir, $((size / gib + 2)) GiB needed to write it" >&2
        exit 3
    fi
    [ -f "$shaper" ] || { echo "shaped_model.sh: $shaper not found (SHAPER=...)" >&2; exit 2; }
    source "$(dirname "$0")/venv.sh"
    bench_venv_gguf
    echo "writing $out ($((size >> 20)) MiB, random weights with $shape's shape)" >&2
    "$BENCH_VENV/bin/python" "$shaper" "$source_model" "$out.tmp" "$shape" Q4_0 >&2
    mv "$out.tmp" "$out"
fi
echo "$out"
