#!/usr/bin/env bash
# One chunk of a chunked render, as a task of a Slurm job array (submitted by render-chunked.sh):
# chunk $SLURM_ARRAY_TASK_ID of $BAZAAR_CHUNKS, into $BAZAAR_CHUNK_DIR.
#
# Retries: Slurm's --requeue acts when a node fails or the job is preempted, not when a task's
# process dies (killed by the OOM killer, a crashed render view, an operator's kill): such a task
# would end FAILED and the join, which waits for `afterok`, would never run. So the task retries
# the render itself, up to $BAZAAR_RETRIES times, on the allocation it already has: a transient
# failure costs one chunk's render, not a trip through the queue, and a chunk that keeps failing
# still fails the task (and holds the join back) with every attempt's message in its log.
# Re-rendering a chunk is safe: chunks are written to a temp file and renamed into place.
set -uo pipefail
: "${BAZAAR_BIN:=bazaar-export}" "${BAZAAR_RETRIES:=3}"
attempt=1
while :; do
  echo "chunk ${SLURM_ARRAY_TASK_ID}/${BAZAAR_CHUNKS}: attempt ${attempt} on $(hostname)"
  # shellcheck disable=SC2086 # BAZAAR_RENDER_ARGS holds several options on purpose
  "$BAZAAR_BIN" render "$BAZAAR_PROJECT" --chunk "auto/${BAZAAR_CHUNKS}" --chunk-dir "$BAZAAR_CHUNK_DIR" ${BAZAAR_RENDER_ARGS:-} && exit 0
  status=$?
  echo "chunk ${SLURM_ARRAY_TASK_ID}/${BAZAAR_CHUNKS}: attempt ${attempt} failed (exit ${status})"
  if [ "$attempt" -ge "$BAZAAR_RETRIES" ]; then
    exit "$status"
  fi
  attempt=$((attempt + 1))
done
