#!/usr/bin/env bash
# `npm run stack`: the whole pipeline on one machine, through a real Kafka broker:
#   simulator ──► Kafka (KRaft, 127.0.0.1) ──► ingest ──► chDB ──► dashboard
# With the embedded engine, ingest runs inside the app process (a chDB data
# directory has one owner). With CLICKHOUSE_URL set, ingest runs as
# STACK_CONSUMERS separate processes in one consumer group.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KAFKAJS_NO_PARTITIONER_WARNING=1
RATE="${SIM_RATE:-500}"
CONSUMERS="${STACK_CONSUMERS:-2}"
pids=()
cleanup() {
  echo "[stack] stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/kafka/stop.sh stack || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out="$(KAFKA_NUM_PARTITIONS="${KAFKA_NUM_PARTITIONS:-4}" bash scripts/kafka/start.sh stack)"
export KAFKA_BROKERS="$(printf '%s\n' "$out" | sed -n 's/^KAFKA_BROKERS=//p' | tail -n1)"
echo "[stack] broker at $KAFKA_BROKERS"

# The simulated gateway authenticates to the app with a gateway token to fetch
# the policy key set, then follows the signed policy topic through Kafka.
GATEWAY_TOKEN="$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))")"
export POLICY_GATEWAY_TOKENS="stack-simulator=$GATEWAY_TOKEN${POLICY_GATEWAY_TOKENS:+,$POLICY_GATEWAY_TOKENS}"
export POLICY_KAFKA=1
if [ -n "${CLICKHOUSE_URL:-}" ]; then
  for i in $(seq 1 "$CONSUMERS"); do
    INGEST_SOURCE=kafka npx tsx ingest/main.ts &
    pids+=($!)
  done
  export INGEST_SOURCE=none
else
  export INGEST_SOURCE=kafka
fi
node scripts/start.mjs &
app=$!
pids+=($app)
BURNRATE_GATEWAY_TOKEN="$GATEWAY_TOKEN" npx tsx ingest/simulate-cli.ts --rate "$RATE" --brokers "$KAFKA_BROKERS" \
  --policy-url "http://127.0.0.1:${PORT:-3000}" &
pids+=($!)
wait "$app"
