//! Does a statement order its result? A top-level `ORDER BY` after the final top-level `RETURN`
//! (outside strings, comments and brackets, so a `CALL { ... ORDER BY ... }` subquery or a
//! `WITH ... ORDER BY` before the RETURN does not count). A top-level `UNION` makes the result
//! unordered: an ORDER BY there belongs to the last branch only.

use crate::cypher::lexer::{self, Kind};
use crate::scenario::ComparisonMode;

/// The comparison mode actually used: `auto` resolved by [`orders_result`].
pub fn resolve_mode(mode: ComparisonMode, cypher: &str) -> ComparisonMode {
    match mode {
        ComparisonMode::Auto if orders_result(cypher) => ComparisonMode::Ordered,
        ComparisonMode::Auto => ComparisonMode::Multiset,
        other => other,
    }
}

/// True when the final RETURN of the statement has a top-level ORDER BY.
pub fn orders_result(cypher: &str) -> bool {
    let words = top_level_words(cypher);
    let is = |word: &str, keyword: &str| word.eq_ignore_ascii_case(keyword);
    if words.iter().any(|w| is(w, "UNION")) {
        return false;
    }
    let Some(last_return) = words.iter().rposition(|w| is(w, "RETURN")) else {
        return false;
    };
    words[last_return..]
        .windows(2)
        .any(|w| is(w[0], "ORDER") && is(w[1], "BY"))
}

/// The words (identifiers and keywords) at bracket depth 0; string literals, backquoted names
/// and comments are tokens of their own, never words.
fn top_level_words(text: &str) -> Vec<&str> {
    lexer::tokens(text)
        .filter(|t| t.depth == 0 && t.kind == Kind::Word)
        .map(|t| t.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_order_by_makes_the_result_ordered() {
        assert!(orders_result("MATCH (n) RETURN n.id ORDER BY n.id"));
        assert!(orders_result(
            "match (n) return n.id order\n  by n.id desc limit 3"
        ));
        assert!(orders_result(
            "MATCH (n) WITH n ORDER BY n.x RETURN n.id AS id ORDER BY id"
        ));
    }

    #[test]
    fn order_by_elsewhere_does_not_count() {
        assert!(!orders_result("MATCH (n) RETURN n.id"));
        assert!(!orders_result(
            "MATCH (n) WITH n ORDER BY n.x LIMIT 3 RETURN n.id"
        ));
        assert!(!orders_result(
            "CALL { MATCH (n) RETURN n ORDER BY n.id } RETURN n.id"
        ));
        assert!(!orders_result("RETURN 'ORDER BY x' AS s"));
        assert!(!orders_result("RETURN 1 AS `ORDER BY` // ORDER BY"));
        assert!(!orders_result("MATCH (n) RETURN n.id /* ORDER BY n.id */"));
        assert!(!orders_result(
            "MATCH (n) RETURN [x IN n.l | x] AS ordered_by"
        ));
        assert!(!orders_result(
            "RETURN 1 AS a UNION RETURN 2 AS a ORDER BY a"
        ));
        assert!(!orders_result("MATCH (n) SET n.x = 1"));
    }

    #[test]
    fn explicit_modes_win_over_detection() {
        let q = "MATCH (n) RETURN n ORDER BY n.id";
        assert_eq!(
            resolve_mode(ComparisonMode::Auto, q),
            ComparisonMode::Ordered
        );
        assert_eq!(
            resolve_mode(ComparisonMode::Auto, "RETURN 1"),
            ComparisonMode::Multiset
        );
        assert_eq!(
            resolve_mode(ComparisonMode::Multiset, q),
            ComparisonMode::Multiset
        );
        assert_eq!(resolve_mode(ComparisonMode::None, q), ComparisonMode::None);
    }
}
