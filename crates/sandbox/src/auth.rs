//! How people and programs sign in to the simulated instance, besides a plain password:
//! single sign-on through the tenant's identity provider, a one-time code appended to the
//! password (MFA), the instance's own OAuth endpoints (`oauth_auth.do`, `oauth_token.do`,
//! `oauth_revoke_token.do`) with PKCE, and basic authentication restricted the way the
//! Brazil release's "Basic authentication restriction" enforces it.
//!
//! Issued tokens are rows of `oauth_credential`, as on an instance; the sandbox keeps only a
//! SHA-256 digest of each token there, so its state file never holds a usable one.

use super::code_grant::{Binding, Challenge, ChallengeMethod, Codes, Redemption, Refusal};
use super::identity::USERS;
use super::page::{esc, found, html};
use super::server::Inner;
use super::store::{Row, Store, new_sys_id};
use super::time::{format_utc, now_secs};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The admin who has no local password: signs in through the identity provider only.
pub const SSO_ADMIN_USER: &str = "sso.admin";
/// Their account at the identity provider (the sandbox tenant's directory).
pub const SSO_ADMIN_EMAIL: &str = "it-admin@contoso.com";
/// An admin with multi-factor authentication: password plus a six-digit code.
pub const MFA_ADMIN_USER: &str = "mfa.admin";
pub const MFA_ADMIN_PASSWORD: &str = "calsync-mfa";
/// The Application Registry entry for calsync ("OAuth API endpoint for external clients").
pub const INSTANCE_REGISTRY_NAME: &str = "calsync";
pub const INSTANCE_CLIENT_ID: &str = "5c0a1d7e9b3f4e2a8c6d1b0f7e9a3c52";
pub const INSTANCE_CLIENT_SECRET: &str = "calsync-sandbox-client-secret";
/// The loopback address calsync's registry entry lists as its redirect URL.
pub const INSTANCE_REDIRECT: &str = "http://localhost:8750/";
/// A second entry for unattended runs: the client-credentials grant, acting as `admin`.
pub const CI_REGISTRY_NAME: &str = "calsync CI";
pub const CI_CLIENT_ID: &str = "9e4b2c7a1d0f4a6b8e3c5d7f9a1b2c3d";
pub const CI_CLIENT_SECRET: &str = "calsync-sandbox-ci-secret";
/// The role that keeps basic authentication working under enforcement.
pub const BASIC_AUTH_ROLE: &str = "snc_basic_auth_api_access";

const MFA_STEP_SECS: i64 = 30;

/// Instance-wide sign-in settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// `login.do` sends the browser to the identity provider (single sign-on).
    pub sso: bool,
    /// Basic authentication is blocked unless the account is web-service-only, holds
    /// `snc_basic_auth_api_access`, or appends a valid MFA code.
    pub basic_restricted: bool,
}

/// An authorization waiting for the person to sign in.
#[derive(Debug, Clone)]
struct Pending {
    binding: Binding,
    state: String,
    scope: String,
}

/// What a code grants: the account that signed in, and the scope asked for.
#[derive(Debug)]
struct Grant {
    user_name: String,
    scope: String,
}

/// The sign-in state: the policy and the authorizations in flight.
#[derive(Debug, Default)]
pub struct SignIn {
    pub policy: Policy,
    txns: HashMap<String, Pending>,
    codes: Codes<Grant>,
}

impl SignIn {
    pub fn new(policy: Policy) -> SignIn {
        SignIn { policy, ..Default::default() }
    }
}

pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route("/login.do", get(login_page))
        .route("/navpage.do", get(navpage))
        .route("/oauth_auth.do", get(authorize))
        .route("/oauth_login.do", post(sign_in))
        .route("/oauth_token.do", post(token))
        .route("/oauth_revoke_token.do", post(revoke))
}

