//! Source vs target schema, with a verdict per item.

use crate::engine::descriptor::descriptor;
use crate::engine::schema::{SchemaItem, SchemaSnapshot};
use crate::engine::Dialect;
use crate::scenario::{normalize_item_text, AllowedSchemaChange, SchemaChange};

/// What happened to one item between source and target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    Same,
    /// Same definition, different user-given name (`None`: no or a generated name).
    Renamed {
        from: Option<String>,
        to: Option<String>,
    },
    /// A known change: the source item became `to` on the target. Always allowed.
    Mapped {
        to: SchemaItem,
        why: String,
    },
    /// On the source, not on the target.
    Missing,
    /// On the target, not on the source.
    Extra,
}

impl Verdict {
    pub fn change(&self) -> Option<SchemaChange> {
        match self {
            Verdict::Same => None,
            Verdict::Renamed { .. } => Some(SchemaChange::Renamed),
            Verdict::Mapped { .. } => Some(SchemaChange::Mapped),
            Verdict::Missing => Some(SchemaChange::Missing),
            Verdict::Extra => Some(SchemaChange::Extra),
        }
    }
}

/// One item's verdict. `item` is the source item, or the target item for `Extra`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ItemDiff {
    pub item: SchemaItem,
    pub verdict: Verdict,
    /// Why a non-same verdict is acceptable (`None`: it fails the check).
    pub allowed: Option<String>,
    /// The scenario `allow:` entry that accepted it, as reports name it (`None`: not accepted by
    /// one, e.g. a built-in mapping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowance: Option<String>,
}

impl ItemDiff {
    pub fn passes(&self) -> bool {
        self.verdict == Verdict::Same || self.allowed.is_some()
    }

    /// The report line, e.g. `missing on target: index RANGE :Person(name)`.
    pub fn line(&self) -> String {
        let base = match &self.verdict {
            Verdict::Same => format!("same: {}", self.item),
            Verdict::Missing => format!("missing on target: {}", self.item),
            Verdict::Extra => format!("extra on target: {}", self.item),
            Verdict::Renamed { from, to } => {
                let n = |n: &Option<String>| match n {
                    Some(n) => format!("{n:?}"),
                    None => "(generated)".to_owned(),
                };
                format!("renamed on target: {}: {} -> {}", self.item, n(from), n(to))
            }
            Verdict::Mapped { to, .. } => format!("mapped: {} -> {to}", self.item),
        };
        match (&self.verdict, &self.allowed) {
            (Verdict::Same, _) => base,
            (_, Some(why)) => format!("{base} (allowed: {why})"),
            (_, None) => base,
        }
    }
}

/// The whole comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SchemaDiff {
    pub source_items: usize,
    pub target_items: usize,
    pub items: Vec<ItemDiff>,
    /// Declared `allow` entries that matched nothing, as reports name them (stale).
    pub unused_allows: Vec<String>,
}

impl SchemaDiff {
    pub fn passed(&self) -> bool {
        self.items.iter().all(ItemDiff::passes)
    }

    pub fn count(&self, change: Option<SchemaChange>) -> usize {
        self.items
            .iter()
            .filter(|d| d.verdict.change() == change)
            .count()
    }
}

/// The built-in known changes for a version pair of one engine: the item the source item
/// becomes, by the engine's own rule
/// ([`EngineSchema::builtin_mapping`](crate::engine::schema::EngineSchema::builtin_mapping);
/// Neo4j 4.x -> 5+: BTREE -> RANGE).
pub fn builtin_mapping(
    item: &SchemaItem,
    source: &Dialect,
    target: &Dialect,
) -> Option<(SchemaItem, String)> {
    if source.engine != target.engine {
        return None;
    }
    descriptor(source.engine)
        .schema()
        .builtin_mapping(item, source, target)
}

fn allow_reason(a: &AllowedSchemaChange) -> String {
    a.reason
        .clone()
        .unwrap_or_else(|| "declared in the scenario".to_owned())
}

