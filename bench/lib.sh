#!/usr/bin/env bash
# bench/lib.sh: what the benchmark scripts share, sourced by them (not run on its own):
# stopping the processes they started, and the cgroup that caps the server under test to a
# fraction of one core (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us where the cpu controller
# lives on v1, as on this machine).
#
# The sourcing script sets CG_NAME (the cgroup's name prefix), QUOTA_US, PERIOD_US, and
# defines log(); CG, CG_KIND and CG_SET_QUOTA are set here.
# shellcheck shell=bash disable=SC2034  # CG_KIND and friends are read by the sourcing scripts

CG=""
CG_KIND=none
CG_SET_QUOTA="" # which interface setup_cgroup found: v2, v1, or none

stop_pid() { # stop one process we started, by its PID; bounded wait
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cg_procs() { # PIDs in our cgroup: only the servers we started (and their children)
	if [[ -n "$CG" && -f "$CG/cgroup.procs" ]]; then cat "$CG/cgroup.procs" 2>/dev/null || true; fi
}

setup_cgroup() {
	local v2root="" parent
	if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs ]]; then
		v2root=/sys/fs/cgroup
	elif [[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" == cgroup2fs ]]; then
		v2root=/sys/fs/cgroup/unified
	fi
	if [[ -n "$v2root" ]] && grep -qw cpu "$v2root/cgroup.controllers" 2>/dev/null; then
		parent=$v2root
		if grep -qw cpu "$parent/cgroup.subtree_control" ||
			echo +cpu >"$parent/cgroup.subtree_control" 2>/dev/null; then
			CG="$parent/$CG_NAME.$$"
			if mkdir "$CG" 2>/dev/null && [[ -f "$CG/cpu.max" ]]; then
				echo "max $PERIOD_US" >"$CG/cpu.max"
				CG_KIND="cgroup v2 cpu.max"
				CG_SET_QUOTA=v2
				return 0
			fi
			[[ -d "$CG" ]] && rmdir "$CG" 2>/dev/null
			CG=""
		fi
		log "cgroup v2: could not enable the cpu controller under $parent"
	fi
	# cgroup v1: a hierarchy whose mount options include exactly "cpu"
	local v1mnt
	v1mnt=$(awk '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == "cpu") { print $2; exit } }' /proc/mounts)
	if [[ -n "$v1mnt" && -f "$v1mnt/cpu.cfs_quota_us" ]]; then
		CG="$v1mnt/$CG_NAME.$$"
		if mkdir "$CG" 2>/dev/null && [[ -f "$CG/cpu.cfs_quota_us" ]]; then
			echo "$PERIOD_US" >"$CG/cpu.cfs_period_us"
			echo -1 >"$CG/cpu.cfs_quota_us"
			CG_KIND="cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us (cpu controller is on v1 here)"
			CG_SET_QUOTA=v1
			return 0
		fi
		[[ -d "$CG" ]] && rmdir "$CG" 2>/dev/null
		CG=""
	fi
	return 1
}

quota_on() { # $1 quota, $2 period (default: QUOTA_US of PERIOD_US)
	local q=${1:-$QUOTA_US} p=${2:-$PERIOD_US}
	case "$CG_SET_QUOTA" in
	v2) echo "$q $p" >"$CG/cpu.max" ;;
	v1) echo -1 >"$CG/cpu.cfs_quota_us"; echo "$p" >"$CG/cpu.cfs_period_us"; echo "$q" >"$CG/cpu.cfs_quota_us" ;;
	esac
}

quota_off() { # unlimited: while a server starts, loads, warms up
	case "$CG_SET_QUOTA" in
	v2) echo "max $PERIOD_US" >"$CG/cpu.max" ;;
	v1) echo -1 >"$CG/cpu.cfs_quota_us" ;;
	esac
}

threads_of() {
	local p n=0
	for p in $(server_pids); do
		[[ -d /proc/$p/task ]] && n=$((n + $(find "/proc/$p/task" -mindepth 1 -maxdepth 1 | wc -l)))
	done
	echo "$n"
}

cg_throttle() { # "periods throttled" from the cgroup's cpu.stat (v1 and v2 alike)
	if [[ -n "$CG" && -f "$CG/cpu.stat" ]]; then
		awk '$1 == "nr_periods" { p = $2 } $1 == "nr_throttled" { t = $2 } END { print p + 0, t + 0 }' "$CG/cpu.stat"
	else
		echo 0 0
	fi
}

