//! The run registry of the process launcher: what every run started, so that the leftovers of
//! a run that was killed (SIGKILL, a crash, a power cut) are found and removed by the next run
//! or by `migration-harness cleanup`, while other live runs are left alone.
//!
//! Layout under `<cache>/runs/` ([`super::cache_dir`], or `MH_RUN_DIR`):
//!
//! ```text
//! <run id>/owner                  "<pid> <start time>" of the harness process
//! <run id>/servers/<name>/        a server's private data directory
//! <run id>/servers/<name>.pid     "<pid> <start time>" of that server's process
//! ```
//!
//! A process is identified by its pid *and* its start time (`/proc/<pid>/stat`, field 22), so a
//! pid reused by an unrelated process is never signalled. A run is dead when its owner is.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The registry root: `MH_RUN_DIR`, else `<cache>/runs`.
pub fn root() -> PathBuf {
    match std::env::var_os("MH_RUN_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => super::cache_dir().join("runs"),
    }
}

/// A process as the registry records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessId {
    pub pid: u32,
    /// Clock ticks after boot at which the process started (`/proc/<pid>/stat` field 22).
    pub start_time: u64,
}

impl ProcessId {
    /// The process `pid`, if it is running now.
    pub fn of(pid: u32) -> Option<ProcessId> {
        start_time(pid).map(|start_time| ProcessId { pid, start_time })
    }

    /// Is this very process (same pid, same start time) still running (zombies count as gone)?
    pub fn alive(&self) -> bool {
        start_time(self.pid) == Some(self.start_time) && !is_zombie(self.pid)
    }

    /// Parses `"<pid> <start time>"`.
    pub fn parse(text: &str) -> Option<ProcessId> {
        let mut parts = text.split_whitespace();
        let pid = parts.next()?.parse().ok()?;
        let start_time = parts.next()?.parse().ok()?;
        Some(ProcessId { pid, start_time })
    }

    fn render(&self) -> String {
        format!("{} {}\n", self.pid, self.start_time)
    }
}

/// This machine's host name (`/proc/sys/kernel/hostname`), reduced to `[A-Za-z0-9-]` so it can
/// be part of a key or file name; `localhost` when it cannot be read.
pub fn host_name() -> String {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ..." where comm may hold spaces and parentheses: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn start_time(pid: u32) -> Option<u64> {
    // After the comm field: state is field 3, so start time (field 22) is index 19.
    stat_fields(pid)?.get(19)?.parse().ok()
}

fn is_zombie(pid: u32) -> bool {
    stat_fields(pid)
        .and_then(|f| f.first().cloned())
        .is_some_and(|state| state == "Z" || state == "X")
}

/// This run's directory, created (with its `owner` file) on first use.
pub fn run_dir() -> io::Result<PathBuf> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Ok(dir.clone());
    }
    let dir = root().join(crate::engine::cleanup::run_id());
    fs::create_dir_all(dir.join("servers"))?;
    let me = ProcessId::of(std::process::id())
        .ok_or_else(|| io::Error::other("cannot read this process's start time from /proc"))?;
    fs::write(dir.join("owner"), me.render())?;
    Ok(DIR.get_or_init(|| dir).clone())
}

/// Removes this run's directory at the end of a run (its servers are already stopped and their
/// data directories removed). Does nothing when the run started no local process.
pub fn finish_run() {
    let dir = root().join(crate::engine::cleanup::run_id());
    if dir.join("owner").exists() {
        let _ = fs::remove_dir_all(dir);
    }
}

/// Records a server process of this run under `name`.
pub fn record_server(name: &str, process: ProcessId) -> io::Result<PathBuf> {
    let file = run_dir()?.join("servers").join(format!("{name}.pid"));
    fs::write(&file, process.render())?;
    Ok(file)
}

/// What [`reap_dead_runs`] removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reaped {
    /// Dead runs whose directories were removed.
    pub runs: usize,
    /// Server processes that were still running and were killed.
    pub processes: usize,
}

