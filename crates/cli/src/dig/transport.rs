//! Sending one DNS query to one server and receiving its response, with blocking std sockets.
//!
//! A query enters at [`exchange`]:
//! ```text
//! exchange ─┬─ +tcp ──────────────────────────────> ask_over_tcp ─> Exchange (TCP)
//!           └─ ask_over_udp ─┬─ TC=0 ───────────────────────────> Exchange (UDP)
//!                            └─ TC=1 ─> ask_over_tcp ─> Exchange (TCP, truncated_udp_response)
//! ```
//! Over UDP the query is sent up to `tries` times, waiting `timeout` after each send; only a
//! response whose ID and question match the query is accepted, anything else received in the
//! meantime is ignored (RFC 5452 section 9.1). A truncated UDP response (TC=1) is asked again
//! over TCP, as dig does (RFC 7766 section 5). Over TCP every message carries a two-octet
//! length prefix (RFC 1035 section 4.2.2, RFC 7766 section 8).

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use domain::base::Message;
use domain::base::iana::Rcode;

use text::{Lang, t};

use super::DigQuery;

/// The largest DNS message: UDP payloads and TCP length prefixes both stop at 65535 octets.
const MAX_MESSAGE_SIZE: usize = 65535;

/// How a response travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    /// `"udp"` or `"tcp"`, as in the JSON document.
    pub fn as_lowercase_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
        }
    }
}

impl fmt::Display for Transport {
    /// `UDP` or `TCP`, as dig prints it after `;; SERVER:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
        })
    }
}

/// A query that got its response.
#[derive(Debug)]
pub struct Exchange {
    /// The server that answered (the one asked).
    pub server: SocketAddr,
    /// The response as received; its ID, QR bit and question match the query.
    pub response: Message<Vec<u8>>,
    /// The transport of the response shown.
    pub transport: Transport,
    /// From the last send of the query to the arrival of the response (TCP: including connect).
    pub query_time: Duration,
    /// Whether a truncated UDP response (TC=1) came first and this one was asked over TCP.
    pub truncated_udp_response: bool,
}

/// Why no usable response arrived.
#[derive(Debug)]
pub enum TransportError {
    /// The local socket could not be set up; the fault is on this machine.
    LocalSocket {
        action: SocketAction,
        source: io::Error,
    },
    /// Every try went unanswered, or was answered with something that did not match.
    NoResponse {
        server: SocketAddr,
        transport: Transport,
        tries: u32,
        /// What happened on the last try, when more is known than silence.
        last_failure: Option<TryFailure>,
    },
    /// The UDP response was truncated and asking again over TCP failed.
    TcpRetryFailed(Box<TransportError>),
}

/// What went wrong on one try, beyond a plain timeout.
#[derive(Debug)]
pub enum TryFailure {
    /// A socket error: connection refused (nothing listens), reset, unreachable, ...
    Io(io::Error),
    /// The TCP connection closed before a whole response arrived.
    ClosedEarly,
    /// Responses arrived but none matched the query's ID and question; they were ignored.
    OnlyMismatchedResponses { ignored: u32 },
}

impl TryFailure {
    /// What went wrong on the last try, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Io(err) => io_error_text(lang, err),
            Self::ClosedEarly => t!(lang, "dig-closed-early"),
            Self::OnlyMismatchedResponses { ignored } => {
                t!(lang, "dig-mismatched-responses", ignored = *ignored)
            }
        }
    }
}

impl fmt::Display for TryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl TransportError {
    /// Why no usable response arrived, in `lang`: this machine's socket, or the server's
    /// silence (or refusal).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::LocalSocket { action, source } => t!(
                lang,
                "dig-local-socket",
                action = action.describe(lang),
                error = io_error_text(lang, source)
            ),
            Self::NoResponse {
                server,
                transport,
                tries,
                last_failure,
            } => {
                let server = server.to_string();
                let mut text = match transport {
                    Transport::Tcp => {
                        t!(lang, "dig-no-response-tcp", server = server, tries = *tries)
                    }
                    Transport::Udp => t!(lang, "dig-no-response", server = server, tries = *tries),
                };
                if let Some(failure) = last_failure {
                    text.push_str(&format!(" ({})", failure.describe(lang)));
                }
                text
            }
            Self::TcpRetryFailed(inner) => {
                t!(lang, "dig-tcp-retry-failed", error = inner.describe(lang))
            }
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for TransportError {}

