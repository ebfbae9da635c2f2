use crate::engine::EngineError;

/// A read of a whole graph (paging, hashing) or a transfer that could not complete: movers
/// return it as `transfer::TransferError`. A transfer never writes to its source, so
/// the source is intact; the target holds a partial copy (the runner wipes harness-owned
/// targets before each run).
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("failed to {step}")]
    Engine {
        step: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to {step}: {message}")]
    Unexpected { step: String, message: String },
    #[error("failed to {step}")]
    IdTable {
        step: String,
        #[source]
        source: super::id_table::IdTableError,
    },
}
