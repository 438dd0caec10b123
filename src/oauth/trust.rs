//! Which sign-in and Graph endpoints calsync sends secrets to.
//!
//! The authorize and token URLs come from the instance's application registry and the
//! Graph root from its connection record: anyone who can edit those records would
//! otherwise receive the client secret, a redeemable code and the access token. So before
//! the secret leaves the keyring, the endpoints must be `https` on a Microsoft sign-in host
//! of the credential's cloud and that cloud's Graph root (`facts::CLOUDS`), or a loopback
//! address (a test provider on this machine), or a host the admin named explicitly
//! (`--trust-host`, `CALSYNC_TRUST_HOST`). Pure: no I/O.

use crate::facts::{CLOUDS, Cloud};
use crate::urls::is_loopback_host;

/// Which endpoint a URL is for, as the admin would recognise it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Authorize,
    Token,
    Graph,
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::Authorize => "the registry's authorize URL (where the browser signs in)",
            Role::Token => "the registry's token URL (which receives the client secret and the sign-in code)",
            Role::Graph => "the connection's Graph URL (which receives the access token)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is {url}: {reason}. Nothing was sent to it. Correct the record on the instance{}; or, if {host} is meant, name it: --trust-host {host}",
    .role.describe(),
    fix_hint(*.role)
)]
pub struct Untrusted {
    pub role: Role,
    pub url: String,
    pub host: String,
    pub reason: String,
}

fn fix_hint(role: Role) -> &'static str {
    match role {
        Role::Authorize | Role::Token => " (the OAuth application registry, oauth_entity)",
        Role::Graph => " (the HTTP connection, http_connection)",
    }
}

/// A trusted-host list as `CALSYNC_TRUST_HOST` gives it (comma-separated), lower-cased.
pub fn host_list(value: &str) -> Vec<String> {
    value.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect()
}

/// Checks the three endpoints of one sign-in. `trusted` holds host names the admin named.
pub fn check(auth_url: &str, token_url: &str, graph_root: &str, trusted: &[String]) -> Result<(), Untrusted> {
    let graph_cloud = check_graph(graph_root, trusted)?;
    check_login(Role::Authorize, auth_url, graph_cloud, trusted)?;
    check_login(Role::Token, token_url, graph_cloud, trusted)
}

struct Parsed {
    scheme: String,
    host: String,
}

fn parse(role: Role, url: &str) -> Result<Parsed, Untrusted> {
    let refused = |reason: &str| Untrusted {
        role,
        url: crate::sanitize::line_clipped(url, 200),
        host: String::new(),
        reason: reason.into(),
    };
    let u = url::Url::parse(url.trim()).map_err(|_| refused("it is not a URL"))?;
    let host = u.host_str().filter(|h| !h.is_empty()).ok_or_else(|| refused("it names no host"))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err(refused("it carries a user name or password"));
    }
    Ok(Parsed { scheme: u.scheme().to_string(), host: host.to_ascii_lowercase() })
}

fn untrusted(role: Role, url: &str, host: &str, reason: String) -> Untrusted {
    Untrusted { role, url: crate::sanitize::line_clipped(url, 200), host: crate::sanitize::line(host), reason }
}

/// Loopback (a provider on this machine) or a host the admin named: allowed, but a named
/// host off this machine still needs https, since the secret would cross the network.
fn allowed_without_cloud(role: Role, url: &str, p: &Parsed, trusted: &[String]) -> Result<bool, Untrusted> {
    if is_loopback_host(&p.host) && matches!(p.scheme.as_str(), "http" | "https") {
        return Ok(true);
    }
    if trusted.iter().any(|t| t.eq_ignore_ascii_case(&p.host)) {
        if p.scheme != "https" {
            return Err(untrusted(
                role,
                url,
                &p.host,
                format!(
                    "{} was named as trusted, but it uses {}, so the secret would cross the network readable by anyone on the way; only https is accepted off this machine",
                    p.host, p.scheme
                ),
            ));
        }
        return Ok(true);
    }
    Ok(false)
}

/// The cloud whose Graph root this is; `None` for loopback or a named host.
fn check_graph(graph_root: &str, trusted: &[String]) -> Result<Option<&'static Cloud>, Untrusted> {
    let role = Role::Graph;
    let p = parse(role, graph_root)?;
    let graph_host = |c: &&Cloud| c.graph_root.trim_start_matches("https://") == p.host;
    if p.scheme == "https"
        && let Some(cloud) = CLOUDS.iter().find(graph_host)
    {
        return Ok(Some(cloud));
    }
    if allowed_without_cloud(role, graph_root, &p, trusted)? {
        return Ok(None);
    }
    let roots: Vec<&str> = CLOUDS.iter().map(|c| c.graph_root).collect();
    Err(untrusted(
        role,
        graph_root,
        &p.host,
        format!("{} is not the Graph root of a Microsoft cloud ({})", p.host, roots.join(", ")),
    ))
}

