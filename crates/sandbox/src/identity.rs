//! The sandbox's Microsoft sign-in: Entra-shaped authorize, token and logout endpoints,
//! and Graph `/v1.0/me`, on the same loopback port as the instance.
//!
//! It keeps the trap that makes Get OAuth Token fail in real life: a browser that already
//! holds a Microsoft session is signed in silently as that account unless the request
//! says `prompt=login` (or names another account in `login_hint`). By default the
//! "browser" holds a session for the admin's own account, it-admin@contoso.com.
//! Redirect URIs match as Entra matches them (port ignored for localhost, path exact),
//! PKCE is checked, the client secret rules follow the registered platform, and errors
//! carry AADSTS codes in Entra's JSON shape. Tokens live in memory only.

use super::code_grant::{Binding, Challenge, ChallengeMethod, Codes, Redemption, Refusal};
use super::page::{esc, found, html};
use super::server::Inner;
use super::store::new_sys_id;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;

use super::seed::{CLIENT_ID, TENANT_ID};

/// The app registration's client secret (its Value). A simulation's secret.
pub const CLIENT_SECRET: &str = "sbx~Q8p2.client-secret-value";
/// What Entra calls the Secret ID: a common thing to paste by mistake.
pub const CLIENT_SECRET_ID: &str = "c0a1f7e2-5b3d-4c9a-8e6f-1d2b3c4d5e6f";
pub const OTHER_TENANT_ID: &str = "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b";

/// Where the registered loopback redirect URI sits in the app registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Confidential: the token request must carry the client secret.
    Web,
    /// Public ("Mobile and desktop applications"): it must not.
    Mobile,
}

#[derive(Debug, Clone)]
pub struct DirUser {
    pub upn: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub oid: &'static str,
    pub tid: &'static str,
}

/// The sandbox tenant's directory, plus one account of another tenant.
pub const USERS: &[DirUser] = &[
    DirUser {
        upn: "rooms-delegate@contoso.com",
        password: "Delegate-Pass-1",
        name: "Rooms Delegate",
        oid: "4d2c8a61-0b7e-4f3a-9c5d-6e1f2a3b4c5d",
        tid: TENANT_ID,
    },
    DirUser {
        upn: "strict-rooms@contoso.com",
        password: "Strict-Pass-1",
        name: "Strict Rooms",
        oid: "7a9b1c2d-3e4f-4a5b-8c6d-9e0f1a2b3c4d",
        tid: TENANT_ID,
    },
    DirUser {
        upn: "rooms-north@contoso.com",
        password: "North-Pass-1",
        name: "Rooms North",
        oid: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        tid: TENANT_ID,
    },
    DirUser {
        upn: "rooms-south@contoso.com",
        password: "South-Pass-1",
        name: "Rooms South",
        oid: "3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d7e",
        tid: TENANT_ID,
    },
    DirUser {
        upn: "it-admin@contoso.com",
        password: "Admin-Pass-1",
        name: "IT Admin",
        oid: "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
        tid: TENANT_ID,
    },
    DirUser {
        upn: "someone@fabrikam.com",
        password: "Other-Pass-1",
        name: "Someone Else",
        oid: "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b",
        tid: OTHER_TENANT_ID,
    },
];

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct AuthRequest {
    binding: Binding,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    login_hint: Option<String>,
    response_mode: String,
}

/// What a code or a refresh token grants: the request it answers and who signed in.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Grant {
    request: AuthRequest,
    upn: String,
}

/// Refresh tokens live at Microsoft, not in the process that asked for one: a token issued
/// while one sandbox ran is still good in the next run on the same state file, as a real
/// refresh token is for 90 days. The grants are kept in the state file under the token's
/// SHA-256 digest, so the file holds nothing anyone could sign in with.
impl super::store::Store {
    fn refresh_grant(&self, token: &str) -> Option<Grant> {
        self.refresh_grants.get(&token_digest(token)).cloned()
    }

    /// The account a refresh token was issued to (what the instance syncs as).
    pub fn account_of_refresh(&self, token: &str) -> Option<String> {
        self.refresh_grant(token).map(|g| g.upn)
    }
}

fn token_digest(token: &str) -> String {
    <Sha256 as sha2::Digest>::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug)]
pub struct Idp {
    pub loopback_platform: Platform,
    /// The account a browser without a sandbox cookie is signed in as (None: nobody).
    pub browser_session: Option<String>,
    key: [u8; 32],
    pending: HashMap<String, AuthRequest>,
    codes: Codes<Grant>,
    access: HashMap<String, String>,
}

