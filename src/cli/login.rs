//! Signing in to a real instance (or the sandbox with single sign-on) for a headless
//! command: pick the profile, probe the instance without credentials, choose the way in,
//! and check the login with one request before the command sends anything else.
//!
//! The rules the command-line contract promises: a password is sent at most once per run,
//! never to an instance that signs in through single sign-on, and never read from a flag.

use super::connect::{Connected, Refusal};
use super::exit;
use crate::config::{Config, Services};
use crate::facts;
use crate::oauth::browser::{Browser, NoBrowser};
use crate::profiles::{Profile, Profiles};
use crate::secrets::Account;
use crate::snow::auth::{self, AuthError, Method, OAuthClient};
use crate::snow::probe::{self, Probe};
use crate::snow::{Auth, Client, SnError};
use crate::urls::InstanceUrl;
use secrecy::{ExposeSecret, SecretString};
use std::io::IsTerminal;
use std::time::Duration;

/// Everything a login needs, from the flags and the profile together.
#[derive(Debug, Clone)]
pub struct Plan {
    pub url: InstanceUrl,
    pub profile: Option<String>,
    pub user: Option<String>,
    pub method: Option<Method>,
    pub client_id: Option<String>,
    pub port: u16,
    pub read_only: bool,
}

impl Plan {
    /// The keyring's name for this login's instance token.
    pub fn login_key(&self) -> String {
        self.profile.clone().or_else(|| self.user.clone()).unwrap_or_else(|| "default".into())
    }

    pub fn token_account(&self, instance_key: &str) -> Account {
        Account::InstanceToken { instance: instance_key.to_string(), login: self.login_key() }
    }
}

fn usage(m: impl Into<String>) -> Refusal {
    Refusal { message: m.into(), code: exit::USAGE }
}

fn access(m: impl Into<String>) -> Refusal {
    Refusal { message: m.into(), code: exit::ACCESS }
}

/// The saved profiles, and the one `--instance` (or the default) names.
pub fn selected(config: &Config) -> Result<(Profiles, Option<Profile>), Refusal> {
    let profiles = Profiles::load(&config.config_dir).map_err(|e| usage(e.to_string()))?;
    let chosen = profiles.select(config.instance.as_deref()).map_err(|e| usage(e.to_string()))?.cloned();
    Ok((profiles, chosen))
}

/// Flags first, then the profile.
pub fn plan(target: &Config) -> Result<Plan, Refusal> {
    let (_, profile) = selected(target)?;
    let raw = match (&profile, &target.instance) {
        (Some(p), _) => p.url.clone(),
        (None, Some(i)) => i.clone(),
        (None, None) => {
            return Err(usage(
                "no instance given: pass --instance NAME or an address such as dev123.service-now.com, set CALSYNC_INSTANCE, or save one with calsync instance add (or try --sandbox)",
            ));
        }
    };
    let url = InstanceUrl::parse(&raw).map_err(|e| usage(e.to_string()))?;
    let p = profile.as_ref();
    Ok(Plan {
        url,
        profile: p.map(|p| p.name.clone()),
        user: target.user.clone().filter(|u| !u.trim().is_empty()).or_else(|| p.and_then(|p| p.user.clone())),
        method: target.sign_in.or_else(|| p.and_then(|p| p.sign_in)),
        client_id: target.client_id.clone().or_else(|| p.and_then(|p| p.client_id.clone())),
        port: p.and_then(|p| p.port).unwrap_or(facts::INSTANCE_OAUTH_PORT),
        read_only: p.is_some_and(|p| p.read_only),
    })
}

/// The way in: the one asked for, else the one the probe shows.
fn choose(plan: &Plan, found: &Probe) -> Result<Method, Refusal> {
    if !found.takes_passwords() && !matches!(found.page, probe::SignInPage::SingleSignOn { .. }) {
        return Err(access(found.summary()));
    }
    match plan.method {
        Some(m) if m.sends_password() && !found.takes_passwords() => Err(access(format!(
            "{}. No password was sent. Sign in with the instance's OAuth instead: calsync instance add NAME --url {} --sign-in oauth --client-id ID",
            found.summary(),
            plan.url
        ))),
        Some(m) => Ok(m),
        None if found.takes_passwords() => Ok(if found.page == (probe::SignInPage::LocalLogin { mfa: true }) {
            Method::PasswordMfa
        } else {
            Method::Password
        }),
        None => Ok(Method::Oauth),
    }
}

