#!/usr/bin/env bash
# `npm run stack`: the whole pipeline on one machine, through a real Kafka broker:
#   simulator ──► Kafka (KRaft, 127.0.0.1) ──► ingest ──► chDB ──► dashboard
# plus the enforcer (npm run enforcer, port ENFORCER_PORT) with quotas in redis-server.
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
ENFORCER_TOKEN="$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))")"
export POLICY_GATEWAY_TOKENS="stack-simulator=$GATEWAY_TOKEN,stack-enforcer=$ENFORCER_TOKEN${POLICY_GATEWAY_TOKENS:+,$POLICY_GATEWAY_TOKENS}"
export POLICY_KAFKA=1
if [ -n "${CLICKHOUSE_URL:-}" ]; then
  for i in $(seq 1 "$CONSUMERS"); do
    INGEST_SOURCE=kafka npx tsx cli/ingest.ts &
    pids+=($!)
  done
  export INGEST_SOURCE=none
else
  export INGEST_SOURCE=kafka
fi
node scripts/start.mjs &
app=$!
pids+=($app)
# The enforcer (docs/enforcer.md): quotas in a throwaway redis-server, policy from the app and the topic.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "[stack] installing redis-server from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "[stack] redis-server missing (apt-get install redis-server): the enforcer keeps quotas in memory"
  fi
fi
if command -v redis-server >/dev/null 2>&1; then
  redis-server --port "${STACK_REDIS_PORT:-6379}" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:${STACK_REDIS_PORT:-6379}"
fi
ENFORCER_GATEWAY_TOKEN="$ENFORCER_TOKEN" ENFORCER_POLICY_URL="http://127.0.0.1:${PORT:-3000}" npx tsx enforcer/main.ts &
pids+=($!)
BURNRATE_GATEWAY_TOKEN="$GATEWAY_TOKEN" npx tsx cli/simulate.ts --rate "$RATE" --brokers "$KAFKA_BROKERS" \
  --policy-url "http://127.0.0.1:${PORT:-3000}" &
pids+=($!)
wait "$app"
