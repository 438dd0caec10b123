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
    checks::run(&snap).into_iter().map(|f| f.id.as_str()).collect()
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

/// Every message of ServiceNow's Instance Scan "Workplace Calendar Synchronization
/// Configurations" (sacn-finding-messages) about configuration records, and the doctor check
/// that covers it. The README's scan table lists the same rows.
const SCAN: &[(&str, &str)] = &[
    (
        "Could not find the sn_ex_online_spke.Microsoft_Exchange_Online Connection and credential alias.",
        "ALIAS-SPOKE-MISSING",
    ),
    (
        "The Connection & credential alias specified in the Override alias is not a child alias to the sn_ex_online_spke.Microsoft_Exchange_Online Connection and credential alias.",
        "ALIAS-PARENT",
    ),
    (
        "There are multiple/no connections associated with the ... Connection and credential alias.",
        "ALIAS-MANY-CONNECTIONS",
    ),
    (
        "There are multiple/no connections associated with the ... Connection and credential alias.",
        "ALIAS-NO-CONNECTION",
    ),
    (
        "There are multiple/no connection attributes associated with ... Connection and credential alias.",
        "ALIAS-ATTRIBUTES",
    ),
    ("Incorrect 'Connection URL' specified in the ... Connection and credential alias.", "CONN-URL"),
    (
        "OAuth provider associated with the OAuth Entity Scope - ... is not same as the one associated with OAuth Entity Profile of this scope.",
        "CRED-SCOPE-PROVIDER",
    ),
    ("The OAuth Scope - ... must be associated with the grant type ...", "CRED-SCOPES"),
    (
        "The Default grant type of the OAuth provider must be same as the Grant type of the OAuth Entity Profile.",
        "CRED-GRANT-MISMATCH",
    ),
    ("OAuth Token has expired.", "TOKEN-EXPIRED"),
    ("Please generate an OAuth Token.", "TOKEN-MISSING"),
    ("Invalid token URL associated with Application Registry - ...", "REG-TOKEN-URL"),
    ("Invalid authorization URL associated with Application Registry - ...", "REG-AUTH-URL"),
    ("Invalid redirect URL associated with Application Registry - ...", "REG-REDIRECT"),
    ("There is no OAuth Entity Profile associated with the credential - ...", "CRED-NO-PROFILE"),
    ("There is no credential associated with the connection - ...", "CONN-NO-CREDENTIAL"),
    ("There is no active credential associated with the connection - ...", "CONN-CREDENTIAL-INACTIVE"),
    ("Invalid Credential record associated with connection - ...", "CONN-CREDENTIAL-INVALID"),
    (
        "If the grant type of the connection (linked with provider) is set as Authorization Code, the provider must have Strict mode enabled with a valid Strict mode email.",
        "PROVIDER-DELEGATE",
    ),
    ("Synchronization is not configured - could not find an active provider.", "PROVIDER-NONE"),
];

/// The further checks the issue lists beyond the scan's configuration records.
const BEYOND: &[&str] = &[
    "APP-SPOKE-OLD",
    "APP-SPOKE-MULTI-PROVIDER",
    "ROLE-WCS-ADMIN",
    "SPOKE-DATA-SOURCE",
    "PROVIDER-SYNC-WINDOW",
    "CRED-INTEGRATION-TYPE",
];

/// What the broken seed cannot hold together with the rest: without the spoke's alias no
/// alias can be its child, an alias with no connection hides the faults of its connection,
/// and with no active provider no provider check runs. Each has its own test below.
const NOT_IN_THE_BROKEN_SEED: &[&str] = &["ALIAS-SPOKE-MISSING", "ALIAS-NO-CONNECTION", "PROVIDER-NONE"];

#[test]
fn every_check_the_scan_table_names_exists_and_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for id in SCAN.iter().map(|(_, id)| *id).chain(BEYOND.iter().copied()) {
        assert!(id.parse::<doctor::Check>().is_ok(), "{id}");
        assert!(readme.contains(&format!("`{id}`")), "the README's scan table names {id}");
    }
}

#[tokio::test]
async fn the_broken_seed_names_every_scan_finding_and_fix_repairs_the_safe_ones() {
    let sb = seeded(seed::Seed::Broken).await;
    let found = ids(&sb).await;
    for (message, id) in SCAN.iter().filter(|(_, id)| !NOT_IN_THE_BROKEN_SEED.contains(id)) {
        assert!(found.contains(id), "{id} ({message}) in {found:?}");
    }
    for id in BEYOND {
        assert!(found.contains(id), "{id} in {found:?}");
    }
    let expected: BTreeSet<&str> = SCAN
        .iter()
        .map(|(_, id)| *id)
        .chain(BEYOND.iter().copied())
        .chain(["ALIAS-RETRY", "CONN-MID", "CONN-URL-BUILDER", "MODE-VALUE", "PROVIDER-PROCESSOR"])
        .filter(|id| !NOT_IN_THE_BROKEN_SEED.contains(id))
        .collect();
    assert_eq!(found, expected, "every injected fault, and nothing else");

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
    assert_eq!(json["findings"][0]["severity"], "error");
    let diff = doctor::fix::diff(&report.findings, checks::mode_of(&snap));
    assert_eq!(diff.items.len(), 6, "{:#?}", diff.items);
    let state = doctor::fix::state(&snap);
    let dir = tempfile::tempdir().unwrap();
    let r = journal::apply_journaled(dir.path(), &c, &diff, &state, |_| {}).await.unwrap();
    assert!(!r.failed(), "{r:?}");
    let after = ids(&sb).await;
    for fixed in [
        "ALIAS-PARENT",
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
    assert!(after.contains("TOKEN-MISSING"), "in personal mode, the own credential has no token");
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0, "the picker was put back");
}

