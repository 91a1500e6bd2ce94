//! The database layer: one sqlx `Any` pool over SQLite or PostgreSQL, the database's health,
//! and every statement the app runs, each timed and reported as a journey `SqlRan` event.
//!
//! Health is a small state machine, `down -> up -> down -> ...`:
//!
//! ```text
//!             start (one attempt)           a statement or a checkout ping fails because the
//!   [down] ───────────────────────> [up] ── database is gone (file missing, connection lost,
//!     ^                                       server refusing, pool timed out) ──> [down]
//!     │  supervisor: connect, migrate, seed, renew the pool      (handlers: 503 at once)
//!     └───────── retries with backoff (100 ms .. 2 s) until it succeeds
//! ```
//!
//! Handlers never wait for a database that is known to be down: they get
//! [`DbError::Unavailable`] without touching the pool, and only the supervisor probes. A
//! request already waiting for a connection when the database is found down (by the checkout
//! test of another connection) stops waiting at that moment too.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Row};

use crate::{DbUrlProblem, WasConfig, WasError};

/// Which database the server runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbKind {
    /// A SQLite file.
    Sqlite {
        /// The file, as given in the URL.
        path: PathBuf,
    },
    /// A PostgreSQL server.
    Postgres,
}

impl DbKind {
    /// `sqlite` or `postgres`, as the journey names it.
    pub fn name(&self) -> &'static str {
        match self {
            DbKind::Sqlite { .. } => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }
}

/// The time one request spent in the database, summed over its statements.
#[derive(Debug, Default)]
pub(crate) struct RequestClock {
    db_nanos: AtomicU64,
}

impl RequestClock {
    fn add(&self, spent: Duration) {
        self.db_nanos
            .fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
    }

    pub(crate) fn db_time(&self) -> Duration {
        Duration::from_nanos(self.db_nanos.load(Ordering::Relaxed))
    }
}

/// Why a database call failed, as the handler needs to know it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// The database cannot be reached (or is busy): 503, try again later.
    #[error("the database is unavailable")]
    Unavailable,
    /// The statement failed for another reason: a bug or a broken database, 500.
    #[error("statement failed: {0}")]
    Failed(#[source] sqlx::Error),
}

/// A search hit: the document, its rank, and a snippet whose highlighted words are marked.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Hit {
    pub id: i64,
    pub title: String,
    pub snippet: Vec<Segment>,
    pub score: f64,
}

/// A piece of a snippet: text, highlighted or not. The template escapes each piece.
#[derive(Debug, serde::Serialize, PartialEq)]
pub(crate) struct Segment {
    pub text: String,
    pub mark: bool,
}

/// A stored document.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Document {
    pub id: i64,
    pub title: String,
    pub body: String,
}

// The two private-use characters that bracket a highlighted word in a snippet: the database
// puts them in, `split_snippet` takes them out, so no markup ever travels inside the text.
const MARK_START: char = '\u{E000}';
const MARK_END: char = '\u{E001}';

/// The SQL that differs between SQLite and PostgreSQL: full-text search and nothing else.
pub(crate) struct Dialect {
    /// How a person's query becomes the search statement's `$1`.
    query_syntax: QuerySyntax,
    /// `$1` the full-text query (as `search_argument` made it), `$2` the row limit.
    /// Returns `id`, `title`, `snippet` (with MARK_START/END) and `score` (higher is better).
    search: &'static str,
    migrations: &'static [(i64, &'static str, &'static str)],
    /// Run once after the seed corpus is loaded.
    after_seed: &'static str,
    /// How a transaction that writes begins.
    begin_write: &'static str,
}

/// What the full-text engine accepts as a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuerySyntax {
    /// FTS5's MATCH expression language, in which much of what people type is a syntax error.
    Fts5,
    /// `websearch_to_tsquery`, made for text as people type it.
    WebSearch,
}

