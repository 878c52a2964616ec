//! `nl2sql serve`: the engine as an HTTP service with a web page.
//!
//! One model worker answers questions from a bounded queue (`worker`); a full queue
//! or a request past its timeout gets 503 with `Retry-After`. `/api/sql` runs through
//! its own guard and read-only executor, so SQL never waits behind a generation.

pub mod metrics;
pub mod worker;

use crate::answer::{Engine, Error};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use catalog::Catalog;
use guard::{Executor, SqlGuard};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use worker::{AskError, AskJob, Queue};

const PAGE: &str = include_str!("page.html");
const CHART_JS: &str = include_str!("assets/chart.umd.min.js");
const CHART_JS_LICENSE: &str = include_str!("assets/LICENSE-chart.js.md");

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// Bearer token for `/api/*` and `/metrics`; required to bind a non-loopback address.
    pub token: Option<String>,
    /// Questions that may wait for the model; one more gets 503.
    pub queue: usize,
    /// How long a question may wait and run before it is cancelled with 503.
    pub timeout: Duration,
    /// Largest request body, in bytes (413 beyond).
    pub max_body: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig { addr: SocketAddr::from(([127, 0, 0, 1], 8080)), token: None, queue: 32, timeout: Duration::from_secs(120), max_body: 64 * 1024 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("binding {0} (not a loopback address) needs --token: without it anyone on the network could use the engine")]
    NeedsToken(SocketAddr),
    #[error("--token must be 16 to 256 visible ASCII characters")]
    BadToken,
    #[error("--queue must be 1 to 4096 and --timeout-s 1 to 3600")]
    BadLimits,
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Engine(#[from] Error),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

impl ServeConfig {
    pub fn validate(&self) -> Result<(), ServeError> {
        if let Some(t) = &self.token {
            if !(16..=256).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ServeError::BadToken);
            }
        } else if !self.addr.ip().is_loopback() {
            return Err(ServeError::NeedsToken(self.addr));
        }
        if !(1..=4096).contains(&self.queue) || self.timeout.is_zero() || self.timeout > Duration::from_secs(3600) {
            return Err(ServeError::BadLimits);
        }
        Ok(())
    }
}

struct AppState {
    queue: Queue,
    catalog: Arc<Catalog>,
    /// Guard and executor for `/api/sql`, apart from the model worker's.
    sql: Mutex<(SqlGuard, Executor)>,
    config: ServeConfig,
    model: String,
    metrics: metrics::Metrics,
}

/// Serve until Ctrl-C or SIGTERM. `ready` is called with the bound address.
pub fn run(engine: Engine, config: ServeConfig, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    config.validate()?;
    let catalog = engine.catalog.clone();
    let sql = Mutex::new((SqlGuard::new(catalog.clone()), Executor::open(&engine.config.db, engine.config.limits.clone()).map_err(Error::from)?));
    let model = engine.generator.describe();
    let (queue, worker) = worker::start(engine, config.queue);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let served = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr).await.map_err(|e| ServeError::Bind(config.addr, e))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState { queue, catalog, sql, config, model, metrics: metrics::Metrics::new() });
        let app = router(state.clone());
        ready(addr);
        let stopping = state.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                eprintln!("nl2sql serve: stopping (running generation cancelled, waiting requests answered 503)");
                stopping.queue.shut_down();
            })
            .await?;
        Ok::<(), ServeError>(())
    });
    // Every sender is gone once the server has stopped: the worker ends.
    rt.shutdown_timeout(Duration::from_secs(5));
    let _ = worker.join();
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/ask", post(ask))
        .route("/api/sql", post(run_sql))
        .route("/api/schema", get(schema))
        .route("/metrics", get(metrics_text))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/", get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }))
        .route("/assets/chart.umd.min.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], CHART_JS) }))
        .route("/assets/LICENSE-chart.js.md", get(|| async { ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], CHART_JS_LICENSE) }))
        .route("/healthz", get(healthz))
        .merge(api)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .layer(DefaultBodyLimit::max(state.config.max_body))
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .with_state(state)
}

fn error(status: StatusCode, kind: &str, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string(), "kind": kind }))).into_response()
}

fn busy(message: &str) -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "busy", message);
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r
}

