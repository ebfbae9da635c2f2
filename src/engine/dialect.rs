use std::fmt;

pub use crate::cypher::escape_name;
pub use crate::kinds::EngineKind;

/// A server version as far as it matters for dialect choices: `4.4`, `5.26.1`, `2025.01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Parses the leading dotted numbers of a version or image tag (`5.26.1-enterprise` gives
    /// 5.26.1). Returns `None` when the text does not start with a number (`latest`).
    ///
    /// ```
    /// use migration_harness::engine::dialect::Version;
    /// assert_eq!(Version::parse_lenient("2025.01").map(|v| v.to_string()), Some("2025.1.0".into()));
    /// assert_eq!(Version::parse_lenient("latest"), None);
    /// ```
    pub fn parse_lenient(text: &str) -> Option<Version> {
        let numeric: String = text
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = numeric
            .split('.')
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next().and_then(Result::ok).unwrap_or(0);
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(Version {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What differs between engines and versions in the statements the harness itself issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    pub engine: EngineKind,
    /// `None` when the version is unknown (e.g. an image tag like `latest`); the newest syntax is used.
    pub version: Option<Version>,
}

impl Dialect {
    pub fn new(engine: EngineKind, version: Option<Version>) -> Self {
        Dialect { engine, version }
    }

    /// An extra RETURN column that carries the exact value of every float among the properties
    /// of entity `var`, where the engine's replies cannot carry doubles exactly (FalkorDB prints
    /// them with 15 significant digits); `None` where they arrive exact (Neo4j's Bolt sends
    /// 64-bit floats). The readers that must be exact add it and pass its cell to
    /// [`Dialect::apply_exact_floats`].
    pub fn exact_float_column(&self, var: &str) -> Option<String> {
        match self.engine {
            EngineKind::Neo4j => None,
            EngineKind::Falkordb => Some(crate::engine::falkordb::exact::column(var)),
        }
    }

    /// Puts the exact floats of a cell of [`Dialect::exact_float_column`] into `properties`;
    /// an error when a float cannot be read exactly (the read must then fail, not round).
    pub fn apply_exact_floats(
        &self,
        properties: &mut std::collections::BTreeMap<String, crate::value::Value>,
        cell: &crate::value::Value,
    ) -> Result<(), String> {
        match self.engine {
            EngineKind::Neo4j => Ok(()),
            EngineKind::Falkordb => crate::engine::falkordb::exact::apply(properties, cell),
        }
    }

    /// The cheap exact-float column for property `key` of entity `var`, where replies round
    /// floats (FalkorDB: its fraction bits, see `engine::falkordb::exact::fraction_column`);
    /// `None` where floats arrive exact. `guarded` makes it give null, not fail the query,
    /// for a value that is not a number.
    pub fn float_fraction_column(&self, var: &str, key: &str, guarded: bool) -> Option<String> {
        match self.engine {
            EngineKind::Neo4j => None,
            EngineKind::Falkordb => Some(crate::engine::falkordb::exact::fraction_column(
                var, key, guarded,
            )),
        }
    }

    /// The exact double from a reply's rounded `approx` and its cell of
    /// [`Dialect::float_fraction_column`]; `None` when they do not settle it (read the entity
    /// again with [`Dialect::exact_float_column`]).
    pub fn exact_from_fraction(&self, approx: f64, cell: &crate::value::Value) -> Option<f64> {
        match self.engine {
            EngineKind::Neo4j => Some(approx),
            EngineKind::Falkordb => crate::engine::falkordb::exact::from_fraction(approx, cell),
        }
    }

    /// Whether whole-graph reads ask for entities whole (`RETURN n`, `RETURN r`) rather than
    /// for `id(n), labels(n), properties(n)`. FalkorDB's compact entities name property keys
    /// by id, which costs it a third less time to answer than maps with key strings
    /// (measured on 100k nodes: 0.28 s against 0.41 s); Neo4j's element ids make its
    /// entities' numeric ids a deprecated path, so it keeps `id()`.
    pub fn reads_whole_entities(&self) -> bool {
        match self.engine {
            EngineKind::Neo4j => false,
            EngineKind::Falkordb => true,
        }
    }

    /// How many significant digits the engine's replies give a float, where they cannot carry
    /// a double exactly: 15 on FalkorDB (`%.15g`); `None` on Neo4j (Bolt sends 64-bit floats).
    /// Query results cannot be rewritten to read floats exactly, so the queries check reports
    /// results compared that way.
    pub fn reply_float_digits(&self) -> Option<u32> {
        match self.engine {
            EngineKind::Neo4j => None,
            EngineKind::Falkordb => Some(15),
        }
    }

    /// A statement that waits until new indexes are online, where the engine needs one.
    pub fn await_indexes(&self) -> Option<&'static str> {
        match self.engine {
            EngineKind::Neo4j => Some("CALL db.awaitIndexes(300)"),
            EngineKind::Falkordb => None,
        }
    }

    /// Expressions for "now" and for a duration of `$ms` milliseconds, as a migration history
    /// records them: `datetime()` and a duration on Neo4j (as Neo4j-Migrations writes them);
    /// `timestamp()` and the number on FalkorDB (it has no `datetime()`).
    pub fn clock_expressions(&self) -> (&'static str, &'static str) {
        match self.engine {
            EngineKind::Neo4j => ("datetime()", "duration({milliseconds: $ms})"),
            EngineKind::Falkordb => ("timestamp()", "$ms"),
        }
    }

    /// Whether a paged read may send the next range's read before this one's reply is read
    /// (`graph::export`), which then is dropped unread when the read ends on an error. FalkorDB:
    /// yes, an abandoned request closes its own connection. Neo4j: not yet. It was off because
    /// neo4rs 0.8.0 handed a connection dropped mid-statement back out a reply behind; the
    /// vendored neo4rs now discards such a connection (vendor/neo4rs/PATCHED.md), but reading
    /// ahead on Neo4j has not been measured since, and its reads already pull 10,000 rows at once.
    pub fn reads_ahead(&self) -> bool {
        match self.engine {
            EngineKind::Neo4j => false,
            EngineKind::Falkordb => true,
        }
    }

    /// Whether values without a parameter literal (NaN, infinities, `i64::MIN`, points,
    /// vectors, temporals) are sent as tagged pairs and rebuilt by constructor calls in the
    /// write query (`engine::falkordb::construct`), since FalkorDB's parameters are rendered as
    /// literals; Neo4j's Bolt parameters carry every value as it is.
    pub fn constructs_values(&self) -> bool {
        match self.engine {
            EngineKind::Neo4j => false,
            EngineKind::Falkordb => true,
        }
    }

    /// The predicate that `var`'s internal id lies in `[$lo, $hi)`, in the form the engine
    /// answers with an id seek, so that a page costs its own size: FalkorDB seeks on
    /// `id(n) >= $lo AND id(n) < $hi`; Neo4j plans that as a scan of every node (or every
    /// relationship, for a start node's range) with a filter, which made each page of a copy
    /// or hash read the whole store, and seeks (`NodeByIdSeek`, seen with `EXPLAIN` on 5.26 and
    /// 2026.08) only on a list: `id(n) IN range($lo, $hi - 1)`.
    pub fn id_in_range(&self, var: &str) -> String {
        match self.engine {
            EngineKind::Neo4j => format!("id({var}) IN range($lo, $hi - 1)"),
            EngineKind::Falkordb => format!("id({var}) >= $lo AND id({var}) < $hi"),
        }
    }

    /// Rows a copy writes per statement, for pages of `batch` entities. Each write to Neo4j is
    /// a transaction whose commit forces its log to disk: with 1,000-row pages that commit was
    /// most of a copy's time (20k nodes + 20k relationships, 5.26 -> 2026.08: 7.5k entities/s
    /// at 1,000 rows a write, 11.0k at 10,000), so a copy into Neo4j gathers pages into writes
    /// of 10,000 rows or `batch`, the larger. FalkorDB commits in memory: `batch`.
    pub fn write_rows(&self, batch: u64) -> u64 {
        match self.engine {
            EngineKind::Neo4j => batch.max(10_000),
            EngineKind::Falkordb => batch,
        }
    }

    /// How many node writes of one page a copy runs at once, each its own transaction: Neo4j
    /// runs a transaction on one thread, so a page's nodes go in two halves side by side
    /// (`cargo bench --bench neo4j`, 5.26 -> 2026.08 on 2 cores, 100k nodes + 100k
    /// relationships: the copy took 6.8-6.9 s so, 7.5-7.9 s one write at a time; at 20k, the
    /// same within noise). Only nodes: relationship writes lock their endpoint nodes, and two
    /// of them side by side may deadlock.
    /// FalkorDB runs one write at a time per graph: 1.
    pub fn concurrent_node_writes(&self) -> usize {
        match self.engine {
            EngineKind::Neo4j => 2,
            EngineKind::Falkordb => 1,
        }
    }

    /// Whether a new graph may be created with `GRAPH.BULK`. FalkorDB before 4.16 is left
    /// out: 4.14.11 was seen to deadlock inside `GRAPH.BULK ... BEGIN` (its main thread
    /// waiting for the module's global graph lock in `Globals_AddGraph`, called from
    /// `Graph_BulkInsert`, with every later client left unanswered), so copies into it go
    /// through Cypher. An unknown version is treated as new enough.
    pub fn bulk_creates_graphs(&self) -> bool {
        match self.engine {
            EngineKind::Neo4j => false,
            EngineKind::Falkordb => self
                .version
                .is_none_or(|v| (v.major, v.minor) >= (4, 16)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_tags() {
        assert_eq!(
            Version::parse_lenient("5.26.1-enterprise"),
            Some(Version {
                major: 5,
                minor: 26,
                patch: 1
            })
        );
        assert_eq!(
            Version::parse_lenient("2025.01"),
            Some(Version {
                major: 2025,
                minor: 1,
                patch: 0
            })
        );
        assert_eq!(
            Version::parse_lenient("4.4"),
            Some(Version {
                major: 4,
                minor: 4,
                patch: 0
            })
        );
        assert_eq!(Version::parse_lenient("latest"), None);
    }

    #[test]
    fn names_are_escaped_only_when_needed() {
        assert_eq!(escape_name("Person"), "Person");
        assert_eq!(escape_name("my label"), "`my label`");
        assert_eq!(escape_name("we`ird"), "`we``ird`");
        assert_eq!(escape_name("1st"), "`1st`");
    }
}
