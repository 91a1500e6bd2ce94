//! RFC 6891 (EDNS0) and RFC 1035 §4.2.1 / RFC 2181 §9 (truncation), against a real server.

use domain::base::iana::{OptRcode, Rcode, Rtype};
use test_support::{QueryOptions, exchange};

use super::{Section, rcode, section, start};

#[test]
fn s6_1_1_opt_is_echoed_with_our_payload_size() {
    let f = start();
    let m = f.ask("web.example.com", Rtype::A);
    let opt = m.opt().expect("OPT in the response");
    assert_eq!(opt.udp_payload_size(), authdns::MAX_UDP_PAYLOAD);
    assert_eq!(opt.version(), 0);
}

#[test]
fn s6_1_1_no_opt_without_edns() {
    let f = start();
    let m = f.ask_with(
        "web.example.com",
        Rtype::A,
        QueryOptions {
            edns: None,
            ..Default::default()
        },
    );
    assert!(m.opt().is_none());
}

#[test]
fn s6_1_3_unknown_version_gets_badvers() {
    let f = start();
    let mut query =
        test_support::build_query(7, "web.example.com", Rtype::A, QueryOptions::default());
    // The OPT record is last: its TTL's second octet is the version.
    let len = query.len();
    query[len - 11 + 6] = 1; // 11-octet OPT: name, type, class, then TTL = ext-rcode, version, flags.
    let response = exchange(f.addr, &query, false).unwrap().unwrap();
    let m = domain::base::Message::from_octets(response).unwrap();
    let opt = m.opt().expect("OPT with BADVERS");
    assert_eq!(opt.rcode(m.header()), OptRcode::BADVERS);
    assert_eq!(opt.version(), 0);
    assert!(section(&m, Section::Answer).is_empty());
}

#[test]
fn s7_truncated_without_edns_beyond_512_then_full_over_tcp() {
    let f = start();
    let m = f.ask_with(
        "big.example.com",
        Rtype::TXT,
        QueryOptions {
            edns: None,
            ..Default::default()
        },
    );
    assert!(m.header().tc(), "more than 512 octets over UDP must set TC");
    assert!(m.as_slice().len() <= 512);
    assert!(
        section(&m, Section::Answer).is_empty(),
        "a minimal truncated answer"
    );
    let m = f.ask_with(
        "big.example.com",
        Rtype::TXT,
        QueryOptions {
            edns: None,
            tcp: true,
            rd: false,
        },
    );
    assert!(!m.header().tc());
    assert_eq!(section(&m, Section::Answer).len(), 6);
}

#[test]
fn s6_2_5_payload_size_is_honoured() {
    let f = start();
    // 1232 fits the six TXT records (about 700 octets).
    let m = f.ask_with(
        "big.example.com",
        Rtype::TXT,
        QueryOptions {
            edns: Some(1232),
            ..Default::default()
        },
    );
    assert!(!m.header().tc());
    assert_eq!(section(&m, Section::Answer).len(), 6);
    // Below 512 counts as 512 (RFC 6891 §6.2.5).
    let m = f.ask_with(
        "big.example.com",
        Rtype::TXT,
        QueryOptions {
            edns: Some(100),
            ..Default::default()
        },
    );
    assert!(m.header().tc());
    assert!(m.opt().is_some(), "the truncated response keeps its OPT");
    assert_eq!(rcode(&m), Rcode::NOERROR);
}
