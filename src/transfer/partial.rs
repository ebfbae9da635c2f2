//! What a copy into an external target left when it did not finish.
//!
//! On FalkorDB a small sidecar key beside the graph, `<graph>.__mh_partial` (a plain Redis
//! string, never a label or property on the user's graph), holds the run id while a copy runs
//! and what it had written when it failed; it is removed when the copy completes or the target
//! is wiped. The next run's refusal of the non-empty target then names it. Neo4j has no place
//! for such a marker outside the user's graph, so there the refusal says it neutrally.

use crate::engine::GraphConnection;

/// The marker key of a FalkorDB graph.
pub fn marker_key(graph: &str) -> String {
    format!("{graph}.__mh_partial")
}

async fn set(conn: &dyn GraphConnection, text: &str) {
    if let Some(falkor) = conn.as_falkordb() {
        let key = marker_key(falkor.graph_name());
        // Best effort: a marker that cannot be written (a server out of memory) only loses the
        // better message of the next run.
        let _ = falkor.command(&["SET", &key, text]).await;
    }
}

/// Marks `conn`'s graph as being written by this run.
pub async fn mark(conn: &dyn GraphConnection) {
    let run = crate::engine::cleanup::run_id();
    set(
        conn,
        &format!("run {run} of migration-harness started a copy into this graph"),
    )
    .await;
}

/// Records what a failed copy left.
pub async fn record(conn: &dyn GraphConnection, written: &str) {
    let run = crate::engine::cleanup::run_id();
    set(
        conn,
        &format!("run {run} of migration-harness failed after writing {written}"),
    )
    .await;
}

/// Removes the marker (the copy completed, or the graph was wiped).
pub async fn clear(conn: &dyn GraphConnection) -> Result<(), crate::engine::EngineError> {
    if let Some(falkor) = conn.as_falkordb() {
        falkor
            .command(&["DEL", &marker_key(falkor.graph_name())])
            .await?;
    }
    Ok(())
}

/// The marker's text, if there is one.
pub async fn read(conn: &dyn GraphConnection) -> Option<String> {
    let falkor = conn.as_falkordb()?;
    match falkor
        .command(&["GET", &marker_key(falkor.graph_name())])
        .await
    {
        Ok(redis::Value::BulkString(b)) => Some(String::from_utf8_lossy(&b).into_owned()),
        Ok(redis::Value::SimpleString(s)) => Some(s),
        _ => None,
    }
}

/// "at least 100,000 nodes and 42,000 relationships" style counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(300000), "300,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
