//! The web server's own parsing of raw request bytes (`web::chunked`, `web::request_line`, and
//! how `web::fast_h1` takes request heads) and of an upstream's answer to the proxy
//! (`web::upstream`), pure: never a panic, and the same verdict whatever way the bytes are
//! split into reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use web::chunked::{ChunkedChecker, Verdict};
use web::request_line::{VersionPatch, valid_host, valid_target};

fuzz_target!(|data: &[u8]| {
    // The first byte chooses a split point, the rest is the stream.
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let split = (split as usize).min(data.len());

    // Chunked bodies: whole, in two reads, byte by byte.
    let mut whole = ChunkedChecker::new();
    let used = whole.feed(data);
    assert!(used <= data.len());
    let mut two = ChunkedChecker::new();
    let first = two.feed(&data[..split]);
    if first == split {
        two.feed(&data[split..]);
    }
    let mut bytewise = ChunkedChecker::new();
    for byte in data {
        bytewise.feed(std::slice::from_ref(byte));
    }
    assert_eq!(whole.verdict(), two.verdict());
    assert_eq!(whole.verdict(), bytewise.verdict());
    if whole.verdict() == Verdict::Complete {
        // A complete body ends with the empty line, and nothing after it was taken.
        assert!(data[..used].ends_with(b"\r\n"));
    }

    // The version rewrite: the same output however the bytes arrive, at most one byte changed,
    // from 2..9 to 1.
    let mut once = data.to_vec();
    VersionPatch::default().patch(&mut once);
    let mut pieces = data.to_vec();
    let mut patch = VersionPatch::default();
    let (a, b) = pieces.split_at_mut(split);
    patch.patch(a);
    patch.patch(b);
    assert_eq!(once, pieces);
    let changed: Vec<usize> = (0..data.len()).filter(|&i| once[i] != data[i]).collect();
    assert!(changed.len() <= 1);
    for i in changed {
        assert!((b'2'..=b'9').contains(&data[i]) && once[i] == b'1');
        assert!(data[..i].ends_with(b" HTTP/1."));
    }

    // Host and target checks: total functions.
    let _ = valid_host(data);
    let _ = valid_target(data);

    // The server's own HTTP/1.1 loop taking requests from the stream: no byte lost or
    // reordered between what it takes, what waits and what it hands to hyper, however the
    // bytes arrive.
    web::fast_h1::check_taking(data, split);

    // The proxy reading an upstream's answer (`web::upstream`): the same head or refusal, the
    // same body bytes and the same end, whole or in the pieces the first bytes mark.
    let cuts = &data[..data.len().min(8)];
    web::upstream::check_reading(data, cuts, split % 4 == 0);
    web::upstream::check_reading(data, &[0; 64], split % 4 == 1);
});
