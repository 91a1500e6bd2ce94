//! Capture: an AF_PACKET socket read on its own thread until [`Capture::stop`], in one of two
//! ways.
//!
//! **On `lo`** ([`Capture::start`]): the whole lab in one namespace, on loopback addresses. The
//! kernel filter of [`crate::filter`] keeps only lab addresses. The socket is set up in the
//! order CRATES.md's AF_PACKET traps require:
//! 1. `socket(AF_PACKET, SOCK_RAW, 0)`: protocol 0, so nothing is queued yet;
//! 2. attach the filter and map a receive ring ([`sys::Ring`], `TPACKET_V3`);
//! 3. only then `bind` to `lo` with `ETH_P_ALL`, so no unfiltered frame slips in between.
//!
//! Frames are read from the ring rather than with `recvmsg`: the ring carries the kernel's
//! time for every frame, taken as the frame crossed the interface, on the one clock of all
//! namespaces, which is what puts a packet's copies from several hosts in order (see
//! [`sys::Ring`] for why `recvmsg`'s `SO_TIMESTAMPNS` did not).
//!
//! On `lo` every packet is delivered twice, leaving (`PACKET_OUTGOING`) and arriving; the
//! leaving copy is dropped, as libpcap does.
//!
//! **In a host's namespace** ([`Capture::start_outgoing`]): every interface but loopback, and
//! only what the host *sends* (`PACKET_OUTGOING`). There is no address filter: everything in
//! the lab's namespaces is lab traffic. The socket is created on the calling thread, which must
//! already be in the host's namespace; the socket keeps that namespace for life, so the reading
//! thread can be anywhere. Interface names are those of that namespace: all of them are read
//! at start on the calling thread (`if_nameindex`), and one that appears later is asked of the
//! socket itself (`SIOCGIFNAME`). Since every frame on a link has exactly one sender, a
//! capture in every host and router sees each frame exactly once per link; [`Captures`] stops
//! them together and [`crate::merge_paths`] makes one packet of a packet's copies.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use socket2::{Domain, SockFilter, Socket, Type};
use text::{Lang, t};

use crate::decode::Packet;
use crate::filter::{BpfProgram, FilterError};
use crate::paths::{Observation, merge_counting};
use crate::sys;

/// The ring on `lo`: 4 MiB, enough for a burst of full 64 KiB lo frames, in blocks that hold
/// a frame of [`crate::filter::SNAPLEN`].
const LO_RING: sys::RingSize = sys::RingSize {
    block_size: 512 * 1024,
    blocks: 8,
    retire_ms: RETIRE_MS,
};
/// The ring in a host's namespace: 2 MiB, in blocks that hold the largest frame a veth sends
/// (64 KiB with segmentation offload).
const HOST_RING: sys::RingSize = sys::RingSize {
    block_size: 128 * 1024,
    blocks: 16,
    retire_ms: RETIRE_MS,
};
/// How long the kernel keeps a block that is not full before handing it over (ms).
const RETIRE_MS: u32 = 4;
/// How long the thread waits for a block before it looks at its stop flag; longer than
/// [`RETIRE_MS`], so a wait that ends empty after a stop means every frame before it was read.
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
#[derive(Debug)]
pub enum CaptureError {
    /// The process may not open packet sockets: it is neither root nor holds CAP_NET_RAW.
    /// The caller goes on without packets.
    NotPermitted {
        /// The kernel's refusal (EPERM).
        source: io::Error,
    },
    /// The address set cannot be made into a filter.
    Filter(FilterError),
    /// Another step of setting the socket up failed.
    Socket {
        /// What was being done.
        step: CaptureStep,
        /// The kernel's error.
        source: io::Error,
    },
}

impl From<FilterError> for CaptureError {
    fn from(err: FilterError) -> Self {
        CaptureError::Filter(err)
    }
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::NotPermitted { source } | CaptureError::Socket { source, .. } => {
                Some(source)
            }
            CaptureError::Filter(err) => Some(err),
        }
    }
}

impl CaptureError {
    /// Why capture did not start, in `lang` (the kernel's error by its kind and number).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            CaptureError::NotPermitted { source } => t!(
                lang,
                "capture-not-permitted",
                error = text::io_error(lang, source)
            ),
            CaptureError::Filter(err) => t!(lang, "capture-filter", error = err.describe(lang)),
            CaptureError::Socket { step, source } => t!(
                lang,
                "capture-socket",
                step = step.describe(lang),
                error = text::io_error(lang, source)
            ),
        }
    }
}

