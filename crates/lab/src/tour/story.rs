//! The tour's facts told as THE-FLOW.md's five steps.
//!
//! Every line comes from one fact: a captured packet ([`Source::Wire`]), a part's report of
//! its own decision or the browser's own account ([`Source::Reported`]), or a conclusion drawn
//! from captured packets that no single packet says ([`Source::Inferred`]). Where the capture saw
//! nothing (no permission), the story says what it is told from instead.
//!
//! Every sentence comes from the `text` catalogues, in the tour's language ([`Facts::lang`]);
//! protocol tokens (flags, questions, records, request and status lines) are passed in as they
//! were on the wire.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use journey::story::{Lane, Message, Phase, Story};
use journey::{Event, EventKind, Source};
use text::{Lang, t};
use wire::{Packet, TcpConnection, Transport};

use super::{CaptureStatus, Fault, TimeWaitSeen, VisitRecord, ms_between};
use crate::LabConfig;
use crate::config::dual_stack;

// The five steps of THE-FLOW.md, each with the id of its title in the catalogues; `build`
// puts the titles in the tour's language once every line is in.
const STEP_CACHE: (u8, &str) = (1, "step-1");
const STEP_DNS: (u8, &str) = (2, "step-2");
const STEP_TCP: (u8, &str) = (3, "step-3");
const STEP_SERVER: (u8, &str) = (4, "step-4");
const STEP_RESPONSE: (u8, &str) = (5, "step-5");

/// Everything the story is told from.
pub(super) struct Facts<'a> {
    /// The language the story is told in.
    pub lang: Lang,
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
    /// Each TLS connection, read from the packets with the browser's secrets.
    pub tls: &'a [wire::TlsSession],
}

/// Who is who: lane names by address.
struct Hosts {
    by_ip: HashMap<IpAddr, String>,
    browser: Vec<IpAddr>,
    web: Vec<IpAddr>,
    was: Vec<IpAddr>,
}

