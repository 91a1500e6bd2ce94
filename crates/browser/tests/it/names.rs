//! The browser's name lookup against a real hierarchy (`authdns` servers: a root on .2 that
//! delegates `example.` to .3) and a real resolver front on .53 of the test's own block.

use browser::hosts_file::HostsFile;
use browser::{HostCache, NameError, NameService, Names, Source};

use crate::lab::{PORT, hints, ip, lab, run};

#[test]
fn dns_answers_once_then_the_host_cache_answers_within_the_ttl() {
    let lab = lab();
    let mut names = Names::new(
        HostsFile::default(),
        Some(HostCache::in_memory()),
        NameService::Resolver(lab.front.addr()),
    );
    let first = run(names.resolve("WWW.example.", 1000)).unwrap();
    assert_eq!(
        first.source,
        Source::Resolver {
            server: lab.front.addr()
        }
    );
    assert_eq!(first.addresses, [ip("2001:db8::80"), ip("192.0.2.80")]);
    assert_eq!(first.cnames, ["web.example"]);
    assert_eq!(
        first.ttl, 120,
        "the smallest TTL of the chain and the addresses"
    );
    let second = run(names.resolve("www.example", 1100)).unwrap();
    assert_eq!(second.source, Source::HostCache { ttl_left: 20 });
    assert_eq!(second.addresses, first.addresses);
    let third = run(names.resolve("www.example", 1121)).unwrap();
    assert_eq!(
        third.source,
        Source::Resolver {
            server: lab.front.addr()
        },
        "expired: asked again"
    );
}

#[test]
fn the_hosts_file_comes_before_the_cache_and_dns() {
    let lab = lab();
    let hosts = HostsFile::parse("198.51.100.7 www.example\n");
    let mut names = Names::new(
        hosts,
        Some(HostCache::in_memory()),
        NameService::Resolver(lab.front.addr()),
    );
    let resolved = run(names.resolve("www.example", 0)).unwrap();
    assert_eq!(resolved.source, Source::HostsFile);
    assert_eq!(resolved.addresses, [ip("198.51.100.7")]);
    let literal = run(names.resolve("[2001:db8::1]", 0)).unwrap();
    assert_eq!(literal.source, Source::Literal);
}

#[test]
fn nxdomain_and_no_address_are_told_apart() {
    let lab = lab();
    let mut names = Names::new(
        HostsFile::default(),
        None,
        NameService::Resolver(lab.front.addr()),
    );
    assert!(matches!(
        run(names.resolve("nope.example", 0)),
        Err(NameError::NxDomain { .. })
    ));
    assert!(matches!(
        run(names.resolve("noaddr.example", 0)),
        Err(NameError::NoAddress { .. })
    ));
    let dead = lab.block.addr(99, PORT);
    let mut names = Names::new(HostsFile::default(), None, NameService::Resolver(dead));
    let err = run(names.resolve("www.example", 0)).unwrap_err();
    assert!(matches!(err, NameError::Failed { .. }), "{err}");
}

#[test]
fn recursive_mode_walks_the_hierarchy_itself() {
    let lab = lab();
    let service = NameService::Recursive {
        hints: hints(&lab.block),
        port: PORT,
    };
    let mut names = Names::new(HostsFile::default(), None, service);
    let resolved = run(names.resolve("www.example", 0)).unwrap();
    assert_eq!(resolved.source, Source::Recursive);
    assert_eq!(resolved.addresses, [ip("2001:db8::80"), ip("192.0.2.80")]);
    let layers: Vec<String> = resolved
        .hops
        .iter()
        .filter(|h| !h.cached)
        .map(|h| h.layer.to_string())
        .collect();
    assert_eq!(layers.first().map(String::as_str), Some("."), "{layers:?}");
    assert!(layers.iter().any(|l| l == "example"), "{layers:?}");
}
