//! The lab internet: every host of DESIGN.md's default lab a real host — a network namespace
//! of its own, joined to the others by links and routers — or, where namespaces are refused,
//! an address on this machine's loopback interface.
//!
//! The topology comes from one TOML file ([`config::LabConfig`], `lab/lab.toml` by default): the
//! browser's machine behind a home router, the ISP's resolver, the root, TLD and authoritative
//! name servers that a resolver walks `.` -> `com.` -> `google.com.`, and the web server
//! `www.google.com` with the WAS behind it. A lab enters at [`start`], which builds the network
//! ([`network::Network::build`], namespaces from [`netns`]), then binds every server's sockets
//! inside its own host (so a port in use is refused before anything runs), starts the DNS
//! servers on their own threads ([`authdns::spawn`], [`resolver::spawn`]) and the web server
//! and WAS each on a runtime whose threads live in its host, all reporting into the one
//! [`journey::Reporter`] they are given. [`Faults`] break one part for real — a server that is
//! not there, a WAS that never answers, a database that cannot be opened — so that each status
//! code has its real cause.

pub mod ca;
pub mod config;
pub mod filter;
pub mod netns;
pub mod network;
pub mod publish;
pub mod state;
pub mod tour;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use authdns::{Catalog, RunningServer, ServerConfig};

pub use config::LabConfig;

/// Why the lab could not start. `Display` is English; [`LabError::describe`] says it in a
/// language.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A zone file of a name server is refused.
    #[error(transparent)]
    Zone(#[from] dns::ZoneError),
    /// A server's address cannot be bound.
    // Not named `source`: thiserror would make it the error's source too, and a chain printed
    // whole (anyhow's `{:#}`) would say the system's error twice.
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The system's error.
        error: std::io::Error,
    },
    /// The web server could not start on its address.
    #[error("cannot listen on {addr}: {error}")]
    Web {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: web::StartError,
    },
    /// A part of the lab could not be set up: the system's error.
    #[error("{what}: {error}")]
    Io {
        /// Which part.
        what: LabPart,
        /// The system's error.
        error: std::io::Error,
    },
    /// The loss fault on a lab that runs on loopback, which has no routers.
    #[error(
        "the loss fault: it drops packets in a router of the lab's own network, and this lab \
         runs on loopback ({})",
        match why {
            Some(refusal) => refusal.text(text::Lang::En),
            None => "placement = \"loopback\" in the config".to_owned(),
        }
    )]
    LossOnLoopback {
        /// Why the lab is on loopback, when its config asked for namespaces.
        why: Option<netns::Refusal>,
    },
    /// The loss fault, for a host with no router to lose its packets in.
    #[error("the loss fault: {host} has no router to lose its packets")]
    NoRouter {
        /// The host.
        host: String,
    },
    /// A subnet of the lab cannot be allowed to ask the resolver.
    #[error("the resolver's access list: {0}")]
    AccessList(resolver::AllowProblem),
    /// The WAS could not start.
    #[error("the WAS on {addr}: {error}")]
    Was {
        /// Its address.
        addr: SocketAddr,
        /// Why.
        error: was::WasError,
    },
    /// The lab's CA could not be made or read.
    #[error("the lab's certificate authority: {0}")]
    Ca(ca::CaError),
    /// The web server's certificate cannot be used: rustls's or the CA's words.
    #[error("the web server's certificate in {}: {reason}", path.display())]
    WebCertificate {
        /// The certificate chain's file.
        path: std::path::PathBuf,
        /// Why, in English (free text).
        reason: String,
    },
}

/// A part of the lab that the system refused to set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabPart {
    /// Entering a host's namespace.
    HostNamespace,
    /// Reading a zone file.
    ZoneFile(std::path::PathBuf),
    /// The runtime of a server.
    Runtime,
    /// The database's directory.
    DatabaseDirectory(std::path::PathBuf),
    /// The loss fault's filter in a router.
    LossFilter(String),
}

