#!/usr/bin/env bash
# One JVM per service from the fat jars, joined over Hazelcast (cluster.xml) on this machine, and one
# database server process per service beside them.
#
#   scripts/cluster.sh start [--instances order=2,inventory=2]   start, wait until healthy, print the URL (a start
#                                                                 that fails stops what it launched; logs stay)
#   scripts/cluster.sh status                                     each JVM and database server, and the shop's health
#   scripts/cluster.sh stop                                       SIGTERM (graceful) the instances, then the database
#                                                                 servers; SIGKILL what still runs after 30 s
#   scripts/cluster.sh restart NAME                               start instance NAME (e.g. order-2) or database
#                                                                 server db-SERVICE (e.g. db-customer) again
#   scripts/cluster.sh rolling-restart [SERVICE...]               each instance (of the SERVICEs named, default all)
#                                                                 in turn: SIGTERM, wait for its exit, start it, wait
#                                                                 until it serves again; the database servers stay up
#   scripts/cluster.sh logs TEXT                                  every instance's log lines that contain TEXT (an
#                                                                 order id, an errorId), merged in time order, each
#                                                                 after its instance's name
#
# Each service's PostgreSQL runs in a process of its own (dev.microshop.common.db.DbServerMain), started
# first and stopped last by this script, never by a service instance: data under
# $MICROSHOP_CLUSTER_DIR/<service>/pg, on a fixed loopback port; the role's generated password in
# <service>/pg-microshop-secrets/<service>.password (mode 600). Every instance of the service connects
# to it as an external server (db.embedded=false, db.password-file naming that file; its pool through the
# server's Unix socket in the data directory, db.socket-directory), so stopping or killing an instance
# never stops a database. Set MICROSHOP_<SERVICE>_DB_EMBEDDED=false and the db.*
# keys to use an external server for that service instead (no database server is started for it).
# Environment:
#   MICROSHOP_CLUSTER_DIR   state, logs and data (default data/cluster)
#   MICROSHOP_WEB_HTTP_PORT the first web instance's port (default 8080; more instances take the next ones)
#   MICROSHOP_DB_PORT_BASE  the database servers' ports start here (default 15432; + the service's rank)
#   MICROSHOP_METRICS_PORT_BASE  each JVM's /metrics on 127.0.0.1:<base + 10 × service + instance>
#                           (services numbered from 1 as inventory, customer, order, shipping,
#                           history, web; default 19000: inventory-1 → 19011, order-2 → 19032)
#   JAVA_OPTS               the instances' JVM options (default: scripts/lib/jvm.sh, a lean JVM)
#   MICROSHOP_LOG_FORMAT    text (default: a line for people) or json (one JSON object per line: timestamp,
#                           level, threadName, loggerName, formattedMessage, mdc, throwable, and the
#                           context's properties service and node, e.g. order and order-2)
#   and every MICROSHOP_CLUSTER_* variable of the README (name, members, interface, port).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ports.sh
source scripts/lib/procs.sh
source scripts/lib/services.sh
source scripts/lib/jvm.sh

DIR="${MICROSHOP_CLUSTER_DIR:-data/cluster}"
RUN="$DIR/run"
DB_RUN="$RUN/db" # the database servers' pid files, apart from the instances' ($RUN/*.pid)
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
  [[ -f "$DB_SERVER_JAR" ]] || missing=1
  if [[ $missing -eq 1 ]]; then
    echo "building the fat jars (mvn package, tests skipped)..."
    mvn -B -q -DskipTests package
  fi
}


# true when this script runs the service's database server (not an external server of the operator's)
has_db_server() {
  local svc="$1" var
  var="MICROSHOP_$(upper "$svc")_DB_EMBEDDED"
  has_database "$svc" && [[ "${!var:-true}" != false ]]
}

password_file() { echo "$(cd "$DIR" && pwd)/$1/pg-microshop-secrets/$1.password"; }

start_db() { # service: its database server, in the background
  local svc="$1"
  mkdir -p "$DIR/$svc" "$DB_RUN"
  echo "=== $(date -u +%FT%TZ) starting the database server of $svc" >>"$LOGS/db-$svc.log"
  db_server_cmd "$DIR/jars"
  "${DB_SERVER_CMD[@]}" --service "$svc" --data-dir "$DIR/$svc/pg" --port "$(db_port "$svc")" \
    >>"$LOGS/db-$svc.log" 2>&1 &
  echo $! >"$DB_RUN/$svc.pid"
  echo "started the database server of $svc (pid $!, port $(db_port "$svc"))"
}

await_db() { await_log "$LOGS/db-$1.log" "database server of $1 ready" "$DB_RUN/$1.pid" "the database server of $1"; }

