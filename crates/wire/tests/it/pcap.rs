//! pcap files written by the crate, read back by tshark (Wireshark's reader), when installed.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use etherparse::PacketBuilder;
use wire::{Decoder, read_pcap, write_pcap};

fn frame(
    from: SocketAddr,
    to: SocketAddr,
    flags: &str,
    seq: u32,
    ack: u32,
    data: &[u8],
) -> Vec<u8> {
    let (std::net::IpAddr::V4(src), std::net::IpAddr::V4(dst)) = (from.ip(), to.ip()) else {
        unreachable!()
    };
    let mut b = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(src.octets(), dst.octets(), 64)
        .tcp(from.port(), to.port(), seq, 65483);
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('.') {
        b = b.ack(ack);
    }
    if flags.contains('F') {
        b = b.fin();
    }
    let mut out = Vec::new();
    b.write(&mut out, data).unwrap();
    out
}

#[test]
fn tshark_reads_the_flags_we_wrote() {
    let client: SocketAddr = "127.0.0.10:41234".parse().unwrap();
    let server: SocketAddr = "127.0.0.80:80".parse().unwrap();
    let frames = vec![
        frame(client, server, "S", 100, 0, b""),
        frame(server, client, "S.", 900, 101, b""),
        frame(client, server, ".", 101, 901, b""),
        frame(client, server, ".", 101, 901, b"GET / HTTP/1.1\r\n\r\n"),
        frame(client, server, "F.", 119, 901, b""),
    ];
    let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let packets = Decoder::new(53).decode_all(
        frames
            .into_iter()
            .enumerate()
            .map(|(i, f)| (start + Duration::from_nanos(1_000_123 * i as u64), f)),
    );
    let path = std::env::temp_dir().join(format!("wire-it-{}.pcap", std::process::id()));
    write_pcap(&path, &packets).unwrap();
    assert_eq!(
        read_pcap(&path, 53).unwrap(),
        packets,
        "our own reader agrees"
    );

    let Some(tshark) = test_support::Peer::find("tshark", "tshark") else {
        std::fs::remove_file(&path).unwrap();
        return;
    };
    let output = Command::new(tshark)
        .arg("-r")
        .arg(&path)
        .args([
            "-T",
            "fields",
            "-e",
            "tcp.flags",
            "-e",
            "tcp.seq",
            "-e",
            "frame.time_epoch",
            "-e",
            "http.request.method",
        ])
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    let flags: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        flags,
        ["0x0002", "0x0012", "0x0010", "0x0010", "0x0011"],
        "{stdout}"
    );
    let relative_seq: Vec<&str> = rows.iter().map(|r| r[1]).collect();
    assert_eq!(
        relative_seq,
        ["0", "0", "1", "1", "19"],
        "Wireshark's relative numbers are ours"
    );
    assert!(
        rows[1][2].ends_with(".001000123"),
        "nanosecond timestamps: {stdout}"
    );
    assert_eq!(rows[3].get(3).copied(), Some("GET"), "{stdout}");
}
