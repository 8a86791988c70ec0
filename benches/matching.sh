#!/usr/bin/env bash
# Matching figures: list_need_candidates among 100,000 verified volunteers over HTTP on
# loopback (p50/p99 with the index warm, the first request that builds it, the first after a
# profile change that rebuilds it) and the straight-from-the-store ranking as the baseline.
# Seeds only the run's own throwaway database. Bounded in count.
# Usage: benches/matching.sh [sqlite|postgres] [volunteers] [requests]
# PostgreSQL needs LINLI_TEST_POSTGRES_URL (an admin URL) at build time, as for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -q -p linli-tests --bin matching_bench
fi
target=${CARGO_TARGET_DIR:-target}
exec "$target/release/matching_bench" "${1:-sqlite}" "${2:-100000}" "${3:-2000}"
