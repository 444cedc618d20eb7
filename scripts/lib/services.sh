# The shop's services and their ports, shared by cluster.sh and node.sh (sourced).
# Set DB_PORT_BASE and METRICS_PORT_BASE before calling db_port and metrics_port.

SERVICES=(inventory customer order shipping history web)
DB_SERVICES=(inventory customer order shipping history) # the web keeps no database

rank() { printf '%s\n' "${SERVICES[@]}" | grep -nx "$1" | cut -d: -f1; }
upper() { echo "$1" | tr '[:lower:]' '[:upper:]'; }
is_service() { printf '%s\n' "${SERVICES[@]}" | grep -qx "$1"; }
has_database() { printf '%s\n' "${DB_SERVICES[@]}" | grep -qx "$1"; }

# a service's database server listens on DB_PORT_BASE + its rank (inventory 1 … history 5)
db_port() { echo $((DB_PORT_BASE + $(rank "$1"))); }

metrics_port() { # instance name, e.g. order-2 → its /metrics port
  local svc="${1%-*}" i="${1##*-}"
  echo $((METRICS_PORT_BASE + $(rank "$svc") * 10 + i))
}
