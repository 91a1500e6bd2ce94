//! The lab internet: every server of DESIGN.md's default lab on its own loopback address, in
//! one process.
//!
//! The topology comes from one TOML file ([`config::LabConfig`], `lab/lab.toml` by default): the
//! root, TLD and authoritative name servers that a resolver walks `.` -> `com.` ->
//! `google.com.`, the ISP's resolver, the web server `www.google.com` and the WAS behind it with
//! its database. A lab enters at [`start`], which binds every host's address (so a port in use
//! is refused before anything runs), starts the DNS servers on their own threads
//! ([`authdns::spawn`], [`resolver::spawn`]) and the web server and WAS on the lab's tokio
//! runtime, each reporting into the one [`journey::Reporter`] it is given. [`Faults`] break one
//! part for real — a server that is not there, a WAS that never answers, a database that cannot
//! be opened — so that each status code has its real cause.

pub mod config;
pub mod tour;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use authdns::{Catalog, RunningServer, ServerConfig};

pub use config::LabConfig;

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
    #[error("{what}: {reason}")]
    Start { what: String, reason: String },
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

/// What to break, and how. Each is a real fault: nothing answers in place of the broken part.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Name servers (by host name) that are not started: their address answers nothing, so
    /// the kernel refuses their port, as for a crashed server.
    pub dead_dns: Vec<String>,
    /// The WAS is not started: the web server's connections to it are refused.
    pub was_down: bool,
    /// The WAS's address accepts connections (the kernel completes the handshake into the
    /// listen backlog) but no request is ever read, as with a hung server process.
    pub was_stalled: bool,
    /// The WAS starts with a database it cannot open.
    pub db_down: bool,
}

/// One row of the lab's address table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HostRow {
    /// The host's name.
    pub name: String,
    /// Its role in the journey.
    pub role: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it serves, or why it is down.
    pub detail: String,
}

