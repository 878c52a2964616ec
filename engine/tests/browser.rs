//! The web page in a real browser: headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it) loads the page from `nl2sql serve`, types a question and a follow-up
//! into the box and submits them (the page's `?q=` links do exactly that), and waits
//! for the answers (`--virtual-time-budget` holds the clock while a fetch is pending).
//! The test reads the DOM it dumps and saves a screenshot as docs/workbench.png.

use scraper::{Html, Selector};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn chromium() -> PathBuf {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = PathBuf::from(dir).join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("no Chromium found: install Debian's `chromium` package (apt-get install chromium) or set CHROMIUM");
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn browser(url: &str, extra: &[&str]) -> std::process::Output {
    let profile = std::env::temp_dir().join(format!("nl2sql-chromium-{}", std::process::id()));
    let out = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--window-size=1280,1500", "--virtual-time-budget=240000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    out
}

fn text(doc: &Html, css: &str) -> String {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>()).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_page_answers_a_question_and_a_follow_up_with_table_and_chart() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nl2sql"))
        .current_dir(catalog::repo_root())
        .args(["--threads", "2", "serve", "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(300)).expect("server start");
    let url = format!("{base}?q={}&q={}", enc("比亚迪2020年营收多少？"), enc("2019年到2021年每年的呢"));

    let dump = browser(&url, &["--dump-dom"]);
    assert!(dump.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dump.stderr));
    let doc = Html::parse_document(&String::from_utf8_lossy(&dump.stdout));
    assert_eq!(doc.root_element().select(&Selector::parse("body[data-auto=done]").unwrap()).count(), 1, "both questions were asked and answered");
    let history = Selector::parse("#history li").unwrap();
    assert_eq!(doc.select(&history).count(), 2, "the session's history lists both questions");
    let sentence = text(&doc, "#sentence");
    assert!(sentence.contains("比亚迪") && sentence.contains("2019年") && sentence.contains("2021年"), "sentence: {sentence}");
    assert!(sentence.contains("亿元"), "large amounts also in 亿元: {sentence}");
    let understood = text(&doc, "#understood");
    assert!(understood.starts_with("理解为：") && understood.contains("比亚迪") && understood.contains("每年"), "understood: {understood}");
    let sql = text(&doc, "#sql");
    assert!(sql.to_uppercase().contains("SELECT") && sql.contains("比亚迪股份有限公司"), "sql: {sql}");
    let rows = Selector::parse("#result tbody tr").unwrap();
    assert_eq!(doc.select(&rows).count(), 3, "one table row per year");
    let num = Selector::parse("#result tbody td.num").unwrap();
    assert!(doc.select(&num).count() >= 3, "numbers are right-aligned cells");
    assert!(text(&doc, "#result td.num .yi").contains("亿"), "amounts also shown in 亿");
    let chart = Selector::parse("canvas#chart[data-kind=line][data-points='3']").unwrap();
    assert_eq!(doc.select(&chart).count(), 1, "a line chart over the three years");
    assert!(text(&doc, "#evidence").contains("比亚迪股份有限公司"), "the evidence names the linked company");
    assert!(!text(&doc, "#timings").is_empty());

    let shot = catalog::repo_root().join("docs/workbench.png");
    let out = browser(&url, &[&format!("--screenshot={}", shot.display())]);
    assert!(out.status.success(), "screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.len() > 20_000 && png.starts_with(b"\x89PNG"), "a real screenshot ({} bytes)", png.len());

    let _ = child.kill();
    let _ = child.wait();
}
