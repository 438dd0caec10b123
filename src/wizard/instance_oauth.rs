//! The instance step's other way in: the instance's own OAuth (authorization code with
//! PKCE in the browser), for an admin who signs in through single sign-on and has no
//! password the REST API would take. A refresh token kept from an earlier sign-in is tried
//! first, silently; a new one is kept in the secret store for the next run.

use super::Failure;
use crate::config::Services;
use crate::facts;
use crate::profiles::Profiles;
use crate::secrets::Account;
use crate::snow::Client;
use crate::snow::auth::{self, OAuthClient};
use crate::urls::InstanceUrl;
use secrecy::SecretString;
use std::time::Duration;

/// calsync's registry entry for this instance, the loopback port it names, and the name
/// its token is kept under.
async fn registry(
    services: &Services,
    url: &InstanceUrl,
    sandbox: bool,
) -> Result<(OAuthClient, u16, String), Failure> {
    let config = &services.config;
    let default_port = config.oauth_port.unwrap_or(facts::INSTANCE_OAUTH_PORT);
    if sandbox {
        use crate::sandbox::auth as sb;
        let oc = OAuthClient {
            client_id: sb::INSTANCE_CLIENT_ID.into(),
            secret: Some(SecretString::from(sb::INSTANCE_CLIENT_SECRET)),
        };
        return Ok((oc, default_port, "sandbox".into()));
    }
    let profiles = Profiles::load(&config.config_dir).map_err(|e| Failure::SignIn(e.to_string()))?;
    let saved = profiles.instances.iter().find(|p| InstanceUrl::parse(&p.url).is_ok_and(|u| u == *url));
    let client_id = saved.and_then(|p| p.client_id.clone()).or_else(|| config.client_id.clone()).ok_or_else(|| {
        Failure::SignIn(format!(
            "{url} needs calsync's OAuth client to sign in without a password: {}",
            auth::registry_instructions(&url.to_string())
        ))
    })?;
    let secret = match &config.instance_client_secret {
        Some(s) => Some(s.clone()),
        None => services
            .secrets
            .get(&Account::ClientSecret { instance: url.key(), client_id: client_id.clone() })
            .await
            .ok()
            .flatten(),
    };
    let port = saved.and_then(|p| p.port).unwrap_or(default_port);
    let login = saved.map_or_else(|| "default".to_string(), |p| p.name.clone());
    Ok((OAuthClient { client_id, secret }, port, login))
}

/// Signs in to the instance with its OAuth and returns a client that acts as the admin.
pub async fn sign_in(services: &Services, url: &InstanceUrl, sandbox: bool) -> Result<Client, Failure> {
    let (oc, port, login) = registry(services, url, sandbox).await?;
    let instance = if sandbox { "sandbox".to_string() } else { url.key() };
    let account = Account::InstanceToken { instance, login: login.clone() };
    if let Ok(Some(rt)) = services.secrets.get(&account).await
        && let Ok(t) = auth::refresh(url, &oc, &rt, &login).await
    {
        return Ok(auth::bearer_client(url, t.access_token).await?.0);
    }
    let tokens = auth::sign_in_browser(
        url,
        &oc,
        port,
        services.browser.as_ref(),
        Duration::from_secs(300),
        std::future::pending::<()>(),
        |_| {},
    )
    .await
    .map_err(|e| Failure::SignIn(e.to_string()))?;
    let (client, _) = auth::bearer_client(url, tokens.access_token).await?;
    if let Some(rt) = tokens.refresh_token {
        // Kept for the next run when a store is there; this run goes on either way.
        let _ = services.secrets.set(&account, &rt).await;
    }
    Ok(client)
}
