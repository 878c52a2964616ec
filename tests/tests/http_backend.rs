//! The OpenAI-compatible HTTP backend against a real llama.cpp `llama-server`,
//! started here on loopback with the same GGUF and stopped afterwards.
//! The server comes from benches/build_llama_cpp.sh (or NL2SQL_LLAMA_SERVER). It
//! needs that build and the 0.5B model, so it is `#[ignore]`d with the reason
//! (`cargo test -- --ignored` runs it); run, it fails when it cannot run — it
//! never passes without testing. The backend's own HTTP handling (chunks, UTF-8,
//! size caps) is tested without a server in `llm/src/http.rs`.

use engine::{Config, Engine, Generator};
use llm::{ChatPrompt, GenOptions, HttpGenerator, SqlGenerator};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn llama_server() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NL2SQL_LLAMA_SERVER") {
        return Some(PathBuf::from(p));
    }
    let p = llm::fetch::home_dir().join("llama.cpp/build/bin/llama-server");
    p.exists().then_some(p)
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
#[ignore = "needs llama.cpp's llama-server (benches/build_llama_cpp.sh or NL2SQL_LLAMA_SERVER) and the 0.5B model; run with cargo test -- --ignored"]
fn http_backend_against_real_llama_server() {
    let built = llama_server().or_else(|| {
        // First run: build it (a few minutes on 2 cores), outside the repository.
        let script = catalog::repo_root().join("benches/build_llama_cpp.sh");
        let ok = Command::new("bash").arg(&script).stdout(Stdio::null()).status().map(|s| s.success()).unwrap_or(false);
        if ok { llama_server() } else { None }
    });
    let bin = built.expect("llama-server could not be built by benches/build_llama_cpp.sh and NL2SQL_LLAMA_SERVER is not set; this test cannot run");
    let model = llm::ensure_model(llm::ModelSize::Qwen05B, false).unwrap();
    let port = free_port();
    let child = Command::new(&bin)
        .args(["-m"]).arg(&model)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "-t", "2", "-c", "2048", "--temp", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start llama-server");
    let _server = Server(child);
    let t0 = Instant::now();
    while !healthy(port) {
        assert!(t0.elapsed() < Duration::from_secs(120), "llama-server did not become healthy");
        std::thread::sleep(Duration::from_millis(300));
    }
    let url = format!("http://127.0.0.1:{port}");
    let g = HttpGenerator::new(&url, "qwen").unwrap();
    let prompt = ChatPrompt {
        system: engine::prompt::SYSTEM_PROMPT.into(),
        user: "表 big 的列：\n营业收入 REAL\n公司名称 TEXT -- 公司全称\n年份 TEXT -- 如'2021年'\n问题：2021年比亚迪股份有限公司的营业收入是多少？".into(),
    };
    let out = g.generate(&prompt, &GenOptions { max_new_tokens: 80, cancel: None, ..Default::default() }).unwrap();
    assert!(out.text.to_uppercase().contains("SELECT"), "{}", out.text);
    assert!(out.prompt_tokens > 20 && out.new_tokens > 0, "{out:?}");

    // The whole engine on the HTTP backend.
    let e = Engine::open(Config { generator: Generator::Http { url: url.clone(), model: "qwen".into() }, show_progress: false, ..Config::default() }).unwrap();
    let a = e.answer("2019年三一重工的资产总计是多少元？").unwrap();
    assert!(!a.attempts.is_empty());
    assert!(e.generator.describe().contains("127.0.0.1"));

    // A server that is not there is a clear error, not a hang.
    let dead = HttpGenerator::new(&format!("http://127.0.0.1:{}", free_port()), "x").unwrap();
    let err = dead.generate(&prompt, &GenOptions::default()).unwrap_err();
    assert!(err.to_string().contains("connect"), "{err}");
}
