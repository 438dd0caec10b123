//! The doctor against the sandbox: the healthy seed passes, the broken seed names every
//! injected fault, --fix repairs the safe ones, and each check fails on an instance broken
//! just for it and passes on the same instance unbroken.

mod common;

use calsync::doctor::{self, Severity, checks, read};
use calsync::plan::{self, journal};
use calsync::sandbox::{self, Sandbox, Store, seed};
use common::*;
use std::collections::BTreeSet;

async fn ids(sb: &Sandbox) -> BTreeSet<&'static str> {
    let c = client(sb);
    let snap = read::read(&c).await.expect("read");
    checks::run(&snap).into_iter().map(|f| f.id).collect()
}

async fn seeded(s: seed::Seed) -> Sandbox {
    Sandbox::start(sandbox::Options { seed: s, ..Default::default() }).await.unwrap()
}

async fn with_plan(name: Option<&str>) -> Sandbox {
    let sb = sandbox().await;
    if let Some(n) = name {
        let c = client(&sb);
        let p = plan::parse(n, &example(n)).unwrap();
        let st = plan::read_state(&c, &p).await.unwrap();
        let r = plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await;
        assert!(!r.failed());
    }
    sb
}

fn set(store: &mut Store, class: &str, key: &str, value: &str, column: &str, to: &str) {
    let row = store.rows.iter_mut().find(|r| {
        r.get("sys_class_name").map(String::as_str) == Some(class) && r.get(key).map(String::as_str) == Some(value)
    });
    row.unwrap_or_else(|| panic!("no {class} with {key}={value}")).insert(column.into(), to.into());
}

fn remove(store: &mut Store, class: &str, key: &str, value: &str) {
    store.rows.retain(|r| {
        !(r.get("sys_class_name").map(String::as_str) == Some(class) && r.get(key).map(String::as_str) == Some(value))
    });
}

#[tokio::test]
async fn the_healthy_seed_is_healthy() {
    let sb = sandbox().await;
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let r = doctor::report(&snap, checks::run(&snap));
    assert!(r.healthy && r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.mode.as_deref(), Some("normal"));
}

#[tokio::test]
async fn the_broken_seed_is_named_and_fix_repairs_the_safe_faults() {
    let sb = seeded(seed::Seed::Broken).await;
    let found = ids(&sb).await;
    let injected = [
        "ALIAS-MANY-CONNECTIONS",
        "ALIAS-PARENT",
        "ALIAS-RETRY",
        "CONN-CREDENTIAL-INACTIVE",
        "CONN-MID",
        "CONN-URL",
        "CONN-URL-BUILDER",
        "CRED-SCOPES",
        "MODE-VALUE",
        "PROVIDER-PROCESSOR",
    ];
    assert_eq!(found, injected.into_iter().collect(), "every injected fault, and nothing else");

    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let report = doctor::report(&snap, checks::run(&snap));
    assert!(!report.healthy);
    for f in &report.findings {
        assert!(!f.why.is_empty() && !f.fix.is_empty(), "{f:?}");
        for e in &f.evidence {
            assert!(e.link.contains(&format!("/{}.do?sys_id={}", e.table, e.sys_id)), "{e:?}");
        }
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["summary"]["errors"], 9);
    assert_eq!(json["summary"]["warnings"], 1, "the own alias has no retry policy (no parent to inherit from)");
    assert_eq!(json["findings"][0]["severity"], "error");
    let diff = doctor::fix::diff(&report.findings, checks::mode_of(&snap));
    assert_eq!(diff.items.len(), 6, "six records, seven fields");
    let state = doctor::fix::state(&snap);
    let dir = tempfile::tempdir().unwrap();
    let r = journal::apply_journaled(dir.path(), &c, &diff, &state, |_| {}).await.unwrap();
    assert!(!r.failed(), "{r:?}");
    let after = ids(&sb).await;
    for fixed in [
        "ALIAS-PARENT",
        "ALIAS-RETRY",
        "CONN-CREDENTIAL-INACTIVE",
        "CONN-MID",
        "CONN-URL",
        "CONN-URL-BUILDER",
        "MODE-VALUE",
        "PROVIDER-PROCESSOR",
    ] {
        assert!(!after.contains(fixed), "{fixed} repaired: {after:?}");
    }
    assert!(
        after.contains("ALIAS-MANY-CONNECTIONS") && after.contains("CRED-SCOPES"),
        "not safe to repair automatically"
    );
    assert!(after.contains("TOKEN-MISSING"), "now in personal mode, the own credential has no token");
    assert!(after.contains("PROVIDER-DELEGATE") && after.contains("PROVIDER-UNUSED-ALIAS"), "{after:?}");
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0, "the picker was put back");
}

