//! Helpers shared by the tests of every crate: one place, never copied per crate.
//!
//! - [`LoopbackBlock`]: each test claims its own `127.x.y.0/24`, so servers in one test can share
//!   a port as the lab's do, while tests run in parallel — isolation by addresses, not Docker.
//! - [`dns_query`] / [`exchange`]: a plain DNS client for tests (UDP or TCP, raw bytes or a
//!   question), on `domain`, so tests speak the wire format without trusting the code under test.
//! - [`Peer`] and [`ChildGuard`]: third-party programs (dig, kdig, nsd, named-checkzone) found on
//!   the PATH or skipped with a loud message, and killed — only the ones we started — on drop.
//! - [`korean::english_outside_tokens`]: the English left in a text meant to be Korean.

pub mod h2; // HTTP/2 frames written and read by hand, for abusive clients
pub mod http; // a raw HTTP/1.1 client: exact bytes out, responses read field by field (web tests)
pub mod korean; // is a Korean text Korean: English words outside the protocol tokens
pub mod pg; // a throwaway PostgreSQL cluster per test (the WAS's tests)
pub mod tls; // a throwaway CA and leaf on disk; a blocking TLS client with ALPN

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use bytes::Bytes;
use domain::base::iana::{Class, Rtype};
use domain::base::{Message, MessageBuilder, Name};

/// A /24 of loopback addresses that belongs to one test while it lives.
///
/// Claiming binds a UDP socket on `127.x.y.254:65535`; a second claimant of the same block, in
/// this process or another, fails to bind and moves on to the next block.
pub struct LoopbackBlock {
    prefix: [u8; 3],
    _claim: UdpSocket,
}

impl LoopbackBlock {
    /// Claims a free block in 127.64.0.0 - 127.127.255.0.
    pub fn claim() -> Self {
        let seed = entropy();
        for i in 0..16384 {
            let n = (seed + i) % 16384;
            let prefix = [127, 64 + (n / 256) as u8, (n % 256) as u8];
            let claim = SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(prefix[0], prefix[1], prefix[2], 254)),
                65535,
            );
            if let Ok(socket) = UdpSocket::bind(claim) {
                return LoopbackBlock {
                    prefix,
                    _claim: socket,
                };
            }
        }
        panic!("no free loopback block in 127.64.0.0/10");
    }

    /// The address `127.x.y.host`.
    pub fn ip(&self, host: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(
            self.prefix[0],
            self.prefix[1],
            self.prefix[2],
            host,
        ))
    }

    /// The socket address `127.x.y.host:port`.
    pub fn addr(&self, host: u8, port: u16) -> SocketAddr {
        SocketAddr::new(self.ip(host), port)
    }
}

/// Changes on every call, so that blocks, IDs and names differ between calls and processes.
fn entropy() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (std::process::id() as usize).wrapping_mul(7919)
        ^ nanos as usize
        ^ CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(104_729)
}

/// How a test query is sent.
#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    /// Over TCP (with the 2-byte length prefix) instead of UDP.
    pub tcp: bool,
    /// EDNS0 with this UDP payload size, or no OPT record.
    pub edns: Option<u16>,
    /// Recursion desired.
    pub rd: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            tcp: false,
            edns: Some(1232),
            rd: false,
        }
    }
}

/// Builds a query for `name` (absolute or not) and `qtype`.
pub fn build_query(id: u16, name: &str, qtype: Rtype, options: QueryOptions) -> Vec<u8> {
    let name: Name<Bytes> = if name.ends_with('.') {
        name.parse()
    } else {
        format!("{name}.").parse()
    }
    .expect("test name");
    let mut builder = MessageBuilder::new_vec();
    builder.header_mut().set_id(id);
    builder.header_mut().set_rd(options.rd);
    let mut question = builder.question();
    question
        .push((&name, qtype, Class::IN))
        .expect("question fits");
    let mut additional = question.additional();
    if let Some(size) = options.edns {
        additional
            .opt(|opt| {
                opt.set_udp_payload_size(size);
                Ok(())
            })
            .expect("opt fits");
    }
    additional.finish()
}

