//! `neo4j-admin` for the process launcher's stores: dump, load and migrate with the admin tool
//! of an installed version (docs/NEO4J-LOCAL.md).
//!
//! The tool is a Java class, `org.neo4j.cli.AdminTool`, in `org.neo4j:neo4j-command-line`,
//! which `org.neo4j:neo4j` already depends on: the class path `scripts/setup-neo4j.sh`
//! resolved for a version runs that version's tool, with that version's Java. It reads
//! `NEO4J_HOME` (the store's `neo4j/` directory, whose `data/` the embedded server uses) and
//! `NEO4J_CONF` (a `neo4j.conf` written here with the one setting it needs). Command syntax:
//!
//! | line | dump | load | migrate |
//! | --- | --- | --- | --- |
//! | 4.4 | `dump --database=neo4j --to=<file>` | `load --database=neo4j --from=<file> --force` | none (4.4 upgrades older stores at start with `dbms.allow_upgrade`) |
//! | 5.x, 2025+ | `database dump neo4j --to-path=<dir>` | `database load neo4j --from-path=<dir> --overwrite-destination=true` | `database migrate neo4j` |

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::installation::{quote_arg, Installation};
use crate::engine::descriptor::{AdminStep, StoreAdmin};
use crate::engine::dialect::Version;
use crate::engine::EngineError;

/// The admin tool's main class (`neo4j-admin`).
pub const ADMIN_CLASS: &str = "org.neo4j.cli.AdminTool";
/// The database the harness's Neo4j servers use.
const DATABASE: &str = "neo4j";
/// How long one admin operation may take.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(900);
/// Heap of the admin tool's JVM.
const ADMIN_HEAP: &str = "-Xmx512m";

/// Neo4j's offline store operations.
pub struct Neo4jAdmin;

/// The major line of a version: 4 for 4.4.48, 5 for 5.26.30, the year for 2025+.
fn line(version: &str) -> Option<u32> {
    Version::parse_lenient(version).map(|v| v.major)
}

/// True for 4.x (the admin tool's older command syntax).
fn legacy(version: &str) -> bool {
    line(version).is_some_and(|major| major < 5)
}

/// One version's admin tool.
struct Tool {
    version: String,
    java: PathBuf,
    argfile: String,
}

impl Tool {
    fn find(version: &str) -> Result<Tool, EngineError> {
        let install = Installation::find(version).map_err(|message| EngineError::Admin {
            command: format!("neo4j-admin {version}"),
            store: "no store".into(),
            message,
        })?;
        let mut argfile = String::new();
        for opt in install
            .jvm_opts
            .iter()
            // The class-data archive was dumped for the launcher's class path, not this one.
            .filter(|o| !o.starts_with("-XX:SharedArchiveFile"))
        {
            argfile.push_str(&quote_arg(opt));
            argfile.push('\n');
        }
        argfile.push_str(ADMIN_HEAP);
        argfile.push('\n');
        argfile.push_str(&format!("-cp\n{}\n", quote_arg(install.classpath.trim())));
        Ok(Tool {
            java: install.java_home.join("bin").join("java"),
            version: install.version,
            argfile,
        })
    }

    /// Runs the tool with `args` on the store at `store`; fails with its output unless it
    /// exits 0.
    async fn run(&self, store: &Path, args: &[String]) -> Result<AdminStep, EngineError> {
        let command = format!("neo4j-admin {} {}", self.version, shown(args));
        let fail = |message: String| EngineError::Admin {
            command: command.clone(),
            store: format!("the store at {}", store.display()),
            message,
        };
        let home = store.join("neo4j");
        let conf = store.join("admin-conf");
        let setting = if legacy(&self.version) {
            "dbms.memory.pagecache.size"
        } else {
            "server.memory.pagecache.size"
        };
        std::fs::create_dir_all(&home)
            .and_then(|()| std::fs::create_dir_all(&conf))
            .and_then(|()| std::fs::write(conf.join("neo4j.conf"), format!("{setting}=64m\n")))
            .and_then(|()| std::fs::write(store.join("admin.args"), &self.argfile))
            .map_err(|e| fail(format!("cannot prepare the tool's files: {e}")))?;
        let begin = Instant::now();
        let child = tokio::process::Command::new(&self.java)
            .arg(format!("@{}", store.join("admin.args").display()))
            .arg(ADMIN_CLASS)
            .args(args)
            .env("NEO4J_HOME", &home)
            .env("NEO4J_CONF", &conf)
            .current_dir(store)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| fail(format!("cannot run {}: {e}", self.java.display())))?;
        let output = tokio::time::timeout(ADMIN_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| fail(format!("no result within {} s", ADMIN_TIMEOUT.as_secs())))?
            .map_err(|e| fail(format!("cannot read its output: {e}")))?;
        let text = tool_output(&output.stdout, &output.stderr);
        if !output.status.success() {
            return Err(fail(format!(
                "it exited with {}; its output:\n{}",
                output.status,
                indent(&text)
            )));
        }
        Ok(AdminStep {
            command,
            elapsed: begin.elapsed(),
            output: text,
        })
    }
}

