#!/usr/bin/env bash
# Benchmarks for Linli's service foundation; see benches/README.md.
#
#   1. cold start: `linli serve` on an existing, migrated SQLite database until GET /readyz is 200
#   2. GET /healthz throughput, linli against a bare hyper server sending the same bytes, both
#      loaded by the same wrk in the same run; the figure is the ratio linli/hyper
#   3. linli's resident memory (VmRSS) idle after start and after the load
#
# Only 127.0.0.1 is ever contacted. Every process it starts is ended on exit (trap), the
# measuring part runs under `timeout`, and every wait inside it is bounded.
#
# Settings (environment):
#   BENCH_COLD_RUNS=20       cold starts measured (one more, discarded, runs first)
#   BENCH_ROUNDS=3           throughput rounds; each round loads linli and hyper once
#   BENCH_WRK_DURATION=10s   length of one wrk run
#   BENCH_WRK_CONNECTIONS=32 open connections
#   BENCH_WRK_THREADS=1      wrk threads
#   BENCH_SERVER_CPU=0       CPU the servers are pinned to during the load
#   BENCH_LOAD_CPU=1         CPU wrk is pinned to
#   BENCH_PORT_BASE=18480    first port tried (linli, hyper take the next free ones)
#   BENCH_TIMEOUT_SECS=300   hard limit for the measuring part (builds not included)
#   BENCH_QUIET_WAIT_SECS=0  first wait up to this long for other load to drop to
#   BENCH_QUIET_PERCENT=15   ... this share of all cores (also the threshold of the warning)
#   BENCH_BUILD_TIMEOUT_SECS=1800  limit for each cargo build
#   BENCH_SKIP_BUILD=1       use the binaries already in target/release
#   BENCH_STRICT=1           exit 1 when a figure misses its target
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/benches/foundation.sh"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LINLI="$TARGET_DIR/release/linli"
HYPER="$TARGET_DIR/release/linli-bench-hyper-baseline"

COLD_RUNS="${BENCH_COLD_RUNS:-20}"
ROUNDS="${BENCH_ROUNDS:-3}"
WRK_DURATION="${BENCH_WRK_DURATION:-10s}"
WRK_CONNECTIONS="${BENCH_WRK_CONNECTIONS:-32}"
WRK_THREADS="${BENCH_WRK_THREADS:-1}"
SERVER_CPU="${BENCH_SERVER_CPU:-0}"
LOAD_CPU="${BENCH_LOAD_CPU:-1}"
PORT_BASE="${BENCH_PORT_BASE:-18480}"
TIMEOUT_SECS="${BENCH_TIMEOUT_SECS:-300}"
QUIET_WAIT_SECS="${BENCH_QUIET_WAIT_SECS:-0}"
QUIET_PERCENT="${BENCH_QUIET_PERCENT:-15}"
BUILD_TIMEOUT_SECS="${BENCH_BUILD_TIMEOUT_SECS:-1800}"

COLD_TARGET_MS=1000
RATIO_TARGET=0.80

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Phase 0 (outer invocation): tools and release builds, then re-run self under `timeout`.
# ---------------------------------------------------------------------------------------------
if [[ "${1:-}" != "--measure" ]]; then
    for tool in wrk curl taskset; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            log "installing $tool (Debian package)"
            pkg="$tool"
            [[ "$tool" == taskset ]] && pkg=util-linux
            if [[ "$(id -u)" -ne 0 ]]; then die "$tool is missing; install the Debian package $pkg"; fi
            timeout 300 apt-get update -qq >&2 || die "apt-get update failed"
            DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq "$pkg" >&2 ||
                die "apt-get install $pkg failed"
        fi
    done
    if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
        cd "$ROOT"
        # Two separate builds, so that neither package's features leak into the other's.
        for package in linli-api linli-bench-hyper-baseline; do
            log "cargo build --release -p $package"
            timeout "$BUILD_TIMEOUT_SECS" cargo build --release -p "$package" >&2 ||
                die "building $package failed"
        done
    fi
    [[ -x "$LINLI" ]] || die "$LINLI is missing (build with: cargo build --release -p linli-api)"
    [[ -x "$HYPER" ]] || die "$HYPER is missing (build with: cargo build --release -p linli-bench-hyper-baseline)"
    # The measuring part gets TERM after TIMEOUT_SECS (its trap then ends what it started)
    # and KILL 20 s later if it still has not stopped.
    set +e
    # --foreground keeps it in this process group, so Ctrl-C reaches it and its children.
    timeout --foreground --kill-after=20 "$TIMEOUT_SECS" bash "$SELF" --measure
    status=$?
    set -e
    [[ $status -eq 124 ]] && log "stopped: the measuring part ran past ${TIMEOUT_SECS}s"
    exit "$status"
