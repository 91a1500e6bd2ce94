//! The server's sockets: UDP workers and TCP connections, both handing bytes to the catalog.
//!
//! The caller binds the sockets and [`spawn`] serves them, so tests can bind loopback addresses
//! of their own and the lab can bind each server to its host's address.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use journey::{Event, EventKind, Host, Reporter, Source};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Semaphore, watch};

use crate::answer::{Answered, Catalog, Transport, question_text};
use crate::packet_cache::Responder;
use dnsnet::{Inbox, Outbox, Worker, WorkerStopped, Workers};

/// How a server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// UDP worker threads, each blocking on the shared socket.
    pub udp_workers: usize,
    /// How long a TCP connection may sit idle between queries (RFC 7766 §6.2.3 suggests
    /// seconds, not minutes).
    pub tcp_idle_timeout: Duration,
    /// Open TCP connections at most; more are closed at once.
    pub max_tcp_connections: usize,
    /// The role this server plays, for the journey (`root`, `tld`, `authoritative`).
    pub role: String,
    /// Replay stored responses to repeated questions (see [`crate::packet_cache`]).
    pub packet_cache: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            udp_workers: 1,
            tcp_idle_timeout: Duration::from_secs(10),
            max_tcp_connections: 256,
            role: "authoritative".to_owned(),
            packet_cache: true,
        }
    }
}

/// A server that is running; dropping it stops it and waits for its threads.
pub struct RunningServer {
    stop: Arc<AtomicBool>,
    stop_tcp: watch::Sender<bool>,
    workers: Workers,
    udp_addr: SocketAddr,
    tcp_addr: SocketAddr,
}

impl RunningServer {
    /// The UDP address served.
    pub fn udp_addr(&self) -> SocketAddr {
        self.udp_addr
    }

    /// The TCP address served.
    pub fn tcp_addr(&self) -> SocketAddr {
        self.tcp_addr
    }

    /// Tells every worker to stop without waiting for them; dropping the handle then joins
    /// them. Stopping many servers this way takes one poll interval, not one per server.
    pub fn signal_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.stop_tcp.send(true);
    }

    /// Waits until the server stops, or until one of its threads stops on an error: then the
    /// others are stopped and the error returned.
    pub fn wait(mut self) -> Result<(), WorkerStopped> {
        self.workers.wait()
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.signal_stop();
        self.workers.join();
    }
}

/// How often a blocked UDP worker looks up to see whether it should stop.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Serves `catalog` on the bound sockets until the returned handle is dropped.
pub fn spawn(
    udp: UdpSocket,
    tcp: TcpListener,
    catalog: Arc<Catalog>,
    reporter: Arc<dyn Reporter>,
    config: ServerConfig,
) -> io::Result<RunningServer> {
    let udp_addr = udp.local_addr()?;
    let tcp_addr = tcp.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (stop_tcp, stop_rx) = watch::channel(false);
    let mut workers = Workers::default();
    udp.set_read_timeout(Some(STOP_POLL))?;
    let packet_cache = config.packet_cache;
    for worker in 0..config.udp_workers.max(1) {
        let socket = udp.try_clone()?;
        let (catalog, reporter, stop, host) = (
            catalog.clone(),
            reporter.clone(),
            stop.clone(),
            Host {
                role: config.role.clone(),
                addr: udp_addr,
            },
        );
        workers.spawn(
            format!("authdns-udp-{worker}"),
            Worker::Udp(worker),
            move || {
                let mut responder = Responder::new(catalog, packet_cache);
                serve_udp(&socket, &mut responder, &*reporter, &stop, &host);
                Ok(())
            },
        )?;
    }
    tcp.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let host = Host {
        role: config.role.clone(),
        addr: tcp_addr,
    };
    workers.spawn("authdns-tcp".into(), Worker::Tcp, move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(tcp)?;
            serve_tcp(listener, catalog, reporter, config, host, stop_rx).await;
            Ok(())
        })
    })?;
    Ok(RunningServer {
        stop,
        stop_tcp,
        workers,
        udp_addr,
        tcp_addr,
    })
}

