//! UDP in batches: one `recvmmsg` takes up to [`BATCH`] queries, one `sendmmsg` sends their
//! answers. On a loopback benchmark the system calls, not the answering, are most of the cost,
//! so amortising them is the largest single saving (Knot and NSD do the same).

use std::io;
use std::mem::{MaybeUninit, zeroed};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

/// Datagrams per system call.
pub const BATCH: usize = 64;

/// The largest query we read; longer datagrams are cut by the kernel and dropped (no DNS query
/// needs more: RFC 6891 responses may be large, questions are not).
pub const MAX_QUERY: usize = 4096;

/// The queries of one batch and their senders, reused for every call.
pub struct Inbox {
    queries: Vec<[u8; MAX_QUERY]>,
    lens: [usize; BATCH],
    peers: [MaybeUninit<libc::sockaddr_storage>; BATCH],
    peer_lens: [libc::socklen_t; BATCH],
    truncated: [bool; BATCH],
    count: usize,
}

/// The responses of one batch, each with the index of the query it answers.
pub struct Outbox {
    responses: Vec<(usize, Vec<u8>)>,
    count: usize,
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox {
            queries: vec![[0u8; MAX_QUERY]; BATCH],
            lens: [0; BATCH],
            peers: [MaybeUninit::uninit(); BATCH],
            peer_lens: [0; BATCH],
            truncated: [false; BATCH],
            count: 0,
        }
    }
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            responses: (0..BATCH).map(|_| (0, Vec::with_capacity(1232))).collect(),
            count: 0,
        }
    }
}

impl Inbox {
    /// Blocks until at least one datagram arrives (or the socket's read timeout passes), then
    /// takes every datagram already queued, up to [`BATCH`].
    pub fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        // SAFETY: every pointer refers into `self`, which outlives the call; the kernel writes
        // at most the lengths given; `zeroed` is a valid bit pattern for these C structs.
        let received = unsafe {
            let mut iovecs: [libc::iovec; BATCH] = zeroed();
            let mut headers: [libc::mmsghdr; BATCH] = zeroed();
            for i in 0..BATCH {
                iovecs[i] = libc::iovec {
                    iov_base: self.queries[i].as_mut_ptr().cast(),
                    iov_len: MAX_QUERY,
                };
                headers[i].msg_hdr.msg_name = self.peers[i].as_mut_ptr().cast();
                headers[i].msg_hdr.msg_namelen =
                    std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
                headers[i].msg_hdr.msg_iov = &mut iovecs[i];
                headers[i].msg_hdr.msg_iovlen = 1;
            }
            let n = libc::recvmmsg(
                socket.as_raw_fd(),
                headers.as_mut_ptr(),
                BATCH as u32,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            );
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            for (i, header) in headers.iter().enumerate().take(n as usize) {
                self.lens[i] = header.msg_len as usize;
                self.peer_lens[i] = header.msg_hdr.msg_namelen;
                self.truncated[i] = header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            }
            n as usize
        };
        self.count = received;
        Ok(received)
    }

    /// The datagrams received: index, bytes, and whether the kernel had to cut it.
    pub fn queries(&self) -> impl Iterator<Item = (usize, &[u8], bool)> {
        (0..self.count).map(|i| (i, &self.queries[i][..self.lens[i]], self.truncated[i]))
    }

    /// The sender of datagram `i`.
    pub fn peer(&self, i: usize) -> Option<SocketAddr> {
        if i >= self.count {
            return None;
        }
        // SAFETY: the kernel filled `peers[i]` (a sockaddr_storage, large and aligned enough
        // for every family) with an address of the family it names.
        unsafe {
            let storage = self.peers[i].as_ptr();
            match i32::from((*storage).ss_family) {
                libc::AF_INET => {
                    let v4 = &*storage.cast::<libc::sockaddr_in>();
                    let ip = std::net::Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr));
                    Some(SocketAddr::new(ip.into(), u16::from_be(v4.sin_port)))
                }
                libc::AF_INET6 => {
                    let v6 = &*storage.cast::<libc::sockaddr_in6>();
                    let ip = std::net::Ipv6Addr::from(v6.sin6_addr.s6_addr);
                    Some(SocketAddr::new(ip.into(), u16::from_be(v6.sin6_port)))
                }
                _ => None,
            }
        }
    }
}

impl Outbox {
    /// Empties the outbox for a new batch.
    pub fn clear(&mut self) {
        self.count = 0;
    }

    /// The next response buffer, for the answer to query `query_index`; kept only if
    /// [`Outbox::commit`] is called after filling it.
    pub fn next_buffer(&mut self, query_index: usize) -> &mut Vec<u8> {
        let (index, buffer) = &mut self.responses[self.count];
        *index = query_index;
        buffer.clear();
        buffer
    }

    /// Keeps the buffer last handed out by [`Outbox::next_buffer`].
    pub fn commit(&mut self) {
        self.count += 1;
    }

    /// Sends the committed responses to the senders of their queries.
    pub fn send(&mut self, socket: &UdpSocket, inbox: &mut Inbox) {
        let count = self.count;
        let mut sent = 0;
        while sent < count {
            // SAFETY: as in `receive`; the buffers live in `self`, the addresses in `inbox`.
            let n = unsafe {
                let mut iovecs: [libc::iovec; BATCH] = zeroed();
                let mut headers: [libc::mmsghdr; BATCH] = zeroed();
                for (slot, (index, buffer)) in self.responses[sent..count].iter_mut().enumerate() {
                    iovecs[slot] = libc::iovec {
                        iov_base: buffer.as_mut_ptr().cast(),
                        iov_len: buffer.len(),
                    };
                    headers[slot].msg_hdr.msg_name = inbox.peers[*index].as_mut_ptr().cast();
                    headers[slot].msg_hdr.msg_namelen = inbox.peer_lens[*index];
                    headers[slot].msg_hdr.msg_iov = &mut iovecs[slot];
                    headers[slot].msg_hdr.msg_iovlen = 1;
                }
                libc::sendmmsg(
                    socket.as_raw_fd(),
                    headers.as_mut_ptr(),
                    (count - sent) as u32,
                    0,
                )
            };
            if n < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                // One bad destination must not stall the rest: skip it.
                tracing::debug!("udp send: {err}");
                sent += 1;
                continue;
            }
            sent += n as usize;
        }
    }
}
