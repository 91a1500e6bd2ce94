//! The few calls into the kernel that need `unsafe`: the AF_PACKET socket's options, its bind
//! to one interface (or all), its receive ring (`TPACKET_V3`, mapped into memory: each frame
//! with its packet type, interface and the kernel's timestamp), and interface names
//! (`if_nameindex`, `SIOCGIFNAME`). Everything else goes through `socket2`'s safe wrappers.

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::AsRawFd;
use std::sync::atomic::{Ordering, fence};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use socket2::Socket;

/// `sll_pkttype` of a frame the host itself sent (linux/if_packet.h). On lo every packet is
/// seen twice, once leaving and once arriving; the leaving copy is this one.
pub const PACKET_OUTGOING: u8 = libc::PACKET_OUTGOING;

/// `sll_hatype` of a loopback interface (linux/if_arp.h).
pub const ARPHRD_LOOPBACK: u16 = libc::ARPHRD_LOOPBACK;

/// One frame as the receive ring holds it.
pub struct Received<'a> {
    /// The bytes kept (all of the frame unless it was longer than the snap length or a block).
    pub data: &'a [u8],
    /// The frame's length on the wire (larger than `data` only if it was cut short).
    pub wire_len: usize,
    /// `sll_pkttype`: host, outgoing, broadcast...
    pub packet_type: u8,
    /// `sll_ifindex`: the interface the frame was seen on.
    pub ifindex: i32,
    /// `sll_hatype`: the interface's hardware type (ARPHRD_ETHER, ARPHRD_LOOPBACK...).
    pub hardware_type: u16,
    /// When the frame crossed the interface, by the kernel's clock (`tp_sec`, `tp_nsec`).
    pub at: SystemTime,
}

/// The interface index of `name` (`lo`).
pub fn interface_index(name: &str) -> io::Result<u32> {
    let name = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `name` is a valid NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(index)
    }
}

/// Every interface of the calling thread's network namespace, as (index, name)
/// (`if_nameindex`, which asks the kernel over a netlink socket opened on this thread).
pub fn interface_names() -> io::Result<Vec<(u32, String)>> {
    // SAFETY: no arguments; a null return means failure, with errno set.
    let list = unsafe { libc::if_nameindex() };
    if list.is_null() {
        return Err(io::Error::last_os_error());
    }
    let mut names = Vec::new();
    // SAFETY: the array ends with an entry whose index is 0 and name null; every entry before it
    // has a NUL-terminated name. The array is freed once, after the last read.
    unsafe {
        let mut entry = list;
        while (*entry).if_index != 0 && !(*entry).if_name.is_null() {
            let name = std::ffi::CStr::from_ptr((*entry).if_name);
            names.push(((*entry).if_index, name.to_string_lossy().into_owned()));
            entry = entry.add(1);
        }
        libc::if_freenameindex(list);
    }
    Ok(names)
}

