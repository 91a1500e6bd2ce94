//! The wire crate against the real kernel: one binary, one module per concern.

// Capture of real TCP and UDP exchanges on a loopback block, the close and TIME-WAIT confirmed
// by sock_diag, and the kernel filter's address set. Needs root or CAP_NET_RAW.
mod capture;
// Without the privilege: the distinct NotPermitted error, and no packet.
mod not_permitted;
// pcap files read back by tshark.
mod pcap;
// Capture in network namespaces of the test's own, joined by veth pairs (and a router). Root.
mod namespaces;
// TLS from real packets: curl against nginx (TLS 1.3 + HTTP/2 decrypted with curl's key log,
// and TLS 1.2 in the clear), and tshark decrypting our pcapng. Root, nginx, curl, tshark.
mod tls;
// Helpers these modules share.
mod support;
