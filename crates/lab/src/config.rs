//! The lab's topology from one TOML file: hosts, addresses, ports, zones, the site, the WAS and
//! its database. `lab/lab.toml` is the default (printed by `roundtrip lab config`).
//!
//! A config enters at [`LabConfig::load`] (or [`LabConfig::parse`]). It is read in two passes:
//! serde checks the shape (unknown keys are refused, so a typo is not silently ignored), then
//! [`LabConfig::parse`] checks the meaning: addresses from the documentation ranges (a lab of
//! namespaces) or all on loopback (the single-host lab), one address per host, known roles,
//! zones that exist, at least one root, links and routers that join every host. Every refusal names the file, the line and the
//! key, and says why.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::network::{Link, Node, Topology};

/// The default config, as shipped in `lab/lab.toml`.
pub const DEFAULT_CONFIG: &str = include_str!("../../../lab/lab.toml");

/// A bad config: where and why.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe(text::Lang::En))]
pub struct ConfigError {
    /// The config file (or `<default>`).
    pub file: String,
    /// 1-based line of the offending value.
    pub line: usize,
    /// The key, dotted: `web.address`, `dns[2].zones`.
    pub key: String,
    /// Why it is refused, in English: toml's own words, the system's, or this crate's
    /// ([`ConfigProblem`]'s `Display`).
    pub reason: String,
    /// Who refused it.
    pub kind: ConfigErrorKind,
}

/// Who refused a config: what a reader in another language is told depends on it.
#[derive(Debug)]
pub enum ConfigErrorKind {
    /// The file could not be read: the system's error.
    Read(std::io::Error),
    /// The TOML parser (with serde's checks of the shape: a missing or unknown key, a value of
    /// the wrong type), at `line`:`column`; `reason` is its own words, free text.
    Toml {
        /// 1-based column.
        column: usize,
    },
    /// One of this crate's checks of the values: what it found (boxed: it is the largest).
    Check(Box<ConfigProblem>),
}

/// What this crate's checks found wrong with a value of the config (the values as written are
/// quoted as Rust debug strings, as in the English text). `Display` is English;
/// [`ConfigProblem::describe`] says it in a language.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigProblem {
    /// Not an IPv4 address.
    NotIpv4(String),
    /// An IPv4 address neither in the documentation ranges nor on loopback.
    RealInternet(Ipv4Addr),
    /// A loopback address among documentation addresses, or the other way round.
    MixedPlacement(Ipv4Addr),
    /// An address already given to another host (by its key).
    AddressTaken {
        /// The address.
        addr: IpAddr,
        /// The key that has it.
        by: String,
    },
    /// Not an IPv6 address.
    NotIpv6(String),
    /// An IPv6 address outside 2001:db8::/32.
    NotDocumentationV6(Ipv6Addr),
    /// A name server's role that is not root, tld or authoritative.
    UnknownRole(String),
    /// A zone that is not `ORIGIN=FILE`.
    NotOriginFile(String),
    /// A zone's origin that is not a domain name.
    OriginNotAName(String),
    /// A zone file that does not exist.
    NoZoneFile(PathBuf),
    /// No name server with the role root.
    NoRoot,
    /// A redirect that is not `HOST=URL`.
    NotHostUrl(String),
    /// A timeout that is not a positive number of seconds.
    NotPositiveSeconds(f64),
    /// An HSTS value that is not `max-age=...`.
    BadHsts(String),
    /// A database URL of neither kind.
    BadDatabase(String),
    /// A subnet that is not `ADDRESS/PREFIX`.
    NotSubnet(String),
    /// Not an IP address.
    NotIpAddress(String),
    /// A prefix length that is not a number.
    NotPrefixLength(String),
    /// A prefix length too long for the address's family, or zero.
    BadPrefixLength {
        /// The length.
        len: u8,
        /// The address.
        addr: IpAddr,
    },
    /// A link's IPv4 subnet outside the documentation ranges.
    NotDocumentationSubnet,
    /// A link without an IPv6 subnet.
    NoIpv6Subnet,
    /// A link's IPv6 subnet outside 2001:db8::/32.
    NotDocumentationSubnetV6,
    /// A router without addresses.
    RouterWithoutAddresses,
    /// Not an address and a port.
    NotSocketAddress(String),
    /// A published address that is not on loopback.
    NotLoopback(IpAddr),
    /// The links and routers do not make a network ([`crate::network::Topology::check`]).
    Topology(crate::network::TopologyProblem),
}

