//! Signing in to the instance itself, for the Table API client.
//!
//! Four ways, chosen per profile: a password (basic auth); a password with a one-time code
//! appended (MFA, as the REST API takes it); the instance's own OAuth, authorization code
//! with PKCE in the browser on a loopback redirect, whose refresh token then signs in
//! silently; and client credentials, for unattended runs. Whatever the way, the login is
//! checked with one request (who am I) before anything else is sent, so a wrong password
//! or code is sent once per run.

use super::client::{Auth, Client};
use super::error::SnError;
use super::instance::{Instance, InstanceExt};
use super::query::Query;
use crate::facts;
use crate::oauth::browser::Browser;
use crate::oauth::flow::{Flow, FlowError, Registry, Tokens};
use crate::oauth::listener::{Event, ListenError, Listener};
use crate::oauth::redirect::Redirect;
use crate::urls::InstanceUrl;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// How a profile signs in to its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// User name and password, sent as basic auth.
    #[default]
    Password,
    /// Password with the current one-time code appended (MFA).
    PasswordMfa,
    /// The instance's OAuth: authorization code with PKCE in the browser.
    Oauth,
    /// OAuth client credentials (unattended runs; the registry names the user).
    ClientCredentials,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s.trim().to_ascii_lowercase().as_str() {
            "password" | "basic" => Some(Method::Password),
            "password-mfa" | "mfa" => Some(Method::PasswordMfa),
            "oauth" | "sso" | "browser" => Some(Method::Oauth),
            "client-credentials" => Some(Method::ClientCredentials),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::PasswordMfa => "password-mfa",
            Method::Oauth => "oauth",
            Method::ClientCredentials => "client-credentials",
        }
    }

    /// Whether this way sends the user's password.
    pub fn sends_password(self) -> bool {
        matches!(self, Method::Password | Method::PasswordMfa)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// calsync's entry in the instance's Application Registry.
#[derive(Clone)]
pub struct OAuthClient {
    pub client_id: String,
    /// The registry's client secret (private clients); PKCE is sent either way.
    pub secret: Option<SecretString>,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Tokens the instance issued; Debug never shows them.
pub struct InstanceTokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_in: Option<Duration>,
}

impl fmt::Debug for InstanceTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceTokens").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error(
        "the instance does not know the OAuth client {client_id} (or refused its secret). Ask an admin to create it: {}; nothing was written",
        registry_instructions(.instance)
    )]
    UnknownClient { instance: String, client_id: String },
    #[error(
        "the instance's refresh token for {profile} has expired or was revoked; sign in again with: calsync instance login {profile}"
    )]
    RefreshExpired { profile: String },
    #[error("the sign-in was refused in the browser ({error}); nothing was stored. Run again to retry")]
    Denied { error: String },
    #[error("no sign-in arrived within {} seconds; nothing was stored. Run again and finish the sign-in in the browser", .0.as_secs())]
    TimedOut(Duration),
    #[error("the sign-in was cancelled; nothing was stored")]
    Cancelled,
    #[error("the loopback listener for the sign-in stopped ({reason}); nothing was stored. Run again")]
    ListenerDied { reason: String },
    #[error("the instance's token endpoint failed: {0}")]
    Token(String),
    #[error(
        "the instance refused the client-credentials grant for {client_id}: the registry entry must allow it and name the user it acts as"
    )]
    ClientCredentialsRefused { client_id: String },
}

/// What an admin creates once so calsync can sign in with the instance's OAuth.
pub fn registry_instructions(instance: &str) -> String {
    format!(
        "on {instance}, All > System OAuth > Application Registry > New > \"Create an OAuth API endpoint for external clients\": Name calsync, Redirect URL http://localhost:{}/, Active; then give its Client ID to calsync instance add NAME --client-id ID (and keep its Client Secret when calsync asks)",
        facts::INSTANCE_OAUTH_PORT
    )
}

fn registry(instance: &InstanceUrl, client: &OAuthClient) -> Registry {
    Registry {
        client_id: client.client_id.clone(),
        auth_url: format!("{instance}/{}", facts::INSTANCE_AUTHORIZE_PATH),
        token_url: format!("{instance}/{}", facts::INSTANCE_TOKEN_PATH),
    }
}

fn http() -> Result<reqwest::Client, AuthError> {
    reqwest::Client::builder()
        .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AuthError::Token(e.to_string()))
}

fn convert(t: Tokens) -> InstanceTokens {
    InstanceTokens { access_token: t.access_token, refresh_token: t.refresh_token, expires_in: t.expires_in }
}

fn token_error(e: FlowError, instance: &InstanceUrl, client: &OAuthClient) -> AuthError {
    match e {
        FlowError::Provider(p) if p.error == "invalid_client" => {
            AuthError::UnknownClient { instance: instance.to_string(), client_id: client.client_id.clone() }
        }
        other => AuthError::Token(other.to_string()),
    }
}

/// Progress of a browser sign-in, for the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Open this address (it was also handed to the browser).
    Waiting {
        url: String,
    },
    BrowserFailed(String),
    Redeeming,
}

