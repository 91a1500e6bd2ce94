//! The kernel filter: a classic BPF program that lets a frame through only when both its IPv4
//! source and destination are lab addresses.
//!
//! Filtering in the kernel, not after `recv`, is what keeps the socket buffer from overflowing
//! on a busy loopback: a frame the program rejects is never queued (CRATES.md § AF_PACKET traps).
//! The program is the one `tcpdump -d '(src host A or src host B) and (dst host A or dst host B)'`
//! would give, built here from the address list:
//!
//! ```text
//! (000) ldh  [12]                 ; EtherType
//! (001) jeq  #0x800   jt 2  jf R  ; IPv4, or reject
//! (002) ld   [26]                 ; IPv4 source address
//! (003) jeq  #A       jt D  jf 4  ; one test per address ...
//! (004) jeq  #B       jt D  jf R  ; ... the last one falls through to reject
//! (D)   ld   [30]                 ; IPv4 destination address
//!       jeq  #A       jt OK jf .. ; same tests, now jumping to accept
//! (OK)  ret  #262144              ; accept, up to the snapshot length
//! (R)   ret  #0                   ; reject
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;

/// How many bytes of each accepted frame the kernel keeps. lo frames reach about 64 KiB (MTU
/// 65536 plus GSO), so 256 KiB keeps every one whole.
pub const SNAPLEN: u32 = 256 * 1024;

/// The most addresses one program can test: a classic BPF conditional jump reaches at most 255
/// instructions ahead, and the EtherType test must jump over two tests per address.
pub const MAX_ADDRESSES: usize = 120;

// Classic BPF opcodes (linux/filter.h, linux/bpf_common.h).
const BPF_LD_H_ABS: u16 = 0x28; // BPF_LD | BPF_H | BPF_ABS
const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JMP_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K

// Where the fields sit in an Ethernet II frame carrying IPv4 (lo frames have a 14-byte
// Ethernet header with zero MAC addresses).
const ETHERTYPE_OFFSET: u32 = 12;
const ETHERTYPE_IPV4: u32 = 0x0800;
const IPV4_SOURCE_OFFSET: u32 = 14 + 12;
const IPV4_DESTINATION_OFFSET: u32 = 14 + 16;

/// One classic BPF instruction, as `struct sock_filter` holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BpfInstruction {
    /// The opcode.
    pub code: u16,
    /// Instructions to skip when a conditional jump is taken.
    pub jt: u8,
    /// Instructions to skip when it is not.
    pub jf: u8,
    /// The constant operand.
    pub k: u32,
}

/// Why no program could be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    /// An empty set would reject everything; that is a mistake, not a filter.
    NoAddresses,
    /// More addresses than the jumps of one program can span.
    TooManyAddresses {
        /// How many distinct addresses were given.
        given: usize,
    },
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

impl std::error::Error for FilterError {}

impl FilterError {
    /// The error in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        match self {
            FilterError::NoAddresses => text::t!(lang, "capture-filter-no-addresses"),
            FilterError::TooManyAddresses { given } => text::t!(
                lang,
                "capture-filter-too-many",
                max = MAX_ADDRESSES,
                given = *given
            ),
        }
    }
}

/// A classic BPF program accepting IPv4 frames between two addresses of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpfProgram {
    /// The instructions, in order.
    pub instructions: Vec<BpfInstruction>,
}

impl BpfProgram {
    /// Builds the program for `addrs` (duplicates are ignored).
    pub fn between(addrs: &[Ipv4Addr]) -> Result<BpfProgram, FilterError> {
        let addrs: BTreeSet<u32> = addrs.iter().map(|a| u32::from(*a)).collect();
        let n = addrs.len();
        if n == 0 {
            return Err(FilterError::NoAddresses);
        }
        if n > MAX_ADDRESSES {
            return Err(FilterError::TooManyAddresses { given: n });
        }
        // Layout: 0 ldh, 1 jeq ipv4, 2 ld src, 3..3+n tests, 3+n ld dst, 4+n..4+2n tests,
        // 4+2n accept, 5+2n reject. A jump offset counts from the next instruction.
        let accept = 4 + 2 * n;
        let reject = accept + 1;
        let load_destination = 3 + n;
        let offset = |from: usize, to: usize| (to - from - 1) as u8;
        let mut program = Vec::with_capacity(reject + 1);
        program.push(op(BPF_LD_H_ABS, 0, 0, ETHERTYPE_OFFSET));
        program.push(op(BPF_JMP_JEQ_K, 0, offset(1, reject), ETHERTYPE_IPV4));
        program.push(op(BPF_LD_W_ABS, 0, 0, IPV4_SOURCE_OFFSET));
        for (i, addr) in addrs.iter().enumerate() {
            let pc = 3 + i;
            let next = if i + 1 == n { reject } else { pc + 1 };
            program.push(op(
                BPF_JMP_JEQ_K,
                offset(pc, load_destination),
                offset(pc, next),
                *addr,
            ));
        }
        program.push(op(BPF_LD_W_ABS, 0, 0, IPV4_DESTINATION_OFFSET));
        for (i, addr) in addrs.iter().enumerate() {
            let pc = load_destination + 1 + i;
            let next = if i + 1 == n { reject } else { pc + 1 };
            program.push(op(
                BPF_JMP_JEQ_K,
                offset(pc, accept),
                offset(pc, next),
                *addr,
            ));
        }
        program.push(op(BPF_RET_K, 0, 0, SNAPLEN));
        program.push(op(BPF_RET_K, 0, 0, 0));
        Ok(BpfProgram {
            instructions: program,
        })
    }
}

