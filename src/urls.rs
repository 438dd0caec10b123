//! The two addresses an admin types: the instance URL and the Graph connection URL.
//!
//! Both are checked here, once, so the plan file, the wizard and the doctor say the same
//! thing about the same mistake.

use crate::facts::{CLOUDS, Cloud};
use std::fmt;
use url::Url;

/// Domains of Microsoft's own services (Graph, sign-in, Exchange Online and Outlook on the
/// web), which an admin may paste where the instance address belongs.
const MICROSOFT_DOMAINS: [&str; 9] = [
    "microsoft.com",
    "microsoftonline.com",
    "microsoft.us",
    "microsoftonline.us",
    "chinacloudapi.cn",
    "microsoftonline.cn",
    "office365.com",
    "office.com",
    "outlook.com",
];

/// A normalised instance address: scheme and host (and port), nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceUrl(Url);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceUrlError {
    #[error("the instance address is empty: type a name such as dev123 or https://dev123.service-now.com")]
    Empty,
    #[error("\"{0}\" is not a valid address: type a name such as dev123 or https://dev123.service-now.com")]
    Invalid(String),
    #[error(
        "\"{0}\" uses {1}: ServiceNow instances are reached over https (http is allowed only for a loopback sandbox)"
    )]
    Scheme(String, String),
    #[error("\"{input}\" has {what} ({path}): use only the instance address, such as {suggestion}")]
    HasPath { input: String, what: &'static str, path: String, suggestion: String },
    #[error(
        "\"{input}\" is on servicenow.com, ServiceNow's own site; instances are on service-now.com, with a hyphen: type {suggestion}"
    )]
    CompanySite { input: String, suggestion: String },
    #[error("\"{0}\" carries a user name or password: give the instance address alone and the login separately")]
    HasCredentials(String),
    #[error(
        "\"{0}\" is a Microsoft address, not a ServiceNow instance: type your instance, such as dev123.service-now.com"
    )]
    Microsoft(String),
}

impl InstanceUrl {
    /// Accepts `dev123`, `dev123.service-now.com`, or a full URL, and normalises it to
    /// `https://dev123.service-now.com`.
    pub fn parse(input: &str) -> Result<Self, InstanceUrlError> {
        let raw = input.trim();
        if raw.is_empty() {
            return Err(InstanceUrlError::Empty);
        }
        let with_scheme = if raw.contains("://") {
            raw.to_string()
        } else if raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            format!("https://{}.service-now.com", raw.to_ascii_lowercase())
        } else {
            format!("https://{raw}")
        };
        let url = Url::parse(&with_scheme).map_err(|_| InstanceUrlError::Invalid(raw.to_string()))?;
        let host =
            url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| InstanceUrlError::Invalid(raw.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InstanceUrlError::HasCredentials(redact_userinfo(&url)));
        }
        let loopback = is_loopback_host(host);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            other => return Err(InstanceUrlError::Scheme(raw.to_string(), other.to_string())),
        }
        let lower = host.to_ascii_lowercase();
        let within = |domain: &str| lower == domain || lower.ends_with(&format!(".{domain}"));
        if MICROSOFT_DOMAINS.iter().any(|d| within(d)) {
            return Err(InstanceUrlError::Microsoft(raw.to_string()));
        }
        if let Some(name) = lower.strip_suffix(".servicenow.com")
            && !name.is_empty()
        {
            return Err(InstanceUrlError::CompanySite {
                input: raw.to_string(),
                suggestion: format!("{name}.service-now.com"),
            });
        }
        let path = url.path();
        if (path != "/" && !path.is_empty()) || url.query().is_some() || url.fragment().is_some() {
            let has_path = path != "/" && !path.is_empty();
            let mut shown = if has_path { path.to_string() } else { String::new() };
            if let Some(q) = url.query() {
                shown.push('?');
                shown.push_str(q);
            }
            if let Some(f) = url.fragment() {
                shown.push('#');
                shown.push_str(f);
            }
            let what = match (has_path, url.query().is_some(), url.fragment().is_some()) {
                (true, true, true) => "a path, a query and a fragment",
                (true, true, false) => "a path and a query",
                (true, false, true) => "a path and a fragment",
                (true, false, false) => "a path",
                (false, true, true) => "a query and a fragment",
                (false, true, false) => "a query",
                (false, false, _) => "a fragment",
            };
            let mut base = url.clone();
            base.set_path("/");
            base.set_query(None);
            base.set_fragment(None);
            return Err(InstanceUrlError::HasPath {
                input: raw.to_string(),
                what,
                path: shown,
                suggestion: base.as_str().trim_end_matches('/').to_string(),
            });
        }
        let mut clean = url.clone();
        clean.set_path("/");
        Ok(InstanceUrl(clean))
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// A key that names the instance for the keyring: host and port.
    pub fn key(&self) -> String {
        match self.0.port() {
            Some(p) => format!("{}:{p}", self.host()),
            None => self.host().to_string(),
        }
    }

    /// The form view of one record, for links in reports.
    pub fn form_link(&self, table: &str, sys_id: &str) -> String {
        format!("{self}/{table}.do?sys_id={sys_id}")
    }

    /// The redirect URL ServiceNow generates for its OAuth registries.
    pub fn oauth_redirect(&self) -> String {
        format!("{self}/oauth_redirect.do")
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }
}

