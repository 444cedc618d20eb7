#!/usr/bin/env bash
# Runs every test: unit and service tests (surefire), then the system tests that start real
# JVMs from the fat jars (failsafe: the all-in-one restart and the two-JVM cluster).
# Needs a JDK 17+ and Maven; PostgreSQL is embedded, so nothing else is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v java >/dev/null || { echo "a JDK 17+ is needed (java not found)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "Maven is needed (mvn not found)" >&2; exit 1; }

mvn -B verify "$@"