type Mutation = fn(&mut Store);

/// A setup that passes `id`, then broken just for it: the check is silent before and
/// names the fault after.
async fn fails_and_passes(id: &str, plan_name: Option<&str>, mutate: Mutation) {
    let sb = with_plan(plan_name).await;
    if matches!(plan_name, Some("strict.toml" | "personal-default-alias.toml")) {
        give_tokens(&sb).await;
    }
    let before = ids(&sb).await;
    assert!(!before.contains(id), "{id} passes before the fault: {before:?}");
    sb.with_store(mutate);
    let after = ids(&sb).await;
    assert!(after.contains(id), "{id} fails after the fault: {after:?}");
}

/// One test per check: `check!(test name, "ID", plan, |store| fault)`.
macro_rules! check {
    ($name:ident, $id:literal, $plan:expr, $mutate:expr) => {
        #[tokio::test]
        async fn $name() {
            fails_and_passes($id, $plan, $mutate).await;
        }
    };
}

fn sys_id(s: &Store, table: &str, name: &str) -> String {
    s.first_where(table, "name", name).unwrap_or_else(|| panic!("no {table} {name}"))["sys_id"].clone()
}

const AC_PROFILE: &str = "Microsoft Exchange Online default_profile";
const CC_PROFILE: &str = "Microsoft Exchange Online_clientCredentials default_profile";
const PROVIDER: &str = "sn_wsd_rsvsync_provider";
const MODE: &str = "sn_wsd_rsvsync.sync_integration_mode";
const POLICY: &str = "MS Exchange Online HTTP Retry Policy";

fn attribute(s: &mut Store, connection: &str, n: u8) {
    let conn = sys_id(s, "http_connection", connection);
    let mut a = std::collections::BTreeMap::new();
    for (k, v) in [
        ("sys_id", format!("{:0>31}{n}", "a")),
        ("sys_class_name", "sys_connection_attribute".to_string()),
        ("connection", conn),
        ("name", "api_version".into()),
        ("value", "v1.0".into()),
    ] {
        a.insert(k.to_string(), v);
    }
    s.rows.push(a);
}