start_one() { # service index
  local svc="$1" i="$2" up
  up=$(upper "$svc")
  local env=(
    "MICROSHOP_METRICS_PORT=$(metrics_port "$svc-$i")"
  )
  if has_db_server "$svc"; then # the service's database server, as an external server
    env+=(
      "MICROSHOP_${up}_DB_EMBEDDED=false"
      "MICROSHOP_${up}_DB_HOST=127.0.0.1"
      "MICROSHOP_${up}_DB_PORT=$(db_port "$svc")"
      # on this machine: the pool through the server's Unix socket in its data directory (the migrations over TCP)
      "MICROSHOP_${up}_DB_SOCKET_DIRECTORY=$(cd "$DIR" && pwd)/$svc/pg"
      "MICROSHOP_${up}_DB_DATABASE=$svc"
      "MICROSHOP_${up}_DB_USER=$svc"
      "MICROSHOP_${up}_DB_PASSWORD_FILE=$(password_file "$svc")"
    )
  fi
  if [[ "$svc" == web ]]; then
    env+=("MICROSHOP_WEB_HTTP_PORT=$((WEB_PORT + i - 1))")
  fi
  mkdir -p "$DIR/$svc"
  # a restarted instance appends to its log: what its previous run printed before it died stays
  echo "=== $(date -u +%FT%TZ) starting $svc #$i" >>"$LOGS/$svc-$i.log"
  local log_opts=(-Dmicroshop.service="$svc" -Dmicroshop.node="$svc-$i")
  case "${MICROSHOP_LOG_FORMAT:-text}" in
    text) ;;
    json) log_opts+=(-Dlogback.configurationFile=logback-json.xml) ;;
    *) echo "MICROSHOP_LOG_FORMAT must be text or json, not ${MICROSHOP_LOG_FORMAT}" >&2; exit 2 ;;
  esac
  local jar # copied in the foreground, not in the background job: instances start one after the other
  jar=$(jar_copy "verticles/$svc/target/$svc-fat.jar" "$DIR/jars")
  env "${env[@]}" java ${JAVA_OPTS:-$LEAN_JAVA_OPTS} "${log_opts[@]}" -jar "$jar" -cluster \
    >>"$LOGS/$svc-$i.log" 2>&1 &
  echo $! >"$RUN/$svc-$i.pid"
  echo "started $svc #$i (pid $!)"
}

wait_healthy() {
  local url="http://127.0.0.1:$WEB_PORT/health" deadline=$((SECONDS + ${MICROSHOP_START_TIMEOUT:-240}))
  while ((SECONDS < deadline)); do
    for pidfile in "$RUN"/*.pid; do
      if ! alive "$pidfile"; then
        echo "$(basename "$pidfile" .pid) died while starting; its log:" >&2
        start_failure_log "$LOGS/$(basename "$pidfile" .pid).log" >&2
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

# every port this start will listen on is free (a service's PostgreSQL left running from this cluster
# directory by a killed database server excepted: the new server stops it, then takes its data over)
check_ports() {
  local svc i owner
  for svc in "${SERVICES[@]}"; do
    for ((i = 1; i <= $(instances_of "$svc"); i++)); do
      [[ "$svc" == web ]] && require_free_port $((WEB_PORT + i - 1)) MICROSHOP_WEB_HTTP_PORT
      require_free_port "$(metrics_port "$svc-$i")" MICROSHOP_METRICS_PORT_BASE
    done
    has_db_server "$svc" || continue
    if port_taken "$(db_port "$svc")"; then
      owner=$(port_owner "$(db_port "$svc")")
      if [[ -z "$owner" || "$owner" != "$(sed -n 1p "$DIR/$svc/pg/postmaster.pid" 2>/dev/null)" ]]; then
        require_free_port "$(db_port "$svc")" MICROSHOP_DB_PORT_BASE
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
  mkdir -p "$RUN" "$DB_RUN" "$LOGS"
  for pidfile in "$RUN"/*.pid "$DB_RUN"/*.pid; do
    if alive "$pidfile"; then
      echo "the cluster already runs (scripts/cluster.sh status)" >&2
      exit 1
    fi
  done
  rm -f "$RUN"/*.pid "$DB_RUN"/*.pid
  check_ports
  build_if_missing
  local started=$SECONDS svc i
  # interrupted (Ctrl-C) before the cluster is ready: stop the JVMs this start has launched, rather
  # than leave them starting in the background (they ignore the terminal's SIGINT: background jobs)
  trap 'echo; echo "interrupted: stopping what this start launched"; cmd_stop; exit 130' INT TERM
  # the database servers first, all at once; the instances once every one accepts its role
  for svc in "${DB_SERVICES[@]}"; do
    if has_db_server "$svc"; then start_db "$svc"; fi
  done
  for svc in "${DB_SERVICES[@]}"; do
    if has_db_server "$svc"; then await_db "$svc" || abort_start; fi
  done
  for svc in "${SERVICES[@]}"; do
    for ((i = 1; i <= $(instances_of "$svc"); i++)); do
      start_one "$svc" "$i"
    done
  done
  if wait_healthy; then
    trap - INT TERM
    echo
    echo "Microshop cluster is ready in $((SECONDS - started)) s: http://localhost:$WEB_PORT/"
  else
    abort_start
  fi
}


cmd_status() {
  local any=0 pidfile name svc
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
  for pidfile in "$DB_RUN"/*.pid; do
    [[ -f "$pidfile" ]] || continue
    any=1
    svc=$(basename "$pidfile" .pid)
    if alive "$pidfile"; then
      echo "db-$svc: running (pid $(cat "$pidfile"), PostgreSQL on 127.0.0.1:$(db_port "$svc"), data in $DIR/$svc/pg)"
    else
      echo "db-$svc: not running"
    fi
  done
  [[ $any -eq 1 ]] || { echo "no cluster started from $DIR"; return 0; }
  echo "health: $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/health" 2>/dev/null || echo unreachable)"
}

cmd_stop() {
  # the web first (no new requests), then the services; the databases once no instance uses them
  shopt -s nullglob
  stop_all "$RUN"/web-*.pid
  stop_all "$RUN"/*.pid
  stop_all "$DB_RUN"/*.pid
  shopt -u nullglob
  # a database server killed -9 leaves its PostgreSQL running: shut such servers down (fast)
  stop_orphaned_postgres "$DIR"/*/pg
  rm -rf "$DIR/jars" # the copies the JVMs ran (jar_copy)
  echo "stopped"
}

