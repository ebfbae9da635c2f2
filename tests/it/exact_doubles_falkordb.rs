//! Doubles that need all 17 significant digits survive a FalkorDB -> FalkorDB copy bit-exact,
//! and a change in the 17th digit makes the content hash fail.
//!
//! FalkorDB's `--compact` reply prints doubles with 15 significant digits, so the harness must
//! not trust that text. These tests therefore write the source and read the target with their
//! own tiny RESP client and their own server-side arithmetic (not the harness's parser, reader
//! or parameter rendering): a value is written as `M * 2^E` from its bits and read back as the
//! integer pair `(m, k)` with `x == m * 2^-k`, compared with integer arithmetic only.
//! Only the copy (`transfer::logical::copy`) and the content check are the harness's.

use crate::support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use migration_harness::checks::content;
use migration_harness::engine::dialect::{Dialect, EngineKind, Version};
use migration_harness::engine::falkordb::FalkorConnection;
use migration_harness::engine::GraphConnection;
use migration_harness::scenario::ContentHashCheck;
use migration_harness::transfer;
use support::ExternalServer;

const GRAPH: &str = "exact";

// ---- a minimal RESP2 client ----

#[derive(Debug, Clone, PartialEq)]
enum Resp {
    Text(String),
    Int(i64),
    Array(Vec<Resp>),
    Nil,
    Error(String),
}

struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn command(&mut self, args: &[&str]) -> Resp {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&out).unwrap();
        self.read()
    }

    fn read(&mut self) -> Resp {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let line = line.trim_end_matches("\r\n");
        let (tag, rest) = line.split_at(1);
        match tag {
            "+" => Resp::Text(rest.to_owned()),
            "-" => Resp::Error(rest.to_owned()),
            ":" => Resp::Int(rest.parse().unwrap()),
            "$" => {
                let n: i64 = rest.parse().unwrap();
                if n < 0 {
                    return Resp::Nil;
                }
                let mut buf = vec![0; n as usize + 2];
                self.reader.read_exact(&mut buf).unwrap();
                buf.truncate(n as usize);
                Resp::Text(String::from_utf8(buf).unwrap())
            }
            "*" => {
                let n: i64 = rest.parse().unwrap();
                if n < 0 {
                    return Resp::Nil;
                }
                Resp::Array((0..n).map(|_| self.read()).collect())
            }
            other => panic!("unexpected RESP type {other:?} in {line:?}"),
        }
    }

    /// `GRAPH.QUERY GRAPH text --compact`: the rows, each cell's value without its type tag.
    fn query(&mut self, text: &str) -> Vec<Vec<Resp>> {
        match self.command(&["GRAPH.QUERY", GRAPH, text, "--compact"]) {
            Resp::Array(parts) if parts.len() == 3 => {
                let Resp::Array(rows) = &parts[1] else {
                    panic!("rows: {parts:?}")
                };
                rows.iter()
                    .map(|row| match row {
                        Resp::Array(cells) => cells.iter().map(untag).collect(),
                        other => panic!("row {other:?}"),
                    })
                    .collect()
            }
            Resp::Array(parts) if parts.len() == 1 => Vec::new(),
            other => panic!("{text}: {other:?}"),
        }
    }
}

/// A compact cell `[type, value]` without its type; lists (type 6) untagged all the way down.
fn untag(cell: &Resp) -> Resp {
    match cell {
        Resp::Array(tv) if tv.len() == 2 => match (&tv[0], &tv[1]) {
            (Resp::Int(6), Resp::Array(items)) => Resp::Array(items.iter().map(untag).collect()),
            (_, v) => v.clone(),
        },
        other => panic!("cell {other:?}"),
    }
}

// ---- exact writes and reads, by hand ----

/// `x = M * 2^E` with integer `M` (sign included), for finite nonzero `x`.
fn decompose(x: f64) -> (i64, i32) {
    let bits = x.to_bits();
    let sign = if bits >> 63 == 1 { -1 } else { 1 };
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = (bits & ((1 << 52) - 1)) as i64;
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    };
    (sign * m, e)
}

/// A Cypher expression whose value is exactly `x` (finite): `M * 2^E1 * 2^E2` with powers of
/// two, which FalkorDB computes exactly.
fn exact_literal(x: f64) -> String {
    assert!(x.is_finite());
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let (m, e) = decompose(x);
    let e1 = e / 2;
    let e2 = e - e1;
    format!("(toFloat({m}) * 2.0^({e1}) * 2.0^({e2}))")
}

/// For a Float expression `x`: `[m, k]` with `x == m * 2^-k`, or null for zero.
/// Written out independently of the harness: k from the binary logarithm with a margin of two.
/// (A filter, not CASE: FalkorDB evaluates every CASE branch, and `log(0)` fails.)
fn exact_pair(x: &str) -> String {
    format!(
        "head([w IN [{x}] WHERE w <> 0.0 | [k IN [56 - toInteger(floor(log(abs(w)) / log(2)))] | \
         [toInteger((w * 2.0^(k/2)) * 2.0^(k - k/2)), k]][0]])"
    )
}

