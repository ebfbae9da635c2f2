//! What a mover could not store on its target: the data movers produce and checks judge.

/// One property the target could not store, aggregated over all entities that hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `(:A:B)` for a node label set, `[:TYPE]` for a relationship type.
    pub entity: String,
    pub property: String,
    /// The Cypher type of the value, e.g. `FLOAT` or `LIST`.
    pub value_type: String,
    pub reason: String,
    /// How many entities held such a value (and were written without it, or with it changed).
    pub count: u64,
    /// The value was written but the target keeps a different value (e.g. rounded).
    pub lossy: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} property {} ({}): {} on {} entit{}: {}",
            self.entity,
            self.property,
            self.value_type,
            if self.lossy { "changed" } else { "not stored" },
            self.count,
            if self.count == 1 { "y" } else { "ies" },
            self.reason
        )
    }
}
