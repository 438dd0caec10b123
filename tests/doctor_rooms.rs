//! The doctor's room findings say what is left to do, with commands that run as printed:
//! a subscription made before the webhook registry had its callback URL, and a room read
//! as the app in normal mode (no delegate to sign in).

mod common;

use calsync::doctor::{read, rooms};
use calsync::facts;
use calsync::plan;
use calsync::sandbox::Sandbox;
use common::*;

async fn apply_text(sb: &Sandbox, text: &str) {
    let c = client(sb);
    let p = plan::parse("plan.toml", text).expect("plan parses");
    let st = plan::read_state(&c, &p).await.expect("read");
    let r = plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await;
    assert!(!r.failed(), "{:?}", r.outcomes);
}

/// Activate pressed before Callback URL (the walk's order), then Callback URL: the fix no
/// longer points at a webhook finding that is gone, and links the room's form, where
/// Deactivate and Activate are (before: "(below)" and only the subscription's link).
#[tokio::test]
async fn a_subscription_made_before_the_callback_url_says_what_is_left() {
    let sb = sandbox().await;
    apply_text(&sb, &example("personal-rooms.toml")).await;
    let everest = row(&sb, facts::RSV_CONFIG_TABLE, "email", "everest@contoso.com").unwrap();
    let msg = sb.ui_action(facts::RSV_CONFIG_TABLE, &everest["sys_id"], "activate").unwrap();
    assert!(msg.contains("no callback URL"), "{msg}");
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let found = |r: &rooms::RoomSnapshot| {
        rooms::check(&snap, r, &calsync::clock::now_utc())
            .into_iter()
            .find(|f| f.id == "ROOM-SUBSCRIPTION-FAILED")
            .expect("the failed subscription is named")
    };
    let link = format!("{}/{}.do?sys_id={}", sb.url(), facts::RSV_CONFIG_TABLE, everest["sys_id"]);
    let before = found(&rooms::read(&c).await.unwrap());
    assert!(before.fix.contains("WEBHOOK-NO-CALLBACK") && before.fix.contains(&link), "{}", before.fix);

    let webhook = row(&sb, facts::WEBHOOK_TABLE, "name", facts::WEBHOOK_NAME).unwrap();
    sb.ui_action(facts::WEBHOOK_TABLE, &webhook["sys_id"], "callback_url").unwrap();
    let after = found(&rooms::read(&c).await.unwrap());
    assert!(after.title.contains("subscription of Everest failed ("), "{}", after.title);
    assert!(after.fix.contains("has its callback URL now") && after.fix.contains(&link), "{}", after.fix);
    assert!(!after.fix.contains("below"), "{}", after.fix);
    assert!(after.evidence.iter().any(|e| e.link == link), "the room's form is linked: {:?}", after.evidence);
}

/// Normal mode: the room is read as the app, so the doctor does not ask for a delegate's
/// sign-in (before: "calsync authorize --credential \"MS Graph 1\" --expect-user MAILBOX").
#[tokio::test(flavor = "multi_thread")]
async fn a_room_in_normal_mode_asks_for_no_delegate() {
    let sb = sandbox().await;
    apply_text(
        &sb,
        "mode = \"normal\"\n\n[[room]]\nlocation = \"Everest\"\nemail = \"everest@contoso.com\"\nprovider = \"Microsoft Exchange Online\"\n",
    )
    .await;
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let r = rooms::read(&c).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = common::services(dir.path(), Person::Leaves);
    let opts = calsync::doctor::AccountCheck {
        instance_key: "normal".into(),
        login_base: Some(sb.url().into()),
        graph_base: Some(sb.url().into()),
        sandbox_secret: true,
    };
    let found = rooms::graph_checks(&services, &c, &snap, &r, &opts).await;
    let f = found.iter().find(|f| f.id == "ROOM-GRAPH-UNCHECKED").expect("not checked is said");
    assert!(f.title.contains("signs in as the app"), "{}", f.title);
    assert!(!f.fix.contains("authorize") && !f.fix.contains("MAILBOX"), "{}", f.fix);
}

/// The webhook registry's fix on a first setup, whose rooms were never active, asks for
/// Activate, not "deactivate and activate the rooms"; once a room was activated without
/// the callback URL, it names that room for Deactivate and Activate.
#[tokio::test]
async fn the_webhook_fix_asks_only_the_active_rooms_to_be_deactivated() {
    let sb = sandbox().await;
    apply_text(&sb, &example("personal-rooms.toml")).await;
    let c = client(&sb);
    let fix = |snap: &read::Snapshot, r: &rooms::RoomSnapshot| {
        rooms::check(snap, r, &calsync::clock::now_utc())
            .into_iter()
            .find(|f| f.id == "WEBHOOK-NO-CALLBACK")
            .expect("the fresh sandbox's registry has no callback URL")
            .fix
    };
    let snap = read::read(&c).await.unwrap();
    let first = fix(&snap, &rooms::read(&c).await.unwrap());
    assert!(!first.to_lowercase().contains("deactivate"), "{first}");
    assert!(first.contains("activate each room's configuration"), "{first}");

    let everest = row(&sb, facts::RSV_CONFIG_TABLE, "email", "everest@contoso.com").unwrap();
    sb.ui_action(facts::RSV_CONFIG_TABLE, &everest["sys_id"], "activate").unwrap();
    let snap = read::read(&c).await.unwrap();
    let then = fix(&snap, &rooms::read(&c).await.unwrap());
    assert!(then.contains("deactivate and activate Everest (their subscriptions were made without it)"), "{then}");
    assert!(then.contains("the inactive rooms need only Activate"), "{then}");
}