/// A step of setting a packet socket up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureStep {
    /// Finding the index of `lo`.
    FindLo,
    /// Binding to `lo`.
    BindLo,
    /// Listing the interfaces.
    ListInterfaces,
    /// Binding to every interface.
    BindAll,
    /// Starting the reading thread.
    StartThread,
    /// Opening the AF_PACKET socket.
    OpenSocket,
    /// Attaching the BPF filter.
    AttachFilter,
    /// Setting up and mapping the receive ring.
    Ring,
}

impl CaptureStep {
    /// The step in `lang`.
    pub fn describe(self, lang: Lang) -> String {
        match self {
            CaptureStep::FindLo => t!(lang, "capture-step-find-lo"),
            CaptureStep::BindLo => t!(lang, "capture-step-bind-lo"),
            CaptureStep::ListInterfaces => t!(lang, "capture-step-list-interfaces"),
            CaptureStep::BindAll => t!(lang, "capture-step-bind-all"),
            CaptureStep::StartThread => t!(lang, "capture-step-thread"),
            CaptureStep::OpenSocket => t!(lang, "capture-step-open"),
            CaptureStep::AttachFilter => t!(lang, "capture-step-attach"),
            CaptureStep::Ring => t!(lang, "capture-step-ring"),
        }
    }
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
    /// Leaving copies of lo packets skipped (`PACKET_OUTGOING`; `lo` capture only).
    pub outgoing_duplicates: u64,
    /// Frames the host received rather than sent, skipped (namespace capture only).
    pub incoming: u64,
    /// Frames on the loopback interface, skipped (namespace capture only).
    pub loopback: u64,
    /// Frames kept that did not decode (see [`crate::DecodeError`]).
    pub undecoded: u64,
    /// Frames longer than the snap length or a ring block, kept cut short.
    pub truncated: u64,
}

impl CaptureStats {
    fn add(&mut self, other: &CaptureStats) {
        self.received += other.received;
        self.dropped += other.dropped;
        self.outgoing_duplicates += other.outgoing_duplicates;
        self.incoming += other.incoming;
        self.loopback += other.loopback;
        self.undecoded += other.undecoded;
        self.truncated += other.truncated;
    }
}

/// What a capture saw.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureReport {
    /// The packets, decoded, in the time order of their first hop. From [`Captures`], each
    /// packet once, with every link it crossed in its `path`.
    pub packets: Vec<Packet>,
    /// The kernel's and the capture's counters (from [`Captures`]: summed over the hosts).
    pub stats: CaptureStats,
    /// Each host's counters, by host label (namespace captures only; the `lo` capture's host
    /// label is empty).
    pub by_host: BTreeMap<String, CaptureStats>,
    /// An error that ended a capture thread early, if one did (from [`Captures`]: each, as
    /// `host: error`, joined by `; `).
    pub error: Option<String>,
}

/// A running capture: a thread reading the packet socket.
pub struct Capture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<ThreadResult>>,
    dns_port: u16,
    host: String,
}

/// Which frames a capture keeps.
#[derive(Debug, Clone, Copy)]
enum Keep {
    /// `lo`: the arriving copy of each packet.
    LoopbackArriving,
    /// A host's namespace: what it sends, on every interface but `lo` (whose index is given).
    Outgoing { lo: Option<i32> },
}

struct RawFrame {
    at: SystemTime,
    ifindex: i32,
    data: Vec<u8>,
}

struct ThreadResult {
    frames: Vec<RawFrame>,
    /// Interface names by index, in the socket's namespace.
    names: HashMap<i32, String>,
    stats: CaptureStats,
    error: Option<io::Error>,
}

impl Capture {
    /// Opens the packet socket on `lo` with the kernel filter for `filter.addrs`, and starts
    /// reading on a thread. Returns [`CaptureError::NotPermitted`] without root or CAP_NET_RAW.
    /// The packets' hops have an empty host label and the interface `lo`.
    pub fn start(filter: CaptureFilter) -> Result<Capture, CaptureError> {
        let program = BpfProgram::between(&filter.addrs)?;
        let (socket, ring) = open_socket(Some(&program), LO_RING)?;
        let lo = sys::interface_index("lo").map_err(step(CaptureStep::FindLo))?;
        sys::bind_all_protocols(&socket, lo).map_err(step(CaptureStep::BindLo))?;
        let names = HashMap::from([(lo as i32, "lo".to_owned())]);
        Capture::spawn(
            socket,
            ring,
            Keep::LoopbackArriving,
            names,
            String::new(),
            filter.dns_port,
        )
    }

