//! A received DNS response, checked from end to end and decoded into owned presentation values
//! that the renderers print without touching the wire format again.
//!
//! A response enters at [`DigResponse::decode`]: the header, the EDNS OPT record, then every
//! question and record of the four sections are parsed; the first part that does not parse
//! stops decoding with a [`MalformedResponse`] naming the section and position, so that a
//! malformed response is reported, never half-printed and never a panic.

use std::fmt;
use std::fmt::Write as _;

use domain::base::iana::{Class, Opcode, OptRcode, Rtype};
use domain::base::name::{ParsedName, ToLabelIter};
use domain::base::opt::UnknownOptData;
use domain::base::zonefile_fmt::{DisplayKind, ZonefileFmt as _};
use domain::base::{Message, ParsedRecord, RecordSection};
use domain::rdata::AllRecordData;

/// A response, decoded. Names and record data are in presentation format (RFC 1035 section 5.1)
/// as BIND prints them, so dig's output and ours can be compared line by line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigResponse {
    pub id: u16,
    pub opcode: Opcode,
    /// The full rcode: the header's four bits extended by the OPT record's eight (RFC 6891).
    pub rcode: OptRcode,
    pub flags: HeaderFlags,
    /// The section counts as the header states them; ADDITIONAL includes the OPT record.
    pub counts: SectionCounts,
    /// The OPT pseudo-record, if the response carried one.
    pub edns: Option<Edns>,
    pub question: Vec<QuestionEntry>,
    pub answer: Vec<RecordEntry>,
    pub authority: Vec<RecordEntry>,
    /// The additional section without the OPT record, which is [`DigResponse::edns`].
    pub additional: Vec<RecordEntry>,
    /// The size of the message in octets, as received.
    pub size: usize,
}

/// The header bits dig shows in its `flags:` line, in its order; in `--json`, `"flags"`, each
/// `true` when set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HeaderFlags {
    /// Query response: set in every response.
    pub qr: bool,
    /// Authoritative answer.
    pub aa: bool,
    /// Truncated (only ever `true` for a UDP response; after a TCP retry it is the TCP one's).
    pub tc: bool,
    /// Recursion desired, copied from the query.
    pub rd: bool,
    /// Recursion available.
    pub ra: bool,
    /// Authentic data (DNSSEC-validated by the server).
    pub ad: bool,
    /// Checking disabled.
    pub cd: bool,
}

impl HeaderFlags {
    /// The set flags' lowercase names in dig's order: qr aa tc rd ra ad cd.
    pub fn set_names(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.qr, "qr"),
            (self.aa, "aa"),
            (self.tc, "tc"),
            (self.rd, "rd"),
            (self.ra, "ra"),
            (self.ad, "ad"),
            (self.cd, "cd"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SectionCounts {
    pub question: u16,
    pub answer: u16,
    pub authority: u16,
    pub additional: u16,
}

/// The EDNS OPT pseudo-record (RFC 6891 section 6.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edns {
    pub version: u8,
    /// The responder's UDP payload size.
    pub udp_payload_size: u16,
    /// The DO bit (RFC 3225).
    pub dnssec_ok: bool,
    pub options: Vec<EdnsOption>,
}

/// One EDNS option, raw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdnsOption {
    pub code: u16,
    pub data: Vec<u8>,
}

