//! Secrets live in the OS keyring and nowhere else: the instance password, the app
//! registration's client secret, and mailbox refresh tokens.
//!
//! One service name (`calsync`), one account key per secret (see `Account::key`). There is
//! no fallback: when no keyring is reachable, calsync says so and how to get one, rather
//! than keeping the secret in memory or in a file.

use secrecy::{ExposeSecret, SecretString};
use std::sync::Once;

pub const SERVICE: &str = "calsync";

/// Which OS store keeps the secrets. On Linux either the kernel keyring or a Secret
/// Service; elsewhere the platform's own store (`Native`). Chosen once, in `Config`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Backend {
    /// The Secret Service on Linux (gnome-keyring, KeePassXC), the platform's store elsewhere.
    #[default]
    Native,
    /// The Linux kernel keyring (keyutils): the session keyring, with the persistent one.
    Keyutils,
}

impl Backend {
    /// `requested` is `CALSYNC_KEYRING` (`keyutils`, `secret-service`); without it, Linux
    /// uses the kernel keyring when no session bus is there for a Secret Service.
    pub fn choose(requested: Option<&str>, session_bus: bool) -> Backend {
        if !cfg!(target_os = "linux") {
            return Backend::Native;
        }
        match requested.unwrap_or_default() {
            "keyutils" => Backend::Keyutils,
            "secret-service" => Backend::Native,
            _ if session_bus => Backend::Native,
            _ => Backend::Keyutils,
        }
    }

    fn keyutils(self) -> bool {
        cfg!(target_os = "linux") && self == Backend::Keyutils
    }
}

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
    /// `probe:<id>`: written, read back and deleted by `probe`, never kept.
    Probe { id: String },
}

impl Account {
    pub fn key(&self) -> String {
        match self {
            Account::InstancePassword { instance, user } => format!("instance-password:{instance}:{user}"),
            Account::ClientSecret { instance, client_id } => format!("client-secret:{instance}:{client_id}"),
            Account::RefreshToken { instance, credential } => format!("refresh-token:{instance}:{credential}"),
            Account::InstanceToken { instance, login } => format!("instance-token:{instance}:{login}"),
            Account::Probe { id } => format!("probe:{id}"),
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
    /// A store that takes a secret but cannot give it back; what was written is removed.
    #[error(
        "the OS keyring accepted the secret but could not read it back ({reason}), so the next run would not find it; what was written was removed. {advice}"
    )]
    NotKept { reason: String, advice: &'static str },
}

impl SecretError {
    /// The same problem, said as a keyring that cannot be used at all (for the probe).
    fn unusable(self, backend: Backend) -> SecretError {
        match self {
            SecretError::Failed(reason) => SecretError::NotKept { reason, advice: advice(backend) },
            other => other,
        }
    }
}

/// What to do about a keyring that cannot keep secrets, for the store in use.
fn advice(backend: Backend) -> &'static str {
    if backend.keyutils() {
        "The kernel keyring of this process cannot be read back (a shell without a session keyring of its own, as in a container or a tmux started outside a login): run `keyctl session` and start calsync from the shell it opens, or start a Secret Service (gnome-keyring, unlocked) and set CALSYNC_KEYRING=secret-service"
    } else {
        "Unlock the Secret Service of this session (gnome-keyring, KeePassXC), or run `keyctl session` and start calsync from that shell with CALSYNC_KEYRING=keyutils"
    }
}

/// Sets up the keyring crate once. It serves the Secret Service on Linux and the
/// platform's store elsewhere; the kernel keyring is driven directly (`kernel` below).
fn init_store() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        #[cfg(target_os = "linux")]
        keyring::set_default_credential_builder(keyring::secret_service::default_credential_builder());
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
pub fn get(backend: Backend, account: &Account) -> Result<Option<SecretString>, SecretError> {
    #[cfg(target_os = "linux")]
    if backend.keyutils() {
        return kernel::get(&account.key());
    }
    match entry(account)?.get_password() {
        Ok(p) => Ok(Some(SecretString::from(p))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_err(e)),
    }
}