impl Hosts {
    fn new(config: &LabConfig, lang: Lang) -> Hosts {
        let mut by_ip = HashMap::new();
        let mut name = |addrs: &[IpAddr], name: &str| {
            for addr in addrs {
                by_ip.insert(*addr, name.to_owned());
            }
        };
        let browser = dual_stack(config.browser, config.browser6);
        name(&browser, &t!(lang, "host-browser"));
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
    let lang = facts.lang;
    let hosts = Hosts::new(facts.config, lang);
    let mut story = Story {
        url: url.to_owned(),
        lang: lang.code().to_owned(),
        started_at_unix_ms: facts
            .t0
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        started_at_unix_ns: facts
            .t0
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
        ..Story::default()
    };
    story.lanes = lanes(facts);
    story.messages = messages(facts, &hosts);
    // The fault is named before the story, so every line is read knowing what was broken.
    story.fault = facts.fault.map(|fault| {
        t!(
            lang,
            "fault-injected",
            fault = fault.name(),
            meaning = fault_meaning(lang, fault, facts.config)
        )
    });
    if !facts.capture.captured {
        story.notes.push(t!(
            lang,
            "note-no-capture",
            reason = facts
                .capture
                .reason_text(lang)
                .unwrap_or_else(|| t!(lang, "note-capture-unavailable"))
        ));
    } else if facts.capture.dropped > 0 {
        story
            .notes
            .push(t!(lang, "note-dropped", count = facts.capture.dropped));
    }

    tell_cache_checks(&mut story, facts);
    tell_dns(&mut story, facts, &hosts);
    tell_tcp_and_request(&mut story, facts, &hosts);
    tell_tls(&mut story, facts, &hosts);
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
    for step in &mut story.steps {
        // The lines were added under their step's title id (`STEP_*`).
        step.title = text::text(lang, &step.title, &[]);
    }
    story.phases = phases(facts);
    story.status = facts
        .visits
        .iter()
        .rev()
        .find_map(|v| v.visit.as_ref().map(|v| v.last().status));
    story
}

fn fault_meaning(lang: Lang, fault: Fault, config: &LabConfig) -> String {
    let other_name = crate::ca::other_name(&config.web_names());
    match fault {
        Fault::RootDown => t!(lang, "fault-root-down"),
        Fault::Nxdomain => t!(lang, "fault-nxdomain"),
        Fault::WasDown => t!(lang, "fault-was-down"),
        Fault::WasSlow => t!(lang, "fault-was-slow"),
        Fault::DbDown => t!(lang, "fault-db-down"),
        Fault::Loss => t!(lang, "fault-loss"),
        Fault::CertExpired => t!(lang, "fault-cert-expired"),
        Fault::CertWrongName => t!(lang, "fault-cert-wrong-name", other = other_name),
    }
}

fn lanes(facts: &Facts) -> Vec<Lane> {
    let config = facts.config;
    let seen: std::collections::HashSet<IpAddr> = facts
        .packets
        .iter()
        .flat_map(|p| [p.src.ip(), p.dst.ip()])
        .collect();
    let lang = facts.lang;
    let mut lanes = vec![Lane {
        name: t!(lang, "host-browser"),
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
        name: t!(lang, "host-database"),
        role: "db".into(),
        addr: config.was.database.clone(),
    });
    lanes
}

/// One arrow per captured packet, and one per SQL statement (reported by the WAS).
fn messages(facts: &Facts, hosts: &Hosts) -> Vec<Message> {
    let lang = facts.lang;
    let database_lane = t!(lang, "host-database");
    let mut out: Vec<Message> = facts
        .packets
        .iter()
        .map(|p| Message {
            at_ms: ms_between(facts.t0, p.at),
            from: hosts.name(p.src),
            to: hosts.name(p.dst),
            protocol: protocol_of(p).into(),
            label: packet_label(lang, p),
            detail: packet_detail(lang, p),
            source: Source::Wire,
        })
        .collect();
    for event in facts.events.iter().filter(|e| e.at >= facts.t0) {
        if let EventKind::SqlRan {
            database,
            statement,
            params,
            rows,
            duration_ms,
            error,
        } = &event.kind
        {
            let end = ms_between(facts.t0, event.at);
            let mut detail = format!(
                "{database}: {statement}{}\n{}",
                bound_values(lang, params),
                t!(
                    lang,
                    "sql-rows-in",
                    rows = *rows,
                    ms = format!("{duration_ms:.3}")
                )
            );
            if let Some(error) = error {
                detail.push('\n');
                detail.push_str(&t!(lang, "sql-error", error = error));
            }
            out.push(Message {
                at_ms: end - duration_ms,
                from: facts.config.was.name.clone(),
                to: database_lane.clone(),
                protocol: "sql".into(),
                label: format!("SQL {}", first_words(statement, 4)),
                detail: detail.clone(),
                source: Source::Reported,
            });
            out.push(Message {
                at_ms: end,
                from: database_lane.clone(),
                to: facts.config.was.name.clone(),
                protocol: "sql".into(),
                label: match error {
                    Some(_) => t!(lang, "sql-label-error"),
                    None => t!(lang, "sql-label-rows", rows = *rows),
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

/// What a DNS message is, for a learner: the words the story uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DnsKind {
    /// RD=1: "find the whole answer for me".
    RecursiveQuery,
    /// RD=0: "tell me what you know".
    IterativeQuery,
    /// NXDOMAIN: the name does not exist.
    NoSuchName,
    /// Another error code.
    Error,
    /// Records of the asked type.
    Answer,
    /// Only a CNAME, and no record of the asked type at its target (NODATA after an alias).
    CnameOnly,
    /// A delegation: "ask these servers".
    Referral,
    /// The name exists, but has no record of the asked type (NODATA).
    NoData,
}

impl DnsKind {
    fn of(dns: &wire::DnsMessageSummary) -> DnsKind {
        let asked = dns
            .question
            .as_deref()
            .and_then(|q| q.split_whitespace().nth(2));
        if !dns.response {
            if dns.flags.iter().any(|f| f == "rd") {
                DnsKind::RecursiveQuery
            } else {
                DnsKind::IterativeQuery
            }
        } else if dns.rcode == "NXDOMAIN" {
            DnsKind::NoSuchName
        } else if dns.rcode != "NOERROR" {
            DnsKind::Error
        } else if dns
            .answers
            .iter()
            .any(|r| asked.is_none() || record_type(r) == asked)
        {
            DnsKind::Answer
        } else if !dns.answers.is_empty() {
            DnsKind::CnameOnly
        } else if !dns.flags.iter().any(|f| f == "aa")
            && dns.authority.iter().any(|r| record_type(r) == Some("NS"))
        {
            DnsKind::Referral
        } else {
            DnsKind::NoData
        }
    }

    fn text(self, lang: Lang) -> String {
        match self {
            DnsKind::RecursiveQuery => t!(lang, "dns-recursive-query"),
            DnsKind::IterativeQuery => t!(lang, "dns-iterative-query"),
            DnsKind::NoSuchName => t!(lang, "dns-nxdomain"),
            DnsKind::Error => t!(lang, "dns-error"),
            DnsKind::Answer => t!(lang, "dns-answer"),
            DnsKind::CnameOnly => t!(lang, "dns-cname-only"),
            DnsKind::Referral => t!(lang, "dns-referral"),
            DnsKind::NoData => t!(lang, "dns-nodata"),
        }
    }
}

fn record_type(record: &str) -> Option<&str> {
    record.split_whitespace().nth(3)
}

fn packet_label(lang: Lang, p: &Packet) -> String {
    if let Some(dns) = &p.dns {
        let question = dns
            .question
            .as_deref()
            .map(question_label)
            .unwrap_or_default();
        return if dns.response {
            match DnsKind::of(dns) {
                DnsKind::Answer => format!(
                    "{} ({})",
                    dns.answers
                        .iter()
                        .map(|r| short_record(r))
                        .collect::<Vec<_>>()
                        .join(", "),
                    question
                ),
                DnsKind::Referral => t!(
                    lang,
                    "label-referral",
                    zone = dns
                        .authority
                        .first()
                        .and_then(|r| r.split_whitespace().next())
                        .unwrap_or("?")
                ),
                kind => format!("{} {}", dns.rcode, kind.text(lang)),
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
        Transport::Icmp { .. } | Transport::Icmpv6 { .. } | Transport::Arp { .. } => {
            icmp_words(lang, p)
        }
    }
}

/// An ICMP, ICMPv6 or ARP packet in words, in the story's language: `ARP who-has 192.0.2.1
/// tell 192.0.2.2` (tcpdump's words, kept as they are), `ICMP` port unreachable, neighbour
/// solicitation and advertisement.
fn icmp_words(lang: Lang, p: &Packet) -> String {
    match &p.transport {
        Transport::Arp { meaning, .. } => format!("ARP {meaning}"),
        Transport::Icmp {
            icmp_type, code, ..
        } => {
            let what = match (icmp_type, code) {
                (3, 3) => t!(lang, "icmp-port-unreachable"),
                (3, 1) => t!(lang, "icmp-host-unreachable"),
                (3, 0) => t!(lang, "icmp-net-unreachable"),
                (11, _) => t!(lang, "icmp-time-exceeded"),
                (8, _) => "echo request".to_owned(),
                (0, _) => "echo reply".to_owned(),
                (t, c) => format!("type {t} code {c}"),
            };
            format!("ICMP {what}")
        }
        Transport::Icmpv6 {
            icmp_type,
            code,
            ndp,
            ..
        } => {
            let target = ndp
                .as_ref()
                .and_then(|n| n.target)
                .map_or_else(|| "?".to_owned(), |t| t.to_string());
            let what = match (icmp_type, code) {
                (1, 4) => t!(lang, "icmp-port-unreachable"),
                (1, 3) => t!(lang, "icmp-host-unreachable"),
                (1, 0) => t!(lang, "icmp-net-unreachable"),
                (3, _) => t!(lang, "icmp-time-exceeded"),
                (133, _) => t!(lang, "nd-router-solicitation"),
                (134, _) => t!(lang, "nd-router-advertisement"),
                (135, _) => t!(lang, "nd-solicitation", target = target),
                (136, _) => match ndp.as_ref().and_then(|n| n.target_mac) {
                    Some(mac) => t!(
                        lang,
                        "nd-advertisement",
                        target = target,
                        mac = mac.to_string()
                    ),
                    None => t!(lang, "nd-advertisement-bare", target = target),
                },
                (128, _) => "echo request".to_owned(),
                (129, _) => "echo reply".to_owned(),
                (t, c) => format!("type {t} code {c}"),
            };
            format!("ICMPv6 {what}")
        }
        _ => String::new(),
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

fn packet_detail(lang: Lang, p: &Packet) -> String {
    let mut out = p.summary();
    if let Some(dns) = &p.dns {
        out.push_str(&format!(
            "\n\n;; {} id {} rcode {} flags: {}",
            DnsKind::of(dns).text(lang),
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
    let lang = facts.lang;
    for record in facts.visits {
        let Some(visit) = &record.visit else {
            continue;
        };
        for leg in &visit.legs {
            let at = ms_between(facts.t0, leg.started_at);
            let prefix = visit_prefix(facts, record);
            // HSTS acts before anything else: before the cache, before any packet.
            if let Some(upgrade) = &leg.hsts_upgrade {
                let text = match &upgrade.because {
                    browser::hsts::HstsMatch::Preload { domain, .. } => t!(
                        lang,
                        "hsts-preload",
                        prefix = &prefix,
                        from = &upgrade.from,
                        to = &leg.url,
                        domain = domain
                    ),
                    browser::hsts::HstsMatch::Stored {
                        domain, expires_in, ..
                    } => t!(
                        lang,
                        "hsts-stored",
                        prefix = &prefix,
                        from = &upgrade.from,
                        to = &leg.url,
                        domain = domain,
                        seconds = *expires_in
                    ),
                };
                story.line(STEP_CACHE.0, STEP_CACHE.1, at, Source::Reported, text);
            }
            if let Some(header) = &leg.hsts_header
                && let Some(browser::hsts::Observed::Stored { max_age, .. }) = &header.observed
            {
                story.line(
                    STEP_RESPONSE.0,
                    STEP_RESPONSE.1,
                    ms_between(facts.t0, leg.started_at) + leg.timings.time_starttransfer * 1000.0,
                    Source::Reported,
                    t!(
                        lang,
                        "hsts-header-stored",
                        prefix = &prefix,
                        seconds = *max_age,
                        value = &header.value
                    ),
                );
            }
            let first_of_visit = facts
                .visits
                .iter()
                .find(|v| v.number == record.number)
                .is_some_and(|v| std::ptr::eq(v, record));
            if !first_of_visit && std::ptr::eq(leg, &visit.legs[0]) {
                story.line(
                    STEP_CACHE.0,
                    STEP_CACHE.1,
                    at,
                    Source::Reported,
                    t!(
                        lang,
                        "cache-next-request",
                        prefix = &prefix,
                        url = &record.url
                    ),
                );
            }
            let text = match &leg.resolved {
                None => t!(
                    lang,
                    "cache-keep-alive",
                    prefix = &prefix,
                    url = &leg.url,
                    remote = leg.connection.remote.to_string()
                ),
                Some(resolved) => {
                    let addrs: Vec<String> =
                        resolved.addresses.iter().map(ToString::to_string).collect();
                    let addrs = addrs.join(", ");
                    match &resolved.source {
                        browser::Source::HostCache { ttl_left } => t!(
                            lang,
                            "cache-hit",
                            prefix = &prefix,
                            host = &resolved.host,
                            addrs = &addrs,
                            ttl = *ttl_left
                        ),
                        browser::Source::Resolver { server } => t!(
                            lang,
                            "cache-miss",
                            prefix = &prefix,
                            host = &resolved.host,
                            server = server.to_string()
                        ),
                        browser::Source::HostsFile => t!(
                            lang,
                            "cache-hosts-file",
                            prefix = &prefix,
                            host = &resolved.host,
                            addrs = &addrs
                        ),
                        browser::Source::Literal => t!(
                            lang,
                            "cache-literal",
                            prefix = &prefix,
                            host = &resolved.host
                        ),
                        browser::Source::Recursive => t!(
                            lang,
                            "cache-recursive",
                            prefix = &prefix,
                            host = &resolved.host
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
        format!("{}: ", t!(facts.lang, "visit-prefix", n = record.number))
    } else {
        String::new()
    }
}

fn tell_dns(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let lang = facts.lang;
    let (number, title) = STEP_DNS;
    for p in facts.packets {
        let at = ms_between(facts.t0, p.at);
        if let Transport::Icmp { .. } = &p.transport {
            story.line(
                number,
                title,
                at,
                Source::Wire,
                t!(
                    lang,
                    "dns-icmp-unreachable",
                    from = hosts.name(p.src),
                    to = hosts.name(p.dst),
                    icmp = icmp_words(lang, p)
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
        let kind = DnsKind::of(dns);
        let mut text = if !dns.response {
            let mut text = t!(
                lang,
                "dns-query-line",
                from = &from,
                to = &to,
                addr = p.dst.to_string(),
                kind = kind.text(lang),
                question = &question
            );
            if let Some(lost) = lost_query(facts.packets, p) {
                text.push_str("\n  ");
                text.push_str(&t!(
                    lang,
                    "dns-query-lost",
                    from = &from,
                    router = lost.router
                ));
                if facts.fault == Some(Fault::Loss) {
                    text.push(' ');
                    text.push_str(&t!(lang, "lost-by-the-fault"));
                }
            }
            if let Some(original) = retry_of(facts, p) {
                text.push_str("\n  ");
                text.push_str(&t!(
                    lang,
                    "dns-query-retry",
                    ms = format!("{:.1}", ms_between(original.at, p.at))
                ));
                if original.dst != p.dst {
                    text.push(' ');
                    text.push_str(&t!(
                        lang,
                        "dns-query-retry-elsewhere",
                        now = p.dst.ip().to_string(),
                        before = original.dst.ip().to_string()
                    ));
                }
            }
            text
        } else if dns.flags.iter().any(|f| f == "aa") {
            t!(
                lang,
                "dns-response-line-aa",
                from = &from,
                to = &to,
                kind = kind.text(lang),
                question = &question
            )
        } else {
            t!(
                lang,
                "dns-response-line",
                from = &from,
                to = &to,
                kind = kind.text(lang),
                question = &question
            )
        };
        if dns.response {
            let sections = [
                (t!(lang, "dns-section-answer"), &dns.answers),
                (t!(lang, "dns-section-authority"), &dns.authority),
                (t!(lang, "dns-section-glue"), &dns.additional),
            ];
            let width = sections
                .iter()
                .map(|(name, _)| journey::story::display_width(name))
                .max()
                .unwrap_or(0);
            for (name, records) in &sections {
                let pad = " ".repeat(width - journey::story::display_width(name) + 2);
                for record in records.iter() {
                    text.push_str(&format!("\n  {name}{pad}{record}"));
                }
            }
            if dns.rcode == "NXDOMAIN"
                || (dns.answer_count == 0
                    && dns.authority.iter().any(|r| record_type(r) == Some("SOA")))
            {
                text.push_str("\n  ");
                text.push_str(&t!(lang, "dns-negative-cache"));
            }
        }
        story.line(number, title, at, Source::Wire, text);
    }
    // What the resolver reported of its own walk: the whole walk when nothing was captured,
    // and in any case the steps it took from its cache or from another walk's query in flight
    // (no packet of their own shows those).
    let mut told_shared = false;
    for event in facts.events {
        let EventKind::ResolverHop {
            layer,
            name_server,
            question,
            outcome,
            rtt_ms,
            cached,
            shared,
            ..
        } = &event.kind
        else {
            continue;
        };
        if facts.capture.captured && !cached && !shared {
            continue;
        }
        let at = ms_between(facts.t0, event.at);
        let text = if *cached {
            t!(lang, "resolver-cached-delegation", layer = layer)
        } else if *shared {
            // Why a walk waits for another's query is said once; later ones are named only.
            let server = name_server
                .clone()
                .unwrap_or_else(|| t!(lang, "resolver-some-server"));
            let first = !std::mem::replace(&mut told_shared, true);
            if first {
                t!(
                    lang,
                    "resolver-shared-query",
                    server = server,
                    layer = layer,
                    question = question
                )
            } else {
                t!(
                    lang,
                    "resolver-shared-query-again",
                    server = server,
                    layer = layer,
                    question = question
                )
            }
        } else {
            let outcome = resolver_outcome(lang, outcome);
            let server = name_server
                .clone()
                .unwrap_or_else(|| t!(lang, "resolver-some-server"));
            match rtt_ms {
                Some(rtt) => t!(
                    lang,
                    "resolver-asked-rtt",
                    server = server,
                    layer = layer,
                    question = question,
                    outcome = outcome,
                    ms = format!("{rtt:.3}")
                ),
                None => t!(
                    lang,
                    "resolver-asked",
                    server = server,
                    layer = layer,
                    question = question,
                    outcome = outcome
                ),
            }
        };
        story.line(number, title, at, Source::Reported, text);
    }
    for (at, text) in facts.resolver_cache {
        story.line(number, title, *at, Source::Reported, text.clone());
    }
}

/// The values bound to a statement's placeholders, as a line of their own (empty when none):
/// `bound: $1 = 'TIME_WAIT', $2 = 10`.
fn bound_values(lang: Lang, params: &[String]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let values: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, value)| format!("${} = {value}", i + 1))
        .collect();
    format!("\n  {}", t!(lang, "sql-bound", values = values.join(", ")))
}

/// The resolver's word for a step's outcome (`referral`, `answer`, ...) in the story's language.
fn resolver_outcome(lang: Lang, outcome: &str) -> String {
    match outcome {
        "referral" => t!(lang, "outcome-referral"),
        "answer" => t!(lang, "outcome-answer"),
        "nxdomain" => t!(lang, "outcome-nxdomain"),
        "nodata" => t!(lang, "outcome-nodata"),
        "lame" => t!(lang, "outcome-lame"),
        "timeout" => t!(lang, "outcome-timeout"),
        "error" => t!(lang, "outcome-error"),
        other => other.to_owned(),
    }
}

fn tell_tcp_and_request(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    let lang = facts.lang;
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
                    t!(
                        lang,
                        "tcp-connected-uncaptured",
                        prefix = &prefix,
                        local = leg.connection.local.to_string(),
                        remote = leg.connection.remote.to_string(),
                        ms = format!(
                            "{:.3}",
                            (leg.timings.time_connect - leg.timings.time_namelookup) * 1000.0
                        )
                    ),
                );
            }
            let local = leg.connection.local.to_string();
            let remote = leg.connection.remote.to_string();
            let mut text = if leg.connection.reused {
                t!(
                    lang,
                    "request-sends-reused",
                    prefix = &prefix,
                    local = local,
                    remote = remote
                )
            } else {
                t!(
                    lang,
                    "request-sends",
                    prefix = &prefix,
                    local = local,
                    remote = remote
                )
            };
            text.push_str(&format!("\n  {}", leg.request_line));
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
    let lang = facts.lang;
    let (client, server) = (hosts.name(conn.client), hosts.name(conn.server));
    if let Some(syn) = &conn.syn {
        story.line(
            number,
            title,
            ms_between(facts.t0, syn.at),
            Source::Wire,
            t!(
                lang,
                "tcp-syn",
                client = &client,
                client_addr = conn.client.to_string(),
                server = &server,
                server_addr = conn.server.to_string(),
                isn = syn.seq.to_string()
            ),
        );
    }
    if let Some(syn_ack) = &conn.syn_ack {
        story.line(
            number,
            title,
            ms_between(facts.t0, syn_ack.at),
            Source::Wire,
            t!(
                lang,
                "tcp-syn-ack",
                client = &client,
                server = &server,
                isn = syn_ack.seq.to_string(),
                ack = syn_ack.ack.to_string()
            ),
        );
    }
    if let Some(ack) = &conn.ack {
        let text = match conn.handshake_duration() {
            Some(took) => t!(
                lang,
                "tcp-ack-took",
                client = &client,
                server = &server,
                seq = ack.rel_seq.to_string(),
                ack = ack.rel_ack.to_string(),
                ms = format!("{:.3}", took.as_secs_f64() * 1000.0)
            ),
            None => t!(
                lang,
                "tcp-ack",
                client = &client,
                server = &server,
                seq = ack.rel_seq.to_string(),
                ack = ack.rel_ack.to_string()
            ),
        };
        story.line(
            number,
            title,
            ms_between(facts.t0, ack.at),
            Source::Wire,
            text,
        );
    }
    // The browser's response belongs to step 5; the WAS's answer to the web server is still
    // the server side's work (step 4).
    let (answer_number, answer_title) = if hosts.browser.contains(&conn.client.ip()) {
        STEP_RESPONSE
    } else {
        (number, title)
    };
    // The pure ACKs (no data, no SYN or FIN): how the sender learns its bytes arrived.
    let pure_acks: Vec<&Packet> = conn
        .segments
        .iter()
        .filter_map(|&i| facts.packets.get(i))
        .filter(|p| {
            p.tcp_flags().is_some_and(|f| f.0 == wire::TcpFlags::ACK) && p.payload_len() == 0
        })
        .filter(|p| conn.ack.as_ref().is_none_or(|a| a.at != p.at))
        .collect();
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
        let later_copy = conn.data[i + 1..]
            .iter()
            .find(|d| d.from == segment.from && d.seq == segment.seq);
        let lost = later_copy
            .and_then(|d| lost_at(&facts.packets[segment.index], &facts.packets[d.index]));
        let mut text = match (segment.retransmission, first_copy) {
            (true, Some(first)) => t!(
                lang,
                "tcp-retransmission",
                from = &from,
                to = &to,
                bytes = segment.len,
                seq = segment.rel_seq.to_string(),
                ms = format!("{:.3}", ms_between(first.at, segment.at))
            ),
            _ => match &segment.http {
                Some(line) => t!(
                    lang,
                    "tcp-http-segment",
                    from = &from,
                    to = &to,
                    line = line,
                    bytes = segment.len,
                    seq = segment.rel_seq.to_string()
                ),
                // What an encrypted segment carries is told from its TLS records; its fate,
                // when it was lost, is told here.
                None if lost.is_some() => t!(
                    lang,
                    "tcp-data-segment",
                    from = &from,
                    to = &to,
                    bytes = segment.len,
                    seq = segment.rel_seq.to_string()
                ),
                None => continue,
            },
        };
        if let Some(lost) = &lost {
            text.push_str("\n  ");
            text.push_str(&t!(
                lang,
                "tcp-segment-lost",
                from = lost.from,
                router = lost.router
            ));
            if facts.fault == Some(Fault::Loss) {
                text.push(' ');
                text.push_str(&t!(lang, "lost-by-the-fault"));
            }
        }
        story.line(
            step,
            step_title,
            ms_between(facts.t0, segment.at),
            Source::Wire,
            text,
        );
        if lost.is_some() {
            // Its bytes are acknowledged after the copy that got through, told there.
            continue;
        }
        if segment.retransmission {
            // What finally confirmed a retransmitted segment: the first ACK that covers it.
            if let Some(ack) = acknowledgement_of(facts.packets, conn, segment) {
                let since_first = first_copy
                    .map(|first| format!("{:.3}", ms_between(first.at, ack.at)))
                    .unwrap_or_default();
                story.line(
                    step,
                    step_title,
                    ms_between(facts.t0, ack.at),
                    Source::Wire,
                    t!(
                        lang,
                        "tcp-retransmission-acked",
                        from = &to,
                        to = &from,
                        ack = ack.rel_ack.to_string(),
                        ms = since_first
                    ),
                );
            }
            continue;
        }
        if segment.http.is_none() {
            continue;
        }
        // The first pure ACK that covers this segment's last byte, from the receiver.
        let end = segment.rel_seq.wrapping_add(segment.len);
        let acked = pure_acks.iter().find(|p| {
            p.src == segment.to
                && p.at >= segment.at
                && matches!(p.transport, Transport::Tcp { rel_ack, .. } if rel_ack >= end)
        });
        if let Some(ack) = acked
            && let Transport::Tcp {
                rel_seq, rel_ack, ..
            } = ack.transport
        {
            story.line(
                step,
                step_title,
                ms_between(facts.t0, ack.at),
                Source::Wire,
                t!(
                    lang,
                    "tcp-pure-ack",
                    from = &to,
                    to = &from,
                    seq = rel_seq.to_string(),
                    ack = rel_ack.to_string(),
                    bytes = segment.len
                ),
            );
        }
    }
}

/// TLS from the packets (RFC 8446): the hellos in the clear, then what the browser's logged
/// secrets open — the server's encrypted handshake, both Finished, the HTTP/2 frames — and a
/// record no secret opens, said to be so. The client's messages belong to step 3, the server's
/// answer to the request (its HEADERS and DATA on a request's stream) to step 5.
fn tell_tls(story: &mut Story, facts: &Facts, hosts: &Hosts) {
    use wire::tls::{HandshakeMessage, Http2Payload, Protection, RecordContent, Side};
    let lang = facts.lang;
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(", ")
        }
    };
    for session in facts
        .tls
        .iter()
        .filter(|s| hosts.browser.contains(&s.client.ip()) && hosts.web.contains(&s.server.ip()))
    {
        let (client, server) = (hosts.name(session.client), hosts.name(session.server));
        let ends = |side: Side| match side {
            Side::Client => (client.as_str(), server.as_str()),
            Side::Server => (server.as_str(), client.as_str()),
        };
        let mut line = |step: (u8, &str), at: SystemTime, text: String| {
            story.line(step.0, step.1, ms_between(facts.t0, at), Source::Wire, text);
        };
        for record in &session.records {
            let (from, to) = ends(record.from);
            if let Protection::Undecryptable(why) = &record.protection {
                line(
                    STEP_TCP,
                    record.at,
                    t!(
                        lang,
                        "tls-undecryptable",
                        from = from,
                        to = to,
                        bytes = record.len,
                        why = serde_json::to_value(why)
                            .ok()
                            .and_then(|v| v
                                .get("label")
                                .and_then(|l| l.as_str())
                                .map(str::to_owned))
                            .unwrap_or_else(|| format!("{why:?}"))
                    ),
                );
                continue;
            }
            match &record.content {
                RecordContent::Handshake { messages } => {
                    for message in messages {
                        let text = match message {
                            HandshakeMessage::ClientHello(hello) => t!(
                                lang,
                                "tls-client-hello",
                                from = from,
                                to = to,
                                sni = hello.server_name.as_deref().unwrap_or("-"),
                                alpn = list(hello.alpn.clone()),
                                versions = list(
                                    hello
                                        .supported_versions
                                        .iter()
                                        .map(ToString::to_string)
                                        .collect()
                                ),
                                groups = list(
                                    hello
                                        .key_share_groups
                                        .iter()
                                        .map(ToString::to_string)
                                        .collect()
                                )
                            ),
                            HandshakeMessage::ServerHello(hello) => t!(
                                lang,
                                "tls-server-hello",
                                from = from,
                                to = to,
                                version = hello.version().to_string(),
                                suite = hello.cipher_suite.to_string(),
                                group = hello
                                    .key_share_group
                                    .map_or("-".to_owned(), |g| g.to_string())
                            ),
                            HandshakeMessage::EncryptedExtensions { alpn, .. } => t!(
                                lang,
                                "tls-encrypted-extensions",
                                from = from,
                                alpn = alpn.as_deref().unwrap_or("-")
                            ),
                            HandshakeMessage::Certificate { chain } => {
                                let mut text =
                                    t!(lang, "tls-certificate", from = from, count = chain.len());
                                for cert in chain {
                                    text.push_str("\n  ");
                                    text.push_str(&t!(
                                        lang,
                                        "tls-certificate-entry",
                                        subject = cert.subject.as_str(),
                                        issuer = cert.issuer.as_str(),
                                        since = cert.not_before.as_str(),
                                        until = cert.not_after.as_str(),
                                        san = list(cert.san.clone())
                                    ));
                                }
                                text
                            }
                            HandshakeMessage::CertificateVerify { scheme, .. } => t!(
                                lang,
                                "tls-certificate-verify",
                                from = from,
                                scheme = scheme.to_string()
                            ),
                            HandshakeMessage::Finished { .. } => {
                                t!(lang, "tls-finished", from = from, to = to)
                            }
                            HandshakeMessage::NewSessionTicket { lifetime } => {
                                t!(lang, "tls-session-ticket", from = from, seconds = *lifetime)
                            }
                            other => t!(
                                lang,
                                "tls-handshake-other",
                                from = from,
                                name = other.name()
                            ),
                        };
                        line(STEP_TCP, record.at, text);
                    }
                }
                RecordContent::Alert(alert) => {
                    let keys = match &record.protection {
                        Protection::Decrypted {
                            epoch: wire::tls::KeyEpoch::Handshake,
                            ..
                        } => t!(lang, "tls-alert-handshake-keys"),
                        Protection::Decrypted { .. } => t!(lang, "tls-alert-decrypted"),
                        _ => t!(lang, "tls-alert-clear"),
                    };
                    let meaning = match alert.name {
                        "close_notify" => t!(lang, "tls-alert-close-notify"),
                        "certificate_expired" => {
                            t!(lang, "tls-alert-certificate-expired", from = from)
                        }
                        "bad_certificate" => t!(lang, "tls-alert-bad-certificate", from = from),
                        "unknown_ca" => t!(lang, "tls-alert-unknown-ca", from = from),
                        "certificate_unknown" => {
                            t!(lang, "tls-alert-certificate-unknown", from = from)
                        }
                        "certificate_revoked" => {
                            t!(lang, "tls-alert-certificate-revoked", from = from)
                        }
                        _ if alert.level == 1 => t!(lang, "tls-alert-warning"),
                        _ => t!(lang, "tls-alert-fatal", from = from),
                    };
                    // The close's alert ends the response (step 5); any other ends the
                    // handshake it interrupts (step 3).
                    let step = if alert.description == 0 {
                        STEP_RESPONSE
                    } else {
                        STEP_TCP
                    };
                    line(
                        step,
                        record.at,
                        t!(
                            lang,
                            "tls-alert",
                            from = from,
                            to = to,
                            keys = keys,
                            name = alert.name,
                            meaning = meaning
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some(timing) = &session.handshake {
            line(
                STEP_TCP,
                timing.done_at,
                t!(
                    lang,
                    "tls-handshake-done",
                    version = session.version.map_or("-".to_owned(), |v| v.to_string()),
                    alpn = session.alpn.as_deref().unwrap_or("-"),
                    trips = timing.round_trips,
                    ms = format!("{:.3}", timing.duration.as_secs_f64() * 1000.0)
                ),
            );
        }
        for frame in &session.http2 {
            let (from, to) = ends(frame.from);
            // The server's frames on a request's stream are the response (step 5).
            let step = if frame.from == Side::Server && frame.stream != 0 {
                STEP_RESPONSE
            } else {
                STEP_TCP
            };
            let text = match &frame.payload {
                Http2Payload::Preface => t!(lang, "h2-preface", from = from),
                Http2Payload::Settings { ack: true, .. } => {
                    t!(lang, "h2-settings-ack", from = from, to = to)
                }
                Http2Payload::Settings { values, .. } => t!(
                    lang,
                    "h2-settings",
                    from = from,
                    values = list(
                        values
                            .iter()
                            .map(|v| format!("{} {}", v.name, v.value))
                            .collect()
                    )
                ),
                Http2Payload::Headers { headers, .. }
                | Http2Payload::Continuation { headers, .. }
                    if !headers.is_empty() =>
                {
                    let mut text = t!(
                        lang,
                        "h2-headers",
                        from = from,
                        to = to,
                        stream = frame.stream
                    );
                    for (name, value) in headers {
                        text.push_str(&format!("\n  {name}: {value}"));
                    }
                    text
                }
                Http2Payload::Data {
                    len,
                    end_stream: true,
                } => t!(
                    lang,
                    "h2-data-end",
                    from = from,
                    to = to,
                    stream = frame.stream,
                    bytes = *len
                ),
                Http2Payload::Data { len, .. } => t!(
                    lang,
                    "h2-data",
                    from = from,
                    to = to,
                    stream = frame.stream,
                    bytes = *len
                ),
                Http2Payload::WindowUpdate { increment } => t!(
                    lang,
                    "h2-window-update",
                    from = from,
                    stream = frame.stream,
                    bytes = *increment
                ),
                Http2Payload::Goaway {
                    last_stream, error, ..
                } => t!(
                    lang,
                    "h2-goaway",
                    from = from,
                    last = *last_stream,
                    error = *error
                ),
                Http2Payload::RstStream { error, .. } => t!(
                    lang,
                    "h2-rst-stream",
                    from = from,
                    stream = frame.stream,
                    error = *error
                ),
                Http2Payload::Ping { ack: true, .. } => t!(lang, "h2-ping-ack", from = from),
                Http2Payload::Ping { .. } => t!(lang, "h2-ping", from = from),
                _ => continue,
            };
            line(step, frame.at, text);
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
    let lang = facts.lang;
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
                let upstream = upstream.map_or_else(|| "?".to_owned(), |u| u.to_string());
                let what = match decision.as_str() {
                    "static" => t!(lang, "web-static", file = file.as_deref().unwrap_or("?")),
                    "proxied" => t!(lang, "web-proxied", upstream = upstream),
                    "redirect" => t!(lang, "web-redirect"),
                    "error" if *status == 502 => t!(lang, "web-502", upstream = upstream),
                    "error" if *status == 504 => t!(lang, "web-504", upstream = upstream),
                    "not_found" => t!(lang, "web-not-found"),
                    other => other.to_owned(),
                };
                t!(
                    lang,
                    "web-served",
                    request = format!("{method} {target}"),
                    host = host_header.as_deref().unwrap_or("-"),
                    what = what,
                    status = *status,
                    bytes = *bytes,
                    ms = format!("{duration_ms:.3}")
                )
            }
            EventKind::WasHandled {
                handler,
                method,
                target,
                status,
                app_ms,
                db_ms,
            } if *status == 503 => t!(
                lang,
                "was-503",
                request = format!("{method} {target}"),
                handler = handler,
                ms = format!("{app_ms:.3}")
            ),
            EventKind::WasHandled {
                handler,
                method,
                target,
                status,
                app_ms,
                db_ms,
            } => t!(
                lang,
                "was-handled",
                request = format!("{method} {target}"),
                handler = handler,
                status = *status,
                ms = format!("{app_ms:.3}"),
                db_ms = format!("{db_ms:.3}")
            ),
            EventKind::SqlRan {
                database,
                statement,
                params,
                rows,
                duration_ms,
                error,
            } => {
                let ms = format!("{duration_ms:.3}");
                let outcome = match error {
                    None => t!(lang, "sql-rows-in", rows = *rows, ms = ms),
                    Some(error) => t!(lang, "sql-failed", ms = ms, error = error),
                };
                format!(
                    "{}\n  {statement}{}\n  -> {outcome}",
                    t!(lang, "sql-database", database = database),
                    bound_values(lang, params)
                )
            }
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
    let lang = facts.lang;
    let (number, title) = STEP_RESPONSE;
    // The browser's refusals of a certificate, as the wire shows them (its fatal alerts in a
    // handshake, in time order): a failed visit of a certificate fault is told at its own.
    let mut refusals = facts
        .tls
        .iter()
        .filter(|s| hosts.browser.contains(&s.client.ip()) && hosts.web.contains(&s.server.ip()))
        .flat_map(|s| {
            s.records.iter().filter(|r| {
                r.from == wire::tls::Side::Client
                    && matches!(&r.content, wire::tls::RecordContent::Alert(a) if a.description != 0)
            })
        })
        .map(|r| r.at)
        .collect::<Vec<_>>();
    refusals.sort();
    let mut refusals = refusals.into_iter();
    let certificate_fault = matches!(facts.fault, Some(Fault::CertExpired | Fault::CertWrongName));
    for record in facts.visits {
        let prefix = visit_prefix(facts, record);
        let Some(visit) = &record.visit else {
            let refused_at = certificate_fault.then(|| refusals.next()).flatten();
            story.line(
                number,
                title,
                refused_at.map_or_else(
                    || {
                        facts
                            .events
                            .last()
                            .map_or(0.0, |e| ms_between(facts.t0, e.at))
                    },
                    |at| ms_between(facts.t0, at),
                ),
                Source::Reported,
                t!(
                    lang,
                    "response-none",
                    prefix = &prefix,
                    url = &record.url,
                    why = record
                        .error
                        .clone()
                        .unwrap_or_else(|| t!(lang, "response-failed"))
                ),
            );
            continue;
        };
        for leg in &visit.legs {
            let start = ms_between(facts.t0, leg.started_at);
            let mut text = format!(
                "{prefix}{} {} {}: {}\n  {}",
                leg.http_version,
                leg.status,
                leg.reason,
                status_class(lang, leg.status),
                t!(
                    lang,
                    "response-timing",
                    bytes = leg.body_bytes,
                    first = format!(
                        "{:.3}",
                        (leg.timings.time_starttransfer - leg.timings.time_pretransfer) * 1000.0
                    ),
                    all = format!(
                        "{:.3}",
                        (leg.timings.time_total - leg.timings.time_pretransfer) * 1000.0
                    )
                )
            );
            for (name, value) in &leg.response_headers {
                if ["server-timing", "location", "content-type", "cache-control"]
                    .contains(&name.as_str())
                {
                    text.push_str(&format!("\n  {name}: {value}"));
                }
            }
            if let Some(to) = &leg.redirect_to {
                text.push_str("\n  ");
                text.push_str(&t!(lang, "response-follows-redirect", to = to));
                // Each URL parsed once: the host and the scheme are read from it.
                let (from, next) = (url::Url::parse(&leg.url).ok(), url::Url::parse(to).ok());
                if next.as_ref().and_then(url::Url::host_str)
                    != from.as_ref().and_then(url::Url::host_str)
                {
                    text.push_str("\n  ");
                    text.push_str(&t!(lang, "response-redirect-why"));
                }
                if from.as_ref().map(url::Url::scheme) == Some("http")
                    && next.as_ref().map(url::Url::scheme) == Some("https")
                {
                    text.push_str("\n  ");
                    text.push_str(&t!(lang, "response-redirect-https-why"));
                }
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
        let close = conn.close_sequence();
        for segment in &close {
            let both = conn.first_fin_acked.as_ref().map(|s| s.index)
                == conn.second_fin.as_ref().map(|s| s.index);
            let meaning = if Some(*segment) == conn.first_fin.as_ref() {
                t!(lang, "close-first-fin")
            } else if Some(*segment) == conn.second_fin.as_ref() && both {
                t!(lang, "close-ack-and-fin")
            } else if Some(*segment) == conn.second_fin.as_ref() {
                t!(lang, "close-second-fin")
            } else if Some(*segment) == conn.second_fin_acked.as_ref() {
                t!(lang, "close-last-ack")
            } else {
                t!(lang, "close-ack-of-fin")
            };
            story.line(
                number,
                title,
                ms_between(facts.t0, segment.at),
                Source::Wire,
                format!(
                    "{} -> {}: [{}] seq {} ack {}: {meaning}",
                    hosts.name(segment.from),
                    hosts.name(segment.to),
                    segment.flags.names().join(", "),
                    segment.rel_seq,
                    segment.rel_ack,
                ),
            );
        }
        if conn.second_fin_acked.is_some() && (close.len() == 3 || close.len() == 4) {
            // The seed's 4 way handshake in 3 packets (the second and third travelled as one)
            // or in 4 (over TLS, the server's close_notify goes before its FIN).
            story.line(
                number,
                title,
                close.last().map_or(0.0, |s| ms_between(facts.t0, s.at)),
                Source::Inferred,
                if close.len() == 3 {
                    t!(lang, "close-three-for-four")
                } else {
                    t!(lang, "close-four-for-four")
                },
            );
        }
        if let Some(reset) = &conn.reset {
            story.line(
                number,
                title,
                ms_between(facts.t0, reset.at),
                Source::Wire,
                t!(
                    lang,
                    "close-reset",
                    from = hosts.name(reset.from),
                    to = hosts.name(reset.to)
                ),
            );
        }
        if let Some(closer) = conn.active_closer {
            let at = conn
                .first_fin
                .as_ref()
                .map_or(0.0, |s| ms_between(facts.t0, s.at));
            // No packet says this; it follows from who sent the first FIN.
            story.line(
                number,
                title,
                at,
                Source::Inferred,
                t!(lang, "close-active-closer", host = hosts.name(closer)),
            );
        }
    }
    for tw in facts.time_wait {
        let text = match (tw.holder, tw.remaining_secs) {
            (Some(holder), Some(left)) => t!(
                lang,
                "time-wait-seen",
                host = hosts.name(holder),
                holder = holder.to_string(),
                peer = if holder == tw.local {
                    tw.remote
                } else {
                    tw.local
                }
                .to_string(),
                left = format!("{left:.1}")
            ),
            _ => t!(
                lang,
                "time-wait-none",
                local = tw.local.to_string(),
                remote = tw.remote.to_string()
            ),
        };
        story.line(number, title, tw.seen_at_ms, Source::Reported, text);
    }
}

/// The status code's class, as THE-FLOW.md's step 5 lists them.
fn status_class(lang: Lang, status: u16) -> String {
    t!(lang, "status-class", class = status / 100)
}

fn phases(facts: &Facts) -> Vec<Phase> {
    let lang = facts.lang;
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
        let label = |name: String| {
            if many {
                let path = leg
                    .request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_owned();
                format!("{}{name} {path}", visit_prefix(facts, record))
            } else {
                name
            }
        };
        // The 3 way handshake as the packets show it, from the SYN to the ACK, when they were
        // captured (a new connection only); else the browser's own timing.
        let handshake = (!leg.connection.reused)
            .then(|| {
                facts
                    .connections
                    .iter()
                    .find(|c| c.client == leg.connection.local && c.server == leg.connection.remote)
            })
            .flatten()
            .and_then(|c| Some((c.syn.as_ref()?.at, c.ack.as_ref()?.at)));
        let mut push = |name: String, from: f64, to: f64, always: bool| {
            if to > from || always {
                out.push(Phase {
                    name: label(name),
                    start_ms: start + from * 1000.0,
                    end_ms: start + to * 1000.0,
                });
            }
        };
        push(t!(lang, "phase-dns"), 0.0, t.time_namelookup, false);
        match handshake {
            Some((syn, ack)) => {
                let (from, to) = (ms_between(facts.t0, syn), ms_between(facts.t0, ack));
                push(
                    t!(lang, "phase-connect-wire"),
                    (from - start) / 1000.0,
                    (to - start) / 1000.0,
                    true,
                );
            }
            None => push(
                t!(lang, "phase-connect"),
                t.time_namelookup,
                t.time_connect,
                false,
            ),
        }
        // With TLS, the handshake between the TCP connect and the request (curl's
        // time_appconnect); 0 without.
        let connected = t.time_connect.max(t.time_appconnect);
        push(
            t!(lang, "phase-tls"),
            t.time_connect,
            t.time_appconnect,
            false,
        );
        push(
            t!(lang, "phase-request"),
            connected,
            t.time_pretransfer,
            false,
        );
        push(
            t!(lang, "phase-wait"),
            t.time_pretransfer,
            t.time_starttransfer,
            true,
        );
        push(
            t!(lang, "phase-download"),
            t.time_starttransfer,
            t.time_total,
            false,
        );
    }
    let last_end = out.iter().map(|p| p.end_ms).fold(0.0_f64, f64::max);
    // The close as the packets show it, from the first FIN to the last ACK; without a capture,
    // from the last response to the socket table's TIME_WAIT.
    let mut closes: Vec<Phase> = facts
        .connections
        .iter()
        .filter(|c| c.first_fin.is_some())
        .filter_map(|c| {
            let sequence = c.close_sequence();
            let (first, last) = (sequence.first()?, sequence.last()?);
            Some(Phase {
                name: t!(lang, "phase-close"),
                start_ms: ms_between(facts.t0, first.at),
                end_ms: ms_between(facts.t0, last.at),
            })
        })
        .filter(|_| facts.capture.captured)
        .collect();
    if closes.is_empty() {
        closes = facts
            .time_wait
            .iter()
            .map(|tw| Phase {
                name: t!(lang, "phase-close-reported"),
                start_ms: last_end,
                end_ms: tw.seen_at_ms.max(last_end),
            })
            .collect();
    }
    out.extend(closes);
    out
}

/// On later visits the browser's own cache answers, so the resolver is never asked; this is
/// what the resolver's cache holds for the same name, looked at right after the visits.
pub(super) fn resolver_cache_lines(
    lang: Lang,
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
        return vec![(at, t!(lang, "resolver-cache-expired", host = &host))];
    };
    let mut text = t!(lang, "resolver-cache-would-answer", host = &host);
    for set in &resolution.answer {
        for data in &set.data {
            text.push_str(&format!(
                "\n  {} {} {} {}  ({})",
                set.owner,
                set.ttl,
                set.rtype,
                data,
                t!(lang, "resolver-cache-ttl")
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
    let lang = facts.lang;
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
        let on = hop.map_or(String::new(), |h| format!(" ({}/{})", h.host, h.interface));
        let words = icmp_words(lang, p);
        // Why, once per protocol; then only what happened.
        let text = match &p.transport {
            Transport::Arp { .. } if !arp_told => {
                arp_told = true;
                t!(lang, "link-arp-first", on = &on, what = words)
            }
            Transport::Arp { .. } => format!("{words}{on}"),
            Transport::Icmpv6 { .. } if !nd_told => {
                nd_told = true;
                t!(lang, "link-nd-first", on = &on, what = words)
            }
            Transport::Icmpv6 { .. } => format!("{words}{on}"),
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
            let field = if syn.dst.is_ipv6() {
                "hop limit"
            } else {
                "TTL"
            };
            story.line(
                number,
                title,
                ms_between(facts.t0, syn.at),
                Source::Wire,
                t!(
                    lang,
                    "link-path",
                    links = syn.path.len(),
                    routers = routers.join(", "),
                    field = field,
                    ttls = ttls.join(" -> ")
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
                t!(lang, "link-happy-eyeballs-v6")
            } else {
                t!(lang, "link-happy-eyeballs-v4")
            };
            // The family is on the wire; why it was chosen is a conclusion.
            story.line(
                number,
                title,
                ms_between(facts.t0, syn.at),
                Source::Inferred,
                text,
            );
        }
    }

    let (number, title) = STEP_RESPONSE;
    for tw in facts.time_wait {
        let (Some(server_host), Some(on_server)) = (&tw.server_host, &tw.on_server_host) else {
            continue;
        };
        let browser_host = tw
            .host
            .clone()
            .unwrap_or_else(|| t!(lang, "link-browser-host"));
        let text = match on_server {
            None => t!(
                lang,
                "link-server-no-time-wait",
                server = server_host,
                local = tw.local.to_string(),
                remote = tw.remote.to_string(),
                browser = browser_host
            ),
            Some(holder) => t!(
                lang,
                "link-server-time-wait",
                server = server_host,
                holder = holder.to_string()
            ),
        };
        story.line(number, title, tw.seen_at_ms, Source::Reported, text);
    }
}

/// Multicast listener messages: set-up chatter of IPv6, not part of the journey.
fn is_mld(p: &Packet) -> bool {
    matches!(&p.transport, Transport::Icmpv6 { icmp_type, .. } if matches!(icmp_type, 130..=132 | 143))
}
