#!/usr/bin/env bash
# Claim figures: 1,000 trials of 200 concurrent claimers on one need of headcount k (exactly k
# winners each time), claim p99 against the bare guarded UPDATE under the same load, and the
# per-step median of a need → claim → check-in → check-out → confirm loop with one client.
# Loopback only, bounded in count. Usage: benches/claims.sh [sqlite|postgres] [trials] [claimers] [loops]
# PostgreSQL needs LINLI_TEST_POSTGRES_URL (an admin URL) at build time, as for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -q -p linli-tests --bin claims_bench
fi
target=${CARGO_TARGET_DIR:-target}
exec "$target/release/claims_bench" "${1:-sqlite}" "${2:-1000}" "${3:-200}" "${4:-200}"