/// The name of interface `index` in the network namespace of `socket` (`SIOCGIFNAME` on the
/// socket itself, so the answer is the socket's namespace whichever thread asks).
pub fn interface_name(socket: &Socket, index: i32) -> io::Result<String> {
    // SAFETY: `ifreq` is plain old data; all-zero is a valid value.
    let mut request: libc::ifreq = unsafe { zeroed() };
    request.ifr_ifru.ifru_ifindex = index;
    // SAFETY: SIOCGIFNAME reads `ifr_ifindex` and writes a NUL-terminated name of at most
    // IFNAMSIZ bytes into `ifr_name`; `request` lives through the call.
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFNAME, &mut request) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let bytes: Vec<u8> = request
        .ifr_name
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Sets an `int` socket option.
fn set_int_option(socket: &Socket, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: the option value points to an initialised `c_int` of the size passed, which the
    // kernel only reads during the call.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&value as *const i32).cast(),
            size_of::<i32>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Binds the packet socket to every protocol (`ETH_P_ALL`) on one interface (`ifindex` 0: on
/// every interface of the socket's namespace). Only from here on does the kernel queue frames,
/// which is why the filter is attached before.
pub fn bind_all_protocols(socket: &Socket, ifindex: u32) -> io::Result<()> {
    // SAFETY: `sockaddr_ll` is plain old data; all-zero is a valid value.
    let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    addr.sll_ifindex = ifindex as i32;
    // SAFETY: `addr` is a fully initialised `sockaddr_ll` and the length passed is its size.
    let rc = unsafe {
        libc::bind(
            socket.as_raw_fd(),
            (&addr as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A `TPACKET_V3` receive ring: blocks of frames the kernel fills and hands over, mapped into
/// this process's memory.
///
/// Each frame's time is written by the kernel as it puts the frame in the ring, which for a
/// frame a host sends is as the frame goes to its interface (`dev_queue_xmit_nit`): the stamp
/// the skb already carries, or else the time read there and then (`tpacket_rcv`: "Always
/// timestamp"). `recvmsg` with `SO_TIMESTAMPNS` gave no such promise: it reports the skb's
/// stamp, and a frame that has none is stamped as `recvmsg` reads it. Tours under load showed
/// it: for the first 5 to 30 ms of a capture each host's frames were stamped in batches a few
/// us apart, host after host (the reading threads' times), so a packet's copies were out of
/// order by up to 3.5 ms. By the kernel's code, the skb is stamped at the interface only once
/// its timestamping static key is on, which the first timestamping socket switches on from a
/// work queue, late under load.
pub struct Ring {
    base: *mut u8,
    block_size: usize,
    blocks: usize,
    /// The block the kernel hands over next.
    next: usize,
}

// SAFETY: the mapping belongs to the ring alone (it is unmapped once, on drop); moving it to
// another thread moves sole access to it.
unsafe impl Send for Ring {}

/// A ring's size: `blocks` blocks of `block_size` bytes (a multiple of the page size). A frame
/// longer than a block, less its headers, is cut short.
#[derive(Debug, Clone, Copy)]
pub struct RingSize {
    /// Bytes per block.
    pub block_size: usize,
    /// Blocks in the ring.
    pub blocks: usize,
    /// How long the kernel waits before handing over a block that is not full (ms).
    pub retire_ms: u32,
}

impl Ring {
    /// Asks for a `TPACKET_V3` receive ring of `size` on `socket` and maps it. The socket must
    /// not be bound yet if no frame is to be missed.
    pub fn new(socket: &Socket, size: RingSize) -> io::Result<Ring> {
        let invalid = || io::Error::from(io::ErrorKind::InvalidInput);
        set_int_option(
            socket,
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            libc::tpacket_versions::TPACKET_V3 as i32,
        )?;
        let block_size = u32::try_from(size.block_size).map_err(|_| invalid())?;
        let blocks = u32::try_from(size.blocks).map_err(|_| invalid())?;
        let length = size
            .block_size
            .checked_mul(size.blocks)
            .ok_or_else(invalid)?;
        // One "frame" per block: in V3 frames are packed into blocks as they come, and the
        // frame size only has to divide the block.
        let request = libc::tpacket_req3 {
            tp_block_size: block_size,
            tp_block_nr: blocks,
            tp_frame_size: block_size,
            tp_frame_nr: blocks,
            tp_retire_blk_tov: size.retire_ms,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        // SAFETY: `request` is an initialised `tpacket_req3` of the size passed, read by the
        // kernel during the call only.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_RX_RING,
                (&request as *const libc::tpacket_req3).cast(),
                size_of::<libc::tpacket_req3>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: maps the ring just set up on this socket, shared with the kernel; the result
        // is checked before use and unmapped once, in `Drop`.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                length,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                socket.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Ring {
            base: base.cast(),
            block_size: size.block_size,
            blocks: size.blocks,
            next: 0,
        })
    }

    fn block(&self) -> *mut libc::tpacket_block_desc {
        // SAFETY: `next < blocks`, so the offset stays inside the mapping.
        unsafe { self.base.add(self.next * self.block_size).cast() }
    }

    /// Whether the kernel has handed the next block over.
    fn ready(&self) -> bool {
        // SAFETY: the block descriptor is inside the mapping; the kernel writes its status
        // concurrently, hence the volatile read, and the fence orders the block's contents
        // after it.
        let status = unsafe {
            std::ptr::read_volatile(std::ptr::addr_of!((*self.block()).hdr.bh1.block_status))
        };
        fence(Ordering::Acquire);
        status & libc::TP_STATUS_USER != 0
    }

    /// Waits up to `timeout` for the kernel to hand over the next block, gives each of its
    /// frames to `each` and hands the block back. Returns whether there was a block.
    pub fn read_block(
        &mut self,
        socket: &Socket,
        timeout: Duration,
        mut each: impl FnMut(Received<'_>),
    ) -> io::Result<bool> {
        if !self.ready() {
            let mut poll = libc::pollfd {
                fd: socket.as_raw_fd(),
                events: libc::POLLIN | libc::POLLERR,
                revents: 0,
            };
            let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
            loop {
                // SAFETY: one valid `pollfd`, alive through the call.
                let rc = unsafe { libc::poll(&mut poll, 1, millis) };
                if rc >= 0 {
                    break;
                }
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
            if !self.ready() {
                return Ok(false);
            }
        }
        let block = self.block();
        let start = block.cast::<u8>();
        // SAFETY: the kernel handed the block over (TP_STATUS_USER, read with acquire order),
        // so until its status is set back it does not write it. Every offset and length read
        // from the block is checked against the block's size before it is used.
        unsafe {
            let header = std::ptr::addr_of!((*block).hdr.bh1).read();
            let mut offset = header.offset_to_first_pkt as usize;
            let frame_header = libc::TPACKET_ALIGN(size_of::<libc::tpacket3_hdr>());
            for _ in 0..header.num_pkts {
                if offset + frame_header + size_of::<libc::sockaddr_ll>() > self.block_size {
                    break;
                }
                let frame = start
                    .add(offset)
                    .cast::<libc::tpacket3_hdr>()
                    .read_unaligned();
                let from = start
                    .add(offset + frame_header)
                    .cast::<libc::sockaddr_ll>()
                    .read_unaligned();
                let data_start = offset + usize::from(frame.tp_mac);
                let data_len = frame.tp_snaplen as usize;
                if data_start + data_len > self.block_size {
                    break;
                }
                let data = std::slice::from_raw_parts(start.add(data_start), data_len);
                each(Received {
                    data,
                    wire_len: frame.tp_len as usize,
                    packet_type: from.sll_pkttype,
                    ifindex: from.sll_ifindex,
                    hardware_type: from.sll_hatype,
                    at: UNIX_EPOCH
                        + Duration::new(u64::from(frame.tp_sec), frame.tp_nsec.min(999_999_999)),
                });
                if frame.tp_next_offset == 0 {
                    break;
                }
                offset += frame.tp_next_offset as usize;
            }
            fence(Ordering::Release);
            std::ptr::write_volatile(
                std::ptr::addr_of_mut!((*block).hdr.bh1.block_status),
                libc::TP_STATUS_KERNEL,
            );
        }
        self.next = (self.next + 1) % self.blocks;
        Ok(true)
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, of this length, unmapped only here.
        unsafe {
            libc::munmap(self.base.cast(), self.block_size * self.blocks);
        }
    }
}

/// `PACKET_STATISTICS`: frames that passed the filter (dropped ones included) and frames
/// dropped for lack of buffer space, since the last call (reading resets the counters).
pub fn packet_statistics(socket: &Socket) -> io::Result<(u32, u32)> {
    // SAFETY: plain old data; all-zero is a valid value.
    let mut stats: libc::tpacket_stats = unsafe { zeroed() };
    let mut len = size_of::<libc::tpacket_stats>() as libc::socklen_t;
    // SAFETY: `stats` and `len` are live and `len` holds the size of `stats`.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&mut stats as *mut libc::tpacket_stats).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok((stats.tp_packets, stats.tp_drops))
    } else {
        Err(io::Error::last_os_error())
    }
}
