#!/usr/bin/env bash
# One chunk of a chunked render, as a task of a Slurm job array (submitted by render-chunked.sh):
# chunk $SLURM_ARRAY_TASK_ID of $BAZAAR_CHUNKS, into $BAZAAR_CHUNK_DIR, retried by retry.sh (which
# says why). Re-rendering a chunk is safe: chunks are written to a temp file and renamed into place.
set -uo pipefail
# shellcheck disable=SC2086 # BAZAAR_RENDER_ARGS holds several options on purpose
exec "$BAZAAR_SLURM_DIR/retry.sh" "chunk ${SLURM_ARRAY_TASK_ID}/${BAZAAR_CHUNKS}" \
  "${BAZAAR_BIN:-bazaar-export}" render "$BAZAAR_PROJECT" --chunk "auto/${BAZAAR_CHUNKS}" --chunk-dir "$BAZAAR_CHUNK_DIR" ${BAZAAR_RENDER_ARGS:-}
