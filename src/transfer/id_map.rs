//! The copy's map from source node ids to target node ids (an [`IdTable`] of 8-byte records),
//! read by both writers: the Cypher one in `logical` and the GRAPH.BULK one in `bulk`.

use super::TransferError;
use crate::graph::id_table::IdTable;

/// The target id of the node copied from source node `id`.
pub(super) fn target_id(table: &mut IdTable<8>, id: i64) -> Result<i64, TransferError> {
    let step = "resolve a relationship endpoint";
    match table.get(id) {
        Ok(Some(bytes)) => Ok(i64::from_be_bytes(bytes)),
        Ok(None) => Err(TransferError::Unexpected {
            step: step.into(),
            message: format!("node {id} was not copied (it appeared after the nodes were read?)"),
        }),
        Err(source) => Err(TransferError::IdTable {
            step: step.into(),
            source,
        }),
    }
}
