//! The last lines a server wrote, kept for start-up errors.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Lines kept by default.
pub const DEFAULT_LINES: usize = 30;

/// The last lines a server wrote (stdout and stderr interleaved as read). Cheap to clone: clones
/// share the buffer.
#[derive(Clone)]
pub struct LogTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    max: usize,
    /// Substrings replaced by `***` in every line kept (the server's password).
    redact: Arc<Vec<String>>,
}

impl Default for LogTail {
    fn default() -> Self {
        LogTail::new(DEFAULT_LINES, Vec::new())
    }
}

impl LogTail {
    pub fn new(max: usize, redact: Vec<String>) -> Self {
        LogTail {
            lines: Arc::new(Mutex::new(VecDeque::new())),
            max: max.max(1),
            redact: Arc::new(redact.into_iter().filter(|s| !s.is_empty()).collect()),
        }
    }

    /// Keeps the non-empty lines of `text`.
    pub fn push_text(&self, text: &str) {
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
            let mut line = line.to_owned();
            for secret in self.redact.iter() {
                line = line.replace(secret.as_str(), "***");
            }
            if lines.len() == self.max {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// `message` followed by the kept lines, indented, under a heading.
    pub fn append_to(&self, message: &str) -> String {
        let lines = self.lines();
        if lines.is_empty() {
            message.to_owned()
        } else {
            format!(
                "{message}\n  last server log lines:\n    {}",
                lines.join("\n    ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines_without_secrets() {
        let tail = LogTail::new(3, vec!["hunter22".into()]);
        for i in 0..5 {
            tail.push_text(&format!("line {i} hunter22\n\n"));
        }
        assert_eq!(tail.lines(), vec!["line 2 ***", "line 3 ***", "line 4 ***"]);
        assert!(tail
            .append_to("boom")
            .contains("boom\n  last server log lines:\n    line 2"));
        assert_eq!(LogTail::default().append_to("boom"), "boom");
    }
}