const SQLITE: Dialect = Dialect {
    query_syntax: QuerySyntax::Fts5,
    // A deferred BEGIN starts as a reader; in WAL mode its upgrade to writer fails at once
    // with SQLITE_BUSY (no busy wait) when another connection committed in between, which
    // concurrent POSTs do. IMMEDIATE takes the write lock up front, waiting busy_timeout.
    begin_write: "BEGIN IMMEDIATE",
    // bm25() is lower-is-better and weighs the title 10x the body; negated into a score.
    search: "SELECT d.id, d.title, \
             snippet(documents_fts, 1, char(57344), char(57345), '…', 24) AS snippet, \
             -bm25(documents_fts, 10.0, 1.0) AS score \
             FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid \
             WHERE documents_fts MATCH $1 ORDER BY score DESC, d.id LIMIT $2",
    migrations: &[(
        1,
        "documents",
        include_str!("../migrations/sqlite/0001_documents.sql"),
    )],
    // Three hundred single-row inserts leave the FTS5 index in many small segments, which
    // every query then merges on the fly: merged once into one, searches spend less time.
    after_seed: "INSERT INTO documents_fts (documents_fts) VALUES ('optimize')",
};

const POSTGRES: Dialect = Dialect {
    query_syntax: QuerySyntax::WebSearch,
    begin_write: "BEGIN",
    // websearch_to_tsquery accepts anything a person types (quotes, OR, -word) without a
    // syntax error; ts_rank is cast because the Any driver maps float8, not float4.
    search: "SELECT d.id, d.title, \
             ts_headline('english', d.body, q, 'StartSel=' || chr(57344) || ', StopSel=' || \
               chr(57345) || ', MaxWords=35, MinWords=15, MaxFragments=2, \
               FragmentDelimiter=\" … \"') AS snippet, \
             ts_rank(d.search, q)::float8 AS score \
             FROM documents d, websearch_to_tsquery('english', $1) AS q \
             WHERE d.search @@ q ORDER BY score DESC, d.id LIMIT $2",
    migrations: &[(
        1,
        "documents",
        include_str!("../migrations/postgres/0001_documents.sql"),
    )],
    // Statistics for the planner, so that it uses the GIN index from the first query on.
    after_seed: "ANALYZE documents",
};

impl Dialect {
    fn of(kind: &DbKind) -> &'static Dialect {
        match kind {
            DbKind::Sqlite { .. } => &SQLITE,
            DbKind::Postgres => &POSTGRES,
        }
    }

    /// The text bound to `$1` of `search`, or `None` when the query has nothing to look for.
    /// FTS5's MATCH has its own syntax (quotes, AND, NEAR, column filters) in which a person's
    /// typing is often an error, so each word becomes a quoted phrase, all of them required.
    fn search_argument(&self, query: &str) -> Option<String> {
        let words: Vec<&str> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        if words.is_empty() {
            return None;
        }
        if self.query_syntax == QuerySyntax::WebSearch {
            return Some(query.to_owned());
        }
        Some(
            words
                .iter()
                .map(|word| format!("\"{word}\""))
                .collect::<Vec<_>>()
                .join(" "),
        )
    }
}

const INSERT_DOCUMENT: &str = "INSERT INTO documents (title, body) VALUES ($1, $2) RETURNING id";
const SELECT_DOCUMENT: &str = "SELECT id, title, body FROM documents WHERE id = $1";
const COUNT_DOCUMENTS: &str = "SELECT COUNT(*) AS n FROM documents";
const SELECT_SEEDED: &str = "SELECT value FROM was_meta WHERE key = 'seeded'";
const INSERT_SEEDED: &str = "INSERT INTO was_meta (key, value) VALUES ('seeded', $1)";

/// Whether the database answers, shared with the pool's checkout hook.
struct Health {
    /// `true` while up; a watch, so that requests waiting for a connection see it go down.
    up: tokio::sync::watch::Sender<bool>,
    /// Wakes the supervisor when the database goes down.
    wake: tokio::sync::Notify,
    kind: &'static str,
}

impl Health {
    fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Marks the database down and wakes the supervisor (once per outage).
    fn mark_down(&self, why: &dyn std::fmt::Display) {
        if self.up.send_replace(false) {
            tracing::warn!(database = self.kind, "database down: {why}");
            self.wake.notify_one();
        }
    }

    fn mark_up(&self) {
        self.up.send_replace(true);
    }

    /// Resolves when the database is (or goes) down.
    async fn down(&self) {
        let mut up = self.up.subscribe();
        let _ = up.wait_for(|up| !*up).await;
    }
}

