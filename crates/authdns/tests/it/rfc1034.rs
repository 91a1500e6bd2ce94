//! RFC 1034 §4.3.2 "Algorithm", rule by rule, against a real server (plus RFC 2308 for
//! negative answers, RFC 4592 for wildcards, RFC 6672 for DNAME, RFC 8482 for ANY).

use domain::base::iana::{Rcode, Rtype};

use super::{Section, rcode, section, start};

#[test]
fn s4_3_2_step3a_authoritative_answer_has_aa() {
    let f = start();
    let m = f.ask("web.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert!(m.header().aa() && m.header().qr());
    assert_eq!(
        section(&m, Section::Answer),
        ["web.example.com. 3600 A 192.0.2.80"]
    );
    assert!(
        section(&m, Section::Authority).is_empty(),
        "minimal responses: no NS in authority"
    );
}

#[test]
fn s4_3_2_step3a_cname_chain_followed_inside_the_zone() {
    let f = start();
    let m = f.ask("chain1.example.com", Rtype::A);
    assert!(m.header().aa());
    assert_eq!(
        section(&m, Section::Answer),
        [
            "chain1.example.com. 3600 CNAME chain2.example.com.",
            "chain2.example.com. 3600 CNAME www.example.com.",
            "www.example.com. 3600 CNAME web.example.com.",
            "web.example.com. 3600 A 192.0.2.80",
        ]
    );
}

#[test]
fn s4_3_2_step3a_cname_itself_when_asked_for() {
    let f = start();
    let m = f.ask("www.example.com", Rtype::CNAME);
    assert_eq!(
        section(&m, Section::Answer),
        ["www.example.com. 3600 CNAME web.example.com."]
    );
}

#[test]
fn s4_3_2_cname_out_of_zone_stops_at_the_zone_edge() {
    let f = start();
    let m = f.ask("outside.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert_eq!(
        section(&m, Section::Answer),
        ["outside.example.com. 3600 CNAME www.example.org."]
    );
}

#[test]
fn rfc6604_cname_to_missing_name_is_nxdomain() {
    let f = start();
    let m = f.ask("dangling.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NXDOMAIN);
    assert_eq!(
        section(&m, Section::Answer),
        ["dangling.example.com. 3600 CNAME nothere.example.com."]
    );
    assert_eq!(section(&m, Section::Authority).len(), 1);
}

#[test]
fn cname_loop_ends_after_the_chain_limit() {
    let f = start();
    let m = f.ask("loop1.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert_eq!(
        section(&m, Section::Answer).len(),
        authdns::answer::MAX_CHAIN
    );
}

#[test]
fn s4_3_2_step3b_referral_with_glue() {
    let f = start();
    let m = f.ask("www.sub.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert!(!m.header().aa(), "a referral is not authoritative");
    assert!(section(&m, Section::Answer).is_empty());
    assert_eq!(
        section(&m, Section::Authority),
        ["sub.example.com. 3600 NS ns.sub.example.com."]
    );
    assert_eq!(
        section(&m, Section::Additional),
        [
            "ns.sub.example.com. 3600 A 192.0.2.54",
            "ns.sub.example.com. 3600 AAAA 2001:db8::54",
            "OPT"
        ]
    );
}

#[test]
fn s4_3_2_step3b_referral_at_the_cut_itself_and_for_glue_names() {
    let f = start();
    for name in ["sub.example.com", "ns.sub.example.com"] {
        let m = f.ask(name, Rtype::A);
        assert!(!m.header().aa(), "{name}");
        assert_eq!(
            section(&m, Section::Authority),
            ["sub.example.com. 3600 NS ns.sub.example.com."],
            "{name}"
        );
    }
}

#[test]
fn s4_3_2_step3b_referral_without_glue_for_out_of_zone_ns() {
    let f = start();
    let m = f.ask("a.other.example.com", Rtype::A);
    assert_eq!(
        section(&m, Section::Authority),
        ["other.example.com. 3600 NS ns.example.org."]
    );
    assert_eq!(section(&m, Section::Additional), ["OPT"]);
}

#[test]
fn rfc4035_ds_at_a_cut_is_answered_by_the_parent() {
    let f = start();
    let m = f.ask("sub.example.com", Rtype::DS);
    assert!(m.header().aa());
    assert_eq!(
        section(&m, Section::Authority).len(),
        1,
        "NODATA with SOA from the parent"
    );
}

#[test]
fn rfc2308_nxdomain_with_soa_and_negative_ttl() {
    let f = start();
    let m = f.ask("nope.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NXDOMAIN);
    assert!(m.header().aa());
    // TTL = min(SOA TTL 3600, MINIMUM 300).
    assert_eq!(
        section(&m, Section::Authority),
        [
            "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 2026112501 7200 3600 1209600 300"
        ]
    );
}

#[test]
fn rfc2308_nodata_with_soa() {
    let f = start();
    let m = f.ask("web.example.com", Rtype::AAAA);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert!(section(&m, Section::Answer).is_empty());
    assert_eq!(section(&m, Section::Authority).len(), 1);
}

#[test]
fn rfc4592_empty_non_terminal_is_nodata_not_nxdomain() {
    let f = start();
    let m = f.ask("b.ent.example.com", Rtype::A);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert!(section(&m, Section::Answer).is_empty());
    let m = f.ask("ent.example.com", Rtype::TXT);
    assert_eq!(rcode(&m), Rcode::NOERROR);
}

#[test]
fn rfc4592_s3_3_1_wildcard_synthesises_with_the_query_name() {
    let f = start();
    let m = f.ask("anything.wild.example.com", Rtype::A);
    assert!(m.header().aa());
    assert_eq!(
        section(&m, Section::Answer),
        ["anything.wild.example.com. 3600 A 192.0.2.99"]
    );
    let m = f.ask("a.b.c.wild.example.com", Rtype::TXT);
    assert_eq!(
        section(&m, Section::Answer),
        ["a.b.c.wild.example.com. 3600 TXT \"synthesised\""]
    );
}

#[test]
fn rfc4592_wildcard_nodata_and_existing_names_win() {
    let f = start();
    let m = f.ask("anything.wild.example.com", Rtype::MX);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert!(section(&m, Section::Answer).is_empty());
    assert_eq!(section(&m, Section::Authority).len(), 1);
    // host.wild exists: no synthesis, so no TXT for it.
    let m = f.ask("host.wild.example.com", Rtype::TXT);
    assert!(section(&m, Section::Answer).is_empty());
}

#[test]
fn rfc4592_wildcard_cname_is_synthesised_and_followed() {
    let f = start();
    let m = f.ask("x.cname-wild.example.com", Rtype::A);
    assert_eq!(
        section(&m, Section::Answer),
        [
            "x.cname-wild.example.com. 3600 CNAME web.example.com.",
            "web.example.com. 3600 A 192.0.2.80"
        ]
    );
}

#[test]
fn rfc6672_dname_substitution() {
    let f = start();
    let m = f.ask("x.old.example.com", Rtype::A);
    assert_eq!(
        section(&m, Section::Answer),
        [
            "old.example.com. 3600 DNAME new.example.com.",
            "x.old.example.com. 3600 CNAME x.new.example.com.",
            "x.new.example.com. 3600 A 192.0.2.77",
        ]
    );
}

#[test]
fn s4_3_2_step2_refused_outside_every_zone() {
    let f = start_with_example_only();
    let m = f.ask("www.example.org", Rtype::A);
    assert_eq!(rcode(&m), Rcode::REFUSED);
    assert!(!m.header().aa());
}

fn start_with_example_only() -> super::Fixture {
    super::start_with(&[("example.com.", "example.com.zone")])
}

#[test]
fn several_zones_per_server_root_refers_to_com() {
    let f = start();
    let m = f.ask("www.google.com", Rtype::A);
    assert!(!m.header().aa());
    assert_eq!(
        section(&m, Section::Authority),
        ["com. 86400 NS a.gtld-servers.net."]
    );
    assert_eq!(
        section(&m, Section::Additional),
        ["a.gtld-servers.net. 86400 A 192.5.6.30", "OPT"]
    );
}

#[test]
fn additional_section_has_addresses_for_mx_targets() {
    let f = start();
    let m = f.ask("example.com", Rtype::MX);
    assert_eq!(
        section(&m, Section::Answer),
        ["example.com. 3600 MX 10 mail.example.com."]
    );
    assert_eq!(
        section(&m, Section::Additional),
        [
            "mail.example.com. 3600 A 192.0.2.25",
            "mail.example.com. 3600 AAAA 2001:db8::25",
            "OPT"
        ]
    );
}

#[test]
fn rfc8482_any_is_answered_minimally() {
    let f = start();
    let m = f.ask("example.com", Rtype::ANY);
    assert_eq!(rcode(&m), Rcode::NOERROR);
    assert_eq!(
        section(&m, Section::Answer).len(),
        1,
        "one RRset, not all of them"
    );
}

#[test]
fn question_case_is_preserved() {
    let f = start();
    let m = f.ask("WeB.ExAmPlE.cOm", Rtype::A);
    let question = m.sole_question().unwrap();
    assert_eq!(question.qname().to_string(), "WeB.ExAmPlE.cOm");
    assert_eq!(
        section(&m, Section::Answer),
        ["WeB.ExAmPlE.cOm. 3600 A 192.0.2.80"]
    );
}

#[test]
fn rfc1035_s4_1_4_names_are_compressed() {
    let f = start();
    let m = f.ask("chain1.example.com", Rtype::A);
    let bytes = m.as_slice();
    // "example" appears once in the message, everything else points at it.
    let needle = b"\x07example";
    let count = bytes.windows(needle.len()).filter(|w| w == needle).count();
    assert_eq!(count, 1, "{bytes:02x?}");
}

#[test]
fn packet_cache_replay_keeps_each_query_id_case_and_rd() {
    // The second and third asks are served from the packet cache: they must still carry their
    // own ID (checked by dns_query), case and RD bit.
    let f = start();
    for (name, rd) in [
        ("wEb.example.com", false),
        ("WEB.EXAMPLE.COM", true),
        ("web.example.com", false),
    ] {
        let m = f.ask_with(
            name,
            Rtype::A,
            super::QueryOptions {
                rd,
                ..Default::default()
            },
        );
        assert_eq!(m.sole_question().unwrap().qname().to_string(), name);
        assert_eq!(m.header().rd(), rd, "{name}");
        assert!(m.header().aa());
        assert_eq!(
            section(&m, Section::Answer),
            [format!("{name}. 3600 A 192.0.2.80")]
        );
    }
}