cpu_ticks() { # "UTIME STIME": user and system CPU of the server's processes (all their threads), in clock ticks
	# From /proc/PID/stat, fields 14 and 15 (12 and 13 after the ")" that ends comm). The kernel
	# measures the total exactly and splits it between user and system by where its timer ticks
	# (CONFIG_HZ) found the process, so over a short run the split is a sample: quote it over
	# several runs. server_pids is the sourcing script's (the server it started, or its cgroup).
	local u=0 s=0 pid fields
	local -a f
	for pid in $(server_pids); do
		fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
		read -r -a f <<<"$fields"
		u=$((u + ${f[11]:-0}))
		s=$((s + ${f[12]:-0}))
	done
	echo "$u $s"
}

core_ticks() { # "BUSY TOTAL": clock ticks of CPU $1 since boot, from /proc/stat (busy: all but idle and iowait)
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

busy_percent() { # $1 $2: core_ticks at the start, $3 $4: at the end -> how busy the core was, whole percent
	local total=$(($4 - $2))
	echo $((total > 0 ? 100 * ($3 - $1) / total : 0))
}

cores_ticks() { # core_ticks of the load generator's core, then of the server's (LOADGEN_CPU, SERVER_CPU)
	echo "$(core_ticks "$LOADGEN_CPU") $(core_ticks "$SERVER_CPU")"
}

cores_busy() { # $1, $2: cores_ticks at the start and at the end -> "LOADGEN% SERVER%"
	local -a a b
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	echo "$(busy_percent "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}") $(busy_percent "${a[2]}" "${a[3]}" "${b[2]}" "${b[3]}")"
}

load_average() { # "1-min 5-min 15-min" from /proc/loadavg: how busy the shared machine was
	awk '{ print $1, $2, $3 }' /proc/loadavg
}

# ------------------------------------------------------------------------------------------
# What the HTTP scripts (web.sh, tls.sh) share: option checks, packages, the build, the
# cleanup of the servers they start, and the table of latency percentiles. The sourcing script
# sets BENCH (its name, for messages) before calling these.

# One of the options every HTTP script takes, at "$@": sets BENCH_SHIFT to how many words it
# used (0: not one of them). Sets RUNS, SECONDS_PER_RUN, SERVERS, CASES, BUILD, ADDR, PORT.
bench_common_option() {
	BENCH_SHIFT=2
	case "$1" in
	--quick) RUNS=1; SECONDS_PER_RUN=3; BENCH_SHIFT=1 ;;
	--runs) RUNS=${2:?--runs needs a number} ;;
	--seconds) SECONDS_PER_RUN=${2:?--seconds needs a number} ;;
	--servers) SERVERS=${2:?--servers needs a list} ;;
	--cases) CASES=${2:?--cases needs a list} ;;
	--no-build) BUILD=0; BENCH_SHIFT=1 ;;
	--addr) ADDR=${2:?--addr needs an address} ;;
	--port) PORT=${2:?--port needs a number} ;;
	*) BENCH_SHIFT=0 ;;
	esac
}

# Checks what bench_common_option set; $1 is the list of known cases. Exits 2 on a bad value.
bench_check_options() {
	local known=" $1 " s c
	[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$RUNS" -le 50 ]] || { echo "--runs must be 1..50" >&2; exit 2; }
	[[ "$SECONDS_PER_RUN" =~ ^[1-9][0-9]*$ && "$SECONDS_PER_RUN" -le 120 ]] || { echo "--seconds must be 1..120" >&2; exit 2; }
	for s in $SERVERS; do case "$s" in roundtrip | nginx) ;; *) echo "unknown server $s" >&2; exit 2 ;; esac; done
	for c in $CASES; do [[ "$known" == *" $c "* ]] || { echo "unknown case $c (known: $1)" >&2; exit 2; }; done
	case "$ADDR" in 127.*) ;; *) echo "addresses must be loopback (127.0.0.0/8)" >&2; exit 2 ;; esac
	[[ "$PORT" =~ ^[1-9][0-9]*$ && "$PORT" -le 65535 ]] || { echo "ports must be 1..65535" >&2; exit 2; }
	if [[ $(id -u) -ne 0 ]]; then echo "$BENCH: run as root (installs packages)" >&2; exit 2; fi
}

# REPO, GIT_AT_START, and ROUNDTRIP_BIN: ROUNDTRIP_BIN=PATH is another build (then not rebuilt,
# ROUNDTRIP_OVERRIDE=1), else cargo's target dir (CARGO_TARGET_DIR too).
bench_roundtrip_bin() {
	REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	ROUNDTRIP_OVERRIDE=0
	if [[ -n "${ROUNDTRIP_BIN:-}" ]]; then
		BUILD=0
		ROUNDTRIP_OVERRIDE=1
	else
		ROUNDTRIP_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/roundtrip"
	fi
	GIT_AT_START=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')
}