/// Whether `m * 2^-k` is exactly `x`, in integer arithmetic; zero cases by the reply's text.
fn same_value(x: f64, text: &Resp, pair: &Resp) -> bool {
    if x == 0.0 {
        let t = match text {
            Resp::Text(t) => t.as_str(),
            _ => return false,
        };
        return *pair == Resp::Nil
            && (t.starts_with('-') == x.is_sign_negative())
            && t.trim_start_matches('-').parse::<f64>() == Ok(0.0);
    }
    let Resp::Array(p) = pair else { return false };
    let (Resp::Int(m), Resp::Int(k)) = (&p[0], &p[1]) else {
        return false;
    };
    let (mx, e) = decompose(x);
    // m * 2^-k == mx * 2^e  <=>  m == mx * 2^(e + k)  (or m * 2^-(e+k) == mx)
    let shift = e as i64 + *k;
    let (m, mx) = (i128::from(*m), i128::from(mx));
    if shift >= 0 {
        shift < 100 && m == mx << shift
    } else {
        -shift < 100 && (m >> -shift) << -shift == m && m >> -shift == mx
    }
}

// ---- the graph ----

/// Values that need 17 significant digits, and the edge cases of the double range.
fn special_values() -> Vec<f64> {
    vec![
        0.1 + 0.2,
        9007199254740993.0,
        -0.0,
        0.0,
        f64::from_bits(1),                     // smallest subnormal
        f64::from_bits(0x000f_ffff_ffff_ffff), // largest subnormal
        f64::MIN_POSITIVE,
        f64::MAX,
        -f64::MAX,
        1.0 / 3.0,
        -2.0 / 3.0,
        std::f64::consts::PI,
        1e300 * 7.0,
    ]
}

/// Node `i` → its value `v`: `i/7` for 1..2000, then the special values from 10000 on.
fn node_values() -> BTreeMap<i64, f64> {
    let mut values: BTreeMap<i64, f64> = (1..2000).map(|i| (i, i as f64 / 7.0)).collect();
    for (j, x) in special_values().into_iter().enumerate() {
        values.insert(10_000 + j as i64, x);
    }
    values
}

/// Writes the graph with exact arithmetic: nodes `(:D {i, v})`, the special ones also with a
/// list `l: [v, 1/3]` and one with a nested list; relationships `(i)-[:R {w: i/7}]->(i+1)`.
fn build_source(port: u16) {
    let mut c = Client::connect(port);
    let specials: Vec<(i64, f64)> = node_values()
        .into_iter()
        .filter(|(i, _)| *i >= 10_000)
        .collect();
    let values: Vec<(i64, f64)> = node_values().into_iter().collect();
    for chunk in values.chunks(200) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|(i, x)| format!("{{i: {i}, v: {}}}", exact_literal(*x)))
            .collect();
        c.query(&format!(
            "UNWIND [{}] AS row CREATE (:D {{i: row.i, v: row.v}})",
            rows.join(", ")
        ));
    }
    for (i, x) in &specials {
        c.query(&format!(
            "MATCH (n:D) WHERE n.i = {i} SET n.l = [{}, {}]",
            exact_literal(*x),
            exact_literal(1.0 / 3.0)
        ));
    }
    c.query(&format!(
        "MATCH (n:D) WHERE n.i = 10000 SET n.nested = [[{}], [1, 'x']]",
        exact_literal(0.1 + 0.2)
    ));
    for lo in (1..200).step_by(50) {
        let rows: Vec<String> = (lo..lo + 50)
            .filter(|i| *i < 200)
            .map(|i| format!("{{i: {i}, w: {}}}", exact_literal(i as f64 / 7.0)))
            .collect();
        c.query(&format!(
            "UNWIND [{}] AS row MATCH (a:D {{i: row.i}}), (b:D {{i: row.i + 1}}) \
             CREATE (a)-[:R {{w: row.w}}]->(b)",
            rows.join(", ")
        ));
    }
}

