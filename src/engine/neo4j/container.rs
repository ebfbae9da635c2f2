use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testcontainers::core::logs::LogFrame;
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

use super::connection::{BoltTarget, Neo4jConnection, DEFAULT_DATABASE};
use crate::engine::dialect::{Dialect, EngineKind};
use crate::engine::secret::Secret;
use crate::engine::server::{Edition, ServerRequest, Started};
use crate::engine::EngineError;

const BOLT_PORT: u16 = 7687;
/// How long to keep trying the first Bolt connection after the readiness log lines.
const CONNECT_GRACE: Duration = Duration::from_secs(15);
/// Container log lines kept for start-up error messages.
const LOG_TAIL: usize = 30;

/// Starts the request's Neo4j image (already present locally) and connects to it.
///
/// - Readiness: the log lines `Bolt enabled on` then `Started.`, within `request.startup_timeout`.
/// - Auth: `NEO4J_AUTH=neo4j/<generated 24-character password>`; the harness owns the
///   credentials, so a `NEO4J_AUTH` in `request.env` is ignored. Everything else in
///   `request.env` is passed through as container environment (server configuration).
/// - Enterprise (by edition or a `-enterprise` tag): `NEO4J_ACCEPT_LICENSE_AGREEMENT=yes`,
///   unless `request.env` sets that variable itself (e.g. to `eval`).
/// - Then connects to the mapped Bolt port on 127.0.0.1, retrying for a few seconds while Bolt
///   finishes coming up. Dropping the returned container handle removes the container.
pub async fn start(request: &ServerRequest) -> Result<Started, EngineError> {
    let image_ref = request.image_ref();
    let (name, tag) = split_image(&image_ref);
    let enterprise = request.edition == Edition::Enterprise || tag.ends_with("-enterprise");
    let password = Secret::generate();
    let logs = LogTail::default();

    let mut image = GenericImage::new(name, tag)
        .with_exposed_port(BOLT_PORT.tcp())
        .with_wait_for(WaitFor::message_on_stdout("Bolt enabled on"))
        .with_wait_for(WaitFor::message_on_stdout("Started."))
        .with_startup_timeout(request.startup_timeout)
        .with_log_consumer(logs.consumer())
        .with_label(
            crate::engine::cleanup::RUN_LABEL,
            crate::engine::cleanup::run_id(),
        );
    if enterprise {
        image = image.with_env_var("NEO4J_ACCEPT_LICENSE_AGREEMENT", "yes");
    }
    for (key, value) in &request.env {
        if key != "NEO4J_AUTH" {
            image = image.with_env_var(key, value);
        }
    }
    image = image.with_env_var("NEO4J_AUTH", format!("neo4j/{}", password.expose()));

    let start_err = |message: String| EngineError::Start {
        server: request.label(),
        image: image_ref.clone(),
        message: redact(&message, &password),
    };
    let container = image
        .start()
        .await
        .map_err(|e| start_err(with_logs(&e.to_string(), &logs)))?;
    let port = container
        .get_host_port_ipv4(BOLT_PORT.tcp())
        .await
        .map_err(|e| start_err(e.to_string()))?;

    let database = request.graph.clone();
    let description = format!(
        "{} ({} {} at 127.0.0.1:{port}, database {:?})",
        request.role,
        request.engine,
        request.version,
        database.as_deref().unwrap_or(DEFAULT_DATABASE)
    );
    let target = BoltTarget {
        uri: format!("bolt://127.0.0.1:{port}"),
        user: "neo4j".to_owned(),
        password,
    };
    let dialect = Dialect::new(EngineKind::Neo4j, request.version());
    let deadline = Instant::now() + CONNECT_GRACE;
    let connection = loop {
        match Neo4jConnection::open(
            &target,
            database.clone(),
            dialect.clone(),
            description.clone(),
        )
        .await
        {
            Ok(connection) => break connection,
            Err(e) if Instant::now() < deadline && is_transient(&e) => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    };
    Ok(Started {
        connection: Arc::new(connection),
        container: Box::new(container),
    })
}

/// Failures worth retrying right after start-up: the socket is not accepting yet, or the
/// server says it is not ready. Authentication and query errors are final.
fn is_transient(error: &EngineError) -> bool {
    match error {
        EngineError::Connect { message, .. } => {
            !message.contains("Neo.ClientError.Security")
                && !message.to_ascii_lowercase().contains("unauthorized")
        }
        EngineError::Query {
            code: Some(code), ..
        } => {
            code.starts_with("Neo.TransientError")
                || code == "Neo.ClientError.Database.DatabaseNotFound"
        }
        _ => false,
    }
}

/// Splits `registry:5000/neo4j:5.26-enterprise` into name and tag; no tag means `latest`.
fn split_image(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') && !name.is_empty() => {
            (name.to_owned(), tag.to_owned())
        }
        _ => (image.to_owned(), "latest".to_owned()),
    }
}

