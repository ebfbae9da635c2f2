//! Placeholder, replaced by the real engine.
use std::sync::Arc;

use super::server::{ServerRequest, Started};
use super::{EngineError, GraphConnection};

pub async fn start(request: &ServerRequest) -> Result<Started, EngineError> {
    Err(EngineError::Unsupported {
        server: request.label(),
        message: "not yet".into(),
    })
}

pub async fn connect(
    request: &ServerRequest,
    _endpoint: &str,
) -> Result<Arc<dyn GraphConnection>, EngineError> {
    Err(EngineError::Unsupported {
        server: request.label(),
        message: "not yet".into(),
    })
}
pub const IMAGE_NAME: &str = "migration-harness/falkordb";