/// Asks `server` one question and returns the parsed response.
pub fn dns_query(
    server: SocketAddr,
    name: &str,
    qtype: Rtype,
    options: QueryOptions,
) -> io::Result<Message<Vec<u8>>> {
    let id = rand_id();
    let query = build_query(id, name, qtype, options);
    let bytes = exchange(server, &query, options.tcp)?.ok_or_else(|| {
        io::Error::new(io::ErrorKind::TimedOut, format!("no answer from {server}"))
    })?;
    let message = Message::from_octets(bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    if message.header().id() != id {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "response ID does not match",
        ));
    }
    Ok(message)
}

/// Sends raw bytes and waits (2 s at most) for one response; `Ok(None)` if none came.
pub fn exchange(server: SocketAddr, bytes: &[u8], tcp: bool) -> io::Result<Option<Vec<u8>>> {
    let timeout = Duration::from_secs(2);
    if tcp {
        let mut stream = TcpStream::connect_timeout(&server, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(bytes);
        stream.write_all(&framed)?;
        read_tcp_message(&mut stream)
    } else {
        let socket = UdpSocket::bind(SocketAddr::new(loopback_source(server.ip()), 0))?;
        socket.set_read_timeout(Some(timeout))?;
        socket.send_to(bytes, server)?;
        let mut buf = vec![0u8; 65535];
        match socket.recv_from(&mut buf) {
            Ok((len, _)) => Ok(Some(buf[..len].to_vec())),
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }
}

/// Reads one length-prefixed DNS message from a TCP stream; `Ok(None)` on a clean close.
pub fn read_tcp_message(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut prefix = [0u8; 2];
    match stream.read_exact(&mut prefix) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            return Ok(None);
        }
        Err(err) => return Err(err),
    }
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut message)?;
    Ok(Some(message))
}

fn loopback_source(server: IpAddr) -> IpAddr {
    match server {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
    }
}

fn rand_id() -> u16 {
    entropy() as u16
}

