//! Showing a decoded response: dig's text layout ([`write_text`]), `+short` ([`write_short`]),
//! and the `--json` document ([`write_json`], whose shape is [`JsonDocument`]).
//!
//! The text layout is BIND 9.18 dig's, so that a DNS person reads it at a glance and that its
//! section lines can be compared with real dig's byte for byte: records are written with tabs
//! to BIND's columns (TTL at 24, class at 32, type at 40, data at 48, tab width 8, as
//! `dns_master_stylecreate(.., 24, 32, 40, 48, 80, 8, ..)` in dig.c), empty sections are
//! omitted, and flags are listed in dig's order.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use domain::base::iana::Opcode;
use serde::Serialize;

use super::response::{DigResponse, EdnsOption, HeaderFlags, RecordEntry};
use super::transport::Exchange;

/// BIND's master-file style for dig: the column each field of a record starts at.
mod column {
    pub const TTL: usize = 24;
    pub const CLASS: usize = 32;
    pub const TYPE: usize = 40;
    pub const RDATA: usize = 48;
    pub const TAB_WIDTH: usize = 8;
}

/// Writes the response in dig's layout. `command_line` is echoed in the banner; `now` is the
/// time shown after `;; WHEN:` (UTC).
pub fn write_text(
    out: &mut impl Write,
    command_line: &str,
    exchange: &Exchange,
    response: &DigResponse,
    now: SystemTime,
) -> io::Result<()> {
    if exchange.truncated_udp_response {
        writeln!(out, ";; Truncated, retrying in TCP mode.")?;
    }
    writeln!(out)?;
    writeln!(out, "; <<>> roundtrip dig <<>> {command_line}")?;
    writeln!(out, ";; Got answer:")?;
    writeln!(
        out,
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
        opcode_text(response.opcode),
        response.rcode,
        response.id
    )?;
    write!(out, ";; flags:")?;
    for flag in response.flags.set_names() {
        write!(out, " {flag}")?;
    }
    let counts = response.counts;
    writeln!(
        out,
        "; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
        counts.question, counts.answer, counts.authority, counts.additional
    )?;
    if response.flags.rd && !response.flags.ra {
        writeln!(out, ";; WARNING: recursion requested but not available")?;
    }
    writeln!(out)?;

    if let Some(edns) = &response.edns {
        writeln!(out, ";; OPT PSEUDOSECTION:")?;
        let flags = if edns.dnssec_ok { " do" } else { "" };
        writeln!(
            out,
            "; EDNS: version: {}, flags:{flags}; udp: {}",
            edns.version, edns.udp_payload_size
        )?;
        for option in &edns.options {
            writeln!(out, "; {}", edns_option_text(option))?;
        }
    }
    if !response.question.is_empty() {
        writeln!(out, ";; QUESTION SECTION:")?;
        for question in &response.question {
            // BIND writes the ';' before the name and does not count it in the columns.
            let mut line = question.name.clone();
            let mut column_now = line.len();
            pad_to(&mut line, &mut column_now, column::CLASS);
            push_field(&mut line, &mut column_now, &question.class.to_string());
            pad_to(&mut line, &mut column_now, column::TYPE);
            push_field(&mut line, &mut column_now, &question.rtype.to_string());
            writeln!(out, ";{line}")?;
        }
    }
    for (title, records) in [
        ("ANSWER", &response.answer),
        ("AUTHORITY", &response.authority),
        ("ADDITIONAL", &response.additional),
    ] {
        if records.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, ";; {title} SECTION:")?;
        for record in records {
            writeln!(out, "{}", record_line(record))?;
        }
    }

    writeln!(out)?;
    writeln!(
        out,
        ";; Query time: {} msec",
        exchange.query_time.as_millis()
    )?;
    let server = exchange.server;
    writeln!(
        out,
        ";; SERVER: {}#{}({}) ({})",
        server.ip(),
        server.port(),
        server.ip(),
        exchange.transport
    )?;
    writeln!(out, ";; WHEN: {}", dig_date(now))?;
    writeln!(out, ";; MSG SIZE  rcvd: {}", response.size)?;
    writeln!(out)
}

