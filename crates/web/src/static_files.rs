//! Static files: the request path made safe, the file found under the root, and the answer
//! (200, 206, 304, 412, 416) chosen from the request's conditional, range and encoding headers.
//!
//! Why a memory cache: a file server that asks the blocking pool for every `open`/`stat`/`read`
//! (tower-http's ServeDir) spends 80-175 us of CPU per 1 KB request against nginx's ~11 us,
//! while hyper answering from memory spends ~8 us. So a request for a file seen before is
//! answered on the connection's task from [`FileCache`] without any file system call: the
//! entry holds the bytes (and their gzip form, computed once), and ready-made header values.
//! An entry is checked against the disk (path, size, mtime, and that it still resolves inside
//! the root) at most every `revalidate_after`, on the blocking pool. Files larger than
//! `cache_max_file_bytes` keep only their metadata in the cache and are sent with sendfile(2)
//! (see [`crate::sendfile`]: 1.9 ms of CPU per 10 MB against 7.1 ms when read in chunks, and
//! nginx's 3.0 ms, bench/RESULTS.md); with `sendfile = false`, or if the mapping fails, they are
//! read in 256 KiB chunks by one blocking task per response.
//!
//! Measured on 1 KB files (bench/web.sh): 10.6 us of server CPU per keep-alive request against
//! nginx's 18.0 us.
//!
//! ```text
//! uri.path() -> request_key (percent-decoding, `..`, `\`, NUL: 400)
//!   -> FileCache hit, fresh? -> answer()                    no file system call
//!   -> miss or stale: spawn_blocking(load): canonicalize (symlinks resolved), inside the
//!      root? (else 404), directory -> index.html or redirect to `dir/`, read + gzip once
//!   -> answer(): If-Match 412, If-None-Match / If-Modified-Since 304, Range 206 / 416,
//!      br / gzip sibling or gzip made once (Vary: Accept-Encoding), body from memory or sendfile
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::body::Body;
use crate::config::StaticOptions;
use crate::sendfile::MappedFile;

/// Bytes per chunk when a file too large for the cache is streamed.
const STREAM_CHUNK: usize = 256 * 1024;
/// How a response will be sent, for what is added to its header after [`FileCache::answer`].
#[derive(Clone, Copy)]
pub(crate) struct Sent {
    /// Over HTTP/2: hyper's h2 adds Date and Content-Length to the header map.
    pub(crate) http2: bool,
    /// Strict-Transport-Security will be added.
    pub(crate) hsts: bool,
}

/// Header fields a file's response may carry: ETag, Last-Modified, Cache-Control, Vary,
/// Content-Type, Accept-Ranges or Content-Encoding, Content-Range, Content-Length,
/// Strict-Transport-Security (the handler's) and Date (hyper's).
const RESPONSE_FIELDS: usize = 10;
/// Smaller files gain nothing from gzip (the header alone is 18 bytes).
const GZIP_MIN_BYTES: u64 = 256;

/// One document root and its cache.
pub(crate) struct FileCache {
    root: PathBuf,
    options: StaticOptions,
    cache_control: Option<HeaderValue>,
    entries: RwLock<HashMap<Box<str>, Arc<CachedFile>>>,
    cached_bytes: AtomicU64,
    epoch: Instant,
}

/// A file as served: metadata, ready-made headers and, when small, its bytes.
pub(crate) struct CachedFile {
    /// Path relative to the root, as logs and the journey show it.
    pub(crate) relative: String,
    path: PathBuf,
    len: u64,
    mtime: SystemTime,
    modified_secs: u64,
    content_type: HeaderValue,
    last_modified: HeaderValue,
    identity: Representation,
    gzip: Option<Representation>,
    brotli: Option<Representation>,
    checked_ms: AtomicU64,
}

/// One encoding of a file.
struct Representation {
    etag: HeaderValue,
    len: u64,
    /// `len` as a header value, made once: hyper would format and allocate it per response.
    content_length: HeaderValue,
    /// In memory, or streamed from `path`.
    bytes: Option<Bytes>,
    path: PathBuf,
}

