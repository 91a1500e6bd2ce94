//! HTTP Strict Transport Security (RFC 6797): the hosts the browser reaches over `https://`
//! only, kept beside its host cache (step 1 of THE-FLOW.md: what the browser knows before any
//! packet).
//!
//! Two sources, as in every browser:
//! - the **preload list** built into the browser ([`PRELOAD`]): names known to be HTTPS-only
//!   before the first visit. It holds `google.com` with its subdomains, as Chromium's does — and
//!   so the lab's `google.com`;
//! - the **store**: what `Strict-Transport-Security` headers said (§6.1), each entry until its
//!   `max-age` runs out, kept in a profile file between runs ([`crate::profile`]).
//!
//! A lookup enters at [`Hsts::lookup`] (§8.2: the host itself, or a superdomain whose entry has
//! `includeSubDomains`; never an IP literal); a header enters at [`Hsts::observe`], which the
//! browser calls only for responses over `https://` with a valid certificate (§8.1: a header over
//! plain HTTP is ignored). `max-age=0` forgets the host (§6.1.1).

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use text::{Lang, t};

use crate::hosts_file::normalise;

const VERSION: u32 = 1;

/// The built-in preload list: (domain, includeSubDomains).
pub const PRELOAD: &[(&str, bool)] = &[("google.com", true)];

/// One remembered host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HstsEntry {
    /// Whether its subdomains are HTTPS-only too.
    pub include_subdomains: bool,
    /// When the header was received (Unix seconds).
    pub stored: u64,
    /// When the entry expires (Unix seconds): `stored` + max-age.
    pub expires: u64,
}

/// Why a host is HTTPS-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum HstsMatch {
    /// The built-in preload list names `domain` (the host, or a superdomain of it).
    Preload {
        domain: String,
        include_subdomains: bool,
    },
    /// A `Strict-Transport-Security` header from `domain`, `expires_in` seconds left.
    Stored {
        domain: String,
        include_subdomains: bool,
        expires_in: u64,
    },
}

/// A `Strict-Transport-Security` header's directives (RFC 6797 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StsDirectives {
    /// `max-age`, in seconds.
    pub max_age: u64,
    /// `includeSubDomains` was present.
    pub include_subdomains: bool,
}

/// What a header did to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// The host is remembered as HTTPS-only for `max_age` seconds.
    Stored {
        max_age: u64,
        include_subdomains: bool,
    },
    /// `max-age=0`: the host is forgotten.
    Removed,
}

/// Why a `Strict-Transport-Security` header was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// The browser keeps no store (`--no-hsts`).
    NoStore,
    /// It came over plain `http://` (§8.1).
    PlainHttp,
    /// The host is an IP address (§8.1.1).
    IpLiteral { host: String },
    /// The header does not parse (§6.1).
    Invalid(StsError),
}

impl Ignored {
    /// The reason in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Ignored::NoStore => t!(lang, "hsts-no-store"),
            Ignored::PlainHttp => t!(lang, "hsts-plain-http"),
            Ignored::IpLiteral { host } => t!(lang, "hsts-ip-literal", host = host),
            Ignored::Invalid(why) => why.describe(lang),
        }
    }
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// Why a `Strict-Transport-Security` value does not parse (RFC 6797 §6.1). Quoted values are
/// shown as received, in Rust's debug quoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsError {
    /// Not `name` or `name=value` with a token name.
    NotADirective(String),
    /// A directive given twice.
    Twice(String),
    /// `max-age` without `=`.
    MaxAgeNoValue,
    /// `max-age` not a number.
    MaxAgeNotSeconds(String),
    /// `includeSubDomains=...`.
    IncludeSubDomainsValue,
    /// No `max-age`.
    NoMaxAge,
    /// A value that is neither a token nor a quoted string.
    NotTokenOrQuoted(String),
    /// A quoted string without its closing quote.
    QuoteNotClosed(String),
    /// A quoted string ending in `\`.
    EndsInBackslash,
    /// A `"` inside a quoted string.
    QuoteInside(String),
}

impl StsError {
    /// The reason in `lang` (directive names stay as on the wire).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            StsError::NotADirective(d) => t!(lang, "hsts-not-a-directive", directive = d),
            StsError::Twice(name) => t!(lang, "hsts-twice", name = name),
            StsError::MaxAgeNoValue => t!(lang, "hsts-max-age-no-value"),
            StsError::MaxAgeNotSeconds(v) => t!(lang, "hsts-max-age-not-seconds", value = v),
            StsError::IncludeSubDomainsValue => t!(lang, "hsts-include-subdomains-value"),
            StsError::NoMaxAge => t!(lang, "hsts-no-max-age"),
            StsError::NotTokenOrQuoted(v) => t!(lang, "hsts-not-token", value = v),
            StsError::QuoteNotClosed(v) => t!(lang, "hsts-quote-not-closed", value = v),
            StsError::EndsInBackslash => t!(lang, "hsts-ends-in-backslash"),
            StsError::QuoteInside(v) => t!(lang, "hsts-quote-inside", value = v),
        }
    }
}

