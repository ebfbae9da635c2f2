//! A vector index copied FalkorDB 4.16.3 -> 4.18.3 is usable on the target: the same vector
//! query returns the same rows on both sides, and the schema check's "same" for it means it
//! answers a vector query on both sides, over the same number of vectors. Before vectors were carried as vectors, the copy
//! wrote plain lists, the target's index stayed empty, and the schema check still said "same".

use crate::support;

use migration_harness::checks::{self, CheckOutcome};
use migration_harness::engine::{GraphConnection, Query};
use migration_harness::scenario::{Check, SchemaCheck};
use migration_harness::transfer;
use migration_harness::value::Value;

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

const FIXTURE: &[&str] = &[
    "CREATE VECTOR INDEX FOR (d:Doc) ON (d.emb) OPTIONS {dimension: 3, similarityFunction: 'euclidean'}",
    "CREATE (:Doc {id: 1, emb: vecf32([0.1, 0.2, 0.3])}), (:Doc {id: 2, emb: vecf32([1.0, -2.0, 0.5])}), \
     (:Doc {id: 3, emb: vecf32([0.0, 0.0, 1.0e-30])}), (:Doc {id: 4, emb: [0.1, 0.2, 0.3]}), (:Doc {id: 5})",
];

const QUERY: &str = "CALL db.idx.vector.queryNodes('Doc', 'emb', 10, vecf32([0.1, 0.2, 0.25])) \
                     YIELD node, score RETURN node.id, score ORDER BY node.id";

async fn schema(src: &dyn GraphConnection, tgt: &dyn GraphConnection) -> CheckOutcome {
    checks::run_check(&Check::Schema(SchemaCheck::default()), src, tgt, 100)
        .await
        .expect("the schema check runs")
}

#[tokio::test]
async fn a_copied_vector_index_answers_the_same_vector_query() {
    let (source, target) = support::start_pair(SOURCE, TARGET).await;
    let (src, tgt): (&dyn GraphConnection, &dyn GraphConnection) =
        (source.connection.as_ref(), target.connection.as_ref());
    for statement in FIXTURE {
        src.execute(&Query::new(*statement)).await.unwrap();
    }
    let stats = transfer::logical::copy(src, tgt, 10, &|_| {})
        .await
        .unwrap();
    assert!(stats.findings.is_empty(), "{:?}", stats.findings);

    // The vectors are vectors on the target, and the list stayed a list.
    let kinds = tgt
        .execute(&Query::new(
            "MATCH (d:Doc) RETURN d.id, typeOf(d.emb) ORDER BY d.id",
        ))
        .await
        .unwrap();
    let kinds: Vec<String> = kinds
        .rows
        .iter()
        .map(|r| format!("{} {}", r[0], r[1]))
        .collect();
    assert_eq!(
        kinds,
        [
            "1 \"Vectorf32\"",
            "2 \"Vectorf32\"",
            "3 \"Vectorf32\"",
            "4 \"List\"",
            "5 \"Null\""
        ]
    );

    let on_source = src.execute(&Query::new(QUERY)).await.unwrap();
    // FalkorDB builds an index over existing nodes in the background: until the copied
    // index is built, a vector query through it is refused ("Invalid arguments"). Ask again
    // for a bounded time; an index that never answers still fails here.
    let mut attempt = 0;
    let on_target = loop {
        match tgt.execute(&Query::new(QUERY)).await {
            Ok(rows) => break rows,
            Err(e) if attempt < 50 => {
                attempt += 1;
                eprintln!("target vector index not ready yet ({e}); asking again");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => panic!("the copied vector index never answered: {e}"),
        }
    };
    let ids: Vec<&Value> = on_source.rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, [&Value::Int(1), &Value::Int(2), &Value::Int(3)]);
    assert_eq!(on_source.rows, on_target.rows, "the same rows and scores");

    let same = schema(src, tgt).await;
    assert!(same.passed, "{} {:?}", same.summary, same.details);
    assert!(
        same.summary
            .ends_with("1 vector index(es) probed, 1 usable on both sides"),
        "{}",
        same.summary
    );

    // A target whose vector became a list (what the copy used to write) has the same index
    // definition but one entry fewer: not "same" any more.
    tgt.execute(&Query::new(
        "MATCH (d:Doc {id: 1}) SET d.emb = [0.1, 0.2, 0.3]",
    ))
    .await
    .unwrap();
    let broken = schema(src, tgt).await;
    assert!(!broken.passed, "{}", broken.summary);
    assert_eq!(
        broken.details,
        ["not usable on target: index VECTOR :Doc(emb) {M: 16, dimension: 3, efConstruction: 200, efRuntime: 10, similarityFunction: euclidean}: it answers a vector query over 3 vector(s) on the source, 2 on the target"]
    );
}
