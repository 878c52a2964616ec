//! The REPL driven as an analyst would: in a real pseudo-terminal (tmux), typing
//! questions and commands, reading the screen.

use std::process::Command;
use std::time::{Duration, Instant};

struct Pane(String);

impl Pane {
    fn start(bin: &str) -> Pane {
        let name = format!("nl2sql-repl-{}", std::process::id());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x", "220", "-y", "60", &format!("{bin} repl")])
            .status()
            .expect("tmux must be installed to test the REPL in a terminal");
        assert!(ok.success());
        Pane(name)
    }
    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-S", "-2000", "-t", &self.0]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.0.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }
    fn line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }
    /// Wait until `needle` appears at least `count` times on the screen.
    fn wait_for(&self, needle: &str, count: usize, secs: u64) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            if s.matches(needle).count() >= count {
                return s;
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                panic!("timed out waiting for {needle:?} x{count}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    /// Send a line and wait until `needle` appears once more than before.
    fn ask(&self, text: &str, needle: &str, secs: u64) -> String {
        let before = self.screen().matches(needle).count();
        self.line(text);
        self.wait_for(needle, before + 1, secs)
    }
    fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.0]).status().map(|s| s.success()).unwrap_or(false)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).status();
    }
}

#[test]
fn analyst_session_in_a_terminal() {
    let p = Pane::start(env!("CARGO_BIN_EXE_nl2sql"));
    p.wait_for("nl2sql REPL", 1, 300);
    p.ask(":help", ":quit", 10);

    let s = p.ask("2019年三一重工的资产总计是多少元？", "答：", 120);
    assert!(s.contains("资产总计"), "{s}");

    p.ask(":sql", "SELECT", 10);
    let s = p.ask(":why", "召回列（", 10);
    assert!(s.contains("公司：「三一重工」"), "{s}");

    p.ask(":run DROP TABLE big", "拒绝 [", 10);
    p.ask(":run SELECT 股票简称, 职工总数 FROM big WHERE 股票代码 = '600031' AND 年份 = '2021年'", " 行，", 10);

    p.ask(":schema 营业收入", "营业收入（", 10);
    p.ask(":nope", "未知命令", 10);

    // Multi-line input: a trailing backslash continues the question.
    let before = p.screen().matches("答：").count();
    p.line("2019年三一重工的\\");
    p.line("资产总计是多少元？");
    p.wait_for("答：", before + 1, 120);

    // Ctrl-C during a generation interrupts it, not the REPL.
    p.line("2020年在南京注册的上市公司中研发费用最高的是哪家？");
    std::thread::sleep(Duration::from_millis(300));
    p.keys(&["C-c"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(p.alive(), "Ctrl-C ended the REPL");
    p.ask(":help", ":quit", 120);

    p.line(":quit");
    let t0 = Instant::now();
    while p.alive() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!p.alive(), ":quit did not exit");
}
