//! `roundtrip serve ...`: the lab's servers, each runnable on its own as a long-running service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

#[derive(clap::Subcommand, Debug)]
pub enum ServeCommand {
    /// An authoritative DNS server for one or more zones, over UDP and TCP.
    Auth {
        /// Address and port to listen on, e.g. 127.0.0.2:1053.
        #[arg(long)]
        listen: SocketAddr,
        /// A zone: `[ORIGIN=]FILE`; without ORIGIN, the file's $ORIGIN or SOA owner. Repeatable.
        #[arg(long = "zone", required = true)]
        zones: Vec<String>,
        /// UDP worker threads.
        #[arg(long, default_value_t = 1)]
        udp_workers: usize,
        /// Answer every query from the zones, never from the packet cache of earlier answers.
        #[arg(long)]
        no_packet_cache: bool,
    },
    /// A recursive, caching resolver: takes recursive queries (RD=1) and resolves them with
    /// iterative queries from the root hints down.
    Resolver {
        /// Address and port to listen on, e.g. 127.0.0.53:1053.
        #[arg(long)]
        listen: SocketAddr,
        /// Root hints in IANA named.root form (default: the real root servers).
        #[arg(long)]
        root_hints: Option<PathBuf>,
        /// The port every upstream server is asked on (the lab's servers share one port).
        #[arg(long, default_value_t = 53)]
        upstream_port: u16,
        /// Networks whose clients may ask, in CIDR form, besides loopback. Repeatable.
        #[arg(long = "allow")]
        allow: Vec<String>,
        /// Send every server the whole name instead of one label at a time (RFC 9156 off).
        #[arg(long)]
        no_qname_minimisation: bool,
        /// The longest a record is cached, whatever its TTL, in seconds.
        #[arg(long, default_value_t = 86_400)]
        max_ttl: u32,
        /// Cache entries (RRsets and negative answers) at most.
        #[arg(long, default_value_t = 1_000_000)]
        cache_size: usize,
    },
    /// A web server: static files, reverse proxy of dynamic paths, virtual hosts, limits.
    Web(crate::serve_web::WebArgs),
    /// An application server: the lab's search engine on SQLite or PostgreSQL.
    Was(crate::serve_was::WasArgs),
}

pub fn run(cmd: ServeCommand) -> anyhow::Result<u8> {
    match cmd {
        ServeCommand::Auth {
            listen,
            zones,
            udp_workers,
            no_packet_cache,
        } => {
            let config = authdns::ServerConfig {
                udp_workers,
                packet_cache: !no_packet_cache,
                ..Default::default()
            };
            serve_auth(listen, &zones, config)
        }
        ServeCommand::Resolver {
            listen,
            root_hints,
            upstream_port,
            allow,
            no_qname_minimisation,
            max_ttl,
            cache_size,
        } => {
            let mut config = resolver::ResolverConfig {
                upstream_port,
                qname_minimisation: !no_qname_minimisation,
                ..Default::default()
            };
            if let Some(path) = &root_hints {
                config.root_hints = match resolver::RootHints::load(path) {
                    Ok(hints) => hints,
                    Err(err) => {
                        eprintln!("roundtrip: {err}");
                        return Ok(1);
                    }
                };
            }
            config.cache.max_ttl = max_ttl;
            config.cache.max_entries = cache_size;
            let mut front = resolver::FrontConfig::default();
            for cidr in &allow {
                if let Err(why) = front.allow.add(cidr) {
                    eprintln!("roundtrip: --allow {why}");
                    return Ok(2);
                }
            }
            serve_resolver(listen, config, front)
        }
        ServeCommand::Web(args) => crate::serve_web::run(args),
        ServeCommand::Was(args) => crate::serve_was::run(args),
    }
}

fn serve_auth(
    listen: SocketAddr,
    zones: &[String],
    config: authdns::ServerConfig,
) -> anyhow::Result<u8> {
    let mut catalog = authdns::Catalog::new();
    for spec in zones {
        let (origin, file) = match spec.split_once('=') {
            Some((origin, file)) => (
                Some(
                    dns::parse_name(origin)
                        .with_context(|| format!("bad origin in --zone {spec}"))?,
                ),
                file,
            ),
            None => (None, spec.as_str()),
        };
        let loaded =
            dns::parse_file(&PathBuf::from(file), origin.as_ref()).and_then(dns::Zone::build);
        let (zone, warnings) = match loaded {
            Ok(loaded) => loaded,
            Err(err) => {
                eprintln!("roundtrip: {err}");
                return Ok(1);
            }
        };
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "zone {} loaded from {file}: {} names",
            zone.origin().fmt_with_dot(),
            zone.len()
        );
        catalog.insert(zone);
    }
    let udp =
        std::net::UdpSocket::bind(listen).with_context(|| format!("cannot bind UDP {listen}"))?;
    let tcp =
        std::net::TcpListener::bind(listen).with_context(|| format!("cannot bind TCP {listen}"))?;
    let server = authdns::spawn(
        udp,
        tcp,
        Arc::new(catalog),
        Arc::new(journey::Silent),
        config,
    )?;
    eprintln!("serving on {listen} (UDP and TCP)");
    server.wait();
    Ok(0)
}

fn serve_resolver(
    listen: SocketAddr,
    config: resolver::ResolverConfig,
    front: resolver::FrontConfig,
) -> anyhow::Result<u8> {
    let roots = config.root_hints.servers.len();
    let port = config.upstream_port;
    let resolver = Arc::new(resolver::Resolver::new(
        config,
        resolver::Clock::system(),
        Arc::new(journey::Silent),
    ));
    let udp =
        std::net::UdpSocket::bind(listen).with_context(|| format!("cannot bind UDP {listen}"))?;
    let tcp =
        std::net::TcpListener::bind(listen).with_context(|| format!("cannot bind TCP {listen}"))?;
    let running = resolver::spawn(udp, tcp, resolver, front)?;
    eprintln!(
        "resolving on {listen} (UDP and TCP) from {roots} root servers, asking upstream servers on port {port}"
    );
    running.wait();
    Ok(0)
}
