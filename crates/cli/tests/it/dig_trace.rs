//! `roundtrip dig +trace` on the lab hierarchy (lab/zones rewritten into the test's block and
//! served by `roundtrip serve auth`): the walk `.` -> `com.` -> `google.com.` of THE-FLOW.md,
//! with QNAME minimisation, as text and as JSON.

use std::process::Command;

use test_support::{LabZones, LoopbackBlock, start_lab_auth};

const PORT: u16 = 1053;

/// The lab's authoritative servers on a block of the test's own, and `dig +trace` from its
/// root (the guards keep the servers running while the test reads the output).
fn trace_on_the_lab(extra: &[&str]) -> (LoopbackBlock, std::process::Output) {
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_roundtrip"));
    let _servers = start_lab_auth(bin, &zones, &block, PORT);
    let out = dig_trace(&block, extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (block, out)
}

fn dig_trace(block: &LoopbackBlock, extra: &[&str]) -> std::process::Output {
    let root = block.addr(2, PORT);
    Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args(["dig", "www.google.com", "+trace", &format!("@{root}")])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn trace_walks_root_tld_authoritative_with_minimised_names() {
    let (block, out) = trace_on_the_lab(&[]);
    let text = String::from_utf8(out.stdout).unwrap();
    let hops: Vec<&str> = text.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(hops.len(), 3, "{text}");
    assert!(
        hops[0].starts_with(".") && hops[0].contains(" com. A -> referral to com."),
        "{text}"
    );
    assert!(
        hops[1].starts_with("com.")
            && hops[1].contains(" google.com. A -> referral to google.com."),
        "{text}"
    );
    assert!(
        hops[2].starts_with("google.com.") && hops[2].contains("www.google.com. A -> answer"),
        "{text}"
    );
    assert!(
        text.contains("www.google.com.\t21600\tIN\tCNAME\twww.l.google.com."),
        "{text}"
    );
    assert!(
        text.contains(&format!("www.l.google.com.\t300\tIN\tA\t{}", block.ip(80))),
        "{text}"
    );
}

#[test]
fn trace_json_has_one_object_per_hop() {
    let (_block, out) = trace_on_the_lab(&["--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["rcode"], "NOERROR");
    let hops = doc["hops"].as_array().unwrap();
    let layers: Vec<&str> = hops.iter().map(|h| h["layer"].as_str().unwrap()).collect();
    assert_eq!(layers, [".", "com.", "google.com."]);
    assert_eq!(hops[0]["outcome"], "referral");
    assert_eq!(hops[0]["question"], "com. A");
    assert_eq!(hops[0]["depth"], 0);
    assert_eq!(hops[0]["cached"], false);
    assert!(hops[0]["referral"]["glue"].as_array().unwrap().len() == 2);
    assert_eq!(hops[2]["outcome"], "answer");
    assert_eq!(doc["answer"].as_array().unwrap().len(), 2);
}

#[test]
fn trace_hops_in_korean_keep_only_the_wire_tokens_in_english() {
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_roundtrip"));
    let _servers = start_lab_auth(bin, &zones, &block, PORT);
    let out = dig_trace(&block, &["--lang", "ko"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let hops: Vec<&str> = text.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(hops.len(), 3, "{text}");
    assert!(hops[0].contains(" com. A -> 위임: com. NS "), "{text}");
    assert!(hops[0].contains(", 글루 "), "{text}");
    assert!(hops[2].contains("www.google.com. A -> 응답 "), "{text}");
    // dig's own layout (`; <<>> roundtrip dig +trace <<>>`, `;; status:`) stays dig's; every
    // sentence around the hops is Korean.
    let sentences: String = hops
        .iter()
        .copied()
        .chain(
            text.lines()
                .filter(|l| l.starts_with(";; ") && !l.starts_with(";; status")),
        )
        .map(|l| format!("{l}\n"))
        .collect();
    let english = test_support::korean::english_outside_tokens(
        &sentences,
        test_support::korean::PROTOCOL_WORDS,
    );
    assert!(english.is_empty(), "{}\n---\n{text}", english.join("\n"));

    // The same hops in English, as they were.
    let out = dig_trace(&block, &["--lang", "en"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(" com. A -> referral to com. NS "), "{text}");
    assert!(text.contains(" glue "), "{text}");
}