impl std::fmt::Display for StsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl crate::profile::Expiring for HstsEntry {
    fn expires(&self) -> u64 {
        self.expires
    }
}

/// The preload list and the store.
#[derive(Debug)]
pub struct Hsts {
    store: crate::profile::Store<HstsEntry>,
}

impl Default for Hsts {
    fn default() -> Self {
        Hsts {
            store: crate::profile::Store::in_memory(VERSION),
        }
    }
}

impl Hsts {
    /// A store that lives only as long as the process (the preload list still applies).
    pub fn in_memory() -> Hsts {
        Hsts::default()
    }

    /// Where the store lives by default: `$XDG_CACHE_HOME/roundtrip/hsts.json`, or
    /// `~/.cache/roundtrip/hsts.json`.
    pub fn default_path() -> Option<PathBuf> {
        crate::profile::default_path("hsts.json")
    }

    /// Opens the store at `path` (empty without a file); a file that is not a store is moved
    /// aside, and the second value says so.
    pub fn open(path: &Path) -> (Hsts, Option<crate::profile::ProfileWarning>) {
        let kind = crate::profile::ProfileKind::HstsStore;
        let (store, warning) = crate::profile::Store::open(path, kind, VERSION);
        (Hsts { store }, warning)
    }

    /// Why `host` must be reached over https, if it must (§8.2). The store is asked first: a
    /// header is the site's own latest word.
    pub fn lookup(&self, host: &str, now: u64) -> Option<HstsMatch> {
        let host = normalise(host);
        if is_ip_literal(&host) {
            return None;
        }
        for (i, domain) in superdomains(&host).enumerate() {
            let own = i == 0;
            if let Some(entry) = self.store.get(domain, now)
                && (own || entry.include_subdomains)
            {
                return Some(HstsMatch::Stored {
                    domain: domain.to_owned(),
                    include_subdomains: entry.include_subdomains,
                    expires_in: entry.expires - now,
                });
            }
        }
        for (i, domain) in superdomains(&host).enumerate() {
            if let Some((name, subdomains)) = PRELOAD.iter().find(|(name, _)| *name == domain)
                && (i == 0 || *subdomains)
            {
                return Some(HstsMatch::Preload {
                    domain: (*name).to_owned(),
                    include_subdomains: *subdomains,
                });
            }
        }
        None
    }

    /// Takes in a `Strict-Transport-Security` header `value` received from `host` over a secure
    /// connection (§8.1). A header that does not parse is ignored, as §8.1 says, and the reason
    /// returned; an IP literal host is never stored.
    pub fn observe(&mut self, host: &str, value: &str, now: u64) -> Result<Observed, Ignored> {
        let host = normalise(host);
        if is_ip_literal(&host) {
            return Err(Ignored::IpLiteral { host });
        }
        let directives = parse_sts(value).map_err(Ignored::Invalid)?;
        if directives.max_age == 0 {
            self.store.hosts.remove(&host);
            return Ok(Observed::Removed);
        }
        self.store.hosts.insert(
            host,
            HstsEntry {
                include_subdomains: directives.include_subdomains,
                stored: now,
                expires: now.saturating_add(directives.max_age),
            },
        );
        Ok(Observed::Stored {
            max_age: directives.max_age,
            include_subdomains: directives.include_subdomains,
        })
    }

    /// Every unexpired stored entry, by name.
    pub fn list(&self, now: u64) -> Vec<(&str, &HstsEntry)> {
        self.store.list(now)
    }

    /// Forgets every stored entry (the preload list stays: it is built in).
    pub fn clear(&mut self) {
        self.store.hosts.clear();
    }

    /// Writes the unexpired entries to the store's file (if it has one), atomically.
    pub fn save(&self, now: u64) -> io::Result<()> {
        self.store.save(now)
    }
}

/// `a.b.c`, `b.c`, `c`.
fn superdomains(host: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(host), |h| h.split_once('.').map(|(_, rest)| rest))
        .filter(|h| !h.is_empty())
}

fn is_ip_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok()
}

