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
        "delegated_user = \"rooms-delegate@contoso.com\"\n\n# The instance's general",
        "delegated_user = \"rooms-delegate@contoso.com\"\nactive = false\n\n# The instance's general",
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

use calsync::doctor::{Severity, read, rooms};
use calsync::oauth::session::{SignIn, sign_in};
use calsync::sandbox::identity::CLIENT_SECRET;
use secrecy::SecretString;

const DELEGATE: (&str, &str) = ("rooms-delegate@contoso.com", "Delegate-Pass-1");

/// Signs the delegate in through the sandbox's Microsoft sign-in, as a person would.
async fn delegate_tokens(sb: &Sandbox) -> calsync::oauth::flow::Tokens {
    let mut req = SignIn::as_user(sandbox_registry(sb), Some(SecretString::from(CLIENT_SECRET)), DELEGATE.0, sb.url());
    req.timeout = std::time::Duration::from_secs(20);
    let browser = ScriptedBrowser::new(Person::SignsInAs(DELEGATE.0, DELEGATE.1));
    sign_in(&req, &browser, None, std::future::pending(), |_| {}).await.expect("signed in").tokens
}

/// The rooms plan applied with Matterhorn too, the token on the instance, the callback URL
/// generated and every room activated by its form's Activate action.
async fn syncing(extra: &str) -> (Sandbox, calsync::oauth::flow::Tokens) {
    let sb = sandbox().await;
    let (_, r) = apply_text(&sb, &with_rooms(extra)).await;
    assert!(!r.failed(), "{:?}", r.outcomes);
    let tokens = delegate_tokens(&sb).await;
    let c = client(&sb);
    let cred = row(&sb, "oauth_2_0_credentials", "name", "Contoso Graph Personal").unwrap();
    let entity = row(&sb, "oauth_entity", "name", "Microsoft Exchange Online_personalAuth").unwrap();
    calsync::oauth::handover::store(
        &c,
        &cred["sys_id"],
        &cred["name"],
        &cred["oauth_entity_profile"],
        &entity["sys_id"],
        &tokens,
    )
    .await
    .expect("token on the instance");
    let webhook = row(&sb, facts::WEBHOOK_TABLE, "name", facts::WEBHOOK_NAME).unwrap();
    sb.ui_action(facts::WEBHOOK_TABLE, &webhook["sys_id"], "callback_url").unwrap();
    let ids: Vec<String> = sb.with_store(|s| s.scan(facts::RSV_CONFIG_TABLE).map(|r| r["sys_id"].clone()).collect());
    for id in ids {
        sb.ui_action(facts::RSV_CONFIG_TABLE, &id, "activate").unwrap();
    }
    (sb, tokens)
}

async fn room_findings(sb: &Sandbox) -> Vec<calsync::doctor::Finding> {
    let c = client(sb);
    let snap = read::read(&c).await.unwrap();
    let r = rooms::read(&c).await.unwrap();
    rooms::check(&snap, &r, &calsync::clock::now_utc())
}