/// `+short`: the record data of the answer section, one record per line, as `dig +short`.
pub fn write_short(out: &mut impl Write, response: &DigResponse) -> io::Result<()> {
    for record in &response.answer {
        writeln!(out, "{}", record.data)?;
    }
    Ok(())
}

/// Writes the `--json` document, [`JsonDocument`], pretty-printed, with a final newline.
pub fn write_json(
    out: &mut impl Write,
    exchange: &Exchange,
    response: &DigResponse,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &JsonDocument::new(exchange, response))?;
    writeln!(out)
}

/// One resource record in dig's layout: owner, TTL, class, type and data at BIND's columns.
pub fn record_line(record: &RecordEntry) -> String {
    let mut line = record.owner.clone();
    let mut column_now = line.len();
    pad_to(&mut line, &mut column_now, column::TTL);
    push_field(&mut line, &mut column_now, &record.ttl.to_string());
    pad_to(&mut line, &mut column_now, column::CLASS);
    push_field(&mut line, &mut column_now, &record.class.to_string());
    pad_to(&mut line, &mut column_now, column::TYPE);
    push_field(&mut line, &mut column_now, &record.rtype.to_string());
    pad_to(&mut line, &mut column_now, column::RDATA);
    line.push_str(&record.data);
    line
}

fn push_field(line: &mut String, column_now: &mut usize, field: &str) {
    line.push_str(field);
    *column_now += field.len();
}

/// BIND's `indent()` (lib/dns/masterdump.c): move to column `to` with tabs, then spaces; at
/// least one character is written, so a field that overran the column gets one space.
fn pad_to(line: &mut String, column_now: &mut usize, to: usize) {
    let from = *column_now;
    let to = to.max(from + 1);
    let tabs = to / column::TAB_WIDTH - from / column::TAB_WIDTH;
    let mut reached = from;
    if tabs > 0 {
        line.extend(std::iter::repeat_n('\t', tabs));
        reached = to / column::TAB_WIDTH * column::TAB_WIDTH;
    }
    line.extend(std::iter::repeat_n(' ', to - reached));
    *column_now = to;
}

/// An EDNS option line after `; `, close to dig's: COOKIE in hex, NSID in hex with its text,
/// EDE with its info code and text, anything else as `OPT=CODE: hex ("text")`.
fn edns_option_text(option: &EdnsOption) -> String {
    let data = &option.data;
    match option.code {
        10 => format!("COOKIE: {}", hex_lower(data, "")),
        3 => format!("NSID: {} (\"{}\")", hex_lower(data, " "), printable(data)),
        15 if data.len() >= 2 => {
            let info_code = u16::from_be_bytes([data[0], data[1]]);
            let mut line = format!("EDE: {info_code}");
            if let Some(purpose) = extended_error_purpose(info_code) {
                line.push_str(&format!(" ({purpose})"));
            }
            let extra_text = &data[2..];
            if !extra_text.is_empty() {
                line.push_str(&format!(": ({})", printable(extra_text)));
            }
            line
        }
        code => {
            let name = option
                .mnemonic()
                .map_or_else(|| format!("OPT={code}"), str::to_owned);
            if data.is_empty() {
                name
            } else {
                format!("{name}: {} (\"{}\")", hex_lower(data, " "), printable(data))
            }
        }
    }
}

