//! FalkorDB's native bulk-load path, `GRAPH.BULK`: the binary protocol the
//! falkordb-bulk-loader (formerly redisgraph-bulk-loader) Python tool speaks. It is the engine's
//! fastest way to create a new graph, and the transfer benchmark compares the harness's Cypher
//! copy against it.
//!
//! # Sources
//!
//! The format below was read from the server, which is the only authority (the command has no
//! published specification):
//!
//! - FalkorDB `src/commands/cmd_bulk_insert.c` and `src/bulk_insert/bulk_insert.c` at
//!   v4.14.11 (commit `4f68cd9fa643f0dde324189e3786b4703acf5f3a`), v4.16.3
//!   (`950a2b7e34cd81e76adf0298d19b9527853c3e31`) and v4.18.3
//!   (`aba38f7f8d2e15fa3c1d63d2cc36711793122cbc`), github.com/FalkorDB/FalkorDB. v4.14.11 and
//!   v4.16.3 are byte-identical; v4.18.3 only renames internal array helpers, so the wire format is
//!   the same for the three versions the harness runs.
//! - The client side, for the call-splitting conventions (`BEGIN` on the first call only, node
//!   ids numbered sequentially across calls, default size limits):
//!   github.com/FalkorDB/falkordb-bulk-loader at commit
//!   `6d51139a465642ac2b5a352a8dd7bed8043c56ca`, `falkordb_bulk_loader/query_buffer.py`,
//!   `config.py`, `entity_file.py`, `label.py` and `relation_type.py`.
//!
//! # Wire format
//!
//! One call is `GRAPH.BULK <key> [BEGIN] <node count> <edge count> <node token count>
//! <edge token count> <node tokens...> <edge tokens...>`. The counts are decimal strings. `BEGIN`
//! marks the first call: the server then refuses the call if `<key>` already exists and creates
//! the graph; later calls (without `BEGIN`) append to it. The node and edge counts only size the
//! server's preallocation and its reply (`"N nodes created, M edges created"`); the tokens
//! determine what is created. All node tokens of a call are applied before its edge tokens.
//!
//! Each token is one binary string holding entities that share one header:
//!
//! - header: the label(s) or relationship type as a NUL-terminated string (several node labels
//!   are joined with `:`; a relationship has exactly one type), a 4-byte unsigned property count
//!   (must be < 65535), then that many NUL-terminated property names;
//! - then, until the end of the token, entities: for an edge, the source and destination node
//!   ids as 8-byte unsigned integers; then, for nodes and edges, one typed value per header
//!   property, in header order.
//!
//! A typed value is a one-byte tag and a payload: `0` null (no payload), `1` boolean (one byte,
//! 0 or 1), `2` double (8 bytes IEEE 754), `3` string (NUL-terminated bytes), `4` integer (8-byte
//! signed), `5` array (8-byte signed element count, then that many typed values, recursively).
//! There are no other tags in these versions: maps, temporal values, points, vectors and byte
//! strings cannot be carried. A null property is skipped by the server (the entity simply lacks
//! it); a null inside an array is kept. Integers are read in the server's native byte order, which
//! is little-endian on every platform FalkorDB ships for; this module writes little-endian.
//!
//! Node ids are not sent: the server gives each new node the next free id, so in a graph created
//! by `BEGIN` (no deleted ids to reuse) nodes get 0, 1, 2... in the order the tokens list them,
//! across calls. Edge endpoints are those ids. The server checks none of this (nor the
//! structure of a token: a malformed one reads past its end), so the encoder validates
//! everything and never emits an edge to a node that earlier tokens have not created.
//!
//! Two consequences of the format that this module handles:
//!
//! - A node with no label cannot be expressed (the header would name a label `""`, which the
//!   server would create): [`encode`] refuses it with [`BulkError::UnlabeledNode`].
//! - A node token whose header lists no properties holds zero-byte entities, so the server, which
//!   loops "while bytes remain", would create none of them. Nodes without properties are
//!   therefore written under a header with one property and a null value for it, which the
//!   server skips. That property name is the smallest property name used elsewhere in the load
//!   (so no new name appears), or [`PLACEHOLDER_KEY`] when the load has no property at all; in
//!   that last case `db.propertyKeys()` lists it although no entity has it.
//!
//! # Limits
//!
//! Calls are split like the Python loader's defaults (`config.py`): at most 64 MB of tokens per
//! call ([`DEFAULT_MAX_CALL_BYTES`]), at most 64 MB per token ([`DEFAULT_MAX_TOKEN_BYTES`], Redis
//! itself refuses arguments over 512 MB, `proto-max-bulk-len`) and at most 1024 × 1023 tokens per
//! call ([`DEFAULT_MAX_TOKENS_PER_CALL`], just under Redis's 1024 × 1024 argument limit).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::connection::FalkorConnection;
use crate::engine::EngineError;
use crate::value::Value;

/// Type tag of a null value (`BI_NULL` in `bulk_insert.c`).
pub const TAG_NULL: u8 = 0;
/// Type tag of a boolean (`BI_BOOL`), payload one byte 0 or 1.
pub const TAG_BOOL: u8 = 1;
/// Type tag of a double (`BI_DOUBLE`), payload 8 bytes.
pub const TAG_DOUBLE: u8 = 2;
/// Type tag of a string (`BI_STRING`), payload NUL-terminated bytes.
pub const TAG_STRING: u8 = 3;
/// Type tag of an integer (`BI_LONG`), payload 8 bytes signed.
pub const TAG_LONG: u8 = 4;
/// Type tag of an array (`BI_ARRAY`), payload an 8-byte count then typed values.
pub const TAG_ARRAY: u8 = 5;

/// Default cap on the token bytes of one call (falkordb-bulk-loader's `max_buffer_size`, 64 MB).
pub const DEFAULT_MAX_CALL_BYTES: usize = 64_000_000;
/// Default cap on one token (falkordb-bulk-loader's `max_token_size`, 64 MB).
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 64_000_000;
/// Default cap on tokens per call (falkordb-bulk-loader's `max_token_count`, 1024 × 1023).
pub const DEFAULT_MAX_TOKENS_PER_CALL: usize = 1024 * 1023;
/// The server asserts that a header declares fewer than 65535 properties.
pub const MAX_PROPERTIES_PER_HEADER: usize = 65534;
/// Property name used for the null placeholder of property-less nodes when the load uses no
/// property name at all (see the module documentation).
pub const PLACEHOLDER_KEY: &str = "_";

