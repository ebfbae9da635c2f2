//! The command line's surface: --quiet, --color and NO_COLOR, the recap of failures, shell
//! completions and the man page, all through the real binary.

use crate::support;

fn run_failing(extra: &[&str], no_color: bool) -> (Option<i32>, String) {
    let mut cmd = support::harness();
    cmd.args([
        "run",
        "tests/scenarios/wrong-expectation.yaml",
        "--launcher",
        "process",
    ])
    .args(extra)
    .current_dir(support::repo_root());
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn quiet_prints_only_what_did_not_pass_and_color_follows_the_flag() {
    let (code, quiet) = run_failing(&["--quiet", "--color", "always"], false);
    assert_eq!(code, Some(1), "{quiet}");
    // No step or per-check lines, the failing check with its details, then the recap.
    assert!(!quiet.contains("] seed source done"), "{quiet}");
    assert!(!quiet.contains("] check counts"), "{quiet}");
    assert!(quiet.contains("  check counts FAILED:"), "{quiet}");
    assert!(
        quiet.contains("expected 5 :Person nodes, found 4"),
        "{quiet}"
    );
    assert!(
        quiet.contains("cases that did not pass:\n    \x1b[1;31mFAIL\x1b[0m wrong-expectation["),
        "{quiet}"
    );

    // Default level, `auto` colour on a pipe: a line per case, no step lines, no escape codes,
    // then the failing check with its details, and the recap.
    let (code, normal) = run_failing(&[], false);
    assert_eq!(code, Some(1), "{normal}");
    assert!(normal.contains("    FAIL ["), "{normal}");
    assert!(normal.contains("s] wrong-expectation["), "{normal}");
    assert!(!normal.contains("] check counts"), "{normal}");
    assert!(!normal.contains("] seed source done"), "{normal}");
    assert!(normal.contains("failures:\n--- FAIL ["), "{normal}");
    assert!(normal.contains("  check counts FAILED:"), "{normal}");
    assert!(!normal.contains('\x1b'), "{normal}");
    assert!(normal.contains("cases that did not pass:\n    FAIL wrong-expectation["));

    // `-v`: every step and check as it runs.
    let (code, verbose) = run_failing(&["-v"], false);
    assert_eq!(code, Some(1), "{verbose}");
    assert!(verbose.contains("] seed source done in "), "{verbose}");
    assert!(verbose.contains("] check counts FAILED:"), "{verbose}");
}

#[test]
fn no_color_wins_over_auto_but_not_over_always() {
    use migration_harness::report::terminal::ColorChoice;
    // Decided without running anything: `auto` on a terminal obeys NO_COLOR.
    let (_, never) = run_failing(&["--quiet", "--color", "never"], false);
    assert!(!never.contains('\x1b'), "{never}");
    let (_, forced) = run_failing(&["--quiet", "--color", "always"], true);
    assert!(forced.contains("\x1b[1;31mFAIL"), "{forced}");
    assert!(!ColorChoice::Never.enabled(true));
    assert!(ColorChoice::Always.enabled(false));
    assert!(!ColorChoice::Auto.enabled(false));
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = support::harness()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        // Every subcommand is completed.
        for sub in [
            "validate", "plan", "run", "verify", "export", "import", "cleanup",
        ] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let out = support::harness().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(man.contains(".TH migration-harness 1"), "{man}");
    assert!(man.contains("\\-\\-quiet"), "{man}");
    // A closed pipe is a quiet exit, not a panic.
    let mut child = support::harness()
        .arg("man")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn boolean_environment_switches_take_one_and_zero() {
    // `MH_QUIET=1` is how CI systems set switches; `0` (and `false`, `no`, `off`, empty) is off.
    let plan = |quiet: &str| {
        support::harness()
            .args(["plan", "scenarios/quickstart-falkordb.yaml"])
            .env("MH_QUIET", quiet)
            .env("MH_NO_REUSE", quiet)
            .current_dir(support::repo_root())
            .output()
            .unwrap()
    };
    for value in ["1", "0", "true", "false", "yes", "off", ""] {
        let out = plan(value);
        assert_eq!(
            out.status.code(),
            Some(0),
            "MH_QUIET={value:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (code, quiet) = {
        let mut cmd = support::harness();
        cmd.args([
            "run",
            "tests/scenarios/wrong-expectation.yaml",
            "--launcher",
            "process",
        ])
        .env("MH_QUIET", "1")
        .current_dir(support::repo_root());
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(1), "{quiet}");
    assert!(
        !quiet.contains("] check counts"),
        "MH_QUIET=1 is quiet: {quiet}"
    );
}

/// `MH_GRAPH_BULK` is read at the edge (clap), with `--graph-bulk`: a value that is neither
/// on nor off is refused before anything starts, the same run with `off` passes.
#[test]
fn graph_bulk_is_an_option_with_its_environment_variable() {
    let plan = |flag: Option<&str>, env: Option<&str>| {
        let mut cmd = support::harness();
        cmd.args(["plan", "tests/scenarios/wrong-expectation.yaml"])
            .current_dir(support::repo_root());
        if let Some(v) = flag {
            cmd.args(["--graph-bulk", v]);
        }
        match env {
            Some(v) => cmd.env("MH_GRAPH_BULK", v),
            None => cmd.env_remove("MH_GRAPH_BULK"),
        };
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = plan(Some("maybe"), None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--graph-bulk"), "{stderr}");
    let (code, stderr) = plan(None, Some("sometimes"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("sometimes"), "{stderr}");
    for (flag, env) in [
        (Some("off"), None),
        (None, Some("OFF")),
        (Some("on"), Some("off")),
    ] {
        let (code, stderr) = plan(flag, env);
        assert_eq!(code, Some(0), "{flag:?} {env:?}: {stderr}");
    }
}
