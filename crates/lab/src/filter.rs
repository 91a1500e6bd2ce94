//! The kernel's packet filter (nftables) in a lab router, driven over netlink: how the lab
//! loses a packet on purpose (`--fault loss`).
//!
//! A rule enters at [`drop_first`], called on a thread inside the router's namespace. It loads
//! one table, `inet roundtrip-fault`, with a filter chain on the forward hook and one rule per
//! [`DropFirst`]: "a packet that arrived on this interface for this protocol and port — and, for
//! TCP, carries data (PSH) — is dropped if it is the first such packet". The "first" is the
//! kernel's own `numgen inc` counter in the rule (nft's `numgen inc mod M == 0`), which yields
//! 0 for the first packet it sees and counts on from there: one packet lost, every later one,
//! the sender's retransmission included, forwarded. Nothing of the host's own firewall is
//! touched: the table lives in the router's namespace and goes with it.
//!
//! The messages are nfnetlink's (`linux/netfilter/nf_tables.h`): a batch (BATCH_BEGIN,
//! NEWTABLE, NEWCHAIN, NEWRULE..., BATCH_END) committed as one transaction, each member
//! acknowledged. They are written here by hand: about a dozen attributes, and what the rule
//! says is part of what the lab shows.

use std::io;
use std::time::Duration;

/// One packet to lose: the first forwarded packet that arrived on `in_interface` for
/// `protocol` port `port` (for TCP: the first that carries data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropFirst {
    /// The router's interface the packet arrives on: `eth0`.
    pub in_interface: String,
    /// TCP or UDP.
    pub protocol: Protocol,
    /// The destination port.
    pub port: u16,
}

/// The transport protocol a [`DropFirst`] matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// TCP, and only a segment with PSH set: one that carries data, not a handshake or an ACK.
    TcpData,
    /// UDP.
    Udp,
}

/// The table the rules go in.
pub const TABLE: &str = "roundtrip-fault";
const CHAIN: &str = "forward";

// linux/netlink.h, linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h,
// linux/netfilter.h.
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_APPEND: u16 = 0x800;
const NLMSG_ERROR: u16 = 2;
const NLA_F_NESTED: u16 = 1 << 15;
const NETLINK_NETFILTER: isize = 12;
const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFPROTO_INET: u8 = 1;
const NF_INET_FORWARD: u32 = 2;
const NF_ACCEPT: u32 = 1;
const NF_DROP: u32 = 0;
const NFTA_TABLE_NAME: u16 = 1;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_EXPRESSIONS: u16 = 4;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFT_REG_VERDICT: u32 = 0;
const NFT_REG_1: u32 = 1;
const NFTA_META_DREG: u16 = 1;
const NFTA_META_KEY: u16 = 2;
const NFT_META_IIFNAME: u32 = 6;
const NFT_META_L4PROTO: u32 = 16;
const NFTA_CMP_SREG: u16 = 1;
const NFTA_CMP_OP: u16 = 2;
const NFTA_CMP_DATA: u16 = 3;
const NFT_CMP_EQ: u32 = 0;
const NFT_CMP_NEQ: u32 = 1;
const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_VERDICT_CODE: u16 = 1;
const NFTA_PAYLOAD_DREG: u16 = 1;
const NFTA_PAYLOAD_BASE: u16 = 2;
const NFTA_PAYLOAD_OFFSET: u16 = 3;
const NFTA_PAYLOAD_LEN: u16 = 4;
const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;
const NFTA_BITWISE_SREG: u16 = 1;
const NFTA_BITWISE_DREG: u16 = 2;
const NFTA_BITWISE_LEN: u16 = 3;
const NFTA_BITWISE_MASK: u16 = 4;
const NFTA_BITWISE_XOR: u16 = 5;
const NFTA_NG_DREG: u16 = 1;
const NFTA_NG_MODULUS: u16 = 2;
const NFTA_NG_TYPE: u16 = 3;
const NFT_NG_INCREMENTAL: u32 = 0;
const NFTA_IMMEDIATE_DREG: u16 = 1;
const NFTA_IMMEDIATE_DATA: u16 = 2;
const IFNAMSIZ: usize = 16;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const TCP_FLAG_PSH: u8 = 0x08;
// The counter's period: large enough that no lab run comes back round to 0.
const NUMGEN_MODULUS: u32 = 1 << 31;

