//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use migration_harness::engine::image::{ensure_image, Availability};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo_path(rel: &str) -> PathBuf {
    repo_root().join(rel)
}

/// The FalkorDB images the CI engine tests use. They are built locally by
/// scripts/local-images.sh (there is no registry); a missing one fails the test with that hint,
/// because the CI engine suite must never pass by not running.
pub async fn require_falkordb_images(versions: &[&str]) {
    for v in versions {
        let image = format!("migration-harness/falkordb:{v}");
        if let Availability::Missing { reason } = ensure_image(&image, false).await {
            panic!("image {image} is missing ({reason}); build it with scripts/local-images.sh");
        }
    }
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Why a case cannot run here, if it cannot: a Neo4j image that is neither local nor
/// pullable. FalkorDB images are the CI engine's and must exist (see `require_falkordb_images`),
/// so they never produce a skip. Prints the `skipped: ...` line the suite promises.
pub async fn neo4j_skip_reason(case: &migration_harness::run::Case, pull: bool) -> Option<String> {
    use migration_harness::engine::dialect::EngineKind;
    let mut reasons = Vec::new();
    for req in std::iter::once(&case.source)
        .chain(case.hops.iter())
        .chain(std::iter::once(&case.target))
    {
        if req.engine != EngineKind::Neo4j || req.endpoint.is_some() {
            continue;
        }
        let image = req.image_ref();
        if let Availability::Missing { reason } = ensure_image(&image, pull).await {
            println!("skipped: image {image} not available ({reason})");
            reasons.push(image);
        }
    }
    (!reasons.is_empty()).then(|| reasons.join(", "))
}

/// One libtest-mimic trial per case (scenario file x version pair of its `matrix:`) under
/// `dir`, named like the CLI's cases (`quickstart[falkordb-4.16.3->falkordb-4.18.3]`), so
/// `cargo test --test scenario_files -- quickstart` filters and `-- --list` lists them. Each runs
/// end to end and passes only on `Verdict::Pass`. `MH_VERSIONS` replaces every scenario's pairs,
/// as `--versions` does. Cases with unavailable Neo4j images are ignored, loudly; a scenario whose
/// pairs are refused (downgrade, skipped hops) is one failing trial with the reason.
pub fn scenario_trials(args: &libtest_mimic::Arguments, dir: &Path) -> Vec<libtest_mimic::Trial> {
    use migration_harness::run::{matrix, RunOptions};
    use migration_harness::scenario;
    let files = scenario::discover(&[dir.to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let pull = std::env::var_os("MH_NO_PULL").is_none();
    let versions = match std::env::var("MH_VERSIONS") {
        Ok(v) => matrix::parse_pairs(&v).unwrap_or_else(|e| panic!("MH_VERSIONS: {e}")),
        Err(_) => Vec::new(),
    };
    let mut trials = Vec::new();
    for file in files {
        let scenario = scenario::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        let cases = match matrix::expand(
            std::slice::from_ref(&scenario),
            &RunOptions::default(),
            &versions,
        ) {
            Ok(cases) => cases,
            Err(e) => {
                let message = e.to_string();
                trials.push(libtest_mimic::Trial::test(
                    format!("{}[matrix]", scenario.name()),
                    move || Err(message.into()),
                ));
                continue;
            }
        };
        for case in cases {
            // Listing must stay instant and side-effect free: probe images only when running.
            let skip = if args.list {
                None
            } else {
                runtime.block_on(neo4j_skip_reason(&case, pull))
            };
            let name = case.name.clone();
            let trial = libtest_mimic::Trial::test(name, move || run_case(case));
            trials.push(if skip.is_some() {
                trial.with_ignored_flag(true)
            } else {
                trial
            });
        }
    }
    trials
}

fn run_case(case: migration_harness::run::Case) -> Result<(), libtest_mimic::Failed> {
    use migration_harness::report::terminal::TerminalReporter;
    use migration_harness::run::{pool::ServerPool, run_case, RunOptions, Verdict};
    let runtime = tokio::runtime::Runtime::new()?;
    let reporter = TerminalReporter::to_writer(Box::new(std::io::stderr()), false);
    let outcome = runtime.block_on(run_case(
        &case,
        &RunOptions::default(),
        &ServerPool::new(false),
        &reporter,
    ));
    if outcome.verdict == Verdict::Pass {
        Ok(())
    } else {
        let details: Vec<String> = outcome
            .checks
            .iter()
            .flat_map(|c| c.details.clone())
            .collect();
        Err(format!(
            "{:?}: {}\n{}",
            outcome.verdict,
            outcome.error.unwrap_or_default(),
            details.join("\n")
        )
        .into())
    }
}

/// What headless Chromium made of an HTML file: the DOM after scripts ran, and every console
/// message that is an error (uncaught exceptions, `console.error`, failed loads).
pub struct RenderedPage {
    pub dom: String,
    pub console_errors: Vec<String>,
}

/// The Chromium binary, if installed (Debian's `chromium`, or `chromium-browser`).
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// Chromium for a test: `None` (after printing `skipped: ...`) when it is not installed on a
/// developer machine; on CI (`CI=true`) a missing Chromium fails the test, since the HTML
/// report must be checked there (.ci/run installs it).
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => panic!(
            "{test}: chromium is not installed, but CI=true requires it: apt-get install -y chromium (.ci/run does this)"
        ),
        None => {
            println!("skipped: {test}: chromium is not installed (apt-get install -y chromium)");
            None
        }
    }
}

/// Renders `file` in headless Chromium (`--dump-dom`, console logged to stderr) and collects
/// its console messages. Chromium logs every console message (error or not) as
/// `INFO:CONSOLE`, so all of them count: the report's page logs nothing.
pub fn render_in_chromium(chromium: &Path, file: &Path) -> RenderedPage {
    let profile = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "file://{}",
        file.canonicalize().expect("report path").display()
    );
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({}): {stderr}",
        out.status
    );
    let console_errors = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("net::ERR_"))
        .map(str::to_owned)
        .collect();
    RenderedPage {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console_errors,
    }
}

