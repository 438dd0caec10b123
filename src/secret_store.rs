//! The secret store behind a trait, so journeys can run against an in-memory store in
//! tests while calsync itself only ever uses the OS keyring (`secrets`). Every call runs
//! off the async threads and has a deadline: a keyring that hangs (a locked Secret
//! Service waiting for a prompt nobody sees) becomes a sentence, not a frozen screen.

use crate::secrets::{self, Account, SecretError};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A place for secrets. Blocking calls; `Secrets` runs them with a deadline.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, account: &Account) -> Result<Option<SecretString>, SecretError>;
    fn set(&self, account: &Account, secret: &SecretString) -> Result<(), SecretError>;
    fn delete(&self, account: &Account) -> Result<bool, SecretError>;
    /// Whether a secret stored now would still be there on the next run.
    fn probe(&self) -> Result<(), SecretError>;
}

/// The OS keyring: what calsync uses outside tests, in the store the configuration chose.
pub struct Keyring(pub secrets::Backend);

impl SecretStore for Keyring {
    fn get(&self, account: &Account) -> Result<Option<SecretString>, SecretError> {
        secrets::get(self.0, account)
    }
    fn set(&self, account: &Account, secret: &SecretString) -> Result<(), SecretError> {
        secrets::set(self.0, account, secret)
    }
    fn delete(&self, account: &Account) -> Result<bool, SecretError> {
        secrets::delete(self.0, account)
    }
    fn probe(&self) -> Result<(), SecretError> {
        secrets::probe(self.0)
    }
}

/// Secrets held in this process's memory only, for tests.
#[derive(Default)]
pub struct Memory {
    entries: Mutex<HashMap<String, SecretString>>,
}

impl Memory {
    /// Whether a secret is stored under this account.
    pub fn contains(&self, account: &Account) -> bool {
        self.lock().contains_key(&account.key())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for Memory {
    fn get(&self, account: &Account) -> Result<Option<SecretString>, SecretError> {
        Ok(self.lock().get(&account.key()).map(|s| SecretString::from(s.expose_secret().to_string())))
    }
    fn set(&self, account: &Account, secret: &SecretString) -> Result<(), SecretError> {
        self.lock().insert(account.key(), SecretString::from(secret.expose_secret().to_string()));
        Ok(())
    }
    fn delete(&self, account: &Account) -> Result<bool, SecretError> {
        Ok(self.lock().remove(&account.key()).is_some())
    }
    fn probe(&self) -> Result<(), SecretError> {
        Ok(())
    }
}

/// A store that answers late: every call sleeps this long first. For tests of the deadline.
pub struct Slow(pub Duration);

impl SecretStore for Slow {
    fn get(&self, _: &Account) -> Result<Option<SecretString>, SecretError> {
        std::thread::sleep(self.0);
        Ok(None)
    }
    fn set(&self, _: &Account, _: &SecretString) -> Result<(), SecretError> {
        std::thread::sleep(self.0);
        Ok(())
    }
    fn delete(&self, _: &Account) -> Result<bool, SecretError> {
        std::thread::sleep(self.0);
        Ok(false)
    }
    fn probe(&self) -> Result<(), SecretError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

/// A secret store used from async code: each call on a blocking thread, with a deadline.
#[derive(Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

impl Secrets {
    /// How long one keyring call may take before calsync says the keyring did not answer.
    pub const TIMEOUT: Duration = Duration::from_secs(20);

    pub fn new(store: Arc<dyn SecretStore>) -> Secrets {
        Secrets { store, timeout: Self::TIMEOUT }
    }

    /// The OS keyring, in `backend`.
    pub fn keyring(backend: secrets::Backend) -> Secrets {
        Secrets::new(Arc::new(Keyring(backend)))
    }

    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Secrets {
        self.timeout = timeout;
        self
    }

    pub async fn get(&self, account: &Account) -> Result<Option<SecretString>, SecretError> {
        let account = account.clone();
        self.call(move |s| s.get(&account)).await
    }

    pub async fn set(&self, account: &Account, secret: &SecretString) -> Result<(), SecretError> {
        let (account, secret) = (account.clone(), SecretString::from(secret.expose_secret().to_string()));
        self.call(move |s| s.set(&account, &secret)).await
    }

    pub async fn delete(&self, account: &Account) -> Result<bool, SecretError> {
        let account = account.clone();
        self.call(move |s| s.delete(&account)).await
    }

    /// Whether a secret stored now would be there on the next run (the keyring is tried
    /// before a sign-in, not after).
    pub async fn probe(&self) -> Result<(), SecretError> {
        self.call(SecretStore::probe).await
    }

    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> Result<T, SecretError> + Send + 'static,
    ) -> Result<T, SecretError> {
        let store = self.store.clone();
        let task = tokio::task::spawn_blocking(move || f(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(SecretError::Failed(e.to_string())),
            Err(_) => Err(SecretError::Failed(format!(
                "it did not answer within {} seconds (a locked keyring may be waiting for a password prompt); unlock it and try again",
                self.timeout.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account::RefreshToken { instance: "sandbox".into(), credential: "MS Graph 1".into() }
    }

    #[tokio::test]
    async fn memory_round_trip() {
        let s = Secrets::new(Arc::new(Memory::default()));
        assert!(s.get(&account()).await.unwrap().is_none());
        s.set(&account(), &SecretString::from("rt-1")).await.unwrap();
        assert_eq!(s.get(&account()).await.unwrap().unwrap().expose_secret(), "rt-1");
        assert!(s.delete(&account()).await.unwrap());
        assert!(!s.delete(&account()).await.unwrap());
    }

    #[tokio::test]
    async fn a_hanging_store_becomes_a_sentence() {
        let s = Secrets::new(Arc::new(Slow(Duration::from_millis(500)))).with_timeout(Duration::from_millis(50));
        let e = s.get(&account()).await.unwrap_err();
        assert!(e.to_string().contains("did not answer within"), "{e}");
    }
}
