#!/usr/bin/env bash
# The shop on several machines: run this on each machine, for the part of the shop that machine runs.
#
#   scripts/node.sh start [--services web,order,...] [--db-host [--db-services order,...]]
#                         [--db-address ADDRESS] [--db-listen ADDRESS] [--db-allow CIDR,...] [--insecure]
#       --services LIST     the service instances to run here (one each), joined to the cluster of
#                           MICROSHOP_CLUSTER_MEMBERS / _INTERFACE / _NAME (required with --services)
#       --db-host           this machine is the database host: run the database server of every service
#                           (or of --db-services) listening on --db-listen for the cluster's machines
#       --db-listen ADDRESS the database servers' address besides loopback (default: MICROSHOP_CLUSTER_INTERFACE,
#                           when that is an IP address)
#       --db-allow CIDRS    who may connect to them, as each service's own role with its SCRAM password
#                           (default: every MICROSHOP_CLUSTER_MEMBERS address as a /32)
#       --db-address ADDR   where this machine's instances find the database servers (default with --db-host:
#                           127.0.0.1); their role passwords come from the secrets directory (below)
#       --insecure          allow the event bus without mutual TLS on an interface other than loopback
#       (a start that fails stops what it launched; the logs stay)
#   scripts/node.sh status    this machine's instances and database servers, and its web's health
#   scripts/node.sh stop      SIGTERM the web, then the services, then the database servers; SIGKILL after 30 s
#
# Secrets: the database host keeps each role's generated password in $MICROSHOP_NODE_DIR/db-secrets/<service>.password
# (mode 600); copy that directory to the other machines before starting them, e.g.
#   scp -rp dbhost:microshop/data/node/db-secrets hosta:microshop/data/node/
# Event bus: on any interface but loopback, start requires MICROSHOP_CLUSTER_TLS_KEYSTORE (and its password):
# without mutual TLS any process that joins the Hazelcast cluster by its name can send any command on the bus.
# Environment:
#   MICROSHOP_NODE_DIR       state, logs, data and secrets of this machine (default data/node)
#   MICROSHOP_NODE_SECRETS   the role passwords' directory (default $MICROSHOP_NODE_DIR/db-secrets)
#   MICROSHOP_DB_PORT_BASE   the database servers' ports start here (default 15432; + the service's rank)
#   MICROSHOP_METRICS_PORT_BASE  each JVM's /metrics on 127.0.0.1 (as cluster.sh; default 19000)
#   MICROSHOP_WEB_HTTP_PORT  the web's port (default 8080)
#   JAVA_OPTS                the instances' JVM options (default: scripts/lib/jvm.sh, a lean JVM)
#   and every MICROSHOP_CLUSTER_* and MICROSHOP_<SERVICE>_* variable of the README.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ports.sh
source scripts/lib/procs.sh
source scripts/lib/services.sh
source scripts/lib/jvm.sh

DIR="${MICROSHOP_NODE_DIR:-data/node}"
SECRETS="${MICROSHOP_NODE_SECRETS:-$DIR/db-secrets}"
RUN="$DIR/run"
DB_RUN="$RUN/db"
LOGS="$DIR/logs"
WEB_PORT="${MICROSHOP_WEB_HTTP_PORT:-8080}"
DB_PORT_BASE="${MICROSHOP_DB_PORT_BASE:-15432}"
METRICS_PORT_BASE="${MICROSHOP_METRICS_PORT_BASE:-19000}"
IP_ADDRESS='^[0-9.]+$|^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$'

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}

fail() { # a wrong start: one line on what is wrong, status 2
  echo "node.sh: $*" >&2
  exit 2
}

split() { tr ',' '\n' <<<"$1" | sed 's/^ *//; s/ *$//' | grep -v '^$' || true; }

# the service instances of an operator's external server (MICROSHOP_<SERVICE>_DB_EMBEDDED=false, db.* keys)
external_db() { local var="MICROSHOP_$(upper "$1")_DB_EMBEDDED"; [[ "${!var:-}" == false ]]; }

is_loopback() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 ]]; }

