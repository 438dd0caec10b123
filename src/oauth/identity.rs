//! Who signed in, and is it the delegated user? Read from the id_token the token endpoint
//! returned directly over TLS (OpenID Connect Core §3.1.3.7 lets a client skip the
//! signature check for such a token; issuer, audience, nonce and expiry are still
//! checked) and from Graph `GET /v1.0/me`, before anything is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Claims {
    pub preferred_username: Option<String>,
    pub upn: Option<String>,
    pub email: Option<String>,
    pub unique_name: Option<String>,
    pub name: Option<String>,
    pub oid: Option<String>,
    pub tid: Option<String>,
    pub sub: Option<String>,
    pub nonce: Option<String>,
    pub iss: Option<String>,
    pub aud: Value,
    pub exp: Option<i64>,
}

impl Claims {
    /// The account's sign-in name, as Microsoft tools show it.
    pub fn username(&self) -> Option<&str> {
        self.preferred_username
            .as_deref()
            .or(self.upn.as_deref())
            .or(self.email.as_deref())
            .or(self.unique_name.as_deref())
    }

    fn names(&self) -> Vec<&str> {
        [&self.preferred_username, &self.upn, &self.email, &self.unique_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }

    fn audience_has(&self, client_id: &str) -> bool {
        match &self.aud {
            Value::String(s) => s == client_id,
            Value::Array(a) => a.iter().any(|v| v.as_str() == Some(client_id)),
            _ => false,
        }
    }
}

/// Graph's view of the signed-in user.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct Me {
    pub id: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub display_name: Option<String>,
}

/// The account that signed in, as calsync reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    pub username: String,
    pub name: Option<String>,
    pub object_id: Option<String>,
    pub tenant_id: Option<String>,
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.username)?;
        let mut extra = vec![];
        if let Some(n) = &self.name {
            extra.push(n.clone());
        }
        if let Some(o) = &self.object_id {
            extra.push(format!("object ID {o}"));
        }
        if let Some(t) = &self.tenant_id {
            extra.push(format!("tenant {t}"));
        }
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "the provider returned no id_token, so calsync cannot tell who signed in; the registry must allow the openid scope"
    )]
    NoIdToken,
    #[error("the id_token could not be read ({0})")]
    Malformed(String),
    #[error("the id_token's nonce does not match this sign-in (a replayed or injected token); nothing was kept")]
    Nonce,
    #[error("the id_token was issued to another application (audience is not {0}); nothing was kept")]
    Audience(String),
    #[error("the id_token has expired; run the sign-in again")]
    Expired,
    #[error("the id_token names no account")]
    NoAccount,
    #[error("signed in as {signed_in}, but this credential expects {expected}")]
    WrongAccount { signed_in: String, expected: String },
    #[error("{signed_in} signed in to tenant {got}, but the app registration is in tenant {expected}")]
    WrongTenant { signed_in: String, got: String, expected: String },
    #[error(
        "Microsoft Graph says the token belongs to {me}, not to {signed_in} as the id_token says; nothing was kept"
    )]
    GraphDisagrees { signed_in: String, me: String },
}

pub fn decode(id_token: &SecretString) -> Result<Claims, Refusal> {
    let parts: Vec<&str> = id_token.expose_secret().split('.').collect();
    if parts.len() != 3 {
        return Err(Refusal::Malformed("not a JWT".into()));
    }
    let payload =
        URL_SAFE_NO_PAD.decode(parts[1].trim_end_matches('=')).map_err(|e| Refusal::Malformed(e.to_string()))?;
    serde_json::from_slice(&payload).map_err(|e| Refusal::Malformed(e.to_string()))
}

/// What a sign-in must prove.
#[derive(Debug, Clone)]
pub struct Expectation<'a> {
    pub user: Option<&'a str>,
    pub tenant: Option<&'a str>,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: i64,
}

/// The verdict: the account, plus warnings that did not stop it.
#[derive(Debug, Clone)]
pub struct Verified {
    pub who: Who,
    pub warnings: Vec<String>,
}

