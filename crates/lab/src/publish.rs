//! `lab up --publish`: the lab's resolver and web server (HTTP and HTTPS) forwarded to loopback
//! addresses of this
//! machine, for tools that cannot run inside the lab (`lab exec` is the way for those that can).
//!
//! Publishing enters at [`Published::start`], called from a thread in this machine's own
//! network namespace (the process's main thread: the lab's hosts never move it). It listens
//! there and, for each client, opens a socket in the browser's host, so a published query or
//! connection crosses the lab's network from the laptop exactly as the tour's browser's do:
//! - TCP (DNS and HTTP): one lab connection per client connection, bytes copied both ways until
//!   either side closes; at most [`MAX_CONNECTIONS`] at once.
//! - UDP (DNS): one lab socket per client address, connected to the resolver, whose answers go
//!   back to that client; a socket idle for [`UDP_IDLE`] is closed, and at most
//!   [`MAX_UDP_CLIENTS`] are open at once.
//!
//! The sockets are made by one thread that lives in the browser's host ([`SocketMaker`]): a
//! socket keeps the namespace it was made in for life, whichever thread uses it afterwards.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, oneshot};

use crate::netns::Netns;

/// How long a UDP client's lab socket waits for more traffic before it is closed.
pub const UDP_IDLE: Duration = Duration::from_secs(30);
/// UDP clients served at once; a new one beyond it replaces the longest idle.
pub const MAX_UDP_CLIENTS: usize = 1024;
/// TCP connections forwarded at once; more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 256;

/// One forwarding, for the address table: `127.0.0.1:1053 -> 198.51.100.53:53 (udp, tcp)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// What is forwarded: `dns`, `http`.
    pub service: &'static str,
    /// Where it listens on this machine.
    pub local: SocketAddr,
    /// Where it goes in the lab.
    pub target: SocketAddr,
    /// `udp, tcp` or `tcp`.
    pub protocols: &'static str,
}

/// The forwarders, running until dropped.
pub struct Published {
    /// What is forwarded where.
    pub forwards: Vec<Forward>,
    _runtime: tokio::runtime::Runtime,
}

impl Published {
    /// Listens on `dns`, `http` and `https` here and forwards them to `resolver`, `web` and
    /// `web_tls` in the lab, from `from` (the browser's host). TLS is not terminated: the
    /// bytes are copied, so a client sees the lab's own certificate. Fails if an address here
    /// cannot be bound.
    pub fn start(
        from: Arc<Netns>,
        (dns, resolver): (SocketAddr, SocketAddr),
        (http, web): (SocketAddr, SocketAddr),
        (https, web_tls): (SocketAddr, SocketAddr),
    ) -> Result<Published, PublishError> {
        let unbound = |error: io::Error| PublishError {
            binding: None,
            error,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("lab-publish")
            .enable_all()
            .build()
            .map_err(unbound)?;
        let maker = SocketMaker::start(from).map_err(unbound)?;
        let context = |what: Binding, addr: SocketAddr| {
            move |error: io::Error| PublishError {
                binding: Some((what, addr)),
                error,
            }
        };
        let (dns_udp, dns_tcp, http_tcp, https_tcp) = runtime.block_on(async {
            let dns_udp = UdpSocket::bind(dns)
                .await
                .map_err(context(Binding::DnsUdp, dns))?;
            let dns_tcp = TcpListener::bind(dns)
                .await
                .map_err(context(Binding::DnsTcp, dns))?;
            let http_tcp = TcpListener::bind(http)
                .await
                .map_err(context(Binding::Http, http))?;
            let https_tcp = TcpListener::bind(https)
                .await
                .map_err(context(Binding::Https, https))?;
            Ok::<_, PublishError>((dns_udp, dns_tcp, http_tcp, https_tcp))
        })?;
        let forwards = vec![
            Forward {
                service: "dns",
                local: dns_udp.local_addr().map_err(unbound)?,
                target: resolver,
                protocols: "udp, tcp",
            },
            Forward {
                service: "http",
                local: http_tcp.local_addr().map_err(unbound)?,
                target: web,
                protocols: "tcp",
            },
            Forward {
                service: "https",
                local: https_tcp.local_addr().map_err(unbound)?,
                target: web_tls,
                protocols: "tcp",
            },
        ];
        runtime.spawn(forward_udp(dns_udp, resolver, maker.clone()));
        runtime.spawn(forward_tcp(dns_tcp, resolver, maker.clone()));
        runtime.spawn(forward_tcp(http_tcp, web, maker.clone()));
        runtime.spawn(forward_tcp(https_tcp, web_tls, maker));
        Ok(Published {
            forwards,
            _runtime: runtime,
        })
    }
}

/// Why the lab could not be published: the address that could not be bound, when it was one,
/// and the system's error. `Display` is English; [`PublishError::describe`] says it in a
/// language.
#[derive(Debug)]
pub struct PublishError {
    /// What was being bound, and where.
    pub binding: Option<(Binding, SocketAddr)>,
    /// The system's error.
    pub error: io::Error,
}

/// What is bound to publish the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// The resolver, UDP.
    DnsUdp,
    /// The resolver, TCP.
    DnsTcp,
    /// The web server's HTTP port.
    Http,
    /// The web server's HTTPS port.
    Https,
}

