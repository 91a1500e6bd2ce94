#!/usr/bin/env bash
# bench/web.sh: the web server, roundtrip serve web vs nginx (1 worker), side by side.
#
# Each server in turn serves the same files on the same loopback address and port, pinned
# to CPU 1 (taskset); wrk runs on CPU 0, as does the tiny upstream of the proxy case (a
# second nginx answering `return 200`, shared by both proxies). Servers alternate over
# several rounds. For each case the table gives requests per second and the server's CPU
# time per request (utime + stime of all its processes from /proc over the measured run,
# divided by the requests wrk completed), and its user-space part (utime alone): median,
# min and max, and the ratio; beside them wrk's latency p50 and p99 (--latency), medians of
# the rounds, and the ratio of the p99s (target: no worse than nginx's). nginx runs as its
# users run it for static files and as a proxy: open_file_cache (min_uses 1), sendfile,
# tcp_nopush, access log off, proxy_pass to an upstream with keepalive; roundtrip with
# --workers 1 --access-log off.
#
# Cases: 1 KB over keep-alive; 1 KB with a new connection per request (wrk -H 'Connection:
# close'); a 10 MB file over keep-alive; a proxied request (upstream keep-alive on both).
#
# Deferred accept (TCP_DEFER_ACCEPT: the kernel hands a connection over once its first bytes
# came) is each server's default unless --defer-accept names the servers that use it:
# roundtrip's `defer_accept` is on by default, nginx's `listen ... deferred` off.
#
# Usage: bash bench/web.sh [--quick] [--runs N] [--seconds S] [--servers "roundtrip nginx"]
#                          [--cases "1k 1k-close 10m proxy"] [--no-build]
#                          [--defer-accept "roundtrip nginx" | "roundtrip" | "nginx" | none]
#                          [--addr A --port P] [--upstream-addr A --upstream-port P]
# Runs as root (installs nginx and wrk if missing). Traffic stays on loopback:
# 127.0.0.241:8080 for the servers, 127.0.0.242:8081 for the upstream (it stops if either is
# taken: pick others with the options). See bench/README.md.
set -euo pipefail

RUNS=5
SECONDS_PER_RUN=8
WARMUP_SECONDS=1
ADDR=127.0.0.241
PORT=8080
UP_ADDR=127.0.0.242
UP_PORT=8081
DEFER_ACCEPT=roundtrip
SERVERS="roundtrip nginx"
CASES="1k 1k-close 10m proxy"
BUILD=1
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
CONNECTIONS=${CONNECTIONS:-50}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-4}
ORIG_ARGS=("$@")

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }

log() { printf '[web %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
BENCH=web.sh
# lib.sh reads CG_NAME; this script pins with taskset and sets no cgroup quota.
# shellcheck disable=SC2034
CG_NAME=roundtrip-web
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while [[ $# -gt 0 ]]; do
	bench_common_option "$@"
	if [[ $BENCH_SHIFT -gt 0 ]]; then shift "$BENCH_SHIFT"; continue; fi
	case "$1" in
	--upstream-addr) UP_ADDR=${2:?--upstream-addr needs an address}; shift 2 ;;
	--upstream-port) UP_PORT=${2:?--upstream-port needs a number}; shift 2 ;;
	--defer-accept) DEFER_ACCEPT=${2:?--defer-accept needs a list of servers or none}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "web.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
bench_check_options "1k 1k-close 10m proxy"
case "$UP_ADDR" in 127.*) ;; *) echo "addresses must be loopback (127.0.0.0/8)" >&2; exit 2 ;; esac
[[ "$UP_PORT" =~ ^[1-9][0-9]*$ && "$UP_PORT" -le 65535 ]] || { echo "ports must be 1..65535" >&2; exit 2; }
for s in $DEFER_ACCEPT; do case "$s" in roundtrip | nginx | none) ;; *) echo "--defer-accept: unknown server $s" >&2; exit 2 ;; esac; done
defers() { [[ " $DEFER_ACCEPT " == *" $1 "* ]]; }

bench_roundtrip_bin
LOAD_AT_START=$(load_average)
bench_traps

# ---------------------------------------------------------------- packages ---
bench_packages nginx:nginx-light wrk:wrk taskset:util-linux python3:python3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
bench_build

# ------------------------------------------------------------------- files ---
TMP=$(mktemp -d /tmp/roundtrip-web-bench.XXXXXX)
chmod 755 "$TMP"
SITE=$TMP/site
mkdir -p "$SITE" "$TMP/nginx" "$TMP/upstream"
head -c 1024 /dev/zero | tr '\0' 'a' >"$SITE/1k.html"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$SITE/10m.bin"
chmod -R a+rX "$SITE"

