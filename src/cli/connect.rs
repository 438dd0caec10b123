//! Which instance, which login, which password: from flags, environment, the keyring or a
//! prompt (never a flag), or the in-process sandbox.

use super::exit;
use crate::sandbox::{self, Sandbox};
use crate::secrets::{self, Account};
use crate::snow::Client;
use crate::urls::InstanceUrl;
use secrecy::SecretString;

#[derive(Debug, Clone, Default)]
pub struct Target {
    pub instance: Option<String>,
    pub user: Option<String>,
    pub sandbox: bool,
    /// With `sandbox`: start it over from the seed with the doctor's faults.
    pub broken: bool,
    /// With `sandbox`: single sign-on is the default; calsync signs in with its OAuth.
    pub sandbox_sso: bool,
    /// How to sign in, when the flags say (else the profile, else the probe decides).
    pub sign_in: Option<crate::snow::auth::Method>,
    pub client_id: Option<String>,
    /// Read the password from the first line of stdin.
    pub password_stdin: bool,
    /// Whether calsync may ask on the terminal or open a browser.
    pub prompt: bool,
    pub no_browser: bool,
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

pub async fn connect(target: &Target) -> Result<Connected, Refusal> {
    if target.sandbox {
        let sb = Sandbox::start(sandbox::Options {
            state: Some(sandbox::default_state_path()),
            reset: target.broken,
            seed: if target.broken { sandbox::seed::Seed::Broken } else { sandbox::seed::Seed::Healthy },
            sign_in: sandbox::auth::Policy { sso: target.sandbox_sso, basic_restricted: false },
            ..Default::default()
        })
        .await
        .map_err(|e| Refusal { message: e.to_string(), code: exit::ACCESS })?;
        let url = InstanceUrl::parse(sb.url()).map_err(|e| Refusal::usage(e.to_string()))?;
        if target.sandbox_sso {
            let client = super::login::sandbox_oauth(&sb, &url, target).await?;
            return Ok(Connected { client, sandbox: Some(sb), instance_key: "sandbox".into(), typed_password: None });
        }
        let client = Client::new(url, sandbox::seed::ADMIN_USER, SecretString::from(sandbox::seed::ADMIN_PASSWORD))
            .map_err(|e| Refusal { message: e.to_string(), code: exit::ACCESS })?;
        return Ok(Connected { client, sandbox: Some(sb), instance_key: "sandbox".into(), typed_password: None });
    }
    super::login::connect(target).await
}

/// After a login worked, offers to keep a typed password in the keyring.
pub fn offer_to_keep(typed: Option<(Account, SecretString)>) {
    let Some((account, password)) = typed else { return };
    if super::confirm("Keep this password in the OS keyring for next time?") {
        match secrets::set(&account, &password) {
            Ok(()) => eprintln!("Saved in the OS keyring (service \"calsync\", account \"{}\").", account.key()),
            Err(e) => eprintln!("Not saved: {e}"),
        }
    }
}
