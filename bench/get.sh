#!/usr/bin/env bash
# bench/get.sh: `roundtrip get` vs curl, the whole process, fetching the same small file from
# the same local web server (nginx when installed, else python3 -m http.server) on a loopback
# address: a new process and a new TCP connection every time, both programs alternated run by
# run, both writing the body to /dev/null and printing nothing. The URL has an address literal,
# so neither does a name lookup: what is compared is process start, connect, one HTTP/1.1
# exchange and the close.
#
# Prints the median, min and max wall time per run (as bash's $EPOCHREALTIME sees it around the
# process, so fork and exec are included for both), and the ratio roundtrip / curl
# (target: <= 1, no slower than curl).
#
# With --https (nginx only), the same over TLS: a CA made here with openssl signs the server's
# certificate for the address, and both clients are told to trust that CA (--cacert).
#
# Usage: bash bench/get.sh [--runs N] [--warmup N] [--size BYTES] [--server nginx|python]
#                          [--https] [--no-build]
# ROUNDTRIP_BIN=PATH uses another build (then nothing is built). The server listens on
# 127.0.0.77:8088 by default (--addr, --port); the client is pinned to CPU 0 and the server to
# CPU 1 when taskset is there. Needs curl (apt-get install curl).
set -euo pipefail

RUNS=200
WARMUP=20
SIZE=1024
SERVER=auto
ADDR=127.0.0.77
PORT=8088
BUILD=1
HTTPS=0
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}

usage() {
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	--server) SERVER=$2; shift 2 ;;
	--addr) ADDR=$2; shift 2 ;;
	--port) PORT=$2; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	--https) HTTPS=1; shift ;;
	-h | --help) usage 0 ;;
	*) echo "get.sh: unknown argument $1" >&2; usage ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $SIZE =~ ^[0-9]+$ ]] || usage

REPO=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n "${ROUNDTRIP_BIN:-}" ]]; then BUILD=0; else ROUNDTRIP_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/roundtrip"; fi

log() { printf '[get %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
CG_NAME=roundtrip-get # lib.sh names its cgroup after it (this script makes none)
export CG_NAME
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # stop_pid

TMP=$(mktemp -d /tmp/roundtrip-get-bench.XXXXXX)
SERVER_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$SERVER_PID" ]]; then stop_pid "$SERVER_PID"; fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------- programs ---
if ! command -v curl >/dev/null; then
	echo "get.sh: curl is not installed (apt-get install curl)" >&2
	exit 1
fi
if [[ $BUILD -eq 1 ]]; then
	log "building roundtrip (cargo build --release -p cli; log in $TMP/cargo.log)"
	(cd "$REPO" && cargo build --release -p cli) >"$TMP/cargo.log" 2>&1 || {
		echo "get.sh: the build failed:" >&2
		tail -n 20 "$TMP/cargo.log" >&2
		exit 1
	}
fi
if ! "$ROUNDTRIP_BIN" get --help >/dev/null 2>&1; then
	echo "get.sh: $ROUNDTRIP_BIN has no \`get\` command" >&2
	exit 1
fi
PIN_CLIENT=()
PIN_SERVER=()
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
	PIN_CLIENT=(taskset -c "$CLIENT_CPU")
	PIN_SERVER=(taskset -c "$SERVER_CPU")
fi

# --------------------------------------------------------------- server ---
mkdir -p "$TMP/www"
head -c "$SIZE" /dev/urandom >"$TMP/www/file.bin"
# nginx's worker runs as nobody when started by root: it must be able to read the file
chmod a+rx "$TMP" "$TMP/www" && chmod a+r "$TMP/www/file.bin"
if [[ $SERVER == auto ]]; then
	if command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; then SERVER=nginx; else SERVER=python; fi
fi
SCHEME=http
LISTEN="$ADDR:$PORT"
TLS_CONF=""
CACERT=()
if [[ $HTTPS -eq 1 ]]; then
	[[ $SERVER == nginx ]] || { echo "get.sh: --https needs nginx" >&2; exit 2; }
	command -v openssl >/dev/null || { echo "get.sh: --https needs openssl" >&2; exit 1; }
	mkdir -p "$TMP/pki"
	(
		cd "$TMP/pki"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-subj /CN=roundtrip-bench-ca -keyout ca.key -out ca.pem
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench \
			-keyout server.key -out server.csr
		printf 'subjectAltName=IP:%s\nbasicConstraints=critical,CA:FALSE\n' "$ADDR" >ext.cnf
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
			-extfile ext.cnf -out server.pem
	) >"$TMP/pki/openssl.log" 2>&1 || { cat "$TMP/pki/openssl.log" >&2; exit 1; }
	chmod a+rx "$TMP/pki" && chmod a+r "$TMP/pki/"*
	SCHEME=https
	LISTEN="$ADDR:$PORT ssl"
	# nginx 1.22 offers only up to TLS 1.2 unless told (TLS 1.3 joined its default in 1.23.4)
	TLS_CONF="ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate $TMP/pki/server.pem; ssl_certificate_key $TMP/pki/server.key;"
	CACERT=(--cacert "$TMP/pki/ca.pem")
fi
case $SERVER in
nginx)
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	mkdir -p "$TMP/nginx/logs"
	cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    server {
        listen $LISTEN;
        $TLS_CONF
        root $TMP/www;
        keepalive_timeout 5s;
    }
}
EOF
	"${PIN_SERVER[@]}" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	SERVER_DESC="nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), 1 worker"
	;;