impl Idp {
    /// The account an access token was issued to (Graph's view of the caller).
    pub fn account_of_access(&self, token: &str) -> Option<String> {
        self.access.get(token).cloned()
    }
}

impl Default for Idp {
    fn default() -> Self {
        Idp {
            loopback_platform: Platform::Web,
            browser_session: Some("it-admin@contoso.com".into()),
            key: rand::random(),
            pending: HashMap::new(),
            codes: Codes::default(),
            access: HashMap::new(),
        }
    }
}

pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route("/{tenant}/oauth2/v2.0/login", post(login))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/logout", get(logout))
        .route("/v1.0/me", get(me))
}

fn user(upn: &str) -> Option<&'static DirUser> {
    USERS.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
}

fn trace() -> (String, String) {
    let t = new_sys_id();
    let c = new_sys_id();
    (
        format!("{}-{}-{}-{}-{}", &t[..8], &t[8..12], &t[12..16], &t[16..20], &t[20..]),
        format!("{}-{}-{}-{}-{}", &c[..8], &c[8..12], &c[12..16], &c[16..20], &c[20..]),
    )
}

fn description(code: u64, text: &str) -> String {
    let (t, c) = trace();
    format!("AADSTS{code}: {text} Trace ID: {t} Correlation ID: {c} Timestamp: {}", super::store::now_utc())
}

/// Entra's error page, shown instead of redirecting when the redirect itself is in doubt.
fn error_page(code: u64, text: &str) -> Response {
    let body = format!(
        "<p>Sorry, but we're having trouble signing you in.</p><p id=\"error\">{}</p>",
        esc(&format!("AADSTS{code}: {text}"))
    );
    html(StatusCode::BAD_REQUEST, "Sign in to your account", &body)
}

fn token_error(status: StatusCode, error: &str, code: u64, text: &str) -> Response {
    let (t, c) = trace();
    let body = json!({
        "error": error,
        "error_description": description(code, text),
        "error_codes": [code],
        "timestamp": super::store::now_utc(),
        "trace_id": t,
        "correlation_id": c,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, axum::Json(body)).into_response()
}

/// Entra ignores the port of a localhost redirect URI; the path must match exactly.
fn match_redirect(requested: &str, registered: &[String]) -> bool {
    let norm = |s: &str| -> Option<String> {
        let mut u = url::Url::parse(s).ok()?;
        if u.host_str() == Some("localhost") {
            let _ = u.set_port(None);
        }
        Some(u.to_string())
    };
    match norm(requested) {
        Some(r) => registered.iter().filter_map(|x| norm(x)).any(|x| x == r),
        None => false,
    }
}

fn registered_redirects(inner: &Inner) -> Vec<String> {
    vec!["http://localhost/".into(), format!("{}/oauth_redirect.do", inner.base_url())]
}

fn is_loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).map(|u| u.host_str() == Some("localhost")).unwrap_or(false)
}

fn tenant_ok(tenant: &str) -> bool {
    tenant == TENANT_ID || ["organizations", "common", "contoso.com", "contoso.onmicrosoft.com"].contains(&tenant)
}

fn session_cookie(headers: &HeaderMap) -> Option<Option<String>> {
    let cookies = headers.get_all(header::COOKIE);
    for c in cookies.iter().filter_map(|v| v.to_str().ok()) {
        for part in c.split(';') {
            if let Some(v) = part.trim().strip_prefix("sbx_session=") {
                let v = url::form_urlencoded::parse(format!("v={v}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                return Some(if v == "-" || v.is_empty() { None } else { Some(v) });
            }
        }
    }
    None
}

fn set_session(resp: &mut Response, upn: Option<&str>) {
    let value = upn
        .map(|u| url::form_urlencoded::byte_serialize(u.as_bytes()).collect::<String>())
        .unwrap_or_else(|| "-".into());
    if let Ok(v) = HeaderValue::from_str(&format!("sbx_session={value}; Path=/; HttpOnly; SameSite=Lax")) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sends the browser back to the client with `params` (query or form_post).
fn back_to_client(req: &AuthRequest, mut params: Vec<(String, String)>) -> Response {
    if let Some(s) = &req.state {
        params.push(("state".into(), s.clone()));
    }
    if req.response_mode == "form_post" {
        let inputs: String = params
            .iter()
            .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v)))
            .collect();
        let body = format!(
            "<form method=\"post\" action=\"{}\">{inputs}<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script>",
            esc(&req.binding.redirect_uri)
        );
        return html(StatusCode::OK, "Working...", &body);
    }
    let mut url = match url::Url::parse(&req.binding.redirect_uri) {
        Ok(u) => u,
        Err(_) => return error_page(90102, "The redirect_uri value must be a valid absolute URI."),
    };
    url.query_pairs_mut().extend_pairs(params.iter());
    found(url.as_str())
}

