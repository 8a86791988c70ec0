#!/usr/bin/env bash
# Identity figures: login throughput against the raw Argon2id verification rate on the same
# cores, and the latency authentication + authorization add to a GET. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -q -p linli-api
  cargo build --release -q -p linli-tests --bin argon2_rate
fi
dir=$(mktemp -d /tmp/linli-identity.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
port=${BENCH_PORT:-18530}
export DATABASE_URL="sqlite://$dir/linli.db" LINLI_BIND="127.0.0.1:$port" LINLI_JOBS_ENABLED=false \
  LINLI_LOG_LEVEL=warn LINLI_LOGIN_ATTEMPTS_PER_ADDRESS=100000000 LINLI_LOGIN_FAILURES_PER_ACCOUNT=100000000
"$target"/release/linli seed --demo >/dev/null
"$target"/release/linli serve >/dev/null & pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
duration=${BENCH_DURATION:-10s}
login_conns=${BENCH_LOGIN_CONNECTIONS:-4 8}
get_conns=${BENCH_GET_CONNECTIONS:-1 8}
declare -A login
for c in $login_conns; do
  echo "== login throughput (wrk -t2 -c$c -d$duration, server on both cores)"
  login[$c]=$(wrk -t2 -c"$c" -d"$duration" -s benches/login.lua "http://127.0.0.1:$port/api/v1/sessions" | awk '/Requests\/sec/ {print $2}')
done
echo "== raw Argon2id verifications on 2 threads"
raw=$("$target"/release/argon2_rate 2 "${duration%s}" | awk '{print $2}')
token=$(curl -sf -X POST -H 'content-type: application/json' -d '{"phone":"13900000008","password":"linli-demo-2026"}' "http://127.0.0.1:$port/api/v1/sessions" | sed 's/.*"token":"\([^"]*\)".*/\1/')
export LINLI_BENCH_TOKEN="$token"
declare -A me plain
for c in $get_conns; do
  echo "== authenticated GET /api/v1/me vs unauthenticated GET /api/v1/skills (wrk -t1 -c$c -d$duration)"
  me[$c]=$(wrk -t1 -c"$c" -d"$duration" --latency -s benches/me.lua "http://127.0.0.1:$port/api/v1/me")
  plain[$c]=$(wrk -t1 -c"$c" -d"$duration" --latency "http://127.0.0.1:$port/api/v1/skills")
done
p() { awk -v q="$2" '$1 == q {print $2}' <<<"$1"; }
printf '\n%-48s %s\n' "figure" "value"
printf '%-48s %s /s\n' "raw Argon2id verify, 2 threads" "$raw"
for c in $login_conns; do
  printf '%-48s %s req/s, ratio %s (target >= 0.8)\n' "login (POST /api/v1/sessions), $c clients" "${login[$c]}" \
    "$(awk -v a="${login[$c]}" -v b="$raw" 'BEGIN {printf "%.2f", a / b}')"
done
for c in $get_conns; do
  printf '%-48s p50 %s  p99 %s\n' "GET /api/v1/me (session + roles), $c clients" "$(p "${me[$c]}" 50%)" "$(p "${me[$c]}" 99%)"
  printf '%-48s p50 %s  p99 %s\n' "GET /api/v1/skills (no auth), $c clients" "$(p "${plain[$c]}" 50%)" "$(p "${plain[$c]}" 99%)"
done
