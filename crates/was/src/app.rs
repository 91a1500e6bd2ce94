//! The routes, the request parsing and the status codes, and the middleware that times every
//! request (`Server-Timing`) and reports it to the journey (`WasHandled`).
//!
//! | route | handler | answers |
//! |---|---|---|
//! | `GET /search?q=` | `search` | 200 page; 400 bad query; 503 database down |
//! | `POST /documents` | `add_document` | 201 + Location after commit; 400/413/415/422 bad input; 503 |
//! | `GET /documents/{id}` | `document` | 200 page or JSON (Accept); 404; 503 |
//! | `GET /health` | `health` | 200 / 503 JSON with the database's state |
//! | anything else | `not_found` | 404 page |

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, RawQuery, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use minijinja::context;

use crate::db::{Database, DbError, RequestClock};

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub database: Arc<Database>,
    pub reporter: Arc<dyn journey::Reporter>,
    pub host: journey::Host,
    pub max_body_bytes: usize,
}

/// The handler's name, put into the response's extensions for the journey and the log.
#[derive(Clone, Copy)]
struct HandlerName(&'static str);

const MAX_QUERY_CHARS: usize = 512;
const MAX_TITLE_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 20_000;
const RESULTS_PER_PAGE: i64 = 20;

pub(crate) fn router(shared: Shared) -> Router {
    let limit = shared.max_body_bytes;
    Router::new()
        .route("/search", get(search))
        .route("/documents", post(add_document))
        .route("/documents/{id}", get(document))
        .route("/health", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), track))
        .with_state(shared)
}

/// Times the request, adds `Server-Timing`, logs it (with the W3C trace id when the web
/// server sent a `traceparent`) and reports `WasHandled`.
async fn track(State(shared): State<Shared>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let clock = Arc::new(RequestClock::default());
    request.extensions_mut().insert(clock.clone());
    let method = request.method().clone();
    let target = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |pq| pq.as_str().to_owned(),
    );
    let trace_id = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(trace_id_of)
        .map(str::to_owned);

    let mut response = next.run(request).await;

    let app = started.elapsed();
    let db = clock.db_time();
    let app_ms = app.as_secs_f64() * 1000.0;
    let db_ms = db.as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={app_ms:.3}, db;dur={db_ms:.3}")) {
        response.headers_mut().insert("server-timing", value);
    }
    let handler = response
        .extensions()
        .get::<HandlerName>()
        .map_or("not_found", |name| name.0);
    let status = response.status().as_u16();
    tracing::info!(
        target: "was::access",
        handler,
        %method,
        target = %target,
        status,
        app_ms = %format_args!("{app_ms:.3}"),
        db_ms = %format_args!("{db_ms:.3}"),
        trace_id = trace_id.as_deref().unwrap_or("-"),
    );
    if shared.reporter.enabled() {
        shared.reporter.report(journey::Event {
            at: SystemTime::now(),
            host: shared.host.clone(),
            source: journey::Source::Reported,
            kind: journey::EventKind::WasHandled {
                handler: handler.to_owned(),
                method: method.to_string(),
                target,
                status,
                app_ms,
                db_ms,
            },
        });
    }
    response
}

/// The trace id of a W3C `traceparent` (`00-<32 hex trace id>-<16 hex parent>-<2 hex flags>`).
fn trace_id_of(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.trim().split('-');
    let (version, trace_id, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(version, 2)
        && hex(trace_id, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace_id.bytes().any(|b| b != b'0'))
    .then_some(trace_id)
}

// ------------------------------------------------------------------------------ errors ---

/// A response that is not the happy path, rendered as a page (or JSON for JSON clients).
#[derive(Debug)]
pub(crate) struct Failure {
    status: StatusCode,
    message: String,
    json: bool,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            json: false,
        }
    }

    fn json(mut self, json: bool) -> Failure {
        self.json = json;
        self
    }

    fn from_db(err: DbError, database: &Database) -> Failure {
        match err {
            DbError::Unavailable => Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "The search engine's database ({}) cannot be reached right now. \
                     The server keeps trying and recovers on its own: try again in a moment.",
                    database.kind().name()
                ),
            ),
            DbError::Failed(err) => {
                // The details are for the operator's log, never for the client.
                tracing::error!("request failed: {err}");
                Failure::internal()
            }
        }
    }

    fn internal() -> Failure {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. It has been logged.",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = if self.json {
            (
                self.status,
                axum::Json(serde_json::json!({
                    "status": self.status.as_u16(),
                    "error": self.message,
                })),
            )
                .into_response()
        } else {
            let reason = self.status.canonical_reason().unwrap_or("Error");
            match crate::pages::render(
                "error.html",
                context! {
                    status => self.status.as_u16(),
                    reason => reason,
                    message => self.message,
                    database => "",
                },
            ) {
                Ok(page) => (self.status, html_headers(), page).into_response(),
                Err(err) => {
                    tracing::error!("error page did not render: {err}");
                    (self.status, format!("{} {reason}\n", self.status.as_u16())).into_response()
                }
            }
        };
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // RFC 9110 §10.2.3: when to come back; the supervisor retries at least this often.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

