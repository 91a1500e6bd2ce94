//! The tour's facts told as THE-FLOW.md's five steps.
//!
//! Every line comes from one fact: a captured packet ([`Source::Wire`]), or a part's report of
//! its own decision or the browser's own account ([`Source::Reported`]). Where the capture saw
//! nothing (no permission), the story says what it is told from instead.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use journey::story::{Lane, Message, Phase, Story};
use journey::{Event, EventKind, Source};
use wire::{Packet, TcpConnection, Transport};

use super::{CaptureStatus, Fault, TimeWaitSeen, VisitRecord, ms_between};
use crate::LabConfig;
use crate::config::dual_stack;

const STEP_CACHE: (u8, &str) = (1, "The browser checks its own DNS cache");
const STEP_DNS: (u8, &str) = (
    2,
    "The nearest DNS server resolves the name (a recursive query, answered with iterative ones)",
);
const STEP_TCP: (u8, &str) = (3, "The browser sends an HTTP request over TCP/IP");
const STEP_SERVER: (u8, &str) = (4, "The web server, the WAS and the database do the work");
const STEP_RESPONSE: (u8, &str) = (
    5,
    "The response comes back with a status code, and the connection closes",
);

/// Everything the story is told from.
pub(super) struct Facts<'a> {
    pub config: &'a LabConfig,
    pub fault: Option<Fault>,
    pub t0: SystemTime,
    pub visits: &'a [VisitRecord],
    pub packets: &'a [Packet],
    pub connections: &'a [TcpConnection],
    pub events: &'a [Event],
    pub time_wait: &'a [TimeWaitSeen],
    pub capture: &'a CaptureStatus,
    pub resolver_cache: &'a [(f64, String)],
}

/// Who is who: lane names by address.
struct Hosts {
    by_ip: HashMap<IpAddr, String>,
    browser: Vec<IpAddr>,
    web: Vec<IpAddr>,
    was: Vec<IpAddr>,
}

impl Hosts {
    fn new(config: &LabConfig) -> Hosts {
        let mut by_ip = HashMap::new();
        let mut name = |addrs: &[IpAddr], name: &str| {
            for addr in addrs {
                by_ip.insert(*addr, name.to_owned());
            }
        };
        let browser = dual_stack(config.browser, config.browser6);
        name(&browser, "browser");
        name(
            &dual_stack(config.resolver.address, config.resolver.address6),
            &config.resolver.name,
        );
        for server in &config.dns {
            name(&dual_stack(server.address, server.address6), &server.name);
        }
        let web = dual_stack(config.web.address, config.web.address6);
        name(&web, &config.web.name);
        let was = dual_stack(config.was.address, config.was.address6);
        name(&was, &config.was.name);
        for router in &config.routers {
            name(&router.addresses, &router.name);
        }
        Hosts {
            by_ip,
            browser,
            web,
            was,
        }
    }

    fn name(&self, addr: SocketAddr) -> String {
        self.by_ip
            .get(&addr.ip())
            .cloned()
            .unwrap_or_else(|| addr.ip().to_string())
    }
}

