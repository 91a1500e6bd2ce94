#!/usr/bin/env bash
# bench/was.sh: the application server's full-text search on SQLite, requests per second
# and server CPU time per request, measured with wrk.
#
# `roundtrip serve was` runs on a fresh SQLite database (the seed corpus, 320 documents),
# pinned to CPU 1; wrk, pinned to CPU 0, sends GET /search?q=... over keep-alive
# connections, cycling through a fixed list of queries (each a real FTS5 query with
# bm25 ranking and snippets, rendered through the template). /health (one COUNT(*)) is
# measured the same way as the floor of "a request that touches the database".
# Several rounds alternate the two targets; the table gives median, min and max.
#
# Usage: bash bench/was.sh [--quick] [--runs N] [--seconds S] [--connections C]
#                          [--no-build] [--addr 127.0.0.251] [--port 8081]
# Runs as root (it may install wrk). All traffic stays on loopback. Builds with
# cargo build --release -p cli into $CARGO_TARGET_DIR (default target/).
set -euo pipefail

RUNS=3
SECONDS_PER_RUN=10
WARMUP_SECONDS=2
ADDR=127.0.0.251
PORT=8081
CONNECTIONS=${CONNECTIONS:-16}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
BUILD=1
ORIG_ARGS=("$@")

usage() {
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
	case "$1" in
	--quick) RUNS=1; SECONDS_PER_RUN=3; WARMUP_SECONDS=1; shift ;;
	--runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
	--seconds) SECONDS_PER_RUN=${2:?--seconds needs a number}; shift 2 ;;
	--connections) CONNECTIONS=${2:?--connections needs a number}; shift 2 ;;
	--addr) ADDR=${2:?--addr needs an address}; shift 2 ;;
	--port) PORT=${2:?--port needs a number}; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "was.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$RUNS" -le 50 ]] || { echo "--runs: 1 to 50" >&2; exit 2; }
[[ "$SECONDS_PER_RUN" =~ ^[1-9][0-9]*$ && "$SECONDS_PER_RUN" -le 120 ]] || { echo "--seconds: 1 to 120" >&2; exit 2; }
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ && "$CONNECTIONS" -le 1000 ]] || { echo "--connections: 1 to 1000" >&2; exit 2; }
case "$ADDR" in
127.*) ;;
*) echo "--addr must be a loopback address (127.0.0.0/8)" >&2; exit 2 ;;
esac

if [[ $(id -u) -ne 0 ]]; then
	echo "was.sh: run as root (it may install wrk)" >&2
	exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
ROUNDTRIP_BIN="$TARGET_DIR/release/roundtrip"

