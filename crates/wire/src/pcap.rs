//! Packets to pcapng files, and pcapng or classic pcap files back to packets; `tshark -r` and
//! Wireshark read what is written.
//!
//! [`write_pcap`] writes every hop of every packet (each link's copy, with that link's MACs
//! and TTL), in time order, as Ethernet frames. Each (host, interface) a frame was captured on
//! gets its own Interface Description Block, named `host/interface` (`if_name`; just the
//! interface when the host label is empty, no name when both are), so Wireshark shows where
//! each copy was seen (`frame.interface_name`). pcap-file 2.0 writes enhanced-packet
//! timestamps in nanoseconds, so every interface declares `if_tsresol = 9`.
//!
//! [`write_pcap_with_keylog`] also puts a Decryption Secrets Block (pcapng §4.7, block type
//! 0x0000000A, secrets type 0x544c534b "TLSK": an NSS key log) right after the section header,
//! before any packet: Wireshark 4.0 ignores secrets that arrive after the ServerHello they
//! would decrypt. `tshark -r FILE -Y http2` then shows the decrypted HTTP/2 with no setup.
//!
//! [`read_pcap`] reads such a file (or a classic pcap file of Ethernet frames) back into
//! observations and puts them together with [`crate::merge_paths`], as a capture would.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use pcap_file::DataLink;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::unknown::UnknownBlock;
use pcap_file::pcapng::{Block, PcapNgReader, PcapNgWriter};

use crate::decode::{Hop, Packet};
use crate::filter::SNAPLEN;
use crate::paths::{Observation, merge_paths};
use crate::tls::KeyLog;

/// pcapng Decryption Secrets Block type.
const DECRYPTION_SECRETS_BLOCK: u32 = 0x0000_000A;

/// Secrets type of a TLS key log in the NSS format ("TLSK").
const TLS_KEY_LOG: u32 = 0x544c_534b;

/// The first four bytes of a pcapng file (a Section Header Block's type).
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// `if_tsresol` = 9: timestamps count nanoseconds.
const NANOSECONDS: u8 = 9;

fn to_io(err: pcap_file::PcapError) -> io::Error {
    match err {
        pcap_file::PcapError::IoError(err) => err,
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    }
}

/// The `if_name` of the interface `interface` of `host`.
fn interface_label(host: &str, interface: &str) -> String {
    match (host.is_empty(), interface.is_empty()) {
        (true, _) => interface.to_owned(),
        (false, true) => format!("{host}/"),
        (false, false) => format!("{host}/{interface}"),
    }
}

/// The (host, interface) an `if_name` names: the inverse of [`interface_label`].
fn parse_label(label: &str) -> (String, String) {
    match label.split_once('/') {
        Some((host, interface)) => (host.to_owned(), interface.to_owned()),
        None => (String::new(), label.to_owned()),
    }
}

/// Writes every hop of `packets` (each link's frame and kernel time) to a new pcapng file at
/// `path`, in time order, one interface per (host, interface). A packet without a path is
/// written once, from its own frame and time.
pub fn write_pcap(path: &Path, packets: &[Packet]) -> io::Result<()> {
    write_pcap_with_keylog(path, packets, None)
}

/// [`write_pcap`], with the TLS secrets of `keylog` (when given and not empty) in a Decryption
/// Secrets Block before the first packet, so that Wireshark decrypts the TLS in the file.
pub fn write_pcap_with_keylog(
    path: &Path,
    packets: &[Packet],
    keylog: Option<&KeyLog>,
) -> io::Result<()> {
    let mut lone = Vec::new();
    for packet in packets.iter().filter(|p| p.path.is_empty()) {
        lone.push(Hop {
            host: String::new(),
            interface: String::new(),
            at: packet.at,
            ttl: packet.ttl,
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            frame: packet.frame.clone(),
        });
    }
    let mut hops: Vec<&Hop> = packets.iter().flat_map(|p| &p.path).chain(&lone).collect();
    hops.sort_by_key(|hop| hop.at);

    let file = BufWriter::new(File::create(path)?);
    let mut writer = PcapNgWriter::new(file).map_err(to_io)?;
    if let Some(keylog) = keylog.filter(|k| !k.is_empty()) {
        let text = keylog.to_nss();
        let len = u32::try_from(text.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "key log over 4 GiB"))?;
        // Secrets Type, Secrets Length, then the secrets; the writer pads the block to 32
        // bits. Fields in the section's byte order.
        let big = writer.section().endianness == pcap_file::Endianness::Big;
        let word = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut body = Vec::with_capacity(8 + text.len());
        body.extend_from_slice(&word(TLS_KEY_LOG));
        body.extend_from_slice(&word(len));
        body.extend_from_slice(text.as_bytes());
        let block_len = u32::try_from(12 + body.len().next_multiple_of(4)).unwrap_or(u32::MAX);
        writer
            .write_block(&Block::Unknown(UnknownBlock::new(
                DECRYPTION_SECRETS_BLOCK,
                block_len,
                &body,
            )))
            .map_err(to_io)?;
    }
    let mut interfaces: HashMap<(&str, &str), u32> = HashMap::new();
    for hop in hops {
        let key = (hop.host.as_str(), hop.interface.as_str());
        let interface_id = match interfaces.get(&key) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(interfaces.len()).unwrap_or(u32::MAX);
                let mut options = Vec::new();
                let label = interface_label(&hop.host, &hop.interface);
                if !label.is_empty() {
                    options.push(InterfaceDescriptionOption::IfName(Cow::Owned(label)));
                }
                options.push(InterfaceDescriptionOption::IfTsResol(NANOSECONDS));
                writer
                    .write_pcapng_block(InterfaceDescriptionBlock {
                        linktype: DataLink::ETHERNET,
                        snaplen: SNAPLEN,
                        options,
                    })
                    .map_err(to_io)?;
                interfaces.insert(key, id);
                id
            }
        };
        writer
            .write_pcapng_block(EnhancedPacketBlock {
                interface_id,
                timestamp: hop.at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO),
                original_len: u32::try_from(hop.frame.len()).unwrap_or(u32::MAX),
                data: Cow::Borrowed(&hop.frame),
                options: Vec::new(),
            })
            .map_err(to_io)?;
    }
    let mut file = writer.into_inner();
    io::Write::flush(&mut file)
}