/// The story of the tour of `url`.
pub(super) fn build(url: &str, facts: &Facts) -> Story {
    let hosts = Hosts::new(facts.config);
    let mut story = Story {
        url: url.to_owned(),
        started_at_unix_ms: facts
            .t0
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        ..Story::default()
    };
    story.lanes = lanes(facts);
    story.messages = messages(facts, &hosts);
    if let Some(fault) = facts.fault {
        story.notes.push(format!(
            "fault injected: {} ({})",
            fault.name(),
            fault_meaning(fault)
        ));
    }
    if !facts.capture.captured {
        story.notes.push(format!(
            "no packets were captured ({}); the story is told from what the browser and the \
             servers reported, and no packet is shown that was not seen. Run as root (or with \
             CAP_NET_RAW) to see the packets.",
            facts
                .capture
                .reason
                .as_deref()
                .unwrap_or("capture unavailable")
        ));
    } else if facts.capture.dropped > 0 {
        story.notes.push(format!(
            "the kernel dropped {} packets of the capture: some messages may be missing",
            facts.capture.dropped
        ));
    }

    tell_cache_checks(&mut story, facts);
    tell_dns(&mut story, facts, &hosts);
    tell_tcp_and_request(&mut story, facts, &hosts);
    tell_server_side(&mut story, facts, &hosts);
    tell_response_and_close(&mut story, facts, &hosts);
    tell_links(&mut story, facts, &hosts);
    for step in &mut story.steps {
        step.lines.sort_by(|a, b| {
            a.at_ms
                .partial_cmp(&b.at_ms)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    story.steps.sort_by_key(|s| s.number);
    story.phases = phases(facts);
    story.status = facts
        .visits
        .iter()
        .rev()
        .find_map(|v| v.visit.as_ref().map(|v| v.last().status));
    story
}

fn fault_meaning(fault: Fault) -> &'static str {
    match fault {
        Fault::RootDown => "the first root server is not running; the resolver must try the other",
        Fault::Nxdomain => "the name does not exist; the answer is negative and cached",
        Fault::WasDown => "the WAS is not running; the web server cannot reach it",
        Fault::WasSlow => "the WAS accepts connections but never answers",
        Fault::DbDown => "the WAS's database cannot be opened",
        Fault::Loss => {
            "a router loses the browser's first request segment, and another the resolver's \
             first query: TCP must retransmit, and the resolver must ask again"
        }
    }
}

fn lanes(facts: &Facts) -> Vec<Lane> {
    let config = facts.config;
    let seen: std::collections::HashSet<IpAddr> = facts
        .packets
        .iter()
        .flat_map(|p| [p.src.ip(), p.dst.ip()])
        .collect();
    let mut lanes = vec![Lane {
        name: "browser".into(),
        role: "browser".into(),
        addr: config.browser.to_string(),
    }];
    lanes.push(Lane {
        name: config.resolver.name.clone(),
        role: "resolver".into(),
        addr: config.resolver_addr().to_string(),
    });
    for role in ["root", "tld", "authoritative"] {
        for server in config.dns.iter().filter(|s| s.role == role) {
            let ip = IpAddr::V4(server.address);
            // Without a capture every server may have taken part; with one, only those seen.
            if facts.capture.captured && !seen.contains(&ip) {
                continue;
            }
            lanes.push(Lane {
                name: server.name.clone(),
                role: role.into(),
                addr: SocketAddr::new(ip, config.dns_port).to_string(),
            });
        }
    }
    lanes.push(Lane {
        name: config.web.name.clone(),
        role: "web".into(),
        addr: config.web_addr().to_string(),
    });
    lanes.push(Lane {
        name: config.was.name.clone(),
        role: "was".into(),
        addr: config.was_addr().to_string(),
    });
    lanes.push(Lane {
        name: "database".into(),
        role: "db".into(),
        addr: config.was.database.clone(),
    });
    lanes
}

/// One arrow per captured packet, and one per SQL statement (reported by the WAS).
fn messages(facts: &Facts, hosts: &Hosts) -> Vec<Message> {
    let mut out: Vec<Message> = facts
        .packets
        .iter()
        .map(|p| Message {
            at_ms: ms_between(facts.t0, p.at),
            from: hosts.name(p.src),
            to: hosts.name(p.dst),
            protocol: protocol_of(p).into(),
            label: packet_label(p),
            detail: packet_detail(p),
            source: Source::Wire,
        })
        .collect();
    for event in facts.events.iter().filter(|e| e.at >= facts.t0) {
        if let EventKind::SqlRan {
            database,
            statement,
            rows,
            duration_ms,
            error,
        } = &event.kind
        {
            let end = ms_between(facts.t0, event.at);
            let detail = format!(
                "{database}: {statement}\n{rows} rows in {duration_ms:.3} ms{}",
                error
                    .as_ref()
                    .map(|e| format!("\nerror: {e}"))
                    .unwrap_or_default()
            );
            out.push(Message {
                at_ms: end - duration_ms,
                from: facts.config.was.name.clone(),
                to: "database".into(),
                protocol: "sql".into(),
                label: format!("SQL {}", first_words(statement, 4)),
                detail: detail.clone(),
                source: Source::Reported,
            });
            out.push(Message {
                at_ms: end,
                from: "database".into(),
                to: facts.config.was.name.clone(),
                protocol: "sql".into(),
                label: match error {
                    Some(_) => "error".into(),
                    None => format!("{rows} rows"),
                },
                detail,
                source: Source::Reported,
            });
        }
    }
    out.sort_by(|a, b| {
        a.at_ms
            .partial_cmp(&b.at_ms)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    out
}

fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().take(n).collect();
    let mut out = words.join(" ");
    if text.split_whitespace().count() > n {
        out.push_str(" ...");
    }
    out
}

fn protocol_of(p: &Packet) -> &'static str {
    if p.dns.is_some() {
        "dns"
    } else if p.http.is_some() {
        "http"
    } else {
        match p.transport {
            Transport::Tcp { .. } => "tcp",
            Transport::Udp { .. } => "udp",
            Transport::Icmp { .. } => "icmp",
            Transport::Icmpv6 { .. } => "icmpv6",
            Transport::Arp { .. } => "arp",
        }
    }
}

/// `A? www.google.com.` for a question, `www.google.com. A`-style question from the summary.
fn question_label(question: &str) -> String {
    let parts: Vec<&str> = question.split_whitespace().collect();
    match parts.as_slice() {
        [name, _class, rtype] => format!("{rtype}? {name}"),
        _ => question.to_owned(),
    }
}

fn dns_kind(dns: &wire::DnsMessageSummary) -> &'static str {
    if !dns.response {
        if dns.flags.iter().any(|f| f == "rd") {
            "recursive query (RD=1)"
        } else {
            "iterative query (RD=0)"
        }
    } else if dns.rcode == "NXDOMAIN" {
        "negative answer: no such name"
    } else if dns.rcode != "NOERROR" {
        "error"
    } else if dns.answer_count > 0 {
        "answer"
    } else if !dns.flags.iter().any(|f| f == "aa")
        && dns.authority.iter().any(|r| record_type(r) == Some("NS"))
    {
        "referral"
    } else {
        "no data for that type (NODATA)"
    }
}

fn record_type(record: &str) -> Option<&str> {
    record.split_whitespace().nth(3)
}

fn packet_label(p: &Packet) -> String {
    if let Some(dns) = &p.dns {
        let question = dns
            .question
            .as_deref()
            .map(question_label)
            .unwrap_or_default();
        return if dns.response {
            match dns_kind(dns) {
                "answer" => format!(
                    "{} ({})",
                    dns.answers
                        .iter()
                        .map(|r| short_record(r))
                        .collect::<Vec<_>>()
                        .join(", "),
                    question
                ),
                "referral" => format!(
                    "referral to {}",
                    dns.authority
                        .first()
                        .and_then(|r| r.split_whitespace().next())
                        .unwrap_or("?")
                ),
                kind => format!("{} {kind}", dns.rcode),
            }
        } else {
            question
        };
    }
    match &p.transport {
        Transport::Tcp {
            flags,
            rel_seq,
            rel_ack,
            len,
            ..
        } => {
            let names = flags.names().join(", ");
            match &p.http {
                Some(line) => format!("{line}  [{names}] len {len}"),
                None if *len > 0 => format!("[{names}] seq {rel_seq} ack {rel_ack} len {len}"),
                None => format!("[{names}] seq {rel_seq} ack {rel_ack}"),
            }
        }
        Transport::Udp { len } => format!("UDP len {len}"),
        Transport::Icmp { meaning, .. } => format!("ICMP {meaning}"),
        Transport::Icmpv6 { meaning, .. } => format!("ICMPv6 {meaning}"),
        Transport::Arp { meaning, .. } => format!("ARP {meaning}"),
    }
}

/// `www.l.google.com. 300 IN A 127.0.0.80` -> `A 127.0.0.80`.
fn short_record(record: &str) -> String {
    let parts: Vec<&str> = record.split_whitespace().collect();
    if parts.len() >= 5 {
        parts[3..].join(" ")
    } else {
        record.to_owned()
    }
}

fn packet_detail(p: &Packet) -> String {
    let mut out = p.summary();
    if let Some(dns) = &p.dns {
        out.push_str(&format!(
            "\n\n;; {} id {} rcode {} flags: {}",
            dns_kind(dns),
            dns.id,
            dns.rcode,
            dns.flags.join(" ")
        ));
        if let Some(q) = &dns.question {
            out.push_str(&format!("\n;; QUESTION\n{q}"));
        }
        for (name, section) in [
            ("ANSWER", &dns.answers),
            ("AUTHORITY", &dns.authority),
            ("ADDITIONAL", &dns.additional),
        ] {
            if !section.is_empty() {
                out.push_str(&format!("\n;; {name}\n{}", section.join("\n")));
            }
        }
    }
    if let Some(line) = &p.http {
        out.push_str(&format!("\n\n{line}"));
    }
    out
}

fn tell_cache_checks(story: &mut Story, facts: &Facts) {
    for record in facts.visits {
        let Some(visit) = &record.visit else {
            continue;
        };
        for leg in &visit.legs {
            let at = ms_between(facts.t0, leg.started_at);
            let prefix = visit_prefix(facts, record);
            let text = match &leg.resolved {
                None => format!(
                    "{prefix}{}: the connection to {} is still open (keep-alive): no lookup",
                    leg.url, leg.connection.remote
                ),
                Some(resolved) => {
                    let addrs: Vec<String> =
                        resolved.addresses.iter().map(ToString::to_string).collect();
                    let addrs = addrs.join(", ");
                    match &resolved.source {
                        browser::Source::HostCache { ttl_left } => format!(
                            "{prefix}host cache HIT: {} -> {addrs}, {ttl_left} s of its TTL left; \
                             no DNS query is sent",
                            resolved.host
                        ),
                        browser::Source::Resolver { server } => format!(
                            "{prefix}host cache MISS: {} is neither in /etc/hosts nor in the \
                             browser's cache, so the browser asks its DNS server {server}",
                            resolved.host
                        ),
                        browser::Source::HostsFile => format!(
                            "{prefix}/etc/hosts has {} -> {addrs}: the operating system's \
                             answer, no DNS query",
                            resolved.host
                        ),
                        browser::Source::Literal => {
                            format!(
                                "{prefix}{} is an address: nothing to look up",
                                resolved.host
                            )
                        }
                        browser::Source::Recursive => format!(
                            "{prefix}host cache MISS: {} resolved in-process from the root hints",
                            resolved.host
                        ),
                    }
                }
            };
            story.line(STEP_CACHE.0, STEP_CACHE.1, at, Source::Reported, text);
        }
    }
}

/// "visit N: " when the tour visited more than once, so each line says which visit it is of.
fn visit_prefix(facts: &Facts, record: &VisitRecord) -> String {
    if facts.visits.iter().any(|v| v.number > 1) {
        format!("visit {}: ", record.number)
    } else {
        String::new()
    }
}

fn tell_dns(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let (number, title) = STEP_DNS;
    for p in facts.packets {
        let at = ms_between(facts.t0, p.at);
        if let Transport::Icmp { meaning, .. } = &p.transport {
            story.line(
                number,
                title,
                at,
                Source::Wire,
                format!(
                    "{} -> {}: ICMP {meaning}: nothing listens there, so the sender learns at \
                     once that this server is down",
                    hosts.name(p.src),
                    hosts.name(p.dst)
                ),
            );
            continue;
        }
        let Some(dns) = &p.dns else { continue };
        let from = hosts.name(p.src);
        let to = hosts.name(p.dst);
        let question = dns
            .question
            .as_deref()
            .map(question_label)
            .unwrap_or_default();
        let mut text = if !dns.response {
            let mut text = format!("{from} -> {to} ({}): {} {question}", p.dst, dns_kind(dns));
            if let Some(lost) = lost_query(facts.packets, p) {
                text.push_str(&format!(
                    "\n  LOST: no answer ever came. The query was seen leaving {from} and never \
                     leaving {}: it was lost there{}. UDP has no acknowledgement and no \
                     retransmission: the sender is not told",
                    lost.router,
                    if facts.fault == Some(Fault::Loss) {
                        " (this tour's fault: the router's packet filter drops it)"
                    } else {
                        ""
                    }
                ));
            }
            if let Some(original) = retry_of(facts, p) {
                text.push_str(&format!(
                    "\n  a RETRY by the resolver itself: {:.1} ms after the lost query, with no \
                     answer in that time (the resolver's timeout), it asks again{}",
                    ms_between(original.at, p.at),
                    if original.dst == p.dst {
                        String::new()
                    } else {
                        format!(
                            ", this time at {} instead of {}",
                            p.dst.ip(),
                            original.dst.ip()
                        )
                    }
                ));
            }
            text
        } else {
            format!(
                "{from} -> {to}: {} for {question}{}",
                dns_kind(dns),
                if dns.flags.iter().any(|f| f == "aa") {
                    " (authoritative, AA)"
                } else {
                    ""
                }
            )
        };
        if dns.response {
            for record in &dns.answers {
                text.push_str(&format!("\n  answer     {record}"));
            }
            for record in &dns.authority {
                text.push_str(&format!("\n  authority  {record}"));
            }
            for record in &dns.additional {
                text.push_str(&format!("\n  glue       {record}"));
            }
            if dns.rcode == "NXDOMAIN"
                || (dns.answer_count == 0
                    && dns.authority.iter().any(|r| record_type(r) == Some("SOA")))
            {
                text.push_str(
                    "\n  the SOA above says how long this negative answer may be cached \
                     (RFC 2308: the smaller of its TTL and its MINIMUM)",
                );
            }
        }
        story.line(number, title, at, Source::Wire, text);
    }
    // What the resolver reported of its own walk: the whole walk when nothing was captured,
    // and in any case the steps it took from its cache (no packet shows those).
    for event in facts.events {
        let EventKind::ResolverHop {
            layer,
            name_server,
            question,
            outcome,
            rtt_ms,
            cached,
            ..
        } = &event.kind
        else {
            continue;
        };
        if facts.capture.captured && !cached {
            continue;
        }
        let at = ms_between(facts.t0, event.at);
        let text = if *cached {
            format!(
                "{}: the delegation for {layer} is in its cache: no query to that layer",
                event.host.role
            )
        } else {
            format!(
                "resolver asked {} (for zone {layer}) {question}: {outcome}{}",
                name_server.as_deref().unwrap_or("a server"),
                rtt_ms.map(|r| format!(" in {r:.3} ms")).unwrap_or_default()
            )
        };
        story.line(number, title, at, Source::Reported, text);
    }
    for (at, text) in facts.resolver_cache {
        story.line(number, title, *at, Source::Reported, text.clone());
    }
}

fn tell_tcp_and_request(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let (number, title) = STEP_TCP;
    for conn in facts
        .connections
        .iter()
        .filter(|c| hosts.browser.contains(&c.client.ip()) && hosts.web.contains(&c.server.ip()))
    {
        tell_handshake(story, facts, hosts, conn, number, title);
    }
    for record in facts.visits {
        let Some(visit) = &record.visit else { continue };
        for leg in &visit.legs {
            let start = ms_between(facts.t0, leg.started_at);
            let prefix = visit_prefix(facts, record);
            if !facts.capture.captured && !leg.connection.reused {
                story.line(
                    number,
                    title,
                    start + leg.timings.time_namelookup * 1000.0,
                    Source::Reported,
                    format!(
                        "{prefix}connected {} -> {} in {:.3} ms (the kernel's 3-way handshake; \
                         its packets were not captured)",
                        leg.connection.local,
                        leg.connection.remote,
                        (leg.timings.time_connect - leg.timings.time_namelookup) * 1000.0
                    ),
                );
            }
            let mut text = format!(
                "{prefix}the browser sends, on connection {} -> {}{}:\n  {}",
                leg.connection.local,
                leg.connection.remote,
                if leg.connection.reused {
                    " (reused)"
                } else {
                    ""
                },
                leg.request_line
            );
            for (name, value) in &leg.request_headers {
                text.push_str(&format!("\n  {name}: {value}"));
            }
            story.line(
                number,
                title,
                start + leg.timings.time_pretransfer * 1000.0,
                Source::Reported,
                text,
            );
        }
    }
}

fn tell_handshake(
    story: &mut Story,
    facts: &Facts,
    hosts: &Hosts,
    conn: &TcpConnection,
    number: u8,
    title: &str,
) {
    let (client, server) = (hosts.name(conn.client), hosts.name(conn.server));
    if let Some(syn) = &conn.syn {
        story.line(
            number,
            title,
            ms_between(facts.t0, syn.at),
            Source::Wire,
            format!(
                "SYN      {client} {} -> {server} {}: \"let us talk\"; initial sequence number {} \
                 (shown relative: 0)",
                conn.client, conn.server, syn.seq
            ),
        );
    }
    if let Some(syn_ack) = &conn.syn_ack {
        story.line(
            number,
            title,
            ms_between(facts.t0, syn_ack.at),
            Source::Wire,
            format!(
                "SYN-ACK  {server} -> {client}: \"yes, and let us talk\"; its own ISN {}, ack {} \
                 (relative 1: the SYN counts as one byte)",
                syn_ack.seq, syn_ack.ack
            ),
        );
    }
    if let Some(ack) = &conn.ack {
        let took = conn
            .handshake_duration()
            .map(|d| format!("; the handshake took {:.3} ms", d.as_secs_f64() * 1000.0))
            .unwrap_or_default();
        story.line(
            number,
            title,
            ms_between(facts.t0, ack.at),
            Source::Wire,
            format!("ACK      {client} -> {server}: established{took}"),
        );
    }
    // The browser's response belongs to step 5; the WAS's answer to the web server is still
    // the server side's work (step 4).
    let (answer_number, answer_title) = if hosts.browser.contains(&conn.client.ip()) {
        STEP_RESPONSE
    } else {
        (number, title)
    };
    for (i, segment) in conn.data.iter().enumerate() {
        let from_client = segment.from == conn.client;
        let (step, step_title) = if from_client {
            (number, title)
        } else {
            (answer_number, answer_title)
        };
        let (from, to) = (hosts.name(segment.from), hosts.name(segment.to));
        let first_copy = conn.data[..i]
            .iter()
            .find(|d| d.from == segment.from && d.seq == segment.seq);
        let mut text = match (segment.retransmission, first_copy) {
            (true, Some(first)) => format!(
                "RETRANSMISSION {from} -> {to}: the same {} bytes again (seq {}), {:.3} ms after \
                 the first copy. No ACK had come for them, so {from}'s kernel sent them again by \
                 itself (its retransmission timer); the application wrote them once",
                segment.len,
                segment.rel_seq,
                ms_between(first.at, segment.at)
            ),
            _ => match &segment.http {
                Some(line) => format!(
                    "{from} -> {to}: {line} ({} bytes in this segment, seq {})",
                    segment.len, segment.rel_seq
                ),
                None => continue,
            },
        };
        let later_copy = conn.data[i + 1..]
            .iter()
            .find(|d| d.from == segment.from && d.seq == segment.seq);
        if let Some(lost) =
            later_copy.and_then(|d| lost_at(&facts.packets[segment.index], &facts.packets[d.index]))
        {
            text.push_str(&format!(
                "\n  LOST: seen leaving {}, never leaving {}: the segment was lost there{}. IP \
                 delivers at best effort and tells no one; TCP will notice the missing ACK",
                lost.from,
                lost.router,
                if facts.fault == Some(Fault::Loss) {
                    " (this tour's fault: the router's packet filter drops it)"
                } else {
                    ""
                }
            ));
        }
        story.line(
            step,
            step_title,
            ms_between(facts.t0, segment.at),
            Source::Wire,
            text,
        );
        // What finally confirmed a retransmitted segment: the first ACK that covers it.
        if segment.retransmission
            && let Some(ack) = acknowledgement_of(facts.packets, conn, segment)
        {
            story.line(
                step,
                step_title,
                ms_between(facts.t0, ack.at),
                Source::Wire,
                format!(
                    "ACK      {to} -> {from}: ack {}: every byte before it has arrived, so the \
                     retransmitted bytes got through{}",
                    ack.rel_ack,
                    first_copy
                        .map(|first| format!(
                            ", {:.3} ms after their first copy was sent",
                            ms_between(first.at, ack.at)
                        ))
                        .unwrap_or_default()
                ),
            );
        }
    }
}

/// Where a packet was lost, judged from a later copy of it that went further.
struct Lost<'a> {
    /// The last host that was seen sending it.
    from: &'a str,
    /// The next host on the later copy's path: the one that never sent it on.
    router: &'a str,
}