/// Adds the sign-in users and calsync's registry entries when the records lack them.
pub fn ensure_records(store: &mut Store, base_url: &str) {
    let admin_role = store.first_where("sys_user_role", "name", "admin").map(|r| r["sys_id"].clone());
    for (user_name, name, email) in
        [(SSO_ADMIN_USER, "IT Admin", SSO_ADMIN_EMAIL), (MFA_ADMIN_USER, "MFA Admin", "mfa-admin@example.com")]
    {
        if store.first_where("sys_user", "user_name", user_name).is_none() {
            let id = add(store, "sys_user", &[("user_name", user_name), ("name", name), ("email", email)]);
            if let Some(role) = &admin_role {
                add(store, "sys_user_has_role", &[("user", &id), ("role", role)]);
            }
        }
    }
    if store.first_where("sys_user_role", "name", BASIC_AUTH_ROLE).is_none() {
        add(store, "sys_user_role", &[("name", BASIC_AUTH_ROLE), ("description", "Basic auth API access")]);
    }
    for (name, client_id, secret, grant, redirect) in [
        (INSTANCE_REGISTRY_NAME, INSTANCE_CLIENT_ID, INSTANCE_CLIENT_SECRET, "authorization_code", INSTANCE_REDIRECT),
        (CI_REGISTRY_NAME, CI_CLIENT_ID, CI_CLIENT_SECRET, "client_credentials", ""),
    ] {
        if store.first_where("oauth_entity", "client_id", client_id).is_none() {
            add(
                store,
                "oauth_entity",
                &[
                    ("name", name),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("type", "client"),
                    ("default_grant_type", grant),
                    ("redirect_url", redirect),
                    ("code_challenge_method", "S256"),
                    ("auth_url", &format!("{base_url}/oauth_auth.do")),
                    ("token_url", &format!("{base_url}/oauth_token.do")),
                ],
            );
        }
    }
    // The secret column is encrypted and not kept in the state file: put it back.
    for row in store.rows.iter_mut() {
        if row.get("sys_class_name").map(String::as_str) != Some("oauth_entity") {
            continue;
        }
        let secret = match row.get("client_id").map(String::as_str) {
            Some(INSTANCE_CLIENT_ID) => INSTANCE_CLIENT_SECRET,
            Some(CI_CLIENT_ID) => CI_CLIENT_SECRET,
            _ => continue,
        };
        if row.get("client_secret").is_none_or(|s| s.is_empty()) {
            row.insert("client_secret".into(), secret.into());
        }
        for (col, path) in [("auth_url", "oauth_auth.do"), ("token_url", "oauth_token.do")] {
            row.insert(col.into(), format!("{base_url}/{path}"));
        }
    }
}

fn add(store: &mut Store, table: &str, fields: &[(&str, &str)]) -> String {
    store.add_system_record(table, fields)
}

/// The six-digit code an MFA user's authenticator shows for a 30-second window.
pub fn mfa_code_at(user: &str, secs: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(format!("calsync-sandbox-mfa:{user}").as_bytes())
        .expect("HMAC takes any key length");
    mac.update(&(secs.div_euclid(MFA_STEP_SECS)).to_be_bytes());
    let bytes = mac.finalize().into_bytes();
    let n = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) % 1_000_000;
    format!("{n:06}")
}

pub fn mfa_code(user: &str) -> String {
    mfa_code_at(user, now_secs())
}

fn mfa_enrolled(user: &str) -> bool {
    user == MFA_ADMIN_USER
}