nginx_conf() { # $1 dir, $2 listen (and its options), $3 server block body
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
    # as nginx's users serve static files: descriptors, sizes and mtimes cached, and
    # revalidated every 30 s (roundtrip's memory cache checks the disk at most once a second)
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 30s;
    open_file_cache_min_uses 1;
    open_file_cache_errors on;
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
NGINX_LISTEN="$ADDR:$PORT"
if defers nginx; then NGINX_LISTEN+=" deferred"; fi
# roundtrip's defer_accept is on unless its config file says otherwise.
ROUNDTRIP_CONFIG=()
if ! defers roundtrip; then
	printf 'defer_accept = false\n' >"$TMP/roundtrip.toml"
	ROUNDTRIP_CONFIG=(--config "$TMP/roundtrip.toml")
fi
nginx_conf "$TMP/nginx" "$NGINX_LISTEN" "        root $SITE;
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

start_server() { # $1 roundtrip | nginx
	wait_port_free "$ADDR" "$PORT"
	case "$1" in
	roundtrip)
		taskset -c "$SERVER_CPU" "$ROUNDTRIP_BIN" serve web --listen "$ADDR:$PORT" --root "$SITE" \
			--workers 1 --access-log off --proxy "/proxy=http://$UP_ADDR:$UP_PORT" "${ROUNDTRIP_CONFIG[@]}" \
			2>"$TMP/roundtrip.log" &
		SERVER_PID=$!
		;;
	nginx)
		taskset -c "$SERVER_CPU" "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx.log" &
		SERVER_PID=$!
		;;
	esac
	wait_http "http://$ADDR:$PORT/1k.html"
	owns_port "$PORT" || { echo "web.sh: something other than the $1 we started listens on $ADDR:$PORT" >&2; ss -Hltnp "sport = :$PORT" >&2; return 1; }
}

url_of() {
	case "$1" in
	1k | 1k-close) echo "http://$ADDR:$PORT/1k.html" ;;
	10m) echo "http://$ADDR:$PORT/10m.bin" ;;
	proxy) echo "http://$ADDR:$PORT/proxy/" ;;
	esac
}

