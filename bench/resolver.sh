#!/usr/bin/env bash
# bench/resolver.sh: the recursive resolver, roundtrip vs Unbound, both walking
# the same lab hierarchy (root -> com. -> google.com. / bulk.com.) on loopback.
#
# Measures, per resolver, alternating them over several rounds: cached answers
# per second per core (dnsperf), cache misses per second per core (dnsperf on
# never-asked names, and resperf's highest rate without loss), the cold
# resolution of www.google.com A (upstream queries seen by tcpdump, wall time)
# and the memory grown by caching 100,000 names. The resolver is pinned to
# CPU 1 and capped by a cgroup CPU quota (a quarter of a core); dnsperf and
# resperf run on CPU 0. The table gives median, min and max, and the ratios,
# with the user-space CPU (utime alone, from /proc) and system CPU per answered
# query. The no-work floor (bench/echo.c, which sends each query straight back)
# is measured in the same rounds as the cached answers, alternating, so what a
# resolver costs above the kernel's UDP path shows apart. Unbound is tuned as
# its performance guide says (see write_unbound_conf).
#
# Usage: bash bench/resolver.sh [--quick] [--runs N] [--seconds S]
#                               [--servers "roundtrip unbound echo"] [--no-build]
# Runs as root (installs packages, creates a cgroup, binds port 53 on the lab's
# addresses 127.0.0.2-8, captures on lo). The resolvers listen on
# 127.0.0.253:5353 by default (--addr, --port). See bench/README.md.
# ROUNDTRIP_B_BIN=PATH and --servers "roundtrip roundtrip-b ...": a second build
# alternating with the first in the same run (an A/B).
set -euo pipefail

# ---------------------------------------------------------------- options ---
RUNS=5
SECONDS_PER_RUN=10
WARMUP_SECONDS=1
ADDR=127.0.0.253
PORT=5353
SERVERS="roundtrip unbound echo"
BUILD=1
QUICK=0
# The lab's authoritative servers. Their addresses are fixed by the glue in
# the zone files; the port is fixed too: a referral carries no port, and
# Unbound has no option to ask upstream servers on another port than 53
# (stub-addr@port would only cover the root, and the referrals below it lead
# back to port 53). So the lab runs on port 53, as `roundtrip lab up` does as root.
AUTH_PORT=53
# dnsperf load, as in authdns.sh: enough outstanding queries that the capped
# resolver never idles, few enough that its socket buffer does not overflow
# while the quota holds it off the CPU.
CLIENTS=${CLIENTS:-8}
MAX_OUTSTANDING=${MAX_OUTSTANDING:-100}
# the CPU quota: QUOTA_US of every PERIOD_US (cgroup v2 cpu.max "25000 100000")
QUOTA_US=${QUOTA_US:-25000}
PERIOD_US=${PERIOD_US:-100000}
# resperf sends at a set rate whatever the answers: during the 75 ms of a
# 100 ms period in which the quota holds the resolver off the CPU, queries
# pile up in its socket buffer (~270 packets with the default 208 KiB) and are
# dropped above ~3,600 qps, which would measure the buffer, not the resolver.
# The same quarter core in 10 ms periods keeps the pile under the buffer.
RESPERF_QUOTA_US=${RESPERF_QUOTA_US:-2500}
RESPERF_PERIOD_US=${RESPERF_PERIOD_US:-10000}
RESPERF_MAX_QPS=${RESPERF_MAX_QPS:-20000} # raw qps at the end of the ramp
RESPERF_RAMP=${RESPERF_RAMP:-30}          # seconds from 0 to RESPERF_MAX_QPS
RESPERF_LOSS=${RESPERF_LOSS:-1}           # -L: the rate counts while loss <= this %
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
# The authoritative servers share the resolver's CPU: resperf busy-waits on
# CPU 0, and the capped resolver leaves three quarters of CPU 1 idle.
AUTH_CPU=${AUTH_CPU:-1}
NAMES=${NAMES:-100000}           # bulk names cached (memory, cached answers)
MISS_NAMES=${MISS_NAMES:-300000} # never-asked names for the dnsperf miss run
COLD_SETTLE=${COLD_SETTLE:-2}    # seconds to keep capturing after the cold answer
SEED=${SEED:-20240601}
ORIG_ARGS=("$@")

usage() {
	sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
	case "$1" in
	--quick) QUICK=1; RUNS=1; SECONDS_PER_RUN=3; RESPERF_RAMP=10; shift ;;
	--runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
	--seconds) SECONDS_PER_RUN=${2:?--seconds needs a number}; shift 2 ;;
	--servers) SERVERS=${2:?--servers needs a list}; shift 2 ;;
	--addr) ADDR=${2:?--addr needs an address}; shift 2 ;;
	--port) PORT=${2:?--port needs a number}; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "resolver.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }
[[ "$SECONDS_PER_RUN" =~ ^[1-9][0-9]*$ ]] || { echo "--seconds must be a positive integer" >&2; exit 2; }
[[ "$SECONDS_PER_RUN" -le 120 ]] || { echo "--seconds is capped at 120" >&2; exit 2; }
[[ "$RUNS" -le 50 ]] || { echo "--runs is capped at 50" >&2; exit 2; }
[[ "$RESPERF_RAMP" =~ ^[1-9][0-9]*$ && "$RESPERF_RAMP" -le 120 ]] || { echo "RESPERF_RAMP must be 1..120" >&2; exit 2; }
[[ "$RESPERF_MAX_QPS" =~ ^[1-9][0-9]*$ && "$RESPERF_MAX_QPS" -le 200000 ]] || { echo "RESPERF_MAX_QPS must be 1..200000" >&2; exit 2; }
[[ "$NAMES" =~ ^[1-9][0-9]*$ && "$NAMES" -le 1000000 ]] || { echo "NAMES must be 1..1000000" >&2; exit 2; }
[[ "$MISS_NAMES" =~ ^[1-9][0-9]*$ && "$MISS_NAMES" -le 5000000 ]] || { echo "MISS_NAMES must be 1..5000000" >&2; exit 2; }
case "$ADDR" in
127.0.0.[2-8]) echo "--addr must not be one of the lab's authoritative addresses (127.0.0.2-8)" >&2; exit 2 ;;
127.*) ;;
*) echo "--addr must be a loopback address (127.0.0.0/8)" >&2; exit 2 ;;
esac
for s in $SERVERS; do
	case "$s" in roundtrip | roundtrip-b | unbound | echo) ;; *) echo "unknown server $s (roundtrip, roundtrip-b, unbound, echo)" >&2; exit 2 ;; esac
done

if [[ $(id -u) -ne 0 ]]; then
	echo "resolver.sh: run as root (installs packages, creates a cgroup, binds port 53, captures on lo)" >&2
	exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
# ROUNDTRIP_BIN=PATH: another build of roundtrip (then it is not rebuilt)
ROUNDTRIP_OVERRIDE=0
if [[ -n "${ROUNDTRIP_BIN:-}" ]]; then BUILD=0; ROUNDTRIP_OVERRIDE=1; else ROUNDTRIP_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/roundtrip"; fi
# ROUNDTRIP_B_BIN=PATH: a second build, run as server `roundtrip-b` (--servers "roundtrip roundtrip-b ...")
if [[ " $SERVERS " == *" roundtrip-b "* && ! -x "${ROUNDTRIP_B_BIN:-}" ]]; then
	echo "resolver.sh: server roundtrip-b needs ROUNDTRIP_B_BIN=PATH (another build)" >&2
	exit 2
fi
LOAD_AT_START=$(awk '{ print $1, $2, $3 }' /proc/loadavg)
HZ=$(getconf CLK_TCK)
LAB_ZONES="$REPO/lab/zones"

