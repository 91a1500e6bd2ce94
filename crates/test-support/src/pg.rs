//! A throwaway PostgreSQL cluster for one test: `initdb` into a temporary directory, the
//! postmaster on the test's own loopback address, stopped and removed on drop.
//!
//! The server programs come from Debian's `postgresql` package (`/usr/lib/postgresql/*/bin`,
//! not on the PATH). When they are missing, [`PgCluster::start`] prints a loud SKIPPED line and
//! returns `None`, as [`crate::Peer::find`] does; with `ROUNDTRIP_REQUIRE_PEERS=1` it panics.
//! `initdb` and `postgres` refuse to run as root, so as root (CI) every program runs as the
//! `postgres` user through `runuser -u postgres --`, in a directory that user owns.
//!
//! Only this cluster is ever stopped: `pg_ctl` acts on the postmaster whose PID is in this
//! cluster's own data directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A PostgreSQL cluster that belongs to one test.
pub struct PgCluster {
    /// The directory holding the data directory, the socket and the log.
    pub base: PathBuf,
    bin: PathBuf,
    addr: SocketAddr,
    run_as_postgres: bool,
    running: bool,
}

impl PgCluster {
    /// Creates a cluster and starts it listening on `addr` (a loopback address of the test's
    /// block; the Unix socket goes into the cluster's own directory). `None`, after a loud
    /// SKIPPED line, when PostgreSQL is not installed. Panics, with the server's log, when it
    /// is installed but does not start.
    pub fn start(addr: SocketAddr) -> Option<PgCluster> {
        let bin = find_bin()?;
        let run_as_postgres = running_as_root();
        let base = std::env::temp_dir().join(format!(
            "roundtrip-pg-{}-{}-{:x}",
            addr.ip(),
            std::process::id(),
            crate::entropy()
        ));
        std::fs::create_dir(&base)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", base.display()));
        if run_as_postgres {
            let ids = |flag: &str| -> u32 {
                let out = Command::new("id")
                    .args([flag, "postgres"])
                    .output()
                    .expect("id");
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse()
                    .expect("the postgres user exists (the postgresql package creates it)")
            };
            std::os::unix::fs::chown(&base, Some(ids("-u")), Some(ids("-g")))
                .unwrap_or_else(|err| panic!("cannot chown {}: {err}", base.display()));
        }
        let mut cluster = PgCluster {
            base,
            bin,
            addr,
            run_as_postgres,
            running: false,
        };
        let data = cluster.data_dir();
        let initdb = cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        assert!(
            initdb.status.success(),
            "initdb failed:\n{}{}",
            String::from_utf8_lossy(&initdb.stdout),
            String::from_utf8_lossy(&initdb.stderr)
        );
        cluster.start_again();
        Some(cluster)
    }

    /// The URL to connect to, as the `postgres` superuser, database `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@{}/postgres", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts the (stopped) server again and waits until it accepts connections.
    pub fn start_again(&mut self) {
        let options = format!(
            "-k {} -c listen_addresses={} -p {}",
            self.base.display(),
            self.addr.ip(),
            self.addr.port()
        );
        let data = self.data_dir();
        let log = self.log_file();
        let started = self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data),
                "-l",
                path_str(&log),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            started.status.success(),
            "PostgreSQL did not start on {}:\n{}{}\n{}",
            self.addr,
            String::from_utf8_lossy(&started.stdout),
            String::from_utf8_lossy(&started.stderr),
            self.log()
        );
        self.running = true;
    }

    /// Stops the server ("fast": sessions are ended, as when an operator stops the database).
    pub fn stop(&mut self) {
        self.stop_with("fast");
    }

    fn stop_with(&mut self, mode: &str) {
        if !self.running {
            return;
        }
        let data = self.data_dir();
        let _ = self.run(
            "pg_ctl",
            &["-D", path_str(&data), "-m", mode, "-w", "-t", "60", "stop"],
        );
        self.running = false;
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    fn data_dir(&self) -> PathBuf {
        self.base.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.base.join("postgres.log")
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin.join(program);
        let mut command = if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .current_dir(&self.base)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", program.display()))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop_with("immediate");
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`, `pg_ctl` and `postgres`.
fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|program| bin.join(program).is_file())
                .then_some((version, bin))
        })
        .collect();
    versions.sort();
    let found = versions.pop().map(|(_, bin)| bin);
    if found.is_none() {
        let message = "SKIPPED: PostgreSQL is not installed (apt-get install postgresql)";
        if std::env::var_os("ROUNDTRIP_REQUIRE_PEERS").is_some_and(|v| v == "1") {
            panic!("{message}, and ROUNDTRIP_REQUIRE_PEERS=1 says it must be");
        }
        eprintln!("\n!!! {message}\n");
    }
    found
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}