/// The way in for a plan: the one asked for, else the one an unauthenticated probe of the
/// instance shows (a local password form offers the password; single sign-on, OAuth).
pub async fn method_for(plan: &Plan) -> Result<Method, Refusal> {
    if let Some(m) = plan.method {
        return Ok(m);
    }
    let found = probe::probe(&plan.url).await.map_err(|e| access(e.to_string()))?;
    choose(plan, &found)
}

/// Signs in to the instance the flags or the profile name.
pub async fn connect(services: &Services) -> Result<Connected, Refusal> {
    let target = &*services.config;
    let plan = plan(target)?;
    let found = probe::probe(&plan.url).await.map_err(|e| access(e.to_string()))?;
    let method = choose(&plan, &found)?;
    let instance_key = plan.url.key();
    let mut typed_password = None;
    let client = match method {
        Method::Password | Method::PasswordMfa => {
            let user = plan.user.clone().ok_or_else(|| {
                usage("no user given: pass --user admin.name, set CALSYNC_USER, or save it with calsync instance add NAME --user")
            })?;
            let account = Account::InstancePassword { instance: instance_key.clone(), user: user.clone() };
            let (password, typed) = password(services, &account, &plan.url, &user).await?;
            let sent = if method == Method::PasswordMfa {
                let code = mfa_code(target, &user, &plan.url)?;
                SecretString::from(format!("{}{}", password.expose_secret(), code.expose_secret()))
            } else {
                password.clone()
            };
            let client =
                Client::with_auth(plan.url.clone(), &user, Auth::Basic(sent)).map_err(|e| access(e.to_string()))?;
            match auth::whoami(&client).await {
                Ok(_) => {}
                Err(SnError::Unauthorized { .. }) if method == Method::PasswordMfa => {
                    return Err(access(format!(
                        "the instance refused the password and one-time code for {user}: the code may be wrong or stale (a code lasts 30 seconds); run again with the current code. Nothing was written"
                    )));
                }
                Err(e) => return Err(access(format!("{e}. Nothing was written"))),
            }
            typed_password = typed.then_some((account, password));
            client
        }
        Method::Oauth if plan.client_id.is_none() => {
            return Err(usage(format!(
                "{}; for that, {}. Nothing was sent",
                found.summary(),
                auth::registry_instructions(&plan.url.to_string())
            )));
        }
        Method::Oauth => oauth(services, &plan, &instance_key).await?,
        Method::ClientCredentials => {
            let oc = oauth_client(services, &plan, &instance_key, false).await?;
            let t = auth::client_credentials(&plan.url, &oc).await.map_err(|e| access(e.to_string()))?;
            auth::bearer_client(&plan.url, t.access_token).await.map_err(|e| access(e.to_string()))?.0
        }
    };
    Ok(Connected { client, sandbox: None, instance_key, typed_password })
}

/// calsync's registry entry: its id from the flags or profile, its secret from the keyring
/// or `CALSYNC_INSTANCE_CLIENT_SECRET`.
pub async fn oauth_client(
    services: &Services,
    plan: &Plan,
    instance_key: &str,
    optional_secret: bool,
) -> Result<OAuthClient, Refusal> {
    let client_id = plan.client_id.clone().ok_or_else(|| {
        usage(format!("no OAuth client for {}: {}", plan.url, auth::registry_instructions(&plan.url.to_string())))
    })?;
    let secret = match &services.config.instance_client_secret {
        Some(s) => Some(s.clone()),
        None => services
            .secrets
            .get(&Account::ClientSecret { instance: instance_key.to_string(), client_id: client_id.clone() })
            .await
            .ok()
            .flatten(),
    };
    if secret.is_none() && !optional_secret {
        return Err(usage(format!(
            "no client secret for the instance's OAuth client {client_id}: set CALSYNC_INSTANCE_CLIENT_SECRET, or run calsync instance login in a terminal to keep it in the OS keyring"
        )));
    }
    Ok(OAuthClient { client_id, secret })
}

/// A refresh token from the keyring signs in silently; without one, the browser does.
async fn oauth(services: &Services, plan: &Plan, instance_key: &str) -> Result<Client, Refusal> {
    let target = &*services.config;
    let oc = oauth_client(services, plan, instance_key, true).await?;
    let account = plan.token_account(instance_key);
    let stored = services.secrets.get(&account).await.ok().flatten();
    if let Some(rt) = stored {
        let name = plan.profile.clone().unwrap_or_else(|| plan.url.to_string());
        let t = auth::refresh(&plan.url, &oc, &rt, &name).await.map_err(|e| access(e.to_string()))?;
        if let Some(new) = t.refresh_token.filter(|n| n.expose_secret() != rt.expose_secret()) {
            keep(services, &account, new).await?;
        }
        return auth::bearer_client(&plan.url, t.access_token).await.map(|(c, _)| c).map_err(|e| access(e.to_string()));
    }
    if !target.prompt || !std::io::stderr().is_terminal() {
        return Err(usage(format!(
            "no instance sign-in is kept for {}: run calsync instance login{} in a terminal once",
            plan.url,
            plan.profile.as_ref().map(|p| format!(" {p}")).unwrap_or_default()
        )));
    }
    browser_login(services, plan, instance_key, &oc).await
}

