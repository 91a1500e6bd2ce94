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

/// The newest running lab of this user, or why there is none.
pub fn find_running() -> Result<LabState, String> {
    let dir = state_dir();
    let entries = std::fs::read_dir(&dir)
        .map_err(|_| format!("no lab is running (nothing in {})", dir.display()))?;
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
    found.pop().map(|(_, state)| state).ok_or_else(|| {
        format!(
            "no lab is running (start one with `roundtrip lab up`; looked in {})",
            dir.display()
        )
    })
}
