//! A Neo4j version installed for the process launcher (`scripts/setup-neo4j.sh`): where its
//! jars and Java are, and how to quote them in a Java `@argfile`. Both the server launcher
//! (`engine`) and `neo4j-admin` (`admin`) run from it.

use std::path::{Path, PathBuf};

/// A Neo4j version installed by `scripts/setup-neo4j.sh` under `<cache>/neo4j/<version>/`.
#[derive(Debug)]
pub(super) struct Installation {
    pub(super) version: String,
    pub(super) classpath: String,
    pub(super) java_home: PathBuf,
    pub(super) jvm_opts: Vec<String>,
    pub(super) launcher_jar: PathBuf,
}

impl Installation {
    /// Finds `requested` (exact, or a short name such as `5.26` or `2025` listed in
    /// `<cache>/neo4j/aliases`). The error says how to install it and what is installed.
    pub(super) fn find(requested: &str) -> Result<Installation, String> {
        let root = crate::engine::launcher::cache_dir().join("neo4j");
        let version = resolve_alias(&root, requested)
            .or_else(|| newest_with_prefix(&installed_versions(&root), requested))
            .unwrap_or_else(|| requested.to_owned());
        let dir = root.join(&version);
        let read = |name: &str| std::fs::read_to_string(dir.join(name));
        let not_installed = || {
            let installed = installed_versions(&root);
            format!(
                "Neo4j {requested} is not installed for the process launcher (looked in {}); run \
                 `scripts/setup-neo4j.sh {requested}`{}",
                dir.display(),
                if installed.is_empty() {
                    String::new()
                } else {
                    format!(" (installed: {})", installed.join(", "))
                }
            )
        };
        let classpath = read("classpath").map_err(|_| not_installed())?;
        let java_home = read("java-home").map_err(|_| not_installed())?;
        let jvm_opts = read("jvm-opts")
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let launcher_jar = root.join("launcher.jar");
        if !launcher_jar.exists() {
            return Err(format!(
                "the Neo4j launcher jar {} is missing; run `scripts/setup-neo4j.sh`",
                launcher_jar.display()
            ));
        }
        let installed = read("version")
            .map(|v| v.trim().to_owned())
            .unwrap_or(version);
        Ok(Installation {
            version: installed,
            classpath,
            java_home: PathBuf::from(java_home.trim()),
            jvm_opts,
            launcher_jar,
        })
    }
}

/// `<cache>/neo4j/aliases` holds lines `<short name> <exact version>`.
fn resolve_alias(root: &Path, requested: &str) -> Option<String> {
    let text = std::fs::read_to_string(root.join("aliases")).ok()?;
    text.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        (parts.next()? == requested).then(|| parts.next().map(str::to_owned))?
    })
}

/// The newest installed version that `requested` is a prefix of by dotted components
/// (`2026.08` -> `2026.08.1`), unless `requested` is installed as it is.
fn newest_with_prefix(installed: &[String], requested: &str) -> Option<String> {
    if installed.iter().any(|v| v == requested) {
        return None;
    }
    let key = |v: &str| -> Vec<u64> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
    installed
        .iter()
        .filter(|v| v.starts_with(&format!("{requested}.")))
        .max_by_key(|v| key(v))
        .cloned()
}

fn installed_versions(root: &Path) -> Vec<String> {
    let mut versions: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("classpath").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    versions
}

/// Quotes one argument of a Java `@argfile` (double quotes; backslashes and quotes escaped).
pub(super) fn quote_arg(arg: &str) -> String {
    format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_short_names_to_installed_versions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("aliases"),
            "5.26 5.26.19\n2025 2025.11.2\nlatest 2025.11.2\n",
        )
        .unwrap();
        assert_eq!(
            resolve_alias(dir.path(), "5.26").as_deref(),
            Some("5.26.19")
        );
        assert_eq!(
            resolve_alias(dir.path(), "latest").as_deref(),
            Some("2025.11.2")
        );
        assert_eq!(resolve_alias(dir.path(), "4.4"), None);
    }

    #[test]
    fn short_versions_pick_the_newest_installed_patch() {
        let installed: Vec<String> = ["5.26.9", "5.26.30", "2026.08.1", "4.4.48"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            newest_with_prefix(&installed, "5.26").as_deref(),
            Some("5.26.30")
        );
        assert_eq!(
            newest_with_prefix(&installed, "2026.08").as_deref(),
            Some("2026.08.1")
        );
        assert_eq!(newest_with_prefix(&installed, "5.26.30"), None);
        assert_eq!(newest_with_prefix(&installed, "5.2"), None);
    }

    #[test]
    fn argfile_arguments_are_quoted() {
        assert_eq!(quote_arg(r#"/a b/"c"\d"#), r#""/a b/\"c\"\\d""#);
    }
}
