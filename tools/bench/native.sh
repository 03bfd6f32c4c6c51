#!/usr/bin/env bash
# Issue 14's acceptance row "a plain `swift build -c release` binary is within 10 % of a native
# build on every figure": builds a CPU-tuned copy (-target-cpu native, -march=native for the C
# kernels) into .build-native, then runs `easykv bench --large-model` (prefill p512, decode tg64,
# peak RSS of a fresh process) with each binary in turn, REPEAT times alternating, and prints
# plain / native per figure from the best of each. Not part of `make bench` (a second full build).
#   usage: tools/bench/native.sh PLAIN_BINARY MODEL     THREADS=n, REPEAT=r (default 3)
set -euo pipefail
plain=${1:?usage: native.sh PLAIN_BINARY MODEL}
model=${2:?usage: native.sh PLAIN_BINARY MODEL}
threads=${THREADS:-$(nproc)}
repeat=${REPEAT:-3}
here=$(dirname "$0")
out=bench-results/native
mkdir -p "$out"

"$here/check_build.sh" "$plain"
swift build -c release -Xswiftc -enable-testing --scratch-path .build-native --product easykv \
    -Xswiftc -target-cpu -Xswiftc native -Xcc -march=native >&2
native=.build-native/release/easykv

for r in $(seq "$repeat"); do
    for kind in plain native; do
        bin=$plain
        [ "$kind" = native ] && bin=$native
        echo "run $r, $kind: load average $(cut -d' ' -f1-3 /proc/loadavg)"
        "$bin" bench --large-model --no-kernels --threads "$threads" --model "$model" --json \
            >"$out/$kind-$r.json"
    done
done

python3 - "$out" "$repeat" <<'PY'
import json, sys
out, repeat = sys.argv[1], int(sys.argv[2])
def best(kind):
    figures, peak = {}, None
    for r in range(1, repeat + 1):
        report = json.load(open(f"{out}/{kind}-{r}.json"))
        for f in report["figures"]:
            figures[f["id"]] = max(figures.get(f["id"], 0), f["tokens_per_second"])
        rss = report["memory"]["peak_bytes"]
        peak = rss if peak is None else min(peak, rss)
    return figures, peak
(plain, plain_peak), (native, native_peak) = best("plain"), best("native")
print(f"{'figure':28} {'plain':>10} {'native':>10}  plain/native (best of {repeat}; within 10 %?)")
for key in plain:
    ratio = plain[key] / native[key]
    print(f"{key:28} {plain[key]:10.1f} {native[key]:10.1f}  {ratio:.3f} {'yes' if ratio >= 0.9 else 'NO'}")
ratio = plain_peak / native_peak
print(f"{'peak RSS (MiB)':28} {plain_peak / 2**20:10.1f} {native_peak / 2**20:10.1f}  {ratio:.3f} "
      f"{'yes' if ratio <= 1.1 else 'NO'}")
PY
