//! The browser calsync starts never sees calsync's secrets: with `$BROWSER` set, and
//! through the OS opener (`xdg-open` found on PATH). A fixture browser writes down its
//! environment. The secrets are in the environment of a child process (this test binary
//! again, running one ignored test), never set in this one.

use calsync::oauth::browser::{Browser, SystemBrowser};
use std::process::Command;
use std::time::{Duration, Instant};

const PASSWORD: &str = "instance-password-7f3a";
const CLIENT_SECRET: &str = "client-secret-19c2";
const URL: &str = "http://localhost:4711/start";

fn fixture() -> String {
    format!("{}/tests/fixtures/dump-env.sh", env!("CARGO_MANIFEST_DIR"))
}

fn dumped(path: &std::path::Path) -> String {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the fixture browser was not started");
}

fn assert_clean(env: &str) {
    assert!(env.contains(&format!("ARGS: {URL}")), "the browser got the address: {env}");
    assert!(env.contains("CALSYNC_MARKER=passed-on"), "the rest of the environment is passed on: {env}");
    assert!(!env.contains(PASSWORD), "the instance password reached the browser");
    assert!(!env.contains(CLIENT_SECRET), "the client secret reached the browser");
    assert!(!env.contains("CALSYNC_PASSWORD=") && !env.contains("CALSYNC_CLIENT_SECRET="), "{env}");
}

/// Runs `test` of this binary in a child whose environment holds calsync's secrets and
/// `DUMP_TO`, with `path` as PATH.
fn in_child_with_secrets(test: &str, dump: &std::path::Path, path: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", test, "--test-threads", "1"])
        .env("CALSYNC_PASSWORD", PASSWORD)
        .env("CALSYNC_CLIENT_SECRET", CLIENT_SECRET)
        .env("CALSYNC_MARKER", "passed-on")
        .env("DUMP_TO", dump)
        .env("PATH", path)
        .env_remove("BROWSER")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "run by the_browser_is_started_without_the_secrets, with the secrets in its environment"]
fn child_opens_browser_command() {
    // What `BROWSER` said, as `Config` reads it.
    let browser = SystemBrowser { command: Some(format!("sh {}", fixture())) };
    browser.open(URL).expect("the fixture browser starts");
}

#[test]
#[ignore = "run by the_browser_is_started_without_the_secrets, with the secrets in its environment"]
fn child_opens_os_opener() {
    SystemBrowser { command: None }.open(URL).expect("the OS opener starts");
}

#[test]
fn the_browser_is_started_without_the_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var("PATH").unwrap_or_default();

    // 1. $BROWSER names the browser.
    let dump = dir.path().join("browser-env");
    in_child_with_secrets("child_opens_browser_command", &dump, &path);
    assert_clean(&dumped(&dump));

    // 2. No $BROWSER: the OS opener, here the first xdg-open on PATH.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(fixture(), bin.join("xdg-open")).unwrap();
    let dump = dir.path().join("opener-env");
    in_child_with_secrets("child_opens_os_opener", &dump, &format!("{}:{path}", bin.display()));
    assert_clean(&dumped(&dump));
}
