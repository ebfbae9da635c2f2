//! The dump format: JSON Lines with a header, so a snapshot of a graph can be archived and
//! loaded into another server (another version or engine) later. docs/DUMP-FORMAT.md is the
//! reference; in short:
//!
//! ```text
//! {"format":"migration-harness-dump","format_version":1,"engine":"falkordb","server":"...","nodes":2,"relationships":1,"hash":"<content hash>"}
//! {"node":0,"labels":["Person"],"properties":{"name":"Ada","born":1815}}
//! {"node":1,"labels":[],"properties":{}}
//! {"rel":0,"type":"KNOWS","start":0,"end":1,"properties":{"since":{"float":"1998.5"}}}
//! ```
//!
//! Values are typed JSON ([`value_to_json`]): strings, integers, booleans, null and lists are
//! plain JSON; every other type is a one-key object naming it (`{"float": "1.0"}`, `{"date":
//! "2024-01-02"}`, ...), so `1` and `1.0` stay different and NaN survives. Files are written to a
//! temporary name next to the destination and renamed when complete.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{json, Map, Value as Json};

use super::export::{ExportedNode, ExportedRelationship, NodePager, RelationshipPager};
use super::logical::Writer;
use super::{Phase, Progress, TransferStats};
use crate::checks::content::{stream_hash, GraphHash};
use crate::engine::GraphConnection;
use crate::value::{Point, Value, Zone};

pub const FORMAT: &str = "migration-harness-dump";
pub const FORMAT_VERSION: u64 = 1;

/// The first line of a dump.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    pub format: String,
    pub format_version: u64,
    /// `falkordb` or `neo4j`.
    pub engine: String,
    /// The server the dump was taken from, as the harness describes it (version included).
    pub server: String,
    pub nodes: u64,
    pub relationships: u64,
    /// The content hash (`content_hash` check) of the graph the dump holds.
    pub hash: String,
}

/// Why a dump could not be written, read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("failed to {step} {path}: {source}")]
    Io {
        step: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read {path} line {line}: {message}")]
    Format {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(transparent)]
    Transfer(#[from] super::TransferError),
    #[error("failed to export a consistent dump: {0}")]
    Inconsistent(String),
}

// ---------------------------------------------------------------------------------------------
// Typed JSON values

fn float_text(f: f64) -> String {
    // `{:?}` is the shortest round-trip form; NaN / inf / -inf / -0.0 included.
    format!("{f:?}")
}

fn parse_float(v: &Json) -> Result<f64, String> {
    v.as_str()
        .ok_or_else(|| "a float must be a string".to_owned())?
        .parse::<f64>()
        .map_err(|e| format!("bad float: {e}"))
}

const TIME: &str = "%H:%M:%S%.9f";
const DT: &str = "%Y-%m-%dT%H:%M:%S%.9f";

/// A value as typed JSON (see module docs). Graph entities (not property values) become
/// `{"unsupported": "<TYPE>"}`, which [`value_from_json`] refuses.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!({ "float": float_text(*f) }),
        Value::String(s) => json!(s),
        Value::Bytes(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            json!({ "bytes": hex })
        }
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(m) => json!({ "map": props_to_json(m) }),
        Value::Date(d) => json!({ "date": d.to_string() }),
        Value::LocalTime(t) => json!({ "localtime": t.format(TIME).to_string() }),
        Value::Time {
            time,
            offset_seconds,
        } => json!({ "time": time.format(TIME).to_string(), "offset": offset_seconds }),
        Value::LocalDateTime(dt) => json!({ "localdatetime": dt.format(DT).to_string() }),
        Value::DateTime { local, zone } => match zone {
            Zone::Offset(o) => json!({ "datetime": local.format(DT).to_string(), "offset": o }),
            Zone::Id(id) => json!({ "datetime": local.format(DT).to_string(), "zone": id }),
        },
        Value::Duration {
            months,
            days,
            seconds,
            nanoseconds,
        } => json!({ "duration": [months, days, seconds, nanoseconds] }),
        Value::Point(p) => {
            let mut o = Map::new();
            o.insert("srid".into(), json!(p.srid));
            o.insert("x".into(), json!(float_text(p.x)));
            o.insert("y".into(), json!(float_text(p.y)));
            if let Some(z) = p.z {
                o.insert("z".into(), json!(float_text(z)));
            }
            json!({ "point": o })
        }
        Value::Node(_) | Value::Relationship(_) | Value::Path { .. } => {
            json!({ "unsupported": v.type_name() })
        }
    }
}

