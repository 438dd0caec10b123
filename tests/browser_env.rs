//! The browser calsync starts never sees calsync's secrets: with `$BROWSER` set, and
//! through the OS opener (`xdg-open` found on PATH). A fixture browser writes down its
//! environment.
// The only test in this binary sets the environment the browser inherits.
#![allow(unsafe_code)]

use calsync::oauth::browser::{Browser, SystemBrowser};
use std::time::{Duration, Instant};

const PASSWORD: &str = "instance-password-7f3a";
const CLIENT_SECRET: &str = "client-secret-19c2";

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

fn assert_clean(env: &str, url: &str) {
    assert!(env.contains(&format!("ARGS: {url}")), "the browser got the address: {env}");
    assert!(env.contains("CALSYNC_MARKER=passed-on"), "the rest of the environment is passed on: {env}");
    assert!(!env.contains(PASSWORD), "the instance password reached the browser");
    assert!(!env.contains(CLIENT_SECRET), "the client secret reached the browser");
    assert!(!env.contains("CALSYNC_PASSWORD=") && !env.contains("CALSYNC_CLIENT_SECRET="), "{env}");
}

#[test]
fn the_browser_is_started_without_the_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = format!("{}/tests/fixtures/dump-env.sh", env!("CARGO_MANIFEST_DIR"));
    // SAFETY: the only test in this binary; no other thread reads the environment.
    unsafe {
        std::env::set_var("CALSYNC_PASSWORD", PASSWORD);
        std::env::set_var("CALSYNC_CLIENT_SECRET", CLIENT_SECRET);
        std::env::set_var("CALSYNC_MARKER", "passed-on");
    }

    // 1. $BROWSER names the browser.
    let dump = dir.path().join("browser-env");
    // SAFETY: as above.
    unsafe {
        std::env::set_var("DUMP_TO", &dump);
        std::env::set_var("BROWSER", format!("sh {fixture}"));
    }
    let url = "http://localhost:4711/start";
    SystemBrowser.open(url).expect("the fixture browser starts");
    assert_clean(&dumped(&dump), url);

    // 2. No $BROWSER: the OS opener, here the first xdg-open on PATH.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&fixture, bin.join("xdg-open")).unwrap();
    let dump = dir.path().join("opener-env");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("BROWSER");
        std::env::set_var("DUMP_TO", &dump);
        std::env::set_var("PATH", path);
    }
    SystemBrowser.open(url).expect("the OS opener starts");
    assert_clean(&dumped(&dump), url);
}
