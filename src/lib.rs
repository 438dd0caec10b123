//! calsync connects ServiceNow Workplace Calendar Synchronization to Exchange Online.
//!
//! Architecture, bottom up:
//! - `facts`: every fact about ServiceNow and Microsoft the code depends on, with its
//!   confidence; the one place to correct an uncertain column name or value.
//! - `urls`: the instance address and Graph connection URL checks, shared by every journey.
//! - `snow`: the one Table API client (timeouts, retries, one error mapper) and an
//!   encoded-query builder no value can rewrite.
//! - `plan`: the desired setup as a TOML plan, its diff against the instance, and the
//!   apply engine (scope switch, dependency order, idempotent, never deletes).
//! - `sandbox`: the simulated instance and Microsoft sign-in on loopback, its own crate
//!   (`crates/sandbox`, the only one that serves HTTP with axum), used by `--sandbox` and the tests.
//! - `secrets`: the OS keyring, and nothing else, for passwords, secrets and tokens.
//! - `sanitize`: outside text made safe to print (no terminal escapes).
//! - `cli`: the command line; `main.rs` only parses and dispatches.

pub mod cli;
pub mod clock;
pub mod doctor;
pub mod facts;
pub mod oauth;
pub mod plan;
pub mod sanitize;
pub mod secrets;
pub mod snow;
pub mod urls;
pub mod wizard;

/// The simulated instance, re-exported so `calsync::sandbox` names it for tests and benches.
pub use calsync_sandbox as sandbox;
