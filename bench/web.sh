#!/usr/bin/env bash
# bench/web.sh: the web server, roundtrip serve web vs nginx (1 worker), side by side.
#
# Each server in turn serves the same files on the same loopback address and port, pinned
# to CPU 1 (taskset); wrk runs on CPU 0, as does the tiny upstream of the proxy case (a
# second nginx answering `return 200`, shared by both proxies). Servers alternate over
# several rounds. For each case the table gives requests per second and the server's CPU
# time per request (utime + stime of all its processes from /proc over the measured run,
# divided by the requests wrk completed): median, min and max, and the ratio.
#
# Cases: 1 KB over keep-alive; 1 KB with a new connection per request (wrk -H 'Connection:
# close'); a 10 MB file over keep-alive; a proxied request (upstream keep-alive on both).
#
# Usage: bash bench/web.sh [--quick] [--runs N] [--seconds S] [--servers "roundtrip nginx"]
#                          [--cases "1k 1k-close 10m proxy"] [--no-build]
# Runs as root (installs nginx and wrk if missing). Traffic stays on loopback:
# 127.0.0.241:8080 for the servers, 127.0.0.242:8081 for the upstream. See bench/README.md.
set -euo pipefail

RUNS=5
SECONDS_PER_RUN=8
WARMUP_SECONDS=1
ADDR=127.0.0.241
PORT=8080
UP_ADDR=127.0.0.242
UP_PORT=8081
SERVERS="roundtrip nginx"
CASES="1k 1k-close 10m proxy"
BUILD=1
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
CONNECTIONS=${CONNECTIONS:-32}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-4}
ORIG_ARGS=("$@")

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
	case "$1" in
	--quick) RUNS=1; SECONDS_PER_RUN=3; shift ;;
	--runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
	--seconds) SECONDS_PER_RUN=${2:?--seconds needs a number}; shift 2 ;;
	--servers) SERVERS=${2:?--servers needs a list}; shift 2 ;;
	--cases) CASES=${2:?--cases needs a list}; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "web.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$RUNS" -le 50 ]] || { echo "--runs must be 1..50" >&2; exit 2; }
[[ "$SECONDS_PER_RUN" =~ ^[1-9][0-9]*$ && "$SECONDS_PER_RUN" -le 120 ]] || { echo "--seconds must be 1..120" >&2; exit 2; }
for s in $SERVERS; do case "$s" in roundtrip | nginx) ;; *) echo "unknown server $s" >&2; exit 2 ;; esac; done
for c in $CASES; do case "$c" in 1k | 1k-close | 10m | proxy) ;; *) echo "unknown case $c" >&2; exit 2 ;; esac; done
if [[ $(id -u) -ne 0 ]]; then echo "web.sh: run as root (installs packages)" >&2; exit 2; fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n "${ROUNDTRIP_BIN:-}" ]]; then BUILD=0; else ROUNDTRIP_BIN="$REPO/target/release/roundtrip"; fi

log() { printf '[web %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# lib.sh reads CG_NAME; this script pins with taskset and sets no cgroup quota.
# shellcheck disable=SC2034
CG_NAME=roundtrip-web
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TMP=""
SERVER_PID=""
UPSTREAM_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$SERVER_PID" ]]; then stop_pid "$SERVER_PID"; fi
	if [[ -n "$UPSTREAM_PID" ]]; then stop_pid "$UPSTREAM_PID"; fi
	if [[ -n "$TMP" && -d "$TMP" ]]; then
		if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "web.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- packages ---
missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
if [[ ${#missing[@]} -gt 0 ]]; then
	log "installing ${missing[*]}"
	# No service may start during the install (Debian's nginx postinst would take port 80).
	POLICY=0
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; POLICY=1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	if [[ $POLICY == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [[ $BUILD == 1 ]]; then
	log "building roundtrip (release)"
	(cd "$REPO" && cargo build --release -p cli -q)
fi
[[ -x "$ROUNDTRIP_BIN" ]] || { echo "web.sh: $ROUNDTRIP_BIN not found" >&2; exit 1; }

# ------------------------------------------------------------------- files ---
TMP=$(mktemp -d /tmp/roundtrip-web-bench.XXXXXX)
chmod 755 "$TMP"
SITE=$TMP/site
mkdir -p "$SITE" "$TMP/nginx" "$TMP/upstream"
head -c 1024 /dev/zero | tr '\0' 'a' >"$SITE/1k.html"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$SITE/10m.bin"
chmod -R a+rX "$SITE"

nginx_conf() { # $1 dir, $2 listen, $3 server block body
	cat >"$1/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
master_process on;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 10000000;
    client_body_temp_path $1/body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    upstream backend { server $UP_ADDR:$UP_PORT; keepalive 64; }
    server {
        listen $2 reuseport;
$3
    }
}
EOF
}
nginx_conf "$TMP/upstream" "$UP_ADDR:$UP_PORT" '        location / { return 200 "ok\n"; }'
nginx_conf "$TMP/nginx" "$ADDR:$PORT" "        root $SITE;
        location /proxy/ { proxy_pass http://backend/; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"

wait_http() { # $1 url: up to 5 s for a 200
	local i
	for ((i = 0; i < 100; i++)); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)" == 200 ]]; then return 0; fi
		sleep 0.05
	done
	echo "web.sh: $1 does not answer" >&2
	return 1
}

server_pids() { # the server's processes: the one started and its children (nginx workers)
	[[ -n "$SERVER_PID" ]] || return 0
	echo "$SERVER_PID"
	ps -o pid= --ppid "$SERVER_PID" 2>/dev/null || true
}

cpu_ticks() { # utime + stime of the server's processes, in clock ticks
	local total=0 pid fields
	for pid in $(server_pids); do
		# fields after the ")" of comm: 12 = utime, 13 = stime (14 and 15 of the whole line)
		fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
		read -r -a f <<<"$fields"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

start_server() { # $1 roundtrip | nginx
	case "$1" in
	roundtrip)
		taskset -c "$SERVER_CPU" "$ROUNDTRIP_BIN" serve web --listen "$ADDR:$PORT" --root "$SITE" \
			--workers 1 --access-log off --proxy "/proxy=http://$UP_ADDR:$UP_PORT" \
			2>"$TMP/roundtrip.log" &
		SERVER_PID=$!
		;;
	nginx)
		taskset -c "$SERVER_CPU" "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx.log" &
		SERVER_PID=$!
		;;
	esac
	wait_http "http://$ADDR:$PORT/1k.html"
}

url_of() {
	case "$1" in
	1k | 1k-close) echo "http://$ADDR:$PORT/1k.html" ;;
	10m) echo "http://$ADDR:$PORT/10m.bin" ;;
	proxy) echo "http://$ADDR:$PORT/proxy/" ;;
	esac
}

run_wrk() { # $1 case, $2 seconds -> wrk's output
	local args=(-t1 "-d${2}s" --timeout 5s)
	case "$1" in
	1k-close) args+=(-c "$CONNECTIONS" -H 'Connection: close') ;;
	10m) args+=(-c "$BIG_CONNECTIONS") ;;
	*) args+=(-c "$CONNECTIONS") ;;
	esac
	timeout $(($2 + 20)) taskset -c "$LOADGEN_CPU" wrk "${args[@]}" "$(url_of "$1")"
}

