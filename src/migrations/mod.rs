//! A team's own migration scripts, read from a directory (format layer, beside `scenario`;
//! nothing here touches a server).
//!
//! Two layouts:
//! - **Neo4j-Migrations** (michael-simons/neo4j-migrations): `V<version>__<description>.cypher`
//!   (versions like `1`, `001`, `1_2`, `1.2`; underscores in the description are spaces), undo
//!   scripts `U<version>__<description>.cypher`, repeatable scripts `R__<description>.cypher`
//!   (or `R<version>__...`). Its checksum is reproduced exactly: CRC32 over the UTF-8 bytes of
//!   every statement, statements split at `;` followed by a line break, trimmed, a trailing `;`
//!   removed, empty ones dropped; printed as the unsigned decimal number ([`checksum`]).
//! - **pairs**: `<version>_<name>.up.cypher` with its `<version>_<name>.down.cypher`.
//!
//! Versions sort numerically, component by component (`2` < `10`, `1.2` < `1.10`). A gap
//! (`1`, `2`, `4`), a duplicate version (`V2__a` and `V002__b`), an undo or down script without
//! its up, and (when reversibility is asked for) an up without its down are located errors.

mod checksum;
mod transactions;

pub use checksum::{checksum, crc32};
pub use transactions::manages_own_transaction;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::cypher::statements::{self, Statement};
use crate::io_error::describe_io_error;

/// Which naming scheme a directory uses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `V1__x.cypher`, `U1__x.cypher`, `R__x.cypher`.
    Neo4jMigrations,
    /// `1_x.up.cypher` / `1_x.down.cypher`.
    Pairs,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Neo4jMigrations => "neo4j-migrations",
            Layout::Pairs => "pairs",
        })
    }
}

/// A migration version: numeric components, compared numerically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub Vec<u64>);

impl Version {
    /// Parses `1`, `001`, `1_2`, `1.2` (components separated by `_` or `.`).
    pub fn parse(text: &str) -> Option<Version> {
        if text.is_empty() {
            return None;
        }
        text.split(['.', '_'])
            .map(|p| {
                (!p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect::<Option<Vec<u64>>>()
            .map(Version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|n| n.to_string()).collect();
        f.write_str(&parts.join("."))
    }
}

/// One script file, read and split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub path: PathBuf,
    /// The file name, as Neo4j-Migrations records it in `source`.
    pub file_name: String,
    /// The statements (split at `;` outside strings and comments), each with its line.
    pub statements: Vec<Statement>,
    /// Neo4j-Migrations' checksum of the file ([`checksum`]).
    pub checksum: String,
}

/// One versioned migration: its up script and, if present, its down (undo) script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: Version,
    /// The version as written in the file name (`001`, `1_2`): what the history records.
    pub version_text: String,
    pub description: String,
    pub up: Script,
    pub down: Option<Script>,
}

impl Migration {
    /// `V2 (rename customer name)`.
    pub fn label(&self) -> String {
        format!("V{} ({})", self.version, self.description)
    }
}

/// The migrations of one directory, in version order, then the repeatable ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSet {
    pub dir: PathBuf,
    pub layout: Layout,
    pub migrations: Vec<Migration>,
    /// `R__...` scripts (Neo4j-Migrations layout), run after the versioned ones, by description.
    pub repeatable: Vec<(String, Script)>,
}

impl MigrationSet {
    /// Finds a migration by its version as written in a scenario (`3`, `003`, `1.2`).
    pub fn find(&self, version: &str) -> Option<&Migration> {
        let v = Version::parse(version.trim().trim_start_matches(['V', 'v']))?;
        self.migrations.iter().find(|m| m.version == v)
    }
}

/// A directory or script that cannot be used, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct FormatError {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(u64, u64)>,
    pub message: String,
}

impl FormatError {
    fn new(path: &Path, position: Option<(u64, u64)>, message: impl Into<String>) -> Self {
        FormatError {
            path: path.to_owned(),
            position,
            message: message.into(),
        }
    }
}

/// What a file name says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Up,
    Down,
    Repeatable,
}

struct Named {
    kind: Kind,
    version: Option<(Version, String)>,
    description: String,
    layout: Layout,
}

/// Reads a Neo4j-Migrations file name: `V1_2__Add_thing.cypher`, `U1_2__...`, `R__...`.
fn parse_neo4j_migrations(name: &str) -> Option<Named> {
    let stem = name.strip_suffix(".cypher")?;
    let (head, description) = stem.split_once("__")?;
    let mut chars = head.chars();
    let kind = match chars.next()? {
        'V' => Kind::Up,
        'U' => Kind::Down,
        'R' => Kind::Repeatable,
        _ => return None,
    };
    let rest = chars.as_str();
    let version = if rest.is_empty() {
        if kind != Kind::Repeatable {
            return None;
        }
        None
    } else {
        Some((Version::parse(rest)?, rest.to_owned()))
    };
    Some(Named {
        kind,
        version,
        description: description.replace('_', " "),
        layout: Layout::Neo4jMigrations,
    })
}

