//! An OpenAI-compatible chat backend (llama.cpp's llama-server, vLLM) for
//! deployments where one CPU is not enough. Plain HTTP/1.1 over std's TcpStream:
//! the servers it talks to sit on the same host or a private network.
//! What comes back is bounded: at most `max_response_bytes` are read, the body is
//! de-chunked as bytes and decoded as UTF-8 only when whole (a character split
//! between chunks stays one character), and the answer text is cut to
//! [`MAX_ANSWER_CHARS`] — it is quoted back to the model when a retry is needed.

use crate::{ChatPrompt, GenOptions, Generation, LlmError, SqlGenerator};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Default for the most bytes read from one response (status line, headers, body).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Longest answer kept, in characters; an SQL answer is a few hundred.
pub const MAX_ANSWER_CHARS: usize = 4000;

pub struct HttpGenerator {
    host: String,
    port: u16,
    path_prefix: String,
    model: String,
    timeout: Duration,
    max_response_bytes: usize,
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
        Ok(HttpGenerator { host, port, path_prefix, model: model.to_string(), timeout: Duration::from_secs(120), max_response_bytes: MAX_RESPONSE_BYTES })
    }

    /// Read at most `n` bytes of any response; a longer one is an error.
    pub fn with_max_response_bytes(mut self, n: usize) -> HttpGenerator {
        self.max_response_bytes = n;
        self
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
        let max = self.max_response_bytes;
        (&mut stream).take(max as u64 + 1).read_to_end(&mut raw).map_err(http_err)?;
        if raw.len() > max {
            return Err(http_err(format!("response longer than {max} bytes; refused")));
        }
        let split = find(&raw, b"\r\n\r\n").ok_or_else(|| http_err("malformed HTTP response"))?;
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let body = &raw[split + 4..];
        let status = head.split_whitespace().nth(1).unwrap_or("").to_string();
        let body = if head.contains("transfer-encoding: chunked") { dechunk(body)? } else { body.to_vec() };
        let body = String::from_utf8_lossy(&body).into_owned();
        if status != "200" {
            return Err(http_err(format!("HTTP {status}: {}", body.chars().take(300).collect::<String>())));
        }
        Ok(body)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A chunked body, as bytes: `<hex size>[;ext]\r\n<size bytes>\r\n` … `0\r\n`.
fn dechunk(mut s: &[u8]) -> Result<Vec<u8>, LlmError> {
    let mut out = Vec::new();
    loop {
        let end = find(s, b"\r\n").ok_or_else(|| http_err("malformed chunked body"))?;
        let size = String::from_utf8_lossy(&s[..end]);
        let size = size.split(';').next().unwrap_or("").trim();
        let n = usize::from_str_radix(size, 16).map_err(|_| http_err(format!("bad chunk size {size:?}")))?;
        let rest = &s[end + 2..];
        if n == 0 {
            return Ok(out);
        }
        if rest.len() < n {
            return Err(http_err("chunked body ends inside a chunk"));
        }
        out.extend_from_slice(&rest[..n]);
        s = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
}

/// At most `max` characters of `text`.
fn cap_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => text[..i].to_string(),
        None => text.to_string(),
    }
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
            text: cap_chars(text, MAX_ANSWER_CHARS),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-shot server on loopback that answers with `response`, returning its URL.
    fn serve(response: Vec<u8>) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            // Read the whole request before answering (an unread request makes the close a reset).
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf) {
                req.extend_from_slice(&buf[..n]);
                if let Some(h) = find(&req, b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&req[..h]).to_ascii_lowercase();
                    let len: usize = head.split("content-length:").nth(1).and_then(|v| v.lines().next()).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                    if req.len() >= h + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let _ = s.write_all(&response);
        });
        url
    }

    fn ask(url: &str) -> Result<Generation, LlmError> {
        let p = ChatPrompt { system: "s".into(), user: "u".into() };
        HttpGenerator::new(url, "m").unwrap().with_max_response_bytes(1 << 20).generate(&p, &GenOptions::default())
    }

    fn content(text: &str) -> Vec<u8> {
        serde_json::json!({"choices": [{"message": {"content": text}}], "usage": {"prompt_tokens": 3, "completion_tokens": 2}}).to_string().into_bytes()
    }

    /// Before: the body was decoded before de-chunking, so a character split between
    /// chunks became U+FFFD, the chunk sizes no longer matched and slicing panicked.
    #[test]
    fn utf8_split_between_chunks_is_one_character() {
        let body = content("SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司'");
        let cut = body.iter().position(|&b| b >= 0x80).unwrap() + 1; // inside the first Chinese character
        let mut resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for part in [&body[..cut], &body[cut..]] {
            resp.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            resp.extend_from_slice(part);
            resp.extend_from_slice(b"\r\n");
        }
        resp.extend_from_slice(b"0\r\n\r\n");
        let g = ask(&serve(resp)).unwrap();
        assert_eq!(g.text, "SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司'");
        assert_eq!((g.prompt_tokens, g.new_tokens), (3, 2));
    }

    #[test]
    fn oversized_responses_and_answers_are_bounded() {
        let mut big = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 3 << 20));
        let e = ask(&serve(big)).unwrap_err();
        assert!(e.to_string().contains("longer than 1048576 bytes"), "{e}");
        let mut long = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        long.extend(content(&"长".repeat(100_000)));
        let g = ask(&serve(long)).unwrap();
        assert_eq!(g.text.chars().count(), MAX_ANSWER_CHARS);
    }

    #[test]
    fn malformed_chunks_and_errors_are_errors_not_panics() {
        for resp in [
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc"[..],
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nabc",
            b"HTTP/1.1 500 Oops\r\n\r\n\xe4\xb8",
            b"garbage",
        ] {
            assert!(ask(&serve(resp.to_vec())).is_err());
        }
    }
}
