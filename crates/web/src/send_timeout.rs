//! The send timeout (`limits.send_timeout`, nginx's `send_timeout`): a client that stops
//! reading a response would otherwise hold its connection, its task and every buffer on the way
//! for ever once the socket's send buffer is full.
//!
//! [`SendTimed`] is the accepted socket itself, so every way a response leaves passes through
//! it: hyper's HTTP/1.1 writes (`server::Watched`), `sendfile(2)` ([`SendTimed::poll_sendfile`]),
//! and the TLS records rustls writes for HTTP/1.1 and for HTTP/2 (under `cork::Corked`). As in
//! nginx the time is counted between two writes, not for the whole response: it starts when a
//! write finds the socket full (returns `Pending`), and any write that the socket takes stops
//! it; if the client receives nothing for the whole timeout, the write that is waiting fails
//! with `TimedOut` and the layer above ends the connection (no response can be sent on it
//! anyway).
//!
//! "Receives nothing" is checked once more when the time is up, in the socket's send queue
//! (`SIOCOUTQ`, the bytes the client has not acknowledged, noted when the stall began): Linux
//! wakes a writer only once a third of a full send buffer is free again, and a client that
//! reads slowly from a buffer the kernel has grown to megabytes may take longer than the timeout
//! to free that much while it receives all along. Such a client has its stall counted again
//! from then; nginx, which waits for the same wake-up, would close it.
//!
//! A write that completes at once costs one flag test: the timer (a `tokio::time::Sleep`, boxed
//! once per connection that ever stalls) is armed, and the send queue read, only when a write
//! returns `Pending`, and the timer reset only when a new stall begins (bench/RESULTS.md: the
//! 1 KB keep-alive instructions per request did not move).
//!
//! What is recorded: the request's access-log line and journey event, written as for any
//! response when hyper lets go of its body (its status as sent, the bytes handed to hyper so
//! far), as nginx keeps the status of a response cut by its `send_timeout` and logs the bytes
//! sent; nginx's info-level "client timed out" has no counterpart, the server keeps no error
//! log.
//!
//! The same socket is where a file sent by sendfile is corked, as nginx's `tcp_nopush` does
//! ([`SendTimed::cork`]): the one other thing that needs the socket under every way of writing.
//!
//! Not covered: an HTTP/2 stream held back by the client's flow-control window rather than by
//! the socket leaves no write waiting, so it is not a stall here (nginx times such a stream out
//! with `send_timeout` too).

use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::client_socket::ClientSocket;
use crate::sendfile::{self, MappedFile};

/// An accepted connection's socket, whose writes fail once the client has taken nothing for
/// the send timeout.
pub(crate) struct SendTimed {
    stream: ClientSocket,
    timeout: Duration,
    /// Made at the first stall, then reset at each new one.
    timer: Option<Pin<Box<Sleep>>>,
    /// A write is waiting for room since the timer was last armed.
    stalled: bool,
    /// The bytes in the send queue when the stall (or its last renewal) began.
    queued: usize,
    /// TCP_CORK is on: a file is going out by sendfile (see [`SendTimed::cork`]).
    corked: bool,
}

impl SendTimed {
    pub(crate) fn new(stream: ClientSocket, timeout: Duration) -> Self {
        SendTimed {
            stream,
            timeout,
            timer: None,
            stalled: false,
            queued: 0,
            corked: false,
        }
    }