fi

# ---------------------------------------------------------------------------------------------
# Measuring part.
# ---------------------------------------------------------------------------------------------
WORK="$(mktemp -d /tmp/linli-bench.XXXXXX)"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    exec 9>&- 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

forget_pid() {
    local gone="$1" kept=() pid
    for pid in "${PIDS[@]}"; do [[ "$pid" == "$gone" ]] || kept+=("$pid"); done
    PIDS=("${kept[@]}")
}

# Ends one started process: TERM, then KILL after 5 s.
stop_process() {
    local pid="$1"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

# A sleep without forking: a read that times out on a FIFO nobody writes to.
mkfifo "$WORK/nap"
exec 9<>"$WORK/nap"
nap() { read -r -t "$1" -u 9 _ || true; }

# Sets HTTP_STATUS to the status of GET PATH on 127.0.0.1:PORT, or to "" when nothing answers.
# Bash's /dev/tcp and builtins only: no process is started, so polling is cheap and fine-grained.
HTTP_STATUS=""
http_status() {
    local port="$1" path="$2" line=""
    HTTP_STATUS=""
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 0
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3 2>/dev/null || true
    read -r -t 2 -u 3 line 2>/dev/null || true
    exec 3>&- 3<&-
    line="${line%$'\r'}"
    if [[ "$line" =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]]; then HTTP_STATUS="${BASH_REMATCH[1]}"; fi
    return 0
}

port_in_use() {
    if { exec 4<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; then
        exec 4>&- 4<&-
        return 0
    fi
    return 1
}
next_free_port() {
    local port="$1"
    while port_in_use "$port"; do
        port=$((port + 1))
        ((port < PORT_BASE + 200)) || die "no free port from $PORT_BASE on"
    done
    printf '%s' "$port"
}

# Waits (bounded by LIMIT_US) until GET PATH answers 200 and sets READY_US to the
# microseconds since START_US; fails when PID has exited or the limit passed.
READY_US=0
now_us() { local t="$EPOCHREALTIME"; NOW_US="${t/./}"; }
wait_ready() {
    local port="$1" path="$2" start_us="$3" limit_us="$4" pid="$5"
    while :; do
        http_status "$port" "$path"
        now_us
        if [[ "$HTTP_STATUS" == 200 ]]; then
            READY_US=$((NOW_US - start_us))
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        ((NOW_US - start_us < limit_us)) || return 1
        nap 0.002
    done
}

# Samples /proc/stat over 1 s and appends the busy share of all cores (in %) to FILE
# ($WORK/background by default). Taken only while our servers are idle, it shows what else the
# machine is doing (a build, a test run) that would make the figures noisy.
background_sample() {
    local file="${1:-$WORK/background}"
    local _cpu user nice system idle iowait irq softirq steal _rest t1 i1 t2 i2
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    t1=$((user + nice + system + idle + iowait + irq + softirq + steal))
    i1=$((idle + iowait))
    nap 1
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    t2=$((user + nice + system + idle + iowait + irq + softirq + steal))
    i2=$((idle + iowait))
    awk -v t=$((t2 - t1)) -v i=$((i2 - i1)) 'BEGIN { printf "%.0f\n", (t > 0 ? 100 * (t - i) / t : 0) }' \
        >>"$file"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Sorted numbers on stdin -> "median min p25 p75 max" (nearest-rank percentiles).
stats() {
    sort -n | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "- - - - -"; exit }
            med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            p25 = v[int((NR - 1) * 0.25 + 1.5)]; p75 = v[int((NR - 1) * 0.75 + 1.5)]
            print med, v[1], p25, p75, v[NR]
        }'
}

CORES="$(nproc)"
PIN_SERVER=()
PIN_LOAD=()
PINNING="not pinned"
if ((CORES >= 2)); then
    PIN_SERVER=(taskset -c "$SERVER_CPU")
    PIN_LOAD=(taskset -c "$LOAD_CPU")
    PINNING="servers on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU"
else
    log "only $CORES core(s): not pinning"
fi

DB="$WORK/linli.db"
LINLI_ENV=(
    "DATABASE_URL=sqlite://$DB"
    "LINLI_JOBS_ENABLED=false"
    "LINLI_LOG_LEVEL=warn"
    "LINLI_LOG_FORMAT=json"
    "LINLI_SHUTDOWN_GRACE_SECS=2"
)
# Only these settings: none from the caller's environment, nor a ./linli.toml.
for name in $(compgen -e | grep '^LINLI_' || true); do unset "$name"; done
cd "$WORK"

log "linli migrate -> $DB"
env "${LINLI_ENV[@]}" LINLI_BIND=127.0.0.1:0 timeout 60 "$LINLI" migrate >"$WORK/migrate.log" 2>&1 ||
    die "linli migrate failed: $(tail -n 5 "$WORK/migrate.log")"

# Optionally wait (bounded) for the machine to calm down before measuring.
if ((QUIET_WAIT_SECS > 0)); then
    waited=0
    while :; do
        background_sample "$WORK/quiet"
        busy="$(tail -n 1 "$WORK/quiet")"
        ((busy <= QUIET_PERCENT || waited >= QUIET_WAIT_SECS)) && break
        ((waited == 0)) && log "machine busy (${busy}% CPU); waiting up to ${QUIET_WAIT_SECS}s for <= ${QUIET_PERCENT}%"
        waited=$((waited + 1))
    done
    ((waited == 0)) || log "waited ${waited}s; background now ${busy}%"
fi

# ------------------------------------------------------------------ 1. cold start
: >"$WORK/background"
background_sample
LINLI_PORT="$(next_free_port "$PORT_BASE")"
log "cold start: $COLD_RUNS runs (+1 discarded) on 127.0.0.1:$LINLI_PORT"
: >"$WORK/cold.txt"
for run in $(seq 0 "$COLD_RUNS"); do
    now_us
    start=$NOW_US
    env "${LINLI_ENV[@]}" "LINLI_BIND=127.0.0.1:$LINLI_PORT" "$LINLI" serve >"$WORK/cold.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if ! wait_ready "$LINLI_PORT" /readyz "$start" 10000000 "$pid"; then
        die "cold start $run: /readyz not 200 within 10 s: $(tail -n 5 "$WORK/cold.log")"
    fi
    stop_process "$pid"
    ((run == 0)) || echo "$READY_US" >>"$WORK/cold.txt"
done
read -r COLD_MED COLD_MIN COLD_P25 COLD_P75 COLD_MAX < <(stats <"$WORK/cold.txt")
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
log "cold start median $(ms "$COLD_MED") ms (min $(ms "$COLD_MIN"), max $(ms "$COLD_MAX"))"

# ------------------------------------------------------------------ 2. and 3. load and memory
HYPER_PORT="$(next_free_port $((LINLI_PORT + 1)))"
env "${LINLI_ENV[@]}" "LINLI_BIND=127.0.0.1:$LINLI_PORT" "${PIN_SERVER[@]}" "$LINLI" serve >"$WORK/linli.log" 2>&1 &
LINLI_PID=$!
PIDS+=("$LINLI_PID")
"${PIN_SERVER[@]}" "$HYPER" "$HYPER_PORT" >"$WORK/hyper.log" 2>&1 &
HYPER_PID=$!
PIDS+=("$HYPER_PID")
now_us
wait_ready "$LINLI_PORT" /readyz "$NOW_US" 10000000 "$LINLI_PID" ||
    die "linli did not become ready: $(tail -n 5 "$WORK/linli.log")"
wait_ready "$HYPER_PORT" /healthz "$NOW_US" 10000000 "$HYPER_PID" ||
    die "the hyper baseline did not start: $(tail -n 5 "$WORK/hyper.log")"
sleep 1
RSS_IDLE="$(rss_kib "$LINLI_PID")"
log "linli idle: VmRSS $(mib "$RSS_IDLE") MiB"

# Both must send the same body and content type.
fetch_healthz() {
    local name="$1" port="$2"
    curl -sS --max-time 5 -D "$WORK/$name.headers" -o "$WORK/$name.body" "http://127.0.0.1:$port/healthz" ||
        die "$name /healthz: no answer"
    grep -qi '^content-type: application/json' "$WORK/$name.headers" || die "$name /healthz: wrong content type"
}
fetch_healthz linli "$LINLI_PORT"
fetch_healthz hyper "$HYPER_PORT"
cmp -s "$WORK/linli.body" "$WORK/hyper.body" || die "/healthz bodies differ"
log "/healthz body: $(cat "$WORK/linli.body") ($(wc -c <"$WORK/linli.body") bytes) from both"

# CPU time (user + system, all threads) PID has used so far, in clock ticks.
CLK_TCK="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# One wrk run against the server PID listening on PORT; appends
# "requests_per_second p50_ms p99_ms server_cpu_us_per_request" to RESULTS (when given) and
# sets RPS, P50, P99 and CPU_US. Called directly, never in a subshell, so that the traps know
# its process.
WRK_PID=""
wrk_run() {
    local port="$1" pid="$2" duration="$3" out="$4" results="${5:-/dev/null}" ticks_before ticks_after
    ticks_before="$(cpu_ticks "$pid")"
    "${PIN_LOAD[@]}" wrk --latency -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$duration" --timeout 5s \
        "http://127.0.0.1:$port/healthz" >"$out" 2>&1 &
    WRK_PID=$!
    PIDS+=("$WRK_PID")
    # `wait` (unlike a foreground command) lets the TERM trap run at once.
    wait "$WRK_PID" || die "wrk failed: $(cat "$out")"
    forget_pid "$WRK_PID"
    ticks_after="$(cpu_ticks "$pid")"
    if grep -q 'Non-2xx' "$out"; then die "non-2xx responses: $(cat "$out")"; fi
    awk '
        function to_ms(s) {
            if (s ~ /us$/) return substr(s, 1, length(s) - 2) / 1000
            if (s ~ /ms$/) return substr(s, 1, length(s) - 2) + 0
            if (s ~ /s$/) return substr(s, 1, length(s) - 1) * 1000
            return s
        }
        /^Requests\/sec:/ { rps = $2 }
        / requests in / { n = $1 }
        $1 == "50%" { p50 = to_ms($2) }
        $1 == "99%" { p99 = to_ms($2) }
        END { printf "%s %s %s %.2f\n", rps, p50, p99, (n > 0 ? ticks * 1e6 / hz / n : 0) }' \
        ticks=$((ticks_after - ticks_before)) hz="$CLK_TCK" "$out" >"$out.parsed"
    read -r RPS P50 P99 CPU_US <"$out.parsed"
    [[ -n "$RPS" && -n "$P99" ]] || die "cannot read wrk's output: $(cat "$out")"
    echo "$RPS $P50 $P99 $CPU_US" >>"$results"
}

background_sample
log "warm-up: 2 s each"
wrk_run "$LINLI_PORT" "$LINLI_PID" 2s "$WORK/warm-linli.txt"
wrk_run "$HYPER_PORT" "$HYPER_PID" 2s "$WORK/warm-hyper.txt"

: >"$WORK/linli.rps"
: >"$WORK/hyper.rps"
: >"$WORK/ratio"
for round in $(seq 1 "$ROUNDS"); do
    # Alternate which server goes first, so a drift in the machine favours neither.
    if ((round % 2)); then order=(linli hyper); else order=(hyper linli); fi
    for server in "${order[@]}"; do
        if [[ $server == linli ]]; then port=$LINLI_PORT pid=$LINLI_PID; else port=$HYPER_PORT pid=$HYPER_PID; fi
        background_sample
        wrk_run "$port" "$pid" "$WRK_DURATION" "$WORK/wrk-$server-$round.txt" "$WORK/$server.rps"
        if [[ $server == linli ]]; then RPS_LINLI=$RPS; else RPS_HYPER=$RPS; fi
        log "round $round $server: $RPS req/s, p50 $P50 ms, p99 $P99 ms, server CPU $CPU_US us/request"
    done
    awk -v a="$RPS_LINLI" -v b="$RPS_HYPER" 'BEGIN { printf "%.4f\n", a / b }' >>"$WORK/ratio"
done
RSS_LOADED="$(rss_kib "$LINLI_PID")"
HWM="$(hwm_kib "$LINLI_PID")"
HYPER_RSS="$(rss_kib "$HYPER_PID")"

read -r L_MED L_MIN _ _ L_MAX < <(cut -d' ' -f1 "$WORK/linli.rps" | stats)
read -r H_MED H_MIN _ _ H_MAX < <(cut -d' ' -f1 "$WORK/hyper.rps" | stats)
read -r L_P50 _ _ _ _ < <(cut -d' ' -f2 "$WORK/linli.rps" | stats)
read -r L_P99 _ _ _ _ < <(cut -d' ' -f3 "$WORK/linli.rps" | stats)
read -r H_P50 _ _ _ _ < <(cut -d' ' -f2 "$WORK/hyper.rps" | stats)
read -r H_P99 _ _ _ _ < <(cut -d' ' -f3 "$WORK/hyper.rps" | stats)
read -r _ R_MIN _ _ R_MAX < <(stats <"$WORK/ratio")
read -r LC_MED LC_MIN _ _ LC_MAX < <(cut -d' ' -f4 "$WORK/linli.rps" | stats)
read -r HC_MED HC_MIN _ _ HC_MAX < <(cut -d' ' -f4 "$WORK/hyper.rps" | stats)
CPU_RATIO="$(awk -v l="$LC_MED" -v h="$HC_MED" 'BEGIN { printf "%.2f", (l > 0 ? h / l : 0) }')"
COUNT_BG="$(wc -l <"$WORK/background")"
read -r BG_MED BG_MIN _ _ BG_MAX < <(stats <"$WORK/background")
BG_NOTE=""
if ((BG_MAX > QUIET_PERCENT)); then
    BG_NOTE="
WARNING: something else used up to ${BG_MAX}% of the CPUs while the servers were idle;
         the figures are noisy, run again on a quiet machine."
fi
RATIO="$(awk -v a="$L_MED" -v b="$H_MED" 'BEGIN { printf "%.2f", a / b }')"

verdict() { if awk "BEGIN { exit !($1) }"; then echo ok; else echo MISSED; fi; }
COLD_OK="$(verdict "$COLD_MED / 1000 <= $COLD_TARGET_MS")"
RATIO_OK="$(verdict "$RATIO >= $RATIO_TARGET")"
k() { awk -v r="$1" 'BEGIN { printf "%.1fk", r / 1000 }'; }

cat <<EOF

Linli foundation benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $CORES cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)),
git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty'), load: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, $PINNING,
linli built $(date -u -r "$LINLI" +%Y-%m-%dT%H:%MZ)

