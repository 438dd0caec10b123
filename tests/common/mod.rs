//! Helpers shared by the integration tests: an in-memory sandbox and a client for it.
#![allow(dead_code)]

use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::{Client, RetryPolicy};
use calsync::urls::InstanceUrl;
use secrecy::SecretString;
use std::time::Duration;

pub async fn sandbox() -> Sandbox {
    Sandbox::start(sandbox::Options::default()).await.expect("sandbox starts")
}

pub fn client(sb: &Sandbox) -> Client {
    client_as(sb, seed::ADMIN_USER, seed::ADMIN_PASSWORD)
}

pub fn client_as(sb: &Sandbox, user: &str, password: &str) -> Client {
    let url = InstanceUrl::parse(sb.url()).expect("loopback URL");
    Client::new(url, user, SecretString::from(password.to_string())).expect("client builds").with_retry(RetryPolicy {
        attempts: 5,
        max_wait: Duration::from_secs(3),
        base_wait: Duration::from_millis(20),
    })
}

/// Rows of a table whose column has a value, straight from the sandbox's store.
pub fn count(sb: &Sandbox, table: &str, column: &str, value: &str) -> usize {
    sb.with_store(|s| s.scan(table).filter(|r| r.get(column).map(String::as_str) == Some(value)).count())
}

pub fn row(sb: &Sandbox, table: &str, column: &str, value: &str) -> Option<std::collections::BTreeMap<String, String>> {
    sb.with_store(|s| s.first_where(table, column, value).cloned())
}

pub fn example(name: &str) -> String {
    let path = format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
