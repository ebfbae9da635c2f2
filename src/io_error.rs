//! Short phrases for I/O errors, for located messages about the user's files (scenarios,
//! fixtures, migration scripts). A leaf: both `scenario` and `migrations` use it.

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
