//! Short phrases for I/O errors, for located messages about the user's files (scenarios,
//! fixtures, migration scripts), and [`error_chain`], the one rendering of an error with its
//! causes. A leaf: both `scenario` and `migrations` use it, and every layer above.

/// An error and its causes on one line, joined with `": "`: `failed to copy nodes to target
/// falkordb 4.18.3: connection refused`. Each error's message says only its own context (the
/// cause is its `source()`), so each cause appears once. A cause whose text the message
/// already ends with (an error that still embeds it) is not repeated.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !part.is_empty() && !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}

/// An I/O error in words that say what happened (`permission denied`, `a symbolic link loop`),
/// without the `(os error N)` suffix.
pub fn describe_io_error(e: &std::io::Error) -> String {
    match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::NotFound, _) => "no such file or directory".into(),
        (std::io::ErrorKind::PermissionDenied, _) => "permission denied".into(),
        (_, Some(40)) => "a symbolic link loop (too many levels of symbolic links)".into(),
        (_, Some(20)) => "a part of the path is not a directory".into(),
        (_, Some(21)) => "it is a directory".into(),
        (_, Some(36)) => "the path is too long".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_say_what_happened() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            describe_io_error(&Error::from(ErrorKind::PermissionDenied)),
            "permission denied"
        );
        assert_eq!(
            describe_io_error(&Error::from_raw_os_error(40)),
            "a symbolic link loop (too many levels of symbolic links)"
        );
        assert_eq!(
            describe_io_error(&Error::from_raw_os_error(2)),
            "no such file or directory"
        );
    }
}

#[cfg(test)]
mod chain_tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("failed to copy nodes to target falkordb 4.18.3")]
    struct Outer {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_printed_once_after_its_context() {
        let e = Outer {
            source: std::io::Error::other("connection refused"),
        };
        assert_eq!(
            error_chain(&e),
            "failed to copy nodes to target falkordb 4.18.3: connection refused"
        );
    }
}