fn check_login(role: Role, url: &str, cloud: Option<&'static Cloud>, trusted: &[String]) -> Result<(), Untrusted> {
    let p = parse(role, url)?;
    if allowed_without_cloud(role, url, &p, trusted)? {
        return Ok(());
    }
    let microsoft = CLOUDS.iter().find(|c| c.login_hosts.contains(&p.host.as_str()));
    let (hosts, of) = match cloud {
        Some(c) => (c.login_hosts.join(", "), format!("the {} cloud, whose Graph the connection uses", c.name)),
        None => (
            CLOUDS.iter().flat_map(|c| c.login_hosts.iter().copied()).collect::<Vec<_>>().join(", "),
            "any Microsoft cloud".into(),
        ),
    };
    let reason = match microsoft {
        None => format!("{} is not a Microsoft sign-in host of {of} ({hosts})", p.host),
        Some(m) if cloud.is_some_and(|c| !c.login_hosts.contains(&p.host.as_str())) => format!(
            "{} signs in to the {} cloud, but the connection's Graph is {}'s; tokens do not cross clouds (sign-in hosts there: {hosts})",
            p.host,
            m.name,
            cloud.map(|c| c.name).unwrap_or_default()
        ),
        Some(_) if p.scheme != "https" => {
            format!("it uses {}; Microsoft's sign-in is reached over https only", p.scheme)
        }
        Some(_) => return Ok(()),
    };
    Err(untrusted(role, url, &p.host, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH: &str = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize";
    const TOKEN: &str = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    const GRAPH: &str = "https://graph.microsoft.com";

    #[test]
    fn microsoft_endpoints_of_one_cloud_pass() {
        assert_eq!(check(AUTH, TOKEN, GRAPH, &[]), Ok(()));
        let us = |p: &str| format!("https://login.microsoftonline.us/t/oauth2/v2.0/{p}");
        assert_eq!(check(&us("authorize"), &us("token"), "https://dod-graph.microsoft.us", &[]), Ok(()));
        let cn = |p: &str| format!("https://login.chinacloudapi.cn/t/oauth2/v2.0/{p}");
        assert_eq!(check(&cn("authorize"), &cn("token"), "https://microsoftgraph.chinacloudapi.cn", &[]), Ok(()));
    }

    #[test]
    fn loopback_providers_pass() {
        assert_eq!(
            check("http://127.0.0.1:3000/auth", "http://127.0.0.1:3000/token", "http://127.0.0.1:3000", &[]),
            Ok(())
        );
        assert_eq!(check("http://localhost:9/a", "http://[::1]:9/t", GRAPH, &[]), Ok(()));
    }

    #[test]
    fn a_foreign_or_plain_http_host_is_refused_and_named() {
        let e = check(AUTH, "http://collector.example/token", GRAPH, &[]).unwrap_err();
        assert_eq!((e.role, e.host.as_str()), (Role::Token, "collector.example"));
        let s = e.to_string();
        assert!(s.contains("collector.example is not a Microsoft sign-in host"), "{s}");
        assert!(s.contains("--trust-host collector.example"), "{s}");
        let e = check(AUTH, "http://login.microsoftonline.com/t/oauth2/v2.0/token", GRAPH, &[]).unwrap_err();
        assert!(e.to_string().contains("uses http"), "{e}");
        let e = check(AUTH, TOKEN, "https://graph.example", &[]).unwrap_err();
        assert_eq!(e.role, Role::Graph);
        assert!(e.to_string().contains("graph.example is not the Graph root"), "{e}");
        // Look-alikes are other hosts.
        let e = check("https://login.microsoftonline.com.evil.example/a", TOKEN, GRAPH, &[]).unwrap_err();
        assert_eq!(e.role, Role::Authorize);
    }

    #[test]
    fn sign_in_and_graph_must_be_one_cloud() {
        let e = check(AUTH, TOKEN, "https://graph.microsoft.us", &[]).unwrap_err();
        assert!(e.to_string().contains("tokens do not cross clouds"), "{e}");
    }

    #[test]
    fn a_named_host_passes_over_https_only() {
        let trusted = vec!["idp.contoso.example".to_string()];
        assert_eq!(check(AUTH, "https://idp.contoso.example/token", GRAPH, &trusted), Ok(()));
        let e = check(AUTH, "http://idp.contoso.example/token", GRAPH, &trusted).unwrap_err();
        assert!(e.to_string().contains("only https"), "{e}");
        assert_eq!(check(AUTH, TOKEN, "https://idp.contoso.example", &trusted), Ok(()));
    }
}