/// Why a basic-auth login was refused; None when it is accepted.
pub fn basic_refusal(inner: &Inner, user: &str, password: &str) -> Option<&'static str> {
    let stored = inner.passwords.lock().ok().and_then(|p| p.get(user).cloned());
    let Some(stored) = stored else { return Some("Required to provide Auth information") };
    let policy = inner.sign_in.lock().map(|s| s.policy).unwrap_or_default();
    let with_code = password
        .strip_prefix(stored.as_str())
        .filter(|code| code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()))
        .is_some_and(|code| {
            let now = now_secs();
            code == mfa_code_at(user, now) || code == mfa_code_at(user, now - MFA_STEP_SECS)
        });
    if mfa_enrolled(user) {
        return if with_code { None } else { Some("Required to provide Auth information") };
    }
    if password != stored {
        return Some("Required to provide Auth information");
    }
    if policy.basic_restricted && !with_code {
        let store = inner.store();
        let Some(row) = store.first_where("sys_user", "user_name", user) else {
            return Some("Required to provide Auth information");
        };
        let wsao = row.get("web_service_access_only").map(String::as_str) == Some("true");
        let uid = row["sys_id"].clone();
        let exempt = store.scan("sys_user_has_role").any(|r| {
            r.get("user") == Some(&uid)
                && store
                    .get("sys_user_role", r.get("role").map(String::as_str).unwrap_or(""))
                    .and_then(|x| x.get("name"))
                    == Some(&BASIC_AUTH_ROLE.to_string())
        });
        if !wsao && !exempt {
            return Some("Basic authentication is restricted for this account");
        }
    }
    None
}

