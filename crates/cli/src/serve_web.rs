//! `roundtrip serve web`: the web server (crate `web`) as a long-running service. Flags are
//! laid over the config file (flags win), the runtime is built here, and Ctrl-C or SIGTERM
//! shuts the server down gracefully (in-flight requests finish, the access log is flushed).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use text::{Lang, t};

/// The web server's flags (DESIGN.md's command-line contract).
#[derive(clap::Args, Debug)]
pub struct WebArgs {
    /// Address and port to listen on, e.g. 127.0.0.80:8080.
    #[arg(long)]
    pub listen: SocketAddr,
    /// The document root: static files are served from here.
    #[arg(long)]
    pub root: PathBuf,
    /// Proxy a path prefix to an upstream: `PATH_PREFIX=http://HOST:PORT`. Repeatable; the same
    /// prefix given twice balances over both upstreams.
    #[arg(long = "proxy")]
    pub proxies: Vec<String>,
    /// HTTPS: the certificate chain (PEM, leaf first); needs --tls-key. TLS 1.3 and 1.2, and
    /// HTTP/2 when the client's ALPN chooses it.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS: the certificate's private key (PEM); needs --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// A TOML config (virtual hosts, redirects, limits); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seconds a client has to send a whole request head (slowloris guard): 408 after.
    #[arg(long)]
    pub header_timeout: Option<f64>,
    /// The largest request head, in bytes: 431 above.
    #[arg(long)]
    pub max_header_bytes: Option<usize>,
    /// The largest request body, in bytes: 413 above.
    #[arg(long)]
    pub max_body_bytes: Option<u64>,
    /// Seconds an upstream has to answer a proxied request: 504 after.
    #[arg(long)]
    pub upstream_timeout: Option<f64>,
    /// Runtime threads (0 = one per core; 1 = a single-threaded runtime, the cheapest per
    /// request when the server is pinned to one core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// The access log: `off`, `stderr` or a file (default: the config's, else stderr).
    #[arg(long)]
    pub access_log: Option<String>,
}

pub fn run(args: WebArgs, lang: Lang) -> anyhow::Result<u8> {
    quiet_tracing();
    let mut config = match &args.config {
        Some(path) => match web::WebConfig::load_toml(path) {
            Ok(config) => config,
            Err(err) => {
                let error = crate::reasons::web_config(lang, &err);
                eprintln!("roundtrip: {}", t!(lang, "serve-bad-config", error = error));
                return Ok(1);
            }
        },
        None => {
            let mut config = web::WebConfig::new(&args.root);
            config.access_log = web::AccessLog::Stderr;
            config
        }
    };
    config.root = args.root.clone();
    for spec in &args.proxies {
        match web::parse_proxy_spec(spec) {
            Ok((prefix, upstream)) => web::add_proxy(&mut config.proxies, &prefix, upstream),
            Err(problem) => {
                let why = problem.describe(lang);
                eprintln!("roundtrip: {}", t!(lang, "serve-bad-proxy", why = why));
                return Ok(2);
            }
        }
    }
    for (flag, value, limit) in [
        (
            "header-timeout",
            args.header_timeout,
            &mut config.limits.header_timeout,
        ),
        (
            "upstream-timeout",
            args.upstream_timeout,
            &mut config.limits.upstream_timeout,
        ),
    ] {
        let Some(value) = value else { continue };
        match web::seconds(value) {
            Ok(seconds) => *limit = seconds,
            Err(_) => {
                let value = value.to_string();
                eprintln!(
                    "roundtrip: {}",
                    t!(lang, "serve-bad-seconds", flag = flag, value = value)
                );
                return Ok(1);
            }
        }
    }
    if let Some(value) = args.max_header_bytes {
        if value < 1024 {
            eprintln!("roundtrip: {}", t!(lang, "serve-max-header-bytes"));
            return Ok(1);
        }
        config.limits.max_header_bytes = value;
    }
    if let Some(value) = args.max_body_bytes {
        config.limits.max_body_bytes = value;
    }
    if let Some(value) = args.workers {
        config.workers = value;
    }
    if let Some(log) = &args.access_log {
        config.access_log = match log.as_str() {
            "off" => web::AccessLog::Off,
            "stderr" => web::AccessLog::Stderr,
            file => web::AccessLog::File(PathBuf::from(file)),
        };
    }

    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        match web::TlsIdentity::from_pem_files(cert, key) {
            Ok(identity) => config.tls = Some(identity),
            Err(err) => {
                let error = crate::reasons::tls_file(lang, &err);
                eprintln!("roundtrip: {}", t!(lang, "serve-bad-tls", error = error));
                return Ok(1);
            }
        }
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };

    let workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let runtime = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?
    };
    let listener = match std::net::TcpListener::bind(args.listen) {
        Ok(listener) => listener,
        Err(err) => {
            crate::serve::cannot_bind(lang, "TCP", args.listen, &err);
            return Ok(1);
        }
    };
    runtime.block_on(async move {
        let server = match web::spawn(listener, config, Arc::new(journey::Silent)).await {
            Ok(server) => server,
            // English as it has always been said.
            Err(err) if lang == Lang::En => return Err(err.into()),
            Err(err) => {
                let error = err.describe(lang);
                eprintln!(
                    "roundtrip: {}",
                    t!(lang, "serve-web-cannot-start", error = error)
                );
                return Ok(1);
            }
        };
        // Listening before saying where it serves: a script may signal right after.
        let mut stop = lab::StopSignals::listen()?;
        eprintln!(
            "{}",
            t!(
                lang,
                "serve-web-serving",
                root = args.root.display().to_string(),
                url = format!("{scheme}://{}", server.local_addr()),
                workers = workers
            )
        );
        stop.arrived().await;
        eprintln!("{}", t!(lang, "serve-web-stopping"));
        server.shutdown().await;
        anyhow::Ok(0)
    })
}

/// The web server prints nothing through `tracing`, but hyper's h2 opens a `trace_span!` around
/// every frame it reads, buffers and flushes. With no subscriber installed, and `tracing`'s `log`
/// feature on in this binary (sqlx turns it on), every one of those spans is kept alive for `log`
/// and its creation, entry, exit and drop each ask `log` whether it is enabled: about 6,500
/// instructions per HTTP/2 request (11% of them, callgrind; bench/RESULTS.md, 2026-12-02 h2cpu).
/// A subscriber that takes nothing, and says so with its level (OFF), ends that at the first
/// check of each span or event; what is printed does not change (nothing was, there being no
/// logger either).
fn quiet_tracing() {
    let _ = tracing::dispatcher::set_global_default(tracing::Dispatch::new(Off));
}

/// A `tracing` subscriber that is interested in nothing.
struct Off;

impl tracing::Subscriber for Off {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::never()
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::OFF)
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        // Never called: no span is enabled.
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