impl fmt::Display for InstanceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

fn redact_userinfo(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// What is wrong with a connection URL that should be a Microsoft Graph root.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphUrlProblem {
    #[error("the connection URL is empty: enter https://graph.microsoft.com")]
    Empty,
    #[error("the connection URL \"{0}\" has spaces around it: enter exactly {1}")]
    Whitespace(String, String),
    #[error("the connection URL \"{0}\" repeats the host: enter exactly {1}")]
    Duplicated(String, String),
    #[error("the connection URL \"{0}\" uses http: Microsoft Graph is reached over https; enter {1}")]
    NotHttps(String, String),
    /// Something after the host: `{2}` names it ("a path (/v1.0): the spoke adds the API
    /// version itself", "a port (:8443)", "a fragment (#x)").
    #[error("the connection URL \"{0}\" has {2}; enter exactly {1}")]
    HasPath(String, String, String),
    #[error("the connection URL \"{0}\" ends with a slash: enter exactly {1}")]
    TrailingSlash(String, String),
    #[error(
        "the connection URL \"{0}\" is not a Microsoft Graph root; use https://graph.microsoft.com (or your national cloud's Graph host)"
    )]
    NotGraph(String),
}

/// Checks that `input` is exactly the Graph root of one cloud, and says which cloud.
pub fn check_graph_url(input: &str) -> Result<&'static Cloud, GraphUrlProblem> {
    if input.trim().is_empty() {
        return Err(GraphUrlProblem::Empty);
    }
    if let Some(cloud) = CLOUDS.iter().find(|c| c.graph_root == input) {
        return Ok(cloud);
    }
    let trimmed = input.trim();
    let lower = trimmed.to_ascii_lowercase();
    // The cloud the admin most likely meant: the one whose Graph host appears in the text.
    let meant = CLOUDS
        .iter()
        .filter(|c| lower.contains(c.graph_root.trim_start_matches("https://")))
        .max_by_key(|c| c.graph_root.len());
    let Some(cloud) = meant else {
        return Err(GraphUrlProblem::NotGraph(input.to_string()));
    };
    let want = cloud.graph_root.to_string();
    let host = cloud.graph_root.trim_start_matches("https://");
    if lower.matches(host).count() > 1 {
        return Err(GraphUrlProblem::Duplicated(input.to_string(), want));
    }
    if trimmed != input {
        return Err(GraphUrlProblem::Whitespace(input.to_string(), want));
    }
    if lower.starts_with("http://") {
        return Err(GraphUrlProblem::NotHttps(input.to_string(), want));
    }
    match Url::parse(trimmed) {
        Ok(u) if u.host_str() == Some(host) => {
            let path = u.path();
            let extra = |what: String| Err(GraphUrlProblem::HasPath(input.to_string(), want.clone(), what));
            if path != "/" || u.query().is_some() {
                let mut p = path.to_string();
                if let Some(q) = u.query() {
                    p.push('?');
                    p.push_str(q);
                }
                extra(format!("a path ({p}): the spoke adds the API version itself"))
            } else if let Some(port) = u.port().map(|p| p.to_string()).or_else(|| {
                // The default port written out is dropped by the parser; the text has it.
                let after = lower.strip_prefix(&format!("{want}:"))?;
                Some(after.trim_end_matches('/').to_string())
            }) {
                extra(format!("a port (:{port}): Microsoft Graph answers on the standard https port"))
            } else if let Some(f) = u.fragment() {
                extra(format!("a fragment (#{f})"))
            } else if trimmed.ends_with('/') {
                Err(GraphUrlProblem::TrailingSlash(input.to_string(), want))
            } else {
                // The same address in another case, or with the default port written out.
                Err(GraphUrlProblem::NotGraph(input.to_string()))
            }
        }
        _ => Err(GraphUrlProblem::NotGraph(input.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_forms_normalise() {
        for input in [
            "dev123",
            "DEV123",
            "dev123.service-now.com",
            "https://dev123.service-now.com",
            "https://dev123.service-now.com/",
        ] {
            assert_eq!(InstanceUrl::parse(input).unwrap().to_string(), "https://dev123.service-now.com", "{input}");
        }
        assert_eq!(InstanceUrl::parse("http://127.0.0.1:8787").unwrap().to_string(), "http://127.0.0.1:8787");
    }

    #[test]
    fn instance_mistakes_are_named() {
        assert!(matches!(InstanceUrl::parse("  "), Err(InstanceUrlError::Empty)));
        assert!(matches!(InstanceUrl::parse("http://dev123.service-now.com"), Err(InstanceUrlError::Scheme(..))));
        let e = InstanceUrl::parse("https://dev123.service-now.com/nav_to.do?uri=x").unwrap_err();
        assert!(e.to_string().contains("https://dev123.service-now.com"), "{e}");
        assert!(matches!(e, InstanceUrlError::HasPath { .. }));
        assert!(
            matches!(InstanceUrl::parse("https://admin:pw@dev1.service-now.com"), Err(InstanceUrlError::HasCredentials(s)) if !s.contains("pw"))
        );
        assert!(matches!(InstanceUrl::parse("graph.microsoft.com"), Err(InstanceUrlError::Microsoft(_))));
        for m in ["outlook.office365.com", "https://outlook.office.com/mail", "login.microsoftonline.us"] {
            assert!(matches!(InstanceUrl::parse(m), Err(InstanceUrlError::Microsoft(_))), "{m}");
        }
        // Only Microsoft's own domains: a name that merely ends the same way is not one.
        assert!(InstanceUrl::parse("https://notmicrosoft.com").is_ok());
        let e = InstanceUrl::parse("dev123.servicenow.com").unwrap_err();
        assert!(e.to_string().contains("type dev123.service-now.com"), "{e}");
        let e = InstanceUrl::parse("https://dev123.service-now.com/?sysparm_x=1").unwrap_err();
        assert!(e.to_string().contains("has a query (?sysparm_x=1)"), "{e}");
        let e = InstanceUrl::parse("https://dev123.service-now.com#frag").unwrap_err();
        assert!(e.to_string().contains("has a fragment (#frag)"), "{e}");
        let e = InstanceUrl::parse("https://dev123.service-now.com/?x=1#frag").unwrap_err();
        assert!(e.to_string().contains("has a query and a fragment (?x=1#frag)"), "{e}");
        let e = InstanceUrl::parse("https://dev123.service-now.com/nav_to.do").unwrap_err();
        assert!(e.to_string().contains("has a path (/nav_to.do)"), "{e}");
        assert!(matches!(InstanceUrl::parse("ftp://x.service-now.com"), Err(InstanceUrlError::Scheme(..))));
        assert!(matches!(InstanceUrl::parse("https://"), Err(InstanceUrlError::Invalid(_))));
    }

    #[test]
    fn graph_roots() {
        assert_eq!(check_graph_url("https://graph.microsoft.com").unwrap().name, "Global");
        assert_eq!(check_graph_url("https://dod-graph.microsoft.us").unwrap().name, "US Government L5 (DoD)");
        use GraphUrlProblem::*;
        type Check = fn(&GraphUrlProblem) -> bool;
        let cases: [(&str, Check); 8] = [
            ("https://graph.microsoft.comhttps://graph.microsoft.com", |p| matches!(p, Duplicated(..))),
            ("http://graph.microsoft.com", |p| matches!(p, NotHttps(..))),
            ("https://graph.microsoft.com/v1.0", |p| matches!(p, HasPath(..))),
            ("https://graph.microsoft.com/", |p| matches!(p, TrailingSlash(..))),
            ("https://graph.microsoft.com ", |p| matches!(p, Whitespace(..))),
            ("https://example.com", |p| matches!(p, NotGraph(..))),
            ("", |p| matches!(p, Empty)),
            ("https://graph.microsoft.com/v1.0/v1.0", |p| matches!(p, HasPath(..))),
        ];
        for (input, ok) in cases {
            let p = check_graph_url(input).unwrap_err();
            assert!(ok(&p), "{input}: {p:?}");
        }
        // Each names the fault it is, never a slash that is not there.
        for (input, fault) in [
            ("https://graph.microsoft.com:8443", "has a port (:8443)"),
            ("https://graph.microsoft.com:8443/", "has a port (:8443)"),
            ("https://graph.microsoft.com:443", "has a port (:443)"),
            ("https://graph.microsoft.com#frag", "has a fragment (#frag)"),
            ("https://graph.microsoft.com/v1.0", "has a path (/v1.0): the spoke adds the API version itself"),
        ] {
            let said = check_graph_url(input).unwrap_err().to_string();
            assert!(said.contains(fault) && said.ends_with("enter exactly https://graph.microsoft.com"), "{said}");
            assert!(!said.contains("slash"), "{said}");
        }
        assert!(
            matches!(check_graph_url("https://graph.microsoft.com:8443"), Err(HasPath(_, w, _)) if w == "https://graph.microsoft.com")
        );
    }
}