impl ConfigProblem {
    /// The problem in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        let quoted = |value: &str| format!("{value:?}");
        match self {
            ConfigProblem::NotIpv4(value) => {
                t!(lang, "lab-config-not-ipv4", value = quoted(value))
            }
            ConfigProblem::RealInternet(addr) => {
                t!(lang, "lab-config-real-internet", addr = addr.to_string())
            }
            ConfigProblem::MixedPlacement(addr) => {
                t!(lang, "lab-config-mixed-placement", addr = addr.to_string())
            }
            ConfigProblem::AddressTaken { addr, by } => t!(
                lang,
                "lab-config-address-taken",
                addr = addr.to_string(),
                by = by
            ),
            ConfigProblem::NotIpv6(value) => {
                t!(lang, "lab-config-not-ipv6", value = quoted(value))
            }
            ConfigProblem::NotDocumentationV6(addr) => {
                t!(
                    lang,
                    "lab-config-not-documentation-v6",
                    addr = addr.to_string()
                )
            }
            ConfigProblem::UnknownRole(role) => {
                t!(lang, "lab-config-unknown-role", role = quoted(role))
            }
            ConfigProblem::NotOriginFile(zone) => {
                t!(lang, "lab-config-not-origin-file", zone = quoted(zone))
            }
            ConfigProblem::OriginNotAName(origin) => {
                t!(
                    lang,
                    "lab-config-origin-not-a-name",
                    origin = quoted(origin)
                )
            }
            ConfigProblem::NoZoneFile(path) => t!(
                lang,
                "lab-config-no-zone-file",
                path = path.display().to_string()
            ),
            ConfigProblem::NoRoot => t!(lang, "lab-config-no-root"),
            ConfigProblem::NotHostUrl(rule) => {
                t!(lang, "lab-config-not-host-url", rule = quoted(rule))
            }
            ConfigProblem::NotPositiveSeconds(value) => t!(
                lang,
                "lab-config-not-positive-seconds",
                value = value.to_string()
            ),
            ConfigProblem::BadHsts(value) => t!(lang, "lab-config-bad-hsts", value = quoted(value)),
            ConfigProblem::BadDatabase(url) => {
                t!(lang, "lab-config-bad-database", url = quoted(url))
            }
            ConfigProblem::NotSubnet(value) => {
                t!(lang, "lab-config-not-subnet", value = quoted(value))
            }
            ConfigProblem::NotIpAddress(value) => {
                t!(lang, "lab-config-not-ip-address", value = quoted(value))
            }
            ConfigProblem::NotPrefixLength(value) => {
                t!(lang, "lab-config-not-prefix-length", value = quoted(value))
            }
            ConfigProblem::BadPrefixLength { len, addr } => t!(
                lang,
                "lab-config-bad-prefix-length",
                len = len.to_string(),
                addr = addr.to_string()
            ),
            ConfigProblem::NotDocumentationSubnet => {
                t!(lang, "lab-config-not-documentation-subnet")
            }
            ConfigProblem::NoIpv6Subnet => t!(lang, "lab-config-no-ipv6-subnet"),
            ConfigProblem::NotDocumentationSubnetV6 => {
                t!(lang, "lab-config-not-documentation-subnet-v6")
            }
            ConfigProblem::RouterWithoutAddresses => {
                t!(lang, "lab-config-router-without-addresses")
            }
            ConfigProblem::NotSocketAddress(value) => {
                t!(lang, "lab-config-not-socket-address", value = quoted(value))
            }
            ConfigProblem::NotLoopback(ip) => {
                t!(lang, "lab-config-not-loopback", ip = ip.to_string())
            }
            ConfigProblem::Topology(problem) => problem.describe(lang),
        }
    }
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl ConfigError {
    /// The error in `lang`: where (the file, the line when there is one, the key) and why. A
    /// file that cannot be read is said by the system's error; toml's own words, which are free
    /// text, stay as they are, quoted and attributed after a sentence in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        let place = match self.line {
            0 => self.file.clone(),
            line => format!("{}:{line}", self.file),
        };
        match &self.kind {
            // A file that cannot be read has no line and no key: said as such in every language.
            ConfigErrorKind::Read(io) => t!(
                lang,
                "config-unreadable",
                file = &self.file,
                error = text::io_error(lang, io)
            ),
            _ if lang == text::Lang::En => format!("{place}: {}: {}", self.key, self.reason),
            ConfigErrorKind::Toml { column } => t!(
                lang,
                "config-toml",
                place = format!("{}:{}:{column}", self.file, self.line),
                detail = self.reason.trim().replace('\n', "; ")
            ),
            ConfigErrorKind::Check(problem) => {
                format!("{place}: {}: {}", self.key, problem.describe(lang))
            }
        }
    }
}

/// Where the lab's hosts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Each host its own network namespace, on the documentation ranges.
    Namespaces,
    /// Every host an address on the loopback interface of this machine.
    Loopback,
}

/// The lab, checked.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Namespaces or loopback.
    pub placement: Placement,
    /// The links of the lab's network (namespaces only).
    pub links: Vec<Link>,
    /// The routers (namespaces only).
    pub routers: Vec<Node>,
    /// The browser's machine's host name.
    pub browser_name: String,
    /// The browser's IPv6 address (namespaces only).
    pub browser6: Option<Ipv6Addr>,
    /// On loopback from a namespace config: the prefix the zones' addresses move to.
    pub zones_on_loopback: Option<[u8; 3]>,
    ports_given: (Option<u16>, Option<u16>, Option<u16>),
    /// The port every lab DNS server (and the resolver) listens on.
    pub dns_port: u16,
    /// The web server's port.
    pub http_port: u16,
    /// The web server's HTTPS port.
    pub https_port: u16,
    /// The lab CA's directory ([`crate::ca`]): `[paths] ca`, else the user's state directory.
    pub ca_dir: PathBuf,
    /// The directory of the zone files.
    pub zones_dir: PathBuf,
    /// The web server's document root.
    pub site_dir: PathBuf,
    /// The browser's source address.
    pub browser: Ipv4Addr,
    /// The ISP's resolver.
    pub resolver: ResolverHost,
    /// The name servers, in config order.
    pub dns: Vec<DnsServer>,
    /// The web server.
    pub web: WebHost,
    /// The application server.
    pub was: WasHost,
    /// Where `lab up` forwards the resolver's and the web server's ports on this machine.
    pub publish: Publish,
}

/// `[publish]`: the lab's resolver and web server forwarded to loopback addresses of this
/// machine, for tools that cannot run inside the lab (`lab up --publish`, or `enabled`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// Whether `lab up` publishes without `--publish`.
    pub enabled: bool,
    /// Where the resolver is published (UDP and TCP).
    pub dns: SocketAddr,
    /// Where the web server's HTTP port is published (TCP).
    pub http: SocketAddr,
    /// Where the web server's HTTPS port is published (TCP; TLS end to end, not terminated).
    pub https: SocketAddr,
}

impl Default for Publish {
    fn default() -> Publish {
        Publish {
            enabled: false,
            dns: SocketAddr::from(([127, 0, 0, 1], 1053)),
            http: SocketAddr::from(([127, 0, 0, 1], 8080)),
            https: SocketAddr::from(([127, 0, 0, 1], 8443)),
        }
    }
}

