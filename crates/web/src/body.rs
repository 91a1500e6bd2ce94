//! The response body: one concrete type for every answer, so the hot static path boxes
//! nothing. It counts the bytes it hands to hyper and, when dropped (sent, or abandoned by a
//! client that went away), finishes the request's account: access log line and journey event.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use tokio::sync::mpsc;

use crate::handler::Completion;
use crate::upstream::UpstreamBody;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request's body as the handler gets it: hyper's, or none at all for a request that
/// `fast_h1` read (it takes only requests that declare no body).
pub(crate) enum ClientBody {
    Hyper(Incoming),
    None,
}

impl http_body::Body for ClientBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            ClientBody::Hyper(body) => Pin::new(body).poll_frame(cx),
            ClientBody::None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ClientBody::Hyper(body) => body.is_end_stream(),
            ClientBody::None => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ClientBody::Hyper(body) => body.size_hint(),
            ClientBody::None => SizeHint::with_exact(0),
        }
    }
}

/// A response body.
pub struct Body {
    kind: Kind,
    sent: u64,
    completion: Option<Box<Completion>>,
}

enum Kind {
    Empty,
    /// Whole in memory (cached file, error page).
    Full(Option<Bytes>),
    /// Read from a file in large chunks by a blocking task; `remaining` is exact.
    Chunks {
        receiver: mpsc::Receiver<std::io::Result<Bytes>>,
        remaining: u64,
    },
    /// Streamed from an upstream, read from its connection as it is asked for.
    Upstream(UpstreamBody),
}

impl Body {
    pub(crate) fn empty() -> Self {
        Body::of(Kind::Empty)
    }

    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        Body::of(Kind::Full(Some(bytes.into())))
    }

    pub(crate) fn chunks(receiver: mpsc::Receiver<std::io::Result<Bytes>>, len: u64) -> Self {
        Body::of(Kind::Chunks {
            receiver,
            remaining: len,
        })
    }

    pub(crate) fn upstream(body: UpstreamBody) -> Self {
        Body::of(Kind::Upstream(body))
    }

    fn of(kind: Kind) -> Self {
        Body {
            kind,
            sent: 0,
            completion: None,
        }
    }

    pub(crate) fn set_completion(&mut self, completion: Box<Completion>) {
        self.completion = Some(completion);
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if let Some(completion) = self.completion.take() {
            completion.finish(self.sent);
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = match &mut this.kind {
            Kind::Empty => Poll::Ready(None),
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Chunks {
                receiver,
                remaining,
            } => match receiver.poll_recv(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    *remaining = remaining.saturating_sub(chunk.len() as u64);
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                }
                Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err.into()))),
                Poll::Ready(None) if *remaining > 0 => Poll::Ready(Some(Err(
                    "the file became shorter while it was sent".into(),
                ))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
            Kind::Upstream(body) => body
                .poll_data(cx)
                .map(|data| data.map(|d| d.map(Frame::data).map_err(BoxError::from))),
        };
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.sent += data.len() as u64;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Chunks { remaining, .. } => *remaining == 0,
            Kind::Upstream(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Chunks { remaining, .. } => SizeHint::with_exact(*remaining),
            Kind::Upstream(body) => body.size_hint(),
        }
    }
}
