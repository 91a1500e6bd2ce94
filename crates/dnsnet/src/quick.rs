//! Reading the common shape of a DNS query without allocating: what a server's packet cache
//! needs to recognise a question it has answered before.
//!
//! [`quick_parse`] accepts only the plainest query — one uncompressed question and at most an
//! OPT record — and returns `None` for anything else, so the full parser of the server decides
//! every unusual case.

/// UDP responses to clients without EDNS are limited to 512 octets (RFC 1035 §4.2.1).
pub const CLASSIC_UDP_PAYLOAD: u16 = 512;

/// The largest UDP response sent, whatever the client offers (RFC 9715).
pub const MAX_UDP_PAYLOAD: u16 = 1232;

/// How the query came, which bounds the response size and so is part of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
}

/// The parts of a query in its common shape, read without allocating.
pub struct QuickQuery {
    /// Octets 12.. up to the end of the question (QNAME, QTYPE, QCLASS).
    pub question_end: usize,
    /// Cache key: lower-cased QNAME, QTYPE, QCLASS, the response size limit, and whether the
    /// query had an OPT record (the response has one only then).
    key: [u8; 255 + 4 + 3],
    key_len: usize,
}

impl QuickQuery {
    /// The cache key: lower-cased QNAME, QTYPE, QCLASS, size limit, OPT present.
    pub fn key(&self) -> &[u8] {
        &self.key[..self.key_len]
    }
}

/// Reads a query of the common shape: QR=0, opcode QUERY, QDCOUNT 1, no answer or authority
/// records, and either nothing or exactly one well-formed root OPT record after the question,
/// ending the message. Anything else — including compression in the question — is `None`, and
/// the full parser decides.
pub fn quick_parse(query: &[u8], transport: Transport) -> Option<QuickQuery> {
    if query.len() < 12 || query[2] & 0xf8 != 0 {
        return None; // QR=1 or an opcode other than QUERY (0).
    }
    if query[4..10] != [0, 1, 0, 0, 0, 0] {
        return None;
    }
    let arcount = u16::from_be_bytes([query[10], query[11]]);
    let mut key = [0u8; 255 + 4 + 3];
    let mut pos = 12;
    loop {
        let len = usize::from(*query.get(pos)?);
        if len > 63 {
            return None; // A compression pointer or a reserved label type.
        }
        let label = query.get(pos..pos + 1 + len)?;
        let at = pos - 12;
        if at + label.len() > 255 {
            return None;
        }
        key[at] = label[0];
        for (i, byte) in label[1..].iter().enumerate() {
            key[at + 1 + i] = byte.to_ascii_lowercase();
        }
        pos += 1 + len;
        if len == 0 {
            break;
        }
    }
    let name_len = pos - 12;
    if name_len > 255 {
        return None;
    }
    let fixed = query.get(pos..pos + 4)?; // QTYPE, QCLASS
    key[name_len..name_len + 4].copy_from_slice(fixed);
    let question_end = pos + 4;
    let limit = match arcount {
        0 if question_end == query.len() => match transport {
            Transport::Udp => CLASSIC_UDP_PAYLOAD,
            Transport::Tcp => u16::MAX,
        },
        1 => {
            // OPT: root owner (0), TYPE 41, CLASS = UDP size, TTL = ext-rcode/version/flags,
            // RDLENGTH, and RDATA reaching exactly the end of the message.
            let opt = query.get(question_end..question_end + 11)?;
            if opt[0] != 0 || opt[1..3] != [0, 41] || opt[6] != 0 {
                return None; // Not a root OPT, or an EDNS version the full path answers.
            }
            let rdlen = usize::from(u16::from_be_bytes([opt[9], opt[10]]));
            if question_end + 11 + rdlen != query.len() {
                return None;
            }
            match transport {
                Transport::Udp => {
                    u16::from_be_bytes([opt[3], opt[4]]).clamp(CLASSIC_UDP_PAYLOAD, MAX_UDP_PAYLOAD)
                }
                Transport::Tcp => u16::MAX,
            }
        }
        _ => return None,
    };
    key[name_len + 4..name_len + 6].copy_from_slice(&limit.to_be_bytes());
    key[name_len + 6] = u8::from(arcount == 1);
    let key_len = name_len + 4 + 3;
    Some(QuickQuery {
        question_end,
        key,
        key_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &[u8], edns: bool) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, u8::from(edns)];
        q.extend_from_slice(name);
        q.extend_from_slice(&[0, 1, 0, 1]);
        if edns {
            q.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
        }
        q
    }

    #[test]
    fn keys_ignore_case_but_not_size_or_edns() {
        let upper = quick_parse(&query(b"\x03WWW\x00", true), Transport::Udp).unwrap();
        let lower = quick_parse(&query(b"\x03www\x00", true), Transport::Udp).unwrap();
        assert_eq!(upper.key(), lower.key());
        let plain = quick_parse(&query(b"\x03www\x00", false), Transport::Udp).unwrap();
        assert_ne!(plain.key(), lower.key());
        let tcp = quick_parse(&query(b"\x03www\x00", true), Transport::Tcp).unwrap();
        assert_ne!(tcp.key(), lower.key());
    }

    #[test]
    fn unusual_shapes_go_to_the_full_parser() {
        let mut compressed = query(b"\xc0\x0c", false);
        assert!(quick_parse(&compressed, Transport::Udp).is_none());
        compressed[2] |= 0x80; // QR=1
        assert!(quick_parse(&compressed, Transport::Udp).is_none());
        let mut trailing = query(b"\x03www\x00", false);
        trailing.push(0);
        assert!(quick_parse(&trailing, Transport::Udp).is_none());
        let mut version1 = query(b"\x03www\x00", true);
        let len = version1.len();
        version1[len - 5] = 1;
        assert!(quick_parse(&version1, Transport::Udp).is_none());
        assert!(quick_parse(&query(b"\x03www", false)[..14], Transport::Udp).is_none());
    }
}