type Mutation = fn(&mut Store);

/// One instance broken for each check, on top of a setup that passes it.
#[tokio::test]
async fn each_check_fails_and_passes() {
    let cases: Vec<(&str, Option<&str>, Mutation)> = vec![
        ("APP-MISSING", None, |s| remove(s, "sys_store_app", "scope", "sn_wsd_rsvsync")),
        ("APP-INACTIVE", None, |s| set(s, "sys_store_app", "scope", "sn_ex_online_spke", "active", "false")),
        ("APP-OLD", None, |s| set(s, "sys_store_app", "scope", "sn_wsd_rsvsync", "version", "1.9.4")),
        ("ALIAS-SPOKE-MISSING", None, |s| remove(s, "sys_alias", "id", "sn_ex_online_spke.Microsoft_Exchange_Online")),
        ("ALIAS-PARENT", None, |s| set(s, "sys_alias", "name", "Microsoft_Exchange_Online_PersonalAuth", "parent", "")),
        ("ALIAS-NO-CONNECTION", None, |s| set(s, "http_connection", "name", "MS Graph 2", "active", "false")),
        ("ALIAS-MANY-CONNECTIONS", Some("personal-own-alias.toml"), |s| {
            let mut copy = s.first_where("http_connection", "name", "Contoso Graph Personal").unwrap().clone();
            copy.insert("sys_id".into(), "f".repeat(32));
            copy.insert("name".into(), "Second".into());
            s.rows.push(copy);
        }),
        ("CONN-URL", None, |s| {
            set(s, "http_connection", "name", "MS Graph 1", "connection_url", "https://graph.microsoft.com/v1.0")
        }),
        ("CONN-URL-BUILDER", None, |s| set(s, "http_connection", "name", "MS Graph 1", "url_builder", "true")),
        ("CONN-MID", None, |s| set(s, "http_connection", "name", "MS Graph 2", "use_mid", "true")),
        ("CONN-NO-CREDENTIAL", None, |s| set(s, "http_connection", "name", "MS Graph 2", "credential", "")),
        ("CONN-CREDENTIAL-INACTIVE", None, |s| {
            set(s, "oauth_2_0_credentials", "name", "MS Graph 1", "active", "false")
        }),
        ("CRED-NO-PROFILE", None, |s| {
            set(s, "oauth_2_0_credentials", "name", "MS Graph 1", "oauth_entity_profile", "")
        }),
        ("CRED-GRANT-MISMATCH", None, |s| {
            set(
                s,
                "oauth_entity_profile",
                "name",
                "Microsoft Exchange Online_clientCredentials default_profile",
                "grant_type",
                "authorization_code",
            )
        }),
        ("CRED-MODE-GRANT", Some("strict.toml"), |s| {
            set(s, "sys_properties", "name", "sn_wsd_rsvsync.sync_integration_mode", "value", "Normal")
        }),
        ("CRED-SCOPES", Some("strict.toml"), |s| {
            let profile = s
                .first_where("oauth_entity_profile", "name", "Microsoft Exchange Online default_profile")
                .unwrap()["sys_id"]
                .clone();
            s.rows.retain(|r| {
                !(r.get("sys_class_name").map(String::as_str) == Some("oauth_entity_profile_scope")
                    && r.get("oauth_entity_profile") == Some(&profile))
            });
        }),
        ("REG-URLS", Some("strict.toml"), |s| {
            set(
                s,
                "oauth_entity",
                "name",
                "Microsoft Exchange Online",
                "token_url",
                "https://login.microsoftonline.com/common/oauth2/token",
            )
        }),
        ("REG-REDIRECT", Some("strict.toml"), |s| {
            set(
                s,
                "oauth_entity",
                "name",
                "Microsoft Exchange Online",
                "redirect_url",
                "https://other.service-now.com/oauth_redirect.do",
            )
        }),
        ("REG-CLIENT-ID", Some("strict.toml"), |s| {
            set(s, "oauth_entity", "name", "Microsoft Exchange Online", "client_id", "")
        }),
        ("MODE-MISSING", None, |s| remove(s, "sys_properties", "name", "sn_wsd_rsvsync.sync_integration_mode")),
        ("MODE-VALUE", None, |s| {
            set(s, "sys_properties", "name", "sn_wsd_rsvsync.sync_integration_mode", "value", "normal mode")
        }),
        ("TOKEN-MISSING", Some("strict.toml"), |s| remove(s, "oauth_credential", "type", "refresh_token")),
        ("TOKEN-EXPIRED", Some("strict.toml"), |s| {
            set(s, "oauth_credential", "type", "refresh_token", "expires", "2020-01-01 00:00:00")
        }),
    ];
    for (id, plan_name, mutate) in cases {
        let sb = with_plan(plan_name).await;
        if plan_name == Some("strict.toml") {
            give_tokens(&sb).await;
        }
        let before = ids(&sb).await;
        assert!(!before.contains(id), "{id} passes before the fault: {before:?}");
        sb.with_store(mutate);
        let after = ids(&sb).await;
        assert!(after.contains(id), "{id} fails after the fault: {after:?}");
    }
}

