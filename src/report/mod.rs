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

/// Writes a report file atomically (temporary file, then rename), so a reader never sees half
/// a report and an interrupted run never leaves a truncated one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}