/// The recursive resolver of the lab.
#[derive(Debug, Clone)]
pub struct ResolverHost {
    /// Its name in the story.
    pub name: String,
    /// Its address.
    pub address: Ipv4Addr,
    /// Its IPv6 address (namespaces only).
    pub address6: Option<Ipv6Addr>,
    /// RFC 9156 QNAME minimisation.
    pub qname_minimisation: bool,
}

/// One name server.
#[derive(Debug, Clone)]
pub struct DnsServer {
    /// Its host name, as NS records name it.
    pub name: String,
    /// `root`, `tld` or `authoritative`.
    pub role: String,
    /// Its address.
    pub address: Ipv4Addr,
    /// Its IPv6 address (namespaces only).
    pub address6: Option<Ipv6Addr>,
    /// Its zones: (origin, file).
    pub zones: Vec<(String, PathBuf)>,
}

/// The web server of the lab.
#[derive(Debug, Clone)]
pub struct WebHost {
    /// Its host name: `www.google.com`.
    pub name: String,
    /// Its address.
    pub address: Ipv4Addr,
    /// Its IPv6 address (namespaces only).
    pub address6: Option<Ipv6Addr>,
    /// Path prefixes handed to the WAS.
    pub proxy: Vec<String>,
    /// Hosts that only redirect: (host, target base URL).
    pub redirects: Vec<(String, String)>,
    /// Seconds the WAS has to answer.
    pub upstream_timeout: f64,
    /// Plain HTTP answers only 301 to https:// (same host and path), as www.google.com does.
    pub https_redirect: bool,
    /// The Strict-Transport-Security value of HTTPS responses (`None`: not sent).
    pub hsts: Option<String>,
}

/// The application server of the lab.
#[derive(Debug, Clone)]
pub struct WasHost {
    /// Its host name.
    pub name: String,
    /// Its address.
    pub address: Ipv4Addr,
    /// Its IPv6 address (namespaces only).
    pub address6: Option<Ipv6Addr>,
    /// `sqlite://FILE` or `postgres://...`.
    pub database: String,
}

impl LabConfig {
    /// The default lab, with paths in this source tree.
    pub fn default_lab() -> LabConfig {
        LabConfig::parse(DEFAULT_CONFIG, "<default>", &default_base_dir())
            .expect("the shipped lab/lab.toml is valid")
    }

    /// The default config's text with its relative paths made absolute, so that a copy saved
    /// anywhere still finds this tree's zones and site.
    pub fn default_text() -> String {
        let base = default_base_dir();
        DEFAULT_CONFIG
            .replace(
                "zones = \"zones\"",
                &format!("zones = {:?}", base.join("zones").display().to_string()),
            )
            .replace(
                "site = \"site\"",
                &format!("site = {:?}", base.join("site").display().to_string()),
            )
    }