fn is_guid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Checks the id_token and Graph's `/me` against the expectation.
pub fn check(claims: &Claims, me: Result<Me, String>, exp: &Expectation) -> Result<Verified, Refusal> {
    if claims.nonce.as_deref() != Some(exp.nonce) {
        return Err(Refusal::Nonce);
    }
    if !claims.audience_has(exp.client_id) {
        return Err(Refusal::Audience(exp.client_id.to_string()));
    }
    if claims.exp.is_some_and(|e| e + 300 < exp.now) {
        return Err(Refusal::Expired);
    }
    // A provider that keeps names out of the id_token still names the account in /me.
    let me_name = me.as_ref().ok().and_then(|m| m.user_principal_name.clone().or(m.mail.clone()));
    let username = claims.username().map(str::to_string).or(me_name).ok_or(Refusal::NoAccount)?;
    let who = Who {
        username: username.clone(),
        name: claims.name.clone(),
        object_id: claims.oid.clone(),
        tenant_id: claims.tid.clone(),
    };
    if let Some(expected) = exp.user
        && !claims.names().is_empty()
        && !claims.names().iter().any(|n| n.eq_ignore_ascii_case(expected))
    {
        return Err(Refusal::WrongAccount { signed_in: username, expected: expected.to_string() });
    }
    if let (Some(want), Some(got)) = (exp.tenant.filter(|t| is_guid(t)), claims.tid.as_deref())
        && !want.eq_ignore_ascii_case(got)
    {
        return Err(Refusal::WrongTenant { signed_in: username, got: got.to_string(), expected: want.to_string() });
    }
    let mut warnings = vec![];
    match me {
        Ok(me) => {
            let graph_names: Vec<&str> =
                [&me.user_principal_name, &me.mail].into_iter().flatten().map(String::as_str).collect();
            let same_object = match (&me.id, &claims.oid) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            let same_name = graph_names.is_empty()
                || graph_names.iter().any(|g| claims.names().iter().any(|n| n.eq_ignore_ascii_case(g)));
            if !same_object || !same_name {
                return Err(Refusal::GraphDisagrees {
                    signed_in: username,
                    me: graph_names.first().copied().unwrap_or("another account").to_string(),
                });
            }
            if let Some(expected) = exp.user
                && !graph_names.is_empty()
                && !graph_names.iter().any(|g| g.eq_ignore_ascii_case(expected))
            {
                return Err(Refusal::WrongAccount {
                    signed_in: graph_names[0].to_string(),
                    expected: expected.to_string(),
                });
            }
        }
        Err(reason) => warnings.push(format!(
            "Microsoft Graph /me could not be checked ({reason}); the account was confirmed from the id_token only"
        )),
    }
    Ok(Verified { who, warnings })
}

/// Asks Graph who the access token belongs to.
pub async fn graph_me(graph_root: &str, access_token: &SecretString) -> Result<Me, String> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{}/v1.0/me", graph_root.trim_end_matches('/'));
    let resp = http
        .get(&url)
        .bearer_auth(access_token.expose_secret())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            if e.is_connect() || e.is_timeout() {
                format!("{url} could not be reached")
            } else {
                e.without_url().to_string()
            }
        })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("{url} answered HTTP {}", status.as_u16()));
    }
    resp.json::<Me>().await.map_err(|e| format!("{url} answered something unreadable: {}", e.without_url()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        serde_json::from_value(v).unwrap()
    }

    fn exp<'a>(user: Option<&'a str>) -> Expectation<'a> {
        Expectation {
            user,
            tenant: Some("6f1c2b9e-3d4a-4c8e-9b7a-2e5d1f0a9c31"),
            client_id: "cid",
            nonce: "n1",
            now: 1000,
        }
    }

    fn good() -> Value {
        json!({"preferred_username": "Rooms-Delegate@contoso.com", "oid": "o1", "tid": "6f1c2b9e-3d4a-4c8e-9b7a-2e5d1f0a9c31", "nonce": "n1", "aud": "cid", "exp": 2000})
    }

    #[test]
    fn the_right_account_passes_case_insensitively() {
        let me = Me {
            id: Some("o1".into()),
            user_principal_name: Some("rooms-delegate@contoso.com".into()),
            ..Default::default()
        };
        let v = check(&claims(good()), Ok(me), &exp(Some("rooms-delegate@contoso.com"))).unwrap();
        assert_eq!(v.who.username, "Rooms-Delegate@contoso.com");
        assert!(v.warnings.is_empty());
    }

    #[test]
    fn wrong_account_tenant_nonce_audience_are_refused() {
        let mut c = good();
        c["preferred_username"] = json!("it-admin@contoso.com");
        assert!(matches!(
            check(&claims(c), Err("x".into()), &exp(Some("rooms-delegate@contoso.com"))),
            Err(Refusal::WrongAccount { .. })
        ));
        let mut c = good();
        c["tid"] = json!("0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b");
        assert!(matches!(check(&claims(c), Err("x".into()), &exp(None)), Err(Refusal::WrongTenant { .. })));
        let mut c = good();
        c["nonce"] = json!("other");
        assert_eq!(check(&claims(c), Err("x".into()), &exp(None)).unwrap_err(), Refusal::Nonce);
        let mut c = good();
        c["aud"] = json!(["x", "y"]);
        assert!(matches!(check(&claims(c), Err("x".into()), &exp(None)), Err(Refusal::Audience(_))));
        let mut c = good();
        c["exp"] = json!(1);
        assert_eq!(check(&claims(c), Err("x".into()), &exp(None)).unwrap_err(), Refusal::Expired);
    }

    #[test]
    fn graph_must_agree_and_an_unreachable_graph_is_a_warning() {
        let me =
            Me { id: Some("o2".into()), user_principal_name: Some("someone@else.com".into()), ..Default::default() };
        assert!(matches!(check(&claims(good()), Ok(me), &exp(None)), Err(Refusal::GraphDisagrees { .. })));
        let v =
            check(&claims(good()), Err("https://graph.microsoft.com/v1.0/me could not be reached".into()), &exp(None))
                .unwrap();
        assert_eq!(v.warnings.len(), 1);
    }

    #[test]
    fn decodes_a_jwt_payload() {
        let payload = URL_SAFE_NO_PAD.encode(good().to_string());
        let t = SecretString::from(format!("e30.{payload}.sig"));
        assert_eq!(decode(&t).unwrap().oid.as_deref(), Some("o1"));
        assert!(decode(&SecretString::from("nope".to_string())).is_err());
    }
}
