#!/usr/bin/env bash
# Stop the Kafka broker of a run name started by scripts/kafka/start.sh.
#   usage: scripts/kafka/stop.sh [name]     (name defaults to "default")
# SIGTERM, wait up to KAFKA_STOP_TIMEOUT (20) seconds, then SIGKILL. Idempotent.
# Leaves the run dir (data, logs) in place so KAFKA_KEEP_DATA=1 start.sh can reuse it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
NAME="${1:-default}"
RUN="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}/run/$NAME"
PIDFILE="$RUN/pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

log() { echo "[kafka:stop:$NAME] $*" >&2; }
is_running() { # alive and not a zombie
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat")" != "Z" ] || return 1
  fi
}

if [ ! -f "$PIDFILE" ]; then
  log "not running (no pid file)"
  exit 0
fi
PID="$(cat "$PIDFILE")"
if ! [[ "$PID" =~ ^[0-9]+$ ]] || ! is_running "$PID"; then
  log "not running (stale pid file)"
  rm -f "$PIDFILE"
  exit 0
fi
# Guard against pid reuse: only signal the java process running this run's config.
if [ -r "/proc/$PID/cmdline" ] && ! tr '\0' ' ' <"/proc/$PID/cmdline" | grep -qF "$RUN/server.properties"; then
  log "pid $PID is not this broker (pid reused?); removing stale pid file"
  rm -f "$PIDFILE"
  exit 0
fi

now_ms() { local n; n="$(date +%s%N)"; case "$n" in *N) echo $(( ${n%N} * 1000 ));; *) echo $(( n / 1000000 ));; esac; }
log "stopping broker pid $PID (SIGTERM, up to ${TIMEOUT}s)"
t0=$(now_ms)
kill -TERM "$PID" 2>/dev/null || true
deadline=$(( $(date +%s) + TIMEOUT ))
while is_running "$PID" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
if is_running "$PID"; then
  log "still running after ${TIMEOUT}s; sending SIGKILL"
  kill -KILL "$PID" 2>/dev/null || true
  for _ in $(seq 1 50); do is_running "$PID" || break; sleep 0.1; done
fi
rm -f "$PIDFILE"
log "stopped in $(( $(now_ms) - t0 ))ms"