impl LabPart {
    /// The part, in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            LabPart::HostNamespace => t!(lang, "lab-part-host-namespace"),
            LabPart::ZoneFile(path) => {
                t!(
                    lang,
                    "lab-part-zone-file",
                    path = path.display().to_string()
                )
            }
            LabPart::Runtime => t!(lang, "lab-part-runtime"),
            LabPart::DatabaseDirectory(path) => t!(
                lang,
                "lab-part-database-directory",
                path = path.display().to_string()
            ),
            LabPart::LossFilter(router) => t!(lang, "lab-part-loss-filter", router = router),
        }
    }
}

impl std::fmt::Display for LabPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl LabError {
    /// The error in `lang`: what could not start, and why (a zone file's refusal with its file
    /// and line, the system's error by its kind); rustls's and rcgen's own words quoted. English
    /// is `Display`.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        if lang == text::Lang::En {
            return self.to_string();
        }
        match self {
            LabError::Zone(err) => err.describe(lang),
            LabError::Bind { addr, error } => t!(
                lang,
                "lab-cannot-listen",
                addr = addr.to_string(),
                error = text::io_error(lang, error)
            ),
            LabError::Web { error, .. } => {
                t!(lang, "lab-web-failed", error = error.describe(lang))
            }
            LabError::Io { what, error } => t!(
                lang,
                "lab-part-failed",
                what = what.describe(lang),
                error = text::io_error(lang, error)
            ),
            LabError::LossOnLoopback { why } => t!(
                lang,
                "lab-loss-on-loopback",
                why = match why {
                    Some(refusal) => refusal.text(lang),
                    None => t!(lang, "lab-loss-placement-loopback"),
                }
            ),
            LabError::NoRouter { host } => t!(lang, "lab-loss-no-router", host = host),
            LabError::AccessList(problem) => {
                t!(lang, "lab-access-list", why = problem.describe(lang))
            }
            LabError::Was { addr, error } => t!(
                lang,
                "lab-was-failed",
                addr = addr.to_string(),
                error = error.describe(lang)
            ),
            LabError::Ca(err) => t!(lang, "lab-ca-failed", error = err.describe(lang)),
            LabError::WebCertificate { path, reason } => t!(
                lang,
                "lab-web-certificate",
                path = path.display().to_string(),
                detail = reason
            ),
        }
    }
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
    /// Routers lose one packet each ([`filter`]): the browser's gateway the first data segment
    /// towards the web server's port, the resolver's gateway the resolver's first upstream
    /// query. Needs the lab's own network.
    pub loss: bool,
    /// The web server serves a certificate the browser must refuse (expired, or for another
    /// name), issued for this lab's run only by the lab's CA ([`ca::LabCa::faulty_leaf`]).
    pub certificate: Option<ca::FaultyLeaf>,
}

/// One row of the lab's address table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HostRow {
    /// The host's name.
    pub name: String,
    /// Its role in the journey.
    pub role: String,
    /// Where it listens (IPv4; a router: its first address, port 0).
    pub addr: SocketAddr,
    /// Where it listens on IPv6, when it does.
    pub addr6: Option<SocketAddr>,
    /// What it serves, or why it is down: [`HostRow::serves`] in English (`--json` of a tour
    /// tells it in the tour's language).
    pub detail: String,
    /// What it serves, to be told in any language.
    #[serde(skip)]
    pub serves: Serves,
}

impl HostRow {
    fn new(
        name: String,
        role: &str,
        addr: SocketAddr,
        addr6: Option<SocketAddr>,
        serves: Serves,
    ) -> HostRow {
        HostRow {
            name,
            role: role.to_owned(),
            addr,
            addr6,
            detail: serves.text(text::Lang::En),
            serves,
        }
    }
}

