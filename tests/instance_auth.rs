//! Signing in to the instance itself, against the sandbox: the probe before any password,
//! the instance's OAuth with PKCE in a scripted browser, refresh and revocation, MFA codes,
//! the basic-auth restriction and client credentials.

mod common;

use calsync::sandbox::{self, Sandbox, auth as sbauth};
use calsync::snow::auth::{self, AuthError, OAuthClient};
use calsync::snow::probe::{self, SignInPage};
use calsync::snow::{Auth, Client, InstanceExt, SnError};
use calsync::urls::InstanceUrl;
use common::{Person, ScriptedBrowser};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

async fn start(policy: sbauth::Policy) -> Sandbox {
    Sandbox::start(sandbox::Options { sign_in: policy, ..Default::default() }).await.unwrap()
}

fn url(sb: &Sandbox) -> InstanceUrl {
    InstanceUrl::parse(sb.url()).unwrap()
}

fn calsync_client() -> OAuthClient {
    OAuthClient {
        client_id: sbauth::INSTANCE_CLIENT_ID.into(),
        secret: Some(SecretString::from(sbauth::INSTANCE_CLIENT_SECRET)),
    }
}

/// A free loopback port, listed as the registry's redirect URL.
fn free_port(sb: &Sandbox) -> u16 {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    sb.with_store(|s| {
        for r in s.rows.iter_mut() {
            if r.get("client_id").map(String::as_str) == Some(sbauth::INSTANCE_CLIENT_ID) {
                r.insert("redirect_url".into(), format!("http://localhost:{port}/"));
            }
        }
    });
    port
}

async fn browser_sign_in(sb: &Sandbox, person: Person) -> Result<auth::InstanceTokens, AuthError> {
    let port = free_port(sb);
    let browser = ScriptedBrowser::new(person);
    auth::sign_in_browser(
        &url(sb),
        &calsync_client(),
        port,
        &browser,
        Duration::from_secs(10),
        std::future::pending::<()>(),
        |_| {},
    )
    .await
}

#[tokio::test]
async fn the_probe_tells_sign_in_pages_apart_without_credentials() {
    let sb = start(sbauth::Policy::default()).await;
    let p = probe::probe(&url(&sb)).await.unwrap();
    assert_eq!(p.page, SignInPage::LocalLogin { mfa: false });
    assert!(p.takes_passwords());

    sb.set_sign_in_policy(sbauth::Policy { sso: true, basic_restricted: false });
    let p = probe::probe(&url(&sb)).await.unwrap();
    match &p.page {
        SignInPage::SingleSignOn { idp, host } => {
            assert_eq!(idp, "Microsoft Entra ID");
            assert_eq!(host, "login.microsoftonline.com");
        }
        other => panic!("expected single sign-on, got {other:?}"),
    }
    assert!(!p.takes_passwords());
    assert!(p.summary().contains("sends no password"), "{}", p.summary());

    sb.set_hibernating(true);
    let p = probe::probe(&url(&sb)).await.unwrap();
    assert_eq!(p.page, SignInPage::Hibernating);
}

#[tokio::test]
async fn an_sso_admin_signs_in_through_instance_oauth_and_refreshes_silently() {
    let sb = start(sbauth::Policy { sso: true, basic_restricted: false }).await;
    let tokens = browser_sign_in(&sb, Person::SignsInAs(sbauth::SSO_ADMIN_EMAIL, "Admin-Pass-1")).await.unwrap();
    let (client, user) = auth::bearer_client(&url(&sb), tokens.access_token.clone()).await.unwrap();
    assert_eq!(user, sbauth::SSO_ADMIN_USER);
    assert!(client.uses_token());
    let rows: Vec<serde_json::Value> =
        client.list("sys_scope", &calsync::snow::Query::new(), &["scope"]).await.expect("the token reads tables");
    assert!(!rows.is_empty());
    // The state file never holds a usable token: only digests.
    let rt = tokens.refresh_token.expect("a refresh token");
    let stored = sb.with_store(|s| serde_json::to_string(&s.without_secrets()).unwrap());
    assert!(!stored.contains(rt.expose_secret()) && !stored.contains(tokens.access_token.expose_secret()));

    let again = auth::refresh(&url(&sb), &calsync_client(), &rt, "dev").await.expect("refreshed without a browser");
    let (_, user) = auth::bearer_client(&url(&sb), again.access_token).await.unwrap();
    assert_eq!(user, sbauth::SSO_ADMIN_USER);

    auth::revoke(&url(&sb), &calsync_client(), &rt).await.unwrap();
    let e = auth::refresh(&url(&sb), &calsync_client(), &rt, "dev").await.unwrap_err();
    assert!(matches!(e, AuthError::RefreshExpired { .. }), "{e}");
    assert!(e.to_string().contains("calsync instance login dev"), "{e}");
}