/// How calls and tokens are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    /// Maximum total token bytes in one call.
    pub max_call_bytes: usize,
    /// Maximum bytes of one token (header included).
    pub max_token_bytes: usize,
    /// Maximum tokens in one call.
    pub max_tokens_per_call: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        BulkLimits {
            max_call_bytes: DEFAULT_MAX_CALL_BYTES,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            max_tokens_per_call: DEFAULT_MAX_TOKENS_PER_CALL,
        }
    }
}

/// A node to create. Null properties are absent properties (as in Cypher).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BulkNode {
    pub labels: Vec<String>,
    pub properties: BTreeMap<String, Value>,
}

/// A relationship to create between two nodes of the same load, named by their position in the
/// node slice given to [`encode`].
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRelationship {
    pub rel_type: String,
    pub start: usize,
    pub end: usize,
    pub properties: BTreeMap<String, Value>,
}

/// A relationship between nodes that already exist in the graph, named by their server ids (for
/// loads appended to a graph in several steps: see [`BulkBuffer::add_edges`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkEdge {
    pub rel_type: String,
    pub start: u64,
    pub end: u64,
    pub properties: BTreeMap<String, Value>,
}

/// Which input entity an error is about: its position in the node or relationship slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityRef {
    Node(usize),
    Relationship(usize),
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntityRef::Node(i) => write!(f, "node #{i}"),
            EntityRef::Relationship(i) => write!(f, "relationship #{i}"),
        }
    }
}

/// Why an input cannot be bulk-loaded. Nothing is ever dropped silently.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BulkError {
    #[error("{entity}, property {property:?}: {type_name} values cannot be carried by GRAPH.BULK (it encodes only null, boolean, integer, float, string and lists of those)")]
    UnsupportedValue {
        entity: EntityRef,
        /// The property name, with `[i]` list positions for a value nested in a list.
        property: String,
        type_name: &'static str,
    },
    #[error("{entity}, property {property:?}: the string contains a NUL character, which GRAPH.BULK cannot carry (strings are NUL-terminated)")]
    NulInString { entity: EntityRef, property: String },
    #[error("{entity}: {what} {name:?} cannot be carried by GRAPH.BULK: {reason}")]
    InvalidName {
        entity: EntityRef,
        what: &'static str,
        name: String,
        reason: &'static str,
    },
    #[error("{entity}: GRAPH.BULK cannot create a node without a label")]
    UnlabeledNode { entity: EntityRef },
    #[error("{entity}: {property_count} properties, GRAPH.BULK allows at most {MAX_PROPERTIES_PER_HEADER}")]
    TooManyProperties {
        entity: EntityRef,
        property_count: usize,
    },
    #[error("{entity}: its {end} node #{node} does not exist (the load has {node_count} nodes)")]
    DanglingEndpoint {
        entity: EntityRef,
        end: &'static str,
        node: usize,
        node_count: usize,
    },
    #[error("{entity}: encodes to {bytes} bytes with its header, over the {limit}-byte token/call limit")]
    EntityTooLarge {
        entity: EntityRef,
        bytes: usize,
        limit: usize,
    },
    #[error("invalid limits {0:?}: every limit must be positive")]
    InvalidLimits(BulkLimits),
}

/// A failed [`send`] or [`load`].
#[derive(Debug, Error)]
pub enum BulkLoadError {
    #[error(transparent)]
    Encode(#[from] BulkError),
    /// Call `call` (0-based) of `calls` failed; calls before it were applied and stay in the graph.
    #[error("GRAPH.BULK call {} of {calls} failed ({} earlier calls were applied)", .call + 1, .call)]
    Server {
        call: usize,
        calls: usize,
        #[source]
        source: EngineError,
    },
    #[error("GRAPH.BULK call {} of {calls}: unexpected reply {reply}", .call + 1)]
    UnexpectedReply {
        call: usize,
        calls: usize,
        reply: String,
    },
}

/// One `GRAPH.BULK` call's worth of tokens.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BulkCall {
    pub node_count: u64,
    pub edge_count: u64,
    pub node_tokens: Vec<Vec<u8>>,
    pub edge_tokens: Vec<Vec<u8>>,
}

impl BulkCall {
    /// The arguments after the graph key: `[BEGIN] <nodes> <edges> <node tokens> <edge tokens>
    /// <tokens...>`.
    pub fn args(&self, begin: bool) -> Vec<Cow<'_, [u8]>> {
        let mut args: Vec<Cow<'_, [u8]>> =
            Vec::with_capacity(5 + self.node_tokens.len() + self.edge_tokens.len());
        if begin {
            args.push(Cow::Borrowed(b"BEGIN"));
        }
        for n in [
            self.node_count,
            self.edge_count,
            self.node_tokens.len() as u64,
            self.edge_tokens.len() as u64,
        ] {
            args.push(Cow::Owned(n.to_string().into_bytes()));
        }
        args.extend(self.node_tokens.iter().map(|t| Cow::Borrowed(&t[..])));
        args.extend(self.edge_tokens.iter().map(|t| Cow::Borrowed(&t[..])));
        args
    }

    /// Total bytes of this call's tokens.
    pub fn token_bytes(&self) -> usize {
        self.node_tokens
            .iter()
            .chain(&self.edge_tokens)
            .map(Vec::len)
            .sum()
    }
}

/// An encoded load: the calls to send in order, and the id each input node will get.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkPlan {
    pub calls: Vec<BulkCall>,
    /// `node_ids[i]` is the id the server assigns to input node `i` in a graph created by this
    /// plan (nodes are grouped by label set and property names, so ids differ from positions).
    pub node_ids: Vec<u64>,
    pub node_count: u64,
    pub edge_count: u64,
}

impl BulkPlan {
    /// Total bytes of all tokens.
    pub fn token_bytes(&self) -> usize {
        self.calls.iter().map(BulkCall::token_bytes).sum()
    }
}

/// What [`send`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkReport {
    pub calls: usize,
    pub nodes_created: u64,
    pub edges_created: u64,
    pub bytes_sent: usize,
    pub elapsed: Duration,
}