/// Stores the secret where the next run finds it, or stores nothing and says why: the
/// value is read back the way a later run reads it, and removed again when that fails.
pub fn set(backend: Backend, account: &Account, secret: &SecretString) -> Result<(), SecretError> {
    #[cfg(target_os = "linux")]
    if backend.keyutils() {
        return kernel::set(&account.key(), secret);
    }
    let e = entry(account)?;
    e.set_password(secret.expose_secret()).map_err(map_err)?;
    // Read it back: a store that accepts but does not keep is no store.
    let problem = match e.get_password() {
        Ok(back) if back == secret.expose_secret() => return Ok(()),
        Ok(_) => "the keyring returned a different value than was stored".to_string(),
        Err(err) => err.to_string(),
    };
    let _ = e.delete_credential();
    Err(SecretError::NotKept { reason: problem, advice: advice(backend) })
}

pub fn delete(backend: Backend, account: &Account) -> Result<bool, SecretError> {
    #[cfg(target_os = "linux")]
    if backend.keyutils() {
        return kernel::delete(&account.key());
    }
    match entry(account)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_err(e)),
    }
}

/// Checks, before anything is asked for or signed in, that the keyring can keep a secret
/// for the next run: writes a probe entry, reads it back, deletes it. The error says what
/// to do (`keyctl session`, a Secret Service).
pub fn probe(backend: Backend) -> Result<(), SecretError> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let account = Account::Probe { id: format!("{}-{nanos:x}", std::process::id()) };
    let value = SecretString::from(format!("probe-{nanos:x}"));
    set(backend, &account, &value).map_err(|e| e.unusable(backend))?;
    let back = get(backend, &account);
    let deleted = delete(backend, &account);
    let not_kept = |reason: &str| SecretError::NotKept { reason: reason.into(), advice: advice(backend) };
    match back {
        Ok(Some(v)) if v.expose_secret() == value.expose_secret() => {}
        Ok(_) => return Err(not_kept("the probe entry was not found again")),
        Err(e) => return Err(e.unusable(backend)),
    }
    match deleted {
        Ok(true) => Ok(()),
        Ok(false) => Err(not_kept("the probe entry could not be found to delete it")),
        Err(e) => Err(e.unusable(backend)),
    }
}

/// The kernel keyring (keyutils), driven through its two system calls so that a key that
/// cannot be read back is unlinked by its ID (the keyring crate forgets the ID, and its
/// `set` fails after the key was added, leaving it behind), and so that the session keyring
/// is named by its special ID, as `keyctl` does, rather than looked up first. Keys are named
/// as the keyring crate names them (`keyring-rs:<account>@calsync`), so secrets stored by
/// earlier versions are found.
#[cfg(target_os = "linux")]
mod kernel {
    use super::{SERVICE, SecretError};
    use secrecy::{ExposeSecret, SecretString};
    use std::ffi::CString;

    const SESSION: libc::c_long = -3; // KEY_SPEC_SESSION_KEYRING
    const GET_PERSISTENT: libc::c_long = 22;
    const LINK: libc::c_long = 8;
    const UNLINK: libc::c_long = 9;
    const SEARCH: libc::c_long = 10;
    const READ: libc::c_long = 11;
    const INVALIDATE: libc::c_long = 21;

