//! Big files without copying through user space: `sendfile(2)` under hyper.
//!
//! hyper writes a response body by handing its `Bytes` to the connection's `poll_write_vectored`
//! (it queues body buffers instead of copying them when the transport takes vectored writes).
//! So a file too big for the cache is mapped into memory (`mmap`, read-only) only to get an
//! address range for its bytes: the body is one `Bytes` over that range, and the connection's
//! writer ([`crate::server`]'s `Watched`) recognises a buffer inside a registered range and
//! calls `sendfile(socket, file, offset, len)` instead of `write`. The mapped pages are never
//! touched by this process, so the kernel moves page-cache pages to the socket as nginx's
//! `sendfile on` does, and a file truncated meanwhile ends the connection (sendfile returns 0)
//! instead of raising SIGBUS. While a file goes out the socket is corked (TCP_CORK, nginx's
//! `tcp_nopush`; `send_timeout::SendTimed::cork`), so it leaves in full segments. Were anything to read the buffer after all, it would read the
//! file's own bytes through the mapping: the fallback is correct, only slower.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};

use bytes::Bytes;

/// A read-only mapping of a whole file, and the file.
pub(crate) struct MappedFile {
    ptr: *const u8,
    len: usize,
    file: File,
}

// SAFETY: the mapping is read-only and lives as long as the value; the pointer is only
// compared and turned into a slice of the mapping.
unsafe impl Send for MappedFile {}
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps `file` (`len` bytes, more than zero).
    pub(crate) fn map(file: File, len: u64) -> io::Result<Arc<MappedFile>> {
        let len = usize::try_from(len).map_err(|_| io::Error::other("file too large to map"))?;
        if len == 0 {
            return Err(io::Error::other("an empty file has nothing to map"));
        }
        // SAFETY: a new shared read-only mapping of an open file; checked for MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Arc::new(MappedFile {
            ptr: ptr as *const u8,
            len,
            file,
        }))
    }

    /// The bytes `range` of the file, as a `Bytes` that keeps the mapping alive.
    pub(crate) fn bytes(self: &Arc<Self>, start: usize, end: usize) -> Bytes {
        Bytes::from_owner(Owner(self.clone())).slice(start..end)
    }

    /// Where `buf` starts in the file, if it lies inside this mapping.
    fn offset_of(&self, buf: &[u8]) -> Option<usize> {
        let start = self.ptr as usize;
        let at = buf.as_ptr() as usize;
        (at >= start && at + buf.len() <= start + self.len).then(|| at - start)
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `map`, once.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

struct Owner(Arc<MappedFile>);

impl AsRef<[u8]> for Owner {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: the mapping is valid for `len` bytes while the Arc lives. `Bytes::from_owner`
        // takes only the pointer and length from this slice; nobody reads through it.
        unsafe { std::slice::from_raw_parts(self.0.ptr, self.0.len) }
    }
}

/// The mappings whose bytes one connection is sending, so its writer can find them.
#[derive(Default)]
pub(crate) struct Regions(Vec<Weak<MappedFile>>);

impl Regions {
    pub(crate) fn register(&mut self, mapped: &Arc<MappedFile>) {
        self.0.retain(|weak| weak.strong_count() > 0);
        self.0.push(Arc::downgrade(mapped));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The mapping `buf` lies in, and its offset in the file.
    pub(crate) fn find(&self, buf: &[u8]) -> Option<(Arc<MappedFile>, usize)> {
        self.0
            .iter()
            .filter_map(Weak::upgrade)
            .find_map(|mapped| mapped.offset_of(buf).map(|offset| (mapped, offset)))
    }
}

/// One `sendfile` of `len` bytes from `offset` to the (non-blocking) socket `socket`.
pub(crate) fn send(
    socket: i32,
    mapped: &MappedFile,
    offset: usize,
    len: usize,
) -> io::Result<usize> {
    let mut offset = offset as libc::off_t;
    // SAFETY: both descriptors are open for the duration of the call; offset is a local.
    let sent = unsafe { libc::sendfile(socket, mapped.file.as_raw_fd(), &mut offset, len) };
    match sent {
        n if n < 0 => Err(io::Error::last_os_error()),
        0 => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file became shorter while it was sent",
        )),
        n => Ok(n as usize),
    }
}
