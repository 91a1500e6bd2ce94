//! Integration tests of the authoritative server: real sockets on a loopback block of each
//! test's own, real DNS messages, no mocks.

mod bad_input; // malformed queries: never a panic, always an answer to the next good query
mod interop; // dig, kdig and NSD against the same zone
mod rfc1034; // §4.3.2: answers, CNAME chains, referrals, NXDOMAIN/NODATA, wildcards, DNAME
mod rfc6891; // EDNS0: OPT echoed, payload size honoured, BADVERS, TC=1 when it does not fit
mod rfc7766; // TCP: length prefix, several queries per connection, idle timeout

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use authdns::{Catalog, RunningServer, ServerConfig};
use domain::base::iana::{Rcode, Rtype};
use domain::base::{Message, ToName};
pub use test_support::{LoopbackBlock, QueryOptions, dns_query};

/// The port every test server listens on, as the lab's servers share one.
pub const PORT: u16 = 1053;

pub fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file)
}

/// A server for example.com. and the root test zone on `block`'s `.1`.
pub struct Fixture {
    pub block: LoopbackBlock,
    pub addr: SocketAddr,
    _server: RunningServer,
}

pub fn start() -> Fixture {
    start_with(&[("example.com.", "example.com.zone"), (".", "root.zone")])
}

pub fn start_with(zones: &[(&str, &str)]) -> Fixture {
    let block = LoopbackBlock::claim();
    let addr = block.addr(1, PORT);
    let mut catalog = Catalog::new();
    for (origin, file) in zones {
        let origin = dns::parse_name(origin).unwrap();
        let parsed = dns::parse_file(&data(file), Some(&origin)).unwrap();
        catalog.insert(dns::Zone::build(parsed).unwrap().0);
    }
    let udp = std::net::UdpSocket::bind(addr).unwrap();
    let tcp = std::net::TcpListener::bind(addr).unwrap();
    let server = authdns::spawn(
        udp,
        tcp,
        Arc::new(catalog),
        Arc::new(journey::Silent),
        ServerConfig::default(),
    )
    .unwrap();
    Fixture {
        block,
        addr,
        _server: server,
    }
}

impl Fixture {
    pub fn ask(&self, name: &str, qtype: Rtype) -> Message<Vec<u8>> {
        dns_query(self.addr, name, qtype, QueryOptions::default()).unwrap()
    }

    pub fn ask_with(&self, name: &str, qtype: Rtype, options: QueryOptions) -> Message<Vec<u8>> {
        dns_query(self.addr, name, qtype, options).unwrap()
    }
}

/// The records of one section as `owner TTL TYPE data` lines, for readable assertions.
pub fn section(message: &Message<Vec<u8>>, which: Section) -> Vec<String> {
    let sections = message.sections().unwrap();
    let section = match which {
        Section::Answer => sections.1,
        Section::Authority => sections.2,
        Section::Additional => sections.3,
    };
    section
        .limit_to::<domain::rdata::AllRecordData<_, _>>()
        .map(|record| {
            let record = record.unwrap();
            if record.rtype() == Rtype::OPT {
                return "OPT".to_owned();
            }
            use domain::base::zonefile_fmt::{DisplayKind, ZonefileFmt};
            format!(
                "{} {} {} {}",
                record.owner().to_name::<Vec<u8>>().fmt_with_dot(),
                record.ttl().as_secs(),
                record.rtype(),
                record.data().display_zonefile(DisplayKind::Simple)
            )
        })
        .collect()
}

#[derive(Clone, Copy)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

pub fn rcode(message: &Message<Vec<u8>>) -> Rcode {
    message.header().rcode()
}
