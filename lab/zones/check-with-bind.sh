#!/usr/bin/env bash
# check-with-bind.sh -- check the lab's zone files with BIND's named-checkzone.
#
# Usage: lab/zones/check-with-bind.sh        (from anywhere; CI calls it)
#
# 1. Every zone file is checked alone by named-checkzone, with its origin from
#    the table below and strict options. A warning counts as a failure. The
#    script stops at the first zone that fails.
# 2. Then all zones are checked together, as one lab internet: every zone is
#    delegated from its parent, parent and child agree on the NS set, glue
#    equals the child's authoritative addresses, and every NS, MX, SRV, SVCB,
#    CNAME and DNAME target exists inside the lab. This is what
#    "named-checkzone -i full" tries to do, except that -i full asks the real
#    internet (getaddrinfo), which knows nothing of the lab and whose google.com
#    differs from ours; see README.md.
# 3. If ldns-read-zone (ldnsutils) is installed, it parses every file too, as
#    a second opinion. It is optional.
#
# Needs: bash, awk, named-checkzone (Debian/Ubuntu: apt-get install bind9-utils;
# Fedora: dnf install bind-utils; macOS: brew install bind).
# Exit status: 0 all zones pass, 1 a check failed or named-checkzone is missing.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

# file -> origin. Every *.zone file in this directory must be listed here.
ZONES=(
    "root.zone              ."
    "root-servers.net.zone  root-servers.net."
    "net.zone               net."
    "gtld-servers.net.zone  gtld-servers.net."
    "com.zone               com."
    "test.zone              test."
    "glueless.test.zone     glueless.test."
    "google.com.zone        google.com."
    "example.com.zone       example.com."
)

# Delegations that deliberately lead nowhere (no zone file, nothing listens).
INTENTIONALLY_LAME="lame.test."

# -k fail   check-names: owner and target names must be valid host names
# -n fail   an NS target must not be an IP address
# -m fail   an MX target must not be an IP address
# -M fail   an MX target must not be a CNAME
# -S fail   an SRV target must not be a CNAME
# -r fail   no records that are distinct for DNSSEC but equal in plain DNS
# -W warn   report non-terminal wildcards (and we fail on any warning)
# -i local  integrity: in-zone NS/MX/SRV targets have addresses, required glue
#           (and sibling glue) is present; out-of-zone names are checked in
#           step 2 against the lab instead of the real internet
CHECK_OPTS=(-k fail -n fail -m fail -M fail -S fail -r fail -W warn -i local)

if ! command -v named-checkzone >/dev/null 2>&1; then
    cat >&2 <<'EOF'

  ##########################################################################
  ##  named-checkzone NOT FOUND -- the lab zones were NOT checked.        ##
  ##  Install BIND's tools and run this script again:                     ##
  ##    Debian/Ubuntu:  apt-get install bind9-utils                       ##
  ##    Fedora/RHEL:    dnf install bind-utils                            ##
  ##    macOS:          brew install bind                                 ##
  ##########################################################################

EOF
    exit 1
fi

fail() {
    printf '\nFAIL: %s\n' "$*" >&2
    exit 1
}

echo "named-checkzone $(named-checkzone -v) ${CHECK_OPTS[*]}"

# Every zone file on disk is in the table, and every table entry is on disk.
for path in *.zone; do
    listed=no
    for entry in "${ZONES[@]}"; do
        read -r file _ <<<"$entry"
        [[ $file == "$path" ]] && listed=yes
    done
    [[ $listed == yes ]] || fail "$path is not in the ZONES table of $0"
done

# ---- 1. each zone alone ---------------------------------------------------
dumps=$(mktemp)
trap 'rm -f "$dumps"' EXIT

for entry in "${ZONES[@]}"; do
    read -r file origin <<<"$entry"
    [[ -f $file ]] || fail "$file is listed in ZONES but does not exist"
    echo
    echo "== $file ($origin)"
    echo "\$ named-checkzone ${CHECK_OPTS[*]} $origin $file"
    if ! out=$(named-checkzone "${CHECK_OPTS[@]}" "$origin" "$file" 2>&1); then
        echo "$out"
        fail "$file: named-checkzone rejected the zone"
    fi
    echo "$out"
    # Anything besides "zone X/IN: loaded serial N" and "OK" is a warning.
    extra=$(grep -Ev '^(zone [^ ]+/IN: loaded serial [0-9]+|OK)$' <<<"$out" || true)
    [[ -z $extra ]] || fail "$file: named-checkzone warned (warnings count as failures)"
    # Canonical form, fully qualified, one record a line, for step 2.
    named-checkzone -q -D -o - "$origin" "$file" | awk -v zone="$origin" '{ print zone, $0 }' >>"$dumps" \
        || fail "$file: could not dump the zone"
done