    /// Captures what the host labelled `host` sends, on every interface but loopback. Must be
    /// called on a thread that is in the host's network namespace (see the module doc): the
    /// socket and the interface names are that namespace's; the reading thread can be
    /// anywhere. Payloads to or from `dns_port` (and 53) are decoded as DNS. Returns
    /// [`CaptureError::NotPermitted`] without CAP_NET_RAW in the namespace.
    pub fn start_outgoing(host: impl Into<String>, dns_port: u16) -> Result<Capture, CaptureError> {
        let (socket, ring) = open_socket(None, HOST_RING)?;
        let names: HashMap<i32, String> = sys::interface_names()
            .map_err(step(CaptureStep::ListInterfaces))?
            .into_iter()
            .map(|(index, name)| (index as i32, name))
            .collect();
        let lo = names
            .iter()
            .find(|(_, name)| name.as_str() == "lo")
            .map(|(index, _)| *index);
        // ifindex 0: every interface, including those created after this call.
        sys::bind_all_protocols(&socket, 0).map_err(step(CaptureStep::BindAll))?;
        Capture::spawn(
            socket,
            ring,
            Keep::Outgoing { lo },
            names,
            host.into(),
            dns_port,
        )
    }

    fn spawn(
        socket: Socket,
        ring: sys::Ring,
        keep: Keep,
        names: HashMap<i32, String>,
        host: String,
        dns_port: u16,
    ) -> Result<Capture, CaptureError> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("wire-capture".into())
            .spawn({
                let stop = stop.clone();
                move || read_frames(&socket, ring, &stop, keep, names)
            })
            .map_err(step(CaptureStep::StartThread))?;
        Ok(Capture {
            stop,
            thread: Some(thread),
            dns_port,
            host,
        })
    }

    /// The host label given to [`Capture::start_outgoing`] (empty for the `lo` capture).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Stops reading (after draining what the kernel already queued), decodes the frames and
    /// returns them with the kernel's counters.
    pub fn stop(self) -> CaptureReport {
        Captures::from(vec![self]).stop()
    }

    /// Asks the thread to stop, without waiting.
    fn ask_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Waits for the thread (asked to stop) and gives its frames as observations.
    fn observations(mut self) -> (Vec<Observation>, CaptureStats, Option<io::Error>) {
        self.ask_stop();
        let result = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => ThreadResult {
                frames: Vec::new(),
                names: HashMap::new(),
                stats: CaptureStats::default(),
                error: Some(io::Error::other("the capture thread panicked")),
            },
        };
        let observations = result
            .frames
            .into_iter()
            .map(|frame| Observation {
                host: self.host.clone(),
                interface: result
                    .names
                    .get(&frame.ifindex)
                    .cloned()
                    .unwrap_or_else(|| format!("if{}", frame.ifindex)),
                at: frame.at,
                frame: frame.data,
            })
            .collect();
        (observations, result.stats, result.error)
    }
}

/// Several captures stopped together: typically one per host and router namespace, each from
/// [`Capture::start_outgoing`]. Their frames are merged in time order, and the copies of each
/// packet made into one packet with its path ([`crate::merge_paths`]).
#[derive(Default)]
pub struct Captures {
    captures: Vec<Capture>,
}

impl From<Vec<Capture>> for Captures {
    fn from(captures: Vec<Capture>) -> Captures {
        Captures { captures }
    }
}

impl Captures {
    /// No capture yet.
    pub fn new() -> Captures {
        Captures::default()
    }

    /// Adds a running capture.
    pub fn push(&mut self, capture: Capture) {
        self.captures.push(capture);
    }

    /// How many captures are running.
    pub fn len(&self) -> usize {
        self.captures.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.captures.is_empty()
    }

