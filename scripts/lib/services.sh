# The shop's services and their ports, shared by cluster.sh and node.sh (sourced).
# Set DB_PORT_BASE and METRICS_PORT_BASE before calling db_port and metrics_port.

SERVICES=(inventory customer order shipping history web)
DB_SERVICES=(inventory customer order shipping history) # the web keeps no database

rank() { printf '%s\n' "${SERVICES[@]}" | grep -nx "$1" | cut -d: -f1; }
upper() { echo "$1" | tr '[:lower:]' '[:upper:]'; }
# (a loop, not printf | grep -q: under pipefail, grep's early exit can fail the pipeline with SIGPIPE)
contains() { local x="$1" e; shift; for e in "$@"; do [[ "$e" == "$x" ]] && return 0; done; return 1; }
is_service() { contains "$1" "${SERVICES[@]}"; }
has_database() { contains "$1" "${DB_SERVICES[@]}"; }

# a service's database server listens on DB_PORT_BASE + its rank (inventory 1 … history 5)
db_port() { echo $((DB_PORT_BASE + $(rank "$1"))); }

metrics_port() { # instance name, e.g. order-2 → its /metrics port
  local svc="${1%-*}" i="${1##*-}"
  echo $((METRICS_PORT_BASE + $(rank "$svc") * 10 + i))
}
