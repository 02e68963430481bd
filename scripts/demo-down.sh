#!/usr/bin/env bash
# Stops what `npm run demo` started: its worker (by pid) and the local stack.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
pidfile="$repo/.run/demo/worker.pid"
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null && echo "[demo] stopped worker (pid $pid)" || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
fi
rm -rf "$repo/.run/demo"
bash "$repo/scripts/stack.sh" down
