//! The lab's topology from one TOML file: hosts, addresses, ports, zones, the site, the WAS and
//! its database. `lab/lab.toml` is the default (printed by `roundtrip lab config`).
//!
//! A config enters at [`LabConfig::load`] (or [`LabConfig::parse`]). It is read in two passes:
//! serde checks the shape (unknown keys are refused, so a typo is not silently ignored), then
//! [`LabConfig::parse`] checks the meaning: loopback addresses, one address per host, known
//! roles, zones that exist, at least one root. Every refusal names the file, the line and the
//! key, and says why.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// The default config, as shipped in `lab/lab.toml`.
pub const DEFAULT_CONFIG: &str = include_str!("../../../lab/lab.toml");

/// A bad config: where and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {reason}")]
pub struct ConfigError {
    /// The config file (or `<default>`).
    pub file: String,
    /// 1-based line of the offending value.
    pub line: usize,
    /// The key, dotted: `web.address`, `dns[2].zones`.
    pub key: String,
    /// Why it is refused.
    pub reason: String,
}

/// The lab, checked.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// The port every lab DNS server (and the resolver) listens on.
    pub dns_port: u16,
    /// The web server's port.
    pub http_port: u16,
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
}

/// The recursive resolver of the lab.
#[derive(Debug, Clone)]
pub struct ResolverHost {
    /// Its name in the story.
    pub name: String,
    /// Its address.
    pub address: Ipv4Addr,
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
    /// Path prefixes handed to the WAS.
    pub proxy: Vec<String>,
    /// Hosts that only redirect: (host, target base URL).
    pub redirects: Vec<(String, String)>,
    /// Seconds the WAS has to answer.
    pub upstream_timeout: f64,
}

/// The application server of the lab.
#[derive(Debug, Clone)]
pub struct WasHost {
    /// Its host name.
    pub name: String,
    /// Its address.
    pub address: Ipv4Addr,
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
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        LabConfig::parse(&text, &path.display().to_string(), base)
    }

    /// Checks a config's text; `file` names it in errors, `base` anchors relative paths.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<LabConfig, ConfigError> {
        let error = |span: Option<Range<usize>>, key: &str, reason: String| ConfigError {
            file: file.to_owned(),
            line: span.map_or(0, |s| line_of(text, s.start)),
            key: key.to_owned(),
            reason,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let reason = err.message().to_owned();
            error(err.span(), &key_of(&reason), reason)
        })?;

        let mut seen: HashMap<Ipv4Addr, String> = HashMap::new();
        let mut address = |value: &Spanned<String>, key: &str| -> Result<Ipv4Addr, ConfigError> {
            let span = Some(value.span());
            let addr: Ipv4Addr = value.get_ref().parse().map_err(|_| {
                error(
                    span.clone(),
                    key,
                    format!("{:?} is not an IPv4 address", value.get_ref()),
                )
            })?;
            if !addr.is_loopback() {
                return Err(error(
                    span,
                    key,
                    format!("{addr} is not a loopback address: the lab lives in 127.0.0.0/8"),
                ));
            }
            if let Some(other) = seen.insert(addr, key.to_owned()) {
                return Err(error(
                    span,
                    key,
                    format!("{addr} is already {other}'s: every host has its own address"),
                ));
            }
            Ok(addr)
        };

        let browser = address(&raw.browser.address, "browser.address")?;
        let resolver = ResolverHost {
            name: raw.resolver.name.unwrap_or_else(|| "resolver".into()),
            address: address(&raw.resolver.address, "resolver.address")?,
            qname_minimisation: raw.resolver.qname_minimisation.unwrap_or(true),
        };
        let zones_dir = base.join(raw.paths.zones.unwrap_or_else(|| "zones".into()));
        let site_dir = base.join(raw.paths.site.unwrap_or_else(|| "site".into()));

        let mut dns = Vec::new();
        for (i, server) in raw.dns.iter().enumerate() {
            let key = |field: &str| format!("dns[{i}].{field}");
            let role = server.role.get_ref();
            if !["root", "tld", "authoritative"].contains(&role.as_str()) {
                return Err(error(
                    Some(server.role.span()),
                    &key("role"),
                    format!("{role:?} is not one of root, tld, authoritative"),
                ));
            }
            let address = address(&server.address, &key("address"))?;
            let mut zones = Vec::new();
            for zone in server.zones.get_ref() {
                let Some((origin, path)) = zone.split_once('=') else {
                    return Err(error(
                        Some(server.zones.span()),
                        &key("zones"),
                        format!("{zone:?} is not ORIGIN=FILE"),
                    ));
                };
                if dns::parse_name(origin).is_err() {
                    return Err(error(
                        Some(server.zones.span()),
                        &key("zones"),
                        format!("{origin:?} is not a domain name"),
                    ));
                }
                let path = zones_dir.join(path);
                if !path.is_file() {
                    return Err(error(
                        Some(server.zones.span()),
                        &key("zones"),
                        format!("zone file {} does not exist", path.display()),
                    ));
                }
                zones.push((origin.to_owned(), path));
            }
            dns.push(DnsServer {
                name: server.name.clone(),
                role: role.clone(),
                address,
                zones,
            });
        }
        if !dns.iter().any(|s| s.role == "root") {
            return Err(error(
                None,
                "dns",
                "no server has role \"root\": the resolver would have no root hints".into(),
            ));
        }

        let web = WebHost {
            name: raw.web.name,
            address: address(&raw.web.address, "web.address")?,
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
                                format!("{rule:?} is not HOST=URL"),
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
                        format!("{} is not a positive number of seconds", secs.get_ref()),
                    ));
                }
            },
        };
        let was_address = address(&raw.was.address, "was.address")?;
        let database = match raw.was.database {
            None => format!("sqlite://{}", default_database_path().display()),
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) if !path.starts_with('/') => {
                    format!("sqlite://{}", base.join(path).display())
                }
                Some(_) => url,
                None if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
                None => {
                    return Err(error(
                        None,
                        "was.database",
                        format!("{url:?} is neither sqlite://FILE nor postgres://..."),
                    ));
                }
            },
        };
        let was = WasHost {
            name: raw.was.name,
            address: was_address,
            database,
        };

        Ok(LabConfig {
            dns_port: raw.ports.dns.unwrap_or_else(crate::default_dns_port),
            http_port: raw.ports.http.unwrap_or_else(default_http_port),
            zones_dir,
            site_dir,
            browser,
            resolver,
            dns,
            web,
            was,
        })
    }

    /// The resolver's socket address.
    pub fn resolver_addr(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.resolver.address), self.dns_port)
    }

    /// The web server's socket address.
    pub fn web_addr(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.web.address), self.http_port)
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

