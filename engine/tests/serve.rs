//! `nl2sql serve` over real HTTP on loopback: the real binary, model and database.
//! Every endpoint, bearer auth, the 400/401/404/413/422/503 paths, sessions with a
//! follow-up, a full queue, a timeout, and a graceful SIGTERM with a request in flight.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the binary on an ephemeral port and wait for its "listening on" line.
fn start(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nl2sql"))
        .current_dir(catalog::repo_root())
        .args(["--threads", "2", "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nl2sql serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.trim_end_matches('/').to_string());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(300)).expect("server did not start within 300 s");
    Server { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(300))).build().into()
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("HTTP exchange");
    let status = r.status().as_u16();
    let headers = r.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    Reply { status, headers, body }
}

fn get(base: &str, path: &str, token: Option<&str>) -> Reply {
    let mut req = agent().get(&format!("{base}{path}"));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.call())
}

fn post(base: &str, path: &str, body: &str, token: Option<&str>) -> Reply {
    let mut req = agent().post(&format!("{base}{path}")).header("Content-Type", "application/json");
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.send(body))
}

#[test]
fn every_endpoint_sessions_and_error_paths() {
    let s = start(&["--queue", "4"]);
    let b = s.base.as_str();

    let h = get(b, "/healthz", None);
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["status"], "ok");
    let page = get(b, "/", None);
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(page.body.contains("id=\"question\"") && page.body.contains("/assets/chart.umd.min.js"));
    let js = get(b, "/assets/chart.umd.min.js", None);
    assert_eq!(js.status, 200);
    assert!(js.body.contains("Chart.js v4"), "the vendored chart library is served");
    assert_eq!(get(b, "/assets/LICENSE-chart.js.md", None).status, 200);
    assert_eq!(get(b, "/nope", None).status, 404);

    let schema = get(b, "/api/schema", None).json();
    let cols = schema["columns"].as_array().unwrap();
    assert!(cols.len() >= 90, "{} columns", cols.len());
    assert!(cols.iter().any(|c| c["name"] == "营业收入"));

    // SQL through the guard: ok, refused, malformed, oversized.
    let ok = post(b, "/api/sql", &json!({"sql": "select 公司名称 from big where 股票代码 = '600519' and 年份 = '2019年'"}).to_string(), None);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["result"]["rows"][0][0], "贵州茅台酒股份有限公司");
    let refused = post(b, "/api/sql", &json!({"sql": "delete from big"}).to_string(), None);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.json()["error"].as_str().unwrap().contains("read-only"));
    let bad = post(b, "/api/sql", "{\"sql\": ", None);
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("malformed JSON"));
    let unknown_field = post(b, "/api/ask", &json!({"q": "x"}).to_string(), None);
    assert_eq!(unknown_field.status, 400, "{}", unknown_field.body);
    let huge = format!("{{\"question\": \"{}\"}}", "营".repeat(40_000));
    assert_eq!(post(b, "/api/ask", &huge, None).status, 413);
    let empty = post(b, "/api/ask", &json!({"question": "   "}).to_string(), None);
    assert_eq!(empty.status, 400, "{}", empty.body);

    // A question, then a follow-up in the same session, then a new session.
    let a1 = post(b, "/api/ask", &json!({"question": "比亚迪2021年营收多少？"}).to_string(), None);
    assert_eq!(a1.status, 200, "{}", a1.body);
    let a1 = a1.json();
    let session = a1["session"].as_str().unwrap().to_string();
    assert!(a1["sql"].as_str().unwrap().contains("比亚迪股份有限公司"));
    assert!(a1["sentence"].as_str().unwrap().contains("比亚迪"));
    assert!(a1["timings"]["total_ms"].as_f64().unwrap() > 0.0);
    let a2 = post(b, "/api/ask", &json!({"question": "那2020年呢？", "session": session}).to_string(), None).json();
    assert_eq!(a2["session"], session.as_str());
    assert_eq!(a2["understood"]["follow_up"], "year");
    assert_eq!(a2["understood"]["question"], "比亚迪2020年营收多少？");
    assert!(a2["sql"].as_str().unwrap().contains("2020年"));
    let fresh = post(b, "/api/ask", &json!({"question": "那2020年呢？"}).to_string(), None).json();
    assert_ne!(fresh["session"], session.as_str());
    assert!(fresh.get("understood").map_or(true, |u| u["follow_up"] == "standalone"), "no context in a new session: {fresh}");

    let unknown = post(b, "/api/ask", &json!({"question": "字节跳动2021年营收多少？"}).to_string(), None);
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.json()["kind"], "unknown_company");

    let m = get(b, "/metrics", None);
    assert_eq!(m.status, 200);
    assert!(m.body.contains("nl2sql_http_requests_total"), "{}", m.body);
    assert!(m.body.contains("path=\"/api/ask\""));
    assert!(m.body.contains("nl2sql_queue_depth"));
    assert!(m.body.contains("nl2sql_http_request_duration_seconds_bucket"));
}

