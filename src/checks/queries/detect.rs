//! Does a statement order its result? A top-level `ORDER BY` after the final top-level `RETURN`
//! (outside strings, comments and brackets, so a `CALL { ... ORDER BY ... }` subquery or a
//! `WITH ... ORDER BY` before the RETURN does not count). A top-level `UNION` makes the result
//! unordered: an ORDER BY there belongs to the last branch only.

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
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    if upper.iter().any(|w| w == "UNION") {
        return false;
    }
    let Some(last_return) = upper.iter().rposition(|w| w == "RETURN") else {
        return false;
    };
    upper[last_return..]
        .windows(2)
        .any(|w| w[0] == "ORDER" && w[1] == "BY")
}

/// The identifier-like words at bracket depth 0, skipping string literals, backquoted names
/// and comments.
fn top_level_words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut depth: usize = 0;
    let mut i = 0;
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<String>, depth: usize| {
        if !current.is_empty() {
            if depth == 0 {
                words.push(std::mem::take(current));
            } else {
                current.clear();
            }
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' | '`' => {
                flush(&mut current, &mut words, depth);
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' && c != '`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '/' if next == Some('/') => {
                flush(&mut current, &mut words, depth);
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                flush(&mut current, &mut words, depth);
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 1;
            }
            '(' | '[' | '{' => {
                flush(&mut current, &mut words, depth);
                depth += 1;
            }
            ')' | ']' | '}' => {
                flush(&mut current, &mut words, depth);
                depth = depth.saturating_sub(1);
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => current.push(c),
            _ => flush(&mut current, &mut words, depth),
        }
        i += 1;
    }
    flush(&mut current, &mut words, depth);
    words
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