impl Representation {
    fn new(etag: HeaderValue, len: u64, bytes: Option<Bytes>, path: PathBuf) -> Self {
        Representation {
            etag,
            len,
            content_length: HeaderValue::from(len),
            bytes,
            path,
        }
    }
}

/// What a request path leads to.
pub(crate) enum Lookup {
    File(Arc<CachedFile>),
    /// A directory asked without its trailing slash: the client is sent to `path/`.
    Directory,
    NotFound,
}

/// Why a request path is refused before the file system is touched.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadPath(pub &'static str);

/// The cache key of a request path: decoded, `.` and empty segments dropped, relative to the
/// root, with the trailing slash kept (it asks for a directory). Refuses `..` (also as `%2e%2e`),
/// backslashes, NUL and paths that are not UTF-8 with 400: none is in a name we serve.
pub(crate) fn request_key(path: &str) -> Result<Cow<'_, str>, BadPath> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(BadPath("the path does not start with /"));
    };
    // The common case needs no decoding and no copy.
    let plain = !rest.bytes().any(|b| matches!(b, b'%' | b'\\' | 0))
        && !rest.contains("//")
        && !rest.starts_with('/')
        && !rest.split('/').any(|s| s == "." || s == "..");
    if plain {
        return Ok(Cow::Borrowed(rest));
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(rest).collect();
    if decoded.contains(&0) {
        return Err(BadPath("NUL in the path"));
    }
    if decoded.contains(&b'\\') {
        return Err(BadPath("backslash in the path"));
    }
    let decoded = String::from_utf8(decoded).map_err(|_| BadPath("the path is not UTF-8"))?;
    let mut key = String::with_capacity(decoded.len());
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(BadPath("`..` in the path")),
            _ => {
                if !key.is_empty() {
                    key.push('/');
                }
                key.push_str(segment);
            }
        }
    }
    if decoded.ends_with('/') && !key.is_empty() {
        key.push('/');
    }
    Ok(Cow::Owned(key))
}