    /// Reads and checks a config file; relative paths are relative to its directory.
    pub fn load(path: &Path) -> Result<LabConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            file: path.display().to_string(),
            line: 0,
            key: "(file)".into(),
            reason: err.to_string(),
            kind: ConfigErrorKind::Read(err),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        LabConfig::parse(&text, &path.display().to_string(), base)
    }

    /// Checks a config's text; `file` names it in errors, `base` anchors relative paths.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<LabConfig, ConfigError> {
        let error = |span: Option<Range<usize>>, key: &str, problem: ConfigProblem| ConfigError {
            file: file.to_owned(),
            line: span.map_or(0, |s| line_of(text, s.start)),
            key: key.to_owned(),
            reason: problem.to_string(),
            kind: ConfigErrorKind::Check(Box::new(problem)),
        };
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let reason = err.message().to_owned();
            let at = err.span().map_or(0, |span| span.start);
            let before = &text[..text.floor_char_boundary(at)];
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            ConfigError {
                file: file.to_owned(),
                line: err.span().map_or(0, |s| line_of(text, s.start)),
                key: key_of(&reason),
                reason,
                kind: ConfigErrorKind::Toml { column },
            }
        })?;

        let mut seen: HashMap<IpAddr, String> = HashMap::new();
        // The first host decides: documentation ranges (namespaces) or loopback; the rest
        // must follow.
        let mut placement: Option<Placement> = None;
        let mut address = |value: &Spanned<String>, key: &str| -> Result<Ipv4Addr, ConfigError> {
            let span = Some(value.span());
            let addr: Ipv4Addr = value.get_ref().parse().map_err(|_| {
                error(
                    span.clone(),
                    key,
                    ConfigProblem::NotIpv4(value.get_ref().clone()),
                )
            })?;
            let here = if addr.is_loopback() {
                Placement::Loopback
            } else if is_documentation_v4(addr) {
                Placement::Namespaces
            } else {
                return Err(error(span, key, ConfigProblem::RealInternet(addr)));
            };
            match placement {
                None => placement = Some(here),
                Some(first) if first != here => {
                    return Err(error(span, key, ConfigProblem::MixedPlacement(addr)));
                }
                Some(_) => {}
            }
            if let Some(other) = seen.insert(IpAddr::V4(addr), key.to_owned()) {
                return Err(error(
                    span,
                    key,
                    ConfigProblem::AddressTaken {
                        addr: IpAddr::V4(addr),
                        by: other,
                    },
                ));
            }
            Ok(addr)
        };

        let mut seen6: HashMap<Ipv6Addr, String> = HashMap::new();
        let mut address6 =
            |value: &Option<Spanned<String>>, key: &str| -> Result<Option<Ipv6Addr>, ConfigError> {
                let Some(value) = value else { return Ok(None) };
                let span = Some(value.span());
                let addr: Ipv6Addr = value.get_ref().parse().map_err(|_| {
                    error(
                        span.clone(),
                        key,
                        ConfigProblem::NotIpv6(value.get_ref().clone()),
                    )
                })?;
                if u128::from(addr) >> 96 != 0x2001_0db8 {
                    return Err(error(span, key, ConfigProblem::NotDocumentationV6(addr)));
                }
                if let Some(other) = seen6.insert(addr, key.to_owned()) {
                    return Err(error(
                        span,
                        key,
                        ConfigProblem::AddressTaken {
                            addr: IpAddr::V6(addr),
                            by: other,
                        },
                    ));
                }
                Ok(Some(addr))
            };

        let browser = address(&raw.browser.address, "browser.address")?;
        let browser6 = address6(&raw.browser.address6, "browser.address6")?;
        let resolver = ResolverHost {
            name: raw.resolver.name.unwrap_or_else(|| "resolver".into()),
            address: address(&raw.resolver.address, "resolver.address")?,
            address6: address6(&raw.resolver.address6, "resolver.address6")?,
            qname_minimisation: raw.resolver.qname_minimisation.unwrap_or(true),
        };
        let zones_dir = base.join(raw.paths.zones.unwrap_or_else(|| "zones".into()));
        let site_dir = base.join(raw.paths.site.unwrap_or_else(|| "site".into()));
        let ca_dir = raw
            .paths
            .ca
            .map_or_else(crate::ca::LabCa::default_dir, |dir| base.join(dir));

        let mut dns = Vec::new();
        for (i, server) in raw.dns.iter().enumerate() {
            let key = |field: &str| format!("dns[{i}].{field}");
            let role = server.role.get_ref();
            if !["root", "tld", "authoritative"].contains(&role.as_str()) {
                return Err(error(
                    Some(server.role.span()),
                    &key("role"),
                    ConfigProblem::UnknownRole(role.clone()),
                ));
            }
            let address6 = address6(&server.address6, &key("address6"))?;
            let address = address(&server.address, &key("address"))?;
            let mut zones = Vec::new();
            for zone in server.zones.get_ref() {
                let Some((origin, path)) = zone.split_once('=') else {
                    return Err(error(
                        Some(server.zones.span()),
                        &key("zones"),
                        ConfigProblem::NotOriginFile(zone.clone()),
                    ));
                };
                if dns::parse_name(origin).is_err() {
                    return Err(error(
                        Some(server.zones.span()),
                        &key("zones"),
                        ConfigProblem::OriginNotAName(origin.to_owned()),
                    ));
                }
                let path = zones_dir.join(path);
                if !path.is_file() {
                    return Err(error(
                        Some(server.zones.span()),
                        &key("zones"),
                        ConfigProblem::NoZoneFile(path),
                    ));
                }
                zones.push((origin.to_owned(), path));
            }
            dns.push(DnsServer {
                name: server.name.clone(),
                role: role.clone(),
                address,
                address6,
                zones,
            });
        }
        if !dns.iter().any(|s| s.role == "root") {
            return Err(error(None, "dns", ConfigProblem::NoRoot));
        }

        let web = WebHost {
            name: raw.web.name,
            address: address(&raw.web.address, "web.address")?,
            address6: address6(&raw.web.address6, "web.address6")?,
            proxy: raw.web.proxy.unwrap_or_default(),
            redirects: match raw.web.redirects {
                None => Vec::new(),
                Some(rules) => {
                    let mut out = Vec::new();
                    for rule in rules.get_ref() {
                        let Some((host, to)) = rule.split_once('=') else {
                            return Err(error(
                                Some(rules.span()),
                                "web.redirects",
                                ConfigProblem::NotHostUrl(rule.clone()),
                            ));
                        };
                        out.push((host.to_owned(), to.trim_end_matches('/').to_owned()));
                    }
                    out
                }
            },
            upstream_timeout: match raw.web.upstream_timeout {
                None => 5.0,
                Some(secs) if secs.get_ref().is_finite() && *secs.get_ref() > 0.0 => {
                    *secs.get_ref()
                }
                Some(secs) => {
                    return Err(error(
                        Some(secs.span()),
                        "web.upstream_timeout",
                        ConfigProblem::NotPositiveSeconds(*secs.get_ref()),
                    ));
                }
            },
            https_redirect: raw.web.https_redirect.unwrap_or(true),
            hsts: match raw.web.hsts {
                None => Some(web::DEFAULT_HSTS.to_owned()),
                Some(value) if value.get_ref().trim().is_empty() => None,
                Some(value) if value.get_ref().trim().starts_with("max-age=") => {
                    Some(value.get_ref().trim().to_owned())
                }
                Some(value) => {
                    return Err(error(
                        Some(value.span()),
                        "web.hsts",
                        ConfigProblem::BadHsts(value.get_ref().clone()),
                    ));
                }
            },
        };
        let was_address = address(&raw.was.address, "was.address")?;
        let was_address6 = address6(&raw.was.address6, "was.address6")?;
        let database = match raw.was.database {
            None => format!("sqlite://{}", default_database_path().display()),
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) if !path.starts_with('/') => {
                    format!("sqlite://{}", base.join(path).display())
                }
                Some(_) => url,
                None if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
                None => {
                    return Err(error(None, "was.database", ConfigProblem::BadDatabase(url)));
                }
            },
        };
        let was = WasHost {
            name: raw.was.name,
            address: was_address,
            address6: was_address6,
            database,
        };
        let placement = placement.expect("the browser has an address");

        let mut links = Vec::new();
        let mut routers = Vec::new();
        if placement == Placement::Namespaces {
            for (i, link) in raw.link.iter().enumerate() {
                let key = format!("link[{i}]");
                let v4 = parse_subnet(link.ipv4.get_ref())
                    .and_then(|(net, len)| match net {
                        IpAddr::V4(v4) if is_documentation_v4(v4) => Ok((v4, len)),
                        _ => Err(ConfigProblem::NotDocumentationSubnet),
                    })
                    .map_err(|reason| {
                        error(Some(link.ipv4.span()), &format!("{key}.ipv4"), reason)
                    })?;
                let Some(ipv6) = &link.ipv6 else {
                    return Err(error(
                        Some(link.ipv4.span()),
                        &format!("{key}.ipv6"),
                        ConfigProblem::NoIpv6Subnet,
                    ));
                };
                let v6 = parse_subnet(ipv6.get_ref())
                    .and_then(|(net, len)| match net {
                        IpAddr::V6(v6) if u128::from(v6) >> 96 == 0x2001_0db8 => Ok((v6, len)),
                        _ => Err(ConfigProblem::NotDocumentationSubnetV6),
                    })
                    .map_err(|reason| error(Some(ipv6.span()), &format!("{key}.ipv6"), reason))?;
                links.push(Link {
                    name: link.name.clone(),
                    ipv4: v4,
                    ipv6: v6,
                });
            }
            for (i, router) in raw.router.iter().enumerate() {
                let Some(listed) = &router.addresses else {
                    return Err(error(
                        None,
                        &format!("router[{i}].addresses"),
                        ConfigProblem::RouterWithoutAddresses,
                    ));
                };
                let mut addresses = Vec::new();
                for text in listed.get_ref() {
                    let addr: IpAddr = text.parse().map_err(|_| {
                        error(
                            Some(listed.span()),
                            &format!("router[{i}].addresses"),
                            ConfigProblem::NotIpAddress(text.clone()),
                        )
                    })?;
                    addresses.push(addr);
                }
                routers.push(Node {
                    name: router.name.clone(),
                    role: "router".into(),
                    addresses,
                });
            }
        }

        let defaults = Publish::default();
        let published = |value: &Option<Spanned<String>>,
                         key: &str,
                         default: SocketAddr|
         -> Result<SocketAddr, ConfigError> {
            let Some(value) = value else {
                return Ok(default);
            };
            let span = Some(value.span());
            let addr: SocketAddr = value.get_ref().parse().map_err(|_| {
                error(
                    span.clone(),
                    key,
                    ConfigProblem::NotSocketAddress(value.get_ref().clone()),
                )
            })?;
            if !addr.ip().is_loopback() {
                return Err(error(span, key, ConfigProblem::NotLoopback(addr.ip())));
            }
            Ok(addr)
        };
        let publish = Publish {
            enabled: raw.publish.enabled.unwrap_or(false),
            dns: published(&raw.publish.dns, "publish.dns", defaults.dns)?,
            http: published(&raw.publish.http, "publish.http", defaults.http)?,
            https: published(&raw.publish.https, "publish.https", defaults.https)?,
        };
        let mut config = LabConfig {
            publish,
            placement,
            links,
            routers,
            browser_name: raw.browser.name.unwrap_or_else(|| "browser".into()),
            browser6,
            zones_on_loopback: None,
            ports_given: (raw.ports.dns, raw.ports.http, raw.ports.https),
            dns_port: 0,
            http_port: 0,
            https_port: 0,
            ca_dir,
            zones_dir,
            site_dir,
            browser,
            resolver,
            dns,
            web,
            was,
        };
        config.set_ports();
        if placement == Placement::Namespaces
            && let Err(reason) = config.topology().check()
        {
            return Err(error(None, "link", ConfigProblem::Topology(reason)));
        }
        Ok(config)
    }

    /// The ports: as given, else 53, 80 and 443 in namespaces (each host's own ports) and on
    /// loopback as root, 1053, 8080 and 8443 on loopback otherwise.
    fn set_ports(&mut self) {
        let (dns, http, https) = match self.placement {
            Placement::Namespaces => (53, 80, 443),
            Placement::Loopback => (
                crate::default_dns_port(),
                default_http_port(),
                default_https_port(),
            ),
        };
        self.dns_port = self.ports_given.0.unwrap_or(dns);
        self.http_port = self.ports_given.1.unwrap_or(http);
        self.https_port = self.ports_given.2.unwrap_or(https);
    }

    /// The same lab on loopback, for when namespaces are refused: `A.B.C.N` becomes
    /// `127.0.0.N` ([`dns::relocate`]), IPv4 only, no links or routers, and the zones are
    /// rewritten the same way when they are loaded.
    pub fn on_loopback(&self) -> LabConfig {
        if self.placement == Placement::Loopback {
            return self.clone();
        }
        let to_lo = |a: Ipv4Addr| Ipv4Addr::new(127, 0, 0, a.octets()[3]);
        let mut lab = self.clone();
        lab.placement = Placement::Loopback;
        lab.links.clear();
        lab.routers.clear();
        lab.zones_on_loopback = Some([127, 0, 0]);
        lab.browser = to_lo(lab.browser);
        lab.browser6 = None;
        lab.resolver.address = to_lo(lab.resolver.address);
        lab.resolver.address6 = None;
        for server in &mut lab.dns {
            server.address = to_lo(server.address);
            server.address6 = None;
        }
        lab.web.address = to_lo(lab.web.address);
        lab.web.address6 = None;
        lab.was.address = to_lo(lab.was.address);
        lab.was.address6 = None;
        lab.set_ports();
        lab
    }

    /// The lab's network: the browser's machine, the routers, then every server, in config
    /// order.
    pub fn topology(&self) -> Topology {
        let host = |name: &str, role: &str, v4: Ipv4Addr, v6: Option<Ipv6Addr>| Node {
            name: name.to_owned(),
            role: role.to_owned(),
            addresses: dual_stack(v4, v6),
        };
        let mut nodes = vec![host(
            &self.browser_name,
            "browser",
            self.browser,
            self.browser6,
        )];
        nodes.extend(self.routers.iter().cloned());
        nodes.push(host(
            &self.resolver.name,
            "resolver",
            self.resolver.address,
            self.resolver.address6,
        ));
        for server in &self.dns {
            nodes.push(host(
                &server.name,
                &server.role,
                server.address,
                server.address6,
            ));
        }
        nodes.push(host(
            &self.web.name,
            "web",
            self.web.address,
            self.web.address6,
        ));
        nodes.push(host(
            &self.was.name,
            "was",
            self.was.address,
            self.was.address6,
        ));
        Topology {
            links: self.links.clone(),
            nodes,
        }
    }

    /// The resolver's socket address.
    pub fn resolver_addr(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.resolver.address), self.dns_port)
    }

    /// The web server's socket address.
    pub fn web_addr(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.web.address), self.http_port)
    }

    /// The web server's HTTPS socket address.
    pub fn web_https_addr(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.web.address), self.https_port)
    }

    /// The names the web server's certificate must hold: its own and the redirecting hosts'.
    pub fn web_names(&self) -> Vec<String> {
        let mut names = vec![self.web.name.to_ascii_lowercase()];
        for (host, _) in &self.web.redirects {
            let host = host.to_ascii_lowercase();
            if !names.contains(&host) {
                names.push(host);
            }
        }
        names
    }

    /// The WAS's socket address (it shares the HTTP port, on its own host).
    pub fn was_addr(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.was.address), self.http_port)
    }

    /// Every address of the lab, for the capture filter.
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        let mut out = vec![self.browser, self.resolver.address];
        out.extend(self.dns.iter().map(|s| s.address));
        out.push(self.web.address);
        out.push(self.was.address);
        out
    }
}

