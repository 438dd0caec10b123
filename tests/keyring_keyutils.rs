//! The kernel keyring backend (keyutils), for real: a round trip, a secret found by the
//! next process of the session, and a session keyring that takes keys but cannot give them
//! back (as a shell without a session keyring of its own has): nothing may be left in it,
//! and `calsync authorize` must say so before anyone signs in.
// Real-keyring tests ask libc who the user is.
#![allow(unsafe_code)]

#[path = "common/keyring.rs"]
mod keyring;

use calsync::secrets::{self, Account, Backend};
use secrecy::{ExposeSecret, SecretString};
use std::process::{Command, Output};

#[test]
fn secrets_round_trip_through_the_kernel_keyring() {
    if keyring::required() {
        keyring::round_trip(Backend::Keyutils);
    }
}

/// Possessor and user may view, read and write the session keyring, not search it: keys
/// are added, and no search (the way every later read goes) finds them.
const NO_SEARCH: &str = "keyctl setperm @s 0x07070000";

/// Runs `script` with sh inside a new session keyring, with the kernel keyring chosen.
/// `$SELF` is this test binary, `$CALSYNC` the calsync binary.
fn in_new_session(script: &str, dir: &std::path::Path) -> Output {
    Command::new("keyctl")
        .args(["session", "-", "sh", "-c", script])
        .env("SELF", std::env::current_exe().unwrap())
        .env("CALSYNC", env!("CARGO_BIN_EXE_calsync"))
        .env("CALSYNC_KEYRING", "keyutils")
        .env("CALSYNC_SANDBOX_STATE", dir.join("sandbox.json"))
        .env("CALSYNC_STATE_DIR", dir.join("state"))
        .env("CALSYNC_CHILD_ACCOUNT", format!("child-{}", std::process::id()))
        .env_remove("CALSYNC_PASSWORD")
        .env_remove("BROWSER")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("keyctl runs (tests/run installs keyutils)")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn child(name: &str) -> String {
    format!("\"$SELF\" --ignored --exact {name} --nocapture --test-threads 1")
}

fn child_account() -> Account {
    Account::RefreshToken {
        instance: "keyring-test".into(),
        credential: std::env::var("CALSYNC_CHILD_ACCOUNT").expect("run by the tests above"),
    }
}

#[test]
#[ignore = "run by the tests above, inside a session keyring they prepared"]
fn child_set() {
    match secrets::set(Backend::Keyutils, &child_account(), &SecretString::from("rt-child-value".to_string())) {
        Ok(()) => println!("SET: ok"),
        Err(e) => println!("SET: err: {e}"),
    }
    match secrets::probe(Backend::Keyutils) {
        Ok(()) => println!("PROBE: ok"),
        Err(e) => println!("PROBE: err: {e}"),
    }
}

#[test]
#[ignore = "run by the tests above, inside a session keyring they prepared"]
fn child_get_and_delete() {
    match secrets::get(Backend::Keyutils, &child_account()) {
        Ok(Some(v)) => println!("GET: {}", v.expose_secret()),
        Ok(None) => println!("GET: none"),
        Err(e) => println!("GET: err: {e}"),
    }
    println!("DELETE: {:?}", secrets::delete(Backend::Keyutils, &child_account()).map_err(|e| e.to_string()));
}

#[test]
fn a_secret_is_found_by_the_next_process_of_the_session() {
    if !keyring::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = in_new_session(&format!("{} && {}", child("child_set"), child("child_get_and_delete")), dir.path());
    let out = text(&o);
    assert!(out.contains("SET: ok") && out.contains("PROBE: ok"), "{out}");
    assert!(out.contains("GET: rt-child-value"), "{out}");
    assert!(out.contains("DELETE: Ok(true)"), "{out}");
}

#[test]
fn a_store_that_cannot_be_read_back_keeps_nothing_and_says_what_to_do() {
    if !keyring::required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // What the session keyring still links afterwards, described: the persistent keyring
    // is linked there on purpose, a key of calsync's must not be.
    let list = "for k in $(keyctl rlist @s); do keyctl rdescribe $k; done | grep -F @calsync | tr '\\n' ' '";
    let o = in_new_session(&format!("{NO_SEARCH} && {}; echo \"LINKS:$({list})\"", child("child_set")), dir.path());
    let out = text(&o);
    assert!(out.contains("SET: err:"), "the store must fail: {out}");
    assert!(out.contains("was removed") && out.contains("keyctl session"), "{out}");
    assert!(out.contains("PROBE: err:") && out.contains("Secret Service"), "{out}");
    let links = out.split("LINKS:").nth(1).unwrap_or_default().lines().next().unwrap_or_default().trim().to_string();
    assert!(links.is_empty(), "keys left in the session keyring after the failed store: {links:?}\n{out}");
}

/// `calsync authorize` in a session keyring prepared by `prefix`: it must refuse before
/// the sign-in starts, with what to do.
fn authorize_refuses_before_the_sign_in(prefix: &str) {
    let dir = tempfile::tempdir().unwrap();
    let setup = in_new_session(
        "\"$CALSYNC\" apply --sandbox --yes --plan examples/personal-own-alias.toml >/dev/null",
        dir.path(),
    );
    assert!(setup.status.success(), "{}", text(&setup));
    let o = in_new_session(
        &format!(
            "{prefix} \"$CALSYNC\" authorize --sandbox --no-browser --credential 'Contoso Graph Personal' --expect-user rooms-delegate@contoso.com --timeout 5 </dev/null"
        ),
        dir.path(),
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(!out.contains("Open this address"), "a sign-in was started although the token could not be kept:\n{out}");
    assert!(out.contains("no sign-in was started") && out.contains("keyctl session"), "{out}");
}

#[test]
fn authorize_checks_the_keyring_before_the_sign_in() {
    if !keyring::required() {
        return;
    }
    authorize_refuses_before_the_sign_in(&format!("{NO_SEARCH} && exec"));
}

#[test]
fn under_the_user_session_keyring_a_secret_is_kept_for_the_next_run() {
    if !keyring::required() {
        return;
    }
    // A process with no session keyring of its own gets the user's session keyring
    // `_uid_ses.UID`; in containers (user namespaces) a key added there cannot be found
    // again by a search of it, so calsync keeps it in the user's persistent keyring too.
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let join = format!("keyctl session _uid_ses.{uid}");
    let check = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{join} sh -c 'keyctl add user calsync-check x @s >/dev/null && keyctl search @s user calsync-check'"
        ))
        .output()
        .unwrap();
    if check.status.success() {
        eprintln!("not checked: on this machine the user session keyring finds what was added to it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = in_new_session(
        &format!("{join} {} ; {join} {}", child("child_set"), child("child_get_and_delete")),
        dir.path(),
    );
    let out = text(&o);
    assert!(out.contains("SET: ok") && out.contains("PROBE: ok"), "{out}");
    assert!(out.contains("GET: rt-child-value"), "the next run did not find the secret: {out}");
    assert!(out.contains("DELETE: Ok(true)"), "{out}");
}
