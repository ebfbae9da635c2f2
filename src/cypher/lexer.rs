//! The Cypher lexer: a statement's text as tokens with byte offsets, line/column and bracket
//! depth. Every scanner of Cypher text in the crate (statement splitting, ordered-result
//! detection, column derivation, transaction detection) reads these tokens instead of
//! skipping strings, backquoted names and comments on its own.
//!
//! Rules (Cypher's): `'...'` and `"..."` are strings with `\` escaping the next character;
//! `` `...` `` is a backquoted name with `` `` `` standing for one backtick; `//` starts a
//! comment up to the line break (not included), `/*` one up to the next `*/`; `$name` or
//! `` $`name` `` is a parameter. A string, name or block comment that reaches the end of the
//! text is a token marked [`Token::unterminated`], never an error: callers decide. Whitespace
//! (`char::is_whitespace`) separates tokens and is not a token; every other character is part of
//! exactly one token, so the tokens and the whitespace between them give back the text.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword: a letter or `_`, then letters, digits and `_`.
    Word,
    /// `` `any name` ``, backticks included.
    Backquoted,
    /// `'...'` or `"..."`, quotes included.
    String,
    /// A digit, then letters, digits, `_`, a `.` followed by a digit, and an exponent's sign
    /// (`12`, `1.5e-3`, `0x1F`).
    Number,
    /// `$name`, `$0` or `` $`name` ``.
    Parameter,
    /// One other character: a bracket, `;`, `,`, `.`, an operator character.
    Punct,
    /// `// ...` (without the line break) or `/* ... */`.
    Comment,
}

/// One token of a Cypher text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    /// The token's text, exactly as written (quotes, backticks and comment markers included).
    pub text: &'a str,
    /// Byte offset of the token's first character.
    pub start: usize,
    /// 1-based line of the token's first character (lines end at `\n`).
    pub line: usize,
    /// 1-based column (in characters) of the token's first character.
    pub column: usize,
    /// Brackets (`(`, `[`, `{`) open around the token. An opening bracket has the depth outside
    /// it, a closing bracket the depth after it (the same as its opener); a closing bracket
    /// without an opener leaves the depth at 0.
    pub depth: usize,
    /// A string, backquoted name, parameter name or block comment that the text ends inside.
    pub unterminated: bool,
}

impl Token<'_> {
    /// Byte offset just after the token.
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// This punctuation character.
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.starts_with(c)
    }

    /// A word equal to `keyword`, ignoring ASCII case.
    pub fn is_word(&self, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(keyword)
    }
}

/// The tokens of `text`, in order. Never fails and never panics: unterminated constructs are
/// marked on their (last) token.
pub fn tokens(text: &str) -> Lexer<'_> {
    Lexer {
        text,
        pos: 0,
        line: 1,
        line_start: 0,
        depth: 0,
    }
}

/// Iterator over the tokens of one text (see [`tokens`]).
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    /// Byte offset where the current line starts.
    line_start: usize,
    depth: usize,
}

impl<'a> Lexer<'a> {
    fn peek_at(&self, offset: usize) -> Option<char> {
        self.text.get(offset..)?.chars().next()
    }

