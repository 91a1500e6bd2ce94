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
