//! Apply through the Batch API (`plan::batched`): a switch, one batch and a restore for a
//! one-scope plan of any size; a refused Batch API falls back to one request per record
//! and says so; a failed item is reported, and a rerun repairs what it left.

mod common;

use calsync::plan::apply::{Prior, Report, Status};
use calsync::plan::{self, batched::apply_batched};
use calsync::snow::Client;
use common::*;

/// A personal-mode plan with `n` delegated mailboxes, each with its own alias, credential,
/// connection and calendar provider.
fn mailboxes(n: usize) -> String {
    let mut t = String::from("mode = \"personal\"\n");
    for i in 0..n {
        t += &format!(
            "[[alias]]\nname = \"Rooms_{i:02}\"\n\n\
             [[credential]]\nname = \"Rooms {i:02}\"\nprofile = \"Microsoft Exchange Online_personalAuth default profile\"\ndelegated_user = \"rooms-{i:02}@contoso.com\"\n\n\
             [[connection]]\nname = \"Rooms {i:02}\"\nalias = \"Rooms_{i:02}\"\ncredential = \"Rooms {i:02}\"\n\n\
             [[provider]]\nname = \"Rooms {i:02}\"\nalias = \"Rooms_{i:02}\"\ndelegated_user = \"rooms-{i:02}@contoso.com\"\n\n"
        );
    }
    t
}

async fn run(c: &Client, text: &str, prior: Option<&Prior>) -> (plan::Diff, Report) {
    let p = plan::parse("plan.toml", text).expect("plan parses");
    let st = plan::read_state(c, &p).await.expect("state reads");
    let d = plan::diff(&p, &st);
    let r = apply_batched(c, &d, &st, prior, |_| {}).await;
    (d, r)
}

#[tokio::test]
async fn ten_mailboxes_in_a_switch_a_batch_and_a_restore() {
    let sb = sandbox().await;
    let c = client(&sb);
    let text = mailboxes(10);
    let p = plan::parse("plan.toml", &text).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    assert_eq!(d.summary().create, 40);
    let before = c.requests_sent();
    let r = apply_batched(&c, &d, &st, None, |_| {}).await;
    assert!(!r.failed(), "{r:#?}");
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(c.requests_sent() - before, 3, "switch, batch, restore");
    assert_eq!(sb.batches(), 1);
    for i in 0..10 {
        let alias = row(&sb, "sys_alias", "name", &format!("Rooms_{i:02}")).expect("alias");
        assert_eq!(alias["id"], format!("sn_wsd_rsvsync.Rooms_{i:02}"));
        let cred = row(&sb, "oauth_2_0_credentials", "name", &format!("Rooms {i:02}")).expect("credential");
        let conn = row(&sb, "http_connection", "name", &format!("Rooms {i:02}")).expect("connection");
        assert_eq!(conn["connection_alias"], alias["sys_id"]);
        assert_eq!(conn["credential"], cred["sys_id"]);
        let prov = row(&sb, "sn_wsd_rsvsync_provider", "name", &format!("Rooms {i:02}")).expect("provider");
        assert_eq!(prov["connection_alias"], alias["sys_id"]);
    }
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0, "the picker put back");
    let writes = sb.writes();
    let (d, r) = run(&c, &text, None).await;
    assert!(!d.has_changes() && r.outcomes.is_empty(), "{:#?}", d.items);
    assert_eq!(sb.writes(), writes);
}

#[tokio::test]
async fn a_refused_batch_api_falls_back_to_one_request_per_record_and_says_so() {
    let sb = sandbox().await;
    let c = client(&sb);
    sb.set_batch_refused(true);
    let (d, r) = run(&c, &example("personal-two-mailboxes.toml"), None).await;
    assert!(!r.failed(), "{r:#?}");
    assert_eq!(r.outcomes.len(), d.summary().create + d.summary().update);
    assert!(r.outcomes.iter().all(|o| o.status.is_done()));
    assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
    assert!(r.notes[0].contains("refused the Batch API") && r.notes[0].contains("one record per request"));
    let (d, _) = run(&c, &example("personal-two-mailboxes.toml"), None).await;
    assert!(!d.has_changes(), "{:#?}", d.items);
}

#[tokio::test]
async fn a_refused_item_is_reported_and_the_rerun_repairs_what_points_at_it() {
    let sb = sandbox().await;
    let c = client(&sb);
    let text = mailboxes(2);
    let p = plan::parse("plan.toml", &text).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    // Someone creates the first alias's ID (in another case) after the diff was read.
    sb.with_store(|s| {
        let mut stray =
            s.first_where("sys_alias", "id", "sn_ex_online_spke.Microsoft_Exchange_Online").cloned().unwrap();
        stray.insert("sys_id".into(), "ab".repeat(16));
        stray.insert("name".into(), "ROOMS_00".into());
        stray.insert("id".into(), "SN_WSD_RSVSYNC.ROOMS_00".into());
        s.rows.push(stray);
    });
    let r = apply_batched(&c, &d, &st, None, |_| {}).await;
    assert!(r.failed());
    let alias = r.outcomes.iter().find(|o| o.name == "Rooms_00").unwrap();
    assert!(matches!(&alias.status, Status::Failed(m) if m.to_string().contains("Error during insert")), "{alias:?}");
    for kind in [plan::Kind::Connection, plan::Kind::Provider] {
        let o = r.outcomes.iter().find(|o| o.name == "Rooms 00" && o.kind == kind).unwrap();
        assert!(
            matches!(&o.status, Status::Failed(m) if m.to_string().contains("points at the alias \"Rooms_00\"")),
            "{o:?}"
        );
    }
    let other = r.outcomes.iter().find(|o| o.name == "Rooms 01" && o.kind == plan::Kind::Connection).unwrap();
    assert!(other.status.is_done(), "{other:?}");
    // The admin removes the stray record and runs again: the connection is repointed.
    sb.with_store(|s| s.rows.retain(|r| r.get("name").map(String::as_str) != Some("ROOMS_00")));
    let (_, r) = run(&c, &text, None).await;
    assert!(!r.failed(), "{r:#?}");
    let alias = row(&sb, "sys_alias", "name", "Rooms_00").expect("alias made on the rerun");
    assert_eq!(row(&sb, "http_connection", "name", "Rooms 00").unwrap()["connection_alias"], alias["sys_id"]);
    assert_eq!(row(&sb, "sn_wsd_rsvsync_provider", "name", "Rooms 00").unwrap()["connection_alias"], alias["sys_id"]);
    assert_eq!(count(&sb, "http_connection", "name", "Rooms 00"), 1);
}
