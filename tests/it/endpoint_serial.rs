//! Cases that share an external server run one at a time, also through the library's
//! `Harness` with `.jobs(4)` (not only through the CLI): their start..finish windows, taken
//! from the run's events, never overlap, and every case passes on the one server.

use crate::support;

use std::sync::Mutex;
use std::time::Instant;

use migration_harness::run::{Event, EventSink, Harness, RunOptions, Verdict};

const VERSION: &str = "4.18.3";

/// Records when each case started and finished, and the `jobs` the run reported.
#[derive(Default)]
struct Windows {
    jobs: Mutex<Option<usize>>,
    started: Mutex<Vec<(String, Instant)>>,
    finished: Mutex<Vec<(String, Instant)>>,
    notes: Mutex<Vec<String>>,
}

impl EventSink for Windows {
    fn emit(&self, event: &Event<'_>) {
        let now = Instant::now();
        match event {
            Event::RunStarted { jobs, .. } => *self.jobs.lock().unwrap() = Some(*jobs),
            Event::ScenarioStarted { scenario } => self
                .started
                .lock()
                .unwrap()
                .push((scenario.to_string(), now)),
            Event::ScenarioFinished { outcome } => self
                .finished
                .lock()
                .unwrap()
                .push((outcome.case.clone(), now)),
            Event::Progress {
                scenario: "run",
                message,
                ..
            } => self.notes.lock().unwrap().push(message.clone()),
            _ => {}
        }
    }
}

#[tokio::test]
async fn harness_cases_on_one_external_server_never_overlap() {
    support::require_falkordb_images(&[VERSION]).await;
    let server = support::ExternalServer::start(VERSION);
    let dir = tempfile::tempdir().unwrap();
    for name in ["one", "two", "three"] {
        std::fs::write(
            dir.path().join(format!("{name}.yaml")),
            format!(
                "name: {name}\nsource:\n  engine: falkordb\n  version: \"{VERSION}\"\n\
                 target:\n  engine: falkordb\n  version: \"{VERSION}\"\n\
                 fixtures:\n  - cypher: \"UNWIND range(1, 500) AS i CREATE (:{name} {{i: i}})\"\n\
                 checks:\n  - counts: {{}}\n  - content_hash: {{}}\n"
            ),
        )
        .unwrap();
    }
    let windows = Windows::default();
    let outcome = Harness::scenario(dir.path())
        .options(RunOptions {
            target_uri: Some(format!("redis://127.0.0.1:{}", server.port)),
            // Each case finds the previous case's copy on the shared target.
            allow_destructive: true,
            ..support::run_options()
        })
        .jobs(4)
        .run_with(&windows)
        .await
        .expect("the cases run");
    for case in &outcome.cases {
        assert_eq!(
            case.verdict,
            Verdict::Pass,
            "{}: {:?}",
            case.case,
            case.error
        );
    }
    assert_eq!(outcome.cases.len(), 3);
    assert_eq!(*windows.jobs.lock().unwrap(), Some(1));
    let notes = windows.notes.lock().unwrap();
    assert!(
        notes.iter().any(|n| n.contains("one at a time")),
        "{notes:?}"
    );
    let started = windows.started.lock().unwrap();
    let finished = windows.finished.lock().unwrap();
    let mut spans: Vec<(Instant, Instant, &str)> = started
        .iter()
        .map(|(case, begin)| {
            let end = finished
                .iter()
                .find(|(c, _)| c == case)
                .map(|(_, t)| *t)
                .unwrap_or_else(|| panic!("{case} finished"));
            (*begin, end, case.as_str())
        })
        .collect();
    assert_eq!(spans.len(), 3);
    spans.sort();
    for pair in spans.windows(2) {
        assert!(
            pair[0].1 <= pair[1].0,
            "{} ran while {} had not finished",
            pair[1].2,
            pair[0].2
        );
    }
}