/// A host's addresses: its IPv4 address, then its IPv6 address when it has one.
pub fn dual_stack(v4: Ipv4Addr, v6: Option<Ipv6Addr>) -> Vec<IpAddr> {
    std::iter::once(IpAddr::V4(v4))
        .chain(v6.map(IpAddr::V6))
        .collect()
}

/// Whether `addr` is in one of the IPv4 documentation ranges (RFC 5737).
pub fn is_documentation_v4(addr: Ipv4Addr) -> bool {
    matches!(
        addr.octets(),
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
    )
}

/// `ADDRESS/PREFIX`, with the prefix no longer than the family allows.
fn parse_subnet(text: &str) -> Result<(IpAddr, u8), ConfigProblem> {
    let (addr, len) = text
        .split_once('/')
        .ok_or_else(|| ConfigProblem::NotSubnet(text.to_owned()))?;
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| ConfigProblem::NotIpAddress(addr.to_owned()))?;
    let len: u8 = len
        .parse()
        .map_err(|_| ConfigProblem::NotPrefixLength(len.to_owned()))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if len > max || len == 0 {
        return Err(ConfigProblem::BadPrefixLength { len, addr });
    }
    Ok((addr, len))
}

/// The web server's port: 80 as root, 8080 otherwise (DESIGN.md).
pub fn default_http_port() -> u16 {
    if crate::default_dns_port() == 53 {
        80
    } else {
        8080
    }
}

