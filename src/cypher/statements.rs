//! Splitting a Cypher script into statements at top-level `;`, keeping where each came from.

use std::fmt;

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
    #[derive(PartialEq)]
    enum State {
        Code,
        Quoted(char, usize),
        LineComment,
        BlockComment(usize),
    }
    let mut out = Vec::new();
    let mut state = State::Code;
    let mut current = String::new();
    let mut has_code = false;
    let mut start_line = 1;
    let mut line = 1;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Code => match c {
                ';' => {
                    if has_code {
                        out.push(Statement {
                            text: current.trim().to_owned(),
                            origin: origin.to_owned(),
                            line: start_line,
                        });
                    }
                    current.clear();
                    has_code = false;
                    continue;
                }
                '\'' | '"' | '`' => state = State::Quoted(c, line),
                '/' if chars.peek() == Some(&'/') => state = State::LineComment,
                '/' if chars.peek() == Some(&'*') => state = State::BlockComment(line),
                _ => {}
            },
            State::Quoted(q, _) => {
                if c == '\\' && q != '`' {
                    current.push(c);
                    if let Some(next) = chars.next() {
                        if next == '\n' {
                            line += 1;
                        }
                        current.push(next);
                    }
                    continue;
                }
                if c == q {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::BlockComment(_) => {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    current.push_str("*/");
                    state = State::Code;
                    continue;
                }
            }
        }
        let in_comment = matches!(state, State::LineComment | State::BlockComment(_));
        if !has_code && !in_comment && !c.is_whitespace() {
            has_code = true;
            start_line = line;
        }
        if c == '\n' {
            line += 1;
        }
        current.push(c);
    }
    match state {
        State::Quoted(q, at) => Err((at, format!("unterminated {q} quote starting here"))),
        State::BlockComment(at) => Err((at, "unterminated /* comment starting here".into())),
        _ => {
            if has_code {
                out.push(Statement {
                    text: current.trim().to_owned(),
                    origin: origin.to_owned(),
                    line: start_line,
                });
            }
            Ok(out)
        }
    }
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
}
