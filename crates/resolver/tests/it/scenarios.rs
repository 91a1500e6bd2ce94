//! Scenario files (`tests/scenarios/*.toml`): each states its intent, sets up real
//! authoritative servers on the test's loopback block with the zones it gives (`{net}` stands
//! for the block's `127.x.y`), then asks the resolver its questions in order and checks the
//! answers, whether they came from the cache, and how many upstream queries they cost.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use authdns::RunningServer;
use domain::base::Rtype;
use resolver::{Clock, Resolver, ResolverConfig, RootHints};
use serde::Deserialize;
use test_support::LoopbackBlock;

use super::{PORT, start_auth};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    /// What the scenario shows, in a sentence.
    #[allow(dead_code)]
    intent: String,
    /// Zone texts by origin.
    zones: BTreeMap<String, String>,
    /// Which host of the block serves which zones. Hosts that appear in glue but not here are
    /// dead: nothing listens on them.
    server: Vec<ServerSpec>,
    /// Turn QNAME minimisation off (on by default).
    #[serde(default)]
    no_qname_minimisation: bool,
    /// The questions, in order.
    step: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSpec {
    host: u8,
    zones: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// `name TYPE`.
    ask: String,
    /// Seconds to move the clock forward first.
    #[serde(default)]
    advance: u64,
    rcode: String,
    /// Expected answer records as `owner TYPE rdata` (TTLs are checked by `ttls`).
    #[serde(default)]
    answer: Vec<String>,
    /// Expected TTLs of the answer records, in order, when given.
    ttls: Option<Vec<u32>>,
    /// Whether the answer must (or must not) come wholly from the cache.
    from_cache: Option<bool>,
    /// How many iterative queries the resolver may send at most for this question.
    max_upstream_queries: Option<usize>,
    /// How many iterative queries it must send exactly.
    upstream_queries: Option<usize>,
    /// The questions the root servers must have been asked (QNAME minimisation).
    root_asked: Option<Vec<String>>,
}

fn run(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let scenario: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let block = LoopbackBlock::claim();
    let net = super::net(&block);
    let zone_text = |origin: &str| {
        scenario
            .zones
            .get(origin)
            .unwrap_or_else(|| panic!("{file}: no zone {origin}"))
            .replace("{net}", &net)
    };

    // The authoritative side: real servers.
    let mut servers: Vec<RunningServer> = Vec::new();
    let mut root_zone = None;
    for spec in &scenario.server {
        let texts: Vec<(String, String)> = spec
            .zones
            .iter()
            .map(|origin| (origin.clone(), zone_text(origin)))
            .collect();
        if let Some((_, text)) = texts.iter().find(|(origin, _)| origin == ".") {
            root_zone = Some(text.clone());
        }
        let zones: Vec<(&str, &str)> = texts
            .iter()
            .map(|(o, t)| (o.as_str(), t.as_str()))
            .collect();
        servers.push(start_auth(&block, spec.host, &zones));
    }
    // Root hints: the root zone's own NS records and their addresses.
    let hints_path = std::env::temp_dir().join(format!("rt-hints-{}-{net}", std::process::id()));
    std::fs::write(
        &hints_path,
        root_zone.expect("a scenario needs a root zone"),
    )
    .unwrap();
    let hints = RootHints::load(&hints_path).unwrap();
    std::fs::remove_file(&hints_path).ok();

    let clock = Clock::manual();
    let config = ResolverConfig {
        root_hints: hints,
        upstream_port: PORT,
        qname_minimisation: !scenario.no_qname_minimisation,
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(
        config,
        clock.clone(),
        Arc::new(journey::Silent),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    for (i, step) in scenario.step.iter().enumerate() {
        clock.advance(step.advance);
        let (name, rtype) = step
            .ask
            .split_once(' ')
            .unwrap_or_else(|| panic!("{file}: step {i}: `ask` is `name TYPE`"));
        let name = dns::parse_name(name).unwrap();
        let rtype: Rtype = rtype.parse().unwrap();
        let resolution = runtime.block_on(resolver.resolve_uncoalesced(&name, rtype));
        let what = format!("{file}, step {i} ({})", step.ask);
        let hops: Vec<String> = resolution.hops.iter().map(|h| h.to_string()).collect();
        let context = format!("{what}\nhops:\n  {}", hops.join("\n  "));
        assert_eq!(
            resolution.rcode.to_string(),
            step.rcode,
            "rcode of {context}"
        );
        let got: Vec<String> = resolution
            .answer
            .iter()
            .flat_map(|set| {
                set.data.iter().map(move |d| {
                    format!(
                        "{} {} {}",
                        set.owner.fmt_with_dot(),
                        set.rtype,
                        dns::present(d)
                    )
                })
            })
            .collect();
        let expected: Vec<String> = step
            .answer
            .iter()
            .map(|l| l.replace("{net}", &net))
            .collect();
        assert_eq!(got, expected, "answer of {context}");
        if let Some(ttls) = &step.ttls {
            let got: Vec<u32> = resolution
                .answer
                .iter()
                .flat_map(|set| set.data.iter().map(move |_| set.ttl))
                .collect();
            assert_eq!(&got, ttls, "TTLs of {context}");
        }
        if let Some(from_cache) = step.from_cache {
            assert_eq!(resolution.from_cache, from_cache, "from_cache of {context}");
        }
        let sent = resolution.hops.iter().filter(|h| !h.cached).count();
        if let Some(max) = step.max_upstream_queries {
            assert!(sent <= max, "{sent} upstream queries > {max} for {context}");
        }
        if let Some(exact) = step.upstream_queries {
            assert_eq!(sent, exact, "upstream queries for {context}");
        }
        if let Some(root_asked) = &step.root_asked {
            let asked: Vec<String> = resolution
                .hops
                .iter()
                .filter(|h| h.layer.is_root() && !h.cached)
                .map(|h| format!("{} {}", h.qname.fmt_with_dot(), h.qtype))
                .collect();
            assert_eq!(&asked, root_asked, "what the root was asked in {context}");
        }
    }
    drop(servers);
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(concat!(stringify!($name), ".toml"));
            }
        )*
    };
}

scenarios!(
    plain_a,
    cname_across_zones,
    cname_loop,
    glueless_delegation,
    lame_delegation,
    dead_ns_one_of_two,
    nxdomain_then_negative_cache_hit,
    nodata,
    tc_then_tcp_fallback,
    ttl_expiry,
    qname_minimisation_off,
    nxns_attack_is_bounded,
    ns_in_sibling_zone,
    ns_in_sibling_zone_glueless_twice,
    ns_in_sibling_zone_on_the_parents_server,
    any_is_answered,
);