/// Parses a `Strict-Transport-Security` value (RFC 6797 §6.1): directives separated by `;`,
/// names case-insensitive, values a token or a quoted-string; `max-age` required, once; a
/// directive given twice makes the header invalid (§6.1); unknown directives are ignored.
pub fn parse_sts(value: &str) -> Result<StsDirectives, StsError> {
    let mut max_age = None;
    let mut include_subdomains = false;
    let mut seen: Vec<String> = Vec::new();
    for directive in value.split(';') {
        let directive = directive.trim_matches([' ', '\t']);
        if directive.is_empty() {
            continue;
        }
        let (name, raw_value) = match directive.split_once('=') {
            Some((name, value)) => (
                name.trim_matches([' ', '\t']),
                Some(value.trim_matches([' ', '\t'])),
            ),
            None => (directive, None),
        };
        let name = name.to_ascii_lowercase();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(StsError::NotADirective(format!("{directive:?}")));
        }
        if seen.contains(&name) {
            return Err(StsError::Twice(name));
        }
        seen.push(name.clone());
        let value = raw_value.map(unquote).transpose()?;
        match name.as_str() {
            "max-age" => {
                let digits = value.ok_or(StsError::MaxAgeNoValue)?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(StsError::MaxAgeNotSeconds(format!("{digits:?}")));
                }
                // A longer max-age than u64 seconds is as good as forever.
                max_age = Some(digits.parse::<u64>().unwrap_or(u64::MAX));
            }
            "includesubdomains" => {
                if value.is_some() {
                    return Err(StsError::IncludeSubDomainsValue);
                }
                include_subdomains = true;
            }
            _ => {}
        }
    }
    Ok(StsDirectives {
        max_age: max_age.ok_or(StsError::NoMaxAge)?,
        include_subdomains,
    })
}

