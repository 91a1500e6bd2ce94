//! A DNS message seen on the wire, summarised as `dig` would show it: header, question and
//! each section's records in presentation form.

use std::fmt;

use bytes::Bytes;
use domain::base::iana::Class;
use domain::base::name::{FlattenInto, ToName};
use domain::base::{Message, ParsedName, Rtype};
use serde::Serialize;

/// At most this many records of each section are presented; the counts are always whole.
const MAX_RECORDS_PER_SECTION: usize = 64;

/// A decoded DNS message, as much of it as parsed. Built only from bytes that parse as a DNS
/// header and question section; nothing is filled in by guess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsMessageSummary {
    /// The message ID.
    pub id: u16,
    /// QR: a response (true) or a query (false).
    pub response: bool,
    /// The opcode's mnemonic, `QUERY` nearly always.
    pub opcode: String,
    /// The header flags that are set, lower case as dig prints them: `aa`, `tc`, `rd`, `ra`,
    /// `ad`, `cd`.
    pub flags: Vec<String>,
    /// The response code's mnemonic, `NOERROR`, `NXDOMAIN`, ...
    pub rcode: String,
    /// The first question in presentation form, `www.google.com. IN A`.
    pub question: Option<String>,
    /// The header's ANCOUNT.
    pub answer_count: u16,
    /// The header's NSCOUNT.
    pub authority_count: u16,
    /// The header's ARCOUNT (the EDNS OPT record included, as in dig).
    pub additional_count: u16,
    /// The answer section, one record per line: `www.google.com. 300 IN CNAME google.com.`
    pub answers: Vec<String>,
    /// The authority section: referrals' NS records, the SOA of a negative answer.
    pub authority: Vec<String>,
    /// The additional section without the OPT record: glue.
    pub additional: Vec<String>,
    /// The EDNS OPT pseudo-record, when present.
    pub edns: Option<EdnsSummary>,
    /// Some record did not parse, or fewer records were present than the header counts.
    pub malformed: bool,
}

/// What an EDNS OPT record says (RFC 6891 §6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EdnsSummary {
    /// EDNS version, 0.
    pub version: u8,
    /// The largest UDP payload the sender accepts.
    pub udp_payload_size: u16,
    /// The DO bit: DNSSEC records wanted.
    pub dnssec_ok: bool,
}

