#!/usr/bin/env bash
# The benchmark: the shop's figures beside bare baselines measured in the same run, as ratios.
#
#   scripts/bench.sh [--quick]     (--quick: 5 s per load instead of 20, no clustered run)
#
# Measures, on this machine and in this run: a bare Vert.x HTTP server (fixed JSON), the same doing
# one vertx-pg-client primary-key SELECT per request, single-row INSERT commits per second on the
# shop's own embedded PostgreSQL; then the all-in-one shop: GET /api/products/{sku} (req/s, p50,
# p99; answered by the web's catalog read model), orders (approved per second, POST→APPROVED p50/p99, write commits per order, CPU-ms per order of
# the JVM and of PostgreSQL; the catalog read model's staleness under that load), the same orders paced at half the approved/s just
# measured (an open loop: POST→APPROVED p50/p99 at that rate; second by second its orders over 100 ms and the
# machine's busy and disk-wait shares, PostgreSQL's checkpoints and autovacuums meanwhile), then an order overload
# (256 clients: attempts/s against the sustainable rate, 503s with Retry-After, accepted orders settled,
# product reads' p99 meanwhile), its RSS idle and under load and its time from start to ready; then the
# cost of tracing: two more shops side by side, on data of their own, one with MICROSHOP_TRACING=on and one
# without, under the same reads in rounds off, on, on, off, then the same order load on both at once in 8 rounds;
# its ratios and every round's figures.
# Without --quick, then the clustered shop twice (scripts/cluster.sh: one JVM per service, then order,
# inventory and customer ×2), each under the same product reads and order load as the all-in-one: the
# same figures as ratios to the all-in-one's, every instance JVM's, database server JVM's and
# PostgreSQL's RSS, and the CPU-ms per order of each (utime + stime from /proc, during the order load
# until its sagas are done), from which the report estimates what more machines would carry. The report
# also gives every fat jar's size (the repository's, as built) against the jar targets.
# The load generator (bench/target/bench-fat.jar: Vert.x web client + HdrHistogram) runs on the
# same cores; its CPU share is reported. Every measured load comes after an uncounted warm-up under the same
# kind of load, until the target's JIT has settled (warm_up below). A full run takes about 30 minutes on 2 cores
# (31 on 4 Dec 2026), --quick about 8 (7 min 52 s).
# Writes bench/results/<date>.json and .html and docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
DUR=$([[ $QUICK -eq 1 ]] && echo 5 || echo 20)
WARM=$([[ $QUICK -eq 1 ]] && echo 5 || echo 15)   # every target gets the same uncounted warm-up (JIT)
LEAD_IN=5 # the paced load's uncounted lead-in, seconds
TRACING_ROUNDS=$([[ $QUICK -eq 1 ]] && echo 4 || echo 8) # the tracing comparison's order rounds, both shops at once
# a target's warm-up lasts at least $WARM s, then until its JIT has settled (at most $WARM_MAX s): an
# all-in-one's C2 compilers took half a core for the first ~75 s of orders, beside the shop on 2 cores
WARM_MAX=$([[ $QUICK -eq 1 ]] && echo 30 || echo 150)
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
# The order loads' generator (storm, load-orders, load-orders-paced, overload) runs in a lean JVM: C1 only and the
# serial collector. Each of those loads is a new JVM of 20 s, and with the default JVM its C2 compilers and G1 threads
# took 1.5-1.9 CPU-ms per order, a fifth of the 2 cores the shop runs on (C1 and serial: 0.39-0.61 ms; alternated
# 20 s loads against one all-in-one, default/lean x3: 171/383, 213/273, 236/364 approved/s). The bounds' loads (bare
# HTTP, bare PK SELECT, INSERT commits) and the product reads keep the default JVM: the INSERT bound measured lower
# with the lean one (5,832 and 5,919 commits/s against 6,296 and 7,634), so the order ratio is taken against the
# higher bound.
ORDERS=(java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar bench/target/bench-fat.jar)
# the all-in-one's JVM: scripts/run.sh's (scripts/lib/jvm.sh), its malloc arenas for the shop only, not the bounds
read -r SHOP_ARENAS SHOP_JVM < <(source scripts/lib/jvm.sh && echo "$MALLOC_ARENA_MAX $SHOP_JAVA_OPTS")
SHOP_OPTS="${JAVA_OPTS:-$SHOP_JVM}"
CLUSTER_OPTS="${JAVA_OPTS:-}" # empty: the clustered instances run with cluster.sh's own (scripts/lib/jvm.sh)

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# a PostgreSQL server's RSS: its postmaster's and every child's, summed (shared buffers count once per process)
pg_rss_kb() { ps -o rss= --ppid "$1" -p "$1" | awk '{s+=$1} END {print s+0}'; }
wait_http() { # url timeout_s
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "not ready: $1" >&2; return 1; }
    sleep 0.1
  done
}
last_json() { tail -n 1; }
# the JIT's compiler threads ("C1/C2 CompilerThread<n>") of these JVMs, one line each: "pid/tid CPU-ticks so far".
# JDK 17 ends idle compiler threads and starts new ones, taking a dead thread's ticks out of a sum over the live
# ones: summed, a warm-up's share came out negative (-16 % of a core, 6 Dec) and ended it as if settled
jit_threads() {
  local pid t stat
  for pid in "$@"; do
    for t in /proc/"$pid"/task/*; do
      [[ "$(cat "$t/comm" 2>/dev/null)" == C[12]" CompilerThre"* ]] || continue
      stat=$(cat "$t/stat" 2>/dev/null) || continue
      stat=${stat##*) } # the fields after the name: state is the first, utime the 12th, stime the 13th
      echo "$pid/${t##*/} $(awk '{print $12 + $13}' <<<"$stat")"
    done
  done
}
# the ticks used between two jit_threads snapshots, thread by thread (a thread new since the first: all of its own)
jit_delta() { awk 'NR == FNR { before[$1] = $2; next } { d += $2 - before[$1] } END { print d + 0 }' <(echo "$1") <(echo "$2"); }
TICK=$(getconf CLK_TCK)
# a load on a target until its JIT has settled: at least $WARM s, then until the compiler threads of its JVMs
# (the pids given) used less than 5 % of a core in each of the last two 5 s windows, at most $WARM_MAX s. Uncounted. The load is a
# bench command (a storm, a load-get) of $WARM_MAX s, ended by its stop file. Writes {"seconds",
# "compilerPercentOfACore": over its last 5 s} to the JSON file named first.
warm_up() { # json out, "pid...", bench command and its arguments
  local out="$1" pids="$2" stop="$W/warm-stop-$RANDOM" t0=$SECONDS last now share=100 quiet=0 load
  shift 2
  rm -f "$stop"
  local jvm=("${BENCH[@]}")
  [[ "$1" != storm ]] || jvm=("${ORDERS[@]}")
  "${jvm[0]}" -Dstorm.stop-file="$stop" "${jvm[@]:1}" "$@" >/dev/null 2>&1 &
  load=$!
  last=$(jit_threads $pids)
  while kill -0 $load 2>/dev/null && ((SECONDS - t0 < WARM_MAX)); do
    sleep 5
    now=$(jit_threads $pids)
    share=$(($(jit_delta "$last" "$now") * 100 / (5 * TICK)))
    last=$now
    # two quiet windows in a row: a load's first seconds can be quiet for other reasons (its customers' sign-up)
    if ((share < 5)); then quiet=$((quiet + 1)); else quiet=0; fi
    ((SECONDS - t0 >= WARM && quiet >= 2)) && break
  done
  touch "$stop"
  wait $load || true
  echo "{\"seconds\": $((SECONDS - t0)), \"compilerPercentOfACore\": $share}" >"$out"
}
restock() { # base URL: plenty of stock and credit, the order benchmark measures the saga, not rejections
  local admin sku
  admin=$(curl -fsS -X POST "$1/api/login" -H 'Content-Type: application/json' \
    -d '{"email":"admin@microshop.local","password":"microshop-admin-dev"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  for sku in MUG-CLASSIC PEN-GEL-3 STICKERS-10 NOTEBOOK-A5 SOCKS-STRIPE TOTE-CANVAS CABLE-USBC-2M TEE-LOGO-M; do
    curl -fsS -o /dev/null -X POST "$1/api/admin/products/$sku/restock" -H "Authorization: Bearer $admin" \
      -H 'Content-Type: application/json' -H "Idempotency-Key: bench-$sku" -d '{"quantity":100000}'
  done
}

start_shop() { # port, data directory, log file, then VAR=value settings of its own: the all-in-one shop as $SHOP, until healthy
  env MALLOC_ARENA_MAX="$SHOP_ARENAS" MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR="$2" MICROSHOP_WEB_HTTP_PORT="$1" \
    MICROSHOP_WEB_AUTH_DEV_SECRET_FILE="$W/jwt" MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT=1000000.00 \
    MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS=3600000 MICROSHOP_WEB_AUTH_LOGIN_ATTEMPTS_PER_IP=100000 "${@:4}" \
    java $SHOP_OPTS -jar app/target/microshop-fat.jar >"$3" 2>&1 &
  SHOP=$!
  SHOPS+=" $SHOP"
  wait_http "http://127.0.0.1:$1/health" 180
}

echo "== $(date +%T) the all-in-one shop"
t0=$(date +%s%N)
SHOPS=""
trap 'kill $SHOPS 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true' EXIT
start_shop $PORT "$W/pg" "$W/shop.log"
echo "{\"startToReadyMs\": $((($(date +%s%N) - t0) / 1000000))}" >"$W/start.json"
echo "{\"javaOpts\": \"$SHOP_OPTS\", \"mallocArenaMax\": \"$SHOP_ARENAS\"}" >"$W/shop-jvm.json" # for the report
sleep 2
echo "{\"idleKb\": $(rss_kb $SHOP)}" >"$W/rss-idle.json"
PG_PORT=$(sed -n 4p "$W/pg/postmaster.pid")
PG_PID=$(sed -n 1p "$W/pg/postmaster.pid")

restock "http://127.0.0.1:$PORT"
# its PostgreSQL logs every autovacuum (this run's server only): the report sets them beside the paced load's slow seconds
"${BENCH[@]}" log-autovacuum "$PG_PORT" >/dev/null

echo "== $(date +%T) bounds: bare HTTP, bare HTTP + one PK SELECT, INSERT commits"
"${BENCH[@]}" bare-http 18090 >"$W/bare-http-server.log" 2>&1 & BARE=$!
wait_http "http://127.0.0.1:18090/" 30
warm_up "$W/bare-http-warm-up.json" $BARE load-get "http://127.0.0.1:18090/" $WARM_MAX $CONNS 0
"${BENCH[@]}" load-get "http://127.0.0.1:18090/" "$DUR" $CONNS "$WARM" | last_json >"$W/bare-http.json"
kill $BARE
"${BENCH[@]}" bare-pg 18091 "$PG_PORT" >"$W/bare-pg-server.log" 2>&1 & BAREPG=$!
wait_http "http://127.0.0.1:18091/" 30
warm_up "$W/bare-pg-warm-up.json" $BAREPG load-get "http://127.0.0.1:18091/" $WARM_MAX $CONNS 0
"${BENCH[@]}" load-get "http://127.0.0.1:18091/" "$DUR" $CONNS "$WARM" | last_json >"$W/bare-pg.json"
kill $BAREPG
# (its load generator is the JVM that JITs here: it warms up in itself, by the same rule)
"${BENCH[@]}" insert-commits "$PG_PORT" "$DUR" 16 "$WARM" "$WARM_MAX" | last_json >"$W/insert.json"

echo "== $(date +%T) the shop: product reads"
( peak=0; while kill -0 $SHOP 2>/dev/null; do r=$(rss_kb $SHOP); ((r > peak)) && peak=$r && echo "$peak" >"$W/rss-peak"; sleep 0.5; done ) &
warm_up "$W/shop-get-warm-up.json" $SHOP load-get "http://127.0.0.1:$PORT/api/products/MUG-CLASSIC" $WARM_MAX $CONNS 0
"${BENCH[@]}" load-get "http://127.0.0.1:$PORT/api/products/MUG-CLASSIC" "$DUR" $CONNS "$WARM" | last_json >"$W/shop-get.json"

echo "== $(date +%T) the shop: orders"
warm_up "$W/shop-warm-up.json" $SHOP storm "http://127.0.0.1:$PORT" $WARM_MAX $CUSTOMERS 0
printf 'shop %s\npostgres %s tree\n' "$SHOP" "$PG_PID" >"$W/shop-pids"
if [[ $QUICK -eq 0 ]]; then # the CPU the shop spends with no load (timers, pollers): its idle cost, apart from its per-order cost
  sleep 5
  "${BENCH[@]}" cpu-idle "$W/shop-pids" 10 | last_json >"$W/shop-idle.json"
fi
sleep 1
# with the PostgreSQL port, load-orders counts the orders' commits: from the load's start until every saga is
# done and the event readers caught up (not its own reads of the orders afterwards); in the same window,
# the CPU of the shop's JVM and of its PostgreSQL (the postmaster and its children)
jit0=$(jit_threads $SHOP) t0=$SECONDS
"${ORDERS[@]}" load-orders "http://127.0.0.1:$PORT" "$DUR" $CUSTOMERS "$PG_PORT" "$W/shop-pids" | last_json >"$W/shop-orders.json"
echo "{\"compilerPercentOfACore\": $(($(jit_delta "$jit0" "$(jit_threads $SHOP)") * 100 / ((SECONDS - t0 > 0 ? SECONDS - t0 : 1) * TICK)))}" \
  >"$W/shop-orders-jit.json" # the JIT's compilers during that load (its customers' set-up included)
# the web's catalog read model under that load: how long a stock change took to show in it (its own timer)
curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '
  /^microshop_catalog_staleness_seconds\{.*quantile="0.5"/ { p50 = $2 }
  /^microshop_catalog_staleness_seconds\{.*quantile="0.99"/ { p99 = $2 }
  /^microshop_catalog_staleness_seconds_count/ { n = $2 }
  /^microshop_catalog_staleness_seconds_max/ { max = $2 }
  END { printf "{\"p50Ms\": %.1f, \"p99Ms\": %.1f, \"maxMs\": %.1f, \"changes\": %d}\n", p50 * 1000, p99 * 1000, max * 1000, n }' \
  >"$W/catalog-staleness.json"
echo "== $(date +%T) the shop: orders paced at half the rate just sustained"
# an open loop at half the approved/s of the load above: each order sent on time, answered or not, so
# POST→APPROVED is the shop's latency at that rate, not a queue the load itself built. Its generator is a fresh JVM:
# like every measured load, the counted seconds follow an uncounted warm-up under the same load, a lead-in of
# $LEAD_IN s at that rate, on the same schedule (its orders read back and reported apart)
PEAK=$(sed -n 's/.*"approvedPerSecond":\([0-9]*\).*/\1/p' "$W/shop-orders.json")
"${ORDERS[@]}" load-orders-paced "http://127.0.0.1:$PORT" "$DUR" $CUSTOMERS "$(( ${PEAK:-2} / 2 ))" $LEAD_IN \
  | last_json >"$W/shop-orders-paced.json"
echo "== $(date +%T) the shop: order overload"
# 256 clients placing orders back to back (after a 503, the same order again after Retry-After), far beyond the
# sustainable rate just measured, beside 4 connections reading a product: what is shed, what is kept, how reads fare
sleep 2
"${ORDERS[@]}" overload "http://127.0.0.1:$PORT" "$DUR" 256 $CUSTOMERS "http://127.0.0.1:$PORT/api/products/MUG-CLASSIC" 4 \
  | last_json >"$W/shop-overload.json"
echo "{\"peakKb\": $(cat "$W/rss-peak" 2>/dev/null || echo 0), \"postgresKb\": $(ps -o rss= --ppid "$PG_PID" -p "$PG_PID" | awk '{s+=$1} END {print s}')}" >"$W/rss-load.json"
kill -TERM $SHOP; wait $SHOP 2>/dev/null || true
SHOPS=""

# the cost of tracing: two more shops side by side, each on data of its own, one with MICROSHOP_TRACING=on (every
# trace sampled, the default ratio, spans kept in memory for the waterfall, no export), one without. The same reads
# go to one and then the other in rounds (off, on, on, off): a drift of this shared machine during the rounds weighs
# on both alike (one shop after the other, the first figures of this run, differed by 25 % from one run to the next);
# the order load goes to both at once (below)
echo "== $(date +%T) tracing off and on, side by side: product reads in rounds, orders on both at once"
ROUND=$((DUR / 2 > 5 ? DUR / 2 : 5))
declare -A TPORT=([off]=18082 [on]=18083) TPG=()
for mode in off on; do
  start_shop ${TPORT[$mode]} "$W/pg-tracing-$mode" "$W/shop-tracing-$mode.log" MICROSHOP_TRACING=$mode
  restock "http://127.0.0.1:${TPORT[$mode]}"
  TPG[$mode]=$(sed -n 4p "$W/pg-tracing-$mode/postmaster.pid")
  printf 'shop %s\npostgres %s tree\n' "$SHOP" "$(sed -n 1p "$W/pg-tracing-$mode/postmaster.pid")" >"$W/tracing-$mode-pids"
done
for mode in off on; do # every shop gets the same uncounted warm-up (until its JIT settled)
  pid=$(sed -n 's/^shop //p' "$W/tracing-$mode-pids")
  warm_up "$W/tracing-$mode-get-warm-up.json" "$pid" load-get "http://127.0.0.1:${TPORT[$mode]}/api/products/MUG-CLASSIC" $WARM_MAX $CONNS 0
  warm_up "$W/tracing-$mode-warm-up.json" "$pid" storm "http://127.0.0.1:${TPORT[$mode]}" $WARM_MAX $CUSTOMERS 0
done
n=0
for mode in off on on off; do
  n=$((n + 1))
  # 5 s uncounted first: each round's load generator is a new JVM, and a cold one measures itself
  "${BENCH[@]}" load-get "http://127.0.0.1:${TPORT[$mode]}/api/products/MUG-CLASSIC" "$ROUND" $CONNS 5 | last_json >"$W/tracing-$mode-get-$n.json"
done
# the orders in $TRACING_ROUNDS rounds of $DUR s in which both shops take the same order load at the same time
# ($CUSTOMERS customers each, from a generator each): what this shared machine does meanwhile (its disk, its other
# tenants) weighs on both alike, and the ratio is what tracing costs where the two compete for the same cores. One
# shop after the other in rounds did not: two untraced shops (an A/A, 6 Dec 2026) gave the second's rate over the
# first's as 0.893 to 0.984 over 8 rounds of 20 s (off on on off on off off on), rounds one after the other varying
# by 15 %. The same A/A side by side (16 rounds of 20 s, 6 Dec 2026): a round's ratio 0.950 to 1.102 (standard
# deviation 0.044) while the rates of both went from 243 to 417 /s together; over 8 rounds 1.002 and 1.014.
# Both generators register their customers first, then place from the same moment (the start file, created once
# both are ready): without it, in a --quick run, one generator began placing 1.6 s before the other, and its shop
# approved 1.49 x the other's in that 5 s round
for n in $(seq 5 $((4 + TRACING_ROUNDS))); do
  sleep 1
  gens=""
  for mode in off on; do
    "${ORDERS[0]}" -Dload.ready-file="$W/tracing-$mode-ready-$n" -Dload.start-file="$W/tracing-start-$n" "${ORDERS[@]:1}" \
      load-orders "http://127.0.0.1:${TPORT[$mode]}" "$DUR" $CUSTOMERS "${TPG[$mode]}" "$W/tracing-$mode-pids" \
      | last_json >"$W/tracing-$mode-orders-$n.json" &
    gens+=" $!"
  done
  t0=$SECONDS
  until [[ -e "$W/tracing-off-ready-$n" && -e "$W/tracing-on-ready-$n" ]] || ((SECONDS - t0 > 120)); do sleep 0.05; done
  touch "$W/tracing-start-$n"
  wait $gens
done
kill -TERM $SHOPS; wait $SHOPS 2>/dev/null || true
SHOPS=""

# the clustered shop under the same loads as the all-in-one: NAME (its directory under $W), cluster.sh's
# --instances (empty: one JVM per service). Writes $W/NAME-*.json: start, RSS, product reads, orders with
# the CPU-ms of every instance JVM, database server JVM and PostgreSQL (postmaster and children).
rss_all() { # pids file → one JSON object: each process's RSS in kB (a PostgreSQL's summed over its processes)
  local first=1 line
  echo "{"
  while read -r -a line; do
    [[ $first -eq 1 ]] || echo ","
    first=0
    if [[ "${line[2]:-}" == tree ]]; then echo "\"${line[0]}\": $(pg_rss_kb "${line[1]}")"; else echo "\"${line[0]}\": $(rss_kb "${line[1]}")"; fi
  done <"$1"
  echo "}"
}
CLUSTER_UP=""
clustered() {
  local name="$1" instances="$2" dir="$W/$1" base="http://127.0.0.1:18180" t0 f n svc pm ports="" pids
  export MICROSHOP_CLUSTER_DIR="$dir" MICROSHOP_CLUSTER_NAME="bench-$$-$name"
  if [[ -n "$CLUSTER_OPTS" ]]; then export JAVA_OPTS="$CLUSTER_OPTS"; else unset JAVA_OPTS; fi
  t0=$(date +%s%N)
  CLUSTER_UP="$dir"
  bash scripts/cluster.sh start ${instances:+--instances "$instances"} >"$W/$name-start.log" 2>&1 \
    || { tail -n 30 "$W/$name-start.log" >&2; return 1; }
  echo "{\"startToReadyMs\": $((($(date +%s%N) - t0) / 1000000))}" >"$W/$name-start.json"
  sleep 2
  # every process: the instances (NAME PID), the database server JVMs (db-SERVICE), each PostgreSQL (pg-SERVICE)
  pids="$W/$name-pids"
  : >"$pids"
  for f in "$dir"/run/*.pid; do echo "$(basename "$f" .pid) $(cat "$f")" >>"$pids"; done
  for f in "$dir"/run/db/*.pid; do echo "db-$(basename "$f" .pid) $(cat "$f")" >>"$pids"; done
  for svc in order inventory customer shipping history; do # the order database's server first (load-orders waits on it)
    pm="$dir/$svc/pg/postmaster.pid"
    [[ -f "$pm" ]] || continue
    echo "pg-$svc $(sed -n 1p "$pm") tree" >>"$pids"
    ports+="${ports:+,}$(sed -n 4p "$pm")"
  done
  rss_all "$pids" >"$W/$name-rss-idle.json"
  restock "$base"
  warm_up "$W/$name-get-warm-up.json" "$(awk '$3 != "tree" {print $2}' "$pids")" load-get "$base/api/products/MUG-CLASSIC" $WARM_MAX $CONNS 0
  "${BENCH[@]}" load-get "$base/api/products/MUG-CLASSIC" "$DUR" $CONNS "$WARM" | last_json >"$W/$name-get.json"
  rss_all "$pids" >"$W/$name-rss-reads.json"
  warm_up "$W/$name-warm-up.json" "$(awk '$3 != "tree" {print $2}' "$pids")" storm "$base" $WARM_MAX $CUSTOMERS 0
  sleep 5
  "${BENCH[@]}" cpu-idle "$pids" 10 | last_json >"$W/$name-idle.json"
  sleep 1
  "${ORDERS[@]}" load-orders "$base" "$DUR" $CUSTOMERS "$ports" "$pids" | last_json >"$W/$name-orders.json"
  rss_all "$pids" >"$W/$name-rss-orders.json"
  bash scripts/cluster.sh stop >/dev/null
  CLUSTER_UP=""
}

if [[ $QUICK -eq 0 ]]; then
  trap 'kill $SHOPS 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true
        [[ -z "$CLUSTER_UP" ]] || MICROSHOP_CLUSTER_DIR="$CLUSTER_UP" bash scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT
  export MICROSHOP_WEB_HTTP_PORT=18180 MICROSHOP_CLUSTER_PORT=27701 MICROSHOP_DB_PORT_BASE=27800 \
    MICROSHOP_METRICS_PORT_BASE=27900 MICROSHOP_WEB_AUTH_DEV_SECRET_FILE="$W/jwt" \
    MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT=1000000.00 MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS=3600000 \
    MICROSHOP_WEB_AUTH_LOGIN_ATTEMPTS_PER_IP=100000
  echo "== $(date +%T) clustered: one JVM per service"
  clustered cluster ""
  echo "== $(date +%T) clustered: order, inventory and customer x2"
  clustered cluster-x2 "order=2,inventory=2,customer=2"
fi

echo "== $(date +%T) the report"
"${BENCH[@]}" report "$W" bench/results docs/benchmarks.md