/// What this machine was doing when its own socket failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketAction {
    /// Opening (binding) the local UDP socket.
    OpenUdp,
    /// Connecting it to the server, so that only the server's datagrams arrive.
    SetPeer,
    /// Setting its read timeout.
    SetTimeout,
}

impl SocketAction {
    fn describe(self, lang: Lang) -> String {
        match self {
            SocketAction::OpenUdp => t!(lang, "dig-action-open"),
            SocketAction::SetPeer => t!(lang, "dig-action-peer"),
            SocketAction::SetTimeout => t!(lang, "dig-action-timeout"),
        }
    }
}

/// The text of an I/O error without the "(os error N)" tail users do not need.
fn io_error_text(lang: Lang, err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::ConnectionRefused => t!(lang, "attempt-refused"),
        io::ErrorKind::ConnectionReset => t!(lang, "dig-connection-reset"),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => t!(lang, "attempt-timed-out"),
        _ => text::io_error(lang, err),
    }
}

/// Sends `query_message` (built from `query`) to `query.server` and returns the first response
/// that answers it: over TCP for `+tcp`, else over UDP and again over TCP if truncated.
pub fn exchange(query: &DigQuery, query_message: &[u8]) -> Result<Exchange, TransportError> {
    if query.tcp {
        let (response, query_time) = ask_over_tcp(query, query_message)?;
        return Ok(Exchange {
            server: query.server,
            response,
            transport: Transport::Tcp,
            query_time,
            truncated_udp_response: false,
        });
    }
    let (response, query_time) = ask_over_udp(query, query_message)?;
    if !response.header().tc() {
        return Ok(Exchange {
            server: query.server,
            response,
            transport: Transport::Udp,
            query_time,
            truncated_udp_response: false,
        });
    }
    let (response, query_time) = ask_over_tcp(query, query_message)
        .map_err(|err| TransportError::TcpRetryFailed(Box::new(err)))?;
    Ok(Exchange {
        server: query.server,
        response,
        transport: Transport::Tcp,
        query_time,
        truncated_udp_response: true,
    })
}

/// UDP: up to `tries` sends from one socket (one source port), each followed by a wait of
/// `timeout` for a matching response. A late response to an earlier send is accepted too: it
/// carries the same ID and question.
fn ask_over_udp(
    query: &DigQuery,
    query_message: &[u8],
) -> Result<(Message<Vec<u8>>, Duration), TransportError> {
    let local: SocketAddr = match query.server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).map_err(|source| TransportError::LocalSocket {
        action: SocketAction::OpenUdp,
        source,
    })?;
    // A connected socket receives datagrams from the server's address only, and reports an
    // ICMP port unreachable as "connection refused" instead of a silent timeout.
    socket
        .connect(query.server)
        .map_err(|source| TransportError::LocalSocket {
            action: SocketAction::SetPeer,
            source,
        })?;

    let mut buffer = vec![0; MAX_MESSAGE_SIZE];
    let mut last_failure = None;
    for _ in 0..query.tries {
        // The error reported is the last try's; a plain timeout has none.
        last_failure = None;
        let sent_at = Instant::now();
        if let Err(err) = socket.send(query_message) {
            last_failure = Some(TryFailure::Io(err));
            continue;
        }
        let deadline = sent_at + query.timeout;
        let mut ignored = 0;
        loop {
            let now = Instant::now();
            let Some(remaining) = deadline
                .checked_duration_since(now)
                .filter(|d| !d.is_zero())
            else {
                break;
            };
            if let Err(source) = socket.set_read_timeout(Some(remaining)) {
                return Err(TransportError::LocalSocket {
                    action: SocketAction::SetTimeout,
                    source,
                });
            }
            match socket.recv(&mut buffer) {
                Ok(len) => {
                    if let Some(response) = accept(&buffer[..len], query_message) {
                        return Ok((response, sent_at.elapsed()));
                    }
                    ignored += 1;
                    tracing::debug!(len, "ignored a datagram that does not answer the query");
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    last_failure = Some(TryFailure::Io(err));
                    ignored = 0;
                    break;
                }
            }
        }
        if ignored > 0 {
            last_failure = Some(TryFailure::OnlyMismatchedResponses { ignored });
        }
    }
    Err(TransportError::NoResponse {
        server: query.server,
        transport: Transport::Udp,
        tries: query.tries,
        last_failure,
    })
}

