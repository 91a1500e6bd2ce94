//! Helpers shared by the tests of every crate: one place, never copied per crate.
//!
//! - [`LoopbackBlock`]: each test claims its own `127.x.y.0/24`, so servers in one test can share
//!   a port as the lab's do, while tests run in parallel — isolation by addresses, not Docker.
//! - [`dns_query`] / [`exchange`]: a plain DNS client for tests (UDP or TCP, raw bytes or a
//!   question), on `domain`, so tests speak the wire format without trusting the code under test.
//! - [`Peer`] and [`ChildGuard`]: third-party programs (dig, kdig, nsd, named-checkzone) found on
//!   the PATH or skipped with a loud message, and killed — only the ones we started — on drop.

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

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
