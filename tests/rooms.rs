//! Rooms against the sandbox: the plan's `[[room]]` section, its diff and apply, the bad
//! input the WCS docs imply (each one sentence, nothing written), activation by the form's
//! Activate action and the subscription it makes, and the doctor's room and Graph checks.

mod common;

use calsync::facts;
use calsync::plan::{self, Action, Kind};
use calsync::sandbox::Sandbox;
use common::*;

const ROOMS: &str = "personal-rooms.toml";

fn with_rooms(extra: &str) -> String {
    format!("{}\n{extra}", example(ROOMS))
}

async fn apply_text(sb: &Sandbox, text: &str) -> (plan::Diff, plan::apply::Report) {
    let c = client(sb);
    let p = plan::parse("plan.toml", text).expect("plan parses");
    let st = plan::read_state(&c, &p).await.expect("read");
    let d = plan::diff(&p, &st);
    let r = plan::apply::apply(&c, &d, &st, |_| {}).await;
    (d, r)
}

fn configs(sb: &Sandbox) -> usize {
    sb.with_store(|s| s.scan(facts::RSV_CONFIG_TABLE).count())
}

#[tokio::test]
async fn rooms_are_created_inactive_and_the_second_apply_changes_nothing() {
    let sb = sandbox().await;
    let (d, r) = apply_text(&sb, &example(ROOMS)).await;
    assert!(!r.failed(), "{:?}", r.outcomes);
    let rooms: Vec<_> = d.items.iter().filter(|i| i.kind == Kind::Room).collect();
    assert_eq!(rooms.len(), 2);
    assert!(rooms.iter().all(|i| i.action == Action::Create), "{rooms:?}");
    let everest = row(&sb, facts::RSV_CONFIG_TABLE, "email", "everest@contoso.com").expect("created");
    assert_eq!(everest["active"], "false", "Exchange configurations start inactive");
    let provider = row(&sb, facts::PROVIDER_TABLE, "name", "Contoso Graph Personal").unwrap();
    assert_eq!(everest["provider"], provider["sys_id"], "points at the provider made in the same apply");

    let (d, _) = apply_text(&sb, &example(ROOMS)).await;
    assert!(!d.has_changes(), "{:?}", d.items);
    let c = client(&sb);
    let p = plan::parse("p", &example(ROOMS)).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let waiting = plan::rooms::awaiting_activation(&d, None, &st, c.instance());
    assert_eq!(waiting.len(), 2, "both rooms still need Activate: {waiting:?}");
    assert!(waiting[0].1.contains(&format!("/{}.do?sys_id=", facts::RSV_CONFIG_TABLE)), "{waiting:?}");
}

#[tokio::test]
async fn each_bad_room_is_one_sentence_and_nothing_is_written() {
    let cases = [
        (
            "[[room]]\nlocation = \"Matterhorn\"\nemail = \"denali@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n",
            "has the email matterhorn@contoso.com on the instance, not denali@contoso.com",
        ),
        (
            "[[room]]\nlocation = \"Nowhere\"\nemail = \"nowhere@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n",
            "there is no room named \"Nowhere\"",
        ),
    ];
    for (extra, sentence) in cases {
        let sb = sandbox().await;
        let (d, r) = apply_text(&sb, &with_rooms(extra)).await;
        assert!(d.has_conflicts() && r.outcomes.is_empty(), "{extra}: nothing is written");
        assert_eq!(configs(&sb), 0, "{extra}");
        let reasons: Vec<_> = d.items.iter().filter_map(|i| i.reason.clone()).collect();
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains(sentence), "{reasons:?}");
        assert!(!reasons[0].trim_end_matches('.').contains(". "), "one sentence: {}", reasons[0]);
    }
}

