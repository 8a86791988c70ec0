#!/usr/bin/env bash
# Browser tests of the web front end: builds linli, seeds the demo district into a fresh SQLite
# file, serves it on an ephemeral port, runs the Chromium tests against it, and stops it.
# Needs Node.js 20+ and Debian's chromium (apt-get install -y chromium).
# Screenshots of failing tests land in web/tests/screenshots/ (or $WEB_TEST_SCREENSHOTS).
# `run.sh measure` measures the first visit on a throttled phone instead (see measure.js).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

work="$(mktemp -d /tmp/linli-web-tests.XXXXXX)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Copy the binary at once: a target directory shared with other checkouts may be rebuilt
# under our feet.
cd "$root"
cargo build -q -p linli-api --bin linli
cp "$target/debug/linli" "$work/linli"
bin="$work/linli"

export DATABASE_URL="sqlite://$work/linli.db"
export LINLI_BIND="127.0.0.1:0"
export LINLI_MAIL_DIR="$work/mail"
export LINLI_JOBS_ENABLED=false
export LINLI_LOG_LEVEL="${LINLI_LOG_LEVEL:-warn}"
# The tests register a webhook endpoint on this machine (nothing listens there).
export LINLI_WEBHOOK_ALLOWED_TARGETS="127.0.0.1"
# Every scenario signs demo people in from this one address, more than the default 30 a minute.
export LINLI_LOGIN_ATTEMPTS_PER_ADDRESS=300

"$bin" seed --demo >"$work/seed.log"
password="$(sed -n 's/.*password for all: \(.*\)):.*/\1/p' "$work/seed.log")"
"$bin" serve >"$work/serve.log" 2>&1 &
server=$!

url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" 2>/dev/null | head -n 1 || true)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { echo "linli did not start"; cat "$work/serve.log"; exit 1; }
echo "linli serving $url"

cd "$here"
[ -d node_modules ] || npm ci --no-audit --no-fund
export WEB_TEST_URL="$url" WEB_TEST_PASSWORD="$password"
if [ "${1:-}" = "measure" ]; then
  node measure.js
else
  node --test --test-concurrency=1 "$@" e2e.test.js
fi
