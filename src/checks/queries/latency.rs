//! Latency of one query per side: warm-up runs, then timed runs; p50/p99 per side and the
//! target/source p99 ratio against an optional threshold. The numbers are reported; only the
//! threshold decides.

use std::time::{Duration, Instant};

use crate::checks::CheckError;
use crate::engine::{GraphConnection, Query};

/// Percentiles of one side's timed runs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LatencyStats {
    /// Timed runs.
    pub runs: usize,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
}

/// Both sides and the verdict of the threshold.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LatencyReport {
    /// The source server's latencies.
    pub source: LatencyStats,
    /// The target server's latencies.
    pub target: LatencyStats,
    /// target p99 / source p99 (infinite when the source p99 is zero and the target's is not).
    pub p99_ratio: f64,
    /// The scenario's threshold on the ratio, when it sets one.
    pub max_p99_ratio: Option<f64>,
    /// True when a threshold is set and the ratio exceeds it.
    pub exceeded: bool,
}

impl LatencyReport {
    /// `latency: source p50 1.20 ms / p99 1.50 ms, target p50 ... ; p99 ratio 1.10 (max 1.20)`
    pub fn describe(&self) -> String {
        format!(
            "latency over {} run(s): source p50 {:.3} ms / p99 {:.3} ms, target p50 {:.3} ms / p99 {:.3} ms; p99 ratio target/source {:.2}{}",
            self.target.runs.min(self.source.runs),
            self.source.p50_ms,
            self.source.p99_ms,
            self.target.p50_ms,
            self.target.p99_ms,
            self.p99_ratio,
            match self.max_p99_ratio {
                Some(max) if self.exceeded => format!(" exceeds the maximum {max:.2}"),
                Some(max) => format!(" (maximum {max:.2})"),
                None => String::new(),
            }
        )
    }
}

/// Nearest-rank percentile (`p` in 0..=100) of unsorted samples; zero for no samples.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn stats(samples: &[Duration]) -> LatencyStats {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    LatencyStats {
        runs: samples.len(),
        p50_ms: ms(percentile(samples, 50.0)),
        p99_ms: ms(percentile(samples, 99.0)),
    }
}

/// The report for two sets of timings and an optional maximum p99 ratio.
pub fn assess(
    source: &[Duration],
    target: &[Duration],
    max_p99_ratio: Option<f64>,
) -> LatencyReport {
    let (s, t) = (stats(source), stats(target));
    let p99_ratio = if s.p99_ms > 0.0 {
        t.p99_ms / s.p99_ms
    } else if t.p99_ms > 0.0 {
        f64::INFINITY
    } else {
        1.0
    };
    LatencyReport {
        source: s,
        target: t,
        p99_ratio,
        max_p99_ratio,
        exceeded: max_p99_ratio.is_some_and(|max| p99_ratio > max),
    }
}

/// Runs `query` `warmup` times untimed, then `runs` times timed. A statement error is timed like
/// a result (the comparison run already reported it); a connection error stops the check.
pub async fn measure(
    conn: &dyn GraphConnection,
    query: &Query,
    warmup: u32,
    runs: u32,
) -> Result<Vec<Duration>, CheckError> {
    let once = || async {
        let begin = Instant::now();
        match conn.execute(query).await {
            Ok(_) => Ok(begin.elapsed()),
            Err(e) if e.is_query_error() => Ok(begin.elapsed()),
            Err(source) => Err(CheckError::Engine {
                check: "queries".into(),
                source,
            }),
        }
    };
    for _ in 0..warmup {
        once().await?;
    }
    let mut out = Vec::with_capacity(runs as usize);
    for _ in 0..runs {
        out.push(once().await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples = ms(&[5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(5));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(10));
        assert_eq!(percentile(&ms(&[7]), 99.0), Duration::from_millis(7));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn the_threshold_fails_only_above_the_ratio() {
        let source = ms(&[10, 10, 10, 10, 20]);
        let slower = ms(&[10, 10, 10, 10, 30]);
        let r = assess(&source, &slower, Some(1.2));
        assert_eq!(r.source.p99_ms, 20.0);
        assert_eq!(r.target.p99_ms, 30.0);
        assert_eq!(r.source.p50_ms, 10.0);
        assert!((r.p99_ratio - 1.5).abs() < 1e-12);
        assert!(r.exceeded);
        assert!(r
            .describe()
            .contains("p99 ratio target/source 1.50 exceeds the maximum 1.20"));

        let r = assess(&source, &ms(&[10, 10, 10, 10, 24]), Some(1.2));
        assert!(!r.exceeded, "a ratio of exactly the maximum passes: {r:?}");
        assert!(
            !assess(&source, &slower, None).exceeded,
            "no threshold, no failure"
        );
        let r = assess(&ms(&[0]), &ms(&[1]), Some(100.0));
        assert!(r.p99_ratio.is_infinite() && r.exceeded);
        assert_eq!(assess(&ms(&[0]), &ms(&[0]), Some(1.0)).p99_ratio, 1.0);
    }
}