log() { printf '[was %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# shellcheck source=bench/lib.sh disable=SC1091
source "$REPO/bench/lib.sh"

TMP=$(mktemp -d /tmp/roundtrip-bench-was.XXXXXX)
SERVER_PID=""
server_pids() { [[ -n "$SERVER_PID" ]] && echo "$SERVER_PID"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[[ -n "$SERVER_PID" ]] && stop_pid "$SERVER_PID"
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$TMP/apt.log" 2>&1
fi

if [[ "$BUILD" -eq 1 ]]; then
	log "building roundtrip (cargo build --release -p cli; log in $TMP/cargo.log)"
	(cd "$REPO" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release -p cli) >"$TMP/cargo.log" 2>&1 ||
		{ cat "$TMP/cargo.log" >&2; exit 1; }
fi
[[ -x "$ROUNDTRIP_BIN" ]] || { echo "no $ROUNDTRIP_BIN (drop --no-build)" >&2; exit 1; }

# The queries wrk cycles through: single words, two-word ANDs, a number, a hyphenated state.
cat >"$TMP/search.lua" <<'EOF'
local queries = { "dns", "tcp+handshake", "404", "cache+control", "nxdomain", "time-wait",
  "record", "status+code", "resolver+cache", "header", "glue", "tls+certificate" }
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/search?q=" .. queries[i])
end
EOF

start_server() {
	rm -rf "$TMP/db"
	mkdir -p "$TMP/db"
	taskset -c "$SERVER_CPU" "$ROUNDTRIP_BIN" serve was --listen "$ADDR:$PORT" \
		--db "sqlite://$TMP/db/was.db" --log-level warn >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	local i
	for ((i = 0; i < 300; i++)); do
		if curl -fsS -o /dev/null "http://$ADDR:$PORT/health" 2>/dev/null; then return 0; fi
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "serve was did not become healthy in 30 s" >&2
	cat "$TMP/server.log" >&2
	exit 1
}

cpu_ticks() { # utime + stime of the server, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"
}

# one wrk run: $1 label, $2 path or "search"; prints "rps cpu_us_per_request non2xx errors p50 p99"
measure() {
	local what=$1 out t0 t1 rps reqs non2xx errors p50 p99 hz
	hz=$(getconf CLK_TCK)
	local args=(-t1 -c"$CONNECTIONS" --latency)
	if [[ "$what" == search ]]; then
		args+=(-s "$TMP/search.lua" "http://$ADDR:$PORT/")
	else
		args+=("http://$ADDR:$PORT$what")
	fi
	taskset -c "$LOADGEN_CPU" wrk -d"${WARMUP_SECONDS}s" "${args[@]}" >/dev/null
	t0=$(cpu_ticks)
	out=$(taskset -c "$LOADGEN_CPU" wrk -d"${SECONDS_PER_RUN}s" "${args[@]}")
	t1=$(cpu_ticks)
	echo "$out" >>"$TMP/wrk.log"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out")
	errors=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$reqs" -v rps="$rps" -v bad="${non2xx:-0}" \
		-v err="${errors:-0}" -v p50="$p50" -v p99="$p99" \
		'BEGIN { printf "%.0f %.1f %d %d %s %s\n", rps, (n > 0 ? t / hz * 1e6 / n : 0), bad, err, p50, p99 }'
}

stats() { # median (min-max) of the numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f (%.0f-%.0f)", m, v[1], v[NR] }'
}
stats1() {
	sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f (%.1f-%.1f)", m, v[1], v[NR] }'
}

log "server on CPU $SERVER_CPU, wrk on CPU $LOADGEN_CPU, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s"
start_server
log "serving $(curl -fsS "http://$ADDR:$PORT/health")"
declare -a S_RPS S_CPU S_BAD H_RPS H_CPU H_BAD S_LAT H_LAT
for ((round = 1; round <= RUNS; round++)); do
	for target in search /health; do
		read -r rps cpu bad err p50 p99 < <(measure "$target")
		log "round $round $target: $rps req/s, $cpu us CPU/request, non-2xx $bad, socket errors $err, p50 $p50, p99 $p99"
		if [[ "$target" == search ]]; then
			S_RPS+=("$rps"); S_CPU+=("$cpu"); S_BAD+=("$((bad + err))"); S_LAT+=("$p50/$p99")
		else
			H_RPS+=("$rps"); H_CPU+=("$cpu"); H_BAD+=("$((bad + err))"); H_LAT+=("$p50/$p99")
		fi
	done
done

threads=$(find "/proc/$SERVER_PID/task" -mindepth 1 -maxdepth 1 | wc -l)
rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")
commit=$(cd "$REPO" && git log -1 --format='%h %s' 2>/dev/null | cut -c1-80)
built=$(stat -c %y "$ROUNDTRIP_BIN" | cut -c1-16)

cat <<EOF
### $(date -u '+%Y-%m-%d %H:%M') UTC was: /search on SQLite (FTS5), wrk

Command: \`bash bench/was.sh ${ORIG_ARGS[*]}\` ($RUNS rounds x ${SECONDS_PER_RUN} s, wrk -t1 -c$CONNECTIONS keep-alive on CPU $LOADGEN_CPU, \`roundtrip serve was\` on CPU $SERVER_CPU, $threads threads, RSS $rss MB at the end; binary built $built, checkout at "$commit")

| target | requests/s, median (min-max) | server CPU per request (us) | errors or non-2xx |
|---|---:|---:|---:|
| GET /search?q=... (12 queries in turn) | $(printf '%s\n' "${S_RPS[@]}" | stats) | $(printf '%s\n' "${S_CPU[@]}" | stats1) | $(IFS=+; echo "$((${S_BAD[*]}))") |
| GET /health (one SELECT COUNT(*)) | $(printf '%s\n' "${H_RPS[@]}" | stats) | $(printf '%s\n' "${H_CPU[@]}" | stats1) | $(IFS=+; echo "$((${H_BAD[*]}))") |

latency p50/p99 per round: /search ${S_LAT[*]}; /health ${H_LAT[*]}
EOF
