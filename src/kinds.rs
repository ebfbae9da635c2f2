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
    Neo4j,
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
    #[default]
    Community,
    Enterprise,
}
