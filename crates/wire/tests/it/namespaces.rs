//! Capture in real network namespaces joined by veth pairs: each namespace captures only what it
//! sends ([`Capture::start_outgoing`]), and the packets come back once each, with their path.
//!
//! The namespaces are made here with `unshare(CLONE_NEWNET)` on a thread of their own and kept
//! only as a file descriptor (no `ip netns add`, nothing left behind when the test ends). Work
//! "in" a namespace runs on a fresh thread that has `setns`'d into it; `ip` is spawned from such
//! a thread, since a child inherits its spawning thread's namespace. Needs root (skips loudly
//! otherwise).

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, SystemTime};

use wire::{ArpOp, Capture, Captures, Mac, Packet, Transport, connections, read_pcap, write_pcap};

const MAC_A: &str = "02:00:00:00:00:0a";
const MAC_B: &str = "02:00:00:00:00:0b";

/// A network namespace of the test's own, alive as long as this descriptor is open.
struct Netns {
    fd: File,
}

impl Netns {
    /// A new namespace, or `None` after a loud SKIPPED line when the process may not make one.
    fn new() -> Option<Netns> {
        let made = std::thread::spawn(|| {
            // SAFETY: unshare only changes this thread's namespace; the thread ends right after.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            File::open("/proc/thread-self/ns/net")
        })
        .join()
        .expect("the unshare thread");
        match made {
            Ok(fd) => Some(Netns { fd }),
            Err(err) => {
                let message = format!("SKIPPED: cannot make a network namespace: {err}");
                if std::env::var_os("ROUNDTRIP_REQUIRE_PEERS").is_some_and(|v| v == "1") {
                    panic!("{message}, and ROUNDTRIP_REQUIRE_PEERS=1 says it must work");
                }
                eprintln!("\n!!! {message}\n");
                None
            }
        }
    }