    /// Stops every capture (all are asked at once, then each drained), puts the copies of each
    /// packet together and decodes the packets once, in time order. DNS is decoded on the
    /// first capture's `dns_port` (and 53).
    pub fn stop(self) -> CaptureReport {
        for capture in &self.captures {
            capture.ask_stop();
        }
        let dns_port = self.captures.first().map_or(0, |c| c.dns_port);
        let mut observations = Vec::new();
        let mut stats = CaptureStats::default();
        let mut by_host: BTreeMap<String, CaptureStats> = BTreeMap::new();
        let mut errors = Vec::new();
        for capture in self.captures {
            let host = capture.host.clone();
            let (seen, host_stats, error) = capture.observations();
            observations.extend(seen);
            stats.add(&host_stats);
            by_host.entry(host.clone()).or_default().add(&host_stats);
            if let Some(error) = error {
                errors.push(if host.is_empty() {
                    error.to_string()
                } else {
                    format!("{host}: {error}")
                });
            }
        }
        let (packets, undecoded) = merge_counting(observations, dns_port);
        stats.undecoded = undecoded;
        // Each host's undecoded frames are not told apart after merging: the total is in
        // `stats`.
        CaptureReport {
            packets,
            stats,
            by_host,
            error: (!errors.is_empty()).then(|| errors.join("; ")),
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

fn step(step: CaptureStep) -> impl Fn(io::Error) -> CaptureError {
    move |source: io::Error| CaptureError::Socket { step, source }
}

/// A packet socket with its filter and receive ring, not yet bound: it receives nothing until
/// it is.
fn open_socket(
    program: Option<&BpfProgram>,
    ring: sys::RingSize,
) -> Result<(Socket, sys::Ring), CaptureError> {
    // Protocol 0: the socket receives nothing until it is bound with a protocol.
    let socket = Socket::new(Domain::PACKET, Type::RAW, None).map_err(|source| {
        if matches!(
            source.raw_os_error(),
            Some(libc::EPERM) | Some(libc::EACCES)
        ) {
            CaptureError::NotPermitted { source }
        } else {
            CaptureError::Socket {
                step: CaptureStep::OpenSocket,
                source,
            }
        }
    })?;
    if let Some(program) = program {
        let filter: Vec<SockFilter> = program
            .instructions
            .iter()
            .map(|i| SockFilter::new(i.code, i.jt, i.jf, i.k))
            .collect();
        socket
            .attach_filter(&filter)
            .map_err(step(CaptureStep::AttachFilter))?;
    }
    let ring = sys::Ring::new(&socket, ring).map_err(step(CaptureStep::Ring))?;
    Ok((socket, ring))
}

/// The capture thread: reads the ring's blocks until asked to stop and none is left.
fn read_frames(
    socket: &Socket,
    mut ring: sys::Ring,
    stop: &AtomicBool,
    keep: Keep,
    mut names: HashMap<i32, String>,
) -> ThreadResult {
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
        let read = ring.read_block(socket, POLL_INTERVAL, |received| {
            let outgoing = received.packet_type == sys::PACKET_OUTGOING;
            match keep {
                Keep::LoopbackArriving if outgoing => {
                    stats.outgoing_duplicates += 1;
                    return;
                }
                Keep::LoopbackArriving => {}
                Keep::Outgoing { lo } => {
                    if received.hardware_type == sys::ARPHRD_LOOPBACK
                        || Some(received.ifindex) == lo
                    {
                        stats.loopback += 1;
                        return;
                    }
                    if !outgoing {
                        stats.incoming += 1;
                        return;
                    }
                }
            }
            if received.wire_len > received.data.len() {
                stats.truncated += 1;
            }
            if frames.len() < MAX_FRAMES {
                // An interface made after the start: the socket knows its namespace.
                names.entry(received.ifindex).or_insert_with(|| {
                    sys::interface_name(socket, received.ifindex)
                        .unwrap_or_else(|_| format!("if{}", received.ifindex))
                });
                frames.push(RawFrame {
                    at: received.at,
                    ifindex: received.ifindex,
                    data: received.data.to_vec(),
                });
            }
        });
        match read {
            Ok(true) => {}
            // Nothing for a whole interval, longer than the kernel keeps a block that is not
            // full: if a stop was asked, everything before it has been read.
            Ok(false) => {
                if stop_seen.is_some() {
                    break;
                }
            }
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
        names,
        stats,
        error,
    }
}

#[cfg(test)]
mod describe_tests {
    use super::*;

    #[test]
    fn why_capture_did_not_start_is_told_in_korean_and_english_as_it_was() {
        use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};
        let eperm = || io::Error::from_raw_os_error(libc::EPERM);
        let mut errors = vec![
            CaptureError::NotPermitted { source: eperm() },
            CaptureError::Filter(FilterError::NoAddresses),
            CaptureError::Filter(FilterError::TooManyAddresses { given: 500 }),
        ];
        for step in [
            CaptureStep::FindLo,
            CaptureStep::BindLo,
            CaptureStep::ListInterfaces,
            CaptureStep::BindAll,
            CaptureStep::StartThread,
            CaptureStep::OpenSocket,
            CaptureStep::AttachFilter,
            CaptureStep::Ring,
        ] {
            errors.push(CaptureError::Socket {
                step,
                source: eperm(),
            });
        }
        let mut allowed = PROTOCOL_WORDS.to_vec();
        allowed.extend(["root", "lo"]); // the superuser's name, the loopback interface's
        for err in &errors {
            let korean = err.describe(Lang::Ko);
            let english = english_outside_tokens(&korean, &allowed);
            assert!(english.is_empty(), "{korean}: {english:?}");
        }
        assert_eq!(
            errors[0].to_string(),
            format!(
                "capturing packets needs root or CAP_NET_RAW (the kernel refused an AF_PACKET \
                 socket: {}); going on without packets",
                eperm()
            )
        );
        assert_eq!(
            errors[3].to_string(),
            format!("capture: cannot find the lo interface: {}", eperm())
        );
        assert_eq!(
            errors[2].to_string(),
            "capture filter: the capture filter takes at most 120 addresses, 500 were given"
        );
    }
}