/// Where the instance shows the secret of its OAuth client.
const CLIENT_SECRET_PLACE: &str = "All > System OAuth > Application Registry > the client > Client Secret";

/// The client secret typed at a prompt, when neither CALSYNC_INSTANCE_CLIENT_SECRET nor
/// the keyring has it and a person is at the terminal (empty: a public client, none sent).
fn ask_client_secret(services: &Services, plan: &Plan, oc: &mut OAuthClient) -> Result<bool, Refusal> {
    if oc.secret.is_some() || !services.config.prompt || !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let typed = rpassword::prompt_password(format!(
        "Client secret of calsync's OAuth client {} on {} ({CLIENT_SECRET_PLACE}; Enter alone for a public client): ",
        oc.client_id, plan.url
    ))
    .map_err(|e| usage(format!("could not read the client secret: {e}")))?;
    let typed = typed.trim().to_string();
    if typed.is_empty() {
        return Ok(false);
    }
    oc.secret = Some(SecretString::from(typed));
    Ok(true)
}

/// The browser sign-in, then the refresh token kept in the keyring. Without a client
/// secret from the environment or the keyring, a person at the terminal is asked for it
/// first, and offered to keep it once the sign-in worked.
pub async fn browser_login(
    services: &Services,
    plan: &Plan,
    instance_key: &str,
    oc: &OAuthClient,
) -> Result<Client, Refusal> {
    let mut oc = oc.clone();
    let typed_secret = ask_client_secret(services, plan, &mut oc)?;
    let client = sign_in_browser(services, plan, instance_key, &oc).await?;
    if typed_secret
        && let Some(secret) = &oc.secret
        && super::confirm("Keep the client secret in the OS keyring for next time?")
    {
        let account = Account::ClientSecret { instance: instance_key.to_string(), client_id: oc.client_id.clone() };
        match services.secrets.set(&account, secret).await {
            Ok(()) => eprintln!("Client secret saved in the OS keyring (account \"{}\").", account.key()),
            Err(e) => eprintln!("Not saved: {e}"),
        }
    }
    Ok(client)
}

async fn sign_in_browser(
    services: &Services,
    plan: &Plan,
    instance_key: &str,
    oc: &OAuthClient,
) -> Result<Client, Refusal> {
    let browser: &dyn Browser = if services.config.no_browser { &NoBrowser } else { services.browser.as_ref() };
    // Whether the person signed in and the code went to the token endpoint: a refusal
    // there is of the secret; one before the browser is of the client itself.
    let redeeming = std::cell::Cell::new(false);
    let tokens = auth::sign_in_browser(
        &plan.url,
        oc,
        plan.port,
        browser,
        Duration::from_secs(300),
        std::future::pending::<()>(),
        |n| match n {
            auth::Notice::Waiting { url } => {
                eprintln!("Sign in to {} in your browser; if it did not open, open:\n  {url}", plan.url)
            }
            auth::Notice::BrowserFailed(e) => eprintln!("(the browser could not be opened: {e})"),
            auth::Notice::Redeeming => {
                redeeming.set(true);
                eprintln!("Signed in; checking the login.");
            }
        },
    )
    .await
    .map_err(|e: AuthError| match e {
        // The client exists more often than not: what was missing is its secret.
        AuthError::UnknownClient { client_id, .. } if oc.secret.is_none() && redeeming.get() => access(format!(
            "the instance refused calsync's OAuth client {client_id} without a client secret (or does not know it). Give its secret ({CLIENT_SECRET_PLACE}) with CALSYNC_INSTANCE_CLIENT_SECRET, or run calsync instance login{} in a terminal and type it when asked; nothing was written",
            plan.profile.as_ref().map(|p| format!(" {p}")).unwrap_or_default()
        )),
        e => access(e.to_string()),
    })?;
    let (client, user) =
        auth::bearer_client(&plan.url, tokens.access_token).await.map_err(|e| access(e.to_string()))?;
    if let Some(rt) = tokens.refresh_token {
        keep(services, &plan.token_account(instance_key), rt).await?;
    }
    eprintln!("Signed in to {} as {user}.", plan.url);
    Ok(client)
}

