//! Reporting: turning run events and outcomes into what people and CI read.
//!
//! - [`terminal`]: live progress lines on stderr and a verdict per scenario.
//! - [`json`]: a machine-readable report file.

pub mod json;
pub mod terminal;
