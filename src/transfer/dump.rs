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
//! temporary name next to the destination and renamed when complete; `-` is standard output.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{json, Map, Value as Json};

use super::logical::Writer;
use super::{Phase, Progress, TransferStats};
use crate::engine::GraphConnection;
use crate::graph::export::{
    graph_pages, overlapped, ExportedNode, ExportedRelationship, GraphPage, NodePager,
    RelationshipPager,
};
use crate::graph::hash::{stream_hash, EndpointError, GraphHash, HashBuilder, NodeDigests};
use crate::graph::id_table::{IdTable, IdTableError};
use crate::kinds::EngineKind;
use crate::value::{Point, Value, Zone};

pub const FORMAT: &str = "migration-harness-dump";
/// The version written. Version 1 (no `schema`) is still read.
pub const FORMAT_VERSION: u64 = 2;
/// The versions this harness reads.
pub const READ_VERSIONS: [u64; 2] = [1, 2];

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
    /// The graph's indexes and constraints, normalized as the `schema` check reads them
    /// (format version 2; absent in version 1 dumps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Vec<crate::engine::schema::SchemaItem>>,
}

/// Why a dump could not be written, read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("failed to {step} {path}")]
    Io {
        step: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read {path} line {line}{}: {message}", column.map(|c| format!(", column {c}")).unwrap_or_default())]
    Format {
        path: PathBuf,
        line: u64,
        /// From 1, where the problem has a place within the line.
        column: Option<u64>,
        message: String,
    },
    #[error("refused to write the dump: {0}")]
    Destination(String),
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
        // Each element as the shortest text that reads back to the same f32 ("0.1", "NaN").
        Value::Vector(items) => {
            json!({ "vector": items.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>() })
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
    if let Some(items) = o.get("vector") {
        return items
            .as_array()
            .ok_or("vector must be an array of float strings")?
            .iter()
            .map(|x| {
                let t = x.as_str().ok_or("a vector element must be a string")?;
                t.parse::<f32>()
                    .map_err(|e| format!("bad vector element {t:?}: {e}"))
            })
            .collect::<Result<_, _>>()
            .map(Value::Vector);
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

/// One entity line; an error is (column, message).
fn parse_line(line: &str) -> Result<Entry, (Option<u64>, String)> {
    let j: Json = serde_json::from_str(line)
        .map_err(|e| (Some(e.column() as u64), format!("not JSON: {e}")))?;
    parse_entry(&j).map_err(|message| (None, message))
}

fn parse_entry(j: &Json) -> Result<Entry, String> {
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

/// Whether `path` may receive a dump: `-` (standard output), an absent name in an existing
/// directory, or an existing regular file (replaced). Symbolic links (`/dev/stdout` is one),
/// directories, FIFOs and devices are refused: the dump is written to a temporary file and
/// renamed over the destination, which would replace a link instead of writing through it.
pub fn check_destination(path: &Path) -> Result<(), String> {
    if is_stdout(path) {
        return Ok(());
    }
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "{shown} is a symbolic link; a dump is not written through links: give the file it points to, or `-` for standard output"
        )),
        Ok(m) if m.is_dir() => Err(format!(
            "{shown} is a directory; give a file name in it"
        )),
        Ok(m) if !m.is_file() => Err(format!(
            "{shown} is not a regular file (a FIFO, socket or device); give a file name, or `-` for standard output"
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let dir = parent_dir(path);
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => Ok(()),
                Ok(_) => Err(format!("{} is not a directory", dir.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                    "the directory {} of {shown} does not exist",
                    dir.display()
                )),
                Err(e) => Err(format!("cannot use the directory {}: {e}", dir.display())),
            }
        }
        Err(e) => Err(format!("cannot check {shown}: {e}")),
    }
}

/// `-` means standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Exports `conn`'s whole graph to `path` (`-`: standard output): the content hash first (one
/// streaming pass, which gives the header's counts), then every node and relationship page by
/// page to a temporary file in the destination's directory (a unique name, so concurrent
/// exports never collide), renamed to `path` once complete. On any failure the temporary file
/// is removed. A graph that changes while it is exported is refused.
pub async fn export(
    conn: &dyn GraphConnection,
    engine: &str,
    path: &Path,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Header, DumpError> {
    check_destination(path).map_err(DumpError::Destination)?;
    let schema = crate::engine::schema::snapshot(conn)
        .await
        .map_err(|source| super::TransferError::Engine {
            step: "read the schema".into(),
            source,
        })?;
    let mut header = Header {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        engine: engine.into(),
        server: conn.describe(),
        nodes: 0,
        relationships: 0,
        hash: String::new(),
        schema: Some(schema.items),
    };
    if is_stdout(path) {
        // Standard output cannot be rewritten: the hash (in the header, first) is read in a
        // pass of its own before the body.
        let hash: GraphHash = stream_hash(conn, batch).await?;
        header.nodes = hash.nodes;
        header.relationships = hash.relationships;
        header.hash = hash.graph_hash;
        let name = Path::new("standard output");
        let mut out = BufWriter::new(std::io::stdout());
        write_body(conn, &header, &mut out, name, batch, progress).await?;
        out.flush().map_err(io("write", name))?;
        return Ok(header);
    }
    let dir = parent_dir(path);
    remove_stale_temp_files(dir);
    let prefix = format!(
        ".{}{TEMP_MARK}{}-",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dump".into()),
        std::process::id()
    );
    // Dropped (which deletes it) on every early return below.
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io("create a temporary file in", dir))?;
    let tmp_path = tmp.path().to_owned();
    let mut out = BufWriter::new(tmp);
    match write_hashed_body(conn, &mut header, &mut out, &tmp_path, batch, progress).await {
        Ok(()) => {}
        // Node ids beyond the id table's range: hash in a pass of its own, then the body.
        Err(DumpError::Io { source, .. })
            if source
                .get_ref()
                .and_then(|e| e.downcast_ref::<IdTableError>())
                .is_some_and(|e| matches!(e, IdTableError::OutOfRange { .. })) =>
        {
            let hash: GraphHash = stream_hash(conn, batch).await?;
            header.nodes = hash.nodes;
            header.relationships = hash.relationships;
            header.hash = hash.graph_hash;
            let mut file = out
                .into_inner()
                .map_err(|e| io("write", &tmp_path)(e.into_error()))?;
            rewind(&mut file, &tmp_path, true)?;
            out = BufWriter::new(file);
            write_body(conn, &header, &mut out, &tmp_path, batch, progress).await?;
        }
        Err(e) => return Err(e),
    }
    let tmp = out
        .into_inner()
        .map_err(|e| io("write", &tmp_path)(e.into_error()))?;
    tmp.as_file().sync_all().map_err(io("sync", &tmp_path))?;
    {
        use std::os::unix::fs::PermissionsExt;
        // A dump is an ordinary file (the temporary one was created private).
        std::fs::set_permissions(&tmp_path, std::fs::Permissions::from_mode(0o644))
            .map_err(io("set the permissions of", &tmp_path))?;
    }
    // Check again: the destination may have changed while the graph was read.
    check_destination(path).map_err(DumpError::Destination)?;
    tmp.persist(path)
        .map_err(|e| io("rename the finished dump to", path)(e.error))?;
    Ok(header)
}

/// Temporary dump files are `.<file>.mh-export-<pid>-<random>.tmp`: the pid of the export that
/// writes it, so a later export can tell the files of dead exports (killed with SIGKILL, which
/// cannot remove them) from those of running ones.
const TEMP_MARK: &str = ".mh-export-";

/// The pid in a temporary dump file's name, if `name` is one.
fn temp_file_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, tail) = rest.rsplit_once(TEMP_MARK)?;
    let (pid, random) = tail.split_once('-')?;
    let random_ok = !random.is_empty() && random.chars().all(|c| c.is_ascii_alphanumeric());
    (random_ok && !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Removes the temporary dump files in `dir` whose export process is gone. Best effort: a file
/// that cannot be removed is left (and the export goes on).
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_file_pid(&name) else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn rewind(file: &mut tempfile::NamedTempFile, name: &Path, truncate: bool) -> Result<(), DumpError> {
    use std::io::Seek;
    if truncate {
        file.as_file().set_len(0).map_err(io("truncate", name))?;
    }
    file.seek(std::io::SeekFrom::Start(0))
        .map(|_| ())
        .map_err(io("write", name))
}

/// Writes a dump's header and body in one read of the graph, hashing the entities as they are
/// written (the same hash as [`stream_hash`], through [`HashBuilder`] and an id table of node
/// digests). The header comes first in the file but is complete only after the body, so the
/// first line is written with the largest counts and a blank hash, and overwritten in place at
/// the end with the real header, padded with spaces to the same length (JSON allows them).
async fn write_hashed_body(
    conn: &dyn GraphConnection,
    header: &mut Header,
    out: &mut BufWriter<tempfile::NamedTempFile>,
    name: &Path,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(), DumpError> {
    let header_line = |h: &Header| -> Result<String, DumpError> {
        serde_json::to_string(h).map_err(|e| DumpError::Inconsistent(format!("header: {e}")))
    };
    let widest = header_line(&Header {
        nodes: u64::MAX,
        relationships: u64::MAX,
        hash: "0".repeat(64),
        ..header.clone()
    })?;
    let write = |out: &mut BufWriter<tempfile::NamedTempFile>, j: &Json| -> Result<(), DumpError> {
        serde_json::to_writer(&mut *out, j)
            .map_err(|e| io("write", name)(std::io::Error::other(e)))?;
        out.write_all(b"\n").map_err(io("write", name))
    };
    out.write_all(widest.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .map_err(io("write", name))?;
    let table_err = |e: IdTableError| DumpError::Io {
        step: "keep node digests for",
        path: name.to_owned(),
        source: std::io::Error::other(e),
    };
    let mut hasher = HashBuilder::default();
    let mut digests = NodeDigests::new().map_err(table_err)?;
    // The next page is read while this one is written and hashed, the first relationship page
    // while the last node page is.
    let (mut nodes, mut rels) = (0u64, 0u64);
    overlapped(graph_pages(conn, batch), async |page| {
        match page {
            GraphPage::Nodes(page) => {
                for n in &page {
                    write(out, &node_line(n))?;
                    let digest = hasher.add_node(&n.labels, &n.properties);
                    digests.put(n.id, &digest).map_err(table_err)?;
                }
                nodes += page.len() as u64;
                progress(Progress {
                    phase: Phase::Nodes,
                    done: nodes,
                });
            }
            GraphPage::Relationships(page) => {
                let ends = digests.endpoints(&page).map_err(|e| match e {
                    EndpointError::Table(source) => table_err(source),
                    missing => DumpError::Inconsistent(missing.message("exported")),
                })?;
                for (r, (start, end)) in page.iter().zip(ends) {
                    write(out, &rel_line(r))?;
                    hasher.add_relationship(&r.rel_type, &r.properties, &start, &end);
                }
                rels += page.len() as u64;
                progress(Progress {
                    phase: Phase::Relationships,
                    done: rels,
                });
            }
        }
        Ok::<(), DumpError>(())
    })
    .await?;
    let hash = hasher.finish();
    header.nodes = hash.nodes;
    header.relationships = hash.relationships;
    header.hash = hash.graph_hash;
    let line = header_line(header)?;
    if line.len() > widest.len() {
        return Err(DumpError::Inconsistent(
            "the header outgrew its place at the start of the file".into(),
        ));
    }
    out.flush().map_err(io("write", name))?;
    let file = out.get_mut();
    rewind(file, name, false)?;
    let padded = format!("{line}{}", " ".repeat(widest.len() - line.len()));
    file.write_all(padded.as_bytes())
        .and_then(|()| file.flush())
        .map_err(io("write", name))?;
    use std::io::Seek;
    file.seek(std::io::SeekFrom::End(0))
        .map(|_| ())
        .map_err(io("write", name))
}

async fn write_body<W: Write + Send>(
    conn: &dyn GraphConnection,
    header: &Header,
    out: &mut W,
    name: &Path,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(), DumpError> {
    let write = |out: &mut W, j: &Json| -> Result<(), DumpError> {
        serde_json::to_writer(&mut *out, j)
            .map_err(|e| io("write", name)(std::io::Error::other(e)))?;
        out.write_all(b"\n").map_err(io("write", name))
    };
    let header_json = serde_json::to_value(header)
        .map_err(|e| DumpError::Inconsistent(format!("header: {e}")))?;
    write(out, &header_json)?;
    let (mut nodes, mut rels) = (0u64, 0u64);
    let mut pager = NodePager::new(batch);
    loop {
        let page = pager.next_page(conn).await?;
        if page.is_empty() {
            break;
        }
        for n in &page {
            write(out, &node_line(n))?;
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
            write(out, &rel_line(r))?;
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
    out.flush().map_err(io("write", name))?;
    Ok(())
}

/// The UTF-8 byte order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A dump opened for reading: the header, then entries one line at a time.
pub struct DumpReader {
    path: PathBuf,
    reader: BufReader<std::fs::File>,
    buf: Vec<u8>,
    line: u64,
    pub header: Header,
    /// The file starts with a UTF-8 byte order mark, which was skipped.
    pub bom: bool,
}

impl DumpReader {
    pub fn open(path: &Path) -> Result<Self, DumpError> {
        let file = std::fs::File::open(path).map_err(io("open", path))?;
        let mut reader = DumpReader {
            path: path.to_owned(),
            reader: BufReader::new(file),
            buf: Vec::new(),
            line: 0,
            header: Header {
                format: String::new(),
                format_version: 0,
                engine: String::new(),
                server: String::new(),
                nodes: 0,
                relationships: 0,
                hash: String::new(),
                schema: None,
            },
            bom: false,
        };
        let first = reader
            .read_line()?
            .ok_or_else(|| reader.error(1, None, "the file is empty"))?;
        let header: Header = serde_json::from_str(&first).map_err(|e| {
            reader.error(
                1,
                Some(e.column() as u64),
                format!("not a dump header: {e}"),
            )
        })?;
        if header.format != FORMAT || !READ_VERSIONS.contains(&header.format_version) {
            return Err(reader.error(
                1,
                None,
                format!(
                    "unsupported format {:?} version {} (this harness reads {FORMAT:?} versions {READ_VERSIONS:?})",
                    header.format, header.format_version
                ),
            ));
        }
        reader.header = header;
        Ok(reader)
    }

    /// The line number of the line read last (1 is the header).
    pub fn line(&self) -> u64 {
        self.line
    }

    fn error(&self, line: u64, column: Option<u64>, message: impl Into<String>) -> DumpError {
        DumpError::Format {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The next line without its line end, `None` at the end of the file. Bytes that are not
    /// UTF-8 are an error naming the line and column (a byte offset, from 1).
    fn read_line(&mut self) -> Result<Option<String>, DumpError> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(io("read", &self.path))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        let mut bytes = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if self.line == 1 {
            if let Some(rest) = bytes.strip_prefix(BOM) {
                self.bom = true;
                bytes = rest;
            } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                return Err(self.error(
                    1,
                    Some(1),
                    "the file starts with a UTF-16 byte order mark: it is UTF-16, and dumps are UTF-8",
                ));
            }
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Some(text.to_owned())),
            Err(e) => {
                let at = e.valid_up_to();
                Err(self.error(
                    self.line,
                    Some(at as u64 + 1),
                    format!(
                        "byte 0x{:02x} is not UTF-8 (dumps are UTF-8 text)",
                        bytes[at]
                    ),
                ))
            }
        }
    }

    /// The next entry, `None` at the end of the file.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, DumpError> {
        loop {
            let Some(line) = self.read_line()? else {
                return Ok(None);
            };
            if line.trim().is_empty() {
                continue;
            }
            return parse_line(&line)
                .map(Some)
                .map_err(|(column, message)| self.error(self.line, column, message));
        }
    }
}

/// What [`validate`] found in a dump that is whole and consistent.
#[derive(Debug, Clone)]
pub struct ValidDump {
    pub header: Header,
    /// The file starts with a UTF-8 byte order mark (accepted and skipped).
    pub bom: bool,
}

/// Node ids seen in a dump: each node's content digest and line, by id (an [`IdTable`] file,
/// so memory stays flat; ids outside its range in memory).
struct NodeIndex {
    table: IdTable<40>,
    /// The largest id in the table: a larger id is not there without a lookup.
    max: Option<i64>,
    others: HashMap<i64, ([u8; 32], u64)>,
}

impl NodeIndex {
    fn new() -> Result<Self, IdTableError> {
        Ok(NodeIndex {
            table: IdTable::new()?,
            max: None,
            others: HashMap::new(),
        })
    }

    fn get(&mut self, id: i64) -> Result<Option<([u8; 32], u64)>, IdTableError> {
        if !IdTable::<40>::in_range(id) {
            return Ok(self.others.get(&id).copied());
        }
        if self.max.is_none_or(|m| id > m) {
            return Ok(None);
        }
        Ok(self.table.get(id)?.map(|r| {
            let mut digest = [0u8; 32];
            digest.copy_from_slice(&r[..32]);
            let mut line = [0u8; 8];
            line.copy_from_slice(&r[32..]);
            (digest, u64::from_be_bytes(line))
        }))
    }

    fn put(&mut self, id: i64, digest: [u8; 32], line: u64) -> Result<(), IdTableError> {
        if !IdTable::<40>::in_range(id) {
            self.others.insert(id, (digest, line));
            return Ok(());
        }
        let mut record = [0u8; 40];
        record[..32].copy_from_slice(&digest);
        record[32..].copy_from_slice(&line.to_be_bytes());
        self.max = Some(self.max.map_or(id, |m| m.max(id)));
        self.table.put(id, &record)
    }
}

/// Reads a whole dump without touching any server and checks that it can be imported as it
/// is: the header, every line (UTF-8, JSON, typed values), nodes before relationships, node
/// ids unique, every relationship's endpoints defined by a node line, the counts equal to the
/// header's, and the content hash computed from the lines equal to the header's. The first
/// problem is an error naming its line (and column where there is one). A UTF-8 byte order
/// mark is accepted (reported in [`ValidDump::bom`]).
pub fn validate(path: &Path) -> Result<ValidDump, DumpError> {
    let mut reader = DumpReader::open(path)?;
    let table_err = |e: IdTableError| DumpError::Io {
        step: "keep the node ids of",
        path: path.to_owned(),
        source: std::io::Error::other(e),
    };
    let header = reader.header.clone();
    let mut hasher = HashBuilder::default();
    let mut index = NodeIndex::new().map_err(table_err)?;
    let (mut nodes, mut rels) = (0u64, 0u64);
    let mut first_rel_line: Option<u64> = None;
    while let Some(entry) = reader.next_entry()? {
        let line = reader.line;
        match entry {
            Entry::Node(n) => {
                if let Some(first) = first_rel_line {
                    return Err(reader.error(
                        line,
                        None,
                        format!("node {} comes after the relationships (the first is on line {first}); all node lines come first", n.id),
                    ));
                }
                if nodes == header.nodes {
                    return Err(reader.error(
                        line,
                        None,
                        format!(
                            "one node more than the {} the header (line 1) announces",
                            header.nodes
                        ),
                    ));
                }
                if let Some((_, first)) = index.get(n.id).map_err(table_err)? {
                    return Err(reader.error(
                        line,
                        None,
                        format!(
                            "node id {} appears twice (first on line {first}); node ids must be unique in a dump",
                            n.id
                        ),
                    ));
                }
                let digest = hasher.add_node(&n.labels, &n.properties);
                index.put(n.id, digest, line).map_err(table_err)?;
                nodes += 1;
            }
            Entry::Relationship(r) => {
                first_rel_line.get_or_insert(line);
                if rels == header.relationships {
                    return Err(reader.error(
                        line,
                        None,
                        format!(
                            "one relationship more than the {} the header (line 1) announces",
                            header.relationships
                        ),
                    ));
                }
                let mut endpoint = |which: &str, id: i64| {
                    match index.get(id) {
                    Ok(Some((digest, _))) => Ok(digest),
                    Ok(None) => Err(reader.error(
                        line,
                        None,
                        format!(
                            "relationship {} {which} at node {id}, which no node line of the dump defines",
                            r.id
                        ),
                    )),
                    Err(e) => Err(table_err(e)),
                }
                };
                let start = endpoint("starts", r.start)?;
                let end = endpoint("ends", r.end)?;
                hasher.add_relationship(&r.rel_type, &r.properties, &start, &end);
                rels += 1;
            }
        }
    }
    if (nodes, rels) != (header.nodes, header.relationships) {
        return Err(reader.error(
            reader.line + 1,
            None,
            format!(
                "the file ends after {nodes} node(s) and {rels} relationship(s), but its header (line 1) announces {} and {}: it is truncated",
                header.nodes, header.relationships
            ),
        ));
    }
    let computed = hasher.finish().graph_hash;
    if computed != header.hash {
        return Err(reader.error(
            1,
            None,
            format!(
                "the header's content hash {} does not match the hash of the file's nodes and relationships ({computed}): the file was changed after it was exported",
                header.hash
            ),
        ));
    }
    Ok(ValidDump {
        header,
        bom: reader.bom,
    })
}

/// What [`import`] did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub header: Header,
    pub stats: TransferStats,
    /// The content hash of the target after the import (equal to the header's when every
    /// property could be stored).
    pub target_hash: String,
    /// The nodes and relationships the target holds after the import, as hashed.
    pub target_nodes: u64,
    pub target_relationships: u64,
    /// Things the user should know (a byte order mark, a replaced graph, ...).
    pub notes: Vec<String>,
    /// The dump's schema recreated on the target, and what the target then holds (`None` for
    /// a version 1 dump, which has no schema); `checks::import::schema_outcome` compares them.
    pub schema: Option<ImportedSchema>,
}

/// A dump's indexes and constraints after they were created on a target.
#[derive(Debug, Clone)]
pub struct ImportedSchema {
    /// The engine the dump was taken from, whose dialect the dump's schema is written in.
    pub from: EngineKind,
    /// What the dump holds.
    pub wanted: crate::engine::schema::SchemaSnapshot,
    /// What the target holds after the import created what its dialect can.
    pub now: crate::engine::schema::SchemaSnapshot,
}

/// A batch of a dump's entities, read ahead of the writer.
enum Batch {
    Nodes(Vec<ExportedNode>),
    Relationships(Vec<ExportedRelationship>),
}

/// How much an import has written so far (what a failed import leaves behind).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub nodes: u64,
    pub relationships: u64,
}

/// Loads a dump into `target` (which should be empty) with the logical mover's writer: nodes in
/// batches, then relationships resolved through the temporary ids, then the cleanup. Like a copy
/// it is a clean restart: after a failure, empty the target and import again. Call
/// [`validate`] first: this reads the file as it goes, so a bad line stops it half way.
pub async fn import(
    path: &Path,
    target: &dyn GraphConnection,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportReport, DumpError> {
    import_counting(path, target, batch, true, progress, &mut Written::default()).await
}

/// [`import`], keeping in `written` how much has been written (also when it fails);
/// `graph_bulk` false writes a FalkorDB target through Cypher only.
pub async fn import_counting(
    path: &Path,
    target: &dyn GraphConnection,
    batch: u64,
    graph_bulk: bool,
    progress: &(dyn Fn(Progress) + Send + Sync),
    written: &mut Written,
) -> Result<ImportReport, DumpError> {
    let mut reader = DumpReader::open(path)?;
    let header = reader.header.clone();
    // Batches as large as the target's writes (`Dialect::write_rows`): each is one write.
    let batch = target.dialect().write_rows(batch.max(1));
    let cap = usize::try_from(batch).unwrap_or(usize::MAX).min(100_000);
    let mut writer = Writer::start_with(target, batch, graph_bulk).await?;
    // The file is read and parsed on a thread of its own while the previous batch is written.
    // Its batches come in the order the writer needs: nodes, one (maybe empty) node batch when
    // the relationships start, relationships, then the rest of both.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Batch, DumpError>>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let send = |b: Result<Batch, DumpError>| tx.blocking_send(b).is_ok();
        let mut nodes = Vec::with_capacity(cap);
        let mut rels = Vec::with_capacity(cap);
        let mut in_rels = false;
        loop {
            let entry = match reader.next_entry() {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                Err(e) => {
                    send(Err(e));
                    return;
                }
            };
            match entry {
                Entry::Node(n) if !in_rels => {
                    nodes.push(n);
                    if nodes.len() >= cap && !send(Ok(Batch::Nodes(std::mem::take(&mut nodes)))) {
                        return;
                    }
                }
                Entry::Node(_) => {
                    send(Err(reader.error(
                        reader.line,
                        None,
                        "a node after the relationships (nodes come first)",
                    )));
                    return;
                }
                Entry::Relationship(r) => {
                    if !in_rels {
                        in_rels = true;
                        if !send(Ok(Batch::Nodes(std::mem::take(&mut nodes)))) {
                            return;
                        }
                    }
                    rels.push(r);
                    if rels.len() >= cap
                        && !send(Ok(Batch::Relationships(std::mem::take(&mut rels))))
                    {
                        return;
                    }
                }
            }
        }
        if send(Ok(Batch::Nodes(nodes))) {
            send(Ok(Batch::Relationships(rels)));
        }
    });
    let result = async {
        let mut nodes_done = false;
        while let Some(batch) = rx.recv().await {
            match batch? {
                Batch::Nodes(page) => {
                    let r = writer.write_nodes(page).await;
                    written.nodes = writer.nodes_written();
                    r?;
                    writer.report(progress);
                }
                Batch::Relationships(page) => {
                    if !nodes_done {
                        nodes_done = true;
                        let r = writer.flush(progress).await;
                        written.nodes = writer.nodes_written();
                        r?;
                    }
                    let r = writer.write_relationships(page).await;
                    written.relationships = writer.relationships_written();
                    r?;
                    writer.report(progress);
                }
            }
        }
        Ok::<(), DumpError>(())
    }
    .await;
    drop(rx);
    let read = producer.await;
    result?;
    // A reader that ended without sending its last batches (it panicked) must not pass for the
    // end of the file.
    read.map_err(|e| DumpError::Inconsistent(format!("the dump reader stopped: {e}")))?;
    let stats = writer.finish(progress).await?;
    (written.nodes, written.relationships) = (stats.nodes, stats.relationships);
    let schema = match &header.schema {
        Some(items) => Some(import_schema(&header.engine, items, target).await?),
        None => None,
    };
    let hash = stream_hash(target, batch).await?;
    Ok(ImportReport {
        header,
        stats,
        target_hash: hash.graph_hash,
        target_nodes: hash.nodes,
        target_relationships: hash.relationships,
        notes: Vec::new(),
        schema,
    })
}

/// Creates a dump's indexes and constraints on `target` (what its dialect can create; see
/// [`super::schema`]), waits for the indexes, and reads the target's schema back.
async fn import_schema(
    engine: &str,
    items: &[crate::engine::schema::SchemaItem],
    target: &dyn GraphConnection,
) -> Result<ImportedSchema, DumpError> {
    use crate::engine::descriptor::engine_named;
    let engine_err = |step: &str| {
        let step = step.to_owned();
        move |source| DumpError::Transfer(super::TransferError::Engine { step, source })
    };
    let wanted = crate::engine::schema::SchemaSnapshot::new(items.to_vec());
    super::schema::create_schema(&wanted, target).await?;
    if let Some(wait) = target.dialect().await_indexes() {
        target
            .execute(&crate::engine::Query::new(wait))
            .await
            .map_err(engine_err("wait for the new indexes"))?;
    }
    let now = crate::engine::schema::snapshot(target)
        .await
        .map_err(engine_err("read the target's schema"))?;
    // The dump's version is not known here, so no built-in version mapping applies; an engine
    // name this harness does not know is compared as the target's.
    let from = engine_named(engine).unwrap_or(target.dialect().engine);
    Ok(ImportedSchema { from, wanted, now })
}

#[cfg(test)]
mod tests {
    use super::temp_file_pid;

    #[test]
    fn temp_file_names_carry_the_pid() {
        assert_eq!(temp_file_pid(".a.jsonl.mh-export-42-Ab3xYz.tmp"), Some(42));
        assert_eq!(temp_file_pid(".a.mh-export-1.mh-export-7-q.tmp"), Some(7));
        assert_eq!(temp_file_pid(".a.jsonl.tmp"), None);
        assert_eq!(temp_file_pid("a.jsonl.mh-export-42-Ab3xYz.tmp"), None);
        assert_eq!(temp_file_pid(".a.jsonl.mh-export-x-Ab3xYz.tmp"), None);
        assert_eq!(temp_file_pid(".a.jsonl.mh-export-42-.tmp"), None);
    }
}
