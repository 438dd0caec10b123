//! One error type for everything the instance can answer, and the sentences users read.

use super::query::QueryError;

/// What an HTML answer looked like, when JSON was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtmlPage {
    Hibernating,
    Login,
    Other(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SnError {
    #[error("could not reach {url}: {reason}. Check the address, your network or VPN, and try again")]
    Unreachable { url: String, reason: String },
    #[error(
        "{url} did not finish its answer within {secs} s, so calsync stopped waiting. The instance may be overloaded, or something between you and it holds the answer back; try again later"
    )]
    Slow { url: String, secs: u64 },
    #[error(
        "{url} sent an answer larger than {limit_mib} MiB, more than any record of the setup can need; calsync stopped reading it. Check that the address is your instance"
    )]
    TooLarge { url: String, limit_mib: usize },
    #[error(
        "the command reached its time limit of {secs} s talking to {url} and stopped. The instance is answering too slowly; try again later"
    )]
    Deadline { url: String, secs: u64 },
    #[error("{}", html_sentence(.url, .page))]
    NotTableApi { url: String, page: HtmlPage },
    #[error(
        "{url} answered with something other than the ServiceNow Table API (HTTP {status}, {content_type}). Check that the address is your instance"
    )]
    NotJson { url: String, status: u16, content_type: String },
    #[error(
        "the instance refused the login for user \"{user}\" (HTTP 401: {message}). Check the user name and password (with MFA, the current code appended); an account that signs in only through single sign-on uses the instance's OAuth instead: calsync instance add NAME --url URL --sign-in oauth"
    )]
    Unauthorized { user: String, message: String },
    #[error(
        "the instance blocks basic authentication for user \"{user}\" (the basic-auth restriction). Sign in with the instance's OAuth instead: calsync instance add NAME --url URL --sign-in oauth; or ask a security_admin to grant snc_basic_auth_api_access"
    )]
    BasicRestricted { user: String },
    #[error("the instance refused the request on {table} (HTTP 403: {message}{}). The user needs the admin role, and the record must be writable from the current application", detail_suffix(.detail))]
    Forbidden { table: String, message: String, detail: Option<String> },
    #[error("no record {sys_id} in {table} (HTTP 404). It may have been deleted, or an ACL hides it")]
    NotFound { table: String, sys_id: String },
    #[error("the instance rejected the request on {table} (HTTP 400: {message}{})", detail_suffix(.detail))]
    BadRequest { table: String, message: String, detail: Option<String> },
    #[error("the instance kept answering HTTP 429 (rate limit) after {attempts} attempts{}. Wait a while or raise the REST rate limit rule, then run again", retry_suffix(*.retry_after))]
    RateLimited { attempts: u32, retry_after: Option<u64> },
    #[error("the instance failed with HTTP {status}{}{}. Try again shortly; if it persists, check the instance's system log", msg_suffix(.message), attempts_suffix(*.attempts))]
    Server { status: u16, message: Option<String>, attempts: u32 },
    #[error("the instance's answer on {table} could not be read: {reason}")]
    Decode { table: String, reason: String },
    #[error(transparent)]
    Query(#[from] QueryError),
}

fn html_sentence(url: &str, page: &HtmlPage) -> String {
    match page {
        HtmlPage::Hibernating => format!(
            "{url} is a hibernating developer instance: it answered with the \"Your instance is hibernating\" page. Wake it by signing in at developer.servicenow.com, wait until it is up, then run again"
        ),
        HtmlPage::Login => format!(
            "{url} answered with a sign-in page instead of the Table API. Use the bare instance address (no path), and an account that can log in without SSO (a local user with a password)"
        ),
        HtmlPage::Other(title) if !title.is_empty() => format!(
            "{url} answered with a web page (\"{title}\") instead of the Table API. Check the address; the instance may be down or behind a proxy"
        ),
        HtmlPage::Other(_) => format!(
            "{url} answered with a web page instead of the Table API. Check the address; the instance may be down or behind a proxy"
        ),
    }
}

fn detail_suffix(detail: &Option<String>) -> String {
    match detail {
        Some(d) if !d.is_empty() => format!(": {d}"),
        _ => String::new(),
    }
}

fn msg_suffix(m: &Option<String>) -> String {
    match m {
        Some(m) if !m.is_empty() => format!(" ({m})"),
        _ => String::new(),
    }
}

fn retry_suffix(r: Option<u64>) -> String {
    r.map(|s| format!("; it last asked to wait {s} s")).unwrap_or_default()
}

fn attempts_suffix(a: u32) -> String {
    if a > 1 { format!(" after {a} attempts") } else { String::new() }
}

impl SnError {
    /// The instance could not be used at all: wrong address, not the API, or login refused.
    pub fn is_access_problem(&self) -> bool {
        matches!(
            self,
            SnError::Unreachable { .. }
                | SnError::Slow { .. }
                | SnError::NotTableApi { .. }
                | SnError::NotJson { .. }
                | SnError::Unauthorized { .. }
                | SnError::BasicRestricted { .. }
        )
    }
}

/// Recognises the HTML pages an instance serves instead of JSON.
pub fn classify_html(body: &str) -> HtmlPage {
    let lower = body.to_ascii_lowercase();
    if lower.contains("instance-hibernating-page") || lower.contains("instance is hibernating") {
        return HtmlPage::Hibernating;
    }
    let title = lower
        .find("<title>")
        .and_then(|s| lower[s + 7..].find("</title>").map(|e| body[s + 7..s + 7 + e].trim().to_string()))
        .unwrap_or_default();
    let t = title.to_ascii_lowercase();
    if lower.contains("login.do")
        || lower.contains("saml")
        || t.contains("log in")
        || t.contains("login")
        || t.contains("sign in")
        || lower.contains("name=\"user_password\"")
    {
        return HtmlPage::Login;
    }
    HtmlPage::Other(crate::sanitize::line_clipped(&title, 80))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pages_are_named() {
        let hib = "<html><head><title>Instance Hibernating page</title></head><body class=\"instance-hibernating-page\">Your instance is hibernating</body></html>";
        assert_eq!(classify_html(hib), HtmlPage::Hibernating);
        assert_eq!(classify_html("<html><title>Log in | ServiceNow</title><form action=login.do>"), HtmlPage::Login);
        assert_eq!(classify_html("<html><title>Bad gateway</title>"), HtmlPage::Other("Bad gateway".into()));
        let e = SnError::NotTableApi { url: "https://x".into(), page: HtmlPage::Hibernating };
        assert!(e.to_string().contains("hibernating"));
        assert!(e.is_access_problem());
    }
}
