//! The steps a case runs, named once ([`Step`]), and how long each took ([`StepTiming`]). A leaf
//! of `run`: events, outcomes, the runner, the native strategies and the reporters read it.

use std::time::Duration;

use crate::kinds::CheckKind;

/// One step a case (or the run, before its cases) goes through. `Display` gives the text the
/// terminal and the reports print (`check content_hash`, `transfer 4.16.3 -> 4.18.3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The run decides how many cases run at once (event of the `run` pseudo-case).
    Schedule,
    /// Take the case's servers from the pool (or start them).
    StartServers,
    /// Wipe the servers (or check an external one is empty).
    PrepareServers,
    /// Load the scenario's fixtures into the source.
    SeedSource,
    /// The logical copy; `hop` = (from, to) versions when the case has intermediate hops.
    Transfer {
        /// (from, to) versions of this hop; `None` for a direct copy.
        hop: Option<(String, String)>,
    },
    /// One check of the scenario (`check queries` for the queries).
    Check(CheckKind),
    /// The `migrations:` part, on both servers.
    Migrations,
    /// Native upgrades with `rollback: true`: what the source holds before the upgrade.
    RecordPreUpgradeState,
    /// Native upgrades: stop the source to use its store.
    StopSource,
    /// `neo4j-admin` dump on `version`; `kib` is the dump's size once written.
    Dump {
        /// The `neo4j-admin` version that dumps.
        version: String,
        /// The dump's size in KiB, once written.
        kib: Option<u64>,
    },
    /// `neo4j-admin` load on `version`.
    Load {
        /// The `neo4j-admin` version that loads.
        version: String,
    },
    /// `neo4j-admin` migrate from `from` to `to`; `in_place` for the `in_place` strategy.
    Migrate {
        /// The store's version before.
        from: String,
        /// The version that migrates it.
        to: String,
        /// `true` for the `in_place` strategy (the store itself is migrated).
        in_place: bool,
    },
    /// The `in_place` strategy keeps a copy of the source store for the source.
    CopySourceStore,
    /// Native upgrades: the target on the upgraded store and the source on its own.
    StartOnStores,
    /// Native upgrades with `rollback: true`: restore the backup; try the downgrade.
    RollbackRestore,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Schedule => f.write_str("schedule"),
            Step::StartServers => f.write_str("start servers"),
            Step::PrepareServers => f.write_str("prepare servers"),
            Step::SeedSource => f.write_str("seed source"),
            Step::Transfer { hop: None } => f.write_str("transfer"),
            Step::Transfer {
                hop: Some((from, to)),
            } => write!(f, "transfer {from} -> {to}"),
            Step::Check(kind) => write!(f, "check {kind}"),
            Step::Migrations => f.write_str("migrations"),
            Step::RecordPreUpgradeState => f.write_str("rollback: record the pre-upgrade state"),
            Step::StopSource => f.write_str("stop source"),
            Step::Dump { version, kib: None } => write!(f, "dump (neo4j-admin {version})"),
            Step::Dump {
                version,
                kib: Some(kib),
            } => write!(f, "dump (neo4j-admin {version}, {kib} KiB)"),
            Step::Load { version } => write!(f, "load (neo4j-admin {version})"),
            Step::Migrate { from, to, in_place } => write!(
                f,
                "migrate {from} -> {to}{} (neo4j-admin {to})",
                if *in_place { " in place" } else { "" }
            ),
            Step::CopySourceStore => f.write_str("copy the source store"),
            Step::StartOnStores => {
                f.write_str("start target on the upgraded store, source on its store")
            }
            Step::RollbackRestore => {
                f.write_str("rollback: restore the pre-upgrade backup; downgrade attempt")
            }
        }
    }
}

/// Reports (JSON) carry a step as its text.
impl serde::Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How long one finished step took.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTiming {
    /// The step.
    pub step: Step,
    /// Its wall time.
    pub elapsed: Duration,
}

impl StepTiming {
    /// Seconds, rounded to milliseconds, as reports print them.
    pub fn seconds(&self) -> f64 {
        round(self.elapsed)
    }
}

/// Seconds, rounded to milliseconds, as reports print them.
pub(super) fn round(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// JSON keeps the `[step, seconds]` pair of docs/REPORTS.md.
impl serde::Serialize for StepTiming {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&self.step)?;
        t.serialize_element(&self.seconds())?;
        t.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::MigrationCheckKind;

    #[test]
    fn steps_print_the_text_reports_and_tests_match() {
        let cases = [
            (Step::StartServers, "start servers"),
            (Step::Transfer { hop: None }, "transfer"),
            (
                Step::Transfer {
                    hop: Some(("4.16.3".into(), "4.18.3".into())),
                },
                "transfer 4.16.3 -> 4.18.3",
            ),
            (Step::Check(CheckKind::ContentHash), "check content_hash"),
            (
                Step::Check(CheckKind::Migrations(MigrationCheckKind::DryRun)),
                "check migrations.dry_run",
            ),
            (
                Step::Migrate {
                    from: "5.26.0".into(),
                    to: "2025.01.0".into(),
                    in_place: true,
                },
                "migrate 5.26.0 -> 2025.01.0 in place (neo4j-admin 2025.01.0)",
            ),
            (
                Step::Dump {
                    version: "5.26.0".into(),
                    kib: Some(12),
                },
                "dump (neo4j-admin 5.26.0, 12 KiB)",
            ),
        ];
        for (step, text) in cases {
            assert_eq!(step.to_string(), text);
        }
    }

    #[test]
    fn a_timing_serializes_as_the_step_text_and_rounded_seconds() {
        let t = StepTiming {
            step: Step::Check(CheckKind::Counts),
            elapsed: Duration::from_micros(1_234_567),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"["check counts",1.235]"#
        );
    }
}
