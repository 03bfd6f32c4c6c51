#!/bin/bash
# One pipeline over many machines as a Slurm job array: task i runs shard i of N and writes its
# own file; a dependent job merges them. Submit from the repository root:
#
#   mkdir -p logs && jobid=$(sbatch --parsable pipelines/deploy/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid pipelines/deploy/slurm-merge.sh
#
# A task that is preempted, requeued or killed resumes where its output file stops (--resume is
# safe on the first run too). Shard assignment is a stable hash of each input's id, so every
# task computes the same split without talking to the others.
#SBATCH --job-name=easykv-summaries
#SBATCH --array=0-7                 # N = 8 shards, ids 0..7 (keep SHARDS below in step)
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=12:00:00
#SBATCH --requeue
#SBATCH --signal=TERM@300           # 5 minutes before the time limit: finish the batch, write, exit 143
#SBATCH --output=logs/%x-%A_%a.log
set -euo pipefail

SHARDS=${SLURM_ARRAY_TASK_COUNT:-8}
DOCS=${DOCS:-/shared/docs}           # a folder, URL list (*.urls) or JSON Lines (*.jsonl) every node can read
OUT=${OUT:-/shared/easykv-out}       # a shared folder for the shard files
export EASYKV_MODEL=${EASYKV_MODEL:-$PWD/models/SmolLM2-135M-Instruct.Q4_1.gguf}
mkdir -p "$OUT"

# exec: easykv receives Slurm's signal itself (not a shell in between).
exec .build/release/easykv run pipelines/summarize.yaml \
  --input "$DOCS" \
  --output "$OUT/summaries.{shard}-of-{shards}.jsonl" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" \
  --resume
