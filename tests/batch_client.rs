//! The Batch API client (`snow::batch`) against the sandbox: many writes in one round trip,
//! every item's answer checked, and a clear refusal from an instance without the Batch API.

mod common;

use calsync::snow::batch::{BatchError, Served};
use calsync::snow::{Request, SnError};
use common::*;
use serde_json::json;

const ALIAS: &str = "0123456789abcdef0123456789abcdef";
const CRED: &str = "fedcba9876543210fedcba9876543210";

#[tokio::test]
async fn writes_that_point_at_each_other_go_in_one_round_trip() {
    let sb = sandbox().await;
    let c = client(&sb);
    let profile = row(&sb, "oauth_entity_profile", "name", "Microsoft Exchange Online default_profile").unwrap();
    let spoke = row(&sb, "sys_alias", "id", "sn_ex_online_spke.Microsoft_Exchange_Online").unwrap();
    let (requests, batches) = (sb.requests(), sb.batches());
    let answers = c
        .batch(&[
            Request::insert(
                "sys_alias",
                json!({"sys_id": ALIAS, "name": "Batch_Alias", "parent": spoke["sys_id"], "type": "connection"}),
            ),
            Request::insert(
                "oauth_2_0_credentials",
                json!({"sys_id": CRED, "name": "Batch Cred", "oauth_entity_profile": profile["sys_id"]}),
            ),
            Request::insert(
                "http_connection",
                json!({"name": "Batch Conn", "connection_alias": ALIAS, "credential": CRED,
                       "connection_url": "https://graph.microsoft.com"}),
            ),
            Request::update("oauth_2_0_credentials", CRED, json!({"order": "50"})),
            Request::get("sys_alias", ALIAS),
        ])
        .await
        .expect("the batch runs");
    assert_eq!(sb.requests() - requests, 1, "one HTTP request");
    assert_eq!(sb.batches() - batches, 1);
    assert_eq!(answers.len(), 5);
    for a in &answers {
        assert!(matches!(a, Served::Done(Some(_))), "{a:?}");
    }
    let conn = row(&sb, "http_connection", "name", "Batch Conn").expect("connection made");
    assert_eq!(conn["connection_alias"], ALIAS, "the caller-chosen sys_id was kept and pointed at");
    assert_eq!(conn["credential"], CRED);
    assert_eq!(row(&sb, "oauth_2_0_credentials", "sys_id", CRED).unwrap()["order"], "50");
    let Served::Done(Some(alias)) = &answers[4] else { unreachable!() };
    assert_eq!(alias["name"], "Batch_Alias");
}

#[tokio::test]
async fn each_item_is_checked_on_its_own() {
    let sb = sandbox().await;
    let c = client(&sb);
    let answers = c
        .batch(&[
            Request::insert("sys_properties", json!({"name": "calsync.batch.one", "value": "1"})),
            // Names are unique without regard to case: the instance refuses this one.
            Request::insert("sys_properties", json!({"name": "CALSYNC.BATCH.ONE", "value": "2"})),
            Request::update("sys_properties", "00000000000000000000000000000000", json!({"value": "x"})),
            Request::insert("sys_properties", json!({"name": "calsync.batch.two", "value": "3"})),
        ])
        .await
        .expect("the batch runs");
    assert!(matches!(answers[0], Served::Done(Some(_))), "{:?}", answers[0]);
    assert!(matches!(&answers[1], Served::Failed(SnError::Forbidden { .. })), "{:?}", answers[1]);
    assert!(matches!(&answers[2], Served::Failed(SnError::NotFound { .. })), "{:?}", answers[2]);
    assert!(matches!(answers[3], Served::Done(Some(_))), "later items still run: {:?}", answers[3]);
}

#[tokio::test]
async fn an_instance_without_the_batch_api_is_a_refusal_and_nothing_runs() {
    let sb = sandbox().await;
    let c = client(&sb);
    sb.set_batch_refused(true);
    let writes = sb.writes();
    let err = c
        .batch(&[Request::insert("sys_properties", json!({"name": "calsync.batch.refused", "value": "1"}))])
        .await
        .expect_err("refused");
    assert!(matches!(err, BatchError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("refused the Batch API"), "{err}");
    assert_eq!(sb.writes(), writes);
    assert!(row(&sb, "sys_properties", "name", "calsync.batch.refused").is_none());
}

#[tokio::test]
async fn a_wrong_password_is_not_a_refusal() {
    let sb = sandbox().await;
    let c = client_as(&sb, "admin", "wrong");
    let err = c.batch(&[Request::get("sys_user", "x")]).await.expect_err("unauthorized");
    assert!(matches!(err, BatchError::Failed(SnError::Unauthorized { .. })), "{err:?}");
}

/// The generation number the state file's lock file holds: every save raises it by one.
fn generation(state: &std::path::Path) -> u64 {
    let lock = state.with_file_name("state.json.lock");
    std::fs::read_to_string(lock).expect("lock file").trim().parse().expect("a number")
}

#[tokio::test]
async fn a_batch_saves_the_state_file_once_with_every_item_that_ran() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    let opts = || calsync::sandbox::Options { state: Some(state.clone()), ..calsync::sandbox::Options::default() };
    let sb = calsync::sandbox::Sandbox::start(calsync::sandbox::Options { reset: true, ..opts() })
        .await
        .expect("sandbox starts");
    let c = client(&sb);
    let before = generation(&state);
    let answers = c
        .batch(&[
            Request::insert("sys_properties", json!({"name": "calsync.unit.one", "value": "1"})),
            Request::insert("sys_properties", json!({"name": "calsync.unit.two", "value": "2"})),
            // Refused (the name is taken without regard to case); it undoes nothing.
            Request::insert("sys_properties", json!({"name": "CALSYNC.UNIT.ONE", "value": "3"})),
            Request::insert("sys_properties", json!({"name": "calsync.unit.three", "value": "4"})),
        ])
        .await
        .expect("the batch runs");
    assert!(matches!(&answers[2], Served::Failed(SnError::Forbidden { .. })), "{:?}", answers[2]);
    assert_eq!(generation(&state), before + 1, "three writes in one batch, one save");
    sb.stop().await;
    // What the file holds is what the batch did, item by item.
    let later = calsync::sandbox::Sandbox::start(opts()).await.expect("sandbox starts again");
    for (name, value) in [("calsync.unit.one", "1"), ("calsync.unit.two", "2"), ("calsync.unit.three", "4")] {
        let r = row(&later, "sys_properties", "name", name).unwrap_or_else(|| panic!("{name} kept"));
        assert_eq!(r["value"], value);
    }
}
