# Port checks shared by run.sh and cluster.sh (sourced): a script must never start a JVM on a
# port that something else holds, nor take another process's answer for its own.

# true when something listens on 127.0.0.1:PORT
port_taken() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# the pid listening on PORT, when ss (iproute2) can tell; empty otherwise
port_owner() { ss -ltnpH "sport = :$1" 2>/dev/null | sed -n -E 's/.*pid=([0-9]+).*/\1/p' | head -n 1; }

# one line on what holds PORT: a Microshop (it answers /health), or the process ss names
port_holder() {
  local port="$1" pid what
  pid=$(port_owner "$port")
  what=${pid:+"pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80 | sed 's/ *$//')"}
  if curl -s -m 2 "http://127.0.0.1:$port/health" 2>/dev/null | grep -q '"checks"'; then
    echo "a Microshop shop${pid:+ (pid $pid)}"
  else
    echo "${what:-another process}"
  fi
}

# exits with one line when PORT is taken; $2 names the variable that moves it
require_free_port() {
  local port="$1" variable="$2"
  if port_taken "$port"; then
    echo "port $port is already in use by $(port_holder "$port"); stop it, or set $variable to a free port" >&2
    exit 1
  fi
}

# true when PORT is held by PID (or ss cannot tell, so nothing contradicts it)
port_held_by() {
  local owner
  owner=$(port_owner "$1")
  [[ -z "$owner" || "$owner" == "$2" ]]
}