/// Loads `rules` into the calling thread's network namespace (see the module doc). Fails
/// with the kernel's reason (EPERM without CAP_NET_ADMIN over the namespace, ENOENT for a
/// kernel without nf_tables...).
pub fn drop_first(rules: &[DropFirst]) -> io::Result<()> {
    for rule in rules {
        if rule.in_interface.is_empty() || rule.in_interface.len() >= IFNAMSIZ {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{:?} is not an interface name", rule.in_interface),
            ));
        }
    }
    let mut batch = Batch::default();
    batch.begin();
    batch.message(NFT_MSG_NEWTABLE, NLM_F_CREATE, |m| {
        m.string(NFTA_TABLE_NAME, TABLE)
    });
    batch.message(NFT_MSG_NEWCHAIN, NLM_F_CREATE, |m| {
        m.string(NFTA_CHAIN_TABLE, TABLE);
        m.string(NFTA_CHAIN_NAME, CHAIN);
        m.nested(NFTA_CHAIN_HOOK, |h| {
            h.u32_be(NFTA_HOOK_HOOKNUM, NF_INET_FORWARD);
            h.u32_be(NFTA_HOOK_PRIORITY, 0);
        });
        m.u32_be(NFTA_CHAIN_POLICY, NF_ACCEPT);
        m.string(NFTA_CHAIN_TYPE, "filter");
    });
    for rule in rules {
        batch.message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, |m| {
            m.string(NFTA_RULE_TABLE, TABLE);
            m.string(NFTA_RULE_CHAIN, CHAIN);
            m.nested(NFTA_RULE_EXPRESSIONS, |list| expressions(list, rule));
        });
    }
    batch.end();
    batch.send()
}

