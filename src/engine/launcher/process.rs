//! The process launcher: a server as a local process, from binaries the setup scripts installed.
//!
//! Per server: a free loopback port, a private data directory inside this run's registry
//! directory ([`super::registry`]), readiness by a log line within the startup timeout, the log
//! tail in the error when the start fails. The returned guard kills the process and removes the
//! data directory when dropped (end of run, error, Ctrl-C, SIGTERM); servers that read their
//! stdin also stop when the harness dies, and the registry lets the next run remove what a
//! killed run left.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::watch;

use super::registry::{self, ProcessId};
use super::{Launched, Launcher, LogTail};
use crate::engine::descriptor::EngineDescriptor;
use crate::engine::request::ServerRequest;
use crate::engine::secret::Secret;
use crate::engine::EngineError;

/// How long a server gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// Starts servers as local processes.
pub struct ProcessLauncher;

/// A running server process. Dropping it kills the process (SIGKILL) and removes its data
/// directory and registry entry; [`ProcessServer::stop`] stops it cleanly first.
pub struct ProcessServer {
    child: Option<Child>,
    process: Option<ProcessId>,
    /// Held open so that a server watching its stdin lives exactly as long as this handle.
    stdin: Option<ChildStdin>,
    data_dir: Option<tempfile::TempDir>,
    pid_file: Option<PathBuf>,
}

impl ProcessServer {
    /// The server's data directory.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_ref().map(|d| d.path())
    }

    /// Stops the server with SIGTERM, waiting up to 20 s before SIGKILL; returns whether it
    /// stopped by itself. The data directory is removed when `self` is dropped.
    pub async fn stop(&mut self) -> bool {
        let (Some(child), Some(process)) = (self.child.as_mut(), self.process) else {
            return true;
        };
        registry::kill(process, "TERM");
        let clean = tokio::time::timeout(STOP_GRACE, child.wait()).await.is_ok();
        if !clean {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        self.child = None;
        clean
    }

    /// Stops the server cleanly (as [`ProcessServer::stop`]) and hands over its data
    /// directory instead of removing it: the store outlives the process, for an upgrade in
    /// place or an admin tool. `None` when the server did not stop by itself within the grace
    /// period (a killed server's store is not trusted).
    pub async fn stop_keeping_data(mut self) -> Option<tempfile::TempDir> {
        self.stdin = None;
        if !self.stop().await {
            return None;
        }
        self.data_dir.take()
    }
}

