//! The kernel keyring backend (keyutils), for real.

#[path = "common/keyring.rs"]
mod keyring;

#[test]
fn secrets_round_trip_through_the_kernel_keyring() {
    if keyring::required() {
        keyring::round_trip("keyutils");
    }
}
