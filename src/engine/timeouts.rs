//! Timeouts of network steps, one place for both engines.
//!
//! - connect: opening a connection and its first round trip (a port that speaks another
//!   protocol, or a server that accepts and never answers, fails here instead of hanging);
//! - statement: one statement, from sending it to its last row ([`DEFAULT_STATEMENT`] unless
//!   the request's `statement_timeout` says otherwise: the CLI's `--query-timeout` /
//!   `MH_QUERY_TIMEOUT`, or the library's `RunOptions::query_timeout`).

use std::time::Duration;

/// Opening a connection and its first query.
pub const CONNECT: Duration = Duration::from_secs(10);

/// A statement's default limit.
pub const DEFAULT_STATEMENT: Duration = Duration::from_secs(600);

/// Parses a duration: `20`, `20s`, `500ms`, `2m`, `1h` (whole numbers, > 0).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write e.g. 30, 30s, 500ms, 5m"))?;
    let d = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" | "min" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?} (use ms, s, m or h)"
            ))
        }
    };
    if d.is_zero() {
        return Err(format!("{text:?}: a timeout must be more than zero"));
    }
    Ok(d)
}

/// A timeout as a user writes it: `6s`, `500ms`, `2m`, `1h`, `1.5s` (never Rust's Debug form).
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return format!("{}µs", d.as_micros());
    }
    if !ms.is_multiple_of(1000) {
        return if ms < 1000 {
            format!("{ms}ms")
        } else {
            format!("{}s", d.as_secs_f64())
        };
    }
    let s = d.as_secs();
    if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) && s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 days").is_err());
    }

    #[test]
    fn timeouts_print_as_they_are_written() {
        for text in ["6s", "500ms", "2m", "1h", "90s", "10s"] {
            assert_eq!(human(parse_duration(text).unwrap()), text);
        }
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(DEFAULT_STATEMENT), "10m");
    }
}
