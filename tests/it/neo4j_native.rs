//! Native Neo4j upgrades on real servers (local processes, scripts/setup-neo4j.sh): the
//! `dump` and `in_place` strategies of tests/neo4j-native/*.yaml through the binary, the
//! rollback and the refused downgrade in its reports, and what `neo4j-admin database migrate`
//! itself says about a store that skips a documented hop (4.4 -> 2026.08), which the harness
//! refuses before starting anything.
//!
//! The cases run one at a time (each stops and starts several JVMs; in parallel on two cores
//! they only get slower). A missing Neo4j version fails with the setup hint.

use crate::support;

use std::path::Path;
use std::sync::Mutex;

use serde_json::Value as Json;

/// One heavy case at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn require_neo4j(versions: &[&str]) {
    let root = migration_harness::engine::launcher::cache_dir().join("neo4j");
    for v in versions {
        let installed = std::fs::read_to_string(root.join("aliases"))
            .unwrap_or_default()
            .lines()
            .any(|l| l.split_whitespace().next() == Some(v));
        assert!(
            installed,
            "Neo4j {v} is not installed for the process launcher; run `scripts/setup-neo4j.sh {v}`"
        );
    }
}

/// Runs a scenario through the binary with JSON and Markdown reports; returns (exit code,
/// JSON report, Markdown report, stderr).
fn run(scenario: &str, dir: &Path) -> (i32, Json, String, String) {
    let json = dir.join("report.json");
    let markdown = dir.join("report.md");
    let output = support::harness()
        .env("MH_LAUNCHER", "process")
        // `-v`: the tests read passing checks' messages from the terminal lines.
        .args(["run", "-v", scenario, "--json"])
        .arg(&json)
        .arg("--markdown")
        .arg(&markdown)
        .output()
        .expect("the harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report: Json = serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr:\n{stderr}"));
    let markdown = std::fs::read_to_string(&markdown).unwrap_or_default();
    (output.status.code().unwrap_or(-1), report, markdown, stderr)
}

fn case(report: &Json) -> &Json {
    &report["scenarios"][0]
}

fn check<'a>(case: &'a Json, kind: &str) -> &'a Json {
    case["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == kind))
        .unwrap_or_else(|| panic!("no {kind} check in {case:#}"))
}

