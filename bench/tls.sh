#!/usr/bin/env bash
# bench/tls.sh: HTTPS, roundtrip serve web vs nginx (1 worker), side by side, in one run.
#
# Both servers serve the same 1 KB file over TLS 1.3 with the same ECDSA P-256 chain (root ->
# intermediate -> leaf, as the lab's CA issues; leaf + intermediate sent), on the same
# loopback address and port, pinned to CPU 1 (taskset); h2load runs on CPU 0. The servers
# alternate over several rounds. Two cases, each giving the server's CPU time (utime + stime
# of its processes from /proc over the measured run) per unit of work:
#   new-conn   a new TLS connection per request: h2load -n C -c C -m 1 (C connections at once,
#              each a full TLS 1.3 handshake, ALPN h2, one GET, the close), repeated for the
#              measured time. Connections per second per server core = connections / server
#              CPU seconds; h2load does no session resumption, so every one is a full handshake.
#   h2-1k      1 KB GETs over one HTTP/2 connection: h2load -c 1 -m 10 -D S.
# Beside the CPU, each request's latency (h2load --log-file: from the request's start, after
# the handshake, to the end of its response): p50 and p99 per run, medians of the rounds.
# nginx runs as its users run HTTPS: worker_processes 1, ssl_protocols TLSv1.3,
# ssl_session_cache shared:SSL:10m, http2 on the listener, access_log off, open_file_cache,
# keepalive_requests raised as in web.sh. roundtrip: serve web --tls-cert --tls-key
# --workers 1 --access-log off.
#
# Usage: bash bench/tls.sh [--quick] [--runs N] [--seconds S] [--servers "roundtrip nginx"]
#                          [--cases "new-conn h2-1k"] [--no-build] [--addr A --port P]
#                          [--no-wait]
# Runs as root (installs nginx and nghttp2-client if missing). Traffic stays on loopback
# (127.0.0.243:8443 by default). Before it starts it waits (up to 15 min, every 30 s) until
# no wrk, h2load or bench/web.sh of anyone else runs, since this machine is shared
# (--no-wait skips that). See bench/README.md.
set -euo pipefail

RUNS=5
SECONDS_PER_RUN=6
WARMUP_SECONDS=1
ADDR=127.0.0.243
PORT=8443
SERVERS="roundtrip nginx"
CASES="new-conn h2-1k"
BUILD=1
WAIT=1
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
NEW_CONNS=${NEW_CONNS:-100}       # connections per h2load invocation in new-conn
MAX_INVOCATIONS=${MAX_INVOCATIONS:-2000} # bound on h2load invocations per measured run
STREAMS=${STREAMS:-10}            # h2load -m in h2-1k
ORIG_ARGS=("$@")

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }

