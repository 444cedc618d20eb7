#!/usr/bin/env bash
# The benchmark: the shop's figures beside bare baselines measured in the same run, as ratios.
#
#   scripts/bench.sh [--quick]     (--quick: 5 s per load instead of 20, no clustered run)
#
# Measures, on this machine and in this run: a bare Vert.x HTTP server (fixed JSON), the same doing
# one vertx-pg-client primary-key SELECT per request, single-row INSERT commits per second on the
# shop's own embedded PostgreSQL; then the all-in-one shop: GET /api/products/{sku} (req/s, p50,
# p99), orders (approved per second, POST→APPROVED p50/p99, write commits per order), its RSS idle and
# under load and its time from start to ready; without --quick also every clustered JVM's RSS.
# The load generator (bench/target/bench-fat.jar: Vert.x web client + HdrHistogram) runs on the
# same cores; its CPU share is reported. Writes bench/results/<date>.json and .html and
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
DUR=$([[ $QUICK -eq 1 ]] && echo 5 || echo 20)
WARM=$([[ $QUICK -eq 1 ]] && echo 5 || echo 15)   # every target gets the same uncounted warm-up (JIT)
CONNS=16
CUSTOMERS=16
W=bench/work
PORT=18080
rm -rf "$W" && mkdir -p "$W" bench/results docs

if [[ ! -f app/target/microshop-fat.jar || ! -f bench/target/bench-fat.jar ]]; then
  echo "building (mvn package, tests skipped)..."
  mvn -B -q -DskipTests package
fi
BENCH=(java -Xmx256m -jar bench/target/bench-fat.jar)
SHOP_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
wait_http() { # url timeout_s
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "not ready: $1" >&2; return 1; }
    sleep 0.1
  done
}
last_json() { tail -n 1; }

echo "== the all-in-one shop"
t0=$(date +%s%N)
MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR="$W/pg" MICROSHOP_WEB_HTTP_PORT=$PORT \
MICROSHOP_WEB_AUTH_DEV_SECRET_FILE="$W/jwt" MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT=1000000.00 \
MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS=3600000 MICROSHOP_WEB_AUTH_LOGIN_ATTEMPTS_PER_IP=100000 \
  java $SHOP_OPTS -jar app/target/microshop-fat.jar >"$W/shop.log" 2>&1 &
SHOP=$!
trap 'kill $SHOP 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true' EXIT
wait_http "http://127.0.0.1:$PORT/health" 180
echo "{\"startToReadyMs\": $((($(date +%s%N) - t0) / 1000000))}" >"$W/start.json"
sleep 2
echo "{\"idleKb\": $(rss_kb $SHOP)}" >"$W/rss-idle.json"
PG_PORT=$(sed -n 4p "$W/pg/postmaster.pid")
PG_PID=$(sed -n 1p "$W/pg/postmaster.pid")

# plenty of stock and credit: the order benchmark measures the saga, not rejections
ADMIN=$(curl -fsS -X POST "http://127.0.0.1:$PORT/api/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@microshop.local","password":"microshop-admin-dev"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
for sku in MUG-CLASSIC PEN-GEL-3 STICKERS-10 NOTEBOOK-A5 SOCKS-STRIPE TOTE-CANVAS CABLE-USBC-2M TEE-LOGO-M; do
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$PORT/api/admin/products/$sku/restock" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: bench-$sku" -d '{"quantity":100000}'
done

echo "== bounds: bare HTTP, bare HTTP + one PK SELECT, INSERT commits"
"${BENCH[@]}" bare-http 18090 >"$W/bare-http-server.log" 2>&1 & BARE=$!
wait_http "http://127.0.0.1:18090/" 30
"${BENCH[@]}" load-get "http://127.0.0.1:18090/" "$DUR" $CONNS "$WARM" | last_json >"$W/bare-http.json"
kill $BARE
"${BENCH[@]}" bare-pg 18091 "$PG_PORT" >"$W/bare-pg-server.log" 2>&1 & BAREPG=$!
wait_http "http://127.0.0.1:18091/" 30
"${BENCH[@]}" load-get "http://127.0.0.1:18091/" "$DUR" $CONNS "$WARM" | last_json >"$W/bare-pg.json"
kill $BAREPG
"${BENCH[@]}" insert-commits "$PG_PORT" "$DUR" 16 | last_json >"$W/insert.json"

echo "== the shop: product reads"
( peak=0; while kill -0 $SHOP 2>/dev/null; do r=$(rss_kb $SHOP); ((r > peak)) && peak=$r && echo "$peak" >"$W/rss-peak"; sleep 0.5; done ) &
"${BENCH[@]}" load-get "http://127.0.0.1:$PORT/api/products/MUG-CLASSIC" "$DUR" $CONNS "$WARM" | last_json >"$W/shop-get.json"

echo "== the shop: orders"
"${BENCH[@]}" storm "http://127.0.0.1:$PORT" "$WARM" $CUSTOMERS 0 >/dev/null # uncounted warm-up
sleep 1
# with the PostgreSQL port, load-orders counts the orders' commits: from the load's start until every saga is
# done and the event readers caught up (not its own reads of the orders afterwards)
"${BENCH[@]}" load-orders "http://127.0.0.1:$PORT" "$DUR" $CUSTOMERS "$PG_PORT" | last_json >"$W/shop-orders.json"
echo "{\"peakKb\": $(cat "$W/rss-peak" 2>/dev/null || echo 0), \"postgresKb\": $(ps -o rss= --ppid "$PG_PID" -p "$PG_PID" | awk '{s+=$1} END {print s}')}" >"$W/rss-load.json"
kill -TERM $SHOP; wait $SHOP 2>/dev/null || true

if [[ $QUICK -eq 0 ]]; then
  echo "== clustered: one JVM per service"
  export MICROSHOP_CLUSTER_DIR="$W/cluster" MICROSHOP_WEB_HTTP_PORT=18180 MICROSHOP_CLUSTER_NAME="bench-$$" \
    MICROSHOP_CLUSTER_PORT=27701 MICROSHOP_DB_PORT_BASE=27800 MICROSHOP_METRICS_PORT_BASE=27900 MICROSHOP_WEB_AUTH_DEV_SECRET_FILE="$W/jwt" \
    MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT=1000000.00 MICROSHOP_WEB_AUTH_LOGIN_ATTEMPTS_PER_IP=100000
  bash scripts/cluster.sh start >"$W/cluster-start.log" 2>&1
  sleep 2
  { echo "{"; first=1; for f in "$W"/cluster/run/*.pid; do n=$(basename "$f" .pid); [[ $first -eq 1 ]] || echo ","; first=0; echo "\"$n\": $(rss_kb "$(cat "$f")")"; done; echo "}"; } >"$W/cluster-rss-idle.json"
  "${BENCH[@]}" load-get "http://127.0.0.1:18180/api/products/MUG-CLASSIC" "$DUR" $CONNS >/dev/null
  { echo "{"; first=1; for f in "$W"/cluster/run/*.pid; do n=$(basename "$f" .pid); [[ $first -eq 1 ]] || echo ","; first=0; echo "\"$n\": $(rss_kb "$(cat "$f")")"; done; echo "}"; } >"$W/cluster-rss-load.json"
  bash scripts/cluster.sh stop >/dev/null
fi

"${BENCH[@]}" report "$W" bench/results docs/benchmarks.md
