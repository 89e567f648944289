#!/usr/bin/env bash
# Submits a chunked render to Slurm: N chunks as a job array (one chunk per task, `--requeue` for
# node failures, retries (retry.sh) for anything else), then the join as a job that
# starts only when every chunk has succeeded (`--dependency=afterok`).
#
#   scripts/slurm/render-chunked.sh <project.json> <chunk folder> <output file> <N> [render options…]
#
# The project folder, the chunk folder and the output's folder must be on storage every node
# sees at the same path (NFS, a parallel file system). Prints the two job ids.
# Environment: BAZAAR_BIN (default: bazaar-export on PATH), BAZAAR_RETRIES (default 3),
# SBATCH_* variables and extra sbatch options in BAZAAR_SBATCH (a partition, a time limit…).
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
project="$(realpath "$1")" dir="$(realpath -m "$2")" output="$(realpath -m "$3")" n="$4"
shift 4
mkdir -p "$dir"
export BAZAAR_SLURM_DIR="$here" BAZAAR_PROJECT="$project" BAZAAR_CHUNK_DIR="$dir" BAZAAR_OUTPUT="$output" BAZAAR_CHUNKS="$n"
export BAZAAR_RENDER_ARGS="$*"
# shellcheck disable=SC2086 # BAZAAR_SBATCH holds several options on purpose
chunks=$(sbatch --parsable --export=ALL --requeue --array="0-$((n - 1))" --cpus-per-task=1 \
  --job-name=bazaar-chunks --output="$dir/chunk-%a.log" ${BAZAAR_SBATCH:-} "$here/chunk-task.sh")
# shellcheck disable=SC2086
join=$(sbatch --parsable --export=ALL --dependency="afterok:${chunks%%;*}" --kill-on-invalid-dep=yes \
  --job-name=bazaar-join --output="$dir/join.log" ${BAZAAR_SBATCH:-} "$here/join-task.sh")
echo "chunks: ${chunks%%;*}"
echo "join: ${join%%;*}"