    /// Runs `f` on a thread inside this namespace.
    fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let fd = self.fd.try_clone().expect("dup the namespace fd");
        std::thread::spawn(move || {
            // SAFETY: setns moves only this thread, into the namespace `fd` refers to.
            let rc = unsafe { libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("a thread in the namespace")
    }

    /// `ip ARGS` in this namespace; panics if it fails.
    fn ip(&self, args: &str) {
        let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        let output = self.run(move || Command::new("ip").args(&args).output());
        let output = output.expect("run ip");
        assert!(
            output.status.success(),
            "ip: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A path another process can open to name this namespace (`ip ... netns PATH`).
    fn path(&self) -> String {
        format!("/proc/{}/fd/{}", std::process::id(), self.fd.as_raw_fd())
    }

    /// Writes a sysctl of this namespace (`net.*` ones are per namespace).
    fn sysctl(&self, key: &'static str, value: &'static str) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        self.run(move || std::fs::write(&path, value))
            .unwrap_or_else(|err| panic!("{key}: {err}"));
    }
}

/// Root (or skip loudly), `ip`, and two namespaces.
fn privileged() -> bool {
    if !test_support::is_root() {
        eprintln!("\n!!! SKIPPED: namespaces and veth pairs need root\n");
        return false;
    }
    test_support::Peer::find("ip", "iproute2").is_some()
}

fn capture(ns: &Netns, host: &'static str) -> Capture {
    ns.run(move || Capture::start_outgoing(host, 53))
        .unwrap_or_else(|err| panic!("capture in {host}: {err}"))
}

fn lines(packets: &[Packet]) -> String {
    let Some(start) = packets.first().map(|p| p.at) else {
        return String::new();
    };
    packets
        .iter()
        .map(|p| {
            let hops: Vec<String> = p
                .path
                .iter()
                .map(|h| {
                    let us = h.at.duration_since(start).unwrap_or_default().as_micros();
                    format!("{}/{} ttl {:?} at +{us}us", h.host, h.interface, h.ttl)
                })
                .collect();
            format!("{p}   via {}", hops.join(" -> "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A multicast listener discovery message (RFC 3810), which the kernel sends by itself when an
/// interface comes up.
fn is_mld(packet: &Packet) -> bool {
    matches!(&packet.transport, Transport::Icmpv6 { meaning, .. } if meaning.starts_with("multicast listener"))
}

/// The hosts each packet was captured at, as `host/interface`.
fn route(packet: &Packet) -> Vec<String> {
    packet
        .path
        .iter()
        .map(|h| format!("{}/{}", h.host, h.interface))
        .collect()
}

#[test]
fn two_namespaces_on_a_veth_pair_see_each_frame_once() {
    if !privileged() {
        return;
    }
    let (Some(a), Some(b)) = (Netns::new(), Netns::new()) else {
        return;
    };
    // Captures first: they bind to every interface, including those made afterwards.
    let mut captures = Captures::new();
    captures.push(capture(&a, "a"));
    captures.push(capture(&b, "b"));

    a.ip(&format!(
        "link add veth-a address {MAC_A} type veth peer name veth-b address {MAC_B}"
    ));
    a.ip(&format!("link set veth-b netns {}", b.path()));
    for (ns, dev, v4, v6) in [
        (&a, "veth-a", "192.0.2.1/24", "2001:db8::1/64"),
        (&b, "veth-b", "192.0.2.2/24", "2001:db8::2/64"),
    ] {
        ns.ip("link set lo up");
        ns.ip(&format!("addr add {v4} dev {dev}"));
        ns.ip(&format!("addr add {v6} dev {dev} nodad"));
        ns.ip(&format!("link set {dev} up"));
    }

    // One UDP datagram b -> a over IPv4 (ARP first), one TCP connection b -> a over IPv6
    // (neighbour discovery first).
    let udp_server = a.run(|| UdpSocket::bind("192.0.2.1:5300")).unwrap();
    let tcp_server = a.run(|| TcpListener::bind("[2001:db8::1]:8080")).unwrap();
    let client = b.run(|| UdpSocket::bind("192.0.2.2:0")).unwrap();
    client.send_to(b"one datagram", "192.0.2.1:5300").unwrap();
    udp_server
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = udp_server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"one datagram");

    let mut stream = b
        .run(|| {
            TcpStream::connect_timeout(
                &"[2001:db8::1]:8080".parse().unwrap(),
                Duration::from_secs(5),
            )
        })
        .unwrap();
    let (mut accepted, client_addr) = tcp_server.accept().unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut request = [0u8; 18];
    accepted.read_exact(&mut request).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let report = captures.stop();
    let packets = &report.packets;
    let all = lines(packets);
    assert_eq!(report.error, None, "{all}");
    assert_eq!(report.stats.dropped, 0);
    assert!(report.stats.incoming > 0, "arriving frames are skipped");
    assert_eq!(report.by_host.len(), 2);

    // No routers: every packet has one hop, and no frame was captured twice.
    assert!(packets.iter().all(|p| p.path.len() == 1), "{all}");
    // A frame captured twice would be the same bytes at (nearly) the same time. The kernel sends
    // some frames again, byte for byte, on purpose: an unsolicited MLD report (RFC 3810 section
    // 6.1, the robustness variable), and an ARP request still unanswered after a second (when
    // the other end of a new link is slow to come up under load); those are other sends.
    let mut frames: Vec<(&[u8], SystemTime)> = packets
        .iter()
        .filter(|p| !is_mld(p))
        .map(|p| (&p.frame[..], p.at))
        .collect();
    frames.sort();
    let twice = frames.windows(2).find(|pair| {
        pair[0].0 == pair[1].0
            && pair[1]
                .1
                .duration_since(pair[0].1)
                .is_ok_and(|apart| apart < Duration::from_millis(100))
    });
    assert!(twice.is_none(), "a frame seen twice:\n{all}");

    // ARP: b asks, a answers.
    let arp: Vec<&Packet> = packets
        .iter()
        .filter(|p| matches!(p.transport, Transport::Arp { .. }))
        .collect();
    let request = arp
        .iter()
        .find(|p| {
            matches!(
                p.transport,
                Transport::Arp {
                    op: ArpOp::Request,
                    ..
                }
            )
        })
        .unwrap_or_else(|| panic!("no ARP request:\n{all}"));
    assert_eq!(route(request), ["b/veth-b"]);
    assert!(
        request
            .to_string()
            .ends_with("who-has 192.0.2.1 tell 192.0.2.2"),
        "{request}"
    );
    assert_eq!(request.dst_mac, Mac::BROADCAST);
    let reply = arp
        .iter()
        .find(|p| {
            matches!(
                p.transport,
                Transport::Arp {
                    op: ArpOp::Reply,
                    ..
                }
            )
        })
        .unwrap_or_else(|| panic!("no ARP reply:\n{all}"));
    assert_eq!(route(reply), ["a/veth-a"]);
    assert!(
        reply
            .to_string()
            .ends_with(&format!("192.0.2.1 is-at {MAC_A}")),
        "{reply}"
    );

    // Neighbour discovery: b solicits 2001:db8::1, a advertises it.
    let ndp_meanings: Vec<(String, String)> = packets
        .iter()
        .filter_map(|p| match &p.transport {
            Transport::Icmpv6 {
                meaning,
                ndp: Some(_),
                ..
            } => Some((route(p).join(","), meaning.clone())),
            _ => None,
        })
        .collect();
    assert!(
        ndp_meanings.contains(&(
            "b/veth-b".into(),
            "neighbour solicitation: who has 2001:db8::1".into()
        )),
        "{all}"
    );
    assert!(
        ndp_meanings.contains(&(
            "a/veth-a".into(),
            format!("neighbour advertisement: 2001:db8::1 is at {MAC_A}")
        )),
        "{all}"
    );

    // The datagram, once, from b, with b's MAC and TTL 64.
    let udp: Vec<&Packet> = packets
        .iter()
        .filter(|p| matches!(p.transport, Transport::Udp { len: 12 }) && p.src == from)
        .collect();
    assert_eq!(udp.len(), 1, "{all}");
    assert_eq!(route(udp[0]), ["b/veth-b"]);
    assert_eq!(
        (udp[0].ttl, udp[0].src_mac.to_string()),
        (Some(64), MAC_B.into())
    );

    // The handshake over IPv6, each segment once, from its sender.
    let connection = connections(packets)
        .into_iter()
        .find(|c| c.client == client_addr)
        .unwrap_or_else(|| panic!("no connection from {client_addr}:\n{all}"));
    let syn = connection.syn.as_ref().expect("SYN");
    let syn_ack = connection.syn_ack.as_ref().expect("SYN-ACK");
    let ack = connection.ack.as_ref().expect("ACK");
    assert_eq!(route(&packets[syn.index]), ["b/veth-b"]);
    assert_eq!(route(&packets[syn_ack.index]), ["a/veth-a"]);
    assert_eq!(route(&packets[ack.index]), ["b/veth-b"]);
    assert_eq!((ack.rel_seq, ack.rel_ack), (1, 1));
    assert_eq!(connection.data.len(), 1);
    assert_eq!(connection.data[0].http.as_deref(), Some("GET / HTTP/1.1"));

    // The pcapng file reads back the same, and tshark names each frame's host/interface.
    let path = std::env::temp_dir().join(format!("wire-netns-{}.pcapng", std::process::id()));
    write_pcap(&path, packets).unwrap();
    assert_eq!(&read_pcap(&path, 53).unwrap(), packets);
    if let Some(tshark) = test_support::Peer::find("tshark", "tshark") {
        let output = Command::new(tshark)
            .arg("-r")
            .arg(&path)
            .args([
                "-T",
                "fields",
                "-e",
                "frame.interface_name",
                "-e",
                "arp.opcode",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(stdout.lines().count(), packets.len(), "{stdout}");
        assert!(stdout.lines().any(|l| l == "b/veth-b\t1"), "{stdout}");
        assert!(stdout.lines().any(|l| l == "a/veth-a\t2"), "{stdout}");
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_router_between_two_namespaces_gives_each_packet_two_hops() {
    if !privileged() {
        return;
    }
    let (Some(a), Some(r), Some(b)) = (Netns::new(), Netns::new(), Netns::new()) else {
        return;
    };
    let mut captures = Captures::new();
    for (ns, host) in [(&a, "a"), (&r, "r"), (&b, "b")] {
        captures.push(capture(ns, host));
    }
    r.sysctl("net.ipv4.ip_forward", "1");
    r.sysctl("net.ipv6.conf.all.forwarding", "1");
    r.ip("link add r-a type veth peer name eth0");
    r.ip(&format!("link set eth0 netns {}", a.path()));
    r.ip("link add r-b type veth peer name eth0");
    r.ip(&format!("link set eth0 netns {}", b.path()));
    for (ns, dev, v4, v6) in [
        (&a, "eth0", "192.0.2.2/24", "2001:db8:1::2/64"),
        (&r, "r-a", "192.0.2.1/24", "2001:db8:1::1/64"),
        (&r, "r-b", "198.51.100.1/24", "2001:db8:2::1/64"),
        (&b, "eth0", "198.51.100.2/24", "2001:db8:2::2/64"),
    ] {
        ns.ip("link set lo up");
        ns.ip(&format!("addr add {v4} dev {dev}"));
        ns.ip(&format!("addr add {v6} dev {dev} nodad"));
        ns.ip(&format!("link set {dev} up"));
    }
    a.ip("route add default via 192.0.2.1");
    a.ip("-6 route add default via 2001:db8:1::1");
    b.ip("route add default via 198.51.100.1");
    b.ip("-6 route add default via 2001:db8:2::1");

    let udp_server = b.run(|| UdpSocket::bind("198.51.100.2:5300")).unwrap();
    let tcp_server = b.run(|| TcpListener::bind("[2001:db8:2::2]:8080")).unwrap();
    let client = a.run(|| UdpSocket::bind("192.0.2.2:0")).unwrap();
    client
        .send_to(b"across a router", "198.51.100.2:5300")
        .unwrap();
    udp_server
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = udp_server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"across a router");
    let target: SocketAddr = "[2001:db8:2::2]:8080".parse().unwrap();
    let stream = a
        .run(move || TcpStream::connect_timeout(&target, Duration::from_secs(5)))
        .unwrap();
    let (accepted, client_addr) = tcp_server.accept().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let report = captures.stop();
    drop((stream, accepted));
    let packets = &report.packets;
    let all = lines(packets);
    assert_eq!(report.stats.dropped, 0);

    let udp: Vec<&Packet> = packets
        .iter()
        .filter(|p| p.src == from && matches!(p.transport, Transport::Udp { .. }))
        .collect();
    assert_eq!(udp.len(), 1, "one packet, not one per link:\n{all}");
    assert_eq!(route(udp[0]), ["a/eth0", "r/r-b"], "{all}");
    let ttls: Vec<Option<u8>> = udp[0].path.iter().map(|h| h.ttl).collect();
    assert_eq!(ttls, [Some(64), Some(63)]);
    assert_ne!(udp[0].path[0].dst_mac, udp[0].path[1].dst_mac);

    let connection = connections(packets)
        .into_iter()
        .find(|c| c.client == client_addr)
        .unwrap_or_else(|| panic!("no connection from {client_addr}:\n{all}"));
    let syn = &packets[connection.syn.as_ref().expect("SYN").index];
    let syn_ack = &packets[connection.syn_ack.as_ref().expect("SYN-ACK").index];
    assert_eq!(route(syn), ["a/eth0", "r/r-b"], "{all}");
    assert_eq!(route(syn_ack), ["b/eth0", "r/r-a"], "{all}");
    // A SYN the router held while it asked for b's address may have been sent again: each one,
    // held or not, is one packet with both hops.
    for segment in packets
        .iter()
        .filter(|p| p.src == client_addr || p.dst == client_addr)
    {
        let expected = if segment.src == client_addr {
            ["a/eth0", "r/r-b"]
        } else {
            ["b/eth0", "r/r-a"]
        };
        assert_eq!(route(segment), expected, "{segment}\n{all}");
        let ttls: Vec<Option<u8>> = segment.path.iter().map(|h| h.ttl).collect();
        assert_eq!(ttls, [Some(64), Some(63)]);
    }
    // Link-local traffic stays one hop.
    assert!(
        packets
            .iter()
            .filter(|p| p.is_neighbour_discovery())
            .all(|p| p.path.len() == 1)
    );
}
