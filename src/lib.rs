//! calsync connects ServiceNow Workplace Calendar Synchronization to Exchange Online.
//!
//! Architecture, bottom up:
//! - `facts`: every fact about ServiceNow and Microsoft the code depends on, with its
//!   confidence; the one place to correct an uncertain column name or value.
//! - `urls`: the instance address and Graph connection URL checks, shared by every journey.
//! - `snow`: `Instance`, the small trait every layer above takes (one Table API request,
//!   the Batch API; the typed calls are `InstanceExt`'s, built on it), implemented over
//!   HTTP by the one Table API client (timeouts, retries, limits, deadline, one error
//!   mapper); and an encoded-query builder no value can rewrite.
//!   `snow::probe` tells how an instance signs people in before any password is sent;
//!   `snow::auth` signs in with a password (and MFA code), the instance's OAuth, or client
//!   credentials.
//! - `plan`: the desired setup as a TOML plan, its diff against the instance, and the
//!   apply engine (scope switch, dependency order, idempotent, never deletes).
//! - `sandbox`: the simulated instance and Microsoft sign-in on loopback, its own crate
//!   (`crates/sandbox`, the only one that serves HTTP with axum), used by `--sandbox` and the tests.
//! - `profiles`: saved instances (address, user, sign-in method, read-only), secrets excluded.
//! - `secrets`: the OS keyring, and nothing else, for passwords, secrets and tokens;
//!   `secret_store`: the `SecretStore` trait in front of it (an in-memory store for tests),
//!   every call with a deadline. `clock`: the clock behind a trait.
//! - `oauth`: the sign-in, and `oauth::session::authorize`, the one Get OAuth Token.
//! - `doctor`: reads the instance once and explains every misconfiguration.
//! - `wizard`: the terminal UI, a pure state machine (`App`) that owns every fact, and a
//!   driver that only runs its effects; it ends with an `Outcome`.
//! - `config`: the `Config` built once from flags and environment, and `Services`, the
//!   collaborators (config, secret store, browser, clock) passed down to every journey.
//! - `near`: names close to a mistyped one, for "did you mean".
//! - `sanitize`: outside text (instance messages, record names, provider errors) made
//!   safe to print and draw: no terminal escapes.
//! - `cli`: the command line, the only reader of the environment and the one place an
//!   outcome becomes an exit code; `main.rs` only parses and dispatches.

// Unsafe code is denied (Cargo.toml's lint wall) everywhere but in tests.
#![cfg_attr(test, allow(unsafe_code))]

pub mod cli;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod facts;
pub mod near;
pub mod oauth;
pub mod plan;
pub mod profiles;
pub mod sanitize;
pub mod secret_store;
// The kernel keyring is driven through its system calls (libc), the one unsafe code outside
// main.rs and tests.
#[allow(unsafe_code)]
pub mod secrets;
pub mod snow;
pub mod urls;
pub mod wizard;

/// The simulated instance, re-exported so `calsync::sandbox` names it for tests and benches.
pub use calsync_sandbox as sandbox;