/// What a host of the lab serves (the address table's last column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serves {
    /// Stopped by a fault: nothing listens.
    Down,
    /// An authoritative server's zones.
    Zones(Vec<String>),
    /// The recursive resolver.
    Resolver,
    /// The WAS, stalled by a fault: it accepts and never answers.
    Stalled,
    /// The WAS and its database (`fault`: the database cannot be opened).
    Database { url: String, fault: bool },
    /// The web server.
    Web {
        site: String,
        proxies: String,
        https_port: u16,
        names: String,
        http_port: u16,
        https_redirect: bool,
    },
    /// A router, and the packets a fault makes it lose.
    Router {
        addresses: String,
        losing: Vec<Losing>,
    },
}

/// A packet a router loses (`--fault loss`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Losing {
    /// The first TCP data segment (else: the first UDP query).
    pub tcp: bool,
    /// To this port.
    pub port: u16,
    /// From this host.
    pub host: String,
    /// Arriving on this interface of the router.
    pub interface: String,
}

impl Serves {
    /// What the host serves, in `lang`.
    pub fn text(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            Serves::Down => t!(lang, "serves-down"),
            Serves::Zones(zones) => zones.join(" "),
            Serves::Resolver => t!(lang, "serves-resolver"),
            Serves::Stalled => t!(lang, "serves-stalled"),
            Serves::Database { url, fault: false } => t!(lang, "serves-database", url = url),
            Serves::Database { url, fault: true } => {
                t!(lang, "serves-database-fault", url = url)
            }
            Serves::Web {
                site,
                proxies,
                https_port,
                names,
                http_port,
                https_redirect,
            } => {
                let port_80 = if *https_redirect {
                    t!(lang, "serves-web-redirects")
                } else {
                    t!(lang, "serves-web-plain-too")
                };
                t!(
                    lang,
                    "serves-web",
                    site = site,
                    proxies = proxies,
                    https_port = *https_port,
                    names = names,
                    http_port = *http_port,
                    port_80 = port_80
                )
            }
            Serves::Router { addresses, losing } => {
                std::iter::once(t!(lang, "serves-router", addresses = addresses))
                    .chain(losing.iter().map(|l| {
                        let what = if l.tcp {
                            t!(lang, "serves-loses-tcp", port = l.port)
                        } else {
                            t!(lang, "serves-loses-udp", port = l.port)
                        };
                        t!(
                            lang,
                            "serves-loses",
                            what = what,
                            host = &l.host,
                            interface = &l.interface
                        )
                    }))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
    }
}

/// A running lab; [`RunningLab::stop`] (or dropping it) stops every server.
pub struct RunningLab {
    /// The config it runs (on loopback: the config moved there).
    pub config: LabConfig,
    /// Namespaces or loopback, and why.
    pub placement: Placement,
    /// The address table, in config order, then the routers.
    pub hosts: Vec<HostRow>,
    /// The lab's certificate authority: its root is what the lab's browser trusts.
    pub ca: ca::LabCa,
    // Both stop when dropped (the name servers are told first, in `stop`).
    dns_servers: Vec<RunningServer>,
    _resolver_fronts: Vec<resolver::RunningResolver>,
    resolver: Arc<resolver::Resolver>,
    webs: Vec<web::RunningWeb>,
    was: Option<was::RunningWas>,
    // A listener nobody accepts on: the stalled WAS of `Faults::was_stalled`.
    _stalled_was: Option<std::net::TcpListener>,
    // The web server's and the WAS's, each with its threads in its host.
    runtimes: Vec<tokio::runtime::Runtime>,
    // Declared last, so dropped last (fields drop in declaration order): every namespace,
    // link and route goes with it, after the servers holding sockets in them have stopped.
    network: Option<network::Network>,
}

/// Where a running lab's hosts live, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placement {
    /// Each host a network namespace of its own.
    pub namespaces: bool,
    /// How the namespaces were made: `root`, or `user namespace (uid N)` (English).
    pub how: String,
    /// When on loopback although the config asked for namespaces: why (English).
    pub fallback_reason: Option<String>,
    /// The user namespace's outside uid, when the lab is in one.
    pub user_namespace_uid: Option<u32>,
    /// The fallback's reason, to be told in any language.
    pub fallback: Option<netns::Refusal>,
}

