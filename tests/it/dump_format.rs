//! The dump file format without a server: a hand-written dump reads back entry by entry with
//! typed values; malformed files are refused with the line that is wrong.

use migration_harness::transfer::dump::{DumpReader, Entry};
use migration_harness::value::Value;

const HEADER: &str = r#"{"format":"migration-harness-dump","format_version":1,"engine":"falkordb","server":"test","nodes":2,"relationships":1,"hash":"00"}"#;

fn write(lines: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (dir, path)
}

#[test]
fn a_dump_reads_back_with_typed_values() {
    let (_dir, path) = write(&[
        HEADER,
        r#"{"node":0,"labels":["Person"],"properties":{"n":1,"f":{"float":"1.0"},"nan":{"float":"NaN"},"d":{"date":"2024-01-02"}}}"#,
        r#"{"node":5,"labels":[],"properties":{}}"#,
        r#"{"rel":0,"type":"KNOWS","start":0,"end":5,"properties":{"at":{"datetime":"2024-01-02T03:04:05.000000000","zone":"Europe/Stockholm"}}}"#,
    ]);
    let mut r = DumpReader::open(&path).unwrap();
    assert_eq!((r.header.nodes, r.header.relationships), (2, 1));
    let Some(Entry::Node(n)) = r.next_entry().unwrap() else {
        panic!("expected a node")
    };
    assert_eq!(n.properties["n"], Value::Int(1));
    assert_eq!(n.properties["f"], Value::Float(1.0));
    assert_ne!(n.properties["f"], n.properties["n"]);
    assert_eq!(n.properties["nan"], Value::Float(f64::NAN));
    assert_eq!(n.properties["d"].to_string(), "date('2024-01-02')");
    assert!(
        matches!(r.next_entry().unwrap(), Some(Entry::Node(n)) if n.id == 5 && n.labels.is_empty())
    );
    let Some(Entry::Relationship(rel)) = r.next_entry().unwrap() else {
        panic!("expected a relationship")
    };
    assert_eq!((rel.start, rel.end, rel.rel_type.as_str()), (0, 5, "KNOWS"));
    assert_eq!(
        rel.properties["at"].to_string(),
        "datetime('2024-01-02T03:04:05[Europe/Stockholm]')"
    );
    assert!(r.next_entry().unwrap().is_none());
}

#[test]
fn malformed_dumps_name_the_line() {
    let (_dir, path) = write(&[r#"{"format":"something-else"}"#]);
    let err = DumpReader::open(&path).err().unwrap().to_string();
    assert!(err.contains("line 1"), "{err}");

    let bad_version = HEADER.replace("\"format_version\":1", "\"format_version\":9");
    let (_dir, path) = write(&[&bad_version]);
    let err = DumpReader::open(&path).err().unwrap().to_string();
    assert!(err.contains("unsupported format"), "{err}");

    let (_dir, path) = write(&[
        HEADER,
        r#"{"node":0,"labels":[],"properties":{"x":{"float":1}}}"#,
    ]);
    let mut r = DumpReader::open(&path).unwrap();
    let err = r.next_entry().unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("float"), "{err}");

    let (_dir, path) = write(&[HEADER, r#"{"node":0,"labels":[],"properties":{"x":1.5}}"#]);
    let mut r = DumpReader::open(&path).unwrap();
    let err = r.next_entry().unwrap_err().to_string();
    assert!(err.contains("not a 64-bit integer"), "{err}");
}