impl Drop for ProcessServer {
    fn drop(&mut self) {
        self.stdin = None;
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            if let Some(process) = self.process {
                // Blocking, but short: SIGKILL takes effect at once. Waiting keeps the data
                // directory from being written to while it is removed.
                registry::wait_gone(process, Duration::from_secs(5));
            }
        }
        if let Some(dir) = self.data_dir.take() {
            let _ = dir.close();
        }
        if let Some(file) = self.pid_file.take() {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// A free TCP port on 127.0.0.1 (the OS picks it; it is released before the server binds it,
/// so a start that loses the race is retried with another).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

#[async_trait]
impl Launcher for ProcessLauncher {
    fn name(&self) -> &'static str {
        "process"
    }

    async fn launch(
        &self,
        request: &ServerRequest,
        engine: &dyn EngineDescriptor,
        password: &Secret,
    ) -> Result<Launched, EngineError> {
        // First launch of this process: remove what killed runs left behind.
        static REAPED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        REAPED
            .get_or_init(|| async {
                let _ = tokio::task::spawn_blocking(registry::reap_dead_runs).await;
            })
            .await;
        let mut last = None;
        // A port can be taken between choosing it and the server binding it: try three times.
        for _ in 0..3 {
            let data_dir = new_data_dir(request)?;
            match launch_once(request, engine, password, data_dir).await {
                Ok(launched) => return Ok(launched),
                Err((Attempt::PortTaken(e), _)) => last = Some(e),
                Err((Attempt::Failed(e), _)) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| EngineError::Start {
            server: request.label(),
            image: "local process".into(),
            message: "no free port".into(),
        }))
    }
}

/// Starts a server for `request` on an existing data directory (a store another server of
/// this run left with [`ProcessServer::stop_keeping_data`], or one an admin tool prepared).
/// A failed start removes the directory, and its error carries the server's last log lines
/// (e.g. a store format it refuses).
pub async fn launch_on(
    request: &ServerRequest,
    engine: &dyn EngineDescriptor,
    password: &Secret,
    data_dir: tempfile::TempDir,
) -> Result<Launched, EngineError> {
    let mut data_dir = data_dir;
    let mut last = None;
    for _ in 0..3 {
        match launch_once(request, engine, password, data_dir).await {
            Ok(launched) => return Ok(launched),
            Err((Attempt::PortTaken(e), Some(dir))) => {
                last = Some(e);
                data_dir = dir;
            }
            Err((Attempt::PortTaken(e), None)) | Err((Attempt::Failed(e), _)) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| EngineError::Start {
        server: request.label(),
        image: "local process".into(),
        message: "no free port".into(),
    }))
}

/// A new private data directory for a server of `request`, inside this run's registry
/// directory (so a killed run's leftovers are removed by the next run).
pub fn new_data_dir(request: &ServerRequest) -> Result<tempfile::TempDir, EngineError> {
    let fail = |message: String| EngineError::Start {
        server: request.label(),
        image: "local process".into(),
        message,
    };
    let servers = registry::run_dir()
        .map_err(|e| fail(format!("cannot create the run directory: {e}")))?
        .join("servers");
    tempfile::Builder::new()
        .prefix(&format!(
            "{}-{}-{}-",
            request.role,
            request.engine,
            sanitize(&request.version)
        ))
        .tempdir_in(&servers)
        .map_err(|e| {
            fail(format!(
                "cannot create a data directory in {}: {e}",
                servers.display()
            ))
        })
}

enum Attempt {
    PortTaken(EngineError),
    Failed(EngineError),
}

async fn launch_once(
    request: &ServerRequest,
    engine: &dyn EngineDescriptor,
    password: &Secret,
    data_dir: tempfile::TempDir,
) -> Result<Launched, (Attempt, Option<tempfile::TempDir>)> {
    let fail = |message: String| {
        Attempt::Failed(EngineError::Start {
            server: request.label(),
            image: "local process".into(),
            message,
        })
    };
    let port = match free_port() {
        Ok(port) => port,
        Err(e) => {
            return Err((
                fail(format!("cannot find a free port: {e}")),
                Some(data_dir),
            ))
        }
    };
    let spec = match engine.process(request, password, data_dir.path(), port) {
        Ok(spec) => spec,
        Err(e) => return Err((Attempt::Failed(e), Some(data_dir))),
    };
    let what = format!(
        "local process {}, installed version {}",
        spec.program.display(),
        spec.installed_version
    );
    let fail = |message: String| {
        Attempt::Failed(EngineError::Start {
            server: request.label(),
            image: what.clone(),
            message,
        })
    };
    for (name, content) in &spec.files {
        if let Err(e) = write_private(&data_dir.path().join(name), content) {
            return Err((
                fail(format!("cannot write {name} into the data directory: {e}")),
                Some(data_dir),
            ));
        }
    }
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(data_dir.path())
        .stdin(if spec.watch_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a Ctrl-C on the terminal reaches the harness, which stops
        // its servers in order, rather than every server at once.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Err((
                fail(format!("cannot run {}: {e}", spec.program.display())),
                Some(data_dir),
            ))
        }
    };
    let process = child.id().and_then(ProcessId::of);
    let name = data_dir
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid_file = match process.map(|p| registry::record_server(&name, p)) {
        Some(Ok(file)) => Some(file),
        Some(Err(e)) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err((
                fail(format!("cannot record the server in the run registry: {e}")),
                Some(data_dir),
            ));
        }
        None => None,
    };
    let stdin = child.stdin.take();
    let logs = LogTail::new(
        super::logs::DEFAULT_LINES,
        vec![password.expose().to_owned()],
    );
    let (ready_tx, mut ready_rx) = watch::channel(LineState::Waiting);
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
    ]
    .into_iter()
    .flatten()
    {
        tokio::spawn(follow(
            stream,
            logs.clone(),
            spec.ready_line.clone(),
            spec.failed_lines.clone(),
            ready_tx.clone(),
        ));
    }
    drop(ready_tx);
    let server = ProcessServer {
        child: Some(child),
        process,
        stdin,
        data_dir: Some(data_dir),
        pid_file,
    };
    let mut server = server;
    let begin = Instant::now();
    let outcome = tokio::time::timeout(request.startup_timeout, async {
        loop {
            let state = ready_rx.borrow_and_update().clone();
            match state {
                LineState::Ready => return Ok(()),
                LineState::Failed(line) => return Err(Some(line)),
                LineState::Waiting => {}
            }
            tokio::select! {
                changed = ready_rx.changed() => {
                    if changed.is_err() {
                        // Both streams closed: the process is gone.
                        return Err(None);
                    }
                }
                status = server.child.as_mut().expect("child").wait() => {
                    // Give the readers a moment to drain the last lines.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    return Err(Some(format!("the server exited ({status}) before it was ready")));
                }
            }
        }
    })
    .await;
    match outcome {
        Ok(Ok(())) => Ok(Launched {
            launcher: "process",
            host: "127.0.0.1".into(),
            port,
            logs,
            guard: Box::new(server),
        }),
        Ok(Err(reason)) => {
            let reason =
                reason.unwrap_or_else(|| "the server closed its output before it was ready".into());
            let message = logs.append_to(&reason);
            let dir = server.stop_keeping_data().await;
            if port_in_use(&logs) {
                Err((
                    Attempt::PortTaken(EngineError::Start {
                        server: request.label(),
                        image: what.clone(),
                        message,
                    }),
                    dir,
                ))
            } else {
                Err((fail(message), None))
            }
        }
        Err(_) => {
            drop(server);
            Err((
                fail(logs.append_to(&format!(
                "not ready within {:.0} s (no {:?} line; raise --startup-timeout if the machine is slow)",
                begin.elapsed().as_secs_f64(),
                spec.ready_line
            ))),
                None,
            ))
        }
    }
}