#[tokio::test]
async fn an_expired_instance_refresh_token_says_how_to_sign_in_again() {
    let sb = start(sbauth::Policy::default()).await;
    let tokens = browser_sign_in(&sb, Person::SignsInAs("admin", sandbox::seed::ADMIN_PASSWORD)).await.unwrap();
    sb.expire_instance_tokens();
    let e =
        auth::refresh(&url(&sb), &calsync_client(), tokens.refresh_token.as_ref().unwrap(), "prod").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the instance's refresh token for prod has expired or was revoked; sign in again with: calsync instance login prod"
    );
    let e = auth::bearer_client(&url(&sb), tokens.access_token).await.unwrap_err();
    assert!(matches!(e, SnError::Unauthorized { .. }), "an expired access token is refused: {e}");
}

#[tokio::test]
async fn an_unknown_oauth_client_is_named_before_the_browser_opens() {
    let sb = start(sbauth::Policy { sso: true, basic_restricted: false }).await;
    let browser = ScriptedBrowser::new(Person::Leaves);
    let unknown = OAuthClient { client_id: "0000aaaa".into(), secret: None };
    let e = auth::sign_in_browser(
        &url(&sb),
        &unknown,
        0,
        &browser,
        Duration::from_secs(5),
        std::future::pending::<()>(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AuthError::UnknownClient { .. }), "{e}");
    assert!(e.to_string().contains("Create an OAuth API endpoint for external clients"), "{e}");
    assert!(browser.opened.lock().unwrap().is_empty(), "the browser never opened");
}

#[tokio::test]
async fn a_denied_sign_in_stores_nothing() {
    let sb = start(sbauth::Policy::default()).await;
    let e = browser_sign_in(&sb, Person::Cancels).await.unwrap_err();
    assert!(matches!(e, AuthError::Denied { .. }), "{e}");
    assert_eq!(common::count(&sb, "oauth_credential", "client_id", sbauth::INSTANCE_CLIENT_ID), 0);
}

fn basic(sb: &Sandbox, user: &str, password: &str) -> Client {
    Client::with_auth(url(sb), user, Auth::Basic(SecretString::from(password.to_string()))).unwrap()
}

#[tokio::test]
async fn mfa_codes_are_appended_and_a_stale_code_is_refused() {
    let sb = start(sbauth::Policy::default()).await;
    let user = sbauth::MFA_ADMIN_USER;
    let e = auth::whoami(&basic(&sb, user, sbauth::MFA_ADMIN_PASSWORD)).await.unwrap_err();
    assert!(matches!(e, SnError::Unauthorized { .. }), "no code, no login: {e}");
    let code = sbauth::mfa_code(user);
    let me = auth::whoami(&basic(&sb, user, &format!("{}{code}", sbauth::MFA_ADMIN_PASSWORD))).await.unwrap();
    assert_eq!(me, user);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let stale = sbauth::mfa_code_at(user, now - 120);
    let e = auth::whoami(&basic(&sb, user, &format!("{}{stale}", sbauth::MFA_ADMIN_PASSWORD))).await.unwrap_err();
    assert!(matches!(e, SnError::Unauthorized { .. }), "a stale code is refused: {e}");
}

#[tokio::test]
async fn restricted_basic_auth_blocks_interactive_accounts_without_the_exception_role() {
    let sb = start(sbauth::Policy { sso: false, basic_restricted: true }).await;
    let e = auth::whoami(&basic(&sb, "admin", sandbox::seed::ADMIN_PASSWORD)).await.unwrap_err();
    assert!(matches!(e, SnError::BasicRestricted { .. }), "{e}");
    assert!(e.to_string().contains("calsync instance add"), "the way out is named: {e}");
    sb.with_store(|s| {
        let uid = s.first_where("sys_user", "user_name", "admin").unwrap()["sys_id"].clone();
        let role = s.first_where("sys_user_role", "name", sbauth::BASIC_AUTH_ROLE).unwrap()["sys_id"].clone();
        let mut row = std::collections::BTreeMap::new();
        for (k, v) in [("sys_id", "r1"), ("sys_class_name", "sys_user_has_role"), ("user", &uid), ("role", &role)] {
            row.insert(k.to_string(), v.to_string());
        }
        s.rows.push(row);
    });
    assert_eq!(auth::whoami(&basic(&sb, "admin", sandbox::seed::ADMIN_PASSWORD)).await.unwrap(), "admin");
}

#[tokio::test]
async fn client_credentials_sign_in_unattended() {
    let sb = start(sbauth::Policy::default()).await;
    let ci = OAuthClient {
        client_id: sbauth::CI_CLIENT_ID.into(),
        secret: Some(SecretString::from(sbauth::CI_CLIENT_SECRET)),
    };
    let t = auth::client_credentials(&url(&sb), &ci).await.unwrap();
    let (_, user) = auth::bearer_client(&url(&sb), t.access_token).await.unwrap();
    assert_eq!(user, "admin");
    let wrong = OAuthClient { client_id: sbauth::CI_CLIENT_ID.into(), secret: Some(SecretString::from("nope")) };
    let e = auth::client_credentials(&url(&sb), &wrong).await.unwrap_err();
    assert!(matches!(e, AuthError::UnknownClient { .. }), "{e}");
}
