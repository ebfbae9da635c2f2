//! Result snapshots in insta's `.snap` format: a YAML-ish header between `---` lines (metadata,
//! ignored when comparing, as insta does), then the normalized result. The result recorded is the
//! target's (the version being moved to); source and target are compared with each other
//! separately.
//!
//! ```text
//! ---
//! source: quickstart.yaml
//! expression: "MATCH (p:Person) RETURN p.name, p.born"
//! ---
//! mode: multiset
//! columns: [p.name, p.born]
//! rows: 2
//! ["Alice", 1960]
//! ["Bob", 1965]
//! ```

use std::path::{Path, PathBuf};

use super::record::Outcome;
use super::render::render_row;
use crate::scenario::ComparisonMode;

/// The normalized, deterministic rendering of one result: columns, then one rendered row per
/// line (sorted in multiset mode), or the error.
pub fn normalized(mode: ComparisonMode, outcome: &Outcome) -> String {
    let mode_name = match mode {
        ComparisonMode::Ordered => "ordered",
        ComparisonMode::Multiset | ComparisonMode::Auto => "multiset",
        ComparisonMode::None => "none",
    };
    match outcome {
        Outcome::Rows { columns, rows, .. } => {
            let mut lines: Vec<String> = rows.iter().map(|r| render_row(r)).collect();
            if mode != ComparisonMode::Ordered {
                lines.sort();
            }
            let mut out = format!(
                "mode: {mode_name}\ncolumns: [{}]\nrows: {}\n",
                columns.join(", "),
                rows.len()
            );
            for line in lines {
                out.push_str(&line);
                out.push('\n');
            }
            out
        }
        Outcome::Failed(f) => format!(
            "mode: {mode_name}\nerror: {}\nmessage: {}\n",
            f.code.as_deref().unwrap_or("(no code)"),
            f.message
        ),
    }
}

/// `<dir>/<scenario>__<query>.snap`.
pub fn path(dir: &Path, scenario: &str, query: &str) -> PathBuf {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    dir.join(format!("{}__{}.snap", clean(scenario), clean(query)))
}

/// The whole file: insta header and body.
pub fn file_contents(source: &str, expression: &str, body: &str) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
    format!(
        "---\nsource: {}\nexpression: {}\n---\n{body}",
        quote(source),
        quote(expression)
    )
}

/// The body of a `.snap` file: everything after the header's closing `---` line.
pub fn body_of(contents: &str) -> &str {
    let normalized = contents.strip_prefix('\u{feff}').unwrap_or(contents);
    if let Some(rest) = normalized.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            return &rest[end + 5..];
        }
    }
    normalized
}

/// What happened to one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum SnapshotStatus {
    Matched { path: String },
    Written { path: String },
    Missing { path: String, new: Vec<String> },
    Differs { path: String, diff: Vec<String> },
    Unwritable { path: String, error: String },
}

impl SnapshotStatus {
    pub fn passed(&self) -> bool {
        matches!(
            self,
            SnapshotStatus::Matched { .. } | SnapshotStatus::Written { .. }
        )
    }
}

/// Compares `body` with the snapshot at `path`; with `update`, writes it when missing or
/// different.
pub fn check(
    path: &Path,
    source: &str,
    expression: &str,
    body: &str,
    update: bool,
) -> SnapshotStatus {
    let shown = path.display().to_string();
    let existing = std::fs::read_to_string(path).ok();
    let differs = match &existing {
        Some(old) => body_of(&old.replace("\r\n", "\n")) != body,
        None => true,
    };
    if !differs {
        return SnapshotStatus::Matched { path: shown };
    }
    if update {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, file_contents(source, expression, body))
        };
        return match write() {
            Ok(()) => SnapshotStatus::Written { path: shown },
            Err(e) => SnapshotStatus::Unwritable {
                path: shown,
                error: e.to_string(),
            },
        };
    }
    match existing {
        None => SnapshotStatus::Missing {
            path: shown,
            new: body.lines().map(|l| format!("+{l}")).collect(),
        },
        Some(old) => SnapshotStatus::Differs {
            path: shown,
            diff: line_diff(body_of(&old.replace("\r\n", "\n")), body),
        },
    }
}

/// A unified diff of the snapshot (`old`) and the new result (`new`), one line per entry:
/// `@@ -l,n +l,n @@` hunk headers, `-old`, `+new`, and two lines of unchanged context.
pub fn line_diff(old: &str, new: &str) -> Vec<String> {
    // Snapshots are small; bound the time anyway (past it the diff is coarser, not wrong).
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old, new);
    diff.unified_diff()
        .context_radius(2)
        .to_string()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_what_follows_the_header() {
        let file = file_contents("s.yaml", "RETURN 1", "mode: ordered\nrows: 0\n");
        assert_eq!(
            file,
            "---\nsource: \"s.yaml\"\nexpression: \"RETURN 1\"\n---\nmode: ordered\nrows: 0\n"
        );
        assert_eq!(body_of(&file), "mode: ordered\nrows: 0\n");
    }

    #[test]
    fn line_diff_shows_removed_and_added_lines() {
        assert_eq!(
            line_diff("a\nb\nc\n", "a\nB\nc\nd\n"),
            ["@@ -1,3 +1,4 @@", " a", "-b", "+B", " c", "+d"]
        );
        assert!(line_diff("x\n", "x\n").is_empty());
        // Far-apart changes are separate hunks; unchanged lines beyond the context are left out.
        let old: String = (1..=20).map(|i| format!("row {i}\n")).collect();
        let new = old
            .replace("row 2\n", "row two\n")
            .replace("row 19\n", "row 19b\n");
        let diff = line_diff(&old, &new);
        assert_eq!(
            diff.iter().filter(|l| l.starts_with("@@")).count(),
            2,
            "{diff:?}"
        );
        assert!(!diff.iter().any(|l| l.contains("row 10")), "{diff:?}");
    }

    #[test]
    fn missing_differs_written_matched() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), "scen", "q");
        assert!(p.ends_with("scen__q.snap"));
        assert!(matches!(
            check(&p, "s", "RETURN 1", "rows: 1\n", false),
            SnapshotStatus::Missing { .. }
        ));
        assert!(matches!(
            check(&p, "s", "RETURN 1", "rows: 1\n", true),
            SnapshotStatus::Written { .. }
        ));
        assert!(check(&p, "s", "RETURN 1", "rows: 1\n", false).passed());
        match check(&p, "s", "RETURN 1", "rows: 2\n", false) {
            SnapshotStatus::Differs { diff, .. } => {
                assert_eq!(diff, ["@@ -1 +1 @@", "-rows: 1", "+rows: 2"])
            }
            other => panic!("{other:?}"),
        }
    }
}
