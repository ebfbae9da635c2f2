//! Scoping of declared differences (`allow:` entries of queries and of the schema check) to the
//! version pairs they are known for.
//!
//! ```yaml
//! when: { source: ">=4.16", target: ">=4.18, <5" }
//! ```
//!
//! A requirement is one or more comparators joined by commas, all of which must hold:
//! `>=`, `>`, `<=`, `<`, `=` followed by a dotted version, or a bare dotted version, which is a
//! prefix match by components (`4.18` matches `4.18.3`, not `4.180`). Versions compare number by
//! number, missing components count as 0 (`2025.01` = `2025.1.0`). The versions compared are the
//! ones the servers report (`4.18.3`, `5.26.19`), so a scenario asking for `5.26` is matched
//! with the patch release that actually ran.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// The versions of one case's two servers, as they reported themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PairVersions {
    pub source: String,
    pub target: String,
}

impl PairVersions {
    pub fn new(source: impl Into<String>, target: impl Into<String>) -> Self {
        PairVersions {
            source: source.into(),
            target: target.into(),
        }
    }
}

impl fmt::Display for PairVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.source, self.target)
    }
}

/// `when: {source: ..., target: ...}`: the version pairs an allowance applies to. A side left
/// out accepts every version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub source: Option<VersionReq>,
    #[serde(default)]
    pub target: Option<VersionReq>,
}

impl When {
    /// Whether both sides' requirements hold for these versions.
    pub fn matches(&self, versions: &PairVersions) -> bool {
        self.source
            .as_ref()
            .is_none_or(|r| r.matches(&versions.source))
            && self
                .target
                .as_ref()
                .is_none_or(|r| r.matches(&versions.target))
    }
}

impl fmt::Display for When {
    /// `source >=4.16, target >=4.18` (the sides given).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = &self.source {
            parts.push(format!("source {s}"));
        }
        if let Some(t) = &self.target {
            parts.push(format!("target {t}"));
        }
        if parts.is_empty() {
            f.write_str("any pair")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    /// A bare version: the reported version starts with these components.
    Prefix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Comparator {
    op: Op,
    version: Vec<u64>,
}

/// A version requirement: comparators that must all hold (`>=4.16, <5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    comparators: Vec<Comparator>,
}

const REQ_HELP: &str = "expected comparators such as \">=4.18\", \"<5\", \"=4.16.3\" or a bare version \"4.16\" (prefix match), several joined by commas";

impl VersionReq {
    /// Parses `">=4.16, <5"`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<VersionReq, String> {
        let mut comparators = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(p, op)| part.strip_prefix(p).map(|rest| (*op, rest.trim())))
            .unwrap_or((Op::Prefix, part));
            let version = parse_dotted(rest)
                .ok_or_else(|| format!("invalid version requirement {text:?}: {REQ_HELP}"))?;
            comparators.push(Comparator { op, version });
        }
        Ok(VersionReq { comparators })
    }

    /// Whether a reported version (`4.18.3`, `5.26.19`, `2025.01.0-enterprise`) satisfies every
    /// comparator. A version without leading digits (`latest`, empty) satisfies none.
    pub fn matches(&self, version: &str) -> bool {
        let numeric: String = version
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let Some(have) = parse_dotted(numeric.trim_end_matches('.')) else {
            return false;
        };
        self.comparators.iter().all(|c| {
            let ord = compare(&have, &c.version);
            match c.op {
                Op::Ge => ord.is_ge(),
                Op::Gt => ord.is_gt(),
                Op::Le => ord.is_le(),
                Op::Lt => ord.is_lt(),
                Op::Eq => ord.is_eq(),
                Op::Prefix => have.len() >= c.version.len() && have.starts_with(&c.version),
            }
        })
    }
}