python)
	"${PIN_SERVER[@]}" python3 -m http.server "$PORT" --bind "$ADDR" --directory "$TMP/www" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	SERVER_DESC="python3 -m http.server ($(python3 --version 2>&1))"
	;;
*) echo "get.sh: --server nginx or python" >&2; exit 2 ;;
esac
URL="$SCHEME://$ADDR:$PORT/file.bin"
for ((i = 0; i < 100; i++)); do
	curl -s "${CACERT[@]}" -o /dev/null "$URL" && break
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
	sleep 0.05
done
curl -s "${CACERT[@]}" -o "$TMP/by-curl" "$URL"
"$ROUNDTRIP_BIN" get -s --no-cache "${CACERT[@]}" -o "$TMP/by-roundtrip" "$URL"
if ! cmp -s "$TMP/by-curl" "$TMP/www/file.bin" || ! cmp -s "$TMP/by-roundtrip" "$TMP/www/file.bin"; then
	echo "get.sh: the bodies fetched differ from the file served" >&2
	exit 1
fi
log "server: $SERVER_DESC on $ADDR:$PORT; file $SIZE bytes; $RUNS runs each after $WARMUP warm-up runs"

# -------------------------------------------------------------- measure ---
CURL_CMD=("${PIN_CLIENT[@]}" curl -s "${CACERT[@]}" -o /dev/null "$URL")
RT_CMD=("${PIN_CLIENT[@]}" "$ROUNDTRIP_BIN" get -s --no-cache "${CACERT[@]}" -o /dev/null "$URL")

once() { # $@ = command; prints its wall time in microseconds
	local start end
	start=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || { echo "get.sh: failed: $*" >&2; exit 1; }
	end=$EPOCHREALTIME
	echo $((${end/./} - ${start/./}))
}
for ((i = 0; i < WARMUP; i++)); do
	once "${CURL_CMD[@]}" >/dev/null
	once "${RT_CMD[@]}" >/dev/null
done
: >"$TMP/curl.us"
: >"$TMP/roundtrip.us"
for ((i = 0; i < RUNS; i++)); do
	# alternate which goes first, so neither always follows the other's TIME_WAIT
	if ((i % 2 == 0)); then
		once "${CURL_CMD[@]}" >>"$TMP/curl.us"
		once "${RT_CMD[@]}" >>"$TMP/roundtrip.us"
	else
		once "${RT_CMD[@]}" >>"$TMP/roundtrip.us"
		once "${CURL_CMD[@]}" >>"$TMP/curl.us"
	fi
done

stats() { # file of microseconds -> "median min max" in ms
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f %.2f", m / 1000, v[1] / 1000, v[NR] / 1000 }'
}
read -r c_med c_min c_max <<<"$(stats "$TMP/curl.us")"
read -r r_med r_min r_max <<<"$(stats "$TMP/roundtrip.us")"
ratio=$(awk -v r="$r_med" -v c="$c_med" 'BEGIN { printf "%.2f", r / c }')
verdict=$(awk -v x="$ratio" 'BEGIN { print (x <= 1.0) ? "met" : "NOT met" }')

CURL_VERSION=$(curl --version | head -n1 | cut -d' ' -f1-2)
COMMIT=$(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null | cut -c1-80 || echo unknown)
cat <<EOF

### $(date -u '+%Y-%m-%d %H:%M') UTC \`bash bench/get.sh --runs $RUNS --size $SIZE$([[ $HTTPS -eq 1 ]] && echo " --https")\` ($(nproc) cores)

\`roundtrip get -s --no-cache ${CACERT[*]:+--cacert CA }-o /dev/null $URL\` vs \`curl -s ${CACERT[*]:+--cacert CA }-o /dev/null\` (same URL), one
new process and one new connection per run, alternated; server: $SERVER_DESC; $CURL_VERSION;
repository at $COMMIT (ROUNDTRIP_BIN: ${ROUNDTRIP_BIN/#$REPO\//}).

| wall time per run (ms) | median | min | max |
|---|---:|---:|---:|
| roundtrip get | $r_med | $r_min | $r_max |
| curl | $c_med | $c_min | $c_max |

ratio roundtrip / curl (medians): **$ratio** (target <= 1: $verdict)
EOF
