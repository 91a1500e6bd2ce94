#!/usr/bin/env bash
# bench/tour.sh: the wall time of a whole cold `roundtrip tour` (release build): the lab started
# in-process, the capture, the browse (home page and a search through the WAS), the close and
# its TIME_WAIT, the story. Target (DESIGN.md): under one second after the build.
#
#   bash bench/tour.sh [--runs N] [--as-user USER]
#
# --as-user runs each tour as USER through setpriv (from root), as an ordinary user runs it: the
# lab's hosts are then built inside a user namespace.
#
# Each run is a new process with a lab that has never run: a fresh state directory, so the
# WAS creates and seeds its SQLite database from nothing ("first") — and then the same again
# with the database already there ("warm db"), as for anyone's second tour. The lab's hosts are
# network namespaces of its own, so no port of the machine is used. Every run is bounded by
# `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=7
AS=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--as-user) AS=(setpriv --reuid="$2" --regid="$(id -g "$2")" --clear-groups --inh-caps=-all); shift 2 ;;
	*) echo "usage: $0 [--runs N] [--as-user USER]" >&2; exit 2 ;;
	esac
done

log() { echo "[tour] $*" >&2; }

cargo build --release -q -p cli
BIN=$PWD/target/release/roundtrip
STATE=$(mktemp -d)
chmod 755 "$STATE"
trap 'rm -rf "$STATE"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.0f", m }'; }

now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }

run_once() { # $1: state dir; prints the process's wall ms and the tour's own wall_ms
	local start end json
	start=$(now_ms)
	json=$(XDG_STATE_HOME=$1 timeout 30 "${AS[@]}" "$BIN" tour --json)
	end=$(now_ms)
	local inner
	inner=$(printf '%s' "$json" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["wall_ms"]))')
	awk -v s="$start" -v e="$end" -v i="$inner" 'BEGIN { printf "%.0f %s\n", e - s, i }'
}

first=() warm=() inner_first=() inner_warm=()
for ((i = 1; i <= RUNS; i++)); do
	dir="$STATE/run$i"
	mkdir -p "$dir"
	if [[ ${#AS[@]} -gt 0 ]]; then chmod 777 "$dir"; fi
	read -r wall inner < <(run_once "$dir")
	first+=("$wall"); inner_first+=("$inner")
	read -r wall inner < <(run_once "$dir")
	warm+=("$wall"); inner_warm+=("$inner")
	log "run $i: first ${first[-1]} ms (tour ${inner_first[-1]} ms), warm db ${warm[-1]} ms (tour ${inner_warm[-1]} ms)"
done

report() { # name, values...
	local name=$1; shift
	local sorted
	sorted=$(printf '%s\n' "$@" | sort -n)
	printf '%-34s median %5s ms   min %5s   max %5s\n' "$name" \
		"$(printf '%s\n' "$@" | median)" "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")"
}
echo
echo "roundtrip tour, $RUNS runs each, as $(if [[ ${#AS[@]} -gt 0 ]]; then echo "${AS[1]#--reuid=}"; else id -un; fi) ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
report "process wall, first tour (new db)" "${first[@]}"
report "  of which the tour itself" "${inner_first[@]}"
report "process wall, db already seeded" "${warm[@]}"
report "  of which the tour itself" "${inner_warm[@]}"