fn html_headers() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    )]
}

fn named(name: &'static str, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(HandlerName(name));
    response
}

fn page(shared: &Shared, name: &str, context: minijinja::Value) -> Result<Response, Failure> {
    let context = context! { database => shared.database.kind().name(), ..context };
    crate::pages::render(name, context)
        .map(|page| (html_headers(), page).into_response())
        .map_err(|err| {
            tracing::error!("page {name} did not render: {err}");
            Failure::internal()
        })
}

// ---------------------------------------------------------------------------- handlers ---

async fn search(
    State(shared): State<Shared>,
    Extension(clock): Extension<Arc<RequestClock>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = async {
        let query = match raw.as_deref() {
            Some(raw) => form_value(raw.as_bytes(), "q")
                .map_err(|why| Failure::new(StatusCode::BAD_REQUEST, why))?
                .unwrap_or_default(),
            None => String::new(),
        };
        let query = query.trim();
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                format!("A query has {MAX_QUERY_CHARS} characters at most."),
            ));
        }
        let hits = if query.is_empty() {
            Vec::new()
        } else {
            shared
                .database
                .search(&clock, query, RESULTS_PER_PAGE)
                .await
                .map_err(|err| Failure::from_db(err, &shared.database))?
        };
        page(
            &shared,
            "search.html",
            context! { query => query, hits => minijinja::value::Serde(&hits) },
        )
    }
    .await;
    named("search", result)
}

/// A new document as a client sends it, as JSON or as a form.
#[derive(serde::Deserialize)]
struct NewDocument {
    title: String,
    body: String,
}

async fn add_document(
    State(shared): State<Shared>,
    Extension(clock): Extension<Arc<RequestClock>>,
    request: Request,
) -> Response {
    let headers = request.headers();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let json = media_type == "application/json" || media_type.ends_with("+json");
    let form = media_type == "application/x-www-form-urlencoded";
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let too_large = || {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("A document is {} bytes at most.", shared.max_body_bytes),
        )
    };
    let result = async {
        // Refuse what can be refused from the head alone before touching the body: hyper
        // sends `100 Continue` only when the body is first read, so a client that asked with
        // `Expect: 100-continue` gets its 415 or 413 without having sent the body.
        if !json && !form {
            return Err(Failure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send application/json or application/x-www-form-urlencoded.",
            ));
        }
        if declared_length.is_some_and(|length| length > shared.max_body_bytes as u64) {
            return Err(too_large());
        }
        let body = Bytes::from_request(request, &())
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    Failure::new(
                        StatusCode::BAD_REQUEST,
                        "The request body could not be read.",
                    )
                }
            })?;
        let new = if json {
            serde_json::from_slice::<NewDocument>(&body).map_err(|err| {
                use serde_json::error::Category;
                match err.classify() {
                    // Well-formed JSON of the wrong shape: missing field, wrong type.
                    Category::Data => Failure::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("Expected {{\"title\": string, \"body\": string}}: {err}"),
                    ),
                    _ => Failure::new(StatusCode::BAD_REQUEST, format!("Malformed JSON: {err}")),
                }
            })?
        } else {
            let field = |name| {
                form_value(&body, name)
                    .map_err(|why| Failure::new(StatusCode::BAD_REQUEST, why))?
                    .ok_or_else(|| {
                        Failure::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("The form has no `{name}` field."),
                        )
                    })
            };
            NewDocument {
                title: field("title")?,
                body: field("body")?,
            }
        };
        let (title, text) = (new.title.trim(), new.body.trim());
        validate("title", title, MAX_TITLE_CHARS)?;
        validate("body", text, MAX_BODY_CHARS)?;
        let id = shared
            .database
            .add_document(&clock, title, text)
            .await
            .map_err(|err| Failure::from_db(err, &shared.database))?;
        let location = format!("/documents/{id}");
        let mut response = if json {
            axum::Json(serde_json::json!({ "id": id, "title": title, "location": location }))
                .into_response()
        } else {
            let document = crate::db::Document {
                id,
                title: title.to_owned(),
                body: text.to_owned(),
            };
            page(
                &shared,
                "document.html",
                context! { document => minijinja::value::Serde(&document), created => true },
            )?
        };
        *response.status_mut() = StatusCode::CREATED;
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Ok(response)
    }
    .await
    .map_err(|failure| failure.json(json));
    named("add_document", result)
}

