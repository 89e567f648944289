#!/usr/bin/env bash
# One shard of a batch render, as a task of a Slurm job array (submitted by batch.sh). Retries as
# chunk-task.sh does, and why; rows already rendered are skipped on a retry. A shard whose rows
# fail (a bad row) fails its task, with the summary in its log.
set -uo pipefail
: "${BAZAAR_BIN:=bazaar-export}" "${BAZAAR_RETRIES:=3}"
attempt=1
while :; do
  echo "shard ${SLURM_ARRAY_TASK_ID}/${BAZAAR_SHARDS}: attempt ${attempt} on $(hostname)"
  # shellcheck disable=SC2086
  "$BAZAAR_BIN" batch "$BAZAAR_PROJECT" --rows "$BAZAAR_ROWS" --out-dir "$BAZAAR_OUT_DIR" --shard "auto/${BAZAAR_SHARDS}" ${BAZAAR_BATCH_ARGS:-} && exit 0
  status=$?
  if [ "$attempt" -ge "$BAZAAR_RETRIES" ]; then
    exit "$status"
  fi
  attempt=$((attempt + 1))
done
