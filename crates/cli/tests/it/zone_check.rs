//! `roundtrip zone check`: exit codes and `file:line: reason` as named-checkzone gives them,
//! every lab zone loading, and `--print` agreeing record for record with BIND's
//! `named-compilezone -o -`.

use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::Peer;

fn roundtrip() -> Command {
    Command::new(env!("CARGO_BIN_EXE_roundtrip"))
}

fn lab_zones() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/zones");
    let mut zones: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zone"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let origin = if stem == "root" {
                ".".to_owned()
            } else {
                format!("{stem}.")
            };
            (origin, p)
        })
        .collect();
    zones.sort();
    assert!(
        zones.len() >= 6,
        "the lab has root, com, net, test, google.com, example.com"
    );
    zones
}

#[test]
fn every_lab_zone_loads() {
    for (origin, file) in lab_zones() {
        let out = roundtrip()
            .args(["zone", "check", &origin])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{origin}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).ends_with("OK\n"));
    }
}

#[test]
fn a_bad_zone_exits_1_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("rt-zone-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.zone");
    std::fs::write(&file, "$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.1\nwww CNAME ns1\n").unwrap();
    let out = roundtrip()
        .args(["zone", "check", "example.com."])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "{}:6: CNAME and other data at www.example.com",
            file.display()
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_usage_exits_2() {
    let out = roundtrip().args(["zone", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// BIND prints long hex in chunks and quotes SVCB values; both forms are the same data.
fn normalise(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut fields = line.split_whitespace();
            let owner = fields.next().unwrap_or_default().to_ascii_lowercase();
            let rest: Vec<&str> = fields.collect();
            let mut rest = rest.join(" ").replace('"', "");
            // Join hex chunks split by spaces after the fixed fields of SSHFP/TLSA/generic data.
            if rest.contains(" SSHFP ") || rest.contains(" TLSA ") || rest.contains("\\# ") {
                let parts: Vec<&str> = rest.split(' ').collect();
                // Fixed fields before the hex: "TTL IN TLSA usage selector type" is 6 words; SSHFP
                // ("TTL IN SSHFP alg type") and generic ("TTL IN TYPE \# len") data are 5.
                let keep = if rest.contains(" TLSA ") { 6 } else { 5 };
                rest = format!(
                    "{} {}",
                    parts[..keep.min(parts.len())].join(" "),
                    parts[keep.min(parts.len())..].join("")
                );
            }
            format!("{owner} {}", rest.trim_end())
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn print_matches_named_compilezone_for_every_lab_zone() {
    let Some(compile) = Peer::find("named-compilezone", "bind9-utils") else {
        return;
    };
    for (origin, file) in lab_zones() {
        let ours = roundtrip()
            .args(["zone", "check", &origin])
            .arg(&file)
            .arg("--print")
            .output()
            .unwrap();
        assert!(ours.status.success(), "{origin}");
        let bind = Command::new(&compile)
            .args(["-q", "-i", "none", "-o", "-", &origin])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            bind.status.success(),
            "named-compilezone {origin}: {}",
            String::from_utf8_lossy(&bind.stderr)
        );
        let (ours, bind) = (
            normalise(&String::from_utf8_lossy(&ours.stdout)),
            normalise(&String::from_utf8_lossy(&bind.stdout)),
        );
        let only_ours: Vec<&String> = ours.iter().filter(|l| !bind.contains(l)).collect();
        let only_bind: Vec<&String> = bind.iter().filter(|l| !ours.contains(l)).collect();
        assert!(
            only_ours.is_empty() && only_bind.is_empty(),
            "{origin}:\nonly ours: {only_ours:#?}\nonly BIND: {only_bind:#?}"
        );
    }
}

#[test]
fn lab_zones_pass_bind_named_checkzone() {
    if Peer::find("named-checkzone", "bind9-utils").is_none() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/zones/check-with-bind.sh");
    let out = Command::new("bash").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// The corpus (crates/dns/tests/data/corpus): zone files written to exercise every directive,
// unit, escape, class/TTL order and record type, each compared with BIND.

/// The corpus directory: `good/` (must load, and print as BIND prints) and `bad/` (must be
/// refused by both). A file `NAME.zone` holds the zone `NAME.`; `*.inc` are included files.
fn corpus(kind: &str) -> (PathBuf, Vec<(String, String)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../dns/tests/data/corpus")
        .join(kind);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| {
            let stem = name.strip_suffix(".zone")?.to_owned();
            Some((format!("{stem}."), name))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{}: the corpus is missing", dir.display());
    (dir, files)
}

/// BIND's tools, run the way the corpus needs: from the corpus directory (BIND reads
/// `$INCLUDE` paths from its working directory, we from the including file's, so both find the
/// includes there), names not held to host-name rules (`-k ignore`: the corpus has escaped
/// owner names on purpose), no integrity checks beyond loading (`-i none`).
fn named_compilezone(compile: &Path, dir: &Path, origin: &str, file: &str) -> std::process::Output {
    Command::new(compile)
        .current_dir(dir)
        .args(["-q", "-k", "ignore", "-i", "none", "-o", "-", origin, file])
        .output()
        .unwrap()
}

/// Record types whose RDATA ends in base64 or hex that BIND prints in chunks: how many fields
/// come before that tail, counting TTL, class and type.
fn blob_tail_starts(rtype: &str) -> Option<usize> {
    Some(match rtype {
        "SSHFP" => 5,
        "TLSA" | "DS" | "CDS" | "DNSKEY" | "CDNSKEY" => 6,
        "ZONEMD" => 6,
        "OPENPGPKEY" => 3,
        "RRSIG" => 11,
        "IPSECKEY" => 7,
        _ => return None,
    })
}

/// One comparable line per record: owner lower-cased, fields single-spaced, blobs joined.
fn normalise_corpus(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
        .map(|line| {
            // An escaped space in a name: `\ ` (ours) and `\032` (BIND's) are the same octet
            // (RFC 1035 §5.1); the owner is the only field where one appears unquoted.
            let line = line.replace("\\ ", "\\032");
            let mut fields = line.split_whitespace();
            let owner = fields.next().unwrap_or_default().to_ascii_lowercase();
            let rest: Vec<&str> = fields.collect();
            let rtype = rest.get(2).copied().unwrap_or_default();
            let rest = if rest.get(3) == Some(&"\\#") {
                // Generic data: TTL IN TYPE \# LEN, then hex in chunks.
                format!(
                    "{} {}",
                    rest[..5.min(rest.len())].join(" "),
                    rest[5.min(rest.len())..].join("").to_ascii_uppercase()
                )
            } else if matches!(rtype, "SVCB" | "HTTPS") {
                // BIND quotes every SvcParam value; `alpn=h2` and `alpn="h2"` are the same.
                rest.join(" ").replace('"', "")
            } else if let Some(keep) = blob_tail_starts(rtype) {
                let keep = keep.min(rest.len());
                format!("{} {}", rest[..keep].join(" "), rest[keep..].join(""))
            } else {
                rest.join(" ")
            };
            format!("{owner} {}", rest.trim_end())
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn corpus_print_matches_named_compilezone() {
    let Some(compile) = Peer::find("named-compilezone", "bind9-utils") else {
        return;
    };
    let (dir, files) = corpus("good");
    for (origin, file) in files {
        let ours = roundtrip()
            .current_dir(&dir)
            .args(["zone", "check", &origin, &file, "--print"])
            .output()
            .unwrap();
        assert!(
            ours.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let bind = named_compilezone(&compile, &dir, &origin, &file);
        assert!(
            bind.status.success(),
            "named-compilezone {file}: {}{}",
            String::from_utf8_lossy(&bind.stdout),
            String::from_utf8_lossy(&bind.stderr)
        );
        let (ours, bind) = (
            normalise_corpus(&String::from_utf8_lossy(&ours.stdout)),
            normalise_corpus(&String::from_utf8_lossy(&bind.stdout)),
        );
        let only_ours: Vec<&String> = ours.iter().filter(|l| !bind.contains(l)).collect();
        let only_bind: Vec<&String> = bind.iter().filter(|l| !ours.contains(l)).collect();
        assert!(
            only_ours.is_empty() && only_bind.is_empty(),
            "{file}:\nonly ours: {only_ours:#?}\nonly BIND: {only_bind:#?}"
        );
    }
}

/// Every bad corpus file is refused by us with `FILE:LINE: reason`, and by BIND; where BIND
/// names a line, it is ours too, except for a '(' never closed: we name the line that opened
/// it, BIND the end of the file.
#[test]
fn corpus_bad_files_are_refused_by_both_with_the_line() {
    let (dir, files) = corpus("bad");
    let compile = Peer::find("named-compilezone", "bind9-utils");
    for (origin, file) in files {
        let ours = roundtrip()
            .current_dir(&dir)
            .args(["zone", "check", &origin, &file])
            .output()
            .unwrap();
        assert_eq!(ours.status.code(), Some(1), "{file} must be refused");
        let stderr = String::from_utf8_lossy(&ours.stderr);
        let our_line: usize = stderr
            .strip_prefix(&format!("{file}:"))
            .and_then(|rest| rest.split_once(": "))
            .and_then(|(line, _)| line.parse().ok())
            .unwrap_or_else(|| panic!("{file}: no `{file}:LINE: reason` in {stderr:?}"));
        let Some(compile) = &compile else { continue };
        let bind = named_compilezone(compile, &dir, &origin, &file);
        let bind_text = format!(
            "{}{}",
            String::from_utf8_lossy(&bind.stdout),
            String::from_utf8_lossy(&bind.stderr)
        );
        assert!(!bind.status.success(), "BIND loads {file}:\n{bind_text}");
        let bind_line = bind_text
            .split(&format!("{file}:"))
            .nth(1)
            .and_then(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<usize>().ok()
            });
        if let Some(bind_line) = bind_line
            && !file.starts_with("unclosed-paren")
        {
            assert_eq!(
                our_line, bind_line,
                "{file}: ours {stderr:?}, BIND {bind_text:?}"
            );
        }
    }
}