#[test]
fn bearer_token_and_non_loopback_bind() {
    // Without a token a public address is refused before the model loads.
    let out = Command::new(env!("CARGO_BIN_EXE_nl2sql")).current_dir(catalog::repo_root()).args(["serve", "--addr", "0.0.0.0:0"]).env_remove("NL2SQL_TOKEN").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
    let short = Command::new(env!("CARGO_BIN_EXE_nl2sql")).current_dir(catalog::repo_root()).args(["serve", "--token", "short"]).output().unwrap();
    assert_eq!(short.status.code(), Some(2));

    let token = "t0ken-for-the-http-test-0123";
    let s = start(&["--token", token]);
    let b = s.base.as_str();
    assert_eq!(get(b, "/healthz", None).status, 200, "health stays open for probes");
    assert_eq!(get(b, "/", None).status, 200, "the page loads and asks for the token");
    let no = get(b, "/api/schema", None);
    assert_eq!(no.status, 401);
    assert_eq!(no.header("www-authenticate"), Some("Bearer"));
    assert_eq!(get(b, "/api/schema", Some("t0ken-for-the-http-test-0124")).status, 401);
    assert_eq!(get(b, "/metrics", None).status, 401);
    assert_eq!(post(b, "/api/sql", &json!({"sql": "select 1"}).to_string(), None).status, 401);
    assert_eq!(get(b, "/api/schema", Some(token)).status, 200);
    assert_eq!(post(b, "/api/sql", &json!({"sql": "select count(*) from big"}).to_string(), Some(token)).status, 200);
}

#[test]
fn full_queue_timeout_and_graceful_shutdown() {
    // One waiting place: of 6 questions at once at most 2 (one running, one waiting)
    // are answered; the others get 503 with Retry-After at once. A 1 s timeout turns
    // the long waits into 503 too; nothing else.
    let s = start(&["--queue", "1", "--timeout-s", "1"]);
    let b = s.base.clone();
    let t0 = Instant::now();
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let b = b.clone();
            std::thread::spawn(move || post(&b, "/api/ask", &json!({"question": format!("{}年贵州茅台的营业收入是多少？", 2019 + i % 3)}).to_string(), None))
        })
        .collect();
    let replies: Vec<Reply> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let busy: Vec<&Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(replies.iter().all(|r| r.status == 503 || r.status == 200), "{:?}", replies.iter().map(|r| (r.status, &r.body)).collect::<Vec<_>>());
    assert!(busy.len() >= 4, "{} of 6 refused", busy.len());
    assert!(busy.iter().all(|r| r.header("retry-after") == Some("5")));
    assert!(t0.elapsed() < Duration::from_secs(60), "refusals are immediate, the timeout bounds the rest");
    // A job whose request gave up is skipped when the worker reaches it: the queue drains.
    let drained = Instant::now() + Duration::from_secs(60);
    while get(&b, "/healthz", None).json()["queue_depth"] != 0 {
        assert!(Instant::now() < drained, "queue never drained");
        std::thread::sleep(Duration::from_millis(200));
    }

    // SIGTERM with a question in flight: it is answered (200 or 503) and the process exits 0.
    let mut s = s;
    let b2 = b.clone();
    let inflight = std::thread::spawn(move || post(&b2, "/api/ask", &json!({"question": "2021年宁德时代的研发费用是多少？"}).to_string(), None));
    std::thread::sleep(Duration::from_millis(300));
    let pid = s.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let r = inflight.join().unwrap();
    assert!(r.status == 200 || r.status == 503, "{} {}", r.status, r.body);
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st.code();
        }
        assert!(Instant::now() < deadline, "no exit within 30 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code, Some(0));
}
