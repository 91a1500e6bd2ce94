//! Any bytes as a name server's response to the resolver's query for `www.example.com. A`,
//! asked of a server for `example.com.` (`resolver::iterate::classify_response`: accepted or
//! not, then answer / referral / NXDOMAIN / NODATA / lame). Never a panic, and only what the
//! server is authoritative for is believed (ARCHITECTURE.md's invariant): every record kept
//! lies inside the zone asked, a referral goes strictly below the zone and above the name,
//! and glue belongs to the referral's own name servers.
#![no_main]

use std::sync::OnceLock;

use domain::base::{Rtype, ToName};
use libfuzzer_sys::fuzz_target;
use resolver::iterate::{Reading, classify_response};

struct Question {
    zone: dns::Name,
    name: dns::Name,
}

fn question() -> &'static Question {
    static QUESTION: OnceLock<Question> = OnceLock::new();
    QUESTION.get_or_init(|| Question {
        zone: dns::parse_name("example.com.").unwrap(),
        name: dns::parse_name("www.example.com.").unwrap(),
    })
}

const ID: u16 = 0x1234;

fuzz_target!(|data: &[u8]| {
    let q = question();
    // Half the inputs get our ID and question written in, so more of them are accepted.
    let mut bytes = data.to_vec();
    if bytes.len() >= 12 && bytes[0] & 1 == 1 {
        bytes[0..2].copy_from_slice(&ID.to_be_bytes());
        bytes[2] |= 0x80; // QR
        bytes[4..6].copy_from_slice(&1u16.to_be_bytes());
        let mut question = Vec::new();
        for label in ["www", "example", "com"] {
            question.push(label.len() as u8);
            question.extend_from_slice(label.as_bytes());
        }
        question.extend_from_slice(&[0, 0, 1, 0, 1]);
        let tail = bytes.split_off(12);
        bytes.extend_from_slice(&question);
        bytes.extend_from_slice(&tail);
    }
    let Ok(reading) = classify_response(&bytes, ID, &q.zone, &q.name, Rtype::A) else {
        return;
    };
    let inside = |name: &dns::Name| name.ends_with(&q.zone);
    match reading {
        Reading::Answer { rrsets, .. } => {
            for set in &rrsets {
                assert!(inside(&set.owner), "answer outside the zone: {}", set.owner);
            }
        }
        Reading::Referral { zone, ns, glue } => {
            assert!(inside(&zone) && !zone.name_eq(&q.zone), "referral not below: {zone}");
            assert!(q.name.ends_with(&zone), "referral not above the name: {zone}");
            assert!(ns.owner.name_eq(&zone));
            for set in &glue {
                assert!(inside(&set.owner), "glue outside the zone: {}", set.owner);
                assert!(
                    matches!(set.rtype, Rtype::A | Rtype::AAAA),
                    "glue of type {}",
                    set.rtype
                );
            }
        }
        Reading::NxDomain(soa) | Reading::NoData(soa) => {
            if let Some(soa) = soa {
                assert!(inside(&soa.owner) && q.name.ends_with(&soa.owner));
            }
        }
        Reading::Lame(_) => {}
    }
});