impl EdnsOption {
    /// The option's IANA mnemonic as dig prints it, if it has one dig knows.
    pub fn mnemonic(&self) -> Option<&'static str> {
        Some(match self.code {
            3 => "NSID",
            8 => "CLIENT-SUBNET",
            9 => "EXPIRE",
            10 => "COOKIE",
            11 => "TCP-KEEPALIVE",
            12 => "PADDING",
            14 => "KEY-TAG",
            15 => "EDE",
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionEntry {
    /// The name, absolute, with its final dot.
    pub name: String,
    pub rtype: Rtype,
    pub class: Class,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordEntry {
    /// The owner name, absolute, with its final dot.
    pub owner: String,
    pub ttl: u32,
    pub class: Class,
    pub rtype: Rtype,
    /// The record data in presentation format, on one line.
    pub data: String,
}

/// The part of a response that did not parse.
#[derive(Debug)]
pub struct MalformedResponse {
    /// Where: "header", "question 1", "answer record 3", "OPT record", ...
    pub place: String,
    /// What domain's parser reported.
    pub reason: String,
}

impl fmt::Display for MalformedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.reason)
    }
}

impl std::error::Error for MalformedResponse {}

fn malformed(place: impl Into<String>, reason: impl fmt::Display) -> MalformedResponse {
    MalformedResponse {
        place: place.into(),
        reason: reason.to_string(),
    }
}

impl DigResponse {
    /// Decodes every part of `message`, or says which part is malformed.
    pub fn decode<Octs: AsRef<[u8]> + ?Sized>(
        message: &Message<Octs>,
    ) -> Result<Self, MalformedResponse> {
        let message = message.for_slice_ref();
        let header = message.header();
        let header_counts = message.header_counts();

        let mut question = Vec::new();
        let mut question_section = message.question();
        for (index, entry) in (&mut question_section).enumerate() {
            let entry = entry.map_err(|err| malformed(format!("question {}", index + 1), err))?;
            question.push(QuestionEntry {
                name: presentation_name(entry.qname()),
                rtype: entry.qtype(),
                class: entry.qclass(),
            });
        }
        let answer_section = question_section
            .answer()
            .map_err(|err| malformed("question section", err))?;
        let (answer, authority_section) = decode_records("answer", Some(answer_section))?;
        let (authority, additional_section) = decode_records("authority", authority_section)?;
        let (additional, _) = decode_records("additional", additional_section)?;

        let edns = match message.opt() {
            None => None,
            Some(opt) => {
                let options = opt
                    .opt()
                    .iter::<UnknownOptData<_>>()
                    .map(|option| {
                        option.map(|option| EdnsOption {
                            code: option.code().to_int(),
                            data: option.data().to_vec(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|err| malformed("OPT record options", err))?;
                Some(Edns {
                    version: opt.version(),
                    udp_payload_size: opt.udp_payload_size(),
                    dnssec_ok: opt.dnssec_ok(),
                    options,
                })
            }
        };

        Ok(Self {
            id: header.id(),
            opcode: header.opcode(),
            rcode: message.opt_rcode(),
            flags: HeaderFlags {
                qr: header.qr(),
                aa: header.aa(),
                tc: header.tc(),
                rd: header.rd(),
                ra: header.ra(),
                ad: header.ad(),
                cd: header.cd(),
            },
            counts: SectionCounts {
                question: header_counts.qdcount(),
                answer: header_counts.ancount(),
                authority: header_counts.nscount(),
                additional: header_counts.arcount(),
            },
            edns,
            question,
            answer,
            authority,
            additional: additional
                .into_iter()
                .filter(|record| record.rtype != Rtype::OPT)
                .collect(),
            size: message.as_slice().len(),
        })
    }
}

/// One record section of a message being decoded.
type Section<'a> = RecordSection<'a, &'a [u8]>;

/// Decodes all records of one section and returns them with the next section, if any.
fn decode_records<'a>(
    section_name: &'static str,
    section: Option<Section<'a>>,
) -> Result<(Vec<RecordEntry>, Option<Section<'a>>), MalformedResponse> {
    // Only the section after the additional one is missing; a message has all four.
    let Some(mut section) = section else {
        return Ok((Vec::new(), None));
    };
    let mut records = Vec::new();
    for (index, record) in (&mut section).enumerate() {
        let place = || format!("{section_name} record {}", index + 1);
        let record = record.map_err(|err| malformed(place(), err))?;
        records.push(decode_record(&record).map_err(|reason| malformed(place(), reason))?);
    }
    let next = section
        .next_section()
        .map_err(|err| malformed(format!("{section_name} section"), err))?;
    Ok((records, next))
}

fn decode_record(record: &ParsedRecord<'_, &[u8]>) -> Result<RecordEntry, String> {
    let owner = presentation_name(&record.owner());
    let data = if record.rtype() == Rtype::OPT {
        // The OPT pseudo-record is decoded as `Edns`; its "data" is never printed.
        String::new()
    } else {
        let parsed = record
            .to_any_record::<AllRecordData<_, _>>()
            .map_err(|err| format!("{} record data: {err}", record.rtype()))?;
        presentation_rdata(parsed.data())
    };
    Ok(RecordEntry {
        owner,
        ttl: record.ttl().as_secs(),
        class: record.class(),
        rtype: record.rtype(),
        data,
    })
}

/// Record data in presentation format on one line, as dig prints it. domain's zone-file
/// formatter gives the well-known types; types it does not know use RFC 3597's generic form
/// as BIND writes it: `\# LENGTH HEX`, upper case, one word.
fn presentation_rdata(data: &AllRecordData<&[u8], ParsedName<&[u8]>>) -> String {
    match data {
        AllRecordData::Unknown(unknown) => {
            let octets: &[u8] = unknown.data();
            let mut text = format!("\\# {}", octets.len());
            if !octets.is_empty() {
                text.push(' ');
                for octet in octets {
                    let _ = write!(text, "{octet:02X}");
                }
            }
            text
        }
        known => known.display_zonefile(DisplayKind::Simple).to_string(),
    }
}

/// A domain name as BIND prints it: absolute with its final dot, `.` for the root; in labels,
/// `"().;\@$` are escaped with a backslash and octets outside `!`..`~` as `\DDD`
/// (RFC 1035 section 5.1; BIND's `dns_name_totext`).
pub fn presentation_name<N: ToLabelIter + ?Sized>(name: &N) -> String {
    let mut text = String::new();
    for label in name.iter_labels() {
        if label.is_root() {
            continue;
        }
        for octet in label.iter() {
            match octet {
                b'"' | b'(' | b')' | b'.' | b';' | b'\\' | b'@' | b'$' => {
                    text.push('\\');
                    text.push(char::from(octet));
                }
                0x21..=0x7e => text.push(char::from(octet)),
                _ => {
                    let _ = write!(text, "\\{octet:03}");
                }
            }
        }
        text.push('.');
    }
    if text.is_empty() {
        text.push('.');
    }
    text
}