# The roundtrip that was measured, for the block to paste.
bench_roundtrip_version() {
	if [[ $ROUNDTRIP_OVERRIDE -eq 1 ]]; then
		echo "roundtrip ROUNDTRIP_BIN=$ROUNDTRIP_BIN (built $(date -r "$ROUNDTRIP_BIN" '+%Y-%m-%d %H:%M'); work tree $GIT_AT_START at the start)"
	else
		echo "roundtrip $GIT_AT_START (${ROUNDTRIP_BIN} built $(date -r "$ROUNDTRIP_BIN" '+%Y-%m-%d %H:%M'))"
	fi
}

# The exact command line, for the block to paste: $1 the script, then its arguments.
bench_cmdline() {
	local line="bash $1" a
	shift
	for a in "$@"; do line+=" $(printf '%q' "$a")"; done
	echo "$line"
}

# Installs what is missing, as "command:package" pairs; no service may start meanwhile
# (Debian's nginx postinst would take port 80).
bench_packages() {
	local missing=() pair policy=0
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null || [[ -x "/usr/sbin/${pair%%:*}" ]] || missing+=("${pair#*:}")
	done
	[[ ${#missing[@]} -gt 0 ]] || return 0
	log "installing ${missing[*]}"
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	if [[ $policy == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
}

bench_build() { # cargo build --release -p cli when BUILD=1; the binary must exist either way
	if [[ $BUILD == 1 ]]; then
		log "building roundtrip (release)"
		(cd "$REPO" && cargo build --release -p cli -q)
	fi
	[[ -x "$ROUNDTRIP_BIN" ]] || { echo "$BENCH: $ROUNDTRIP_BIN not found" >&2; exit 1; }
}

# On exit (also when interrupted): the server and the upstream we started, by PID, and TMP
# (kept with KEEP_TMP=1).
TMP=""
SERVER_PID=""
UPSTREAM_PID=""
bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$SERVER_PID" ]]; then stop_pid "$SERVER_PID"; fi
	if [[ -n "$UPSTREAM_PID" ]]; then stop_pid "$UPSTREAM_PID"; fi
	if [[ -n "$TMP" && -d "$TMP" ]]; then
		if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "$BENCH: kept $TMP" >&2; else rm -rf "$TMP"; fi
	fi
	exit "$rc"
}
bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

server_pids() { # the server's processes: the one started and its children (nginx's workers)
	[[ -n "$SERVER_PID" ]] || return 0
	echo "$SERVER_PID"
	ps -o pid= --ppid "$SERVER_PID" 2>/dev/null || true
}

tcp_busy() { # $1 addr, $2 port: is something listening there (or on the wildcard)?
	ss -Hltn "sport = :$2" 2>/dev/null | awk -v a="$1:$2" -v p="$2" \
		'$4 == a || $4 == "0.0.0.0:" p || $4 == "*:" p || $4 == "[::]:" p { f = 1 } END { exit !f }'
}

owns_port() { # $1 port: is every listener on it one of the server's processes?
	local mine owners p
	mine=" $(server_pids | tr '\n' ' ') "
	owners=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u) || true
	[[ -n "$owners" ]] || return 0 # ss could not tell: trust the caller's check of the answer
	for p in $owners; do [[ "$mine" == *" $p "* ]] || return 1; done
}

wait_port_free() { # $1 addr, $2 port: up to 5 s for the previous server to let go of it
	local i
	for ((i = 0; i < 50; i++)); do tcp_busy "$1" "$2" || return 0; sleep 0.1; done
	echo "$BENCH: $1:$2 is in use by something else; pick another with --addr/--port" >&2
	ss -Hltnp "sport = :$2" >&2 || true
	return 1
}

# Latency percentiles of one measured run, in microseconds: "P50 P99".
wrk_percentiles() { # wrk --latency's output on stdin ("50%  1.23ms" ... "99%  4.56ms")
	awk 'function us(v) {
		if (v ~ /us$/) return v + 0
		if (v ~ /ms$/) return v * 1000
		if (v ~ /m$/) return v * 60e6
		if (v ~ /s$/) return v * 1e6
		return v + 0
	}
	$1 == "50%" { p50 = us($2) } $1 == "99%" { p99 = us($2) }
	END { printf "%.0f %.0f\n", p50, p99 }'
}
h2load_percentiles() { # h2load --log-file's rows on stdin (start us, status, us to the end)
	sort -n -k3,3 | awk '{ t[NR] = $3 } END {
		if (NR == 0) { print "0 0"; exit }
		i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
		if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
		print t[i50], t[i99] }'
}
