use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

pub use super::allow_spec::*;
pub use super::query_spec::*;
pub use super::schema_spec::*;
use crate::kinds::{Edition, EngineKind, LauncherKind};

/// A whole scenario file. Unknown keys anywhere are errors (with file:line:column).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short identifier, used in reports and test names; unique across the files of a run.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub source: ServerSpec,
    pub target: ServerSpec,
    /// Seed data loaded into the source before the transfer, in order.
    #[serde(default)]
    pub fixtures: Vec<Fixture>,
    /// Let `fixtures: - file:` paths leave the scenario file's directory tree (after `..` and
    /// symlinks are resolved). Off by default, so a scenario cannot send arbitrary files
    /// (`../../etc/passwd`) to a server and into error messages.
    #[serde(default)]
    pub allow_fixtures_outside: bool,
    /// Fail a case when one of its allowances (a query's or the schema check's `allow:` entry
    /// that applies to the case's version pair) matched nothing. Off by default: a stale
    /// allowance is listed in the check's details, and the case still passes.
    #[serde(default)]
    pub fail_on_stale_allowances: bool,
    #[serde(default)]
    pub transfer: Transfer,
    /// What must hold after the transfer. An empty list means the default `counts` check.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Queries run on both sides after the transfer, compared by result, error and latency.
    #[serde(default)]
    pub queries: Vec<QuerySpec>,
    /// Several version pairs for the same scenario (each pair is one case); absent means the
    /// single pair `source.version -> target.version`.
    #[serde(default)]
    pub matrix: Option<Matrix>,
    /// How to start the servers: `auto` (default: Docker when an engine answers, else local
    /// processes), `docker` or `process`. `--launcher` / `MH_LAUNCHER` override it.
    #[serde(default)]
    pub launcher: Option<LauncherKind>,
    /// The team's own migration scripts, tested on each server of the case (docs/MIGRATIONS.md).
    #[serde(default)]
    pub migrations: Option<MigrationsSpec>,
    /// With a native strategy (`dump`, `in_place`): take a backup (dump) of the source before
    /// the upgrade, and after the checks restore it on the source version and prove its content
    /// hash and schema equal the pre-upgrade ones; also try the way back that does not work
    /// (the source version on the upgraded store) and report Neo4j's refusal.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub rollback: Option<Spanned<bool>>,
}

impl ScenarioFile {
    /// `rollback: true`.
    pub fn rollback(&self) -> bool {
        self.rollback.as_ref().is_some_and(|r| r.value)
    }
}

/// `migrations:`: a directory of migration scripts and what to check about each.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationsSpec {
    /// The scripts' directory, relative to the scenario file (inside its directory tree).
    #[schemars(with = "PathBuf")]
    pub dir: Spanned<PathBuf>,
    /// `neo4j_migrations` or `pairs`; detected from the file names when absent.
    #[serde(default)]
    pub layout: Option<crate::migrations::Layout>,
    /// The checks to run (default: all of them).
    #[serde(default = "MigrationCheckKind::all")]
    pub checks: Vec<MigrationCheckKind>,
    /// Every migration must have a down script, and `reversible` is checked.
    #[serde(default)]
    pub reversible: bool,
    /// Declarations about single migrations, e.g. `{ migration: "5", idempotent: false }`.
    #[serde(default)]
    pub declare: Vec<MigrationDeclaration>,
    /// Failures the scenario expects: the check is reported `allowed` with the reason; an
    /// expected failure that does not happen fails the check.
    #[serde(default)]
    pub expect_failures: Vec<ExpectedFailure>,
}

pub use crate::kinds::MigrationCheckKind;

/// What the scenario declares about one migration.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationDeclaration {
    /// The version, as in the file name (`3`, `003`, `1.2`).
    #[schemars(with = "String")]
    pub migration: Spanned<String>,
    /// `false`: applying it twice is known to change the graph again; `idempotent` is then
    /// reported as declared instead of checked.
    #[serde(default)]
    pub idempotent: Option<bool>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A failure the scenario expects, e.g. a down script known to be lossy.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFailure {
    /// The version, as in the file name.
    #[schemars(with = "String")]
    pub migration: Spanned<String>,
    pub check: MigrationCheckKind,
    /// Only on servers whose reported version matches (`">=5"`); absent: on every server.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub server: Option<Spanned<String>>,
    pub reason: String,
}

