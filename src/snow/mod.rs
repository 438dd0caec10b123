//! Talking to a ServiceNow instance over its REST Table API.

pub mod auth;
pub mod batch;
pub mod client;
pub mod dictionary;
pub mod error;
pub mod probe;
pub mod query;
pub mod records;

pub use batch::{BatchError, Served};
pub use client::{Auth, COMMAND_DEADLINE, Client, Limits, RetryPolicy};
pub use error::{HtmlPage, SnError};
pub use query::{Query, QueryError};
