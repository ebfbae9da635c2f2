//! A self-contained HTML report: a matrix grid (scenarios x version pairs) coloured by verdict,
//! then every case with its checks, details, step timings and, when the queries check measured
//! latency, a small inline SVG chart. No external assets: it works offline and as a CI artifact.

use std::fmt::Write as _;
use std::path::Path;

use crate::checks::queries::latency::LatencyReport;
use crate::checks::{CheckData, CheckOutcome};
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

/// One query's latency as the queries check measured it.
struct Latency<'a> {
    query: &'a str,
    report: &'a LatencyReport,
}

/// A number for an axis: at most three decimals, no trailing zeros (`0.5`, `2`).
fn num(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A round axis maximum at or above `max`: 1, 2, 2.5 or 5 times a power of ten.
fn axis_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let step = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * step)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * step)
}

/// Horizontal bars per query (p50 and p99, source and target) on a labelled millisecond axis,
/// with each query's timed run count.
fn latency_svg(latencies: &[Latency<'_>]) -> String {
    let max = axis_max(
        latencies
            .iter()
            .flat_map(|l| {
                let r = l.report;
                [
                    r.source.p50_ms,
                    r.source.p99_ms,
                    r.target.p50_ms,
                    r.target.p99_ms,
                ]
            })
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max),
    );
    let (label_w, bar_w, row_h, axis_h) = (200.0, 320.0, 14.0, 40.0);
    let plot_h = latencies.len() as f64 * (4.0 * row_h + 16.0) + 8.0;
    let height = plot_h + axis_h;
    let width = label_w + bar_w + 90.0;
    let mut svg = format!(
        r#"<svg class="latency" role="img" aria-label="query latency in milliseconds" data-axis-max="{m}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#,
        m = num(max)
    );
    let mut y = 8.0;
    for l in latencies {
        let r = l.report;
        let runs = r.source.runs.min(r.target.runs);
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" class="q" data-runs="{runs}">{} ({runs} run{})</text>"#,
            y + row_h - 3.0,
            esc(l.query),
            if runs == 1 { "" } else { "s" }
        );
        for (label, value, class) in [
            ("source p50", r.source.p50_ms, "src"),
            ("target p50", r.target.p50_ms, "tgt"),
            ("source p99", r.source.p99_ms, "src"),
            ("target p99", r.target.p99_ms, "tgt"),
        ] {
            let w = if value.is_finite() {
                (value / max * bar_w).max(1.0)
            } else {
                bar_w
            };
            let _ = write!(
                svg,
                r#"<text x="{tx}" y="{ty}" class="l">{label}</text><rect class="{class}" x="{label_w}" y="{y}" width="{w:.1}" height="{h}"><title>{q} {label}: {value:.3} ms</title></rect><text x="{vx:.1}" y="{ty}" class="v">{value:.3} ms</text>"#,
                tx = 110.0,
                ty = y + row_h - 3.0,
                h = row_h - 2.0,
                q = esc(l.query),
                vx = label_w + w + 4.0,
            );
            y += row_h;
        }
        y += 16.0;
    }
    // Axes: the y axis at the bars' origin, the x axis below them with five ticks in ms.
    let _ = write!(
        svg,
        r#"<g class="axis y-axis"><line x1="{label_w}" y1="0" x2="{label_w}" y2="{plot_h}"/></g><g class="axis x-axis"><line x1="{label_w}" y1="{plot_h}" x2="{end}" y2="{plot_h}"/>"#,
        end = label_w + bar_w
    );
    for i in 0..=4 {
        let value = max * f64::from(i) / 4.0;
        let x = label_w + bar_w * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{plot_h}" x2="{x:.1}" y2="{t}"/><text class="tick" x="{x:.1}" y="{ty}" text-anchor="middle">{v}</text>"#,
            v = num(value),
            t = plot_h + 4.0,
            ty = plot_h + 15.0,
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis-label x" x="{cx}" y="{ly}" text-anchor="middle">latency (ms)</text></g><text class="axis-label y" x="0" y="{ly}">query, side and percentile</text></svg>"#,
        cx = label_w + bar_w / 2.0,
        ly = plot_h + 32.0
    );
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
svg.latency text{font-size:11px;fill:#1d2330} svg.latency text.q{font-weight:600} svg.latency text.axis-label{font-style:italic} svg.latency line{stroke:#1d2330}
div.query-shape{font-size:.9em;margin:.2rem 0} div.query-difference{margin:.4rem 0} rect.src{fill:#6c8ebf} rect.tgt{fill:#d79b00}
"#;

/// Cases that did not pass first (fail, error, skipped), then the passing ones; each keeps its
/// index (`case-<i>`), which the grid links to.
fn failures_first(outcomes: &[ScenarioOutcome]) -> Vec<(usize, &ScenarioOutcome)> {
    let rank = |v: Verdict| match v {
        Verdict::Fail => 0,
        Verdict::Error => 1,
        Verdict::Skipped => 2,
        Verdict::Pass => 3,
    };
    let mut order: Vec<_> = outcomes.iter().enumerate().collect();
    order.sort_by_key(|(i, o)| (rank(o.verdict), *i));
    order
}

/// The run's start (the earliest case start) and its wall time (to the latest case end).
fn run_span(outcomes: &[ScenarioOutcome]) -> Option<(chrono::DateTime<chrono::Utc>, f64)> {
    let start = outcomes.iter().filter_map(|o| o.started_at).min()?;
    let end = outcomes
        .iter()
        .filter_map(|o| {
            let elapsed = chrono::Duration::from_std(o.elapsed).ok()?;
            Some(o.started_at? + elapsed)
        })
        .max()?;
    Some((start, (end - start).num_milliseconds() as f64 / 1000.0))
}

/// A query's text and both sides' columns, shown beside its difference.
fn query_shape(h: &mut String, cypher: &str, source: &[String], target: &[String]) {
    let _ = write!(
        h,
        "<div class=\"query-shape\">query <code class=\"cypher\">{}</code>, columns <code class=\"columns\">[{}]</code>",
        esc(cypher),
        esc(&source.join(", "))
    );
    if source != target {
        let _ = write!(
            h,
            " on the source, <code class=\"columns\">[{}]</code> on the target",
            esc(&target.join(", "))
        );
    }
    h.push_str("</div>");
}

/// The typed data of a check that did not pass, beside its details: each failing query with
/// its text, columns, errors and row differences.
fn check_data(h: &mut String, c: &CheckOutcome) {
    let CheckData::Queries(data) = &c.data else {
        return;
    };
    for q in data.queries.iter().filter(|q| !q.passed) {
        let _ = write!(
            h,
            "<div class=\"query-difference\" data-query=\"{}\"><strong>{}</strong> ({})",
            esc(&q.name),
            esc(&q.name),
            esc(&format!("{:?}", q.class))
        );
        query_shape(h, &q.cypher, &q.source_columns, &q.target_columns);
        for (side, e) in [("source", &q.source_error), ("target", &q.target_error)] {
            if let Some(e) = e {
                let _ = write!(h, "<div>{side} error: <code>{}</code></div>", esc(e));
            }
        }
        if !q.row_differences.is_empty() {
            h.push_str("<ul class=\"details rows\">");
            for r in &q.row_differences {
                let _ = write!(h, "<li>{}</li>", esc(r));
            }
            h.push_str("</ul>");
        }
        h.push_str("</div>");
    }
}

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
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Migration harness report</title><style>{STYLE}</style></head><body>\n<h1>Migration harness: {} passed, {} failed, {} errored, {} skipped</h1>\n<p class=\"meta\">{} {} &middot; {} case(s)",
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skipped),
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        outcomes.len()
    );
    if let Some((start, secs)) = run_span(outcomes) {
        let _ = write!(
            h,
            " &middot; started <time id=\"run-start\" datetime=\"{at}\">{at}</time> &middot; ran <span id=\"run-duration\">{secs:.1}s</span>",
            at = start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    h.push_str("</p>\n");

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
                    let v = o.verdict.as_str();
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

    for (i, o) in failures_first(outcomes) {
        let v = o.verdict.as_str();
        let _ = write!(
            h,
            "<section class=\"case\" id=\"case-{i}\" data-verdict=\"{v}\"><h2><span class=\"badge {v}\">{}</span> <code>{}</code></h2>\n<p class=\"meta\">{} &rarr; {}{} &middot; <code>{}</code>",
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
        if o.started_at.is_some() {
            let _ = write!(
                h,
                " &middot; <span class=\"case-time\">{:.1}s</span>",
                o.elapsed.as_secs_f64()
            );
        }
        h.push_str("</p>\n");
        if !o.servers.is_empty() {
            h.push_str("<ul class=\"servers meta\">");
            for s in &o.servers {
                let _ = write!(
                    h,
                    "<li class=\"server\" data-role=\"{r}\">{r}: {} <span class=\"version\">{}</span> (asked for {}; {})</li>",
                    esc(&s.engine),
                    esc(&s.version),
                    esc(&s.requested),
                    esc(&s.launcher),
                    r = esc(&s.role),
                );
            }
            h.push_str("</ul>\n");
        }
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
            let mut checks: Vec<&CheckOutcome> = o.checks.iter().collect();
            checks.sort_by_key(|c| c.passed);
            for c in checks {
                let cv = c.status.class();
                let _ = write!(
                    h,
                    "<tr data-check=\"{}\" data-verdict=\"{cv}\"><td>{}</td><td class=\"{cv}\">{}</td><td>{}",
                    c.check,
                    c.check,
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
                            query_shape(&mut h, &q.cypher, &q.source_columns, &q.target_columns);
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
                if !c.passed {
                    check_data(&mut h, c);
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
        let latencies: Vec<Latency<'_>> = o
            .checks
            .iter()
            .filter_map(|c| match &c.data {
                CheckData::Queries(data) => Some(data),
                _ => None,
            })
            .flat_map(|data| {
                data.queries.iter().filter_map(|q| {
                    Some(Latency {
                        query: &q.name,
                        report: q.latency.as_ref()?,
                    })
                })
            })
            .collect();
        if !latencies.is_empty() {
            h.push_str("<h3>Query latency (ms; blue source, orange target)</h3>\n");
            h.push_str(&latency_svg(&latencies));
            h.push('\n');
        }
        if !o.timings.is_empty() {
            h.push_str("<details><summary>step timings</summary><table class=\"timings\"><tbody>");
            for t in &o.timings {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{:.3}s</td></tr>",
                    esc(&t.step.to_string()),
                    t.seconds()
                );
            }
            h.push_str("</tbody></table></details>\n");
        }
        h.push_str("</section>\n");
    }
    // The only script: marks the page as rendered with its verdict counts (tests read it).
    h.push_str("<script>(function(){var c={};document.querySelectorAll('#grid td[data-verdict]').forEach(function(td){var v=td.getAttribute('data-verdict');c[v]=(c[v]||0)+1;});document.body.setAttribute('data-rendered',JSON.stringify(c));})();</script>\n</body></html>\n");
    h
}

/// Writes a self-contained HTML page (matrix grid, check details, latency charts), atomically.
pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round_and_cover_the_data() {
        assert_eq!(axis_max(1.2), 2.0);
        assert_eq!(axis_max(0.9), 1.0);
        assert_eq!(axis_max(0.21), 0.25);
        assert_eq!(axis_max(37.0), 50.0);
        assert_eq!(axis_max(0.0), 1.0);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