/// Reads a pcapng file written by [`write_pcap`] (or any pcapng or classic pcap file of
/// Ethernet frames) back into packets, put together and decoded as a capture would be (DNS on
/// `dns_port` and 53); frames that do not decode are skipped. In a pcapng file, an interface
/// named `host/interface` gives each hop its host and interface; in a classic pcap file both
/// are empty.
pub fn read_pcap(path: &Path, dns_port: u16) -> io::Result<Vec<Packet>> {
    let mut file = BufReader::new(File::open(path)?);
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic)?;
    let file = BufReader::new(File::open(path)?);
    let observations = if magic == PCAPNG_MAGIC {
        read_pcapng(file, path)?
    } else {
        read_classic(file, path)?
    };
    Ok(merge_paths(observations, dns_port))
}

fn not_ethernet(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: not Ethernet frames", path.display()),
    )
}

fn read_classic(file: BufReader<File>, path: &Path) -> io::Result<Vec<Observation>> {
    let mut reader = PcapReader::new(file).map_err(to_io)?;
    if reader.header().datalink != DataLink::ETHERNET {
        return Err(not_ethernet(path));
    }
    let mut observations = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.map_err(to_io)?;
        observations.push(Observation {
            host: String::new(),
            interface: String::new(),
            at: UNIX_EPOCH + packet.timestamp,
            frame: packet.data.into_owned(),
        });
    }
    Ok(observations)
}

/// One interface of a pcapng section: its host and name, and how to turn its timestamps into
/// nanoseconds.
struct Interface {
    host: String,
    name: String,
    /// pcap-file reads a timestamp's units as nanoseconds; the real ones are 10^-`resolution`
    /// seconds (6, microseconds, when the block does not say).
    resolution: u8,
}

fn read_pcapng(file: BufReader<File>, path: &Path) -> io::Result<Vec<Observation>> {
    let mut reader = PcapNgReader::new(file).map_err(to_io)?;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut observations = Vec::new();
    while let Some(block) = reader.next_block() {
        match block.map_err(to_io)? {
            Block::SectionHeader(_) => interfaces.clear(),
            Block::InterfaceDescription(idb) => {
                if idb.linktype != DataLink::ETHERNET {
                    return Err(not_ethernet(path));
                }
                let mut interface = Interface {
                    host: String::new(),
                    name: String::new(),
                    resolution: 6,
                };
                for option in &idb.options {
                    match option {
                        InterfaceDescriptionOption::IfName(label) => {
                            (interface.host, interface.name) = parse_label(label);
                        }
                        InterfaceDescriptionOption::IfTsResol(resolution) => {
                            interface.resolution = *resolution;
                        }
                        _ => {}
                    }
                }
                interfaces.push(interface);
            }
            Block::EnhancedPacket(epb) => {
                let interface = interfaces.get(epb.interface_id as usize).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{}: a packet of an undeclared interface", path.display()),
                    )
                })?;
                let units = epb.timestamp.as_nanos();
                let nanos = match interface.resolution {
                    // Powers of ten up to nanoseconds; powers of two (high bit) are not written
                    // by anything here and read as nanoseconds.
                    r @ 0..=9 => units.saturating_mul(10u128.pow(u32::from(9 - r))),
                    _ => units,
                };
                let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
                observations.push(Observation {
                    host: interface.host.clone(),
                    interface: interface.name.clone(),
                    at: UNIX_EPOCH + Duration::from_nanos(nanos),
                    frame: epb.data.into_owned(),
                });
            }
            _ => {}
        }
    }
    Ok(observations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Decoder;
    use crate::decode::tests::http_exchange;

    #[test]
    fn a_written_file_reads_back_the_same() {
        let packets = Decoder::new(53).decode_all(http_exchange());
        let path = std::env::temp_dir().join(format!("wire-unit-{}.pcap", std::process::id()));
        write_pcap(&path, &packets).unwrap();
        let back = read_pcap(&path, 53).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back, packets);
    }

    #[test]
    fn labels_name_host_and_interface() {
        for (host, interface) in [("r1", "eth0"), ("", "lo"), ("", ""), ("laptop", "")] {
            let label = interface_label(host, interface);
            assert_eq!(
                parse_label(&label),
                (host.into(), interface.into()),
                "{label}"
            );
        }
    }
}