async fn require_token(State(s): State<Arc<AppState>>, headers: HeaderMap, req: Request, next: Next) -> Response {
    if let Some(token) = &s.config.token {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        // Same time whatever the first differing byte (no timing hint at the token).
        let ok = given.is_some_and(|g| g.len() == token.len() && g.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0);
        if !ok {
            let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized", "missing or wrong bearer token (Authorization: Bearer …)");
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    next.run(req).await
}

async fn count_requests(State(s): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = match req.uri().path() {
        p @ ("/" | "/healthz" | "/metrics" | "/api/ask" | "/api/sql" | "/api/schema") => p.to_string(),
        p if p.starts_with("/assets/") => "/assets".to_string(),
        _ => "other".to_string(),
    };
    let t0 = Instant::now();
    let r = next.run(req).await;
    s.metrics.observe(&path, r.status().as_u16(), t0.elapsed().as_secs_f64());
    r
}

async fn healthz(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({ "status": if s.queue.shutting_down.load(Ordering::SeqCst) { "stopping" } else { "ok" }, "model": s.model, "queue_depth": s.queue.depth.load(Ordering::SeqCst), "queue_capacity": s.config.queue }))
}

async fn metrics_text(State(s): State<Arc<AppState>>) -> Response {
    let text = s.metrics.render(s.queue.depth.load(Ordering::SeqCst));
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}

async fn schema(State(s): State<Arc<AppState>>) -> Json<Value> {
    let mut docs: Vec<&catalog::ColumnDoc> = s.catalog.docs().collect();
    docs.sort_by(|a, b| a.name.cmp(&b.name));
    Json(json!({ "columns": docs }))
}

/// A JSON body of type T, or a 400 that says what is wrong with it.
fn parse_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| error(StatusCode::BAD_REQUEST, "bad_request", format!("malformed JSON body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskBody {
    question: String,
    session: Option<String>,
    /// Echoed back as `request_id`, for clients that match answers to requests.
    request_id: Option<String>,
}

async fn ask(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    let b: AskBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if s.queue.shutting_down.load(Ordering::SeqCst) {
        return busy("the server is stopping");
    }
    let request_id = b.request_id.filter(|x| x.len() <= 128);
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job = AskJob { question: b.question, session: b.session.filter(|x| x.len() <= 64), cancel: cancel.clone(), reply: tx };
    s.queue.depth.fetch_add(1, Ordering::SeqCst);
    if let Err(e) = s.queue.tx.try_send(job) {
        s.queue.depth.fetch_sub(1, Ordering::SeqCst);
        s.metrics.rejected();
        return match e {
            tokio::sync::mpsc::error::TrySendError::Full(_) => busy(&format!("busy: {} questions are waiting for the model; try again shortly", s.config.queue)),
            tokio::sync::mpsc::error::TrySendError::Closed(_) => busy("the model worker has stopped"),
        };
    }
    let reply = match tokio::time::timeout(s.config.timeout, rx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(AskError::Cancelled),
        Err(_) => {
            cancel.store(true, Ordering::SeqCst);
            return busy(&format!("no answer within {} s; the question was cancelled", s.config.timeout.as_secs()));
        }
    };
    match reply {
        Ok(asked) => {
            let mut v = serde_json::to_value(&asked.answer).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("session".into(), Value::String(asked.session));
                if let Some(id) = request_id {
                    m.insert("request_id".into(), Value::String(id));
                }
            }
            Json(v).into_response()
        }
        Err(AskError::Cancelled) => busy("the question was cancelled (timeout or shutdown)"),
        Err(AskError::Engine(e)) => engine_error(e),
    }
}

fn engine_error(e: Error) -> Response {
    match &e {
        Error::Question(_) => error(StatusCode::BAD_REQUEST, "bad_question", e),
        Error::UnknownCompany { .. } => error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_company", e),
        Error::AmbiguousCompany { .. } => error(StatusCode::UNPROCESSABLE_ENTITY, "ambiguous_company", e),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "engine", e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlBody {
    sql: String,
}

async fn run_sql(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    let b: SqlBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let state = s.clone();
    let done = tokio::task::spawn_blocking(move || {
        let pair = state.sql.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, exec) = &*pair;
        match guard.check(&b.sql) {
            Err(e) => Err(error(StatusCode::UNPROCESSABLE_ENTITY, e.rule(), e)),
            Ok(checked) => {
                let repairs: Vec<String> = checked.repairs.iter().map(|r| r.to_string()).collect();
                match exec.run(&checked) {
                    Ok(result) => Ok(Json(json!({ "sql": checked.sql, "repairs": repairs, "result": result })).into_response()),
                    Err(e) => Err(error(StatusCode::UNPROCESSABLE_ENTITY, "exec_error", e)),
                }
            }
        }
    })
    .await;
    match done {
        Ok(Ok(r)) | Ok(Err(r)) => r,
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "engine", e),
    }
}
