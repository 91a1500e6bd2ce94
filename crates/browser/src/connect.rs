//! Opening the TCP connection: Happy Eyeballs version 2 (RFC 8305) over the resolved addresses.
//!
//! The addresses are put in RFC 8305 §4 order — the families interleaved, IPv6 first — and
//! attempts start one after another: the next one when the previous has failed, or when the
//! Connection Attempt Delay (250 ms, §5) has passed without an answer, whichever comes first.
//! The first attempt to connect wins; the others are cancelled (their sockets dropped, so a
//! SYN still in flight is answered by the kernel with nothing more from us). Every attempt is
//! recorded with its start, end and outcome, because "why did this take 250 ms" is exactly
//! what a person looking at the timings wants to know.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// RFC 8305 §5: "The recommended value for the Connection Attempt Delay is 250 milliseconds."
pub const CONNECTION_ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// How one connection attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The handshake completed: this attempt's connection is the one used.
    Connected,
    /// The peer answered the SYN with a RST (nothing listens there).
    Refused,
    /// No answer before the connect timeout.
    TimedOut,
    /// No route to the host or network.
    Unreachable,
    /// Another error (see the attempt's `error`).
    Failed,
    /// Still in progress when another attempt won; dropped.
    Cancelled,
    /// Not tried: the address family differs from the `--bind` source address.
    Skipped,
}

/// One connection attempt, timed from the start of the leg it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// The address and port tried.
    pub remote: SocketAddr,
    /// When the attempt started (the SYN was sent), in ms from the leg's start.
    pub started_ms: f64,
    /// When it ended (connected, failed, or was cancelled), in ms from the leg's start.
    pub ended_ms: f64,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// The operating system's error, for attempts that failed (English, its own words).
    pub error: Option<String>,
    /// The operating system's error number, when it gave one: the error said in any language.
    #[serde(skip)]
    pub os_code: Option<i32>,
}

/// A connected stream and the attempts it took.
#[derive(Debug)]
pub struct Connected {
    /// The connection.
    pub stream: TcpStream,
    /// Our address and port, as the kernel chose (or `--bind` asked).
    pub local: SocketAddr,
    /// The peer's address and port.
    pub remote: SocketAddr,
    /// Every attempt, in the order started.
    pub attempts: Vec<Attempt>,
}

/// Why no attempt connected.
#[derive(Debug, Clone)]
pub struct ConnectFailed {
    /// Every attempt, in the order started.
    pub attempts: Vec<Attempt>,
    /// Whether the connect timeout ran out (rather than every attempt failing).
    pub timed_out: bool,
}

/// How to connect.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// The source address, if one is required.
    pub bind: Option<IpAddr>,
    /// The Connection Attempt Delay.
    pub attempt_delay: Duration,
    /// The bound on the whole race.
    pub timeout: Duration,
}

/// RFC 8305 §4: the families interleaved, starting with IPv6, each family in its given order.
pub fn interleave(addresses: &[IpAddr]) -> Vec<IpAddr> {
    let (v6, v4): (Vec<IpAddr>, Vec<IpAddr>) = addresses.iter().partition(|ip| ip.is_ipv6());
    let mut order = Vec::with_capacity(addresses.len());
    let (mut a, mut b) = (v6.into_iter(), v4.into_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) => order.extend(x.into_iter().chain(y)),
        }
    }
    order
}