/// Tokens on the instance for MS Graph 1 and 2, as after a successful Get OAuth Token.
async fn give_tokens(sb: &Sandbox) {
    let c = client(sb);
    for name in ["MS Graph 1", "MS Graph 2"] {
        let cred = row(sb, "oauth_2_0_credentials", "name", name).unwrap();
        let entity = row(sb, "oauth_entity", "name", "Microsoft Exchange Online").unwrap();
        let tokens = calsync::oauth::flow::Tokens {
            access_token: "at".to_string().into(),
            refresh_token: Some("rt".to_string().into()),
            id_token: None,
            expires_in: None,
            scopes: vec![],
        };
        calsync::oauth::handover::store(
            &c,
            &cred["sys_id"],
            name,
            &cred["oauth_entity_profile"],
            &entity["sys_id"],
            &tokens,
        )
        .await
        .unwrap();
    }
}

#[test]
fn a_user_without_admin_is_reported() {
    let snap =
        read::Snapshot { instance: "https://x".into(), user: "viewer".into(), user_found: true, ..Default::default() };
    let f = checks::run(&snap);
    assert!(f.iter().any(|x| x.id == "USER-NOT-ADMIN" && x.severity == Severity::Error));
}

#[test]
fn wrong_account_findings_come_first() {
    let mk = |id: &'static str, severity| doctor::Finding {
        id,
        severity,
        title: String::new(),
        evidence: vec![],
        why: String::new(),
        fix: String::new(),
        fixable: false,
        repair: None,
    };
    let mut v = vec![
        mk("APP-OLD", Severity::Warning),
        mk("CONN-URL", Severity::Error),
        mk("TOKEN-WRONG-ACCOUNT", Severity::Error),
        mk("TOKEN-ACCOUNT", Severity::Info),
    ];
    doctor::order(&mut v);
    v.push(mk("PROVIDER-DELEGATE-MISMATCH", Severity::Error));
    v.push(mk("BROWSER-WRONG-ACCOUNT", Severity::Error));
    doctor::order(&mut v);
    let order: Vec<&str> = v.iter().map(|f| f.id).collect();
    assert_eq!(
        order,
        [
            "TOKEN-WRONG-ACCOUNT",
            "BROWSER-WRONG-ACCOUNT",
            "PROVIDER-DELEGATE-MISMATCH",
            "CONN-URL",
            "APP-OLD",
            "TOKEN-ACCOUNT"
        ]
    );
}

