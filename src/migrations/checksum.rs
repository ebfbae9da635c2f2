//! Neo4j-Migrations' script checksum, reproduced: it lets the harness read and write the same
//! `checksum` values as the tool's `__Neo4jMigration` history nodes.
//!
//! The tool (`DefaultCypherResource`) splits a script with a `Scanner` whose delimiter is a `;`
//! followed by a line break, trims each piece (Java `trim`: characters up to U+0020), removes
//! one trailing `;` and trims again, drops empty pieces, and feeds the UTF-8 bytes of every piece
//! into one `java.util.zip.CRC32`; the checksum is `Long.toString(crc.getValue())`. Comment-only
//! pieces count. Its `:use database` switching and the Flyway-compatible checksum option are not
//! reproduced.

/// CRC-32 (IEEE 802.3, the polynomial of `java.util.zip.CRC32` and zlib), bitwise, over `bytes`
/// continuing from `crc` (start with 0).
pub fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// CRC-32 of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_update(0, bytes)
}

fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// The pieces Neo4j-Migrations checksums: split at `;` + line break (`\r\n`, `\n`, `\r`).
fn pieces(script: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = script.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b';' && matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) {
            out.push(&script[start..i]);
            let skip = if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                3
            } else {
                2
            };
            i += skip;
            start = i;
            continue;
        }
        i += 1;
    }
    out.push(&script[start..]);
    out
}

/// The checksum Neo4j-Migrations records for a Cypher script, as the decimal string it stores.
pub fn checksum(script: &str) -> String {
    let mut crc = 0;
    for piece in pieces(script) {
        let piece = java_trim(piece);
        let piece = java_trim(piece.strip_suffix(';').unwrap_or(piece));
        if !piece.is_empty() {
            crc = crc32_update(crc, piece.as_bytes());
        }
    }
    crc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn checksum_covers_trimmed_statements_only() {
        let expected = crc32_update(crc32(b"CREATE (:A)"), b"MATCH (n) RETURN n").to_string();
        assert_eq!(checksum("CREATE (:A);\nMATCH (n) RETURN n;\n"), expected);
        // Whitespace around statements and the line-break style do not change it.
        assert_eq!(
            checksum("  CREATE (:A);\r\n\n MATCH (n) RETURN n;"),
            expected
        );
        // A `;` not followed by a line break does not split (the tool's rule).
        assert_ne!(checksum("CREATE (:A); MATCH (n) RETURN n"), expected);
        // Any edit of a statement changes it.
        assert_ne!(checksum("CREATE (:B);\nMATCH (n) RETURN n;\n"), expected);
    }
}
