#!/usr/bin/env bash
# bench/web-instructions.sh: user-space instructions per request of the web server (or nginx)
# under valgrind's callgrind, a measure the machine's load does not move (bench/RESULTS.md,
# issue 14). The server runs under callgrind pinned to CPU 1; after a warm-up of 500 requests
# its counters are zeroed, then a fixed load runs on CPU 0 and the counters are dumped:
#   1k        h2load --h1 -n N -c 50 on /1k.html (keep-alive)
#   1k-close  wrk -t1 -c10 -d8s -H 'Connection: close' on /1k.html (a new connection each),
#             divided by wrk's count of requests
#   proxy     h2load --h1 -n N -c 50 on /proxy/ (an nginx upstream on CPU 0, return 200)
# and, with --syscalls, the system calls per request (strace -c -f) over the same loads
# without valgrind.
#
# Usage: bash bench/web-instructions.sh [--server roundtrip|nginx] [--bin PATH]
#                                       [--cases "1k 1k-close proxy"] [--requests N] [--syscalls]
# --bin: a roundtrip binary (`roundtrip serve web ...`) or the web crate's example
# (`cargo build --release -p web --example serve`), told apart by its name ("serve").
# Runs as root; traffic stays on 127.0.0.251:8090 (server) and 127.0.0.252:8091 (upstream).
set -euo pipefail

SERVER=roundtrip
BIN=${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target}/release/roundtrip
CASES="1k 1k-close proxy"
REQUESTS=5000
SYSCALLS=0
ADDR=127.0.0.251
PORT=8090
UP=127.0.0.252:8091
while [[ $# -gt 0 ]]; do
	case "$1" in
	--server) SERVER=$2; shift 2 ;;
	--bin) BIN=$2; shift 2 ;;
	--cases) CASES=$2; shift 2 ;;
	--requests) REQUESTS=$2; shift 2 ;;
	--syscalls) SYSCALLS=1; shift ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "web-instructions.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
for tool in valgrind callgrind_control h2load wrk nginx strace taskset; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "web-instructions.sh: needs $tool" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

BENCH=web-instructions.sh
log() { printf '[instr %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
CG_NAME=roundtrip-instr
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_traps
TMP=$(mktemp -d /tmp/roundtrip-instr.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP/site" "$TMP/up" "$TMP/ng"
head -c 1024 /dev/zero | tr '\0' 'a' >"$TMP/site/1k.html"
chmod -R a+rX "$TMP/site"

conf() { # $1 dir, $2 listen, $3 server body: web.sh's nginx configuration
	cat >"$1/nginx.conf" <<EOC
user root;
worker_processes 1;
daemon off;
master_process off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
    open_file_cache max=1000 inactive=20s; open_file_cache_valid 30s;
    open_file_cache_min_uses 1; open_file_cache_errors on;
    keepalive_timeout 75s; keepalive_requests 10000000;
    client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fcgi;
    uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;
    upstream backend { server $UP; keepalive 64; }
    server { listen $2; $3 }
}
EOC
}
conf "$TMP/up" "$UP" 'location / { return 200 "ok\n"; }'
conf "$TMP/ng" "$ADDR:$PORT" "root $TMP/site; location /proxy/ { proxy_pass http://backend/; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
taskset -c 0 "$NGINX" -c "$TMP/up/nginx.conf" -p "$TMP/up" 2>"$TMP/up.log" &
UPSTREAM_PID=$!

server_cmd() {
	case "$SERVER" in
	nginx) echo "$NGINX -c $TMP/ng/nginx.conf -p $TMP/ng" ;;
	*) if [[ "$(basename "$BIN")" == serve* ]]; then
		echo "$BIN $ADDR:$PORT $TMP/site /proxy=http://$UP"
	else
		echo "$BIN serve web --listen $ADDR:$PORT --root $TMP/site --workers 1 --access-log off --proxy /proxy=http://$UP"
	fi ;;
	esac
}

wait_up() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$ADDR:$PORT/1k.html" 2>/dev/null)" == 200 ]] && return 0
		sleep 0.1
	done
	echo "web-instructions.sh: the server does not answer" >&2
	return 1
}

url_of() { case "$1" in proxy) echo "http://$ADDR:$PORT/proxy/" ;; *) echo "http://$ADDR:$PORT/1k.html" ;; esac; }

load() { # $1 case, $2 requests -> the number of requests made
	case "$1" in
	1k-close)
		taskset -c 0 wrk -t1 -c10 -d8s -H 'Connection: close' "$(url_of "$1")" | awk '/ requests in / { print $1 }' ;;
	*)
		taskset -c 0 h2load --h1 -n "$2" -c 50 -t 1 "$(url_of "$1")" >"$TMP/h2load.out" 2>&1
		awk '/^requests:/ { print $8 }' "$TMP/h2load.out" ;;
	esac
}

for case in $CASES; do
	wait_port_free "$ADDR" "$PORT"
	# shellcheck disable=SC2046
	taskset -c 1 valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.%p" $(server_cmd) 2>"$TMP/vg.log" &
	SERVER_PID=$!
	wait_up
	load "$case" 500 >/dev/null
	callgrind_control -z "$SERVER_PID" >/dev/null
	n=$(load "$case" "$REQUESTS")
	callgrind_control -d "$SERVER_PID" >/dev/null
	sleep 0.5
	file=$(ls -t "$TMP"/cg."$SERVER_PID"* | head -1)
	ir=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	printf '%s %s: %s instructions / %s requests = %.0f per request (%s)\n' "$SERVER" "$case" "$ir" "$n" "$(echo "$ir / $n" | bc -l)" "$file"
	if [[ "${KEEP_TMP:-0}" == 1 ]]; then cp "$file" "/tmp/cg-$SERVER-$case.out"; fi
	stop_pid "$SERVER_PID"
	SERVER_PID=""
	if [[ $SYSCALLS == 1 ]]; then
		wait_port_free "$ADDR" "$PORT"
		# shellcheck disable=SC2046
		taskset -c 1 $(server_cmd) 2>/dev/null &
		SERVER_PID=$!
		wait_up
		load "$case" 500 >/dev/null
		strace -c -f -p "$SERVER_PID" -o "$TMP/strace.out" &
		tracer=$!
		sleep 0.5
		n=$(load "$case" "$REQUESTS")
		kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
		awk -v n="$n" -v s="$SERVER" -v c="$case" '$4 ~ /^[0-9]+$/ && $NF != "total" { printf "%s %s syscalls per request: %s %.3f\n", s, c, $NF, $4 / n; t += $4 } END { printf "%s %s syscalls per request: total %.2f\n", s, c, t / n }' "$TMP/strace.out"
		stop_pid "$SERVER_PID"
		SERVER_PID=""
	fi
done