    /// Moves past `c` at `self.pos`, counting lines.
    fn bump(&mut self, c: char) {
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.line_start = self.pos;
        }
    }

    /// Moves past the next character, if any; returns it.
    fn next_char(&mut self) -> Option<char> {
        let c = self.peek_at(self.pos)?;
        self.bump(c);
        Some(c)
    }

    /// Moves past characters while `keep` holds.
    fn eat_while(&mut self, keep: impl Fn(char) -> bool) {
        while let Some(c) = self.peek_at(self.pos) {
            if !keep(c) {
                break;
            }
            self.bump(c);
        }
    }

    /// After an opening `quote`: up to and including the closing one. False when the text ends
    /// first.
    fn quoted(&mut self, quote: char) -> bool {
        while let Some(c) = self.next_char() {
            if c == quote {
                if quote == '`' && self.peek_at(self.pos) == Some('`') {
                    self.bump('`');
                    continue;
                }
                return true;
            }
            if c == '\\' && quote != '`' {
                self.next_char();
            }
        }
        false
    }

    /// After `/*`: up to and including `*/`. False when the text ends first.
    fn block_comment(&mut self) -> bool {
        while let Some(c) = self.next_char() {
            if c == '*' && self.peek_at(self.pos) == Some('/') {
                self.bump('/');
                return true;
            }
        }
        false
    }

    /// After a number's first digit (at `start`): the rest of it.
    fn number(&mut self, start: usize) {
        let mut last = '0';
        while let Some(c) = self.peek_at(self.pos) {
            let next_is_digit = self
                .peek_at(self.pos + c.len_utf8())
                .is_some_and(|d| d.is_ascii_digit());
            let exponent_sign = (c == '+' || c == '-')
                && (last == 'e' || last == 'E')
                && next_is_digit
                && !self.text[start..self.pos].contains(['x', 'X']);
            if c.is_alphanumeric() || c == '_' || (c == '.' && next_is_digit) || exponent_sign {
                self.bump(c);
                last = c;
            } else {
                break;
            }
        }
    }
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        self.eat_while(char::is_whitespace);
        let start = self.pos;
        let line = self.line;
        let column = self.text[self.line_start..start].chars().count() + 1;
        let mut depth = self.depth;
        let mut unterminated = false;
        let c = self.next_char()?;
        let kind = match c {
            '\'' | '"' | '`' => {
                unterminated = !self.quoted(c);
                if c == '`' {
                    Kind::Backquoted
                } else {
                    Kind::String
                }
            }
            '/' if self.peek_at(self.pos) == Some('/') => {
                self.eat_while(|d| d != '\n');
                Kind::Comment
            }
            '/' if self.peek_at(self.pos) == Some('*') => {
                self.bump('*');
                unterminated = !self.block_comment();
                Kind::Comment
            }
            '$' => match self.peek_at(self.pos) {
                Some('`') => {
                    self.bump('`');
                    unterminated = !self.quoted('`');
                    Kind::Parameter
                }
                Some(d) if is_word_char(d) => {
                    self.eat_while(is_word_char);
                    Kind::Parameter
                }
                _ => Kind::Punct,
            },
            c if is_word_start(c) => {
                self.eat_while(is_word_char);
                Kind::Word
            }
            c if c.is_ascii_digit() => {
                self.number(start);
                Kind::Number
            }
            '(' | '[' | '{' => {
                self.depth += 1;
                Kind::Punct
            }
            ')' | ']' | '}' => {
                self.depth = self.depth.saturating_sub(1);
                depth = self.depth;
                Kind::Punct
            }
            _ => Kind::Punct,
        };
        Some(Token {
            kind,
            text: &self.text[start..self.pos],
            start,
            line,
            column,
            depth,
            unterminated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(text: &str) -> Vec<(Kind, &str, usize)> {
        tokens(text).map(|t| (t.kind, t.text, t.depth)).collect()
    }

    #[test]
    fn each_kind_is_recognised() {
        use Kind::*;
        assert_eq!(
            kinds("MATCH (n:`A ``b`` c`) WHERE n.x = 'it''s' + \"q\\\"\" // c;\nRETURN $p, $`q r`, 1.5e-3, [0x1F..2] /* x */;"),
            vec![
                (Word, "MATCH", 0),
                (Punct, "(", 0),
                (Word, "n", 1),
                (Punct, ":", 1),
                (Backquoted, "`A ``b`` c`", 1),
                (Punct, ")", 0),
                (Word, "WHERE", 0),
                (Word, "n", 0),
                (Punct, ".", 0),
                (Word, "x", 0),
                (Punct, "=", 0),
                (String, "'it'", 0),
                (String, "'s'", 0),
                (Punct, "+", 0),
                (String, "\"q\\\"\"", 0),
                (Comment, "// c;", 0),
                (Word, "RETURN", 0),
                (Parameter, "$p", 0),
                (Punct, ",", 0),
                (Parameter, "$`q r`", 0),
                (Punct, ",", 0),
                (Number, "1.5e-3", 0),
                (Punct, ",", 0),
                (Punct, "[", 0),
                (Number, "0x1F", 1),
                (Punct, ".", 1),
                (Punct, ".", 1),
                (Number, "2", 1),
                (Punct, "]", 0),
                (Comment, "/* x */", 0),
                (Punct, ";", 0),
            ]
        );
    }

    #[test]
    fn positions_are_bytes_lines_and_character_columns() {
        let t: Vec<Token> = tokens("RETURN 'é',\n  x").collect();
        assert_eq!(
            t.iter()
                .map(|t| (t.start, t.line, t.column))
                .collect::<Vec<_>>(),
            vec![(0, 1, 1), (7, 1, 8), (11, 1, 11), (15, 2, 3)]
        );
    }

    #[test]
    fn unterminated_constructs_are_marked_not_failed() {
        for (text, last) in [
            ("RETURN 'abc", "'abc"),
            ("RETURN \"a\\\"", "\"a\\\""),
            ("RETURN `a``", "`a``"),
            ("RETURN $`a", "$`a"),
            ("RETURN 1 /* x", "/* x"),
            ("RETURN 1 /*/", "/*/"),
        ] {
            let t = tokens(text).last().unwrap();
            assert_eq!((t.text, t.unterminated), (last, true), "{text}");
        }
        let t = tokens("RETURN 1 // x").last().unwrap();
        assert_eq!((t.kind, t.unterminated), (Kind::Comment, false));
        assert!(tokens("RETURN 'a' /**/").all(|t| !t.unterminated));
    }

    #[test]
    fn unmatched_closers_leave_depth_at_zero() {
        assert_eq!(
            kinds(") ] x ( y"),
            vec![
                (Kind::Punct, ")", 0),
                (Kind::Punct, "]", 0),
                (Kind::Word, "x", 0),
                (Kind::Punct, "(", 0),
                (Kind::Word, "y", 1),
            ]
        );
    }

    /// Text made mostly of the characters that change the lexer's state.
    fn cypherish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("'".to_owned()),
            Just("\"".to_owned()),
            Just("`".to_owned()),
            Just("\\".to_owned()),
            Just("/".to_owned()),
            Just("*".to_owned()),
            Just("$".to_owned()),
            Just(";".to_owned()),
            Just("\n".to_owned()),
            Just(" ".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("{".to_owned()),
            Just("]".to_owned()),
            Just(".".to_owned()),
            Just("1e-".to_owned()),
            Just("0x".to_owned()),
            Just("RETURN".to_owned()),
            Just("é".to_owned()),
            any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    fn check_cover(text: &str) {
        let mut rebuilt = String::new();
        let mut pos = 0;
        let mut depth = 0usize;
        for t in tokens(text) {
            assert!(t.start >= pos, "{text:?}: token {t:?} before {pos}");
            let gap = &text[pos..t.start];
            assert!(gap.chars().all(char::is_whitespace), "{text:?}: {gap:?}");
            assert!(!t.text.is_empty(), "{text:?}: empty token at {}", t.start);
            assert_eq!(&text[t.start..t.end()], t.text);
            let before = &text[..t.start];
            assert_eq!(t.line, before.matches('\n').count() + 1);
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(t.column, before[line_start..].chars().count() + 1);
            if t.kind == Kind::Punct && matches!(t.text, ")" | "]" | "}") {
                depth = depth.saturating_sub(1);
            }
            assert_eq!(t.depth, depth, "{text:?}: {t:?}");
            if t.kind == Kind::Punct && matches!(t.text, "(" | "[" | "{") {
                depth += 1;
            }
            if t.unterminated {
                assert_eq!(t.end(), text.len(), "{text:?}: {t:?}");
            }
            rebuilt.push_str(gap);
            rebuilt.push_str(t.text);
            pos = t.end();
        }
        let tail = &text[pos..];
        assert!(tail.chars().all(char::is_whitespace), "{text:?}: {tail:?}");
        rebuilt.push_str(tail);
        assert_eq!(rebuilt, text);
    }

    proptest! {
        #[test]
        fn tokens_and_whitespace_give_back_any_text(text in any::<String>()) {
            check_cover(&text);
        }

        #[test]
        fn tokens_and_whitespace_give_back_cypherish_text(text in cypherish()) {
            check_cover(&text);
        }
    }
}
