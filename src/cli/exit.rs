/// Exit codes, documented in README.md ("Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every scenario passed (or every file validated).
    Pass = 0,
    /// A run completed and at least one check failed.
    CheckFailed = 1,
    /// A scenario file, a fixture or an argument is invalid; nothing was started.
    BadInput = 2,
    /// A run could not complete: Docker, an image, a server, a connection or a statement failed.
    Infrastructure = 3,
    /// Interrupted by SIGHUP (128 + 1); the servers the run started were removed.
    HangUp = 129,
    /// Interrupted by Ctrl-C (SIGINT, 128 + 2); the servers the run started were removed.
    Interrupted = 130,
    /// Stopped by SIGTERM (128 + 15); the servers the run started were removed.
    Terminated = 143,
}

impl Exit {
    /// The exit code for a run stopped by `signal`.
    pub fn interrupted(signal: crate::engine::cleanup::Signal) -> Exit {
        use crate::engine::cleanup::Signal;
        match signal {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
            Signal::HangUp => Exit::HangUp,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
