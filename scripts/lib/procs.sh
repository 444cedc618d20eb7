# Process helpers shared by cluster.sh and node.sh (sourced): pid files, start-up waits, graceful stops.

# a pid file's process runs (a zombie does not: a killed JVM stays one until init reaps it)
alive() {
  [[ -f "$1" ]] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# waits until LOG has a line matching PATTERN after its last "=== ... starting" marker; fails when
# the process of PIDFILE ends first, or after MICROSHOP_START_TIMEOUT (default 240 s)
await_log() {
  local log="$1" pattern="$2" pidfile="$3" what="$4" deadline=$((SECONDS + ${MICROSHOP_START_TIMEOUT:-240}))
  while ((SECONDS < deadline)); do
    if awk -v p="$pattern" '/^=== .* starting/ { found = 0 } index($0, p) { found = 1 } END { exit !found }' "$log" 2>/dev/null; then
      return 0
    fi
    if ! alive "$pidfile"; then
      echo "$what ended while starting; its log:" >&2
      start_failure_log "$log" >&2
      return 1
    fi
    sleep 0.3
  done
  echo "$what did not start in time; its log:" >&2
  start_failure_log "$log" >&2
  return 1
}

# what the log of a failed start shows: its last 30 lines, or, when Vert.x timed out in its start (the
# launcher logs where each thread was then: Launcher.afterFailureToStartVertx), the lines from there on
start_failure_log() {
  local from # the line of the last start's thread dump, 0 when it has none
  from=$(awk '/^=== .* starting/ { from = 0 } /where this JVM.s threads are/ && !from { from = NR } END { print from + 0 }' "$1")
  if ((from > 0)); then tail -n "+$from" "$1"; else tail -n 30 "$1"; fi
}

# SIGTERM to every pid file given, then wait for them all (30 s), SIGKILL what remains
stop_all() {
  local pidfile deadline
  for pidfile in "$@"; do
    alive "$pidfile" && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  deadline=$((SECONDS + 30))
  for pidfile in "$@"; do
    [[ -f "$pidfile" ]] || continue
    while alive "$pidfile" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "$pidfile"; then
      echo "$(basename "$pidfile" .pid) did not stop in 30 s: killing it"
      kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

# the line an instance logs once it serves: a service once its discovery record is published, the
# web once its HTTP server listens
serving_line() { [[ "$1" == web ]] && echo "store front at" || echo "$1 service started"; }

# shuts down (fast) the PostgreSQL a killed database server left running in each data directory given
stop_orphaned_postgres() {
  local dir pm pid
  for dir in "$@"; do
    pm="$dir/postmaster.pid"
    [[ -f "$pm" ]] || continue
    pid=$(sed -n 1p "$pm")
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true
      echo "stopped the PostgreSQL left by a killed database server ($(dirname "$dir"))"
    fi
  done
}

# a start that failed stops what it launched (the logs stay) rather than leave part of the shop
# running; uses the sourcing script's cmd_stop and LOGS
abort_start() {
  trap - INT TERM
  echo "the start failed: stopping what it launched (logs in $LOGS)" >&2
  cmd_stop >&2
  exit 1
}

# The jar a JVM started now runs: a copy of JAR under DIR (one per content, named by its checksum), taken at the
# JVM's start. `mvn package` rewrites target/*.jar in place, and a JVM loads classes from its jar for as long as it
# runs: one whose jar was rebuilt under it failed with NoClassDefFoundError in its Hazelcast threads and shutdown
# hook, and did not stop in 30 s. With copies a build touches no running JVM, and `rolling-restart` after a build
# starts each instance on the new jar. A copy no running process uses any more is deleted when a new one is made.
jar_copy() {
  local jar="$1" dir="$2" name key copy old
  name=$(basename "$jar" .jar)
  key=$(cksum <"$jar" | cut -d' ' -f1)
  copy="$dir/$name-$key.jar"
  if [[ ! -f "$copy" ]]; then
    mkdir -p "$dir"
    cp "$jar" "$copy.part" && mv "$copy.part" "$copy"
    for old in "$dir/$name"-*.jar; do
      [[ "$old" == "$copy" ]] || grep -qsF -- "$old" /proc/[0-9]*/cmdline || rm -f "$old"
    done
  fi
  echo "$copy"
}

# DB_SERVER_JAVA (jvm.sh) as the array DB_SERVER_CMD, its jar a copy under DIR (jar_copy)
db_server_cmd() {
  local jar e
  jar=$(jar_copy "$DB_SERVER_JAR" "$1")
  DB_SERVER_CMD=()
  for e in "${DB_SERVER_JAVA[@]}"; do
    [[ "$e" == "$DB_SERVER_JAR" ]] && e=$jar
    DB_SERVER_CMD+=("$e")
  done
}
