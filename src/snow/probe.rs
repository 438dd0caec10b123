//! Before any password is sent: three unauthenticated requests that tell how this instance
//! lets people sign in. A page that needs a session (`navpage.do`) redirects to the
//! identity provider when single sign-on is the default, else to `login.do`; `login.do`
//! shows the instance's own form (which an SSO instance may keep as a side door, so it
//! alone proves nothing) or the hibernation page; the Table API without credentials
//! answers 401 with ServiceNow's JSON envelope, which proves the address is an instance.
//!
//! Nothing here carries a credential, so a probe can never lock an account or count as a
//! failed login.

use super::error::{HtmlPage, SnError, classify_html};
use crate::facts;
use crate::urls::InstanceUrl;
use reqwest::{StatusCode, header};
use std::time::Duration;

/// What the instance's sign-in looks like from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInPage {
    /// A developer instance asleep: nothing can sign in until it is woken.
    Hibernating,
    /// `login.do` redirects to an identity provider: people sign in there, not with a
    /// password calsync could send.
    SingleSignOn { idp: String, host: String },
    /// The instance's own sign-in form; `mfa` when it asks for a one-time code as well.
    LocalLogin { mfa: bool },
    /// No sign-in page, but the Table API asks for credentials.
    ApiOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub url: String,
    pub page: SignInPage,
}

impl Probe {
    /// Whether calsync may send a password: not to a single sign-on instance, where the
    /// admin has none that the REST API would take.
    pub fn takes_passwords(&self) -> bool {
        matches!(self.page, SignInPage::LocalLogin { .. } | SignInPage::ApiOnly)
    }

    /// One sentence: what this instance allows, and what calsync will do.
    pub fn summary(&self) -> String {
        match &self.page {
            SignInPage::Hibernating => format!(
                "{} is a hibernating developer instance. Wake it by signing in at developer.servicenow.com, wait until it is up, then run again",
                self.url
            ),
            SignInPage::SingleSignOn { idp, .. } => format!(
                "{} signs in through single sign-on ({idp}): calsync signs in with the instance's OAuth in your browser and sends no password",
                self.url
            ),
            SignInPage::LocalLogin { mfa: true } => format!(
                "{} signs in with a password and a one-time code (MFA): calsync asks for both and appends the code to the password",
                self.url
            ),
            SignInPage::LocalLogin { mfa: false } => {
                format!("{} signs in with a user name and password, or with the instance's OAuth", self.url)
            }
            SignInPage::ApiOnly => format!("{} takes a user name and password on its REST API", self.url),
        }
    }
}

/// Names the identity provider a sign-in redirect points at.
pub fn name_idp(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    facts::IDENTITY_PROVIDERS
        .iter()
        .find(|(suffix, _)| h == *suffix || h.ends_with(&format!(".{suffix}")))
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| format!("the identity provider at {host}"))
}

/// The largest page the probe reads.
const MAX_PAGE: usize = 4 << 20;

/// Probes `instance` without credentials.
pub async fn probe(instance: &InstanceUrl) -> Result<Probe, SnError> {
    let http = reqwest::Client::builder()
        .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SnError::Unreachable { url: instance.to_string(), reason: e.to_string() })?;
    // The same words as every other request (a rejected certificate is named as such).
    let unreachable = |e: reqwest::Error| SnError::Unreachable {
        url: instance.to_string(),
        reason: super::client::transport_reason(&e),
    };
    let session = http.get(format!("{instance}/{}", facts::SESSION_PAGE)).send();
    let login = http.get(format!("{instance}/{}", facts::LOGIN_PAGE)).send();
    let api = http
        .get(format!("{instance}/api/now/table/sys_user"))
        .query(&[("sysparm_limit", "1")])
        .header(header::ACCEPT, "application/json")
        .send();
    let (session, login, api) = tokio::join!(session, login, api);
    let session = session.map_err(unreachable)?;
    let login = login.map_err(unreachable)?;
    let api = api.map_err(unreachable)?;
    classify(instance, session, login, api).await
}

async fn classify(
    instance: &InstanceUrl,
    session: reqwest::Response,
    login: reqwest::Response,
    api: reqwest::Response,
) -> Result<Probe, SnError> {
    let url = instance.to_string();
    let done = |page| Ok(Probe { url: url.clone(), page });
    let redirected = |r: &reqwest::Response| {
        r.status()
            .is_redirection()
            .then(|| r.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string))
            .flatten()
    };
    let location = redirected(&session).or_else(|| redirected(&login));
    // Pages are read up to a cap, like every answer: a sign-in page is far smaller.
    let read = |r: reqwest::Response| super::client::read_body(r, instance, MAX_PAGE);
    let _ = read(session).await?;
    let login_status = login.status();
    let login_body = read(login).await?;
    let api_status = api.status();
    let api_type = api.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let api_body = read(api).await?;
    if classify_html(&login_body) == HtmlPage::Hibernating || classify_html(&api_body) == HtmlPage::Hibernating {
        return done(SignInPage::Hibernating);
    }
    if let Some(loc) = location
        && let Ok(target) = instance.as_url().join(&loc)
    {
        let host = target.host_str().unwrap_or_default().to_string();
        let lower = loc.to_ascii_lowercase();
        if host != instance.host() || lower.contains("saml") || lower.contains("sso") {
            return done(SignInPage::SingleSignOn { idp: name_idp(&host), host });
        }
    }
    let is_instance = api_status == StatusCode::UNAUTHORIZED && api_type.contains("json");
    if login_status.is_success() && classify_html(&login_body) == HtmlPage::Login {
        let lower = login_body.to_ascii_lowercase();
        let mfa = facts::MFA_PAGE_MARKERS.iter().any(|m| lower.contains(m));
        return done(SignInPage::LocalLogin { mfa });
    }
    if is_instance {
        return done(SignInPage::ApiOnly);
    }
    if api_type.contains("html") || api_body.trim_start().starts_with('<') {
        return Err(SnError::NotTableApi { url, page: classify_html(&api_body) });
    }
    Err(SnError::NotJson { url, status: api_status.as_u16(), content_type: api_type })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_providers_are_named_by_host() {
        assert_eq!(name_idp("login.microsoftonline.com"), "Microsoft Entra ID");
        assert_eq!(name_idp("contoso.okta.com"), "Okta");
        assert_eq!(name_idp("sso.contoso.com"), "the identity provider at sso.contoso.com");
    }

    #[test]
    fn only_local_sign_in_takes_passwords() {
        let p = |page| Probe { url: "https://x".into(), page };
        assert!(!p(SignInPage::SingleSignOn { idp: "Okta".into(), host: "a.okta.com".into() }).takes_passwords());
        assert!(!p(SignInPage::Hibernating).takes_passwords());
        assert!(p(SignInPage::LocalLogin { mfa: true }).takes_passwords());
        assert!(p(SignInPage::ApiOnly).takes_passwords());
    }
}