fn port_in_use(logs: &LogTail) -> bool {
    logs.lines().iter().any(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("address already in use") || l.contains("port is in use")
    })
}

#[derive(Debug, Clone, PartialEq)]
enum LineState {
    Waiting,
    Ready,
    Failed(String),
}

async fn follow(
    stream: Box<dyn AsyncRead + Send + Unpin>,
    logs: LogTail,
    ready_line: String,
    failed_lines: Vec<String>,
    state: watch::Sender<LineState>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        logs.push_text(&line);
        if *state.borrow() != LineState::Waiting {
            continue;
        }
        if line.contains(&ready_line) {
            let _ = state.send(LineState::Ready);
        } else if let Some(failed) = failed_lines.iter().find(|f| line.contains(f.as_str())) {
            let detail = line
                .split_once(failed.as_str())
                .map(|(_, rest)| rest.trim())
                .filter(|r| !r.is_empty())
                .unwrap_or(line.as_str());
            let _ = state.send(LineState::Failed(format!(
                "the server failed to start: {detail}"
            )));
        }
    }
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // A store reused by a later server already holds the earlier server's files.
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_loopback_ports() {
        let port = free_port().unwrap();
        assert!(port > 0);
        assert!(TcpListener::bind(("127.0.0.1", port)).is_ok());
    }

    #[test]
    fn versions_become_safe_directory_names() {
        assert_eq!(sanitize("5.26/../x"), "5.26_.._x");
    }
}