/// TCP: up to `tries` connections, each carrying the query once (RFC 7766 section 6.2.1:
/// the client initiates and may close after the response). Messages that do not answer the
/// query are skipped until `timeout` runs out.
fn ask_over_tcp(
    query: &DigQuery,
    query_message: &[u8],
) -> Result<(Message<Vec<u8>>, Duration), TransportError> {
    let mut last_failure = None;
    for _ in 0..query.tries {
        match ask_once_over_tcp(query, query_message) {
            Ok(answer) => return Ok(answer),
            Err(failure) => last_failure = Some(failure),
        }
    }
    Err(TransportError::NoResponse {
        server: query.server,
        transport: Transport::Tcp,
        tries: query.tries,
        last_failure,
    })
}

fn ask_once_over_tcp(
    query: &DigQuery,
    query_message: &[u8],
) -> Result<(Message<Vec<u8>>, Duration), TryFailure> {
    let started_at = Instant::now();
    let deadline = started_at + query.timeout;
    let mut stream =
        TcpStream::connect_timeout(&query.server, query.timeout).map_err(TryFailure::Io)?;
    stream.set_nodelay(true).map_err(TryFailure::Io)?;
    stream
        .set_write_timeout(Some(query.timeout))
        .map_err(TryFailure::Io)?;

    // The length prefix and the message in one write, so they leave in one segment.
    let length = u16::try_from(query_message.len())
        .map_err(|_| TryFailure::Io(io::Error::other("query longer than 65535 octets")))?;
    let mut framed = Vec::with_capacity(2 + query_message.len());
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(query_message);
    stream.write_all(&framed).map_err(TryFailure::Io)?;

    let mut ignored = 0;
    loop {
        let message = match read_framed(&mut stream, deadline) {
            Ok(message) => message,
            Err(TryFailure::Io(err))
                if ignored > 0
                    && matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
            {
                return Err(TryFailure::OnlyMismatchedResponses { ignored });
            }
            Err(failure) => return Err(failure),
        };
        if let Some(response) = accept(&message, query_message) {
            return Ok((response, started_at.elapsed()));
        }
        ignored += 1;
        tracing::debug!(
            len = message.len(),
            "ignored a TCP message that does not answer the query"
        );
    }
}

/// Reads one length-prefixed DNS message, giving up at `deadline`.
fn read_framed(stream: &mut TcpStream, deadline: Instant) -> Result<Vec<u8>, TryFailure> {
    let mut length = [0; 2];
    read_exact_until(stream, &mut length, deadline)?;
    let mut message = vec![0; usize::from(u16::from_be_bytes(length))];
    read_exact_until(stream, &mut message, deadline)?;
    Ok(message)
}

fn read_exact_until(
    stream: &mut TcpStream,
    buffer: &mut [u8],
    deadline: Instant,
) -> Result<(), TryFailure> {
    let mut filled = 0;
    while filled < buffer.len() {
        let remaining = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| TryFailure::Io(io::ErrorKind::TimedOut.into()))?;
        stream
            .set_read_timeout(Some(remaining))
            .map_err(TryFailure::Io)?;
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => return Err(TryFailure::ClosedEarly),
            Ok(read) => filled += read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(TryFailure::Io(err)),
        }
    }
    Ok(())
}