impl Placement {
    fn loopback(fallback: Option<netns::Refusal>) -> Placement {
        let mut placement = Placement {
            namespaces: false,
            how: String::new(),
            fallback_reason: fallback.as_ref().map(|r| r.text(text::Lang::En)),
            user_namespace_uid: None,
            fallback,
        };
        placement.how = placement.how_text(text::Lang::En);
        placement
    }

    fn namespaces(user_namespace_uid: Option<u32>) -> Placement {
        let mut placement = Placement {
            namespaces: true,
            how: String::new(),
            fallback_reason: None,
            user_namespace_uid,
            fallback: None,
        };
        placement.how = placement.how_text(text::Lang::En);
        placement
    }

    /// Where the hosts live, in `lang`.
    pub fn how_text(&self, lang: text::Lang) -> String {
        match (self.namespaces, self.user_namespace_uid) {
            (false, _) => text::t!(lang, "placement-loopback"),
            (true, Some(uid)) => text::t!(lang, "placement-user-namespace", uid = uid),
            (true, None) => text::t!(lang, "placement-root"),
        }
    }

    /// Why the lab is on loopback although its config asked for namespaces, in `lang`.
    pub fn fallback_text(&self, lang: text::Lang) -> Option<String> {
        self.fallback.as_ref().map(|r| r.text(lang))
    }
}

