#!/usr/bin/env bash
# Documents per minute of `easykv run` on input/ at several batch sizes (issue 7's benchmark).
#
#   tools/bench_pipeline.sh                     # batch sizes 1 2 4 8, pipelines/summarize.yaml
#   BATCHES="1 4" PIPELINE=pipelines/map_reduce.yaml tools/bench_pipeline.sh --set generation.max_tokens=32
#
# Extra arguments go to every `easykv run`. Each run writes its JSON report to $OUT (default
# bench-results/pipeline) and the table below is made from those reports. Greedy decoding, so
# every batch size produces the same text; only the time changes.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/easykv}
PIPELINE=${PIPELINE:-pipelines/summarize.yaml}
INPUT=${INPUT:-input}
BATCHES=${BATCHES:-1 2 4 8}
OUT=${OUT:-bench-results/pipeline}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "no $BIN: run make build (or set BIN=...)" >&2; exit 1; }

for b in $BATCHES; do
  echo "batch size $b ..." >&2
  "$BIN" run "$PIPELINE" --input "$INPUT" --output "$OUT/batch$b.jsonl" --overwrite --batch-size "$b" \
    --report "$OUT/batch$b.report.json" --quiet "$@"
done

python3 - "$OUT" $BATCHES <<'PY'
import json, sys
out, batches = sys.argv[1], sys.argv[2:]
rows = [(b, json.load(open(f"{out}/batch{b}.report.json"))) for b in batches]
print(f"{'batch':>5} {'docs':>5} {'ok':>4} {'seconds':>8} {'docs/min':>9} {'prefill tok/s':>14} {'decode tok/s':>13} {'mean batch':>11} {'decode s':>9} {'peak MiB':>8}")
for b, r in rows:
    print(f"{b:>5} {r['ok'] + r['failed']:>5} {r['ok']:>4} {r['seconds']:>8.1f} {r['documents_per_minute']:>9.2f} "
          f"{r['prefill_tokens_per_second']:>14.0f} {r['decode_tokens_per_second']:>13.1f} {r['mean_decode_batch']:>11.2f} "
          f"{r['decode_seconds']:>9.1f} {r['peak_memory_bytes'] / 2**20:>8.0f}")
# Same greedy text at every batch size.
texts = {b: [json.loads(l).get("output") for l in open(f"{out}/batch{b}.jsonl")] for b, _ in rows}
first = texts[rows[0][0]]
same = all(t == first for t in texts.values())
print("outputs identical across batch sizes:", "yes" if same else "NO")
PY
