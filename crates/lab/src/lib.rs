//! The lab internet: every server of DESIGN.md's default lab on its own loopback address.
//!
//! For now the lab is its DNS: the root, TLD and authoritative servers that a resolver walks
//! `.` -> `com.` -> `google.com.`, started from the zone files in `lab/zones/`, and the ISP's
//! resolver on 127.0.0.53 that walks them. A lab enters at [`start_dns`], which loads each
//! host's zones, binds its address and hands the sockets to [`authdns::spawn`], then starts the
//! resolver with the lab's root servers as its hints ([`resolver::spawn`]). The web server, the
//! WAS and the TOML config come with their own parts.

pub mod config;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use authdns::{Catalog, RunningServer, ServerConfig};

/// One name server of the lab: its host name, role, address and the zones it serves.
#[derive(Debug, Clone, Copy)]
pub struct DnsHost {
    /// Host name, as the NS records name it.
    pub name: &'static str,
    /// `root`, `tld` or `authoritative`, for the journey.
    pub role: &'static str,
    /// Its loopback address.
    pub addr: Ipv4Addr,
    /// The zones it serves, as (origin, file under `lab/zones/`).
    pub zones: &'static [(&'static str, &'static str)],
}

const ROOT_ZONES: &[(&str, &str)] = &[
    (".", "root.zone"),
    ("root-servers.net.", "root-servers.net.zone"),
];
const TLD_ZONES: &[(&str, &str)] = &[
    ("com.", "com.zone"),
    ("net.", "net.zone"),
    ("test.", "test.zone"),
    ("gtld-servers.net.", "gtld-servers.net.zone"),
];

/// The address plan of DESIGN.md and `lab/zones/README.md`.
pub const DNS_HOSTS: &[DnsHost] = &[
    DnsHost {
        name: "a.root-servers.net",
        role: "root",
        addr: Ipv4Addr::new(127, 0, 0, 2),
        zones: ROOT_ZONES,
    },
    DnsHost {
        name: "b.root-servers.net",
        role: "root",
        addr: Ipv4Addr::new(127, 0, 0, 3),
        zones: ROOT_ZONES,
    },
    DnsHost {
        name: "a.gtld-servers.net",
        role: "tld",
        addr: Ipv4Addr::new(127, 0, 0, 4),
        zones: TLD_ZONES,
    },
    DnsHost {
        name: "b.gtld-servers.net",
        role: "tld",
        addr: Ipv4Addr::new(127, 0, 0, 5),
        zones: TLD_ZONES,
    },
    DnsHost {
        name: "ns1.google.com",
        role: "authoritative",
        addr: Ipv4Addr::new(127, 0, 0, 6),
        zones: &[("google.com.", "google.com.zone")],
    },
    DnsHost {
        name: "ns1.example.com",
        role: "authoritative",
        addr: Ipv4Addr::new(127, 0, 0, 7),
        zones: &[
            ("example.com.", "example.com.zone"),
            ("glueless.test.", "glueless.test.zone"),
        ],
    },
];

/// Why the lab could not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(transparent)]
    Zone(#[from] dns::ZoneError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The port the lab's DNS servers share: 53 as root, 1053 otherwise (DESIGN.md).
pub fn default_dns_port() -> u16 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        53
    } else {
        1053
    }
}

/// Where the lab's zone files are: `lab/zones` of this source tree.
pub fn default_zones_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/zones")
}

/// The ISP's resolver: its address (the port is the lab's DNS port).
pub const RESOLVER_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 53);

/// A running lab DNS; dropping it stops every server.
pub struct RunningDns {
    /// Each host with the address it serves on.
    pub hosts: Vec<(DnsHost, SocketAddr)>,
    /// Where the resolver listens.
    pub resolver: SocketAddr,
    servers: Vec<RunningServer>,
    resolver_front: resolver::RunningResolver,
}

impl RunningDns {
    /// Blocks until the servers stop.
    pub fn wait(self) {
        for server in self.servers {
            server.wait();
        }
        self.resolver_front.wait();
    }
}

/// Starts every lab name server on its address and `port`, with zones from `zones_dir`.
pub fn start_dns(
    zones_dir: &Path,
    port: u16,
    reporter: Arc<dyn journey::Reporter>,
) -> Result<RunningDns, LabError> {
    let mut hosts = Vec::new();
    let mut servers = Vec::new();
    for host in DNS_HOSTS {
        let mut catalog = Catalog::new();
        for (origin, file) in host.zones {
            let origin = dns::parse_name(origin).expect("the lab's origins are valid names");
            let parsed = dns::parse_file(&zones_dir.join(file), Some(&origin))?;
            catalog.insert(dns::Zone::build(parsed)?.0);
        }
        let addr = SocketAddr::new(IpAddr::V4(host.addr), port);
        let bind_error = |source| LabError::Bind { addr, source };
        let udp = std::net::UdpSocket::bind(addr).map_err(bind_error)?;
        let tcp = std::net::TcpListener::bind(addr).map_err(bind_error)?;
        let config = ServerConfig {
            role: host.role.to_owned(),
            ..ServerConfig::default()
        };
        servers.push(
            authdns::spawn(udp, tcp, Arc::new(catalog), reporter.clone(), config)
                .map_err(bind_error)?,
        );
        hosts.push((*host, addr));
    }

    // The resolver knows the lab's roots as a resolver on the internet knows IANA's.
    let roots = DNS_HOSTS
        .iter()
        .filter(|h| h.role == "root")
        .map(|h| {
            (
                dns::parse_name(h.name).expect("valid host names"),
                vec![IpAddr::V4(h.addr)],
            )
        })
        .collect();
    let config = resolver::ResolverConfig {
        root_hints: resolver::RootHints { servers: roots },
        upstream_port: port,
        ..Default::default()
    };
    let engine = Arc::new(resolver::Resolver::new(
        config,
        resolver::Clock::system(),
        reporter,
    ));
    let addr = SocketAddr::new(IpAddr::V4(RESOLVER_ADDR), port);
    let bind_error = |source| LabError::Bind { addr, source };
    let udp = std::net::UdpSocket::bind(addr).map_err(bind_error)?;
    let tcp = std::net::TcpListener::bind(addr).map_err(bind_error)?;
    let resolver_front =
        resolver::spawn(udp, tcp, engine, resolver::FrontConfig::default()).map_err(bind_error)?;
    Ok(RunningDns {
        hosts,
        resolver: addr,
        servers,
        resolver_front,
    })
}
