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
use text::{Lang, t};

#[derive(Serialize, Deserialize)]
struct ProfileFile<T> {
    version: u32,
    hosts: BTreeMap<String, T>,
}

/// Which profile file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    /// The host cache (`hosts.json`).
    HostCache,
    /// The HSTS store (`hsts.json`).
    HstsStore,
}

impl ProfileKind {
    fn describe(self, lang: Lang) -> String {
        match self {
            ProfileKind::HostCache => t!(lang, "profile-host-cache"),
            ProfileKind::HstsStore => t!(lang, "profile-hsts-store"),
        }
    }
}

/// Why a profile file was not used: the browser starts empty, and says so. The file's fault
/// (or this machine's, when it cannot be read), never a reason to refuse to browse.
#[derive(Debug)]
pub struct ProfileWarning {
    /// The file.
    pub path: PathBuf,
    /// Which profile it holds.
    pub kind: ProfileKind,
    /// What was wrong with it.
    pub problem: ProfileProblem,
}

/// What was wrong with a profile file.
#[derive(Debug)]
pub enum ProfileProblem {
    /// It exists but cannot be read.
    Unreadable(io::Error),
    /// It is another version's.
    Version { found: u32, expected: u32 },
    /// It is not a profile file; it was moved aside to `aside`.
    Corrupt { error: String, aside: PathBuf },
}

impl ProfileWarning {
    /// The warning in `lang`, one line.
    pub fn describe(&self, lang: Lang) -> String {
        let path = self.path.display().to_string();
        let what = self.kind.describe(lang);
        match &self.problem {
            ProfileProblem::Unreadable(err) => t!(
                lang,
                "profile-unreadable",
                path = path,
                what = what,
                error = text::io_error(lang, err)
            ),
            ProfileProblem::Version { found, expected } => t!(
                lang,
                "profile-version",
                path = path,
                what = what,
                found = *found,
                expected = *expected
            ),
            ProfileProblem::Corrupt { error, aside } => t!(
                lang,
                "profile-corrupt",
                path = path,
                what = what,
                error = error,
                aside = aside.display().to_string()
            ),
        }
    }
}

impl std::fmt::Display for ProfileWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
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

    /// The store in `path` ([`load`]: `kind` names it in the warning).
    pub fn open(
        path: &Path,
        kind: ProfileKind,
        version: u32,
    ) -> (Store<T>, Option<ProfileWarning>) {
        let (hosts, warning) = load(path, kind, version);
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

/// The records in `path`; empty when there is no file, and with a warning when the file could
/// not be used.
fn load<T: DeserializeOwned>(
    path: &Path,
    kind: ProfileKind,
    version: u32,
) -> (BTreeMap<String, T>, Option<ProfileWarning>) {
    let warning = |problem| {
        Some(ProfileWarning {
            path: path.to_path_buf(),
            kind,
            problem,
        })
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return (BTreeMap::new(), None),
        Err(err) => return (BTreeMap::new(), warning(ProfileProblem::Unreadable(err))),
    };
    match serde_json::from_str::<ProfileFile<T>>(&text) {
        Ok(file) if file.version == version => (file.hosts, None),
        Ok(file) => (
            BTreeMap::new(),
            warning(ProfileProblem::Version {
                found: file.version,
                expected: version,
            }),
        ),
        Err(err) => {
            let aside = path.with_extension("json.corrupt");
            let _ = std::fs::rename(path, &aside);
            let problem = ProfileProblem::Corrupt {
                error: err.to_string(),
                aside,
            };
            (BTreeMap::new(), warning(problem))
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