/// The web server's HTTPS port: 443 as root, 8443 otherwise.
pub fn default_https_port() -> u16 {
    if crate::default_dns_port() == 53 {
        443
    } else {
        8443
    }
}

/// Where the default lab's database lives: the user's state directory, so documents added
/// through the WAS survive the lab.
pub fn default_database_path() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    state.join("roundtrip").join("lab.db")
}

fn default_base_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// toml names the key in its messages (`unknown field `adress``); keep that as the key.
fn key_of(message: &str) -> String {
    match message.split('`').nth(1) {
        Some(key) => key.to_owned(),
        None => "(syntax)".to_owned(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    ports: RawPorts,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    link: Vec<RawLink>,
    #[serde(default)]
    router: Vec<RawRouter>,
    browser: RawBrowser,
    resolver: RawResolver,
    dns: Vec<RawDns>,
    web: RawWeb,
    was: RawWas,
    #[serde(default)]
    publish: RawPublish,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    enabled: Option<bool>,
    dns: Option<Spanned<String>>,
    http: Option<Spanned<String>>,
    https: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPorts {
    dns: Option<u16>,
    http: Option<u16>,
    https: Option<u16>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    zones: Option<String>,
    site: Option<String>,
    ca: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrowser {
    name: Option<String>,
    address: Spanned<String>,
    address6: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    name: String,
    ipv4: Spanned<String>,
    // Optional for serde only: a loopback lab ignores links (and test configs moved onto
    // loopback lose their IPv6 lines); a lab of namespaces requires it.
    ipv6: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRouter {
    name: String,
    addresses: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResolver {
    name: Option<String>,
    address: Spanned<String>,
    address6: Option<Spanned<String>>,
    qname_minimisation: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDns {
    name: String,
    role: Spanned<String>,
    address: Spanned<String>,
    address6: Option<Spanned<String>>,
    zones: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    name: String,
    address: Spanned<String>,
    address6: Option<Spanned<String>>,
    proxy: Option<Vec<String>>,
    redirects: Option<Spanned<Vec<String>>>,
    upstream_timeout: Option<Spanned<f64>>,
    https_redirect: Option<bool>,
    hsts: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWas {
    name: String,
    address: Spanned<String>,
    address6: Option<Spanned<String>>,
    database: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LabConfig, ConfigError> {
        LabConfig::parse(text, "lab.toml", &default_base_dir())
    }

    #[test]
    fn the_default_lab_is_the_design_table() {
        let lab = LabConfig::default_lab();
        assert_eq!(lab.dns.len(), 6);
        assert_eq!(lab.placement, Placement::Namespaces);
        assert_eq!((lab.dns_port, lab.http_port), (53, 80));
        assert_eq!(lab.resolver.address, Ipv4Addr::new(198, 51, 100, 53));
        assert_eq!(lab.web.address, Ipv4Addr::new(203, 0, 113, 80));
        assert_eq!(
            lab.web.address6,
            Some("2001:db8:1ab:4::80".parse().unwrap())
        );
        assert_eq!(lab.was.address, Ipv4Addr::new(203, 0, 113, 81));
        assert_eq!(lab.routers.len(), 3);
        lab.topology()
            .check()
            .expect("the default network joins every host");
        let lo = lab.on_loopback();
        assert_eq!(lo.placement, Placement::Loopback);
        assert_eq!(lo.web.address, Ipv4Addr::new(127, 0, 0, 80));
        assert_eq!(lo.resolver.address, Ipv4Addr::new(127, 0, 0, 53));
        assert_eq!(lo.zones_on_loopback, Some([127, 0, 0]));
        assert!(lo.web.address6.is_none() && lo.links.is_empty());
        assert_eq!(lab.dns.iter().filter(|s| s.role == "root").count(), 2);
        assert_eq!(
            lab.web.redirects,
            vec![("google.com".into(), "http://www.google.com".into())]
        );
        assert!(lab.was.database.starts_with("sqlite://"));
    }

    #[test]
    fn the_printed_default_parses_anywhere() {
        let text = LabConfig::default_text();
        let lab = LabConfig::parse(&text, "copy.toml", Path::new("/nonexistent")).unwrap();
        assert!(lab.zones_dir.join("root.zone").is_file());
    }

    #[test]
    fn a_typo_is_refused_with_its_line_and_key() {
        let text = DEFAULT_CONFIG.replace("[browser]\nname", "[browser]\nnmae");
        let err = parse(&text).unwrap_err();
        let line = DEFAULT_CONFIG
            .lines()
            .position(|l| l == "[browser]")
            .unwrap()
            + 2;
        assert_eq!((err.line, err.key.as_str()), (line, "nmae"), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("lab.toml:{line}: nmae: "))
        );
    }

    #[test]
    fn a_public_address_is_refused() {
        let text = DEFAULT_CONFIG.replace("address = \"203.0.113.80\"", "address = \"8.8.8.8\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "web.address");
        assert!(
            err.reason
                .contains("never uses addresses of the real internet"),
            "{err}"
        );
        assert_eq!(
            text.lines().nth(err.line - 1).unwrap(),
            "address = \"8.8.8.8\""
        );
    }

    #[test]
    fn two_hosts_on_one_address_are_refused() {
        let text =
            DEFAULT_CONFIG.replace("address = \"203.0.113.81\"", "address = \"203.0.113.80\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "was.address");
        assert!(err.reason.contains("already web.address's"), "{err}");
    }

    #[test]
    fn a_host_off_every_link_is_refused() {
        let text =
            DEFAULT_CONFIG.replace("address = \"203.0.113.81\"", "address = \"203.0.113.181\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "link");
        assert!(err.reason.contains("203.0.113.181 is on 0 links"), "{err}");
    }

    #[test]
    fn loopback_and_documentation_addresses_do_not_mix() {
        let text = DEFAULT_CONFIG.replace("address = \"203.0.113.81\"", "address = \"127.0.0.81\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "was.address");
        assert!(
            err.reason.contains("mixes loopback and documentation"),
            "{err}"
        );
    }

    #[test]
    fn unknown_roles_and_missing_zone_files_are_refused() {
        let text = DEFAULT_CONFIG.replacen("role = \"tld\"", "role = \"tdl\"", 1);
        assert_eq!(parse(&text).unwrap_err().key, "dns[2].role");
        let text = DEFAULT_CONFIG.replace("google.com.=google.com.zone", "google.com.=nope.zone");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "dns[4].zones");
        assert!(err.reason.contains("does not exist"), "{err}");
    }

    #[test]
    fn a_published_address_must_be_loopback() {
        let text = DEFAULT_CONFIG.replace("dns = \"127.0.0.1:1053\"", "dns = \"192.0.2.1:53\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "publish.dns");
        assert!(err.reason.contains("not a loopback address"), "{err}");
        let line = DEFAULT_CONFIG
            .lines()
            .position(|l| l.starts_with("dns = \"127.0.0.1:1053\""))
            .unwrap();
        assert_eq!(err.line, line + 1);
        let defaults = parse(DEFAULT_CONFIG).unwrap().publish;
        assert_eq!(defaults, Publish::default());
    }

    #[test]
    fn a_timeout_that_is_not_positive_is_refused() {
        for bad in ["-1.0", "0.0", "nan"] {
            let text = DEFAULT_CONFIG.replace(
                "upstream_timeout = 2.0",
                &format!("upstream_timeout = {bad}"),
            );
            let err = parse(&text).unwrap_err();
            assert_eq!(err.key, "web.upstream_timeout", "{bad}: {err}");
        }
    }

    #[test]
    fn a_lab_without_a_root_is_refused() {
        let text = DEFAULT_CONFIG.replace("role = \"root\"", "role = \"tld\"");
        assert!(
            parse(&text)
                .unwrap_err()
                .reason
                .contains("no server has role")
        );
    }

    /// Every check's reason: the English as it has always been worded, the Korean in Korean
    /// with the values as they were written.
    #[test]
    fn every_reason_is_said_in_english_as_before_and_in_korean() {
        use crate::network::TopologyProblem;
        use text::Lang;
        let v4 = |a: &str| -> Ipv4Addr { a.parse().unwrap() };
        let cases: Vec<(ConfigProblem, &str)> = vec![
            (
                ConfigProblem::NotIpv4("x".into()),
                "\"x\" is not an IPv4 address",
            ),
            (
                ConfigProblem::RealInternet(v4("8.8.8.8")),
                "8.8.8.8 is neither in the documentation ranges (192.0.2.0/24, 198.51.100.0/24, \
                 203.0.113.0/24) nor on loopback (127.0.0.0/8): the lab never uses addresses of \
                 the real internet",
            ),
            (
                ConfigProblem::MixedPlacement(v4("127.0.0.81")),
                "127.0.0.81 mixes loopback and documentation addresses: a lab is either a \
                 network of namespaces or all on loopback",
            ),
            (
                ConfigProblem::AddressTaken {
                    addr: "203.0.113.80".parse().unwrap(),
                    by: "web.address".into(),
                },
                "203.0.113.80 is already web.address's: every host has its own address",
            ),
            (
                ConfigProblem::NotIpv6("x".into()),
                "\"x\" is not an IPv6 address",
            ),
            (
                ConfigProblem::NotDocumentationV6("2001:db9::1".parse().unwrap()),
                "2001:db9::1 is not in the documentation range 2001:db8::/32",
            ),
            (
                ConfigProblem::UnknownRole("tdl".into()),
                "\"tdl\" is not one of root, tld, authoritative",
            ),
            (
                ConfigProblem::NotOriginFile("com.".into()),
                "\"com.\" is not ORIGIN=FILE",
            ),
            (
                ConfigProblem::OriginNotAName("a..b".into()),
                "\"a..b\" is not a domain name",
            ),
            (
                ConfigProblem::NoZoneFile("/z/nope.zone".into()),
                "zone file /z/nope.zone does not exist",
            ),
            (
                ConfigProblem::NoRoot,
                "no server has role \"root\": the resolver would have no root hints",
            ),
            (
                ConfigProblem::NotHostUrl("google.com".into()),
                "\"google.com\" is not HOST=URL",
            ),
            (
                ConfigProblem::NotPositiveSeconds(-1.5),
                "-1.5 is not a positive number of seconds",
            ),
            (
                ConfigProblem::BadHsts("1 day".into()),
                "\"1 day\": expected max-age=SECONDS[; includeSubDomains]",
            ),
            (
                ConfigProblem::BadDatabase("mysql://x".into()),
                "\"mysql://x\" is neither sqlite://FILE nor postgres://...",
            ),
            (
                ConfigProblem::NotSubnet("192.0.2.0".into()),
                "\"192.0.2.0\" is not ADDRESS/PREFIX",
            ),
            (
                ConfigProblem::NotIpAddress("x".into()),
                "\"x\" is not an IP address",
            ),
            (
                ConfigProblem::NotPrefixLength("x".into()),
                "\"x\" is not a prefix length",
            ),
            (
                ConfigProblem::BadPrefixLength {
                    len: 33,
                    addr: "192.0.2.0".parse().unwrap(),
                },
                "/33 is not a prefix length for 192.0.2.0",
            ),
            (
                ConfigProblem::NotDocumentationSubnet,
                "not an IPv4 subnet of the documentation ranges",
            ),
            (
                ConfigProblem::NoIpv6Subnet,
                "missing: every link has an IPv6 subnet too (the lab is dual-stack)",
            ),
            (
                ConfigProblem::NotDocumentationSubnetV6,
                "not an IPv6 subnet of 2001:db8::/32",
            ),
            (
                ConfigProblem::RouterWithoutAddresses,
                "missing: a router needs its addresses",
            ),
            (
                ConfigProblem::NotSocketAddress("x".into()),
                "\"x\" is not an address and port (127.0.0.1:1053)",
            ),
            (
                ConfigProblem::NotLoopback("192.0.2.1".parse().unwrap()),
                "192.0.2.1 is not a loopback address: the lab is published to this machine \
                 only, never to a network",
            ),
            (
                ConfigProblem::Topology(TopologyProblem::AddressOnLinks {
                    node: "was".into(),
                    addr: "203.0.113.181".parse().unwrap(),
                    links: 0,
                }),
                "was's address 203.0.113.181 is on 0 links: every address must be in the subnet \
                 of exactly one [[link]]",
            ),
            (
                ConfigProblem::Topology(TopologyProblem::NotDualStack { node: "was".into() }),
                "was needs an IPv4 and an IPv6 address: the lab is dual-stack",
            ),
            (
                ConfigProblem::Topology(TopologyProblem::LinkJoinsNothing { link: "dc".into() }),
                "link dc has fewer than two hosts on it: it joins nothing",
            ),
            (
                ConfigProblem::Topology(TopologyProblem::NotARouter { node: "was".into() }),
                "was is on several links but is not a router",
            ),
            (
                ConfigProblem::Topology(TopologyProblem::LinksUnreached { node: "was".into() }),
                "was cannot reach every link: the routers do not join them all",
            ),
        ];
        // The config's own words, as written in it.
        let tokens = [
            "ORIGIN", "FILE", "HOST", "ADDRESS", "PREFIX", "SECONDS", "root", "tld", "dc", "was",
        ];
        for (problem, english) in cases {
            assert_eq!(problem.to_string(), english);
            assert_eq!(problem.describe(Lang::En), english);
            test_support::korean::assert_korean(&problem.describe(Lang::Ko), &tokens);
        }
        // The whole error: where, then why; English as before.
        let text = DEFAULT_CONFIG.replace("address = \"203.0.113.80\"", "address = \"8.8.8.8\"");
        let err = parse(&text).unwrap_err();
        let line = err.line;
        assert_eq!(
            err.describe(Lang::En),
            format!("lab.toml:{line}: web.address: {}", err.reason)
        );
        assert_eq!(
            err.describe(Lang::Ko),
            format!(
                "lab.toml:{line}: web.address: 8.8.8.8 주소는 문서용 주소 범위(192.0.2.0/24, \
                 198.51.100.0/24, 203.0.113.0/24)에도 루프백(127.0.0.0/8)에도 들지 않습니다. \
                 랩은 실제 인터넷의 주소를 쓰지 않습니다"
            )
        );
        // A check with no line of its own names the file alone.
        let err = parse(&DEFAULT_CONFIG.replace("role = \"root\"", "role = \"tld\"")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "lab.toml: dns: no server has role \"root\": the resolver would have no root hints"
        );
        assert!(
            err.describe(Lang::Ko)
                .starts_with("lab.toml: dns: 역할이 \"root\"인 서버가"),
            "{}",
            err.describe(Lang::Ko)
        );
    }

    #[test]
    fn relative_sqlite_paths_are_anchored_at_the_config() {
        let text = DEFAULT_CONFIG.replace(
            "# database = \"sqlite://lab.db\"",
            "database = \"sqlite://lab.db\"",
        );
        let lab = LabConfig::parse(&text, "x.toml", Path::new("/srv/lab")).unwrap_err();
        // /srv/lab has no zones: the zone check comes first, so anchor at the real tree.
        assert_eq!(lab.key, "dns[0].zones");
        let lab = parse(&text).unwrap();
        assert_eq!(
            lab.was.database,
            format!("sqlite://{}", default_base_dir().join("lab.db").display())
        );
    }
}
