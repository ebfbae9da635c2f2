//! The plain kinds every layer names: which engine, which edition, which launcher. A leaf: it
//! reads no other module, so the scenario format and the engines both use it without one
//! depending on the other for them.

use std::fmt;

/// The graph engines the harness can drive.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Neo4j.
    Neo4j,
    /// FalkorDB.
    Falkordb,
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EngineKind::Neo4j => "neo4j",
            EngineKind::Falkordb => "falkordb",
        })
    }
}

/// Which launcher starts a scenario's servers (`launcher:` in a scenario, `--launcher`,
/// `MH_LAUNCHER`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LauncherKind {
    /// Docker when an engine answers, else a local process.
    #[default]
    Auto,
    /// Containers through testcontainers.
    Docker,
    /// Local processes from the binaries `scripts/setup.sh` installed.
    Process,
}

impl fmt::Display for LauncherKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LauncherKind::Auto => "auto",
            LauncherKind::Docker => "docker",
            LauncherKind::Process => "process",
        })
    }
}

impl std::str::FromStr for LauncherKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(LauncherKind::Auto),
            "docker" => Ok(LauncherKind::Docker),
            "process" => Ok(LauncherKind::Process),
            other => Err(format!(
                "unknown launcher {other:?}: expected auto, docker or process"
            )),
        }
    }
}

/// Neo4j edition; Enterprise images need the license agreement env var.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    /// Neo4j Community Edition (the default).
    #[default]
    Community,
    /// Neo4j Enterprise Edition.
    Enterprise,
}

/// True for labels, types and keys the harness itself creates (`__MH_`, `__mh_`), which checks
/// and schema readers leave out.
pub fn is_internal_name(name: &str) -> bool {
    name.starts_with("__MH_") || name.starts_with("__mh_")
}

/// One check about one migration on one server.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MigrationCheckKind {
    Applies,
    DryRun,
    Idempotent,
    Reversible,
    History,
    SameOnBoth,
}

impl MigrationCheckKind {
    pub fn all() -> Vec<MigrationCheckKind> {
        use MigrationCheckKind::*;
        vec![Applies, DryRun, Idempotent, Reversible, History, SameOnBoth]
    }

    pub fn name(self) -> &'static str {
        match self {
            MigrationCheckKind::Applies => "applies",
            MigrationCheckKind::DryRun => "dry_run",
            MigrationCheckKind::Idempotent => "idempotent",
            MigrationCheckKind::Reversible => "reversible",
            MigrationCheckKind::History => "history",
            MigrationCheckKind::SameOnBoth => "same_on_both",
        }
    }
}

/// Every kind of check a case can run; the one place kinds get their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// Node and relationship counts per label and type.
    Counts,
    /// The content hash of the whole graph.
    ContentHash,
    /// Indexes and constraints.
    Schema,
    /// The scenario's `queries:`.
    Queries,
    /// Values the target could not store (found by the logical copy).
    Capabilities,
    /// One check of the `migrations:` part, on one server.
    Migrations(MigrationCheckKind),
    /// The restored pre-upgrade backup (native upgrades, `rollback: true`).
    Rollback,
    /// The refused downgrade (native upgrades, `rollback: true`).
    Downgrade,
}

impl CheckKind {
    /// The name reports and the scenario file use: `counts`, `content_hash`,
    /// `migrations.dry_run`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Counts => "counts",
            CheckKind::ContentHash => "content_hash",
            CheckKind::Schema => "schema",
            CheckKind::Queries => "queries",
            CheckKind::Capabilities => "capabilities",
            CheckKind::Migrations(k) => match k {
                MigrationCheckKind::Applies => "migrations.applies",
                MigrationCheckKind::DryRun => "migrations.dry_run",
                MigrationCheckKind::Idempotent => "migrations.idempotent",
                MigrationCheckKind::Reversible => "migrations.reversible",
                MigrationCheckKind::History => "migrations.history",
                MigrationCheckKind::SameOnBoth => "migrations.same_on_both",
            },
            CheckKind::Rollback => "rollback",
            CheckKind::Downgrade => "downgrade",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for CheckKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for CheckKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CheckKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for CheckKind {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}
