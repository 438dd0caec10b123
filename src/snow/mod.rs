//! Talking to a ServiceNow instance over its REST Table API. `Instance` (instance.rs) is
//! the seam every layer above takes; `Client` (client.rs, with batch.rs) implements it over
//! HTTP with the one error mapper, retries, limits and the command deadline.

pub mod auth;
pub mod batch;
pub mod client;
pub mod dictionary;
pub mod error;
pub mod instance;
pub mod probe;
pub mod query;
pub mod records;

pub use batch::{BatchError, Served};
pub use client::{Answer, Auth, COMMAND_DEADLINE, Client, Limits, RetryPolicy};
pub use error::{HtmlPage, SnError};
pub use instance::{Instance, InstanceExt, Request};
pub use query::{Query, QueryError};
