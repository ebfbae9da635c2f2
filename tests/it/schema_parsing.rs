//! Schema parsing and diffing without a server: rows shaped like the documented outputs of
//! `SHOW INDEXES YIELD *` / `SHOW CONSTRAINTS YIELD *` (Neo4j 4.4, 5.x, 2025.x / Cypher 25) and
//! `CALL db.indexes()` / `CALL db.constraints()` (FalkorDB, as measured on 4.16.3 / 4.18.3),
//! built as `QueryResult`s and fed to the parsers and the diff.
//!
//! Column names and the example rows (names, types, labels, properties, providers) follow the
//! documentation page named beside each fixture; columns a page's example does not print
//! (`options`, `createStatement`, ...) are filled with values of the documented shape.

use std::collections::BTreeMap;

use migration_harness::checks::schema::{
    self, diff, EntityType, IndexKind, ItemKind, SchemaItem, SchemaSnapshot, Verdict,
};
use migration_harness::checks::CheckStatus;
use migration_harness::engine::dialect::{EngineKind, Version};
use migration_harness::engine::falkordb::schema as falkordb_schema;
use migration_harness::engine::neo4j::schema as neo4j_schema;
use migration_harness::engine::{Dialect, QueryResult};
use migration_harness::scenario::{AllowedSchemaChange, SchemaChange};
use migration_harness::value::Value;

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn result(columns: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    for row in &rows {
        assert_eq!(row.len(), columns.len(), "fixture row width");
    }
    QueryResult {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        notifications: vec![],
    }
}

const NULL: Value = Value::Null;

fn neo4j(version: &str) -> Dialect {
    Dialect::new(EngineKind::Neo4j, Version::parse_lenient(version))
}

fn described(items: &[SchemaItem]) -> Vec<String> {
    let mut d: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    d.sort();
    d
}

// ---------------------------------------------------------------------------------------------
// Neo4j 4.4
//
// Sources (checked against the 4.4 docs and server source, not from memory):
// - Column list and order of SHOW INDEXES (id, name, state, populationPercent, uniqueness, type,
//   entityType, labelsOrTypes, properties, indexProvider are default output; options,
//   failureMessage, createStatement only with YIELD *): table "List indexes output" in
//   https://neo4j.com/docs/cypher-manual/4.4/indexes-for-search-performance/#administration-indexes-list-indexes
//   (source: github.com/neo4j/docs-cypher, branch 4.4 @ 9c1d7571efeaed4fab57ed1fede66d9ec100487e,
//   modules/ROOT/pages/indexes-for-search-performance.adoc; same table in
//   github.com/neo4j/neo4j-documentation, branch 4.4 @ 1906738fe30d8b8ffcf60792ccb966dcc9787fd6,
//   cypher/cypher-docs/src/docs/dev/ql/administration/indexes-for-search-performance/index.asciidoc).
// - Example rows of that page ("Listing all indexes", "Listing indexes with filtering"): BTREE
//   rows with uniqueness "NONUNIQUE" and provider "native-btree-1.0", TEXT rows with provider
//   "text-1.0", generated names such as `index_44d2128f`, entityType "NODE" / "RELATIONSHIP".
// - Values the docs do not print (LOOKUP rows with null labelsOrTypes and properties, "UNIQUE"
//   for constraint-backed indexes, the options map `{indexConfig: {...}, indexProvider: ...}`,
//   the createStatement forms incl. `OPTIONS {...}` for BTREE / FULLTEXT / constraint-backed
//   indexes, rows sorted by name): the 4.4 server, github.com/neo4j/neo4j @
//   1bed7e49954a3426fd3a537ec73274e665eb4c86, community/cypher/interpreted-runtime/src/main/
//   scala/org/neo4j/cypher/internal/runtime/interpreted/commands/showcommands/ShowIndexesCommand.scala
//   (the version that has both BTREE and RANGE/POINT, i.e. 4.4).
// - The default index config of native-btree-1.0 (eight spatial.* keys) is what 4.x servers put
//   in `options.indexConfig` / createStatement; the FULLTEXT config keys and provider
//   ("fulltext-1.0", `fulltext.analyzer`, `fulltext.eventually_consistent`) are from
//   https://neo4j.com/docs/cypher-manual/4.4/indexes-for-full-text-search (same docs-cypher
//   commit, modules/ROOT/pages/indexes-for-full-text-search.adoc); the analyzer value
//   'standard-no-stop-words' (the 4.x default analyzer) is not printed there.
const INDEX_COLUMNS_44: &[&str] = &[
    "id",
    "name",
    "state",
    "populationPercent",
    "uniqueness",
    "type",
    "entityType",
    "labelsOrTypes",
    "properties",
    "indexProvider",
    "options",
    "failureMessage",
    "createStatement",
];

fn floats(values: &[f64]) -> Value {
    Value::List(values.iter().map(|v| Value::Float(*v)).collect())
}