/// The version pairs a scenario runs. The engine, image, env and graph come from `source:` /
/// `target:`; only the versions vary. Cases are `pairs` plus every `sources` x `targets`
/// combination (an empty `sources` means `[source.version]`, an empty `targets`
/// `[target.version]`); when only `pairs` is given, only those run.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// Source versions (image tags).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Target versions (image tags).
    #[serde(default)]
    pub targets: Vec<String>,
    /// Explicit pairs written `"SOURCE:TARGET"`, e.g. `"4.16.3:4.18.3"`.
    #[serde(default)]
    pub pairs: Vec<String>,
    /// What to do with a pair that skips a documented upgrade hop (Neo4j 3.5 -> 4.0 -> 4.4 ->
    /// 5.26 -> 2025+).
    #[serde(default)]
    pub upgrade_path: UpgradePath,
}

/// How a pair that skips a documented upgrade hop is treated.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UpgradePath {
    /// Refuse the pair before anything starts, naming the missing hops.
    #[default]
    Refuse,
    /// Run the copy hop by hop through a server of every intermediate version.
    Chain,
    /// Copy straight from source to target (the logical copy does not need store upgrades).
    Direct,
}

/// One server: started from an image, or reached at `endpoint`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    pub engine: EngineKind,
    /// Server version, also the image tag (`5.26`, `2025.01`, `4.18.3`).
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    #[serde(default)]
    pub edition: Edition,
    /// Full image reference instead of the default (`neo4j:<version>`, `migration-harness/falkordb:<version>`).
    #[serde(default)]
    pub image: Option<String>,
    /// Container environment, e.g. Neo4j settings as `NEO4J_server_memory_heap_max__size`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Use this running server instead of starting one (`bolt://host:7687`, `redis://host:6379`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub endpoint: Option<Spanned<String>>,
    /// Database (Neo4j) or graph key (FalkorDB).
    #[serde(default)]
    pub graph: Option<String>,
    /// Seconds to wait for the server to become ready (default 300).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub startup_timeout: Option<Spanned<u64>>,
}

/// A fixture: a Cypher file (relative to the scenario file) or inline Cypher. Statements are
/// separated by `;`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fixture {
    File(#[schemars(with = "PathBuf")] Spanned<PathBuf>),
    Cypher(#[schemars(with = "String")] Spanned<String>),
}

/// How data moves from source to target.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    #[serde(default = "default_strategy")]
    #[schemars(with = "Strategy")]
    pub strategy: Spanned<Strategy>,
    /// Entities per read page and per write batch.
    #[serde(default = "default_batch_size")]
    #[schemars(with = "u64")]
    pub batch_size: Spanned<u64>,
    /// Extra options for the target version's `neo4j-admin database migrate` (native
    /// strategies only), e.g. `--force-btree-indexes-to-range` for a 4.4 store with BTREE
    /// indexes.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub migrate_options: Option<Spanned<Vec<String>>>,
}

impl Default for Transfer {
    fn default() -> Self {
        Transfer {
            strategy: default_strategy(),
            batch_size: default_batch_size(),
            migrate_options: None,
        }
    }
}

impl Transfer {
    /// `migrate_options`, or none.
    pub fn migrate_options(&self) -> &[String] {
        self.migrate_options
            .as_ref()
            .map(|o| o.value.as_slice())
            .unwrap_or_default()
    }
}

fn default_strategy() -> Spanned<Strategy> {
    Spanned::new(Strategy::default(), Location::UNKNOWN, Location::UNKNOWN)
}

fn default_batch_size() -> Spanned<u64> {
    Spanned::new(1000, Location::UNKNOWN, Location::UNKNOWN)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Read every node and relationship over the connection and write them in batches.
    #[default]
    Logical,
    /// Move nothing: compare the source and the target as they are. Neither is written (an
    /// external target is not wiped, not even checked for emptiness); `migration-harness verify`
    /// runs scenarios this way.
    None,
    /// Neo4j's offline upgrade: `neo4j-admin` dump on the source version (server stopped),
    /// load into a new store with the target version's tool, `migrate` where the target's
    /// major line differs, then start the target on it. The source is restarted on its store
    /// for the checks.
    Dump,
    /// A single instance's upgrade: stop the source, `migrate` its store with the target
    /// version's tool where needed, start the target version on that very store. A copy of
    /// the store taken while stopped is started on the source version for the checks.
    InPlace,
}

