//! `verify`: compare two live graphs as they are, without moving or writing anything. The
//! comparison is an ordinary case of a scenario with `transfer: none`, so it runs the same
//! checks and writes the same reports with the same exit codes as `run`.

use std::path::Path;

use crate::engine::descriptor::scheme_lists;
use crate::engine::dialect::EngineKind;
use crate::scenario::{self, Scenario, ScenarioError, Strategy};

/// Why a `verify` could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("failed to read the {side} URI: {message}")]
    Uri { side: &'static str, message: String },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{path}: failed to use it for verify: it has fixtures, and verify never writes to either server; remove them (verify reads both graphs as they are)")]
    HasFixtures { path: String },
}

/// The engine a URI's scheme belongs to (the schemes each engine's descriptor lists).
pub fn engine_for_uri(uri: &str) -> Option<EngineKind> {
    crate::engine::descriptor::engine_for_uri(uri)
}

fn engine(side: &'static str, uri: &str) -> Result<EngineKind, VerifyError> {
    engine_for_uri(uri).ok_or_else(|| VerifyError::Uri {
        side,
        message: format!(
            "unknown scheme in {}: expected one of {}",
            crate::engine::endpoint::redact_uri(uri),
            scheme_lists()
        ),
    })
}

/// The scenario `verify` runs: the checks (and queries) of `checks_from` when given (its
/// fixtures must be empty; its versions are checked against what the servers report), else
/// counts, content_hash and schema with versions `any`; in both cases `transfer: none`. The
/// URIs themselves go in through `RunOptions::source_uri` / `target_uri`.
pub fn scenario(
    source_uri: &str,
    target_uri: &str,
    source_graph: Option<&str>,
    target_graph: Option<&str>,
    checks_from: Option<&Path>,
) -> Result<Scenario, VerifyError> {
    let (source, target) = (engine("source", source_uri)?, engine("target", target_uri)?);
    let mut scenario = match checks_from {
        Some(path) => {
            let scenario = scenario::load_file(path)?;
            if !scenario.fixture_statements.is_empty() {
                return Err(VerifyError::HasFixtures {
                    path: path.display().to_string(),
                });
            }
            scenario
        }
        None => {
            let graph = |g: Option<&str>| match g {
                // JSON strings are YAML strings: quoting is exact for any name.
                Some(g) => format!("\n  graph: {}", serde_json::Value::from(g)),
                None => String::new(),
            };
            let text = format!(
                "name: verify\nsource:\n  engine: {source}\n  version: any{}\ntarget:\n  engine: {target}\n  version: any{}\ntransfer:\n  strategy: none\nchecks:\n  - counts: {{}}\n  - content_hash: {{}}\n  - schema: {{}}\n",
                graph(source_graph),
                graph(target_graph)
            );
            scenario::parse_str(&text, Path::new("<verify>"))?
        }
    };
    scenario.file.transfer.strategy.value = Strategy::None;
    if let Some(g) = source_graph {
        scenario.file.source.graph = Some(g.to_owned());
    }
    if let Some(g) = target_graph {
        scenario.file.target.graph = Some(g.to_owned());
    }
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_their_engine() {
        assert_eq!(engine_for_uri("bolt://h:7687"), Some(EngineKind::Neo4j));
        assert_eq!(engine_for_uri("neo4j+s://h"), Some(EngineKind::Neo4j));
        assert_eq!(
            engine_for_uri("redis://:pw@h:6379"),
            Some(EngineKind::Falkordb)
        );
        assert_eq!(engine_for_uri("http://h"), None);
        assert_eq!(engine_for_uri("localhost:6379"), None);
    }

    #[test]
    fn the_default_verify_scenario_reads_both_sides_only() {
        let s = scenario("redis://a:1", "bolt://b:2", Some("g\"x"), None, None).unwrap();
        assert_eq!(s.file.transfer.strategy.value, Strategy::None);
        assert_eq!(s.file.source.engine, EngineKind::Falkordb);
        assert_eq!(s.file.target.engine, EngineKind::Neo4j);
        assert_eq!(s.file.source.graph.as_deref(), Some("g\"x"));
        assert_eq!(s.checks().len(), 3);
        let err = scenario("http://a", "redis://b", None, None, None).unwrap_err();
        assert!(err.to_string().contains("expected one of bolt"), "{err}");
    }
}
