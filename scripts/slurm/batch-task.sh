#!/usr/bin/env bash
# One shard of a batch render, as a task of a Slurm job array (submitted by batch.sh), retried
# by retry.sh; rows already rendered are skipped on a retry. A shard whose rows fail (a bad row)
# fails its task, with the summary in its log.
set -uo pipefail
# shellcheck disable=SC2086 # BAZAAR_BATCH_ARGS holds several options on purpose
exec "$BAZAAR_SLURM_DIR/retry.sh" "shard ${SLURM_ARRAY_TASK_ID}/${BAZAAR_SHARDS}" \
  "${BAZAAR_BIN:-bazaar-export}" batch "$BAZAAR_PROJECT" --rows "$BAZAAR_ROWS" --out-dir "$BAZAAR_OUT_DIR" --shard "auto/${BAZAAR_SHARDS}" ${BAZAAR_BATCH_ARGS:-}
