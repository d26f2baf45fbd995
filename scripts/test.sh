#!/usr/bin/env bash
# Project test command (npm test): start a throwaway Kafka broker named "test",
# run vitest against it, stop the broker on exit (also on failure / Ctrl-C).
#   usage: bash scripts/test.sh [vitest args...]
#   No args: also the integration suite a second time in server mode, over HTTP
#   to chDB's stand-in for a ClickHouse server (SKIP_SERVER_MODE=1 skips it; not
#   run when CLICKHOUSE_URL is set, since the first pass already was), then the
#   Playwright e2e suite (SKIP_E2E=1 skips it).
# If KAFKA_BROKERS is already set, that (external) broker is used and none is started.
# CLICKHOUSE_URL, if set, is passed through to the tests untouched.
# KAFKA_TEST_BROKER_NAME overrides the run name "test" (e.g. for two concurrent runs).
# The e2e app store goes to a fresh path removed on exit; an E2E_DATA_DIR set by the caller is kept.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "[test] $*" >&2; }

export KAFKAJS_NO_PARTITIONER_WARNING="${KAFKAJS_NO_PARTITIONER_WARNING:-1}"

NAME="${KAFKA_TEST_BROKER_NAME:-test}"
STARTED_BROKER=0
STORE_PID=""
STORE_DIR=""
# The e2e run's app store (about 700 MB): picked here and removed on exit, unless the caller chose it.
E2E_OWN_DIR=""
# Every temporary directory the run makes (test stores, key rings, the e2e app's store) goes under one directory of
# its own, removed on exit: tests make them with mkdtemp(tmpdir()) and a run used to leave ~45 (about 350 MB) behind.
RUN_TMP="$(mktemp -d -t burnrate-test-XXXXXX)"
export TMPDIR="$RUN_TMP"
# Vitest JSON reports, summarised at the end (scripts/test-summary.mjs): CI shows only the log's tail.
REPORT_DIR="$(mktemp -d -t burnrate-test-reports-XXXXXX)"
REPORTS=()
summarize() {
  [ "${#REPORTS[@]}" -eq 0 ] || node scripts/test-summary.mjs "${REPORTS[@]}"
  rm -rf "$REPORT_DIR"
}
cleanup() {
  summarize
  if [ -n "$STORE_PID" ]; then
    kill "$STORE_PID" 2>/dev/null
    wait "$STORE_PID" 2>/dev/null
  fi
  [ -z "$STORE_DIR" ] || rm -rf "$STORE_DIR" "$STORE_DIR.log"
  [ -z "$E2E_OWN_DIR" ] || rm -rf "$E2E_OWN_DIR"
  if [ "$STARTED_BROKER" = "1" ]; then
    log "stopping kafka broker '$NAME'"
    bash scripts/kafka/stop.sh "$NAME" || log "WARNING: failed to stop kafka broker '$NAME'"
  fi
  rm -rf "$RUN_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${KAFKA_BROKERS:-}" ]; then
  log "using external kafka broker KAFKA_BROKERS=$KAFKA_BROKERS"
else
  log "starting kafka broker '$NAME' (scripts/kafka/start.sh $NAME)"
  STARTED_BROKER=1
  if ! out="$(KAFKA_KEEP_DATA=0 bash scripts/kafka/start.sh "$NAME")"; then
    log "ERROR: could not start the kafka broker (see .cache/kafka/run/$NAME/logs/)"
    exit 1
  fi
  KAFKA_BROKERS="$(printf '%s\n' "$out" | sed -n 's/^KAFKA_BROKERS=//p' | tail -n1)"
  [ -n "$KAFKA_BROKERS" ] || { log "ERROR: start.sh did not print KAFKA_BROKERS"; exit 1; }
  export KAFKA_BROKERS
  log "kafka broker ready: KAFKA_BROKERS=$KAFKA_BROKERS"
fi

if [ -n "${CLICKHOUSE_URL:-}" ]; then
  export CLICKHOUSE_URL
  log "CLICKHOUSE_URL is set; passing it through"
fi

log "running: npx vitest run $*"
REPORTS+=("vitest=$REPORT_DIR/vitest.json")
npx vitest run --reporter=default --reporter=json --outputFile.json="$REPORT_DIR/vitest.json" "$@"
rc=$?
log "vitest exited with code $rc"

# Server mode: the same integration tests through @clickhouse/client's HTTP
# path (JSONEachRow inserts, settings and parameters in the URL, errors from a
# server), against chDB behind tests/helpers/chdb-http-server.ts.
if [ "$#" -eq 0 ] && [ -z "${CLICKHOUSE_URL:-}" ] && [ "${SKIP_SERVER_MODE:-0}" != "1" ]; then
  STORE_DIR="$(mktemp -d -t burnrate-http-store-XXXXXX)"
  node --import tsx tests/helpers/chdb-http-cli.ts --data "$STORE_DIR" --port 0 > "$STORE_DIR.log" 2>&1 &
  STORE_PID=$!
  url=""
  for _ in $(seq 1 120); do
    url="$(sed -n 's|.*\(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$STORE_DIR.log" | head -n1)"
    [ -n "$url" ] && break
    sleep 0.5
  done
  if [ -z "$url" ]; then
    log "ERROR: chDB's HTTP stand-in did not start: $(tail -n 20 "$STORE_DIR.log")"
    server_rc=1
  else
    log "running the integration suite in server mode: CLICKHOUSE_URL=$url npx vitest run tests/integration"
    REPORTS+=("server-mode=$REPORT_DIR/server-mode.json")
    CLICKHOUSE_URL="$url" npx vitest run --reporter=default --reporter=json --outputFile.json="$REPORT_DIR/server-mode.json" tests/integration
    server_rc=$?
  fi
  kill "$STORE_PID" 2>/dev/null
  wait "$STORE_PID" 2>/dev/null
  STORE_PID=""
  rm -rf "$STORE_DIR" "$STORE_DIR.log"
  STORE_DIR=""
  log "server-mode vitest exited with code $server_rc"
  [ "$rc" -ne 0 ] || rc=$server_rc
fi

# End-to-end tests drive Debian's chromium against the built app in the
# embedded default (playwright.config.ts). Skipped when vitest was given a
# filter, so `npm test -- tests/unit` stays quick.
if [ "$#" -eq 0 ] && [ "${SKIP_E2E:-0}" != "1" ]; then
  if [ -z "${E2E_DATA_DIR:-}" ]; then
    # Not created here: the app makes its data dir itself (playwright.config.ts passes it as DATA_DIR).
    E2E_OWN_DIR="${TMPDIR:-/tmp}/burnrate-e2e-$$-$(date +%s)"
    export E2E_DATA_DIR="$E2E_OWN_DIR"
  fi
  log "running: npx playwright test (app store in $E2E_DATA_DIR)"
  npx playwright test
  e2e=$?
  log "playwright exited with code $e2e"
  [ "$rc" -ne 0 ] || rc=$e2e
fi
exit "$rc"
