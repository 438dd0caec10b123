//! What a sign-in for one credential needs, read from the instance: the credential, its
//! OAuth Entity Profile and registry (client ID, authorize and token URLs), and the Graph
//! root of the connection that uses it.

use super::flow::Registry;
use crate::facts;
use crate::snow::records::{Connection, Credential, OAuthEntity, OAuthProfile};
use crate::snow::{Instance, InstanceExt, Query, SnError};

pub struct CredentialTarget {
    pub credential: Credential,
    pub entity_id: String,
    pub registry: Registry,
    pub graph_root: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(
        "no OAuth 2.0 credential is named \"{name}\" on {instance} (names are matched without regard to case){hint}"
    )]
    NotFound { name: String, instance: String, hint: String },
    #[error("{count} OAuth 2.0 credentials are named \"{name}\"; rename the extra ones first")]
    Ambiguous { name: String, count: usize },
    #[error("the credential \"{0}\" has no OAuth Entity Profile; set one first (calsync apply)")]
    NoProfile(String),
    #[error(
        "the credential \"{name}\" uses the profile \"{profile}\", which is client credentials (normal mode): no user signs in, so there is nothing to authorize"
    )]
    ClientCredentials { name: String, profile: String },
    #[error(transparent)]
    Untrusted(#[from] super::trust::Untrusted),
    #[error(transparent)]
    Instance(#[from] SnError),
}

impl TargetError {
    /// The admin named something that is not there, or could not be looked up.
    pub fn is_usage_problem(&self) -> bool {
        matches!(self, TargetError::NotFound { .. } | TargetError::Instance(SnError::Query(_)))
    }

    /// The instance could not be reached or refused the login.
    pub fn is_access_problem(&self) -> bool {
        matches!(self, TargetError::Instance(e) if e.is_access_problem())
    }
}

/// Up to this many credential names are listed in full when a name is not found.
const LIST_AT_MOST: usize = 8;

/// The end of the not-found sentence: the nearest names (within a third of the name's
/// length), and the instance's credential names when there are few.
pub fn suggestion(name: &str, names: &[String]) -> String {
    let mut names: Vec<&String> = names.iter().filter(|n| !n.trim().is_empty()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return "; the instance has no OAuth 2.0 credentials yet: create one with calsync apply or the setup wizard"
            .into();
    }
    let quote = |v: &[&String]| v.iter().map(|n| format!("\"{}\"", crate::sanitize::line(n))).collect::<Vec<_>>();
    let mut out = crate::near::did_you_mean(name, names.iter().map(|n| n.as_str()));
    let near = !out.is_empty();
    if names.len() <= LIST_AT_MOST {
        let list = quote(&names).join(", ");
        out.push_str(&if out.is_empty() {
            format!("; its OAuth 2.0 credentials: {list}")
        } else {
            format!(" Its OAuth 2.0 credentials: {list}.")
        });
    } else if !near {
        out.push_str("; see its credentials with calsync status");
    }
    out
}

/// Replaces a Microsoft sign-in host with another base (the sandbox, or a test provider).
pub fn rewrite_login(url: &str, base: Option<&str>) -> String {
    let Some(base) = base else { return url.to_string() };
    let Ok(u) = url::Url::parse(url) else { return url.to_string() };
    let microsoft = facts::CLOUDS.iter().any(|c| c.login_hosts.contains(&u.host_str().unwrap_or_default()));
    if !microsoft {
        return url.to_string();
    }
    let mut out = base.trim_end_matches('/').to_string();
    out.push_str(u.path());
    if let Some(q) = u.query() {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The sign-in target of one credential, reached through `ends` (the sign-in host and
/// Graph used instead, and the hosts the admin trusts besides Microsoft's). No target
/// leaves here whose endpoints `trust::check` refused, so no secret is read for one.
pub async fn for_credential(
    client: &dyn Instance,
    name: &str,
    ends: &Endpoints,
) -> Result<CredentialTarget, TargetError> {
    let (login_base, graph_base) = (ends.login.as_deref(), ends.graph.as_deref());
    let q = Query::new().eq("name", name).map_err(SnError::from)?;
    let creds: Vec<Credential> = client.list("oauth_2_0_credentials", &q, &[]).await?;
    let credential = match creds.len() {
        0 => {
            // Only the names, to say which ones there are; a failed listing leaves the hint out.
            let all: Vec<Credential> =
                client.list("oauth_2_0_credentials", &Query::new(), &["name"]).await.unwrap_or_default();
            let names: Vec<String> = all.into_iter().map(|c| c.name.0).collect();
            let hint = suggestion(name, &names);
            return Err(TargetError::NotFound { name: name.into(), instance: client.instance().to_string(), hint });
        }
        1 => creds.into_iter().next().unwrap_or_default(),
        count => return Err(TargetError::Ambiguous { name: name.into(), count }),
    };
    if credential.oauth_entity_profile.is_empty() {
        return Err(TargetError::NoProfile(name.into()));
    }
    let cq = Query::new().eq("credential", &credential.sys_id).map_err(SnError::from)?;
    let (profile, connections) = tokio::try_join!(
        client.get::<OAuthProfile>("oauth_entity_profile", credential.oauth_entity_profile.id()),
        client.list::<Connection>("http_connection", &cq, &["sys_id", "connection_url", "active"]),
    )?;
    if &*profile.grant_type == facts::GRANT_CLIENT_CREDENTIALS {
        return Err(TargetError::ClientCredentials { name: name.into(), profile: profile.name.0.clone() });
    }
    let entity: OAuthEntity = client.get("oauth_entity", profile.oauth_entity.id()).await?;
    let connection_url =
        connections.iter().find(|c| c.active.0).or(connections.first()).map(|c| c.connection_url.0.clone());
    let graph_root =
        graph_base.map(str::to_string).or(connection_url).unwrap_or_else(|| facts::CLOUDS[0].graph_root.to_string());
    let registry = Registry {
        client_id: entity.client_id.0.clone(),
        auth_url: rewrite_login(&entity.auth_url, login_base),
        token_url: rewrite_login(&entity.token_url, login_base),
    };
    super::trust::check(&registry.auth_url, &registry.token_url, &graph_root, &ends.trusted)?;
    Ok(CredentialTarget { credential, entity_id: entity.sys_id.0.clone(), registry, graph_root })
}

/// Where Microsoft's sign-in host and Graph are reached instead of the registry's and the
/// connection's, and which other hosts the admin trusts with a sign-in (built by
/// `Services::endpoints` from the configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub login: Option<String>,
    pub graph: Option<String>,
    /// `--trust-host` / `CALSYNC_TRUST_HOST`, lower-cased.
    pub trusted: Vec<String>,
}

/// The app's client secret, found without asking: the sandbox's own (from `Services`,
/// which knows the sandbox; this module does not), then the secret
/// store (`client-secret:<instance>:<client id>`), then `CALSYNC_CLIENT_SECRET`. A store
/// that could not be read is returned alongside, so a caller can say so.
pub async fn stored_secret(
    services: &crate::config::Services,
    sandbox: bool,
    instance_key: &str,
    client_id: &str,
) -> (Option<secrecy::SecretString>, Option<crate::secrets::SecretError>) {
    if sandbox {
        return (Some(services.sandbox_client_secret()), None);
    }
    let account =
        crate::secrets::Account::ClientSecret { instance: instance_key.to_string(), client_id: client_id.to_string() };
    let (found, note) = match services.secrets.get(&account).await {
        Ok(found) => (found, None),
        Err(e) => (None, Some(e)),
    };
    (found.or_else(|| services.config.client_secret.clone()), note)
}

#[cfg(test)]
mod suggestion_tests {
    use super::suggestion;

    #[test]
    fn a_typo_gets_the_nearest_name_and_few_names_are_listed() {
        let names = vec!["Contoso Graph Personal".to_string(), "MS Graph 1".to_string()];
        assert_eq!(
            suggestion("Contoso Graph Personl", &names),
            "; did you mean \"Contoso Graph Personal\"? Its OAuth 2.0 credentials: \"Contoso Graph Personal\", \"MS Graph 1\"."
        );
        assert_eq!(
            suggestion("Fabrikam", &names),
            "; its OAuth 2.0 credentials: \"Contoso Graph Personal\", \"MS Graph 1\""
        );
        let many: Vec<String> = (0..20).map(|i| format!("Cred {i:02}")).collect();
        assert_eq!(suggestion("Cred 3", &many), "; did you mean \"Cred 03\" or \"Cred 13\"?");
        assert_eq!(suggestion("Entirely different", &many), "; see its credentials with calsync status");
        assert!(suggestion("x", &[]).contains("no OAuth 2.0 credentials yet"));
    }
}
