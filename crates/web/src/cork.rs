//! Write coalescing for HTTP/2 over TLS: what h2 writes during one poll of its connection is
//! kept until the end of that poll, then handed to rustls at once, so several responses become
//! one TLS record (up to 16 KiB of plaintext) and one `writev`.
//!
//! Why: h2 writes a DATA frame of 256 bytes or more as its own write followed by a flush
//! (`FramedWrite` chains the payload and must flush before it takes the next frame), so each
//! 1 KB response was sealed as its own TLS record and sent with its own system call: ten
//! responses to the ten requests of one read cost ten seals and ten `writev`s
//! (bench/RESULTS.md, 2026-12-02 h2cpu).
//!
//! How: [`Corked`] sits between hyper's h2 and the TLS stream. While its [`Cork`] is on, a
//! flush only notes that one is due; the future that polls the hyper connection
//! (`h2conn::H2Conn`) turns the cork on for its poll and, when a flush was put off, polls the
//! connection once more with the cork off: h2 ends every poll of its connection with a flush,
//! which now reaches rustls and the socket. Nothing waits for a later poll or a timer, so no
//! response is held back beyond the poll that produced it; writes that would grow the buffer
//! past [`CORK_LIMIT`] push it on first (so its size is bounded and a slow reader still pushes
//! back), and writes of at least that size go straight through once the buffer is empty.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most plaintext kept back: one full TLS record (RFC 8446 §5.1), what nginx's
/// `ssl_buffer_size` is by default.
pub(crate) const CORK_LIMIT: usize = 16 * 1024;

/// Shared by a [`Corked`] stream and the future that polls its connection
/// (`h2conn::H2Conn`).
#[derive(Default)]
pub(crate) struct Cork {
    on: AtomicBool,
    /// A flush came while the cork was on.
    deferred: AtomicBool,
}

impl Cork {
    /// While on, flushes are put off.
    pub(crate) fn set(&self, on: bool) {
        self.on.store(on, Ordering::Relaxed);
    }

    /// Whether a flush was put off since the last call.
    pub(crate) fn take_deferred(&self) -> bool {
        self.deferred.swap(false, Ordering::Relaxed)
    }
}

/// A stream whose writes are held back while its [`Cork`] is on.
pub(crate) struct Corked<T> {
    inner: T,
    out: Vec<u8>,
    /// How much of `out` the inner stream has taken.
    sent: usize,
    /// The inner stream took bytes since it was last flushed: TLS keeps records that the
    /// socket did not take, and only its flush writes them.
    unflushed: bool,
    cork: Arc<Cork>,
}

impl<T> Corked<T> {
    pub(crate) fn new(inner: T, cork: Arc<Cork>) -> Self {
        Corked {
            inner,
            out: Vec::new(),
            sent: 0,
            unflushed: false,
            cork,
        }
    }
}

impl<T: AsyncWrite + Unpin> Corked<T> {
    /// Hands everything buffered to the inner stream.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.out.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
            self.unflushed = true;
        }
        self.out.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Makes room for `len` more bytes: Ready(true) when they are to be buffered, Ready(false)
    /// when they are to go straight to the inner stream (the buffer is empty and they fill it).
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<bool>> {
        if self.out.len() - self.sent + len > CORK_LIMIT {
            ready!(self.poll_drain(cx))?;
        }
        Poll::Ready(Ok(len < CORK_LIMIT))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Corked<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Corked<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !ready!(this.poll_room(cx, buf.len()))? {
            this.unflushed = true;
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        this.out.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let len = bufs.iter().map(|b| b.len()).sum();
        if !ready!(this.poll_room(cx, len))? {
            this.unflushed = true;
            return Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        }
        for buf in bufs {
            this.out.extend_from_slice(buf);
        }
        Poll::Ready(Ok(len))
    }

    /// Vectored writes are copied into one buffer, so h2 may hand its frame head and payload
    /// apart (it copies small payloads into its own buffer otherwise).
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.cork.on.load(Ordering::Relaxed) {
            if this.sent < this.out.len() || this.unflushed {
                this.cork.deferred.store(true, Ordering::Relaxed);
            }
            return Poll::Ready(Ok(()));
        }
        ready!(this.poll_drain(cx))?;
        ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
        this.unflushed = false;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn writes_wait_for_an_uncorked_flush() {
        let cork = Arc::new(Cork::default());
        let (near, mut far) = tokio::io::duplex(1 << 20);
        let mut corked = Corked::new(near, cork.clone());
        cork.on.store(true, Ordering::Relaxed);
        corked.write_all(b"one ").await.unwrap();
        corked.write_all(b"two").await.unwrap();
        corked.flush().await.unwrap();
        assert!(cork.deferred.load(Ordering::Relaxed));
        let mut got = [0u8; 16];
        let nothing = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            tokio::io::AsyncReadExt::read(&mut far, &mut got),
        )
        .await;
        assert!(nothing.is_err(), "nothing is written while corked");
        cork.on.store(false, Ordering::Relaxed);
        corked.flush().await.unwrap();
        let n = tokio::io::AsyncReadExt::read(&mut far, &mut got)
            .await
            .unwrap();
        assert_eq!(&got[..n], b"one two");
    }

    #[tokio::test]
    async fn the_buffer_is_bounded_and_big_writes_go_through() {
        let cork = Arc::new(Cork::default());
        let (near, mut far) = tokio::io::duplex(1 << 20);
        let mut corked = Corked::new(near, cork.clone());
        cork.on.store(true, Ordering::Relaxed);
        let small = vec![b'a'; CORK_LIMIT / 2 + 1];
        corked.write_all(&small).await.unwrap();
        corked.write_all(&small).await.unwrap();
        // The second write pushed the first on: the buffer never holds more than the limit.
        assert!(corked.out.len() - corked.sent <= CORK_LIMIT);
        let big = vec![b'b'; CORK_LIMIT];
        corked.write_all(&big).await.unwrap();
        assert!(corked.out.is_empty());
        drop(corked);
        let mut all = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut far, &mut all)
            .await
            .unwrap();
        assert_eq!(all.len(), 2 * small.len() + big.len());
        assert!(all[..2 * small.len()].iter().all(|&b| b == b'a'));
    }

    /// What the inner stream took but holds (TLS records the socket did not take) is flushed
    /// after the poll, like what the cork held.
    #[tokio::test]
    async fn what_the_inner_stream_holds_is_flushed_too() {
        let cork = Arc::new(Cork::default());
        let (near, mut far) = tokio::io::duplex(1 << 20);
        let mut corked = Corked::new(
            tokio::io::BufWriter::with_capacity(1 << 20, near),
            cork.clone(),
        );
        cork.on.store(true, Ordering::Relaxed);
        // As big as the limit: straight to the inner stream, which keeps it until flushed.
        corked.write_all(&vec![b'c'; CORK_LIMIT]).await.unwrap();
        corked.flush().await.unwrap();
        assert!(cork.take_deferred(), "the flush is put off, not forgotten");
        cork.on.store(false, Ordering::Relaxed);
        corked.flush().await.unwrap();
        let mut got = vec![0u8; CORK_LIMIT];
        tokio::io::AsyncReadExt::read_exact(&mut far, &mut got)
            .await
            .unwrap();
        assert!(got.iter().all(|&b| b == b'c'));
    }
}
