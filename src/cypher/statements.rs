//! Splitting a Cypher script into statements at top-level `;`, keeping where each came from.

use std::fmt;

use super::lexer::{self, Kind};

/// One statement of a fixture script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    /// The file (or `<scenario>#fixtures[i]` for inline Cypher) it came from.
    pub origin: String,
    /// 1-based line where the statement starts.
    pub line: usize,
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.origin, self.line)
    }
}

/// Splits `script` at `;` outside string literals, backtick names and comments. Empty statements
/// (only whitespace or comments) are dropped. An unterminated string or comment is an error
/// naming the line where it starts.
pub fn split(script: &str, origin: &str) -> Result<Vec<Statement>, (usize, String)> {
    let mut out = Vec::new();
    let mut push = |from: usize, to: usize, line: Option<usize>| {
        if let Some(line) = line {
            out.push(Statement {
                text: script[from..to].trim().to_owned(),
                origin: origin.to_owned(),
                line,
            });
        }
    };
    let mut from = 0;
    // The line of the statement's first token that is not a comment, once there is one.
    let mut start_line = None;
    for token in lexer::tokens(script) {
        if token.unterminated {
            let message = match token.kind {
                Kind::Comment => "unterminated /* comment starting here".to_owned(),
                Kind::Parameter => "unterminated ` quote starting here".to_owned(),
                _ => format!(
                    "unterminated {} quote starting here",
                    token.text.chars().next().unwrap_or('\'')
                ),
            };
            return Err((token.line, message));
        }
        if token.is_punct(';') {
            push(from, token.start, start_line.take());
            from = token.end();
        } else if token.kind != Kind::Comment && start_line.is_none() {
            start_line = Some(token.line);
        }
    }
    push(from, script.len(), start_line);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(String, usize)> {
        split(s, "f")
            .unwrap()
            .into_iter()
            .map(|s| (s.text, s.line))
            .collect()
    }

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let script = "CREATE (:A {s: 'a;b'});\n// comment; here\nCREATE (:`B;C`)\n;\n/* x; */ MATCH (n) RETURN \"q\\\";\"";
        assert_eq!(
            texts(script),
            vec![
                ("CREATE (:A {s: 'a;b'})".to_string(), 1),
                ("// comment; here\nCREATE (:`B;C`)".to_string(), 3),
                ("/* x; */ MATCH (n) RETURN \"q\\\";\"".to_string(), 5),
            ]
        );
    }

    #[test]
    fn empty_statements_vanish_and_unterminated_strings_are_located() {
        assert!(texts(" ;; // only a comment\n").is_empty());
        assert_eq!(
            split("RETURN 1;\nRETURN 'oops", "f"),
            Err((2, "unterminated ' quote starting here".into()))
        );
    }

    #[test]
    fn unterminated_comments_and_names_are_located_where_they_start() {
        assert_eq!(
            split("RETURN 1;\n/* a\n b;", "f"),
            Err((2, "unterminated /* comment starting here".into()))
        );
        // `/*/` opens a comment and does not close it.
        assert_eq!(
            split("/*/ RETURN 1;", "f"),
            Err((1, "unterminated /* comment starting here".into()))
        );
        assert_eq!(
            split("MATCH (n:`A\n``B) RETURN n;", "f"),
            Err((1, "unterminated ` quote starting here".into()))
        );
        assert_eq!(
            split("RETURN 1;\nRETURN $`p;", "f"),
            Err((2, "unterminated ` quote starting here".into()))
        );
    }

    #[test]
    fn comments_before_a_statement_do_not_move_its_line() {
        assert_eq!(
            texts("// a\n/* b\n*/\n\n  RETURN 1 ; RETURN 2"),
            vec![
                ("// a\n/* b\n*/\n\n  RETURN 1".to_string(), 5),
                ("RETURN 2".to_string(), 5),
            ]
        );
    }
}