fn serve_udp(
    socket: &UdpSocket,
    responder: &mut Responder,
    reporter: &dyn Reporter,
    stop: &AtomicBool,
    host: &Host,
) {
    let mut inbox = Inbox::default();
    let mut outbox = Outbox::default();
    while !stop.load(Ordering::Relaxed) {
        match inbox.receive(socket) {
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(err) => {
                // ICMP errors from earlier sends surface here on Linux; they are not fatal.
                tracing::debug!("udp receive: {err}");
                continue;
            }
        }
        outbox.clear();
        for (i, query, cut) in inbox.queries() {
            if cut {
                continue; // Longer than any query: not DNS, or not worth answering.
            }
            let Some(answered) = responder.respond(query, Transport::Udp, outbox.next_buffer(i))
            else {
                continue;
            };
            outbox.commit();
            if reporter.enabled()
                && let Some(client) = inbox.peer(i)
            {
                report(reporter, host, client, query, &answered, "udp");
            }
        }
        outbox.send(socket, &mut inbox);
    }
}

async fn serve_tcp(
    listener: tokio::net::TcpListener,
    catalog: Arc<Catalog>,
    reporter: Arc<dyn Reporter>,
    config: ServerConfig,
    host: Host,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(config.max_tcp_connections));
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::debug!("tcp accept: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream); // Too many connections: closing is the polite refusal (RFC 7766 §6.2.2).
            continue;
        };
        let (catalog, reporter, host, idle) = (
            catalog.clone(),
            reporter.clone(),
            host.clone(),
            config.tcp_idle_timeout,
        );
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = serve_connection(stream, client, &catalog, &*reporter, &host, idle) => {}
                _ = stop.changed() => {}
            }
            drop(slot);
        });
    }
}

/// One TCP connection: length-prefixed queries answered in order until the client closes, goes
/// idle, or sends something that is not a DNS query.
async fn serve_connection(
    mut stream: tokio::net::TcpStream,
    client: SocketAddr,
    catalog: &Catalog,
    reporter: &dyn Reporter,
    host: &Host,
    idle: Duration,
) {
    let _ = stream.set_nodelay(true);
    let mut query = vec![0u8; 65535];
    let mut response = Vec::with_capacity(4096);
    loop {
        let mut prefix = [0u8; 2];
        match tokio::time::timeout(idle, stream.read_exact(&mut prefix)).await {
            Ok(Ok(_)) => {}
            _ => return, // Closed, failed, or idle too long.
        }
        let len = usize::from(u16::from_be_bytes(prefix));
        // The whole message must follow promptly; a client that stalls mid-message is dropped.
        match tokio::time::timeout(idle, stream.read_exact(&mut query[..len])).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        let Some(answered) = catalog.respond(&query[..len], Transport::Tcp, &mut response) else {
            return; // Garbage on the stream: nothing sensible can follow it.
        };
        let mut framed = Vec::with_capacity(2 + response.len());
        framed.extend_from_slice(&(response.len() as u16).to_be_bytes());
        framed.extend_from_slice(&response);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
        report(reporter, host, client, &query[..len], &answered, "tcp");
    }
}

fn report(
    reporter: &dyn Reporter,
    host: &Host,
    client: SocketAddr,
    query: &[u8],
    answered: &Answered,
    transport: &str,
) {
    if !reporter.enabled() {
        return;
    }
    reporter.report(Event {
        at: SystemTime::now(),
        host: host.clone(),
        source: Source::Reported,
        kind: EventKind::DnsAnswered {
            client,
            question: question_text(query).unwrap_or_default(),
            outcome: answered.outcome.as_str().to_owned(),
            rcode: answered.rcode.to_string(),
            transport: transport.to_owned(),
        },
    });
}
