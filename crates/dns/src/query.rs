//! What every server checks of an incoming query before answering it (RFC 1035 §4.1,
//! RFC 6891 §6.1.1), and the header-only error it answers otherwise. The authoritative server
//! and the resolver's front share it, so that both treat hostile bytes the same way.

use domain::base::iana::{Opcode, Rcode};
use domain::base::{Message, MessageBuilder, Rtype};

/// The client's EDNS0 OPT record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns {
    /// The UDP payload size the client can take.
    pub udp_size: u16,
    /// The EDNS version (0 is the only one there is).
    pub version: u8,
}

/// A query that passed the checks: one question, records that parse, at most one root OPT.
#[derive(Debug)]
pub struct CheckedQuery<'q> {
    /// The message, for building the answer from.
    pub message: Message<&'q [u8]>,
    /// Its OPT record, if it had one.
    pub edns: Option<Edns>,
}

/// Why a query gets no ordinary answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Answer nothing: too short to have an ID, or a response (answering one could start a
    /// loop between two servers).
    Silence,
    /// Answer with this RCODE and no data: FORMERR for malformed queries, NOTIMP for opcodes
    /// other than QUERY.
    Error(Rcode),
}

/// Checks `bytes` as a query.
pub fn check_query(bytes: &[u8]) -> Result<CheckedQuery<'_>, Rejection> {
    let message = Message::from_octets(bytes).map_err(|_| Rejection::Silence)?;
    let header = message.header();
    if header.qr() {
        return Err(Rejection::Silence);
    }
    if header.opcode() != Opcode::QUERY {
        return Err(Rejection::Error(Rcode::NOTIMP));
    }
    let formerr = Rejection::Error(Rcode::FORMERR);
    let counts = message.header_counts();
    if counts.qdcount() != 1 || counts.ancount() != 0 {
        return Err(formerr);
    }
    message.sole_question().map_err(|_| formerr)?;
    // Every record after the question must parse, and at most one OPT, owned by the root.
    let mut edns = None;
    let mut section = Some(message.authority().map_err(|_| formerr)?);
    while let Some(records) = section.take() {
        let mut records = records;
        for record in &mut records {
            let record = record.map_err(|_| formerr)?;
            if record.rtype() == Rtype::OPT {
                if edns.is_some() || !record.owner().is_root() {
                    return Err(formerr);
                }
                // OPT's class is the UDP size; its TTL holds extended RCODE, version and flags.
                let version = (record.ttl().as_secs() >> 16) as u8;
                edns = Some(Edns {
                    udp_size: record.class().to_int(),
                    version,
                });
            }
        }
        section = records.next_section().map_err(|_| formerr)?;
    }
    Ok(CheckedQuery { message, edns })
}

/// A header-only error response to `query` (at least 12 octets): its ID, opcode and RD, QR=1,
/// RA as given, and `rcode`.
pub fn write_error(query: &[u8], rcode: Rcode, recursion_available: bool, out: &mut Vec<u8>) {
    let Ok(mut builder) = MessageBuilder::from_target(std::mem::take(out));
    let header = builder.header_mut();
    header.set_id(u16::from_be_bytes([query[0], query[1]]));
    header.set_qr(true);
    header.set_opcode(Opcode::from_int((query[2] >> 3) & 0x0f));
    header.set_rd(query[2] & 0x01 != 0);
    header.set_ra(recursion_available);
    header.set_rcode(rcode);
    *out = builder.finish();
}
