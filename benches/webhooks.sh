#!/usr/bin/env bash
# Webhook relay throughput vs a plain HTTP client, and delivery lag at a fixed event rate.
# See benches/README.md ("Webhooks"). Talks only to 127.0.0.1; the database is a temporary
# SQLite file unless DATABASE_URL names a PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    timeout "${BENCH_BUILD_TIMEOUT_SECS:-1800}" cargo build --release -p linli-bench-webhooks
fi
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, $(date -u +%FT%TZ)"
LINLI_LOG_LEVEL="${LINLI_LOG_LEVEL:-warn}" exec timeout "${BENCH_TIMEOUT_SECS:-600}" \
    "$target/release/linli-bench-webhooks"