# name, e.g. order-2: start that instance again (after it died), without waiting; db-SERVICE: start
# that service's database server again and wait until it accepts its role
cmd_restart() {
  local name="$1" svc
  mkdir -p "$RUN" "$DB_RUN" "$LOGS"
  if [[ "$name" == db-* ]]; then
    svc="${name#db-}"
    has_db_server "$svc" || { echo "no database server of this cluster is named $name" >&2; return 1; }
    if alive "$DB_RUN/$svc.pid"; then
      echo "$name runs already" >&2
      return 1
    fi
    start_db "$svc"
    await_db "$svc"
    return
  fi
  [[ "$name" =~ ^[a-z]+-[0-9]+$ ]] && is_service "${name%-*}" \
    || { echo "no instance is named $name (e.g. order-2, or db-order for a database server)" >&2; return 1; }
  if alive "$RUN/$name.pid"; then
    echo "$name runs already" >&2
    return 1
  fi
  start_one "${name%-*}" "${name##*-}"
}

cmd_rolling_restart() {
  local only=("$@") svc pidfile name t0
  ((${#only[@]} > 0)) || only=("${SERVICES[@]}")
  for svc in "${only[@]}"; do
    is_service "$svc" || { echo "no service is named $svc" >&2; exit 2; }
  done
  for svc in "${SERVICES[@]}"; do
    contains "$svc" "${only[@]}" || continue
    for pidfile in "$RUN/$svc"-*.pid; do
      [[ -f "$pidfile" ]] || continue
      name=$(basename "$pidfile" .pid)
      t0=$SECONDS
      if alive "$pidfile"; then
        echo "stopping $name (pid $(cat "$pidfile"))"
        stop_all "$pidfile" # graceful: withdraws its record, drains what it took, leaves the cluster
      fi
      start_one "$svc" "${name##*-}" >/dev/null
      await_log "$LOGS/$name.log" "$(serving_line "$svc")" "$pidfile" "$name" || exit 1
      echo "restarted $name in $((SECONDS - t0)) s (pid $(cat "$pidfile"))"
    done
  done
}

# The lines of every instance's log (not the database servers') that contain $1, in time order: a
# JSON line by its "timestamp" (epoch ms), a text line by its leading HH:MM:SS.mmm (a text log spans
# one day at most before the order of two days' lines is lost); each after its instance's name.
cmd_logs() {
  local text="$1" f
  for f in "$LOGS"/*.log; do
    [[ -f "$f" && "$(basename "$f")" != db-* ]] || continue
    grep -F -- "$text" "$f" | awk -v name="$(basename "$f" .log)" '{
      key = $1
      if (match($0, /"timestamp":[0-9]+/)) key = substr($0, RSTART + 12, RLENGTH - 12)
      print key "\t" name "\t" $0
    }' || true
  done | sort -s -t $'\t' -k1,1 | cut -f2- | sed $'s/\t/ | /'
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  logs) shift; cmd_logs "${1:?TEXT to look for, e.g. an order id}" ;;
  restart) shift; cmd_restart "${1:?NAME, e.g. order-2 or db-order}" ;;
  rolling-restart) shift; cmd_rolling_restart "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) usage ;;
esac