log() { printf '[tls %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
BENCH=tls.sh
# lib.sh reads CG_NAME; this script pins with taskset and sets no cgroup quota.
# shellcheck disable=SC2034
CG_NAME=roundtrip-tls
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while [[ $# -gt 0 ]]; do
	bench_common_option "$@"
	if [[ $BENCH_SHIFT -gt 0 ]]; then shift "$BENCH_SHIFT"; continue; fi
	case "$1" in
	--no-wait) WAIT=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "tls.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
bench_check_options "new-conn h2-1k"
bench_roundtrip_bin
bench_traps

# ---------------------------------------------------------------- packages ---
bench_packages nginx:nginx-light h2load:nghttp2-client openssl:openssl taskset:util-linux python3:python3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
bench_build

# ------------------------------------------------------- a quiet machine ---
others() { # load generators and benchmarks someone else runs now (we have started none yet)
	{ pgrep -x wrk; pgrep -x h2load; pgrep -f 'bench/web\.sh'; } 2>/dev/null | sort -u | tr '\n' ' ' || true
}
QUIET_WAITED=0
if [[ $WAIT == 1 ]]; then
	for ((i = 0; i < 30; i++)); do
		busy=$(others)
		[[ -z "$busy" ]] && break
		log "someone else's load runs (PIDs $busy); waiting 30 s ($((i + 1))/30)"
		sleep 30
		QUIET_WAITED=$((QUIET_WAITED + 30))
	done
	busy=$(others)
	[[ -z "$busy" ]] || log "still busy after 15 min (PIDs $busy): measuring anyway, see the load average"
fi
OTHERS_AT_START=$(others)
LOAD_AT_START=$(load_average)

# ------------------------------------------------------------------- files ---
TMP=$(mktemp -d /tmp/roundtrip-tls-bench.XXXXXX)
chmod 755 "$TMP"
SITE=$TMP/site
PKI=$TMP/pki
mkdir -p "$SITE" "$TMP/nginx" "$PKI"
head -c 1024 /dev/zero | tr '\0' 'a' >"$SITE/1k.html"
chmod -R a+rX "$SITE"

# An ECDSA P-256 chain as the lab's CA makes one: root -> intermediate -> leaf.
(
	cd "$PKI"
	p256() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
	p256 root.key
	p256 int.key
	p256 leaf.key
	openssl req -x509 -new -key root.key -subj "/CN=roundtrip bench root" -days 30 -sha256 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out root.pem
	openssl req -new -key int.key -subj "/CN=roundtrip bench intermediate" -out int.csr
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext
	openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -sha256 -extfile int.ext -out int.pem 2>/dev/null
	openssl req -new -key leaf.key -subj "/CN=www.google.com" -out leaf.csr
	printf 'subjectAltName=DNS:www.google.com,DNS:google.com,IP:%s\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$ADDR" >leaf.ext
	openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 30 -sha256 -extfile leaf.ext -out leaf.pem 2>/dev/null
	cat leaf.pem int.pem >chain.pem
	openssl verify -CAfile root.pem -untrusted int.pem leaf.pem >/dev/null
)

cat >"$TMP/nginx/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
master_process on;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 30s;
    open_file_cache_min_uses 1;
    open_file_cache_errors on;
    keepalive_timeout 75s;
    keepalive_requests 10000000;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    # as Mozilla's "modern" profile (TLS 1.3 only) and nginx's own docs tune HTTPS
    ssl_protocols TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1d;
    ssl_prefer_server_ciphers off;
    server {
        # nginx 1.22 spells "http2 on" as a listen parameter
        listen $ADDR:$PORT ssl http2 reuseport;
        ssl_certificate $PKI/chain.pem;
        ssl_certificate_key $PKI/leaf.key;
        root $SITE;
    }
}
EOF
"$NGINX" -t -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx-t.log" || { cat "$TMP/nginx-t.log" >&2; exit 1; }

URL="https://$ADDR:$PORT/1k.html"

wait_https() { # up to 5 s for a 200 over TLS 1.3
	local i
	for ((i = 0; i < 100; i++)); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' --tlsv1.3 --cacert "$PKI/root.pem" --max-time 1 "$URL" 2>/dev/null)" == 200 ]]; then return 0; fi
		sleep 0.05
	done
	echo "tls.sh: $URL does not answer" >&2
	return 1
}

start_server() { # $1 roundtrip | nginx
	wait_port_free "$ADDR" "$PORT"
	case "$1" in
	roundtrip)
		taskset -c "$SERVER_CPU" "$ROUNDTRIP_BIN" serve web --listen "$ADDR:$PORT" --root "$SITE" \
			--tls-cert "$PKI/chain.pem" --tls-key "$PKI/leaf.key" \
			--workers 1 --access-log off 2>"$TMP/roundtrip.log" &
		SERVER_PID=$!
		;;
	nginx)
		taskset -c "$SERVER_CPU" "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx.log" &
		SERVER_PID=$!
		;;
	esac
	wait_https
	owns_port "$PORT" || { echo "tls.sh: something other than the $1 we started listens on $ADDR:$PORT" >&2; return 1; }
}

# One measured run of a case for $1 seconds: prints "UNITS SECONDS_WALL H2LOAD_ERRORS P50 P99"
# where UNITS is connections (new-conn) or requests (h2-1k) that succeeded and P50, P99 the
# requests' latency in microseconds (h2load --log-file: from the request's start, after the
# handshake, to the end of its response); the last h2load output is left in $TMP/h2load.out.
run_case() { # $1 case, $2 seconds
	local case=$1 secs=$2 units=0 errors=0 n start end out ok failed
	: >"$TMP/requests.log"
	start=$(date +%s.%N)
	case "$case" in
	new-conn)
		local deadline=$((SECONDS + secs)) invocations=0
		while ((SECONDS < deadline && invocations < MAX_INVOCATIONS)); do
			out=$(timeout 30 taskset -c "$LOADGEN_CPU" h2load -n "$NEW_CONNS" -c "$NEW_CONNS" -m 1 -t 1 --log-file "$TMP/one.log" "$URL" 2>&1) || true
			cat "$TMP/one.log" >>"$TMP/requests.log" 2>/dev/null || true
			printf '%s\n' "$out" >"$TMP/h2load.out"
			read -r ok failed < <(awk '/^requests:/ { print $8, $10 }' <<<"$out")
			units=$((units + ${ok:-0}))
			errors=$((errors + ${failed:-0}))
			invocations=$((invocations + 1))
		done
		;;
	h2-1k)
		out=$(timeout $((secs + 30)) taskset -c "$LOADGEN_CPU" h2load -c 1 -m "$STREAMS" -t 1 -D "$secs" --log-file "$TMP/requests.log" "$URL" 2>&1) || true
		printf '%s\n' "$out" >"$TMP/h2load.out"
		read -r ok failed < <(awk '/^requests:/ { print $8, $10 }' <<<"$out")
		units=${ok:-0}
		errors=${failed:-0}
		;;
	esac
	end=$(date +%s.%N)
	n=$(python3 -c "print(f'{$end - $start:.3f}')")
	echo "$units $n $errors $(h2load_percentiles <"$TMP/requests.log")"
}