/// Starts the lab of `config` with `faults`, every part reporting into `reporter`.
pub fn start(
    config: &LabConfig,
    faults: &Faults,
    reporter: Arc<dyn journey::Reporter>,
) -> Result<RunningLab, LabError> {
    let isolation = netns::isolation();
    let (config, network, placement) = match config.placement {
        config::Placement::Loopback => (config.clone(), None, Placement::loopback(None)),
        config::Placement::Namespaces => {
            let fallback = |refusal: netns::Refusal| {
                (
                    config.on_loopback(),
                    None,
                    Placement::loopback(Some(refusal)),
                )
            };
            match isolation {
                netns::Isolation::Refused { refusal, .. } => fallback(refusal.clone()),
                _ => match network::Network::build(&config.topology()) {
                    Ok(network) => (
                        config.clone(),
                        Some(network),
                        Placement::namespaces(match isolation {
                            netns::Isolation::UserNamespace { uid, .. } => Some(*uid),
                            _ => None,
                        }),
                    ),
                    Err(err) => fallback(netns::Refusal::NetworkNotBuilt {
                        error: err.to_string(),
                        os_code: err.error.as_ref().and_then(std::io::Error::raw_os_error),
                        step: err.step.clone(),
                    }),
                },
            }
        }
    };
    if faults.loss && network.is_none() {
        return Err(LabError::LossOnLoopback {
            why: placement.fallback.clone(),
        });
    }
    let config = &config;
    let on_host = |name: &str| {
        network
            .as_ref()
            .and_then(|n| n.host(name))
            .map(|h| h.netns.clone())
    };
    // Runs `work` inside host `name`'s namespace (or here, on loopback).
    fn inside<T: Send>(
        host: &Option<Arc<netns::Netns>>,
        work: impl FnOnce() -> T + Send,
    ) -> Result<T, LabError> {
        match host {
            None => Ok(work()),
            Some(netns) => netns.run(work).map_err(|error| LabError::Io {
                what: LabPart::HostNamespace,
                error,
            }),
        }
    }

    let mut hosts = Vec::new();
    let mut dns_servers = Vec::new();
    for server in &config.dns {
        let addrs = listen_addrs(server.address, server.address6, config.dns_port);
        let zones: Vec<&str> = server.zones.iter().map(|(o, _)| o.as_str()).collect();
        if faults.dead_dns.iter().any(|n| n == &server.name) {
            hosts.push(HostRow::new(
                server.name.clone(),
                &server.role,
                addrs[0],
                addrs.get(1).copied(),
                Serves::Down,
            ));
            continue;
        }
        let mut catalog = Catalog::new();
        for (origin, file) in &server.zones {
            let origin = dns::parse_name(origin).expect("origins are checked by the config");
            let parsed = match config.zones_on_loopback {
                None => dns::parse_file(file, Some(&origin))?,
                Some(prefix) => {
                    let text = std::fs::read_to_string(file).map_err(|error| LabError::Io {
                        what: LabPart::ZoneFile(file.clone()),
                        error,
                    })?;
                    dns::parse_str(
                        &dns::relocate::to_loopback(&text, prefix),
                        file,
                        Some(&origin),
                    )?
                }
            };
            catalog.insert(dns::Zone::build(parsed)?.0);
        }
        let catalog = Arc::new(catalog);
        let host = on_host(&server.name);
        for addr in &addrs {
            let addr = *addr;
            let bind_error = |error| LabError::Bind { addr, error };
            let server_config = ServerConfig {
                role: server.role.clone(),
                ..ServerConfig::default()
            };
            let (catalog, reporter) = (catalog.clone(), reporter.clone());
            let running = inside(&host, move || -> std::io::Result<RunningServer> {
                let udp = std::net::UdpSocket::bind(addr)?;
                let tcp = std::net::TcpListener::bind(addr)?;
                authdns::spawn(udp, tcp, catalog, reporter, server_config)
            })?
            .map_err(bind_error)?;
            dns_servers.push(running);
        }
        hosts.push(HostRow::new(
            server.name.clone(),
            &server.role,
            addrs[0],
            addrs.get(1).copied(),
            Serves::Zones(zones.iter().map(|z| (*z).to_owned()).collect()),
        ));
    }

    // The resolver knows the lab's roots as a resolver on the internet knows IANA's.
    let roots = config
        .dns
        .iter()
        .filter(|s| s.role == "root")
        .map(|s| {
            (
                dns::parse_name(&s.name).expect("host names are checked by the config"),
                config::dual_stack(s.address, s.address6),
            )
        })
        .collect();
    let resolver_config = resolver::ResolverConfig {
        root_hints: resolver::RootHints { servers: roots },
        upstream_port: config.dns_port,
        qname_minimisation: config.resolver.qname_minimisation,
        // The lab's stories are the same on every run: equal servers are asked in the order
        // listed (a.root before b.root). On loopback, queries leave from the resolver's own
        // address; in its namespace the host has no other.
        spread_load: false,
        query_source: network
            .is_none()
            .then_some(IpAddr::V4(config.resolver.address)),
        ..Default::default()
    };
    let engine = Arc::new(resolver::Resolver::new(
        resolver_config,
        resolver::Clock::system(),
        reporter.clone(),
    ));
    let mut front = resolver::FrontConfig::default();
    if network.is_some() {
        // The ISP serves its customers: every subnet of the lab.
        front.allow = resolver::Allow::nobody();
        for link in &config.links {
            let (v4, l4) = link.ipv4;
            let (v6, l6) = link.ipv6;
            for cidr in [format!("{v4}/{l4}"), format!("{v6}/{l6}")] {
                front.allow.add(&cidr).map_err(LabError::AccessList)?;
            }
        }
    }
    let resolver_addrs = listen_addrs(
        config.resolver.address,
        config.resolver.address6,
        config.dns_port,
    );
    let resolver_host = on_host(&config.resolver.name);
    let mut resolver_fronts = Vec::new();
    for addr in &resolver_addrs {
        let addr = *addr;
        let (engine, front) = (engine.clone(), front.clone());
        let running = inside(
            &resolver_host,
            move || -> std::io::Result<resolver::RunningResolver> {
                let udp = std::net::UdpSocket::bind(addr)?;
                let tcp = std::net::TcpListener::bind(addr)?;
                resolver::spawn(udp, tcp, engine, front)
            },
        )?
        .map_err(|error| LabError::Bind { addr, error })?;
        resolver_fronts.push(running);
    }
    hosts.push(HostRow::new(
        config.resolver.name.clone(),
        "resolver",
        resolver_addrs[0],
        resolver_addrs.get(1).copied(),
        Serves::Resolver,
    ));

    let runtime_error = |error: std::io::Error| LabError::Io {
        what: LabPart::Runtime,
        error,
    };
    let runtime_in = |host: &Option<Arc<netns::Netns>>, name: &'static str| {
        let host = host.clone();
        inside(&host.clone(), move || {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(1).thread_name(name).enable_all();
            if let Some(netns) = host {
                // Threads the runtime starts later (its blocking pool) join the host too.
                builder.on_thread_start(move || {
                    let _ = netns.enter();
                });
            }
            builder.build()
        })?
        .map_err(runtime_error)
    };

    // The WAS first, so that the web server's first proxied request finds it.
    let was_host = on_host(&config.was.name);
    let was_runtime = runtime_in(&was_host, "lab-was")?;
    let was_addr = config.was_addr();
    let mut was = None;
    let mut stalled_was = None;
    let bind_was = || inside(&was_host, || std::net::TcpListener::bind(was_addr));
    let was_bind_error = |error| LabError::Bind {
        addr: was_addr,
        error,
    };
    let was_serves = if faults.was_down {
        Serves::Down
    } else if faults.was_stalled {
        stalled_was = Some(bind_was()?.map_err(was_bind_error)?);
        Serves::Stalled
    } else {
        let listener = bind_was()?.map_err(was_bind_error)?;
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
            std::fs::create_dir_all(dir).map_err(|error| LabError::Io {
                what: LabPart::DatabaseDirectory(dir.to_owned()),
                error,
            })?;
        }
        let was_config = was::WasConfig::new(database.clone());
        let running = was_runtime
            .block_on(was::spawn(listener, was_config, reporter.clone()))
            .map_err(|error| LabError::Was {
                addr: was_addr,
                error,
            })?;
        was = Some(running);
        Serves::Database {
            url: database,
            fault: faults.db_down,
        }
    };
    hosts.push(HostRow::new(
        config.was.name.clone(),
        "was",
        was_addr,
        None,
        was_serves,
    ));

    // The lab's CA: made on the first start, reused while valid ([`ca`]).
    let ca =
        ca::LabCa::load_or_create(&config.ca_dir, &config.web_names()).map_err(LabError::Ca)?;
    let identity = match faults.certificate {
        None => ca.web_identity().map_err(|err| err.to_string()),
        Some(faulty) => ca.faulty_identity(faulty),
    }
    .map_err(|reason| LabError::WebCertificate {
        path: ca.leaf_chain_path(),
        reason,
    })?;
    let web_host = on_host(&config.web.name);
    let web_runtime = runtime_in(&web_host, "lab-web")?;
    let web_addrs = listen_addrs(config.web.address, config.web.address6, config.http_port);
    let https_addrs = listen_addrs(config.web.address, config.web.address6, config.https_port);
    let mut webs = Vec::new();
    for (addr, tls) in web_addrs
        .iter()
        .map(|a| (*a, None))
        .chain(https_addrs.iter().map(|a| (*a, Some(identity.clone()))))
    {
        let listener = inside(&web_host, || std::net::TcpListener::bind(addr))?
            .map_err(|error| LabError::Bind { addr, error })?;
        let web_config = web_config(config, network.is_some(), tls);
        let web = web_runtime
            .block_on(web::spawn(listener, web_config, reporter.clone()))
            .map_err(|error| LabError::Web { addr, error })?;
        webs.push(web);
    }
    hosts.push(HostRow::new(
        config.web.name.clone(),
        "web",
        web_addrs[0],
        web_addrs.get(1).copied(),
        Serves::Web {
            site: config.site_dir.display().to_string(),
            proxies: config.web.proxy.join(" "),
            https_port: config.https_port,
            names: ca.names().join(" "),
            http_port: config.http_port,
            https_redirect: config.web.https_redirect,
        },
    ));
    let mut losing: Vec<(String, Losing)> = Vec::new();
    // Without a network the loss fault was refused above, before anything started.
    if let (true, Some(network)) = (faults.loss, &network) {
        for (host, rule) in [
            (&config.browser_name, filter::Protocol::TcpData),
            (&config.resolver.name, filter::Protocol::Udp),
        ] {
            let (router, interface) = network
                .gateway(host)
                .ok_or_else(|| LabError::NoRouter { host: host.clone() })?;
            let port = match rule {
                // The browser's HSTS sends the tour's requests to https; its first data
                // segment there is the ClientHello.
                filter::Protocol::TcpData => config.https_port,
                filter::Protocol::Udp => config.dns_port,
            };
            let rules = [filter::DropFirst {
                in_interface: interface.name.clone(),
                protocol: rule,
                port,
            }];
            router
                .netns
                .run(|| filter::drop_first(&rules))
                .and_then(|loaded| loaded)
                .map_err(|error| LabError::Io {
                    what: LabPart::LossFilter(router.node.name.clone()),
                    error,
                })?;
            losing.push((
                router.node.name.clone(),
                Losing {
                    tcp: rule == filter::Protocol::TcpData,
                    port,
                    host: host.clone(),
                    interface: interface.name.clone(),
                },
            ));
        }
    }
    if let Some(network) = &network {
        for host in &network.hosts {
            if host.node.is_router() {
                let addresses: Vec<String> = host
                    .node
                    .addresses
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                let serves = Serves::Router {
                    addresses: addresses.join(" "),
                    losing: losing
                        .iter()
                        .filter(|(router, _)| *router == host.node.name)
                        .map(|(_, what)| what.clone())
                        .collect(),
                };
                hosts.push(HostRow::new(
                    host.node.name.clone(),
                    "router",
                    SocketAddr::new(host.node.addresses[0], 0),
                    None,
                    serves,
                ));
            }
        }
    }

    Ok(RunningLab {
        config: config.clone(),
        placement,
        hosts,
        ca,
        dns_servers,
        _resolver_fronts: resolver_fronts,
        resolver: engine,
        webs,
        was,
        _stalled_was: stalled_was,
        runtimes: vec![web_runtime, was_runtime],
        network,
    })
}

