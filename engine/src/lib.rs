//! nl2sql engine: question → recall → prompt → SQL → guard → rows → answer.
//! The stages live in their own crates (`recall`, `llm`, `guard`); this crate
//! wires them and holds what users touch: `answer()`, eval, REPL, CLI.

pub mod answer;
pub mod bench;
pub mod classify;
pub mod compute;
pub mod constrain;
pub mod entity_fix;
pub mod eval;
pub mod eval_conv;
pub mod prompt;
pub mod scope;
pub mod sentence;
pub mod serve;
pub mod session;
pub mod shape;
pub mod sft;
pub mod table;

pub use answer::{answer, Answer, Attempt, Config, Engine, Error, Generator, StageTimings};
pub use classify::QuestionClass;
pub use session::{FollowUp, Session, Understood};
