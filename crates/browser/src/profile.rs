//! The browser's profile files: per-host records kept between runs (the host cache, the HSTS
//! store), as a browser keeps its profile.
//!
//! A file is JSON `{ "version": N, "hosts": { NAME: RECORD, ... } }`, written to a temporary
//! file and renamed into place, so a crash never leaves half a file; a file that cannot be read
//! is set aside (renamed `*.corrupt`) and the browser starts empty, saying so — a profile is
//! never worth refusing to browse for.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct ProfileFile<T> {
    version: u32,
    hosts: BTreeMap<String, T>,
}

/// A record that lives until a time (Unix seconds).
pub(crate) trait Expiring {
    /// When it expires.
    fn expires(&self) -> u64;
}

/// Records by host name, each until it expires, in memory and (with a path) in a profile file.
/// The host cache and the HSTS store are each one of these, with their own record type.
#[derive(Debug)]
pub(crate) struct Store<T> {
    path: Option<PathBuf>,
    version: u32,
    /// The records, by normalised host name (expired ones are skipped when read or saved).
    pub hosts: BTreeMap<String, T>,
}

impl<T: Expiring + Clone + Serialize + DeserializeOwned> Store<T> {
    /// A store that lives only as long as the process.
    pub fn in_memory(version: u32) -> Store<T> {
        Store {
            path: None,
            version,
            hosts: BTreeMap::new(),
        }
    }

    /// The store in `path` ([`load`]: `what` names it in the warning).
    pub fn open(path: &Path, what: &str, version: u32) -> (Store<T>, Option<String>) {
        let (hosts, warning) = load(path, what, version);
        let store = Store {
            path: Some(path.to_path_buf()),
            version,
            hosts,
        };
        (store, warning)
    }

    /// The record of `host` (normalised) if it has not expired.
    pub fn get(&self, host: &str, now: u64) -> Option<&T> {
        self.hosts.get(host).filter(|r| r.expires() > now)
    }

    /// Every unexpired record, by name.
    pub fn list(&self, now: u64) -> Vec<(&str, &T)> {
        self.hosts
            .iter()
            .filter(|(_, r)| r.expires() > now)
            .map(|(name, r)| (name.as_str(), r))
            .collect()
    }

    /// Writes the unexpired records to the file (if the store has one), atomically.
    pub fn save(&self, now: u64) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let hosts = self
            .list(now)
            .into_iter()
            .map(|(name, r)| (name.to_owned(), r.clone()))
            .collect();
        save(path, self.version, hosts)
    }
}

/// The records in `path` (`what` names them in warnings: "host cache"); empty when there is
/// no file, and with a warning when the file could not be used.
fn load<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    version: u32,
) -> (BTreeMap<String, T>, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return (BTreeMap::new(), None),
        Err(err) => {
            let warning = format!("{}: cannot read the {what}: {err}", path.display());
            return (BTreeMap::new(), Some(warning));
        }
    };
    match serde_json::from_str::<ProfileFile<T>>(&text) {
        Ok(file) if file.version == version => (file.hosts, None),
        Ok(file) => (
            BTreeMap::new(),
            Some(format!(
                "{}: {what} version {} is not {version}; starting empty",
                path.display(),
                file.version
            )),
        ),
        Err(err) => {
            let aside = path.with_extension("json.corrupt");
            let _ = std::fs::rename(path, &aside);
            (
                BTreeMap::new(),
                Some(format!(
                    "{}: not a {what} ({err}); moved to {} and starting empty",
                    path.display(),
                    aside.display()
                )),
            )
        }
    }
}

/// Writes `hosts` to `path` atomically (a temporary file renamed into place).
fn save<T: Serialize>(path: &Path, version: u32, hosts: BTreeMap<String, T>) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text =
        serde_json::to_string_pretty(&ProfileFile { version, hosts }).map_err(io::Error::other)?;
    let temporary = path.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// `$XDG_CACHE_HOME/roundtrip/FILE`, or `~/.cache/roundtrip/FILE`.
pub(crate) fn default_path(file: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("roundtrip").join(file))
}
