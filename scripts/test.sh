#!/usr/bin/env bash
# Runs every test: unit and service tests (surefire), then the system tests that start real
# JVMs from the fat jars and drive the store front in headless Chromium (failsafe), but for the
# ones tagged "long" (the rolling restart of the whole cluster under an order storm, 6-8 min,
# the multi-host storm through a partition and a host's loss, 4-7 min, and instances stalled with
# SIGSTOP, about 3 min) and "manual" (none today); then Lighthouse against four pages of a fresh shop
# (scripts/lighthouse.sh: accessibility 100, best practices and SEO >= 95, CLS < 0.1).
#   scripts/test.sh [MAVEN ARGS...]          the suite (17-20 min on 2 cores, Lighthouse included)
#   scripts/test.sh --long [MAVEN ARGS...]   the long ones only (the build, then those ITs)
# Needs a JDK 17+ and Maven; PostgreSQL is embedded. Debian's chromium and chromium-driver are
# installed here when missing (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v java >/dev/null || { echo "a JDK 17+ is needed (java not found)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "Maven is needed (mvn not found)" >&2; exit 1; }

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  echo "installing Debian's chromium and chromium-driver for the browser tests..."
  SUDO=""
  [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [[ "${1:-}" == "--long" ]]; then
  shift
  exec mvn -B verify -Dit.groups=long -Dit.excludedGroups= -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "$@"
fi
mvn -B verify "$@"
bash scripts/lighthouse.sh
