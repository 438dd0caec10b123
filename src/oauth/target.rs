//! What a sign-in for one credential needs, read from the instance: the credential, its
//! OAuth Entity Profile and registry (client ID, authorize and token URLs), and the Graph
//! root of the connection that uses it.

use super::flow::Registry;
use crate::facts;
use crate::snow::records::{Connection, Credential, OAuthEntity, OAuthProfile};
use crate::snow::{Client, Query, SnError};

pub struct CredentialTarget {
    pub credential: Credential,
    pub entity_id: String,
    pub registry: Registry,
    pub graph_root: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("no OAuth 2.0 credential is named \"{name}\" on {instance}; names are exact (for example \"MS Graph 1\")")]
    NotFound { name: String, instance: String },
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

/// The sign-in target of one credential, its endpoints checked by `trust` against the
/// hosts named in `CALSYNC_TRUST_HOST`.
pub async fn for_credential(
    client: &Client,
    name: &str,
    login_base: Option<&str>,
    graph_base: Option<&str>,
) -> Result<CredentialTarget, TargetError> {
    for_credential_trusting(client, name, login_base, graph_base, &super::trust::trusted_from_env()).await
}

/// As [`for_credential`], trusting also the hosts in `trusted` (`--trust-host`). No target
/// leaves here whose endpoints `trust::check` refused, so no secret is read for one.
pub async fn for_credential_trusting(
    client: &Client,
    name: &str,
    login_base: Option<&str>,
    graph_base: Option<&str>,
    trusted: &[String],
) -> Result<CredentialTarget, TargetError> {
    let q = Query::new().eq("name", name).map_err(SnError::from)?;
    let creds: Vec<Credential> = client.list("oauth_2_0_credentials", &q, &[]).await?;
    let credential = match creds.len() {
        0 => return Err(TargetError::NotFound { name: name.into(), instance: client.instance().to_string() }),
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
    super::trust::check(&registry.auth_url, &registry.token_url, &graph_root, trusted)?;
    Ok(CredentialTarget { credential, entity_id: entity.sys_id.0.clone(), registry, graph_root })
}

/// Where Microsoft's sign-in host and Graph are reached instead of the registry's and the
/// connection's (built by `Services::endpoints` from the configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub login: Option<String>,
    pub graph: Option<String>,
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