/// An owned copy of `candidate` if it answers `query`, else `None`.
fn accept(candidate: &[u8], query: &[u8]) -> Option<Message<Vec<u8>>> {
    if !answers_query(candidate, query) {
        return None;
    }
    Message::from_octets(candidate.to_vec()).ok()
}

/// Whether `candidate` answers `query`: QR set, same ID, and the same question (name compared
/// case-insensitively, type, class). A server that could not read the question may answer an
/// error with an empty question section (RFC 1035 leaves it open); that counts as an answer
/// when its rcode is not NOERROR, so that FORMERR, NOTIMP or REFUSED are shown.
pub fn answers_query(candidate: &[u8], query: &[u8]) -> bool {
    let (Ok(candidate), Ok(query)) = (Message::from_slice(candidate), Message::from_slice(query))
    else {
        return false;
    };
    let header = candidate.header();
    if !header.qr() || header.id() != query.header().id() {
        return false;
    }
    if candidate.header_counts().qdcount() == 0 {
        return header.rcode() != Rcode::NOERROR;
    }
    let mut expected = query.question();
    let mut received = candidate.question();
    loop {
        match (expected.next(), received.next()) {
            (None, None) => return true,
            (Some(Ok(expected)), Some(Ok(received))) => {
                if expected.qname() != received.qname()
                    || expected.qtype() != received.qtype()
                    || expected.qclass() != received.qclass()
                {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The exchange itself is tested against a real server in `tests/it/dig.rs`; here only the
    //! matching rule, on messages built with domain's builder.

    use domain::base::iana::{Class, Rcode};
    use domain::base::{MessageBuilder, Name, Rtype};

    use super::answers_query;

    fn message(id: u16, qr: bool, qname: &str, rcode: Rcode, with_question: bool) -> Vec<u8> {
        let mut builder = MessageBuilder::new_vec();
        builder.header_mut().set_id(id);
        builder.header_mut().set_qr(qr);
        builder.header_mut().set_rcode(rcode);
        let mut question = builder.question();
        if with_question {
            let name: Name<Vec<u8>> = qname.parse().expect("test name");
            question
                .push((name, Rtype::A, Class::IN))
                .expect("room for the question");
        }
        question.finish()
    }

    #[test]
    fn a_response_with_the_same_id_and_question_answers() {
        let query = message(7, false, "www.example.test", Rcode::NOERROR, true);
        let response = message(7, true, "WWW.Example.TEST", Rcode::NOERROR, true);
        assert!(answers_query(&response, &query));
    }

    #[test]
    fn another_id_another_question_or_no_qr_does_not_answer() {
        let query = message(7, false, "www.example.test", Rcode::NOERROR, true);
        assert!(!answers_query(
            &message(8, true, "www.example.test", Rcode::NOERROR, true),
            &query
        ));
        assert!(!answers_query(
            &message(7, true, "mail.example.test", Rcode::NOERROR, true),
            &query
        ));
        assert!(!answers_query(
            &message(7, false, "www.example.test", Rcode::NOERROR, true),
            &query
        ));
    }

    #[test]
    fn an_error_without_question_answers_but_a_bare_noerror_does_not() {
        let query = message(7, false, "www.example.test", Rcode::NOERROR, true);
        assert!(answers_query(
            &message(7, true, "", Rcode::FORMERR, false),
            &query
        ));
        assert!(!answers_query(
            &message(7, true, "", Rcode::NOERROR, false),
            &query
        ));
    }

    #[test]
    fn garbage_never_answers() {
        let query = message(7, false, "www.example.test", Rcode::NOERROR, true);
        assert!(!answers_query(&[], &query));
        assert!(!answers_query(&[0, 7, 0x80], &query));
        // Header claims one question, but the question is cut off.
        let mut cut = message(7, true, "www.example.test", Rcode::NOERROR, true);
        cut.truncate(15);
        assert!(!answers_query(&cut, &query));
    }
}
