use std::path::{Path, PathBuf};

use serde_saphyr::Location;

use super::model::{Check, Fixture, Scenario, ScenarioFile, ServerSpec};
use super::ScenarioError;
use crate::cypher::statements::{self, Statement};
use crate::engine::descriptor::descriptor;
use crate::engine::endpoint::Endpoint;
use crate::io_error::describe_io_error;
use crate::kinds::{Edition, LauncherKind};

const MAX_BATCH_SIZE: u64 = 100_000;

/// Reads, parses and statically validates one scenario file, including its fixture files.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_text(path).map_err(|(at, message)| {
        ScenarioError::new(path, at, format!("failed to read scenario: {message}"))
    })?;
    parse_str(&text, path)
}

/// Reads a scenario or fixture file as UTF-8 text. Only regular files are read (a FIFO would
/// block forever); the error says what the path is instead, or, for bytes that are not UTF-8,
/// where in the file they are.
fn read_text(path: &Path) -> Result<String, (Option<(u64, u64)>, String)> {
    let meta = std::fs::metadata(path).map_err(|e| (None, describe_path_error(path, &e)))?;
    if !meta.is_file() {
        return Err((
            None,
            format!("it is {}, not a regular file", file_kind(&meta)),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| (None, describe_io_error(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
        let line = valid.matches('\n').count() as u64 + 1;
        let column = valid
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count() as u64
            + 1;
        (
            Some((line, column)),
            format!("the file is not valid UTF-8 (byte offset {offset}); save it as UTF-8"),
        )
    })
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// Like [`describe_io_error`], and a dangling symbolic link is named as one.
fn describe_path_error(path: &Path, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        if let Ok(target) = std::fs::read_link(path) {
            return format!(
                "it is a symbolic link to {}, which does not exist",
                target.display()
            );
        }
    }
    describe_io_error(e)
}

/// Parses and validates scenario text; `path` names it in errors and anchors relative fixture paths.
pub fn parse_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile = serde_saphyr::from_str(text).map_err(|e| yaml_error(path, &e))?;
    validate(&file, path)?;
    let fixture_statements = read_fixtures(&file, path, text)?;
    let migration_set = read_migrations(&file, path)?;
    Ok(Scenario {
        path: path.to_owned(),
        file,
        fixture_statements,
        migration_set,
    })
}

/// Expands files and directories into scenario files (`*.yaml`, `*.yml`), directories
/// recursively, sorted, so runs are reproducible. A file reached twice (given twice, or also
/// inside a given directory) is listed once.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut out = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, &mut out)?,
            Ok(_) => out.push(path.clone()),
            Err(e) => {
                return Err(ScenarioError::new(
                    path,
                    None,
                    describe_path_error(path, &e),
                ))
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

/// Scenario names must be unique across the files of a run: a case is named after its
/// scenario, and two files with one name would make two cases with one name (reports, filters
/// and test names could not tell them apart). One error per later file, located at its `name:`
/// and naming the first file with that name.
pub fn duplicate_names(scenarios: &[Scenario]) -> Vec<ScenarioError> {
    let mut first: std::collections::HashMap<&str, &Scenario> = std::collections::HashMap::new();
    let mut errors = Vec::new();
    for s in scenarios {
        match first.get(s.name()) {
            Some(earlier) => {
                let at = position(&earlier.file.name.referenced)
                    .map(|(l, c)| format!(":{l}:{c}"))
                    .unwrap_or_default();
                errors.push(
                    ScenarioError::new(
                        &s.path,
                        position(&s.file.name.referenced),
                        format!(
                            "duplicate scenario name `{}`: {}{at} has the same name",
                            s.name(),
                            earlier.path.display()
                        ),
                    )
                    .with_hint(
                        "scenario names must be unique across the files of a run; rename one",
                    ),
                );
            }
            None => {
                first.insert(s.name(), s);
            }
        }
    }
    errors
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScenarioError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        ScenarioError::new(
            dir,
            None,
            format!("failed to list directory: {}", describe_io_error(&e)),
        )
    })?;
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
    // The library's advice is for programmers (`set DuplicateKeyPolicy in Options`, `use
    // from_str_multiple`); users get what is wrong with their file.
    let message = if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        format!("duplicate key `{key}`: each key may appear once in a mapping")
    } else if message.starts_with("multiple YAML documents") {
        "a second YAML document: a scenario file holds one (remove the `---` separator, or put each scenario in its own file)".to_owned()
    } else {
        message
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
    } else if message.starts_with("version requirement is the number") {
        err = err.with_hint("quote version requirements: target: \">=4.10\"");
    } else if message.starts_with("invalid version requirement") {
        err = err.with_hint("e.g. when: { source: \">=4.16\", target: \">=4.18, <5\" }");
    } else if message.starts_with("allow `expect:` pins rows") {
        err = err.with_hint(
            "pinned rows only exist for result differences; remove `expect:` or use kind: different_results",
        );
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
    if file.name.value.trim().is_empty() {
        return Err(ScenarioError::new(
            path,
            position(&file.name.referenced),
            "`name` must not be empty",
        ));
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
    validate_native(file, path)?;
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

/// `transfer.strategy: dump | in_place`, `transfer.migrate_options` and `rollback`: native
/// upgrades work on the stores of Neo4j servers the harness starts as local processes.
fn validate_native(file: &ScenarioFile, path: &Path) -> Result<(), ScenarioError> {
    let strategy = &file.transfer.strategy;
    let at = position(&strategy.referenced);
    if strategy.value.is_native() {
        let name = strategy.value.name();
        for (side, spec) in [("source", &file.source), ("target", &file.target)] {
            if descriptor(spec.engine).store_admin().is_none() {
                return Err(ScenarioError::new(
                    path,
                    at,
                    format!(
                        "transfer.strategy {name} needs Neo4j on both sides ({side} is {}): it runs neo4j-admin on the servers' stores",
                        spec.engine
                    ),
                )
                .with_hint("use `strategy: logical` to copy between engines"));
            }
            if let Some(endpoint) = &spec.endpoint {
                return Err(ScenarioError::new(
                    path,
                    position(&endpoint.referenced),
                    format!(
                        "{side}.endpoint cannot be used with transfer.strategy {name}: it stops the servers and works on their stores, which the harness does only to servers it started"
                    ),
                ));
            }
        }
        if file.launcher == Some(LauncherKind::Docker) {
            return Err(ScenarioError::new(
                path,
                at,
                format!(
                    "transfer.strategy {name} is not supported with `launcher: docker` (it runs neo4j-admin on local stores); use `launcher: process` (scripts/setup-neo4j.sh)"
                ),
            ));
        }
    }
    if let Some(options) = &file.transfer.migrate_options {
        let at = position(&options.referenced);
        if !strategy.value.is_native() {
            return Err(ScenarioError::new(
                path,
                at,
                format!(
                    "transfer.migrate_options applies to `strategy: dump` or `in_place` only (the strategy is {})",
                    strategy.value.name()
                ),
            ));
        }
        if let Some(bad) = options
            .value
            .iter()
            .find(|o| !o.starts_with("--") || o.contains(char::is_whitespace))
        {
            return Err(ScenarioError::new(
                path,
                at,
                format!(
                    "transfer.migrate_options: {bad:?} is not a neo4j-admin option (one `--name` or `--name=value` per entry, no spaces)"
                ),
            ));
        }
    }
    if let Some(rollback) = &file.rollback {
        if rollback.value && !strategy.value.is_native() {
            return Err(ScenarioError::new(
                path,
                position(&rollback.referenced),
                format!(
                    "rollback: true needs transfer.strategy dump or in_place (the strategy is {}): the rollback restores a neo4j-admin dump of the source",
                    strategy.value.name()
                ),
            ));
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
    if spec.edition == Edition::Enterprise && !descriptor(spec.engine).has_enterprise_edition() {
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
        if let Err(message) = Endpoint::parse_for(&endpoint.value, spec.engine) {
            return Err(ScenarioError::new(
                path,
                position(&endpoint.referenced),
                format!("{side}.endpoint: {message}"),
            ));
        }
    }
    Ok(())
}

/// A fixture file must resolve (after `..` and symlinks) to a path inside the scenario file's
/// directory. A path that does not resolve is left to the read, which reports it.
fn check_inside(
    base: &Path,
    full: &Path,
    written: &Path,
    path: &Path,
    at: Option<(u64, u64)>,
) -> Result<(), ScenarioError> {
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let (Ok(dir_real), Ok(real)) = (std::fs::canonicalize(dir), std::fs::canonicalize(full)) else {
        return Ok(());
    };
    if real.starts_with(&dir_real) {
        return Ok(());
    }
    Err(ScenarioError::new(
        path,
        at,
        format!(
            "fixture `{}` is outside the scenario's directory {} (it resolves to {})",
            written.display(),
            dir.display(),
            real.display()
        ),
    )
    .with_hint(
        "keep fixtures next to the scenario, or set `allow_fixtures_outside: true` at the top level of the scenario",
    ))
}

/// Reads the `migrations:` directory (inside the scenario's directory tree unless
/// `allow_fixtures_outside`), and checks that the declarations name migrations that exist.
fn read_migrations(
    file: &ScenarioFile,
    path: &Path,
) -> Result<Option<crate::migrations::MigrationSet>, ScenarioError> {
    let Some(spec) = &file.migrations else {
        return Ok(None);
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let full = base.join(&spec.dir.value);
    let at = position(&spec.dir.referenced);
    if !file.allow_fixtures_outside {
        check_inside(base, &full, &spec.dir.value, path, at)?;
    }
    if !full.is_dir() {
        return Err(ScenarioError::new(
            path,
            at,
            format!("migrations.dir {} is not a directory", full.display()),
        ));
    }
    let set = crate::migrations::read_dir(&full, spec.layout, spec.reversible)
        .map_err(|e| ScenarioError::new(&e.path, e.position, e.message))?;
    if spec.checks.is_empty() {
        return Err(ScenarioError::new(
            path,
            at,
            "migrations.checks lists no check; leave it out to run all of them",
        ));
    }
    let known = |version: &serde_saphyr::Spanned<String>, what: &str| {
        if set.find(&version.value).is_some() {
            return Ok(());
        }
        let versions: Vec<String> = set
            .migrations
            .iter()
            .map(|m| m.version.to_string())
            .collect();
        Err(ScenarioError::new(
            path,
            position(&version.referenced),
            format!(
                "{what} names migration {:?}, which is not in {} (versions: {})",
                version.value,
                full.display(),
                versions.join(", ")
            ),
        ))
    };
    for d in &spec.declare {
        known(&d.migration, "migrations.declare")?;
    }
    for e in &spec.expect_failures {
        known(&e.migration, "migrations.expect_failures")?;
        if let Some(server) = &e.server {
            super::VersionReq::parse(&server.value).map_err(|message| {
                ScenarioError::new(path, position(&server.referenced), message)
            })?;
        }
        if e.check == crate::scenario::MigrationCheckKind::SameOnBoth {
            return Err(ScenarioError::new(
                path,
                position(&e.migration.referenced),
                "migrations.expect_failures: same_on_both is about all migrations together, not one",
            ));
        }
    }
    Ok(Some(set))
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
                let at = position(&rel.referenced);
                if !file.allow_fixtures_outside {
                    check_inside(base, &full, &rel.value, path, at)?;
                }
                let text = read_text(&full).map_err(|(inside, message)| match inside {
                    // Bad bytes: located in the fixture file itself.
                    Some(_) => ScenarioError::new(&full, inside, message),
                    None => ScenarioError::new(
                        path,
                        at,
                        format!("failed to read fixture {}: {message}", full.display()),
                    ),
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
    fn fixtures_reached_through_a_symlink_or_dotdot_stay_inside_unless_allowed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        std::fs::create_dir_all(dir.join("fx")).unwrap();
        std::fs::write(root.path().join("secret.cypher"), "CREATE (:Secret)").unwrap();
        std::fs::write(dir.join("fx/ok.cypher"), "CREATE (:Ok)").unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.cypher"), dir.join("link.cypher"))
            .unwrap();
        let with = |fixture: &str, allow: bool| {
            let text = GOOD.replace(
                "  - cypher: \"CREATE (:A); CREATE (:B)\"",
                &format!("  - file: {fixture}"),
            );
            let text = if allow {
                format!("allow_fixtures_outside: true\n{text}")
            } else {
                text
            };
            parse_str(&text, &dir.join("t.yaml"))
        };
        assert!(with("fx/../fx/ok.cypher", false).is_ok());
        for bad in ["link.cypher", "../secret.cypher", "fx/../../secret.cypher"] {
            let err = with(bad, false).unwrap_err();
            assert_eq!(err.position, Some((9, 11)), "{bad}: {err}");
            assert!(err.message.contains("outside"), "{bad}: {err}");
            assert!(!err.to_string().contains("Secret"), "{bad}: {err}");
            assert!(with(bad, true).is_ok(), "{bad}");
        }
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
