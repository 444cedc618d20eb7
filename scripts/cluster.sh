#!/usr/bin/env bash
# One JVM per service from the fat jars, joined over Hazelcast (cluster.xml) on this machine.
#
#   scripts/cluster.sh start [--instances order=2,inventory=2]   start, wait until healthy, print the URL
#   scripts/cluster.sh status                                     each JVM, and the shop's health
#   scripts/cluster.sh stop                                       SIGTERM (graceful), then SIGKILL after 30 s
#   scripts/cluster.sh restart NAME                               start instance NAME (e.g. order-2) again
#
# Each service keeps its own embedded PostgreSQL under $MICROSHOP_CLUSTER_DIR/<service>/pg on a
# fixed port (so a restarted server comes back where the service's other instances look for it);
# the instances of one service share it. Set MICROSHOP_<SERVICE>_DB_EMBEDDED=false and the db.*
# keys to use external servers instead. Environment:
#   MICROSHOP_CLUSTER_DIR   state, logs and data (default data/cluster)
#   MICROSHOP_WEB_HTTP_PORT the first web instance's port (default 8080; more instances take the next ones)
#   MICROSHOP_DB_PORT_BASE  the embedded servers' ports start here (default 15432)
#   MICROSHOP_METRICS_PORT_BASE  each JVM's /metrics on 127.0.0.1:<base + 10 × service + instance>
#                           (services numbered from 1 as inventory, customer, order, shipping,
#                           history, web; default 19000: inventory-1 → 19011, order-2 → 19032)
#   JAVA_OPTS               extra JVM options (default -Xmx256m)
#   and every MICROSHOP_CLUSTER_* variable of the README (name, members, interface, port).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ports.sh

SERVICES=(inventory customer order shipping history web)
DIR="${MICROSHOP_CLUSTER_DIR:-data/cluster}"
RUN="$DIR/run"
LOGS="$DIR/logs"
WEB_PORT="${MICROSHOP_WEB_HTTP_PORT:-8080}"
DB_PORT_BASE="${MICROSHOP_DB_PORT_BASE:-15432}"
METRICS_PORT_BASE="${MICROSHOP_METRICS_PORT_BASE:-19000}"

usage() {
  # the whole comment at the top of this file: commands and environment
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}

