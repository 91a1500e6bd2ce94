//! Capture on `lo`: an AF_PACKET socket with the kernel filter of [`crate::filter`], read on
//! its own thread until [`Capture::stop`].
//!
//! The socket is set up in the order CRATES.md's AF_PACKET traps require:
//! 1. `socket(AF_PACKET, SOCK_RAW, 0)`: protocol 0, so nothing is queued yet;
//! 2. attach the filter, set a 4 MiB receive buffer and kernel timestamps;
//! 3. only then `bind` to `lo` with `ETH_P_ALL`, so no unfiltered frame slips in between.
//!
//! On `lo` every packet is delivered twice, leaving (`PACKET_OUTGOING`) and arriving; the
//! leaving copy is dropped, as libpcap does.

use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use socket2::{Domain, SockFilter, Socket, Type};

use crate::decode::{Decoder, Packet};
use crate::filter::{BpfProgram, FilterError, SNAPLEN};
use crate::sys;

/// The receive buffer asked for: enough for a burst of full 64 KiB lo frames.
const RECEIVE_BUFFER: usize = 4 * 1024 * 1024;
/// How long one `recv` waits before the thread looks at its stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// After a stop is asked, how long the thread goes on draining frames already queued.
const MAX_DRAIN: Duration = Duration::from_secs(1);
/// A bound on the frames kept, so a runaway capture cannot eat the machine's memory.
const MAX_FRAMES: usize = 1_000_000;

/// What to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureFilter {
    /// The lab's addresses: a packet is kept only if both its source and its destination are
    /// among them.
    pub addrs: Vec<Ipv4Addr>,
    /// The lab's DNS port (53 as root, 1053 otherwise); payloads to or from it, and to or from
    /// 53, are decoded as DNS.
    pub dns_port: u16,
}

/// Why capture did not start.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The process may not open packet sockets: it is neither root nor holds CAP_NET_RAW.
    /// The caller goes on without packets.
    #[error(
        "capturing packets needs root or CAP_NET_RAW (the kernel refused an AF_PACKET socket: {source}); going on without packets"
    )]
    NotPermitted {
        /// The kernel's refusal (EPERM).
        source: io::Error,
    },
    /// The address set cannot be made into a filter.
    #[error("capture filter: {0}")]
    Filter(#[from] FilterError),
    /// Another step of setting the socket up failed.
    #[error("capture: cannot {step}: {source}")]
    Socket {
        /// What was being done: `attach the filter`, `bind to lo`, ...
        step: &'static str,
        /// The kernel's error.
        source: io::Error,
    },
}

/// Counters of one capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CaptureStats {
    /// Frames that passed the kernel filter (`PACKET_STATISTICS` `tp_packets`, which counts
    /// both lo copies of a packet and includes the dropped ones).
    pub received: u64,
    /// Frames the kernel dropped because the receive buffer was full (`tp_drops`). Non-zero
    /// means the capture is missing packets.
    pub dropped: u64,
    /// Leaving copies of lo packets skipped (`PACKET_OUTGOING`).
    pub outgoing_duplicates: u64,
    /// Frames kept that did not decode as IPv4 TCP, UDP or ICMP.
    pub undecoded: u64,
    /// Frames longer than the capture buffer, kept cut short.
    pub truncated: u64,
    /// Frames without a kernel timestamp, timed by the capture thread instead.
    pub user_space_timestamps: u64,
}

/// What a capture saw.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureReport {
    /// The packets, decoded, in the order the kernel delivered them.
    pub packets: Vec<Packet>,
    /// The kernel's and the capture's counters.
    pub stats: CaptureStats,
    /// An error that ended the capture thread early, if one did.
    pub error: Option<String>,
}

/// A running capture: a thread reading the packet socket.
pub struct Capture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<ThreadResult>>,
    dns_port: u16,
}

struct ThreadResult {
    frames: Vec<(SystemTime, Vec<u8>)>,
    stats: CaptureStats,
    error: Option<io::Error>,
}