/// Reads `port`'s graph with the independent reader and lists every value that is not bit-exact.
fn inexact_values(port: u16) -> Vec<String> {
    let mut c = Client::connect(port);
    let mut bad = Vec::new();
    let expected = node_values();
    let rows = c.query(&format!(
        "MATCH (n:D) RETURN n.i, n.v, {}, [e IN coalesce(n.l, []) | {}], [e IN coalesce(n.nested, []) | [f IN e WHERE typeOf(f) = 'Float' | {}]]",
        exact_pair("n.v"),
        exact_pair("e"),
        exact_pair("f"),
    ));
    assert_eq!(rows.len(), expected.len(), "node count");
    for row in rows {
        let Resp::Int(i) = row[0] else {
            panic!("row {row:?}")
        };
        let x = expected[&i];
        if !same_value(x, &row[1], &row[2]) {
            bad.push(format!(
                "node {i}: v is {:?} {:?}, wrote {x:e}",
                row[1], row[2]
            ));
        }
        if i >= 10_000 {
            let Resp::Array(l) = &row[3] else {
                panic!("list {row:?}")
            };
            let ok = l.len() == 2
                && same_value(x, &Resp::Text(format!("{x}")), &l[0])
                && same_value(1.0 / 3.0, &Resp::Nil, &l[1]);
            if !ok {
                bad.push(format!("node {i}: l is {l:?}, wrote [{x:e}, 1/3]"));
            }
        }
        if i == 10_000 {
            let nested_ok = matches!(&row[4], Resp::Array(outer)
                if outer.len() == 2
                    && outer[1] == Resp::Array(vec![])
                    && matches!(&outer[0], Resp::Array(inner) if inner.len() == 1 && same_value(0.1 + 0.2, &Resp::Nil, &inner[0])));
            if !nested_ok {
                bad.push(format!("node {i}: nested is {:?}", row[4]));
            }
        }
    }
    let rels = c.query(&format!(
        "MATCH (a:D)-[r:R]->(b:D) RETURN a.i, b.i, {}",
        exact_pair("r.w")
    ));
    assert_eq!(rels.len(), 199, "relationship count");
    for row in rels {
        let (Resp::Int(a), Resp::Int(b)) = (&row[0], &row[1]) else {
            panic!("{row:?}")
        };
        if *b != a + 1 || !same_value(*a as f64 / 7.0, &Resp::Nil, &row[2]) {
            bad.push(format!("relationship {a}->{b}: w is {:?}", row[2]));
        }
    }
    bad
}

async fn open(server: &ExternalServer, version: &str) -> FalkorConnection {
    let endpoint = format!("redis://127.0.0.1:{}", server.port);
    let mut last = None;
    for _ in 0..50 {
        match FalkorConnection::open(
            &endpoint,
            GRAPH.to_owned(),
            Dialect::new(EngineKind::Falkordb, Version::parse_lenient(version)),
            format!("falkordb {version} at {endpoint}, graph {GRAPH:?}"),
        )
        .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("cannot connect to falkordb {version}: {last:?}");
}

/// Copies the exact graph from `source` to `target` through the harness, checks every value on
/// the target with the independent reader, then plants a 17th-digit change and expects the
/// content hash to fail naming that node and property. `existing_target` makes the target graph
/// exist before the copy, so the copy writes through Cypher (parameters) instead of GRAPH.BULK.
fn copy_is_bit_exact(source: &str, target: &str, existing_target: bool) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(support::require_falkordb_images(&[source, target]));
    let (s, t) = (ExternalServer::start(source), ExternalServer::start(target));
    let (src, tgt) = rt.block_on(async { tokio::join!(open(&s, source), open(&t, target)) });
    build_source(s.port);
    let bad = inexact_values(s.port);
    assert!(
        bad.is_empty(),
        "the source was not written exactly: {bad:#?}"
    );
    if existing_target {
        let mut c = Client::connect(t.port);
        c.query("CREATE (:Scratch)");
        c.query("MATCH (n:Scratch) DELETE n");
    }

    let stats = rt
        .block_on(transfer::logical::copy(&src, &tgt, 300, &|_| {}))
        .expect("copy");
    assert!(stats.findings.is_empty(), "{:?}", stats.findings);
    if existing_target {
        assert_eq!(
            stats.bulk_loaded, 0,
            "the copy was meant to go through Cypher"
        );
    }
    let bad = inexact_values(t.port);
    assert!(
        bad.is_empty(),
        "{} of the copied values differ from the source (first ones: {:#?})",
        bad.len(),
        &bad[..bad.len().min(10)]
    );

    let spec = ContentHashCheck {
        keys: BTreeMap::from([("D".to_owned(), vec!["i".to_owned()])]),
        max_diffs: Some(10),
    };
    let check = |src: &dyn GraphConnection, tgt: &dyn GraphConnection| {
        rt.block_on(content::run(&spec, src, tgt, 300))
            .expect("content check runs")
    };
    let same = check(&src, &tgt);
    assert!(same.passed, "{}\n{:?}", same.summary, same.details);

    // One value changed in its last bit (the 17th digit) on the target, written exactly.
    let x: f64 = 1000.0 / 7.0;
    let changed = f64::from_bits(x.to_bits() + 1);
    assert_eq!(
        format!("{x:.14e}"),
        format!("{changed:.14e}"),
        "same to 15 digits"
    );
    Client::connect(t.port).query(&format!(
        "MATCH (n:D) WHERE n.i = 1000 SET n.v = {}",
        exact_literal(changed)
    ));
    let differs = check(&src, &tgt);
    assert!(
        !differs.passed,
        "a 17th-digit change passed: {}",
        differs.summary
    );
    let details = differs.details.join("\n");
    assert!(
        details.contains("i: 1000") && details.contains('v'),
        "the difference does not name node i 1000 and property v: {details}"
    );
}

#[test]
fn doubles_copy_bit_exact_4_16_to_4_18_through_graph_bulk() {
    copy_is_bit_exact("4.16.3", "4.18.3", false);
}

#[test]
fn doubles_copy_bit_exact_4_14_to_4_16_through_cypher() {
    copy_is_bit_exact("4.14.11", "4.16.3", true);
}
