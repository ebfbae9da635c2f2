//! The engine-neutral value model: every value a query can return, typed.
//!
//! Both engines convert their driver's values into [`Value`], so every step above the
//! connection (movers, checks, reports) compares typed values, never display strings.

pub mod canonical;
mod model;

pub use model::{Node, Point, Relationship, Value, Zone};