// The scan's messages, one test each.
check!(scan_spoke_alias_missing, "ALIAS-SPOKE-MISSING", None, |s| {
    remove(s, "sys_alias", "id", "sn_ex_online_spke.Microsoft_Exchange_Online")
});
check!(scan_override_alias_not_a_child, "ALIAS-PARENT", None, |s| {
    set(s, "sys_alias", "name", "Microsoft_Exchange_Online_PersonalAuth", "parent", "")
});
check!(scan_no_connections, "ALIAS-NO-CONNECTION", None, |s| {
    set(s, "http_connection", "name", "MS Graph 2", "active", "false")
});
check!(scan_multiple_connections, "ALIAS-MANY-CONNECTIONS", Some("personal-own-alias.toml"), |s| {
    let mut copy = s.first_where("http_connection", "name", "Contoso Graph Personal").unwrap().clone();
    copy.insert("sys_id".into(), "f".repeat(32));
    copy.insert("name".into(), "Second".into());
    s.rows.push(copy);
});
check!(scan_multiple_connection_attributes, "ALIAS-ATTRIBUTES", None, |s| {
    attribute(s, "MS Graph 1", 1);
    attribute(s, "MS Graph 1", 2);
});
check!(scan_no_connection_attributes, "ALIAS-ATTRIBUTES", Some("personal-own-alias.toml"), |s| {
    attribute(s, "MS Graph 1", 1)
});
check!(scan_incorrect_connection_url, "CONN-URL", None, |s| {
    set(s, "http_connection", "name", "MS Graph 1", "connection_url", "https://graph.microsoft.com/v1.0")
});
check!(scan_scope_of_another_provider, "CRED-SCOPE-PROVIDER", Some("strict.toml"), |s| {
    let profile = sys_id(s, "oauth_entity_profile", AC_PROFILE);
    let pa = sys_id(s, "oauth_entity", "Microsoft Exchange Online_personalAuth");
    let foreign = s
        .scan("oauth_entity_scope")
        .find(|r| r.get("oauth_entity") == Some(&pa) && r["oauth_entity_scope"] == "offline_access")
        .unwrap()["sys_id"]
        .clone();
    let link = s.rows.iter_mut().find(|r| {
        r.get("sys_class_name").map(String::as_str) == Some("oauth_entity_profile_scope")
            && r.get("oauth_entity_profile") == Some(&profile)
    });
    link.unwrap().insert("oauth_entity_scope".into(), foreign);
});
check!(scan_scope_for_the_grant_type, "CRED-SCOPES", Some("strict.toml"), |s| {
    let profile = sys_id(s, "oauth_entity_profile", AC_PROFILE);
    s.rows.retain(|r| {
        !(r.get("sys_class_name").map(String::as_str) == Some("oauth_entity_profile_scope")
            && r.get("oauth_entity_profile") == Some(&profile))
    });
});
check!(scan_default_grant_type, "CRED-GRANT-MISMATCH", None, |s| {
    set(s, "oauth_entity_profile", "name", CC_PROFILE, "grant_type", "authorization_code")
});
check!(scan_token_expired, "TOKEN-EXPIRED", Some("strict.toml"), |s| {
    set(s, "oauth_credential", "type", "refresh_token", "expires", "2020-01-01 00:00:00")
});
check!(scan_generate_a_token, "TOKEN-MISSING", Some("strict.toml"), |s| {
    remove(s, "oauth_credential", "type", "refresh_token")
});
check!(scan_invalid_token_url, "REG-TOKEN-URL", Some("strict.toml"), |s| {
    let v1 = "https://login.microsoftonline.com/common/oauth2/token";
    set(s, "oauth_entity", "name", "Microsoft Exchange Online", "token_url", v1)
});
check!(scan_invalid_token_url_of_the_client_credentials_registry, "REG-TOKEN-URL", None, |s| {
    let other = "https://login.example.com/token";
    set(s, "oauth_entity", "name", "Microsoft Exchange Online_clientCredentials", "token_url", other)
});
check!(scan_invalid_authorization_url, "REG-AUTH-URL", Some("strict.toml"), |s| {
    let v1 = "https://login.microsoftonline.com/common/oauth2/authorize";
    set(s, "oauth_entity", "name", "Microsoft Exchange Online", "auth_url", v1)
});
check!(scan_invalid_redirect_url, "REG-REDIRECT", Some("strict.toml"), |s| {
    let other = "https://other.service-now.com/oauth_redirect.do";
    set(s, "oauth_entity", "name", "Microsoft Exchange Online", "redirect_url", other)
});
check!(scan_no_profile_on_the_credential, "CRED-NO-PROFILE", None, |s| {
    set(s, "oauth_2_0_credentials", "name", "MS Graph 1", "oauth_entity_profile", "")
});
check!(scan_no_credential_on_the_connection, "CONN-NO-CREDENTIAL", None, |s| {
    set(s, "http_connection", "name", "MS Graph 2", "credential", "")
});
check!(scan_no_active_credential, "CONN-CREDENTIAL-INACTIVE", None, |s| {
    set(s, "oauth_2_0_credentials", "name", "MS Graph 1", "active", "false")
});
check!(scan_invalid_credential_record, "CONN-CREDENTIAL-INVALID", None, |s| {
    set(s, "http_connection", "name", "MS Graph 2", "credential", "0badc0de0badc0de0badc0de0badc0de")
});
check!(scan_valid_strict_mode_email, "PROVIDER-DELEGATE", Some("strict.toml"), |s| {
    set(s, PROVIDER, "name", "Microsoft Exchange Online", "delegated_user_email", "strict-rooms")
});
check!(scan_authorization_code_needs_a_strict_mode_email, "PROVIDER-DELEGATE", None, |s| {
    // Normal mode, but the default alias's MS Graph 1 signs in with authorization code.
    let ac = sys_id(s, "oauth_entity_profile", AC_PROFILE);
    set(s, "oauth_2_0_credentials", "name", "MS Graph 1", "oauth_entity_profile", &ac);
});
check!(scan_no_active_provider, "PROVIDER-NONE", None, |s| {
    set(s, PROVIDER, "name", "Microsoft Exchange Online", "active", "false")
});

