//! Secrets live in the OS keyring and nowhere else: the instance password, the app
//! registration's client secret, and mailbox refresh tokens.
//!
//! One service name (`calsync`), one account key per secret (see `Account::key`). There is
//! no fallback: when no keyring is reachable, calsync says so and how to get one, rather
//! than keeping the secret in memory or in a file.

use secrecy::{ExposeSecret, SecretString};
use std::sync::Once;

pub const SERVICE: &str = "calsync";

/// Which secret, for which instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    /// `instance-password:<host[:port]>:<user>`
    InstancePassword { instance: String, user: String },
    /// `client-secret:<host[:port]>:<client id>`
    ClientSecret { instance: String, client_id: String },
    /// `refresh-token:<host[:port]>:<credential name>`
    RefreshToken { instance: String, credential: String },
    /// `instance-token:<host[:port]>:<profile or user>`: calsync's own refresh token from
    /// the instance's OAuth.
    InstanceToken { instance: String, login: String },
}

impl Account {
    pub fn key(&self) -> String {
        match self {
            Account::InstancePassword { instance, user } => format!("instance-password:{instance}:{user}"),
            Account::ClientSecret { instance, client_id } => format!("client-secret:{instance}:{client_id}"),
            Account::RefreshToken { instance, credential } => format!("refresh-token:{instance}:{credential}"),
            Account::InstanceToken { instance, login } => format!("instance-token:{instance}:{login}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "no OS keyring is reachable ({reason}). On Linux start a Secret Service (for example gnome-keyring, unlocked) in your session, or set CALSYNC_KEYRING=keyutils to use the kernel keyring; calsync does not keep secrets in files"
    )]
    Unavailable { reason: String },
    #[error("the OS keyring refused the request: {0}")]
    Failed(String),
}

/// Picks the platform store once. On Linux: Secret Service when a session bus is there,
/// else the kernel keyring; `CALSYNC_KEYRING=secret-service|keyutils` chooses explicitly.
fn init_store() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        #[cfg(target_os = "linux")]
        {
            let choice = std::env::var("CALSYNC_KEYRING").unwrap_or_default();
            let keyutils = match choice.as_str() {
                "keyutils" => true,
                "secret-service" => false,
                _ => std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none(),
            };
            if keyutils {
                keyring::set_default_credential_builder(keyring::keyutils::default_credential_builder());
            } else {
                keyring::set_default_credential_builder(keyring::secret_service::default_credential_builder());
            }
        }
    });
}

fn entry(account: &Account) -> Result<keyring::Entry, SecretError> {
    init_store();
    keyring::Entry::new(SERVICE, &account.key()).map_err(map_err)
}

fn map_err(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable { reason: inner.to_string() },
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable { reason: inner.to_string() },
        other => SecretError::Failed(other.to_string()),
    }
}

/// The stored secret, or None when there is none.
pub fn get(account: &Account) -> Result<Option<SecretString>, SecretError> {
    match entry(account)?.get_password() {
        Ok(p) => Ok(Some(SecretString::from(p))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_err(e)),
    }
}

pub fn set(account: &Account, secret: &SecretString) -> Result<(), SecretError> {
    let e = entry(account)?;
    e.set_password(secret.expose_secret()).map_err(map_err)?;
    // Read it back: a store that accepts but does not keep is no store.
    match e.get_password() {
        Ok(back) if back == secret.expose_secret() => Ok(()),
        Ok(_) => Err(SecretError::Failed("the keyring returned a different value than was stored".into())),
        Err(err) => Err(map_err(err)),
    }
}

pub fn delete(account: &Account) -> Result<bool, SecretError> {
    match entry(account)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_are_documented_shapes() {
        let a = Account::InstancePassword { instance: "dev1.service-now.com".into(), user: "admin".into() };
        assert_eq!(a.key(), "instance-password:dev1.service-now.com:admin");
        let c = Account::RefreshToken { instance: "127.0.0.1:8787".into(), credential: "MS Graph 1".into() };
        assert_eq!(c.key(), "refresh-token:127.0.0.1:8787:MS Graph 1");
    }
}