/// Removes the leftovers of every run whose harness process is gone: kills its server
/// processes that still run (SIGKILL), then deletes its directory with the servers' data.
/// Runs whose owner is alive (this one, or another user's concurrent run) are left alone.
pub fn reap_dead_runs() -> io::Result<Reaped> {
    let root = root();
    let mut reaped = Reaped::default();
    let entries = match fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(reaped),
        Err(e) => return Err(e),
    };
    let me = crate::engine::cleanup::run_id();
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() || entry.file_name().to_string_lossy() == me {
            continue;
        }
        let owner = fs::read_to_string(dir.join("owner"))
            .ok()
            .and_then(|t| ProcessId::parse(&t));
        match owner {
            Some(owner) if owner.alive() => continue,
            // A directory being created right now has no owner file yet: leave young ones be.
            None if is_young(&dir) => continue,
            _ => {}
        }
        reaped.processes += kill_servers(&dir.join("servers"));
        fs::remove_dir_all(&dir)?;
        reaped.runs += 1;
    }
    Ok(reaped)
}

fn is_young(dir: &Path) -> bool {
    fs::metadata(dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(60))
}

/// Kills every recorded server in `servers/` that still runs; returns how many.
fn kill_servers(servers: &Path) -> usize {
    let Ok(entries) = fs::read_dir(servers) else {
        return 0;
    };
    let mut killed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "pid") {
            continue;
        }
        let Some(process) = fs::read_to_string(&path)
            .ok()
            .and_then(|t| ProcessId::parse(&t))
        else {
            continue;
        };
        if process.alive() && kill(process, "KILL") {
            killed += 1;
            wait_gone(process, Duration::from_secs(5));
        }
    }
    killed
}

/// Sends `signal` (`TERM`, `KILL`) to `process` if it is still that process.
pub fn kill(process: ProcessId, signal: &str) -> bool {
    if !process.alive() {
        return false;
    }
    std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(process.pid.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits up to `timeout` for `process` to be gone; true when it is.
pub fn wait_gone(process: ProcessId, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while process.alive() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_changed_start_time_is_not() {
        let me = ProcessId::of(std::process::id()).expect("own /proc entry");
        assert!(me.alive());
        let other = ProcessId {
            start_time: me.start_time + 1,
            ..me
        };
        assert!(!other.alive());
        assert_eq!(ProcessId::parse(&me.render()), Some(me));
        assert_eq!(ProcessId::parse("garbage"), None);
    }

    #[test]
    fn a_dead_run_is_reaped_and_its_server_killed() {
        let root = tempfile::tempdir().unwrap();
        // SAFETY of the test: MH_RUN_DIR is only read by this module; tests in this module run
        // in one process but only this test sets it.
        std::env::set_var("MH_RUN_DIR", root.path());
        let dead = root.path().join("999999-deadbeef");
        fs::create_dir_all(dead.join("servers/source-x")).unwrap();
        // The owner: a process that has exited (its start time can no longer match).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let owner = ProcessId::of(child.id()).unwrap_or(ProcessId {
            pid: child.id(),
            start_time: 1,
        });
        child.wait().unwrap();
        fs::write(dead.join("owner"), owner.render()).unwrap();
        // A "server" that still runs.
        let mut server = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let server_id = ProcessId::of(server.id()).unwrap();
        fs::write(dead.join("servers/source-x.pid"), server_id.render()).unwrap();
        // A live run (this process) must be left alone.
        let live = root.path().join("live-run");
        fs::create_dir_all(&live).unwrap();
        fs::write(
            live.join("owner"),
            ProcessId::of(std::process::id()).unwrap().render(),
        )
        .unwrap();

        let reaped = reap_dead_runs().unwrap();
        std::env::remove_var("MH_RUN_DIR");
        let _ = server.wait();
        assert_eq!(
            reaped,
            Reaped {
                runs: 1,
                processes: 1
            }
        );
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(!server_id.alive());
    }
}