fn digest(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    format!("sha256:{}", d.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The user an unexpired access token was issued to.
pub fn bearer_user(inner: &Inner, token: &str) -> Option<String> {
    let store = inner.store();
    let key = digest(token.trim());
    let row = store
        .scan("oauth_credential")
        .find(|r| r.get("name") == Some(&key) && r.get("type").map(String::as_str) == Some("access_token"))?;
    if expired(row.get("expires").map(String::as_str).unwrap_or("")) {
        return None;
    }
    let uid = row.get("user")?;
    store.get("sys_user", uid).and_then(|u| u.get("user_name").cloned())
}

fn expired(glide: &str) -> bool {
    glide.is_empty() || glide < format_utc(now_secs()).as_str()
}

/// A page that needs a session: without one, the instance sends the browser to sign in,
/// at the identity provider when single sign-on is the default, else to `login.do`.
async fn navpage(State(inner): State<Arc<Inner>>) -> Response {
    if let Some(r) = super::server::faults(&inner).await {
        return r;
    }
    let sso = inner.sign_in.lock().map(|s| s.policy.sso).unwrap_or(false);
    if sso {
        let request = URL_SAFE_NO_PAD.encode(new_sys_id());
        return found(&format!(
            "https://login.microsoftonline.com/{}/saml2?SAMLRequest={request}",
            super::seed::TENANT_ID
        ));
    }
    found("/login.do")
}

/// The instance's own sign-in form. It stays reachable with single sign-on too (the "side
/// door"), so its presence proves nothing about who has a password.
async fn login_page(State(inner): State<Arc<Inner>>) -> Response {
    if let Some(r) = super::server::faults(&inner).await {
        return r;
    }
    html(
        StatusCode::OK,
        "Log in | ServiceNow",
        "<form method=\"post\" action=\"login.do\"><input name=\"user_name\"><input type=\"password\" name=\"user_password\"><button>Log in</button></form>",
    )
}

fn registry(store: &Store, client_id: &str) -> Option<Row> {
    store
        .scan("oauth_entity")
        .find(|r| {
            r.get("client_id").map(String::as_str) == Some(client_id)
                && r.get("type").map(String::as_str) == Some("client")
                && r.get("active").map(String::as_str) == Some("true")
        })
        .cloned()
}

async fn authorize(State(inner): State<Arc<Inner>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(r) = super::server::faults(&inner).await {
        return r;
    }
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let client_id = get("client_id");
    let entity = registry(&inner.store(), &client_id);
    let Some(entity) = entity else {
        return html(
            StatusCode::BAD_REQUEST,
            "OAuth error",
            "<p id=\"error\">invalid_client: the client_id is not registered on this instance</p>",
        );
    };
    if get("response_type") != "code" {
        return html(StatusCode::BAD_REQUEST, "OAuth error", "<p id=\"error\">unsupported_response_type</p>");
    }
    let state = get("state");
    if state.is_empty() {
        return html(StatusCode::BAD_REQUEST, "OAuth error", "<p id=\"error\">Missing State parameter in request</p>");
    }
    // The instance matches the redirect to a registered URL, and uses the first one otherwise.
    let registered: Vec<String> = entity
        .get("redirect_url")
        .map(|r| r.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let asked = get("redirect_uri");
    let redirect_uri = if registered.contains(&asked) {
        asked
    } else if let Some(first) = registered.first() {
        first.clone()
    } else {
        return html(StatusCode::BAD_REQUEST, "OAuth error", "<p id=\"error\">invalid_redirect_uri</p>");
    };
    let challenge = q.get("code_challenge").cloned().filter(|c| !c.is_empty());
    // The instance takes S256 challenges only.
    if challenge.is_some() && q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return html(StatusCode::BAD_REQUEST, "OAuth error", "<p id=\"error\">invalid code_challenge_method</p>");
    }
    let challenge = challenge.map(|value| Challenge { value, method: ChallengeMethod::S256 });
    if challenge.is_none() && entity.get("public_client").map(String::as_str) == Some("true") {
        return html(StatusCode::BAD_REQUEST, "OAuth error", "<p id=\"error\">code_challenge is required</p>");
    }
    let txn = new_sys_id();
    let pending = Pending { binding: Binding { client_id, redirect_uri, challenge }, state, scope: get("scope") };
    let sso = match inner.sign_in.lock() {
        Ok(mut s) => {
            s.txns.insert(txn.clone(), pending);
            s.policy.sso
        }
        Err(_) => false,
    };
    let (title, label, note) = if sso {
        (
            "Sign in to your account",
            "Email",
            "Single sign-on: the instance sent you to your organization's identity provider.",
        )
    } else {
        ("Log in | ServiceNow", "User name", "Log in to allow the application access to the instance.")
    };
    let body = format!(
        "<p>{}</p><p>{} asks for access to your account on this instance.</p><form method=\"post\" action=\"/oauth_login.do\">\
<input type=\"hidden\" name=\"txn\" value=\"{}\">\
<label>{label} <input name=\"login\"></label>\
<label>Password <input type=\"password\" name=\"passwd\"></label>\
<button name=\"action\" value=\"signin\">Allow</button>\
<button name=\"action\" value=\"cancel\">Deny</button></form>",
        esc(note),
        esc(entity.get("name").map(String::as_str).unwrap_or("An application")),
        esc(&txn)
    );
    html(StatusCode::OK, title, &body)
}

fn back(p: &Pending, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(&p.binding.redirect_uri) else {
        return html(StatusCode::BAD_REQUEST, "OAuth error", "<p id=\"error\">invalid_redirect_uri</p>");
    };
    url.query_pairs_mut().extend_pairs(params.iter()).append_pair("state", &p.state);
    found(url.as_str())
}

async fn sign_in(State(inner): State<Arc<Inner>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (pending, sso) = match inner.sign_in.lock() {
        Ok(mut s) => (s.txns.remove(&get("txn")), s.policy.sso),
        Err(_) => (None, false),
    };
    let Some(pending) = pending else {
        return html(
            StatusCode::BAD_REQUEST,
            "OAuth error",
            "<p id=\"error\">The sign-in has expired; start again.</p>",
        );
    };
    if get("action") == "cancel" {
        return back(&pending, &[("error", "access_denied")]);
    }
    let login = get("login");
    let user_name = if sso {
        // The identity provider checks the password; the instance maps the account by email.
        let ok = USERS.iter().any(|u| u.upn.eq_ignore_ascii_case(&login) && u.password == get("passwd"));
        let mapped = inner
            .store()
            .scan("sys_user")
            .find(|r| r.get("email").is_some_and(|e| e.eq_ignore_ascii_case(&login)))
            .and_then(|r| r.get("user_name").cloned());
        if ok { mapped } else { None }
    } else if basic_refusal(&inner, &login, &get("passwd")).is_none() {
        Some(login.clone())
    } else {
        None
    };
    let Some(user_name) = user_name else {
        // Back to the form, with a new transaction.
        let txn = new_sys_id();
        if let Ok(mut s) = inner.sign_in.lock() {
            s.txns.insert(txn.clone(), pending);
        }
        let body = format!(
            "<p id=\"error\">The user name or password is not correct.</p><form method=\"post\" action=\"/oauth_login.do\"><input type=\"hidden\" name=\"txn\" value=\"{}\"><input name=\"login\"><input type=\"password\" name=\"passwd\"><button name=\"action\" value=\"signin\">Allow</button></form>",
            esc(&txn)
        );
        return html(StatusCode::OK, "Sign in to your account", &body);
    };
    let code = new_sys_id();
    if let Ok(mut s) = inner.sign_in.lock() {
        s.codes.issue(code.clone(), pending.binding.clone(), Grant { user_name, scope: pending.scope.clone() });
    }
    back(&pending, &[("code", &code)])
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, axum::Json(json!({"error": error, "error_description": description}))).into_response()
}

/// Checks the client's credentials; public clients send none.
fn client(inner: &Inner, f: &HashMap<String, String>) -> Result<Row, Box<Response>> {
    let id = f.get("client_id").cloned().unwrap_or_default();
    let entity = registry(&inner.store(), &id);
    let invalid = || Box::new(token_error(StatusCode::UNAUTHORIZED, "invalid_client", "access_denied"));
    let entity = entity.ok_or_else(invalid)?;
    let public = entity.get("public_client").map(String::as_str) == Some("true");
    let sent = f.get("client_secret").map(String::as_str).unwrap_or("");
    if !public && entity.get("client_secret").map(String::as_str) != Some(sent) {
        return Err(invalid());
    }
    Ok(entity)
}

/// Issues an access token (and a refresh token) for the granted scope, `useraccount` when
/// none was asked for.
fn issue(inner: &Inner, entity: &Row, user_name: &str, grant: &str, scope: &str, with_refresh: bool) -> Response {
    let scope = if scope.trim().is_empty() { "useraccount" } else { scope.trim() };
    let mut store = inner.store();
    let Some(uid) = store.first_where("sys_user", "user_name", user_name).map(|r| r["sys_id"].clone()) else {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_grant", "access_denied");
    };
    let life = |col: &str, default: i64| entity.get(col).and_then(|v| v.parse::<i64>().ok()).unwrap_or(default);
    let access_life = life("access_token_lifespan", 1800);
    let refresh_life = life("refresh_token_lifespan", 8_640_000);
    let access = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let now = now_secs();
    let entity_id = entity["sys_id"].clone();
    let client_id = entity.get("client_id").cloned().unwrap_or_default();
    let mut rows = vec![("access_token", digest(&access), now + access_life)];
    let refresh = with_refresh.then(|| URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
    if let Some(r) = &refresh {
        rows.push(("refresh_token", digest(r), now + refresh_life));
    }
    for (kind, key, expires) in rows {
        add(
            &mut store,
            "oauth_credential",
            &[
                ("name", &key),
                ("type", kind),
                ("expires", &format_utc(expires)),
                ("peer", &entity_id),
                ("user", &uid),
                ("client_id", &client_id),
                ("grant_type", grant),
                ("scopes", scope),
            ],
        );
    }
    store.save();
    drop(store);
    let mut body = json!({"access_token": access, "scope": scope, "token_type": "Bearer", "expires_in": access_life});
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn token(State(inner): State<Arc<Inner>>, Form(f): Form<HashMap<String, String>>) -> Response {
    if let Some(r) = super::server::faults(&inner).await {
        return r;
    }
    let entity = match client(&inner, &f) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let bad_grant = |d: &str| token_error(StatusCode::UNAUTHORIZED, "invalid_grant", d);
    match get("grant_type").as_str() {
        "authorization_code" => {
            let (code, client_id, verifier) = (get("code"), get("client_id"), get("code_verifier"));
            let redemption = Redemption {
                code: &code,
                client_id: &client_id,
                redirect_uri: f.get("redirect_uri").map(String::as_str),
                verifier: &verifier,
            };
            let redeemed = match inner.sign_in.lock() {
                Ok(mut s) => s.codes.redeem(redemption),
                Err(_) => Err(Refusal::Unknown),
            };
            match redeemed {
                Ok(g) => issue(&inner, &entity, &g.user_name, "authorization_code", &g.scope, true),
                Err(Refusal::VerifierMismatch) => bad_grant("the code_verifier does not match the code_challenge"),
                Err(_) => bad_grant("the authorization code is not valid"),
            }
        }
        "refresh_token" => {
            let key = digest(&get("refresh_token"));
            let found = {
                let s = inner.store();
                s.scan("oauth_credential")
                    .find(|r| r.get("name") == Some(&key) && r.get("type").map(String::as_str) == Some("refresh_token"))
                    .map(|r| {
                        let user =
                            r.get("user").and_then(|u| s.get("sys_user", u)).and_then(|u| u.get("user_name").cloned());
                        (r.get("expires").cloned().unwrap_or_default(), r.get("peer").cloned(), user)
                    })
            };
            match found {
                Some((expires, Some(peer), Some(user))) if peer == entity["sys_id"] && !expired(&expires) => {
                    issue(&inner, &entity, &user, "refresh_token", "", false)
                }
                _ => bad_grant("access_denied"),
            }
        }
        "password" => {
            let user = get("username");
            if basic_refusal(&inner, &user, &get("password")).is_some() {
                return bad_grant("access_denied");
            }
            issue(&inner, &entity, &user, "password", "", true)
        }
        "client_credentials" => {
            if entity.get("default_grant_type").map(String::as_str) != Some("client_credentials") {
                return token_error(StatusCode::BAD_REQUEST, "unauthorized_client", "access_denied");
            }
            issue(&inner, &entity, super::seed::ADMIN_USER, "client_credentials", "", false)
        }
        _ => token_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "access_denied"),
    }
}

/// Revokes a token: its row leaves `oauth_credential`, and with a refresh token every
/// access token of the same user and client goes too.
async fn revoke(State(inner): State<Arc<Inner>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let entity = match client(&inner, &f) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let key = digest(f.get("token").map(String::as_str).unwrap_or(""));
    let mut store = inner.store();
    let user =
        store.scan("oauth_credential").find(|r| r.get("name") == Some(&key)).and_then(|r| r.get("user").cloned());
    if let Some(user) = user {
        let peer = entity["sys_id"].clone();
        store.rows.retain(|r| {
            !(r.get("sys_class_name").map(String::as_str) == Some("oauth_credential")
                && r.get("peer") == Some(&peer)
                && r.get("user") == Some(&user))
        });
        store.save();
    }
    StatusCode::OK.into_response()
}

/// Moves the expiry of every token calsync's registry issued into the past.
pub fn expire_tokens(store: &mut Store) {
    let ids: Vec<String> = store
        .scan("oauth_entity")
        .filter(|r| r.get("type").map(String::as_str) == Some("client"))
        .map(|r| r["sys_id"].clone())
        .collect();
    let past = format_utc(now_secs() - 60);
    for row in store.rows.iter_mut() {
        if row.get("sys_class_name").map(String::as_str) == Some("oauth_credential")
            && row.get("peer").is_some_and(|p| ids.contains(p))
        {
            row.insert("expires".into(), past.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_codes_change_every_window_and_have_six_digits() {
        let a = mfa_code_at(MFA_ADMIN_USER, 1_000_020);
        assert_eq!(a.len(), 6);
        assert_eq!(a, mfa_code_at(MFA_ADMIN_USER, 1_000_029));
        assert_ne!(a, mfa_code_at(MFA_ADMIN_USER, 1_000_050));
    }

    #[test]
    fn digests_hide_the_token() {
        let d = digest("abc");
        assert!(d.starts_with("sha256:") && !d.contains("abc"));
    }
}
