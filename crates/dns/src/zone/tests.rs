//! Zone checks (each refusal names its file:line) and the tree's lookups.

use std::path::Path;

use super::*;
use crate::{parse_name, parse_str};

const HEAD: &str =
    "$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\n";

fn build(text: &str) -> Result<(Zone, Vec<ZoneWarning>), ZoneError> {
    let parsed = parse_str(
        text,
        Path::new("z.zone"),
        Some(&parse_name("example.com.").unwrap()),
    )?;
    Zone::build(parsed)
}

fn zone(body: &str) -> Zone {
    build(&format!("{HEAD}{body}")).unwrap().0
}

fn error(text: &str) -> String {
    build(text).unwrap_err().to_string()
}

fn key(name: &str) -> Box<[u8]> {
    name_key(&parse_name(name).unwrap())
}

fn found_name(lookup: Lookup<'_>) -> String {
    match lookup {
        Lookup::Found(n) => format!("found {}", n.name),
        Lookup::Delegation(n) => format!("cut {}", n.name),
        Lookup::Dname(n) => format!("dname {}", n.name),
        Lookup::Wildcard(n) => format!("wildcard {}", n.name),
        Lookup::NxDomain => "nxdomain".into(),
    }
}

#[test]
fn refuses_a_zone_without_soa() {
    assert_eq!(
        error("$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n"),
        "z.zone:2: no SOA record at the zone apex example.com"
    );
}

#[test]
fn refuses_soa_below_the_apex() {
    assert_eq!(
        error(&format!("{HEAD}\nsub SOA ns1 hm 1 2 3 4 5\n")),
        "z.zone:6: SOA record at sub.example.com, which is not the zone apex example.com"
    );
}

#[test]
fn refuses_a_second_soa() {
    assert_eq!(
        error(&format!("{HEAD}@ SOA ns2 hm 2 2 3 4 5\n")),
        "z.zone:5: more than one SOA record at the apex"
    );
}

#[test]
fn refuses_a_zone_without_apex_ns() {
    assert_eq!(
        error("$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n"),
        "z.zone:2: no NS records at the zone apex example.com"
    );
}

#[test]
fn refuses_cname_beside_other_data_either_way() {
    assert_eq!(
        error(&format!("{HEAD}www A 192.0.2.1\nwww CNAME other\n")),
        "z.zone:6: CNAME and other data at www.example.com (RFC 1034 §3.6.2)"
    );
    assert_eq!(
        error(&format!("{HEAD}www CNAME other\nwww TXT \"x\"\n")),
        "z.zone:6: CNAME and other data at www.example.com (RFC 1034 §3.6.2)"
    );
}

#[test]
fn refuses_two_cnames() {
    assert_eq!(
        error(&format!("{HEAD}www CNAME a\nwww CNAME b\n")),
        "z.zone:6: more than one CNAME record at www.example.com (RFC 2181 §10.1)"
    );
}

#[test]
fn refuses_in_zone_ns_without_glue() {
    assert_eq!(
        error(&format!("{HEAD}\nsub NS ns.sub\n")),
        "z.zone:6: NS target ns.sub.example.com is inside the zone but has no address records (A or AAAA)"
    );
    assert_eq!(
        error("$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"),
        "z.zone:3: NS target ns1.example.com is inside the zone but has no address records (A or AAAA)"
    );
}

#[test]
fn refuses_out_of_zone_data() {
    assert_eq!(
        error(&format!("{HEAD}www.example.net. A 192.0.2.1\n")),
        "z.zone:5: www.example.net is outside the zone example.com"
    );
}

#[test]
fn warns_about_differing_ttls_and_keeps_the_first() {
    let (zone, warnings) =
        build(&format!("{HEAD}www 300 A 192.0.2.1\nwww 600 A 192.0.2.2\n")).unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].at.line, 6);
    assert!(
        warnings[0]
            .what
            .to_string()
            .contains("TTL 600 differs from the RRset's TTL 300"),
        "{}",
        warnings[0]
    );
    assert_eq!(
        zone.node(&key("www.example.com"))
            .unwrap()
            .rrset(Rtype::A)
            .unwrap()
            .ttl,
        300
    );
}

#[test]
fn duplicate_records_are_one() {
    let zone = zone("www A 192.0.2.1\nwww A 192.0.2.1\n");
    assert_eq!(
        zone.node(&key("www.example.com"))
            .unwrap()
            .rrset(Rtype::A)
            .unwrap()
            .data
            .len(),
        1
    );
}

