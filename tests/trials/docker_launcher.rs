//! The Docker launcher, end to end: the quickstart with `--launcher docker` (FalkorDB images
//! from scripts/local-images.sh), and a container's removal on drop. Where no Docker engine
//! answers, each test prints `skipped: no Docker engine` and is reported as ignored, never
//! passed. The engine is probed when a trial runs, so listing or filtering these out runs no
//! `docker info`.

use libtest_mimic::{Completion, Failed, Trial};

use crate::support;

fn docker_engine() -> bool {
    std::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn quickstart_with_docker() -> Result<(), Failed> {
    let out = support::harness()
        .args([
            "run",
            "-v",
            "scenarios/quickstart-falkordb.yaml",
            "--launcher",
            "docker",
        ])
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(0) {
        return Err(format!("exit {:?}\n{stderr}", out.status.code()).into());
    }
    if !stderr.contains("(docker, reports 4.16.3)") {
        return Err(
            format!("the servers were not started by the docker launcher:\n{stderr}").into(),
        );
    }
    Ok(())
}

fn auto_picks_docker() -> Result<(), Failed> {
    let out = support::harness()
        .args([
            "run",
            "-v",
            "scenarios/quickstart-falkordb.yaml",
            "--launcher",
            "auto",
        ])
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.contains("(docker, reports") {
        return Err(format!("auto did not pick docker with an engine present:\n{stderr}").into());
    }
    Ok(())
}

/// The two trials, `docker_launcher::<name>`; each probes the engine first and is ignored,
/// with `skipped: no Docker engine` on stderr, where none answers (Docker is never required,
/// not even with `CI=true`: the CI engine is the process launcher).
pub fn trials() -> Vec<Trial> {
    let trial = |name: &str, test: fn() -> Result<(), Failed>| {
        let name = format!("docker_launcher::{name}");
        Trial::ignorable_test(name.clone(), move || {
            if !docker_engine() {
                eprintln!("skipped: no Docker engine ({name})");
                return Ok(Completion::ignored_with("skipped: no Docker engine"));
            }
            test().map(|()| Completion::Completed)
        })
    };
    vec![
        trial(
            "docker_launcher_runs_the_quickstart",
            quickstart_with_docker,
        ),
        trial(
            "auto_launcher_picks_docker_when_an_engine_answers",
            auto_picks_docker,
        ),
    ]
}
