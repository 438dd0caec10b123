//! Plan, diff and apply against the sandbox over real HTTP.

mod common;

use calsync::plan::apply::{Status, apply};
use calsync::plan::{self, Action, Kind};
use calsync::snow::{Client, InstanceExt};
use common::*;

async fn run(c: &Client, text: &str) -> (plan::Diff, calsync::plan::apply::Report) {
    let p = plan::parse("plan.toml", text).expect("plan parses");
    let st = plan::read_state(c, &p).await.expect("state reads");
    let d = plan::diff(&p, &st);
    let r = apply(c, &d, &st, |_| {}).await;
    (d, r)
}

#[tokio::test]
async fn personal_own_alias_applies_then_converges() {
    let sb = sandbox().await;
    let c = client(&sb);
    let (d, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert_eq!(d.summary().create, 4);
    // The integration mode, and the general provider retired (its own-alias one replaces it).
    assert_eq!(d.summary().update, 2);
    assert!(!r.failed(), "{r:?}");

    let alias = row(&sb, "sys_alias", "name", "Contoso_Graph_Personal").expect("alias made");
    assert_eq!(alias["id"], "sn_wsd_rsvsync.Contoso_Graph_Personal");
    let wcs = row(&sb, "sys_scope", "scope", "sn_wsd_rsvsync").unwrap();
    assert_eq!(alias["sys_scope"], wcs["sys_id"], "the alias is in the WCS scope");
    let parent = row(&sb, "sys_alias", "id", "sn_ex_online_spke.Microsoft_Exchange_Online").unwrap();
    assert_eq!(alias["parent"], parent["sys_id"]);
    let cred = row(&sb, "oauth_2_0_credentials", "name", "Contoso Graph Personal").unwrap();
    let profile = row(&sb, "oauth_entity_profile", "sys_id", &cred["oauth_entity_profile"]).unwrap();
    assert_eq!(profile["name"], "Microsoft Exchange Online_personalAuth default profile");
    let conn = row(&sb, "http_connection", "name", "Contoso Graph Personal").unwrap();
    assert_eq!(conn["connection_alias"], alias["sys_id"]);
    assert_eq!(conn["credential"], cred["sys_id"]);
    assert_eq!(conn["connection_url"], "https://graph.microsoft.com");
    assert_eq!(conn["url_builder"], "false");
    assert_eq!(conn["use_mid"], "false");
    assert_eq!(
        row(&sb, "sys_properties", "name", "sn_wsd_rsvsync.sync_integration_mode").unwrap()["value"],
        "Personal"
    );
    // The current application was switched for the writes and put back (there was none).
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0);

    let writes = sb.writes();
    let requests = c.requests_sent();
    let (d, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(!d.has_changes(), "{:?}", d.items);
    assert!(r.outcomes.is_empty());
    assert_eq!(sb.writes(), writes, "a second apply writes nothing");
    // 14 reads of the setup and 2 of the data dictionary, all sent together.
    assert!(c.requests_sent() - requests <= 16, "a no-op apply is one concurrent round of reads");
}

#[tokio::test]
async fn every_example_plan_applies_and_is_idempotent() {
    for name in [
        "personal-own-alias.toml",
        "personal-default-alias.toml",
        "strict.toml",
        "normal.toml",
        "personal-two-mailboxes.toml",
    ] {
        let sb = sandbox().await;
        let c = client(&sb);
        let (d, r) = run(&c, &example(name)).await;
        assert!(!d.has_conflicts(), "{name}: {:?}", d.items);
        assert!(!r.failed(), "{name}: {r:?}");
        let (d, _) = run(&c, &example(name)).await;
        assert!(!d.has_changes(), "{name} second run: {:?}", d.items);
    }
}

#[tokio::test]
async fn an_existing_current_application_is_put_back() {
    let sb = sandbox().await;
    let c = client(&sb);
    let admin = row(&sb, "sys_user", "user_name", "admin").unwrap()["sys_id"].clone();
    let spoke = row(&sb, "sys_scope", "scope", "sn_ex_online_spke").unwrap()["sys_id"].clone();
    c.insert::<serde_json::Value>(
        "sys_user_preference",
        &serde_json::json!({"user": admin, "name": "apps.current_app", "value": spoke}),
    )
    .await
    .unwrap();
    let (_, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(!r.failed());
    assert_eq!(row(&sb, "sys_user_preference", "name", "apps.current_app").unwrap()["value"], spoke);
    let alias = row(&sb, "sys_alias", "name", "Contoso_Graph_Personal").unwrap();
    assert_ne!(alias["sys_scope"], spoke, "written in WCS while the picker was switched");
}

#[tokio::test]
async fn conflicts_stop_the_apply_before_any_write() {
    let sb = sandbox().await;
    let c = client(&sb);
    // An alias of that name already exists in Global (made while the picker was on Global).
    c.insert::<serde_json::Value>("sys_alias", &serde_json::json!({"name": "Contoso_Graph_Personal"})).await.unwrap();
    let writes = sb.writes();
    let (d, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(d.has_conflicts());
    let conflict = d.items.iter().find(|i| i.action == Action::Conflict).unwrap();
    assert_eq!(conflict.kind, Kind::Alias);
    assert!(conflict.reason.as_ref().unwrap().contains("Global"), "{:?}", conflict.reason);
    assert!(r.outcomes.is_empty());
    assert_eq!(sb.writes(), writes, "nothing written");
}

#[tokio::test]
async fn wrong_parent_and_busy_alias_are_conflicts() {
    let sb = sandbox().await;
    let c = client(&sb);
    run(&c, &example("personal-own-alias.toml")).await;
    let alias = row(&sb, "sys_alias", "name", "Contoso_Graph_Personal").unwrap();
    sb.with_store(|s| {
        let r = s.rows.iter_mut().find(|r| r["sys_id"] == alias["sys_id"]).unwrap();
        r.insert("parent".into(), String::new());
    });
    let (d, _) = run(&c, &example("personal-own-alias.toml")).await;
    let item = d.items.iter().find(|i| i.kind == Kind::Alias).unwrap();
    assert_eq!(item.action, Action::Conflict);
    assert!(item.reason.as_ref().unwrap().contains("no parent"));

    // A second connection for the spoke alias, while MS Graph 1 is active on it.
    let sb = sandbox().await;
    let c = client(&sb);
    let plan = r#"
mode = "strict"
[[credential]]
name = "Second"
profile = "Microsoft Exchange Online default_profile"
delegated_user = "a@contoso.com"
[[connection]]
name = "Second"
alias = "sn_ex_online_spke.Microsoft_Exchange_Online"
credential = "Second"
"#;
    let (d, r) = run(&c, plan).await;
    let item = d.items.iter().find(|i| i.kind == Kind::Connection).unwrap();
    assert_eq!(item.action, Action::Conflict, "{item:?}");
    assert!(item.reason.as_ref().unwrap().contains("MS Graph 1"));
    assert!(r.outcomes.is_empty());
}

#[tokio::test]
async fn a_failed_write_stops_and_a_rerun_converges_without_duplicates() {
    let sb = sandbox().await;
    let c = client(&sb);
    let p = plan::parse("p.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    // The third request from here on (pref switch, alias, credential) fails with a 503.
    sb.set_unavailable_every(0);
    let base = sb.requests();
    let target = base + 3;
    sb.set_unavailable_every(target);
    // One request per record (an instance without the Batch API), so the 503 lands on a write.
    let r = calsync::plan::apply::apply_one_by_one(&c, &d, &st, None, |_| {}).await;
    sb.set_unavailable_every(0);
    assert!(r.failed(), "{r:?}");
    assert!(r.outcomes.iter().any(|o| matches!(o.status, Status::Skipped)));
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0, "picker put back after the failure");

    let (d, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(!r.failed(), "{r:?}");
    assert!(d.items.iter().any(|i| i.kind == Kind::Alias && i.action == Action::Unchanged));
    for (table, name) in [
        ("sys_alias", "Contoso_Graph_Personal"),
        ("oauth_2_0_credentials", "Contoso Graph Personal"),
        ("http_connection", "Contoso Graph Personal"),
    ] {
        assert_eq!(count(&sb, table, "name", name), 1, "{table}");
    }
}

#[tokio::test]
async fn rate_limit_storms_still_converge() {
    let sb = sandbox().await;
    let c = client(&sb);
    sb.set_rate_limit(3, 1);
    let (_, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(!r.failed(), "{r:?}");
    sb.set_rate_limit(0, 0);
    let (d, _) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(!d.has_changes());
    assert_eq!(count(&sb, "sys_alias", "name", "Contoso_Graph_Personal"), 1);
}

#[tokio::test]
async fn two_delegated_mailboxes_get_their_own_alias_credential_connection_and_provider() {
    let sb = sandbox().await;
    let c = client(&sb);
    let (_, r) = run(&c, &example("personal-two-mailboxes.toml")).await;
    assert!(!r.failed(), "{r:?}");
    for (side, user) in [("North", "rooms-north@contoso.com"), ("South", "rooms-south@contoso.com")] {
        let alias = row(&sb, "sys_alias", "name", &format!("Contoso_Rooms_{side}")).unwrap();
        let conn = row(&sb, "http_connection", "name", &format!("Contoso Rooms {side}")).unwrap();
        let provider = row(&sb, "sn_wsd_rsvsync_provider", "name", &format!("Contoso Rooms {side}")).unwrap();
        assert_eq!(conn["connection_alias"], alias["sys_id"]);
        assert_eq!(provider["connection_alias"], alias["sys_id"], "each provider overrides to its own alias");
        assert_eq!(provider["delegated_user_email"], user);
    }
}

/// On an instance that ignores dot-walked conditions, another user's current application
/// is neither read as ours nor changed.
#[tokio::test]
async fn other_users_preferences_are_left_alone() {
    let sb = sandbox().await;
    let c = client(&sb);
    let viewer = row(&sb, "sys_user", "user_name", "viewer").unwrap()["sys_id"].clone();
    let spoke = row(&sb, "sys_scope", "scope", "sn_ex_online_spke").unwrap()["sys_id"].clone();
    c.insert::<serde_json::Value>(
        "sys_user_preference",
        &serde_json::json!({"user": viewer, "name": "apps.current_app", "value": spoke}),
    )
    .await
    .unwrap();
    sb.set_no_dot_walk(true);
    let (_, r) = run(&c, &example("personal-own-alias.toml")).await;
    assert!(!r.failed(), "{r:?}");
    let prefs = sb.with_store(|s| s.scan("sys_user_preference").cloned().collect::<Vec<_>>());
    assert_eq!(prefs.len(), 1, "only the viewer's preference: ours was made and removed");
    assert_eq!(prefs[0]["user"], viewer);
    assert_eq!(prefs[0]["value"], spoke, "the viewer's current application is untouched");
    assert_eq!(count(&sb, "sys_alias", "name", "Contoso_Graph_Personal"), 1);
}
