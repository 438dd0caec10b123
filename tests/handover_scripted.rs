//! Handing tokens to the instance (`oauth::handover::store`) when the write of a token's
//! value fails (a stand-in in front of the sandbox answers it with a 503 page): no token
//! row may then claim a live expiry for a value it does not hold, and a rerun stores both.

mod common;

use calsync::oauth::flow::Tokens;
use calsync::oauth::handover::store;
use calsync::snow::Request;
use common::instance::{At, Fault, Faulty};
use common::*;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::time::Duration;

fn tokens(access: &str, refresh: &str) -> Tokens {
    Tokens {
        access_token: SecretString::from(access.to_string()),
        refresh_token: Some(SecretString::from(refresh.to_string())),
        id_token: None,
        expires_in: Some(Duration::from_secs(3600)),
        scopes: vec!["Calendars.ReadWrite".into(), "offline_access".into()],
    }
}

/// The write that carries a token's value: the only one that says its values are display values.
fn value_write(r: &Request) -> bool {
    r.table == "oauth_credential" && r.param("sysparm_input_display_value") == Some("true")
}

fn token_rows(sb: &calsync::sandbox::Sandbox) -> Vec<BTreeMap<String, String>> {
    sb.with_store(|s| s.scan("oauth_credential").cloned().collect())
}

async fn store_with(
    c: &dyn calsync::snow::Instance,
    sb: &calsync::sandbox::Sandbox,
    t: &Tokens,
) -> Result<Vec<String>, String> {
    let cred = row(sb, "oauth_2_0_credentials", "name", "MS Graph 1").unwrap();
    let entity = row(sb, "oauth_entity", "name", "Microsoft Exchange Online").unwrap();
    store(c, &cred["sys_id"], "MS Graph 1", &cred["oauth_entity_profile"], &entity["sys_id"], t)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_token_row_whose_value_write_fails_is_not_left_behind() {
    for nth in [1, 2] {
        let sb = sandbox().await;
        let label = if nth == 1 { "the access token's value" } else { "the refresh token's value" };
        let faulty = Faulty::new(client(&sb), vec![(At::Matching(value_write, nth), Fault::unavailable_page())]);
        let e = store_with(&faulty, &sb, &tokens("access-1", "refresh-1")).await.expect_err(label);
        assert!(e.contains("503"), "{label}: {e}");
        assert_eq!(faulty.hit().len(), 1, "{label}");
        for r in token_rows(&sb) {
            assert!(!r["token_received"].is_empty(), "{label}: a token row without its value was left: {r:?}");
        }
        store_with(&client(&sb), &sb, &tokens("access-1", "refresh-1")).await.expect("the rerun stores both");
        let rows = token_rows(&sb);
        assert_eq!(rows.len(), 2, "{label}: one access and one refresh row: {rows:?}");
        assert!(rows.iter().all(|r| !r["token_received"].is_empty()), "{label}: {rows:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_token_whose_value_write_fails_keeps_its_old_expiry() {
    let sb = sandbox().await;
    store_with(&client(&sb), &sb, &tokens("access-1", "refresh-1")).await.expect("first store");
    // The rows as the instance has them, with an expiry already past, as an old token's is.
    sb.with_store(|s| {
        for r in s.rows.iter_mut().filter(|r| r.get("sys_class_name").map(String::as_str) == Some("oauth_credential")) {
            r.insert("expires".into(), "2020-01-01 00:00:00".into());
        }
    });
    let before = token_rows(&sb);
    let faulty = Faulty::new(client(&sb), vec![(At::Matching(value_write, 1), Fault::unavailable_page())]);
    store_with(&faulty, &sb, &tokens("access-2", "refresh-2")).await.expect_err("the value write fails");
    let after = token_rows(&sb);
    let access =
        |rows: &[BTreeMap<String, String>]| rows.iter().find(|r| r["type"] == "access_token").cloned().unwrap();
    assert_eq!(
        (access(&after)["token_received"].clone(), access(&after)["expires"].clone()),
        (access(&before)["token_received"].clone(), access(&before)["expires"].clone()),
        "the old access token must not be given the new one's expiry"
    );
}
