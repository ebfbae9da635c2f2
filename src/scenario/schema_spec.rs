//! Scenario syntax of the `schema` check (`checks: - schema: {expect: equal, allow: [...]}`).
//!
//! ```yaml
//! checks:
//!   - schema:
//!       expect: equal
//!       allow:
//!         # an index the target is known to lack
//!         - { item: "index RANGE :Person(name)", change: missing, reason: "dropped in v2" }
//!         # an index only the target has
//!         - { item: "index LOOKUP (all node labels)", change: extra }
//!         # same definition, another name
//!         - { item: "constraint UNIQUENESS :Person(email)", change: renamed }
//!         # a source item that becomes another item on the target
//!         - item: "index TEXT :Person(bio)"
//!           change: mapped
//!           to: "index FULLTEXT :Person(bio) {language: english}"
//!         # only on some version pairs (comparators: see allow_spec.rs)
//!         - item: "index RANGE :Person(id)"
//!           change: missing
//!           when: { source: "<5", target: ">=5" }
//! ```
//!
//! `item` (and `to`) are spelled exactly as the check reports items. An entry that applies to a
//! case's versions and matches no item is reported as stale.

use serde::Deserialize;

use super::allow_spec::{PairVersions, When};

/// Compare the normalized indexes and constraints of source and target.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaCheck {
    #[serde(default)]
    pub expect: SchemaExpectation,
    /// Differences that are expected and must not fail the check.
    #[serde(default)]
    pub allow: Vec<AllowedSchemaChange>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SchemaExpectation {
    /// Every item must be the same on both sides, or an allowed change.
    #[default]
    Equal,
}

/// What may differ for one item.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SchemaChange {
    /// On the source, not on the target.
    Missing,
    /// On the target, not on the source.
    Extra,
    /// Same definition, different name.
    Renamed,
    /// The source item becomes the `to` item on the target.
    Mapped,
}

impl std::fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SchemaChange::Missing => "missing",
            SchemaChange::Extra => "extra",
            SchemaChange::Renamed => "renamed",
            SchemaChange::Mapped => "mapped",
        })
    }
}

/// One declared, expected difference. Validated when the scenario is parsed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "RawAllowedSchemaChange")]
pub struct AllowedSchemaChange {
    /// The item as the report spells it, e.g. `index RANGE :Person(name)`.
    pub item: String,
    pub change: SchemaChange,
    /// For `mapped`: the item it becomes on the target.
    pub to: Option<String>,
    /// Why this difference is fine (shown in the report).
    pub reason: Option<String>,
    /// The version pairs it applies to; `None`: every pair.
    pub when: Option<When>,
}

impl AllowedSchemaChange {
    /// Whether it applies to this version pair.
    pub fn applies_to(&self, versions: &PairVersions) -> bool {
        self.when.as_ref().is_none_or(|w| w.matches(versions))
    }
}

impl std::fmt::Display for AllowedSchemaChange {
    /// `missing index RANGE :Person(name) (when target >=5)`, how reports name the entry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.change, self.item)?;
        if let Some(to) = &self.to {
            write!(f, " -> {to}")?;
        }
        if let Some(w) = &self.when {
            write!(f, " (when {w})")?;
        }
        Ok(())
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawAllowedSchemaChange {
    item: String,
    change: SchemaChange,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    when: Option<When>,
}

/// Collapses runs of whitespace so `index  RANGE :A(p)` matches `index RANGE :A(p)`.
pub fn normalize_item_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn validate_item(field: &str, text: &str) -> Result<String, String> {
    let norm = normalize_item_text(text);
    let mut words = norm.split(' ');
    let (what, kind) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let target = words.next().unwrap_or("");
    let ok_kind = !kind.is_empty() && kind.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    if !matches!(what, "index" | "constraint") || !ok_kind || target.is_empty() {
        return Err(format!(
            "schema allow `{field}: {text}` must be spelled as the report spells items, e.g. \"index RANGE :Person(name)\" or \"constraint UNIQUENESS [:KNOWS](id)\""
        ));
    }
    Ok(norm)
}

impl TryFrom<RawAllowedSchemaChange> for AllowedSchemaChange {
    type Error = String;