/// A token as it is, or a quoted-string's content (backslash escapes undone).
fn unquote(value: &str) -> Result<String, StsError> {
    let Some(inner) = value.strip_prefix('"') else {
        if value.bytes().all(is_token_byte) {
            return Ok(value.to_owned());
        }
        return Err(StsError::NotTokenOrQuoted(format!("{value:?}")));
    };
    let inner = inner
        .strip_suffix('"')
        .ok_or_else(|| StsError::QuoteNotClosed(format!("{value:?}")))?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().ok_or(StsError::EndsInBackslash)?),
            '"' => return Err(StsError::QuoteInside(format!("{value:?}"))),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// RFC 9110 §5.6.2 tchar.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_grammar_of_rfc_6797() {
        let d = parse_sts("max-age=31536000; includeSubDomains").unwrap();
        assert_eq!((d.max_age, d.include_subdomains), (31_536_000, true));
        let d = parse_sts("MAX-AGE=\"60\";preload").unwrap();
        assert_eq!(
            (d.max_age, d.include_subdomains),
            (60, false),
            "quoted, unknown ignored"
        );
        assert_eq!(parse_sts("  max-age=0 ; ").unwrap().max_age, 0);
        for bad in [
            "",
            "includeSubDomains",
            "max-age=abc",
            "max-age=-1",
            "max-age=",
            "max-age=1; max-age=2",
            "max-age=1; includeSubDomains; includesubdomains",
            "max-age=1; includeSubDomains=yes",
            "max-age=\"1",
            "max age=1",
        ] {
            assert!(parse_sts(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            parse_sts("max-age=99999999999999999999999")
                .unwrap()
                .max_age,
            u64::MAX
        );
    }

    #[test]
    fn the_preload_list_covers_google_and_its_subdomains_not_its_lookalikes() {
        let hsts = Hsts::in_memory();
        let preload = |domain: &str| HstsMatch::Preload {
            domain: domain.into(),
            include_subdomains: true,
        };
        assert_eq!(
            hsts.lookup("www.google.com", 0),
            Some(preload("google.com"))
        );
        assert_eq!(hsts.lookup("Google.COM.", 0), Some(preload("google.com")));
        assert_eq!(hsts.lookup("notgoogle.com", 0), None);
        assert_eq!(hsts.lookup("google.com.example", 0), None);
        assert_eq!(hsts.lookup("example.com", 0), None);
        assert_eq!(hsts.lookup("203.0.113.80", 0), None, "never an IP literal");
    }

    #[test]
    fn a_header_is_remembered_for_its_max_age_with_or_without_subdomains() {
        let mut hsts = Hsts::in_memory();
        assert_eq!(
            hsts.observe("example.com", "max-age=100", 1000),
            Ok(Observed::Stored {
                max_age: 100,
                include_subdomains: false
            })
        );
        assert!(matches!(
            hsts.lookup("example.com", 1050),
            Some(HstsMatch::Stored { expires_in: 50, .. })
        ));
        assert_eq!(
            hsts.lookup("www.example.com", 1050),
            None,
            "no includeSubDomains"
        );
        assert_eq!(hsts.lookup("example.com", 1100), None, "expired");
        hsts.observe("example.com", "max-age=100; includeSubDomains", 1000)
            .unwrap();
        assert!(hsts.lookup("a.b.example.com", 1050).is_some());
        assert_eq!(
            hsts.observe("example.com", "max-age=0", 1060),
            Ok(Observed::Removed)
        );
        assert_eq!(hsts.lookup("example.com", 1061), None);
        assert!(hsts.observe("192.0.2.1", "max-age=100", 0).is_err());
        assert!(hsts.observe("example.org", "max-age=x", 0).is_err());
        assert!(hsts.list(0).is_empty(), "a bad header changes nothing");
    }

    #[test]
    fn the_store_survives_the_process_and_clearing_keeps_the_preload_list() {
        let dir = std::env::temp_dir().join(format!("rt-hsts-{}", std::process::id()));
        let path = dir.join("hsts.json");
        let (mut hsts, warning) = Hsts::open(&path);
        assert!(warning.is_none());
        hsts.observe("example.com", "max-age=600; includeSubDomains", 100)
            .unwrap();
        hsts.save(100).unwrap();
        let (mut reopened, _) = Hsts::open(&path);
        assert_eq!(reopened.list(200).len(), 1);
        reopened.clear();
        assert!(reopened.list(200).is_empty());
        assert!(reopened.lookup("www.google.com", 200).is_some(), "built in");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn why_a_header_was_ignored_is_told_in_korean_and_english_as_it_was() {
        use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};
        let mut hsts = Hsts::in_memory();
        let mut reasons = vec![Ignored::NoStore, Ignored::PlainHttp];
        for (host, value) in [
            ("192.0.2.1", "max-age=1"),
            ("example.org", "max-age=x"),
            ("example.org", "max-age=1; max-age=2"),
            ("example.org", "includeSubDomains"),
            ("example.org", "max-age"),
            ("example.org", "max-age=1; includeSubDomains=yes"),
            ("example.org", "max-age=\"1"),
            ("example.org", "max age=1"),
        ] {
            reasons.push(hsts.observe(host, value, 0).unwrap_err());
        }
        // The directives and values as received stay as they are.
        let mut allowed = PROTOCOL_WORDS.to_vec();
        allowed.extend(["max-age", "includeSubDomains", "age", "max", "yes"]);
        for reason in &reasons {
            let korean = reason.describe(Lang::Ko);
            let english = english_outside_tokens(&korean, &allowed);
            assert!(english.is_empty(), "{reason:?}: {korean}: {english:?}");
            assert_eq!(reason.to_string(), reason.describe(Lang::En));
        }
        assert_eq!(
            reasons[2].to_string(),
            "192.0.2.1 is an IP address: HSTS applies to names only"
        );
        assert_eq!(
            reasons[3].to_string(),
            "max-age=\"x\" is not a number of seconds"
        );
        assert_eq!(
            reasons[4].to_string(),
            "the directive max-age appears twice"
        );
        assert_eq!(reasons[5].to_string(), "no max-age directive");
    }

    #[test]
    fn a_store_file_of_another_version_is_told_in_either_language() {
        let dir = std::env::temp_dir().join(format!("rt-hsts-version-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hsts.json");
        std::fs::write(&path, r#"{"version": 7, "hosts": {}}"#).unwrap();
        let (_, warning) = Hsts::open(&path);
        let warning = warning.unwrap();
        assert_eq!(
            warning.to_string(),
            format!(
                "{}: HSTS store version 7 is not 1; starting empty",
                path.display()
            )
        );
        assert_eq!(
            warning.describe(Lang::Ko),
            format!(
                "{}: HSTS 저장소 파일의 버전이 7입니다(이 프로그램은 1). 비어 있는 상태로 시작합니다",
                path.display()
            )
        );
        std::fs::write(&path, "not json").unwrap();
        let (_, warning) = Hsts::open(&path);
        let korean = warning.unwrap().describe(Lang::Ko);
        assert!(
            korean.contains(": HSTS 저장소 파일이 아닙니다 ("),
            "{korean}"
        );
        assert!(
            korean.ends_with("(으)로 옮겨 두고 비어 있는 상태로 시작합니다"),
            "{korean}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