impl Binding {
    /// As the service is named (a token: `DNS (UDP)`, `HTTPS`).
    fn service(self) -> &'static str {
        match self {
            Binding::DnsUdp => "DNS (UDP)",
            Binding::DnsTcp => "DNS (TCP)",
            Binding::Http => "HTTP",
            Binding::Https => "HTTPS",
        }
    }
}

impl PublishError {
    /// The error in `lang`: what could not be bound where, and the system's error by its kind.
    pub fn describe(&self, lang: text::Lang) -> String {
        let error = text::io_error(lang, &self.error);
        match self.binding {
            Some((what, addr)) => text::t!(
                lang,
                "lab-publish-binding",
                service = what.service(),
                addr = addr.to_string(),
                error = error
            ),
            None => error,
        }
    }
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl std::error::Error for PublishError {}

type SocketRequest = (Domain, Type, oneshot::Sender<io::Result<Socket>>);

/// A thread in the browser's host that makes sockets there, on request.
#[derive(Clone)]
struct SocketMaker {
    requests: mpsc::Sender<SocketRequest>,
}

impl SocketMaker {
    fn start(host: Arc<Netns>) -> io::Result<SocketMaker> {
        let (requests, incoming) = mpsc::channel::<SocketRequest>();
        let (ready, entered) = mpsc::channel();
        std::thread::Builder::new()
            .name("lab-publish-sockets".into())
            .spawn(move || {
                let _ = ready.send(host.enter());
                // Ends when every SocketMaker is dropped, with the runtime.
                for (domain, kind, reply) in incoming {
                    let protocol = if kind == Type::DGRAM {
                        Protocol::UDP
                    } else {
                        Protocol::TCP
                    };
                    let _ = reply.send(Socket::new(domain, kind, Some(protocol)));
                }
            })?;
        entered
            .recv()
            .map_err(|_| io::Error::other("the socket thread ended"))??;
        Ok(SocketMaker { requests })
    }

    /// A socket made in the browser's host, nonblocking, for `target`'s family.
    async fn socket(&self, target: SocketAddr, kind: Type) -> io::Result<Socket> {
        let (reply, made) = oneshot::channel();
        self.requests
            .send((Domain::for_address(target), kind, reply))
            .map_err(|_| io::Error::other("the socket thread ended"))?;
        let socket = made
            .await
            .map_err(|_| io::Error::other("the socket thread ended"))??;
        socket.set_nonblocking(true)?;
        Ok(socket)
    }
}

async fn forward_tcp(listener: TcpListener, target: SocketAddr, maker: SocketMaker) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut client = match listener.accept().await {
            Ok((client, _)) => client,
            // Out of descriptors, or a connection reset before accept: try again shortly.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let maker = maker.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let Ok(socket) = maker.socket(target, Type::STREAM).await else {
                return;
            };
            let socket = tokio::net::TcpSocket::from_std_stream(socket.into());
            let Ok(mut lab) = socket.connect(target).await else {
                return; // The client sees its connection closed.
            };
            let _ = tokio::io::copy_bidirectional(&mut client, &mut lab).await;
        });
    }
}

/// A UDP client's lab socket and the task relaying its answers.
struct UdpClient {
    lab: Arc<UdpSocket>,
    relay: tokio::task::JoinHandle<()>,
}

async fn forward_udp(here: UdpSocket, target: SocketAddr, maker: SocketMaker) {
    let here = Arc::new(here);
    let mut clients: HashMap<SocketAddr, UdpClient> = HashMap::new();
    let mut buf = vec![0u8; 65535];
    loop {
        let Ok((len, from)) = here.recv_from(&mut buf).await else {
            continue;
        };
        // A client whose relay ended (idle) starts again with a new lab socket.
        if clients.get(&from).is_some_and(|c| c.relay.is_finished()) {
            clients.remove(&from);
        }
        if !clients.contains_key(&from) {
            // Only a new client needs room: the ended relays are swept then, not per datagram.
            clients.retain(|_, c| !c.relay.is_finished());
            if clients.len() >= MAX_UDP_CLIENTS {
                // Full: the newest client waits for an idle one to close; this datagram is
                // dropped, as a busy server's would be, and the client asks again.
                continue;
            }
            let Ok(lab) = udp_into_lab(&maker, target).await else {
                continue;
            };
            let lab = Arc::new(lab);
            let relay = tokio::spawn(relay_answers(lab.clone(), here.clone(), from));
            clients.insert(from, UdpClient { lab, relay });
        }
        if let Some(client) = clients.get(&from) {
            let _ = client.lab.send(&buf[..len]).await;
        }
    }
}

async fn udp_into_lab(maker: &SocketMaker, target: SocketAddr) -> io::Result<UdpSocket> {
    let socket = maker.socket(target, Type::DGRAM).await?;
    let socket = UdpSocket::from_std(socket.into())?;
    socket.connect(target).await?;
    Ok(socket)
}

/// Sends what the lab answers back to `client`, until the lab socket is idle for [`UDP_IDLE`].
async fn relay_answers(lab: Arc<UdpSocket>, here: Arc<UdpSocket>, client: SocketAddr) {
    let mut buf = vec![0u8; 65535];
    while let Ok(Ok(len)) = tokio::time::timeout(UDP_IDLE, lab.recv(&mut buf)).await {
        let _ = here.send_to(&buf[..len], client).await;
    }
}
