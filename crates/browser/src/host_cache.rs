//! The browser's own DNS cache (THE-FLOW.md step 1): host name -> addresses, each entry until
//! its TTL runs out, kept in a file between runs as a browser keeps its profile.
//!
//! Times are Unix seconds, because the file outlives the process; the file is a profile file
//! ([`crate::profile`]: written atomically, a corrupt one set aside).

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::hosts_file::normalise;

/// The cache file's format version.
const VERSION: u32 = 1;

/// One cached host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// Its addresses, in the order DNS gave them.
    pub addresses: Vec<IpAddr>,
    /// When it was stored (Unix seconds).
    pub stored: u64,
    /// When it expires (Unix seconds): `stored` + the answer's TTL.
    pub expires: u64,
}

impl crate::profile::Expiring for CacheEntry {
    fn expires(&self) -> u64 {
        self.expires
    }
}

/// The host cache, in memory and (when it has a path) on disk.
#[derive(Debug)]
pub struct HostCache {
    store: crate::profile::Store<CacheEntry>,
}

impl Default for HostCache {
    fn default() -> Self {
        HostCache {
            store: crate::profile::Store::in_memory(VERSION),
        }
    }
}

impl HostCache {
    /// A cache that lives only as long as the process (`--no-cache` uses none at all).
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Where the cache lives by default: `$XDG_CACHE_HOME/roundtrip/hosts.json`, or
    /// `~/.cache/roundtrip/hosts.json`.
    pub fn default_path() -> Option<PathBuf> {
        crate::profile::default_path("hosts.json")
    }

    /// Opens the cache at `path`: empty if there is no file; a file that is not a cache is
    /// moved aside, and the second value says so.
    pub fn open(path: &Path) -> (Self, Option<crate::profile::ProfileWarning>) {
        let kind = crate::profile::ProfileKind::HostCache;
        let (store, warning) = crate::profile::Store::open(path, kind, VERSION);
        (HostCache { store }, warning)
    }

    /// The unexpired addresses of `host` and the seconds they have left.
    pub fn get(&self, host: &str, now: u64) -> Option<(&[IpAddr], u64)> {
        let entry = self.store.get(&normalise(host), now)?;
        Some((entry.addresses.as_slice(), entry.expires - now))
    }

    /// Remembers `addresses` for `host` for `ttl` seconds from `now`. A TTL of 0 means "do not
    /// cache" (RFC 1035 §3.2.1), so nothing is stored.
    pub fn insert(&mut self, host: &str, addresses: Vec<IpAddr>, ttl: u32, now: u64) {
        if ttl == 0 || addresses.is_empty() {
            return;
        }
        self.store.hosts.insert(
            normalise(host),
            CacheEntry {
                addresses,
                stored: now,
                expires: now + u64::from(ttl),
            },
        );
    }

    /// Every unexpired entry, by name.
    pub fn list(&self, now: u64) -> Vec<(&str, &CacheEntry)> {
        self.store.list(now)
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.store.hosts.clear();
    }

    /// Writes the unexpired entries to the cache file (if it has one), atomically.
    pub fn save(&self, now: u64) -> io::Result<()> {
        self.store.save(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir()
            .join(format!("rt-hostcache-{}-{name}", std::process::id()))
            .join("hosts.json")
    }

    #[test]
    fn entries_live_as_long_as_their_ttl() {
        let mut cache = HostCache::in_memory();
        cache.insert("WWW.Google.com.", vec![ip("127.0.0.80")], 300, 1000);
        assert_eq!(
            cache.get("www.google.com", 1100),
            Some((&[ip("127.0.0.80")][..], 200))
        );
        assert_eq!(cache.get("www.google.com", 1300), None);
        cache.insert("zero.example", vec![ip("192.0.2.1")], 0, 1000);
        assert_eq!(cache.get("zero.example", 1000), None, "TTL 0 is not cached");
    }

    #[test]
    fn the_cache_survives_the_process_and_drops_expired_entries() {
        let path = temp_path("persist");
        let (mut cache, warning) = HostCache::open(&path);
        assert!(warning.is_none());
        cache.insert(
            "a.example",
            vec![ip("192.0.2.1"), ip("2001:db8::1")],
            60,
            100,
        );
        cache.insert("b.example", vec![ip("192.0.2.2")], 10, 100);
        cache.save(105).unwrap();
        let (reopened, _) = HostCache::open(&path);
        assert_eq!(reopened.get("a.example", 120).unwrap().0.len(), 2);
        cache.save(111).unwrap();
        let (reopened, _) = HostCache::open(&path);
        assert!(
            reopened.get("b.example", 105).is_none(),
            "expired when saved, so not saved"
        );
        assert_eq!(reopened.list(120).len(), 1);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_corrupt_file_is_set_aside_not_fatal() {
        let path = temp_path("corrupt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{ this is not json").unwrap();
        let (cache, warning) = HostCache::open(&path);
        assert!(cache.list(0).is_empty());
        assert!(warning.unwrap().to_string().contains("not a host cache"));
        assert!(path.with_extension("json.corrupt").exists());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
