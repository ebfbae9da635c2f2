//! The Docker launcher: containers through testcontainers, each labelled with this process's run
//! id ([`crate::engine::cleanup`]), removed when their handle is dropped.

use async_trait::async_trait;
use testcontainers::core::logs::LogFrame;
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};
use tokio::process::Command;
use tokio::sync::OnceCell;

use super::{Launched, Launcher, LogTail};
use crate::engine::cleanup::{run_id, RUN_LABEL};
use crate::engine::descriptor::EngineDescriptor;
use crate::engine::image::{self, Availability};
use crate::engine::request::ServerRequest;
use crate::engine::secret::Secret;
use crate::engine::EngineError;

/// Starts containers; needs a Docker engine.
pub struct DockerLauncher;

/// Does a Docker engine answer (`docker info`)? Asked once per process.
pub async fn engine_available() -> bool {
    static ANSWER: OnceCell<bool> = OnceCell::const_new();
    *ANSWER
        .get_or_init(|| async {
            tokio::process::Command::new("docker")
                .args(["info", "--format", "{{.ServerVersion}}"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await
                .map(|s| s.success())
                .unwrap_or(false)
        })
        .await
}

#[async_trait]
impl Launcher for DockerLauncher {
    fn name(&self) -> &'static str {
        "docker"
    }

    async fn launch(
        &self,
        request: &ServerRequest,
        engine: &dyn EngineDescriptor,
        password: &Secret,
    ) -> Result<Launched, EngineError> {
        let spec = engine.container(request, password);
        match image::ensure_image(&spec.image, request.pull).await {
            Availability::Present | Availability::Pulled => {}
            Availability::Missing { reason } => {
                return Err(EngineError::ImageUnavailable {
                    server: request.label(),
                    image: spec.image,
                    reason,
                });
            }
        }
        let logs = LogTail::new(
            super::logs::DEFAULT_LINES,
            vec![password.expose().to_owned()],
        );
        let (name, tag) = split_image(&spec.image);
        let mut image = GenericImage::new(name, tag).with_exposed_port(spec.port.tcp());
        for line in &spec.ready_lines {
            image = image.with_wait_for(WaitFor::message_on_stdout(line.as_str()));
        }
        let consumer = logs.clone();
        let mut image = image
            .with_startup_timeout(request.startup_timeout)
            .with_log_consumer(move |frame: &LogFrame| {
                let bytes: &[u8] = match frame {
                    LogFrame::StdOut(b) | LogFrame::StdErr(b) => b,
                };
                consumer.push_text(&String::from_utf8_lossy(bytes));
            })
            .with_label(RUN_LABEL, run_id());
        for (k, v) in &spec.env {
            image = image.with_env_var(k, v);
        }
        if !spec.cmd.is_empty() {
            image = image.with_cmd(spec.cmd.clone());
        }
        let start_err = |message: String| EngineError::Start {
            server: request.label(),
            image: format!("image {}", spec.image),
            message: logs.append_to(&shorten_tail(&message.replace(password.expose(), "***"))),
        };
        let container = image.start().await.map_err(|e| start_err(e.to_string()))?;
        let port = container
            .get_host_port_ipv4(spec.port.tcp())
            .await
            .map_err(|e| start_err(e.to_string()))?;
        Ok(Launched {
            launcher: "docker",
            host: "127.0.0.1".to_owned(),
            port,
            logs,
            guard: Box::new(container),
        })
    }
}

/// Keeps the end of a long message (testcontainers quotes every log line it read).
fn shorten_tail(message: &str) -> String {
    const MAX: usize = 2_000;
    let count = message.chars().count();
    if count <= MAX {
        return message.to_owned();
    }
    let tail: String = message.chars().skip(count - MAX).collect();
    format!("…{tail}")
}

/// Splits `registry:5000/neo4j:5.26-enterprise` into name and tag; no tag means `latest`.
pub fn split_image(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') && !name.is_empty() => {
            (name.to_owned(), tag.to_owned())
        }
        _ => (image.to_owned(), "latest".to_owned()),
    }
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

/// Removes the containers of runs whose harness process is gone (their run id starts with the
/// pid, which no longer exists). `None` when no Docker engine answers.
pub async fn remove_dead_runs_containers() -> Result<Option<usize>, String> {
    if !engine_available().await {
        return Ok(None);
    }
    let format = format!("{{{{.ID}}}} {{{{.Label \"{RUN_LABEL}\"}}}}");
    let out = Command::new("docker")
        .args(["ps", "-a", "--filter", &format!("label={RUN_LABEL}")])
        .args(["--format", &format])
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    let dead: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (id, run) = line.split_once(' ')?;
            let pid: u32 = run.split('-').next()?.parse().ok()?;
            let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
            (!alive).then(|| id.to_owned())
        })
        .collect();
    if dead.is_empty() {
        return Ok(Some(0));
    }
    let status = Command::new("docker")
        .args(["rm", "-f", "-v"])
        .args(&dead)
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if status.status.success() {
        Ok(Some(dead.len()))
    } else {
        Err(String::from_utf8_lossy(&status.stderr).trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_name_and_tag() {
        assert_eq!(
            split_image("neo4j:5.26-enterprise"),
            ("neo4j".into(), "5.26-enterprise".into())
        );
        assert_eq!(
            split_image("localhost:5000/neo4j:4.4"),
            ("localhost:5000/neo4j".into(), "4.4".into())
        );
        assert_eq!(
            split_image("localhost:5000/neo4j"),
            ("localhost:5000/neo4j".into(), "latest".into())
        );
        assert_eq!(
            split_image("migration-harness/falkordb:4.18.3"),
            ("migration-harness/falkordb".into(), "4.18.3".into())
        );
    }

    #[test]
    fn long_messages_keep_their_end() {
        let long = "x".repeat(5000) + "END";
        let short = shorten_tail(&long);
        assert!(short.ends_with("END"));
        assert!(short.chars().count() <= 2001);
    }
}