fn timings(case: &Json) -> Vec<(String, f64)> {
    case["timings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t[0].as_str().unwrap_or_default().to_owned(),
                t[1].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

#[test]
fn dump_upgrade_rolls_back_to_the_exact_pre_upgrade_hash_and_the_downgrade_is_refused() {
    require_neo4j(&["5.26", "2026.08"]);
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let (code, report, markdown, stderr) =
        run("tests/neo4j-native/dump-5.26-to-2026.08.yaml", dir.path());
    let case = case(&report);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(case["verdict"], "pass", "{case:#}");
    let steps: Vec<String> = timings(case).into_iter().map(|(s, _)| s).collect();
    for expected in [
        "dump (neo4j-admin 5.26.30",
        "load (neo4j-admin 2026.08)",
        "migrate 5.26.30 -> 2026.08",
    ] {
        assert!(
            steps.iter().any(|s| s.starts_with(expected)),
            "no step {expected:?} in {steps:?}"
        );
    }
    for kind in [
        "counts",
        "content_hash",
        "schema",
        "queries",
        "rollback",
        "downgrade",
    ] {
        assert_eq!(check(case, kind)["passed"], true, "{kind}: {case:#}");
    }
    // The restored backup's hash is the source's before the upgrade, which is the target's.
    let content = check(case, "content_hash")["summary"].as_str().unwrap();
    let source_hash = content
        .split("source ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .expect("the content summary names the source hash");
    let rollback = check(case, "rollback")["summary"].as_str().unwrap();
    assert!(
        rollback.contains(&format!("content hash {source_hash} ")),
        "{rollback} vs {content}"
    );
    // Neo4j's own refusal, in the check and in the reports.
    let downgrade = check(case, "downgrade")["summary"].as_str().unwrap();
    assert!(downgrade.contains("refuses the store"), "{downgrade}");
    assert!(
        downgrade.contains("Exception"),
        "not Neo4j's message: {downgrade}"
    );
    let cause = downgrade.rsplit("as expected: ").next().unwrap();
    // The Markdown summary lists a passing check by name; its message is in the terminal
    // report and the JSON report (read above).
    assert!(markdown.contains("downgrade ok"), "{markdown}");
    assert!(
        stderr.contains(cause),
        "the terminal report lacks {cause:?}:\n{stderr}"
    );
    let runbook = runbook(case);
    let out = support::repo_path("target/native-runbook.md");
    let _ = std::fs::write(&out, &runbook);
    eprintln!("{runbook}\n(written to {})", out.display());
}

#[test]
fn in_place_upgrade_of_the_same_fixture_passes_the_same_checks() {
    require_neo4j(&["5.26", "2026.08"]);
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let (code, report, _, stderr) = run(
        "tests/neo4j-native/in-place-5.26-to-2026.08.yaml",
        dir.path(),
    );
    let case = case(&report);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(case["verdict"], "pass", "{case:#}");
    let steps: Vec<String> = timings(case).into_iter().map(|(s, _)| s).collect();
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("migrate 5.26.30 -> 2026.08 in place")),
        "{steps:?}"
    );
    assert!(!steps.iter().any(|s| s.starts_with("dump")), "{steps:?}");
    for kind in ["counts", "content_hash", "schema"] {
        assert_eq!(check(case, kind)["passed"], true, "{kind}: {case:#}");
    }
    assert_eq!(case["servers"][1]["version"], "2026.08.1", "{case:#}");
}

/// 4.4 -> 2026.08 skips the documented 5.26 stop: the harness refuses the pair before starting
/// anything; forced on a real 4.4 store, 2026.08's `migrate` itself is more lenient (it
/// migrated such a store when this was written). The test records what it says either way.
#[test]
fn a_skipped_hop_is_refused_before_start_and_migrate_says_what_it_says() {
    use migration_harness::engine::descriptor::descriptor;
    use migration_harness::engine::dialect::EngineKind;
    use migration_harness::engine::request::{LauncherKind, ServerRequest};
    use migration_harness::engine::{Query, Server};

    require_neo4j(&["4.4", "2026.08"]);
    // The harness: refused at expansion, naming the missing hop.
    let refused = support::harness()
        .args([
            "plan",
            "tests/neo4j-native/dump-5.26-to-2026.08.yaml",
            "--source-version",
            "4.4",
        ])
        .output()
        .expect("the harness runs");
    let said = String::from_utf8_lossy(&refused.stderr).into_owned()
        + &String::from_utf8_lossy(&refused.stdout);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("5.26"),
        "the refusal names the skipped hop: {said}"
    );

    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let request = ServerRequest {
            launcher: LauncherKind::Process,
            ..ServerRequest::for_tests(EngineKind::Neo4j, "4.4")
        };
        let server = Server::start(request).await.expect("Neo4j 4.4 starts");
        server
            .connection
            .execute(&Query::new("CREATE (:Hop {from: '4.4'})"))
            .await
            .unwrap();
        let store = server.stop_for_store().await.expect("4.4 stops cleanly");
        let admin = descriptor(EngineKind::Neo4j).store_admin().unwrap();
        match admin.migrate("2026.08", store.path(), &[]).await {
            Ok(step) => {
                // The tool's own account, without its per-index progress lines.
                let said: Vec<&str> = step
                    .output
                    .lines()
                    .filter(|l| !l.trim_end().ends_with("% completed"))
                    .collect();
                eprintln!(
                    "2026.08 migrate on a 4.4 store succeeded in {:.1}s (the harness refuses this pair; Neo4j does not):\n{}",
                    step.elapsed.as_secs_f64(),
                    said.join("\n")
                );
                assert!(
                    step.output.to_lowercase().contains("migration completed"),
                    "{}",
                    step.output
                );
            }
            Err(e) => {
                let text = e.to_string();
                eprintln!("2026.08 migrate on a 4.4 store refused:\n{text}");
                assert!(
                    text.contains("neo4j-admin 2026.08.1 database migrate neo4j"),
                    "{text}"
                );
            }
        }
    });
}

/// The README's runbook section, from what the case proved.
fn runbook(case: &Json) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Measured by `tests/it/neo4j_native.rs` ({} -> {}, `transfer.strategy: dump`, `rollback: true`, fixture tests/neo4j-native/fixtures/upgrade.cypher):\n\n",
        case["source"].as_str().unwrap_or_default(),
        case["servers"][1]["version"].as_str().unwrap_or_default()
    ));
    out.push_str("| step | seconds |\n| --- | --- |\n");
    for (step, secs) in timings(case) {
        out.push_str(&format!("| {step} | {secs:.1} |\n"));
    }
    out.push('\n');
    for kind in ["schema", "content_hash", "rollback", "downgrade"] {
        let c = check(case, kind);
        out.push_str(&format!(
            "- **{kind}**: {}\n",
            c["summary"].as_str().unwrap_or_default()
        ));
    }
    out
}