pub fn props_to_json(m: &BTreeMap<String, Value>) -> Json {
    Json::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), value_to_json(v)))
            .collect(),
    )
}

fn field<'a>(o: &'a Map<String, Json>, k: &str) -> Result<&'a Json, String> {
    o.get(k).ok_or_else(|| format!("missing {k:?}"))
}

fn int_field<T: TryFrom<i64>>(o: &Map<String, Json>, k: &str) -> Result<T, String> {
    field(o, k)?
        .as_i64()
        .and_then(|i| T::try_from(i).ok())
        .ok_or_else(|| format!("{k:?} must be an integer in range"))
}

fn text_field<'a>(o: &'a Map<String, Json>, k: &str) -> Result<&'a str, String> {
    field(o, k)?
        .as_str()
        .ok_or_else(|| format!("{k:?} must be a string"))
}

/// The inverse of [`value_to_json`].
pub fn value_from_json(j: &Json) -> Result<Value, String> {
    let o = match j {
        Json::Null => return Ok(Value::Null),
        Json::Bool(b) => return Ok(Value::Bool(*b)),
        Json::Number(n) => {
            return n.as_i64().map(Value::Int).ok_or_else(|| {
                format!("{n} is not a 64-bit integer (floats are {{\"float\": ...}})")
            })
        }
        Json::String(s) => return Ok(Value::String(s.clone())),
        Json::Array(items) => {
            return items
                .iter()
                .map(value_from_json)
                .collect::<Result<_, _>>()
                .map(Value::List)
        }
        Json::Object(o) => o,
    };
    let dt = |t: &str| {
        NaiveDateTime::parse_from_str(t, DT).map_err(|e| format!("bad datetime {t:?}: {e}"))
    };
    let tm =
        |t: &str| NaiveTime::parse_from_str(t, TIME).map_err(|e| format!("bad time {t:?}: {e}"));
    if let Some(f) = o.get("float") {
        return parse_float(f).map(Value::Float);
    }
    if let Some(b) = o.get("bytes") {
        let hex = b.as_str().ok_or("bytes must be a hex string")?;
        if hex.len() % 2 != 0 {
            return Err("bytes must have an even number of hex digits".into());
        }
        return (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "bad hex in bytes".to_owned())
            })
            .collect::<Result<_, _>>()
            .map(Value::Bytes);
    }
    if let Some(m) = o.get("map") {
        return props_from_json(m).map(Value::Map);
    }
    if o.contains_key("date") {
        let t = text_field(o, "date")?;
        return t
            .parse::<NaiveDate>()
            .map(Value::Date)
            .map_err(|e| format!("bad date {t:?}: {e}"));
    }
    if o.contains_key("localtime") {
        return tm(text_field(o, "localtime")?).map(Value::LocalTime);
    }
    if o.contains_key("time") {
        return Ok(Value::Time {
            time: tm(text_field(o, "time")?)?,
            offset_seconds: int_field(o, "offset")?,
        });
    }
    if o.contains_key("localdatetime") {
        return dt(text_field(o, "localdatetime")?).map(Value::LocalDateTime);
    }
    if o.contains_key("datetime") {
        let local = dt(text_field(o, "datetime")?)?;
        let zone = match o.get("zone") {
            Some(z) => Zone::Id(z.as_str().ok_or("zone must be a string")?.to_owned()),
            None => Zone::Offset(int_field(o, "offset")?),
        };
        return Ok(Value::DateTime { local, zone });
    }
    if let Some(d) = o.get("duration") {
        let parts: Vec<i64> = d
            .as_array()
            .ok_or("duration must be [months, days, seconds, nanoseconds]")?
            .iter()
            .map(|x| x.as_i64().ok_or("duration parts must be integers"))
            .collect::<Result<_, _>>()?;
        let [months, days, seconds, nanos] = parts[..] else {
            return Err("duration must be [months, days, seconds, nanoseconds]".into());
        };
        return Ok(Value::Duration {
            months,
            days,
            seconds,
            nanoseconds: i32::try_from(nanos).map_err(|_| "nanoseconds out of range")?,
        });
    }
    if let Some(Json::Object(p)) = o.get("point") {
        return Ok(Value::Point(Point {
            srid: int_field(p, "srid")?,
            x: parse_float(field(p, "x")?)?,
            y: parse_float(field(p, "y")?)?,
            z: p.get("z").map(parse_float).transpose()?,
        }));
    }
    Err(format!("unknown typed value {j}"))
}

