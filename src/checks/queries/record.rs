//! What one side did with one query: its rows or its error, its notifications, its time.
//!
//! A statement the server rejects (`EngineError::Query`) is a result to compare, not a failure
//! of the run; connection and other infrastructure errors stop the check.
//!
//! Notifications: the channel is classified here (deprecations by GQLSTATUS `01N0x` or a
//! `...Deprecat...` code/title), but neither engine fills it today: neo4rs 0.8 discards the
//! metadata of a result's final SUCCESS, and FalkorDB's RESP replies carry only statistics. So
//! on both engines "new deprecation" is never reported until a connection supplies them.

use std::time::{Duration, Instant};

use crate::checks::CheckError;
use crate::engine::{EngineError, GraphConnection, Notification, Query};
use crate::value::Value;

/// A rejected statement: the server's code (if any) and message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueryFailure {
    pub code: Option<String>,
    pub message: String,
}

impl QueryFailure {
    /// `code: message`, one line, bounded.
    pub fn describe(&self) -> String {
        let message = one_line(&self.message, 240);
        match &self.code {
            Some(code) => format!("{code}: {message}"),
            None => message,
        }
    }
}

/// The result of one side.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Rows {
        columns: Vec<String>,
        rows: Vec<Vec<Value>>,
        notifications: Vec<Notification>,
    },
    Failed(QueryFailure),
}

impl Outcome {
    pub fn failure(&self) -> Option<&QueryFailure> {
        match self {
            Outcome::Failed(f) => Some(f),
            Outcome::Rows { .. } => None,
        }
    }

    pub fn row_count(&self) -> Option<usize> {
        match self {
            Outcome::Rows { rows, .. } => Some(rows.len()),
            Outcome::Failed(_) => None,
        }
    }

    pub fn notifications(&self) -> &[Notification] {
        match self {
            Outcome::Rows { notifications, .. } => notifications,
            Outcome::Failed(_) => &[],
        }
    }
}

/// One side's record of one query.
#[derive(Debug, Clone, PartialEq)]
pub struct SideRecord {
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Runs the query once on one side and records what happened.
pub async fn execute(conn: &dyn GraphConnection, query: &Query) -> Result<SideRecord, CheckError> {
    let begin = Instant::now();
    let result = conn.execute(query).await;
    let elapsed = begin.elapsed();
    let outcome = match result {
        Ok(r) => Outcome::Rows {
            columns: r.columns,
            rows: r.rows,
            notifications: r.notifications,
        },
        Err(EngineError::Query { code, message, .. }) => {
            Outcome::Failed(QueryFailure { code, message })
        }
        Err(source) => {
            return Err(CheckError::Engine {
                check: "queries".into(),
                source,
            })
        }
    };
    Ok(SideRecord { outcome, elapsed })
}

/// A deprecation warning: GQLSTATUS 01N00/01N01/01N02, or a code or title naming a deprecation
/// (`Neo.ClientNotification.Statement.FeatureDeprecationWarning`).
pub fn is_deprecation(n: &Notification) -> bool {
    n.code.starts_with("01N0")
        || n.code.to_ascii_lowercase().contains("deprecat")
        || n.title.to_ascii_lowercase().contains("deprecat")
}

/// Deprecations the target reports and the source does not (by code and title).
pub fn new_deprecations<'a>(
    source: &[Notification],
    target: &'a [Notification],
) -> Vec<&'a Notification> {
    target
        .iter()
        .filter(|t| is_deprecation(t))
        .filter(|t| {
            !source
                .iter()
                .any(|s| is_deprecation(s) && s.code == t.code && s.title == t.title)
        })
        .collect()
}

/// Text on one line, cut to `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        joined
    } else {
        format!("{}…", joined.chars().take(max).collect::<String>())
    }
}