// What the scan checks beyond its configuration records, and the doctor's own checks.
check!(spoke_too_old_for_wcs, "APP-SPOKE-OLD", None, |s| {
    set(s, "sys_store_app", "scope", "sn_ex_online_spke", "version", "3.2.0")
});
check!(spoke_too_old_for_several_providers, "APP-SPOKE-MULTI-PROVIDER", Some("personal-two-mailboxes.toml"), |s| {
    set(s, "sys_store_app", "scope", "sn_ex_online_spke", "version", "3.2.3")
});
check!(nobody_holds_the_wcs_admin_role, "ROLE-WCS-ADMIN", None, |s| {
    let role = sys_id(s, "sys_user_role", "sn_wsd_rsvsync.admin");
    remove(s, "sys_user_has_role", "role", &role);
});
check!(data_source_without_data_stream_action, "SPOKE-DATA-SOURCE", None, |s| {
    set(s, "sys_data_source", "name", "Exchange Online Calendar", "data_stream_action", "")
});
check!(sync_window_too_far_back, "PROVIDER-SYNC-WINDOW", None, |s| {
    set(s, PROVIDER, "name", "Microsoft Exchange Online", "sync_start_date_time", "2018-01-01 00:00:00")
});
check!(sync_window_too_short, "PROVIDER-SYNC-WINDOW", None, |s| {
    set(s, PROVIDER, "name", "Microsoft Exchange Online", "sync_end_date_time", "2027-01-01 00:00:00")
});
check!(system_credential_marked_personal, "CRED-INTEGRATION-TYPE", None, |s| {
    set(s, "oauth_2_0_credentials", "name", "MS Graph 1", "integration_type", "personal")
});
check!(registry_of_two_tenants, "REG-URLS", Some("strict.toml"), |s| {
    let other = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token";
    set(s, "oauth_entity", "name", "Microsoft Exchange Online", "token_url", other)
});
check!(registry_without_client_id, "REG-CLIENT-ID", Some("strict.toml"), |s| {
    set(s, "oauth_entity", "name", "Microsoft Exchange Online", "client_id", "")
});
check!(client_credentials_registry_without_client_id, "REG-CLIENT-ID", None, |s| {
    set(s, "oauth_entity", "name", "Microsoft Exchange Online_clientCredentials", "client_id", "")
});
check!(app_missing, "APP-MISSING", None, |s| remove(s, "sys_store_app", "scope", "sn_wsd_rsvsync"));
check!(app_inactive, "APP-INACTIVE", None, |s| {
    set(s, "sys_store_app", "scope", "sn_ex_online_spke", "active", "false")
});
check!(app_old, "APP-OLD", None, |s| set(s, "sys_store_app", "scope", "sn_wsd_rsvsync", "version", "1.9.4"));
check!(url_builder, "CONN-URL-BUILDER", None, |s| {
    set(s, "http_connection", "name", "MS Graph 1", "url_builder", "true")
});
check!(mid_server, "CONN-MID", None, |s| set(s, "http_connection", "name", "MS Graph 2", "use_mid", "true"));
check!(mode_grant, "CRED-MODE-GRANT", Some("strict.toml"), |s| set(
    s,
    "sys_properties",
    "name",
    MODE,
    "value",
    "Normal"
));
check!(mode_missing, "MODE-MISSING", None, |s| remove(s, "sys_properties", "name", MODE));
check!(mode_value, "MODE-VALUE", None, |s| set(s, "sys_properties", "name", MODE, "value", "normal mode"));
check!(retry_policy_strategy_is_a_choice, "ALIAS-RETRY", Some("personal-own-alias.toml"), |s| {
    set(s, "sys_retry_policy", "name", POLICY, "strategy", "exponential")
});
check!(retry_policy_too_short, "ALIAS-RETRY", Some("personal-own-alias.toml"), |s| {
    set(s, "sys_retry_policy", "name", POLICY, "max_elapsed_time", "60")
});
check!(
    personal_mode_with_ms_graph_on_client_credentials,
    "CRED-MODE-GRANT",
    Some("personal-default-alias.toml"),
    |s| {
        // Seed 001: in personal mode MS Graph 1 and 2 move to the personal profile.
        let cc = sys_id(s, "oauth_entity_profile", CC_PROFILE);
        set(s, "oauth_2_0_credentials", "name", "MS Graph 2", "oauth_entity_profile", &cc);
    }
);

/// The per-user credential of personal mode (Integration Type Personal) gets its tokens
/// from each user's own sign-in: the doctor never tells anyone to generate one on it.
#[tokio::test]
async fn the_personal_credential_is_never_sent_to_get_oauth_token() {
    let sb = with_plan(Some("personal-default-alias.toml")).await;
    give_tokens(&sb).await;
    sb.with_store(|s| {
        let wcs = s.first_where("sys_scope", "scope", "sn_wsd_rsvsync").unwrap()["sys_id"].clone();
        let alias = sys_id(s, "sys_alias", "Microsoft_Exchange_Online_PersonalAuth");
        let profile = sys_id(s, "oauth_entity_profile", "Microsoft Exchange Online_personalAuth default profile");
        let mut cred = s.first_where("oauth_2_0_credentials", "name", "MS Graph 1").unwrap().clone();
        for (k, v) in [
            ("sys_id", "c".repeat(32)),
            ("name", "MS Graph Personal".into()),
            ("oauth_entity_profile", profile),
            ("integration_type", "personal".into()),
            ("application", wcs.clone()),
        ] {
            cred.insert(k.into(), v);
        }
        let mut conn = s.first_where("http_connection", "name", "MS Graph 1").unwrap().clone();
        for (k, v) in [
            ("sys_id", "d".repeat(32)),
            ("name", "MS Graph Personal".into()),
            ("credential", "c".repeat(32)),
            ("connection_alias", alias),
            ("app_scope", wcs),
        ] {
            conn.insert(k.into(), v);
        }
        s.rows.extend([cred, conn]);
    });
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let findings = checks::run(&snap);
    assert!(
        findings.iter().all(|f| !f.title.contains("MS Graph Personal") && !f.fix.contains("MS Graph Personal")),
        "{findings:#?}"
    );
    // It must still use authorization code.
    sb.with_store(|s| {
        let cc = sys_id(s, "oauth_entity_profile", CC_PROFILE);
        set(s, "oauth_2_0_credentials", "name", "MS Graph Personal", "oauth_entity_profile", &cc);
    });
    let found = ids(&sb).await;
    assert!(found.contains("CRED-INTEGRATION-TYPE"), "{found:?}");
}