impl DnsMessageSummary {
    /// Decodes `bytes` as one DNS message; `None` unless the header and every question parse.
    pub fn decode(bytes: &[u8]) -> Option<DnsMessageSummary> {
        let message = Message::from_octets(Bytes::copy_from_slice(bytes)).ok()?;
        let header = message.header();
        let counts = message.header_counts();
        let mut question = None;
        for parsed in message.question() {
            let parsed = parsed.ok()?;
            question.get_or_insert_with(|| {
                let name: dns::Name = parsed.qname().to_name();
                format!(
                    "{} {} {}",
                    name.fmt_with_dot(),
                    parsed.qclass(),
                    parsed.qtype()
                )
            });
        }
        let flags = [
            ("aa", header.aa()),
            ("tc", header.tc()),
            ("rd", header.rd()),
            ("ra", header.ra()),
            ("ad", header.ad()),
            ("cd", header.cd()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name.to_owned())
        .collect();
        let mut summary = DnsMessageSummary {
            id: header.id(),
            response: header.qr(),
            opcode: opcode_name(header.opcode().to_int()),
            flags,
            rcode: header.rcode().to_string(),
            question,
            answer_count: counts.ancount(),
            authority_count: counts.nscount(),
            additional_count: counts.arcount(),
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            edns: None,
            malformed: false,
        };
        summary.read_sections(&message);
        Some(summary)
    }

    fn read_sections(&mut self, message: &Message<Bytes>) {
        let Ok((_, answer, authority, additional)) = message.sections() else {
            self.malformed = true;
            return;
        };
        let expected = [
            self.answer_count,
            self.authority_count,
            self.additional_count,
        ];
        for (index, section) in [answer, authority, additional].into_iter().enumerate() {
            let mut seen = 0u16;
            for record in section {
                let Ok(record) = record else {
                    self.malformed = true;
                    break;
                };
                seen = seen.saturating_add(1);
                if record.rtype() == Rtype::OPT {
                    // The OPT pseudo-record reuses CLASS and TTL for EDNS fields.
                    let ttl = record.ttl().as_secs();
                    self.edns = Some(EdnsSummary {
                        version: (ttl >> 16) as u8,
                        udp_payload_size: record.class().to_int(),
                        dnssec_ok: ttl & 0x8000 != 0,
                    });
                    continue;
                }
                let line = present_record(&record);
                if line.is_none() {
                    self.malformed = true;
                }
                let list = match index {
                    0 => &mut self.answers,
                    1 => &mut self.authority,
                    _ => &mut self.additional,
                };
                if list.len() < MAX_RECORDS_PER_SECTION {
                    list.push(line.unwrap_or_else(|| "<record data does not parse>".to_owned()));
                }
            }
            if seen < expected[index] {
                self.malformed = true;
            }
        }
    }
}

/// The opcode's mnemonic (IANA DNS parameters registry), or its number.
fn opcode_name(number: u8) -> String {
    match number {
        0 => "QUERY".into(),
        1 => "IQUERY".into(),
        2 => "STATUS".into(),
        4 => "NOTIFY".into(),
        5 => "UPDATE".into(),
        6 => "DSO".into(),
        other => format!("OPCODE{other}"),
    }
}

/// `owner TTL CLASS TYPE DATA`, or `None` if the data does not parse as its type.
fn present_record(record: &domain::base::ParsedRecord<'_, Bytes>) -> Option<String> {
    let owner: dns::Name = record.owner().to_name();
    let ttl = record.ttl().as_secs();
    let class: Class = record.class();
    let rtype = record.rtype();
    let parsed = record
        .to_record::<domain::rdata::ZoneRecordData<Bytes, ParsedName<Bytes>>>()
        .ok()??;
    let data: dns::RecordData = parsed.into_data().try_flatten_into().ok()?;
    Some(format!(
        "{} {ttl} {class} {rtype} {}",
        owner.fmt_with_dot(),
        dns::present(&data)
    ))
}

/// One line: `query 0x1a2b rd www.google.com. IN A` or
/// `response 0x1a2b NOERROR aa rd 1/0/1 www.google.com. IN A` (answer/authority/additional).
impl fmt::Display for DnsMessageSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.response { "response" } else { "query" };
        write!(f, "DNS {kind} {:#06x}", self.id)?;
        if self.opcode != "QUERY" {
            write!(f, " {}", self.opcode)?;
        }
        if self.response {
            write!(f, " {}", self.rcode)?;
        }
        for flag in &self.flags {
            write!(f, " {flag}")?;
        }
        if self.response {
            write!(
                f,
                " {}/{}/{}",
                self.answer_count, self.authority_count, self.additional_count
            )?;
        }
        if let Some(question) = &self.question {
            write!(f, " {question}")?;
        }
        if self.malformed {
            f.write_str(" [malformed]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::base::MessageBuilder;
    use domain::rdata::{A, Cname, Ns};
    use std::net::Ipv4Addr;

    fn name(text: &str) -> dns::Name {
        dns::parse_name(text).unwrap()
    }

    /// A referral-and-answer shaped response with every section filled, built by `domain`.
    fn response() -> Vec<u8> {
        let mut builder = MessageBuilder::new_vec();
        builder.header_mut().set_id(0x1a2b);
        builder.header_mut().set_qr(true);
        builder.header_mut().set_aa(true);
        builder.header_mut().set_rd(true);
        let mut question = builder.question();
        question
            .push((name("www.google.com."), Rtype::A, Class::IN))
            .unwrap();
        let mut answer = question.answer();
        answer
            .push((
                name("www.google.com."),
                300,
                Cname::new(name("google.com.")),
            ))
            .unwrap();
        answer
            .push((
                name("google.com."),
                300,
                A::new(Ipv4Addr::new(127, 0, 0, 80)),
            ))
            .unwrap();
        let mut authority = answer.authority();
        authority
            .push((name("google.com."), 3600, Ns::new(name("ns1.google.com."))))
            .unwrap();
        let mut additional = authority.additional();
        additional
            .push((
                name("ns1.google.com."),
                3600,
                A::new(Ipv4Addr::new(127, 0, 0, 6)),
            ))
            .unwrap();
        additional
            .opt(|opt| {
                opt.set_udp_payload_size(1232);
                opt.set_dnssec_ok(true);
                Ok(())
            })
            .unwrap();
        additional.finish()
    }

    #[test]
    fn a_response_reads_as_dig_shows_it() {
        let summary = DnsMessageSummary::decode(&response()).unwrap();
        assert_eq!(summary.id, 0x1a2b);
        assert!(summary.response);
        assert_eq!(summary.opcode, "QUERY");
        assert_eq!(summary.flags, ["aa", "rd"]);
        assert_eq!(summary.rcode, "NOERROR");
        assert_eq!(summary.question.as_deref(), Some("www.google.com. IN A"));
        assert_eq!(
            summary.answers,
            [
                "www.google.com. 300 IN CNAME google.com.",
                "google.com. 300 IN A 127.0.0.80"
            ]
        );
        assert_eq!(
            summary.authority,
            ["google.com. 3600 IN NS ns1.google.com."]
        );
        assert_eq!(summary.additional, ["ns1.google.com. 3600 IN A 127.0.0.6"]);
        assert_eq!(
            (
                summary.answer_count,
                summary.authority_count,
                summary.additional_count
            ),
            (2, 1, 2)
        );
        assert_eq!(
            summary.edns,
            Some(EdnsSummary {
                version: 0,
                udp_payload_size: 1232,
                dnssec_ok: true
            })
        );
        assert!(!summary.malformed);
        assert_eq!(
            summary.to_string(),
            "DNS response 0x1a2b NOERROR aa rd 2/1/2 www.google.com. IN A"
        );
    }

    #[test]
    fn truncated_messages_are_marked_or_refused_never_invented() {
        let bytes = response();
        for len in 0..bytes.len() {
            match DnsMessageSummary::decode(&bytes[..len]) {
                // Without a whole header and question there is no summary at all.
                None => assert!(len < 12 + 20, "refused at {len}"),
                Some(summary) => {
                    assert!(summary.malformed, "cut at {len} must be marked");
                    assert_eq!(summary.id, 0x1a2b);
                }
            }
        }
        assert!(DnsMessageSummary::decode(b"GET / HTTP/1.1\r\n").is_none());
    }
}