/// Authorization code with PKCE against the instance, on `http://localhost:PORT/`.
pub async fn sign_in_browser(
    instance: &InstanceUrl,
    client: &OAuthClient,
    port: u16,
    browser: &dyn Browser,
    timeout: Duration,
    cancel: impl Future<Output = ()>,
    mut notify: impl FnMut(Notice),
) -> Result<InstanceTokens, AuthError> {
    let reg = registry(instance, client);
    // An unknown client is told apart before the browser opens: the authorize page says so.
    let mut listener = Listener::bind(port)?;
    let redirect_uri = listener.redirect_uri();
    let flow = Flow::new(&reg, client.secret.as_ref(), &redirect_uri).map_err(|e| AuthError::Token(e.to_string()))?;
    let prepared = flow.prepare(&[facts::INSTANCE_SCOPE.to_string()], None, None);
    if let Ok(resp) = http()?.get(prepared.url.as_str()).send().await
        && resp.status().is_client_error()
    {
        let body = resp.text().await.unwrap_or_default().to_ascii_lowercase();
        if body.contains("invalid_client") || body.contains("client_id") {
            return Err(AuthError::UnknownClient {
                instance: instance.to_string(),
                client_id: client.client_id.clone(),
            });
        }
    }
    let state = prepared.state.clone();
    listener.serve(state, prepared.url.to_string());
    notify(Notice::Waiting { url: prepared.url.to_string() });
    if let Err(e) = browser.open(prepared.url.as_str()) {
        notify(Notice::BrowserFailed(e));
    }
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    tokio::pin!(cancel);
    let received = loop {
        tokio::select! {
            ev = listener.next() => match ev {
                Some(Event::Received(r)) => break r,
                Some(Event::Rejected(_)) => {}
                Some(Event::Died(reason)) => return Err(AuthError::ListenerDied { reason }),
                None => return Err(AuthError::ListenerDied { reason: "it stopped unexpectedly".into() }),
            },
            () = &mut deadline => return Err(AuthError::TimedOut(timeout)),
            () = &mut cancel => return Err(AuthError::Cancelled),
        }
    };
    listener.stop();
    let code = match received {
        Redirect::Code { code } => code,
        Redirect::Error(e) => return Err(AuthError::Denied { error: e.error }),
    };
    notify(Notice::Redeeming);
    flow.redeem(prepared, &code).await.map(convert).map_err(|e| token_error(e, instance, client))
}

/// A new access token from a refresh token, with no browser.
pub async fn refresh(
    instance: &InstanceUrl,
    client: &OAuthClient,
    refresh_token: &SecretString,
    profile: &str,
) -> Result<InstanceTokens, AuthError> {
    let reg = registry(instance, client);
    let redirect = format!("http://localhost:{}/", facts::INSTANCE_OAUTH_PORT);
    let flow = Flow::new(&reg, client.secret.as_ref(), &redirect).map_err(|e| AuthError::Token(e.to_string()))?;
    match flow.refresh(refresh_token, &[]).await {
        Ok(t) => Ok(convert(t)),
        Err(FlowError::Provider(p)) if p.error == "invalid_grant" => {
            Err(AuthError::RefreshExpired { profile: profile.to_string() })
        }
        Err(e) => Err(token_error(e, instance, client)),
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The client-credentials grant (the registry decides which user the token acts as).
pub async fn client_credentials(instance: &InstanceUrl, client: &OAuthClient) -> Result<InstanceTokens, AuthError> {
    let secret = client.secret.as_ref().map(|s| s.expose_secret().to_string()).unwrap_or_default();
    let resp = http()?
        .post(format!("{instance}/{}", facts::INSTANCE_TOKEN_PATH))
        .form(&[("grant_type", "client_credentials"), ("client_id", &client.client_id), ("client_secret", &secret)])
        .send()
        .await
        .map_err(|e| AuthError::Token(e.to_string()))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if status.is_success() {
        let t: TokenAnswer = serde_json::from_str(&body).map_err(|e| AuthError::Token(e.to_string()))?;
        return Ok(InstanceTokens {
            access_token: SecretString::from(t.access_token),
            refresh_token: None,
            expires_in: t.expires_in.map(Duration::from_secs),
        });
    }
    if body.contains("invalid_client") {
        return Err(AuthError::UnknownClient { instance: instance.to_string(), client_id: client.client_id.clone() });
    }
    Err(AuthError::ClientCredentialsRefused { client_id: client.client_id.clone() })
}

/// Revokes a token on the instance; afterwards neither it nor its access tokens work.
pub async fn revoke(instance: &InstanceUrl, client: &OAuthClient, token: &SecretString) -> Result<(), AuthError> {
    let secret = client.secret.as_ref().map(|s| s.expose_secret().to_string()).unwrap_or_default();
    let resp = http()?
        .post(format!("{instance}/{}", facts::INSTANCE_REVOKE_PATH))
        .form(&[("token", token.expose_secret()), ("client_id", &client.client_id), ("client_secret", &secret)])
        .send()
        .await
        .map_err(|e| AuthError::Token(e.to_string()))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(AuthError::Token(format!("revocation answered HTTP {}", resp.status().as_u16())))
    }
}

#[derive(Deserialize)]
struct Me {
    user_name: String,
}

/// The one request that checks a login: the signed-in user's own record.
pub async fn whoami(client: &dyn Instance) -> Result<String, SnError> {
    let q = Query::new().is_current_user("sys_id")?;
    let rows: Vec<Me> = client.list("sys_user", &q, &["user_name"]).await?;
    rows.into_iter().next().map(|m| m.user_name).ok_or_else(|| SnError::Decode {
        table: "sys_user".into(),
        reason: "the instance did not return the signed-in user".into(),
    })
}

/// A Table API client for a token, checked with one request; returns it and the user.
pub async fn bearer_client(instance: &InstanceUrl, token: SecretString) -> Result<(Client, String), SnError> {
    let probe = Client::with_auth(instance.clone(), "", Auth::Bearer(token.clone()))?;
    let user = whoami(&probe).await?;
    Ok((Client::with_auth(instance.clone(), &user, Auth::Bearer(token))?, user))
}
