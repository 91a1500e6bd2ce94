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

load_average() { # "1-min 5-min 15-min" from /proc/loadavg: how busy the shared machine was
	awk '{ print $1, $2, $3 }' /proc/loadavg
}