/// Reads a pair-layout file name: `3_add_status.up.cypher`, `3_add_status.down.cypher`.
fn parse_pair(name: &str) -> Option<Named> {
    let (stem, kind) = if let Some(s) = name.strip_suffix(".up.cypher") {
        (s, Kind::Up)
    } else {
        (name.strip_suffix(".down.cypher")?, Kind::Down)
    };
    let (version, description) = stem.split_once('_').unwrap_or((stem, ""));
    Some(Named {
        kind,
        version: Some((Version::parse(version)?, version.to_owned())),
        description: description.replace('_', " "),
        layout: Layout::Pairs,
    })
}

fn read_script(path: &Path) -> Result<Script, FormatError> {
    let bytes = std::fs::read(path).map_err(|e| {
        FormatError::new(
            path,
            None,
            format!("failed to read migration script: {}", describe_io_error(&e)),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        FormatError::new(
            path,
            Some((line, 1)),
            "the script is not valid UTF-8; save it as UTF-8",
        )
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let statements = statements::split(&text, &path.display().to_string())
        .map_err(|(line, message)| FormatError::new(path, Some((line as u64, 1)), message))?;
    if statements.is_empty() {
        return Err(FormatError::new(
            path,
            None,
            "the script holds no statement (only whitespace or comments)",
        ));
    }
    Ok(Script {
        path: path.to_owned(),
        file_name,
        checksum: checksum(&text),
        statements,
    })
}

/// Reads every `*.cypher` file of `dir` (not recursively). `layout` `None` detects it from the
/// names; `require_down` makes an up script without its down script an error.
pub fn read_dir(
    dir: &Path,
    layout: Option<Layout>,
    require_down: bool,
) -> Result<MigrationSet, FormatError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        FormatError::new(
            dir,
            None,
            format!(
                "failed to list the migrations directory: {}",
                describe_io_error(&e)
            ),
        )
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".cypher"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(FormatError::new(
            dir,
            None,
            "the migrations directory holds no *.cypher script",
        ));
    }
    let detected = match layout {
        Some(l) => l,
        None => {
            let pairs = names.iter().any(|n| parse_pair(n).is_some());
            let nm = names.iter().any(|n| parse_neo4j_migrations(n).is_some());
            match (nm, pairs) {
                (true, true) => {
                    return Err(FormatError::new(
                        dir,
                        None,
                        "the directory mixes the Neo4j-Migrations layout (V1__x.cypher) and the pair layout (1_x.up.cypher); keep one, or set `layout:`",
                    ))
                }
                (false, true) => Layout::Pairs,
                _ => Layout::Neo4jMigrations,
            }
        }
    };
    let mut ups: BTreeMap<Version, (String, String, Script)> = BTreeMap::new();
    let mut downs: BTreeMap<Version, Script> = BTreeMap::new();
    let mut repeatable = Vec::new();
    for name in &names {
        let path = dir.join(name);
        let named = match detected {
            Layout::Neo4jMigrations => parse_neo4j_migrations(name),
            Layout::Pairs => parse_pair(name),
        };
        let Some(named) = named.filter(|n| n.layout == detected) else {
            let expected = match detected {
                Layout::Neo4jMigrations => {
                    "V<version>__<description>.cypher, U<version>__<description>.cypher or R__<description>.cypher"
                }
                Layout::Pairs => "<version>_<name>.up.cypher or <version>_<name>.down.cypher",
            };
            return Err(FormatError::new(
                &path,
                None,
                format!(
                    "not a migration script name of the {detected} layout: expected {expected}"
                ),
            ));
        };
        let script = read_script(&path)?;
        match (named.kind, named.version) {
            (Kind::Repeatable, _) => repeatable.push((named.description, script)),
            (Kind::Up, Some((version, text))) => {
                if let Some((_, _, other)) = ups.get(&version) {
                    return Err(FormatError::new(
                        &path,
                        None,
                        format!(
                            "duplicate version {version}: {} has the same version",
                            other.file_name
                        ),
                    ));
                }
                ups.insert(version, (text, named.description, script));
            }
            (Kind::Down, Some((version, _))) => {
                if let Some(other) = downs.get(&version) {
                    return Err(FormatError::new(
                        &path,
                        None,
                        format!(
                            "duplicate undo script for version {version}: {} is one too",
                            other.file_name
                        ),
                    ));
                }
                downs.insert(version, script);
            }
            (_, None) => unreachable!("only repeatable scripts have no version"),
        }
    }
    if let Some((version, script)) = downs.iter().find(|(v, _)| !ups.contains_key(*v)) {
        return Err(FormatError::new(
            &script.path,
            None,
            format!("undo/down script for version {version} has no up script"),
        ));
    }
    let mut migrations = Vec::new();
    let mut previous: Option<&Version> = None;
    for (version, (text, description, up)) in &ups {
        if let Some(prev) = previous {
            if let Some(missing) = gap(prev, version) {
                return Err(FormatError::new(
                    &up.path,
                    None,
                    format!("gap in the versions: {version} follows {prev}, {missing} is missing"),
                ));
            }
        }
        previous = Some(version);
        let down = downs.get(version).cloned();
        if require_down && down.is_none() {
            let wanted = match detected {
                Layout::Neo4jMigrations => {
                    format!("U{text}__{}.cypher", description.replace(' ', "_"))
                }
                Layout::Pairs => up.file_name.replace(".up.cypher", ".down.cypher"),
            };
            return Err(FormatError::new(
                &up.path,
                None,
                format!("version {version} has no down script ({wanted}), and the scenario asks for `reversible: true`"),
            ));
        }
        migrations.push(Migration {
            version: version.clone(),
            version_text: text.clone(),
            description: description.clone(),
            up: up.clone(),
            down,
        });
    }
    repeatable.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(MigrationSet {
        dir: dir.to_owned(),
        layout: detected,
        migrations,
        repeatable,
    })
}

/// The version that should sit between two consecutive ones, if they leave one out: same
/// number of components, same prefix, and a last component that jumps by more than one
/// (`1` -> `3`, `1.2` -> `1.4`). A change of an earlier component (`1.9` -> `2.0`) is no gap.
fn gap(prev: &Version, next: &Version) -> Option<Version> {
    let (p, n) = (&prev.0, &next.0);
    if p.len() != n.len() || p.is_empty() {
        return None;
    }
    let last = p.len() - 1;
    if p[..last] != n[..last] || n[last] <= p[last] + 1 {
        return None;
    }
    let mut missing = p.clone();
    missing[last] += 1;
    Some(Version(missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn neo4j_migrations_names_are_read_and_sorted_numerically() {
        let d = dir_with(&[
            ("V10__Ten.cypher", "RETURN 10;"),
            ("V9__Nine_things.cypher", "RETURN 9;"),
            ("U9__Nine_things.cypher", "RETURN -9;"),
            ("R__Refresh_view.cypher", "RETURN 0;"),
            ("README.md", "not a script"),
        ]);
        // 9 and 10 only: a gap from nothing is fine, 9 -> 10 is consecutive.
        let set = read_dir(d.path(), None, false).unwrap();
        assert_eq!(set.layout, Layout::Neo4jMigrations);
        let versions: Vec<String> = set
            .migrations
            .iter()
            .map(|m| m.version.to_string())
            .collect();
        assert_eq!(versions, ["9", "10"]);
        assert_eq!(set.migrations[0].description, "Nine things");
        assert!(set.migrations[0].down.is_some());
        assert_eq!(set.repeatable.len(), 1);
    }

    #[test]
    fn pairs_are_read_and_a_missing_down_is_an_error_when_asked() {
        let d = dir_with(&[
            ("1_a.up.cypher", "CREATE (:A);"),
            ("1_a.down.cypher", "MATCH (a:A) DELETE a;"),
            ("2_b.up.cypher", "CREATE (:B);"),
        ]);
        let set = read_dir(d.path(), None, false).unwrap();
        assert_eq!(set.layout, Layout::Pairs);
        let err = read_dir(d.path(), None, true).unwrap_err();
        assert!(err.path.ends_with("2_b.up.cypher"), "{err}");
        assert!(err.message.contains("2_b.down.cypher"), "{err}");
    }

    #[test]
    fn gaps_and_duplicates_are_located() {
        let d = dir_with(&[("V1__a.cypher", "RETURN 1"), ("V3__c.cypher", "RETURN 3")]);
        let err = read_dir(d.path(), None, false).unwrap_err();
        assert!(err.path.ends_with("V3__c.cypher"), "{err}");
        assert!(err.message.contains("2 is missing"), "{err}");
        let d = dir_with(&[("V2__a.cypher", "RETURN 1"), ("V002__b.cypher", "RETURN 3")]);
        let err = read_dir(d.path(), None, false).unwrap_err();
        assert!(err.message.contains("duplicate version 2"), "{err}");
        let d = dir_with(&[("V1__a.cypher", "RETURN 'unterminated")]);
        let err = read_dir(d.path(), None, false).unwrap_err();
        assert_eq!(err.position, Some((1, 1)), "{err}");
        let d = dir_with(&[("V1__a.cypher", "RETURN 1"), ("U2__b.cypher", "RETURN 1")]);
        assert!(read_dir(d.path(), None, false)
            .unwrap_err()
            .message
            .contains("no up script"));
        let d = dir_with(&[("V1__a.cypher", "RETURN 1"), ("add.cypher", "RETURN 1")]);
        assert!(read_dir(d.path(), None, false)
            .unwrap_err()
            .message
            .contains("not a migration script name"));
    }

    #[test]
    fn gaps_only_within_one_prefix() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert_eq!(gap(&v("1"), &v("3")), Some(v("2")));
        assert_eq!(gap(&v("1.9"), &v("2.0")), None);
        assert_eq!(gap(&v("1.2"), &v("1.4")), Some(v("1.3")));
        assert_eq!(gap(&v("1"), &v("2")), None);
        assert!(v("1_10") > v("1.9"));
    }
}
