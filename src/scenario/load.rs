use std::path::{Path, PathBuf};

use serde_saphyr::Location;

use super::model::{Check, Fixture, Scenario, ScenarioFile, ServerSpec};
use super::statements::{self, Statement};
use super::ScenarioError;
use crate::engine::dialect::EngineKind;
use crate::engine::server::Edition;

const MAX_BATCH_SIZE: u64 = 100_000;

/// Reads, parses and statically validates one scenario file, including its fixture files.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(path, None, format!("failed to read scenario: {e}")))?;
    parse_str(&text, path)
}

/// Parses and validates scenario text; `path` names it in errors and anchors relative fixture paths.
pub fn parse_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile = serde_saphyr::from_str(text).map_err(|e| yaml_error(path, &e))?;
    validate(&file, path)?;
    let fixture_statements = read_fixtures(&file, path, text)?;
    Ok(Scenario {
        path: path.to_owned(),
        file,
        fixture_statements,
    })
}

/// Expands files and directories into scenario files (`*.yaml`, `*.yml`), directories
/// recursively, sorted, so runs are reproducible.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(ScenarioError::new(path, None, "no such file or directory"));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScenarioError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ScenarioError::new(dir, None, format!("failed to list directory: {e}")))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    Ok(())
}

fn position(loc: &Location) -> Option<(u64, u64)> {
    (*loc != Location::UNKNOWN).then(|| (loc.line(), loc.column()))
}

fn yaml_error(path: &Path, e: &serde_saphyr::Error) -> ScenarioError {
    let plain = e.without_snippet().to_string();
    let first = plain.lines().next().unwrap_or("invalid YAML");
    // The location goes in front, file:line:column style; drop the library's own suffix.
    let message = match first.rfind(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    };
    let mut err = ScenarioError::new(
        path,
        e.location().as_ref().and_then(position),
        message.clone(),
    );
    if let Some(hint) = unknown_key_hint(&message) {
        err = err.with_hint(hint);
    } else if message.starts_with("invalid u64") {
        err = err.with_hint("expected a whole number, e.g. 1000");
    }
    err
}