/// `lost` was captured along a path that `later` (a copy sent again) continued: so it was lost
/// at the next host of `later`'s path.
fn lost_at<'a>(lost: &'a Packet, later: &'a Packet) -> Option<Lost<'a>> {
    let seen = lost.path.len();
    let prefix = lost
        .path
        .iter()
        .zip(&later.path)
        .all(|(a, b)| a.host == b.host);
    (seen > 0 && seen < later.path.len() && prefix).then(|| Lost {
        from: &lost.path[seen - 1].host,
        router: &later.path[seen].host,
    })
}

/// A DNS query that no response answered, lost on the way (its retry went further).
fn lost_query<'a>(packets: &'a [Packet], query: &'a Packet) -> Option<Lost<'a>> {
    let dns = query.dns.as_ref().filter(|d| !d.response)?;
    let answered = packets.iter().any(|p| {
        p.src == query.dst
            && p.dst == query.src
            && p.dns
                .as_ref()
                .is_some_and(|r| r.response && r.id == dns.id && r.question == dns.question)
    });
    if answered {
        return None;
    }
    let retry = packets.iter().find(|p| {
        p.at > query.at
            && same_sender(p, query)
            && p.dns
                .as_ref()
                .is_some_and(|d| !d.response && d.question == dns.question)
    })?;
    lost_at(query, retry)
}