/// The purpose of an Extended DNS Error INFO-CODE (RFC 8914 section 4, IANA registry).
fn extended_error_purpose(info_code: u16) -> Option<&'static str> {
    const PURPOSES: [&str; 25] = [
        "Other",
        "Unsupported DNSKEY Algorithm",
        "Unsupported DS Digest Type",
        "Stale Answer",
        "Forged Answer",
        "DNSSEC Indeterminate",
        "DNSSEC Bogus",
        "Signature Expired",
        "Signature Not Yet Valid",
        "DNSKEY Missing",
        "RRSIGs Missing",
        "No Zone Key Bit Set",
        "NSEC Missing",
        "Cached Error",
        "Not Ready",
        "Blocked",
        "Censored",
        "Filtered",
        "Prohibited",
        "Stale NXDOMAIN Answer",
        "Not Authoritative",
        "Not Supported",
        "No Reachable Authority",
        "Network Error",
        "Invalid Data",
    ];
    PURPOSES.get(usize::from(info_code)).copied()
}

/// The opcode's mnemonic (`QUERY`, `NOTIFY`, `UPDATE`), or its number.
fn opcode_text(opcode: Opcode) -> String {
    opcode
        .to_mnemonic_str()
        .map_or_else(|| opcode.to_int().to_string(), str::to_owned)
}

fn hex_lower(octets: &[u8], separator: &str) -> String {
    octets
        .iter()
        .map(|octet| format!("{octet:02x}"))
        .collect::<Vec<_>>()
        .join(separator)
}

/// Octets as text, with anything outside printable ASCII shown as '.', as dig does.
fn printable(octets: &[u8]) -> String {
    octets
        .iter()
        .map(|&octet| {
            if (0x20..0x7f).contains(&octet) {
                char::from(octet)
            } else {
                '.'
            }
        })
        .collect()
}

/// dig's `;; WHEN:` date, `Wed Nov 25 15:17:45 UTC 2026`, always in UTC.
pub fn dig_date(now: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // Before 1970 only with a broken clock; show the epoch rather than fail.
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let days = seconds / 86_400;
    let second_of_day = seconds % 86_400;
    let (year, month, day) = dns::record::civil_from_days(days);
    format!(
        "{} {} {day:02} {:02}:{:02}:{:02} UTC {year}",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    )
}

/// The `--json` document: one object describing one query's response.
///
/// ```json
/// {"server": "127.0.0.6:1053", "transport": "udp", "truncated_udp_response": false,
///  "query_time_ms": 0.4, "msg_size": 92, "id": 12345, "opcode": "QUERY", "rcode": "NOERROR",
///  "flags": {"qr": true, "aa": true, "tc": false, "rd": true, "ra": false, "ad": false, "cd": false},
///  "edns": {"version": 0, "udp_size": 1232, "dnssec_ok": false, "options": []},
///  "question": [{"name": "www.google.com.", "type": "A", "class": "IN"}],
///  "answer": [{"name": "www.google.com.", "ttl": 300, "class": "IN", "type": "CNAME",
///              "data": "www3.l.google.com."}],
///  "authority": [], "additional": []}
/// ```
#[derive(Debug, Serialize)]
pub struct JsonDocument<'a> {
    /// The server that answered: `ADDRESS:PORT`, `[ADDRESS]:PORT` for IPv6.
    pub server: String,
    /// `"udp"` or `"tcp"`: how the response shown travelled.
    pub transport: &'static str,
    /// `true` when a truncated UDP response (TC=1) came first and this response was asked again
    /// over TCP; `transport` is then `"tcp"`.
    pub truncated_udp_response: bool,
    /// Milliseconds from sending the query (for TCP: from connecting) to receiving the
    /// response, with microsecond precision.
    pub query_time_ms: f64,
    /// Size of the response in octets.
    pub msg_size: usize,
    /// The message ID (0-65535), the same as the query's.
    pub id: u16,
    /// The opcode mnemonic: `"QUERY"`, or the number as a string if it has none.
    pub opcode: String,
    /// The full response code mnemonic, EDNS-extended: `"NOERROR"`, `"NXDOMAIN"`,
    /// `"SERVFAIL"`, `"REFUSED"`, `"BADVERS"`, ... (the number as a string if it has none).
    pub rcode: String,
    /// The header flags.
    pub flags: HeaderFlags,
    /// The response's OPT pseudo-record, or `null` when the server did not use EDNS.
    pub edns: Option<JsonEdns>,
    /// The question section.
    pub question: Vec<JsonQuestion<'a>>,
    /// The answer section.
    pub answer: Vec<JsonRecord<'a>>,
    /// The authority section.
    pub authority: Vec<JsonRecord<'a>>,
    /// The additional section, without the OPT pseudo-record (that is `edns`).
    pub additional: Vec<JsonRecord<'a>>,
}

