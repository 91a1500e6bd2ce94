//! An accepted client's socket, which joins tokio's reactor (epoll) only when it first has to
//! wait.
//!
//! Why: a client that opens a connection for one request (`Connection: close`, HTTP/1.0, a
//! health check, `curl`) has usually sent that request by the time its connection is accepted
//! and served, and the response fits the socket's send buffer. Registered at accept, as
//! `tokio::net::TcpStream` is, such a connection costs an `epoll_ctl` to add it, an epoll event
//! and a second poll of its task before the first read, and another `epoll_ctl` to remove it
//! before `close` (tokio deregisters explicitly); nginx reads it after one wake-up and lets
//! `close` remove it. Here the socket is tried directly first: a read or write that the kernel
//! takes at once needs no reactor; the first one that would block registers the socket (the
//! same registration tokio makes, edge-triggered, which reports a readiness that came in
//! between) and from then on every operation goes through tokio as before. A keep-alive
//! connection makes the same system calls either way: its read after the first response finds
//! nothing and registers it, where a registered socket's read would find nothing too.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// An accepted TCP connection, non-blocking; see the module doc.
pub(crate) struct ClientSocket(State);

enum State {
    /// Not known to the reactor yet: operations are system calls made directly.
    Direct(std::net::TcpStream),
    /// Registered, after an operation would have blocked.
    Registered(TcpStream),
    /// Registration failed and closed the socket.
    Lost,
}

impl ClientSocket {
    /// `stream` must be non-blocking (`accept_nonblocking`'s are).
    pub(crate) fn direct(stream: std::net::TcpStream) -> Self {
        ClientSocket(State::Direct(stream))
    }

    /// A socket tokio already has (tests and the TLS tests' clients).
    #[cfg(test)]
    pub(crate) fn registered(stream: TcpStream) -> Self {
        ClientSocket(State::Registered(stream))
    }

    /// The socket, registered with the reactor from now on. Must run inside the runtime (every
    /// caller is a poll of the connection's task).
    #[cold]
    fn register(&mut self) -> io::Result<&TcpStream> {
        if let State::Direct(_) = self.0 {
            let State::Direct(stream) = std::mem::replace(&mut self.0, State::Lost) else {
                unreachable!("matched just above")
            };
            // A socket the reactor refuses (out of memory) is closed by from_std: the
            // connection ends with the error, as one that fails at accept would.
            self.0 = State::Registered(TcpStream::from_std(stream)?);
        }
        match &self.0 {
            State::Registered(stream) => Ok(stream),
            _ => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// Runs `op` on the socket at once while it is direct; the first time it would block, the
    /// socket is registered and `op` waits for `interest` through tokio like any other.
    #[inline]
    fn poll_op<T>(
        &mut self,
        cx: &mut Context<'_>,
        interest: Interest,
        mut op: impl FnMut(RawFd) -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        if let State::Direct(stream) = &self.0 {
            match op(stream.as_raw_fd()) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                done => return Poll::Ready(done),
            }
        }
        let stream = match self.register() {
            Ok(stream) => stream,
            Err(err) => return Poll::Ready(Err(err)),
        };
        let fd = stream.as_raw_fd();
        loop {
            let ready = if interest == Interest::READABLE {
                stream.poll_read_ready(cx)
            } else {
                stream.poll_write_ready(cx)
            };
            std::task::ready!(ready)?;
            match stream.try_io(interest, || op(fd)) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }

    /// For socket options; `None` once registration has failed and closed it.
    pub(crate) fn sock_ref(&self) -> Option<socket2::SockRef<'_>> {
        match &self.0 {
            State::Direct(stream) => Some(socket2::SockRef::from(stream)),
            State::Registered(stream) => Some(socket2::SockRef::from(stream)),
            State::Lost => None,
        }
    }

    /// `op` writes to the socket (sendfile, for one): run as a write is.
    #[inline]
    pub(crate) fn poll_write_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnMut(RawFd) -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        self.poll_op(cx, Interest::WRITABLE, op)
    }
}

/// `recv(2)` into the unfilled part of `buf`.
fn recv_into(fd: RawFd, buf: &mut ReadBuf<'_>) -> io::Result<()> {
    // SAFETY: the kernel writes at most `spare.len()` bytes into the unfilled (maybe
    // uninitialised) part of the buffer, and only the `n` it wrote are then marked initialised
    // and filled.
    unsafe {
        let spare = buf.unfilled_mut();
        let n = libc::recv(fd, spare.as_mut_ptr().cast(), spare.len(), 0);
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        buf.assume_init(n);
        buf.advance(n);
    }
    Ok(())
}

/// `writev(2)` of `bufs`.
fn writev(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // More than IOV_MAX (1024 on Linux) slices would fail with EINVAL: the rest go next time.
    let count = bufs.len().min(1024) as libc::c_int;
    // SAFETY: IoSlice is ABI-compatible with iovec on Unix (std's guarantee), and the kernel
    // only reads the `count` slices.
    let n = unsafe { libc::writev(fd, bufs.as_ptr().cast::<libc::iovec>(), count) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

impl AsRawFd for ClientSocket {
    fn as_raw_fd(&self) -> RawFd {
        match &self.0 {
            State::Direct(stream) => stream.as_raw_fd(),
            State::Registered(stream) => stream.as_raw_fd(),
            State::Lost => -1,
        }
    }
}

impl AsyncRead for ClientSocket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let State::Registered(stream) = &mut this.0 {
            return Pin::new(stream).poll_read(cx, buf);
        }
        this.poll_op(cx, Interest::READABLE, |fd| recv_into(fd, buf))
    }
}