run_wrk() { # $1 case, $2 seconds -> wrk's output
	local args=(-t1 "-d${2}s" --timeout 5s --latency)
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
for hp in "$ADDR:$PORT" "$UP_ADDR:$UP_PORT"; do
	if tcp_busy "${hp%:*}" "${hp##*:}"; then
		echo "web.sh: $hp is already in use; pick another with --addr/--port or --upstream-addr/--upstream-port" >&2
		ss -Hltnp "sport = :${hp##*:}" >&2 || true
		exit 1
	fi
done
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
			read -r u0 s0 < <(cpu_ticks)
			cores0=$(cores_ticks)
			out=$(run_wrk "$case" "$SECONDS_PER_RUN")
			read -r u1 s1 < <(cpu_ticks)
			read -r load_busy server_busy < <(cores_busy "$cores0" "$(cores_ticks)")
			requests=$(awk '/ requests in / { print $1 }' <<<"$out")
			rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
			errors=$(awk '/Socket errors|Non-2xx/ { printf "%s; ", $0 }' <<<"$out")
			# wrk's latency distribution (its HdrHistogram): p50 and p99 in microseconds
			read -r p50 p99 < <(wrk_percentiles <<<"$out")
			# server CPU per request: user + system, and user alone
			read -r us uus < <(python3 -c "n = max($requests, 1); print(f'{($u1 - $u0 + $s1 - $s0) / $HZ * 1e6 / n:.2f} {($u1 - $u0) / $HZ * 1e6 / n:.2f}')")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$case" "$requests" "$rps" "$us" "${errors:-none}" "$uus" "$p50" "$p99" "$load_busy" "$server_busy" >>"$RESULTS"
			log "round $round $server $case: $rps req/s, $us us CPU/request ($uus us user), latency p50 $p50 us p99 $p99 us, CPU $LOADGEN_CPU (wrk) $load_busy% busy, CPU $SERVER_CPU (server) $server_busy%, errors: ${errors:-none}"
		done
		stop_pid "$SERVER_PID"
		SERVER_PID=""
	done
done

TABLE=$(python3 - "$RESULTS" "$CONNECTIONS" "$BIG_CONNECTIONS" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
conns, big = sys.argv[2], sys.argv[3]
data = {}
for rnd, server, case, requests, rps, us, errors, uus, p50, p99, load_busy, server_busy in rows:
    data.setdefault((case, server), []).append((float(rps), float(us), errors, float(uus), float(p50) / 1000, float(p99) / 1000, float(load_busy), float(server_busy)))
cases = []
for rnd, server, case, *_ in rows:
    if case not in cases:
        cases.append(case)
names = {"1k": "1 KB, keep-alive (%s conns)" % conns, "1k-close": "1 KB, new connection per request (%s conns)" % conns,
         "10m": "10 MB file, keep-alive (%s conns)" % big, "proxy": "reverse proxy, upstream keep-alive (%s conns)" % conns}
targets = {"1k": "CPU <= 0.8x nginx", "1k-close": "CPU <= nginx", "10m": "CPU <= nginx", "proxy": "CPU <= 0.8x nginx"}
limits = {"1k": 0.8, "1k-close": 1.0, "10m": 1.0, "proxy": 0.8}
def fmt(values, digits):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
def med(series, idx):
    return statistics.median(x[idx] for x in series)
def ms(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"
def latency(series):
    return f"{ms(med(series, 4))} / {ms(med(series, 5))} ({ms(min(x[5] for x in series))}-{ms(max(x[5] for x in series))})"
print("| case | roundtrip req/s | nginx req/s | roundtrip CPU us/req | nginx CPU us/req | CPU ratio roundtrip/nginx | roundtrip p50 / p99 ms | nginx p50 / p99 ms | p99 ratio | roundtrip user us/req | nginx user us/req | user ratio | cores busy % wrk / server, roundtrip | the same, nginx | target |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for case in cases:
    r = data.get((case, "roundtrip"), [])
    n = data.get((case, "nginx"), [])
    digits = 0 if case == "10m" else 1
    cells = [names.get(case, case)]
    for series in (r, n):
        cells.append(fmt([x[0] for x in series], 0) if series else "-")
    for series in (r, n):
        cells.append(fmt([x[1] for x in series], digits) if series else "-")
    ratio = med(r, 1) / med(n, 1) if r and n and med(n, 1) else None
    cells.append(f"{ratio:.2f}" if ratio is not None else "-")
    for series in (r, n):
        cells.append(latency(series) if series else "-")
    p99 = med(r, 5) / med(n, 5) if r and n and med(n, 5) else None
    cells.append(f"{p99:.2f}" if p99 is not None else "-")
    for series in (r, n):
        cells.append(fmt([x[3] for x in series], digits) if series else "-")
    cells.append(f"{med(r, 3) / med(n, 3):.2f}" if r and n and med(n, 3) else "-")
    for series in (r, n):
        cells.append(f"{med(series, 6):.0f} / {med(series, 7):.0f}" if series else "-")
    met = "" if ratio is None else (": met" if ratio <= limits[case] else ": not met")
    p99_met = "" if p99 is None else (": met" if p99 <= 1.0 else ": not met")
    cells.append(targets.get(case, "-") + met + "; p99 <= nginx" + p99_met)
    print("| " + " | ".join(cells) + " |")
errors = sorted({f"{server} {case}: {e}" for rnd, server, case, _, _, _, e, *_ in rows if e != "none"})
print()
print("errors reported by wrk: " + ("; ".join(errors) if errors else "none"))
EOF
)
LOAD_AT_END=$(load_average)
cmdline=$(bench_cmdline bench/web.sh "${ORIG_ARGS[@]}")
ver_rt=$(bench_roundtrip_version)
{
	echo
	echo "===================== paste into bench/RESULTS.md ====================="
	echo "### $(date -u '+%Y-%m-%d %H:%M UTC') web: roundtrip vs nginx"
	echo
	echo "- command: \`$cmdline\`"
	echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r); load average (1/5/15 min) $LOAD_AT_START at the start, $LOAD_AT_END at the end"
	echo "- versions: $("$NGINX" -v 2>&1 | tr -d '\n'); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $ver_rt"
	echo "- server on $ADDR:$PORT, CPU $SERVER_CPU (taskset); wrk -t1 on CPU $LOADGEN_CPU, ${SECONDS_PER_RUN} s measured after ${WARMUP_SECONDS} s warm-up per case; $RUNS rounds, the order of the servers alternating"
	echo "- nginx: worker_processes 1, open_file_cache max=1000 inactive=20s, open_file_cache_valid 30s, open_file_cache_min_uses 1, open_file_cache_errors on, sendfile on, tcp_nopush on, tcp_nodelay on, access_log off, keepalive_requests 10000000, listen $NGINX_LISTEN reuseport; proxy: proxy_pass to upstream { keepalive 64 }, proxy_http_version 1.1, Connection \"\""
	echo "- roundtrip: serve web --workers 1 --access-log off --proxy /proxy=http://$UP_ADDR:$UP_PORT; defer_accept $(defers roundtrip && echo on || echo off)"
	echo "- upstream of the proxy case: a second nginx on $UP_ADDR:$UP_PORT (CPU $LOADGEN_CPU, return 200 \"ok\\n\"), shared by both"
	echo "- CPU per request: utime + stime of the server's processes (nginx: master + worker) from /proc/PID/stat over the measured run / requests wrk completed; user = utime alone"
	echo "- cores busy: how busy wrk's core (CPU $LOADGEN_CPU, with the proxy case's upstream) and the server's core (CPU $SERVER_CPU) were over the measured run, from /proc/stat, medians; on loopback the kernel's work for one side can run on the other's core (a packet sent is received in the sender's softirq), so CPU per request moves between the two with how the data is sent: read it with these"
	echo "- latency: wrk --latency's distribution per measured run (from its write of a request to the end of the response; with a new connection per request the connect is not in it), p50 and p99; the table gives the medians over the rounds of each, the p99's min-max, and the ratio of the median p99s. wrk keeps its connections busy (closed loop), so a server that answers faster also sees more requests queued: read the p99 with the req/s beside it"
	echo
	echo "$TABLE"
	echo "======================================================================="
}