/// `iifname IF meta l4proto P th dport PORT [tcp flags & psh != 0] numgen inc mod M 0 drop`.
fn expressions(list: &mut Attrs, rule: &DropFirst) {
    let mut name = [0u8; IFNAMSIZ];
    name[..rule.in_interface.len()].copy_from_slice(rule.in_interface.as_bytes());
    meta(list, NFT_META_IIFNAME);
    cmp(list, NFT_CMP_EQ, &name);
    meta(list, NFT_META_L4PROTO);
    let proto = match rule.protocol {
        Protocol::TcpData => IPPROTO_TCP,
        Protocol::Udp => IPPROTO_UDP,
    };
    cmp(list, NFT_CMP_EQ, &[proto]);
    // The destination port: bytes 2-3 of both the TCP and the UDP header.
    payload(list, 2, 2);
    cmp(list, NFT_CMP_EQ, &rule.port.to_be_bytes());
    if rule.protocol == Protocol::TcpData {
        // The flags: byte 13 of the TCP header.
        payload(list, 13, 1);
        expression(list, "bitwise", |e| {
            e.u32_be(NFTA_BITWISE_SREG, NFT_REG_1);
            e.u32_be(NFTA_BITWISE_DREG, NFT_REG_1);
            e.u32_be(NFTA_BITWISE_LEN, 1);
            e.nested(NFTA_BITWISE_MASK, |d| {
                d.bytes(NFTA_DATA_VALUE, &[TCP_FLAG_PSH])
            });
            e.nested(NFTA_BITWISE_XOR, |d| d.bytes(NFTA_DATA_VALUE, &[0]));
        });
        cmp(list, NFT_CMP_NEQ, &[0]);
    }
    expression(list, "numgen", |e| {
        e.u32_be(NFTA_NG_DREG, NFT_REG_1);
        e.u32_be(NFTA_NG_MODULUS, NUMGEN_MODULUS);
        e.u32_be(NFTA_NG_TYPE, NFT_NG_INCREMENTAL);
    });
    cmp(list, NFT_CMP_EQ, &0u32.to_ne_bytes());
    expression(list, "immediate", |e| {
        e.u32_be(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
        e.nested(NFTA_IMMEDIATE_DATA, |d| {
            d.nested(NFTA_DATA_VERDICT, |v| v.u32_be(NFTA_VERDICT_CODE, NF_DROP));
        });
    });
}

fn expression(list: &mut Attrs, name: &str, data: impl FnOnce(&mut Attrs)) {
    list.nested(NFTA_LIST_ELEM, |elem| {
        elem.string(NFTA_EXPR_NAME, name);
        elem.nested(NFTA_EXPR_DATA, data);
    });
}

fn meta(list: &mut Attrs, key: u32) {
    expression(list, "meta", |e| {
        e.u32_be(NFTA_META_KEY, key);
        e.u32_be(NFTA_META_DREG, NFT_REG_1);
    });
}

fn payload(list: &mut Attrs, offset: u32, len: u32) {
    expression(list, "payload", |e| {
        e.u32_be(NFTA_PAYLOAD_DREG, NFT_REG_1);
        e.u32_be(NFTA_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
        e.u32_be(NFTA_PAYLOAD_OFFSET, offset);
        e.u32_be(NFTA_PAYLOAD_LEN, len);
    });
}

fn cmp(list: &mut Attrs, op: u32, value: &[u8]) {
    expression(list, "cmp", |e| {
        e.u32_be(NFTA_CMP_SREG, NFT_REG_1);
        e.u32_be(NFTA_CMP_OP, op);
        e.nested(NFTA_CMP_DATA, |d| d.bytes(NFTA_DATA_VALUE, value));
    });
}

/// Netlink attributes being written: (length, type, value) each padded to 4 bytes.
#[derive(Default)]
struct Attrs {
    buf: Vec<u8>,
}

impl Attrs {
    fn bytes(&mut self, kind: u16, value: &[u8]) {
        let len = 4 + value.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(value);
        self.pad();
    }

    fn string(&mut self, kind: u16, value: &str) {
        let mut with_nul = value.as_bytes().to_vec();
        with_nul.push(0);
        self.bytes(kind, &with_nul);
    }

    fn u32_be(&mut self, kind: u16, value: u32) {
        self.bytes(kind, &value.to_be_bytes());
    }

    fn nested(&mut self, kind: u16, inner: impl FnOnce(&mut Attrs)) {
        let mut nested = Attrs::default();
        inner(&mut nested);
        self.bytes(kind | NLA_F_NESTED, &nested.buf);
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }
}

/// An nfnetlink batch: messages and the sequence numbers that expect an acknowledgement.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    acked: Vec<u32>,
    sequence: u32,
}

impl Batch {
    fn begin(&mut self) {
        self.push(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, &[]);
    }

    fn end(&mut self) {
        self.push(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, &[]);
    }

    fn message(&mut self, kind: u16, flags: u16, attrs: impl FnOnce(&mut Attrs)) {
        let mut body = Attrs::default();
        attrs(&mut body);
        let seq = self.push(
            (NFNL_SUBSYS_NFTABLES << 8) | kind,
            NLM_F_REQUEST | NLM_F_ACK | flags,
            NFPROTO_INET,
            &body.buf,
        );
        self.acked.push(seq);
    }

    /// Appends one netlink message (header, nfgenmsg, attributes); returns its sequence number.
    fn push(&mut self, kind: u16, flags: u16, family: u8, attrs: &[u8]) -> u32 {
        self.sequence += 1;
        let len = 16 + 4 + attrs.len();
        self.bytes.extend_from_slice(&(len as u32).to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.bytes.extend_from_slice(&flags.to_ne_bytes());
        self.bytes.extend_from_slice(&self.sequence.to_ne_bytes());
        self.bytes.extend_from_slice(&0u32.to_ne_bytes());
        // nfgenmsg: family, version 0, resource id (the subsystem, for the batch's ends).
        self.bytes.push(family);
        self.bytes.push(0);
        let res_id = if family == 0 { NFNL_SUBSYS_NFTABLES } else { 0 };
        self.bytes.extend_from_slice(&res_id.to_be_bytes());
        self.bytes.extend_from_slice(attrs);
        self.sequence
    }

    /// Sends the batch and waits for every member's acknowledgement; the first error wins.
    fn send(self) -> io::Result<()> {
        let mut socket = netlink_sys::Socket::new(NETLINK_NETFILTER)?;
        socket.bind_auto()?;
        socket.connect(&netlink_sys::SocketAddr::new(0, 0))?;
        set_receive_timeout(&socket, Duration::from_secs(2))?;
        socket.send(&self.bytes, 0)?;
        let mut waiting = self.acked;
        let mut buf = vec![0u8; 16384];
        while !waiting.is_empty() {
            let n = socket.recv(&mut &mut buf[..], 0)?;
            let mut rest = &buf[..n];
            while rest.len() >= 16 {
                let len = u32::from_ne_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
                let kind = u16::from_ne_bytes(rest[4..6].try_into().expect("2 bytes"));
                let seq = u32::from_ne_bytes(rest[8..12].try_into().expect("4 bytes"));
                if len < 16 || len > rest.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "nf_tables: a truncated netlink reply",
                    ));
                }
                if kind == NLMSG_ERROR && len >= 20 {
                    let code = i32::from_ne_bytes(rest[16..20].try_into().expect("4 bytes"));
                    if code != 0 {
                        return Err(io::Error::from_raw_os_error(-code));
                    }
                    waiting.retain(|s| *s != seq);
                }
                rest = &rest[len.next_multiple_of(4).min(rest.len())..];
            }
        }
        Ok(())
    }
}

