//! The authorization-code flow with PKCE on the `oauth2` crate: building the authorize
//! URL (state, nonce, login_hint, prompt) and redeeming the code or a refresh token.
//! Errors keep Entra's `error_codes`, `trace_id` and `correlation_id`.

use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Where and as whom to sign in: read from the credential's OAuth Entity Profile registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub client_id: String,
    pub auth_url: String,
    pub token_url: String,
}

impl Registry {
    /// The tenant named in a Microsoft authorize URL (`/{tenant}/oauth2/v2.0/authorize`).
    pub fn tenant(&self) -> Option<String> {
        let u = url::Url::parse(&self.auth_url).ok()?;
        let mut segs = u.path_segments()?;
        let first = segs.next()?;
        (segs.next() == Some("oauth2")).then(|| first.to_string())
    }

    /// The v2 sign-out URL of the same authority, when the authorize URL is Entra-shaped.
    pub fn logout_url(&self) -> Option<String> {
        self.auth_url.strip_suffix("/oauth2/v2.0/authorize").map(|base| format!("{base}/oauth2/v2.0/logout"))
    }
}

/// How the sign-in page should treat an existing browser session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Always ask for credentials (defeats silent single sign-on).
    Login,
    /// Show the account picker.
    SelectAccount,
    /// Never show UI: sign in silently or fail (the browser-account probe).
    None,
}

impl Prompt {
    fn as_str(self) -> &'static str {
        match self {
            Prompt::Login => "login",
            Prompt::SelectAccount => "select_account",
            Prompt::None => "none",
        }
    }
}

/// Entra's (and any RFC 6749) token error, with Microsoft's extra fields when present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderTokenError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

impl fmt::Display for ProviderTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::sanitize::line_clipped(&self.error, 200))?;
        if let Some(d) = &self.error_description {
            write!(f, ": {}", crate::sanitize::line_clipped(d.lines().next().unwrap_or(d), 1000))?;
        }
        Ok(())
    }
}

impl oauth2::ErrorResponse for ProviderTokenError {}

/// The id_token, which the basic response type would drop.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdTokenField(<redacted>)")
    }
}

impl ExtraTokenFields for IdTokenField {}

type Response = StandardTokenResponse<IdTokenField, BasicTokenType>;
type OAuthClient = oauth2::Client<
    ProviderTokenError,
    Response,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("the registry's {what} \"{url}\" is not a valid URL")]
    BadUrl { what: &'static str, url: String },
    #[error("the token endpoint answered with an error: {0}")]
    Provider(Box<ProviderTokenError>),
    #[error("could not reach the token endpoint: {0}")]
    Transport(String),
    #[error("the token endpoint's answer could not be read: {0}")]
    Parse(String),
}

/// Tokens from one redemption. Debug output never shows them.
pub struct Tokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub id_token: Option<SecretString>,
    pub expires_in: Option<Duration>,
    pub scopes: Vec<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A prepared sign-in: the URL to open and what the redirect must echo.
pub struct Prepared {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    verifier: PkceCodeVerifier,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = format!("{}{}", self.url.origin().ascii_serialization(), self.url.path());
        f.debug_struct("Prepared").field("endpoint", &endpoint).finish_non_exhaustive()
    }
}

pub struct Flow {
    client: OAuthClient,
    http: reqwest::Client,
}

impl Flow {
    pub fn new(registry: &Registry, secret: Option<&SecretString>, redirect_uri: &str) -> Result<Flow, FlowError> {
        let auth = AuthUrl::new(registry.auth_url.clone())
            .map_err(|_| FlowError::BadUrl { what: "authorize URL", url: registry.auth_url.clone() })?;
        let token = TokenUrl::new(registry.token_url.clone())
            .map_err(|_| FlowError::BadUrl { what: "token URL", url: registry.token_url.clone() })?;
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|_| FlowError::BadUrl { what: "redirect URI", url: redirect_uri.to_string() })?;
        let mut client = oauth2::Client::new(ClientId::new(registry.client_id.clone()))
            .set_auth_uri(auth)
            .set_token_uri(token)
            .set_redirect_uri(redirect)
            .set_auth_type(AuthType::RequestBody);
        if let Some(s) = secret {
            client = client.set_client_secret(ClientSecret::new(s.expose_secret().to_string()));
        }
        // No redirects: a token endpoint that redirects is not followed (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FlowError::Transport(e.to_string()))?;
        Ok(Flow { client, http })
    }

    /// The authorize URL with PKCE (S256), state, nonce and the given hint and prompt.
    pub fn prepare(&self, scopes: &[String], login_hint: Option<&str>, prompt: Option<Prompt>) -> Prepared {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random().secret().to_string();
        let mut req = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.clone())
            .add_extra_param("response_mode", "query");
        if let Some(h) = login_hint {
            req = req.add_extra_param("login_hint", h.to_string());
        }
        if let Some(p) = prompt {
            req = req.add_extra_param("prompt", p.as_str());
        }
        let (url, state) = req.url();
        Prepared { url, state: state.secret().to_string(), nonce, verifier }
    }

    pub async fn redeem(&self, prepared: Prepared, code: &str) -> Result<Tokens, FlowError> {
        let r = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(prepared.verifier)
            .request_async(&self.http)
            .await;
        convert(r)
    }

    pub async fn refresh(&self, refresh_token: &SecretString, scopes: &[String]) -> Result<Tokens, FlowError> {
        let rt = RefreshToken::new(refresh_token.expose_secret().to_string());
        let r = self
            .client
            .exchange_refresh_token(&rt)
            .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
            .request_async(&self.http)
            .await;
        convert(r)
    }
}