/// The addresses a server listens on: its IPv4 address, and its IPv6 address when it has one.
fn listen_addrs(
    v4: std::net::Ipv4Addr,
    v6: Option<std::net::Ipv6Addr>,
    port: u16,
) -> Vec<SocketAddr> {
    config::dual_stack(v4, v6)
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect()
}

/// The web server's config in the lab: the site, the WAS behind the proxied prefixes, the
/// redirecting virtual hosts; with `tls` the HTTPS listener, without it the plain one (which
/// only redirects to https:// when the config says so).
fn web_config(
    config: &LabConfig,
    in_namespace: bool,
    tls: Option<web::TlsIdentity>,
) -> web::WebConfig {
    let mut web = web::WebConfig::new(config.site_dir.clone());
    for prefix in &config.web.proxy {
        web.proxies.push(web::ProxyRoute {
            prefix: prefix.clone(),
            upstreams: vec![config.was_addr()],
        });
    }
    for (host, to) in &config.web.redirects {
        // Over HTTPS the redirect stays on https://.
        let (to, port, default_port) = match (&tls, to.strip_prefix("http://")) {
            (Some(_), Some(rest)) => (format!("https://{rest}"), config.https_port, 443),
            (Some(_), None) => (to.clone(), config.https_port, 443),
            (None, _) => (to.clone(), config.http_port, 80),
        };
        // Off the usual port the redirect must keep the lab's, or the browser would leave the lab.
        let to = match port {
            port if port == default_port => to,
            port if to.matches(':').count() == 1 => format!("{to}:{port}"),
            _ => to,
        };
        web.redirects.push(web::Redirect {
            host: host.clone(),
            to,
            status: 301,
        });
    }
    web.limits.upstream_timeout = Duration::from_secs_f64(config.web.upstream_timeout);
    web.hsts = config.web.hsts.clone();
    if tls.is_none() && config.web.https_redirect {
        web.https_redirect = Some(config.https_port);
    }
    web.tls = tls;
    web.access_log = web::AccessLog::Off;
    // On loopback the capture tells the web server's connections to the WAS by their source
    // address; in its namespace the host has no other.
    web.upstream_bind = (!in_namespace).then_some(IpAddr::V4(config.web.address));
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

    /// The lab's network, when its hosts are namespaces.
    pub fn network(&self) -> Option<&network::Network> {
        self.network.as_ref()
    }

    /// The namespace of host `name`, when the lab has namespaces.
    pub fn netns(&self, name: &str) -> Option<Arc<netns::Netns>> {
        self.network
            .as_ref()
            .and_then(|n| n.host(name))
            .map(|h| h.netns.clone())
    }

    /// Runs `work` inside host `name` (on loopback: here), as a program on that host would.
    pub fn on_host<T: Send>(
        &self,
        name: &str,
        work: impl FnOnce() -> T + Send,
    ) -> std::io::Result<T> {
        match self.netns(name) {
            Some(netns) => netns.run(work),
            None => Ok(work()),
        }
    }

    /// Runs until Ctrl-C (SIGINT) or SIGTERM, listened for by `interrupts`, then stops cleanly.
    pub fn run_until_interrupted(self, interrupts: Interrupts) {
        interrupts.wait();
        self.stop();
    }

    /// Stops every server: the web server and WAS finish their in-flight requests first.
    pub fn stop(mut self) {
        // Threads of the DNS servers are joined when `self` drops at the end.
        let webs = std::mem::take(&mut self.webs);
        let was = self.was.take();
        if let Some(runtime) = self.runtimes.first() {
            runtime.block_on(async {
                for web in webs {
                    web.shutdown().await;
                }
            });
        }
        if let (Some(was), Some(runtime)) = (was, self.runtimes.get(1)) {
            runtime.block_on(was.shutdown());
        }
        for runtime in self.runtimes.drain(..) {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
        // Every name server is told first, so their workers' stop polls run side by side;
        // they (and the resolver) are joined when dropped, with `self`.
        for server in &self.dns_servers {
            server.signal_stop();
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from the moment this is made: a signal that
/// arrives before it is awaited is kept, not fatal. Make it before telling the user to press
/// Ctrl-C; `tokio::signal::ctrl_c()` only listens from its first poll, and a SIGINT before
/// that killed the process with the default action. Must be made inside a tokio runtime.
pub struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Returns when one of the signals has arrived (or had arrived since `listen`).
    pub async fn arrived(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// [`StopSignals`] for a caller outside any runtime: it brings its own.
pub struct Interrupts {
    runtime: tokio::runtime::Runtime,
    signals: StopSignals,
}

impl Interrupts {
    pub fn listen() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let signals = runtime.block_on(async { StopSignals::listen() })?;
        Ok(Self { runtime, signals })
    }

    /// Blocks until SIGINT or SIGTERM has arrived.
    pub fn wait(mut self) {
        self.runtime.block_on(self.signals.arrived());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bind_error_says_the_system_error_once() {
        let err = super::LabError::Bind {
            addr: "127.0.0.1:53".parse().unwrap(),
            error: std::io::Error::from_raw_os_error(libc::EADDRINUSE),
        };
        // Display says the system's error; no cause says it again when a chain is printed.
        assert!(
            err.to_string()
                .starts_with("cannot listen on 127.0.0.1:53: ")
        );
        assert!(
            err.to_string()
                .contains(&format!("os error {}", libc::EADDRINUSE))
        );
        assert!(std::error::Error::source(&err).is_none());
    }
}
