#!/usr/bin/env bash
# Runs a command up to $BAZAAR_RETRIES times (default 3) until it succeeds, saying each attempt:
#   retry.sh <label> <command> [args…]
# Used by the array tasks (chunk-task.sh, batch-task.sh). Why the retry is here: Slurm's
# --requeue acts when a node fails or the job is preempted, not when a task's process dies
# (killed by the OOM killer, a crashed render view, an operator's kill); such a task would end
# FAILED and the join, which waits for `afterok`, would never run. Retrying on the allocation
# the task already has costs one chunk's render, not a trip through the queue, and a command
# that keeps failing still fails the task, with every attempt's message in its log.
set -uo pipefail
label="$1"
shift
attempt=1
while :; do
  echo "${label}: attempt ${attempt} on $(hostname)"
  "$@" && exit 0
  status=$?
  echo "${label}: attempt ${attempt} failed (exit ${status})"
  if [ "$attempt" -ge "${BAZAAR_RETRIES:-3}" ]; then
    exit "$status"
  fi
  attempt=$((attempt + 1))
done