/// Appends the typed encoding of `value` to `out`. `property` names the value in errors.
pub fn encode_value(
    out: &mut Vec<u8>,
    value: &Value,
    entity: EntityRef,
    property: &str,
) -> Result<(), BulkError> {
    match value {
        Value::Null => out.push(TAG_NULL),
        Value::Bool(b) => out.extend_from_slice(&[TAG_BOOL, u8::from(*b)]),
        Value::Float(f) => {
            out.push(TAG_DOUBLE);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::String(s) => {
            if s.as_bytes().contains(&0) {
                return Err(BulkError::NulInString {
                    entity,
                    property: property.to_owned(),
                });
            }
            out.push(TAG_STRING);
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        Value::Int(i) => {
            out.push(TAG_LONG);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::List(items) => {
            out.push(TAG_ARRAY);
            out.extend_from_slice(&(items.len() as i64).to_le_bytes());
            for (i, item) in items.iter().enumerate() {
                encode_value(out, item, entity, &format!("{property}[{i}]"))?;
            }
        }
        other => {
            return Err(BulkError::UnsupportedValue {
                entity,
                property: property.to_owned(),
                type_name: other.type_name(),
            })
        }
    }
    Ok(())
}

/// A token header: `name` (labels joined with `:`, or a relationship type) and property names.
pub fn encode_header(name: &str, properties: &[&str]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(name.len() + 5 + properties.iter().map(|p| p.len() + 1).sum::<usize>());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.extend_from_slice(&(properties.len() as u32).to_le_bytes());
    for p in properties {
        out.extend_from_slice(p.as_bytes());
        out.push(0);
    }
    out
}

fn check_name(
    entity: EntityRef,
    what: &'static str,
    name: &str,
    colon_allowed: bool,
) -> Result<(), BulkError> {
    let reason = if name.is_empty() && what != "property name" {
        Some("it is empty")
    } else if name.as_bytes().contains(&0) {
        Some("it contains a NUL character (names are NUL-terminated)")
    } else if !colon_allowed && name.contains(':') {
        Some("it contains ':', the format's label separator")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(BulkError::InvalidName {
            entity,
            what,
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Entities sharing one header, in input order, with their encoded payloads in an arena.
struct Group {
    header: Vec<u8>,
    members: Vec<(usize, std::ops::Range<usize>)>,
}

/// Groups entities by header; remembers the order in which headers first appeared.
#[derive(Default)]
struct Grouper {
    index: HashMap<(String, Vec<String>), usize>,
    groups: Vec<Group>,
    arena: Vec<u8>,
    /// The last group used, with its name and keys: consecutive entities usually share it, and
    /// checking it first avoids building a lookup key per entity.
    last: Option<(usize, String, Vec<String>)>,
}

impl Grouper {
    fn group_for(&mut self, name: &[&str], keys: &[&str]) -> usize {
        if let Some((g, last_name, last_keys)) = &self.last {
            let same_name = if name.len() == 1 {
                last_name == name[0]
            } else {
                *last_name == name.join(":")
            };
            if same_name
                && last_keys
                    .iter()
                    .map(String::as_str)
                    .eq(keys.iter().copied())
            {
                return *g;
            }
        }
        let name = name.join(":");
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let lookup = (name, keys);
        let g = match self.index.get(&lookup) {
            Some(&g) => g,
            None => {
                let refs: Vec<&str> = lookup.1.iter().map(String::as_str).collect();
                self.groups.push(Group {
                    header: encode_header(&lookup.0, &refs),
                    members: Vec::new(),
                });
                self.index.insert(lookup.clone(), self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        self.last = Some((g, lookup.0, lookup.1));
        g
    }
}

/// Where a [`Grouper`] stood before an input was added: its arena length and its groups' member
/// counts.
struct GrouperMark {
    arena: usize,
    members: Vec<usize>,
}

impl Grouper {
    fn mark(&self) -> GrouperMark {
        GrouperMark {
            arena: self.arena.len(),
            members: self.groups.iter().map(|g| g.members.len()).collect(),
        }
    }

    /// Forgets everything added since `mark`.
    fn rollback(&mut self, mark: GrouperMark) {
        self.arena.truncate(mark.arena);
        self.groups.truncate(mark.members.len());
        for (group, len) in self.groups.iter_mut().zip(mark.members) {
            group.members.truncate(len);
        }
        let kept = self.groups.len();
        self.index.retain(|_, g| *g < kept);
        self.last = None;
    }

    /// Refuses (naming it relative to `base`) an entity added since `mark` that no token could
    /// hold with its header.
    fn check_sizes(
        &self,
        mark: &GrouperMark,
        limits: BulkLimits,
        base: usize,
        entity: fn(usize) -> EntityRef,
    ) -> Result<(), BulkError> {
        let limit = limits.max_token_bytes.min(limits.max_call_bytes);
        for (g, group) in self.groups.iter().enumerate() {
            let from = mark.members.get(g).copied().unwrap_or(0);
            for (i, range) in &group.members[from..] {
                let bytes = group.header.len() + range.len();
                if bytes > limit {
                    return Err(BulkError::EntityTooLarge {
                        entity: entity(i - base),
                        bytes,
                        limit,
                    });
                }
            }
        }
        Ok(())
    }

    /// Empties it, keeping the arena's memory.
    fn clear(&mut self) {
        self.index.clear();
        self.groups.clear();
        self.arena.clear();
        self.last = None;
    }
}

/// Non-null properties, validated, as (names, encoded values appended to `arena`).
fn encode_properties<'a>(
    entity: EntityRef,
    properties: &'a BTreeMap<String, Value>,
    arena: &mut Vec<u8>,
) -> Result<Vec<&'a str>, BulkError> {
    let mut keys = Vec::with_capacity(properties.len());
    for (key, value) in properties {
        if matches!(value, Value::Null) {
            continue;
        }
        check_name(entity, "property name", key, true)?;
        encode_value(arena, value, entity, key)?;
        keys.push(key.as_str());
    }
    if keys.len() > MAX_PROPERTIES_PER_HEADER {
        return Err(BulkError::TooManyProperties {
            entity,
            property_count: keys.len(),
        });
    }
    Ok(keys)
}

/// Packs entity payloads into tokens and tokens into calls within the limits.
struct Packer {
    limits: BulkLimits,
    calls: Vec<BulkCall>,
    call: BulkCall,
    call_bytes: usize,
    token: Option<(Vec<u8>, u64)>,
    edges: bool,
    /// Payload bytes of the current group not pushed yet: a new token is allocated once, at
    /// the size it will have.
    remaining: usize,
}

impl Packer {
    fn new(limits: BulkLimits) -> Self {
        Packer {
            limits,
            calls: Vec::new(),
            call: BulkCall::default(),
            call_bytes: 0,
            token: None,
            edges: false,
            remaining: 0,
        }
    }

    fn call_is_empty(&self) -> bool {
        self.call.node_tokens.is_empty() && self.call.edge_tokens.is_empty()
    }

    fn flush_call(&mut self) {
        if !self.call_is_empty() {
            self.calls.push(std::mem::take(&mut self.call));
            self.call_bytes = 0;
        }
    }

    fn flush_token(&mut self) {
        let Some((token, count)) = self.token.take() else {
            return;
        };
        if count == 0 {
            return;
        }
        self.call_bytes += token.len();
        if self.edges {
            self.call.edge_count += count;
            self.call.edge_tokens.push(token);
        } else {
            self.call.node_count += count;
            self.call.node_tokens.push(token);
        }
        if self.call.node_tokens.len() + self.call.edge_tokens.len()
            >= self.limits.max_tokens_per_call
        {
            self.flush_call();
        }
    }

    fn push(&mut self, entity: EntityRef, header: &[u8], payload: &[u8]) -> Result<(), BulkError> {
        let hard_limit = self.limits.max_token_bytes.min(self.limits.max_call_bytes);
        loop {
            if self.token.is_none() {
                let needed = header.len() + payload.len();
                if needed > hard_limit {
                    return Err(BulkError::EntityTooLarge {
                        entity,
                        bytes: needed,
                        limit: hard_limit,
                    });
                }
                if self.call_bytes + needed > self.limits.max_call_bytes {
                    self.flush_call();
                }
                let room = hard_limit.min(self.limits.max_call_bytes - self.call_bytes);
                let size = (header.len() + self.remaining).min(room).max(needed);
                let mut token = Vec::with_capacity(size);
                token.extend_from_slice(header);
                self.token = Some((token, 0));
            }
            let cap = self
                .limits
                .max_token_bytes
                .min(self.limits.max_call_bytes - self.call_bytes);
            let (token, count) = self.token.as_mut().expect("a token is open");
            if token.len() + payload.len() <= cap {
                token.extend_from_slice(payload);
                *count += 1;
                self.remaining = self.remaining.saturating_sub(payload.len());
                return Ok(());
            }
            self.flush_token();
        }
    }

    fn pack(
        &mut self,
        grouper: &Grouper,
        edges: bool,
        entity: fn(usize) -> EntityRef,
    ) -> Result<(), BulkError> {
        self.flush_token();
        self.edges = edges;
        for group in &grouper.groups {
            self.remaining = group.members.iter().map(|(_, r)| r.len()).sum();
            for (i, range) in &group.members {
                self.push(entity(*i), &group.header, &grouper.arena[range.clone()])?;
            }
            self.flush_token();
        }
        Ok(())
    }

    fn finish(mut self) -> Vec<BulkCall> {
        self.flush_token();
        self.flush_call();
        if self.calls.is_empty() {
            // An empty load still creates the (empty) graph.
            self.calls.push(BulkCall::default());
        }
        self.calls
    }
}

/// Encodes a whole load into `GRAPH.BULK` calls, validating every label, type, name and value
/// first. Relationship endpoints are positions in `nodes`. Nodes are grouped by label set and
/// property names (one header per group); [`BulkPlan::node_ids`] says which id each gets.
pub fn encode(
    nodes: &[BulkNode],
    relationships: &[BulkRelationship],
    limits: BulkLimits,
) -> Result<BulkPlan, BulkError> {
    check_limits(limits)?;

    let placeholder = placeholder_for(
        nodes
            .iter()
            .map(|n| &n.properties)
            .chain(relationships.iter().map(|r| &r.properties)),
    );

    let mut node_groups = Grouper::default();
    group_nodes(&mut node_groups, nodes, &placeholder, 0)?;

    // Ids follow the order in which tokens list the nodes: group by group.
    let mut node_ids = vec![0u64; nodes.len()];
    let mut next = 0u64;
    for group in &node_groups.groups {
        for (i, _) in &group.members {
            node_ids[*i] = next;
            next += 1;
        }
    }

    let mut edge_groups = Grouper::default();
    let edges = relationships.iter().enumerate().map(|(i, rel)| {
        let entity = EntityRef::Relationship(i);
        for (end, node) in [("start", rel.start), ("end", rel.end)] {
            if node >= nodes.len() {
                return Err(BulkError::DanglingEndpoint {
                    entity,
                    end,
                    node,
                    node_count: nodes.len(),
                });
            }
        }
        Ok((
            i,
            rel.rel_type.as_str(),
            node_ids[rel.start],
            node_ids[rel.end],
            &rel.properties,
        ))
    });
    group_edges(&mut edge_groups, edges, 0)?;

    // All node tokens precede all edge tokens, so every edge's endpoints exist when it is created.
    let mut packer = Packer::new(limits);
    packer.pack(&node_groups, false, EntityRef::Node)?;
    packer.pack(&edge_groups, true, EntityRef::Relationship)?;
    Ok(BulkPlan {
        calls: packer.finish(),
        node_ids,
        node_count: nodes.len() as u64,
        edge_count: relationships.len() as u64,
    })
}

/// Validates and encodes `nodes` into `groups`, as members `base + position`; errors name a
/// node by its position in `nodes`. Property-less nodes get `placeholder` (see the module docs).
fn group_nodes(
    groups: &mut Grouper,
    nodes: &[BulkNode],
    placeholder: &str,
    base: usize,
) -> Result<(), BulkError> {
    for (i, node) in nodes.iter().enumerate() {
        let entity = EntityRef::Node(i);
        let mut labels: Vec<&str> = node.labels.iter().map(String::as_str).collect();
        labels.sort_unstable();
        labels.dedup();
        if labels.is_empty() {
            return Err(BulkError::UnlabeledNode { entity });
        }
        for label in &labels {
            check_name(entity, "label", label, false)?;
        }
        let start = groups.arena.len();
        let mut keys = encode_properties(entity, &node.properties, &mut groups.arena)?;
        if keys.is_empty() {
            check_name(entity, "property name", placeholder, true)?;
            groups.arena.push(TAG_NULL);
            keys.push(placeholder);
        }
        let end = groups.arena.len();
        let g = groups.group_for(&labels, &keys);
        groups.groups[g].members.push((base + i, start..end));
    }
    Ok(())
}

/// The property name written (as null) for nodes without properties: the smallest non-null
/// property name among `properties` (see the module docs).
fn placeholder_for<'a>(properties: impl Iterator<Item = &'a BTreeMap<String, Value>>) -> String {
    properties
        .flat_map(|p| p.iter())
        .filter(|(_, v)| !matches!(v, Value::Null))
        .map(|(k, _)| k.as_str())
        .min()
        .unwrap_or(PLACEHOLDER_KEY)
        .to_owned()
}

/// One relationship to encode: (position in the input, type, start id, end id, properties).
type EdgeInput<'a> = (usize, &'a str, u64, u64, &'a BTreeMap<String, Value>);

/// Validates and encodes relationships into `groups`, as members `base + position`.
fn group_edges<'a>(
    groups: &mut Grouper,
    edges: impl Iterator<Item = Result<EdgeInput<'a>, BulkError>>,
    base: usize,
) -> Result<(), BulkError> {
    for edge in edges {
        let (index, rel_type, start_id, end_id, properties) = edge?;
        let entity = EntityRef::Relationship(index);
        check_name(entity, "relationship type", rel_type, false)?;
        let start = groups.arena.len();
        groups.arena.extend_from_slice(&start_id.to_le_bytes());
        groups.arena.extend_from_slice(&end_id.to_le_bytes());
        let keys = encode_properties(entity, properties, &mut groups.arena)?;
        let end = groups.arena.len();
        let g = groups.group_for(&[rel_type], &keys);
        groups.groups[g].members.push((base + index, start..end));
    }
    Ok(())
}

/// Checks the limits' values.
fn check_limits(limits: BulkLimits) -> Result<(), BulkError> {
    if limits.max_call_bytes == 0 || limits.max_token_bytes == 0 || limits.max_tokens_per_call == 0
    {
        return Err(BulkError::InvalidLimits(limits));
    }
    Ok(())
}

/// `edges` as [`group_edges`] input, each endpoint checked to be below `node_count`.
fn existing_edges(
    edges: &[BulkEdge],
    node_count: u64,
) -> impl Iterator<Item = Result<EdgeInput<'_>, BulkError>> {
    edges.iter().enumerate().map(move |(i, e)| {
        let entity = EntityRef::Relationship(i);
        for (end, node) in [("start", e.start), ("end", e.end)] {
            if node >= node_count {
                return Err(BulkError::DanglingEndpoint {
                    entity,
                    end,
                    node: usize::try_from(node).unwrap_or(usize::MAX),
                    node_count: usize::try_from(node_count).unwrap_or(usize::MAX),
                });
            }
        }
        Ok((i, e.rel_type.as_str(), e.start, e.end, &e.properties))
    })
}

/// Entities encoded for appending to a graph, gathered from several inputs (pages) and merged
/// by header, so that the server gets one token per header instead of one per page: FalkorDB
/// does a fixed amount of matrix work per edge token that grows with the graph (measured on
/// 1M nodes + 5M relationships: 1000-edge tokens took 2.3x as long as merged ones).
///
/// Each `add_*` either takes all of its input or, on an error, none of it. [`BulkBuffer::take`]
/// packs everything into calls within the limits; nodes are created group by group, so it says
/// in which order the nodes added since the last take get their ids.
pub struct BulkBuffer {
    limits: BulkLimits,
    nodes: Grouper,
    node_count: usize,
    edges: Grouper,
    edge_count: usize,
}

impl BulkBuffer {
    pub fn new(limits: BulkLimits) -> Result<Self, BulkError> {
        check_limits(limits)?;
        Ok(BulkBuffer {
            limits,
            nodes: Grouper::default(),
            node_count: 0,
            edges: Grouper::default(),
            edge_count: 0,
        })
    }

    /// Encodes `nodes`; an error names a node by its position in `nodes`, and adds none of them.
    pub fn add_nodes(&mut self, nodes: &[BulkNode]) -> Result<(), BulkError> {
        let placeholder = placeholder_for(nodes.iter().map(|n| &n.properties));
        let mark = self.nodes.mark();
        let base = self.node_count;
        let added = group_nodes(&mut self.nodes, nodes, &placeholder, base)
            .and_then(|()| self.nodes.check_sizes(&mark, self.limits, base, EntityRef::Node));
        settle(&mut self.nodes, mark, added, &mut self.node_count, nodes.len())
    }

    /// Encodes relationships between nodes the graph has (ids below `node_count`); an error
    /// names a relationship by its position in `edges`, and adds none of them.
    pub fn add_edges(&mut self, edges: &[BulkEdge], node_count: u64) -> Result<(), BulkError> {
        let mark = self.edges.mark();
        let base = self.edge_count;
        let added = group_edges(&mut self.edges, existing_edges(edges, node_count), base)
            .and_then(|()| {
                self.edges
                    .check_sizes(&mark, self.limits, base, EntityRef::Relationship)
            });
        settle(&mut self.edges, mark, added, &mut self.edge_count, edges.len())
    }

    /// Encoded bytes held (without headers).
    pub fn payload_bytes(&self) -> usize {
        self.nodes.arena.len() + self.edges.arena.len()
    }

    /// Nodes held.
    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Relationships held.
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    /// Headers held (the tokens a take makes at least).
    pub fn header_count(&self) -> usize {
        self.nodes.groups.len() + self.edges.groups.len()
    }

    /// Packs everything held into calls (node tokens before edge tokens) and empties the buffer.
    /// `order[k]` is the position, among the nodes added since the last take, of the `k`-th node
    /// the calls create. Nothing held: no calls.
    pub fn take(&mut self) -> Result<(Vec<BulkCall>, Vec<usize>), BulkError> {
        if self.node_count == 0 && self.edge_count == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut packer = Packer::new(self.limits);
        packer.pack(&self.nodes, false, EntityRef::Node)?;
        packer.pack(&self.edges, true, EntityRef::Relationship)?;
        let order = self
            .nodes
            .groups
            .iter()
            .flat_map(|g| g.members.iter().map(|(i, _)| *i))
            .collect();
        self.nodes.clear();
        self.edges.clear();
        (self.node_count, self.edge_count) = (0, 0);
        Ok((packer.finish(), order))
    }
}

/// Keeps an input that was added to `groups` whole (`count` grows by its `len` entities), or
/// forgets all of it on its error.
fn settle(
    groups: &mut Grouper,
    mark: GrouperMark,
    added: Result<(), BulkError>,
    count: &mut usize,
    len: usize,
) -> Result<(), BulkError> {
    match added {
        Ok(()) => {
            *count += len;
            Ok(())
        }
        Err(e) => {
            groups.rollback(mark);
            Err(e)
        }
    }
}

/// Parses `"N nodes created, M edges created"`.
fn parse_reply(reply: &redis::Value) -> Option<(u64, u64)> {
    let text = match reply {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        _ => return None,
    };
    let mut parts = text.split(", ");
    let count = |part: Option<&str>, noun: &str| {
        let part = part?;
        let (n, rest) = part.split_once(' ')?;
        (rest == noun).then(|| n.parse().ok()).flatten()
    };
    let nodes = count(parts.next(), "nodes created")?;
    let edges = count(parts.next(), "edges created")?;
    Some((nodes, edges))
}

/// Sends a plan's calls in order over `conn`'s graph key, the first with `BEGIN` (so the load
/// fails if the key already exists, and node ids are the plan's). Stops at the first failure.
pub async fn send(conn: &FalkorConnection, plan: &BulkPlan) -> Result<BulkReport, BulkLoadError> {
    send_calls(conn, &plan.calls, true).await
}

/// Sends `calls` in order, none with `BEGIN`: they append to `conn`'s graph, which must exist
/// (see [`begin`]). Node ids continue from the graph's node count (when nothing was ever deleted
/// from it), in the order the calls' tokens list the nodes ([`BulkBuffer::take`]).
pub async fn send_calls_appending(
    conn: &FalkorConnection,
    calls: &[BulkCall],
) -> Result<BulkReport, BulkLoadError> {
    send_calls(conn, calls, false).await
}

/// Creates `conn`'s graph, empty, with `GRAPH.BULK <key> BEGIN 0 0 0 0`; fails if the key
/// exists. Later loads append with [`send_calls_appending`], node ids starting at 0.
pub async fn begin(conn: &FalkorConnection) -> Result<BulkReport, BulkLoadError> {
    let plan = encode(&[], &[], BulkLimits::default())?;
    debug_assert_eq!(plan.calls.len(), 1, "an empty load is one empty call");
    send(conn, &plan).await
}

async fn send_calls(
    conn: &FalkorConnection,
    plan_calls: &[BulkCall],
    begin: bool,
) -> Result<BulkReport, BulkLoadError> {
    let started = Instant::now();
    let calls = plan_calls.len();
    let mut report = BulkReport {
        calls: 0,
        nodes_created: 0,
        edges_created: 0,
        bytes_sent: 0,
        elapsed: Duration::ZERO,
    };
    for (i, call) in plan_calls.iter().enumerate() {
        let args = call.args(begin && i == 0);
        let refs: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
        let reply = conn
            .bulk(&refs)
            .await
            .map_err(|source| BulkLoadError::Server {
                call: i,
                calls,
                source,
            })?;
        let (nodes, edges) = parse_reply(&reply).ok_or_else(|| BulkLoadError::UnexpectedReply {
            call: i,
            calls,
            reply: format!("{reply:?}"),
        })?;
        report.calls += 1;
        report.nodes_created += nodes;
        report.edges_created += edges;
        report.bytes_sent += call.token_bytes();
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// [`encode`] then [`send`]: creates `conn`'s graph (which must not exist) with this content.
pub async fn load(
    conn: &FalkorConnection,
    nodes: &[BulkNode],
    relationships: &[BulkRelationship],
    limits: BulkLimits,
) -> Result<(BulkPlan, BulkReport), BulkLoadError> {
    let plan = encode(nodes, relationships, limits)?;
    let report = send(conn, &plan).await?;
    Ok((plan, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    const N0: EntityRef = EntityRef::Node(0);

    fn enc(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(&mut out, v, N0, "p").unwrap();
        out
    }

    fn props(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn node(labels: &[&str], pairs: &[(&str, Value)]) -> BulkNode {
        BulkNode {
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            properties: props(pairs),
        }
    }

    fn rel(t: &str, start: usize, end: usize, pairs: &[(&str, Value)]) -> BulkRelationship {
        BulkRelationship {
            rel_type: t.to_owned(),
            start,
            end,
            properties: props(pairs),
        }
    }

    #[test]
    fn null_is_a_bare_tag() {
        assert_eq!(enc(&Value::Null), vec![0]);
    }

    #[test]
    fn booleans_are_one_byte() {
        assert_eq!(enc(&Value::Bool(true)), vec![1, 1]);
        assert_eq!(enc(&Value::Bool(false)), vec![1, 0]);
    }

    #[test]
    fn doubles_are_8_bytes_little_endian() {
        // 1.5 = 0x3FF8_0000_0000_0000
        assert_eq!(
            enc(&Value::Float(1.5)),
            vec![2, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F]
        );
        assert_eq!(enc(&Value::Float(-0.0)), vec![2, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    }

    #[test]
    fn strings_are_nul_terminated() {
        assert_eq!(enc(&Value::String("ab".into())), vec![3, b'a', b'b', 0]);
        assert_eq!(enc(&Value::String(String::new())), vec![3, 0]);
        assert_eq!(enc(&Value::String("é".into())), vec![3, 0xC3, 0xA9, 0]);
    }

    #[test]
    fn integers_are_8_bytes_signed_little_endian() {
        assert_eq!(enc(&Value::Int(1)), vec![4, 1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            enc(&Value::Int(-2)),
            vec![4, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(
            enc(&Value::Int(i64::MIN)),
            vec![4, 0, 0, 0, 0, 0, 0, 0, 0x80]
        );
    }

    #[test]
    fn arrays_are_a_count_then_typed_values_recursively() {
        let v = Value::List(vec![
            Value::Int(7),
            Value::Null,
            Value::List(vec![Value::Bool(true)]),
        ]);
        let mut expected = vec![5, 3, 0, 0, 0, 0, 0, 0, 0];
        expected.extend([4, 7, 0, 0, 0, 0, 0, 0, 0]);
        expected.push(0);
        expected.extend([5, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(enc(&v), expected);
        assert_eq!(enc(&Value::List(vec![])), vec![5, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn other_types_are_refused_with_their_property_and_type() {
        let map = Value::Map(BTreeMap::new());
        let mut out = Vec::new();
        assert_eq!(
            encode_value(&mut out, &map, N0, "m"),
            Err(BulkError::UnsupportedValue {
                entity: N0,
                property: "m".into(),
                type_name: "MAP"
            })
        );
        let nested = Value::List(vec![Value::Int(1), Value::Bytes(vec![1])]);
        let err = encode_value(&mut out, &nested, N0, "l").unwrap_err();
        assert_eq!(
            err,
            BulkError::UnsupportedValue {
                entity: N0,
                property: "l[1]".into(),
                type_name: "BYTES"
            }
        );
        assert!(err
            .to_string()
            .contains("node #0, property \"l[1]\": BYTES"));
        let date = Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
        let nodes = [node(&["A"], &[("d", date)])];
        assert!(matches!(
            encode(&nodes, &[], BulkLimits::default()),
            Err(BulkError::UnsupportedValue {
                type_name: "DATE",
                ..
            })
        ));
    }

    #[test]
    fn nul_in_strings_and_names_is_refused() {
        let mut out = Vec::new();
        assert!(matches!(
            encode_value(&mut out, &Value::String("a\0b".into()), N0, "s"),
            Err(BulkError::NulInString { .. })
        ));
        let bad_label = [node(&["A\0"], &[])];
        assert!(matches!(
            encode(&bad_label, &[], BulkLimits::default()),
            Err(BulkError::InvalidName { what: "label", .. })
        ));
        let colon = [node(&["A:B"], &[])];
        assert!(matches!(
            encode(&colon, &[], BulkLimits::default()),
            Err(BulkError::InvalidName { what: "label", .. })
        ));
        let nodes = [node(&["A"], &[])];
        let colon_type = [rel("R:S", 0, 0, &[])];
        assert!(matches!(
            encode(&nodes, &colon_type, BulkLimits::default()),
            Err(BulkError::InvalidName {
                what: "relationship type",
                ..
            })
        ));
    }

    #[test]
    fn unlabeled_nodes_and_dangling_endpoints_are_refused() {
        assert_eq!(
            encode(&[node(&[], &[])], &[], BulkLimits::default()),
            Err(BulkError::UnlabeledNode { entity: N0 })
        );
        let nodes = [node(&["A"], &[])];
        assert_eq!(
            encode(&nodes, &[rel("R", 0, 1, &[])], BulkLimits::default()),
            Err(BulkError::DanglingEndpoint {
                entity: EntityRef::Relationship(0),
                end: "end",
                node: 1,
                node_count: 1
            })
        );
    }

    #[test]
    fn headers_hold_name_count_and_names() {
        assert_eq!(
            encode_header("A:B", &["x", "yz"]),
            b"A:B\0\x02\0\0\0x\0yz\0".to_vec()
        );
        assert_eq!(encode_header("R", &[]), b"R\0\0\0\0\0".to_vec());
    }

    #[test]
    fn one_call_holds_node_tokens_then_edge_tokens() {
        let nodes = [
            node(&["B", "A"], &[("x", Value::Int(1)), ("n", Value::Null)]),
            node(&["A", "B"], &[("x", Value::Int(2))]),
        ];
        let rels = [rel("R", 1, 0, &[("w", Value::Float(0.5))])];
        let plan = encode(&nodes, &rels, BulkLimits::default()).unwrap();
        assert_eq!(plan.node_ids, vec![0, 1]);
        assert_eq!(plan.calls.len(), 1);
        let call = &plan.calls[0];
        assert_eq!((call.node_count, call.edge_count), (2, 1));
        let mut node_token = encode_header("A:B", &["x"]);
        node_token.extend(enc(&Value::Int(1)));
        node_token.extend(enc(&Value::Int(2)));
        assert_eq!(call.node_tokens, vec![node_token]);
        let mut edge_token = encode_header("R", &["w"]);
        edge_token.extend(1u64.to_le_bytes());
        edge_token.extend(0u64.to_le_bytes());
        edge_token.extend(enc(&Value::Float(0.5)));
        assert_eq!(call.edge_tokens, vec![edge_token]);
        let args = call.args(true);
        let heads: Vec<&[u8]> = args.iter().take(5).map(|a| &a[..]).collect();
        assert_eq!(heads, vec![&b"BEGIN"[..], b"2", b"1", b"1", b"1"]);
        assert_eq!(args.len(), 7);
        assert_eq!(&call.args(false)[0][..], b"2");
    }

    #[test]
    fn nodes_are_grouped_by_header_and_ids_follow_the_tokens() {
        let nodes = [
            node(&["A"], &[("x", Value::Int(1))]),
            node(&["B"], &[("x", Value::Int(2))]),
            node(&["A"], &[("x", Value::Int(3))]),
            node(&["A"], &[("y", Value::Int(4))]),
        ];
        let rels = [rel("R", 2, 3, &[])];
        let plan = encode(&nodes, &rels, BulkLimits::default()).unwrap();
        assert_eq!(plan.node_ids, vec![0, 2, 1, 3]);
        assert_eq!(plan.calls[0].node_tokens.len(), 3);
        let edge = &plan.calls[0].edge_tokens[0];
        let header = encode_header("R", &[]);
        assert_eq!(&edge[header.len()..header.len() + 8], &1u64.to_le_bytes());
        assert_eq!(&edge[header.len() + 8..], &3u64.to_le_bytes());
    }

    #[test]
    fn propertyless_nodes_get_a_null_placeholder() {
        let nodes = [node(&["A"], &[]), node(&["B"], &[("k", Value::Int(1))])];
        let plan = encode(&nodes, &[], BulkLimits::default()).unwrap();
        let mut expected = encode_header("A", &["k"]);
        expected.push(TAG_NULL);
        assert_eq!(plan.calls[0].node_tokens[0], expected);
        let bare = encode(&[node(&["A"], &[])], &[], BulkLimits::default()).unwrap();
        let mut expected = encode_header("A", &[PLACEHOLDER_KEY]);
        expected.push(TAG_NULL);
        assert_eq!(bare.calls[0].node_tokens, vec![expected]);
    }

    #[test]
    fn limits_split_tokens_and_calls_without_losing_entities() {
        let nodes: Vec<BulkNode> = (0..100)
            .map(|i| node(&["A"], &[("i", Value::Int(i))]))
            .collect();
        let rels: Vec<BulkRelationship> = (0..100).map(|i| rel("R", i, 99 - i, &[])).collect();
        let header = encode_header("A", &["i"]).len(); // 8 bytes, nodes 9 bytes each
        let limits = BulkLimits {
            max_call_bytes: 200,
            max_token_bytes: 100,
            max_tokens_per_call: 3,
        };
        let plan = encode(&nodes, &rels, limits).unwrap();
        assert!(plan.calls.len() > 1);
        let mut node_total = 0;
        let mut edge_total = 0;
        for call in &plan.calls {
            assert!(call.token_bytes() <= 200);
            assert!(call.node_tokens.len() + call.edge_tokens.len() <= 3);
            for t in call.node_tokens.iter().chain(&call.edge_tokens) {
                assert!(t.len() <= 100);
            }
            let nodes_in_tokens: usize = call
                .node_tokens
                .iter()
                .map(|t| (t.len() - header) / 9)
                .sum();
            assert_eq!(nodes_in_tokens as u64, call.node_count);
            node_total += call.node_count;
            edge_total += call.edge_count;
        }
        assert_eq!((node_total, edge_total), (100, 100));
        // Every edge is sent in a call no earlier than the calls creating its endpoints.
        let last_node_call = plan.calls.iter().rposition(|c| c.node_count > 0).unwrap();
        let first_edge_call = plan.calls.iter().position(|c| c.edge_count > 0).unwrap();
        assert!(first_edge_call >= last_node_call);
        let too_small = BulkLimits {
            max_call_bytes: 10,
            ..limits
        };
        assert!(matches!(
            encode(&nodes, &rels, too_small),
            Err(BulkError::EntityTooLarge { .. })
        ));
    }

    #[test]
    fn an_empty_load_is_one_empty_call() {
        let plan = encode(&[], &[], BulkLimits::default()).unwrap();
        assert_eq!(plan.calls, vec![BulkCall::default()]);
        let args = plan.calls[0].args(true);
        let args: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
        assert_eq!(args, vec![&b"BEGIN"[..], b"0", b"0", b"0", b"0"]);
    }

    fn edge(t: &str, start: u64, end: u64, pairs: &[(&str, Value)]) -> BulkEdge {
        BulkEdge {
            rel_type: t.to_owned(),
            start,
            end,
            properties: props(pairs),
        }
    }

    #[test]
    fn a_buffer_of_one_page_encodes_as_encode_does() {
        let page = [
            node(&["A"], &[("x", Value::Int(1))]),
            node(&["B"], &[("x", Value::Int(2))]),
            node(&["A"], &[("x", Value::Int(3))]),
            node(&["B"], &[]),
        ];
        let plan = encode(&page, &[], BulkLimits::default()).unwrap();
        let mut buffer = BulkBuffer::new(BulkLimits::default()).unwrap();
        buffer.add_nodes(&page).unwrap();
        let (calls, order) = buffer.take().unwrap();
        assert_eq!(calls, plan.calls);
        // order[k] = the input whose id is k.
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(plan.node_ids[i], k as u64);
        }
        assert_eq!(buffer.take().unwrap(), (Vec::new(), Vec::new()), "take empties it");
    }

    #[test]
    fn pages_merge_into_one_token_per_header() {
        let mut buffer = BulkBuffer::new(BulkLimits::default()).unwrap();
        for page in 0..3 {
            buffer
                .add_nodes(&[
                    node(&["A"], &[("x", Value::Int(page))]),
                    node(&["B"], &[("x", Value::Int(page))]),
                ])
                .unwrap();
        }
        assert_eq!((buffer.node_count(), buffer.header_count()), (6, 2));
        let (calls, order) = buffer.take().unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].node_count, calls[0].node_tokens.len()), (6, 2));
        // All A nodes (positions 0, 2, 4 across the pages), then all B nodes.
        assert_eq!(order, vec![0, 2, 4, 1, 3, 5]);

        for page in 0..3u64 {
            buffer
                .add_edges(&[edge("R", page, page + 1, &[("w", Value::Int(1))])], 4)
                .unwrap();
        }
        let (calls, order) = buffer.take().unwrap();
        assert!(order.is_empty());
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].edge_count, calls[0].edge_tokens.len()), (3, 1));
        let header = encode_header("R", &["w"]);
        assert_eq!(calls[0].edge_tokens[0].len(), header.len() + 3 * (16 + 9));
    }

    #[test]
    fn a_refused_input_leaves_the_buffer_as_it_was() {
        let mut buffer = BulkBuffer::new(BulkLimits::default()).unwrap();
        let first = [node(&["A"], &[("x", Value::Int(1))])];
        buffer.add_nodes(&first).unwrap();
        let bytes = buffer.payload_bytes();
        // The second node of this page is refused after the first was encoded (a new label
        // and a new header), and so is the whole page.
        let refused = buffer.add_nodes(&[
            node(&["C"], &[("y", Value::Int(2))]),
            node(&[], &[("x", Value::Int(3))]),
        ]);
        assert_eq!(
            refused,
            Err(BulkError::UnlabeledNode {
                entity: EntityRef::Node(1)
            })
        );
        assert_eq!(
            (buffer.node_count(), buffer.header_count(), buffer.payload_bytes()),
            (1, 1, bytes)
        );
        let (calls, _) = buffer.take().unwrap();
        assert_eq!(calls, encode(&first, &[], BulkLimits::default()).unwrap().calls);

        let dangling = buffer.add_edges(&[edge("R", 0, 0, &[]), edge("R", 0, 7, &[])], 1);
        assert!(matches!(
            dangling,
            Err(BulkError::DanglingEndpoint {
                entity: EntityRef::Relationship(1),
                ..
            })
        ));
        assert_eq!(buffer.edge_count(), 0);

        let small = BulkLimits {
            max_call_bytes: 40,
            ..BulkLimits::default()
        };
        let mut buffer = BulkBuffer::new(small).unwrap();
        let big = buffer.add_nodes(&[
            node(&["A"], &[("x", Value::Int(1))]),
            node(&["A"], &[("x", Value::from("a long string that does not fit"))]),
        ]);
        assert!(matches!(
            big,
            Err(BulkError::EntityTooLarge {
                entity: EntityRef::Node(1),
                ..
            })
        ));
        assert_eq!(buffer.node_count(), 0);
    }

    #[test]
    fn replies_are_parsed() {
        let reply = redis::Value::BulkString(b"3 nodes created, 4 edges created".to_vec());
        assert_eq!(parse_reply(&reply), Some((3, 4)));
        assert_eq!(parse_reply(&redis::Value::Nil), None);
    }
}
