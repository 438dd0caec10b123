//! What a new admin reads: help texts, the sentences for mistyped addresses and mailboxes,
//! and the JSON a script reads.

use std::process::Output;
use tokio::process::Command;

fn calsync(dir: &tempfile::TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_calsync"));
    for var in ["CALSYNC_INSTANCE", "CALSYNC_USER", "CALSYNC_PASSWORD", "CALSYNC_LOGIN_URL", "CALSYNC_GRAPH_URL"] {
        c.env_remove(var);
    }
    c.env("CALSYNC_SANDBOX_STATE", dir.path().join("sandbox.json"));
    c.env("CALSYNC_STATE_DIR", dir.path().join("state"));
    c.env("CALSYNC_KEYRING", "keyutils");
    c.stdin(std::process::Stdio::null());
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn run(dir: &tempfile::TempDir, args: &[&str]) -> (i32, String) {
    let o = calsync(dir).args(args).output().await.unwrap();
    (o.status.code().unwrap_or(-1), text(&o))
}

#[tokio::test]
async fn help_shows_each_command_only_what_applies_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run(&dir, &["sandbox", "--help"]).await;
    assert_eq!(code, 0, "{out}");
    for absent in ["--instance", "--user", "--sandbox "] {
        assert!(!out.contains(absent), "sandbox --help lists {absent}: {out}");
    }
    assert!(out.contains("--broken"), "the sandbox's own --broken: {out}");
    let (_, out) = run(&dir, &["authorize", "--help"]).await;
    assert!(!out.lines().any(|l| l.trim_start().starts_with("--broken")), "{out}");
    assert!(out.contains("--expect-user <MAILBOX>"), "{out}");
    let (_, out) = run(&dir, &["doctor", "--help"]).await;
    for code in ["0 healthy", "1 errors found", "2 usage", "3 instance unreachable"] {
        assert!(out.contains(code), "doctor --help lacks exit {code}: {out}");
    }
    assert!(out.contains("add --broken"), "{out}");
    // --sso, like --broken, is told under --sandbox, not listed on every command.
    for args in
        [&["doctor", "--help"][..], &["authorize", "--help"], &["instance", "login", "--help"], &["status", "--help"]]
    {
        let (_, out) = run(&dir, args).await;
        assert!(!out.lines().any(|l| l.trim_start().starts_with("--sso")), "{args:?}: {out}");
        assert!(out.contains("--sso to make single sign-on its default"), "{args:?}: {out}");
    }
    let (_, out) = run(&dir, &["sandbox", "--help"]).await;
    assert!(out.lines().any(|l| l.trim_start().starts_with("--sso")), "the sandbox's own --sso: {out}");
    // Usage lines mark nothing optional as required.
    let (_, out) = run(&dir, &["apply", "--help"]).await;
    assert!(out.contains("Usage: calsync apply [OPTIONS] --plan <PLAN>"), "{out}");
}

#[tokio::test]
async fn mistyped_addresses_and_mailboxes_get_a_sentence_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["authorize", "--credential", "MS Graph 1", "--expect-user", "rooms-delegate"], "is not a mailbox address"),
        (&["doctor", "--probe-browser", "MS Graph 1", "--expect-user", "x@"], "is not a mailbox address"),
        (&["doctor", "--instance", "outlook.office365.com", "--user", "a"], "is a Microsoft address"),
        (&["doctor", "--instance", "dev123.servicenow.com", "--user", "a"], "type dev123.service-now.com"),
        (&["doctor", "--instance", "https://dev1.service-now.com/?x=1", "--user", "a"], "has a query (?x=1)"),
    ];
    for (args, want) in cases {
        let (code, out) = run(&dir, args).await;
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.contains(want), "{args:?}: {out}");
    }
}

#[tokio::test]
async fn apply_json_names_the_instance_by_its_url() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run(&dir, &["apply", "--sandbox", "--plan", "examples/normal.toml", "--dry-run", "--json"]).await;
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let instance = doc["instance"].as_str().unwrap();
    assert!(url::Url::parse(instance).is_ok() && !instance.contains(' '), "{instance}");
    assert_eq!(doc["sandbox"], true);
}

#[tokio::test]
async fn no_browser_is_said_once_and_fixes_name_the_known_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run(&dir, &["apply", "--sandbox", "--plan", "examples/personal-own-alias.toml", "--yes"]).await;
    assert_eq!(code, 0, "{out}");
    let (_, out) = run(
        &dir,
        &[
            "authorize",
            "--sandbox",
            "--no-browser",
            "--credential",
            "Contoso Graph Personal",
            "--expect-user",
            "rooms-delegate@contoso.com",
            "--timeout",
            "1",
        ],
    )
    .await;
    assert!(out.contains("No browser was opened (--no-browser was given)"), "{out}");
    assert!(!out.contains("not opened ("), "{out}");
    // The doctor knows the provider's mailbox: its fix says it instead of a placeholder.
    let (_, out) = run(&dir, &["doctor", "--sandbox"]).await;
    assert!(out.contains("TOKEN-MISSING"), "{out}");
    assert!(!out.contains("<mailbox>"), "{out}");
    assert!(out.contains("--expect-user rooms-delegate@contoso.com --store-on-instance"), "{out}");
}

/// The README's exit codes are the ones the wizard gives: the Ctrl-C key quits with 0 (it
/// is a key there, not SIGINT), the signal SIGINT gives 130.
#[test]
fn the_readme_says_what_the_ctrl_c_key_and_sigint_exit_with() {
    use calsync::wizard::{Outcome, Signal};
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!flat.contains("as SIGINT ends the wizard"), "the README ties the wizard's Ctrl-C to 130");
    assert!(flat.contains("The Ctrl-C key is the wizard's quit key, not SIGINT: it exits `0`"), "README");
    assert!(flat.contains("`130`, `143`, `129` when the signal SIGINT (`kill -INT`), SIGTERM or SIGHUP"), "README");
    assert_eq!(calsync::cli::wizard_exit(Outcome::Finished), 0);
    assert_eq!(calsync::cli::wizard_exit(Outcome::Signalled(Signal::Interrupt)), 130);
    assert_eq!(calsync::cli::wizard_exit(Outcome::Signalled(Signal::Terminate)), 143);
    assert_eq!(calsync::cli::wizard_exit(Outcome::Signalled(Signal::Hangup)), 129);
}