| figure                                   | median        | spread                                             | target     |        |
|------------------------------------------|---------------|----------------------------------------------------|------------|--------|
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "cold start to /readyz 200 ($COLD_RUNS runs)" "$(ms "$COLD_MED") ms" "min $(ms "$COLD_MIN"), IQR $(ms "$COLD_P25")-$(ms "$COLD_P75"), max $(ms "$COLD_MAX") ms" "<= $COLD_TARGET_MS ms" "$COLD_OK")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "GET /healthz linli ($ROUNDS x $WRK_DURATION)" "$(k "$L_MED") req/s" "$(k "$L_MIN")-$(k "$L_MAX"); p50 $L_P50 ms, p99 $L_P99 ms" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "GET /healthz hyper ($ROUNDS x $WRK_DURATION)" "$(k "$H_MED") req/s" "$(k "$H_MIN")-$(k "$H_MAX"); p50 $H_P50 ms, p99 $H_P99 ms" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "throughput ratio linli/hyper" "$RATIO" "per round $(printf '%.2f' "$R_MIN")-$(printf '%.2f' "$R_MAX")" ">= $RATIO_TARGET" "$RATIO_OK")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "server CPU per request, linli" "$LC_MED us" "$LC_MIN-$LC_MAX us" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "server CPU per request, hyper" "$HC_MED us" "$HC_MIN-$HC_MAX us" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "CPU cost ratio hyper/linli" "$CPU_RATIO" "throughput ratio if the server core is the limit" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "linli VmRSS idle after start" "$(mib "$RSS_IDLE") MiB" "one sample, 1 s after ready" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "linli VmRSS after the load" "$(mib "$RSS_LOADED") MiB" "peak (VmHWM) $(mib "$HWM") MiB" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "hyper baseline VmRSS after the load" "$(mib "$HYPER_RSS") MiB" "for scale" "" "")
$(printf '| %-40s | %-13s | %-50s | %-10s | %-6s |' "background CPU, servers idle (${COUNT_BG} x 1 s)" "${BG_MED}%" "min ${BG_MIN}%, max ${BG_MAX}% of all cores" "quiet" "")
EOF
printf '%s\n' "$BG_NOTE"

printf '\nper round (req/s; p50 ms, p99 ms, server CPU us/request):\n'
paste -d' ' "$WORK/linli.rps" "$WORK/hyper.rps" "$WORK/ratio" |
    awk '{ printf "  round %d: linli %s (%s, %s, %s)   hyper %s (%s, %s, %s)   ratio %.2f\n", NR, $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
printf 'cold start samples (ms):'
while read -r us; do printf ' %s' "$(ms "$us")"; done <"$WORK/cold.txt"
printf '\n'

if [[ "${BENCH_STRICT:-0}" == 1 && ("$COLD_OK" != ok || "$RATIO_OK" != ok) ]]; then
    exit 1
fi
