//! The one model worker: a thread that owns the `Engine` and the conversations and
//! answers jobs from a bounded queue, one at a time (the model is one shared engine).

use crate::answer::{Answer, Engine, Error};
use crate::session::Session;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// One question waiting for the model.
pub struct AskJob {
    pub question: String,
    pub session: Option<String>,
    /// Set by the waiting request on timeout, and by shutdown: the job is skipped if
    /// it has not started, and its generation stops if it has.
    pub cancel: Arc<AtomicBool>,
    pub reply: oneshot::Sender<Result<Asked, AskError>>,
}

pub struct Asked {
    pub session: String,
    pub answer: Answer,
}

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("{0}")]
    Engine(#[from] Error),
    #[error("the request was cancelled before the model finished (timeout or shutdown)")]
    Cancelled,
}

/// Conversations kept at most; the least recently used one is dropped beyond it.
pub const MAX_SESSIONS: usize = 512;

pub struct Queue {
    pub tx: mpsc::Sender<AskJob>,
    /// Jobs sent and not yet picked up by the worker.
    pub depth: Arc<AtomicUsize>,
    pub shutting_down: Arc<AtomicBool>,
    /// The cancel flag of the job the model is working on.
    pub running: Arc<std::sync::Mutex<Option<Arc<AtomicBool>>>>,
}

impl Queue {
    /// Cancel the running generation and refuse what still waits.
    pub fn shut_down(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        if let Some(c) = self.running.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            c.store(true, Ordering::SeqCst);
        }
    }
}

/// Start the worker thread; it ends when every sender is gone.
pub fn start(engine: Engine, capacity: usize) -> (Queue, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<AskJob>(capacity.max(1));
    let depth = Arc::new(AtomicUsize::new(0));
    let shutting_down = Arc::new(AtomicBool::new(false));
    let running = Arc::new(std::sync::Mutex::new(None));
    let q = Queue { tx, depth: depth.clone(), shutting_down: shutting_down.clone(), running: running.clone() };
    let handle = std::thread::Builder::new()
        .name("nl2sql-model".into())
        .spawn(move || work(engine, rx, depth, shutting_down, running))
        .expect("spawn the model worker thread");
    (q, handle)
}

fn work(engine: Engine, mut rx: mpsc::Receiver<AskJob>, depth: Arc<AtomicUsize>, shutting_down: Arc<AtomicBool>, running: Arc<std::sync::Mutex<Option<Arc<AtomicBool>>>>) {
    let mut sessions: HashMap<String, (Session, Instant)> = HashMap::new();
    let mut next_id: u64 = 0;
    while let Some(job) = rx.blocking_recv() {
        depth.fetch_sub(1, Ordering::SeqCst);
        if job.cancel.load(Ordering::SeqCst) || shutting_down.load(Ordering::SeqCst) || job.reply.is_closed() {
            let _ = job.reply.send(Err(AskError::Cancelled));
            continue;
        }
        let id = match job.session.filter(|s| sessions.contains_key(s)) {
            Some(s) => s,
            None => {
                next_id += 1;
                let id = session_id(next_id);
                if sessions.len() >= MAX_SESSIONS {
                    if let Some(oldest) = sessions.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone()) {
                        sessions.remove(&oldest);
                    }
                }
                sessions.insert(id.clone(), (Session::new(), Instant::now()));
                id
            }
        };
        *running.lock().unwrap_or_else(|e| e.into_inner()) = Some(job.cancel.clone());
        let gen = llm::GenOptions { cancel: Some(job.cancel.clone()), ..engine.gen_options() };
        let entry = sessions.get_mut(&id).expect("session inserted above");
        entry.1 = Instant::now();
        let res = entry.0.ask(&engine, &job.question, &gen);
        *running.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let res = match res {
            Ok(answer) => Ok(Asked { session: id, answer }),
            Err(Error::Model(llm::LlmError::Cancelled)) => Err(AskError::Cancelled),
            Err(e) => Err(AskError::Engine(e)),
        };
        let _ = job.reply.send(res);
    }
}

/// Not guessable from the outside (the process's random hash keys), unique per process.
fn session_id(n: u64) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    format!("{:016x}{:04x}", h.finish(), n & 0xffff)
}