/// The response's EDNS OPT pseudo-record (RFC 6891).
#[derive(Debug, Serialize)]
pub struct JsonEdns {
    /// EDNS version, 0 today.
    pub version: u8,
    /// The responder's advertised UDP payload size in octets.
    pub udp_size: u16,
    /// The DO bit (RFC 3225).
    pub dnssec_ok: bool,
    /// EDNS options in the order received.
    pub options: Vec<JsonEdnsOption>,
}

/// One EDNS option.
#[derive(Debug, Serialize)]
pub struct JsonEdnsOption {
    /// The option code (10 is COOKIE, 3 NSID, 15 EDE, ...).
    pub code: u16,
    /// The option's mnemonic, or `null` for codes without one.
    pub name: Option<&'static str>,
    /// The option data in lowercase hex, without separators.
    pub data: String,
}

/// One question.
#[derive(Debug, Serialize)]
pub struct JsonQuestion<'a> {
    /// The name asked, absolute with its final dot, in presentation format.
    pub name: &'a str,
    /// The type mnemonic, `"TYPEnnn"` for types without one.
    #[serde(rename = "type")]
    pub rtype: String,
    /// The class mnemonic, `"CLASSnnn"` for classes without one.
    pub class: String,
}

/// One resource record.
#[derive(Debug, Serialize)]
pub struct JsonRecord<'a> {
    /// The owner name, absolute with its final dot, in presentation format.
    pub name: &'a str,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The class mnemonic, `"CLASSnnn"` for classes without one.
    pub class: String,
    /// The type mnemonic, `"TYPEnnn"` for types without one.
    #[serde(rename = "type")]
    pub rtype: String,
    /// The record data in presentation format on one line, exactly as in the text output
    /// (`"192.0.2.1"`, `"10 mail.example.com."`, `"\"v=spf1 -all\""`, `"\\# 2 ABCD"`).
    pub data: &'a str,
}

impl<'a> JsonDocument<'a> {
    pub fn new(exchange: &Exchange, response: &'a DigResponse) -> Self {
        let records = |records: &'a [RecordEntry]| {
            records
                .iter()
                .map(|record| JsonRecord {
                    name: &record.owner,
                    ttl: record.ttl,
                    class: record.class.to_string(),
                    rtype: record.rtype.to_string(),
                    data: &record.data,
                })
                .collect()
        };
        let flags = response.flags;
        Self {
            server: exchange.server.to_string(),
            transport: exchange.transport.as_lowercase_str(),
            truncated_udp_response: exchange.truncated_udp_response,
            query_time_ms: exchange.query_time.as_micros() as f64 / 1000.0,
            msg_size: response.size,
            id: response.id,
            opcode: opcode_text(response.opcode),
            rcode: response.rcode.to_string(),
            flags,
            edns: response.edns.as_ref().map(|edns| JsonEdns {
                version: edns.version,
                udp_size: edns.udp_payload_size,
                dnssec_ok: edns.dnssec_ok,
                options: edns
                    .options
                    .iter()
                    .map(|option| JsonEdnsOption {
                        code: option.code,
                        name: option.mnemonic(),
                        data: hex_lower(&option.data, ""),
                    })
                    .collect(),
            }),
            question: response
                .question
                .iter()
                .map(|question| JsonQuestion {
                    name: &question.name,
                    rtype: question.rtype.to_string(),
                    class: question.class.to_string(),
                })
                .collect(),
            answer: records(&response.answer),
            authority: records(&response.authority),
            additional: records(&response.additional),
        }
    }
}

#[cfg(test)]
mod tests;
