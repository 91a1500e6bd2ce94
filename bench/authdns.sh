#!/usr/bin/env bash
# bench/authdns.sh: authoritative DNS, queries per second per server core,
# roundtrip vs Knot DNS vs NSD, measured side by side with dnsperf.
#
# Each server in turn serves the same generated zone (bench.test., ~100k names)
# on the same loopback address and port. The server is pinned to CPU 1 and
# capped by a cgroup CPU quota (a quarter of a core by default) so that the
# server, not dnsperf (pinned to CPU 0), is the bottleneck; QPS per core is the
# measured QPS divided by the quota fraction. Servers alternate over several
# rounds; the table gives median, min and max per server and the ratios, and
# the server's user-space CPU per answered query (utime alone, from /proc) beside
# its system CPU. The no-work floor (bench/echo.c: recvmmsg, set QR, sendmmsg)
# runs in the same rounds, so what a server costs above the kernel's UDP path
# shows apart from what the kernel costs.
#
# Usage: bash bench/authdns.sh [--quick] [--runs N] [--seconds S]
#                              [--servers "roundtrip knot nsd echo"] [--no-build]
# Runs as root (it installs packages, creates a cgroup, starts servers).
# All traffic stays on loopback: 127.0.0.250:5353 by default (--addr, --port).
# ROUNDTRIP_B_BIN=PATH and --servers "roundtrip roundtrip-b ...": a second build
# alternating with the first in the same run (an A/B).
# See bench/README.md.
set -euo pipefail

# ---------------------------------------------------------------- options ---
RUNS=5
SECONDS_PER_RUN=10
WARMUP_SECONDS=1
ADDR=127.0.0.250
PORT=5353
SERVERS="roundtrip knot nsd echo"
BUILD=1
QUICK=0
# dnsperf load: enough outstanding queries that the capped server never idles,
# few enough that its socket buffer does not overflow while the quota throttles it.
CLIENTS=${CLIENTS:-8}
MAX_OUTSTANDING=${MAX_OUTSTANDING:-100}
# the CPU quota: QUOTA_US of every PERIOD_US (cgroup v2 cpu.max "25000 100000")
QUOTA_US=${QUOTA_US:-25000}
PERIOD_US=${PERIOD_US:-100000}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
NAMES=${NAMES:-100000}
NQUERIES=${NQUERIES:-100000}
SEED=${SEED:-20240601}
ORIG_ARGS=("$@")

usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
	case "$1" in
	--quick) QUICK=1; RUNS=1; SECONDS_PER_RUN=3; shift ;;
	--runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
	--seconds) SECONDS_PER_RUN=${2:?--seconds needs a number}; shift 2 ;;
	--servers) SERVERS=${2:?--servers needs a list}; shift 2 ;;
	--addr) ADDR=${2:?--addr needs an address}; shift 2 ;;
	--port) PORT=${2:?--port needs a number}; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "authdns.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }
[[ "$SECONDS_PER_RUN" =~ ^[1-9][0-9]*$ ]] || { echo "--seconds must be a positive integer" >&2; exit 2; }
[[ "$SECONDS_PER_RUN" -le 120 ]] || { echo "--seconds is capped at 120" >&2; exit 2; }
[[ "$RUNS" -le 50 ]] || { echo "--runs is capped at 50" >&2; exit 2; }
case "$ADDR" in
127.*) ;;
*) echo "--addr must be a loopback address (127.0.0.0/8)" >&2; exit 2 ;;
esac
for s in $SERVERS; do
	case "$s" in roundtrip | roundtrip-nocache | roundtrip-b | knot | nsd | echo) ;; *) echo "unknown server $s" >&2; exit 2 ;; esac
done

if [[ $(id -u) -ne 0 ]]; then
	echo "authdns.sh: run as root (installs packages, creates a cgroup)" >&2
	exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
# ROUNDTRIP_BIN=PATH: another build (not rebuilt); else cargo's target dir (CARGO_TARGET_DIR too)
ROUNDTRIP_OVERRIDE=0
if [[ -n "${ROUNDTRIP_BIN:-}" ]]; then BUILD=0; ROUNDTRIP_OVERRIDE=1; else ROUNDTRIP_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/roundtrip"; fi
# ROUNDTRIP_B_BIN=PATH: a second build, run as server `roundtrip-b` (--servers "roundtrip roundtrip-b ...")
if [[ " $SERVERS " == *" roundtrip-b "* && ! -x "${ROUNDTRIP_B_BIN:-}" ]]; then
	echo "authdns.sh: server roundtrip-b needs ROUNDTRIP_B_BIN=PATH (another build)" >&2
	exit 2
fi
GIT_AT_START=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')
LOAD_AT_START=$(awk '{ print $1, $2, $3 }' /proc/loadavg)
HZ=$(getconf CLK_TCK)