fn redirect_error(req: &AuthRequest, error: &str, code: u64, text: &str, subcode: Option<&str>) -> Response {
    let mut params =
        vec![("error".to_string(), error.to_string()), ("error_description".to_string(), description(code, text))];
    if let Some(s) = subcode {
        params.push(("error_subcode".into(), s.into()));
    }
    params.push(("error_uri".into(), format!("https://login.microsoftonline.com/error?code={code}")));
    back_to_client(req, params)
}

fn issue_code(inner: &Inner, req: &AuthRequest, upn: &str) -> Response {
    let code = format!("sbx.code.{}", new_sys_id());
    if let Ok(mut idp) = inner.idp.lock() {
        idp.codes.issue(code.clone(), req.binding.clone(), Grant { request: req.clone(), upn: upn.to_string() });
    }
    let session_state = new_sys_id();
    let mut r = back_to_client(req, vec![("code".into(), code), ("session_state".into(), session_state)]);
    set_session(&mut r, Some(upn));
    r
}

fn sign_in_form(tenant: &str, txn: &str, hint: &str, note: &str) -> Response {
    let body = format!(
        "<p>{}</p><form method=\"post\" action=\"/{}/oauth2/v2.0/login\">\
<input type=\"hidden\" name=\"txn\" value=\"{}\">\
<label>Email <input name=\"login\" value=\"{}\"></label>\
<label>Password <input type=\"password\" name=\"passwd\"></label>\
<button name=\"action\" value=\"signin\">Sign in</button>\
<button name=\"action\" value=\"cancel\">Cancel</button></form>",
        esc(note),
        esc(tenant),
        esc(txn),
        esc(hint)
    );
    html(StatusCode::OK, "Sign in to your account", &body)
}