fn set_receive_timeout(socket: &netlink_sys::Socket, timeout: Duration) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let tv = libc::timeval {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_usec: libc::suseconds_t::from(timeout.subsec_micros() as i32),
    };
    // SAFETY: a valid socket and a timeval of the size given.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_padded_and_nested_ones_flagged() {
        let mut attrs = Attrs::default();
        attrs.string(NFTA_TABLE_NAME, "ab");
        // 4 header + "ab\0" = 7, padded to 8.
        assert_eq!(attrs.buf, [7, 0, 1, 0, b'a', b'b', 0, 0]);
        let mut outer = Attrs::default();
        outer.nested(NFTA_CHAIN_HOOK, |h| h.u32_be(NFTA_HOOK_HOOKNUM, 2));
        assert_eq!(
            outer.buf,
            [12, 0, 4, 0x80, 8, 0, 1, 0, 0, 0, 0, 2],
            "length, type | NLA_F_NESTED, then the inner attribute, value big-endian"
        );
    }

    #[test]
    fn a_batch_starts_and_ends_with_the_subsystem_and_acks_only_its_members() {
        let mut batch = Batch::default();
        batch.begin();
        batch.message(NFT_MSG_NEWTABLE, NLM_F_CREATE, |m| {
            m.string(NFTA_TABLE_NAME, TABLE)
        });
        batch.end();
        assert_eq!(batch.acked, [2]);
        // BATCH_BEGIN: 20 bytes, type 0x10, AF_UNSPEC, res_id = NFNL_SUBSYS_NFTABLES (be).
        assert_eq!(&batch.bytes[0..4], &20u32.to_ne_bytes());
        assert_eq!(&batch.bytes[4..6], &0x10u16.to_ne_bytes());
        assert_eq!(&batch.bytes[16..20], &[0, 0, 0, 10]);
        // NEWTABLE: type 0x0a00, inet, acknowledged.
        assert_eq!(&batch.bytes[24..26], &0x0a00u16.to_ne_bytes());
        let flags = u16::from_ne_bytes([batch.bytes[26], batch.bytes[27]]);
        assert_eq!(flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
        assert_eq!(batch.bytes[36], NFPROTO_INET);
    }

    #[test]
    fn an_interface_name_too_long_is_refused_before_the_kernel_sees_it() {
        let err = drop_first(&[DropFirst {
            in_interface: "a-name-far-too-long".into(),
            protocol: Protocol::Udp,
            port: 53,
        }])
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    /// laptop - r1 - r2 - web, with `rules` loaded in r1 (laptop's gateway); `None` where
    /// this process may not make namespaces (said loudly).
    fn chain_with(rules: impl FnOnce(&str) -> Vec<DropFirst>) -> Option<crate::network::Network> {
        if !crate::netns::isolation().namespaces() {
            eprintln!(
                "\n!!! SKIPPED: no namespaces here: {:?}\n",
                crate::netns::isolation()
            );
            return None;
        }
        let network = crate::network::Network::build(&crate::network::tests::chain())
            .expect("the chain builds");
        let (router, interface) = network.gateway("laptop").expect("laptop's gateway");
        assert_eq!(router.node.name, "r1");
        let rules = rules(&interface.name);
        router
            .netns
            .run(|| drop_first(&rules))
            .unwrap()
            .expect("the rules load");
        Some(network)
    }

    /// What nft (the nftables tool, as its users read it) lists in r1; `None`, said loudly,
    /// without nft.
    fn listed_by_nft(network: &crate::network::Network) -> Option<String> {
        test_support::Peer::find("nft", "nftables")?;
        let output = network
            .host("r1")
            .unwrap()
            .netns
            .run(|| {
                std::process::Command::new("nft")
                    .args(["list", "table", "inet", TABLE])
                    .output()
            })
            .unwrap()
            .expect("run nft");
        assert!(
            output.status.success(),
            "nft: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    #[test]
    fn the_first_datagram_is_lost_and_the_next_ones_pass() {
        let Some(network) = chain_with(|interface| {
            vec![DropFirst {
                in_interface: interface.into(),
                protocol: Protocol::Udp,
                port: 5300,
            }]
        }) else {
            return;
        };
        let server = network
            .host("web")
            .unwrap()
            .netns
            .run(|| std::net::UdpSocket::bind("203.0.113.80:5300"))
            .unwrap()
            .unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let client = network
            .host("laptop")
            .unwrap()
            .netns
            .run(|| std::net::UdpSocket::bind("192.0.2.10:0"))
            .unwrap()
            .unwrap();
        // Another port is not this rule's business.
        let other = network
            .host("web")
            .unwrap()
            .netns
            .run(|| std::net::UdpSocket::bind("203.0.113.80:5301"))
            .unwrap()
            .unwrap();
        // Its datagram also has every neighbour on the path resolved before the counted ones
        // go (under load, ARP can take a while).
        other
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        client.send_to(b"other port", "203.0.113.80:5301").unwrap();
        let mut buf = [0u8; 16];
        let len = other.recv(&mut buf).expect("port 5301 untouched");
        assert_eq!(&buf[..len], b"other port");
        for n in 1u8..=3 {
            client.send_to(&[n], "203.0.113.80:5300").unwrap();
        }
        let mut got = Vec::new();
        while let Ok(len) = server.recv(&mut buf) {
            got.extend_from_slice(&buf[..len]);
            if got.len() == 2 {
                // Anything more would come right behind; wait a little for it.
                server
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
            }
        }
        assert_eq!(got, [2, 3], "the first datagram is lost, the others arrive");
        let interface = &network.gateway("laptop").unwrap().1.name;
        if let Some(listed) = listed_by_nft(&network) {
            assert!(
                listed.contains("hook forward priority filter; policy accept;")
                    && listed.contains(&format!(
                        "iifname \"{interface}\" udp dport 5300 numgen inc mod 2147483648 0 drop"
                    )),
                "{listed}"
            );
        }
    }

    #[test]
    fn the_first_data_segment_is_lost_and_tcp_retransmits_it() {
        let Some(network) = chain_with(|interface| {
            vec![DropFirst {
                in_interface: interface.into(),
                protocol: Protocol::TcpData,
                port: 80,
            }]
        }) else {
            return;
        };
        let listener = network
            .host("web")
            .unwrap()
            .netns
            .run(|| std::net::TcpListener::bind("[2001:db8:3::80]:80"))
            .unwrap()
            .unwrap();
        // The handshake carries no data: it passes.
        let mut stream = network
            .host("laptop")
            .unwrap()
            .netns
            .run(|| {
                std::net::TcpStream::connect_timeout(
                    &"[2001:db8:3::80]:80".parse().unwrap(),
                    Duration::from_secs(2),
                )
            })
            .unwrap()
            .expect("the handshake passes the rule");
        let (mut accepted, _) = listener.accept().unwrap();
        use std::io::{Read, Write};
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        accepted
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let mut request = [0u8; 18];
        accepted
            .read_exact(&mut request)
            .expect("the retransmission arrives");
        assert_eq!(&request, b"GET / HTTP/1.1\r\n\r\n");
        assert!(
            total_retransmissions(&stream) >= 1,
            "the sender's kernel retransmitted"
        );
        // Later data is not lost again.
        accepted.write_all(b"ok").unwrap();
        stream.write_all(b"more").unwrap();
        let mut more = [0u8; 4];
        accepted.read_exact(&mut more).unwrap();
        assert_eq!(total_retransmissions(&stream), 1, "one segment was lost");
        if let Some(listed) = listed_by_nft(&network) {
            assert!(
                listed.contains("tcp dport 80 tcp flags psh numgen inc mod 2147483648 0 drop"),
                "{listed}"
            );
        }
    }

    /// The kernel's count of this socket's retransmitted segments (TCP_INFO).
    fn total_retransmissions(stream: &std::net::TcpStream) -> u32 {
        use std::os::fd::AsRawFd;
        // SAFETY: tcp_info is plain data; getsockopt writes at most `len` bytes into it.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0, "TCP_INFO: {}", io::Error::last_os_error());
        info.tcpi_total_retrans
    }
}