/// Whether two packets left the same host (by either of its addresses: a retry may change
/// family).
fn same_sender(a: &Packet, b: &Packet) -> bool {
    match (a.path.first(), b.path.first()) {
        (Some(a), Some(b)) => a.host == b.host,
        _ => a.src.ip() == b.src.ip(),
    }
}

/// The lost query that `query` asks again, if it is such a retry: the resolver reported a
/// timeout after the lost query, and `query` is the first query for the same question sent
/// after that report. (A query for the same question sent meanwhile belongs to another lookup
/// running at the same time, such as the AAAA beside the A.)
fn retry_of<'a>(facts: &Facts<'a>, query: &Packet) -> Option<&'a Packet> {
    let dns = query.dns.as_ref().filter(|d| !d.response)?;
    let same_question = |p: &Packet| {
        same_sender(p, query)
            && p.dns
                .as_ref()
                .is_some_and(|d| !d.response && d.question == dns.question)
    };
    // The report is made just before the retry is sent; allow for the two clocks' reading.
    let slack = std::time::Duration::from_millis(1);
    facts
        .packets
        .iter()
        .filter(|p| p.at < query.at && same_question(p))
        .filter(|p| lost_query(facts.packets, p).is_some())
        .find(|lost| {
            let Some(timed_out) = facts
                .events
                .iter()
                .filter(|e| {
                    e.at > lost.at
                        && matches!(&e.kind, EventKind::ResolverHop { outcome, .. } if outcome == "timeout")
                })
                .map(|e| e.at)
                .min()
            else {
                return false;
            };
            facts
                .packets
                .iter()
                .find(|p| p.at + slack >= timed_out && same_question(p))
                .is_some_and(|retry| std::ptr::eq(retry, query))
        })
}

