//! The browser's profile files: per-host records kept between runs (the host cache, the HSTS
//! store), as a browser keeps its profile.
//!
//! A file is JSON `{ "version": N, "hosts": { NAME: RECORD, ... } }`, written to a temporary
//! file and renamed into place, so a crash never leaves half a file; a file that cannot be read
//! is set aside (renamed `*.corrupt`) and the browser starts empty, saying so — a profile is
//! never worth refusing to browse for.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct ProfileFile<T> {
    version: u32,
    hosts: BTreeMap<String, T>,
}

/// The records in `path` (`what` names them in warnings: "host cache"); empty when there is
/// no file, and with a warning when the file could not be used.
pub(crate) fn load<T: DeserializeOwned>(
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
pub(crate) fn save<T: Serialize>(
    path: &Path,
    version: u32,
    hosts: BTreeMap<String, T>,
) -> io::Result<()> {
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
pub(crate) fn default_path(file: &str) -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("roundtrip").join(file))
}