impl FileCache {
    /// A cache for `root`, which must exist (it is canonicalized once, here).
    pub(crate) fn new(root: &Path, options: StaticOptions) -> std::io::Result<Self> {
        let root = root.canonicalize().map_err(|err| {
            std::io::Error::new(
                err.kind(),
                format!("document root {}: {err}", root.display()),
            )
        })?;
        let cache_control = (!options.cache_control.is_empty())
            .then(|| HeaderValue::from_str(&options.cache_control))
            .transpose()
            .map_err(|_| std::io::Error::other("cache_control is not a valid header value"))?;
        Ok(FileCache {
            root,
            options,
            cache_control,
            entries: RwLock::new(HashMap::new()),
            cached_bytes: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Finds what `key` (from [`request_key`]) names: from memory when fresh, else from disk.
    pub(crate) async fn find(self: &Arc<Self>, key: &str) -> Lookup {
        let cached = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        if let Some(entry) = &cached {
            let age = self
                .now_ms()
                .saturating_sub(entry.checked_ms.load(Ordering::Relaxed));
            if u128::from(age) < self.options.revalidate_after.as_millis() {
                return Lookup::File(entry.clone());
            }
        }
        let cache = self.clone();
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || cache.load(&key, cached))
            .await
            .unwrap_or(Lookup::NotFound)
    }

    /// The file system part: resolve, check, read. Runs on the blocking pool.
    fn load(&self, key: &str, stale: Option<Arc<CachedFile>>) -> Lookup {
        let found = self.resolve(key);
        let (path, meta) = match found {
            Ok(found) => found,
            Err(other) => {
                if stale.is_some() {
                    self.forget(key);
                }
                return other;
            }
        };
        let mtime = meta.modified().unwrap_or(UNIX_EPOCH);
        if let Some(stale) = stale
            && stale.path == path
            && stale.len == meta.len()
            && stale.mtime == mtime
        {
            stale.checked_ms.store(self.now_ms(), Ordering::Relaxed);
            return Lookup::File(stale);
        }
        match self.read_entry(path, meta.len(), mtime) {
            Ok(entry) => {
                let entry = Arc::new(entry);
                self.remember(key, entry.clone());
                Lookup::File(entry)
            }
            Err(_) => Lookup::NotFound,
        }
    }

    /// The canonical file a key names, inside the root, or why not.
    fn resolve(&self, key: &str) -> Result<(PathBuf, std::fs::Metadata), Lookup> {
        let wants_directory = key.is_empty() || key.ends_with('/');
        let inside = |path: &Path| -> Result<(PathBuf, std::fs::Metadata), Lookup> {
            // canonicalize resolves every symlink: a link pointing outside the root ends here.
            let canonical = path.canonicalize().map_err(|_| Lookup::NotFound)?;
            if !canonical.starts_with(&self.root) {
                return Err(Lookup::NotFound);
            }
            let meta = std::fs::metadata(&canonical).map_err(|_| Lookup::NotFound)?;
            Ok((canonical, meta))
        };
        let (path, meta) = inside(&self.root.join(key.trim_end_matches('/')))?;
        if meta.is_dir() {
            if !wants_directory {
                return Err(Lookup::Directory);
            }
            let (index, meta) = inside(&path.join("index.html"))?;
            return if meta.is_file() {
                Ok((index, meta))
            } else {
                Err(Lookup::NotFound)
            };
        }
        if wants_directory || !meta.is_file() {
            return Err(Lookup::NotFound);
        }
        Ok((path, meta))
    }

    fn read_entry(
        &self,
        path: PathBuf,
        len: u64,
        mtime: SystemTime,
    ) -> std::io::Result<CachedFile> {
        let since_epoch = mtime.duration_since(UNIX_EPOCH).unwrap_or_default();
        let tag = format!("{:x}-{:x}", since_epoch.as_nanos(), len);
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("hex digits and dashes")
        };
        let small = len <= self.options.cache_max_file_bytes;
        let identity_bytes = if small {
            let mut content = Vec::with_capacity(len as usize);
            std::fs::File::open(&path)?.read_to_end(&mut content)?;
            Some(Bytes::from(content))
        } else {
            None
        };
        let mime = mime_guess::from_path(&path).first_raw();
        let compressible = mime.is_some_and(is_compressible);
        let content_type = match mime {
            Some(mime) if mime.starts_with("text/") || mime == "application/javascript" => {
                HeaderValue::from_str(&format!("{mime}; charset=utf-8"))
            }
            Some(mime) => HeaderValue::from_str(mime),
            None => Ok(HeaderValue::from_static("application/octet-stream")),
        }
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        let sibling = |extension: &str, suffix: &str| -> Option<Representation> {
            let mut name = path.clone().into_os_string();
            name.push(extension);
            let (sibling, meta) = self.resolve_sibling(Path::new(&name))?;
            let bytes = if meta.len() <= self.options.cache_max_file_bytes {
                Some(Bytes::from(std::fs::read(&sibling).ok()?))
            } else {
                None
            };
            Some(Representation::new(
                etag(suffix),
                bytes.as_ref().map_or(meta.len(), |b| b.len() as u64),
                bytes,
                sibling,
            ))
        };
        let brotli = sibling(".br", "-br");
        let mut gzip = sibling(".gz", "-gzip");
        if gzip.is_none()
            && self.options.gzip
            && compressible
            && len >= GZIP_MIN_BYTES
            && let Some(content) = &identity_bytes
        {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(content)?;
            let compressed = encoder.finish()?;
            if compressed.len() < content.len() {
                gzip = Some(Representation::new(
                    etag("-gzip"),
                    compressed.len() as u64,
                    Some(Bytes::from(compressed)),
                    path.clone(),
                ));
            }
        }
        let relative = path
            .strip_prefix(&self.root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        Ok(CachedFile {
            relative,
            len,
            mtime,
            modified_secs: since_epoch.as_secs(),
            content_type,
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(mtime))
                .expect("an HTTP date is a valid header"),
            identity: Representation::new(etag(""), len, identity_bytes, path.clone()),
            gzip,
            brotli,
            path,
            checked_ms: AtomicU64::new(self.now_ms()),
        })
    }

    fn resolve_sibling(&self, path: &Path) -> Option<(PathBuf, std::fs::Metadata)> {
        let canonical = path.canonicalize().ok()?;
        let meta = std::fs::metadata(&canonical).ok()?;
        (canonical.starts_with(&self.root) && meta.is_file()).then_some((canonical, meta))
    }

    fn remember(&self, key: &str, entry: Arc<CachedFile>) {
        let size = entry.memory();
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = entries.insert(key.into(), entry) {
            self.cached_bytes.fetch_sub(old.memory(), Ordering::Relaxed);
        }
        let total = self.cached_bytes.fetch_add(size, Ordering::Relaxed) + size;
        if total > self.options.cache_max_bytes {
            // Over budget: drop other entries (in hash order, so effectively at random) until
            // under; a dropped file is read again on its next request.
            let victims: Vec<Box<str>> = entries.keys().filter(|k| &***k != key).cloned().collect();
            for victim in victims {
                if self.cached_bytes.load(Ordering::Relaxed) <= self.options.cache_max_bytes {
                    break;
                }
                if let Some(old) = entries.remove(&victim) {
                    self.cached_bytes.fetch_sub(old.memory(), Ordering::Relaxed);
                }
            }
        }
    }

    fn forget(&self, key: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = entries.remove(key) {
            self.cached_bytes.fetch_sub(old.memory(), Ordering::Relaxed);
        }
    }

    /// The answer for a GET or HEAD of `file`.
    /// `register` is given each file mapped for sendfile, for the connection's writer.
    pub(crate) fn answer(
        &self,
        file: &CachedFile,
        method: &Method,
        headers: &HeaderMap,
        sent: Sent,
        register: impl FnOnce(&Arc<MappedFile>),
    ) -> Response<Body> {
        let head = method == Method::HEAD;
        let range = headers.get(header::RANGE);
        // A range is served from the identity bytes only, so its offsets mean the file's.
        let (representation, encoding) = if range.is_some() {
            (&file.identity, None)
        } else {
            let accept = headers.get(header::ACCEPT_ENCODING);
            match (&file.brotli, &file.gzip) {
                (Some(br), _) if accepts(accept, "br") => (br, Some("br")),
                (_, Some(gz)) if accepts(accept, "gzip") => (gz, Some("gzip")),
                _ => (&file.identity, None),
            }
        };
        let mut response = Response::new(Body::empty());
        if sent.http2 || sent.hsts {
            // Room for every field the response gets, here and after (Strict-Transport-Security
            // from the handler, Date from hyper's h2): the map grew, rehashing, at its seventh.
            // Plain HTTP/1.1 stays within the six of a map's first allocation.
            *response.headers_mut() = HeaderMap::with_capacity(RESPONSE_FIELDS);
        }
        let out = response.headers_mut();
        out.insert(header::ETAG, representation.etag.clone());
        out.insert(header::LAST_MODIFIED, file.last_modified.clone());
        if let Some(cache_control) = &self.cache_control {
            out.insert(header::CACHE_CONTROL, cache_control.clone());
        }
        if file.gzip.is_some() || file.brotli.is_some() {
            out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }

        // RFC 9110 §13.2.2: If-Match, then If-None-Match (or If-Modified-Since without it).
        if let Some(if_match) = headers.get(header::IF_MATCH)
            && !etag_listed(if_match, &representation.etag, false)
        {
            *response.status_mut() = StatusCode::PRECONDITION_FAILED;
            return response;
        }
        let not_modified = match headers.get(header::IF_NONE_MATCH) {
            Some(if_none_match) => etag_listed(if_none_match, &representation.etag, true),
            None => headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| httpdate::parse_http_date(v.to_str().ok()?).ok())
                .and_then(|since| since.duration_since(UNIX_EPOCH).ok())
                .is_some_and(|since| file.modified_secs <= since.as_secs()),
        };
        if not_modified {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return response;
        }

        out.insert(header::CONTENT_TYPE, file.content_type.clone());
        if let Some(encoding) = encoding {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        } else {
            out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        }
        let mut span = 0..representation.len;
        if let Some(range) = range
            && method == Method::GET
            && if_range_holds(headers.get(header::IF_RANGE), file)
        {
            match parse_range(range, file.len) {
                RangeRequest::Ignore => {}
                RangeRequest::Unsatisfiable => {
                    *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
                    let out = response.headers_mut();
                    out.remove(header::CONTENT_TYPE);
                    out.insert(
                        header::CONTENT_RANGE,
                        HeaderValue::from_str(&format!("bytes */{}", file.len)).expect("digits"),
                    );
                    return response;
                }
                RangeRequest::Satisfiable(first, last) => {
                    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
                    response.headers_mut().insert(
                        header::CONTENT_RANGE,
                        HeaderValue::from_str(&format!("bytes {first}-{last}/{}", file.len))
                            .expect("digits"),
                    );
                    span = first..last + 1;
                }
            }
        }
        if head || sent.http2 {
            // hyper's h1 writes a body's length itself, but h2 formats it into a new header
            // value per response: the cached one is used instead.
            let length = if span == (0..representation.len) {
                representation.content_length.clone()
            } else {
                HeaderValue::from(span.end - span.start)
            };
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, length);
        }
        if head {
            return response;
        }
        *response.body_mut() = match &representation.bytes {
            Some(bytes) => Body::full(bytes.slice(span.start as usize..span.end as usize)),
            None => {
                let mapped = self.options.sendfile.then(|| {
                    std::fs::File::open(&representation.path)
                        .and_then(|f| MappedFile::map(f, representation.len))
                });
                match mapped {
                    Some(Ok(mapped)) => {
                        register(&mapped);
                        Body::full(mapped.bytes(span.start as usize, span.end as usize))
                    }
                    _ => stream_file(
                        representation.path.clone(),
                        span.start,
                        span.end - span.start,
                    ),
                }
            }
        };
        response
    }
}