    fn keyctl(
        op: libc::c_long,
        a: libc::c_long,
        b: libc::c_long,
        c: libc::c_long,
        d: libc::c_long,
    ) -> std::io::Result<libc::c_long> {
        // SAFETY: keyctl with integer arguments, or pointers the callers keep alive.
        let r = unsafe { libc::syscall(libc::SYS_keyctl, op, a, b, c, d) };
        if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok(r) }
    }

    fn description(account: &str) -> Result<CString, SecretError> {
        CString::new(format!("keyring-rs:{account}@{SERVICE}"))
            .map_err(|_| SecretError::Failed("the account name contains a NUL byte".into()))
    }

    fn absent(e: &std::io::Error) -> bool {
        matches!(e.raw_os_error(), Some(libc::ENOKEY | libc::EKEYEXPIRED | libc::EKEYREVOKED))
    }

    fn failed(what: &str, e: std::io::Error) -> SecretError {
        match e.raw_os_error() {
            Some(libc::ENOSYS | libc::EOPNOTSUPP) => {
                SecretError::Unavailable { reason: format!("the kernel keyring: {e}") }
            }
            _ => SecretError::Failed(format!("the kernel keyring refused to {what} ({e})")),
        }
    }

    /// The user's persistent keyring (it outlives the session), linked into the session
    /// keyring so that searches from there reach it; None where the kernel has none.
    fn persistent() -> Option<libc::c_long> {
        keyctl(GET_PERSISTENT, -1, SESSION, 0, 0).ok()
    }

    fn search(desc: &CString) -> std::io::Result<libc::c_long> {
        let user = c"user";
        keyctl(SEARCH, SESSION, user.as_ptr() as libc::c_long, desc.as_ptr() as libc::c_long, 0)
    }

    fn read(key: libc::c_long) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 4096];
        loop {
            let n = keyctl(READ, key, buf.as_mut_ptr() as libc::c_long, buf.len() as libc::c_long, 0)? as usize;
            if n <= buf.len() {
                buf.truncate(n);
                return Ok(buf);
            }
            buf.resize(n, 0);
        }
    }

    pub fn get(account: &str) -> Result<Option<SecretString>, SecretError> {
        let desc = description(account)?;
        let persistent = persistent();
        let key = match search(&desc) {
            Ok(k) => k,
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(failed("search", e)),
        };
        // A key in use is kept in this session and in the persistent keyring.
        let _ = keyctl(LINK, key, SESSION, 0, 0);
        if let Some(p) = persistent {
            let _ = keyctl(LINK, key, p, 0, 0);
        }
        let bytes = read(key).map_err(|e| failed("read the key", e))?;
        String::from_utf8(bytes)
            .map(|s| Some(SecretString::from(s)))
            .map_err(|_| SecretError::Failed("the stored value is not text".into()))
    }

    pub fn set(account: &str, secret: &SecretString) -> Result<(), SecretError> {
        let value = secret.expose_secret().as_bytes();
        if value.is_empty() {
            return Err(SecretError::Failed("an empty secret cannot be stored".into()));
        }
        let desc = description(account)?;
        let persistent = persistent();
        let user = c"user";
        // SAFETY: NUL-terminated type and description, and a payload of the length given.
        let key = unsafe {
            libc::syscall(libc::SYS_add_key, user.as_ptr(), desc.as_ptr(), value.as_ptr(), value.len(), SESSION)
        };
        if key < 0 {
            return Err(failed("add the key", std::io::Error::last_os_error()));
        }
        // The persistent keyring is a bonus (the key outlives the session); the session
        // keyring alone serves the later runs of this session.
        if let Some(p) = persistent {
            let _ = keyctl(LINK, key, p, 0, 0);
        }
        // Read it back the way a later run does: a search from the session keyring.
        let problem = match search(&desc).and_then(read) {
            Ok(back) if back == value => return Ok(()),
            Ok(_) => "a different value came back".to_string(),
            Err(e) => e.to_string(),
        };
        let _ = keyctl(UNLINK, key, SESSION, 0, 0);
        if let Some(p) = persistent {
            let _ = keyctl(UNLINK, key, p, 0, 0);
        }
        let _ = keyctl(INVALIDATE, key, 0, 0, 0);
        Err(SecretError::NotKept { reason: problem, advice: super::advice(super::Backend::Keyutils) })
    }

    pub fn delete(account: &str) -> Result<bool, SecretError> {
        let desc = description(account)?;
        let persistent = persistent();
        let key = match search(&desc) {
            Ok(k) => k,
            Err(e) if absent(&e) => return Ok(false),
            Err(e) => return Err(failed("search", e)),
        };
        if keyctl(INVALIDATE, key, 0, 0, 0).is_err() {
            keyctl(UNLINK, key, SESSION, 0, 0).map_err(|e| failed("remove the key", e))?;
            if let Some(p) = persistent {
                let _ = keyctl(UNLINK, key, p, 0, 0);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_is_chosen_from_the_configuration() {
        if cfg!(target_os = "linux") {
            assert_eq!(Backend::choose(Some("keyutils"), true), Backend::Keyutils);
            assert_eq!(Backend::choose(Some("secret-service"), false), Backend::Native);
            assert_eq!(Backend::choose(None, true), Backend::Native);
            assert_eq!(Backend::choose(None, false), Backend::Keyutils);
            assert!(advice(Backend::Keyutils).contains("keyctl session"));
            assert!(advice(Backend::Native).contains("Unlock the Secret Service"));
        } else {
            assert_eq!(Backend::choose(Some("keyutils"), false), Backend::Native);
        }
    }

    #[test]
    fn account_keys_are_documented_shapes() {
        let a = Account::InstancePassword { instance: "dev1.service-now.com".into(), user: "admin".into() };
        assert_eq!(a.key(), "instance-password:dev1.service-now.com:admin");
        let c = Account::RefreshToken { instance: "127.0.0.1:8787".into(), credential: "MS Graph 1".into() };
        assert_eq!(c.key(), "refresh-token:127.0.0.1:8787:MS Graph 1");
    }
}
