//! Bad input through the binary: every mistake a user can make on the command line or in a
//! scenario file ends with exit 2 (or 3 for infrastructure) and a message that names the file,
//! line and column (or the server / step), never a panic, a hang or a leaked password.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

fn run(args: &[&str]) -> Output {
    support::harness()
        .args(args)
        .output()
        .expect("run the binary")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A minimal FalkorDB scenario named `name`, plus `extra` lines.
fn scenario(name: &str, extra: &str) -> String {
    format!(
        "name: {name}\nsource:\n  engine: falkordb\n  version: \"4.16.3\"\ntarget:\n  engine: falkordb\n  version: \"4.18.3\"\n{extra}"
    )
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn duplicate_scenario_names_across_files_are_a_located_error_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.yaml", &scenario("same", ""));
    let b = write(
        dir.path(),
        "sub/b.yaml",
        &format!("# the second one\n{}", scenario("same", "")),
    );
    let d = s(dir.path());
    for command in ["validate", "plan", "list", "run"] {
        let out = run(&[command, &d]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains(&format!("{}:2:7: ", b.display())),
            "{command}: the second file's name: line:column: {err}"
        );
        assert!(
            err.contains(&s(&a)),
            "{command}: names the first file: {err}"
        );
        assert!(err.contains("same"), "{command}: {err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("passed"));
    }
    // The same file given twice is one scenario, not a duplicate.
    let out = run(&["validate", &s(&a), &d]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(&["validate", &s(&a), &s(&a)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn bad_or_mismatched_uri_schemes_are_refused_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let file = s(&write(dir.path(), "f.yaml", &scenario("f", "")));
    for (flag, uri) in [
        ("--source-uri", "http://x"),
        ("--target-uri", "bolt://localhost:7687"),
        ("--source-uri", "localhost:6379"),
        ("--target-uri", "redis://"),
        ("--source-uri", "redis://host:notaport"),
    ] {
        for command in ["plan", "run"] {
            let started = std::time::Instant::now();
            let out = run(&[command, &file, flag, uri]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} {flag} {uri}: {err}");
            assert!(
                err.contains(flag),
                "{command} {flag} {uri}: names the flag: {err}"
            );
            assert!(
                err.contains("redis, rediss, redis+unix, unix"),
                "{command} {flag} {uri}: lists the FalkorDB schemes: {err}"
            );
            assert!(!err.contains("InvalidClientConfig"), "{err}");
            assert!(!err.contains("starting"), "nothing started: {err}");
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
        }
    }
    // A good one passes plan.
    let out = run(&["plan", &file, "--source-uri", "redis://127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A local port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every byte that is not unreserved in a URI, percent-encoded.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The forms a leaked password could take in the output: as is, percent-encoded, escaped for
/// JSON and for HTML/XML.
fn leaked_forms(password: &str) -> Vec<String> {
    let json = serde_json::to_string(password).unwrap();
    let html = password
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    vec![
        password.to_owned(),
        percent_encode(password),
        json[1..json.len() - 1].to_owned(),
        html,
    ]
}

/// The distinctive core every generated password holds: it shows wherever a misparsed URI put
/// any part of a password (a host, a port, a query) even when the whole password does not.
const CORE: &str = "Q7z";

fn assert_no_leak(password: &str, what: &str, text: &str) {
    assert!(
        !text.contains(CORE),
        "{what} shows part of the password {password:?}:\n{text}"
    );
    for form in leaked_forms(password) {
        assert!(
            !text.contains(&form),
            "{what} shows the password {password:?} (as {form:?}):\n{text}"
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Random passwords (every printable ASCII character) in --source-uri / --target-uri and in
    /// export / import URIs, percent-encoded and as typed, never reach stdout, stderr or a report.
    #[test]
    fn passwords_never_show_in_output_or_reports(
        // A distinctive core keeps the password from matching ordinary output by chance.
        password in "[ -~]{0,6}Q7z[ -~]{0,10}"
    ) {
        let dir = tempfile::tempdir().unwrap();
        // The temporary directory's random name could hold the core by chance.
        let no_dir = |text: &str| text.replace(&s(dir.path()), "<dir>");
        let port = closed_port();
        let enc = percent_encode(&password);
        let scenario = s(&write(dir.path(), "p.yaml", &scenario("p", "")));
        // A valid dump of an empty graph, so that import goes on to connect.
        let empty = migration_harness::graph::hash::HashBuilder::default().finish().graph_hash;
        let dump = write(
            dir.path(),
            "d.jsonl",
            &format!("{{\"format\":\"migration-harness-dump\",\"format_version\":1,\"engine\":\"falkordb\",\"server\":\"x\",\"nodes\":0,\"relationships\":0,\"hash\":\"{empty}\"}}\n"),
        );
        let reports: Vec<String> = ["r.json", "r.xml", "r.md", "r.html"]
            .iter()
            .map(|f| s(&dir.path().join(f)))
            .collect();
        for pw in [enc.as_str(), password.as_str()] {
            let source = format!("redis://:{pw}@127.0.0.1:{port}");
            let target = format!("redis://user:{pw}@127.0.0.1:{port}/0?password={pw}");
            let runs: Vec<(String, Vec<String>)> = vec![
                ("run".into(), vec![
                    "run".into(), scenario.clone(),
                    "--source-uri".into(), source.clone(),
                    "--target-uri".into(), target.clone(),
                    "--json".into(), reports[0].clone(),
                    "--junit".into(), reports[1].clone(),
                    "--markdown".into(), reports[2].clone(),
                    "--html".into(), reports[3].clone(),
                ]),
                ("plan".into(), vec!["plan".into(), scenario.clone(), "--source-uri".into(), target.clone()]),
                ("export".into(), vec!["export".into(), source.clone(), s(&dir.path().join("e.jsonl"))]),
                ("export unix".into(), vec!["export".into(), format!("redis+unix:///nonexistent/r.sock?pass={pw}"), s(&dir.path().join("e.jsonl"))]),
                ("export no scheme".into(), vec!["export".into(), format!("user:{pw}@127.0.0.1:{port}"), s(&dir.path().join("e.jsonl"))]),
                ("import".into(), vec!["import".into(), s(&dump), target.clone()]),
                ("import unix".into(), vec!["import".into(), s(&dump), format!("unix:///nonexistent/r.sock?password={pw}")]),
            ];
            for (what, args) in runs {
                let out = support::harness().args(&args).output().unwrap();
                let code = out.status.code();
                proptest::prop_assert!(matches!(code, Some(0..=3)), "{what}: {code:?}");
                assert_no_leak(&password, &format!("{what} stdout"), &no_dir(&String::from_utf8_lossy(&out.stdout)));
                assert_no_leak(&password, &format!("{what} stderr"), &no_dir(&String::from_utf8_lossy(&out.stderr)));
            }
            for report in &reports {
                if let Ok(text) = std::fs::read_to_string(report) {
                    assert_no_leak(&password, report, &no_dir(&text));
                }
            }
        }
    }
}

/// `redis-cli`-like: one command to a local FalkorDB.
fn redis_cmd(port: u16, args: &[&str]) -> redis::Value {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    let mut conn = client.get_connection().unwrap();
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(&mut conn).unwrap()
}

#[test]
fn export_refuses_destinations_that_are_not_regular_files_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("redis://127.0.0.1:{}", closed_port());
    let real = write(dir.path(), "real.jsonl", "keep me\n");
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (dest, what) in [
        (link.clone(), "symbolic link"),
        (PathBuf::from("/dev/stdout"), "symbolic link"),
        (dir.path().to_owned(), "directory"),
        (fifo.clone(), "not a regular file"),
        (dir.path().join("missing/dir/x.jsonl"), "directory"),
    ] {
        let out = run(&["export", &uri, &s(&dest)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", dest.display());
        assert!(err.contains(what), "{}: {err}", dest.display());
        assert!(!err.contains("Connection refused"), "checked first: {err}");
    }
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "keep me\n");
}

#[test]
fn export_to_stdout_and_a_mistyped_graph_creates_nothing() {
    support::falkordb_dir("4.18.3");
    let server = support::ExternalServer::start("4.18.3");
    let port = server.port;
    redis_cmd(
        port,
        &[
            "GRAPH.QUERY",
            "movies",
            "CREATE (:Movie {id: 1})-[:SEQUEL]->(:Movie {id: 2})",
        ],
    );
    let uri = format!("redis://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();

    let out = run(&["export", &uri, "-", "--graph", "movies"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 2 + 1, "{text}");
    assert!(lines[0].contains("migration-harness-dump"), "{text}");

    let file = dir.path().join("typo.jsonl");
    let out = run(&["export", &uri, &s(&file), "--graph", "moveis"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("moveis") && err.contains("movies"),
        "names the graphs: {err}"
    );
    assert!(!file.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temp file"
    );
    assert_eq!(
        redis_cmd(port, &["EXISTS", "moveis"]),
        redis::Value::Int(0),
        "nothing created on the source"
    );
}

/// A dump that cannot be put in place (here: the destination became a non-empty directory)
/// leaves no temporary file behind.
#[tokio::test]
async fn a_failed_export_leaves_no_temporary_file() {
    use migration_harness::engine::{server::ServerRequest, Server, ServerRole};
    support::falkordb_dir("4.18.3");
    let external = support::ExternalServer::start("4.18.3");
    redis_cmd(external.port, &["GRAPH.QUERY", "g", "CREATE (:A {id: 1})"]);
    let request = ServerRequest {
        endpoint: Some(format!("redis://127.0.0.1:{}", external.port)),
        graph: Some("g".into()),
        ..support::falkordb_request(ServerRole::Source, "4.18.3")
    };
    let server = Server::start(request).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.jsonl");
    write(&dest, "inside", "x");
    let result = migration_harness::transfer::dump::export(
        server.connection.as_ref(),
        "falkordb",
        &dest,
        100,
        &|_| {},
    )
    .await;
    assert!(result.is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.jsonl")]);
}

#[test]
fn an_empty_versions_list_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = s(&write(dir.path(), "v.yaml", &scenario("v", "")));
    for list in ["", " ", ",", " , "] {
        for command in ["list", "plan", "run"] {
            let out = run(&[command, &file, "--versions", list]);
            let err = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{command} --versions {list:?}: {err}"
            );
            assert!(err.contains("--versions"), "{err}");
        }
    }
}

#[test]
fn every_report_is_written_and_every_failure_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = s(&write(dir.path(), "r.yaml", &scenario("r", "")));
    let uri = format!("redis://127.0.0.1:{}", closed_port());
    let junit = dir.path().join("r.xml");
    let markdown = dir.path().join("r.md");
    let out = run(&[
        "run",
        &file,
        "--source-uri",
        &uri,
        "--json",
        "/nonexistent/dir/x.json",
        "--junit",
        &s(&junit),
        "--markdown",
        &s(&markdown),
        "--html",
        "/nonexistent/dir/x.html",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        junit.exists() && markdown.exists(),
        "the good reports are written: {err}"
    );
    assert!(err.contains("/nonexistent/dir/x.json"), "{err}");
    assert!(err.contains("/nonexistent/dir/x.html"), "{err}");
}

#[test]
fn validate_refuses_a_fifo_instead_of_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("s.yaml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for target in [s(&fifo), s(dir.path())] {
        let mut child = support::harness()
            .args(["validate", &target])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("validate {target} blocked on a FIFO");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert_eq!(status.code(), Some(2), "{err}");
        assert!(
            err.contains("not a regular file") && err.contains("FIFO"),
            "{err}"
        );
    }
}

#[test]
fn a_symlink_loop_or_a_dangling_link_says_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let out = run(&["validate", &s(&a)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("loop") && !err.contains("no such file"),
        "{err}"
    );

    let dangling = dir.path().join("d.yaml");
    std::os::unix::fs::symlink(dir.path().join("gone.yaml"), &dangling).unwrap();
    let out = run(&["validate", &s(&dangling)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("symbolic link") && err.contains("gone.yaml"),
        "{err}"
    );
}