async fn authorize(
    State(inner): State<Arc<Inner>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !tenant_ok(&tenant) {
        return error_page(
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    if client_id != CLIENT_ID {
        return error_page(
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory 'Contoso'."),
        );
    }
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    if !match_redirect(&redirect_uri, &registered_redirects(&inner)) {
        return error_page(
            50011,
            &format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{CLIENT_ID}'."
            ),
        );
    }
    let mut req = AuthRequest {
        binding: Binding { client_id, redirect_uri, challenge: None },
        scope: q.get("scope").cloned().unwrap_or_default(),
        state: q.get("state").cloned(),
        nonce: q.get("nonce").cloned(),
        login_hint: q.get("login_hint").cloned().filter(|h| !h.is_empty()),
        response_mode: q.get("response_mode").cloned().unwrap_or_else(|| "query".into()),
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return redirect_error(
            &req,
            "unsupported_response_type",
            700054,
            "response_type must be 'code' for this application.",
            None,
        );
    }
    if let Some(value) = q.get("code_challenge").cloned() {
        let method = q.get("code_challenge_method").map_or("plain", String::as_str);
        let Some(method) = ChallengeMethod::parse(method) else {
            return redirect_error(&req, "invalid_request", 50149, "The code_challenge_method is not valid.", None);
        };
        req.binding.challenge = Some(Challenge { value, method });
    }
    for s in req.scope.split_whitespace() {
        let short = s.trim_start_matches("https://graph.microsoft.com/");
        let known = [
            "openid",
            "profile",
            "email",
            "offline_access",
            "User.Read",
            "Calendars.ReadWrite",
            "Calendars.ReadWrite.Shared",
            "Calendars.Read",
            ".default",
        ];
        if !known.contains(&short) {
            return redirect_error(
                &req,
                "invalid_scope",
                70011,
                &format!(
                    "The provided value for the input parameter 'scope' is not valid. The scope '{s}' does not exist."
                ),
                None,
            );
        }
    }
    let session = match session_cookie(&headers) {
        Some(s) => s,
        None => inner.idp.lock().map(|i| i.browser_session.clone()).unwrap_or_default(),
    };
    let prompt = q.get("prompt").map(String::as_str).unwrap_or("");
    match (prompt, &session) {
        ("none", Some(upn)) => return issue_code(&inner, &req, upn),
        ("none", None) => {
            return redirect_error(
                &req,
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
                None,
            );
        }
        // The trap: no prompt and a browser session means a silent sign-in as that account.
        ("", Some(upn)) if req.login_hint.as_ref().is_none_or(|h| h.eq_ignore_ascii_case(upn)) => {
            return issue_code(&inner, &req, upn);
        }
        _ => {}
    }
    let txn = new_sys_id();
    let hint = req
        .login_hint
        .clone()
        .or_else(|| if prompt == "select_account" { session.clone() } else { None })
        .unwrap_or_default();
    if let Ok(mut idp) = inner.idp.lock() {
        idp.pending.insert(txn.clone(), req);
    }
    let note = match &session {
        Some(s) if prompt == "select_account" => format!("Pick an account. Signed in: {s}"),
        _ => "Enter the account's email and password.".into(),
    };
    sign_in_form(&tenant, &txn, &hint, &note)
}

async fn login(State(inner): State<Arc<Inner>>, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let txn = form.get("txn").cloned().unwrap_or_default();
    let req = inner.idp.lock().ok().and_then(|i| i.pending.get(&txn).cloned());
    let Some(req) = req else {
        return error_page(90014, "The sign-in session expired or is unknown. Start the sign-in again.");
    };
    if form.get("action").map(String::as_str) == Some("cancel") {
        if let Ok(mut idp) = inner.idp.lock() {
            idp.pending.remove(&txn);
        }
        return redirect_error(
            &req,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
            Some("cancel"),
        );
    }
    let login = form.get("login").cloned().unwrap_or_default();
    let password = form.get("passwd").cloned().unwrap_or_default();
    let Some(u) = user(&login).filter(|u| u.password == password) else {
        return sign_in_form(&tenant, &txn, &login, "AADSTS50126: Your account or password is incorrect.");
    };
    if u.tid != TENANT_ID {
        if let Ok(mut idp) = inner.idp.lock() {
            idp.pending.remove(&txn);
        }
        return error_page(
            50020,
            &format!(
                "User account '{}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant 'Contoso' and cannot access the application '{CLIENT_ID}' in that tenant.",
                u.upn, u.tid
            ),
        );
    }
    if let Ok(mut idp) = inner.idp.lock() {
        idp.pending.remove(&txn);
    }
    issue_code(&inner, &req, u.upn)
}

async fn logout(Query(q): Query<HashMap<String, String>>) -> Response {
    let mut r = match q.get("post_logout_redirect_uri") {
        Some(uri) => found(uri),
        None => html(
            StatusCode::OK,
            "You signed out of your account",
            "<p>It's a good idea to close all browser windows.</p>",
        ),
    };
    set_session(&mut r, None);
    r
}

fn jwt(key: &[u8], claims: &serde_json::Value) -> String {
    let head = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"calsync-sandbox"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{head}.{body}");
    let sig = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(input.as_bytes());
            URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{input}.{sig}")
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let d = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    let s = String::from_utf8(d).ok()?;
    let (a, b) = s.split_once(':')?;
    let dec = |x: &str| {
        url::form_urlencoded::parse(format!("v={x}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
    };
    Some((dec(a), dec(b)))
}

/// The client named by the token request, and its secret: in the form, or in a basic
/// Authorization header, which wins.
fn client_credentials(form: &HashMap<String, String>, headers: &HeaderMap) -> (Option<String>, Option<String>) {
    match basic_auth(headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (form.get("client_id").cloned(), form.get("client_secret").cloned()),
    }
}

fn invalid_grant(code: u64, text: &str) -> Response {
    token_error(StatusCode::BAD_REQUEST, "invalid_grant", code, text)
}

const EXPIRED: &str = "The provided authorization code or refresh token has expired due to inactivity.";

/// Entra's answer to a code it does not redeem.
fn refused_code(refusal: Refusal) -> Response {
    match refusal {
        Refusal::AlreadyRedeemed => invalid_grant(
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ),
        Refusal::Unknown => invalid_grant(9002313, "Invalid request. Request is malformed or invalid."),
        Refusal::Expired => invalid_grant(70008, EXPIRED),
        Refusal::OtherClient => invalid_grant(700005, "The code was issued to another application."),
        Refusal::OtherRedirect => invalid_grant(
            50011,
            "The redirect URI specified in the request does not match the redirect URI used for the authorization code.",
        ),
        Refusal::VerifierMismatch => invalid_grant(
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ),
    }
}

/// The grant a token request redeems: an authorization code (once, with the redirect URI
/// and PKCE verifier of its request) or a refresh token.
fn redeem(
    inner: &Inner,
    idp: &mut Idp,
    form: &HashMap<String, String>,
    grant_type: &str,
) -> Result<Grant, Box<Response>> {
    let field = |k: &str| form.get(k).map_or("", String::as_str);
    match grant_type {
        "authorization_code" => {
            let redemption = Redemption {
                code: field("code"),
                client_id: CLIENT_ID,
                redirect_uri: form.get("redirect_uri").map(String::as_str),
                verifier: field("code_verifier"),
            };
            idp.codes.redeem(redemption).map_err(|refusal| Box::new(refused_code(refusal)))
        }
        "refresh_token" => {
            // Kept in the state file: a token another run was given is as good as this run's.
            inner.store().refresh_grant(field("refresh_token")).ok_or_else(|| Box::new(invalid_grant(70008, EXPIRED)))
        }
        other => Err(Box::new(token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ))),
    }
}

/// The platform of the redirect URI decides whether a client secret is required (Web)
/// or forbidden (Mobile and desktop); None when the request keeps the rule.
fn secret_refusal(idp: &Idp, grant: &Grant, secret: Option<&str>) -> Option<Response> {
    let web = !is_loopback_redirect(&grant.request.binding.redirect_uri) || idp.loopback_platform == Platform::Web;
    let refuse = |code, text| Some(token_error(StatusCode::UNAUTHORIZED, "invalid_client", code, text));
    match (web, secret) {
        (true, None | Some("")) => refuse(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
        (true, Some(s)) if s != CLIENT_SECRET => refuse(
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
        ),
        (false, Some(s)) if !s.is_empty() => {
            refuse(700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
        }
        _ => None,
    }
}

/// The ID token's claims for the scopes granted.
fn id_token_claims(u: &DirUser, grant: &Grant, grant_type: &str, scopes: &[&str]) -> serde_json::Value {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut claims = json!({
        "aud": CLIENT_ID,
        "iss": format!("https://login.microsoftonline.com/{}/v2.0", u.tid),
        "iat": now, "nbf": now, "exp": now + 3600,
        "oid": u.oid, "tid": u.tid, "sub": format!("sbx-{}", &u.oid[..8]),
        "ver": "2.0",
    });
    if let Some(n) = &grant.request.nonce
        && grant_type == "authorization_code"
    {
        claims["nonce"] = json!(n);
    }
    if scopes.contains(&"profile") {
        claims["preferred_username"] = json!(u.upn);
        claims["name"] = json!(u.name);
    }
    if scopes.contains(&"email") {
        claims["email"] = json!(u.upn);
    }
    claims
}

/// The token answer for a redeemed grant: an access token, a refresh token with
/// `offline_access`, an ID token with `openid`.
fn issue_tokens(inner: &Inner, idp: &mut Idp, grant: &Grant, grant_type: &str) -> Response {
    let Some(u) = user(&grant.upn) else {
        return invalid_grant(50034, "The user account does not exist in the directory.");
    };
    let scopes: Vec<&str> = grant.request.scope.split_whitespace().collect();
    let access = format!("sbx.at.{}", new_sys_id());
    idp.access.insert(access.clone(), u.upn.to_string());
    let mut out = json!({
        "token_type": "Bearer",
        "scope": scopes.iter().filter(|s| !["openid", "profile", "email", "offline_access"].contains(s)).cloned().collect::<Vec<_>>().join(" "),
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access,
    });
    if scopes.contains(&"offline_access") {
        let rt = format!("sbx.rt.{}{}", new_sys_id(), new_sys_id());
        let mut store = inner.store();
        store.refresh_grants.insert(token_digest(&rt), grant.clone());
        store.save();
        out["refresh_token"] = json!(rt);
    }
    if scopes.contains(&"openid") {
        out["id_token"] = json!(jwt(&idp.key, &id_token_claims(u, grant, grant_type, &scopes)));
    }
    let mut r = axum::Json(out).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn token(
    State(inner): State<Arc<Inner>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if !tenant_ok(&tenant) {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let (client_id, secret) = client_credentials(&form, &headers);
    if client_id.as_deref() != Some(CLIENT_ID) {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory 'Contoso'.",
                client_id.unwrap_or_default()
            ),
        );
    }
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    let Ok(mut idp) = inner.idp.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let grant = match redeem(&inner, &mut idp, &form, &grant_type) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    if grant.request.binding.client_id != CLIENT_ID {
        return invalid_grant(700005, "The code was issued to another application.");
    }
    if let Some(r) = secret_refusal(&idp, &grant, secret.as_deref()) {
        return r;
    }
    issue_tokens(&inner, &mut idp, &grant, &grant_type)
}

async fn me(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let upn = inner.idp.lock().ok().and_then(|i| i.access.get(token).cloned());
    match upn.as_deref().and_then(user) {
        Some(u) => axum::Json(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "id": u.oid,
            "userPrincipalName": u.upn,
            "mail": u.upn,
            "displayName": u.name,
        }))
        .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure. Invalid audience."}})),
        )
            .into_response(),
    }
}