/// The database, its pool and its health.
pub(crate) struct Database {
    kind: DbKind,
    dialect: &'static Dialect,
    /// Replaced by a fresh one each time the database comes back (see `renew_pool`).
    pool: std::sync::RwLock<AnyPool>,
    new_pool: Box<dyn Fn() -> AnyPool + Send + Sync>,
    /// Where the supervisor connects: for SQLite the same file, but allowed to create it.
    setup_options: AnyConnectOptions,
    health: Arc<Health>,
    supervisor: Mutex<Option<tokio::task::JoinHandle<()>>>,
    reporter: Arc<dyn journey::Reporter>,
    host: journey::Host,
}

impl Database {
    /// Parses the URL and makes a lazy pool: nothing is connected yet.
    pub(crate) fn open(
        config: &WasConfig,
        reporter: Arc<dyn journey::Reporter>,
        host: journey::Host,
    ) -> Result<Database, WasError> {
        sqlx::any::install_default_drivers();
        let url = config.db_url.trim();
        let bad = |reason: DbUrlProblem| WasError::BadDbUrl {
            url: config.db_url.clone(),
            reason,
        };
        let (kind, pool_url, setup_url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split(['?', '#']).next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(bad(DbUrlProblem::SqliteNeedsFile));
            }
            let encoded = percent_encoding::utf8_percent_encode(path, PATH_SPECIALS);
            // The pool never creates the file: a database file that vanished must give 503,
            // not a new empty database. Only the supervisor creates it, then migrates it.
            (
                DbKind::Sqlite {
                    path: PathBuf::from(path),
                },
                format!("sqlite://{encoded}?mode=rw"),
                format!("sqlite://{encoded}?mode=rwc"),
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (DbKind::Postgres, url.to_owned(), url.to_owned())
        } else {
            return Err(bad(DbUrlProblem::UnknownScheme));
        };
        let pool_options: AnyConnectOptions = pool_url
            .parse()
            .map_err(|err: sqlx::Error| bad(DbUrlProblem::Driver(err.to_string())))?;
        let setup_options: AnyConnectOptions = setup_url
            .parse()
            .map_err(|err: sqlx::Error| bad(DbUrlProblem::Driver(err.to_string())))?;

        let health = Arc::new(Health {
            up: tokio::sync::watch::Sender::new(false),
            wake: tokio::sync::Notify::new(),
            kind: kind.name(),
        });
        let mut options = AnyPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout);
        match &kind {
            DbKind::Sqlite { path } => {
                let path = path.clone();
                options = options
                    // A SQLite connection cannot go stale the way a socket does, so no ping per
                    // checkout; what can happen is the file leaving its path (the directory
                    // renamed or removed). An open connection would go on using the old inode,
                    // so each checkout looks at the path, and a missing file closes the
                    // connection: the reopen fails and the request gets 503.
                    .test_before_acquire(false)
                    .before_acquire(move |_conn, _meta| {
                        let present = path.is_file();
                        Box::pin(async move { Ok(present) })
                    })
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // Per connection (not stored in the file): fsync the WAL at every
                            // commit, so a 201 survives a power loss, not only a process kill.
                            sqlx::query("PRAGMA synchronous = FULL")
                                .execute(conn)
                                .await?;
                            Ok(())
                        })
                    });
            }
            DbKind::Postgres => {
                // After a server stop every pooled connection is dead. The checkout ping finds
                // them; done here rather than by sqlx's own test so that a failed ping also
                // marks the database down at once (sqlx would silently open a new connection
                // and, the server refusing, retry until the acquire timeout).
                let health = health.clone();
                options = options
                    .test_before_acquire(false)
                    .before_acquire(move |conn, _meta| {
                        let health = health.clone();
                        Box::pin(async move {
                            match conn.ping().await {
                                Ok(()) => Ok(true),
                                Err(err) => {
                                    if is_unavailable(&err) {
                                        health.mark_down(&err);
                                    }
                                    Ok(false)
                                }
                            }
                        })
                    });
            }
        }
        let new_pool = Box::new(move || options.clone().connect_lazy_with(pool_options.clone()));
        Ok(Database {
            dialect: Dialect::of(&kind),
            kind,
            pool: std::sync::RwLock::new(new_pool()),
            new_pool,
            setup_options,
            health,
            supervisor: Mutex::new(None),
            reporter,
            host,
        })
    }

    fn pool(&self) -> AnyPool {
        self.pool.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// After an outage the pool's idle connections are dead (a PostgreSQL restart ended their
    /// sessions): rather than let requests find them one by one, each a failed checkout that
    /// would look like a new outage, the pool is replaced and the old one closed.
    fn renew_pool(&self) {
        let fresh = (self.new_pool)();
        let old = std::mem::replace(
            &mut *self.pool.write().unwrap_or_else(|e| e.into_inner()),
            fresh,
        );
        tokio::spawn(async move { old.close().await });
    }

    pub(crate) fn kind(&self) -> &DbKind {
        &self.kind
    }

    pub(crate) fn is_up(&self) -> bool {
        self.health.is_up()
    }

    /// Tries the database once (bounded), then leaves the supervisor watching it.
    pub(crate) async fn start(self: &Arc<Self>) {
        match tokio::time::timeout(Duration::from_secs(20), self.bring_up()).await {
            Ok(Ok(())) => self.health.mark_up(),
            Ok(Err(err)) => tracing::warn!(
                database = self.kind.name(),
                "database unavailable at start, serving 503 until it answers: {err}"
            ),
            Err(_) => tracing::warn!(
                database = self.kind.name(),
                "database did not answer within 20 s at start, serving 503 until it does"
            ),
        }
        let database = Arc::downgrade(self);
        let task = tokio::spawn(async move { supervise(database).await });
        *self.supervisor.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
    }

    pub(crate) async fn close(&self) {
        if let Some(task) = self
            .supervisor
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
        self.pool().close().await;
    }

    /// Connects on a connection of its own, applies the migrations and loads the seed corpus
    /// into a database that never had it. Run at start and by the supervisor after an outage,
    /// so a database file that was replaced by an empty one is made whole before use.
    async fn bring_up(&self) -> Result<(), sqlx::Error> {
        let mut conn = tokio::time::timeout(
            Duration::from_secs(5),
            AnyConnection::connect_with(&self.setup_options),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
        if let DbKind::Sqlite { .. } = self.kind {
            // Stored in the file: readers never block the writer and a commit appends to the
            // WAL (with synchronous=FULL, fsynced) instead of rewriting pages in place.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&mut conn)
                .await?;
        }
        let migrations = self
            .dialect
            .migrations
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect();
        // `run_direct` rather than `run`: `run`'s `Acquire` bound is not general enough for a
        // future that is spawned (sqlx's own workaround, see its source).
        Migrator::with_migrations(migrations)
            .run_direct(None, &mut conn, false)
            .await
            .map_err(|err| sqlx::Error::Migrate(Box::new(err)))?;
        let seeded = timed(
            self,
            None,
            SELECT_SEEDED,
            Vec::new(),
            |rows: &Vec<AnyRow>| rows.len() as u64,
            async { sqlx::query(SELECT_SEEDED).fetch_all(&mut conn).await },
        )
        .await?;
        if seeded.is_empty() {
            let corpus = crate::seed::corpus();
            let started = Instant::now();
            let mut tx = conn.begin().await?;
            for document in &corpus {
                sqlx::query(INSERT_DOCUMENT)
                    .bind(document.title)
                    .bind(document.body)
                    .fetch_one(&mut *tx)
                    .await?;
            }
            sqlx::query(INSERT_SEEDED)
                .bind(format!("{} documents", corpus.len()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            sqlx::query(self.dialect.after_seed)
                .execute(&mut conn)
                .await?;
            // One event for the whole corpus rather than one per row: the journey wants to
            // show that seeding happened, not three hundred identical lines.
            self.report_sql(
                INSERT_DOCUMENT,
                Vec::new(),
                corpus.len() as u64,
                started.elapsed(),
                None,
            );
            tracing::info!(
                database = self.kind.name(),
                documents = corpus.len(),
                "seed corpus loaded"
            );
        }
        let _ = conn.close().await;
        Ok(())
    }

    /// A connection from the pool for one request, or `Unavailable` as soon as the database
    /// is known to be down (before the wait, or during it). The wait counts as database time.
    async fn connection(&self, clock: &RequestClock) -> Result<PoolConnection<Any>, DbError> {
        if !self.is_up() {
            return Err(DbError::Unavailable);
        }
        let started = Instant::now();
        let acquired = tokio::select! {
            acquired = self.pool().acquire() => acquired,
            () = self.health.down() => Err(sqlx::Error::PoolClosed),
        };
        clock.add(started.elapsed());
        acquired.map_err(|err| self.classify(err))
    }

    fn classify(&self, err: sqlx::Error) -> DbError {
        if is_unavailable(&err) {
            self.health.mark_down(&err);
            DbError::Unavailable
        } else {
            DbError::Failed(err)
        }
    }

    fn report_sql(
        &self,
        statement: &str,
        params: Vec<String>,
        rows: u64,
        spent: Duration,
        error: Option<String>,
    ) {
        if self.reporter.enabled() {
            self.reporter.report(journey::Event {
                at: SystemTime::now(),
                host: self.host.clone(),
                source: journey::Source::Reported,
                kind: journey::EventKind::SqlRan {
                    database: self.kind.name().to_owned(),
                    statement: statement.to_owned(),
                    params,
                    rows,
                    duration_ms: spent.as_secs_f64() * 1000.0,
                    error,
                },
            });
        }
    }

    /// The documents matching `query`, best first, at most `limit`.
    pub(crate) async fn search(
        &self,
        clock: &RequestClock,
        query: &str,
        limit: i64,
    ) -> Result<Vec<Hit>, DbError> {
        let mut conn = self.connection(clock).await?;
        let Some(argument) = self.dialect.search_argument(query) else {
            return Ok(Vec::new());
        };
        let statement = self.dialect.search;
        let params = vec![sql_text(&argument), limit.to_string()];
        let rows = run(
            self,
            clock,
            statement,
            params,
            |rows: &Vec<AnyRow>| rows.len() as u64,
            async {
                sqlx::query(statement)
                    .bind(argument)
                    .bind(limit)
                    .fetch_all(&mut *conn)
                    .await
            },
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Hit {
                    id: row.try_get("id")?,
                    title: row.try_get("title")?,
                    snippet: split_snippet(&row.try_get::<String, _>("snippet")?),
                    score: row.try_get("score")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::Failed)
    }

    /// Adds a document in a transaction and returns its id once the commit succeeded.
    pub(crate) async fn add_document(
        &self,
        clock: &RequestClock,
        title: &str,
        body: &str,
    ) -> Result<i64, DbError> {
        let mut conn = self.connection(clock).await?;
        let begin = self.dialect.begin_write;
        let mut tx = run(
            self,
            clock,
            begin,
            Vec::new(),
            |_| 0,
            conn.begin_with(begin),
        )
        .await?;
        let params = vec![sql_text(title), sql_text(body)];
        let row = run(self, clock, INSERT_DOCUMENT, params, |_| 1, async {
            sqlx::query(INSERT_DOCUMENT)
                .bind(title)
                .bind(body)
                .fetch_one(&mut *tx)
                .await
        })
        .await?;
        let id: i64 = row.try_get("id").map_err(DbError::Failed)?;
        run(self, clock, "COMMIT", Vec::new(), |_| 0, tx.commit()).await?;
        Ok(id)
    }

    /// The document `id`, if there is one.
    pub(crate) async fn document(
        &self,
        clock: &RequestClock,
        id: i64,
    ) -> Result<Option<Document>, DbError> {
        let mut conn = self.connection(clock).await?;
        let row = run(
            self,
            clock,
            SELECT_DOCUMENT,
            vec![id.to_string()],
            |row: &Option<AnyRow>| u64::from(row.is_some()),
            async {
                sqlx::query(SELECT_DOCUMENT)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
            },
        )
        .await?;
        row.map(|row| {
            Ok(Document {
                id: row.try_get("id")?,
                title: row.try_get("title")?,
                body: row.try_get("body")?,
            })
        })
        .transpose()
        .map_err(DbError::Failed)
    }

    /// How many documents there are: the health check's proof that the database answers.
    pub(crate) async fn count(&self, clock: &RequestClock) -> Result<i64, DbError> {
        let mut conn = self.connection(clock).await?;
        let row = run(self, clock, COUNT_DOCUMENTS, Vec::new(), |_| 1, async {
            sqlx::query(COUNT_DOCUMENTS).fetch_one(&mut *conn).await
        })
        .await?;
        row.try_get("n").map_err(DbError::Failed)
    }
}

/// Runs one statement for a request: timed into its clock, reported, and classified.
async fn run<T>(
    db: &Database,
    clock: &RequestClock,
    statement: &str,
    params: Vec<String>,
    rows: impl FnOnce(&T) -> u64,
    future: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, DbError> {
    timed(db, Some(clock), statement, params, rows, future)
        .await
        .map_err(|err| db.classify(err))
}

async fn timed<T>(
    db: &Database,
    clock: Option<&RequestClock>,
    statement: &str,
    params: Vec<String>,
    rows: impl FnOnce(&T) -> u64,
    future: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    let started = Instant::now();
    let result = future.await;
    let spent = started.elapsed();
    if let Some(clock) = clock {
        clock.add(spent);
    }
    match &result {
        Ok(value) => db.report_sql(statement, params, rows(value), spent, None),
        Err(err) => db.report_sql(statement, params, 0, spent, Some(err.to_string())),
    }
    result
}

/// A text value as SQL writes it, for the journey: single-quoted, quotes doubled, and cut at
/// 60 characters (a document's body is not the point of the story).
fn sql_text(value: &str) -> String {
    let mut cut: String = value.chars().take(60).collect();
    if cut.len() < value.len() {
        cut.push('…');
    }
    format!("'{}'", cut.replace('\'', "''"))
}

/// Whether an error means "the database is not there" (503 and the supervisor takes over)
/// rather than "this statement is wrong" (500).
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite reports its extended result code in decimal; the low byte is the
            // primary code: BUSY 5, LOCKED 6, READONLY 8 (e.g. READONLY_DBMOVED), IOERR 10,
            // FULL 13, CANTOPEN 14.
            if let Ok(extended) = code.parse::<u32>() {
                return matches!(extended & 0xff, 5 | 6 | 8 | 10 | 13 | 14);
            }
            // PostgreSQL SQLSTATE: class 08 connection exception, 53 insufficient resources,
            // 57P01-57P03 the server shutting down or starting up.
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0")
        }
        _ => false,
    }
}

/// The supervisor: sleeps while the database is up; while it is down, retries `bring_up`
/// with a backoff until it succeeds. Holds only a weak reference, so it ends with the server.
async fn supervise(database: std::sync::Weak<Database>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(db) = database.upgrade() else { return };
        if db.is_up() {
            let health = db.health.clone();
            let notified = health.wake.notified();
            drop(db);
            notified.await;
            continue;
        }
        match db.bring_up().await {
            Ok(()) => {
                db.renew_pool();
                db.health.mark_up();
                tracing::info!(database = db.kind.name(), "database up");
                backoff = Duration::from_millis(100);
            }
            Err(err) => {
                tracing::debug!(database = db.kind.name(), "database still down: {err}");
                drop(db);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// A snippet with MARK_START/MARK_END brackets, as pieces. An unbalanced bracket (a stored
/// document may contain the characters itself) only changes which piece is marked.
fn split_snippet(snippet: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut text = String::new();
    let mut mark = false;
    for ch in snippet.chars() {
        let next = match ch {
            MARK_START => true,
            MARK_END => false,
            _ => {
                text.push(ch);
                continue;
            }
        };
        if !text.is_empty() {
            segments.push(Segment {
                text: std::mem::take(&mut text),
                mark,
            });
        }
        mark = next;
    }
    if !text.is_empty() {
        segments.push(Segment { text, mark });
    }
    segments
}

/// Characters sqlx's SQLite URL parser would read as syntax in a file name.
const PATH_SPECIALS: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_marked_pieces() {
        let snippet = format!("a {MARK_START}dns{MARK_END} record");
        assert_eq!(
            split_snippet(&snippet),
            vec![
                Segment {
                    text: "a ".into(),
                    mark: false
                },
                Segment {
                    text: "dns".into(),
                    mark: true
                },
                Segment {
                    text: " record".into(),
                    mark: false
                },
            ]
        );
    }

    #[test]
    fn fts5_queries_are_made_of_quoted_words() {
        assert_eq!(
            SQLITE
                .search_argument("NEAR(\"dns\" OR title:x*")
                .as_deref(),
            Some("\"NEAR\" \"dns\" \"OR\" \"title\" \"x\"")
        );
        assert_eq!(SQLITE.search_argument("  ***  "), None);
        assert_eq!(
            POSTGRES.search_argument("\"status code\" -dns").as_deref(),
            Some("\"status code\" -dns")
        );
    }
}