log() { printf '[authdns %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
warn() { printf '\n!!!!!!!! WARNING: %s\n\n' "$*" >&2; }
CG_NAME=roundtrip-authdns
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- cleanup ---
TMP=""
STARTED_PIDS=()



cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	if [[ -n "${LOADGEN_PID:-}" ]]; then stop_pid "$LOADGEN_PID"; fi
	for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
	# children of our servers (NSD forks) left in our own cgroup
	for pid in $(cg_procs); do kill -KILL "$pid" 2>/dev/null || true; done
	if [[ -n "$CG" && -d "$CG" ]]; then
		for ((i = 0; i < 50; i++)); do
			rmdir "$CG" 2>/dev/null && break
			sleep 0.1
		done
		[[ -d "$CG" ]] && echo "authdns.sh: could not remove cgroup $CG" >&2
	fi
	if [[ -n "$TMP" && -d "$TMP" ]]; then
		if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "authdns.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------- 1. packages ---
daemon_pids() { # PIDs of nsd / knotd processes, whoever started them
	ps -eo pid=,comm= | awk '$2 == "nsd" || $2 == "knotd" { print $1 }'
}

install_packages() {
	local missing=()
	command -v dnsperf >/dev/null || missing+=(dnsperf)
	command -v nsd >/dev/null || missing+=(nsd)
	command -v knotd >/dev/null || missing+=(knot)
	command -v python3 >/dev/null || missing+=(python3)
	command -v taskset >/dev/null || missing+=(util-linux)
	[[ ${#missing[@]} -eq 0 ]] && return 0
	log "installing ${missing[*]}"
	local before after pid
	before=" $(daemon_pids | tr '\n' ' ') "
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
	# Debian's postinst may start the distro's nsd / knot services (on port 53).
	# Stop those only: the ones that appeared during our install.
	if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
		for unit in nsd knot; do
			if systemctl is-active --quiet "$unit" 2>/dev/null; then
				log "stopping $unit.service started by the install"
				systemctl stop "$unit" || true
			fi
		done
	fi
	# A daemon that appeared during the install and runs the distro's own
	# configuration (no -c, or -c under /etc) is the service; one run with a
	# configuration elsewhere belongs to someone else and is left alone.
	after=$(daemon_pids)
	local args
	for pid in $after; do
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		if [[ " $args " == *" -c "* && " $args " != *" -c /etc/"* ]]; then continue; fi
		if [[ "$before" != *" $pid "* ]]; then
			log "stopping $(ps -o comm= -p "$pid" 2>/dev/null || echo '?') (pid $pid) started by the install"
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
}
install_packages

# -------------------------------------------------------- 2./3. zone, queries
TMP=$(mktemp -d /tmp/authdns-bench.XXXXXX)
chmod 755 "$TMP"
ZONEFILE="$TMP/bench.test.zone"
QUERYFILE="$TMP/queries.txt"

log "generating zone ($NAMES names) and $NQUERIES queries (seed $SEED)"
python3 - "$ZONEFILE" "$QUERYFILE" "$NAMES" "$NQUERIES" "$SEED" <<'PY'
import random, sys

zonefile, queryfile, n, nq, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
origin = "bench.test."
NDELEG = 100

def a_of(i):  # loopback addresses: the data never leads anywhere else
    return "127.%d.%d.%d" % (1 + (i >> 16), (i >> 8) & 255, i & 255)

has_aaaa = lambda i: i % 10 == 0
has_txt = lambda i: i % 20 == 5
has_mx = lambda i: i % 25 == 3

out = []
w = out.append
w("$ORIGIN %s\n$TTL 3600\n" % origin)
w("%s 3600 IN SOA ns1.%s hostmaster.%s 2024060101 7200 3600 1209600 3600\n" % (origin, origin, origin))
w("%s 3600 IN NS ns1.%s\n%s 3600 IN NS ns2.%s\n" % (origin, origin, origin, origin))
w("ns1.%s 3600 IN A 127.0.0.250\nns2.%s 3600 IN A 127.0.0.251\n" % (origin, origin))
w("ns1.%s 3600 IN AAAA ::1\n" % origin)
w("%s 3600 IN MX 10 mail.%s\nmail.%s 3600 IN A 127.0.0.252\n" % (origin, origin, origin))
w("%s 3600 IN TXT \"v=spf1 -all\"\n" % origin)
for i in range(n):
    name = "h%d.%s" % (i, origin)
    w("%s 3600 IN A %s\n" % (name, a_of(i)))
    if has_aaaa(i):
        w("%s 3600 IN AAAA 2001:db8::%x:%x\n" % (name, i >> 16, i & 0xFFFF))
    if has_txt(i):
        w("%s 3600 IN TXT \"host %d of the bench zone\"\n" % (name, i))
    if has_mx(i):
        w("%s 3600 IN MX 10 h%d.%s\n" % (name, (i * 7919) % n, origin))
for k in range(NDELEG):
    sub = "sub%d.%s" % (k, origin)
    w("%s 3600 IN NS ns.%s\n" % (sub, sub))
    w("ns.%s 3600 IN A 127.2.%d.%d\n" % (sub, k >> 8, k & 255))
with open(zonefile, "w") as f:
    f.write("".join(out))

rng = random.Random(seed)
aaaa = [i for i in range(n) if has_aaaa(i)]
txt = [i for i in range(n) if has_txt(i)]
mx = [i for i in range(n) if has_mx(i)]
q = []
for _ in range(nq * 55 // 100):  # hits: 55% A, 5% AAAA, 5% TXT, 5% MX
    q.append("h%d.%s A" % (rng.randrange(n), origin))
for lst, t in ((aaaa, "AAAA"), (txt, "TXT"), (mx, "MX")):
    for _ in range(nq * 5 // 100):
        q.append("h%d.%s %s" % (rng.choice(lst), origin, t))
for j in range(nq * 10 // 100):  # NXDOMAIN: past the last name, or below a leaf
    if j % 2:
        q.append("h%d.%s A" % (n + rng.randrange(10 * n), origin))
    else:
        q.append("x%d.h%d.%s A" % (rng.randrange(1000), rng.randrange(n), origin))
nodata_types = ("AAAA", "MX", "TXT", "SRV", "CAA")
while len(q) < nq * 90 // 100:  # NODATA: existing name, type it does not have
    i = rng.randrange(n)
    t = rng.choice(nodata_types)
    if (t == "AAAA" and has_aaaa(i)) or (t == "MX" and has_mx(i)) or (t == "TXT" and has_txt(i)):
        continue
    q.append("h%d.%s %s" % (i, origin, t))
while len(q) < nq:  # referrals: names at or below the delegations
    k = rng.randrange(NDELEG)
    r = rng.random()
    if r < 0.5:
        q.append("www.sub%d.%s A" % (k, origin))
    elif r < 0.8:
        q.append("host%d.sub%d.%s AAAA" % (rng.randrange(1000), k, origin))
    else:
        q.append("sub%d.%s A" % (k, origin))
rng.shuffle(q)
with open(queryfile, "w") as f:
    f.write("\n".join(q) + "\n")
PY
ZONE_RECORDS=$(grep -vc '^\$' "$ZONEFILE")
QUERY_SUM=$(md5sum "$QUERYFILE" | cut -c1-12)
ZONE_SUM=$(md5sum "$ZONEFILE" | cut -c1-12)
log "zone: $ZONE_RECORDS records (md5 $ZONE_SUM), queries: $(wc -l <"$QUERYFILE") (md5 $QUERY_SUM)"

# -------------------------------------------------------------- 5. cgroup ---
# Prefer cgroup v2 (cpu.max); on a hybrid host whose cpu controller is bound
# to cgroup v1, use v1's cpu.cfs_quota_us (the same CFS bandwidth limit);
# failing both, run without a quota and say so loudly.
if [[ "${NO_CGROUP:-0}" != 1 ]] && setup_cgroup; then
	QUOTA_FRACTION=$(awk -v q="$QUOTA_US" -v p="$PERIOD_US" 'BEGIN { printf "%.4f", q / p }')
	log "server cgroup: $CG ($CG_KIND)"
else
	QUOTA_FRACTION=1
	CG_KIND="NONE: no CPU quota could be set"
	warn "no cgroup CPU quota available (cgroup v2 cpu controller cannot be enabled and no v1 cpu hierarchy).
!!!!!!!! The server gets all of CPU $SERVER_CPU: the figures are then LOAD-GENERATOR BOUND and
!!!!!!!! understate the faster server. Per-core figures below are raw QPS (fraction 1)."
fi

# -------------------------------------------------------- 4. the servers ---
port_busy() {
	ss -Hlun "sport = :$PORT" 2>/dev/null | awk -v a="$ADDR:$PORT" '$4 == a || $4 == "0.0.0.0:" substr(a, index(a, ":") + 1) || $4 == "*:" substr(a, index(a, ":") + 1) { f = 1 } END { exit !f }'
}

ROUNDTRIP_OK=0
ROUNDTRIP_NOTE=""
ROUNDTRIP_EXTRA=()
prepare_roundtrip() {
	if [[ $BUILD -eq 1 ]]; then
		local stale=1
		if [[ -x "$ROUNDTRIP_BIN" ]] &&
			[[ -z "$(find "$REPO/crates" "$REPO/Cargo.toml" "$REPO/Cargo.lock" -newer "$ROUNDTRIP_BIN" \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print -quit 2>/dev/null)" ]]; then
			stale=0
		fi
		if [[ $stale -eq 1 ]] && ! command -v cargo >/dev/null; then
			[[ -x "${HOME:-/root}/.cargo/bin/cargo" ]] && PATH="$PATH:${HOME:-/root}/.cargo/bin"
		fi
		if [[ $stale -eq 1 ]] && ! command -v cargo >/dev/null; then
			log "cargo not found: cannot build roundtrip"
			[[ -x "$ROUNDTRIP_BIN" ]] && log "using the existing, possibly stale, target/release/roundtrip"
		elif [[ $stale -eq 1 ]]; then
			log "building roundtrip (cargo build --release -p cli; log in $TMP/cargo.log)"
			if ! (cd "$REPO" && cargo build --release -p cli) >"$TMP/cargo.log" 2>&1; then
				ROUNDTRIP_NOTE="build failed: $(grep -m1 '^error' "$TMP/cargo.log" || tail -n1 "$TMP/cargo.log")"
				return 1
			fi
		fi
	fi
	if [[ ! -x "$ROUNDTRIP_BIN" ]]; then
		ROUNDTRIP_NOTE="no binary at target/release/roundtrip"
		return 1
	fi
	local help
	if ! help=$("$ROUNDTRIP_BIN" serve auth --help 2>&1); then
		ROUNDTRIP_NOTE="\`roundtrip serve auth\` does not exist yet"
		return 1
	fi
	# one worker, where the command lets us choose
	if grep -q -- '--udp-workers' <<<"$help"; then
		ROUNDTRIP_EXTRA=(--udp-workers 1)
	elif grep -q -- '--workers' <<<"$help"; then
		ROUNDTRIP_EXTRA=(--workers 1)
	elif grep -q -- '--threads' <<<"$help"; then
		ROUNDTRIP_EXTRA=(--threads 1)
	fi
	return 0
}

write_configs() {
	mkdir -p "$TMP/nsd" "$TMP/knot"
	cat >"$TMP/nsd/nsd.conf" <<EOF
server:
	ip-address: $ADDR@$PORT
	do-ip6: no
	port: $PORT
	server-count: 1
	reuseport: yes
	username: ""
	chroot: ""
	zonesdir: "$TMP"
	database: ""
	zonelistfile: "$TMP/nsd/zone.list"
	xfrdfile: "$TMP/nsd/xfrd.state"
	xfrdir: "$TMP/nsd"
	pidfile: "$TMP/nsd/nsd.pid"
	logfile: "$TMP/nsd/nsd.log"
	verbosity: 0
	hide-version: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: bench.test.
	zonefile: "$ZONEFILE"
EOF
	cat >"$TMP/knot/knot.conf" <<EOF
server:
    rundir: "$TMP/knot"
    listen: $ADDR@$PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

log:
  - target: "$TMP/knot/knot.log"
    any: warning

database:
    storage: "$TMP/knot"

template:
  - id: default
    storage: "$TMP/knot"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
  - domain: bench.test.
    file: "$ZONEFILE"
EOF
}

server_cmd() { # fills CMD for server $1
	case "$1" in
	roundtrip) CMD=("$ROUNDTRIP_BIN" serve auth --listen "$ADDR:$PORT" --zone "bench.test.=$ZONEFILE" "${ROUNDTRIP_EXTRA[@]}") ;;
	# The same server answering every query from the zone, never from its packet cache.
	roundtrip-nocache) CMD=("$ROUNDTRIP_BIN" serve auth --listen "$ADDR:$PORT" --zone "bench.test.=$ZONEFILE" --no-packet-cache "${ROUNDTRIP_EXTRA[@]}") ;;
	# Another build (ROUNDTRIP_B_BIN), the same command: an A/B of two builds in one run.
	roundtrip-b) CMD=("$ROUNDTRIP_B_BIN" serve auth --listen "$ADDR:$PORT" --zone "bench.test.=$ZONEFILE" "${ROUNDTRIP_EXTRA[@]}") ;;
	knot) CMD=(knotd -c "$TMP/knot/knot.conf") ;;
	# The floor: bench/echo.c sends each query back with recvmmsg/sendmmsg, no DNS work at all.
	echo) CMD=("$TMP/echo" "$ADDR" "$PORT") ;;
	nsd) CMD=(nsd -d -c "$TMP/nsd/nsd.conf") ;;
	esac
}

probe() { # does the server answer the apex SOA with our zone's data?
	local out
	if [[ "${PROBING:-}" == echo ]]; then # the echo answers anything with the query itself
		echo "bench.test. SOA" >"$TMP/probe.txt"
		dnsperf -s "$ADDR" -p "$PORT" -d "$TMP/probe.txt" -n 1 -t 1 >/dev/null 2>&1
		return
	fi
	if [[ "${PROBE:-}" != dnsperf ]] && command -v kdig >/dev/null; then
		out=$(kdig @"$ADDR" -p "$PORT" +notcp +timeout=1 +retry=0 +short bench.test. SOA 2>/dev/null) || return 1
		[[ "$out" == *hostmaster.bench.test.* ]]
	elif [[ "${PROBE:-}" != dnsperf ]] && command -v dig >/dev/null; then
		out=$(dig @"$ADDR" -p "$PORT" +notcp +time=1 +tries=1 +short bench.test. SOA 2>/dev/null) || return 1
		[[ "$out" == *hostmaster.bench.test.* ]]
	else
		echo "bench.test. SOA" >"$TMP/probe.txt"
		out=$(dnsperf -s "$ADDR" -p "$PORT" -d "$TMP/probe.txt" -n 1 -t 1 2>&1) || return 1
		grep -q 'NOERROR 1 ' <<<"$out"
	fi
}

server_pids() { # the server we started and its children
	if [[ -n "$CG" ]]; then
		cg_procs
	elif [[ -n "$SERVER_PID" ]]; then
		# it and all its descendants (NSD's first process becomes xfrd; main and
		# the server are its child and grandchild)
		ps -eo pid=,ppid= | awk -v root="$SERVER_PID" '
			{ parent[$1] = $2 }
			END { for (p in parent) { q = p; while (q != "" && q != 0 && q != 1) { if (q == root) { print p; break } q = parent[q] } } }'
	fi
}

owns_port() { # is every UDP socket on ADDR:PORT held by the server we started?
	local mine owners p
	mine=" $(server_pids | tr '\n' ' ') "
	owners=$(ss -Hlunp "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) || true
	[[ -n "$owners" ]] || return 0 # ss could not tell (no -p support): trust the probe
	for p in $owners; do
		[[ "$mine" == *" $p "* ]] || return 1
	done
}

SERVER_PID=""
start_server() { # $1 = name; starts it pinned, inside the cgroup; waits until it answers
	local name=$1 i
	PROBING=$name
	server_cmd "$name"
	if port_busy; then
		log "$ADDR:$PORT is already in use by something else; not starting $name"
		ss -Hlunp "sport = :$PORT" >&2 || true
		return 1
	fi
	quota_off
	if [[ -n "$CG" ]]; then
		# enter the cgroup first, then exec: every process and thread the server
		# forks (NSD's xfrd and server children) starts inside it
		bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$CG" \
			taskset -c "$SERVER_CPU" "${CMD[@]}" >"$TMP/$name.out" 2>&1 &
	else
		taskset -c "$SERVER_CPU" "${CMD[@]}" >"$TMP/$name.out" 2>&1 &
	fi
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	for ((i = 0; i < 600; i++)); do # at most ~60 s to load the zone
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			log "$name exited early; its output:"
			tail -n 20 "$TMP/$name.out" >&2 || true
			return 1
		fi
		if probe; then
			if ! owns_port; then
				log "something other than the $name we started answers on $ADDR:$PORT:"
				ss -Hlunp "sport = :$PORT" >&2 || true
				return 1
			fi
			quota_on "$QUOTA_US" "$PERIOD_US"
			return 0
		fi
		sleep 0.1
	done
	log "$name did not answer within 60 s"
	tail -n 20 "$TMP/$name.out" >&2 || true
	return 1
}

stop_server() {
	local pid rest=() p i kids
	[[ -n "$SERVER_PID" ]] || return 0
	kids=$(server_pids | grep -vx "$SERVER_PID" || true)
	stop_pid "$SERVER_PID"
	# without a cgroup: the children we saw (NSD's main and server) if still there
	for ((i = 0; i < 50; i++)); do
		rest=()
		for p in $kids; do kill -0 "$p" 2>/dev/null && rest+=("$p"); done
		[[ ${#rest[@]} -eq 0 ]] && break
		sleep 0.1
	done
	for p in "${rest[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	# leftovers in our cgroup (children of the server we started)
	for ((i = 0; i < 50; i++)); do
		mapfile -t rest < <(cg_procs)
		[[ ${#rest[@]} -eq 0 ]] && break
		sleep 0.1
	done
	for p in "${rest[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for pid in "${!STARTED_PIDS[@]}"; do
		[[ "${STARTED_PIDS[$pid]}" == "$SERVER_PID" ]] && unset 'STARTED_PIDS[pid]'
	done
	SERVER_PID=""
	# the port must be free again before the next server binds it
	for ((i = 0; i < 50; i++)); do port_busy || break; sleep 0.1; done
}



# ------------------------------------------------------------ 6. the runs ---
DNSPERF_ARGS=(-s "$ADDR" -p "$PORT" -d "$QUERYFILE" -c "$CLIENTS" -T 1 -q "$MAX_OUTSTANDING" -t 2)
RESULTS="$TMP/results.tsv" # server round qps lost% threads throttled% rcodes
: >"$RESULTS"

LOADGEN_PID=""
run_dnsperf() { # $1 = seconds, $2 = output file
	# in the background + wait, so that a signal to this script is handled at once
	timeout $(($1 + 30)) taskset -c "$LOADGEN_CPU" dnsperf "${DNSPERF_ARGS[@]}" -l "$1" >"$2" 2>&1 &
	LOADGEN_PID=$!
	local rc=0
	wait "$LOADGEN_PID" || rc=$?
	LOADGEN_PID=""
	return "$rc"
}

parse_dnsperf() { # prints: qps lost% rcodes completed
	awk '
		/Queries per second:/ { qps = $4 }
		/Queries completed:/ { done = $3 }
		/Queries lost:/ { lost = $4; gsub(/[()%]/, "", lost) }
		/Response codes:/ { sub(/^.*Response codes: */, ""); rc = $0; gsub(/ /, "_", rc) }
		END { if (qps == "") exit 1; if (rc == "") rc = "-"; print qps, lost, rc, done }' "$1"
}

if [[ " $SERVERS " == *" roundtrip "* ]]; then
	if prepare_roundtrip; then
		ROUNDTRIP_OK=1
		log "roundtrip: $ROUNDTRIP_BIN serve auth ${ROUNDTRIP_EXTRA[*]}"
	else
		log "roundtrip: not available ($ROUNDTRIP_NOTE)"
	fi
fi
write_configs
if [[ " $SERVERS " == *" echo "* ]]; then
	gcc -O2 -o "$TMP/echo" "$REPO/bench/echo.c" || { echo "authdns.sh: cannot build bench/echo.c" >&2; exit 1; }
fi

if port_busy; then
	echo "authdns.sh: $ADDR:$PORT is already in use; pick another with --addr/--port" >&2
	ss -Hlunp "sport = :$PORT" >&2 || true
	exit 1
fi

log "runs: $RUNS rounds x $SECONDS_PER_RUN s; servers: $SERVERS; server on CPU $SERVER_CPU, dnsperf on CPU $LOADGEN_CPU"
for ((round = 1; round <= RUNS; round++)); do
	for s in $SERVERS; do
		if [[ $s == roundtrip* && $ROUNDTRIP_OK -ne 1 ]]; then continue; fi
		if ! start_server "$s"; then
			log "$s: failed to start (round $round)"
			stop_server
			printf '%s\t%s\tFAIL\t-\t-\t-\t-\t-\t-\t-\t-\n' "$s" "$round" >>"$RESULTS"
			continue
		fi
		nthreads=$(threads_of)
		run_dnsperf "$WARMUP_SECONDS" "$TMP/warmup.out" || true
		out="$TMP/dnsperf.$s.$round.out"
		rcvbuf=$(ss -Hulnm "sport = :$PORT" 2>/dev/null | grep -o 'rb[0-9]*' | head -n1 | tr -d rb) || rcvbuf=""
		read -r p0 t0 < <(cg_throttle)
		read -r u0 s0 < <(cpu_ticks)
		if run_dnsperf "$SECONDS_PER_RUN" "$out" && parsed=$(parse_dnsperf "$out"); then
			read -r u1 s1 < <(cpu_ticks)
			read -r p1 t1 < <(cg_throttle)
			# share of the quota periods in which the server used up its quota:
			# near 100% means the server, not dnsperf, was the bottleneck
			thr=$(awk -v p=$((p1 - p0)) -v t=$((t1 - t0)) 'BEGIN { if (p > 0) printf "%.0f", 100 * t / p; else print "-" }')
			read -r qps lost rcodes completed <<<"$parsed"
			# CPU of the server over the measured run, in clock ticks: user, system; and the answers
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$round" "$qps" "$lost" "$nthreads" "$thr" "$rcodes" \
				"$completed" $((u1 - u0)) $((s1 - s0)) "${rcvbuf:--}" >>"$RESULTS"
			log "round $round $s: $qps qps raw, $(awk -v q="$qps" -v f="$QUOTA_FRACTION" 'BEGIN { printf "%.0f", q / f }') per core, lost $lost%, threads $nthreads, throttled in $thr% of periods; $(awk -v u=$((u1 - u0)) -v k=$((s1 - s0)) -v n="$completed" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.2f us user + %.2f us system", u / hz * 1e6 / n, k / hz * 1e6 / n }') per answered query"
		else
			log "$s: dnsperf failed (round $round):"
			tail -n 5 "$out" >&2 || true
			printf '%s\t%s\tFAIL\t-\t-\t-\t-\t-\t-\t-\t-\n' "$s" "$round" >>"$RESULTS"
		fi
		stop_server
	done
done

# ------------------------------------------------------------ 7. the table --
# (whole outputs captured first: a pipe into head would SIGPIPE under pipefail)
first_line() { local out; out=$("$@" 2>&1 || true); printf '%s\n' "${out%%$'\n'*}"; }
ver_nsd=$(first_line nsd -v)
ver_knot=$(first_line knotd -V)
ver_dnsperf=$(dnsperf -h 2>&1 || true)
ver_dnsperf="dnsperf $(awk '/^Version/ { print $2 }' <<<"$ver_dnsperf")"
ver_rt="roundtrip: not available"
if [[ $ROUNDTRIP_OK -eq 1 && $ROUNDTRIP_OVERRIDE -eq 1 ]]; then
	ver_rt="roundtrip ROUNDTRIP_BIN=$ROUNDTRIP_BIN (built $(date -r "$ROUNDTRIP_BIN" '+%Y-%m-%d %H:%M'); work tree $GIT_AT_START at the start of the run)"
elif [[ $ROUNDTRIP_OK -eq 1 ]]; then
	ver_rt="roundtrip $GIT_AT_START ($ROUNDTRIP_BIN built $(date -r "$ROUNDTRIP_BIN" '+%Y-%m-%d %H:%M'))"
fi
if [[ " $SERVERS " == *" roundtrip-b "* ]]; then
	ver_rt+="; roundtrip B ROUNDTRIP_B_BIN=$ROUNDTRIP_B_BIN (built $(date -r "$ROUNDTRIP_B_BIN" '+%Y-%m-%d %H:%M'))"
fi
LOAD_AT_END=$(awk '{ print $1, $2, $3 }' /proc/loadavg)
cmdline="bash bench/authdns.sh"
for a in "${ORIG_ARGS[@]}"; do cmdline+=" $(printf '%q' "$a")"; done

TABLE=$(python3 - "$RESULTS" "$QUOTA_FRACTION" "$SERVERS" "$ROUNDTRIP_OK" "$ROUNDTRIP_NOTE" "$HZ" <<'PY'
import statistics, sys
path, frac, servers, rt_ok, rt_note = sys.argv[1], float(sys.argv[2]), sys.argv[3].split(), sys.argv[4] == "1", sys.argv[5]
hz = float(sys.argv[6])
rows = {}
for line in open(path):
    s, rnd, qps, lost, thr, thrott, rc, done, uticks, sticks, rcvbuf = line.rstrip("\n").split("\t")
    rows.setdefault(s, []).append((qps, lost, thr, rc, thrott, done, uticks, sticks, rcvbuf))
names = {"roundtrip": "roundtrip", "roundtrip-nocache": "roundtrip --no-packet-cache", "roundtrip-b": "roundtrip B (ROUNDTRIP_B_BIN)", "knot": "Knot DNS", "nsd": "NSD",
         "echo": "echo floor (bench/echo.c)"}
print("| server | QPS per core, median | min | max | raw QPS, median | runs | lost %, max | throttled %, min | threads |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
med = {}
for s in servers:
    r = rows.get(s, [])
    ok = [x for x in r if x[0] != "FAIL"]
    if s.startswith("roundtrip") and not rt_ok:
        print("| %s | not available | | | | | | | |" % names[s])
        continue
    if not ok:
        print("| %s | failed (%d runs) | | | | | | | |" % (names[s], len(r)))
        continue
    q = [float(x[0]) for x in ok]
    pc = [v / frac for v in q]
    med[s] = statistics.median(pc)
    fails = len(r) - len(ok)
    th = [int(x[4]) for x in ok if x[4] not in ("-", "")]
    print("| %s | %.0f | %.0f | %.0f | %.0f | %d%s | %.2f | %s | %s |" % (
        names[s], med[s], min(pc), max(pc), statistics.median(q), len(ok),
        (" (+%d failed)" % fails) if fails else "", max(float(x[1]) for x in ok),
        min(th) if th else "-", "/".join(sorted(set(x[2] for x in ok)))))
print()
def ratio(a, b):
    return "%.2f" % (med[a] / med[b]) if a in med and b in med and med[b] else "n/a"
if "roundtrip" in med:
    best = max((s for s in ("knot", "nsd") if s in med), key=lambda s: med[s], default=None)
    print("ratios of medians: roundtrip/knot %s, roundtrip/nsd %s, roundtrip/max(knot,nsd) %s (target: > 1, ahead of the faster)" % (
        ratio("roundtrip", "knot"), ratio("roundtrip", "nsd"), ratio("roundtrip", best) if best else "n/a"))
    if "echo" in med:
        print("share of the floor: roundtrip/echo %s (target >= 0.95), knot/echo %s, nsd/echo %s" % (
            ratio("roundtrip", "echo"), ratio("knot", "echo"), ratio("nsd", "echo")))
    if "roundtrip-nocache" in med:
        print("without the packet cache: roundtrip-nocache/knot %s, roundtrip-nocache/nsd %s" % (
            ratio("roundtrip-nocache", "knot"), ratio("roundtrip-nocache", "nsd")))
    if "roundtrip-b" in med:
        print("two builds: roundtrip-b/roundtrip %s" % ratio("roundtrip-b", "roundtrip"))
else:
    print("ratios of medians: roundtrip not available%s; knot/nsd %s" % (
        (" (" + rt_note + ")") if rt_note else "", ratio("knot", "nsd")))
print()
# response codes seen (last good run of each): all servers must answer alike
print("response codes (last run of each):")
mix = {}
for s in servers:
    ok = [x for x in rows.get(s, []) if x[0] != "FAIL"]
    if ok and s != "echo":  # the echo answers nothing, by design
        text = ok[-1][3].replace("_", " ").strip()
        print("- %s: %s" % (names[s], text))
        # "NOERROR 92901 (89.99%), NXDOMAIN 10334 (10.01%)" -> {rcode: percent}
        m = {}
        for part in text.split(","):
            f = part.split()
            if len(f) >= 3:
                m[f[0]] = float(f[2].strip("()%"))
        mix[s] = m
for s in mix:
    for t in mix:
        if s < t:
            codes = set(mix[s]) | set(mix[t])
            worst = max(abs(mix[s].get(c, 0.0) - mix[t].get(c, 0.0)) for c in codes)
            if worst > 1.0:
                print("WARNING: %s and %s answer with different response codes (up to %.1f points apart): "
                      "one of them does not serve the same zone" % (names[s], names[t], worst))
print()
# CPU per answered query, from the server's own /proc/PID/stat (utime, stime) over each measured run
print("CPU per answered query (us; utime and stime of the server's processes over the measured run / queries completed; "
      "median of the runs (min-max), and pooled: all runs' ticks / all runs' answers):")
print()
print("| server | user, median (min-max) | user, pooled | system, median | user + system, median | above the floor (user + system) | UDP receive buffer (bytes) |")
print("|---|---:|---:|---:|---:|---:|---:|")
cpu = {}
for s in servers:
    ok = [x for x in rows.get(s, []) if x[0] != "FAIL" and x[5] not in ("", "-") and int(x[5]) > 0]
    if not ok:
        continue
    u = [int(x[6]) / hz * 1e6 / int(x[5]) for x in ok]
    k = [int(x[7]) / hz * 1e6 / int(x[5]) for x in ok]
    t = [a + b for a, b in zip(u, k)]
    pooled = sum(int(x[6]) for x in ok) / hz * 1e6 / sum(int(x[5]) for x in ok)
    cpu[s] = (statistics.median(u), pooled, statistics.median(k), statistics.median(t))
for s in servers:
    if s not in cpu:
        continue
    r = [x for x in rows.get(s, []) if x[0] != "FAIL" and x[5] not in ("", "-") and int(x[5]) > 0]
    u = [int(x[6]) / hz * 1e6 / int(x[5]) for x in r]
    above = "%.2f" % (cpu[s][3] - cpu["echo"][3]) if "echo" in cpu and s != "echo" else "-"
    print("| %s | %.2f (%.2f-%.2f) | %.2f | %.2f | %.2f | %s | %s |" % (
        names[s], cpu[s][0], min(u), max(u), cpu[s][1], cpu[s][2], cpu[s][3], above, "/".join(sorted(set(x[8] for x in r)))))
print()
if "roundtrip" in cpu:
    parts = ["roundtrip/%s %.2f" % (p, cpu["roundtrip"][1] / cpu[p][1]) for p in ("knot", "nsd") if p in cpu and cpu[p][1]]
    if parts:
        print("user-space CPU per answered query, pooled: " + ", ".join(parts) + " (lower is better)")
    if "echo" in cpu:
        print("above the floor (user + system minus the echo's): " + ", ".join(
            "%s %.2f us" % (names[s], cpu[s][3] - cpu["echo"][3]) for s in servers if s in cpu and s != "echo"))
print("(user and system are split by the kernel's tick sampling at CONFIG_HZ: per-run figures scatter by several percent; the pooled figure is the steadier one)")
PY
)

CPU_MODEL=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo
	echo "===================== paste into bench/RESULTS.md ====================="
	echo "### $(date -u '+%Y-%m-%d %H:%M UTC') authdns: roundtrip vs Knot DNS vs NSD"
	echo
	echo "- command: \`$cmdline\`"
	echo "- machine: $(nproc) cores ($CPU_MODEL), kernel $(uname -r); load average (1/5/15 min) $LOAD_AT_START at the start, $LOAD_AT_END at the end (the machine is shared)"
	echo "- versions: $ver_knot; $ver_nsd; $ver_dnsperf; $ver_rt"
	echo "- zone: bench.test., $ZONE_RECORDS records (md5 $ZONE_SUM); queries: $(wc -l <"$QUERYFILE") (md5 $QUERY_SUM; 70% hits A/AAAA/TXT/MX, 10% NXDOMAIN, 10% NODATA, 10% referrals; seed $SEED)"
	echo "- server on CPU $SERVER_CPU, capped: $CG_KIND $QUOTA_US/$PERIOD_US us; QPS per core = raw QPS / $QUOTA_FRACTION"
	echo "- load: \`taskset -c $LOADGEN_CPU dnsperf ${DNSPERF_ARGS[*]/#"$QUERYFILE"/QUERYFILE} -l $SECONDS_PER_RUN\` on $ADDR:$PORT, $RUNS rounds alternating ($SERVERS), each server restarted per run, ${WARMUP_SECONDS}s warm-up"
	echo "- one UDP worker each (production tuning sets one worker per core; here the server gets one core): knot udp-workers 1, tcp-workers 1, background-workers 1, zonefile-load whole, journal off, no modules (no RRL); nsd server-count 1, reuseport yes, RRL off (rrl-ratelimit 0), database \"\" (no nsd.db); roundtrip ${ROUNDTRIP_EXTRA[*]:-default workers}; the echo floor: bench/echo.c, gcc -O2 (threads column: all threads of the server's processes)"
	[[ $QUICK -eq 1 ]] && echo "- QUICK smoke run: not a measurement"
	[[ -z "$CG" ]] && echo "- **WARNING: no CPU quota: these figures are load-generator bound, not per server core**"
	echo
	echo "$TABLE"
	echo "======================================================================="
}