/// Compares two snapshots. `allow` entries make declared differences pass (the caller passes
/// only those whose `when:` applies to the pair).
pub fn diff(
    source: &SchemaSnapshot,
    target: &SchemaSnapshot,
    source_dialect: &Dialect,
    target_dialect: &Dialect,
    allow: &[AllowedSchemaChange],
) -> SchemaDiff {
    let mut remaining: Vec<Option<&SchemaItem>> = target.items.iter().map(Some).collect();
    let take = |remaining: &mut Vec<Option<&SchemaItem>>,
                pred: &dyn Fn(&SchemaItem) -> bool|
     -> Option<SchemaItem> {
        let slot = remaining.iter_mut().find(|s| s.is_some_and(pred))?;
        slot.take().cloned()
    };
    let mut used = vec![false; allow.len()];
    let mut find_allow = |text: &str, change: SchemaChange, to: Option<&str>| {
        let i = allow.iter().position(|a| {
            a.item == normalize_item_text(text)
                && a.change == change
                && (to.is_none() || a.to.as_deref() == to.map(normalize_item_text).as_deref())
        })?;
        used[i] = true;
        allow.get(i).map(|a| (allow_reason(a), a.to_string()))
    };

    let mut items = Vec::new();
    let mut unmatched = Vec::new();
    // Pass 1: same definition (same or renamed). Exact names first, so two items that differ
    // only by name pair up with their namesakes.
    let mut pending: Vec<&SchemaItem> = Vec::new();
    for s in &source.items {
        match take(&mut remaining, &|t| t == s) {
            Some(_) => items.push(ItemDiff {
                item: s.clone(),
                verdict: Verdict::Same,
                allowed: None,
                allowance: None,
            }),
            None => pending.push(s),
        }
    }
    for s in pending {
        let id = s.identity();
        match take(&mut remaining, &|t| t.identity() == id) {
            Some(t) => {
                let text = s.to_string();
                let (allowed, allowance) = find_allow(&text, SchemaChange::Renamed, None).unzip();
                items.push(ItemDiff {
                    item: s.clone(),
                    verdict: Verdict::Renamed {
                        from: s.name.clone(),
                        to: t.name.clone(),
                    },
                    allowed,
                    allowance,
                });
            }
            None => unmatched.push(s),
        }
    }
    // Pass 2: known (built-in) and declared mappings; pass 3: missing.
    for s in unmatched {
        if let Some((to, why)) = builtin_mapping(s, source_dialect, target_dialect) {
            if let Some(t) = take(&mut remaining, &|t| t.identity() == to) {
                items.push(ItemDiff {
                    item: s.clone(),
                    verdict: Verdict::Mapped {
                        to: t,
                        why: why.clone(),
                    },
                    allowed: Some(why),
                    allowance: None,
                });
                continue;
            }
        }
        let text = s.to_string();
        let declared: Vec<(String, String)> = allow
            .iter()
            .filter(|a| a.change == SchemaChange::Mapped && a.item == text)
            .filter_map(|a| a.to.clone().map(|to| (to, allow_reason(a))))
            .collect();
        let mut mapped = None;
        for (to_text, _) in &declared {
            if let Some(t) = take(&mut remaining, &|t| t.to_string() == *to_text) {
                mapped = Some(t);
                break;
            }
        }
        if let Some(t) = mapped {
            let to_text = t.to_string();
            let (allowed, allowance) =
                find_allow(&text, SchemaChange::Mapped, Some(&to_text)).unzip();
            items.push(ItemDiff {
                item: s.clone(),
                verdict: Verdict::Mapped {
                    to: t,
                    why: "declared in the scenario".to_owned(),
                },
                allowed,
                allowance,
            });
            continue;
        }
        let (allowed, allowance) = find_allow(&text, SchemaChange::Missing, None).unzip();
        items.push(ItemDiff {
            item: s.clone(),
            verdict: Verdict::Missing,
            allowed,
            allowance,
        });
    }
    for t in remaining.into_iter().flatten() {
        let (allowed, allowance) = find_allow(&t.to_string(), SchemaChange::Extra, None).unzip();
        items.push(ItemDiff {
            item: t.clone(),
            verdict: Verdict::Extra,
            allowed,
            allowance,
        });
    }
    let unused_allows = allow
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(a, _)| a.to_string())
        .collect();
    SchemaDiff {
        source_items: source.items.len(),
        target_items: target.items.len(),
        items,
        unused_allows,
    }
}