/// Races connections to `addresses` on `port` as RFC 8305 describes; `origin` is the leg's
/// start, which the attempts' times are relative to.
pub async fn happy_eyeballs(
    addresses: &[IpAddr],
    port: u16,
    options: ConnectOptions,
    origin: Instant,
) -> Result<Connected, ConnectFailed> {
    let ms = |at: Instant| at.duration_since(origin).as_secs_f64() * 1000.0;
    let order = interleave(addresses);
    let deadline = Instant::now() + options.timeout;
    let mut attempts: Vec<Attempt> = Vec::with_capacity(order.len());
    let mut running: JoinSet<(usize, io::Result<TcpStream>)> = JoinSet::new();
    let mut next = 0;
    let mut next_start = Instant::now();
    loop {
        // Start the next attempt when nothing is running or its delay has passed.
        while next < order.len() && (running.is_empty() || Instant::now() >= next_start) {
            let remote = SocketAddr::new(order[next], port);
            next += 1;
            let now = Instant::now();
            if options
                .bind
                .is_some_and(|b| b.is_ipv6() != remote.is_ipv6())
            {
                attempts.push(Attempt {
                    remote,
                    started_ms: ms(now),
                    ended_ms: ms(now),
                    outcome: AttemptOutcome::Skipped,
                    error: Some("the --bind address is of the other family".into()),
                    os_code: None,
                });
                continue;
            }
            let index = attempts.len();
            attempts.push(Attempt {
                remote,
                started_ms: ms(now),
                ended_ms: ms(now),
                outcome: AttemptOutcome::Cancelled,
                error: None,
                os_code: None,
            });
            let bind = options.bind;
            running.spawn(async move { (index, connect_one(remote, bind).await) });
            next_start = now + options.attempt_delay;
            break;
        }
        if running.is_empty() {
            return Err(ConnectFailed {
                attempts,
                timed_out: false,
            });
        }
        let wake = if next < order.len() {
            next_start.min(deadline)
        } else {
            deadline
        };
        tokio::select! {
            joined = running.join_next() => {
                let Some(Ok((index, result))) = joined else { continue };
                let now = Instant::now();
                let attempt = &mut attempts[index];
                attempt.ended_ms = ms(now);
                match result {
                    Ok(stream) => {
                        attempt.outcome = AttemptOutcome::Connected;
                        running.abort_all();
                        finish_running(&mut attempts, index, ms(now), AttemptOutcome::Cancelled);
                        let local = match stream.local_addr() {
                            Ok(local) => local,
                            Err(err) => {
                                attempts[index].outcome = AttemptOutcome::Failed;
                                attempts[index].error = Some(err.to_string());
                                attempts[index].os_code = err.raw_os_error();
                                return Err(ConnectFailed { attempts, timed_out: false });
                            }
                        };
                        let remote = attempts[index].remote;
                        return Ok(Connected { stream, local, remote, attempts });
                    }
                    Err(err) => {
                        attempt.outcome = classify(&err);
                        attempt.error = Some(err.to_string());
                        attempt.os_code = err.raw_os_error();
                        // RFC 8305 §5: a failed attempt lets the next one start at once.
                        next_start = now;
                    }
                }
            }
            () = tokio::time::sleep_until(wake) => {
                if Instant::now() >= deadline {
                    running.abort_all();
                    let now = ms(Instant::now());
                    finish_running(&mut attempts, usize::MAX, now, AttemptOutcome::TimedOut);
                    return Err(ConnectFailed { attempts, timed_out: true });
                }
            }
        }
    }
}

/// Marks the attempts still running (all but `winner`) as ended now with `outcome`.
fn finish_running(attempts: &mut [Attempt], winner: usize, now_ms: f64, outcome: AttemptOutcome) {
    for (i, attempt) in attempts.iter_mut().enumerate() {
        if i != winner && attempt.outcome == AttemptOutcome::Cancelled && attempt.error.is_none() {
            attempt.ended_ms = now_ms;
            attempt.outcome = outcome;
        }
    }
}

async fn connect_one(remote: SocketAddr, bind: Option<IpAddr>) -> io::Result<TcpStream> {
    let socket = if remote.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(ip) = bind {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(remote).await?;
    // Requests are written whole; waiting for Nagle's timer would only add latency (curl too
    // sets TCP_NODELAY).
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn classify(err: &io::Error) -> AttemptOutcome {
    match err.kind() {
        io::ErrorKind::ConnectionRefused => AttemptOutcome::Refused,
        io::ErrorKind::TimedOut => AttemptOutcome::TimedOut,
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            AttemptOutcome::Unreachable
        }
        _ => AttemptOutcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn families_are_interleaved_ipv6_first() {
        assert_eq!(
            interleave(&ips(&["192.0.2.1", "192.0.2.2", "2001:db8::1"])),
            ips(&["2001:db8::1", "192.0.2.1", "192.0.2.2"])
        );
        assert_eq!(
            interleave(&ips(&["2001:db8::1", "2001:db8::2", "192.0.2.1"])),
            ips(&["2001:db8::1", "192.0.2.1", "2001:db8::2"])
        );
        assert_eq!(interleave(&ips(&["192.0.2.1"])), ips(&["192.0.2.1"]));
    }
}
