//! The real `nl2sql` binary under hostile input: no panic (exit 101) or signal
//! anywhere in the guard corpus, peak RSS of `sql` under 600 MB per item, a
//! closed stdout ends quietly, bad flags and files are usage errors (exit 2), and
//! `ask`, `sql`, `recall` and `eval` leave no file in the home, temp or database
//! directories.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn nl2sql() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nl2sql"));
    c.current_dir(catalog::repo_root());
    c
}

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nl2sql-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    /// `None` when a signal ended it.
    code: Option<i32>,
    max_rss_mb: f64,
    took: Duration,
    stdout: Vec<u8>,
    stderr: String,
}

/// Run to the end with stdout and stderr in files; wait4 gives the child's own peak RSS.
fn run_measured(mut cmd: Command, scratch: &Path, tag: &str) -> Run {
    let (out_path, err_path) = (scratch.join(format!("{tag}.out")), scratch.join(format!("{tag}.err")));
    cmd.stdin(Stdio::null()).stdout(std::fs::File::create(&out_path).unwrap()).stderr(std::fs::File::create(&err_path).unwrap());
    let t0 = Instant::now();
    let child = cmd.spawn().expect("start nl2sql");
    let (mut status, mut ru): (libc::c_int, libc::rusage) = (0, unsafe { std::mem::zeroed() });
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    assert!(pid > 0, "wait4 failed");
    let took = t0.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let run = Run {
        code,
        max_rss_mb: ru.ru_maxrss as f64 / 1024.0,
        took,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    run
}

fn corpus() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(catalog::repo_root().join("tests/data/guard_adversarial.jsonl")).unwrap();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn every_corpus_item_through_the_binary_is_bounded_and_never_panics() {
    let items = corpus();
    let tmp = fresh_dir("corpus-tmp");
    let scratch = fresh_dir("corpus-out");
    let failures = std::sync::Mutex::new(Vec::new());
    let worst = std::sync::Mutex::new((0.0f64, String::new(), Duration::ZERO, String::new()));
    std::thread::scope(|s| {
        for part in 0..2 {
            let (items, tmp, scratch, failures, worst) = (&items, &tmp, &scratch, &failures, &worst);
            s.spawn(move || {
                for item in items.iter().skip(part).step_by(2) {
                    let (id, sql, expect) = (item["id"].as_str().unwrap(), item["sql"].as_str().unwrap(), item["expect"].as_str().unwrap());
                    if sql.contains('\0') {
                        continue; // a NUL cannot be passed in argv; the guard's own corpus test covers these
                    }
                    let mut cmd = nl2sql();
                    cmd.args(["sql", "--", sql]).env("TMPDIR", tmp).env("SQLITE_TMPDIR", tmp);
                    let r = run_measured(cmd, scratch, id);
                    let mut w = worst.lock().unwrap();
                    if r.max_rss_mb > w.0 {
                        (w.0, w.1) = (r.max_rss_mb, id.to_string());
                    }
                    if r.took > w.2 {
                        (w.2, w.3) = (r.took, id.to_string());
                    }
                    drop(w);
                    let wanted: &[i32] = match expect {
                        "refuse" | "limit" => &[1],
                        _ => &[0, 1],
                    };
                    let mut bad = Vec::new();
                    if !r.code.is_some_and(|c| wanted.contains(&c)) {
                        bad.push(format!("exit {:?} (want {wanted:?})", r.code));
                    }
                    if r.stderr.contains("panicked") {
                        bad.push("panic message".into());
                    }
                    if r.max_rss_mb > 600.0 {
                        bad.push(format!("peak RSS {:.0} MB", r.max_rss_mb));
                    }
                    // Process start and catalog load on top of the 2 s limit, on a loaded machine.
                    if r.took > Duration::from_secs(6) {
                        bad.push(format!("took {:?}", r.took));
                    }
                    if r.stdout.contains(&0x1b) || r.stdout.len() > 1_000_000 {
                        bad.push(format!("printed {} bytes, escape: {}", r.stdout.len(), r.stdout.contains(&0x1b)));
                    }
                    if !bad.is_empty() {
                        failures.lock().unwrap().push(format!("{id}: {} <- {sql:?}; stderr {}", bad.join(", "), r.stderr.chars().take(200).collect::<String>()));
                    }
                }
            });
        }
    });
    let w = worst.into_inner().unwrap();
    eprintln!("{} items: peak RSS {:.0} MB ({}), slowest {:?} ({})", items.len(), w.0, w.1, w.2, w.3);
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "temporary files appeared: {left:?}");
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn closed_stdout_ends_quietly() {
    // The JSON of one 450 kB cell is far more than a pipe holds: the writer meets the closed pipe.
    let mut child = nl2sql()
        .args(["sql", "--json", "SELECT group_concat(公司名称) FROM big"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout's read end is dropped here.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn usage_error(args: &[&str], must_say: &[&str]) {
    let out = nl2sql().args(args).stdin(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    for s in must_say {
        assert!(stderr.contains(s), "{args:?}: {stderr:?} does not say {s:?}");
    }
}

#[test]
fn bad_flags_and_files_are_usage_errors() {
    for n in ["0", "100000", "-3", "lots", "18446744073709551616"] {
        usage_error(&[&format!("--threads={n}"), "sql", "SELECT 1"], &["--threads"]);
    }
    usage_error(&["--db", "/nonexistent/x.sqlite", "sql", "SELECT 1"], &["/nonexistent/x.sqlite", "--db"]);
    usage_error(&["--db", "/nonexistent/x.sqlite", "ask", "2021年比亚迪的营业收入是多少？"], &["/nonexistent/x.sqlite", "--db"]);
    usage_error(&["--db", "README.md", "sql", "SELECT 1"], &["README.md"]);
    usage_error(&["--model", "/nonexistent/m.gguf", "ask", "2021年比亚迪的营业收入是多少？"], &["/nonexistent/m.gguf", "--model"]);
    usage_error(&["--adapter", "/nonexistent/lora", "ask", "2021年比亚迪的营业收入是多少？"], &["/nonexistent/lora", "--adapter none"]);
    let dir = fresh_dir("lora");
    for alpha in ["1e308", "-1e9", "1e300"] {
        std::fs::write(dir.join("adapter_config.json"), format!(r#"{{"r": 8, "lora_alpha": {alpha}}}"#)).unwrap();
        usage_error(&["--adapter", dir.to_str().unwrap(), "ask", "2021年比亚迪的营业收入是多少？"], &["lora_alpha", "scale"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An OpenAI-compatible stand-in that always answers with one SQL query.
fn fake_backend(sql: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut req = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = s.read(&mut buf) {
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req).to_string();
                if let Some(h) = text.find("\r\n\r\n") {
                    let len: usize = text[..h].to_ascii_lowercase().split("content-length:").nth(1).and_then(|v| v.lines().next()?.trim().parse().ok()).unwrap_or(0);
                    if req.len() >= h + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let body = serde_json::json!({"choices": [{"message": {"content": sql}}], "usage": {"prompt_tokens": 10, "completion_tokens": 5}}).to_string();
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    url
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap_or(&p).display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn ask_sql_recall_and_eval_leave_no_files_behind() {
    let (home, tmp, db_dir, inputs) = (fresh_dir("home"), fresh_dir("tmp"), fresh_dir("db"), fresh_dir("inputs"));
    let db = db_dir.join("finglm.sqlite");
    std::fs::copy(catalog::default_db_path(), &db).unwrap();
    let set = inputs.join("set.jsonl");
    std::fs::write(&set, "{\"question\": \"2021年比亚迪的营业收入是多少元？\", \"sql\": \"SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司' AND 年份 = '2021年'\"}\n").unwrap();
    let url = fake_backend("SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪' AND 年份 = '2021年'");
    let watched = [&home, &tmp, &db_dir];
    let before: Vec<Vec<String>> = watched.iter().map(|d| listing(d)).collect();
    let nl2sql_home = llm::fetch::home_dir();
    let runs: Vec<Vec<&str>> = vec![
        vec!["sql", "SELECT count(DISTINCT a.公司名称 || b.公司名称) FROM big a, big b"],
        vec!["sql", "SELECT a.公司名称 || printf('%.*c', 2000, 'x') AS k FROM big a, big b ORDER BY k LIMIT 1"],
        vec!["recall", "2021年比亚迪的营业收入是多少元？"],
        vec!["--backend-url", &url, "ask", "2021年比亚迪的营业收入是多少元？"],
        vec!["--backend-url", &url, "eval", "--set", set.to_str().unwrap()],
    ];
    for args in &runs {
        let out = nl2sql()
            .args(["--db", db.to_str().unwrap()])
            .args(args)
            .env("HOME", &home)
            .env("NL2SQL_HOME", &nl2sql_home)
            .env("TMPDIR", &tmp)
            .env("SQLITE_TMPDIR", &tmp)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("ORT_DISABLE_TELEMETRY")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {:?} {stderr}", out.status);
        if args.contains(&"ask") {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("比亚迪股份有限公司"), "{stdout}\n{stderr}");
        }
    }
    let after: Vec<Vec<String>> = watched.iter().map(|d| listing(d)).collect();
    for ((d, b), a) in watched.iter().zip(&before).zip(&after) {
        assert_eq!(a, b, "files appeared in {}", d.display());
    }
    for d in [home, tmp, db_dir, inputs] {
        let _ = std::fs::remove_dir_all(d);
    }
}