/// The first segment of `conn` from the receiver of `segment` that acknowledges all of it.
fn acknowledgement_of(
    packets: &[Packet],
    conn: &TcpConnection,
    segment: &wire::Segment,
) -> Option<AckSeen> {
    let end = segment.seq.wrapping_add(segment.len);
    conn.segments
        .iter()
        .filter(|&&index| index > segment.index)
        .find_map(|&index| {
            let p = &packets[index];
            let Transport::Tcp {
                flags,
                ack,
                rel_ack,
                ..
            } = p.transport
            else {
                return None;
            };
            (p.src == segment.to
                && flags.has(wire::TcpFlags::ACK)
                && (ack.wrapping_sub(end) as i32) >= 0)
                .then_some(AckSeen { at: p.at, rel_ack })
        })
}

/// An acknowledgement, as captured.
struct AckSeen {
    at: SystemTime,
    rel_ack: u32,
}

fn tell_server_side(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let (number, title) = STEP_SERVER;
    // What the servers did while the lab started (the WAS seeding its database) is not part
    // of this request's journey; it stays in the JSON's events.
    for event in facts.events.iter().filter(|e| e.at >= facts.t0) {
        let at = ms_between(facts.t0, event.at);
        let text = match &event.kind {
            EventKind::HttpServed {
                method,
                target,
                host_header,
                decision,
                file,
                upstream,
                status,
                bytes,
                duration_ms,
                ..
            } => {
                let what = match decision.as_str() {
                    "static" => format!(
                        "a static file, served by the web server itself: {}",
                        file.as_deref().unwrap_or("?")
                    ),
                    "proxied" => format!(
                        "dynamic: handed to the WAS at {}",
                        upstream
                            .map(|u| u.to_string())
                            .unwrap_or_else(|| "?".into())
                    ),
                    "redirect" => "a redirect rule of this virtual host".into(),
                    "error" if *status == 502 => format!(
                        "dynamic, for the WAS{}, which could not be reached (connection \
                         refused): 502 Bad Gateway, the fault is upstream",
                        upstream.map(|u| format!(" at {u}")).unwrap_or_default()
                    ),
                    "error" if *status == 504 => format!(
                        "dynamic, for the WAS{}, which did not answer in time: 504 Gateway \
                         Timeout",
                        upstream.map(|u| format!(" at {u}")).unwrap_or_default()
                    ),
                    "not_found" => "no such file under the document root".into(),
                    other => other.to_owned(),
                };
                format!(
                    "web server: {method} {target} (Host: {}) -> {what}; {status}, {bytes} bytes, \
                     {duration_ms:.3} ms",
                    host_header.as_deref().unwrap_or("-")
                )
            }
            EventKind::WasHandled {
                handler,
                method,
                target,
                status,
                app_ms,
                db_ms,
            } => format!(
                "WAS: {method} {target} -> handler `{handler}`: {status} in {app_ms:.3} ms, of \
                 which {db_ms:.3} ms in the database{}",
                if *status == 503 {
                    " (503 Service Unavailable: its database cannot be reached, so the WAS \
                     answers at once instead of failing the request later)"
                } else {
                    ""
                }
            ),
            EventKind::SqlRan {
                database,
                statement,
                rows,
                duration_ms,
                error,
            } => match error {
                None => format!(
                    "database ({database}): {statement}\n  -> {rows} rows in {duration_ms:.3} ms"
                ),
                Some(error) => format!(
                    "database ({database}): {statement}\n  -> failed after {duration_ms:.3} ms: \
                     {error}"
                ),
            },
            _ => continue,
        };
        story.line(number, title, at, Source::Reported, text);
    }
    // The web server's own connection to the WAS, as captured.
    for conn in facts
        .connections
        .iter()
        .filter(|c| hosts.web.contains(&c.client.ip()) && hosts.was.contains(&c.server.ip()))
    {
        tell_handshake(story, facts, hosts, conn, number, title);
    }
}

