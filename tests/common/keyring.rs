//! Round trip of a secret through the real OS keyring, for the per-backend test files.

use calsync::secrets::{self, Account, Backend};
use secrecy::{ExposeSecret, SecretString};

/// True when the suite runs with a real keyring (tests/run); without one the keyring
/// tests say so and do not pretend to pass on an in-memory store.
pub fn required() -> bool {
    let on = std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_some();
    if !on {
        eprintln!("not run: these tests need a real keyring; run them through tests/run");
    }
    on
}

pub fn round_trip(backend: Backend) {
    let account = Account::RefreshToken {
        instance: "keyring-test".into(),
        credential: format!("{backend:?}-{}", std::process::id()),
    };
    let value = format!("rt-{}-value", rand::random::<u64>());
    secrets::set(backend, &account, &SecretString::from(value.clone())).expect("stored");
    assert_eq!(secrets::get(backend, &account).expect("read").expect("present").expose_secret(), value);
    // Storing again replaces, as a refreshed token must.
    secrets::set(backend, &account, &SecretString::from(format!("{value}-2"))).expect("replaced");
    assert_eq!(secrets::get(backend, &account).unwrap().unwrap().expose_secret(), format!("{value}-2"));
    assert!(secrets::delete(backend, &account).expect("deleted"));
    assert!(secrets::get(backend, &account).expect("read").is_none());
    assert!(!secrets::delete(backend, &account).expect("second delete is a no-op"));
}
