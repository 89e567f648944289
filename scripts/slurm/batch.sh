#!/usr/bin/env bash
# Submits a batch render to Slurm as a job array over shards: task K renders every N-th row from
# row K (`batch --shard auto/N`), with the same retry as a chunk (see retry.sh); a batch run
# again renders only the videos that are missing.
#
#   scripts/slurm/batch.sh <project.json> <rows.csv|rows.jsonl> <output folder> <N> [batch options…]
#
# The project, the rows file and the output folder must be on storage every node sees.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
project="$(realpath "$1")" rows="$(realpath "$2")" out="$(realpath -m "$3")" n="$4"
shift 4
mkdir -p "$out"
export BAZAAR_SLURM_DIR="$here" BAZAAR_PROJECT="$project" BAZAAR_ROWS="$rows" BAZAAR_OUT_DIR="$out" BAZAAR_SHARDS="$n" BAZAAR_BATCH_ARGS="$*"
# shellcheck disable=SC2086
job=$(sbatch --parsable --export=ALL --requeue --array="0-$((n - 1))" --cpus-per-task=1 \
  --job-name=bazaar-batch --output="$out/shard-%a.log" ${BAZAAR_SBATCH:-} "$here/batch-task.sh")
echo "batch: ${job%%;*}"
