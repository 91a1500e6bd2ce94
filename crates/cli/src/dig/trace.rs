//! `roundtrip dig NAME +trace`: the resolver's own iterator, run in-process from the root
//! hints (or from `@SERVER` as the root), printing the delegation path hop by hop — like
//! `dig +trace`, but without asking a local resolver for the name servers' addresses: every
//! address comes from glue or from the walk itself (glueless lookups show one level deeper).

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use domain::base::ToName;
use resolver::{Clock, Hop, HopOutcome, Resolver, ResolverConfig, RootHints};
use serde::Serialize;
use text::{Lang, t};

use super::{DigQuery, TraceFrom};

/// Resolves `query` iteratively and prints the hops, then the answer.
pub fn run(query: &DigQuery, from: TraceFrom, json: bool, lang: Lang) -> anyhow::Result<u8> {
    let name: dns::Name = query.name.to_name();
    let (root_hints, port) = match from {
        TraceFrom::RootHints { port } => (RootHints::iana(), port),
        TraceFrom::Root(server) => (
            RootHints {
                servers: vec![(dns::parse_name("given-root.invalid")?, vec![server.ip()])],
            },
            server.port(),
        ),
    };
    let config = ResolverConfig {
        root_hints,
        upstream_port: port,
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(
        config,
        Clock::system(),
        Arc::new(journey::Silent),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .with_context(|| t!(lang, "cannot-start-runtime"))?;
    let resolution = runtime.block_on(resolver.resolve_uncoalesced(&name, query.rtype));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        let doc = TraceJson {
            question: format!("{} {}", name.fmt_with_dot(), query.rtype),
            rcode: resolution.rcode.to_string(),
            hops: resolution
                .hops
                .iter()
                .map(|hop| HopJson::new(hop, lang))
                .collect(),
            answer: resolution.answer.iter().flat_map(record_lines).collect(),
            authority: resolution.authority.iter().flat_map(record_lines).collect(),
        };
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "; <<>> roundtrip dig +trace <<>> {} {}",
            name.fmt_with_dot(),
            query.rtype
        )?;
        writeln!(out, ";; {}", t!(lang, "dig-trace-header"))?;
        for hop in &resolution.hops {
            writeln!(out, "{}", hop.describe(lang))?;
        }
        writeln!(out, "\n;; status: {}", resolution.rcode)?;
        for line in resolution
            .answer
            .iter()
            .chain(&resolution.authority)
            .flat_map(record_lines)
        {
            writeln!(out, "{line}")?;
        }
        let queries = resolution.hops.iter().filter(|h| !h.cached).count();
        writeln!(out, ";; {}", t!(lang, "dig-trace-count", count = queries))?;
    }
    Ok(0)
}

fn record_lines(set: &resolver::RrsetOut) -> Vec<String> {
    set.data
        .iter()
        .map(|data| {
            format!(
                "{}\t{}\tIN\t{}\t{}",
                set.owner.fmt_with_dot(),
                set.ttl,
                set.rtype,
                dns::present(data)
            )
        })
        .collect()
}

/// `--json` with `+trace`: the question, the final RCODE and sections, and the hops.
#[derive(Serialize)]
struct TraceJson {
    /// `www.google.com. A`.
    question: String,
    /// `NOERROR`, `NXDOMAIN`, `SERVFAIL`.
    rcode: String,
    /// Every iterative query, in order.
    hops: Vec<HopJson>,
    /// The answer's records in presentation form.
    answer: Vec<String>,
    /// The authority's records (the SOA of a negative answer).
    authority: Vec<String>,
}

/// One hop; field names as zdns's trace (`layer`, `depth`, `name_server`, `cached`).
#[derive(Serialize)]
struct HopJson {
    /// 0 for the question itself, 1+ for glueless NS lookups.
    depth: usize,
    /// The zone the server was asked as an authority for.
    layer: String,
    /// The server's name, if known.
    name_server: Option<String>,
    /// Its address and port (`null` for a delegation taken from the cache).
    server: Option<String>,
    /// What was asked.
    question: String,
    /// `referral`, `answer`, `nxdomain`, `nodata`, `lame`, `timeout`, `error`.
    outcome: &'static str,
    /// For a referral: the child zone, its name servers and the glue accepted.
    referral: Option<ReferralJson>,
    /// The detail of a lame, error or answer outcome (a lame's or an error's reason in the
    /// chosen language).
    detail: Option<String>,
    /// Round-trip time in milliseconds.
    rtt_ms: Option<f64>,
    /// Whether this step came from the cache.
    cached: bool,
    /// `udp` or `tcp`.
    transport: Option<&'static str>,
}

#[derive(Serialize)]
struct ReferralJson {
    zone: String,
    name_servers: Vec<String>,
    glue: Vec<String>,
}

impl HopJson {
    fn new(hop: &Hop, lang: Lang) -> Self {
        let referral = match &hop.outcome {
            HopOutcome::Referral {
                zone,
                name_servers,
                glue,
            } => Some(ReferralJson {
                zone: zone.fmt_with_dot().to_string(),
                name_servers: name_servers
                    .iter()
                    .map(|n| n.fmt_with_dot().to_string())
                    .collect(),
                glue: glue
                    .iter()
                    .map(|(n, ip)| format!("{} {ip}", n.fmt_with_dot()))
                    .collect(),
            }),
            _ => None,
        };
        let detail = hop.detail(lang);
        HopJson {
            depth: hop.depth,
            layer: hop.layer_text(),
            name_server: hop.name_server_text(),
            server: hop.server.map(|s| s.to_string()),
            question: hop.question_text(),
            outcome: hop.outcome.kind(),
            referral,
            detail,
            rtt_ms: hop.rtt_ms(),
            cached: hop.cached,
            transport: hop.transport.map(|t| match t {
                resolver::upstream::Transport::Udp => "udp",
                resolver::upstream::Transport::Tcp => "tcp",
            }),
        }
    }
}