/// For "unknown field `x`, expected one of a, b", suggests the closest valid key.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message
        .split("unknown field `")
        .nth(1)
        .or_else(|| message.split("unknown variant `").nth(1))?;
    let (bad, rest) = rest.split_once('`')?;
    let list = rest
        .split_once("expected one of ")
        .or_else(|| rest.split_once("expected "))?
        .1;
    let expected: Vec<&str> = list
        .split(", ")
        .map(|s| s.trim_matches(|c| c == '`' || c == ' '))
        .filter(|s| !s.is_empty())
        .collect();
    let best = expected
        .iter()
        .min_by_key(|cand| edit_distance(bad, cand))?;
    if edit_distance(bad, best) <= bad.len().max(3) / 2 {
        Some(format!("did you mean `{best}`?"))
    } else {
        Some(format!("valid choices here: {}", expected.join(", ")))
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn validate(file: &ScenarioFile, path: &Path) -> Result<(), ScenarioError> {
    if file.name.trim().is_empty() {
        return Err(ScenarioError::new(path, None, "`name` must not be empty"));
    }
    for (side, spec) in [("source", &file.source), ("target", &file.target)] {
        validate_server(side, spec, path)?;
    }
    if let Some(problem) = super::query_spec::validate_queries(&file.queries)
        .into_iter()
        .next()
    {
        return Err(ScenarioError::new(
            path,
            None,
            format!("queries: {problem}"),
        ));
    }
    let batch = &file.transfer.batch_size;
    if batch.value == 0 || batch.value > MAX_BATCH_SIZE {
        return Err(ScenarioError::new(
            path,
            position(&batch.referenced),
            format!(
                "transfer.batch_size must be between 1 and {MAX_BATCH_SIZE}, got {}",
                batch.value
            ),
        ));
    }
    for check in &file.checks {
        if let Check::ContentHash(c) = check {
            if let Some((label, _)) = c.keys.iter().find(|(_, props)| props.is_empty()) {
                return Err(ScenarioError::new(
                    path,
                    None,
                    format!("content_hash.keys.{label} lists no properties"),
                ));
            }
        }
    }
    Ok(())
}

fn validate_server(side: &str, spec: &ServerSpec, path: &Path) -> Result<(), ScenarioError> {
    let at = position(&spec.version.referenced);
    if spec.version.value.trim().is_empty() {
        return Err(ScenarioError::new(
            path,
            at,
            format!("{side}.version must not be empty"),
        ));
    }
    if spec.edition == Edition::Enterprise && spec.engine != EngineKind::Neo4j {
        return Err(ScenarioError::new(
            path,
            at,
            format!("{side}.edition: enterprise exists only for neo4j"),
        ));
    }
    if let Some(timeout) = &spec.startup_timeout {
        if timeout.value == 0 {
            return Err(ScenarioError::new(
                path,
                position(&timeout.referenced),
                format!("{side}.startup_timeout must be at least 1 second"),
            ));
        }
    }
    if let Some(endpoint) = &spec.endpoint {
        let schemes: &[&str] = match spec.engine {
            EngineKind::Neo4j => &[
                "bolt",
                "bolt+s",
                "bolt+ssc",
                "neo4j",
                "neo4j+s",
                "neo4j+ssc",
            ],
            EngineKind::Falkordb => &["redis", "rediss"],
        };
        let scheme = endpoint.split_once("://").map(|(s, _)| s).unwrap_or("");
        if !schemes.contains(&scheme) {
            return Err(ScenarioError::new(
                path,
                at,
                format!(
                    "{side}.endpoint must be a URI with scheme {} for engine {}",
                    schemes.join("/"),
                    spec.engine
                ),
            ));
        }
    }
    Ok(())
}

fn read_fixtures(
    file: &ScenarioFile,
    path: &Path,
    text: &str,
) -> Result<Vec<Statement>, ScenarioError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (i, fixture) in file.fixtures.iter().enumerate() {
        match fixture {
            Fixture::File(rel) => {
                let full = base.join(&rel.value);
                let text = std::fs::read_to_string(&full).map_err(|e| {
                    ScenarioError::new(
                        path,
                        position(&rel.referenced),
                        format!("failed to read fixture {}: {e}", full.display()),
                    )
                })?;
                let statements = statements::split(&text, &full.display().to_string()).map_err(
                    |(line, message)| ScenarioError::new(&full, Some((line as u64, 1)), message),
                )?;
                out.extend(statements);
            }
            Fixture::Cypher(inline) => {
                // Statement lines are relative to the inline text; shift them to scenario lines.
                // A block scalar (`|`, `>`) starts on the line after its indicator.
                let at = inline.referenced.line().max(1);
                let indicator_line = text.lines().nth(at as usize - 1).unwrap_or_default();
                let first = if indicator_line.trim_end().ends_with(['|', '>', '-', '+']) {
                    at + 1
                } else {
                    at
                };
                let origin = format!("{}#fixtures[{i}]", path.display());
                let mut statements =
                    statements::split(&inline.value, &origin).map_err(|(line, message)| {
                        ScenarioError::new(path, Some((first + line as u64 - 1, 1)), message)
                    })?;
                for st in &mut statements {
                    st.line += first as usize - 1;
                    st.origin = path.display().to_string();
                }
                out.extend(statements);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "name: t\nsource:\n  engine: falkordb\n  version: '4.16.3'\ntarget:\n  engine: falkordb\n  version: '4.18.3'\nfixtures:\n  - cypher: \"CREATE (:A); CREATE (:B)\"\n";

    #[test]
    fn a_minimal_scenario_parses_with_defaults() {
        let s = parse_str(GOOD, Path::new("t.yaml")).unwrap();
        assert_eq!(s.file.transfer.batch_size.value, 1000);
        assert_eq!(s.fixture_statements.len(), 2);
        assert_eq!(s.checks().len(), 1);
    }

    #[test]
    fn unknown_keys_are_located_with_a_suggestion() {
        let bad = GOOD.replace("  version: '4.18.3'", "  versoin: '4.18.3'");
        let err = parse_str(&bad, Path::new("t.yaml")).unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(7), "{err}");
        assert!(err.to_string().starts_with("t.yaml:7:"), "{err}");
        assert!(err.message.contains("versoin"), "{err}");
        assert_eq!(err.hint.as_deref(), Some("did you mean `version`?"));
    }

    #[test]
    fn wrong_types_and_bad_values_are_located() {
        let bad = format!("{GOOD}transfer:\n  batch_size: lots\n");
        let err = parse_str(&bad, Path::new("t.yaml")).unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(11), "{err}");
        let zero = format!("{GOOD}transfer:\n  batch_size: 0\n");
        let err = parse_str(&zero, Path::new("t.yaml")).unwrap_err();
        assert_eq!(err.position, Some((11, 15)), "{err}");
    }

    #[test]
    fn missing_fixture_files_are_reported_at_their_reference() {
        let bad = GOOD.replace(
            "  - cypher: \"CREATE (:A); CREATE (:B)\"",
            "  - file: nope.cypher",
        );
        let err = parse_str(&bad, Path::new("dir/t.yaml")).unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(9), "{err}");
        assert!(err.message.contains("dir/nope.cypher"), "{err}");
    }
}