#[tokio::test]
async fn a_room_already_syncing_through_another_provider_is_refused() {
    let sb = sandbox().await;
    let pre = "mode = \"normal\"\n[[room]]\nlocation = \"Denali\"\nemail = \"denali@contoso.com\"\nprovider = \"Microsoft Exchange Online\"\n";
    let (_, r) = apply_text(&sb, pre).await;
    assert!(!r.failed() && configs(&sb) == 1);
    let before = sb.writes();
    let text = with_rooms(
        "[[room]]\nlocation = \"Denali\"\nemail = \"denali@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n",
    );
    let (d, r) = apply_text(&sb, &text).await;
    assert!(r.outcomes.is_empty() && sb.writes() == before && configs(&sb) == 1, "nothing written");
    let reasons: Vec<_> = d.items.iter().filter_map(|i| i.reason.clone()).collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("\"Denali\" already syncs through the provider \"Microsoft Exchange Online\""),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn an_inactive_provider_is_refused_in_the_plan_and_on_the_instance() {
    let text = example(ROOMS).replace(
        "delegated_user = \"rooms-delegate@contoso.com\"\n\n# The rooms",
        "delegated_user = \"rooms-delegate@contoso.com\"\nactive = false\n\n# The rooms",
    );
    let e = plan::parse("plan.toml", &text).unwrap_err();
    assert_eq!(e.field, "[[room]] provider");
    assert!(e.message.contains("is inactive in this plan"), "{e}");

    let sb = sandbox().await;
    sb.with_store(|s| {
        let p = s
            .rows
            .iter_mut()
            .find(|r| {
                r.get("name").map(String::as_str) == Some("Microsoft Exchange Online")
                    && r["sys_class_name"] == facts::PROVIDER_TABLE
            })
            .unwrap();
        p.insert("active".into(), "false".into());
    });
    let pre = "mode = \"normal\"\n[[room]]\nlocation = \"Everest\"\nemail = \"everest@contoso.com\"\nprovider = \"Microsoft Exchange Online\"\n";
    let (d, r) = apply_text(&sb, pre).await;
    assert!(r.outcomes.is_empty() && configs(&sb) == 0);
    let reason = d.items.iter().find_map(|i| i.reason.clone()).unwrap();
    assert!(reason.contains("is inactive, and an inactive provider's rooms cannot be activated"), "{reason}");
}

#[test]
fn room_entries_are_checked_against_each_other() {
    let twice = with_rooms(
        "[[room]]\nlocation = \"Everest\"\nemail = \"other@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n",
    );
    let e = plan::parse("p", &twice).unwrap_err();
    assert!(e.message.contains("listed twice"), "{e}");
    let shared = with_rooms(
        "[[room]]\nlocation = \"Fuji\"\nemail = \"everest@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n",
    );
    assert!(plan::parse("p", &shared).unwrap_err().message.contains("the mailbox of two rooms"));
    let bad = with_rooms("[[room]]\nlocation = \"Fuji\"\nemail = \"fuji\"\nprovider = \"Contoso Graph Personal\"\n");
    let e = plan::parse("p", &bad).unwrap_err();
    assert_eq!(e.field, "[[room]] email");
    let p = plan::parse("p", &example(ROOMS)).unwrap();
    let strip = |p: plan::Plan| p.rooms.into_iter().map(|r| (r.location, r.email, r.provider)).collect::<Vec<_>>();
    assert_eq!(strip(plan::parse("again", &p.to_toml()).unwrap()), strip(p), "a saved plan keeps its rooms");
}

#[tokio::test]
async fn a_room_without_an_email_gets_the_plans_and_activation_needs_the_registry_and_a_token() {
    let sb = sandbox().await;
    let text = with_rooms(
        "[[room]]\nlocation = \"Fuji\"\nemail = \"everest-annex@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n",
    );
    let (_, r) = apply_text(&sb, &text).await;
    assert!(!r.failed());
    let fuji = row(&sb, facts::SPACE_TABLE, "name", "Fuji").unwrap();
    assert_eq!(fuji["email"], "everest-annex@contoso.com", "the room's form is filled from the configuration");

    let everest = row(&sb, facts::RSV_CONFIG_TABLE, "email", "everest@contoso.com").unwrap();
    let msg = sb.ui_action(facts::RSV_CONFIG_TABLE, &everest["sys_id"], "activate").unwrap();
    assert!(
        msg.contains("subscription failed: the WSDRS Event Subscription webhook registry has no callback URL"),
        "{msg}"
    );
    let webhook = row(&sb, facts::WEBHOOK_TABLE, "name", facts::WEBHOOK_NAME).unwrap();
    sb.ui_action(facts::WEBHOOK_TABLE, &webhook["sys_id"], "callback_url").unwrap();
    let msg = sb.ui_action(facts::RSV_CONFIG_TABLE, &everest["sys_id"], "activate").unwrap();
    assert!(msg.contains("has no OAuth token on the instance"), "{msg}");
}