fn parse_dotted(text: &str) -> Option<Vec<u64>> {
    if text.is_empty() {
        return None;
    }
    text.split('.')
        .map(|p| {
            (!p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect()
}

/// Component by component, missing components as 0.
fn compare(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .comparators
            .iter()
            .map(|c| {
                let op = match c.op {
                    Op::Ge => ">=",
                    Op::Gt => ">",
                    Op::Le => "<=",
                    Op::Lt => "<",
                    Op::Eq => "=",
                    Op::Prefix => "",
                };
                let v: Vec<String> = c.version.iter().map(u64::to_string).collect();
                format!("{op}{}", v.join("."))
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}

struct ReqVisitor;

impl Visitor<'_> for ReqVisitor {
    type Value = VersionReq;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a version requirement string such as \">=4.18\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<VersionReq, E> {
        VersionReq::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<VersionReq, E> {
        VersionReq::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<VersionReq, E> {
        VersionReq::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<VersionReq, E> {
        Err(E::custom(format!(
            "version requirement is the number {v}, not a string (YAML reads `4.10` as 4.1)"
        )))
    }
}

impl schemars::JsonSchema for VersionReq {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "VersionReq".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Comparators that must all hold, joined by commas: \">=4.18\", \"<5\", \"=4.16.3\", or a bare version (prefix match). Quote it: YAML reads 4.10 as a number.",
            "type": ["string", "integer"]
        })
    }
}

impl<'de> Deserialize<'de> for VersionReq {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ReqVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> VersionReq {
        VersionReq::parse(text).unwrap()
    }

    #[test]
    fn comparators_compare_number_by_number() {
        assert!(req(">=4.18").matches("4.18.3"));
        assert!(req(">=4.18").matches("4.18"));
        assert!(!req(">=4.18").matches("4.16.3"));
        assert!(req(">=4.9").matches("4.10.0"), "numbers, not text");
        assert!(req(">4.16.3").matches("4.16.4"));
        assert!(!req(">4.16.3").matches("4.16.3"));
        assert!(req("<5").matches("4.99.1"));
        assert!(!req("<5").matches("5.0.0"));
        assert!(req("<=5.26").matches("5.26.0"));
        assert!(!req("<=5.26").matches("5.26.19"));
        assert!(req("=4.16.3").matches("4.16.3"));
        assert!(!req("=4.16").matches("4.16.3"));
        assert!(req("2025.01").matches("2025.1.0"));
        assert!(req(">=2025.01").matches("2025.10.1-enterprise"));
    }

    #[test]
    fn a_bare_version_is_a_prefix_by_components() {
        assert!(req("4.18").matches("4.18.3"));
        assert!(req("4").matches("4.18.3"));
        assert!(!req("4.18").matches("4.180.1"));
        assert!(!req("4.18.3").matches("4.18"));
    }

    #[test]
    fn several_comparators_must_all_hold() {
        let r = req(">=4.16, <4.18");
        assert!(r.matches("4.16.3") && r.matches("4.17.9"));
        assert!(!r.matches("4.18.3") && !r.matches("4.14.11"));
        assert_eq!(r.to_string(), ">=4.16, <4.18");
    }

    #[test]
    fn unknown_versions_match_nothing() {
        assert!(!req(">=0").matches("latest"));
        assert!(!req("4").matches(""));
    }

    #[test]
    fn bad_requirements_are_refused() {
        for bad in ["", ">=", "~4.1", ">=4.x", "4..1", ">=4.18,", "=> 4"] {
            let e = VersionReq::parse(bad).unwrap_err();
            assert!(e.contains("expected comparators"), "{bad}: {e}");
        }
    }

    #[test]
    fn when_scopes_both_sides() {
        let w: When = serde_saphyr::from_str("{source: \">=4.16\", target: \">=4.18\"}").unwrap();
        assert!(w.matches(&PairVersions::new("4.16.3", "4.18.3")));
        assert!(!w.matches(&PairVersions::new("4.14.11", "4.18.3")));
        assert!(!w.matches(&PairVersions::new("4.16.3", "4.16.3")));
        assert_eq!(w.to_string(), "source >=4.16, target >=4.18");
        assert!(When::default().matches(&PairVersions::default()));
        let e = serde_saphyr::from_str::<When>("{target: 4.10}").unwrap_err();
        assert!(
            e.to_string().contains("the number 4.1, not a string"),
            "{e}"
        );
        let e = serde_saphyr::from_str::<When>("{targte: \"4\"}").unwrap_err();
        assert!(e.to_string().contains("unknown field `targte`"), "{e}");
    }
}