#[test]
fn lookup_walks_to_the_closest_enclosing_cut() {
    let zone = zone("sub NS ns.sub\nns.sub A 192.0.2.7\ndeep.sub.sub NS ns1\n");
    assert_eq!(
        found_name(zone.lookup(&key("a.b.sub.example.com"), Rtype::A)),
        "cut sub.example.com"
    );
    assert_eq!(
        found_name(zone.lookup(&key("sub.example.com"), Rtype::A)),
        "cut sub.example.com"
    );
    // DS at the cut is the parent's (RFC 4035 §3.1.4.1).
    assert_eq!(
        found_name(zone.lookup(&key("sub.example.com"), Rtype::DS)),
        "found sub.example.com"
    );
    // Glue below the cut is still reached by the walk as a referral, not as an answer.
    assert_eq!(
        found_name(zone.lookup(&key("ns.sub.example.com"), Rtype::A)),
        "cut sub.example.com"
    );
}

#[test]
fn lookup_empty_non_terminal_exists() {
    let zone = zone("a.b.c A 192.0.2.1\n");
    assert_eq!(
        found_name(zone.lookup(&key("b.c.example.com"), Rtype::A)),
        "found b.c.example.com"
    );
    assert!(
        zone.node(&key("c.example.com"))
            .unwrap()
            .is_empty_non_terminal()
    );
    assert_eq!(
        found_name(zone.lookup(&key("x.c.example.com"), Rtype::A)),
        "nxdomain"
    );
}

#[test]
fn lookup_wildcard_rfc4592_cases() {
    // RFC 4592 §2.2.1's example, in miniature.
    let zone = zone(
        "*.wild A 192.0.2.9\nsub.*.wild TXT \"under\"\nhost.wild A 192.0.2.10\n_ssh._tcp.host2.wild SRV 0 0 22 host.wild\n",
    );
    assert_eq!(
        found_name(zone.lookup(&key("any.wild.example.com"), Rtype::A)),
        "wildcard *.wild.example.com"
    );
    assert_eq!(
        found_name(zone.lookup(&key("a.b.wild.example.com"), Rtype::A)),
        "wildcard *.wild.example.com"
    );
    // An existing name is never synthesised, even with no data of the type.
    assert_eq!(
        found_name(zone.lookup(&key("host.wild.example.com"), Rtype::MX)),
        "found host.wild.example.com"
    );
    // An empty non-terminal blocks the wildcard (§2.2.2): _tcp.host2.wild exists.
    assert_eq!(
        found_name(zone.lookup(&key("_tcp.host2.wild.example.com"), Rtype::A)),
        "found _tcp.host2.wild.example.com"
    );
    // Below an empty non-terminal with no wildcard of its own: NXDOMAIN (closest encloser host2.wild).
    assert_eq!(
        found_name(zone.lookup(&key("x._tcp.host2.wild.example.com"), Rtype::A)),
        "nxdomain"
    );
    // The wildcard itself asked for directly.
    assert_eq!(
        found_name(zone.lookup(&key("*.wild.example.com"), Rtype::A)),
        "found *.wild.example.com"
    );
}

#[test]
fn lookup_dname_redirects_names_below_it() {
    let zone = zone("old DNAME new.example.net.\n");
    assert_eq!(
        found_name(zone.lookup(&key("a.old.example.com"), Rtype::A)),
        "dname old.example.com"
    );
    assert_eq!(
        found_name(zone.lookup(&key("old.example.com"), Rtype::DNAME)),
        "found old.example.com"
    );
}

#[test]
fn negative_ttl_is_min_of_soa_ttl_and_minimum() {
    assert_eq!(zone("").negative_ttl(), 60);
}

#[test]
fn records_are_in_canonical_order() {
    let zone = zone("b A 192.0.2.2\na.b A 192.0.2.3\nZ A 192.0.2.4\n");
    let owners: Vec<String> = zone.records().iter().map(|r| r.owner.to_string()).collect();
    assert_eq!(
        owners,
        [
            "example.com",
            "example.com",
            "b.example.com",
            "a.b.example.com",
            "ns1.example.com",
            "Z.example.com"
        ]
    );
}

#[test]
fn sibling_glue_is_not_required_but_in_bailiwick_glue_is() {
    // `other` is served by a name below the sibling delegation `sub`: that zone answers for it.
    build(&format!(
        "{HEAD}sub NS ns.sub\nns.sub A 192.0.2.7\nother NS dns.sub\n"
    ))
    .unwrap();
    // A name server inside the zone it serves needs its glue here.
    assert!(build(&format!("{HEAD}sub NS ns.sub\n")).is_err());
}