/// A field must be present, not blank, not too long, and free of control characters
/// (PostgreSQL text cannot hold NUL; nothing else is meant to be there either).
fn validate(name: &str, value: &str, max_chars: usize) -> Result<(), Failure> {
    let problem = if value.is_empty() {
        Some(format!("The {name} is empty."))
    } else if value.chars().count() > max_chars {
        Some(format!("The {name} has {max_chars} characters at most."))
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Some(format!("The {name} contains control characters."))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Failure::new(StatusCode::UNPROCESSABLE_ENTITY, problem)),
        None => Ok(()),
    }
}

async fn document(
    State(shared): State<Shared>,
    Extension(clock): Extension<Arc<RequestClock>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    let result = async {
        let not_found = || Failure::new(StatusCode::NOT_FOUND, "There is no such document.");
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let document = shared
            .database
            .document(&clock, id)
            .await
            .map_err(|err| Failure::from_db(err, &shared.database))?
            .ok_or_else(not_found)?;
        if wants_json {
            Ok(axum::Json(document).into_response())
        } else {
            page(
                &shared,
                "document.html",
                context! { document => minijinja::value::Serde(&document) },
            )
        }
    }
    .await
    .map_err(|failure| failure.json(wants_json));
    named("document", result)
}

async fn health(
    State(shared): State<Shared>,
    Extension(clock): Extension<Arc<RequestClock>>,
) -> Response {
    let database = &shared.database;
    let (status, state, documents) = match database.count(&clock).await {
        Ok(count) => (StatusCode::OK, "up", Some(count)),
        Err(DbError::Unavailable) => (StatusCode::SERVICE_UNAVAILABLE, "down", None),
        Err(DbError::Failed(err)) => {
            tracing::error!("health check failed: {err}");
            (StatusCode::SERVICE_UNAVAILABLE, "failing", None)
        }
    };
    let body = serde_json::json!({
        "status": if status == StatusCode::OK { "ok" } else { "unavailable" },
        "database": { "kind": database.kind().name(), "state": state, "documents": documents },
    });
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    named("health", response)
}

async fn not_found() -> Response {
    named(
        "not_found",
        Failure::new(
            StatusCode::NOT_FOUND,
            "There is nothing at this address. The search page is at /.",
        ),
    )
}

// ----------------------------------------------------------------------- form parsing ---

/// The value of `name` in an `application/x-www-form-urlencoded` body or query string, if
/// present (the last one wins). Unlike a lossy decoder, percent-escapes that decode to
/// invalid UTF-8 are an error: a client that sends them gets 400, not U+FFFD in the database.
fn form_value(input: &[u8], name: &str) -> Result<Option<String>, String> {
    let mut found = None;
    for pair in input.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        if decode_form_component(key)? == name {
            found = Some(decode_form_component(value)?);
        }
    }
    Ok(found)
}

fn decode_form_component(bytes: &[u8]) -> Result<String, String> {
    let plus_as_space: Vec<u8> = bytes
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(decoded).map_err(|_| "The form data is not valid UTF-8.".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_decoded_strictly() {
        assert_eq!(
            form_value(b"title=a+b%21&body=x", "title")
                .unwrap()
                .as_deref(),
            Some("a b!")
        );
        assert_eq!(form_value(b"body=x", "title").unwrap(), None);
        assert_eq!(
            form_value(b"q=%E2%9C%93", "q").unwrap().as_deref(),
            Some("✓")
        );
        assert!(form_value(b"q=%FF%FE", "q").is_err());
        assert!(form_value(b"q=\xff", "q").is_err());
    }

    #[test]
    fn trace_ids_come_from_valid_traceparents_only() {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(
            trace_id_of(&format!("00-{id}-00f067aa0ba902b7-01")),
            Some(id)
        );
        assert_eq!(
            trace_id_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(trace_id_of("garbage"), None);
    }
}
