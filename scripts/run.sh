#!/usr/bin/env bash
# Builds what is missing and starts the all-in-one shop in the foreground (Ctrl-C stops it).
# Every service runs in this one JVM on a local event bus; PostgreSQL is embedded, its data
# kept under data/. The store front's URL is printed once the shop is ready.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=app/target/microshop-fat.jar
newest_source=$(find pom.xml cluster.xml conf webroot app/pom.xml app/src verticles -newer "$JAR" -type f \
  -not -path '*/target/*' -print -quit 2>/dev/null || true)
if [[ ! -f "$JAR" || -n "$newest_source" ]]; then
  echo "building Microshop (mvn package, tests skipped)..."
  mvn -B -q -DskipTests package
fi

# the web's port as the shop will read it (conf files, environment, then -conf, which wins); a -conf
# of the wrong shape, or one that names no file, is refused here with one line
PORT=$(java -cp "$JAR" dev.microshop.app.WebPort "$@") || exit 2
URL="http://localhost:${PORT}/"
MOVE_IT=MICROSHOP_WEB_HTTP_PORT
[[ " $* " =~ [[:space:]]-?-conf[=[:space:]] ]] && MOVE_IT="web.http.port in the -conf file"
source scripts/lib/ports.sh
require_free_port "$PORT" "$MOVE_IT"

source scripts/lib/jvm.sh # SHOP_JAVA_OPTS, MALLOC_ARENA_MAX: the all-in-one's JVM, unless JAVA_OPTS is set
java ${JAVA_OPTS:-$SHOP_JAVA_OPTS} -jar "$JAR" "$@" &
pid=$!
# the JVM ignores the terminal's SIGINT (a script's background job): Ctrl-C reaches it as SIGTERM,
# and the script ends with it (not on to "failed to start")
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 130' INT TERM

# wait on the health check, not on a fixed sleep
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "Microshop failed to start" >&2
    wait "$pid"
    exit 1
  fi
  # ready when this script's own JVM answers, not whatever else took the port meanwhile
  if curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health" 2>/dev/null && port_held_by "$PORT" "$pid"; then
    echo
    echo "Microshop is ready: ${URL}"
    echo
    break
  fi
  sleep 0.2
done
wait "$pid"