impl Strategy {
    /// `dump` or `in_place`: the strategies that work on stores with the engine's admin tool.
    pub fn is_native(self) -> bool {
        matches!(self, Strategy::Dump | Strategy::InPlace)
    }

    /// As written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Logical => "logical",
            Strategy::None => "none",
            Strategy::Dump => "dump",
            Strategy::InPlace => "in_place",
        }
    }
}

/// One check. Written as a one-key map: `- counts: {}`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    Counts(CountsCheck),
    ContentHash(ContentHashCheck),
    Schema(SchemaCheck),
}

impl Check {
    pub fn kind(&self) -> crate::kinds::CheckKind {
        use crate::kinds::CheckKind;
        match self {
            Check::Counts(_) => CheckKind::Counts,
            Check::ContentHash(_) => CheckKind::ContentHash,
            Check::Schema(_) => CheckKind::Schema,
        }
    }
}

/// Node counts per label and relationship counts per type must be equal on both sides, and,
/// when `expect` is given, equal to those numbers.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountsCheck {
    #[serde(default)]
    pub expect: Option<ExpectedCounts>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCounts {
    /// Total node count.
    #[serde(default)]
    pub total_nodes: Option<u64>,
    /// Total relationship count.
    #[serde(default)]
    pub total_relationships: Option<u64>,
    #[serde(default)]
    pub nodes: BTreeMap<String, u64>,
    #[serde(default)]
    pub relationships: BTreeMap<String, u64>,
}

/// Content identity: every node (labels + properties) and relationship (type + properties +
/// both endpoints' content) must be on both sides, compared by typed value.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentHashCheck {
    /// Business keys per label (`Person: [id]`): entities are matched by these, so a report says
    /// "Person {id: 7}: property age changed" instead of "one node missing, one extra".
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
    /// How many differences to list in full (default 20).
    #[serde(default)]
    pub max_diffs: Option<usize>,
}

/// A loaded, validated scenario with its origin.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The file's contents, as parsed and validated.
    pub file: ScenarioFile,
    /// The fixture statements, read and split, in order, each with where it came from.
    pub fixture_statements: Vec<crate::cypher::statements::Statement>,
    /// The `migrations:` directory, read and validated.
    pub migration_set: Option<crate::migrations::MigrationSet>,
}

impl Scenario {
    /// The scenario's name (`name:`).
    pub fn name(&self) -> &str {
        &self.file.name.value
    }

    /// The checks to run: the declared ones, or `counts` when none are declared.
    pub fn checks(&self) -> Vec<Check> {
        if self.file.checks.is_empty() {
            vec![Check::Counts(CountsCheck::default())]
        } else {
            self.file.checks.clone()
        }
    }

    /// Every check kind a case of this scenario runs, in order: the declared checks, `queries`
    /// when it has queries, `capabilities` when a logical copy moves the data (one per hop),
    /// `rollback` and `downgrade` for a native upgrade with `rollback: true`, then the
    /// `migrations:` checks. `validate`, `plan` and `run` all list these.
    pub fn check_kinds(&self) -> Vec<crate::kinds::CheckKind> {
        use crate::kinds::CheckKind;
        let mut kinds: Vec<CheckKind> = Vec::new();
        if self.file.transfer.strategy.value == Strategy::Logical {
            kinds.push(CheckKind::Capabilities);
        }
        kinds.extend(self.checks().iter().map(Check::kind));
        if !self.file.queries.is_empty() {
            kinds.push(CheckKind::Queries);
        }
        if self.file.transfer.strategy.value.is_native() && self.file.rollback() {
            kinds.extend([CheckKind::Rollback, CheckKind::Downgrade]);
        }
        if let Some(spec) = &self.file.migrations {
            kinds.extend(spec.checks.iter().map(|k| CheckKind::Migrations(*k)));
        }
        kinds
    }
}
