//! Every container the harness starts carries a label with this process's run id, so an
//! interrupted run (Ctrl-C) can remove exactly its own containers, including one whose start was
//! cut short before testcontainers handed it back. Normal runs remove containers on drop.

use std::sync::OnceLock;

use tokio::process::Command;

/// Docker label put on every container this process starts.
pub const RUN_LABEL: &str = "io.github.neo4j-migration-harness.run";

/// This process's run id: `<pid>-<random>`.
pub fn run_id() -> String {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| format!("{}-{:08x}", std::process::id(), rand::random::<u32>()))
        .clone()
}

/// Force-removes every container labelled with this process's run id; returns how many.
pub async fn remove_run_containers() -> Result<usize, String> {
    let filter = format!("label={RUN_LABEL}={}", run_id());
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &filter])
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let status = Command::new("docker")
        .args(["rm", "-f", "-v"])
        .args(&ids)
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if status.status.success() {
        Ok(ids.len())
    } else {
        Err(String::from_utf8_lossy(&status.stderr).trim().to_owned())
    }
}