fn tell_response_and_close(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let (number, title) = STEP_RESPONSE;
    for record in facts.visits {
        let prefix = visit_prefix(facts, record);
        let Some(visit) = &record.visit else {
            story.line(
                number,
                title,
                facts
                    .events
                    .last()
                    .map_or(0.0, |e| ms_between(facts.t0, e.at)),
                Source::Reported,
                format!(
                    "{prefix}no response for {}: {}",
                    record.url,
                    record.error.as_deref().unwrap_or("failed")
                ),
            );
            continue;
        };
        for leg in &visit.legs {
            let start = ms_between(facts.t0, leg.started_at);
            let mut text = format!(
                "{prefix}{} {} {}: {}\n  {} body bytes; first byte {:.3} ms after the request \
                 was sent, all of it after {:.3} ms",
                leg.http_version,
                leg.status,
                leg.reason,
                leg.status_class,
                leg.body_bytes,
                (leg.timings.time_starttransfer - leg.timings.time_pretransfer) * 1000.0,
                (leg.timings.time_total - leg.timings.time_pretransfer) * 1000.0,
            );
            for (name, value) in &leg.response_headers {
                if ["server-timing", "location", "content-type", "cache-control"]
                    .contains(&name.as_str())
                {
                    text.push_str(&format!("\n  {name}: {value}"));
                }
            }
            if let Some(to) = &leg.redirect_to {
                text.push_str(&format!("\n  the browser follows the redirect to {to}"));
            }
            story.line(
                number,
                title,
                start + leg.timings.time_total * 1000.0,
                Source::Reported,
                text,
            );
        }
    }
    for conn in facts
        .connections
        .iter()
        .filter(|c| hosts.browser.contains(&c.client.ip()) && hosts.web.contains(&c.server.ip()))
    {
        for segment in conn.close_sequence() {
            let meaning = if Some(segment) == conn.first_fin.as_ref() {
                "FIN: \"I have nothing more to send\" (the active close)"
            } else if Some(segment) == conn.second_fin.as_ref() {
                "FIN: the other side is done too"
            } else {
                "ACK of the FIN"
            };
            story.line(
                number,
                title,
                ms_between(facts.t0, segment.at),
                Source::Wire,
                format!(
                    "{} -> {}: [{}] {meaning}",
                    hosts.name(segment.from),
                    hosts.name(segment.to),
                    segment.flags.names().join(", ")
                ),
            );
        }
        if let Some(reset) = &conn.reset {
            story.line(
                number,
                title,
                ms_between(facts.t0, reset.at),
                Source::Wire,
                format!(
                    "{} -> {}: RST: the connection was reset, not closed in order",
                    hosts.name(reset.from),
                    hosts.name(reset.to)
                ),
            );
        }
        if let Some(closer) = conn.active_closer {
            let at = conn
                .first_fin
                .as_ref()
                .map_or(0.0, |s| ms_between(facts.t0, s.at));
            story.line(
                number,
                title,
                at,
                Source::Wire,
                format!(
                    "{} sent the first FIN, so it closed actively and is the side that must \
                     hold TIME_WAIT",
                    hosts.name(closer)
                ),
            );
        }
    }
    for tw in facts.time_wait {
        let text = match (tw.holder, tw.remaining_secs) {
            (Some(holder), Some(left)) => format!(
                "the kernel's socket table (sock_diag): {} {} <-> {} is in TIME_WAIT, {left:.1} s \
                 left. Linux keeps it 60 s, so that a late segment of this connection is absorbed \
                 and not mistaken for part of a new one with the same ports",
                hosts.name(holder),
                holder,
                if holder == tw.local {
                    tw.remote
                } else {
                    tw.local
                },
            ),
            _ => format!(
                "the kernel's socket table shows no TIME_WAIT for {} <-> {} (the other side \
                 closed first, or the connection was reset)",
                tw.local, tw.remote
            ),
        };
        story.line(number, title, tw.seen_at_ms, Source::Reported, text);
    }
}