instances_of() { # service → number of instances from --instances
  local svc="$1" spec
  for spec in ${INSTANCES//,/ }; do
    if [[ "${spec%%=*}" == "$svc" ]]; then
      echo "${spec#*=}"
      return
    fi
  done
  echo 1
}

build_if_missing() {
  local missing=0 svc
  for svc in "${SERVICES[@]}"; do
    [[ -f "verticles/$svc/target/$svc-fat.jar" ]] || missing=1
  done
  if [[ $missing -eq 1 ]]; then
    echo "building the fat jars (mvn package, tests skipped)..."
    mvn -B -q -DskipTests package
  fi
}

start_one() { # service index
  local svc="$1" i="$2" idx upper
  idx=$(printf '%s\n' "${SERVICES[@]}" | grep -nx "$svc" | cut -d: -f1)
  upper=$(echo "$svc" | tr '[:lower:]' '[:upper:]')
  local env=(
    "MICROSHOP_${upper}_DB_EMBEDDED_DATA_DIR=$DIR/$svc/pg"
    "MICROSHOP_${upper}_DB_EMBEDDED_PORT=$((DB_PORT_BASE + idx))"
    "MICROSHOP_${upper}_DB_EMBEDDED_SHARE=true" # the instances of one service share its server
    "MICROSHOP_METRICS_PORT=$(metrics_port "$svc-$i")"
  )
  if [[ "$svc" == web ]]; then
    env+=("MICROSHOP_WEB_HTTP_PORT=$((WEB_PORT + i - 1))")
  fi
  mkdir -p "$DIR/$svc"
  # a restarted instance appends to its log: what its previous run printed before it died stays
  echo "=== $(date -u +%FT%TZ) starting $svc #$i" >>"$LOGS/$svc-$i.log"
  env "${env[@]}" java ${JAVA_OPTS:--Xmx256m} -jar "verticles/$svc/target/$svc-fat.jar" -cluster \
    >>"$LOGS/$svc-$i.log" 2>&1 &
  echo $! >"$RUN/$svc-$i.pid"
  echo "started $svc #$i (pid $!)"
}

# a pid file's process runs (a zombie does not: a killed JVM stays one until init reaps it)
alive() {
  [[ -f "$1" ]] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

metrics_port() { # instance name, e.g. order-2 → its /metrics port
  local svc="${1%-*}" i="${1##*-}" idx
  idx=$(printf '%s\n' "${SERVICES[@]}" | grep -nx "$svc" | cut -d: -f1)
  echo $((METRICS_PORT_BASE + idx * 10 + i))
}

wait_healthy() {
  local url="http://127.0.0.1:$WEB_PORT/health" deadline=$((SECONDS + ${MICROSHOP_START_TIMEOUT:-240}))
  while ((SECONDS < deadline)); do
    for pidfile in "$RUN"/*.pid; do
      if ! alive "$pidfile"; then
        echo "$(basename "$pidfile" .pid) died while starting; its log:" >&2
        tail -n 30 "$LOGS/$(basename "$pidfile" .pid).log" >&2
        return 1
      fi
    done
    # healthy, and answered by this cluster's web JVM, not by whatever else holds the port
    if curl -fsS -o /dev/null "$url" 2>/dev/null && port_held_by "$WEB_PORT" "$(cat "$RUN/web-1.pid")"; then
      return 0
    fi
    sleep 0.5
  done
  echo "the cluster was not healthy in time: $(curl -sS "$url" 2>&1 || true)" >&2
  return 1
}

# every port this start will listen on is free (a service's embedded PostgreSQL left running from
# this cluster directory excepted: its instances take it over)
check_ports() {
  local svc i idx owner
  for svc in "${SERVICES[@]}"; do
    for ((i = 1; i <= $(instances_of "$svc"); i++)); do
      [[ "$svc" == web ]] && require_free_port $((WEB_PORT + i - 1)) MICROSHOP_WEB_HTTP_PORT
      require_free_port "$(metrics_port "$svc-$i")" MICROSHOP_METRICS_PORT_BASE
    done
    idx=$(printf '%s\n' "${SERVICES[@]}" | grep -nx "$svc" | cut -d: -f1)
    if port_taken $((DB_PORT_BASE + idx)); then
      owner=$(port_owner $((DB_PORT_BASE + idx)))
      if [[ -z "$owner" || "$owner" != "$(sed -n 1p "$DIR/$svc/pg/postmaster.pid" 2>/dev/null)" ]]; then
        require_free_port $((DB_PORT_BASE + idx)) MICROSHOP_DB_PORT_BASE
      fi
    fi
  done
}

cmd_start() {
  INSTANCES=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --instances) INSTANCES="$2"; shift 2 ;;
      --instances=*) INSTANCES="${1#*=}"; shift ;;
      *) usage ;;
    esac
  done
  mkdir -p "$RUN" "$LOGS"
  for pidfile in "$RUN"/*.pid; do
    if alive "$pidfile"; then
      echo "the cluster already runs (scripts/cluster.sh status)" >&2
      exit 1
    fi
  done
  rm -f "$RUN"/*.pid
  check_ports
  build_if_missing
  local started=$SECONDS svc i
  for svc in "${SERVICES[@]}"; do
    for ((i = 1; i <= $(instances_of "$svc"); i++)); do
      start_one "$svc" "$i"
    done
  done
  if wait_healthy; then
    echo
    echo "Microshop cluster is ready in $((SECONDS - started)) s: http://localhost:$WEB_PORT/"
  else
    exit 1
  fi
}

cmd_status() {
  local any=0 pidfile name
  for pidfile in "$RUN"/*.pid; do
    [[ -f "$pidfile" ]] || continue
    any=1
    name=$(basename "$pidfile" .pid)
    if alive "$pidfile"; then
      echo "$name: running (pid $(cat "$pidfile"), metrics http://127.0.0.1:$(metrics_port "$name")/metrics)"
    else
      echo "$name: not running"
    fi
  done
  [[ $any -eq 1 ]] || { echo "no cluster started from $DIR"; return 0; }
  echo "health: $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/health" 2>/dev/null || echo unreachable)"
}

cmd_stop() {
  local pidfile deadline
  for pidfile in "$RUN"/web-*.pid "$RUN"/*.pid; do # the web first: no new requests
    alive "$pidfile" && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  deadline=$((SECONDS + 30))
  for pidfile in "$RUN"/*.pid; do
    while alive "$pidfile" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "$pidfile"; then
      echo "$(basename "$pidfile" .pid) did not stop in 30 s: killing it"
      kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  # a service's embedded PostgreSQL belongs to the instance that started it; when that one died
  # before (kill -9), the others kept using it and nobody stops it: shut such servers down (fast)
  local pm pid
  for pm in "$DIR"/*/pg/postmaster.pid; do
    [[ -f "$pm" ]] || continue
    pid=$(sed -n 1p "$pm")
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true
      echo "stopped the PostgreSQL left by a killed instance ($(dirname "$(dirname "$pm")"))"
    fi
  done
  echo "stopped"
}

cmd_restart() { # name, e.g. order-2: start that instance again (after it died), without waiting
  local name="$1"
  mkdir -p "$RUN" "$LOGS"
  if alive "$RUN/$name.pid"; then
    echo "$name runs already" >&2
    return 1
  fi
  start_one "${name%-*}" "${name##*-}"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  restart) shift; cmd_restart "$1" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) usage ;;
esac
