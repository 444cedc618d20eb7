#!/usr/bin/env bash
# Lighthouse 12 (npm, lighthouse@12.2.3, installed here into bench/work/lighthouse) with Debian's
# chromium against four pages of a fresh all-in-one shop: the catalog, a product, the checkout
# (logged in, two products in the cart) and an order page (an approved order with its address).
# Fails when a page is below accessibility 100, best practices 95, SEO 95, or has a cumulative
# layout shift of 0.1 or more; the performance score is printed, not gated (this machine is
# shared). scripts/test.sh runs it after the Maven suite. HTML reports: bench/work/lighthouse/reports.
#   scripts/lighthouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
W=bench/work/lighthouse
JAR=app/target/microshop-fat.jar
LIGHTHOUSE=12.2.3
SUDO=""
[[ "$(id -u)" -eq 0 ]] || SUDO="sudo"

[[ -f "$JAR" ]] || { echo "building (mvn package, tests skipped)..."; mvn -B -q -DskipTests package; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing Debian's nodejs and npm for Lighthouse..."
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
if (($(node -p 'process.versions.node.split(".")[0]') < 18)); then
  echo "Lighthouse $LIGHTHOUSE needs Node 18 or later, not $(node --version)" >&2
  exit 1
fi
[[ -x /usr/bin/chromium ]] || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }
mkdir -p "$W"
if [[ "$(node -p "try { require('./$W/node_modules/lighthouse/package.json').version } catch { '' }")" != "$LIGHTHOUSE" ]]; then
  echo "installing lighthouse@$LIGHTHOUSE (npm)..."
  (cd "$W" && npm install --silent --no-audit --no-fund --no-save "lighthouse@$LIGHTHOUSE" >/dev/null)
fi

source scripts/lib/ports.sh # port_taken
PORT=18480
while port_taken "$PORT"; do PORT=$((PORT + 1)); done
rm -rf "$W/data" "$W/reports" && mkdir -p "$W/data"
MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR="$W/data/pg" MICROSHOP_WEB_AUTH_DEV_SECRET_FILE="$W/data/jwt" \
  MICROSHOP_WEB_HTTP_PORT="$PORT" java ${JAVA_OPTS:-} -jar "$JAR" >"$W/shop.log" 2>&1 &
SHOP=$!
trap 'kill "$SHOP" 2>/dev/null && wait "$SHOP" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null && break
  kill -0 "$SHOP" 2>/dev/null || { echo "the shop did not start:" >&2; tail -n 20 "$W/shop.log" >&2; exit 1; }
  sleep 0.5
done
echo "== Lighthouse $LIGHTHOUSE against the store front of http://127.0.0.1:$PORT/"
cp scripts/lib/lighthouse.mjs "$W/run.mjs" # beside its node_modules
CHROME_PATH=/usr/bin/chromium node "$W/run.mjs" "http://127.0.0.1:$PORT" "$W/reports"