    fn try_from(raw: RawAllowedSchemaChange) -> Result<Self, String> {
        let item = validate_item("item", &raw.item)?;
        let to = raw
            .to
            .as_deref()
            .map(|t| validate_item("to", t))
            .transpose()?;
        match (raw.change, &to) {
            (SchemaChange::Mapped, None) => {
                return Err(format!(
                    "schema allow for `{item}`: change `mapped` needs `to` (the item on the target)"
                ))
            }
            (c, Some(_)) if c != SchemaChange::Mapped => {
                return Err(format!(
                    "schema allow for `{item}`: `to` is only valid with change `mapped`, not `{c}`"
                ))
            }
            _ => {}
        }
        Ok(AllowedSchemaChange {
            item,
            change: raw.change,
            to,
            reason: raw.reason,
            when: raw.when,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<SchemaCheck, String> {
        serde_saphyr::from_str::<SchemaCheck>(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn allow_entries_parse_and_normalize() {
        let c = parse(
            "expect: equal\nallow:\n  - {item: \"index  RANGE :Person(name)\", change: missing, reason: gone}\n  - {item: \"index TEXT :P(b)\", change: mapped, to: \"index RANGE :P(b)\"}\n",
        )
        .unwrap();
        assert_eq!(c.allow.len(), 2);
        assert_eq!(c.allow[0].item, "index RANGE :Person(name)");
        assert_eq!(c.allow[0].change, SchemaChange::Missing);
        assert_eq!(c.allow[1].to.as_deref(), Some("index RANGE :P(b)"));
        assert_eq!(
            c.allow[1].to_string(),
            "mapped index TEXT :P(b) -> index RANGE :P(b)"
        );
    }

    #[test]
    fn when_scopes_an_entry_to_version_pairs() {
        let c = parse(
            "allow:\n  - {item: \"index RANGE :A(p)\", change: missing, when: {target: \">=4.18\"}}\n",
        )
        .unwrap();
        let a = &c.allow[0];
        assert!(a.applies_to(&PairVersions::new("4.16.3", "4.18.3")));
        assert!(!a.applies_to(&PairVersions::new("4.14.11", "4.16.3")));
        assert_eq!(
            a.to_string(),
            "missing index RANGE :A(p) (when target >=4.18)"
        );
        let e = parse(
            "allow:\n  - {item: \"index RANGE :A(p)\", change: missing, when: {target: \"~4\"}}\n",
        )
        .unwrap_err();
        assert!(e.contains("invalid version requirement"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_entries_are_errors() {
        let e = parse("allow:\n  - {item: \"index RANGE :A(p)\", change: missing, because: x}\n")
            .unwrap_err();
        assert!(e.contains("unknown field `because`"), "{e}");
        let e = parse("allow:\n  - {item: \"index RANGE :A(p)\", change: vanished}\n").unwrap_err();
        assert!(e.contains("unknown variant `vanished`"), "{e}");
        let e = parse("allow:\n  - {item: \"index RANGE :A(p)\", change: mapped}\n").unwrap_err();
        assert!(e.contains("needs `to`"), "{e}");
        let e = parse(
            "allow:\n  - {item: \"index RANGE :A(p)\", change: extra, to: \"index RANGE :B(p)\"}\n",
        )
        .unwrap_err();
        assert!(e.contains("only valid with change `mapped`"), "{e}");
        let e = parse("allow:\n  - {item: \"Person(name)\", change: missing}\n").unwrap_err();
        assert!(e.contains("spelled as the report spells items"), "{e}");
        let e = parse("allow: []\nstrict: true\n").unwrap_err();
        assert!(e.contains("unknown field `strict`"), "{e}");
    }
}