    /// Holds partial segments back until a file sent by [`SendTimed::poll_sendfile`] has
    /// gone, as nginx's `tcp_nopush` does (the head written before it joins its first segment).
    ///
    /// Why: with TCP_NODELAY alone, each time the client's receive window opens by less than a
    /// segment the kernel sends what fits, so a big file leaves in segments of ~32 KiB on
    /// loopback instead of 64 KiB. A receiver samples its round-trip time only on full-sized
    /// segments (with timestamps), and from that sizes its receive buffer: fed small segments,
    /// wrk's buffer stayed under 500 KB, its window limited the sender 76-89% of the time and the
    /// client's own CPU sent the server's data from its ACKs; corked, the buffer grows to
    /// megabytes within 0.1 s, as with nginx (bench/RESULTS.md, issue 14, the 10 MB p99).
    pub(crate) fn cork(&mut self) {
        if !self.corked {
            // Best effort: a socket that refuses only sends smaller segments.
            self.corked = self
                .stream
                .sock_ref()
                .is_some_and(|socket| socket.set_tcp_cork(true).is_ok());
        }
    }

    /// Lets what the cork holds go: the file's last bytes were taken.
    fn uncork(&mut self) {
        if self.corked {
            self.corked = false;
            if let Some(socket) = self.stream.sock_ref() {
                let _ = socket.set_tcp_cork(false);
            }
        }
    }

    /// What one write attempt came to: taken (or failed) stops the clock; `Pending` starts it,
    /// or, once it has run out, turns into the timeout's error.
    #[inline]
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Pending => self.poll_stall(cx),
            ready => {
                self.stalled = false;
                ready
            }
        }
    }

    #[cold]
    fn poll_stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if !self.stalled {
            // A timeout too far away to be a deadline (config allows up to 1e9 s) is none.
            let Some(deadline) = Instant::now().checked_add(self.timeout) else {
                return Poll::Pending;
            };
            self.stalled = true;
            // Unknown: 0, so the time's end finds no progress, as nginx would.
            self.queued = unacknowledged(&self.stream).unwrap_or(0);
            match &mut self.timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        let Some(timer) = self.timer.as_mut() else {
            return Poll::Pending;
        };
        while timer.as_mut().poll(cx).is_ready() {
            // The time is up; if the client took some of what waits in the socket meanwhile,
            // it is receiving, and the stall is counted again from now.
            let queued = unacknowledged(&self.stream).unwrap_or(usize::MAX);
            match Instant::now().checked_add(self.timeout) {
                Some(deadline) if queued < self.queued => {
                    self.queued = queued;
                    timer.as_mut().reset(deadline);
                }
                _ => {
                    // For good: a later poll of this stall fails at once too.
                    self.queued = 0;
                    return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
                }
            }
        }
        Poll::Pending
    }

    /// `sendfile(2)` of `len` bytes of `mapped` from `offset`, under the same clock as writes.
    pub(crate) fn poll_sendfile(
        &mut self,
        cx: &mut Context<'_>,
        mapped: &MappedFile,
        offset: usize,
        len: usize,
    ) -> Poll<io::Result<usize>> {
        self.cork();
        let polled = self
            .stream
            .poll_write_with(cx, |socket| sendfile::send(socket, mapped, offset, len));
        if matches!(polled, Poll::Ready(Ok(sent)) if sent == len) {
            self.uncork();
        }
        self.watch(cx, polled)
    }
}

/// The bytes written to `stream` that its peer has not acknowledged yet (`SIOCOUTQ`).
#[cfg(target_os = "linux")]
fn unacknowledged(stream: &ClientSocket) -> Option<usize> {
    let mut queued: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (TIOCOUTQ) on an open TCP socket writes one c_int.
    let rc = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
    (rc == 0).then(|| usize::try_from(queued).ok()).flatten()
}

#[cfg(not(target_os = "linux"))]
fn unacknowledged(_stream: &ClientSocket) -> Option<usize> {
    None
}

impl AsyncRead for SendTimed {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SendTimed {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// A TCP socket has nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A connected pair on loopback with the client's receive buffer and the server's send
    /// buffer set to `buffers` bytes (the kernel doubles them), so that they fill soon.
    async fn pair(timeout: Duration, buffers: u32) -> (SendTimed, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(buffers).unwrap();
        let client = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        socket2::SockRef::from(&server)
            .set_send_buffer_size(buffers as usize)
            .unwrap();
        (
            SendTimed::new(ClientSocket::registered(server), timeout),
            client,
        )
    }

