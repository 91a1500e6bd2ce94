//! The few calls into the kernel that need `unsafe`: the AF_PACKET socket's options, its bind
//! to one interface (or all), `recvmsg` with the packet type, interface and the kernel's
//! timestamp, and interface names (`if_nameindex`, `SIOCGIFNAME`). Everything else goes through
//! `socket2`'s safe wrappers.

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::AsRawFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use socket2::Socket;

/// `sll_pkttype` of a frame the host itself sent (linux/if_packet.h). On lo every packet is
/// seen twice, once leaving and once arriving; the leaving copy is this one.
pub const PACKET_OUTGOING: u8 = libc::PACKET_OUTGOING;

/// `sll_hatype` of a loopback interface (linux/if_arp.h).
pub const ARPHRD_LOOPBACK: u16 = libc::ARPHRD_LOOPBACK;

/// One frame as `recvmsg` gave it.
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The frame's length on the wire (larger than `len` only if the buffer was too small).
    pub wire_len: usize,
    /// `sll_pkttype`: host, outgoing, broadcast...
    pub packet_type: u8,
    /// `sll_ifindex`: the interface the frame was seen on.
    pub ifindex: i32,
    /// `sll_hatype`: the interface's hardware type (ARPHRD_ETHER, ARPHRD_LOOPBACK...).
    pub hardware_type: u16,
    /// When the kernel received the frame (`SCM_TIMESTAMPNS`), if it said.
    pub kernel_time: Option<SystemTime>,
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

/// A receive buffer of `bytes`: beyond `net.core.rmem_max` with `SO_RCVBUFFORCE` when
/// privileged (a capturing process is), else as much as `SO_RCVBUF` allows.
pub fn set_receive_buffer(socket: &Socket, bytes: usize) -> io::Result<()> {
    let value = i32::try_from(bytes).unwrap_or(i32::MAX);
    set_int_option(socket, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, value)
        .or_else(|_| socket.set_recv_buffer_size(bytes))
}

/// Asks the kernel to attach its receive time to every frame (`SO_TIMESTAMPNS`).
pub fn enable_kernel_timestamps(socket: &Socket) -> io::Result<()> {
    set_int_option(socket, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)
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

/// Receives one frame into `buf`, with its packet type and kernel timestamp.
pub fn receive_frame(socket: &Socket, buf: &mut [u8]) -> io::Result<Received> {
    // SAFETY: plain old data; all-zero is a valid value for each.
    let mut from: libc::sockaddr_ll = unsafe { zeroed() };
    // Room for one `SCM_TIMESTAMPNS` (a timespec) and then some, aligned as a cmsghdr.
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<[u64; 16]>();
    // SAFETY: every pointer in `msg` refers to a live buffer of the length given next to it;
    // they all outlive the call. MSG_TRUNC makes the return value the frame's real length.
    let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let wire_len = n as usize;
    let mut kernel_time = None;
    // SAFETY: the CMSG_* macros walk the control buffer the kernel filled in, bounded by
    // `msg.msg_controllen`; a header of our level and type carries a `timespec`, read unaligned.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
            {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                kernel_time = Some(
                    UNIX_EPOCH
                        + Duration::new(ts.tv_sec as u64, ts.tv_nsec.clamp(0, 999_999_999) as u32),
                );
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(Received {
        len: wire_len.min(buf.len()),
        wire_len,
        packet_type: from.sll_pkttype,
        ifindex: from.sll_ifindex,
        hardware_type: from.sll_hatype,
        kernel_time,
    })
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