fn phases(facts: &Facts) -> Vec<Phase> {
    let mut out = Vec::new();
    let legs: Vec<(&VisitRecord, &browser::Leg)> = facts
        .visits
        .iter()
        .filter_map(|r| r.visit.as_ref().map(|v| (r, v)))
        .flat_map(|(r, v)| v.legs.iter().map(move |leg| (r, leg)))
        .collect();
    let many = legs.len() > 1;
    for (record, leg) in legs {
        let start = ms_between(facts.t0, leg.started_at);
        let t = &leg.timings;
        let label = |name: &str| {
            if many {
                let path = leg
                    .request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_owned();
                format!("{}{name} {path}", visit_prefix(facts, record))
            } else {
                name.to_owned()
            }
        };
        let mut push = |name: &str, from: f64, to: f64| {
            if to > from || name == "wait (server)" {
                out.push(Phase {
                    name: label(name),
                    start_ms: start + from * 1000.0,
                    end_ms: start + to * 1000.0,
                });
            }
        };
        push("dns", 0.0, t.time_namelookup);
        push("connect", t.time_namelookup, t.time_connect);
        push("request", t.time_connect, t.time_pretransfer);
        push("wait (server)", t.time_pretransfer, t.time_starttransfer);
        push("download", t.time_starttransfer, t.time_total);
    }
    let last_end = out.iter().map(|p| p.end_ms).fold(0.0_f64, f64::max);
    for tw in facts.time_wait {
        out.push(Phase {
            name: "close (FIN/ACK/FIN/ACK)".into(),
            start_ms: last_end,
            end_ms: tw.seen_at_ms.max(last_end),
        });
    }
    out
}