impl Capture {
    /// Opens the packet socket on `lo` with the kernel filter for `filter.addrs`, and starts
    /// reading on a thread. Returns [`CaptureError::NotPermitted`] without root or CAP_NET_RAW.
    pub fn start(filter: CaptureFilter) -> Result<Capture, CaptureError> {
        let program = BpfProgram::between(&filter.addrs)?;
        let socket = open_socket(&program)?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("wire-capture".into())
            .spawn({
                let stop = stop.clone();
                move || read_frames(&socket, &stop)
            })
            .map_err(|source| CaptureError::Socket {
                step: "start the capture thread",
                source,
            })?;
        Ok(Capture {
            stop,
            thread: Some(thread),
            dns_port: filter.dns_port,
        })
    }

    /// Stops reading (after draining what the kernel already queued), decodes the frames and
    /// returns them with the kernel's counters.
    pub fn stop(mut self) -> CaptureReport {
        self.stop.store(true, Ordering::SeqCst);
        let result = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => ThreadResult {
                frames: Vec::new(),
                stats: CaptureStats::default(),
                error: Some(io::Error::other("the capture thread panicked")),
            },
        };
        let kept = result.frames.len() as u64;
        let packets = Decoder::new(self.dns_port).decode_all(result.frames);
        let mut stats = result.stats;
        stats.undecoded = kept - packets.len() as u64;
        CaptureReport {
            packets,
            stats,
            error: result.error.map(|e| e.to_string()),
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn open_socket(program: &BpfProgram) -> Result<Socket, CaptureError> {
    let step = |step: &'static str| move |source: io::Error| CaptureError::Socket { step, source };
    // Protocol 0: the socket receives nothing until it is bound with a protocol.
    let socket = Socket::new(Domain::PACKET, Type::RAW, None).map_err(|source| {
        if matches!(
            source.raw_os_error(),
            Some(libc::EPERM) | Some(libc::EACCES)
        ) {
            CaptureError::NotPermitted { source }
        } else {
            CaptureError::Socket {
                step: "open an AF_PACKET socket",
                source,
            }
        }
    })?;
    let filter: Vec<SockFilter> = program
        .instructions
        .iter()
        .map(|i| SockFilter::new(i.code, i.jt, i.jf, i.k))
        .collect();
    socket
        .attach_filter(&filter)
        .map_err(step("attach the filter"))?;
    sys::set_receive_buffer(&socket, RECEIVE_BUFFER).map_err(step("set the receive buffer"))?;
    sys::enable_kernel_timestamps(&socket).map_err(step("enable kernel timestamps"))?;
    socket
        .set_read_timeout(Some(POLL_INTERVAL))
        .map_err(step("set a read timeout"))?;
    let lo = sys::interface_index("lo").map_err(step("find the lo interface"))?;
    sys::bind_all_protocols(&socket, lo).map_err(step("bind to lo"))?;
    Ok(socket)
}

/// The capture thread: reads frames until asked to stop and the queue is empty.
fn read_frames(socket: &Socket, stop: &AtomicBool) -> ThreadResult {
    let mut buf = vec![0u8; SNAPLEN as usize];
    let mut frames = Vec::new();
    let mut stats = CaptureStats::default();
    let mut error = None;
    let mut stop_seen: Option<Instant> = None;
    loop {
        if stop_seen.is_none() && stop.load(Ordering::SeqCst) {
            stop_seen = Some(Instant::now());
        }
        if stop_seen.is_some_and(|at| at.elapsed() > MAX_DRAIN) {
            break;
        }
        match sys::receive_frame(socket, &mut buf) {
            Ok(received) => {
                if received.packet_type == sys::PACKET_OUTGOING {
                    stats.outgoing_duplicates += 1;
                    continue;
                }
                let at = received.kernel_time.unwrap_or_else(|| {
                    stats.user_space_timestamps += 1;
                    SystemTime::now()
                });
                if received.wire_len > received.len {
                    stats.truncated += 1;
                }
                if frames.len() < MAX_FRAMES {
                    frames.push((at, buf[..received.len].to_vec()));
                }
            }
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                // The queue is empty: if a stop was asked, everything before it has been read.
                if stop_seen.is_some() {
                    break;
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                error = Some(err);
                break;
            }
        }
    }
    match sys::packet_statistics(socket) {
        Ok((received, dropped)) => {
            stats.received = u64::from(received);
            stats.dropped = u64::from(dropped);
        }
        Err(err) => {
            error.get_or_insert(err);
        }
    }
    ThreadResult {
        frames,
        stats,
        error,
    }
}