pub fn props_from_json(j: &Json) -> Result<BTreeMap<String, Value>, String> {
    j.as_object()
        .ok_or("properties must be an object")?
        .iter()
        .map(|(k, v)| value_from_json(v).map(|v| (k.clone(), v)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lines

fn node_line(n: &ExportedNode) -> Json {
    json!({ "node": n.id, "labels": n.labels, "properties": props_to_json(&n.properties) })
}

fn rel_line(r: &ExportedRelationship) -> Json {
    json!({
        "rel": r.id, "type": r.rel_type, "start": r.start, "end": r.end,
        "properties": props_to_json(&r.properties),
    })
}

/// One entity line of a dump.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Node(ExportedNode),
    Relationship(ExportedRelationship),
}

fn parse_line(line: &str) -> Result<Entry, String> {
    let j: Json = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let o = j.as_object().ok_or("a line must be an object")?;
    let properties = props_from_json(field(o, "properties")?)?;
    if o.contains_key("node") {
        let labels = field(o, "labels")?
            .as_array()
            .ok_or("labels must be a list")?
            .iter()
            .map(|l| {
                l.as_str()
                    .map(str::to_owned)
                    .ok_or("labels must be strings")
            })
            .collect::<Result<_, _>>()?;
        Ok(Entry::Node(ExportedNode {
            id: int_field(o, "node")?,
            labels,
            properties,
        }))
    } else if o.contains_key("rel") {
        Ok(Entry::Relationship(ExportedRelationship {
            id: int_field(o, "rel")?,
            start: int_field(o, "start")?,
            end: int_field(o, "end")?,
            rel_type: text_field(o, "type")?.to_owned(),
            properties,
        }))
    } else {
        Err("a line must hold \"node\" or \"rel\"".into())
    }
}

// ---------------------------------------------------------------------------------------------
// Files

fn io<'a>(step: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> DumpError + 'a {
    move |source| DumpError::Io {
        step,
        path: path.to_owned(),
        source,
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dump".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Exports `conn`'s whole graph to `path`: the content hash first (one streaming pass, which
/// gives the header's counts), then every node and relationship page by page to a temporary
/// file, renamed to `path` once complete. A graph that changes while it is exported is refused.
pub async fn export(
    conn: &dyn GraphConnection,
    engine: &str,
    path: &Path,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Header, DumpError> {
    let hash: GraphHash = stream_hash(conn, batch).await?;
    let header = Header {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        engine: engine.into(),
        server: conn.describe(),
        nodes: hash.nodes,
        relationships: hash.relationships,
        hash: hash.graph_hash,
    };
    let tmp = temp_path(path);
    let result = write_body(conn, &header, &tmp, batch, progress).await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(io("rename the finished dump to", path))?;
    Ok(header)
}

async fn write_body(
    conn: &dyn GraphConnection,
    header: &Header,
    tmp: &Path,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(), DumpError> {
    let file = std::fs::File::create(tmp).map_err(io("create", tmp))?;
    let mut out = BufWriter::new(file);
    let write = |out: &mut BufWriter<std::fs::File>, j: &Json| -> Result<(), DumpError> {
        serde_json::to_writer(&mut *out, j)
            .map_err(|e| io("write", tmp)(std::io::Error::other(e)))?;
        out.write_all(b"\n").map_err(io("write", tmp))
    };
    let header_json = serde_json::to_value(header)
        .map_err(|e| DumpError::Inconsistent(format!("header: {e}")))?;
    write(&mut out, &header_json)?;
    let (mut nodes, mut rels) = (0u64, 0u64);
    let mut pager = NodePager::new(batch);
    loop {
        let page = pager.next_page(conn).await?;
        if page.is_empty() {
            break;
        }
        for n in &page {
            write(&mut out, &node_line(n))?;
        }
        nodes += page.len() as u64;
        progress(Progress {
            phase: Phase::Nodes,
            done: nodes,
        });
    }
    let mut pager = RelationshipPager::new(batch);
    loop {
        let page = pager.next_page(conn).await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            write(&mut out, &rel_line(r))?;
        }
        rels += page.len() as u64;
        progress(Progress {
            phase: Phase::Relationships,
            done: rels,
        });
    }
    if (nodes, rels) != (header.nodes, header.relationships) {
        return Err(DumpError::Inconsistent(format!(
            "the graph changed while it was exported: hashed {} nodes / {} relationships, wrote {nodes} / {rels}",
            header.nodes, header.relationships
        )));
    }
    out.flush().map_err(io("write", tmp))?;
    out.get_ref().sync_all().map_err(io("sync", tmp))?;
    Ok(())
}

/// A dump opened for reading: the header, then entries one line at a time.
pub struct DumpReader {
    path: PathBuf,
    lines: std::io::Lines<BufReader<std::fs::File>>,
    line: u64,
    pub header: Header,
}

impl DumpReader {
    pub fn open(path: &Path) -> Result<Self, DumpError> {
        let file = std::fs::File::open(path).map_err(io("open", path))?;
        let mut lines = BufReader::new(file).lines();
        let format = |message: String| DumpError::Format {
            path: path.to_owned(),
            line: 1,
            message,
        };
        let first = lines
            .next()
            .ok_or_else(|| format("the file is empty".into()))?
            .map_err(io("read", path))?;
        let header: Header =
            serde_json::from_str(&first).map_err(|e| format(format!("not a dump header: {e}")))?;
        if header.format != FORMAT || header.format_version != FORMAT_VERSION {
            return Err(format(format!(
                "unsupported format {:?} version {}",
                header.format, header.format_version
            )));
        }
        Ok(DumpReader {
            path: path.to_owned(),
            lines,
            line: 1,
            header,
        })
    }

    /// The next entry, `None` at the end of the file.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, DumpError> {
        loop {
            let Some(line) = self.lines.next() else {
                return Ok(None);
            };
            self.line += 1;
            let line = line.map_err(io("read", &self.path))?;
            if line.trim().is_empty() {
                continue;
            }
            return parse_line(&line)
                .map(Some)
                .map_err(|message| DumpError::Format {
                    path: self.path.clone(),
                    line: self.line,
                    message,
                });
        }
    }
}

/// What [`import`] did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub header: Header,
    pub stats: TransferStats,
    /// The content hash of the target after the import (equal to the header's when every
    /// property could be stored).
    pub target_hash: String,
}

/// Loads a dump into `target` (which should be empty) with the logical mover's writer: nodes in
/// batches, then relationships resolved through the temporary ids, then the cleanup. Like a copy
/// it is a clean restart: after a failure, empty the target and import again.
pub async fn import(
    path: &Path,
    target: &dyn GraphConnection,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportReport, DumpError> {
    let mut reader = DumpReader::open(path)?;
    let batch = batch.max(1);
    let cap = usize::try_from(batch).unwrap_or(usize::MAX).min(100_000);
    let mut writer = Writer::start(target, batch).await?;
    let mut nodes = Vec::with_capacity(cap);
    let mut rels = Vec::with_capacity(cap);
    let mut in_rels = false;
    while let Some(entry) = reader.next_entry()? {
        match entry {
            Entry::Node(n) if !in_rels => {
                nodes.push(n);
                if nodes.len() >= cap {
                    writer.write_nodes(std::mem::take(&mut nodes)).await?;
                    progress(Progress {
                        phase: Phase::Nodes,
                        done: writer.nodes_written(),
                    });
                }
            }
            Entry::Node(_) => {
                return Err(DumpError::Format {
                    path: path.to_owned(),
                    line: reader.line,
                    message: "a node after the relationships (nodes come first)".into(),
                })
            }
            Entry::Relationship(r) => {
                if !in_rels {
                    in_rels = true;
                    writer.write_nodes(std::mem::take(&mut nodes)).await?;
                }
                rels.push(r);
                if rels.len() >= cap {
                    writer
                        .write_relationships(std::mem::take(&mut rels))
                        .await?;
                    progress(Progress {
                        phase: Phase::Relationships,
                        done: writer.relationships_written(),
                    });
                }
            }
        }
    }
    writer.write_nodes(nodes).await?;
    writer.write_relationships(rels).await?;
    let stats = writer.finish(progress).await?;
    let target_hash = stream_hash(target, batch).await?.graph_hash;
    Ok(ImportReport {
        header: reader.header,
        stats,
        target_hash,
    })
}
