//! Every `#[test]` integration suite, as modules of one test binary: each former
//! `tests/<name>.rs` binary linked the whole library and its dependencies again, which on two
//! cores cost more than compiling the tests themselves. `cargo test --test it -- <module>::`
//! runs one suite (`-- values_exact::`), `-- <name>` filters by test name as before.
//!
//! The data-driven suites (libtest-mimic trials: tests/validate, scenarios, tests/neo4j, the
//! Docker launcher, the faults) are the other binary, tests/trials/main.rs.

#[path = "../support/mod.rs"]
mod support;

mod bulk_falkordb;
mod cli_surface;
mod compose_file;
mod content_fail_fast;
mod dump_cli;
mod dump_format;
mod e2e_falkordb;
mod endpoint_serial;
mod exact_doubles_falkordb;
mod float_tiers_falkordb;
mod input_errors;
mod layering;
mod matrix_cli;
mod migrations_falkordb;
mod migrations_neo4j;
mod neo4j_native;
mod neo4j_values;
mod network_timeouts;
mod partial_state;
mod process_launcher;
mod queries_falkordb;
mod queries_render;
mod report_html;
mod roundtrip_capabilities;
mod roundtrip_codec;
mod roundtrip_falkordb;
mod roundtrip_strategies;
mod scenario_schema;
mod schema_falkordb;
mod schema_parsing;
mod values_exact;
mod values_exact_neo4j;
mod vector_index_falkordb;
mod verify_cli;