/// The web server's port: 80 as root, 8080 otherwise (DESIGN.md).
pub fn default_http_port() -> u16 {
    if crate::default_dns_port() == 53 {
        80
    } else {
        8080
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
    browser: RawBrowser,
    resolver: RawResolver,
    dns: Vec<RawDns>,
    web: RawWeb,
    was: RawWas,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPorts {
    dns: Option<u16>,
    http: Option<u16>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    zones: Option<String>,
    site: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrowser {
    address: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResolver {
    name: Option<String>,
    address: Spanned<String>,
    qname_minimisation: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDns {
    name: String,
    role: Spanned<String>,
    address: Spanned<String>,
    zones: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    name: String,
    address: Spanned<String>,
    proxy: Option<Vec<String>>,
    redirects: Option<Spanned<Vec<String>>>,
    upstream_timeout: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWas {
    name: String,
    address: Spanned<String>,
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
        assert_eq!(lab.resolver.address, Ipv4Addr::new(127, 0, 0, 53));
        assert_eq!(lab.web.address, Ipv4Addr::new(127, 0, 0, 80));
        assert_eq!(lab.was.address, Ipv4Addr::new(127, 0, 0, 81));
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
        let text = DEFAULT_CONFIG.replace("[browser]\naddress", "[browser]\nadress");
        let err = parse(&text).unwrap_err();
        let line = DEFAULT_CONFIG
            .lines()
            .position(|l| l == "[browser]")
            .unwrap()
            + 2;
        assert_eq!((err.line, err.key.as_str()), (line, "adress"), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("lab.toml:{line}: adress: "))
        );
    }

    #[test]
    fn a_public_address_is_refused() {
        let text = DEFAULT_CONFIG.replace("address = \"127.0.0.80\"", "address = \"8.8.8.8\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "web.address");
        assert!(err.reason.contains("not a loopback address"), "{err}");
        assert_eq!(
            text.lines().nth(err.line - 1).unwrap(),
            "address = \"8.8.8.8\""
        );
    }

    #[test]
    fn two_hosts_on_one_address_are_refused() {
        let text = DEFAULT_CONFIG.replace("address = \"127.0.0.81\"", "address = \"127.0.0.80\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "was.address");
        assert!(err.reason.contains("already web.address's"), "{err}");
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