#[test]
fn the_browser_probe_becomes_a_finding() {
    let f = doctor::browser_finding("MS Graph 1", Some("rooms@contoso.com"), Ok("it-admin@contoso.com".into()));
    assert_eq!((f.id, f.severity), ("BROWSER-WRONG-ACCOUNT", Severity::Error));
    assert!(f.title.contains("it-admin@contoso.com") && f.title.contains("rooms@contoso.com"));
    assert_eq!(doctor::browser_finding("x", Some("A@b.com"), Ok("a@b.com".into())).id, "BROWSER-ACCOUNT");
    assert_eq!(doctor::browser_finding("x", None, Err("login_required".into())).id, "BROWSER-NO-SESSION");
}

/// A keyring token that belongs to another account than the one calsync last signed the
/// credential in as is reported first. The secret store is the in-memory one.
#[tokio::test(flavor = "multi_thread")]
async fn a_keyring_token_of_another_account_is_reported_first() {
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = common::services(dir.path(), Person::Leaves);
    let state_dir = dir.path();
    let sb = with_plan(Some("personal-own-alias.toml")).await;
    let c = client(&sb);
    // Signed in (through calsync's own flow) as the delegate; the note says someone else.
    let mut req = calsync::oauth::session::SignIn::as_user(
        sandbox_registry(&sb),
        Some(calsync::sandbox::identity::CLIENT_SECRET.to_string().into()),
        "rooms-delegate@contoso.com",
        sb.url(),
    );
    req.timeout = std::time::Duration::from_secs(20);
    let browser = ScriptedBrowser::new(Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    let o = calsync::oauth::session::sign_in(&req, &browser, None, std::future::pending(), |_| {}).await.unwrap();
    let key = format!("doctor-test-{}", std::process::id());
    let account =
        calsync::secrets::Account::RefreshToken { instance: key.clone(), credential: "Contoso Graph Personal".into() };
    services.secrets.set(&account, o.tokens.refresh_token.as_ref().unwrap()).await.unwrap();
    calsync::oauth::delegates::remember(state_dir, &key, "Contoso Graph Personal", "strict-rooms@contoso.com");
    let snap = read::read(&c).await.unwrap();
    let opts = doctor::AccountCheck {
        instance_key: key.clone(),
        login_base: Some(sb.url().into()),
        graph_base: Some(sb.url().into()),
        sandbox_secret: true,
    };
    let mut findings = checks::run(&snap);
    findings.extend(doctor::accounts(&services, &c, &snap, &opts).await);
    let r = doctor::report(&snap, findings);
    assert_eq!(r.findings[0].id, "TOKEN-WRONG-ACCOUNT", "{:?}", r.findings);
    assert!(
        r.findings[0].title.contains("rooms-delegate@contoso.com")
            && r.findings[0].title.contains("strict-rooms@contoso.com")
    );
    // The right account is a note, not an error.
    calsync::oauth::delegates::remember(state_dir, &key, "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    assert_eq!(found.iter().map(|f| f.id).collect::<Vec<_>>(), ["TOKEN-ACCOUNT"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_naming_another_mailbox_than_its_credential_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = common::services(dir.path(), Person::Leaves);
    let state_dir = dir.path();
    let sb = with_plan(Some("personal-own-alias.toml")).await;
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let key = format!("provider-test-{}", std::process::id());
    let opts =
        doctor::AccountCheck { instance_key: key.clone(), login_base: None, graph_base: None, sandbox_secret: true };
    calsync::oauth::delegates::remember(state_dir, &key, "Contoso Graph Personal", "rooms-delegate@contoso.com");
    assert!(
        doctor::accounts(&services, &c, &snap, &opts).await.iter().all(|f| f.id != "PROVIDER-DELEGATE-MISMATCH"),
        "same mailbox: fine"
    );
    calsync::oauth::delegates::remember(state_dir, &key, "Contoso Graph Personal", "someone-else@contoso.com");
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    let f = found.iter().find(|f| f.id == "PROVIDER-DELEGATE-MISMATCH").expect("reported");
    assert!(
        f.title.contains("rooms-delegate@contoso.com") && f.title.contains("someone-else@contoso.com"),
        "{}",
        f.title
    );
}

/// Issue's end state: two mailboxes applied, each signed in and its tokens handed to the
/// instance: the doctor is clean.
#[tokio::test(flavor = "multi_thread")]
async fn two_mailboxes_signed_in_are_healthy() {
    let sb = with_plan(Some("personal-two-mailboxes.toml")).await;
    let c = client(&sb);
    for (side, user, pw) in
        [("North", "rooms-north@contoso.com", "North-Pass-1"), ("South", "rooms-south@contoso.com", "South-Pass-1")]
    {
        let mut req = calsync::oauth::session::SignIn::as_user(
            sandbox_registry(&sb),
            Some(calsync::sandbox::identity::CLIENT_SECRET.to_string().into()),
            user,
            sb.url(),
        );
        req.timeout = std::time::Duration::from_secs(20);
        let o = calsync::oauth::session::sign_in(
            &req,
            &ScriptedBrowser::new(Person::SignsInAs(user, pw)),
            None,
            std::future::pending(),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(o.verified.who.username, user);
        let name = format!("Contoso Rooms {side}");
        let cred = row(&sb, "oauth_2_0_credentials", "name", &name).unwrap();
        let entity = row(&sb, "oauth_entity", "name", "Microsoft Exchange Online_personalAuth").unwrap();
        calsync::oauth::handover::store(
            &c,
            &cred["sys_id"],
            &name,
            &cred["oauth_entity_profile"],
            &entity["sys_id"],
            &o.tokens,
        )
        .await
        .unwrap();
    }
    let snap = read::read(&c).await.unwrap();
    let r = doctor::report(&snap, checks::run(&snap));
    assert!(r.healthy && r.findings.is_empty(), "{:#?}", r.findings);
    // And when one is broken, that one is named.
    sb.with_store(|s| set(s, "sn_wsd_rsvsync_provider", "name", "Contoso Rooms South", "delegated_user_email", ""));
    let found = ids(&sb).await;
    assert_eq!(found, ["PROVIDER-DELEGATE"].into_iter().collect());
}

#[tokio::test]
async fn the_mailbox_a_credential_is_meant_for_comes_from_its_provider() {
    let sb = with_plan(Some("personal-own-alias.toml")).await;
    let snap = read::read(&client(&sb)).await.unwrap();
    assert_eq!(
        doctor::provider_mailbox(&snap, "Contoso Graph Personal").as_deref(),
        Some("rooms-delegate@contoso.com")
    );
    assert_eq!(doctor::provider_mailbox(&snap, "MS Graph 1"), None, "the general provider names nobody");
    let sb = with_plan(Some("strict.toml")).await;
    let snap = read::read(&client(&sb)).await.unwrap();
    assert_eq!(
        doctor::provider_mailbox(&snap, "MS Graph 1").as_deref(),
        Some("strict-rooms@contoso.com"),
        "default alias: the provider without override"
    );
}
