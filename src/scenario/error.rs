use std::fmt;
use std::path::{Path, PathBuf};

/// A scenario that cannot be used, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The scenario file.
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when the harness knows.
    pub hint: Option<String>,
}

impl ScenarioError {
    /// An error at `path`, at `position` when known.
    pub fn new(path: &Path, position: Option<(u64, u64)>, message: impl Into<String>) -> Self {
        ScenarioError {
            path: path.to_owned(),
            position,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint on how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}
