//! The normalized schema model: one shape for indexes and constraints of every engine and version.

use std::collections::BTreeMap;
use std::fmt;

/// Whether an index or constraint applies to nodes or relationships.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Node,
    Relationship,
}

/// Index kinds. `Btree` exists only on Neo4j 4.x (removed in 5.0).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IndexKind {
    Range,
    Text,
    Point,
    Lookup,
    Fulltext,
    Vector,
    Btree,
    /// A type this harness does not know; kept verbatim so it is still diffed.
    Other(String),
}

/// Constraint kinds, engine-neutral. Uniqueness covers Neo4j `UNIQUENESS` /
/// `NODE_PROPERTY_UNIQUENESS` / `RELATIONSHIP_(PROPERTY_)UNIQUENESS` and FalkorDB `UNIQUE`;
/// existence covers Neo4j `*_PROPERTY_EXISTENCE` and FalkorDB `MANDATORY`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    Uniqueness,
    /// `NODE_KEY` on nodes, `RELATIONSHIP_KEY` on relationships.
    Key,
    PropertyExistence,
    PropertyType,
    Other(String),
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Index(IndexKind),
    Constraint(ConstraintKind),
}

/// One index or constraint, normalized: ids, providers, population and usage statistics and
/// generated names are already dropped (see `parse.rs` for each rule and its source).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct SchemaItem {
    pub kind: ItemKind,
    pub entity: EntityType,
    /// Labels or relationship types; empty for the token lookup indexes. Sorted where the
    /// engine treats them as a set (full-text indexes).
    pub labels: Vec<String>,
    /// Properties in index order (composite range indexes); sorted for full-text indexes.
    pub properties: Vec<String>,
    /// The options that change behaviour (analyzer, vector dimensions, property type, ...).
    pub options: BTreeMap<String, String>,
    /// For indexes: true when the index backs a constraint (Neo4j `owningConstraint`).
    pub owned_by_constraint: bool,
    /// The user-given name; `None` when the engine has no names (FalkorDB) or generated it.
    pub name: Option<String>,
}

impl SchemaItem {
    /// Everything that defines the item except its name: equal identities are the same item.
    pub fn identity(&self) -> SchemaItem {
        SchemaItem {
            name: None,
            ..self.clone()
        }
    }

    /// The item as the report and `allow` entries spell it, e.g. `index RANGE :Person(name)`,
    /// `constraint UNIQUENESS :Person(email)`, `index RANGE [:KNOWS](since)`,
    /// `index FULLTEXT :Book|Movie(title) {analyzer: english}`, `index LOOKUP (all node labels)`.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    pub fn is_index(&self) -> bool {
        matches!(self.kind, ItemKind::Index(_))
    }
}

impl IndexKind {
    pub fn keyword(&self) -> String {
        match self {
            IndexKind::Range => "RANGE".into(),
            IndexKind::Text => "TEXT".into(),
            IndexKind::Point => "POINT".into(),
            IndexKind::Lookup => "LOOKUP".into(),
            IndexKind::Fulltext => "FULLTEXT".into(),
            IndexKind::Vector => "VECTOR".into(),
            IndexKind::Btree => "BTREE".into(),
            IndexKind::Other(s) => s.to_uppercase(),
        }
    }
}

impl ConstraintKind {
    pub fn keyword(&self, entity: EntityType) -> String {
        match (self, entity) {
            (ConstraintKind::Uniqueness, _) => "UNIQUENESS".into(),
            (ConstraintKind::Key, EntityType::Node) => "NODE_KEY".into(),
            (ConstraintKind::Key, EntityType::Relationship) => "RELATIONSHIP_KEY".into(),
            (ConstraintKind::PropertyExistence, _) => "PROPERTY_EXISTENCE".into(),
            (ConstraintKind::PropertyType, _) => "PROPERTY_TYPE".into(),
            (ConstraintKind::Other(s), _) => s.to_uppercase(),
        }
    }
}

impl fmt::Display for SchemaItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ItemKind::Index(k) => write!(f, "index {}", k.keyword())?,
            ItemKind::Constraint(k) => write!(f, "constraint {}", k.keyword(self.entity))?,
        }
        if self.labels.is_empty() && self.properties.is_empty() {
            match self.entity {
                EntityType::Node => write!(f, " (all node labels)")?,
                EntityType::Relationship => write!(f, " [all relationship types]")?,
            }
        } else {
            let labels = self.labels.join("|");
            match self.entity {
                EntityType::Node => write!(f, " :{labels}")?,
                EntityType::Relationship => write!(f, " [:{labels}]")?,
            }
            write!(f, "({})", self.properties.join(", "))?;
        }
        if !self.options.is_empty() {
            let opts: Vec<String> = self
                .options
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            write!(f, " {{{}}}", opts.join(", "))?;
        }
        if self.owned_by_constraint {
            write!(f, " owned by constraint")?;
        }
        Ok(())
    }
}

/// All indexes and constraints of one graph, normalized and sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SchemaSnapshot {
    pub items: Vec<SchemaItem>,
}

impl SchemaSnapshot {
    pub fn new(mut items: Vec<SchemaItem>) -> Self {
        items.sort();
        items.dedup();
        SchemaSnapshot { items }
    }

    pub fn indexes(&self) -> impl Iterator<Item = &SchemaItem> {
        self.items.iter().filter(|i| i.is_index())
    }

    pub fn constraints(&self) -> impl Iterator<Item = &SchemaItem> {
        self.items.iter().filter(|i| !i.is_index())
    }
}
