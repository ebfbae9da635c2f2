//! Rollback checks for native upgrades (`rollback: true`).
//!
//! - [`record`] takes the source's content hash and schema right before the pre-upgrade backup.
//! - [`verify`]: the backup, restored on the source version and started, must hold exactly
//!   that content (same graph hash, same counts) and schema (same items, same names: it is the
//!   same version).
//! - [`downgrade`]: the way back that does not work, the source version started on the
//!   upgraded store, must be refused; the outcome carries the server's own message.

use std::time::Duration;

use super::schema::{snapshot, SchemaItem, SchemaSnapshot};
use super::{CheckData, CheckError, CheckKind, CheckOutcome};
use crate::engine::GraphConnection;
use crate::graph::hash::{stream_hash, GraphHash};

/// The source as it was before the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreUpgrade {
    pub hash: GraphHash,
    pub schema: SchemaSnapshot,
}

/// Reads the content hash and schema of `conn` (the source, before it is stopped).
pub async fn record(conn: &dyn GraphConnection, batch: u64) -> Result<PreUpgrade, CheckError> {
    let hash = stream_hash(conn, batch)
        .await
        .map_err(|source| CheckError::Read {
            check: "rollback".into(),
            source,
        })?;
    let schema = snapshot(conn).await.map_err(|source| CheckError::Engine {
        check: "rollback".into(),
        source,
    })?;
    Ok(PreUpgrade { hash, schema })
}

/// Compares the restored server with the pre-upgrade state; `restore` is how long the restore
/// took (load + start).
pub async fn verify(
    before: &PreUpgrade,
    restored: &dyn GraphConnection,
    batch: u64,
    restore: Duration,
) -> Result<CheckOutcome, CheckError> {
    let after = record(restored, batch).await?;
    Ok(compare(before, &after, restore))
}

/// A graph's content hash, counts and schema size, as the rollback check compares them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordedState {
    /// Hex SHA-256 of the content.
    pub graph_hash: String,
    /// Nodes counted by the hash.
    pub nodes: u64,
    /// Relationships counted by the hash.
    pub relationships: u64,
    /// Indexes and constraints.
    pub schema_items: usize,
}

impl From<&PreUpgrade> for RecordedState {
    fn from(p: &PreUpgrade) -> Self {
        RecordedState {
            graph_hash: p.hash.graph_hash.clone(),
            nodes: p.hash.nodes,
            relationships: p.hash.relationships,
            schema_items: p.schema.items.len(),
        }
    }
}

/// The `rollback` check's typed data: the state recorded before the upgrade, the restored
/// backup's, and the schema items only one of them has.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RollbackData {
    /// How long the restore took (load + start).
    pub restore_seconds: f64,
    /// The state recorded before the upgrade.
    pub recorded: RecordedState,
    /// The restored backup's state.
    pub restored: RecordedState,
    /// Schema items recorded before the upgrade that the restored server lacks.
    pub missing_items: Vec<SchemaItem>,
    /// Schema items of the restored server that were not there before the upgrade.
    pub extra_items: Vec<SchemaItem>,
}

/// The `downgrade` check's typed data: whether the old version refused the upgraded store, and
/// the server's own reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DowngradeData {
    /// The version the source ran before the upgrade.
    pub old_version: String,
    /// The version the store was upgraded to.
    pub new_version: String,
    /// Whether the old version refused to start on the upgraded store.
    pub refused: bool,
    /// Neo4j's root cause (else the first refusal line); `None` when it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The lines of the failed start that say why (at most 12, no stack frames).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusal: Vec<String>,
}

/// The verdict of [`verify`] from both states.
pub fn compare(before: &PreUpgrade, after: &PreUpgrade, restore: Duration) -> CheckOutcome {
    let missing = |a: &PreUpgrade, b: &PreUpgrade| -> Vec<SchemaItem> {
        a.schema
            .items
            .iter()
            .filter(|i| !b.schema.items.contains(i))
            .cloned()
            .collect()
    };
    rollback_outcome(RollbackData {
        restore_seconds: restore.as_secs_f64(),
        recorded: before.into(),
        restored: after.into(),
        missing_items: missing(before, after),
        extra_items: missing(after, before),
    })
}