# ---- 2. all zones together, as one lab --------------------------------------
echo
echo "== the lab as a whole (${#ZONES[@]} zones)"
awk -v lame="$INTENTIONALLY_LAME" '
# Input: "<zone> <owner> <ttl> <class> <type> <rdata...>" in canonical form.
function below(n, c) {           # n is c or a name under c
    if (c == ".") return 1
    return n == c || (length(n) > length(c) && substr(n, length(n) - length(c)) == "." c)
}
function cutof(z, n,   k, kp) {      # the delegation in zone z that n is at or under, or ""
    for (k in cut) { split(k, kp, SUBSEP); if (kp[1] == z && below(n, kp[2])) return kp[2] }
    return ""
}
function err(msg) { print "  ERROR: " msg; errors++ }
function needaddr(what, t) {
    if (t == ".") return
    if (!(t in addr)) err(what " -> " t " has no A/AAAA anywhere in the lab")
}
function needname(what, t) {
    if (!(t in exists)) err(what " -> " t " does not exist in the lab")
}
{
    z = $1; n = tolower($2); t = $5
    nrec++; Z[nrec] = z; N[nrec] = n; T[nrec] = t
    R[nrec] = $6; for (i = 7; i <= NF; i++) R[nrec] = R[nrec] " " $i
    if (!(z in zones)) { zones[z] = 1; nzones++ }
    if (t == "NS" && n != z) cut[z, n] = 1
}
END {
    # Authoritative data: records of a zone that are not at or under one of
    # its own delegations. Everything else is glue (or the delegation NS).
    for (i = 1; i <= nrec; i++) {
        z = Z[i]; n = N[i]; t = T[i]
        if (cutof(z, n) != "") {
            if (t == "A" || t == "AAAA") { glue[z, n, t " " R[i]] = 1; gluename[z, n] = 1 }
            continue
        }
        if ((n in authzone) && authzone[n] != z)
            err(n " has authoritative data in two zones: " authzone[n] " and " z)
        authzone[n] = z; exists[n] = 1
        if (t == "A" || t == "AAAA") { addr[n] = 1; auth[n, t " " R[i]] = 1 }
    }

    # Every zone but the root is delegated from its closest enclosing zone.
    for (c in zones) {
        if (c == ".") continue
        parent = ""
        for (pz in zones) if (pz != c && below(c, pz) && length(pz) > length(parent)) parent = pz
        if (parent == "") err(c " has no parent zone in the lab")
        else if (!((parent, c) in cut)) err(c " is not delegated from its parent " parent)
        else ndeleg++
    }

    # Delegations: the child exists, and parent and child name the same servers.
    for (k in cut) {
        split(k, p, SUBSEP); z = p[1]; c = p[2]
        if (!(c in zones)) {
            if (index(" " lame " ", " " c " ")) { print "  note: " c " (in " z ") is intentionally lame: no zone file"; nlame[c] = 1 }
            else err("delegation " c " in " z " leads to no zone file of the lab")
            continue
        }
        for (i = 1; i <= nrec; i++) {
            if (T[i] != "NS" || N[i] != c) continue
            if (Z[i] == z) parentns[c, tolower(R[i])] = 1
            if (Z[i] == c) childns[c, tolower(R[i])] = 1
        }
        for (q in parentns) { split(q, p, SUBSEP); if (p[1] == c && !(q in childns)) err(c ": NS " p[2] " in the parent " z " but not at the child apex") }
        for (q in childns)  { split(q, p, SUBSEP); if (p[1] == c && !(q in parentns)) err(c ": NS " p[2] " at the child apex but not in the parent " z) }
    }

    # Glue equals the authoritative addresses, both ways.
    for (k in glue) {
        split(k, p, SUBSEP); z = p[1]; n = p[2]; rr = p[3]
        nglue++
        if (!(n in addr)) {
            d = cutof(z, n)
            if (!(d in nlame)) err("glue " n " " rr " in " z ": the name has no authoritative address in the lab")
            continue
        }
        if (!((n, rr) in auth)) err("glue " n " " rr " in " z " differs from the authoritative data in " authzone[n])
    }
    for (k in gluename) {
        split(k, p, SUBSEP); z = p[1]; n = p[2]
        for (q in auth) { split(q, a, SUBSEP); if (a[1] == n && !((z, n, a[2]) in glue)) err("glue for " n " in " z " lacks " a[2] " (authoritative in " authzone[n] ")") }
    }

    # Targets: every name a record points to exists in the lab.
    for (i = 1; i <= nrec; i++) {
        z = Z[i]; n = N[i]; t = T[i]; split(R[i], f, " ")
        what = n " " t " (" z ")"
        if (t == "NS") {
            c = (n == z) ? z : n
            if (!(c in nlame)) needaddr(what, tolower(f[1]))
        }
        else if (t == "SOA")   needaddr(what " MNAME", tolower(f[1]))
        else if (t == "MX")    needaddr(what, tolower(f[2]))
        else if (t == "SRV")   needaddr(what, tolower(f[4]))
        else if (t == "CNAME" || t == "DNAME") needname(what, tolower(f[1]))
        else if ((t == "SVCB" || t == "HTTPS") && f[2] != ".") needname(what, tolower(f[2]))
    }

    if (errors) { print "  " errors " error(s)"; exit 1 }
    printf "  OK: %d zones, %d delegations from parent to child, %d glue records, all consistent\n", nzones, ndeleg, nglue
}' "$dumps" || fail "the zones do not fit together"

# ---- 3. second opinion, optional ------------------------------------------
echo
if command -v ldns-read-zone >/dev/null 2>&1; then
    echo "== ldns-read-zone (second opinion)"
    for entry in "${ZONES[@]}"; do
        read -r file origin <<<"$entry"
        ldns-read-zone "$file" >/dev/null || fail "$file: ldns-read-zone could not parse it"
        echo "  $file: parsed"
    done
else
    echo "== ldns-read-zone not installed (ldnsutils); second opinion skipped"
fi

echo
echo "all ${#ZONES[@]} lab zones pass"
