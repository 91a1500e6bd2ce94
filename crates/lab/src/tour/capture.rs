//! The tour's capture: on loopback, one AF_PACKET socket on `lo` filtered to the lab's
//! addresses; in namespaces, one socket in every host and router, each keeping the frames its
//! host sends, so every frame on every link is seen once, by its sender, and a packet that
//! crossed routers is merged into one with its path ([`wire::Captures`]).

use crate::RunningLab;

/// Why the tour has no packets.
#[derive(Debug)]
pub enum CaptureFailure {
    /// The capture itself could not start.
    Capture(wire::CaptureError),
    /// A host's network namespace could not be entered to capture there.
    EnterHost { host: String, error: std::io::Error },
}

impl CaptureFailure {
    /// Why, in `lang`.
    pub fn text(&self, lang: text::Lang) -> String {
        match self {
            CaptureFailure::Capture(err) => err.describe(lang),
            CaptureFailure::EnterHost { host, error } => text::t!(
                lang,
                "capture-enter-host",
                host = host,
                error = text::io_error(lang, error)
            ),
        }
    }
}

/// Starts capturing the lab's traffic, or says why it cannot.
pub fn start(lab: &RunningLab) -> (Option<wire::Captures>, Option<CaptureFailure>) {
    let config = &lab.config;
    let mut captures = wire::Captures::new();
    match lab.network() {
        None => {
            let filter = wire::CaptureFilter {
                addrs: config.addresses(),
                dns_port: config.dns_port,
            };
            match wire::Capture::start(filter) {
                Ok(capture) => captures.push(capture),
                Err(err) => return (None, Some(CaptureFailure::Capture(err))),
            }
        }
        Some(network) => {
            // Started in every host at once: setting up a capture's ring waits for an RCU
            // grace period in the kernel (`packet_set_ring`'s `synchronize_net`, ~8 ms here),
            // whatever its size, and waits that overlap share one (13 hosts: ~10 ms, not ~100).
            let started: Vec<_> = std::thread::scope(|scope| {
                let starting: Vec<_> = network
                    .hosts
                    .iter()
                    .map(|host| {
                        let name = host.node.name.clone();
                        let dns_port = config.dns_port;
                        scope.spawn(move || {
                            host.netns
                                .run(|| wire::Capture::start_outgoing(name, dns_port))
                        })
                    })
                    .collect();
                starting
                    .into_iter()
                    .map(|thread| {
                        thread
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
            for (host, started) in network.hosts.iter().zip(started) {
                match started {
                    Ok(Ok(capture)) => captures.push(capture),
                    Ok(Err(err)) => return (None, Some(CaptureFailure::Capture(err))),
                    Err(error) => {
                        let host = host.node.name.clone();
                        return (None, Some(CaptureFailure::EnterHost { host, error }));
                    }
                }
            }
        }
    }
    (Some(captures), None)
}
