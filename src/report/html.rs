//! A self-contained HTML report: a matrix grid (scenarios x version pairs) coloured by verdict,
//! then every case with its checks, details, step timings and, when the queries check measured
//! latency, a small inline SVG chart. No external assets: it works offline and as a CI artifact.

use std::fmt::Write as _;
use std::path::Path;

use crate::checks::CheckStatus;
use crate::run::{ScenarioOutcome, Verdict};

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
        Verdict::Skipped => "skipped",
    }
}

/// One query's latency as measured by the queries check (milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    pub query: String,
    pub source_p50: f64,
    pub source_p99: f64,
    pub target_p50: f64,
    pub target_p99: f64,
}

/// Reads latency lines of the queries check: `query NAME: latency over N run(s): source p50 A
/// ms / p99 B ms, target p50 C ms / p99 D ms; ...`.
pub fn parse_latency(detail: &str) -> Option<Latency> {
    let rest = detail.strip_prefix("query ")?;
    let (query, rest) = rest.split_once(": latency over ")?;
    let number_after = |text: &str, key: &str| -> Option<(f64, usize)> {
        let at = text.find(key)? + key.len();
        let tail = &text[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        Some((tail[..end].parse().ok()?, at + end))
    };
    let (source_p50, i) = number_after(rest, "source p50 ")?;
    let rest = &rest[i..];
    let (source_p99, i) = number_after(rest, "p99 ")?;
    let rest = &rest[i..];
    let (target_p50, i) = number_after(rest, "target p50 ")?;
    let rest = &rest[i..];
    let (target_p99, _) = number_after(rest, "p99 ")?;
    Some(Latency {
        query: query.to_owned(),
        source_p50,
        source_p99,
        target_p50,
        target_p99,
    })
}

/// Horizontal bars per query: p50 and p99, source and target.
fn latency_svg(latencies: &[Latency]) -> String {
    let max = latencies
        .iter()
        .flat_map(|l| [l.source_p50, l.source_p99, l.target_p50, l.target_p99])
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let (label_w, bar_w, row_h) = (200.0, 320.0, 14.0);
    let height = latencies.len() as f64 * (4.0 * row_h + 16.0) + 8.0;
    let mut svg = format!(
        r#"<svg class="latency" role="img" aria-label="query latency" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}">"#,
        w = label_w + bar_w + 90.0
    );
    let mut y = 8.0;
    for l in latencies {
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" class="q">{}</text>"#,
            y + row_h - 3.0,
            esc(&l.query)
        );
        for (label, value, class) in [
            ("source p50", l.source_p50, "src"),
            ("target p50", l.target_p50, "tgt"),
            ("source p99", l.source_p99, "src"),
            ("target p99", l.target_p99, "tgt"),
        ] {
            let w = (value / max * bar_w).max(1.0);
            let _ = write!(
                svg,
                r#"<text x="{tx}" y="{ty}" class="l">{label}</text><rect class="{class}" x="{label_w}" y="{y}" width="{w:.1}" height="{h}"><title>{q} {label}: {value:.3} ms</title></rect><text x="{vx:.1}" y="{ty}" class="v">{value:.3} ms</text>"#,
                tx = 110.0,
                ty = y + row_h - 3.0,
                h = row_h - 2.0,
                q = esc(&l.query),
                vx = label_w + w + 4.0,
            );
            y += row_h;
        }
        y += 16.0;
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330;background:#fff}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem} code{font-size:.9em}
table{border-collapse:collapse;margin:.5rem 0} th,td{border:1px solid #d0d5dd;padding:.35rem .6rem;text-align:left;vertical-align:top}
table.grid td.cell{text-align:center;font-weight:600;min-width:9rem}
td.pass,span.pass{background:#d3f5dc;color:#0b5d1e} td.fail,span.fail{background:#fbd5d5;color:#8a1010}
td.error,span.error{background:#ffe6bf;color:#7a4300} td.skipped,span.skipped{background:#eceff3;color:#505a6b}
td.none{color:#98a2b3;text-align:center}
td.allowed,span.allowed{background:#fff3c4;color:#6b5200} span.stale{background:#eceff3;color:#505a6b} ul.allowed{margin:.3rem 0 .3rem 1rem;padding:0}
span.badge{padding:.1rem .45rem;border-radius:.3rem;font-weight:600;font-size:.85em}
a{color:inherit} .meta{color:#505a6b;font-size:.9em} ul.details{margin:.2rem 0 .2rem 1rem;padding:0;font-family:ui-monospace,monospace;font-size:.85em}
svg.latency text{font-size:11px;fill:#1d2330} svg.latency text.q{font-weight:600} rect.src{fill:#6c8ebf} rect.tgt{fill:#d79b00}
"#;

/// Renders the whole report.
pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let mut scenarios: Vec<&str> = Vec::new();
    let mut pairs: Vec<String> = Vec::new();
    for o in outcomes {
        if !scenarios.contains(&o.scenario.as_str()) {
            scenarios.push(&o.scenario);
        }
        let pair = o.pair();
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Migration harness report</title><style>{STYLE}</style></head><body>\n<h1>Migration harness: {} passed, {} failed, {} errored, {} skipped</h1>\n<p class=\"meta\">{} {} &middot; {} case(s)</p>\n",
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skipped),
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        outcomes.len()
    );

    h.push_str("<table class=\"grid\" id=\"grid\"><thead><tr><th>scenario</th>");
    for p in &pairs {
        let _ = write!(h, "<th>{}</th>", esc(p));
    }
    h.push_str("</tr></thead><tbody>\n");
    for s in &scenarios {
        let _ = write!(h, "<tr><th>{}</th>", esc(s));
        for p in &pairs {
            match outcomes
                .iter()
                .position(|o| o.scenario == *s && o.pair() == *p)
            {
                Some(i) => {
                    let o = &outcomes[i];
                    let v = verdict_word(o.verdict);
                    let _ = write!(
                        h,
                        "<td class=\"cell {v}\" data-case=\"{}\" data-verdict=\"{v}\"><a href=\"#case-{i}\">{}</a></td>",
                        esc(o.name()),
                        v.to_uppercase()
                    );
                }
                None => h.push_str("<td class=\"none\">&ndash;</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");

    for (i, o) in outcomes.iter().enumerate() {
        let v = verdict_word(o.verdict);
        let _ = write!(
            h,
            "<section class=\"case\" id=\"case-{i}\" data-verdict=\"{v}\"><h2><span class=\"badge {v}\">{}</span> <code>{}</code></h2>\n<p class=\"meta\">{} &rarr; {}{} &middot; <code>{}</code></p>\n",
            v.to_uppercase(),
            esc(o.name()),
            esc(&o.source),
            esc(&o.target),
            if o.hops.is_empty() {
                String::new()
            } else {
                format!(" via {}", esc(&o.hops.join(", ")))
            },
            esc(&o.path)
        );
        if let Some(e) = &o.error {
            let _ = writeln!(
                h,
                "<p class=\"error-text\"><strong>{}:</strong> {}</p>",
                if o.verdict == Verdict::Skipped {
                    "Not run"
                } else {
                    "Could not complete"
                },
                esc(e)
            );
        }
        if !o.checks.is_empty() {
            h.push_str("<table class=\"checks\"><thead><tr><th>check</th><th>verdict</th><th>summary and details</th></tr></thead><tbody>\n");
            for c in &o.checks {
                let cv = match c.status {
                    CheckStatus::Ok => "pass",
                    CheckStatus::Allowed => "allowed",
                    CheckStatus::Failed => "fail",
                };
                let _ = write!(
                    h,
                    "<tr data-check=\"{}\" data-verdict=\"{cv}\"><td>{}</td><td class=\"{cv}\">{}</td><td>{}",
                    esc(&c.check),
                    esc(&c.check),
                    c.status.word(),
                    esc(&c.summary)
                );
                let allowed: Vec<_> = c.allowed().collect();
                if !allowed.is_empty() || !c.stale_allowances.is_empty() {
                    h.push_str("<ul class=\"allowed\">");
                    for d in allowed {
                        let _ = write!(
                            h,
                            "<li class=\"allowed-difference\"><span class=\"badge allowed\">allowed</span> {} ({})",
                            esc(&d.subject),
                            esc(&d.kind)
                        );
                        if let Some(a) = &d.allowed {
                            let _ = write!(h, " by <code>{}</code>", esc(&a.allowance));
                            if let Some(r) = &a.reason {
                                let _ = write!(h, ": <q class=\"reason\">{}</q>", esc(r));
                            }
                        }
                        if let Some(q) = &d.query {
                            let _ = write!(
                                h,
                                "<br>query <code>{}</code>, columns <code>[{}]</code>",
                                esc(&q.cypher),
                                esc(&q.source_columns.join(", "))
                            );
                        }
                        h.push_str("</li>");
                    }
                    for st in &c.stale_allowances {
                        let _ = write!(
                            h,
                            "<li class=\"stale-allowance\"><span class=\"badge stale\">stale</span> {}</li>",
                            esc(&st.line())
                        );
                    }
                    h.push_str("</ul>");
                }
                if !c.details.is_empty() {
                    let _ = write!(
                        h,
                        "<details{}><summary>{} detail(s)</summary><ul class=\"details\">",
                        if c.passed { "" } else { " open" },
                        c.details.len()
                    );
                    for d in &c.details {
                        let _ = write!(h, "<li>{}</li>", esc(d));
                    }
                    h.push_str("</ul></details>");
                }
                h.push_str("</td></tr>\n");
            }
            h.push_str("</tbody></table>\n");
        }
        let latencies: Vec<Latency> = o
            .checks
            .iter()
            .filter(|c| c.check == "queries")
            .flat_map(|c| c.details.iter().filter_map(|d| parse_latency(d)))
            .collect();
        if !latencies.is_empty() {
            h.push_str("<h3>Query latency (ms; blue source, orange target)</h3>\n");
            h.push_str(&latency_svg(&latencies));
            h.push('\n');
        }
        if !o.timings.is_empty() {
            h.push_str("<details><summary>step timings</summary><table class=\"timings\"><tbody>");
            for (step, secs) in &o.timings {
                let _ = write!(h, "<tr><td>{}</td><td>{secs:.3}s</td></tr>", esc(step));
            }
            h.push_str("</tbody></table></details>\n");
        }
        h.push_str("</section>\n");
    }
    // The only script: marks the page as rendered with its verdict counts (tests read it).
    h.push_str("<script>(function(){var c={};document.querySelectorAll('#grid td[data-verdict]').forEach(function(td){var v=td.getAttribute('data-verdict');c[v]=(c[v]||0)+1;});document.body.setAttribute('data-rendered',JSON.stringify(c));})();</script>\n</body></html>\n");
    h
}

pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_lines_parse() {
        let l = parse_latency("query co_actors: latency over 20 run(s): source p50 0.512 ms / p99 0.901 ms, target p50 0.498 ms / p99 0.870 ms; p99 ratio target/source 0.97").unwrap();
        assert_eq!(l.query, "co_actors");
        assert_eq!(
            (l.source_p50, l.source_p99, l.target_p50, l.target_p99),
            (0.512, 0.901, 0.498, 0.870)
        );
        assert!(parse_latency("query x: rows differ").is_none());
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
