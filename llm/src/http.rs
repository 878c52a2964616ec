//! An OpenAI-compatible chat backend (llama.cpp's llama-server, vLLM) for
//! deployments where one CPU is not enough. Plain HTTP/1.1 over std's TcpStream:
//! the servers it talks to sit on the same host or a private network.

use crate::{ChatPrompt, GenOptions, Generation, LlmError, SqlGenerator};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub struct HttpGenerator {
    host: String,
    port: u16,
    path_prefix: String,
    model: String,
    timeout: Duration,
}

fn http_err(e: impl std::fmt::Display) -> LlmError {
    LlmError::Http(e.to_string())
}

impl HttpGenerator {
    /// `base` like `http://127.0.0.1:8080` or `http://host:8000/v1`.
    pub fn new(base: &str, model: &str) -> Result<HttpGenerator, LlmError> {
        let rest = base.strip_prefix("http://").ok_or_else(|| http_err(format!("{base}: only http:// URLs are supported")))?;
        let (hostport, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{}", p.trim_end_matches('/')))).unwrap_or((rest, String::new()));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| http_err(format!("bad port in {base}")))?),
            None => (hostport.to_string(), 80),
        };
        let path_prefix = if path.ends_with("/v1") { path } else { format!("{path}/v1") };
        Ok(HttpGenerator { host, port, path_prefix, model: model.to_string(), timeout: Duration::from_secs(120) })
    }

    fn post(&self, path: &str, body: &str) -> Result<String, LlmError> {
        let mut stream = TcpStream::connect((self.host.as_str(), self.port)).map_err(|e| http_err(format!("connect {}:{}: {e}", self.host, self.port)))?;
        stream.set_read_timeout(Some(self.timeout)).map_err(http_err)?;
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host, self.port, body.len()
        );
        stream.write_all(req.as_bytes()).map_err(http_err)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(http_err)?;
        let raw = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(|| http_err("malformed HTTP response"))?;
        let status = head.split_whitespace().nth(1).unwrap_or("");
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
        if status != "200" {
            return Err(http_err(format!("HTTP {status}: {}", body.chars().take(300).collect::<String>())));
        }
        Ok(body)
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

impl SqlGenerator for HttpGenerator {
    fn generate(&self, prompt: &ChatPrompt, opts: &GenOptions) -> Result<Generation, LlmError> {
        let body = serde_json::json!({
            "model": self.model,
            "messages": [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}],
            "temperature": 0.0,
            "max_tokens": opts.max_new_tokens,
        });
        let t0 = Instant::now();
        let resp = self.post(&format!("{}/chat/completions", self.path_prefix), &body.to_string())?;
        let v: serde_json::Value = serde_json::from_str(&resp).map_err(|e| http_err(format!("bad JSON: {e}")))?;
        let text = v["choices"][0]["message"]["content"].as_str().ok_or_else(|| http_err("response has no choices[0].message.content"))?;
        let usage = &v["usage"];
        Ok(Generation {
            text: text.to_string(),
            prompt_tokens: usage["prompt_tokens"].as_u64().unwrap_or(0) as usize,
            cached_tokens: 0,
            new_tokens: usage["completion_tokens"].as_u64().unwrap_or(0) as usize,
            prefill_ms: 0.0,
            decode_ms: t0.elapsed().as_secs_f64() * 1e3,
            ..Generation::default()
        })
    }

    fn describe(&self) -> String {
        format!("http://{}:{}{} ({})", self.host, self.port, self.path_prefix, self.model)
    }

    fn count_tokens(&self, _prompt: &ChatPrompt) -> Option<usize> {
        None
    }
}
