//! Which instance, which login, which password: from the configuration (flags and
//! environment), the secret store or a prompt (never a flag), or the in-process sandbox,
//! which is started here and only here.

use super::exit;
use crate::config::{Config, Services};
use crate::sandbox::{self, Sandbox};
use crate::secrets::Account;
use crate::snow::{Client, InstanceExt};
use crate::urls::InstanceUrl;
use secrecy::SecretString;

/// Starts the sandbox the configuration asks for: kept between runs, started over (with
/// the doctor's faults) under `--broken`.
pub async fn start_sandbox(config: &Config) -> Result<Sandbox, sandbox::SandboxError> {
    Sandbox::start(sandbox::Options {
        state: Some(config.sandbox_state.clone()),
        reset: config.broken,
        seed: if config.broken { sandbox::seed::Seed::Broken } else { sandbox::seed::Seed::Healthy },
        sign_in: sandbox::auth::Policy { sso: config.sandbox_sso, basic_restricted: false },
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
        let sb = start_sandbox(target).await.map_err(|e| {
            // Starting over a state file another process serves is refused before anything runs.
            let code = if e.is_in_use() { exit::USAGE } else { exit::ACCESS };
            Refusal { message: e.to_string(), code }
        })?;
        let url = InstanceUrl::parse(sb.url()).map_err(|e| Refusal::usage(e.to_string()))?;
        if target.sandbox_sso {
            let client = super::login::sandbox_oauth(services, &sb, &url).await?;
            return Ok(Connected { client, sandbox: Some(sb), instance_key: "sandbox".into(), typed_password: None });
        }
        let client = Client::new(url, sandbox::seed::ADMIN_USER, SecretString::from(sandbox::seed::ADMIN_PASSWORD))
            .map_err(|e| Refusal { message: e.to_string(), code: exit::ACCESS })?
            .with_deadline(crate::snow::COMMAND_DEADLINE);
        return Ok(Connected { client, sandbox: Some(sb), instance_key: "sandbox".into(), typed_password: None });
    }
    // The password login is checked by one request (whoami) inside; OAuth logins by their
    // token. The command's deadline starts now.
    let mut conn = super::login::connect(services).await?;
    conn.client = conn.client.with_deadline(crate::snow::COMMAND_DEADLINE);
    Ok(conn)
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
