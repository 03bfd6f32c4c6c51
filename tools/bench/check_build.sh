#!/usr/bin/env bash
# Checks that the benchmarked binary is what a plain `swift build -c release` makes (issue 14):
# no `-target-cpu`/`-march=native` among the compiler arguments SwiftPM recorded for its build
# (the llbuild manifest `<build path>/<configuration>.yaml`). The speed-critical kernels are C
# compiled per instruction set and chosen at run time; `easykv bench` prints the set it ran.
#   usage: tools/bench/check_build.sh EASYKV_BINARY     (BENCH_ALLOW_TUNED=1 to bench a tuned build)
set -euo pipefail
bin=${1:?usage: check_build.sh EASYKV_BINARY}
[ -x "$bin" ] || { echo "check_build: $bin: no such executable (make build)" >&2; exit 1; }
real=$(readlink -f "$bin")
dir=$(dirname "$real")
configuration=$(basename "$dir")
manifest="$(dirname "$(dirname "$dir")")/$configuration.yaml"
if [ "$configuration" != release ] || [ ! -f "$manifest" ]; then
    echo "check_build: $bin is not from a SwiftPM release build (no $manifest)" >&2
    exit 1
fi
tuned=$(grep -o -E -- '"-target-cpu","[^"]*"|"-march=native"|"-mcpu=[^"]*"|"-mtune=native"' "$manifest" | sort -u | tr '\n' ' ' || true)
if [ -n "$tuned" ]; then
    echo "check_build: $bin was built with $tuned(see $manifest); the benchmarks measure a plain" \
        "\`swift build -c release\` (rebuild, or BENCH_ALLOW_TUNED=1)" >&2
    [ -n "${BENCH_ALLOW_TUNED:-}" ] || exit 1
else
    extra=$(grep -o -E -- '"-enable-testing"' "$manifest" | sort -u | tr -d '"' || true)
    echo "binary: $bin, a plain swift build -c release${extra:+ (plus $extra)}: no -target-cpu or -march=native in $manifest"
fi