/// Retries `probe` until it succeeds or `within` passes: readiness without sleeps-as-guesses.
pub fn wait_until(within: Duration, mut probe: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if probe() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Whether the test runs as root (CI does).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program` to be run as `nobody` (setpriv: its uid and group, no supplementary groups, no
/// inheritable capabilities), for tests of what an ordinary user gets. `None`, said loudly,
/// when the test is not root (it cannot drop to nobody) or setpriv is missing.
pub fn as_nobody(program: &std::path::Path) -> Option<std::process::Command> {
    if !is_root() {
        eprintln!("\n!!! SKIPPED: this test drops root to `nobody` with setpriv; run as root\n");
        return None;
    }
    let setpriv = Peer::find("setpriv", "util-linux")?;
    let mut command = std::process::Command::new(setpriv);
    command
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(program);
    Some(command)
}

/// A third-party program the test needs (dig, kdig, nsd, named-checkzone...).
pub struct Peer;

impl Peer {
    /// The program's path, or `None` after printing a loud SKIPPED line naming the apt package.
    /// With `ROUNDTRIP_REQUIRE_PEERS=1` (set by CI, which installs them) a missing peer fails.
    pub fn find(program: &str, apt_package: &str) -> Option<PathBuf> {
        let found = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
                .map(|dir| dir.join(program))
                .find(|path| path.is_file())
        });
        if found.is_none() {
            let message =
                format!("SKIPPED: `{program}` is not installed (apt-get install {apt_package})");
            if std::env::var_os("ROUNDTRIP_REQUIRE_PEERS").is_some_and(|v| v == "1") {
                panic!("{message}, and ROUNDTRIP_REQUIRE_PEERS=1 says it must be");
            }
            eprintln!("\n!!! {message}\n");
        }
        found
    }
}

/// A child process this test started; killed and reaped on drop (and only it).
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// Its exit status once it has exited, or `None` if it is still running after `within`.
    pub fn exited_within(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let mut status = None;
        wait_until(within, || {
            status = self.0.try_wait().ok().flatten();
            status.is_some()
        });
        status
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The lab's zone files (`lab/zones/`), copied for one test into a fresh temporary directory
/// with every lab address `A.B.C.N` rewritten to the test's own `127.x.y.N` (glue, A records
/// and `root.hints`; the lab's AAAA records left out, see [`dns::relocate`]). So a test can run the whole lab hierarchy in its [`LoopbackBlock`], in parallel
/// with others. The directory is removed on drop.
pub struct LabZones {
    /// The directory holding the rewritten copies (and anything else the test puts there).
    pub dir: PathBuf,
    prefix: [u8; 3],
}

/// Who serves what in the lab: host byte and `(origin, file)` pairs, as in lab/zones/README.md.
const LAB_HOSTS: &[(u8, &[(&str, &str)])] = &[
    (2, ROOT_SERVER_ZONES),
    (3, ROOT_SERVER_ZONES),
    (4, GTLD_SERVER_ZONES),
    (5, GTLD_SERVER_ZONES),
    (6, &[("google.com.", "google.com.zone")]),
    (
        7,
        &[
            ("example.com.", "example.com.zone"),
            ("glueless.test.", "glueless.test.zone"),
        ],
    ),
];
const ROOT_SERVER_ZONES: &[(&str, &str)] = &[
    (".", "root.zone"),
    ("root-servers.net.", "root-servers.net.zone"),
];
const GTLD_SERVER_ZONES: &[(&str, &str)] = &[
    ("com.", "com.zone"),
    ("net.", "net.zone"),
    ("test.", "test.zone"),
    ("gtld-servers.net.", "gtld-servers.net.zone"),
];

impl LabZones {
    /// Copies every file of `lab/zones/` into a new temporary directory, rewriting the lab's
    /// addresses into `block`.
    pub fn in_block(block: &LoopbackBlock) -> LabZones {
        let source = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../lab/zones"));
        let [a, b, c] = block.prefix;
        let dir = std::env::temp_dir().join(format!(
            "roundtrip-lab-{a}.{b}.{c}-{}-{:x}",
            std::process::id(),
            entropy()
        ));
        std::fs::create_dir(&dir)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
        let zones = LabZones {
            dir,
            prefix: block.prefix,
        };
        let entries = std::fs::read_dir(source)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", source.display()));
        for entry in entries {
            let entry = entry.expect("a directory entry of lab/zones");
            if !entry.file_type().is_ok_and(|kind| kind.is_file()) {
                continue;
            }
            let from = entry.path();
            let to = zones.dir.join(entry.file_name());
            let copied = match std::fs::read_to_string(&from) {
                Ok(text) => std::fs::write(&to, rewrite_lab_addresses(&text, block.prefix)),
                Err(_) => std::fs::copy(&from, &to).map(drop), // not text: copied as it is
            };
            copied.unwrap_or_else(|err| panic!("cannot copy {}: {err}", from.display()));
        }
        zones
    }

    /// The lab's name-server hosts, each with the zones it serves (origin, rewritten file).
    pub fn hosts(&self) -> Vec<(IpAddr, Vec<(String, PathBuf)>)> {
        let [a, b, c] = self.prefix;
        LAB_HOSTS
            .iter()
            .map(|(host, zones)| {
                let zones = zones
                    .iter()
                    .map(|(origin, file)| ((*origin).to_owned(), self.dir.join(file)))
                    .collect();
                (IpAddr::V4(Ipv4Addr::new(a, b, c, *host)), zones)
            })
            .collect()
    }

    /// The rewritten root hints (named.root format): a/b.root-servers.net at the block's .2/.3.
    pub fn root_hints(&self) -> PathBuf {
        self.dir.join("root.hints")
    }

    /// Writes `lab.toml` for the whole lab (`lab/lab.toml`) in this block: its addresses
    /// rewritten, these zones, the repository's site, a SQLite database in this directory, and
    /// the ports given, the lab CA in `ca/` here. Returns the config's path, for `--config`.
    pub fn write_lab_config(&self, dns_port: u16, http_port: u16) -> PathBuf {
        let source = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../lab"));
        let text = std::fs::read_to_string(source.join("lab.toml"))
            .unwrap_or_else(|err| panic!("cannot read lab/lab.toml: {err}"));
        let site = source.join("site");
        let text = rewrite_lab_addresses(&text, self.prefix)
            .replace("# dns = 53", &format!("dns = {dns_port}"))
            .replace("# http = 80", &format!("http = {http_port}"))
            .replace(
                "zones = \"zones\"",
                &format!("zones = {:?}", self.dir.display().to_string()),
            )
            .replace(
                "site = \"site\"",
                &format!("site = {:?}", site.display().to_string()),
            )
            .replace(
                "# database = \"sqlite://lab.db\"",
                "database = \"sqlite://lab.db\"",
            )
            // The lab's CA in this directory, not in the user's state directory.
            .replace("# ca = \"ca\"", "ca = \"ca\"");
        let path = self.dir.join("lab.toml");
        std::fs::write(&path, text)
            .unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
        path
    }
}

impl Drop for LabZones {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `text` with the lab's addresses moved into the block `prefix` ([`dns::relocate`]).
fn rewrite_lab_addresses(text: &str, prefix: [u8; 3]) -> String {
    dns::relocate::to_loopback(text, prefix)
}

/// Starts the lab's authoritative servers, one `roundtrip serve auth` per host of `zones`
/// listening on `port` at its address in `block`, and waits (10 s at most) until each answers
/// the SOA of every zone it serves, with AA. Panics, showing the server's output, otherwise.
/// Each server's stderr goes to `auth-ADDRESS.log` in `zones.dir`.
pub fn start_lab_auth(
    roundtrip_bin: &std::path::Path,
    zones: &LabZones,
    block: &LoopbackBlock,
    port: u16,
) -> Vec<ChildGuard> {
    assert_eq!(
        zones.prefix, block.prefix,
        "the zones were rewritten for another block"
    );
    let mut started = Vec::new();
    for (ip, served) in zones.hosts() {
        let listen = SocketAddr::new(ip, port);
        let log = zones.dir.join(format!("auth-{ip}.log"));
        let mut command = std::process::Command::new(roundtrip_bin);
        command.args(["serve", "auth", "--listen", &listen.to_string()]);
        for (origin, file) in &served {
            command
                .arg("--zone")
                .arg(format!("{origin}={}", file.display()));
        }
        let stderr = std::fs::File::create(&log).expect("a log file in the lab's directory");
        let child = command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", roundtrip_bin.display()));
        let origins: Vec<String> = served.into_iter().map(|(origin, _)| origin).collect();
        started.push((listen, origins, log, ChildGuard(child)));
    }
    for (listen, origins, log, guard) in &mut started {
        await_authoritative(
            "roundtrip serve auth",
            *listen,
            origins,
            guard,
            std::slice::from_ref(log),
        );
    }
    started.into_iter().map(|(.., guard)| guard).collect()
}

/// Waits (10 s at most) until the server `child`, started to listen on `addr`, answers the SOA
/// of every one of `origins` authoritatively. Panics with the server's `logs` if it exits first
/// or never answers: a test must not go on against a server that is not there.
pub fn await_authoritative(
    what: &str,
    addr: SocketAddr,
    origins: &[String],
    child: &mut ChildGuard,
    logs: &[PathBuf],
) {
    let mut exited = None;
    let ready = wait_until(Duration::from_secs(10), || {
        if let Ok(Some(status)) = child.0.try_wait() {
            exited = Some(status);
            return true;
        }
        origins.iter().all(|origin| {
            dns_query(addr, origin, Rtype::SOA, QueryOptions::default()).is_ok_and(|answer| {
                answer.header().aa()
                    && answer.header().rcode() == domain::base::iana::Rcode::NOERROR
            })
        })
    });
    let output: String = logs
        .iter()
        .map(|log| std::fs::read_to_string(log).unwrap_or_default())
        .collect();
    if let Some(status) = exited {
        panic!("{what} on {addr} exited ({status}):\n{output}");
    }
    assert!(
        ready,
        "{what} on {addr} did not answer the SOA of {origins:?} within 10 s:\n{output}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_zones_are_copied_rewritten_and_removed_on_drop() {
        let block = LoopbackBlock::claim();
        let zones = LabZones::in_block(&block);
        let IpAddr::V4(two) = block.ip(2) else {
            unreachable!()
        };
        let hints = std::fs::read_to_string(zones.root_hints()).unwrap();
        assert!(
            hints.contains(&format!("A     {two}\n")),
            "root hints not rewritten:\n{hints}"
        );
        let hosts = zones.hosts();
        assert_eq!(hosts.len(), 6, "the lab has six name-server hosts");
        for (ip, served) in hosts {
            assert!(
                (2..=7).any(|host| block.ip(host) == ip),
                "{ip} not in the block"
            );
            for (origin, file) in served {
                let text = std::fs::read_to_string(&file)
                    .unwrap_or_else(|err| panic!("{origin} in {}: {err}", file.display()));
                for lab in ["203.0.113.", "198.51.100.", "2001:db8:1ab:"] {
                    assert!(
                        !text.contains(lab),
                        "{} still has a lab address {lab}",
                        file.display()
                    );
                }
            }
        }
        let dir = zones.dir.clone();
        assert!(dir.join("README.md").is_file());
        drop(zones);
        assert!(!dir.exists(), "{} not removed", dir.display());
    }
}