/// The `data-verdict` of the matrix grid cell of `case` in a rendered report.
pub fn grid_verdict(dom: &str, case: &str) -> Option<String> {
    let escaped = case
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('>', "&gt;")
        .replace('<', "&lt;");
    let at = dom.find(&format!("data-case=\"{escaped}\""))?;
    let rest = &dom[at..];
    let v = rest.find("data-verdict=\"")? + "data-verdict=\"".len();
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

/// A FalkorDB server request as the tests use it: local image, 60 s startup, no pull.
pub fn falkordb_request(
    role: migration_harness::engine::ServerRole,
    version: &str,
) -> migration_harness::engine::server::ServerRequest {
    migration_harness::engine::server::ServerRequest {
        role,
        engine: migration_harness::engine::dialect::EngineKind::Falkordb,
        version: version.into(),
        edition: migration_harness::engine::server::Edition::Community,
        image: None,
        env: Default::default(),
        endpoint: None,
        graph: None,
        startup_timeout: std::time::Duration::from_secs(60),
        pull: false,
    }
}

/// A FalkorDB container started outside the harness, removed on drop.
pub struct ExternalServer {
    pub id: String,
    pub port: u16,
}

impl ExternalServer {
    pub fn start(version: &str) -> Self {
        let image = format!("migration-harness/falkordb:{version}");
        let out = std::process::Command::new("docker")
            .args(["run", "-d", "--rm", "-p", "127.0.0.1::6379", &image])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let mut server = ExternalServer { id, port: 0 };
        let port = std::process::Command::new("docker")
            .args(["port", &server.id, "6379"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&port.stdout);
        let port: u16 = text
            .lines()
            .next()
            .and_then(|l| l.rsplit(':').next())
            .and_then(|p| p.trim().parse().ok())
            .unwrap();
        for _ in 0..50 {
            let logs = std::process::Command::new("docker")
                .args(["logs", &server.id])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&logs.stdout).contains("Ready to accept connections") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server.port = port;
        server
    }
}

impl Drop for ExternalServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["rm", "-f", &self.id])
            .output();
    }
}

/// Starts a FalkorDB source and target of these versions side by side (images required).
pub async fn start_pair(
    source: &str,
    target: &str,
) -> (
    migration_harness::engine::Server,
    migration_harness::engine::Server,
) {
    use migration_harness::engine::{Server, ServerRole};
    require_falkordb_images(&[source, target]).await;
    let (s, t) = tokio::join!(
        Server::start(falkordb_request(ServerRole::Source, source)),
        Server::start(falkordb_request(ServerRole::Target, target))
    );
    (s.expect("source starts"), t.expect("target starts"))
}