/// On later visits the browser's own cache answers, so the resolver is never asked; this is
/// what the resolver's cache holds for the same name, looked at right after the visits.
pub(super) fn resolver_cache_lines(
    resolver: &resolver::Resolver,
    visits: &[VisitRecord],
    t0: SystemTime,
) -> Vec<(f64, String)> {
    let repeated = visits.iter().filter(|v| v.number > 1).any(|v| {
        v.visit.as_ref().is_some_and(|visit| {
            visit.legs.iter().any(|leg| {
                matches!(
                    leg.resolved.as_ref().map(|r| &r.source),
                    Some(browser::Source::HostCache { .. })
                )
            })
        })
    });
    if !repeated {
        return Vec::new();
    }
    let Some(host) = visits
        .first()
        .and_then(|v| url::Url::parse(&v.url).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
    else {
        return Vec::new();
    };
    let Ok(name) = dns::parse_name(&format!("{host}.")) else {
        return Vec::new();
    };
    let at = ms_between(t0, SystemTime::now());
    let Some(resolution) = resolver.from_cache(&name, domain::base::Rtype::A) else {
        return vec![(
            at,
            format!("the resolver's cache has no complete answer for {host} (it has expired)"),
        )];
    };
    let mut text = format!(
        "the browser's own cache answered, so the resolver was not asked; its cache would have \
         answered {host} without a single iterative query:"
    );
    for set in &resolution.answer {
        for data in &set.data {
            text.push_str(&format!(
                "\n  {} {} {} {}  (TTL counting down)",
                set.owner, set.ttl, set.rtype, data
            ));
        }
    }
    vec![(at, text)]
}

/// The link and IP layers, from the packets: each neighbour lookup (ARP, or IPv6 neighbour
/// discovery) told in the step of the packet that needed it; the path of the browser's first
/// packet to the web server, router by router, with its TTL going down; which address family
/// Happy Eyeballs chose; and the web server's own socket table after the close.
fn tell_links(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let step_of = |at: SystemTime| -> (u8, &'static str) {
        // The step of the first packet that is not a neighbour lookup, sent at or after `at`.
        let next = facts
            .packets
            .iter()
            .find(|q| q.at >= at && !q.is_neighbour_discovery() && !is_mld(q));
        match next {
            Some(q) if q.dns.is_some() => STEP_DNS,
            Some(q) if hosts.was.contains(&q.dst.ip()) || hosts.was.contains(&q.src.ip()) => {
                STEP_SERVER
            }
            _ => STEP_TCP,
        }
    };
    let (mut arp_told, mut nd_told) = (false, false);
    for p in facts.packets.iter().filter(|p| p.is_neighbour_discovery()) {
        let hop = p.path.first();
        let on = hop.map_or(String::new(), |h| format!(" on {}/{}", h.host, h.interface));
        // Why, once per protocol; then only what happened.
        let text = match &p.transport {
            Transport::Arp { meaning, .. } if !arp_told => {
                arp_told = true;
                format!(
                    "ARP{on}: {meaning}. A host knows its neighbours' IP addresses, not their \
                     Ethernet (MAC) addresses: the first packet to a neighbour waits for this \
                     answer, which is then kept in the host's neighbour cache"
                )
            }
            Transport::Arp { meaning, .. } => format!("ARP{on}: {meaning}"),
            Transport::Icmpv6 { meaning, .. } if !nd_told => {
                nd_told = true;
                format!("IPv6 neighbour discovery{on}: {meaning} (IPv6's ARP, over ICMPv6)")
            }
            Transport::Icmpv6 { meaning, .. } => format!("IPv6 neighbour discovery{on}: {meaning}"),
            _ => continue,
        };
        let (number, title) = step_of(p.at);
        story.line(
            number,
            title,
            ms_between(facts.t0, p.at),
            Source::Wire,
            text,
        );
    }

    let (number, title) = STEP_TCP;
    let first_syn = facts.packets.iter().find(|p| {
        hosts.browser.contains(&p.src.ip())
            && hosts.web.contains(&p.dst.ip())
            && p.tcp_flags().is_some_and(|f| f.is_syn())
    });
    if let Some(syn) = first_syn {
        if syn.path.len() > 1 {
            let routers: Vec<&str> = syn.path[1..].iter().map(|h| h.host.as_str()).collect();
            let ttls: Vec<String> = syn
                .path
                .iter()
                .filter_map(|h| h.ttl.map(|t| t.to_string()))
                .collect();
            let family = if syn.dst.is_ipv6() {
                "hop limit"
            } else {
                "TTL"
            };
            story.line(
                number,
                title,
                ms_between(facts.t0, syn.at),
                Source::Wire,
                format!(
                    "the SYN crossed {} links through {}: each router took one from its {family} \
                     ({}), so a packet caught in a routing loop dies instead of circling forever",
                    syn.path.len(),
                    routers.join(", "),
                    ttls.join(" -> ")
                ),
            );
        }
        let resolved: Vec<IpAddr> = facts
            .visits
            .iter()
            .filter_map(|v| v.visit.as_ref())
            .flat_map(|v| v.legs.iter())
            .filter_map(|leg| leg.resolved.as_ref())
            .flat_map(|r| r.addresses.iter().copied())
            .collect();
        let has_v6 = resolved.iter().any(IpAddr::is_ipv6);
        let has_v4 = resolved.iter().any(IpAddr::is_ipv4);
        if has_v6 && has_v4 {
            let text = if syn.dst.is_ipv6() {
                "Happy Eyeballs (RFC 8305): the name has IPv6 and IPv4 addresses; the browser \
                 tries IPv6 first and would start IPv4 250 ms later, but IPv6 answered first, so \
                 this connection is IPv6"
            } else {
                "Happy Eyeballs (RFC 8305): the name has IPv6 and IPv4 addresses; the browser \
                 tried IPv6 first, IPv6 did not answer in time and IPv4 did, so this connection \
                 is IPv4"
            };
            story.line(
                number,
                title,
                ms_between(facts.t0, syn.at),
                Source::Wire,
                text.into(),
            );
        }
    }

    let (number, title) = STEP_RESPONSE;
    for tw in facts.time_wait {
        let (Some(server_host), Some(on_server)) = (&tw.server_host, &tw.on_server_host) else {
            continue;
        };
        let browser_host = tw.host.as_deref().unwrap_or("the browser's host");
        let text = match on_server {
            None => format!(
                "{server_host}'s own socket table holds nothing for {} <-> {}: it closed second \
                 (LAST-ACK -> CLOSED), so only {browser_host}, which closed first, keeps \
                 TIME_WAIT. Each host has its own table: TIME_WAIT lives where the close began",
                tw.local, tw.remote
            ),
            Some(holder) => format!(
                "{server_host}'s own socket table also shows TIME_WAIT ({holder}): it closed first"
            ),
        };
        story.line(number, title, tw.seen_at_ms, Source::Reported, text);
    }
}

/// Multicast listener messages: set-up chatter of IPv6, not part of the journey.
fn is_mld(p: &Packet) -> bool {
    matches!(&p.transport, Transport::Icmpv6 { icmp_type, .. } if matches!(icmp_type, 130..=132 | 143))
}