RESULTS=$TMP/results.tsv
: >"$RESULTS"
HZ=$(getconf CLK_TCK)
declare -A PROTO

for ((round = 1; round <= RUNS; round++)); do
	order=$SERVERS
	if ((round % 2 == 0)); then order=$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
	for server in $order; do
		start_server "$server"
		for case in $CASES; do
			run_case "$case" "$WARMUP_SECONDS" >/dev/null
			read -r u0 s0 < <(cpu_ticks)
			cores0=$(cores_ticks)
			read -r units wall errors p50 p99 < <(run_case "$case" "$SECONDS_PER_RUN")
			read -r u1 s1 < <(cpu_ticks)
			read -r load_busy server_busy < <(cores_busy "$cores0" "$(cores_ticks)")
			PROTO[$server]=$(awk '/^TLS Protocol:|^Cipher:|^Server Temp Key:|^Application protocol:/ { printf "%s; ", $0 }' "$TMP/h2load.out")
			read -r cpu_us user_us per_core < <(python3 -c "
n = max($units, 1); cpu = ($u1 - $u0 + $s1 - $s0) / $HZ
print(f'{cpu * 1e6 / n:.2f} {($u1 - $u0) / $HZ * 1e6 / n:.2f} {($units / cpu) if cpu else 0:.0f}')")
			rate=$(python3 -c "print(f'{$units / max($wall, 1e-9):.0f}')")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$case" "$units" "$rate" "$cpu_us" "$user_us" "$per_core" "$errors" "$p50" "$p99" "$load_busy" "$server_busy" >>"$RESULTS"
			log "round $round $server $case: $units in ${wall}s ($rate/s), $cpu_us us CPU each ($user_us us user), $per_core per server core-second, request latency p50 $p50 us p99 $p99 us, CPU $LOADGEN_CPU (h2load) $load_busy% busy, CPU $SERVER_CPU (server) $server_busy%, h2load failures $errors"
		done
		stop_pid "$SERVER_PID"
		SERVER_PID=""
	done
done

TABLE=$(python3 - "$RESULTS" "$NEW_CONNS" "$STREAMS" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
conns, streams = sys.argv[2], sys.argv[3]
data = {}
cases = []
for rnd, server, case, units, rate, cpu, user, per_core, errors, p50, p99, load_busy, server_busy in rows:
    data.setdefault((case, server), []).append((float(rate), float(cpu), float(user), float(per_core), int(errors), float(p50) / 1000, float(p99) / 1000, float(load_busy), float(server_busy)))
    if case not in cases:
        cases.append(case)
def fmt(values, digits):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
def med(series, i):
    return statistics.median(x[i] for x in series)
def ms(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"
def latency(series):
    return f"{ms(med(series, 5))} / {ms(med(series, 6))} ({ms(min(x[6] for x in series))}-{ms(max(x[6] for x in series))})"
names = {"new-conn": "new TLS 1.3 connection per request (h2load -n %s -c %s -m 1, repeated)" % (conns, conns),
         "h2-1k": "1 KB GET over one HTTP/2 connection (h2load -c 1 -m %s)" % streams}
unit = {"new-conn": "conn", "h2-1k": "req"}
print("| case | roundtrip per server core-second | nginx per server core-second | roundtrip CPU us/%s | nginx CPU us/%s | CPU ratio roundtrip/nginx | roundtrip p50 / p99 ms | nginx p50 / p99 ms | p99 ratio | roundtrip user us | nginx user us | roundtrip wall /s | nginx wall /s | cores busy %% h2load / server, roundtrip | the same, nginx | target |" % ("unit", "unit"))
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for case in cases:
    r = data.get((case, "roundtrip"), [])
    n = data.get((case, "nginx"), [])
    cells = [names.get(case, case) + " [" + unit[case] + "]"]
    for s in (r, n):
        cells.append(fmt([x[3] for x in s], 0) if s else "-")
    for s in (r, n):
        cells.append(fmt([x[1] for x in s], 1) if s else "-")
    ratio = med(r, 1) / med(n, 1) if r and n and med(n, 1) else None
    cells.append(f"{ratio:.2f}" if ratio is not None else "-")
    for s in (r, n):
        cells.append(latency(s) if s else "-")
    p99 = med(r, 6) / med(n, 6) if r and n and med(n, 6) else None
    cells.append(f"{p99:.2f}" if p99 is not None else "-")
    for s in (r, n):
        cells.append(fmt([x[2] for x in s], 1) if s else "-")
    for s in (r, n):
        cells.append(fmt([x[0] for x in s], 0) if s else "-")
    for s in (r, n):
        cells.append(f"{med(s, 7):.0f} / {med(s, 8):.0f}" if s else "-")
    cells.append("CPU <= nginx" + ("" if ratio is None else (": met" if ratio <= 1.0 else ": not met"))
                 + "; p99 <= nginx" + ("" if p99 is None else (": met" if p99 <= 1.0 else ": not met")))
    print("| " + " | ".join(cells) + " |")
failures = sorted({f"{row[1]} {row[2]}: {row[8]} failed" for row in rows if row[8] != "0"})
print()
print("h2load failures: " + ("; ".join(failures) if failures else "none"))
EOF
)
LOAD_AT_END=$(load_average)
cmdline=$(bench_cmdline bench/tls.sh "${ORIG_ARGS[@]}")
ver_rt=$(bench_roundtrip_version)
{
	echo
	echo "===================== paste into bench/RESULTS.md ====================="
	echo "### $(date -u '+%Y-%m-%d %H:%M UTC') tls: roundtrip vs nginx, HTTPS and HTTP/2"
	echo
	echo "- command: \`$cmdline\`"
	echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r); load average (1/5/15 min) $LOAD_AT_START at the start (after waiting ${QUIET_WAITED} s for others' load; still running then: ${OTHERS_AT_START:-none}), $LOAD_AT_END at the end"
	echo "- versions: $("$NGINX" -v 2>&1 | tr -d '\n') ($(openssl version | cut -d' ' -f1-2) at run time); $(h2load --version 2>&1 | head -1); $ver_rt"
	echo "- negotiated (h2load, last run): roundtrip: ${PROTO[roundtrip]:-?} nginx: ${PROTO[nginx]:-?}"
	echo "- server on $ADDR:$PORT, CPU $SERVER_CPU (taskset); h2load -t 1 on CPU $LOADGEN_CPU; ${SECONDS_PER_RUN} s measured after ${WARMUP_SECONDS} s warm-up per case; $RUNS rounds, the order of the servers alternating"
	echo "- certificate: ECDSA P-256 leaf (SAN www.google.com, google.com) from a P-256 intermediate and root; leaf + intermediate sent by both"
	echo "- nginx: worker_processes 1, ssl_protocols TLSv1.3, ssl_session_cache shared:SSL:10m, ssl_session_timeout 1d, listen ... ssl http2 reuseport, access_log off, open_file_cache max=1000 inactive=20s (valid 30s, min_uses 1, errors on), sendfile, tcp_nopush, tcp_nodelay, keepalive_requests 10000000"
	echo "- roundtrip: serve web --tls-cert chain.pem --tls-key leaf.key --workers 1 --access-log off"
	echo "- CPU: utime + stime of the server's processes (nginx: master + worker) from /proc/PID/stat over the measured run / connections (new-conn) or requests (h2-1k) h2load completed; per server core-second = completed / server CPU seconds; wall /s is what the one h2load thread got (the cores-busy columns say which side held it back)"
	echo "- cores busy: how busy h2load's core (CPU $LOADGEN_CPU) and the server's core (CPU $SERVER_CPU) were over the measured run, from /proc/stat, medians: which side held the rate back"
	echo "- latency: h2load --log-file, every request of the measured run: from the request's start (after the TLS handshake) to the end of its response; p50 and p99 per run, the table gives their medians over the rounds, the p99's min-max, and the ratio of the median p99s"
	echo
	echo "$TABLE"
	echo "======================================================================="
}
