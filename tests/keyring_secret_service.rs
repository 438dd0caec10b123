//! The Secret Service backend (gnome-keyring in CI), for real.

#[path = "common/keyring.rs"]
mod keyring;

#[test]
fn secrets_round_trip_through_the_secret_service() {
    if keyring::required() {
        keyring::round_trip(calsync::secrets::Backend::Native);
    }
}