/// A running lab; [`RunningLab::stop`] (or dropping it) stops every server.
pub struct RunningLab {
    /// The config it runs.
    pub config: LabConfig,
    /// The address table, in config order.
    pub hosts: Vec<HostRow>,
    // Both stop when dropped (the name servers are told first, in `stop`).
    dns_servers: Vec<RunningServer>,
    _resolver_front: resolver::RunningResolver,
    resolver: Arc<resolver::Resolver>,
    web: Option<web::RunningWeb>,
    was: Option<was::RunningWas>,
    // A listener nobody accepts on: the stalled WAS of `Faults::was_stalled`.
    _stalled_was: Option<std::net::TcpListener>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// Starts the lab of `config` with `faults`, every part reporting into `reporter`.
pub fn start(
    config: &LabConfig,
    faults: &Faults,
    reporter: Arc<dyn journey::Reporter>,
) -> Result<RunningLab, LabError> {
    let mut hosts = Vec::new();
    let mut dns_servers = Vec::new();
    for server in &config.dns {
        let addr = SocketAddr::new(IpAddr::V4(server.address), config.dns_port);
        let zones: Vec<&str> = server.zones.iter().map(|(o, _)| o.as_str()).collect();
        if faults.dead_dns.iter().any(|n| n == &server.name) {
            hosts.push(HostRow {
                name: server.name.clone(),
                role: server.role.clone(),
                addr,
                detail: "DOWN (fault): nothing listens".into(),
            });
            continue;
        }
        let mut catalog = Catalog::new();
        for (origin, file) in &server.zones {
            let origin = dns::parse_name(origin).expect("origins are checked by the config");
            let parsed = dns::parse_file(file, Some(&origin))?;
            catalog.insert(dns::Zone::build(parsed)?.0);
        }
        let bind_error = |source| LabError::Bind { addr, source };
        let udp = std::net::UdpSocket::bind(addr).map_err(bind_error)?;
        let tcp = std::net::TcpListener::bind(addr).map_err(bind_error)?;
        let server_config = ServerConfig {
            role: server.role.clone(),
            ..ServerConfig::default()
        };
        dns_servers.push(
            authdns::spawn(udp, tcp, Arc::new(catalog), reporter.clone(), server_config)
                .map_err(bind_error)?,
        );
        hosts.push(HostRow {
            name: server.name.clone(),
            role: server.role.clone(),
            addr,
            detail: zones.join(" "),
        });
    }

    // The resolver knows the lab's roots as a resolver on the internet knows IANA's.
    let roots = config
        .dns
        .iter()
        .filter(|s| s.role == "root")
        .map(|s| {
            (
                dns::parse_name(&s.name).expect("host names are checked by the config"),
                vec![IpAddr::V4(s.address)],
            )
        })
        .collect();
    let resolver_config = resolver::ResolverConfig {
        root_hints: resolver::RootHints { servers: roots },
        upstream_port: config.dns_port,
        qname_minimisation: config.resolver.qname_minimisation,
        // The lab's stories are the same on every run: equal servers are asked in the order
        // listed (a.root before b.root), and queries leave from the resolver's own address.
        spread_load: false,
        query_source: Some(IpAddr::V4(config.resolver.address)),
        ..Default::default()
    };
    let engine = Arc::new(resolver::Resolver::new(
        resolver_config,
        resolver::Clock::system(),
        reporter.clone(),
    ));
    let addr = config.resolver_addr();
    let bind_error = |source| LabError::Bind { addr, source };
    let udp = std::net::UdpSocket::bind(addr).map_err(bind_error)?;
    let tcp = std::net::TcpListener::bind(addr).map_err(bind_error)?;
    let resolver_front =
        resolver::spawn(udp, tcp, engine.clone(), resolver::FrontConfig::default())
            .map_err(bind_error)?;
    hosts.push(HostRow {
        name: config.resolver.name.clone(),
        role: "resolver".into(),
        addr,
        detail: "recursive, from the lab's root hints".into(),
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("lab")
        .enable_all()
        .build()
        .map_err(|err| LabError::Start {
            what: "the lab's runtime".into(),
            reason: err.to_string(),
        })?;

    // The WAS first, so that the web server's first proxied request finds it.
    let was_addr = config.was_addr();
    let mut was = None;
    let mut stalled_was = None;
    let bind_was = || std::net::TcpListener::bind(was_addr);
    let was_bind_error = |source| LabError::Bind {
        addr: was_addr,
        source,
    };
    let was_detail = if faults.was_down {
        "DOWN (fault): nothing listens".to_owned()
    } else if faults.was_stalled {
        stalled_was = Some(bind_was().map_err(was_bind_error)?);
        "STALLED (fault): accepts connections, never answers".to_owned()
    } else {
        let listener = bind_was().map_err(was_bind_error)?;
        let database = if faults.db_down {
            unreachable_database(&config.was.database)
        } else {
            config.was.database.clone()
        };
        // A SQLite database's directory is the lab's state directory: made on first use.
        if let Some(dir) = database
            .strip_prefix("sqlite://")
            .filter(|_| !faults.db_down)
            .and_then(|path| std::path::Path::new(path).parent())
        {
            std::fs::create_dir_all(dir).map_err(|err| LabError::Start {
                what: format!("the database directory {}", dir.display()),
                reason: err.to_string(),
            })?;
        }
        let was_config = was::WasConfig::new(database.clone());
        let running = runtime
            .block_on(was::spawn(listener, was_config, reporter.clone()))
            .map_err(|err| LabError::Start {
                what: format!("the WAS on {was_addr}"),
                reason: err.to_string(),
            })?;
        was = Some(running);
        if faults.db_down {
            format!("database {database} (fault: cannot be opened)")
        } else {
            format!("database {database}")
        }
    };
    hosts.push(HostRow {
        name: config.was.name.clone(),
        role: "was".into(),
        addr: was_addr,
        detail: was_detail,
    });

    let web_addr = config.web_addr();
    let listener = std::net::TcpListener::bind(web_addr).map_err(|source| LabError::Bind {
        addr: web_addr,
        source,
    })?;
    let web_config = web_config(config);
    let web = runtime
        .block_on(web::spawn(listener, web_config, reporter))
        .map_err(|source| LabError::Bind {
            addr: web_addr,
            source,
        })?;
    hosts.push(HostRow {
        name: config.web.name.clone(),
        role: "web".into(),
        addr: web_addr,
        detail: format!(
            "static {}; {} -> WAS",
            config.site_dir.display(),
            config.web.proxy.join(" ")
        ),
    });

    Ok(RunningLab {
        config: config.clone(),
        hosts,
        dns_servers,
        _resolver_front: resolver_front,
        resolver: engine,
        web: Some(web),
        was,
        _stalled_was: stalled_was,
        runtime: Some(runtime),
    })
}

/// The web server's config in the lab: the site, the WAS behind the proxied prefixes, the
/// redirecting virtual hosts.
fn web_config(config: &LabConfig) -> web::WebConfig {
    let mut web = web::WebConfig::new(config.site_dir.clone());
    for prefix in &config.web.proxy {
        web.proxies.push(web::ProxyRoute {
            prefix: prefix.clone(),
            upstreams: vec![config.was_addr()],
        });
    }
    for (host, to) in &config.web.redirects {
        // Off port 80 the redirect must keep the lab's port, or the browser would leave the lab.
        let to = match config.http_port {
            80 => to.clone(),
            port if to.matches(':').count() == 1 => format!("{to}:{port}"),
            _ => to.clone(),
        };
        web.redirects.push(web::Redirect {
            host: host.clone(),
            to,
            status: 301,
        });
    }
    web.limits.upstream_timeout = Duration::from_secs_f64(config.web.upstream_timeout);
    web.access_log = web::AccessLog::Off;
    web.upstream_bind = Some(IpAddr::V4(config.web.address));
    web
}

/// The same database made unreachable for real: a SQLite file in a directory that does not
/// exist, or a PostgreSQL port nobody listens on.
fn unreachable_database(url: &str) -> String {
    if url.starts_with("sqlite://") {
        let dir =
            std::env::temp_dir().join(format!("roundtrip-no-such-dir-{}", std::process::id()));
        format!("sqlite://{}", dir.join("lab.db").display())
    } else {
        // Port 1 on loopback: nothing listens there, so connections are refused.
        match url.rsplit_once('@') {
            Some((user, rest)) => {
                let db = rest.split_once('/').map_or("", |(_, db)| db);
                format!("{user}@127.0.0.1:1/{db}")
            }
            None => "postgres://127.0.0.1:1/lab".into(),
        }
    }
}

impl RunningLab {
    /// The resolver's engine (its cache, for the story of a second visit).
    pub fn resolver(&self) -> &Arc<resolver::Resolver> {
        &self.resolver
    }

    /// The lab's runtime, for work that should run beside its servers.
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the runtime lives until stop")
    }

    /// Runs until Ctrl-C (SIGINT) or SIGTERM, then stops cleanly.
    pub fn run_until_interrupted(self) {
        self.runtime().block_on(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async {
                    match term.as_mut() {
                        Some(term) => { term.recv().await; }
                        None => std::future::pending::<()>().await,
                    }
                } => {}
            }
        });
        self.stop();
    }

    /// Stops every server: the web server and WAS finish their in-flight requests first.
    pub fn stop(mut self) {
        // Threads of the DNS servers are joined when `self` drops at the end.
        if let Some(runtime) = self.runtime.take() {
            let web = self.web.take();
            let was = self.was.take();
            runtime.block_on(async {
                if let Some(web) = web {
                    web.shutdown().await;
                }
                if let Some(was) = was {
                    was.shutdown().await;
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
        // Every name server is told first, so their workers' stop polls run side by side;
        // they (and the resolver) are joined when dropped, with `self`.
        for server in &self.dns_servers {
            server.signal_stop();
        }
    }
}
