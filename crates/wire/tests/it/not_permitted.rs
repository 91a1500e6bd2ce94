//! Without root or CAP_NET_RAW the capture refuses with its own error, and makes nothing up.
//! As root, the same test binary runs this check again as `nobody` (through `setpriv`).

use std::net::Ipv4Addr;
use std::process::Command;

use wire::{Capture, CaptureError, CaptureFilter};

const CHILD: &str = "WIRE_TEST_UNPRIVILEGED_CHILD";

fn expect_not_permitted() {
    let filter = CaptureFilter {
        addrs: vec![Ipv4Addr::LOCALHOST],
        dns_port: 1053,
    };
    match Capture::start(filter) {
        Err(err @ CaptureError::NotPermitted { .. }) => {
            let message = err.to_string();
            assert!(message.contains("root or CAP_NET_RAW"), "{message}");
            // The same refusal in Korean, the kernel's error by its kind and number.
            let korean = err.describe(text::Lang::Ko);
            assert!(
                korean.starts_with("패킷을 캡처하려면 root 권한이나 CAP_NET_RAW 권한이"),
                "{korean}"
            );
            assert!(korean.contains("(오류 번호 "), "{korean}");
        }
        Err(other) => panic!("expected NotPermitted, got {other}"),
        Ok(_) => panic!("capture started without privilege"),
    }
}

#[test]
fn capture_without_privilege_is_refused_with_a_clear_error() {
    let privileged = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|hex| u64::from_str_radix(hex.trim(), 16).unwrap())
        .is_some_and(|caps| caps & (1 << 13) != 0); // CAP_NET_RAW
    if !privileged {
        expect_not_permitted();
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        panic!("the unprivileged child still holds CAP_NET_RAW");
    }
    let Some(setpriv) = test_support::Peer::find("setpriv", "util-linux") else {
        return;
    };
    let output = Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "not_permitted::capture_without_privilege_is_refused_with_a_clear_error",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the unprivileged run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
