//! Deterministic mutation stress of `SqlGuard::check` (runs on stable; the
//! coverage-guided target is guard/fuzz). 20,000 mutants of corpus entries and
//! gold SQL (byte flips, splices, truncations, insertions of SQL-significant
//! characters) must never panic, and anything approved must be one query that
//! the guard approves again, unchanged, from its own output.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const PIECES: [&str; 40] = [
    "'",
    "\"",
    "`",
    "[",
    "]",
    ";",
    "(",
    ")",
    "--",
    "/*",
    "*/",
    " ",
    "\n",
    "\0",
    "\\",
    "%",
    ",",
    ".",
    "=",
    "*",
    "；",
    "（",
    "）",
    "＝",
    "‘",
    "’",
    "“",
    "”",
    "年份",
    "2021",
    "2021年",
    "SELECT",
    "FROM",
    "WHERE",
    "DROP TABLE big",
    "UNION SELECT",
    "load_extension(",
    "```",
    "\u{200b}",
    "🙂",
];

fn mutate(rng: &mut XorShift, a: &str, b: &str) -> String {
    let mut bytes = a.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(6) {
            // flip a byte (may leave invalid UTF-8: repaired lossily below)
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.truncate(rng.below(bytes.len() + 1)),
            2 => {
                let i = rng.below(bytes.len() + 1);
                let bb = b.as_bytes();
                let (s, e) = (rng.below(bb.len() + 1), rng.below(bb.len() + 1));
                let (s, e) = (s.min(e), s.max(e));
                bytes.splice(i..i, bb[s..e].iter().copied());
            }
            3 if !bytes.is_empty() => {
                let (s, e) = (rng.below(bytes.len()), rng.below(bytes.len()));
                bytes.drain(s.min(e)..s.max(e));
            }
            _ => {
                let i = rng.below(bytes.len() + 1);
                bytes.splice(i..i, PIECES[rng.below(PIECES.len())].bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn twenty_thousand_mutants_never_panic() {
    let guard = common::guard();
    let mut seeds: Vec<String> =
        common::read_jsonl("tests/data/guard_adversarial.jsonl").iter().map(|i| i["sql"].as_str().unwrap().to_string()).collect();
    seeds.extend(common::executing_gold().into_iter().step_by(10).map(|g| g.1));
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut approved, mut refused) = (0usize, 0usize);
    let t0 = Instant::now();
    for n in 0..20_000 {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, a, b);
        let result = catch_unwind(AssertUnwindSafe(|| guard.check(&input))).unwrap_or_else(|_| panic!("mutant {n} panicked: {input:?}"));
        match result {
            Err(_) => refused += 1,
            Ok(c) => {
                approved += 1;
                assert!(matches!(c.statement, sqlparser::ast::Statement::Query(_)));
                // Approved output is a fixed point: checking it again changes nothing.
                let again = guard.check(&c.sql).unwrap_or_else(|e| panic!("mutant {n}: {input:?} approved as {:?}, which is refused: {e}", c.sql));
                assert_eq!(again.sql, c.sql, "mutant {n}: {input:?}");
            }
        }
    }
    eprintln!("stress: 20000 mutants in {:?}: {approved} approved, {refused} refused, no panic", t0.elapsed());
}
