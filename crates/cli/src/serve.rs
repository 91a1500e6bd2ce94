//! `roundtrip serve ...`: the lab's servers, each runnable on its own as a long-running service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use text::{Lang, t};

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

pub fn run(cmd: ServeCommand, lang: Lang) -> anyhow::Result<u8> {
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
            serve_auth(listen, &zones, config, lang)
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
                        let error = err.describe(lang);
                        eprintln!(
                            "roundtrip: {}",
                            t!(lang, "serve-bad-root-hints", error = error)
                        );
                        return Ok(1);
                    }
                };
            }
            config.cache.max_ttl = max_ttl;
            config.cache.max_entries = cache_size;
            let mut front = resolver::FrontConfig::default();
            for cidr in &allow {
                if let Err(problem) = front.allow.add(cidr) {
                    let why = problem.describe(lang);
                    eprintln!("roundtrip: {}", t!(lang, "serve-bad-allow", why = why));
                    return Ok(2);
                }
            }
            serve_resolver(listen, config, front, lang)
        }
        ServeCommand::Web(args) => crate::serve_web::run(args, lang),
        ServeCommand::Was(args) => crate::serve_was::run(args, lang),
    }
}

fn serve_auth(
    listen: SocketAddr,
    zones: &[String],
    config: authdns::ServerConfig,
    lang: Lang,
) -> anyhow::Result<u8> {
    let mut catalog = authdns::Catalog::new();
    for spec in zones {
        let (origin, file) = match spec.split_once('=') {
            Some((origin, file)) => match dns::parse_name(origin) {
                Ok(origin) => (Some(origin), file),
                Err(err) => {
                    let error = crate::reasons::name(lang, &err);
                    let spec = spec.as_str();
                    eprintln!(
                        "roundtrip: {}",
                        t!(lang, "serve-bad-zone-origin", spec = spec, error = error)
                    );
                    return Ok(2);
                }
            },
            None => (None, spec.as_str()),
        };
        let loaded =
            dns::parse_file(&PathBuf::from(file), origin.as_ref()).and_then(dns::Zone::build);
        let (zone, warnings) = match loaded {
            Ok(loaded) => loaded,
            Err(err) => {
                let error = err.describe(lang);
                eprintln!("roundtrip: {}", t!(lang, "serve-bad-zone", error = error));
                return Ok(1);
            }
        };
        for warning in warnings {
            let warning = warning.describe(lang);
            eprintln!("{}", t!(lang, "serve-zone-warning", warning = warning));
        }
        eprintln!(
            "{}",
            t!(
                lang,
                "serve-zone-loaded",
                zone = zone.origin().fmt_with_dot().to_string(),
                file = file,
                count = zone.len()
            )
        );
        catalog.insert(zone);
    }
    let Some((udp, tcp)) = bind_udp_and_tcp(listen, lang) else {
        return Ok(1);
    };
    let server = authdns::spawn(
        udp,
        tcp,
        Arc::new(catalog),
        Arc::new(journey::Silent),
        config,
    )?;
    eprintln!(
        "{}",
        t!(lang, "serve-auth-serving", addr = listen.to_string())
    );
    match server.wait() {
        Ok(()) => Ok(0),
        Err(stopped) => Ok(worker_stopped(lang, &stopped)),
    }
}

/// A UDP socket and a TCP listener on `listen`, or `None` after saying on stderr why not.
fn bind_udp_and_tcp(
    listen: SocketAddr,
    lang: Lang,
) -> Option<(std::net::UdpSocket, std::net::TcpListener)> {
    let udp = std::net::UdpSocket::bind(listen)
        .map_err(|err| cannot_bind(lang, "UDP", listen, &err))
        .ok()?;
    let tcp = std::net::TcpListener::bind(listen)
        .map_err(|err| cannot_bind(lang, "TCP", listen, &err))
        .ok()?;
    Some((udp, tcp))
}

/// Says on stderr that `listen` could not be bound, and why: the address is taken, not this
/// machine's, or a port below 1024 without the right to it (this machine's matter, not the
/// server's).
pub fn cannot_bind(lang: Lang, protocol: &str, listen: SocketAddr, err: &std::io::Error) {
    eprintln!(
        "roundtrip: {}",
        t!(
            lang,
            "serve-cannot-bind",
            protocol = protocol,
            addr = listen.to_string(),
            error = text::io_error(lang, err)
        )
    );
}

fn serve_resolver(
    listen: SocketAddr,
    config: resolver::ResolverConfig,
    front: resolver::FrontConfig,
    lang: Lang,
) -> anyhow::Result<u8> {
    let roots = config.root_hints.servers.len();
    let port = config.upstream_port;
    let resolver = Arc::new(resolver::Resolver::new(
        config,
        resolver::Clock::system(),
        Arc::new(journey::Silent),
    ));
    let Some((udp, tcp)) = bind_udp_and_tcp(listen, lang) else {
        return Ok(1);
    };
    let running = resolver::spawn(udp, tcp, resolver, front)?;
    eprintln!(
        "{}",
        t!(
            lang,
            "serve-resolver-serving",
            addr = listen.to_string(),
            roots = roots,
            port = port
        )
    );
    match running.wait() {
        Ok(()) => Ok(0),
        Err(stopped) => Ok(worker_stopped(lang, &stopped)),
    }
}

/// Says on stderr which of a DNS server's threads stopped and why; the exit code (1: the server
/// failed, so that whatever supervises it starts it again).
fn worker_stopped(lang: Lang, stopped: &dnsnet::WorkerStopped) -> u8 {
    let worker = match stopped.worker {
        dnsnet::Worker::Udp(n) => t!(lang, "serve-worker-udp", n = n),
        dnsnet::Worker::Tcp => t!(lang, "serve-worker-tcp"),
    };
    eprintln!(
        "roundtrip: {}",
        t!(
            lang,
            "serve-worker-stopped",
            worker = worker,
            error = text::io_error(lang, &stopped.error)
        )
    );
    1
}