fn ids(f: &[calsync::doctor::Finding]) -> Vec<&'static str> {
    f.iter().filter(|f| f.severity != Severity::Info).map(|f| f.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_activated_rooms_sync_and_the_doctor_finds_nothing_wrong() {
    let (sb, _) = syncing("").await;
    let subs = sb.with_store(|s| s.scan(facts::SUBSCRIPTION_TABLE).filter(|r| r["status"] == "active").count());
    assert_eq!(subs, 2, "Activate made one subscription per room");
    let f = room_findings(&sb).await;
    assert!(ids(&f).is_empty(), "{f:#?}");
    let notes: Vec<_> = f.iter().map(|f| f.id).collect();
    assert_eq!(notes, ["JOB-REPROCESS"], "the 429 job is offered, as a note");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_part_of_the_room_chain_is_named() {
    let matterhorn = "[[room]]\nlocation = \"Matterhorn\"\nemail = \"matterhorn@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n";
    let (sb, _) = syncing(matterhorn).await;
    let f = room_findings(&sb).await;
    assert_eq!(ids(&f), ["ROOM-SUBSCRIPTION-FAILED"], "{f:#?}");
    assert!(
        f[0].title.contains("Matterhorn")
            && f[0].fix.contains("Make rooms-delegate@contoso.com a delegate of Matterhorn"),
        "{:#?}",
        f[0]
    );

    sb.with_store(|s| {
        let set = |s: &mut calsync::sandbox::Store, class: &str, key: &str, value: &str, col: &str, to: &str| {
            let r = s
                .rows
                .iter_mut()
                .find(|r| r["sys_class_name"] == class && r.get(key).map(String::as_str) == Some(value))
                .unwrap();
            r.insert(col.into(), to.into());
        };
        set(
            s,
            facts::SUBSCRIPTION_TABLE,
            "email",
            "everest@contoso.com",
            "expiration_date_time",
            "2020-01-01 00:00:00",
        );
        let dup = s
            .rows
            .iter()
            .find(|r| r["sys_class_name"] == facts::SUBSCRIPTION_TABLE && r["email"] == "kilimanjaro@contoso.com")
            .cloned()
            .unwrap();
        let mut dup = dup;
        dup.insert("sys_id".into(), "d".repeat(32));
        s.rows.push(dup);
        set(s, facts::JOB_TABLE, "name", "Queue Webhook Events", "active", "false");
        set(s, facts::FLOW_TABLE, "name", "Renew Subscriptions", "active", "false");
        set(s, facts::WEBHOOK_TABLE, "name", facts::WEBHOOK_NAME, "client_state", "");
        set(s, facts::RSV_CONFIG_TABLE, "email", "matterhorn@contoso.com", "active", "false");
    });
    let mut got = ids(&room_findings(&sb).await);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "FLOW-INACTIVE",
            "JOB-INACTIVE",
            "ROOM-INACTIVE",
            "ROOM-SUBSCRIPTION-DUPLICATE",
            "ROOM-SUBSCRIPTION-EXPIRED",
            "WEBHOOK-NO-CALLBACK"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_answers_per_room_become_findings_with_the_fix() {
    let sb = sandbox().await;
    let tokens = delegate_tokens(&sb).await;
    let cases = [
        ("everest@contoso.com", None),
        ("matterhorn@contoso.com", Some("ROOM-GRAPH-DENIED")),
        ("denali@contoso.com", Some("ROOM-GRAPH-ODATA")),
        ("annapurna@contoso.com", Some("ROOM-GRAPH-NO-MAILBOX")),
        ("room-7", Some("ROOM-GRAPH-INVALID")),
        ("it-admin@contoso.com", Some("ROOM-NOT-A-ROOM")),
    ];
    for (email, want) in cases {
        let result = rooms::open(sb.url(), &tokens.access_token, email).await;
        let t = rooms::Target {
            room: email.to_string(),
            email: email.to_string(),
            config: serde_json::json!({"sys_id": "x"}),
            credential: Some("Contoso Graph Personal".into()),
            delegate: Some(DELEGATE.0.into()),
        };
        let f = rooms::graph_finding(sb.url(), &t, DELEGATE.0, &result);
        assert_eq!(f.as_ref().map(|f| f.id.as_str()), want, "{email}: {result:?}");
        if let Some(f) = f {
            assert_eq!(f.severity, Severity::Error);
            assert!(!f.fix.is_empty());
        }
    }
    // Graph that cannot be reached is a warning, not a pass.
    let dead = "http://127.0.0.1:9";
    let result = rooms::open(dead, &tokens.access_token, "everest@contoso.com").await;
    let t = rooms::Target {
        room: "Everest".into(),
        email: "everest@contoso.com".into(),
        config: serde_json::json!({}),
        credential: None,
        delegate: None,
    };
    let f = rooms::graph_finding(dead, &t, DELEGATE.0, &result).expect("a finding");
    assert_eq!((f.id.as_str(), f.severity), ("GRAPH-UNREACHABLE", Severity::Warning));
}

/// The README's rooms walkthrough, end to end on one sandbox: apply, the delegate's token
/// in the keyring (here in memory) and on the instance, Callback URL and Activate clicked;
/// then the whole doctor, Graph side included, finds nothing wrong (exit 0).
#[tokio::test(flavor = "multi_thread")]
async fn the_rooms_walkthrough_ends_with_a_healthy_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let (services, _memory) = services(dir.path(), Person::SignsInAs(DELEGATE.0, DELEGATE.1));
    let (sb, tokens) = syncing("").await;
    let account = calsync::secrets::Account::RefreshToken {
        instance: "sandbox".into(),
        credential: "Contoso Graph Personal".into(),
    };
    services.secrets.set(&account, tokens.refresh_token.as_ref().unwrap()).await.unwrap();
    let (_, report) = calsync::doctor::examine(&services, &client(&sb), "sandbox", Some(sb.url())).await.unwrap();
    let problems: Vec<_> =
        report.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| (f.id, f.title.clone())).collect();
    assert!(report.healthy && problems.is_empty(), "{problems:#?}");

    // The same walkthrough with Matterhorn, whose delegates lack the account: one error,
    // and Graph says why.
    let matterhorn = "[[room]]\nlocation = \"Matterhorn\"\nemail = \"matterhorn@contoso.com\"\nprovider = \"Contoso Graph Personal\"\n";
    let (sb, tokens) = syncing(matterhorn).await;
    services.secrets.set(&account, tokens.refresh_token.as_ref().unwrap()).await.unwrap();
    let (_, report) = calsync::doctor::examine(&services, &client(&sb), "sandbox", Some(sb.url())).await.unwrap();
    let ids: Vec<_> = report.findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.id).collect();
    assert_eq!(ids, ["ROOM-GRAPH-DENIED", "ROOM-SUBSCRIPTION-FAILED"], "{:#?}", report.findings);
}
