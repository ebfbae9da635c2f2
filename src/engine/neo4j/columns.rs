//! Column order for results read through neo4rs 0.8.
//!
//! neo4rs 0.8 keeps the `fields` of the server's RUN reply private and stores every row in a
//! hash map, so the order of the columns is not available from the driver. The order is
//! recovered from the statement itself: the items of its last top-level `RETURN` (or, for
//! `SHOW ... YIELD` / `CALL ... YIELD` without a `RETURN`, of its `YIELD`), with `AS` aliases.
//! That list is used only when it names exactly the columns the rows carry; otherwise (e.g.
//! `RETURN *`, comments inside the items, unusual spellings) the columns are sorted by name,
//! which is at least the same on every server.

use crate::cypher::lexer::{self, Kind};

/// The column names a statement declares, in order, or `None` when they cannot be read from it.
pub(crate) fn declared_columns(query: &str) -> Option<Vec<String>> {
    let tokens = top_level_tokens(query);
    let clause = tokens.iter().rposition(|t| {
        matches!(t, Token::Word { text, after_dot: false, .. }
            if text.eq_ignore_ascii_case("RETURN") || text.eq_ignore_ascii_case("YIELD"))
    })?;
    let is_yield =
        matches!(&tokens[clause], Token::Word { text, .. } if text.eq_ignore_ascii_case("YIELD"));
    let start = tokens[clause].end();
    let rest = &tokens[clause + 1..];
    let stop = rest.iter().position(|t| match t {
        Token::Semicolon { .. } => true,
        Token::Word {
            text,
            after_dot: false,
            ..
        } => {
            ["ORDER", "SKIP", "LIMIT", "OFFSET", "UNION"]
                .iter()
                .any(|k| text.eq_ignore_ascii_case(k))
                || (is_yield && text.eq_ignore_ascii_case("WHERE"))
        }
        _ => false,
    });
    let (items_tokens, end) = match stop {
        Some(i) => (&rest[..i], rest[i].start()),
        None => (rest, query.len()),
    };
    let mut start = start;
    let mut items_tokens = items_tokens;
    if let Some(Token::Word { text, end, .. }) = items_tokens.first() {
        if text.eq_ignore_ascii_case("DISTINCT") {
            start = *end;
            items_tokens = &items_tokens[1..];
        }
    }

    let mut columns = Vec::new();
    let mut item_start = start;
    let mut item_tokens: Vec<&Token> = Vec::new();
    let mut finish = |from: usize, to: usize, tokens: &[&Token]| -> Option<()> {
        columns.push(column_name(query.get(from..to)?, from, tokens)?);
        Some(())
    };
    for token in items_tokens {
        if let Token::Comma { at } = token {
            finish(item_start, *at, &item_tokens)?;
            item_start = at + 1;
            item_tokens.clear();
        } else {
            item_tokens.push(token);
        }
    }
    finish(item_start, end, &item_tokens)?;
    Some(columns)
}

/// The name of one projection item: its alias, or the expression text as written.
fn column_name(item: &str, offset: usize, tokens: &[&Token]) -> Option<String> {
    let alias = tokens.iter().rposition(|t| {
        matches!(t, Token::Word { text, after_dot: false, .. } if text.eq_ignore_ascii_case("AS"))
    });
    let name = match alias {
        Some(i) => item.get(tokens[i].end().checked_sub(offset)?..)?.trim(),
        None => item.trim(),
    };
    if name.is_empty() || name == "*" || name.starts_with("//") || name.starts_with("/*") {
        return None;
    }
    match name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) {
        Some(quoted) if alias.is_some() => Some(quoted.replace("``", "`")),
        _ => Some(name.to_owned()),
    }
}