check_event_bus_tls() {
  local iface="${MICROSHOP_CLUSTER_INTERFACE:-}"
  [[ -n "${MICROSHOP_CLUSTER_MEMBERS:-}" ]] || fail "set MICROSHOP_CLUSTER_MEMBERS to the cluster's member addresses (e.g. 10.0.0.2,10.0.0.3)"
  [[ -n "$iface" ]] || fail "set MICROSHOP_CLUSTER_INTERFACE to this machine's cluster address (e.g. 10.0.0.2)"
  [[ -n "${MICROSHOP_CLUSTER_NAME:-}" ]] || echo "node.sh: MICROSHOP_CLUSTER_NAME is not set: this node joins the cluster named microshop" >&2
  is_loopback "$iface" && return 0
  if [[ -z "${MICROSHOP_CLUSTER_TLS_KEYSTORE:-}" ]]; then
    [[ $INSECURE -eq 1 ]] && { echo "node.sh: --insecure: the event bus on $iface is plaintext and open to any member of the cluster" >&2; return 0; }
    fail "the event bus on $iface needs mutual TLS: set MICROSHOP_CLUSTER_TLS_KEYSTORE and MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD
  (README, \"Several machines\": one command makes the certificate), or pass --insecure. Without it any process
  that joins the Hazelcast cluster by its name can send any command on the event bus."
  fi
  [[ -r "$MICROSHOP_CLUSTER_TLS_KEYSTORE" ]] || fail "MICROSHOP_CLUSTER_TLS_KEYSTORE $MICROSHOP_CLUSTER_TLS_KEYSTORE cannot be read"
  if [[ -n "${MICROSHOP_CLUSTER_TLS_TRUSTSTORE:-}" && ! -r "$MICROSHOP_CLUSTER_TLS_TRUSTSTORE" ]]; then
    fail "MICROSHOP_CLUSTER_TLS_TRUSTSTORE $MICROSHOP_CLUSTER_TLS_TRUSTSTORE cannot be read"
  fi
}

default_db_allow() { # every member address as a /32 (/128), from MICROSHOP_CLUSTER_MEMBERS
  local member host allow=""
  [[ -n "${MICROSHOP_CLUSTER_MEMBERS:-}" ]] || fail "--db-host needs --db-allow CIDR,... (or MICROSHOP_CLUSTER_MEMBERS to allow each member)"
  for member in $(split "$MICROSHOP_CLUSTER_MEMBERS"); do
    host="${member%:*}"
    [[ "$member" == *:*:* ]] && host="$member" # an IPv6 address without a port
    [[ "$host" =~ $IP_ADDRESS ]] || fail "the member $member is no IP address: name the database's clients with --db-allow CIDR,..."
    [[ "$host" == *:* ]] && allow+="${allow:+,}$host/128" || allow+="${allow:+,}$host/32"
  done
  echo "$allow"
}

start_db() { # service: its database server, listening for the cluster too
  local svc="$1"
  mkdir -p "$DIR/$svc" "$DB_RUN"
  echo "=== $(date -u +%FT%TZ) starting the database server of $svc" >>"$LOGS/db-$svc.log"
  db_server_cmd "$DIR/jars"
  "${DB_SERVER_CMD[@]}" --service "$svc" --data-dir "$DIR/$svc/pg" --port "$(db_port "$svc")" \
    --listen "$DB_LISTEN" --allow "$DB_ALLOW" >>"$LOGS/db-$svc.log" 2>&1 &
  echo $! >"$DB_RUN/$svc.pid"
  echo "started the database server of $svc (pid $!, $DB_LISTEN:$(db_port "$svc"))"
}

publish_secret() { # the role's password, where this machine's instances (and the operator's copy) read it
  local svc="$1"
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  install -m 600 "$DIR/$svc/pg-microshop-secrets/$svc.password" "$SECRETS/$svc.password"
}

start_one() { # service: its instance on this machine
  local svc="$1" up
  up=$(upper "$svc")
  local env=("MICROSHOP_METRICS_PORT=$(metrics_port "$svc-1")")
  if has_database "$svc" && ! external_db "$svc"; then
    env+=(
      "MICROSHOP_${up}_DB_EMBEDDED=false"
      "MICROSHOP_${up}_DB_HOST=$DB_ADDRESS"
      "MICROSHOP_${up}_DB_PORT=$(db_port "$svc")"
      "MICROSHOP_${up}_DB_DATABASE=$svc"
      "MICROSHOP_${up}_DB_USER=$svc"
      "MICROSHOP_${up}_DB_PASSWORD_FILE=$(cd "$SECRETS" && pwd)/$svc.password"
    )
  fi
  [[ "$svc" == web ]] && env+=("MICROSHOP_WEB_HTTP_PORT=$WEB_PORT")
  echo "=== $(date -u +%FT%TZ) starting $svc" >>"$LOGS/$svc.log"
  local jar # copied in the foreground, not in the background job: instances start one after the other
  jar=$(jar_copy "verticles/$svc/target/$svc-fat.jar" "$DIR/jars")
  env "${env[@]}" java ${JAVA_OPTS:-$LEAN_JAVA_OPTS} -jar "$jar" -cluster \
    >>"$LOGS/$svc.log" 2>&1 &
  echo $! >"$RUN/$svc.pid"
  echo "started $svc (pid $!)"
}

check_jars() { # the instances' jars; with database servers, the all-in-one jar that runs them
  local svc jar jars=()
  for svc in "${INSTANCE_LIST[@]}"; do jars+=("verticles/$svc/target/$svc-fat.jar"); done
  ((${#DB_LIST[@]} == 0)) || jars+=("$DB_SERVER_JAR")
  for jar in "${jars[@]}"; do
    [[ -f "$jar" ]] || fail "$jar is missing: build the jars (mvn -B -DskipTests package) or copy them here"
  done
}

check_ports() {
  local svc owner
  for svc in "${INSTANCE_LIST[@]}"; do
    [[ "$svc" == web ]] && require_free_port "$WEB_PORT" MICROSHOP_WEB_HTTP_PORT
    require_free_port "$(metrics_port "$svc-1")" MICROSHOP_METRICS_PORT_BASE
  done
  for svc in "${DB_LIST[@]}"; do
    if port_taken "$(db_port "$svc")"; then # a PostgreSQL a killed server of this directory left: the new one takes it over
      owner=$(port_owner "$(db_port "$svc")")
      if [[ -z "$owner" || "$owner" != "$(sed -n 1p "$DIR/$svc/pg/postmaster.pid" 2>/dev/null)" ]]; then
        require_free_port "$(db_port "$svc")" MICROSHOP_DB_PORT_BASE
      fi
    fi
  done
}

cmd_start() {
  local services="" db_services="" db_host=0 svc pidfile started=$SECONDS
  INSECURE=0 DB_ADDRESS="" DB_LISTEN="" DB_ALLOW=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --services) services="${2:?}"; shift 2 ;;
      --db-host) db_host=1; shift ;;
      --db-services) db_services="${2:?}"; shift 2 ;;
      --db-address) DB_ADDRESS="${2:?}"; shift 2 ;;
      --db-listen) DB_LISTEN="${2:?}"; shift 2 ;;
      --db-allow) DB_ALLOW="${2:?}"; shift 2 ;;
      --insecure) INSECURE=1; shift ;;
      *) usage ;;
    esac
  done
  INSTANCE_LIST=() DB_LIST=()
  for svc in $(split "$services"); do
    is_service "$svc" || fail "no service is named $svc (${SERVICES[*]})"
    INSTANCE_LIST+=("$svc")
  done
  if [[ $db_host -eq 1 ]]; then
    for svc in $(split "${db_services:-$(IFS=,; echo "${DB_SERVICES[*]}")}"); do
      has_database "$svc" || fail "$svc has no database (${DB_SERVICES[*]})"
      DB_LIST+=("$svc")
    done
    DB_LISTEN="${DB_LISTEN:-${MICROSHOP_CLUSTER_INTERFACE:-}}"
    [[ "$DB_LISTEN" =~ $IP_ADDRESS ]] || fail "--db-host needs the address to listen on: --db-listen ADDRESS (or MICROSHOP_CLUSTER_INTERFACE as an IP address)"
    DB_ALLOW="${DB_ALLOW:-$(default_db_allow)}"
    DB_ADDRESS="${DB_ADDRESS:-127.0.0.1}"
  elif [[ -n "$db_services" || -n "$DB_LISTEN" || -n "$DB_ALLOW" ]]; then
    fail "--db-services, --db-listen and --db-allow go with --db-host"
  fi
  ((${#INSTANCE_LIST[@]} + ${#DB_LIST[@]} > 0)) || fail "nothing to start: name --services, or --db-host"
  if ((${#INSTANCE_LIST[@]} > 0)); then
    check_event_bus_tls
    for svc in "${INSTANCE_LIST[@]}"; do
      has_database "$svc" && ! external_db "$svc" || continue
      [[ -n "$DB_ADDRESS" ]] || fail "$svc needs its database: name the database host with --db-address ADDRESS (or run the database servers here with --db-host)"
      if ! contains "$svc" "${DB_LIST[@]}" && [[ ! -r "$SECRETS/$svc.password" ]]; then
        fail "no password of role $svc in $SECRETS/: copy the database host's secrets here first, e.g.
  scp -rp DBHOST:$(pwd)/$DIR/db-secrets $DIR/"
      fi
    done
  fi
  check_jars
  mkdir -p "$RUN" "$DB_RUN" "$LOGS"
  for pidfile in "$RUN"/*.pid "$DB_RUN"/*.pid; do
    alive "$pidfile" && { echo "this node already runs (scripts/node.sh status)" >&2; exit 1; }
  done
  rm -f "$RUN"/*.pid "$DB_RUN"/*.pid
  check_ports
  trap 'echo; echo "interrupted: stopping what this start launched"; cmd_stop; exit 130' INT TERM
  for svc in "${DB_LIST[@]}"; do start_db "$svc"; done
  for svc in "${DB_LIST[@]}"; do
    await_log "$LOGS/db-$svc.log" "database server of $svc ready" "$DB_RUN/$svc.pid" "the database server of $svc" || abort_start
    publish_secret "$svc"
  done
  if ((${#DB_LIST[@]} > 0)); then
    echo "database servers ready on $DB_LISTEN (ports $(db_port "${DB_LIST[0]}")...$(db_port "${DB_LIST[-1]}"), clients $DB_ALLOW);"
    echo "role passwords in $SECRETS/: copy them to each service machine, e.g. scp -rp $DIR/db-secrets HOST:$(pwd)/$DIR/"
  fi
  for svc in "${INSTANCE_LIST[@]}"; do start_one "$svc"; done
  for svc in "${INSTANCE_LIST[@]}"; do
    await_log "$LOGS/$svc.log" "$(serving_line "$svc")" "$RUN/$svc.pid" "$svc" || abort_start
  done
  trap - INT TERM
  echo "node ready in $((SECONDS - started)) s"
}


cmd_status() {
  local any=0 pidfile name
  for pidfile in "$RUN"/*.pid "$DB_RUN"/*.pid; do
    [[ -f "$pidfile" ]] || continue
    any=1
    name=$(basename "$pidfile" .pid)
    [[ "$pidfile" == "$DB_RUN"/* ]] && name="db-$name"
    if alive "$pidfile"; then echo "$name: running (pid $(cat "$pidfile"))"; else echo "$name: not running"; fi
  done
  [[ $any -eq 1 ]] || { echo "nothing started from $DIR"; return 0; }
  if [[ -f "$RUN/web.pid" ]]; then
    echo "health: $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/health" 2>/dev/null || echo unreachable)"
  fi
}

cmd_stop() {
  shopt -s nullglob
  stop_all "$RUN"/web.pid # no new requests first
  stop_all "$RUN"/*.pid
  stop_all "$DB_RUN"/*.pid # once no instance here uses them
  shopt -u nullglob
  stop_orphaned_postgres "$DIR"/*/pg
  rm -rf "$DIR/jars" # the copies the JVMs ran (jar_copy)
  echo "stopped"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) usage ;;
esac