impl AsyncWrite for ClientSocket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let State::Registered(stream) = &mut this.0 {
            return Pin::new(stream).poll_write_vectored(cx, bufs);
        }
        this.poll_op(cx, Interest::WRITABLE, |fd| writev(fd, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// A TCP socket has nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            State::Direct(stream) => Poll::Ready(stream.shutdown(std::net::Shutdown::Write)),
            State::Registered(stream) => Pin::new(stream).poll_shutdown(cx),
            State::Lost => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }
}

/// Takes one connection from the queue of `listener` (non-blocking) as a non-blocking socket,
/// in one system call on Linux (`accept4` with `SOCK_NONBLOCK`).
pub(crate) fn accept_nonblocking(
    listener: &std::net::TcpListener,
) -> io::Result<(std::net::TcpStream, SocketAddr)> {
    #[cfg(target_os = "linux")]
    {
        let fd = listener.as_raw_fd();
        // SAFETY: accept4 writes at most `len` bytes of address into the storage try_init
        // hands it, and returns a new descriptor that nothing else owns.
        let (socket, address) = unsafe {
            socket2::SockAddr::try_init(|storage, len| {
                let socket = libc::accept4(
                    fd,
                    storage.cast(),
                    len,
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                );
                if socket < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(<std::net::TcpStream as std::os::fd::FromRawFd>::from_raw_fd(socket))
            })?
        };
        let address = address
            .as_socket()
            .ok_or_else(|| io::Error::other("accepted a connection that is not TCP/IP"))?;
        Ok((socket, address))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let (socket, address) = listener.accept()?;
        socket.set_nonblocking(true)?;
        Ok((socket, address))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    impl ClientSocket {
        fn is_registered(&self) -> bool {
            matches!(self.0, State::Registered(_))
        }
    }

    /// A client connected to a fresh listener, and the server's end of it as accepted.
    fn accepted() -> (ClientSocket, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, address) = accept_nonblocking(&listener).unwrap();
        assert_eq!(address, client.local_addr().unwrap());
        (ClientSocket::direct(server), client)
    }

    #[tokio::test]
    async fn a_request_already_there_is_read_and_answered_without_the_reactor() {
        let (mut server, mut client) = accepted();
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        // Loopback delivers the bytes within the write; the short sleep covers a busy host.
        std::thread::sleep(Duration::from_millis(20));
        let mut buf = [0u8; 64];
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"GET / HTTP/1.1\r\n\r\n");
        server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        server.shutdown().await.unwrap();
        assert!(!server.is_registered(), "nothing had to wait");
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).unwrap();
        assert_eq!(answer, b"HTTP/1.1 200 OK\r\n\r\n");
    }

    #[tokio::test]
    async fn a_read_that_has_to_wait_registers_and_is_woken_by_the_bytes() {
        let (mut server, mut client) = accepted();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            client.write_all(b"late").unwrap();
            client
        });
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(10), server.read(&mut buf))
            .await
            .expect("the bytes' arrival wakes the read")
            .unwrap();
        assert_eq!(&buf[..n], b"late");
        assert!(server.is_registered());
        let mut client = writer.join().unwrap();
        // Registered, it goes on through tokio: a write and the peer's end.
        server.write_all(b"back").await.unwrap();
        let mut four = [0u8; 4];
        client.read_exact(&mut four).unwrap();
        assert_eq!(&four, b"back");
        drop(client);
        assert_eq!(server.read(&mut buf).await.unwrap(), 0, "the client's FIN");
    }

    #[tokio::test]
    async fn a_write_that_fills_the_socket_waits_for_room_and_loses_nothing() {
        let (mut server, mut client) = accepted();
        server
            .sock_ref()
            .unwrap()
            .set_send_buffer_size(16 * 1024)
            .unwrap();
        let data: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut chunk = [0u8; 64 * 1024];
            loop {
                std::thread::sleep(Duration::from_millis(1));
                match client.read(&mut chunk).unwrap() {
                    0 => break got,
                    n => got.extend_from_slice(&chunk[..n]),
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(60), server.write_all(&data))
            .await
            .expect("bounded")
            .unwrap();
        assert!(
            server.is_registered(),
            "4 MiB cannot fit a 32 KiB buffer at once"
        );
        drop(server);
        assert!(reader.join().unwrap() == data, "every byte, in order");
    }

    #[tokio::test]
    async fn many_slices_are_written_in_one_call_up_to_iov_max() {
        let (mut server, mut client) = accepted();
        let slices: Vec<IoSlice<'_>> = (0..1500).map(|_| IoSlice::new(b"ab")).collect();
        let written = server.write_vectored(&slices).await.unwrap();
        assert_eq!(written, 2048, "1024 slices, the rest for the next write");
        let mut got = vec![0u8; written];
        client.read_exact(&mut got).unwrap();
        assert!(got.chunks(2).all(|pair| pair == b"ab"));
    }
}
