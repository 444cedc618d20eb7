# The end of both chaos modes (sourced by chaos.sh and chaos-rolling.sh): once the storm is over, the
# cluster healthy and quiet, every invariant of design.md, and at least one approved order.
# Needs BASE (a web), BENCH (the bench command), W (the work directory, with accepted.txt) and
# MICROSHOP_CLUSTER_DIR.

# waits for the storm (STORM_PID) to end, at most HALF_SECONDS × 0.5 s (then fails with WHY), checks its
# exit status and sets SUMMARY (its last line) and ACCEPTED; uses the sourcing script's fail
await_storm_summary() {
  local half_seconds="$1" why="$2" storm_status=0
  for _ in $(seq 1 "$half_seconds"); do kill -0 "$STORM_PID" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$STORM_PID" 2>/dev/null; then
    kill "$STORM_PID" 2>/dev/null || true
    fail "$why"
  fi
  wait "$STORM_PID" || storm_status=$?
  ((storm_status == 0)) || { tail -n 20 "$W/storm.err" >&2; fail "the storm exited with status $storm_status"; }
  SUMMARY=$(tail -n 1 "$W/storm.out")
  [[ "$SUMMARY" =~ \"accepted\":([0-9]+) ]] || fail "the storm printed no summary: $SUMMARY"
  ACCEPTED=${BASH_REMATCH[1]}
}

diagnose() { # what an operator would look at first: the health report, each JVM, the end of each log
  echo "health: $(curl -sS "$BASE/health" 2>&1 || true)" >&2
  bash scripts/cluster.sh status >&2 || true
  for log in "$MICROSHOP_CLUSTER_DIR"/logs/*.log; do
    echo "--- the end of $log" >&2
    grep -v -E '^\s*at ' "$log" | tail -n 15 >&2
  done
}

# prints "orders: ..." and "invariants: N checked, M violated"; returns 1 on a violation, a checker
# that never succeeded in 240 s, or no approved order
check_invariants_when_quiet() {
  echo "== waiting for the cluster to be healthy and quiet, then checking every invariant"
  local deadline=$((SECONDS + 240)) status=1 approved
  until curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "the cluster did not recover" >&2; diagnose; return 1; }
    sleep 1
  done
  while ((SECONDS < deadline)); do
    if "${BENCH[@]}" check-invariants "$W/accepted.txt" >"$W/check.out" 2>"$W/check.err"; then
      status=0
      break
    fi
    sleep 5
  done
  grep -E "^VIOLATED" "$W/check.out" | head -n 20 || true
  grep -E "^orders:" "$W/check.out" || true
  grep -E "^invariants:" "$W/check.out" || { echo "invariants: 0 checked, 1 violated (the checker failed: see $W/check.err)"; status=1; }
  approved=$(sed -n -E 's/^orders: [0-9]+ accepted, ([0-9]+) approved.*/\1/p' "$W/check.out")
  if [[ -z "$approved" || "$approved" -eq 0 ]]; then
    echo "chaos: FAILED: no accepted order was approved (every invariant holds for an all-rejected run)" >&2
    status=1
  fi
  return $status
}