/// The rollback outcome: summary and detail lines written from the typed data.
fn rollback_outcome(data: RollbackData) -> CheckOutcome {
    let (before, after) = (&data.recorded, &data.restored);
    let mut details = Vec::new();
    if before.graph_hash != after.graph_hash {
        details.push(format!(
            "content hash {} before the upgrade, {} after the restore ({} -> {} nodes, {} -> {} relationships)",
            short(&before.graph_hash),
            short(&after.graph_hash),
            before.nodes,
            after.nodes,
            before.relationships,
            after.relationships
        ));
    }
    for item in &data.missing_items {
        details.push(format!("missing after the restore: {}", item.describe()));
    }
    for item in &data.extra_items {
        details.push(format!("extra after the restore: {}", item.describe()));
    }
    let passed = details.is_empty();
    let summary = if passed {
        format!(
            "the pre-upgrade backup restored in {:.1}s: content hash {} ({} nodes, {} relationships) and {} schema item(s) equal the pre-upgrade ones",
            data.restore_seconds,
            short(&before.graph_hash),
            before.nodes,
            before.relationships,
            before.schema_items
        )
    } else {
        format!(
            "the pre-upgrade backup restored in {:.1}s does not equal the pre-upgrade source: {} difference(s)",
            data.restore_seconds,
            details.len()
        )
    };
    CheckOutcome::new(CheckKind::Rollback, passed, summary, details)
        .with_data(CheckData::Rollback(data))
}

/// The outcome of starting `old_version` on the store `new_version` upgraded: `Err` with the
/// server's message (refused, as expected), or `Ok` when it started (the check fails: a
/// rollback from the upgraded store would look possible but is not what the runbook tests).
pub fn downgrade(
    old_version: &str,
    new_version: &str,
    attempt: Result<(), String>,
) -> CheckOutcome {
    let data = match attempt {
        Err(message) => {
            let refusal = refusal_lines(&message);
            let reason = root_cause(&message)
                .or_else(|| refusal.first().cloned())
                .unwrap_or(message);
            DowngradeData {
                old_version: old_version.to_owned(),
                new_version: new_version.to_owned(),
                refused: true,
                reason: Some(reason),
                refusal,
            }
        }
        Ok(()) => DowngradeData {
            old_version: old_version.to_owned(),
            new_version: new_version.to_owned(),
            refused: false,
            reason: None,
            refusal: Vec::new(),
        },
    };
    downgrade_outcome(data)
}

/// The downgrade outcome: summary and detail lines written from the typed data.
fn downgrade_outcome(data: DowngradeData) -> CheckOutcome {
    let (old_version, new_version) = (&data.old_version, &data.new_version);
    let outcome = match &data.reason {
        Some(reason) if data.refused => CheckOutcome::new(
            CheckKind::Downgrade,
            true,
            format!(
                "Neo4j {old_version} refuses the store Neo4j {new_version} upgraded, as expected: {reason}"
            ),
            data.refusal.clone(),
        ),
        _ => CheckOutcome::new(
            CheckKind::Downgrade,
            false,
            format!(
                "Neo4j {old_version} started on the store Neo4j {new_version} upgraded; the harness expected a refusal (roll back from the pre-upgrade backup anyway)"
            ),
            Vec::new(),
        ),
    };
    outcome.with_data(CheckData::Downgrade(data))
}

/// Neo4j's own reason in a failed start: the text after the last `root cause: ` (without the
/// closing parenthesis), else the launcher's FAILED line.
pub fn root_cause(message: &str) -> Option<String> {
    if let Some((_, cause)) = message.rsplit_once("root cause: ") {
        let line = cause.lines().next().unwrap_or(cause).trim();
        let line = line.strip_suffix(')').unwrap_or(line);
        return Some(line.to_owned());
    }
    message
        .lines()
        .find_map(|l| l.split_once("MH-LAUNCHER FAILED "))
        .map(|(_, rest)| rest.trim().to_owned())
}

