//! Statements that manage their own transactions and so cannot run inside one explicit
//! transaction (a dry run): `CALL { ... } IN TRANSACTIONS` (and 4.x `USING PERIODIC COMMIT`),
//! and schema commands (index and constraint DDL, which Neo4j refuses to mix with data writes
//! in one transaction).

use crate::cypher::lexer::{self, Kind};

/// The statement's text with string literals, backtick names and comments blanked, upper-cased
/// and with whitespace runs collapsed to one space, for keyword matching.
fn keywords(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut end = 0;
    for token in lexer::tokens(statement) {
        if token.start > end {
            out.push(' ');
        }
        end = token.end();
        match token.kind {
            Kind::String | Kind::Backquoted => out.push_str(" _ "),
            Kind::Comment => out.push(' '),
            Kind::Punct if matches!(token.text, "(" | ")" | "{" | "}") => {
                out.push(' ');
                out.push_str(token.text);
                out.push(' ');
            }
            _ => out.push_str(&token.text.to_uppercase()),
        }
    }
    format!(" {} ", out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Why `statement` cannot run inside an explicit transaction, or `None`.
pub fn manages_own_transaction(statement: &str) -> Option<&'static str> {
    let k = keywords(statement);
    if k.contains(" } IN TRANSACTIONS")
        || k.contains(" } IN CONCURRENT TRANSACTIONS")
        || (k.contains(" } IN ") && k.contains(" CONCURRENT TRANSACTIONS"))
    {
        return Some("CALL { ... } IN TRANSACTIONS commits its own batches");
    }
    if k.contains(" USING PERIODIC COMMIT ") {
        return Some("USING PERIODIC COMMIT commits its own batches");
    }
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| k.starts_with(p));
    let ddl_object = [
        "INDEX",
        "CONSTRAINT",
        "RANGE INDEX",
        "TEXT INDEX",
        "POINT INDEX",
        "LOOKUP INDEX",
        "FULLTEXT INDEX",
        "VECTOR INDEX",
        "BTREE INDEX",
    ];
    for verb in [" CREATE ", " DROP ", " CREATE OR REPLACE "] {
        for object in ddl_object {
            if starts(&[&format!("{verb}{object} ")]) {
                return Some(
                    "a schema command (index or constraint) runs in its own schema transaction",
                );
            }
        }
    }
    if starts(&[
        " CALL DB.INDEX.FULLTEXT.CREATE",
        " CALL DB.CREATEINDEX",
        " CALL DB.CREATEUNIQUEPROPERTYCONSTRAINT",
    ]) {
        return Some("a schema procedure runs in its own schema transaction");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::manages_own_transaction as own;

    #[test]
    fn batched_and_schema_statements_are_detected() {
        assert!(
            own("MATCH (o:Order) CALL {\n WITH o SET o.x = 1\n} IN TRANSACTIONS OF 100 ROWS")
                .is_some()
        );
        assert!(
            own("MATCH (o) CALL (o) { SET o.x = 1 } IN 4 CONCURRENT TRANSACTIONS OF 10 ROWS")
                .is_some()
        );
        assert!(own("USING PERIODIC COMMIT 500 LOAD CSV FROM 'x' AS r CREATE (:R)").is_some());
        assert!(own("CREATE INDEX order_id IF NOT EXISTS FOR (o:Order) ON (o.id)").is_some());
        assert!(own("create constraint c for (p:P) require p.id is unique").is_some());
        assert!(own("  DROP INDEX order_id IF EXISTS").is_some());
        assert!(own("CREATE TEXT INDEX t FOR (p:P) ON (p.name)").is_some());
    }

    #[test]
    fn ordinary_writes_and_look_alikes_in_strings_are_not() {
        assert!(own("MATCH (o:Order) SET o.status = 'IN TRANSACTIONS'").is_none());
        assert!(own("CREATE (:Index {name: 'CREATE INDEX'})").is_none());
        assert!(own("MATCH (n) CALL { WITH n RETURN n.x AS x } RETURN x").is_none());
        assert!(own("// CREATE INDEX x FOR (n:N) ON (n.a)\nCREATE (:N)").is_none());
    }
}