/// `options` of a 4.4 native-btree-1.0 index (or of a constraint backed by one): the provider
/// and the default spatial config; neither is part of a normalized item.
fn btree_options() -> Value {
    map(&[
        ("indexProvider", s("native-btree-1.0")),
        (
            "indexConfig",
            map(&[
                ("spatial.cartesian-3d.max", floats(&[1e6, 1e6, 1e6])),
                ("spatial.cartesian-3d.min", floats(&[-1e6, -1e6, -1e6])),
                ("spatial.cartesian.max", floats(&[1e6, 1e6])),
                ("spatial.cartesian.min", floats(&[-1e6, -1e6])),
                ("spatial.wgs-84-3d.max", floats(&[180.0, 90.0, 1e6])),
                ("spatial.wgs-84-3d.min", floats(&[-180.0, -90.0, -1e6])),
                ("spatial.wgs-84.max", floats(&[180.0, 90.0])),
                ("spatial.wgs-84.min", floats(&[-180.0, -90.0])),
            ]),
        ),
    ])
}

/// The same config as the server prints it inside createStatement.
const BTREE_OPTIONS_TEXT: &str = "{indexConfig: {`spatial.cartesian-3d.max`: [1000000.0, 1000000.0, 1000000.0],`spatial.cartesian-3d.min`: [-1000000.0, -1000000.0, -1000000.0],`spatial.cartesian.max`: [1000000.0, 1000000.0],`spatial.cartesian.min`: [-1000000.0, -1000000.0],`spatial.wgs-84-3d.max`: [180.0, 90.0, 1000000.0],`spatial.wgs-84-3d.min`: [-180.0, -90.0, -1000000.0],`spatial.wgs-84.max`: [180.0, 90.0],`spatial.wgs-84.min`: [-180.0, -90.0]}, indexProvider: 'native-btree-1.0'}";

fn fulltext_options_44() -> Value {
    map(&[
        ("indexProvider", s("fulltext-1.0")),
        (
            "indexConfig",
            map(&[
                ("fulltext.analyzer", s("standard-no-stop-words")),
                ("fulltext.eventually_consistent", Value::Bool(false)),
            ]),
        ),
    ])
}

/// The FULLTEXT row of the 4.4 fixture (also used, as a 5.x row, by the 4.4 -> 5.x diff test).
const FULLTEXT_44_CREATE: &str = "CREATE FULLTEXT INDEX `titlesAndDescriptions` FOR (n:`Movie`|`Book`) ON EACH [n.`title`, n.`description`] OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words',`fulltext.eventually_consistent`: false}, indexProvider: 'fulltext-1.0'}";

// Rows in the server's order (sorted by name); shapes as documented / as ShowIndexesCommand
// builds them (see the sources above).
fn indexes_44() -> QueryResult {
    result(
        INDEX_COLUMNS_44,
        vec![
            vec![
                Value::Int(3),
                s("composite_index_name"),
                s("ONLINE"),
                Value::Float(100.0),
                s("NONUNIQUE"),
                s("BTREE"),
                s("NODE"),
                list(&["Person"]),
                list(&["age", "country"]),
                s("native-btree-1.0"),
                btree_options(),
                s(""),
                Value::String(format!(
                    "CREATE BTREE INDEX `composite_index_name` FOR (n:`Person`) ON (n.`age`, n.`country`) OPTIONS {BTREE_OPTIONS_TEXT}"
                )),
            ],
            // The index backing the uniqueness constraint below: uniqueness UNIQUE, and its
            // createStatement is the constraint's.
            vec![
                Value::Int(4),
                s("constraint_62365a16"),
                s("ONLINE"),
                Value::Float(100.0),
                s("UNIQUE"),
                s("BTREE"),
                s("NODE"),
                list(&["Book"]),
                list(&["isbn"]),
                s("native-btree-1.0"),
                btree_options(),
                s(""),
                Value::String(format!(
                    "CREATE CONSTRAINT `constraint_62365a16` FOR (n:`Book`) REQUIRE (n.`isbn`) IS UNIQUE OPTIONS {BTREE_OPTIONS_TEXT}"
                )),
            ],
            vec![
                Value::Int(1),
                s("index_343aff4e"),
                s("ONLINE"),
                Value::Float(100.0),
                s("NONUNIQUE"),
                s("LOOKUP"),
                s("NODE"),
                NULL,
                NULL,
                s("token-lookup-1.0"),
                map(&[("indexProvider", s("token-lookup-1.0")), ("indexConfig", map(&[]))]),
                s(""),
                s("CREATE LOOKUP INDEX `index_343aff4e` FOR (n) ON EACH labels(n)"),
            ],
            vec![
                Value::Int(2),
                s("index_f7700477"),
                s("ONLINE"),
                Value::Float(100.0),
                s("NONUNIQUE"),
                s("LOOKUP"),
                s("RELATIONSHIP"),
                NULL,
                NULL,
                s("token-lookup-1.0"),
                map(&[("indexProvider", s("token-lookup-1.0")), ("indexConfig", map(&[]))]),
                s(""),
                s("CREATE LOOKUP INDEX `index_f7700477` FOR ()-[r]-() ON EACH type(r)"),
            ],
            // The harness's own temporary index (left out of every snapshot).
            vec![
                Value::Int(6),
                s("mh___MH_Node___mh_id"),
                s("ONLINE"),
                Value::Float(100.0),
                s("NONUNIQUE"),
                s("BTREE"),
                s("NODE"),
                list(&["__MH_Node"]),
                list(&["__mh_id"]),
                s("native-btree-1.0"),
                btree_options(),
                s(""),
                Value::String(format!(
                    "CREATE BTREE INDEX `mh___MH_Node___mh_id` FOR (n:`__MH_Node`) ON (n.`__mh_id`) OPTIONS {BTREE_OPTIONS_TEXT}"
                )),
            ],
            vec![
                Value::Int(5),
                s("node_text_index_name"),
                s("ONLINE"),
                Value::Float(100.0),
                s("NONUNIQUE"),
                s("TEXT"),
                s("NODE"),
                list(&["Person"]),
                list(&["nickname"]),
                s("text-1.0"),
                map(&[("indexProvider", s("text-1.0")), ("indexConfig", map(&[]))]),
                s(""),
                s("CREATE TEXT INDEX `node_text_index_name` FOR (n:`Person`) ON (n.`nickname`)"),
            ],
            vec![
                Value::Int(7),
                s("titlesAndDescriptions"),
                s("ONLINE"),
                Value::Float(100.0),
                s("NONUNIQUE"),
                s("FULLTEXT"),
                s("NODE"),
                list(&["Movie", "Book"]),
                list(&["title", "description"]),
                s("fulltext-1.0"),
                fulltext_options_44(),
                s(""),
                s(FULLTEXT_44_CREATE),
            ],
        ],
    )
}

