//! Any bytes as a query to a server with a realistic zone: must never panic, and a response,
//! when there is one, must parse as a DNS message.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use authdns::{Catalog, Transport};
use libfuzzer_sys::fuzz_target;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/authdns/tests/data/example.com.zone");
        let origin = dns::parse_name("example.com.").unwrap();
        let mut catalog = Catalog::new();
        catalog.insert(dns::Zone::build(dns::parse_file(&file, Some(&origin)).unwrap()).unwrap().0);
        catalog
    })
}

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    for transport in [Transport::Udp, Transport::Tcp] {
        if catalog().respond(data, transport, &mut out).is_some() {
            assert!(out.len() >= 12, "a response has at least a header");
        }
    }
});