fn convert<E: std::error::Error + 'static>(
    r: Result<Response, RequestTokenError<E, ProviderTokenError>>,
) -> Result<Tokens, FlowError> {
    match r {
        Ok(t) => Ok(Tokens {
            access_token: SecretString::from(t.access_token().secret().to_string()),
            refresh_token: t.refresh_token().map(|r| SecretString::from(r.secret().to_string())),
            id_token: t.extra_fields().id_token.clone().map(SecretString::from),
            expires_in: t.expires_in(),
            scopes: t.scopes().map(|s| s.iter().map(|x| x.to_string()).collect()).unwrap_or_default(),
        }),
        Err(RequestTokenError::ServerResponse(e)) => Err(FlowError::Provider(Box::new(e))),
        Err(RequestTokenError::Request(e)) => {
            let mut s = e.to_string();
            let mut src = e.source();
            while let Some(inner) = src {
                s = format!("{s}: {inner}");
                src = inner.source();
            }
            Err(FlowError::Transport(s))
        }
        // The body may hold tokens: only the parser's message is kept, never the bytes.
        Err(RequestTokenError::Parse(e, _)) => Err(FlowError::Parse(e.to_string())),
        Err(RequestTokenError::Other(s)) => Err(FlowError::Parse(s)),
    }
}

/// Delegated scopes for a cloud: short names on the global Graph, host-qualified on
/// national clouds; plus the OpenID scopes that identify the account.
pub fn scopes_for(graph_root: &str) -> Vec<String> {
    let global =
        graph_root.trim_end_matches('/') == crate::facts::CLOUDS[0].graph_root || !graph_root.starts_with("https://");
    let mut out: Vec<String> = crate::facts::DELEGATED_SCOPES
        .iter()
        .map(|s| {
            if *s == "offline_access" || global {
                s.to_string()
            } else {
                format!("{}/{s}", graph_root.trim_end_matches('/'))
            }
        })
        .collect();
    out.extend(["openid", "profile", "email"].map(String::from));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        Registry {
            client_id: "cid".into(),
            auth_url: "https://login.microsoftonline.com/tid-1/oauth2/v2.0/authorize".into(),
            token_url: "https://login.microsoftonline.com/tid-1/oauth2/v2.0/token".into(),
        }
    }

    #[test]
    fn authorize_url_carries_pkce_state_nonce_hint_prompt() {
        let f = Flow::new(&reg(), None, "http://localhost:4321/").unwrap();
        let p = f.prepare(&scopes_for("https://graph.microsoft.com"), Some("a@b.com"), Some(Prompt::Login));
        let q: std::collections::HashMap<String, String> = p.url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"].len(), 43);
        assert_eq!(q["state"], p.state);
        assert_eq!(q["nonce"], p.nonce);
        assert_eq!(q["login_hint"], "a@b.com");
        assert_eq!(q["prompt"], "login");
        assert_eq!(q["redirect_uri"], "http://localhost:4321/");
        assert_eq!(q["scope"], "Calendars.ReadWrite Calendars.ReadWrite.Shared offline_access openid profile email");
        assert!(!format!("{p:?}").contains(&p.state), "Debug hides the state");
    }

    #[test]
    fn registry_facts_and_cloud_scopes() {
        assert_eq!(reg().tenant().as_deref(), Some("tid-1"));
        assert_eq!(reg().logout_url().unwrap(), "https://login.microsoftonline.com/tid-1/oauth2/v2.0/logout");
        assert_eq!(scopes_for("https://graph.microsoft.us")[0], "https://graph.microsoft.us/Calendars.ReadWrite");
        assert_eq!(scopes_for("https://graph.microsoft.us")[2], "offline_access");
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = Tokens {
            access_token: "AT-secret".to_string().into(),
            refresh_token: Some("RT-secret".to_string().into()),
            id_token: None,
            expires_in: None,
            scopes: vec![],
        };
        let d = format!("{t:?}");
        assert!(!d.contains("AT-secret") && !d.contains("RT-secret"), "{d}");
    }
}
