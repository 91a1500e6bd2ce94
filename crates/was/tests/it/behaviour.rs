//! Each case is written once, as a function of an [`Env`], and run twice: on SQLite and on a
//! real PostgreSQL (skipped loudly when PostgreSQL is not installed).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use journey::EventKind;
use test_support::{LoopbackBlock, wait_until};

use test_support::http::RawConnection;

use crate::harness::{Db, Env, Reply, exchange};

/// `sqlite::case` and `postgres::case` for every case: each test claims its own block and
/// starts its own database and WAS.
macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $case() {
                    let block = test_support::LoopbackBlock::claim();
                    let db = crate::harness::Db::sqlite(&block);
                    super::$case(block, db);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $case() {
                    let block = test_support::LoopbackBlock::claim();
                    let Some(db) = crate::harness::Db::postgres(&block) else { return };
                    super::$case(block, db);
                }
            )*
        }
    };
}

on_both_databases!(
    search_finds_seeded_documents_with_highlights_and_server_timing,
    titles_and_bodies_are_html_escaped,
    form_and_json_posts_answer_201_and_become_searchable,
    bad_posts_are_refused_with_the_right_status,
    unknown_paths_and_documents_are_404_pages,
    health_reports_the_database,
    expect_100_continue_gets_100_before_the_body,
    requests_and_statements_are_reported_to_the_journey,
    a_database_that_goes_away_gives_503_then_recovers,
    the_server_starts_without_its_database_and_recovers,
    a_failing_statement_is_a_500_that_leaks_nothing,
    concurrent_posts_all_commit,
);