RESULTS=$TMP/results.tsv
: >"$RESULTS"
HZ=$(getconf CLK_TCK)

log "upstream: nginx on $UP_ADDR:$UP_PORT, CPU $LOADGEN_CPU"
taskset -c "$LOADGEN_CPU" "$NGINX" -c "$TMP/upstream/nginx.conf" -p "$TMP/upstream" 2>"$TMP/upstream.log" &
UPSTREAM_PID=$!
wait_http "http://$UP_ADDR:$UP_PORT/"

for ((round = 1; round <= RUNS; round++)); do
	order=$SERVERS
	if ((round % 2 == 0)); then order=$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
	for server in $order; do
		start_server "$server"
		for case in $CASES; do
			run_wrk "$case" "$WARMUP_SECONDS" >/dev/null
			before=$(cpu_ticks)
			out=$(run_wrk "$case" "$SECONDS_PER_RUN")
			after=$(cpu_ticks)
			requests=$(awk '/ requests in / { print $1 }' <<<"$out")
			rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
			errors=$(awk '/Socket errors|Non-2xx/ { printf "%s; ", $0 }' <<<"$out")
			us=$(python3 -c "print(f'{($after - $before) / $HZ * 1e6 / max($requests, 1):.2f}')")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$case" "$requests" "$rps" "$us" "${errors:-none}" >>"$RESULTS"
			log "round $round $server $case: $rps req/s, $us us CPU/request, errors: ${errors:-none}"
		done
		stop_pid "$SERVER_PID"
		SERVER_PID=""
	done
done

python3 - "$RESULTS" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
data = {}
for rnd, server, case, requests, rps, us, errors in rows:
    data.setdefault((case, server), []).append((float(rps), float(us), errors))
cases = []
for rnd, server, case, *_ in rows:
    if case not in cases:
        cases.append(case)
names = {"1k": "1 KB, keep-alive", "1k-close": "1 KB, new connection per request",
         "10m": "10 MB file, keep-alive", "proxy": "reverse proxy (upstream keep-alive)"}
def fmt(values, digits):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
print("| case | roundtrip req/s | nginx req/s | ratio | roundtrip CPU us/req | nginx CPU us/req | CPU ratio (nginx/roundtrip) |")
print("|---|---:|---:|---:|---:|---:|---:|")
for case in cases:
    r = data.get((case, "roundtrip"), [])
    n = data.get((case, "nginx"), [])
    cells = [names.get(case, case)]
    for series, idx, digits in ((r, 0, 0), (n, 0, 0)):
        cells.append(fmt([x[idx] for x in series], digits) if series else "-")
    cells.append(f"{statistics.median(x[0] for x in r) / statistics.median(x[0] for x in n):.2f}" if r and n else "-")
    digits = 0 if case == "10m" else 1
    for series in (r, n):
        cells.append(fmt([x[1] for x in series], digits) if series else "-")
    cells.append(f"{statistics.median(x[1] for x in n) / statistics.median(x[1] for x in r):.2f}" if r and n else "-")
    print("| " + " | ".join(cells) + " |")
errors = sorted({f"{server} {case}: {e}" for rnd, server, case, _, _, _, e in rows if e != "none"})
print()
print("errors reported by wrk: " + ("; ".join(errors) if errors else "none"))
EOF
log "done: ${ORIG_ARGS[*]:-defaults}; versions: $("$NGINX" -v 2>&1 | tr -d '\n'); $(wrk -v 2>&1 | head -1); roundtrip $(cd "$REPO" && git rev-parse --short HEAD)"
