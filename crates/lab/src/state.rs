//! Where a running lab can be found by other processes of its user: `roundtrip lab up` writes
//! `lab-PID.json` (its hosts and the threads that hold their namespaces) and a `resolv.conf`
//! naming the lab's resolver into the user's runtime directory, and removes them when it stops.
//! `roundtrip lab exec` reads the newest one whose process is alive and joins a host
//! ([`crate::netns::join_lab_host`]).

use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A running lab, as another process sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabState {
    /// The `roundtrip lab up` process.
    pub pid: i32,
    /// The browser's host, where `lab exec` goes by default.
    pub browser: String,
    /// Every host: name, role, and the thread of `pid` that holds its namespace.
    pub hosts: Vec<HostState>,
    /// The resolv.conf that points at the lab's resolver.
    pub resolv_conf: PathBuf,
}

/// One host of a running lab.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostState {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: String,
    /// The thread whose `/proc/PID/task/TID/ns/net` is the host's namespace.
    pub tid: i32,
}

/// The files of a published lab; removed when dropped.
#[derive(Debug)]
pub struct Published {
    files: Vec<PathBuf>,
}

impl Drop for Published {
    fn drop(&mut self) {
        for file in &self.files {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// The user's directory for running labs: `$XDG_RUNTIME_DIR/roundtrip`, else
/// `/tmp/roundtrip-UID` (UID outside any user namespace).
pub fn state_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("roundtrip"),
        None => std::env::temp_dir().join(format!("roundtrip-{}", real_uid())),
    }
}

fn real_uid() -> u32 {
    match crate::netns::isolation() {
        crate::netns::Isolation::UserNamespace { uid, .. } => *uid,
        // SAFETY: getuid has no preconditions.
        _ => unsafe { libc::getuid() },
    }
}

/// Publishes `lab` for `roundtrip lab exec`; `None` when it has no namespaces to join.
pub fn publish(lab: &crate::RunningLab) -> io::Result<Option<Published>> {
    let Some(network) = lab.network() else {
        return Ok(None);
    };
    let dir = state_dir();
    std::fs::create_dir_all(&dir)?;
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    let resolv_conf = dir.join(format!("resolv-{pid}.conf"));
    let config = &lab.config;
    let mut text = format!(
        "# The lab's resolver ({}), for programs run with `roundtrip lab exec`.\nnameserver {}\n",
        config.resolver.name, config.resolver.address
    );
    if let Some(v6) = config.resolver.address6 {
        text.push_str(&format!("nameserver {v6}\n"));
    }
    std::fs::write(&resolv_conf, text)?;
    let state = LabState {
        pid,
        browser: config.browser_name.clone(),
        hosts: network
            .hosts
            .iter()
            .map(|h| HostState {
                name: h.node.name.clone(),
                role: h.node.role.clone(),
                tid: h.netns.anchor_tid(),
            })
            .collect(),
        resolv_conf: resolv_conf.clone(),
    };
    let path = dir.join(format!("lab-{pid}.json"));
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&state).map_err(io::Error::other)?,
    )?;
    Ok(Some(Published {
        files: vec![path, resolv_conf],
    }))
}

/// Why no running lab was found ([`find_running`]). `Display` is English; [`NoLab::describe`]
/// says it in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoLab {
    /// The state directory cannot be read: no lab ever ran here.
    NothingIn(PathBuf),
    /// No file of a lab whose process is alive.
    NoneAlive(PathBuf),
}

impl NoLab {
    /// Why, in `lang`, with the directory looked in.
    pub fn describe(&self, lang: text::Lang) -> String {
        match self {
            NoLab::NothingIn(dir) => {
                text::t!(lang, "lab-none-nothing-in", dir = dir.display().to_string())
            }
            NoLab::NoneAlive(dir) => {
                text::t!(lang, "lab-none-alive", dir = dir.display().to_string())
            }
        }
    }
}

impl std::fmt::Display for NoLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl std::error::Error for NoLab {}

/// The newest running lab of this user, or why there is none.
pub fn find_running() -> Result<LabState, NoLab> {
    find_running_in(state_dir())
}

/// The newest running lab whose files are in `dir`.
fn find_running_in(dir: PathBuf) -> Result<LabState, NoLab> {
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Err(NoLab::NothingIn(dir));
    };
    let mut found: Vec<(std::time::SystemTime, LabState)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("lab-") && name.ends_with(".json")) {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let Ok(state) = serde_json::from_slice::<LabState>(&bytes) else {
            continue;
        };
        // A lab that died without cleaning up leaves its file: skip it.
        if !std::path::Path::new(&format!("/proc/{}", state.pid)).exists() {
            continue;
        }
        let at = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((at, state));
    }
    found.sort_by_key(|(at, _)| *at);
    found
        .pop()
        .map(|(_, state)| state)
        .ok_or(NoLab::NoneAlive(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_lab_is_said_in_english_as_before_and_in_korean() {
        let missing = PathBuf::from("/nonexistent-rt/roundtrip");
        let err = find_running_in(missing.clone()).unwrap_err();
        assert_eq!(err, NoLab::NothingIn(missing));
        assert_eq!(
            err.to_string(),
            "no lab is running (nothing in /nonexistent-rt/roundtrip)"
        );
        let dir = std::env::temp_dir().join(format!("rt-nolab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A lab that died without cleaning up: its file is there, its process is not.
        std::fs::write(
            dir.join("lab-999999999.json"),
            r#"{"pid":999999999,"browser":"laptop","hosts":[],"resolv_conf":"/x"}"#,
        )
        .unwrap();
        let err = find_running_in(dir.clone()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "no lab is running (start one with `roundtrip lab up`; looked in {})",
                dir.display()
            )
        );
        let korean = err.describe(text::Lang::Ko);
        assert!(korean.contains("`roundtrip lab up`"), "{korean}");
        test_support::korean::assert_korean(&korean, &["roundtrip", "lab", "up"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
