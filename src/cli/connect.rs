//! Which instance, which login, which password: from the configuration (flags and
//! environment), the secret store or a prompt (never a flag), or the in-process sandbox,
//! which is started here and only here.

use super::exit;
use crate::config::{Config, Services};
use crate::sandbox::{self, Sandbox};
use crate::secrets::Account;
use crate::snow::Client;
use crate::urls::InstanceUrl;
use secrecy::SecretString;
use std::io::IsTerminal;

/// Starts the sandbox the configuration asks for: kept between runs, started over (with
/// the doctor's faults) under `--broken`.
pub async fn start_sandbox(config: &Config) -> Result<Sandbox, sandbox::SandboxError> {
    Sandbox::start(sandbox::Options {
        state: Some(config.sandbox_state.clone()),
        reset: config.broken,
        seed: if config.broken { sandbox::seed::Seed::Broken } else { sandbox::seed::Seed::Healthy },
        ..Default::default()
    })
    .await
}

/// A client ready to use, and the sandbox behind it when there is one.
pub struct Connected {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
    /// Names the instance in keyring accounts: host[:port], or "sandbox".
    pub instance_key: String,
    /// A password typed at the prompt, to offer to the keyring once the login worked.
    pub typed_password: Option<(Account, SecretString)>,
}

/// A failure before anything was sent: a sentence and the exit code.
pub struct Refusal {
    pub message: String,
    pub code: u8,
}

impl Refusal {
    fn usage(message: impl Into<String>) -> Refusal {
        Refusal { message: message.into(), code: exit::USAGE }
    }
}

/// The instance, the login and the password, checked with one request before a command
/// sends anything else: a wrong password then goes out once, not once per parallel read.
pub async fn connect(services: &Services) -> Result<Connected, Refusal> {
    let conn = connect_unchecked(services).await?;
    if let Err(e) = conn.client.check_login().await {
        let code = if e.is_access_problem() { exit::ACCESS } else { exit::FAILED };
        return Err(Refusal { message: format!("{e}. Nothing was written"), code });
    }
    Ok(conn)
}

async fn connect_unchecked(services: &Services) -> Result<Connected, Refusal> {
    let target = &services.config;
    if target.sandbox {
        let sb = start_sandbox(target).await.map_err(|e| Refusal { message: e.to_string(), code: exit::ACCESS })?;
        let url = InstanceUrl::parse(sb.url()).map_err(|e| Refusal::usage(e.to_string()))?;
        let client = Client::new(url, sandbox::seed::ADMIN_USER, SecretString::from(sandbox::seed::ADMIN_PASSWORD))
            .map_err(|e| Refusal { message: e.to_string(), code: exit::ACCESS })?
            .with_deadline(crate::snow::COMMAND_DEADLINE);
        return Ok(Connected { client, sandbox: Some(sb), instance_key: "sandbox".into(), typed_password: None });
    }
    let raw = target.instance.as_deref().ok_or_else(|| {
        Refusal::usage(
            "no instance given: pass --instance dev123.service-now.com or set CALSYNC_INSTANCE (or try --sandbox)",
        )
    })?;
    let url = InstanceUrl::parse(raw).map_err(|e| Refusal::usage(e.to_string()))?;
    let user = target
        .user
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| Refusal::usage("no user given: pass --user admin.name or set CALSYNC_USER"))?;
    let account = Account::InstancePassword { instance: url.key(), user: user.to_string() };
    let (password, typed) = password(services, &account, &url, user).await?;
    let instance_key = url.key();
    let client = Client::new(url, user, password.clone())
        .map_err(|e| Refusal { message: e.to_string(), code: exit::ACCESS })?
        .with_deadline(crate::snow::COMMAND_DEADLINE);
    Ok(Connected { client, sandbox: None, instance_key, typed_password: typed.then_some((account, password)) })
}

async fn password(
    services: &Services,
    account: &Account,
    url: &InstanceUrl,
    user: &str,
) -> Result<(SecretString, bool), Refusal> {
    if let Some(p) = &services.config.password {
        return Ok((p.clone(), false));
    }
    let keyring_note = match services.secrets.get(account).await {
        Ok(Some(p)) => return Ok((p, false)),
        Ok(None) => None,
        Err(e) => Some(e.to_string()),
    };
    if !std::io::stdin().is_terminal() {
        let mut msg = format!(
            "no password for {user} on {url}: set CALSYNC_PASSWORD, or run once in a terminal to type it and keep it in the OS keyring"
        );
        if let Some(note) = keyring_note {
            msg.push_str(&format!(" ({note})"));
        }
        return Err(Refusal::usage(msg));
    }
    let typed = rpassword::prompt_password(format!("Password for {user} on {url}: "))
        .map_err(|e| Refusal::usage(format!("could not read the password: {e}")))?;
    if typed.is_empty() {
        return Err(Refusal::usage("no password typed"));
    }
    Ok((SecretString::from(typed), true))
}

/// After a login worked, offers to keep a typed password in the keyring.
pub async fn offer_to_keep(services: &Services, typed: Option<(Account, SecretString)>) {
    let Some((account, password)) = typed else { return };
    if super::confirm("Keep this password in the OS keyring for next time?") {
        match services.secrets.set(&account, &password).await {
            Ok(()) => eprintln!("Saved in the OS keyring (service \"calsync\", account \"{}\").", account.key()),
            Err(e) => eprintln!("Not saved: {e}"),
        }
    }
}