fn op(code: u16, jt: u8, jf: u8, k: u32) -> BpfInstruction {
    BpfInstruction { code, jt, jf, k }
}

/// The program as `tcpdump -d` prints one.
impl fmt::Display for BpfProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (pc, ins) in self.instructions.iter().enumerate() {
            let jt = pc + 1 + usize::from(ins.jt);
            let jf = pc + 1 + usize::from(ins.jf);
            match ins.code {
                BPF_LD_H_ABS => writeln!(f, "({pc:03}) ldh      [{}]", ins.k)?,
                BPF_LD_W_ABS => writeln!(f, "({pc:03}) ld       [{}]", ins.k)?,
                BPF_JMP_JEQ_K => writeln!(
                    f,
                    "({pc:03}) jeq      #{:#x}{:>10}jt {jt}\tjf {jf}",
                    ins.k, ""
                )?,
                BPF_RET_K => writeln!(f, "({pc:03}) ret      #{}", ins.k)?,
                other => writeln!(f, "({pc:03}) op {other:#x} {} {} {}", ins.jt, ins.jf, ins.k)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    /// A classic BPF interpreter for the four opcodes the builder emits, as the kernel runs them
    /// (`net/core/filter.c`): loads past the end of the frame reject it.
    fn run(program: &BpfProgram, frame: &[u8]) -> u32 {
        let mut a: u32 = 0;
        let mut pc = 0;
        for _ in 0..program.instructions.len() + 1 {
            let ins = program.instructions[pc];
            pc += 1;
            let load = |width: usize| -> Option<u32> {
                let at = ins.k as usize;
                let bytes = frame.get(at..at + width)?;
                Some(bytes.iter().fold(0, |acc, b| (acc << 8) | u32::from(*b)))
            };
            match ins.code {
                BPF_LD_H_ABS => match load(2) {
                    Some(v) => a = v,
                    None => return 0,
                },
                BPF_LD_W_ABS => match load(4) {
                    Some(v) => a = v,
                    None => return 0,
                },
                BPF_JMP_JEQ_K => {
                    pc += usize::from(if a == ins.k { ins.jt } else { ins.jf });
                }
                BPF_RET_K => return ins.k,
                other => panic!("opcode {other:#x} not emitted by the builder"),
            }
        }
        panic!("the program ran off its end");
    }

    fn udp_frame(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(src, dst, 64)
            .udp(40000, 53);
        let mut frame = Vec::new();
        builder.write(&mut frame, b"hello").unwrap();
        frame
    }

    #[test]
    fn accepts_only_frames_with_both_ends_in_the_set() {
        let set = [
            Ipv4Addr::new(127, 0, 0, 2),
            Ipv4Addr::new(127, 0, 0, 53),
            Ipv4Addr::new(127, 0, 0, 80),
        ];
        let program = BpfProgram::between(&set).unwrap();
        let inside = [[127, 0, 0, 2], [127, 0, 0, 53], [127, 0, 0, 80]];
        for src in inside {
            for dst in inside {
                assert_eq!(
                    run(&program, &udp_frame(src, dst)),
                    SNAPLEN,
                    "{src:?}>{dst:?}"
                );
            }
        }
        let outside = [127, 0, 0, 1];
        assert_eq!(run(&program, &udp_frame(outside, [127, 0, 0, 53])), 0);
        assert_eq!(run(&program, &udp_frame([127, 0, 0, 53], outside)), 0);
        assert_eq!(run(&program, &udp_frame(outside, outside)), 0);
    }

    #[test]
    fn rejects_other_ethertypes_and_short_frames() {
        let program = BpfProgram::between(&[Ipv4Addr::LOCALHOST]).unwrap();
        let mut frame = udp_frame([127, 0, 0, 1], [127, 0, 0, 1]);
        assert_eq!(run(&program, &frame), SNAPLEN);
        frame[12] = 0x86; // IPv6's EtherType
        frame[13] = 0xdd;
        assert_eq!(run(&program, &frame), 0);
        assert_eq!(run(&program, &frame[..20]), 0);
        assert_eq!(run(&program, &[]), 0);
    }

    #[test]
    fn the_largest_set_still_jumps_within_range() {
        let set: Vec<Ipv4Addr> = (0..MAX_ADDRESSES as u8)
            .map(|i| Ipv4Addr::new(127, 1, 0, i))
            .collect();
        let program = BpfProgram::between(&set).unwrap();
        let last = [127, 1, 0, MAX_ADDRESSES as u8 - 1];
        assert_eq!(run(&program, &udp_frame([127, 1, 0, 0], last)), SNAPLEN);
        assert_eq!(run(&program, &udp_frame(last, [127, 1, 0, 200])), 0);
        let too_many: Vec<Ipv4Addr> = (0..=MAX_ADDRESSES as u8)
            .map(|i| Ipv4Addr::new(127, 1, 0, i))
            .collect();
        assert_eq!(
            BpfProgram::between(&too_many),
            Err(FilterError::TooManyAddresses {
                given: MAX_ADDRESSES + 1
            })
        );
        assert_eq!(BpfProgram::between(&[]), Err(FilterError::NoAddresses));
    }

    #[test]
    fn prints_like_tcpdump_d() {
        let program = BpfProgram::between(&[Ipv4Addr::LOCALHOST]).unwrap();
        let text = program.to_string();
        assert!(text.starts_with("(000) ldh      [12]\n"), "{text}");
        assert!(text.contains("ret      #262144"), "{text}");
        assert_eq!(text.lines().count(), 8);
    }
}