impl CachedFile {
    fn memory(&self) -> u64 {
        [
            Some(&self.identity),
            self.gzip.as_ref(),
            self.brotli.as_ref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|r| r.bytes.as_ref())
        .map(|b| b.len() as u64)
        .sum()
    }
}

/// Streams `len` bytes of `path` from `offset`: one blocking task reads large chunks ahead into
/// a channel of two, so a slow client holds at most ~0.75 MiB and one pool thread.
fn stream_file(path: PathBuf, offset: u64, len: u64) -> Body {
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(err) => {
                let _ = sender.blocking_send(Err(err));
                return;
            }
        };
        if let Err(err) = file.seek(SeekFrom::Start(offset)) {
            let _ = sender.blocking_send(Err(err));
            return;
        }
        let mut left = len;
        while left > 0 {
            let want = left.min(STREAM_CHUNK as u64);
            // Read into uninitialised capacity: zeroing 256 KiB first would be a third pass
            // over every byte (read copies once, the socket write once more).
            let mut chunk = Vec::with_capacity(want as usize);
            if let Err(err) = (&mut file).take(want).read_to_end(&mut chunk) {
                let _ = sender.blocking_send(Err(err));
                return;
            }
            if chunk.is_empty() {
                return; // shorter than announced: the body reports it
            }
            left -= chunk.len() as u64;
            if sender.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                return; // the client went away
            }
        }
    });
    Body::chunks(receiver, len)
}