fn redact(text: &str, password: &Secret) -> String {
    if password.expose().is_empty() {
        text.to_owned()
    } else {
        text.replace(password.expose(), "***")
    }
}

/// Appends the last container log lines (and keeps the whole message readable when
/// testcontainers already quotes every log line it read).
fn with_logs(message: &str, logs: &LogTail) -> String {
    const MAX: usize = 2_000;
    let message = if message.chars().count() > MAX {
        let tail: String = message
            .chars()
            .rev()
            .take(MAX)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        message.to_owned()
    };
    let lines = logs.lines();
    if lines.is_empty() {
        message
    } else {
        format!(
            "{message}\n  last container log lines:\n    {}",
            lines.join("\n    ")
        )
    }
}

/// The last [`LOG_TAIL`] lines the container wrote, for start-up errors.
#[derive(Clone, Default)]
struct LogTail(Arc<Mutex<VecDeque<String>>>);

impl LogTail {
    fn consumer(&self) -> impl Fn(&LogFrame) + Send + Sync + 'static {
        let lines = Arc::clone(&self.0);
        move |frame: &LogFrame| {
            let bytes: &[u8] = match frame {
                LogFrame::StdOut(b) | LogFrame::StdErr(b) => b,
            };
            let text = String::from_utf8_lossy(bytes);
            if let Ok(mut lines) = lines.lock() {
                for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
                    if lines.len() == LOG_TAIL {
                        lines.pop_front();
                    }
                    lines.push_back(line.to_owned());
                }
            }
        }
    }

    fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
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
    }

    #[test]
    fn start_errors_never_show_the_password() {
        let pw = Secret::new("s3cretPassw0rd");
        assert_eq!(
            redact("NEO4J_AUTH=neo4j/s3cretPassw0rd rejected", &pw),
            "NEO4J_AUTH=neo4j/*** rejected"
        );
    }

    #[test]
    fn log_tail_keeps_the_last_lines() {
        let tail = LogTail::default();
        let consume = tail.consumer();
        for i in 0..(LOG_TAIL + 5) {
            consume(&LogFrame::StdOut(format!("line {i}\n").into_bytes().into()));
        }
        let lines = tail.lines();
        assert_eq!(lines.len(), LOG_TAIL);
        assert_eq!(lines.last().map(String::as_str), Some("line 34"));
        assert!(with_logs("timeout", &tail).contains("line 34"));
    }

    #[test]
    fn only_start_up_failures_are_retried() {
        let connect = |message: &str| EngineError::Connect {
            server: "s".into(),
            message: message.into(),
        };
        assert!(is_transient(&connect(
            "an IO error occurred: Connection refused"
        )));
        assert!(!is_transient(&connect(
            "The client is unauthorized due to authentication failure."
        )));
        assert!(!is_transient(&EngineError::query(
            "s",
            "RETURN 1",
            Some("Neo.ClientError.Statement.SyntaxError".into()),
            "bad"
        )));
    }
}
