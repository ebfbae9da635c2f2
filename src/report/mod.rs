//! Reporting: turning run events and outcomes into what people and CI read.
//!
//! - [`terminal`]: live progress lines on stderr and a verdict per scenario.
//! - [`json`]: a machine-readable report file.
//! - [`junit`]: JUnit XML, one test case per case (scenario x version pair), for CI test views.
//! - [`markdown`]: a summary table for `$GITHUB_STEP_SUMMARY` and pull requests.
//! - [`html`]: a self-contained HTML page: matrix grid, check details, latency charts.

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod terminal;

use std::path::Path;

/// Writes a report file atomically (a temporary file of a unique name in the same directory,
/// then rename), so a reader never sees half a report, an interrupted run never leaves a
/// truncated one, and two runs writing reports beside each other never share a temporary file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".mh-report-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }

    #[test]
    fn concurrent_atomic_writes_of_one_path_each_leave_a_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        let bodies: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 64 * 1024]).collect();
        std::thread::scope(|s| {
            for body in &bodies {
                let path = &path;
                s.spawn(move || write_atomic(path, body).unwrap());
            }
        });
        let written = std::fs::read(&path).unwrap();
        assert!(
            bodies.contains(&written),
            "the file is one writer's whole report"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_atomic_write_into_a_missing_directory_fails_without_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let e = write_atomic(&dir.path().join("missing/report.json"), b"x").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    }
}