async fn keep(services: &Services, account: &Account, token: SecretString) -> Result<(), Refusal> {
    services
        .secrets
        .set(account, &token)
        .await
        .map_err(|e| access(format!("signed in, but the instance token could not be kept: {e}")))
}

/// The password: `CALSYNC_PASSWORD`, `--password-stdin`, the keyring, or a prompt.
pub async fn password(
    services: &Services,
    account: &Account,
    url: &InstanceUrl,
    user: &str,
) -> Result<(SecretString, bool), Refusal> {
    let target = &*services.config;
    if let Some(p) = &target.password {
        return Ok((p.clone(), false));
    }
    if target.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| usage(format!("could not read the password from stdin: {e}")))?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            return Err(usage(
                "--password-stdin read an empty line: pipe the password in, for example from your secret manager",
            ));
        }
        return Ok((SecretString::from(p), false));
    }
    let keyring_note = match services.secrets.get(account).await {
        Ok(Some(p)) => return Ok((p, false)),
        Ok(None) => None,
        Err(e) => Some(e.to_string()),
    };
    if !target.prompt || !std::io::stdin().is_terminal() {
        let mut msg = format!(
            "no password for {user} on {url}: set CALSYNC_PASSWORD, pipe it with --password-stdin, or run once in a terminal to type it and keep it in the OS keyring"
        );
        if let Some(note) = keyring_note {
            msg.push_str(&format!(" ({note})"));
        }
        return Err(usage(msg));
    }
    let typed = rpassword::prompt_password(format!("Password for {user} on {url}: "))
        .map_err(|e| usage(format!("could not read the password: {e}")))?;
    if typed.is_empty() {
        return Err(usage("no password typed"));
    }
    Ok((SecretString::from(typed), true))
}

/// The one-time code: `CALSYNC_MFA_CODE` or a prompt; never kept.
fn mfa_code(config: &Config, user: &str, url: &InstanceUrl) -> Result<SecretString, Refusal> {
    let code = match &config.mfa_code {
        Some(c) => c.expose_secret().to_string(),
        None if config.prompt && std::io::stdin().is_terminal() => {
            rpassword::prompt_password(format!("One-time code (MFA) for {user} on {url}: "))
                .map_err(|e| usage(format!("could not read the code: {e}")))?
        }
        _ => {
            return Err(usage(format!(
                "{user} on {url} signs in with a one-time code: set CALSYNC_MFA_CODE to the current code, or run in a terminal to type it"
            )));
        }
    };
    let code = code.trim().to_string();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(usage("that is not a one-time code: type the six digits your authenticator shows now"));
    }
    Ok(SecretString::from(code))
}

/// The sandbox with single sign-on: calsync's registry entry there is known, and its
/// redirect URL follows the port the listener gets.
pub async fn sandbox_oauth(
    services: &Services,
    sb: &crate::sandbox::Sandbox,
    url: &InstanceUrl,
) -> Result<Client, Refusal> {
    use crate::sandbox::auth as sbauth;
    let target = &*services.config;
    let port = target.oauth_port.unwrap_or(facts::INSTANCE_OAUTH_PORT);
    sb.with_store(|s| {
        for r in s.rows.iter_mut() {
            if r.get("client_id").map(String::as_str) == Some(sbauth::INSTANCE_CLIENT_ID) {
                r.insert("redirect_url".into(), format!("http://localhost:{port}/"));
            }
        }
    });
    let plan = Plan {
        url: url.clone(),
        profile: Some("sandbox".into()),
        user: None,
        method: Some(Method::Oauth),
        client_id: Some(sbauth::INSTANCE_CLIENT_ID.into()),
        port,
        read_only: false,
    };
    let oc = OAuthClient {
        client_id: sbauth::INSTANCE_CLIENT_ID.into(),
        secret: Some(SecretString::from(sbauth::INSTANCE_CLIENT_SECRET)),
    };
    let account = plan.token_account("sandbox");
    let stored = services.secrets.get(&account).await.ok().flatten();
    if let Some(rt) = stored
        && let Ok(t) = auth::refresh(url, &oc, &rt, "sandbox").await
    {
        return auth::bearer_client(url, t.access_token).await.map(|(c, _)| c).map_err(|e| access(e.to_string()));
    }
    if !target.prompt {
        return Err(usage("no sandbox sign-in is kept: run calsync instance login --sandbox --sso in a terminal once"));
    }
    browser_login(services, &plan, "sandbox", &oc).await
}

/// The same collaborators with the configuration changed (another instance, no prompts).
pub fn adjusted(services: &Services, change: impl FnOnce(&mut Config)) -> Services {
    let mut config = (*services.config).clone();
    change(&mut config);
    Services { config: std::sync::Arc::new(config), ..services.clone() }
}