// Columns of SHOW CONSTRAINTS YIELD * in 4.4 (id, name, type, entityType, labelsOrTypes,
// properties, ownedIndexId default output; options, createStatement only with YIELD *) and the
// type values UNIQUENESS, NODE_PROPERTY_EXISTENCE, NODE_KEY, RELATIONSHIP_PROPERTY_EXISTENCE:
// table "List constraints output" in
// https://neo4j.com/docs/cypher-manual/4.4/constraints/syntax/#administration-constraints-syntax-list
// (docs-cypher branch 4.4 @ 9c1d7571, modules/ROOT/pages/constraints/syntax.adoc). The two rows
// are the documented ones of https://neo4j.com/docs/cypher-manual/4.4/constraints/examples/
// ("Listing all constraints": `constraint_62365a16` UNIQUENESS :Book(isbn), ownedIndexId 3;
// "Listing constraints with filtering": `constraint_f076a74d` RELATIONSHIP_PROPERTY_EXISTENCE
// [:KNOWS](since), ownedIndexId null), docs-cypher @ 9c1d7571,
// modules/ROOT/pages/constraints/examples.adoc. `options` is null without an owned index (same
// table); the createStatement forms (FOR ... REQUIRE, OPTIONS only for index-backed ones) follow
// the 4.4 ShowIndexesCommand cited above, which prints the backing index's statement that way.
// [unverified] the 4.4 ShowConstraintsCommand itself: the only stored copy (neo4j/neo4j @
// 0306317781a28f5a07dba7018369c00437dac5b7) is the 4.3 one, which still printed ON ... ASSERT.
// The parser ignores createStatement either way. Ids here are the fixture's own.
fn constraints_44() -> QueryResult {
    result(
        &[
            "id",
            "name",
            "type",
            "entityType",
            "labelsOrTypes",
            "properties",
            "ownedIndexId",
            "options",
            "createStatement",
        ],
        vec![
            vec![
                Value::Int(8),
                s("constraint_62365a16"),
                s("UNIQUENESS"),
                s("NODE"),
                list(&["Book"]),
                list(&["isbn"]),
                Value::Int(4),
                btree_options(),
                Value::String(format!(
                    "CREATE CONSTRAINT `constraint_62365a16` FOR (n:`Book`) REQUIRE (n.`isbn`) IS UNIQUE OPTIONS {BTREE_OPTIONS_TEXT}"
                )),
            ],
            vec![
                Value::Int(9),
                s("constraint_f076a74d"),
                s("RELATIONSHIP_PROPERTY_EXISTENCE"),
                s("RELATIONSHIP"),
                list(&["KNOWS"]),
                list(&["since"]),
                NULL,
                NULL,
                s("CREATE CONSTRAINT `constraint_f076a74d` FOR ()-[r:`KNOWS`]-() REQUIRE (r.`since`) IS NOT NULL"),
            ],
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Neo4j 5.x: columns and the first rows as in the documented example of SHOW INDEXES:
// https://neo4j.com/docs/cypher-manual/5/indexes/search-performance-indexes/list-indexes
const INDEX_COLUMNS_5: &[&str] = &[
    "id",
    "name",
    "state",
    "populationPercent",
    "type",
    "entityType",
    "labelsOrTypes",
    "properties",
    "indexProvider",
    "owningConstraint",
    "lastRead",
    "readCount",
    "trackedSince",
    "options",
    "failureMessage",
    "createStatement",
];

#[allow(clippy::too_many_arguments)]
fn index_row_5(
    id: i64,
    name: &str,
    kind: &str,
    entity: &str,
    labels: Value,
    props: Value,
    provider: &str,
    owner: Value,
    config: Value,
    read_count: i64,
) -> Vec<Value> {
    vec![
        Value::Int(id),
        s(name),
        s("ONLINE"),
        Value::Float(100.0),
        s(kind),
        s(entity),
        labels,
        props,
        s(provider),
        owner,
        NULL,
        Value::Int(read_count),
        NULL,
        map(&[("indexProvider", s(provider)), ("indexConfig", config)]),
        s(""),
        s("CREATE ..."),
    ]
}

// https://neo4j.com/docs/cypher-manual/5/indexes/search-performance-indexes/list-indexes
fn indexes_5(read_count: i64) -> QueryResult {
    result(
        INDEX_COLUMNS_5,
        vec![
            index_row_5(
                3,
                "composite_range_node_index_name",
                "RANGE",
                "NODE",
                list(&["Person"]),
                list(&["age", "country"]),
                "range-1.0",
                NULL,
                map(&[]),
                read_count,
            ),
            index_row_5(
                4,
                "composite_range_rel_index_name",
                "RANGE",
                "RELATIONSHIP",
                list(&["PURCHASED"]),
                list(&["date", "amount"]),
                "range-1.0",
                NULL,
                map(&[]),
                1,
            ),
            index_row_5(
                1,
                "index_343aff4e",
                "LOOKUP",
                "NODE",
                NULL,
                NULL,
                "token-lookup-1.0",
                NULL,
                map(&[]),
                read_count,
            ),
            index_row_5(
                2,
                "index_f7700477",
                "LOOKUP",
                "RELATIONSHIP",
                NULL,
                NULL,
                "token-lookup-1.0",
                NULL,
                map(&[]),
                0,
            ),
            index_row_5(
                13,
                "node_fulltext_index_name",
                "FULLTEXT",
                "NODE",
                list(&["Movie", "Book"]),
                list(&["title", "description"]),
                "fulltext-1.0",
                NULL,
                map(&[
                    ("fulltext.analyzer", s("swedish")),
                    ("fulltext.eventually_consistent", Value::Bool(false)),
                ]),
                0,
            ),
            index_row_5(
                14,
                "moviePlots",
                "VECTOR",
                "NODE",
                list(&["Movie"]),
                list(&["embedding"]),
                "vector-2.0",
                NULL,
                map(&[
                    ("vector.dimensions", Value::Int(1536)),
                    ("vector.similarity_function", s("COSINE")),
                ]),
                0,
            ),
            index_row_5(
                15,
                "book_isbn",
                "RANGE",
                "NODE",
                list(&["Book"]),
                list(&["isbn"]),
                "range-1.0",
                s("book_isbn"),
                map(&[]),
                0,
            ),
        ],
    )
}

// Columns and rows as in the documented example of SHOW CONSTRAINTS (5.x):
// https://neo4j.com/docs/cypher-manual/5/constraints/list-constraints
fn constraints_5() -> QueryResult {
    result(
        &[
            "id",
            "name",
            "type",
            "entityType",
            "labelsOrTypes",
            "properties",
            "ownedIndex",
            "propertyType",
            "options",
            "createStatement",
        ],
        vec![
            vec![
                Value::Int(10),
                s("actor_fullname"),
                s("NODE_KEY"),
                s("NODE"),
                list(&["Actor"]),
                list(&["firstname", "surname"]),
                s("actor_fullname"),
                NULL,
                map(&[("indexProvider", s("range-1.0")), ("indexConfig", map(&[]))]),
                s("CREATE CONSTRAINT ..."),
            ],
            vec![
                Value::Int(20),
                s("author_name"),
                s("NODE_PROPERTY_EXISTENCE"),
                s("NODE"),
                list(&["Author"]),
                list(&["name"]),
                NULL,
                NULL,
                NULL,
                s("CREATE CONSTRAINT ..."),
            ],
            vec![
                Value::Int(21),
                s("book_isbn"),
                s("UNIQUENESS"),
                s("NODE"),
                list(&["Book"]),
                list(&["isbn"]),
                s("book_isbn"),
                NULL,
                map(&[("indexProvider", s("range-1.0")), ("indexConfig", map(&[]))]),
                s("CREATE CONSTRAINT ..."),
            ],
            vec![
                Value::Int(22),
                s("part_of"),
                s("RELATIONSHIP_PROPERTY_TYPE"),
                s("RELATIONSHIP"),
                list(&["PART_OF"]),
                list(&["order"]),
                NULL,
                s("INTEGER"),
                NULL,
                s("CREATE CONSTRAINT ..."),
            ],
        ],
    )
}

// Cypher 25 (2025.x) renames the uniqueness types and adds `enforcedLabel`:
// https://neo4j.com/docs/cypher-manual/25/schema/constraints/list-constraints
fn constraints_2025() -> QueryResult {
    result(
        &[
            "id",
            "name",
            "type",
            "entityType",
            "labelsOrTypes",
            "properties",
            "enforcedLabel",
            "ownedIndex",
            "propertyType",
            "options",
            "createStatement",
        ],
        vec![
            vec![
                Value::Int(10),
                s("actor_fullname"),
                s("NODE_KEY"),
                s("NODE"),
                list(&["Actor"]),
                list(&["firstname", "surname"]),
                NULL,
                s("actor_fullname"),
                NULL,
                map(&[("indexProvider", s("range-1.0")), ("indexConfig", map(&[]))]),
                s("CREATE CONSTRAINT ..."),
            ],
            vec![
                Value::Int(20),
                s("author_name"),
                s("NODE_PROPERTY_EXISTENCE"),
                s("NODE"),
                list(&["Author"]),
                list(&["name"]),
                NULL,
                NULL,
                NULL,
                NULL,
                s("CREATE CONSTRAINT ..."),
            ],
            vec![
                Value::Int(21),
                s("book_isbn"),
                s("NODE_PROPERTY_UNIQUENESS"),
                s("NODE"),
                list(&["Book"]),
                list(&["isbn"]),
                NULL,
                s("book_isbn"),
                NULL,
                map(&[("indexProvider", s("range-1.0")), ("indexConfig", map(&[]))]),
                s("CREATE CONSTRAINT ..."),
            ],
            vec![
                Value::Int(22),
                s("part_of"),
                s("RELATIONSHIP_PROPERTY_TYPE"),
                s("RELATIONSHIP"),
                list(&["PART_OF"]),
                list(&["order"]),
                NULL,
                NULL,
                s("INTEGER"),
                NULL,
                s("CREATE CONSTRAINT ..."),
            ],
        ],
    )
}

fn snapshot(indexes: &QueryResult, constraints: &QueryResult) -> SchemaSnapshot {
    let mut items = neo4j_schema::parse_neo4j_indexes(indexes).unwrap();
    items.extend(neo4j_schema::parse_neo4j_constraints(constraints).unwrap());
    SchemaSnapshot::new(items)
}

#[test]
fn neo4j_44_rows_normalize_btree_lookup_and_owned_indexes() {
    let items = neo4j_schema::parse_neo4j_indexes(&indexes_44()).unwrap();
    assert_eq!(
        described(&items),
        [
            "index BTREE :Book(isbn) owned by constraint",
            "index BTREE :Person(age, country)",
            "index FULLTEXT :Book|Movie(description, title) {analyzer: standard-no-stop-words, eventually_consistent: false}",
            "index LOOKUP (all node labels)",
            "index LOOKUP [all relationship types]",
            "index TEXT :Person(nickname)",
        ]
    );
    let composite = items
        .iter()
        .find(|i| i.properties.len() == 2)
        .expect("composite index");
    assert_eq!(composite.name.as_deref(), Some("composite_index_name"));
    assert!(
        composite.options.is_empty(),
        "provider and btree config are dropped"
    );
    let lookup = items
        .iter()
        .find(|i| i.kind == ItemKind::Index(IndexKind::Lookup))
        .expect("lookup");
    assert_eq!(lookup.name, None, "generated names are dropped");
    let constraints = neo4j_schema::parse_neo4j_constraints(&constraints_44()).unwrap();
    assert_eq!(
        described(&constraints),
        [
            "constraint PROPERTY_EXISTENCE [:KNOWS](since)",
            "constraint UNIQUENESS :Book(isbn)",
        ]
    );
    assert!(
        constraints.iter().all(|c| c.name.is_none()),
        "the documented generated names are dropped"
    );
}

/// Generated names as `SchemaRule.generateName` / `SchemaNameUtil.generateName` print them
/// (`String.format("index_%x", hash)`, `"constraint_%x"`; see engine/schema/parse.rs): the documented 4.4
/// examples, and hashes whose leading hex digits are 0, which `%x` does not pad.
#[test]
fn generated_names_follow_the_servers_format() {
    for documented in [
        "index_44d2128f",
        "index_c207e3e6",
        "index_deeafdb2",
        "constraint_62365a16",
        "constraint_f076a74d",
    ] {
        assert!(neo4j_schema::is_generated_name(documented), "{documented}");
    }
    assert!(neo4j_schema::is_generated_name("index_5c0607a"));
    assert!(neo4j_schema::is_generated_name("constraint_9a8b7c"));
    for user_given in [
        "index_05c0607a",
        "index_44d2128f1",
        "index_44D2128F",
        "index_",
        "node_index_name",
        "constraint_isbn",
    ] {
        assert!(!neo4j_schema::is_generated_name(user_given), "{user_given}");
    }
    // A 7-digit generated name is dropped like an 8-digit one, so it cannot show up as a rename.
    let mut short = indexes_44();
    short.rows[2][1] = s("index_43aff4e");
    let items = neo4j_schema::parse_neo4j_indexes(&short).unwrap();
    let lookup = items
        .iter()
        .find(|i| i.kind == ItemKind::Index(IndexKind::Lookup) && i.entity == EntityType::Node)
        .expect("node lookup index");
    assert_eq!(lookup.name, None);
}

#[test]
fn neo4j_5_rows_keep_the_options_that_matter_and_drop_statistics() {
    let items = neo4j_schema::parse_neo4j_indexes(&indexes_5(0)).unwrap();
    assert_eq!(
        described(&items),
        [
            "index FULLTEXT :Book|Movie(description, title) {analyzer: swedish, eventually_consistent: false}",
            "index LOOKUP (all node labels)",
            "index LOOKUP [all relationship types]",
            "index RANGE :Book(isbn) owned by constraint",
            "index RANGE :Person(age, country)",
            "index RANGE [:PURCHASED](date, amount)",
            "index VECTOR :Movie(embedding) {dimensions: 1536, similarity_function: cosine}",
        ]
    );
    let vector = items
        .iter()
        .find(|i| i.kind == ItemKind::Index(IndexKind::Vector))
        .unwrap();
    assert_eq!(vector.entity, EntityType::Node);
    // Usage statistics (readCount, lastRead) are not part of the item.
    assert_eq!(
        SchemaSnapshot::new(items),
        SchemaSnapshot::new(neo4j_schema::parse_neo4j_indexes(&indexes_5(42)).unwrap())
    );
    let constraints = neo4j_schema::parse_neo4j_constraints(&constraints_5()).unwrap();
    assert_eq!(
        described(&constraints),
        [
            "constraint NODE_KEY :Actor(firstname, surname)",
            "constraint PROPERTY_EXISTENCE :Author(name)",
            "constraint PROPERTY_TYPE [:PART_OF](order) {type: INTEGER}",
            "constraint UNIQUENESS :Book(isbn)",
        ]
    );
}

#[test]
fn cypher_25_uniqueness_is_an_alias_of_5x_uniqueness() {
    let five = snapshot(&indexes_5(0), &constraints_5());
    let next = snapshot(&indexes_5(7), &constraints_2025());
    let result = diff(&five, &next, &neo4j("5.26"), &neo4j("2025.01"), &[]);
    assert!(result.passed(), "{result:#?}");
    assert!(result.items.iter().all(|d| d.verdict == Verdict::Same));
    let outcome = schema::outcome(&result);
    assert_eq!(
        outcome.summary,
        "11 item(s) on the source, 11 on the target: 11 same, 0 renamed, 0 mapped, 0 missing, 0 extra"
    );
    assert!(outcome.details.is_empty());
}

/// A 4.4 database and the same database migrated to 5.x: BTREE became RANGE (mapped, built in),
/// the rest is the same; what 5.x added (here: nothing else) would be extra.
#[test]
fn btree_to_range_is_a_known_change_from_44_to_5() {
    let old = snapshot(&indexes_44(), &constraints_44());
    let new_indexes = result(
        INDEX_COLUMNS_5,
        vec![
            index_row_5(
                1,
                "index_343aff4e",
                "LOOKUP",
                "NODE",
                NULL,
                NULL,
                "token-lookup-1.0",
                NULL,
                map(&[]),
                0,
            ),
            index_row_5(
                2,
                "index_f7700477",
                "LOOKUP",
                "RELATIONSHIP",
                NULL,
                NULL,
                "token-lookup-1.0",
                NULL,
                map(&[]),
                0,
            ),
            index_row_5(
                3,
                "composite_index_name",
                "RANGE",
                "NODE",
                list(&["Person"]),
                list(&["age", "country"]),
                "range-1.0",
                NULL,
                map(&[]),
                0,
            ),
            index_row_5(
                4,
                "constraint_11112222",
                "RANGE",
                "NODE",
                list(&["Book"]),
                list(&["isbn"]),
                "range-1.0",
                s("constraint_11112222"),
                map(&[]),
                0,
            ),
            index_row_5(
                5,
                "node_text_index_name",
                "TEXT",
                "NODE",
                list(&["Person"]),
                list(&["nickname"]),
                "text-2.0",
                NULL,
                map(&[]),
                0,
            ),
            index_row_5(
                7,
                "titlesAndDescriptions",
                "FULLTEXT",
                "NODE",
                list(&["Movie", "Book"]),
                list(&["title", "description"]),
                "fulltext-1.0",
                NULL,
                map(&[
                    ("fulltext.analyzer", s("standard-no-stop-words")),
                    ("fulltext.eventually_consistent", Value::Bool(false)),
                ]),
                0,
            ),
        ],
    );
    let new_constraints = result(
        &[
            "id",
            "name",
            "type",
            "entityType",
            "labelsOrTypes",
            "properties",
            "ownedIndex",
            "propertyType",
        ],
        vec![
            vec![
                Value::Int(6),
                s("constraint_11112222"),
                s("UNIQUENESS"),
                s("NODE"),
                list(&["Book"]),
                list(&["isbn"]),
                s("constraint_11112222"),
                NULL,
            ],
            vec![
                Value::Int(8),
                s("constraint_f076a74d"),
                s("RELATIONSHIP_PROPERTY_EXISTENCE"),
                s("RELATIONSHIP"),
                list(&["KNOWS"]),
                list(&["since"]),
                NULL,
                NULL,
            ],
        ],
    );
    let new = snapshot(&new_indexes, &new_constraints);
    let result = diff(&old, &new, &neo4j("4.4"), &neo4j("5.26"), &[]);
    assert!(result.passed(), "{result:#?}");
    let outcome = schema::outcome(&result);
    assert_eq!(
        outcome.summary,
        "8 item(s) on the source, 8 on the target: 6 same, 0 renamed, 2 mapped, 0 missing, 0 extra"
    );
    assert_eq!(
        outcome.details,
        [
            "mapped: index BTREE :Book(isbn) owned by constraint -> index RANGE :Book(isbn) owned by constraint (allowed: BTREE -> RANGE, built in for neo4j 4.x -> 5+)",
            "mapped: index BTREE :Person(age, country) -> index RANGE :Person(age, country) (allowed: BTREE -> RANGE, built in for neo4j 4.x -> 5+)",
        ]
    );
    // The same pair between two 5.x servers is not a known change.
    let same_major = diff(&old, &new, &neo4j("5.1"), &neo4j("5.26"), &[]);
    assert!(!same_major.passed());
}

#[test]
fn differences_are_listed_exactly_and_declared_ones_pass() {
    let source = snapshot(&indexes_5(0), &constraints_5());
    // Target: the vector index is gone, a text index appeared, one constraint was renamed.
    let mut target_items: Vec<SchemaItem> = source
        .items
        .iter()
        .filter(|i| i.kind != ItemKind::Index(IndexKind::Vector))
        .cloned()
        .collect();
    for item in &mut target_items {
        if item.name.as_deref() == Some("author_name") {
            item.name = Some("author_name_exists".into());
        }
    }
    target_items.push(SchemaItem {
        kind: ItemKind::Index(IndexKind::Text),
        entity: EntityType::Node,
        labels: vec!["Person".into()],
        properties: vec!["bio".into()],
        options: BTreeMap::new(),
        owned_by_constraint: false,
        name: Some("bio_text".into()),
    });
    let target = SchemaSnapshot::new(target_items);
    let v5 = neo4j("5.26");
    let failed = schema::outcome(&diff(&source, &target, &v5, &v5, &[]));
    assert!(!failed.passed);
    assert_eq!(
        failed.summary,
        "11 item(s) on the source, 11 on the target: 9 same, 1 renamed, 0 mapped, 1 missing, 1 extra: 3 difference(s) not allowed"
    );
    assert_eq!(
        failed.details,
        [
            "renamed on target: constraint PROPERTY_EXISTENCE :Author(name): \"author_name\" -> \"author_name_exists\"",
            "missing on target: index VECTOR :Movie(embedding) {dimensions: 1536, similarity_function: cosine}",
            "extra on target: index TEXT :Person(bio)",
        ]
    );

    let allow = |item: &str, change| AllowedSchemaChange {
        item: item.into(),
        change,
        to: None,
        reason: None,
        when: None,
    };
    let allowed = [
        allow(
            "constraint PROPERTY_EXISTENCE :Author(name)",
            SchemaChange::Renamed,
        ),
        allow(
            "index VECTOR :Movie(embedding) {dimensions: 1536, similarity_function: cosine}",
            SchemaChange::Missing,
        ),
        AllowedSchemaChange {
            reason: Some("new in v2".into()),
            ..allow("index TEXT :Person(bio)", SchemaChange::Extra)
        },
        allow("index RANGE :Nothing(here)", SchemaChange::Missing),
    ];
    let passed = schema::outcome(&diff(&source, &target, &v5, &v5, &allowed));
    assert!(passed.passed, "{passed:#?}");
    assert_eq!(
        passed.details,
        [
            "renamed on target: constraint PROPERTY_EXISTENCE :Author(name): \"author_name\" -> \"author_name_exists\" (allowed: declared in the scenario)",
            "missing on target: index VECTOR :Movie(embedding) {dimensions: 1536, similarity_function: cosine} (allowed: declared in the scenario)",
            "extra on target: index TEXT :Person(bio) (allowed: new in v2)",
            "schema: allowance missing index RANGE :Nothing(here) matched nothing (stale?)",
        ]
    );
    assert_eq!(passed.status, CheckStatus::Allowed);
    assert_eq!(passed.allowed().count(), 3);
    assert_eq!(passed.stale_allowances.len(), 1);
    // With `fail_on_stale_allowances: true` the stale entry fails the check.
    let strict = schema::outcome_in(&diff(&source, &target, &v5, &v5, &allowed), true);
    assert!(!strict.passed);
    assert_eq!(strict.status, CheckStatus::Failed);
    assert!(strict.summary.ends_with(
        "; 3 allowed by the scenario; 1 stale allowance(s): stale allowances fail (fail_on_stale_allowances)"
    ), "{}", strict.summary);
}

#[test]
fn a_declared_mapping_pairs_two_different_items() {
    let item = |kind| SchemaItem {
        kind: ItemKind::Index(kind),
        entity: EntityType::Node,
        labels: vec!["Person".into()],
        properties: vec!["bio".into()],
        options: BTreeMap::new(),
        owned_by_constraint: false,
        name: None,
    };
    let source = SchemaSnapshot::new(vec![item(IndexKind::Text)]);
    let target = SchemaSnapshot::new(vec![item(IndexKind::Range)]);
    let v = neo4j("5.26");
    assert!(!diff(&source, &target, &v, &v, &[]).passed());
    let mapping = AllowedSchemaChange {
        item: "index TEXT :Person(bio)".into(),
        change: SchemaChange::Mapped,
        to: Some("index RANGE :Person(bio)".into()),
        reason: Some("range is enough".into()),
        when: None,
    };
    let out = schema::outcome(&diff(&source, &target, &v, &v, &[mapping]));
    assert!(out.passed, "{out:#?}");
    assert_eq!(
        out.details,
        ["mapped: index TEXT :Person(bio) -> index RANGE :Person(bio) (allowed: range is enough)"]
    );
}

// ---------------------------------------------------------------------------------------------
// FalkorDB: CALL db.indexes() / CALL db.constraints(), rows as measured on 4.16.3 and 4.18.3
// (servers installed by scripts/setup-falkordb.sh; docs/ENGINES.md lists their facts and sources).
#[test]
fn falkordb_rows_split_into_per_property_items() {
    let indexes = result(
        &[
            "label",
            "properties",
            "types",
            "options",
            "language",
            "stopwords",
            "entitytype",
            "status",
        ],
        vec![
            vec![
                s("P"),
                list(&["a", "b"]),
                map(&[("a", list(&["RANGE", "FULLTEXT"])), ("b", list(&["RANGE"]))]),
                map(&[("a", map(&[])), ("b", map(&[]))]),
                s("english"),
                list(&[]),
                s("NODE"),
                s("OPERATIONAL"),
            ],
            vec![
                s("KNOWS"),
                list(&["since"]),
                map(&[("since", list(&["RANGE"]))]),
                map(&[("since", map(&[]))]),
                s("english"),
                list(&[]),
                s("RELATIONSHIP"),
                s("OPERATIONAL"),
            ],
            vec![
                s("Doc"),
                list(&["emb"]),
                map(&[("emb", list(&["VECTOR"]))]),
                map(&[(
                    "emb",
                    map(&[
                        ("dimension", Value::Int(3)),
                        ("similarityFunction", s("euclidean")),
                        ("M", Value::Int(16)),
                        ("efConstruction", Value::Int(200)),
                        ("efRuntime", Value::Int(10)),
                    ]),
                )]),
                s("english"),
                list(&[]),
                s("NODE"),
                s("OPERATIONAL"),
            ],
            vec![
                s("Book"),
                list(&["title", "body"]),
                map(&[
                    ("title", list(&["FULLTEXT"])),
                    ("body", list(&["FULLTEXT"])),
                ]),
                map(&[("title", map(&[])), ("body", map(&[]))]),
                s("german"),
                list(&["a"]),
                s("NODE"),
                s("OPERATIONAL"),
            ],
            vec![
                s("__MH_Node"),
                list(&["__mh_id"]),
                map(&[("__mh_id", list(&["RANGE"]))]),
                map(&[("__mh_id", map(&[]))]),
                s("english"),
                list(&[]),
                s("NODE"),
                s("OPERATIONAL"),
            ],
        ],
    );
    let constraints = result(
        &["type", "label", "properties", "entitytype", "status"],
        vec![
            vec![
                s("UNIQUE"),
                s("P"),
                list(&["a"]),
                s("NODE"),
                s("OPERATIONAL"),
            ],
            vec![
                s("MANDATORY"),
                s("KNOWS"),
                list(&["since"]),
                s("RELATIONSHIP"),
                s("OPERATIONAL"),
            ],
        ],
    );
    let mut items = falkordb_schema::parse_falkordb_indexes(&indexes).unwrap();
    items.extend(falkordb_schema::parse_falkordb_constraints(&constraints).unwrap());
    assert_eq!(
        described(&items),
        [
            "constraint PROPERTY_EXISTENCE [:KNOWS](since)",
            "constraint UNIQUENESS :P(a)",
            "index FULLTEXT :Book(body, title) {language: german, stopwords: [a]}",
            "index FULLTEXT :P(a) {language: english}",
            "index RANGE :P(a)",
            "index RANGE :P(b)",
            "index RANGE [:KNOWS](since)",
            "index VECTOR :Doc(emb) {M: 16, dimension: 3, efConstruction: 200, efRuntime: 10, similarityFunction: euclidean}",
        ]
    );
}

#[test]
fn malformed_rows_are_errors_not_panics() {
    let bad = result(&["name"], vec![vec![s("x")]]);
    assert!(neo4j_schema::parse_neo4j_indexes(&bad)
        .unwrap_err()
        .contains("column type"));
    assert!(falkordb_schema::parse_falkordb_constraints(&bad).is_err());
    let odd = result(
        &["type", "labelsOrTypes", "properties"],
        vec![vec![Value::Int(3), NULL, NULL]],
    );
    assert!(neo4j_schema::parse_neo4j_constraints(&odd).is_err());
}

// ---------------------------------------------------------------------------------------------
// Scenario syntax: `checks: - schema: {expect: equal, allow: [...]}`, strict like every key.
const SCENARIO: &str = "name: t\nsource:\n  engine: falkordb\n  version: '4.16.3'\ntarget:\n  engine: falkordb\n  version: '4.18.3'\nchecks:\n  - schema:\n      expect: equal\n      allow:\n        - item: \"index RANGE :Person(name)\"\n          change: missing\n";

#[test]
fn scenario_schema_checks_parse_with_allow_entries() {
    use migration_harness::scenario::{parse_str, Check};
    let s = parse_str(SCENARIO, std::path::Path::new("t.yaml")).unwrap();
    let Some(Check::Schema(check)) = s.checks().into_iter().next() else {
        panic!("expected a schema check");
    };
    assert_eq!(check.allow.len(), 1);
    assert_eq!(check.allow[0].change, SchemaChange::Missing);
}

#[test]
fn scenario_schema_typos_are_located_errors() {
    use migration_harness::scenario::parse_str;
    let path = std::path::Path::new("t.yaml");
    let typo = SCENARIO.replace("          change: missing", "          chnage: missing");
    let err = parse_str(&typo, path).unwrap_err();
    assert!(err.to_string().starts_with("t.yaml:13:"), "{err}");
    assert!(err.message.contains("unknown field `chnage`"), "{err}");
    assert_eq!(err.hint.as_deref(), Some("did you mean `change`?"));
    let key = SCENARIO.replace(
        "      expect: equal",
        "      expect: equal\n      strict: true",
    );
    let err = parse_str(&key, path).unwrap_err();
    assert!(err.message.contains("unknown field `strict`"), "{err}");
    let mapped = SCENARIO.replace("change: missing", "change: mapped");
    let err = parse_str(&mapped, path).unwrap_err();
    assert!(err.message.contains("change `mapped` needs `to`"), "{err}");
}
