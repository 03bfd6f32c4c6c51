#!/bin/bash
# One pipeline over many machines as a Slurm job array: task i runs shard i of N and writes its
# own file; a dependent job merges them. Submit from the repository root:
#
#   mkdir -p logs && jobid=$(sbatch --parsable pipelines/deploy/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid pipelines/deploy/slurm-merge.sh
#
# A task that is preempted, requeued, killed or stopped at its time limit resumes where its output
# file stops (--resume is safe on the first run too). Shard assignment is a stable hash of each input's id, so every
# task computes the same split without talking to the others.
#SBATCH --job-name=easykv-summaries
#SBATCH --array=0-7                 # N = 8 shards, ids 0..7 (keep SHARDS below in step)
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=12:00:00
#SBATCH --requeue
#SBATCH --signal=TERM@300           # 5 minutes before the limit, to the job steps (the srun below)
#SBATCH --output=logs/%x-%A_%a.log
set -euo pipefail

SHARDS=${SLURM_ARRAY_TASK_COUNT:-8}
DOCS=${DOCS:-/shared/docs}           # a folder, URL list (*.urls) or JSON Lines (*.jsonl) every node can read
OUT=${OUT:-/shared/easykv-out}       # a shared folder for the shard files
export EASYKV_MODEL=${EASYKV_MODEL:-$PWD/models/SmolLM2-135M-Instruct.Q4_1.gguf}
mkdir -p "$OUT"

# easykv runs as a job step (srun): `--signal` without `B:` signals the job steps and not this
# shell (sbatch(1)). On that SIGTERM easykv finishes the sequences in its batch, writes their
# lines and exits 143; the task then requeues itself and the next run continues with --resume
# (`--requeue` above only covers node failures and preemption). --threads: the cores Slurm gave.
status=0
srun --ntasks=1 --cpus-per-task="${SLURM_CPUS_PER_TASK:-8}" .build/release/easykv run pipelines/summarize.yaml \
  --input "$DOCS" \
  --output "$OUT/summaries.{shard}-of-{shards}.jsonl" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" \
  --threads "${SLURM_CPUS_PER_TASK:-8}" \
  --resume || status=$?
if [ "$status" -eq 143 ]; then
  echo "easykv stopped before the time limit; requeueing ${SLURM_JOB_ID} to continue with --resume" >&2
  scontrol requeue "$SLURM_JOB_ID"
fi
exit "$status"