/// On an instance whose dictionary renames the provider's and retry policy's columns, apply
/// writes the renamed columns and the doctor reads them; the documented guesses would miss.
#[tokio::test]
async fn with_renamed_columns_apply_and_doctor_still_work() {
    let sb = Sandbox::start(sandbox::Options { columns: sandbox::schema::Columns::Renamed, ..Default::default() })
        .await
        .unwrap();
    let c = client(&sb);
    let p = plan::parse("personal-own-alias.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let r = plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await;
    assert!(!r.failed(), "{r:?}");
    let provider = row(&sb, PROVIDER, "name", "Contoso Graph Personal").unwrap();
    assert_eq!(provider["processor"], "ms_graph");
    assert_eq!(provider["use_own_alias"], "true");
    assert_eq!(provider["strict_mode_email"], "rooms-delegate@contoso.com");
    assert!(!provider.contains_key("calendar_processor"), "the store keeps the instance's own names");
    let st = plan::read_state(&c, &p).await.unwrap();
    assert!(!plan::diff(&p, &st).has_changes(), "a second run converges");
    // The doctor reads the same columns.
    let found = ids(&sb).await;
    for absent in
        ["ALIAS-RETRY", "PROVIDER-OVERRIDE", "PROVIDER-UNUSED-ALIAS", "PROVIDER-PROCESSOR", "DICTIONARY-GUESSED"]
    {
        assert!(!found.contains(absent), "{absent}: {found:?}");
    }
    sb.with_store(|s| set(s, "sys_retry_policy", "name", POLICY, "retry_strategy", "exponential_backoff"));
    assert!(ids(&sb).await.contains("ALIAS-RETRY"), "the renamed strategy column, by its choice label");
}

/// When the dictionary is hidden, the guesses are used and said; on an instance that
/// spells the columns otherwise, the write to a guessed column is reported, not counted.
#[tokio::test]
async fn a_dropped_write_is_reported_and_a_hidden_dictionary_is_said() {
    let sb = Sandbox::start(sandbox::Options { columns: sandbox::schema::Columns::Renamed, ..Default::default() })
        .await
        .unwrap();
    sb.set_dictionary_hidden(true);
    let c = client(&sb);
    let p = plan::parse("personal-own-alias.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let r = plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await;
    let failed: Vec<String> = r
        .outcomes
        .iter()
        .filter_map(|o| match &o.status {
            plan::apply::Status::Failed(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    // The two provider writes (the own one, and the general one retired) carry the processor.
    assert_eq!(failed.len(), 2, "{r:?}");
    assert!(failed.iter().all(|m| m.contains("calendar_processor") && m.contains("did not save")), "{failed:?}");
    let found = ids(&sb).await;
    assert!(found.contains("DICTIONARY-GUESSED"), "{found:?}");
    // The batched apply checks every item's answer the same way.
    let st = plan::read_state(&c, &p).await.unwrap();
    let r = plan::batched::apply_batched(&c, &plan::diff(&p, &st), &st, None, |_| {}).await;
    let failed: Vec<String> = r
        .outcomes
        .iter()
        .filter_map(|o| match &o.status {
            plan::apply::Status::Failed(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert!(failed.iter().any(|m| m.contains("calendar_processor") && m.contains("did not save")), "{r:?}");
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
    let mk = |id: &str, severity| doctor::Finding {
        id: id.parse().unwrap(),
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
    let order: Vec<&str> = v.iter().map(|f| f.id.as_str()).collect();
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
    assert_eq!((f.id.as_str(), f.severity), ("BROWSER-WRONG-ACCOUNT", Severity::Error));
    assert!(f.title.contains("it-admin@contoso.com") && f.title.contains("rooms@contoso.com"));
    assert_eq!(doctor::browser_finding("x", Some("A@b.com"), Ok("a@b.com".into())).id, "BROWSER-ACCOUNT");
    assert_eq!(doctor::browser_finding("x", None, Err("login_required".into())).id, "BROWSER-NO-SESSION");
}

/// Signs rooms-delegate@contoso.com in through calsync's own flow and keeps the refresh
/// token for "Contoso Graph Personal" under `key` in the services' secret store; returns it.
async fn sign_in_the_delegate(sb: &Sandbox, services: &calsync::config::Services, key: &str) -> String {
    use secrecy::ExposeSecret;
    let mut req = calsync::oauth::session::SignIn::as_user(
        sandbox_registry(sb),
        Some(calsync::sandbox::identity::CLIENT_SECRET.to_string().into()),
        "rooms-delegate@contoso.com",
        sb.url(),
    );
    req.timeout = std::time::Duration::from_secs(20);
    let browser = ScriptedBrowser::new(Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    let o = calsync::oauth::session::sign_in(&req, &browser, None, std::future::pending(), |_| {}).await.unwrap();
    let token = o.tokens.refresh_token.expect("a refresh token");
    let account = calsync::secrets::Account::RefreshToken {
        instance: key.to_string(),
        credential: "Contoso Graph Personal".into(),
    };
    services.secrets.set(&account, &token).await.unwrap();
    token.expose_secret().to_string()
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
    let key = format!("doctor-test-{}", std::process::id());
    sign_in_the_delegate(&sb, &services, &key).await;
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
    assert_eq!(found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["TOKEN-ACCOUNT"]);
    // The mailbox is known: the note says it is the right one rather than "if".
    assert_eq!(found[0].fix, "Nothing to do: rooms-delegate@contoso.com is the mailbox this credential serves.");
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

/// Counts the calsync commands a line names, and how many of them carry `flag`.
fn commands_and_flags(line: &str, flag: &str) -> (usize, usize) {
    let commands: usize = ["calsync apply", "calsync authorize", "calsync reauth", "calsync doctor"]
        .iter()
        .map(|c| line.matches(c).count())
        .sum();
    (commands, line.matches(flag).count())
}

/// `calsync doctor --sandbox` prints fixes a user can copy: every calsync command in them
/// goes to the sandbox too, in the text and in --json (before, none carried --sandbox).
#[tokio::test]
async fn fixes_printed_on_the_sandbox_name_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let run = |json: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_calsync"));
        for var in ["CALSYNC_INSTANCE", "CALSYNC_USER", "CALSYNC_PASSWORD", "BROWSER"] {
            c.env_remove(var);
        }
        c.env("CALSYNC_SANDBOX_STATE", dir.path().join("sandbox.json"))
            .env("CALSYNC_STATE_DIR", dir.path().join("state"))
            .env("CALSYNC_KEYRING", "keyutils")
            .args(["doctor", "--sandbox", "--broken"]);
        if json {
            c.arg("--json");
        }
        let o = c.output().expect("calsync runs");
        assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let text = run(false);
    let fixes: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with("fix:")).collect();
    let mut named = 0;
    for line in &fixes {
        let (commands, flagged) = commands_and_flags(line, "--sandbox");
        assert_eq!(commands, flagged, "a command without --sandbox: {line}");
        // And a sign-in runs as printed: --expect-user is required (TOKEN-EXPIRED lacked it).
        let (sign_ins, mailboxes) = (line.matches("calsync authorize").count(), line.matches("--expect-user").count());
        assert_eq!(sign_ins, mailboxes, "a sign-in without its mailbox: {line}");
        named += commands;
    }
    assert!(text.contains("--store-on-instance --sandbox"), "{text}");
    assert!(text.contains("(calsync doctor --fix --sandbox can)"), "{text}");
    assert!(named >= 5, "the broken seed's fixes name commands: {text}");
    let json: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    for f in json["findings"].as_array().unwrap() {
        let fix = f["fix"].as_str().unwrap();
        let (commands, flagged) = commands_and_flags(fix, "--sandbox");
        assert_eq!(commands, flagged, "{fix}");
    }
}

/// On a real instance the fixes name the instance and user the doctor was given.
#[tokio::test]
async fn fixes_name_the_instance_and_user_the_doctor_was_given() {
    let sb = seeded(seed::Seed::Broken).await;
    let mut config = calsync::config::Config::isolated(tempfile::tempdir().unwrap().path());
    config.instance = Some(sb.url().to_string());
    config.user = Some(seed::ADMIN_USER.to_string());
    let flags = format!("--instance {} --user {}", sb.url(), seed::ADMIN_USER);
    let services = calsync::config::Services {
        secrets: calsync::secret_store::Secrets::new(std::sync::Arc::new(calsync::secret_store::Memory::default())),
        ..calsync::config::Services::system(config)
    };
    let (_, report) = doctor::examine(&services, &client(&sb), "broken", Some(sb.url())).await.unwrap();
    let mut named = 0;
    for f in &report.findings {
        let (commands, flagged) = commands_and_flags(&f.fix, &flags);
        assert_eq!(commands, flagged, "{}", f.fix);
        named += commands;
    }
    assert!(named > 0, "{:?}", report.findings);
}

/// A refresh token is Microsoft's to keep, not the signing-in process's: one issued while
/// one sandbox ran (the wizard's setup, `calsync authorize --sandbox`) is still valid for the
/// next run on the same state file, as at Microsoft (refresh tokens live 90 days and
/// are not bound to a process). Before, the sandbox forgot it and the doctor warned
/// AADSTS70008 (TOKEN-REFRESH-FAILED) right after a setup.
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_issued_in_an_earlier_run_still_refreshes() {
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = common::services(dir.path(), Person::Leaves);
    let state = dir.path().join("sandbox.json");
    let start = || sandbox::Options { state: Some(state.clone()), ..Default::default() };
    let first = Sandbox::start(start()).await.unwrap();
    let c = client(&first);
    let p = plan::parse("personal-own-alias.toml", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    assert!(!plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await.failed());
    let key = "sandbox".to_string();
    let refresh_token = sign_in_the_delegate(&first, &services, &key).await;
    calsync::oauth::delegates::remember(dir.path(), &key, "Contoso Graph Personal", "rooms-delegate@contoso.com");
    first.stop().await;

    // The next run: a sandbox of its own on the same state file.
    let next = Sandbox::start(start()).await.unwrap();
    let c = client(&next);
    let snap = read::read(&c).await.unwrap();
    let opts = doctor::AccountCheck {
        instance_key: key,
        login_base: Some(next.url().into()),
        graph_base: Some(next.url().into()),
        sandbox_secret: true,
    };
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    assert_eq!(found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["TOKEN-ACCOUNT"], "{found:?}");
    assert!(!std::fs::read_to_string(&state).unwrap().contains(&refresh_token), "the state file holds no usable token");
}

/// The hosts the admin trusts (`CALSYNC_TRUST_HOST`) reach the doctor's account check
/// through the configuration, not the process environment: with the registry's sign-in
/// host untrusted the check says it could not look and sends nothing; trusted, it tries to
/// refresh there.
#[tokio::test(flavor = "multi_thread")]
async fn the_account_check_trusts_the_hosts_the_configuration_names() {
    let sb = with_plan(Some("personal-own-alias.toml")).await;
    sb.with_store(|s| {
        for row in s.rows.iter_mut().filter(|r| r.get("sys_class_name").map(String::as_str) == Some("oauth_entity")) {
            row.insert("auth_url".into(), "https://idp.contoso.test/contoso/oauth2/v2.0/authorize".into());
            row.insert("token_url".into(), "https://idp.contoso.test/contoso/oauth2/v2.0/token".into());
        }
    });
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut services, memory) = common::services(dir.path(), Person::Leaves);
    let key = "trust-test".to_string();
    let account =
        calsync::secrets::Account::RefreshToken { instance: key.clone(), credential: "Contoso Graph Personal".into() };
    calsync::secret_store::SecretStore::set(memory.as_ref(), &account, &"rt".to_string().into()).unwrap();
    let opts = doctor::AccountCheck { instance_key: key, login_base: None, graph_base: None, sandbox_secret: true };
    let ids = |found: &[doctor::Finding]| found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>();

    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    assert_eq!(ids(&found), ["NOT-CHECKED"], "{found:?}");
    assert!(found[0].why.contains("--trust-host idp.contoso.test"), "{}", found[0].why);

    let mut config = (*services.config).clone();
    config.trusted_hosts = vec!["idp.contoso.test".into()];
    services.config = std::sync::Arc::new(config);
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    assert_eq!(ids(&found), ["TOKEN-REFRESH-FAILED"], "{found:?}");
}

/// The README's headless example leaves a setup whose only error is the token still to
/// get (before, the general provider stayed active: CRED-MODE-GRANT twice and
/// PROVIDER-DELEGATE). With that provider left active beside the own-alias one, the fix
/// says to retire it rather than to switch to the default-alias design.
#[tokio::test]
async fn the_headless_example_needs_only_its_token_and_a_leftover_provider_is_named() {
    let sb = with_plan(Some("personal-own-alias.toml")).await;
    assert_eq!(ids(&sb).await, BTreeSet::from(["TOKEN-MISSING"]));

    sb.with_store(|s| set(s, "sn_wsd_rsvsync_provider", "name", "Microsoft Exchange Online", "active", "true"));
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let f = checks::run(&snap).into_iter().find(|f| f.id == "CRED-MODE-GRANT").expect("MS Graph 1 and 2 in use");
    assert!(f.fix.contains("\"Microsoft Exchange Online\"") && f.fix.contains("deactivate it"), "{}", f.fix);
    assert!(!f.fix.contains("personal-default-alias"), "{}", f.fix);
}

/// What an unknown mode or a wrong parent hides is said before the repair, and the repair
/// review warns that the mode it sets brings checks that could not run (walk F16: the
/// report after `--fix` named four errors never shown before).
#[tokio::test]
async fn checks_hidden_by_an_unknown_mode_or_parent_are_named() {
    let sb = seeded(seed::Seed::Broken).await;
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let found = checks::run(&snap);
    let fix = |id: &str| found.iter().find(|f| f.id == id).map(|f| f.fix.clone()).unwrap_or_default();
    assert!(fix("MODE-VALUE").contains("CRED-MODE-GRANT") && fix("MODE-VALUE").contains("do not run"));
    assert!(fix("ALIAS-PARENT").contains("ALIAS-ATTRIBUTES") && fix("ALIAS-PARENT").contains("not checked"));

    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["doctor", "--sandbox", "--broken", "--fix", "--yes"])
        .env_remove("CALSYNC_INSTANCE")
        .env_remove("CALSYNC_USER")
        .env("CALSYNC_SANDBOX_STATE", dir.path().join("sandbox.json"))
        .env("CALSYNC_STATE_DIR", dir.path().join("state"))
        .env("CALSYNC_KEYRING", "keyutils")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let review = out.split("Safe repairs").nth(1).and_then(|r| r.split("  updated ").next()).unwrap_or_default();
    assert!(review.contains("Setting the integration mode to Personal lets the checks"), "{out}");
}

/// With no note of calsync's, a keyring token of another account than the mailbox the
/// calendar provider names is said, with both names and the fix (before: "Nothing to do if
/// that is the delegated mailbox", although the provider names one).
#[tokio::test(flavor = "multi_thread")]
async fn a_keyring_token_of_another_account_than_the_providers_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = common::services(dir.path(), Person::Leaves);
    let sb = with_plan(Some("personal-own-alias.toml")).await;
    let key = format!("provider-account-{}", std::process::id());
    sign_in_the_delegate(&sb, &services, &key).await;
    sb.with_store(|s| {
        set(
            s,
            "sn_wsd_rsvsync_provider",
            "name",
            "Contoso Graph Personal",
            "delegated_user_email",
            "strict-rooms@contoso.com",
        )
    });
    let c = client(&sb);
    let snap = read::read(&c).await.unwrap();
    let opts = doctor::AccountCheck {
        instance_key: key,
        login_base: Some(sb.url().into()),
        graph_base: Some(sb.url().into()),
        sandbox_secret: true,
    };
    let found = doctor::accounts(&services, &c, &snap, &opts).await;
    let f = found.iter().find(|f| f.id == "TOKEN-ACCOUNT").expect("the account is named");
    assert_eq!(f.severity, Severity::Warning, "{f:?}");
    assert!(
        f.title.contains("rooms-delegate@contoso.com") && f.title.contains("strict-rooms@contoso.com"),
        "{}",
        f.title
    );
    assert!(f.fix.contains("--expect-user strict-rooms@contoso.com --store-on-instance"), "{}", f.fix);
}

/// The re-authorize list after a strict setup left before its sign-ins: each credential
/// names the mailbox its calendar provider names, as the sign-in check and Troubleshoot's
/// `t` read it, not "unknown"; a Delegated user email that is not an address is not taken.
#[tokio::test(flavor = "multi_thread")]
async fn re_authorize_names_the_mailbox_the_calendar_provider_names() {
    use calsync::wizard::{Connection, Effect, Event, driver};
    let sb = with_plan(Some("strict.toml")).await;
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = services(dir.path(), Person::Leaves);
    let env = driver::Env { services, sandbox_url: Some(sb.url().to_string()) };
    let listed = |env: &driver::Env| {
        let conn = Connection {
            client: std::sync::Arc::new(client(&sb)),
            instance_key: "sandbox".into(),
            sandbox_url: Some(sb.url().to_string()),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let env = driver::Env { services: env.services.clone(), sandbox_url: env.sandbox_url.clone() };
        async move {
            driver::perform(Effect::LoadCredentials { generation: 1, conn }, &env, &tx).await;
            match rx.recv().await {
                Some(Event::Credentials(1, Ok(rows))) => {
                    rows.into_iter().map(|r| (r.name, r.delegated)).collect::<Vec<_>>()
                }
                other => panic!("{other:?}"),
            }
        }
    };
    let rows = listed(&env).await;
    assert_eq!(
        rows,
        [
            ("MS Graph 1".into(), "strict-rooms@contoso.com".into()),
            ("MS Graph 2".into(), "strict-rooms@contoso.com".into())
        ]
    );
    sb.with_store(|s| {
        set(
            s,
            calsync::facts::PROVIDER_TABLE,
            "name",
            "Microsoft Exchange Online",
            calsync::facts::PROVIDER_DELEGATE_COLUMN,
            "strict-rooms",
        )
    });
    let rows = listed(&env).await;
    assert!(rows.iter().all(|(_, d)| d.is_empty()), "not an address, and never signed in: unknown: {rows:?}");
}