/// Writers at once, as a busy site has them: every one answered 201, none 503. (SQLite in WAL
/// mode refuses a deferred transaction's upgrade to writer at once when another committed
/// meanwhile; the WAS begins writes IMMEDIATE so they wait their turn instead.)
fn concurrent_posts_all_commit(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..8)
            .map(|writer| {
                let env = &env;
                scope.spawn(move || {
                    (0..25)
                        .map(|n| {
                            let body = format!(
                                r#"{{"title": "writer {writer} doc {n}", "body": "at once"}}"#
                            );
                            env.post("application/json", body.as_bytes()).status
                        })
                        .collect::<Vec<u16>>()
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(statuses.len(), 200);
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
}

fn search_finds_seeded_documents_with_highlights_and_server_timing(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    for (query, title) in [
        ("nxdomain", "NXDOMAIN"),
        ("time-wait", "TIME-WAIT"),
        ("404", "404 Not Found"),
        ("canonical+name", "CNAME record"),
    ] {
        let reply = env.get(&format!("/search?q={query}"));
        assert_eq!(reply.status, 200, "{reply}");
        assert!(
            reply.body.contains(&format!(">{title}</a>")),
            "no result titled {title:?} for {query:?}:\n{reply}"
        );
        assert!(
            reply.body.contains("<mark>"),
            "no highlight for {query:?}:\n{reply}"
        );
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(reply.body.contains("href=\"/style.css\""), "{reply}");
        let timing = reply.header("server-timing").expect("Server-Timing");
        let durations: Vec<f64> = timing
            .split(',')
            .map(|metric| {
                let (name, dur) = metric.trim().split_once(";dur=").expect(timing);
                assert!(matches!(name, "app" | "db"), "{timing}");
                dur.parse().expect(timing)
            })
            .collect();
        assert_eq!(durations.len(), 2, "{timing}");
        assert!(
            durations[1] > 0.0 && durations[1] <= durations[0],
            "db time must be part of app time: {timing}"
        );
    }
    // Text that is syntax to FTS5 or tsquery is just text to a person.
    for query in ["%22unbalanced", "NEAR(dns", "a%20OR%20-", "%2A%2A%2A", ""] {
        let reply = env.get(&format!("/search?q={query}"));
        assert_eq!(reply.status, 200, "{query:?}: {reply}");
    }
    let reply = env.get("/search?q=qwertyzxcv");
    assert_eq!(reply.status, 200, "{reply}");
    assert!(reply.body.contains("No document matches"), "{reply}");
}

fn titles_and_bodies_are_html_escaped(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    let created = env.post(
        "application/json",
        br#"{"title": "<script>alert('t')</script>", "body": "zebracorn <img src=x onerror=alert(1)> & \"quotes\""}"#,
    );
    assert_eq!(created.status, 201, "{created}");
    let reply = env.get("/search?q=zebracorn");
    assert_eq!(reply.status, 200, "{reply}");
    assert!(!reply.body.contains("<script>"), "{reply}");
    assert!(!reply.body.contains("<img src=x"), "{reply}");
    assert!(
        reply
            .body
            .contains("&lt;script&gt;alert(&#x27;t&#x27;)&lt;&#x2f;script&gt;")
            || reply.body.contains("&lt;script&gt;"),
        "{reply}"
    );
    assert!(reply.body.contains("&lt;img src=x"), "{reply}");
    let location = created.header("location").expect("Location");
    let page = env.get(location);
    assert_eq!(page.status, 200, "{page}");
    assert!(
        !page.body.contains("<script>") && !page.body.contains("<img src=x"),
        "{page}"
    );
    // The query itself is shown back, escaped.
    let reply = env.get("/search?q=%3Cscript%3E");
    assert!(!reply.body.contains("<script>"), "{reply}");
}

fn form_and_json_posts_answer_201_and_become_searchable(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    let form = env.post(
        "application/x-www-form-urlencoded",
        "title=Quokka+notes&body=The+quokkafruit+is+%E2%9C%93+searchable".as_bytes(),
    );
    assert_eq!(form.status, 201, "{form}");
    let location = form.header("location").expect("Location").to_owned();
    assert!(location.starts_with("/documents/"), "{location}");
    assert!(form.body.contains("Quokka notes"), "{form}");

    let json = env.post(
        "application/json; charset=utf-8",
        r#"{"title": "Wombat notes", "body": "The wombatberry is searchable"}"#.as_bytes(),
    );
    assert_eq!(json.status, 201, "{json}");
    assert_eq!(json.header("content-type"), Some("application/json"));
    let answer: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let json_location = answer["location"].as_str().unwrap();
    assert_eq!(json.header("location"), Some(json_location));

    let found = env.get("/search?q=quokkafruit");
    assert!(found.body.contains(">Quokka notes</a>"), "{found}");
    let found = env.get("/search?q=wombatberry");
    assert!(found.body.contains(">Wombat notes</a>"), "{found}");

    let page = env.get(&location);
    assert_eq!(page.status, 200, "{page}");
    assert!(
        page.body.contains("The quokkafruit is ✓ searchable"),
        "{page}"
    );
    let as_json = exchange(
        env.was.addr,
        format!(
            "GET {json_location} HTTP/1.1\r\nHost: was\r\nAccept: application/json\r\n\
             Connection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    let document: serde_json::Value = serde_json::from_str(&as_json.body).unwrap();
    assert_eq!(document["title"], "Wombat notes", "{as_json}");
}

fn bad_posts_are_refused_with_the_right_status(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    let cases: &[(&str, &[u8], u16)] = &[
        ("application/json", b"{\"title\": \"x\", \"body\": ", 400),
        ("application/json", b"not json at all", 400),
        (
            "application/json",
            b"{\"title\": \"x\", \"body\": \"\xff\xfe\"}",
            400,
        ),
        ("application/json", b"{\"title\": \"only a title\"}", 422),
        ("application/json", b"{\"title\": 7, \"body\": \"x\"}", 422),
        (
            "application/json",
            b"{\"title\": \"   \", \"body\": \"x\"}",
            422,
        ),
        (
            "application/json",
            b"{\"title\": \"nul\", \"body\": \"a\\u0000b\"}",
            422,
        ),
        (
            "application/x-www-form-urlencoded",
            b"title=%FF%FE&body=x",
            400,
        ),
        (
            "application/x-www-form-urlencoded",
            b"title=\xff&body=x",
            400,
        ),
        ("application/x-www-form-urlencoded", b"title=no+body", 422),
        ("text/plain", b"title=x&body=y", 415),
    ];
    for (content_type, body, status) in cases {
        let reply = env.post(content_type, body);
        assert_eq!(
            reply.status,
            *status,
            "{content_type} {:?}:\n{reply}",
            String::from_utf8_lossy(body)
        );
    }
    let too_long_title = format!(r#"{{"title": "{}", "body": "x"}}"#, "t".repeat(201));
    assert_eq!(
        env.post("application/json", too_long_title.as_bytes())
            .status,
        422
    );

    // Bodies past the limit (64 KiB): 413, whether the length is honest or not.
    let huge = format!(
        r#"{{"title": "huge", "body": "{}"}}"#,
        "x".repeat(64 * 1024)
    );
    let reply = env.post("application/json", huge.as_bytes());
    assert_eq!(reply.status, 413, "{reply}");
    let mut stream = TcpStream::connect(env.was.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(
            b"POST /documents HTTP/1.1\r\nHost: was\r\nContent-Type: application/json\r\n\
              Content-Length: 10000000000\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let _ = stream.write_all(&vec![b'x'; 70 * 1024]);
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    assert!(
        bytes.starts_with(b"HTTP/1.1 413 "),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    // A malformed query string is a 400 page, not a crash.
    assert_eq!(env.get("/search?q=%FF").status, 400);
    let long = "a".repeat(600);
    assert_eq!(env.get(&format!("/search?q={long}")).status, 400);
    // Nothing bad got in.
    let health: serde_json::Value = serde_json::from_str(&env.get("/health").body).unwrap();
    let seeded = health["database"]["documents"].as_i64().unwrap();
    let before = env.get("/search?q=huge");
    assert!(before.body.contains("No document matches"), "{before}");
    assert!(seeded >= 250, "{health}");
}

fn unknown_paths_and_documents_are_404_pages(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    for target in [
        "/nope",
        "/documents/999999999",
        "/documents/abc",
        "/search/extra",
    ] {
        let reply = env.get(target);
        assert_eq!(reply.status, 404, "{target}: {reply}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{target}"
        );
        assert!(reply.body.contains("Not Found"), "{target}: {reply}");
    }
    let reply = exchange(
        env.was.addr,
        b"DELETE /search HTTP/1.1\r\nHost: was\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(reply.status, 405, "{reply}");
}

fn health_reports_the_database(block: LoopbackBlock, db: Db) {
    let kind = db.kind();
    let env = Env::start(block, db);
    let reply = env.get("/health");
    assert_eq!(reply.status, 200, "{reply}");
    let health: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"]["kind"], kind);
    assert_eq!(health["database"]["state"], "up");
    assert!(
        health["database"]["documents"].as_i64().unwrap() >= 250,
        "{health}"
    );
}

fn expect_100_continue_gets_100_before_the_body(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    let body = br#"{"title": "Continue", "body": "sent after the interim response"}"#;
    let mut connection = RawConnection::connect(env.was.addr).unwrap();
    connection
        .send(
            format!(
                "POST /documents HTTP/1.1\r\nHost: was\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    // Nothing of the body is sent until the interim response is on the socket.
    let interim = connection
        .read_response(false)
        .expect("a 100 Continue before the body");
    assert_eq!(
        interim.head.trim_end(),
        "HTTP/1.1 100 Continue",
        "{interim:?}"
    );
    assert!(interim.body.is_empty());
    connection.send(body).unwrap();
    let reply = Reply::from(connection.read_response(false).unwrap());
    assert_eq!(reply.status, 201, "{reply}");
    // What the head alone says is refused is refused without a 100: the client never has to
    // send the body.
    for (content_type, length, status) in [
        ("text/plain", 10, "415"),
        ("application/json", 10_000_000, "413"),
    ] {
        let mut stream = TcpStream::connect(env.was.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(
                format!(
                    "POST /documents HTTP/1.1\r\nHost: was\r\nContent-Type: {content_type}\r\n\
                     Content-Length: {length}\r\nExpect: 100-continue\r\n\
                     Connection: close\r\n\r\n"
                )
                .as_bytes(),
            )
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{content_type}, {length} bytes announced:\n{answer}"
        );
    }
}

fn requests_and_statements_are_reported_to_the_journey(block: LoopbackBlock, db: Db) {
    let kind = db.kind();
    let env = Env::start(block, db);
    assert_eq!(env.get("/search?q=soa").status, 200);
    assert_eq!(
        env.post(
            "application/json",
            br#"{"title": "Journey", "body": "reported"}"#
        )
        .status,
        201
    );
    let events = env.was.events.events();
    let handled: Vec<(String, String, String, u16, f64, f64)> = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::WasHandled {
                handler,
                method,
                target,
                status,
                app_ms,
                db_ms,
            } => Some((
                handler.clone(),
                method.clone(),
                target.clone(),
                *status,
                *app_ms,
                *db_ms,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(handled.len(), 2, "{handled:?}");
    assert_eq!(
        (
            &handled[0].0[..],
            &handled[0].1[..],
            &handled[0].2[..],
            handled[0].3
        ),
        ("search", "GET", "/search?q=soa", 200)
    );
    assert!(
        handled[0].5 > 0.0 && handled[0].5 <= handled[0].4,
        "{handled:?}"
    );
    assert_eq!(
        (&handled[1].0[..], &handled[1].1[..], handled[1].3),
        ("add_document", "POST", 201)
    );
    assert!(events.iter().all(|event| event.host.role == "was"));
    let statements: Vec<(String, String, u64, Option<String>)> = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::SqlRan {
                database,
                statement,
                rows,
                error,
                ..
            } => Some((database.clone(), statement.clone(), *rows, error.clone())),
            _ => None,
        })
        .collect();
    assert!(
        statements.iter().all(|s| s.0 == kind && s.3.is_none()),
        "{statements:?}"
    );
    let full_text = if kind == "sqlite" {
        "MATCH $1"
    } else {
        "websearch_to_tsquery"
    };
    let search = statements
        .iter()
        .find(|s| s.1.contains(full_text))
        .unwrap_or_else(|| panic!("no search statement in {statements:?}"));
    assert!(search.2 >= 1, "{search:?}");
    assert!(
        !search.1.contains("soa"),
        "values are never in the statement: {search:?}"
    );
    let tail: Vec<&str> = statements
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|s| &s.1[..])
        .collect();
    // SQLite takes the write lock at BEGIN (IMMEDIATE), PostgreSQL needs no such thing.
    assert!(["BEGIN", "BEGIN IMMEDIATE"].contains(&tail[0]), "{tail:?}");
    assert_eq!(
        tail[1..],
        [
            "INSERT INTO documents (title, body) VALUES ($1, $2) RETURNING id",
            "COMMIT"
        ]
    );
}

fn a_database_that_goes_away_gives_503_then_recovers(block: LoopbackBlock, db: Db) {
    let mut env = Env::start(block, db);
    assert_eq!(env.get("/search?q=dns").status, 200);
    let kept = env.post(
        "application/json",
        br#"{"title": "Before", "body": "the outage"}"#,
    );
    assert_eq!(kept.status, 201, "{kept}");

    env.db.make_unavailable();
    let reply = env.get("/search?q=dns");
    assert_eq!(reply.status, 503, "{reply}");
    assert!(reply.body.contains("cannot be reached"), "{reply}");
    assert_eq!(reply.header("retry-after"), Some("2"));
    assert_eq!(env.get("/health").status, 503);
    let refused = env.post(
        "application/json",
        br#"{"title": "During", "body": "the outage"}"#,
    );
    assert_eq!(refused.status, 503, "{refused}");

    env.db.make_available();
    let recovered = wait_until(Duration::from_secs(20), || env.get("/health").status == 200);
    assert!(recovered, "no recovery within 20 s: {}", env.get("/health"));
    assert_eq!(env.get("/search?q=dns").status, 200);
    let page = env.get(kept.header("location").unwrap());
    assert_eq!(
        page.status, 200,
        "the row committed before the outage: {page}"
    );
    let added = env.post(
        "application/json",
        br#"{"title": "After", "body": "the outage"}"#,
    );
    assert_eq!(added.status, 201, "{added}");
}

fn the_server_starts_without_its_database_and_recovers(block: LoopbackBlock, mut db: Db) {
    match &mut db {
        Db::Sqlite { .. } => db.remove_sqlite_dir(),
        Db::Postgres(cluster) => cluster.stop(),
    }
    let mut env = Env::start(block, db);
    let reply = env.get("/search?q=dns");
    assert_eq!(reply.status, 503, "{reply}");
    let health = env.get("/health");
    assert_eq!(health.status, 503, "{health}");
    assert!(health.body.contains("\"down\""), "{health}");
    assert_eq!(
        env.get("/nope").status,
        404,
        "static answers need no database"
    );

    match &mut env.db {
        Db::Sqlite { .. } => env.db.create_sqlite_dir(),
        Db::Postgres(_) => env.db.make_available(),
    }
    let recovered = wait_until(Duration::from_secs(20), || env.get("/health").status == 200);
    assert!(recovered, "no recovery within 20 s: {}", env.get("/health"));
    let reply = env.get("/search?q=nxdomain");
    assert!(
        reply.body.contains(">NXDOMAIN</a>"),
        "seeded on recovery: {reply}"
    );
}

fn a_failing_statement_is_a_500_that_leaks_nothing(block: LoopbackBlock, db: Db) {
    let env = Env::start(block, db);
    assert_eq!(env.get("/search?q=dns").status, 200);
    // Break the schema behind the server's back: the search statement now fails.
    let url = match &env.db {
        Db::Sqlite { .. } => format!("{}?mode=rw", env.db.url()),
        Db::Postgres(cluster) => cluster.url(),
    };
    let sabotage = if env.db.kind() == "sqlite" {
        "DROP TABLE documents_fts"
    } else {
        "ALTER TABLE documents RENAME COLUMN search TO search_gone"
    };
    env.was.runtime.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query(sabotage).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
    let reply: Reply = env.get("/search?q=dns");
    assert_eq!(reply.status, 500, "{reply}");
    for secret in [
        "documents_fts",
        "search_gone",
        "no such",
        "does not exist",
        "sqlx",
        "SELECT",
    ] {
        assert!(!reply.body.contains(secret), "{secret:?} leaked:\n{reply}");
    }
    assert_eq!(env.get("/health").status, 200, "the database itself is up");
}