/// The lines of a failed start that say why: the launcher's FAILED line and Neo4j's own
/// exception messages, without stack frames; at most 12.
pub fn refusal_lines(message: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in message.lines().map(str::trim) {
        let useful = line.contains("MH-LAUNCHER FAILED")
            || line.starts_with("Caused by:")
            || line.contains("Exception:")
            || line.contains("Error:");
        if useful && !line.starts_with("at ") && !lines.iter().any(|l| l == line) {
            lines.push(line.to_owned());
        }
    }
    lines.truncate(12);
    lines
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(16)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::schema::{EntityType, IndexKind, ItemKind, SchemaItem};

    fn state(hash: &str, schema: Vec<SchemaItem>) -> PreUpgrade {
        PreUpgrade {
            hash: GraphHash {
                graph_hash: hash.into(),
                nodes: 3,
                relationships: 2,
                ..GraphHash::default()
            },
            schema: SchemaSnapshot::new(schema),
        }
    }

    fn index(name: &str) -> SchemaItem {
        SchemaItem {
            kind: ItemKind::Index(IndexKind::Range),
            entity: EntityType::Node,
            labels: vec!["Person".into()],
            properties: vec!["name".into()],
            options: Default::default(),
            owned_by_constraint: false,
            name: Some(name.into()),
        }
    }

    #[test]
    fn an_exact_restore_passes_and_reports_its_time() {
        let before = state("abcdef0123456789ffff", vec![index("person_name")]);
        let outcome = compare(&before, &before.clone(), Duration::from_millis(12_300));
        assert!(outcome.passed, "{outcome:?}");
        assert!(
            outcome.summary.contains("restored in 12.3s"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome.summary.contains("abcdef0123456789 "),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn a_different_hash_or_schema_fails() {
        let before = state("aa", vec![index("person_name")]);
        let after = state("bb", vec![index("other")]);
        let outcome = compare(&before, &after, Duration::ZERO);
        assert!(!outcome.passed);
        assert_eq!(outcome.details.len(), 3, "{:?}", outcome.details);
        let CheckData::Rollback(data) = &outcome.data else {
            panic!("no rollback data: {outcome:?}");
        };
        assert_eq!(data.recorded.graph_hash, "aa");
        assert_eq!(data.restored.graph_hash, "bb");
        assert_eq!(data.missing_items, [index("person_name")]);
        assert_eq!(data.extra_items, [index("other")]);
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["data"]["type"], "rollback");
        assert_eq!(json["data"]["missing_items"][0]["name"], "person_name");
    }

    #[test]
    fn a_refused_downgrade_passes_with_the_servers_message() {
        let message = "failed to start source (neo4j 5.26): the server failed to start: boom\n  MH-LAUNCHER FAILED Store format not supported\n  at org.neo4j.X\nCaused by: org.neo4j.kernel.impl.storemigration.UnexpectedUpgradingStoreVersionException: Not possible to upgrade\n";
        let outcome = downgrade("5.26.30", "2026.08.1", Err(message.into()));
        assert!(outcome.passed);
        assert_eq!(outcome.details.len(), 2, "{:?}", outcome.details);
        assert!(
            outcome
                .summary
                .ends_with("as expected: Store format not supported"),
            "{}",
            outcome.summary
        );
        let cause = "MH-LAUNCHER FAILED RuntimeException: Error starting (root cause: UnsupportedLogVersionException: newer version of neo4j.)\n";
        assert_eq!(
            root_cause(cause).as_deref(),
            Some("UnsupportedLogVersionException: newer version of neo4j.")
        );
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["data"]["type"], "downgrade");
        assert_eq!(json["data"]["refused"], true);
        assert_eq!(json["data"]["reason"], "Store format not supported");
        assert_eq!(json["data"]["refusal"].as_array().map(Vec::len), Some(2));
        let started = downgrade("5.26.30", "2026.08.1", Ok(()));
        assert!(!started.passed);
        let json = serde_json::to_value(&started).unwrap();
        assert_eq!(json["data"]["refused"], false);
        assert!(json["data"]["reason"].is_null());
    }
}
