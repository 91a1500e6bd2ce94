//! What every case needs: a running WAS on the test's loopback block, its database (a SQLite
//! file in a temporary directory, or a throwaway PostgreSQL cluster) that a case can make
//! unavailable and available again, the journey events it reported, and a raw HTTP/1.1
//! client that shows the bytes as they came (no client library to normalise them).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use test_support::LoopbackBlock;
use test_support::pg::PgCluster;

/// The database under a test's WAS.
pub enum Db {
    /// `dir/data/was.db`; "unavailable" renames `dir/data` away, so the file cannot be opened.
    Sqlite {
        dir: PathBuf,
    },
    Postgres(PgCluster),
}

impl Db {
    pub fn sqlite(block: &LoopbackBlock) -> Db {
        let dir = std::env::temp_dir().join(format!(
            "roundtrip-was-{}-{}-{}",
            block.ip(1),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        Db::Sqlite { dir }
    }

    /// `None` (after a loud SKIPPED line) when PostgreSQL is not installed.
    pub fn postgres(block: &LoopbackBlock) -> Option<Db> {
        PgCluster::start(block.addr(5, 5432)).map(Db::Postgres)
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite { dir } => format!("sqlite://{}", dir.join("data/was.db").display()),
            Db::Postgres(cluster) => cluster.url(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Takes the database away: the SQLite file's directory is renamed (the file can no longer
    /// be opened at its path), the PostgreSQL server is stopped.
    pub fn make_unavailable(&mut self) {
        match self {
            Db::Sqlite { dir } => std::fs::rename(dir.join("data"), dir.join("data.away")).unwrap(),
            Db::Postgres(cluster) => cluster.stop(),
        }
    }

    pub fn make_available(&mut self) {
        match self {
            Db::Sqlite { dir } => std::fs::rename(dir.join("data.away"), dir.join("data")).unwrap(),
            Db::Postgres(cluster) => cluster.start_again(),
        }
    }

    /// For a case that starts the WAS before the database exists.
    pub fn remove_sqlite_dir(&self) {
        if let Db::Sqlite { dir } = self {
            std::fs::remove_dir_all(dir.join("data")).unwrap();
        }
    }

    pub fn create_sqlite_dir(&self) {
        if let Db::Sqlite { dir } = self {
            std::fs::create_dir_all(dir.join("data")).unwrap();
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Sqlite { dir } = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A WAS running on a runtime of its own, so that the test's blocking client never stalls it.
pub struct TestWas {
    pub runtime: tokio::runtime::Runtime,
    running: Option<was::RunningWas>,
    pub addr: SocketAddr,
    pub events: Arc<journey::Collector>,
}

impl TestWas {
    pub fn start(addr: SocketAddr, db_url: &str) -> TestWas {
        TestWas::start_with(addr, was::WasConfig::new(db_url))
    }

    pub fn start_with(addr: SocketAddr, config: was::WasConfig) -> TestWas {
        // The server's log, shown with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_max_level(tracing::Level::INFO)
            .try_init();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let events = Arc::new(journey::Collector::default());
        let listener = std::net::TcpListener::bind(addr).unwrap();
        let running = runtime
            .block_on(was::spawn(listener, config, events.clone()))
            .unwrap();
        TestWas {
            runtime,
            addr: running.local_addr(),
            running: Some(running),
            events,
        }
    }
}

impl Drop for TestWas {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.shutdown());
        }
    }
}

/// One test's world: its block, its database, its WAS.
pub struct Env {
    pub db: Db,
    pub was: TestWas,
    /// Held so that no other test claims the addresses while this one runs.
    _block: LoopbackBlock,
}

impl Env {
    pub fn start(block: LoopbackBlock, db: Db) -> Env {
        let was = TestWas::start(block.addr(81, 8080), &db.url());
        Env {
            db,
            was,
            _block: block,
        }
    }

    pub fn get(&self, target: &str) -> Reply {
        get(self.was.addr, target)
    }

    pub fn post(&self, content_type: &str, body: &[u8]) -> Reply {
        post(self.was.addr, "/documents", content_type, body)
    }
}

/// A response as it came off the socket.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body: String = self.body.chars().take(2000).collect();
        write!(f, "{}\n{}", self.head, body)
    }
}

/// Sends `request` as it is on a new connection and reads one response (test-support's raw
/// client: no client library normalises anything).
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let response = test_support::http::raw_request(addr, request)
        .unwrap_or_else(|err| panic!("exchange with {addr}: {err}"));
    Reply::from(response)
}

impl From<test_support::http::RawResponse> for Reply {
    fn from(response: test_support::http::RawResponse) -> Reply {
        Reply {
            status: response.status,
            body: response.text(),
            head: response.head,
        }
    }
}

pub fn get(addr: SocketAddr, target: &str) -> Reply {
    exchange(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: www.google.com\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
}

pub fn post(addr: SocketAddr, target: &str, content_type: &str, body: &[u8]) -> Reply {
    let mut request = format!(
        "POST {target} HTTP/1.1\r\nHost: www.google.com\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    exchange(addr, &request)
}