/// Orders the columns of a result: the declared order when it matches `keys` exactly, else
/// `keys` sorted. With no rows (`keys` empty) the declared columns are the only information.
pub(crate) fn order_columns(query: &str, keys: &[String]) -> Vec<String> {
    let declared = declared_columns(query);
    if keys.is_empty() {
        return declared.unwrap_or_default();
    }
    match declared {
        Some(d) if d.len() == keys.len() && keys.iter().all(|k| d.contains(k)) => d,
        _ => {
            let mut sorted = keys.to_vec();
            sorted.sort();
            sorted
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word {
        text: String,
        start: usize,
        end: usize,
        /// `n.return` is a property, not a clause.
        after_dot: bool,
    },
    Comma {
        at: usize,
    },
    Semicolon {
        at: usize,
    },
}

impl Token {
    fn start(&self) -> usize {
        match self {
            Token::Word { start, .. } => *start,
            Token::Comma { at } | Token::Semicolon { at } => *at,
        }
    }

    fn end(&self) -> usize {
        match self {
            Token::Word { end, .. } => *end,
            Token::Comma { at } | Token::Semicolon { at } => at + 1,
        }
    }
}

/// Words, commas and semicolons outside strings, quoted names, comments and brackets.
fn top_level_tokens(query: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut after_dot = false;
    for token in lexer::tokens(query) {
        if token.kind == Kind::Comment {
            continue;
        }
        if token.depth == 0 {
            match token.kind {
                Kind::Word => tokens.push(Token::Word {
                    text: token.text.to_owned(),
                    start: token.start,
                    end: token.end(),
                    after_dot,
                }),
                Kind::Punct if token.text == "," => tokens.push(Token::Comma { at: token.start }),
                Kind::Punct if token.text == ";" => {
                    tokens.push(Token::Semicolon { at: token.start })
                }
                _ => {}
            }
        }
        after_dot = token.is_punct('.');
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(q: &str) -> Option<Vec<String>> {
        declared_columns(q)
    }

    fn list(names: &[&str]) -> Option<Vec<String>> {
        Some(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn return_items_give_the_column_order() {
        assert_eq!(
            cols("MATCH (n) RETURN n.name AS name, count(*) AS c"),
            list(&["name", "c"])
        );
        assert_eq!(
            cols("match (n) return distinct n.b, n.a ORDER BY n.a LIMIT 3"),
            list(&["n.b", "n.a"])
        );
        assert_eq!(
            cols("RETURN 1 AS `odd ``name```, {a: 1, b: 2} AS m"),
            list(&["odd `name`", "m"])
        );
        assert_eq!(
            cols("RETURN [x IN range(1, 3) | x * 2] AS xs, 'a, b' AS s;"),
            list(&["xs", "s"])
        );
        assert_eq!(
            cols("CALL { MATCH (n) RETURN n AS inner } RETURN inner.return AS r, n2"),
            list(&["r", "n2"])
        );
        assert_eq!(cols("RETURN 1 AS x UNION RETURN 2 AS x"), list(&["x"]));
    }

    #[test]
    fn yield_is_used_when_nothing_is_returned() {
        assert_eq!(
            cols("SHOW INDEXES YIELD name, type"),
            list(&["name", "type"])
        );
        assert_eq!(
            cols("SHOW CONSTRAINTS YIELD name AS n WHERE n STARTS WITH 'mh'"),
            list(&["n"])
        );
        assert_eq!(
            cols("CALL db.labels() YIELD label RETURN label AS l"),
            list(&["l"])
        );
    }

    #[test]
    fn unknown_column_lists_are_none() {
        assert_eq!(cols("MATCH (n) RETURN *"), None);
        assert_eq!(cols("SHOW INDEXES"), None);
        assert_eq!(cols("CREATE (n:L)"), None);
        assert_eq!(cols("RETURN"), None);
    }

    #[test]
    fn declared_order_is_used_only_when_it_matches_the_rows() {
        let keys = vec!["c".to_owned(), "name".to_owned()];
        assert_eq!(
            order_columns("RETURN 1 AS name, 2 AS c", &keys),
            vec!["name", "c"]
        );
        assert_eq!(order_columns("RETURN *", &keys), vec!["c", "name"]);
        assert_eq!(
            order_columns("RETURN 1 AS other, 2 AS c", &keys),
            vec!["c", "name"]
        );
        assert_eq!(order_columns("RETURN 1 AS b, 2 AS a", &[]), vec!["b", "a"]);
        assert!(order_columns("CREATE ()", &[]).is_empty());
    }
}