log() { printf '[resolver %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
warn() { printf '\n!!!!!!!! WARNING: %s\n\n' "$*" >&2; }
CG_NAME=roundtrip-resolver
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- cleanup ---
TMP=""
STARTED_PIDS=()
POLICY_RC_CREATED=0



cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	if [[ -n "${LOADGEN_PID:-}" ]]; then stop_pid "$LOADGEN_PID"; fi
	if [[ -n "${CAP_PID:-}" ]]; then stop_pid "$CAP_PID"; fi
	for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
	for pid in $(cg_procs); do kill -KILL "$pid" 2>/dev/null || true; done
	if [[ -n "$CG" && -d "$CG" ]]; then
		for ((i = 0; i < 50; i++)); do
			rmdir "$CG" 2>/dev/null && break
			sleep 0.1
		done
		[[ -d "$CG" ]] && echo "resolver.sh: could not remove cgroup $CG" >&2
	fi
	if [[ $POLICY_RC_CREATED -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
	if [[ -n "$TMP" && -d "$TMP" ]]; then
		if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "resolver.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------- 1. packages ---
unbound_pids() { # PIDs of unbound processes, whoever started them
	ps -eo pid=,comm= | awk '$2 == "unbound" { print $1 }'
}

install_packages() {
	local missing=()
	command -v dnsperf >/dev/null || missing+=(dnsperf)
	command -v resperf >/dev/null || missing+=(dnsperf) # dnsperf's package ships resperf
	command -v unbound >/dev/null || missing+=(unbound)
	command -v tcpdump >/dev/null || missing+=(tcpdump)
	command -v dig >/dev/null || missing+=(bind9-dnsutils)
	command -v python3 >/dev/null || missing+=(python3)
	command -v taskset >/dev/null || missing+=(util-linux)
	command -v ss >/dev/null || missing+=(iproute2)
	[[ ${#missing[@]} -eq 0 ]] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	log "installing ${missing[*]}"
	local before after pid args
	before=" $(unbound_pids | tr '\n' ' ') "
	# Debian's unbound postinst starts the distro's unbound on port 53 (and
	# would then own 127.0.0.1:53). A policy-rc.d that says "no" (101) stops
	# invoke-rc.d from starting any service during the install, as .ci/run does;
	# one that is already there is left as it is.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	if [[ $POLICY_RC_CREATED -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
	# Belt and braces, where systemd runs: the unit, if it got started anyway.
	if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
		if [[ "$before" == "  " ]] && systemctl is-active --quiet unbound 2>/dev/null; then
			log "stopping unbound.service started by the install"
			systemctl stop unbound || true
		fi
	fi
	# An unbound that appeared during the install and runs the distro's
	# configuration (no -c, or -c under /etc) is the service; one run with a
	# configuration elsewhere belongs to someone else and is left alone.
	after=$(unbound_pids)
	for pid in $after; do
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		if [[ " $args " == *" -c "* && " $args " != *" -c /etc/"* ]]; then continue; fi
		if [[ "$before" != *" $pid "* ]]; then
			log "stopping unbound (pid $pid) started by the install"
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
}
install_packages
command -v resperf >/dev/null || { echo "resolver.sh: resperf not found (Debian's dnsperf package ships it)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/resolver-bench.XXXXXX)
chmod 755 "$TMP"

# ------------------------------------------------------------ roundtrip ---
# The binary serves the lab's authoritative side (serve auth) whatever else
# happens; its resolver (serve resolver) has a row only if that command exists.
GIT_AT_START=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')
ROUNDTRIP_OK=0
ROUNDTRIP_NOTE=""
ROUNDTRIP_BUILD_NOTE=""
ROUNDTRIP_EXTRA=()
build_roundtrip() {
	[[ $BUILD -eq 1 ]] || return 0
	local stale=1
	if [[ -x "$ROUNDTRIP_BIN" ]] &&
		[[ -z "$(find "$REPO/crates" "$REPO/Cargo.toml" "$REPO/Cargo.lock" -newer "$ROUNDTRIP_BIN" \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print -quit 2>/dev/null)" ]]; then
		stale=0
	fi
	[[ $stale -eq 1 ]] || return 0
	if ! command -v cargo >/dev/null && [[ -x "${HOME:-/root}/.cargo/bin/cargo" ]]; then
		PATH="$PATH:${HOME:-/root}/.cargo/bin"
	fi
	if ! command -v cargo >/dev/null; then
		log "cargo not found: cannot build roundtrip"
		ROUNDTRIP_BUILD_NOTE="not rebuilt (no cargo)"
		return 0
	fi
	log "building roundtrip (cargo build --release -p cli; log in $TMP/cargo.log)"
	if ! (cd "$REPO" && cargo build --release -p cli) >"$TMP/cargo.log" 2>&1; then
		ROUNDTRIP_BUILD_NOTE="build failed: $(grep -m1 '^error' "$TMP/cargo.log" || tail -n1 "$TMP/cargo.log")"
		log "roundtrip: $ROUNDTRIP_BUILD_NOTE"
		[[ -x "$ROUNDTRIP_BIN" ]] && log "using the existing, older target/release/roundtrip"
	fi
}
build_roundtrip
if [[ ! -x "$ROUNDTRIP_BIN" ]] || ! "$ROUNDTRIP_BIN" serve auth --help >/dev/null 2>&1; then
	echo "resolver.sh: the lab's authoritative side needs target/release/roundtrip with \`serve auth\`" >&2
	[[ -n "$ROUNDTRIP_BUILD_NOTE" ]] && echo "resolver.sh: $ROUNDTRIP_BUILD_NOTE" >&2
	exit 1
fi
if [[ " $SERVERS " == *" roundtrip "* ]]; then
	if help=$("$ROUNDTRIP_BIN" serve resolver --help 2>&1); then
		ROUNDTRIP_OK=1
		# one worker, where the command lets us choose (as authdns.sh)
		if grep -q -- '--udp-workers' <<<"$help"; then
			ROUNDTRIP_EXTRA=(--udp-workers 1)
		elif grep -q -- '--workers' <<<"$help"; then
			ROUNDTRIP_EXTRA=(--workers 1)
		elif grep -q -- '--threads' <<<"$help"; then
			ROUNDTRIP_EXTRA=(--threads 1)
		fi
	else
		ROUNDTRIP_NOTE="\`roundtrip serve resolver\` does not exist yet"
		[[ -n "$ROUNDTRIP_BUILD_NOTE" ]] && ROUNDTRIP_NOTE+=" ($ROUNDTRIP_BUILD_NOTE)"
		log "roundtrip: not available ($ROUNDTRIP_NOTE)"
	fi
fi

# -------------------------------------------------- 2. zones and queries ---
# A copy of the lab's zones, untouched but for one delegation added to the
# copy of com.zone: bulk.com. NS ns1.bulk.com., glue 127.0.0.8. bulk.com. is
# generated: NAMES A records hN.bulk.com. plus a wildcard *.bulk.com., so
# that any other name under it (the never-asked names of the miss runs)
# exists without a zone of millions of records.
ZONES="$TMP/zones"
mkdir -p "$ZONES"
cp "$LAB_ZONES"/*.zone "$LAB_ZONES/root.hints" "$ZONES/"
# The lab's own addresses (lab/zones/README.md) are 203.0.113.N and 2001:db8:1ab:3::N, which
# only exist inside `roundtrip lab up`'s network namespaces; from this host they would be
# sent out of its real interface. In the copy every 203.0.113.N becomes 127.0.0.N (so the
# root's servers are 127.0.0.2 and .3, com.'s .4 and .5, and so on, the servers started
# below, and www.l.google.com is 127.0.0.80), and the name servers' IPv6 addresses are
# dropped: no query can leave loopback.
sed -i -E -e 's/(^|[^0-9.])203\.0\.113\.([0-9]{1,3})([^0-9]|$)/\1127.0.0.\2\3/g' \
	-e '/AAAA[[:space:]]+2001:db8:1ab:3::/d' "$ZONES"/*.zone "$ZONES/root.hints"
if grep -nE '203\.0\.113\.|2001:db8:1ab:3::' "$ZONES"/*.zone "$ZONES/root.hints" >&2; then
	echo "resolver.sh: the copy of the lab's zones still holds the addresses above: not run (queries would leave loopback)" >&2
	exit 1
fi
if awk '$3 == "A" && $4 !~ /^127\./ { bad = 1 } $3 == "AAAA" { bad = 1 } END { exit !bad }' "$ZONES/root.hints"; then
	echo "resolver.sh: the root hints name servers outside 127/8: not run" >&2
	exit 1
fi
cat >>"$ZONES/com.zone" <<'EOF'

; -----------------------------------------------------------------------------
; Added by bench/resolver.sh to its temporary copy (never to lab/zones): the
; delegation of bulk.com., a generated zone with 100,000 names for the
; resolver benchmark, served at 127.0.0.8.
; -----------------------------------------------------------------------------
bulk                    172800  IN  NS  ns1.bulk.com.
ns1.bulk                172800  IN  A   127.0.0.8          ; glue
EOF
BULK_ZONE="$ZONES/bulk.com.zone"
NAMES_FILE="$TMP/names.txt"   # hN.bulk.com A, every name once, shuffled
MISS_FILE="$TMP/miss.txt"     # pN.bulk.com A (wildcard), never asked before
RESPERF_FILE="$TMP/resperf.txt" # rN.bulk.com A (wildcard), never asked before
RESPERF_NAMES=$((RESPERF_MAX_QPS * RESPERF_RAMP / 2 + RESPERF_MAX_QPS * 2))

log "generating bulk.com. ($NAMES names + wildcard) and query files (seed $SEED)"
python3 - "$BULK_ZONE" "$NAMES_FILE" "$MISS_FILE" "$RESPERF_FILE" "$NAMES" "$MISS_NAMES" "$RESPERF_NAMES" "$SEED" <<'PY'
import random, sys

zonefile, namesfile, missfile, resperffile = sys.argv[1:5]
n, nmiss, nres, seed = (int(x) for x in sys.argv[5:9])
origin = "bulk.com."

def a_of(i):  # loopback addresses: the data never leads anywhere else
    return "127.%d.%d.%d" % (1 + (i >> 16), (i >> 8) & 255, i & 255)

out = []
w = out.append
w("; bulk.com. -- generated by bench/resolver.sh: %d names and a wildcard\n" % n)
w("$ORIGIN %s\n$TTL 86400\n" % origin)
w("@ 86400 IN SOA ns1.bulk.com. hostmaster.bulk.com. 2026112501 7200 3600 1209600 3600\n")
w("@ 86400 IN NS ns1.bulk.com.\n")
w("ns1 86400 IN A 127.0.0.8\n")
w("* 86400 IN A 127.0.0.9\n")
for i in range(n):
    w("h%d 86400 IN A %s\n" % (i, a_of(i)))
with open(zonefile, "w") as f:
    f.write("".join(out))

rng = random.Random(seed)
names = ["h%d.%s A" % (i, origin) for i in range(n)]
rng.shuffle(names)
with open(namesfile, "w") as f:
    f.write("\n".join(names) + "\n")
with open(missfile, "w") as f:
    f.write("".join("p%d.%s A\n" % (i, origin) for i in range(nmiss)))
with open(resperffile, "w") as f:
    f.write("".join("r%d.%s A\n" % (i, origin) for i in range(nres)))
PY
NAMES_SUM=$(md5sum "$NAMES_FILE" | cut -c1-12)
ZONE_SUM=$(md5sum "$BULK_ZONE" | cut -c1-12)
log "bulk.com.: $(grep -vc '^[$;]' "$BULK_ZONE") records (md5 $ZONE_SUM); names: $(wc -l <"$NAMES_FILE") (md5 $NAMES_SUM); miss pool $MISS_NAMES; resperf pool $RESPERF_NAMES"

# ---------------------------------------------- the lab's authoritative side ---
# One `roundtrip serve auth` per lab host, the zones as in lab/zones/README.md,
# plus 127.0.0.8 for bulk.com.
AUTH_SPECS=(
	"127.0.0.2 .=root.zone root-servers.net.=root-servers.net.zone"
	"127.0.0.3 .=root.zone root-servers.net.=root-servers.net.zone"
	"127.0.0.4 com.=com.zone net.=net.zone test.=test.zone gtld-servers.net.=gtld-servers.net.zone"
	"127.0.0.5 com.=com.zone net.=net.zone test.=test.zone gtld-servers.net.=gtld-servers.net.zone"
	"127.0.0.6 google.com.=google.com.zone"
	"127.0.0.7 example.com.=example.com.zone glueless.test.=glueless.test.zone"
	"127.0.0.8 bulk.com.=bulk.com.zone"
)
LAB_ADDRS=()
for spec in "${AUTH_SPECS[@]}"; do LAB_ADDRS+=("${spec%% *}"); done
# pcap filters: queries to the lab's servers (not their answers); TCP counts
# the segments that carry data (a query), not the handshake
LAB_DST="dst port $AUTH_PORT and (dst host ${LAB_ADDRS[0]}$(printf ' or dst host %s' "${LAB_ADDRS[@]:1}"))"
TCP_DATA="tcp and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)"
CLIENT_PCAP="udp and host $ADDR and port $PORT"

bound_by() { # $1 addr, $2 port, $3 u|t: prints the local sockets that block binding it
	ss -Hln"$3"p "sport = :$2" 2>/dev/null | awk -v a="$1" -v p="$2" \
		'$4 == a ":" p || $4 == "0.0.0.0:" p || $4 == "*:" p || $4 == "[::]:" p { print }'
}

AUTH_PIDS=()
start_auth() {
	local spec addr zones z args pid i out busy=0
	for addr in "${LAB_ADDRS[@]}"; do
		for proto in u t; do
			out=$(bound_by "$addr" "$AUTH_PORT" "$proto")
			if [[ -n "$out" ]]; then
				echo "resolver.sh: $addr:$AUTH_PORT is in use (a lab already running? stop it first):" >&2
				echo "$out" >&2
				busy=1
			fi
		done
	done
	[[ $busy -eq 0 ]] || exit 1
	for spec in "${AUTH_SPECS[@]}"; do
		read -r addr zones <<<"$spec"
		args=(serve auth --listen "$addr:$AUTH_PORT")
		for z in $zones; do args+=(--zone "${z%%=*}=$ZONES/${z#*=}"); done
		taskset -c "$AUTH_CPU" "$ROUNDTRIP_BIN" "${args[@]}" >"$TMP/auth.$addr.out" 2>&1 &
		pid=$!
		AUTH_PIDS+=("$pid")
		STARTED_PIDS+=("$pid")
	done
	# each must answer its first zone's SOA authoritatively (at most ~30 s each)
	local k=0
	for spec in "${AUTH_SPECS[@]}"; do
		read -r addr zones <<<"$spec"
		z=${zones%% *}
		z=${z%%=*}
		pid=${AUTH_PIDS[$k]}
		k=$((k + 1))
		for ((i = 0; i < 300; i++)); do
			if ! kill -0 "$pid" 2>/dev/null; then
				echo "resolver.sh: the authoritative server on $addr exited; its output:" >&2
				tail -n 20 "$TMP/auth.$addr.out" >&2 || true
				exit 1
			fi
			out=$(dig @"$addr" -p "$AUTH_PORT" +norec +time=1 +tries=1 "$z" SOA 2>/dev/null) || out=""
			if grep -q 'status: NOERROR' <<<"$out" && grep -qE 'flags:[^;]* aa[ ;]' <<<"$out"; then break; fi
			sleep 0.1
		done
		if [[ $i -ge 300 ]]; then
			echo "resolver.sh: the authoritative server on $addr does not answer $z SOA" >&2
			tail -n 20 "$TMP/auth.$addr.out" >&2 || true
			exit 1
		fi
	done
	# the path to the bulk names: com. refers to bulk.com. with its glue, and
	# bulk.com. answers both a listed name and one from the wildcard
	out=$(dig @127.0.0.4 -p "$AUTH_PORT" +norec +time=1 +tries=1 h1.bulk.com A 2>/dev/null) || out=""
	grep -qE '^bulk\.com\.[[:space:]].*NS[[:space:]]+ns1\.bulk\.com\.' <<<"$out" ||
		{ echo "resolver.sh: com. does not delegate bulk.com.:" >&2; echo "$out" >&2; exit 1; }
	out=$(dig @127.0.0.8 -p "$AUTH_PORT" +norec +time=1 +tries=1 +short h1.bulk.com A 2>/dev/null) || out=""
	[[ "$out" == "127.1.0.1" ]] || { echo "resolver.sh: bulk.com. does not answer h1.bulk.com A ($out)" >&2; exit 1; }
	out=$(dig @127.0.0.8 -p "$AUTH_PORT" +norec +time=1 +tries=1 +short p1.bulk.com A 2>/dev/null) || out=""
	[[ "$out" == "127.0.0.9" ]] || { echo "resolver.sh: bulk.com. does not answer p1.bulk.com A from its wildcard ($out)" >&2; exit 1; }
	log "lab authoritative side up: ${LAB_ADDRS[*]} port $AUTH_PORT (roundtrip serve auth, CPU $AUTH_CPU)"
}
start_auth

# -------------------------------------------------------------- 3. cgroup ---
# As authdns.sh: prefer cgroup v2 (cpu.max); on a hybrid host whose cpu
# controller is bound to cgroup v1, use v1's cpu.cfs_quota_us (the same CFS
# bandwidth limit); failing both, run without a quota and say so loudly.
if [[ "${NO_CGROUP:-0}" != 1 ]] && setup_cgroup; then
	QUOTA_FRACTION=$(awk -v q="$QUOTA_US" -v p="$PERIOD_US" 'BEGIN { printf "%.4f", q / p }')
	RESPERF_FRACTION=$(awk -v q="$RESPERF_QUOTA_US" -v p="$RESPERF_PERIOD_US" 'BEGIN { printf "%.4f", q / p }')
	log "resolver cgroup: $CG ($CG_KIND)"
else
	QUOTA_FRACTION=1
	RESPERF_FRACTION=1
	CG_KIND="NONE: no CPU quota could be set"
	warn "no cgroup CPU quota available (cgroup v2 cpu controller cannot be enabled and no v1 cpu hierarchy).
!!!!!!!! The resolver gets all of CPU $SERVER_CPU: the figures are then LOAD-GENERATOR BOUND and
!!!!!!!! understate the faster resolver. Per-core figures below are raw QPS (fraction 1)."
fi

# --------------------------------------------------------- the resolvers ---
write_unbound_conf() {
	mkdir -p "$TMP/unbound"
	# The lab's root hints as they are: Unbound reads IANA's named.root format.
	# Caches large enough for the 100,000 names (Unbound's defaults, 4 MB
	# each, would evict most of them); they grow only as they fill.
	# Tuned as Unbound's "Performance Tuning" guide (unbound.docs.nlnetlabs.nl,
	# topics/core/performance) tells a busy installation: num-threads = the
	# cores it gets (1 here), so-reuseport yes, *-slabs a power of 2 close to
	# num-threads (1), rrset cache twice the msg cache, outgoing-range as large
	# as possible with libevent (Debian's unbound links it) and
	# num-queries-per-thread half of it, so-rcvbuf and so-sndbuf 4m (as root
	# Unbound forces them past net.core.rmem_max/wmem_max).
	cat >"$TMP/unbound/unbound.conf" <<EOF
server:
	interface: $ADDR
	port: $PORT
	do-ip4: yes
	do-ip6: no
	do-udp: yes
	do-tcp: yes
	num-threads: 1
	so-reuseport: yes
	msg-cache-slabs: 1
	rrset-cache-slabs: 1
	infra-cache-slabs: 1
	key-cache-slabs: 1
	outgoing-range: 8192
	num-queries-per-thread: 4096
	so-rcvbuf: 4m
	so-sndbuf: 4m
	chroot: ""
	username: ""
	directory: "$TMP/unbound"
	pidfile: "$TMP/unbound/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 0
	root-hints: "$ZONES/root.hints"
	do-not-query-localhost: no
	local-zone: "test." nodefault
	qname-minimisation: yes
	access-control: 127.0.0.0/8 allow
	harden-referral-path: no
	prefetch: no
	cache-max-ttl: 86400
	minimal-responses: yes
	module-config: "iterator"
	msg-cache-size: 256m
	rrset-cache-size: 512m
remote-control:
	control-enable: no
EOF
	if command -v unbound-checkconf >/dev/null; then
		unbound-checkconf "$TMP/unbound/unbound.conf" >"$TMP/unbound/checkconf.out" 2>&1 ||
			{ echo "resolver.sh: unbound-checkconf rejects the generated config:" >&2; cat "$TMP/unbound/checkconf.out" >&2; exit 1; }
	fi
}
[[ " $SERVERS " == *" unbound "* ]] && write_unbound_conf

server_cmd() { # fills CMD for resolver $1
	case "$1" in
	roundtrip) CMD=("$ROUNDTRIP_BIN" serve resolver --listen "$ADDR:$PORT" --root-hints "$ZONES/root.hints" --upstream-port "$AUTH_PORT" "${ROUNDTRIP_EXTRA[@]}") ;;
	# another build (ROUNDTRIP_B_BIN), the same command: an A/B of two builds in one run
	roundtrip-b) CMD=("$ROUNDTRIP_B_BIN" serve resolver --listen "$ADDR:$PORT" --root-hints "$ZONES/root.hints" --upstream-port "$AUTH_PORT" "${ROUNDTRIP_EXTRA[@]}") ;;
	unbound) CMD=(unbound -d -c "$TMP/unbound/unbound.conf") ;;
	# the floor: bench/echo.c sends each query straight back (QR set), no DNS work at all
	echo) CMD=("$TMP/echo" "$ADDR" "$PORT") ;;
	esac
}

port_busy() {
	[[ -n "$(bound_by "$ADDR" "$PORT" u)" ]]
}

server_pids() { # the resolver we started (and any child)
	if [[ -n "$CG" ]]; then
		cg_procs
	elif [[ -n "$SERVER_PID" ]]; then
		echo "$SERVER_PID"
	fi
}

listening() { # is the UDP socket on ADDR:PORT there, and held by the resolver we started?
	local owners mine p
	port_busy || return 1
	mine=" $(server_pids | tr '\n' ' ') "
	owners=$(bound_by "$ADDR" "$PORT" u | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) || true
	[[ -n "$owners" ]] || return 0 # ss could not tell (no -p support)
	for p in $owners; do
		[[ "$mine" == *" $p "* ]] || return 2
	done
}

SERVER_PID=""
start_resolver() { # $1 = name; starts it pinned, inside the cgroup, uncapped; waits until it listens
	local name=$1 i rc
	server_cmd "$name"
	if port_busy; then
		log "$ADDR:$PORT is already in use by something else; not starting $name"
		bound_by "$ADDR" "$PORT" u >&2 || true
		return 1
	fi
	quota_off
	if [[ -n "$CG" ]]; then
		bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$CG" \
			taskset -c "$SERVER_CPU" "${CMD[@]}" >>"$TMP/$name.out" 2>&1 &
	else
		taskset -c "$SERVER_CPU" "${CMD[@]}" >>"$TMP/$name.out" 2>&1 &
	fi
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	# Ready = its socket is bound. No probe query: the cold test needs an empty
	# cache and a clean count of upstream queries.
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			log "$name exited early; its output:"
			tail -n 20 "$TMP/$name.out" >&2 || true
			return 1
		fi
		rc=0
		listening || rc=$?
		if [[ $rc -eq 0 ]]; then
			sleep 0.3 # past the bind: let it finish starting up
			return 0
		elif [[ $rc -eq 2 ]]; then
			log "something other than the $name we started holds $ADDR:$PORT:"
			bound_by "$ADDR" "$PORT" u >&2 || true
			return 1
		fi
		sleep 0.1
	done
	log "$name did not listen on $ADDR:$PORT within 30 s"
	tail -n 20 "$TMP/$name.out" >&2 || true
	return 1
}

stop_resolver() {
	local pid rest=() p i
	[[ -n "$SERVER_PID" ]] || return 0
	stop_pid "$SERVER_PID"
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
	for ((i = 0; i < 50; i++)); do port_busy || break; sleep 0.1; done
}

rss_kb() { # VmRSS of the resolver's processes, in kB
	local p n=0 v
	for p in $(server_pids); do
		v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || v=0
		n=$((n + ${v:-0}))
	done
	echo "$n"
}


throttled_pct() { # $1 $2 = periods, throttled before; $3 $4 = after
	awk -v p=$(($3 - $1)) -v t=$(($4 - $2)) 'BEGIN { if (p > 0) printf "%.0f", 100 * t / p; else print "-" }'
}

# ---------------------------------------------------------- the capture ---
CAP_PID=""
cap_start() { # $1 = pcap file, $2 = filter; returns once tcpdump captures
	local i
	# -Z root: Debian's tcpdump would otherwise drop to user tcpdump and
	# could not write into our temp dir; timeout bounds a forgotten capture.
	timeout 900 tcpdump -i lo -n -U -s 600 -Z root -w "$1" "$2" 2>"$1.err" &
	CAP_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$1.err" 2>/dev/null && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	log "tcpdump did not start:"
	cat "$1.err" >&2 || true
	stop_pid "$CAP_PID"
	CAP_PID=""
	return 1
}
cap_stop() {
	[[ -n "$CAP_PID" ]] || return 0
	sleep 0.2 # the last packets reach the file (-U writes each one)
	stop_pid "$CAP_PID" # TERM to timeout, which passes it on to tcpdump
	CAP_PID=""
}
pcap_count() { # $1 = pcap file, $2 = read filter
	local out
	out=$(tcpdump -n -r "$1" "$2" 2>/dev/null) || { echo "?"; return; }
	if [[ -z "$out" ]]; then echo 0; else wc -l <<<"$out"; fi
}

# ------------------------------------------------------- load generators ---
LOADGEN_PID=""
run_load() { # $1 = time bound in seconds, $2 = output file, rest = command; in the background + wait
	local bound=$1 out=$2
	shift 2
	timeout "$bound" taskset -c "$LOADGEN_CPU" "$@" >"$out" 2>&1 &
	LOADGEN_PID=$!
	local rc=0
	wait "$LOADGEN_PID" || rc=$?
	LOADGEN_PID=""
	return "$rc"
}
DNSPERF_ARGS=(-s "$ADDR" -p "$PORT" -c "$CLIENTS" -T 1 -q "$MAX_OUTSTANDING")

parse_dnsperf() { # prints: qps lost% completed sent rcodes
	awk '
		/Queries per second:/ { qps = $4 }
		/Queries sent:/ { sent = $3 }
		/Queries completed:/ { done = $3 }
		/Queries lost:/ { lost = $4; gsub(/[()%]/, "", lost) }
		/Response codes:/ { sub(/^.*Response codes: */, ""); rc = $0; gsub(/ /, "_", rc) }
		END { if (qps == "") exit 1; if (rc == "") rc = "-"; print qps, lost, done, sent, rc }' "$1"
}
parse_resperf() { # prints: max_qps lost_at_that_point% sent completed rcodes
	awk '
		/Maximum throughput:/ { qps = $3 }
		/Lost at that point:/ { lost = $5; gsub(/%/, "", lost) }
		/Queries sent:/ { sent = $3 }
		/Queries completed:/ { done = $3 }
		/Response codes:/ { sub(/^.*Response codes: */, ""); rc = $0; gsub(/ /, "_", rc) }
		END { if (qps == "") exit 1; if (rc == "") rc = "-"; printf "%.0f %s %s %s %s\n", qps, lost, sent, done, rc }' "$1"
}

RESULTS="$TMP/results.tsv" # server round key value
: >"$RESULTS"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }
per_core() { awk -v q="$1" -v f="$2" 'BEGIN { printf "%.0f", q / f }'; }
record_cpu() { # $1 server, $2 round, $3 run (cached, miss), $4 answers, $5 user ticks, $6 system ticks
	record "$1" "$2" "$3_done" "$4"
	record "$1" "$2" "$3_uticks" "$5"
	record "$1" "$2" "$3_sticks" "$6"
	log "round $2 $1: $3: $(awk -v u="$5" -v k="$6" -v n="$4" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.2f us user + %.2f us system", u / hz * 1e6 / n, k / hz * 1e6 / n }') per answered query"
}
udp_rcvbuf() { # the receive buffer of the UDP socket on ADDR:PORT (bytes), as ss reports it
	local v
	v=$(ss -Hulnm "sport = :$PORT" 2>/dev/null | grep -o 'rb[0-9]*' | head -n1) || v=""
	echo "${v#rb}"
}

# ------------------------------------------------------------ 4. measures ---
# Instance A, cold: (c) www.google.com A, captured; (d) RSS before, the bulk
# names resolved (uncapped), RSS after; (a) those names again, capped, all
# answered from the cache, captured to prove it.
measure_cached() { # $1 = server, $2 = round
	local s=$1 r=$2 out pcap wall digms udp tcp before after parsed p0 t0 p1 t1 thr
	local qps lost sent rc up
	if ! start_resolver "$s"; then
		for k in cold_queries rss_growth_kb cached_qps; do record "$s" "$r" "$k" FAIL; done
		stop_resolver
		return 0
	fi
	record "$s" "$r" threads "$(threads_of)"
	record "$s" "$r" rcvbuf "$(udp_rcvbuf)"

	# (c) the cold resolution: the first query this resolver ever gets
	pcap="$TMP/cold.$s.$r.pcap"
	if cap_start "$pcap" "(udp or tcp) and (($LAB_DST) or ($CLIENT_PCAP))"; then
		out="$TMP/cold.$s.$r.dig"
		dig @"$ADDR" -p "$PORT" +tries=1 +time=10 www.google.com A >"$out" 2>&1 || true
		sleep "$COLD_SETTLE" # queries the resolver sends after answering count too
		cap_stop
		udp=$(pcap_count "$pcap" "udp and $LAB_DST")
		tcp=$(pcap_count "$pcap" "$TCP_DATA and $LAB_DST")
		# wall time: from the client's query to the resolver's answer, on the wire
		wall=$(tcpdump -n -tt -r "$pcap" "$CLIENT_PCAP" 2>/dev/null |
			awk 'NR == 1 { t0 = $1 } { t1 = $1 } END { if (NR >= 2) printf "%.3f", (t1 - t0) * 1000; else print "?" }')
		digms=$(awk '/Query time:/ { print $4 }' "$out")
		if grep -q 'status: NOERROR' "$out" &&
			grep -qE '^www\.google\.com\.[[:space:]].*CNAME[[:space:]]+www\.l\.google\.com\.' "$out" &&
			grep -qE '^www\.l\.google\.com\.[[:space:]].*[[:space:]]A[[:space:]]+127\.0\.0\.80$' "$out"; then
			record "$s" "$r" cold_ok 1
		else
			record "$s" "$r" cold_ok 0
			log "round $r $s: cold www.google.com A: unexpected answer:"
			grep -E 'status:|IN[[:space:]]' "$out" >&2 || tail -n 5 "$out" >&2 || true
		fi
		if [[ "$udp" != "?" && "$tcp" != "?" ]]; then
			record "$s" "$r" cold_queries $((udp + tcp))
			record "$s" "$r" cold_tcp "$tcp"
		else
			record "$s" "$r" cold_queries FAIL
		fi
		record "$s" "$r" cold_wall_ms "$wall"
		record "$s" "$r" cold_dig_ms "${digms:-?}"
		# the upstream queries in order: server, type, name
		tcpdump -n -r "$pcap" "(udp or ($TCP_DATA)) and $LAB_DST" 2>/dev/null |
			awk '{ for (i = 1; i < NF; i++) if ($i == ">") { d = $(i + 1); sub(/\.[0-9]+:$/, "", d) }
			       if (match($0, /[A-Z0-9]+\? [^ ]+/)) printf "%s %s; ", d, substr($0, RSTART, RLENGTH) }' \
				>"$TMP/cold.$s.$r.seq"
		log "round $r $s: cold www.google.com A: $((udp + tcp)) upstream queries ($tcp over TCP), ${wall} ms on the wire (dig ${digms:-?} ms)"
	else
		record "$s" "$r" cold_queries FAIL
	fi

	# (d) memory: the bulk names, resolved once (all misses), uncapped
	before=$(rss_kb)
	quota_off
	out="$TMP/warm1.$s.$r.out"
	if run_load 600 "$out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -n 1 -t 5 && parsed=$(parse_dnsperf "$out"); then
		read -r qps lost _ sent rc <<<"$parsed"
		record "$s" "$r" warm_qps "$qps"
		record "$s" "$r" warm_lost "$lost"
		record "$s" "$r" warm_rcodes "$rc"
	else
		log "$s: warming dnsperf failed (round $r):"
		tail -n 5 "$out" >&2 || true
	fi
	# A second full pass, captured: every name it makes the resolver ask
	# upstream was not in the cache (lost in the first pass, or evicted).
	# After it, every name is cached. (The timed run below is not captured:
	# a packet tap on lo clones every packet sent, which costs the resolver.)
	pcap="$TMP/pass2.$s.$r.pcap"
	up="?"
	if cap_start "$pcap" "(udp or tcp) and $LAB_DST"; then
		run_load 600 "$TMP/warm2.$s.$r.out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -n 1 -t 5 || true
		cap_stop
		up=$(pcap_count "$pcap" "(udp or ($TCP_DATA)) and $LAB_DST")
	else
		run_load 600 "$TMP/warm2.$s.$r.out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -n 1 -t 5 || true
	fi
	record "$s" "$r" pass2_upstream "$up"
	sleep 1
	after=$(rss_kb)
	record "$s" "$r" rss_before_kb "$before"
	record "$s" "$r" rss_after_kb "$after"
	record "$s" "$r" rss_growth_kb $((after - before))
	log "round $r $s: RSS $((before / 1024)) MB -> $((after / 1024)) MB after $NAMES names (+$(((after - before) / 1024)) MB); first pass $(per_core "${qps:-0}" 1) qps uncapped, lost ${lost:-?}%; second pass: $up upstream queries"

	# (a) cached answers per core
	quota_on
	run_load $((WARMUP_SECONDS + 30)) "$TMP/warm3.$s.$r.out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -t 2 -l "$WARMUP_SECONDS" || true
	out="$TMP/cached.$s.$r.out"
	read -r p0 t0 < <(cg_throttle)
	read -r u0 s0 < <(cpu_ticks)
	if run_load $((SECONDS_PER_RUN + 30)) "$out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -t 2 -l "$SECONDS_PER_RUN" &&
		parsed=$(parse_dnsperf "$out"); then
		read -r u1 s1 < <(cpu_ticks)
		read -r p1 t1 < <(cg_throttle)
		thr=$(throttled_pct "$p0" "$t0" "$p1" "$t1")
		read -r qps lost answered sent rc <<<"$parsed"
		record_cpu "$s" "$r" cached "$answered" $((u1 - u0)) $((s1 - s0))
		record "$s" "$r" cached_qps "$qps"
		record "$s" "$r" cached_lost "$lost"
		record "$s" "$r" cached_thr "$thr"
		record "$s" "$r" cached_rcodes "$rc"
		log "round $r $s: cached: $(per_core "$qps" 1) qps raw, $(per_core "$qps" "$QUOTA_FRACTION") per core, lost $lost%, throttled in $thr% of periods"
	else
		log "$s: cached dnsperf failed (round $r):"
		tail -n 5 "$out" >&2 || true
		record "$s" "$r" cached_qps FAIL
	fi
	quota_off
	stop_resolver
}

# Instance B: the delegations to bulk.com. learnt with one query, then only
# names never asked before: (b) dnsperf (closed loop, capped like the cached
# run), then resperf (open loop, rising rate, the quota in 10 ms periods).
measure_misses() { # $1 = server, $2 = round
	local s=$1 r=$2 out parsed p0 t0 p1 t1 thr qps lost sent rc probe
	if ! start_resolver "$s"; then
		record "$s" "$r" miss_qps FAIL
		record "$s" "$r" resperf_qps FAIL
		stop_resolver
		return 0
	fi
	probe=$(dig @"$ADDR" -p "$PORT" +tries=1 +time=10 +short h0.bulk.com A 2>&1) || true
	[[ "$probe" == "127.1.0.0" ]] || log "round $r $s: h0.bulk.com A answered \"$probe\" (expected 127.1.0.0)"

	quota_on
	out="$TMP/miss.$s.$r.out"
	read -r p0 t0 < <(cg_throttle)
	read -r u0 s0 < <(cpu_ticks)
	if run_load $((SECONDS_PER_RUN + 30)) "$out" dnsperf "${DNSPERF_ARGS[@]}" -d "$MISS_FILE" -n 1 -t 5 -l "$SECONDS_PER_RUN" &&
		parsed=$(parse_dnsperf "$out"); then
		read -r u1 s1 < <(cpu_ticks)
		read -r p1 t1 < <(cg_throttle)
		thr=$(throttled_pct "$p0" "$t0" "$p1" "$t1")
		read -r qps lost answered sent rc <<<"$parsed"
		record_cpu "$s" "$r" miss "$answered" $((u1 - u0)) $((s1 - s0))
		record "$s" "$r" miss_qps "$qps"
		record "$s" "$r" miss_lost "$lost"
		record "$s" "$r" miss_thr "$thr"
		record "$s" "$r" miss_rcodes "$rc"
		[[ "$sent" -ge "$MISS_NAMES" ]] && log "round $r $s: the miss run used up the pool of $MISS_NAMES names (raise MISS_NAMES)"
		log "round $r $s: misses (dnsperf): $(per_core "$qps" 1) qps raw, $(per_core "$qps" "$QUOTA_FRACTION") per core, lost $lost%, throttled in $thr% of periods"
	else
		log "$s: miss dnsperf failed (round $r):"
		tail -n 5 "$out" >&2 || true
		record "$s" "$r" miss_qps FAIL
	fi

	quota_on "$RESPERF_QUOTA_US" "$RESPERF_PERIOD_US"
	out="$TMP/resperf.$s.$r.out"
	read -r p0 t0 < <(cg_throttle)
	if run_load $((RESPERF_RAMP + 60)) "$out" resperf -s "$ADDR" -p "$PORT" -d "$RESPERF_FILE" \
		-m "$RESPERF_MAX_QPS" -r "$RESPERF_RAMP" -c 0 -t 2 -L "$RESPERF_LOSS" -P "$TMP/resperf.$s.$r.gnuplot" &&
		parsed=$(parse_resperf "$out"); then
		read -r p1 t1 < <(cg_throttle)
		thr=$(throttled_pct "$p0" "$t0" "$p1" "$t1")
		read -r qps lost sent _ rc <<<"$parsed"
		[[ "$sent" -ge "$RESPERF_NAMES" ]] && record "$s" "$r" resperf_note pool-used-up
		record "$s" "$r" resperf_qps "$qps"
		record "$s" "$r" resperf_lost "$lost"
		record "$s" "$r" resperf_thr "$thr"
		record "$s" "$r" resperf_rcodes "$rc"
		grep -qi 'fell behind' "$out" && record "$s" "$r" resperf_note fell-behind
		# the rate the ramp ended at was answered: the resolver was not saturated
		[[ $((qps * 10)) -ge $((RESPERF_MAX_QPS * 9)) ]] && record "$s" "$r" resperf_note not-saturated
		log "round $r $s: misses (resperf): max $qps qps raw at <= $RESPERF_LOSS% loss ($lost% there), $(per_core "$qps" "$RESPERF_FRACTION") per core, throttled in $thr% of periods"
	else
		log "$s: resperf failed (round $r):"
		tail -n 8 "$out" >&2 || true
		record "$s" "$r" resperf_qps FAIL
	fi
	quota_off
	stop_resolver
}

# The floor: bench/echo.c, capped like a resolver, over the same names with the
# same dnsperf command as the cached run. It answers each query with the query
# itself: what is left is the kernel's UDP path and the socket calls.
measure_floor() { # $1 = server (echo), $2 = round
	local s=$1 r=$2 out parsed p0 t0 p1 t1 u0 s0 u1 s1 thr qps lost answered sent rc
	if ! start_resolver "$s"; then
		record "$s" "$r" cached_qps FAIL
		stop_resolver
		return 0
	fi
	record "$s" "$r" threads "$(threads_of)"
	record "$s" "$r" rcvbuf "$(udp_rcvbuf)"
	quota_on
	run_load $((WARMUP_SECONDS + 30)) "$TMP/warm3.$s.$r.out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -t 2 -l "$WARMUP_SECONDS" || true
	out="$TMP/cached.$s.$r.out"
	read -r p0 t0 < <(cg_throttle)
	read -r u0 s0 < <(cpu_ticks)
	if run_load $((SECONDS_PER_RUN + 30)) "$out" dnsperf "${DNSPERF_ARGS[@]}" -d "$NAMES_FILE" -t 2 -l "$SECONDS_PER_RUN" &&
		parsed=$(parse_dnsperf "$out"); then
		read -r u1 s1 < <(cpu_ticks)
		read -r p1 t1 < <(cg_throttle)
		thr=$(throttled_pct "$p0" "$t0" "$p1" "$t1")
		read -r qps lost answered sent rc <<<"$parsed"
		record_cpu "$s" "$r" cached "$answered" $((u1 - u0)) $((s1 - s0))
		record "$s" "$r" cached_qps "$qps"
		record "$s" "$r" cached_lost "$lost"
		record "$s" "$r" cached_thr "$thr"
		log "round $r $s: floor: $(per_core "$qps" 1) qps raw, $(per_core "$qps" "$QUOTA_FRACTION") per core, lost $lost%, throttled in $thr% of periods"
	else
		log "$s: floor dnsperf failed (round $r):"
		tail -n 5 "$out" >&2 || true
		record "$s" "$r" cached_qps FAIL
	fi
	quota_off
	stop_resolver
}
if [[ " $SERVERS " == *" echo "* ]]; then
	gcc -O2 -o "$TMP/echo" "$REPO/bench/echo.c" || { echo "resolver.sh: cannot build bench/echo.c" >&2; exit 1; }
fi

if port_busy; then
	echo "resolver.sh: $ADDR:$PORT is already in use; pick another with --addr/--port" >&2
	bound_by "$ADDR" "$PORT" u >&2 || true
	exit 1
fi

log "runs: $RUNS rounds; cached and miss runs ${SECONDS_PER_RUN}s, resperf ramp ${RESPERF_RAMP}s to $RESPERF_MAX_QPS qps; resolvers: $SERVERS; resolver on CPU $SERVER_CPU, load on CPU $LOADGEN_CPU, lab on CPU $AUTH_CPU"
for ((round = 1; round <= RUNS; round++)); do
	for s in $SERVERS; do
		if [[ $s == roundtrip && $ROUNDTRIP_OK -ne 1 ]]; then continue; fi
		if [[ $s == echo ]]; then measure_floor "$s" "$round"; continue; fi
		measure_cached "$s" "$round"
		measure_misses "$s" "$round"
	done
done

# ------------------------------------------------------------ 5. the table --
first_line() { local out; out=$("$@" 2>&1 || true); printf '%s\n' "${out%%$'\n'*}"; }
ver_unbound=$(unbound -V 2>&1 || true)
ver_unbound="Unbound $(awk '/^Version/ { print $2 }' <<<"$ver_unbound")"
ver_dnsperf=$(dnsperf -h 2>&1 || true)
ver_dnsperf="dnsperf/resperf $(awk '/^Version/ { print $2 }' <<<"$ver_dnsperf")"
ver_tcpdump=$(first_line tcpdump --version)
if [[ $ROUNDTRIP_OVERRIDE -eq 1 ]]; then
	ver_rtbin="roundtrip ROUNDTRIP_BIN=$ROUNDTRIP_BIN (built $(date -r "$ROUNDTRIP_BIN" '+%Y-%m-%d %H:%M') from a source the script does not know; work tree $GIT_AT_START at the start of the run)"
else
	ver_rtbin="roundtrip $GIT_AT_START (${ROUNDTRIP_BIN#"$REPO"/} built $(date -r "$ROUNDTRIP_BIN" '+%Y-%m-%d %H:%M'))"
fi
if [[ $ROUNDTRIP_OK -eq 1 ]]; then ver_rt="$ver_rtbin"; else ver_rt="roundtrip resolver: not available"; fi
if [[ " $SERVERS " == *" roundtrip-b "* ]]; then
	ver_rt+="; roundtrip B ROUNDTRIP_B_BIN=$ROUNDTRIP_B_BIN (built $(date -r "$ROUNDTRIP_B_BIN" '+%Y-%m-%d %H:%M'))"
fi
cmdline="bash bench/resolver.sh"
for a in "${ORIG_ARGS[@]}"; do cmdline+=" $(printf '%q' "$a")"; done

SEQS="$TMP/sequences.txt"
: >"$SEQS"
for s in $SERVERS; do
	f=$(find "$TMP" -maxdepth 1 -name "cold.$s.*.seq" | sort -t. -k3,3n | tail -n 1)
	[[ -n "$f" ]] && printf '%s\t%s\n' "$s" "$(sed 's/; $//' "$f")" >>"$SEQS"
done

TABLE=$(python3 - "$RESULTS" "$QUOTA_FRACTION" "$RESPERF_FRACTION" "$SERVERS" "$ROUNDTRIP_OK" "$ROUNDTRIP_NOTE" "$SEQS" "$NAMES" "$HZ" <<'PY'
import statistics, sys
path, frac, rfrac, servers, rt_ok, rt_note, seqs, nnames = sys.argv[1:9]
hz = float(sys.argv[9])
frac, rfrac, servers, rt_ok, nnames = float(frac), float(rfrac), servers.split(), rt_ok == "1", int(nnames)
data = {}  # server -> key -> [values]
for line in open(path):
    s, rnd, k, v = line.rstrip("\n").split("\t")
    data.setdefault(s, {}).setdefault(k, []).append(v)
names = {"roundtrip": "roundtrip", "roundtrip-b": "roundtrip B", "unbound": "Unbound", "echo": "echo floor"}
# CPU per answered query, per run: ticks of the resolver's processes over the measured run / answers
pooled = {}
for s, keys in data.items():
    for run in ("cached", "miss"):
        done, ut, st = keys.get(run + "_done", []), keys.get(run + "_uticks", []), keys.get(run + "_sticks", [])
        rows = [(int(d), int(u), int(k)) for d, u, k in zip(done, ut, st) if d.isdigit() and int(d) > 0]
        if not rows:
            continue
        keys[run + "_user_us"] = ["%.4f" % (u / hz * 1e6 / d) for d, u, k in rows]
        keys[run + "_sys_us"] = ["%.4f" % (k / hz * 1e6 / d) for d, u, k in rows]
        keys[run + "_cpu_us"] = ["%.4f" % ((u + k) / hz * 1e6 / d) for d, u, k in rows]
        pooled[(s, run)] = (sum(u for _, u, _ in rows) / hz * 1e6 / sum(d for d, _, _ in rows),
                            sum(u + k for _, u, k in rows) / hz * 1e6 / sum(d for d, _, _ in rows))

def nums(s, k, scale=1.0):
    out = []
    for v in data.get(s, {}).get(k, []):
        try:
            out.append(float(v) * scale)
        except ValueError:
            pass
    return out

def fails(s, k):
    return sum(1 for v in data.get(s, {}).get(k, []) if v == "FAIL")

# measure: (label, key, scale, format, ratio wanted "rt/ub" or "ub/rt"-style, target text)
MB = 1.0 / 1024
measures = [
    ("cached answers per core (qps)", "cached_qps", 1 / frac, "%.0f", ">= 1.25"),
    ("cached: user-space CPU per answered query (us)", "cached_user_us", 1, "%.2f", "-"),
    ("cached: system CPU per answered query (us)", "cached_sys_us", 1, "%.2f", "-"),
    ("cached: user + system per answered query (us)", "cached_cpu_us", 1, "%.2f", "-"),
    ("cache misses per core, dnsperf closed loop (qps)", "miss_qps", 1 / frac, "%.0f", ">= 1"),
    ("misses (dnsperf): user-space CPU per answered query (us)", "miss_user_us", 1, "%.2f", "-"),
    ("misses (dnsperf): system CPU per answered query (us)", "miss_sys_us", 1, "%.2f", "-"),
    ("cache misses per core, resperf: highest rate without loss (qps)", "resperf_qps", 1 / rfrac, "%.0f", ">= 1"),
    ("cold www.google.com A: upstream queries", "cold_queries", 1, "%.0f", "<= 1 (no more)"),
    ("cold www.google.com A: wall time (ms, on the wire)", "cold_wall_ms", 1, "%.2f", "-"),
    ("RSS at start, after the cold query (MB)", "rss_before_kb", MB, "%.1f", "-"),
    ("RSS with %d names cached (MB)" % nnames, "rss_after_kb", MB, "%.1f", "-"),
    ("RSS growth for %d names (MB)" % nnames, "rss_growth_kb", MB, "%.1f", "< 1"),
]
cols = [s for s in servers]
print("| measure | " + " | ".join("%s median (min-max)" % names[s] for s in cols) + " | ratio roundtrip/Unbound | target |")
print("|---|" + "---:|" * len(cols) + "---:|---|")
med = {}
for label, key, scale, fmt, target in measures:
    cells = []
    for s in cols:
        if s == "roundtrip" and not rt_ok:
            cells.append("not available")
            continue
        v = nums(s, key, scale)
        f = fails(s, key)
        if not v:
            cells.append("failed" if f else "-")
            continue
        m = statistics.median(v)
        med[(s, key)] = m
        cell = (fmt % m) + " (" + (fmt % min(v)) + "-" + (fmt % max(v)) + ")"
        if len(v) == 1:
            cell = fmt % m
        if f:
            cell += " (+%d failed)" % f
        cells.append(cell)
    a, b = med.get(("roundtrip", key)), med.get(("unbound", key))
    ratio = ("%.2f" % (a / b)) if a is not None and b else "n/a"
    print("| %s | %s | %s | %s |" % (label, " | ".join(cells), ratio, target))
print()
if not rt_ok:
    print("roundtrip: not available%s; the Unbound figures stand alone." % ((" (" + rt_note + ")") if rt_note else ""))
    print()
for run, label in (("cached", "cached answers"), ("miss", "misses (dnsperf)")):
    have = [s for s in cols if (s, run) in pooled]
    if have:
        print("%s, CPU per answered query pooled over all runs (all ticks / all answers): %s" % (label, "; ".join(
            "%s %.2f us user, %.2f us user + system" % (names[s], pooled[(s, run)][0], pooled[(s, run)][1]) for s in have)))
fl = med.get(("echo", "cached_qps"))
if fl:
    print("share of the floor, cached answers per core: " + ", ".join(
        "%s/echo %.2f" % (names[s], med[(s, "cached_qps")] / fl) for s in cols if s != "echo" and (s, "cached_qps") in med))
    fc = med.get(("echo", "cached_cpu_us"))
    if fc:
        print("above the floor, cached (user + system per answer minus the echo's): " + ", ".join(
            "%s %.2f us" % (names[s], med[(s, "cached_cpu_us")] - fc) for s in cols if s != "echo" and (s, "cached_cpu_us") in med))
print("(user and system are split by the kernel's tick sampling: per-run figures scatter by several percent; the pooled figures are the steadier ones)")
print()

def detail(s, key):
    def short(v):  # 22692.970240 -> 22693
        try:
            return v if "." not in v else "%.0f" % float(v) if float(v) >= 100 else "%.2f" % float(v)
        except ValueError:
            return v
    vs = data.get(s, {}).get(key, [])
    return "/".join(short(v) for v in vs) if vs else "-"
print("per run (rounds in order):")
for s in cols:
    if s not in data:
        continue
    if s == "echo":
        print("- %s: lost %% %s, throttled %% %s; threads %s; UDP receive buffer %s bytes" % (
            names[s], detail(s, "cached_lost"), detail(s, "cached_thr"), detail(s, "threads"), detail(s, "rcvbuf")))
        continue
    print("- %s: cached: lost %% %s, throttled %% %s, upstream queries in the second pass over the names %s; "
          "misses: dnsperf lost %% %s, throttled %% %s; resperf loss at max %% %s, throttled %% %s%s; "
          "first pass over the %d names (uncapped) qps %s, lost %% %s; threads %s; UDP receive buffer %s bytes; cold answer right %s, dig ms %s, over TCP %s" % (
        names[s], detail(s, "cached_lost"), detail(s, "cached_thr"), detail(s, "pass2_upstream"),
        detail(s, "miss_lost"), detail(s, "miss_thr"), detail(s, "resperf_lost"), detail(s, "resperf_thr"),
        ("; resperf " + detail(s, "resperf_note")) if "resperf_note" in data[s] else "",
        nnames, detail(s, "warm_qps"), detail(s, "warm_lost"), detail(s, "threads"), detail(s, "rcvbuf"),
        detail(s, "cold_ok"), detail(s, "cold_dig_ms"), detail(s, "cold_tcp")))
print()
print("response codes (last run of each):")
for s in cols:
    if s not in data:
        continue
    for k, label in (("cached_rcodes", "cached"), ("miss_rcodes", "misses"), ("resperf_rcodes", "resperf")):
        v = data[s].get(k)
        if v:
            print("- %s %s: %s" % (names[s], label, v[-1].replace("_", " ").strip()))
print()
print("cold www.google.com A, upstream queries in order (last round; server, question):")
for line in open(seqs):
    s, q = line.rstrip("\n").split("\t", 1)
    print("- %s: %s" % (names.get(s, s), q))
for s in cols:
    up = [v for v in data.get(s, {}).get("pass2_upstream", []) if v not in ("0", "?")]
    if up:
        print("WARNING: %s sent upstream queries during the second pass over the names (%s): not every name was cached after the first (lost, or evicted)"
              % (names[s], "/".join(up)))
PY
)

CPU_MODEL=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo
	echo "===================== paste into bench/RESULTS.md ====================="
	echo "### $(date -u '+%Y-%m-%d %H:%M UTC') resolver: roundtrip vs Unbound"
	echo
	echo "- command: \`$cmdline\`"
	echo "- machine: $(nproc) cores ($CPU_MODEL), kernel $(uname -r); load average (1/5/15 min) $LOAD_AT_START at the start, $(awk '{ print $1, $2, $3 }' /proc/loadavg) at the end (the machine is shared)"
	echo "- versions: $ver_unbound; $ver_dnsperf; $ver_tcpdump; $ver_rt"
	echo "- lab: lab/zones copied, plus bulk.com. (delegated from the copy of com.zone to 127.0.0.8): $NAMES names hN.bulk.com A (md5 $ZONE_SUM) and a wildcard for never-asked names; each lab host its own \`roundtrip serve auth\` on 127.0.0.2-8 port $AUTH_PORT, on CPU $AUTH_CPU; $ver_rtbin"
	echo "- resolver on $ADDR:$PORT, CPU $SERVER_CPU, capped: $CG_KIND $QUOTA_US/$PERIOD_US us (resperf: $RESPERF_QUOTA_US/$RESPERF_PERIOD_US us); per core = raw / $QUOTA_FRACTION; uncapped while it starts, for the cold query and while the cache is filled"
	echo "- Unbound, tuned as its performance guide says for one core: num-threads 1, so-reuseport yes, msg/rrset/infra/key-cache-slabs 1, msg-cache-size 256m, rrset-cache-size 512m, outgoing-range 8192, num-queries-per-thread 4096 (libevent), so-rcvbuf 4m, so-sndbuf 4m; and for the lab: module-config iterator, qname-minimisation yes, root-hints = lab/zones/root.hints (addresses mapped to 127/8), do-not-query-localhost no, local-zone test. nodefault, harden-referral-path no, prefetch no, minimal-responses yes, cache-max-ttl 86400; roundtrip: serve resolver --root-hints lab/zones/root.hints --upstream-port $AUTH_PORT ${ROUNDTRIP_EXTRA[*]}"
	echo "- floor: bench/echo.c (gcc -O2; each query sent straight back with QR set), capped like the resolvers, the cached run's dnsperf command over the same names, alternating with them"
	echo "- CPU per answered query: utime and stime of the resolver's processes (/proc/PID/stat) over the measured run / queries completed"
	echo "- cached: the $NAMES names (md5 $NAMES_SUM) resolved twice uncapped, then \`taskset -c $LOADGEN_CPU dnsperf ${DNSPERF_ARGS[*]} -d NAMES -t 2 -l $SECONDS_PER_RUN\` after ${WARMUP_SECONDS}s warm-up; RSS (VmRSS) before and after the two passes"
	echo "- misses: a fresh resolver, one query to learn bulk.com., then \`dnsperf ${DNSPERF_ARGS[*]} -d MISS -n 1 -t 5 -l $SECONDS_PER_RUN\` over never-asked pN.bulk.com, then \`resperf -s $ADDR -p $PORT -d RESPERF -m $RESPERF_MAX_QPS -r $RESPERF_RAMP -c 0 -t 2 -L $RESPERF_LOSS\` over never-asked rN.bulk.com (max response rate while loss <= $RESPERF_LOSS%)"
	echo "- cold: a fresh resolver's first query, \`dig www.google.com A\`; tcpdump on lo counts the queries to 127.0.0.2-8 port $AUTH_PORT (UDP datagrams + TCP segments with data) until ${COLD_SETTLE}s after the answer; wall time from the query to the answer on the wire"
	echo "- $RUNS rounds alternating ($SERVERS), each resolver restarted twice per round (cold for the cold query, memory and cached runs; again for the miss runs)"
	[[ $QUICK -eq 1 ]] && echo "- QUICK smoke run: not a measurement"
	[[ -z "$CG" ]] && echo "- **WARNING: no CPU quota: these figures are load-generator bound, not per resolver core**"
	echo
	echo "$TABLE"
	echo "======================================================================="
}
