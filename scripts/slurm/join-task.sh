#!/usr/bin/env bash
# The join of a chunked render (submitted by render-chunked.sh with --dependency=afterok on the
# chunks' array): checks every chunk and joins them into $BAZAAR_OUTPUT without re-encoding.
set -euo pipefail
: "${BAZAAR_BIN:=bazaar-export}"
exec "$BAZAAR_BIN" join "$BAZAAR_CHUNK_DIR" -o "$BAZAAR_OUTPUT"
