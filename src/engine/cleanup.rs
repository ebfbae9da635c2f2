//! The run's identity and its stop signals. Every server a run starts is tied to the run id
//! (a container label for the Docker launcher, a registry directory for the process launcher),
//! so an interrupted run can remove exactly its own servers, and a later run those of a dead
//! one. Normal runs remove their servers on drop.

use std::sync::OnceLock;

/// Docker label put on every container this process starts.
pub const RUN_LABEL: &str = "io.github.neo4j-migration-harness.run";

/// This process's run id: `<pid>-<random>`.
pub fn run_id() -> String {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| format!("{}-{:08x}", std::process::id(), rand::random::<u32>()))
        .clone()
}

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (`timeout`, `docker stop`, CI cancellation, Kubernetes).
    Terminate,
    /// SIGHUP (the terminal went away).
    HangUp,
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::HangUp => "SIGHUP",
        })
    }
}

/// The stop signals, listened to from installation on (so a signal that arrives while a server
/// is starting is not lost).
pub struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs handlers for SIGINT, SIGTERM and SIGHUP (needs a tokio runtime).
    pub fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// The next stop signal.
    pub async fn next(mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
            _ = self.hangup.recv() => Signal::HangUp,
        }
    }
}
