#!/bin/bash
# Joins the shard files of slurm-array.sh into one file in input order (one line per id; an ok
# line wins over an error line). Run after the array: sbatch --dependency=afterok:<jobid> ...
#SBATCH --job-name=easykv-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=logs/%x-%j.log
set -euo pipefail
OUT=${OUT:-/shared/easykv-out}
exec .build/release/easykv merge "$OUT"/summaries.*-of-*.jsonl --output "$OUT/summaries.jsonl"