    #[tokio::test]
    async fn a_reader_that_never_reads_times_the_writer_out() {
        let timeout = Duration::from_millis(300);
        let (mut server, _client) = pair(timeout, 4096).await;
        let chunk = vec![7u8; 64 * 1024];
        let started = std::time::Instant::now();
        let mut written = 0usize;
        let err = loop {
            match tokio::time::timeout(Duration::from_secs(10), server.write(&chunk)).await {
                Ok(Ok(n)) => written += n,
                Ok(Err(err)) => break err,
                Err(_) => panic!("no timeout after {written} bytes"),
            }
            assert!(written < 64 << 20, "the socket never filled");
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let stalled = started.elapsed();
        assert!(stalled >= timeout && stalled < timeout * 10, "{stalled:?}");
        // And stays failed: the next write does not wait another timeout.
        let again = tokio::time::timeout(Duration::from_millis(100), server.write(&chunk)).await;
        assert!(matches!(again, Ok(Err(_))), "{again:?}");
    }

    #[tokio::test]
    async fn a_slow_reader_is_not_timed_out() {
        let timeout = Duration::from_millis(300);
        let (mut server, mut client) = pair(timeout, 64 * 1024).await;
        let total = 1024 * 1024;
        let reader = tokio::spawn(async move {
            let mut got = 0usize;
            let mut buf = vec![0u8; 64 * 1024];
            while got < total {
                // One read every 100 ms, a third of the timeout: the whole takes several
                // timeouts, and the writer waits for room between the reads.
                tokio::time::sleep(Duration::from_millis(100)).await;
                match client.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
            }
            got
        });
        let data = vec![1u8; total];
        let started = std::time::Instant::now();
        tokio::time::timeout(Duration::from_secs(60), server.write_all(&data))
            .await
            .expect("bounded")
            .expect("a reading client is never timed out");
        let got = reader.await.unwrap();
        assert_eq!(got, total);
        assert!(started.elapsed() > timeout, "{:?}", started.elapsed());
    }

    fn corked(server: &SendTimed) -> bool {
        server.stream.sock_ref().unwrap().tcp_cork().unwrap()
    }

    /// A file by sendfile goes out corked (full segments) and the cork comes off with its last
    /// byte: a cork left on would hold the next response's last segment for up to 200 ms.
    #[tokio::test]
    async fn a_file_goes_out_corked_and_the_cork_comes_off_with_its_last_byte() {
        use std::io::Write;
        let (mut server, mut client) = pair(Duration::from_secs(30), 64 * 1024).await;
        let data: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let path = std::env::temp_dir().join(format!("roundtrip-cork-{}", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        file.write_all(&data).unwrap();
        let mapped = MappedFile::map(file, data.len() as u64).unwrap();
        assert!(!corked(&server));

        // The client does not read yet: the first sendfile fills the buffers and returns short.
        let len = data.len();
        let first = std::future::poll_fn(|cx| server.poll_sendfile(cx, &mapped, 0, len))
            .await
            .unwrap();
        assert!(first < len, "4 MiB fit into 64 KiB buffers");
        assert!(corked(&server), "the cork is on while the file goes out");

        let reader = tokio::spawn(async move {
            let mut got = vec![0u8; len];
            client.read_exact(&mut got).await.map(|_| got)
        });
        let mut offset = first;
        while offset < len {
            let sent = tokio::time::timeout(
                Duration::from_secs(30),
                std::future::poll_fn(|cx| server.poll_sendfile(cx, &mapped, offset, len - offset)),
            )
            .await
            .expect("bounded")
            .unwrap();
            offset += sent;
        }
        assert!(
            !corked(&server),
            "the cork is off once the last byte is taken"
        );
        let got = reader.await.unwrap().unwrap();
        assert!(got == data, "the client got the file's bytes");
    }
}
