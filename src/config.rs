//! Everything calsync takes from its environment, read once by `cli` and passed down:
//! no layer below reads an environment variable of its own.

use secrecy::SecretString;
use std::path::PathBuf;

/// What the command line and the environment say, for every command.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--instance` / `CALSYNC_INSTANCE`.
    pub instance: Option<String>,
    /// `--user` / `CALSYNC_USER`.
    pub user: Option<String>,
    pub sandbox: bool,
    /// With `sandbox`: start it over with the doctor's faults.
    pub broken: bool,
    /// `CALSYNC_PASSWORD`: the instance password, instead of the keyring or a prompt.
    pub password: Option<SecretString>,
    /// `CALSYNC_CLIENT_SECRET`: the app registration's secret, when the keyring has none.
    pub client_secret: Option<SecretString>,
    /// `CALSYNC_LOGIN_URL`: where Microsoft's sign-in host is reached instead (a test provider).
    pub login_url: Option<String>,
    /// `CALSYNC_GRAPH_URL`: where Graph is reached instead.
    pub graph_url: Option<String>,
    /// `CALSYNC_STATE_DIR`: the apply journal and the delegated-user notes.
    pub state_dir: PathBuf,
    /// `CALSYNC_SANDBOX_STATE`: where `--sandbox` keeps its records between runs.
    pub sandbox_state: PathBuf,
    /// `NO_COLOR` set and not empty.
    pub no_color: bool,
    /// Debug builds: F12 panics (`CALSYNC_DEBUG_PANIC`), for the terminal tests.
    pub debug_panic: bool,
    /// Instance sign-in (`--sign-in`, `--client-id`, `--password-stdin`, `--sso`); see
    /// `cli::login`.
    pub sign_in: Option<crate::snow::auth::Method>,
    pub client_id: Option<String>,
    pub password_stdin: bool,
    /// With `sandbox`: single sign-on is the sandbox's default; calsync signs in with OAuth.
    pub sandbox_sso: bool,
    /// Whether calsync may prompt on the terminal or open a browser (false for `status`).
    pub prompt: bool,
    pub no_browser: bool,
    /// `CALSYNC_MFA_CODE`: the current one-time code, instead of a prompt.
    pub mfa_code: Option<SecretString>,
    /// `CALSYNC_INSTANCE_CLIENT_SECRET`: the secret of calsync's registry on the instance.
    pub instance_client_secret: Option<SecretString>,
    /// `CALSYNC_OAUTH_PORT`: the loopback port for the instance's OAuth redirect.
    pub oauth_port: Option<u16>,
    /// `CALSYNC_CONFIG_DIR`: where saved instances are kept.
    pub config_dir: PathBuf,
    /// `CALSYNC_TRUST_HOST`: hosts besides Microsoft's the admin trusts with a sign-in.
    pub trusted_hosts: Vec<String>,
    /// `BROWSER`: the command that opens a sign-in page, instead of the platform's opener.
    pub browser: Option<String>,
    /// `CALSYNC_KEYRING` (and whether a session bus is there): which OS store keeps secrets.
    pub keyring: crate::secrets::Backend,
}

impl Config {
    /// The configuration of this process: the parsed flags and the environment.
    pub fn from_env(instance: Option<String>, user: Option<String>, sandbox: bool, broken: bool) -> Config {
        let var = |name: &str| std::env::var(name).ok().filter(|s| !s.is_empty());
        Config {
            instance,
            user,
            sandbox,
            broken,
            password: var("CALSYNC_PASSWORD").map(SecretString::from),
            client_secret: var("CALSYNC_CLIENT_SECRET").map(SecretString::from),
            login_url: var("CALSYNC_LOGIN_URL"),
            graph_url: var("CALSYNC_GRAPH_URL"),
            state_dir: var("CALSYNC_STATE_DIR").map_or_else(crate::plan::journal::default_state_dir, PathBuf::from),
            sandbox_state: var("CALSYNC_SANDBOX_STATE").map_or_else(crate::sandbox::default_state_path, PathBuf::from),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            debug_panic: std::env::var_os("CALSYNC_DEBUG_PANIC").is_some(),
            sign_in: None,
            client_id: None,
            password_stdin: false,
            sandbox_sso: false,
            prompt: true,
            no_browser: false,
            mfa_code: var("CALSYNC_MFA_CODE").map(SecretString::from),
            instance_client_secret: var("CALSYNC_INSTANCE_CLIENT_SECRET").map(SecretString::from),
            oauth_port: var("CALSYNC_OAUTH_PORT").and_then(|p| p.parse().ok()),
            config_dir: var("CALSYNC_CONFIG_DIR").map_or_else(crate::profiles::default_config_dir, PathBuf::from),
            trusted_hosts: var("CALSYNC_TRUST_HOST").map(|v| crate::oauth::trust::host_list(&v)).unwrap_or_default(),
            browser: var("BROWSER"),
            keyring: crate::secrets::Backend::choose(
                var("CALSYNC_KEYRING").as_deref(),
                std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            ),
        }
    }

    /// A configuration that takes nothing from the environment: for tests and benchmarks,
    /// with the state kept in `state_dir`.
    pub fn isolated(state_dir: impl Into<PathBuf>) -> Config {
        let state_dir = state_dir.into();
        let config_dir = state_dir.join("config");
        Config {
            instance: None,
            user: None,
            sandbox: false,
            broken: false,
            password: None,
            client_secret: None,
            login_url: None,
            graph_url: None,
            sandbox_state: state_dir.join("sandbox-instance.json"),
            state_dir,
            no_color: false,
            debug_panic: false,
            sign_in: None,
            client_id: None,
            password_stdin: false,
            sandbox_sso: false,
            prompt: true,
            no_browser: false,
            mfa_code: None,
            instance_client_secret: None,
            oauth_port: None,
            config_dir,
            trusted_hosts: vec![],
            browser: None,
            keyring: crate::secrets::Backend::default(),
        }
    }
}

/// The collaborators every journey uses, built once by `cli` (or a test) and passed down:
/// the configuration, the secret store, the browser and the clock.
#[derive(Clone)]
pub struct Services {
    pub config: std::sync::Arc<Config>,
    pub secrets: crate::secret_store::Secrets,
    pub browser: std::sync::Arc<dyn crate::oauth::browser::Browser>,
    pub clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Services {
    /// What calsync runs with: the OS keyring, the system browser, the system clock.
    pub fn system(config: Config) -> Services {
        Services {
            secrets: crate::secret_store::Secrets::keyring(config.keyring),
            browser: std::sync::Arc::new(crate::oauth::browser::SystemBrowser { command: config.browser.clone() }),
            clock: std::sync::Arc::new(crate::clock::SystemClock),
            config: std::sync::Arc::new(config),
        }
    }

    /// The client secret of the sandbox's own app registration (not a secret: it is
    /// printed by `calsync sandbox`).
    pub fn sandbox_client_secret(&self) -> SecretString {
        SecretString::from(crate::sandbox::identity::CLIENT_SECRET)
    }

    /// Where Microsoft's sign-in host and Graph are reached instead of the registry's and
    /// the connection's: `CALSYNC_LOGIN_URL` / `CALSYNC_GRAPH_URL`, else the sandbox's own
    /// address.
    pub fn endpoints(&self, sandbox_url: Option<&str>) -> crate::oauth::target::Endpoints {
        let c = &self.config;
        crate::oauth::target::Endpoints {
            login: c.login_url.clone().or(sandbox_url.map(str::to_string)),
            graph: c.graph_url.clone().or(sandbox_url.map(str::to_string)),
            trusted: c.trusted_hosts.clone(),
        }
    }
}
