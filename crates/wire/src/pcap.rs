//! Packets to and from classic pcap files (LINKTYPE_ETHERNET, nanosecond timestamps), which
//! `tshark -r` and Wireshark read.

use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::{DataLink, Endianness, TsResolution};

use crate::decode::{Decoder, Packet};
use crate::filter::SNAPLEN;

fn to_io(err: pcap_file::PcapError) -> io::Error {
    match err {
        pcap_file::PcapError::IoError(err) => err,
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    }
}

/// Writes `packets` (their frames and kernel times) to a new pcap file at `path`.
pub fn write_pcap(path: &Path, packets: &[Packet]) -> io::Result<()> {
    let header = PcapHeader {
        version_major: 2,
        version_minor: 4,
        ts_correction: 0,
        ts_accuracy: 0,
        snaplen: SNAPLEN,
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::NanoSecond,
        endianness: Endianness::native(),
    };
    let file = BufWriter::new(File::create(path)?);
    let mut writer = PcapWriter::with_header(file, header).map_err(to_io)?;
    for packet in packets {
        let since_epoch = packet
            .at
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let len = u32::try_from(packet.frame.len()).unwrap_or(u32::MAX);
        writer
            .write_packet(&PcapPacket::new(since_epoch, len, &packet.frame))
            .map_err(to_io)?;
    }
    let mut file = writer.into_writer();
    io::Write::flush(&mut file)
}

/// Reads a pcap file of Ethernet frames back into packets, decoded as a capture would be
/// (DNS on `dns_port` and 53); frames that are not IPv4 TCP, UDP or ICMP are skipped.
pub fn read_pcap(path: &Path, dns_port: u16) -> io::Result<Vec<Packet>> {
    let mut reader = PcapReader::new(BufReader::new(File::open(path)?)).map_err(to_io)?;
    if reader.header().datalink != DataLink::ETHERNET {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not Ethernet frames", path.display()),
        ));
    }
    let mut frames = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.map_err(to_io)?;
        frames.push((UNIX_EPOCH + packet.timestamp, packet.data.into_owned()));
    }
    Ok(Decoder::new(dns_port).decode_all(frames))
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
