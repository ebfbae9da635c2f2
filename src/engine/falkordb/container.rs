use std::sync::Arc;
use std::time::Duration;

use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

use super::connection::{FalkorConnection, DEFAULT_GRAPH};
use crate::engine::dialect::{Dialect, EngineKind};
use crate::engine::server::{ServerRequest, Started};
use crate::engine::EngineError;

const PORT: u16 = 6379;

/// Starts `migration-harness/falkordb:<version>` (or the request's image) and connects to it.
/// The image's entrypoint runs redis-server with the FalkorDB module; readiness is Redis's
/// "Ready to accept connections" log line.
pub async fn start(request: &ServerRequest) -> Result<Started, EngineError> {
    let image_ref = request.image_ref();
    let (name, tag) = split_image(&image_ref);
    let mut image = GenericImage::new(name, tag)
        .with_exposed_port(PORT.tcp())
        .with_wait_for(WaitFor::message_on_stdout("Ready to accept connections"))
        .with_startup_timeout(request.startup_timeout)
        .with_label(
            crate::engine::cleanup::RUN_LABEL,
            crate::engine::cleanup::run_id(),
        );
    for (k, v) in &request.env {
        image = image.with_env_var(k, v);
    }
    let start_err = |message: String| EngineError::Start {
        server: request.label(),
        image: image_ref.clone(),
        message,
    };
    let container = image.start().await.map_err(|e| start_err(e.to_string()))?;
    let port = container
        .get_host_port_ipv4(PORT.tcp())
        .await
        .map_err(|e| start_err(e.to_string()))?;
    let graph = request
        .graph
        .clone()
        .unwrap_or_else(|| DEFAULT_GRAPH.to_owned());
    let endpoint = format!("redis://127.0.0.1:{port}");
    let description = format!("{} at 127.0.0.1:{port}, graph {graph:?}", request.label());
    let dialect = Dialect::new(EngineKind::Falkordb, request.version());
    let mut attempt = 0;
    let connection = loop {
        match FalkorConnection::open(
            &endpoint,
            graph.clone(),
            dialect.clone(),
            description.clone(),
        )
        .await
        {
            Ok(c) => break c,
            // The log line can precede the module being fully loaded by a few milliseconds.
            Err(_) if attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    };
    Ok(Started {
        connection: Arc::new(connection),
        container: Box::new(container),
    })
}

fn split_image(image: &str) -> (String, String) {
    // The tag is after the last ':' unless that ':' belongs to a registry port (`host:5000/name`).
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name.to_owned(), tag.to_owned()),
        _ => (image.to_owned(), "latest".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn image_references_split_into_name_and_tag() {
        assert_eq!(
            split_image("migration-harness/falkordb:4.18.3"),
            ("migration-harness/falkordb".into(), "4.18.3".into())
        );
        assert_eq!(
            split_image("localhost:5000/falkordb"),
            ("localhost:5000/falkordb".into(), "latest".into())
        );
    }
}
