//! The scenario file format (YAML): what to start, what to seed, how to move the data and what
//! to check. Parsing and static validation only; nothing here touches a server.

mod allow_spec;
mod error;
mod load;
mod model;
mod query_spec;
mod schema_spec;
pub mod statements;

pub use error::ScenarioError;
pub use load::{describe_io_error, discover, duplicate_names, load_file, parse_str};
pub use model::*;