fn is_compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/javascript"
                | "application/json"
                | "application/xml"
                | "application/wasm"
                | "image/svg+xml"
        )
}

/// Whether an Accept-Encoding header allows `coding` (RFC 9110 §12.5.3: q=0 means no; `*`
/// stands for codings not named).
fn accepts(header: Option<&HeaderValue>, coding: &str) -> bool {
    let Some(text) = header.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let mut star = None;
    for item in text.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q > 0.0;
        }
        if name == "*" {
            star = Some(q > 0.0);
        }
    }
    star.unwrap_or(false)
}

/// Whether `etag` is in an If-Match / If-None-Match list (`*` matches anything). If-None-Match
/// compares weakly (a `W/` prefix is ignored), If-Match strongly (RFC 9110 §8.8.3.2).
fn etag_listed(list: &HeaderValue, etag: &HeaderValue, weak: bool) -> bool {
    let list = list.as_bytes();
    let etag = etag.as_bytes();
    if list == etag {
        return true;
    }
    list.split(|&b| b == b',').any(|item| {
        let item = item.trim_ascii();
        if item == b"*" {
            return true;
        }
        match item.strip_prefix(b"W/") {
            Some(tag) => weak && tag == etag,
            None => item == etag,
        }
    })
}

/// If-Range (RFC 9110 §13.1.5): the range applies only if the validator still holds.
fn if_range_holds(if_range: Option<&HeaderValue>, file: &CachedFile) -> bool {
    match if_range {
        None => true,
        Some(value) if value.as_bytes().starts_with(b"\"") => value == file.identity.etag,
        Some(value) if value.as_bytes().starts_with(b"W/") => false,
        Some(value) => value == file.last_modified,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// Not a single byte range we serve: answer the whole file (RFC 9110 §14.2 allows it).
    Ignore,
    Unsatisfiable,
    /// First and last byte, inclusive.
    Satisfiable(u64, u64),
}

fn parse_range(value: &HeaderValue, len: u64) -> RangeRequest {
    let Some(spec) = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return RangeRequest::Ignore;
    };
    if spec.contains(',') {
        return RangeRequest::Ignore; // several ranges: the whole file is simpler and allowed
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Ignore;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => RangeRequest::Ignore,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Satisfiable(len.saturating_sub(n), len - 1),
        },
        (first, last) => {
            let Some(first) = number(first) else {
                return RangeRequest::Ignore;
            };
            let last = match last {
                "" => len.saturating_sub(1),
                last => match number(last) {
                    Some(last) if last >= first => last.min(len.saturating_sub(1)),
                    _ => return RangeRequest::Ignore,
                },
            };
            if first >= len {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Satisfiable(first, last)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_decoded_and_traversal_refused() {
        assert_eq!(request_key("/").unwrap(), "");
        assert_eq!(request_key("/a/b.html").unwrap(), "a/b.html");
        assert_eq!(request_key("/dir/").unwrap(), "dir/");
        assert_eq!(request_key("//a/./b//").unwrap(), "a/b/");
        assert_eq!(request_key("/caf%C3%A9.txt").unwrap(), "café.txt");
        assert_eq!(request_key("/%252e%252e/x").unwrap(), "%2e%2e/x");
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2E/x",
            "/.%2e/x",
            "/a%2f..%2fb",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/a%00.html",
            "/%ff",
            "*",
        ] {
            assert!(request_key(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn ranges() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(
            parse_range(&v("bytes=0-9"), 100),
            RangeRequest::Satisfiable(0, 9)
        );
        assert_eq!(
            parse_range(&v("bytes=90-"), 100),
            RangeRequest::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range(&v("bytes=-10"), 100),
            RangeRequest::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range(&v("bytes=-1000"), 100),
            RangeRequest::Satisfiable(0, 99)
        );
        assert_eq!(
            parse_range(&v("bytes=50-1000"), 100),
            RangeRequest::Satisfiable(50, 99)
        );
        assert_eq!(
            parse_range(&v("bytes=100-"), 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            parse_range(&v("bytes=-0"), 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(parse_range(&v("bytes=9-1"), 100), RangeRequest::Ignore);
        assert_eq!(parse_range(&v("bytes=0-1,5-6"), 100), RangeRequest::Ignore);
        assert_eq!(parse_range(&v("items=0-1"), 100), RangeRequest::Ignore);
    }

    #[test]
    fn accept_encoding() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert!(accepts(Some(&v("gzip, deflate, br")), "br"));
        assert!(accepts(Some(&v("gzip;q=0.5")), "gzip"));
        assert!(!accepts(Some(&v("gzip;q=0")), "gzip"));
        assert!(accepts(Some(&v("*")), "gzip"));
        assert!(!accepts(Some(&v("*, gzip;q=0")), "gzip"));
        assert!(!accepts(None, "gzip"));
    }
}
