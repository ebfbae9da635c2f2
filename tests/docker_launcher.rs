//! The Docker launcher, end to end: the quickstart with `--launcher docker` (FalkorDB images
//! from scripts/local-images.sh), and a container's removal on drop. Where no Docker engine
//! answers, each test prints `skipped: no Docker engine` and is reported as ignored, never
//! passed.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};

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

fn main() {
    let args = Arguments::from_args();
    let available = args.list || docker_engine();
    let trials = vec![
        Trial::test(
            "docker_launcher_runs_the_quickstart",
            quickstart_with_docker,
        ),
        Trial::test(
            "auto_launcher_picks_docker_when_an_engine_answers",
            auto_picks_docker,
        ),
    ];
    let trials = if available {
        trials
    } else {
        trials
            .into_iter()
            .map(|t| {
                println!("skipped: no Docker engine ({})", t.name());
                t.with_ignored_flag(true)
            })
            .collect()
    };
    libtest_mimic::run(&args, trials).exit();
}
