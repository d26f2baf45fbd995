#!/usr/bin/env bash
# Fetch the Kafka broker jars from Maven Central into .cache/kafka/<version>/libs.
# Idempotent: does nothing if the libs dir is complete for the current pom.xml.
# Progress goes to stderr; on success prints the libs dir on stdout.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

log() { echo "[kafka:fetch] $*" >&2; }

# Single source of truth for the version: <kafka.version> in pom.xml.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[ -n "$KAFKA_VERSION" ] || { log "cannot read <kafka.version> from $POM"; exit 1; }

CACHE="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}"
LIBS="$CACHE/$KAFKA_VERSION/libs"
MARKER="$LIBS/.complete"
if command -v sha256sum >/dev/null 2>&1; then POM_SUM="$(sha256sum "$POM" | cut -d' ' -f1)"
else POM_SUM="$(shasum -a 256 "$POM" | cut -d' ' -f1)"; fi

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$POM_SUM" ] && [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]; then
  log "kafka $KAFKA_VERSION jars already cached in $LIBS"
  echo "$LIBS"
  exit 0
fi

command -v mvn >/dev/null 2>&1 || { log "mvn not found (need Maven 3 + Java 17 to fetch the broker)"; exit 1; }

mkdir -p "$CACHE/$KAFKA_VERSION"
TMP="$(mktemp -d "$CACHE/$KAFKA_VERSION/libs.tmp.XXXXXX")"
trap 'rm -rf "$TMP" "$TMP.mvn.log"' EXIT

log "fetching kafka $KAFKA_VERSION jars from Maven Central (mvn dependency:copy-dependencies) ..."
start=$(date +%s)
# -q still emits a few stray ANSI resets on Maven 3.8, so keep mvn output in a
# log and only show it on failure.
if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$TMP" </dev/null >"$TMP.mvn.log" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g' "$TMP.mvn.log" >&2
  log "mvn failed to fetch the kafka jars"
  exit 1
fi
n=$(find "$TMP" -maxdepth 1 -name '*.jar' | wc -l)
[ -f "$TMP/kafka_2.13-$KAFKA_VERSION.jar" ] || { log "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; exit 1; }
echo "$POM_SUM" > "$TMP/.complete"

# Swap in (a concurrent fetch may have won the race; then keep its jars).
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$POM_SUM" ]; then
  log "another fetch finished first; keeping its jars"
else
  rm -rf "$LIBS"
  mv "$TMP" "$LIBS"
fi
log "fetched $n jars ($(du -sh "$LIBS" | cut -f1)) into $LIBS in $(( $(date +%s) - start ))s"
echo "$LIBS"