#[async_trait]
impl StoreAdmin for Neo4jAdmin {
    async fn dump(
        &self,
        version: &str,
        store: &Path,
        into: &Path,
    ) -> Result<(AdminStep, PathBuf), EngineError> {
        let tool = Tool::find(version)?;
        let file = into.join(format!("{DATABASE}.dump"));
        let args = if legacy(&tool.version) {
            vec![
                "dump".to_owned(),
                format!("--database={DATABASE}"),
                format!("--to={}", file.display()),
            ]
        } else {
            vec![
                "database".to_owned(),
                "dump".to_owned(),
                DATABASE.to_owned(),
                format!("--to-path={}", into.display()),
            ]
        };
        let step = tool.run(store, &args).await?;
        if !file.is_file() {
            return Err(EngineError::Admin {
                command: step.command,
                store: format!("the store at {}", store.display()),
                message: format!(
                    "it succeeded but wrote no {}; its output:\n{}",
                    file.display(),
                    indent(&step.output)
                ),
            });
        }
        Ok((step, file))
    }

    async fn load(
        &self,
        version: &str,
        store: &Path,
        dump: &Path,
    ) -> Result<AdminStep, EngineError> {
        let tool = Tool::find(version)?;
        let args = if legacy(&tool.version) {
            vec![
                "load".to_owned(),
                format!("--database={DATABASE}"),
                format!("--from={}", dump.display()),
                "--force".to_owned(),
            ]
        } else {
            // 5.x loads `<database>.dump` from a directory.
            let dir = dump.parent().unwrap_or(Path::new("."));
            vec![
                "database".to_owned(),
                "load".to_owned(),
                DATABASE.to_owned(),
                format!("--from-path={}", dir.display()),
                "--overwrite-destination=true".to_owned(),
            ]
        };
        tool.run(store, &args).await
    }

    async fn migrate(
        &self,
        version: &str,
        store: &Path,
        options: &[String],
    ) -> Result<AdminStep, EngineError> {
        let tool = Tool::find(version)?;
        if legacy(&tool.version) {
            return Err(EngineError::Admin {
                command: format!("neo4j-admin {} migrate", tool.version),
                store: format!("the store at {}", store.display()),
                message: "Neo4j 4.x has no migrate command (it upgrades older stores when it \
                          starts with dbms.allow_upgrade=true); the harness migrates to 5.x and \
                          newer only"
                    .into(),
            });
        }
        let mut args = vec![
            "database".to_owned(),
            "migrate".to_owned(),
            DATABASE.to_owned(),
        ];
        args.extend(options.iter().cloned());
        tool.run(store, &args).await
    }

    fn needs_migrate(&self, from: &str, to: &str) -> bool {
        match (line(from), line(to)) {
            (Some(a), Some(b)) => a != b,
            _ => true,
        }
    }
}

/// Arguments as shown in messages: paths are replaced by their last component.
fn shown(args: &[String]) -> String {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((key, value)) if value.contains('/') => format!(
                "{key}=…/{}",
                Path::new(value)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            _ => a.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// stdout then stderr, without blank lines and the JVM's own warnings about options.
fn tool_output(stdout: &[u8], stderr: &[u8]) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(stdout),
        String::from_utf8_lossy(stderr)
    );
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    (no output)".into();
    }
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_lines_decide_the_syntax_and_migrations() {
        assert!(legacy("4.4.48"));
        assert!(!legacy("5.26.30"));
        assert!(!legacy("2026.08.1"));
        assert!(Neo4jAdmin.needs_migrate("4.4.48", "5.26.30"));
        assert!(Neo4jAdmin.needs_migrate("5.26.30", "2026.08.1"));
        assert!(!Neo4jAdmin.needs_migrate("5.26.19", "5.26.30"));
    }

    #[test]
    fn shown_commands_name_files_not_paths() {
        let args = ["dump".to_owned(), "--to=/tmp/x/y/neo4j.dump".to_owned()];
        assert_eq!(shown(&args), "dump --to=…/neo4j.dump");
    }

    #[test]
    fn tool_output_drops_blank_lines() {
        assert_eq!(tool_output(b"a\n\n b \n", b"\nc\n"), "a\n b\nc");
    }

    #[tokio::test]
    async fn a_missing_version_names_the_setup_step() {
        let dir = tempfile::tempdir().unwrap();
        let err = Neo4jAdmin
            .migrate("1.2.3", dir.path(), &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("scripts/setup-neo4j.sh 1.2.3"), "{err}");
    }
}
