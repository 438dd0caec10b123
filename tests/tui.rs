//! The wizard in a real terminal: tmux at 80x24 runs `calsync --sandbox` through the whole
//! first-time setup by send-keys and reads the screen with capture-pane; then the sandbox
//! and the keyring are checked from outside. Ctrl-C halfway must leave a cooked terminal.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The OS store calsync itself uses in this environment, as its configuration chooses it.
fn os_keyring() -> calsync::secrets::Backend {
    calsync::config::Config::from_env(None, None, false, false).keyring
}

/// The two tests that sign in store the same keyring entry: they take turns.
static KEYRING: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
    /// Every screen captured, for the secret-hygiene checks.
    seen: std::cell::RefCell<Vec<String>>,
}

impl Tmux {
    fn start(extra_env: &str) -> Option<Tmux> {
        Self::start_with(extra_env, "--sandbox", "true")
    }

    /// Runs `before` (a shell command) and then `calsync ARGS` in a tmux window at 80x24.
    fn start_with(extra_env: &str, args: &str, before: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CALSYNC_REQUIRE_TMUX").is_none(),
                "tmux is not installed (tests/run installs it)"
            );
            eprintln!("not run: tmux is not installed; run the suite through tests/run");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("calsync-test-{}-{}", std::process::id(), rand_suffix());
        let bin = env!("CARGO_BIN_EXE_calsync");
        let d = dir.path().display();
        let env = format!("CALSYNC_SANDBOX_STATE={d}/sandbox.json CALSYNC_STATE_DIR={d}/state {extra_env}");
        let before = before.replace("calsync", bin).replace("ROOT", env!("CARGO_MANIFEST_DIR"));
        let script = format!(
            "cd {d} && export {env} && {before} && {bin} {args}; echo EXIT=$?; stty -a > {d}/stty.txt; sleep 120"
        );
        let ok = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "80", "-y", "24", &script])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux started");
        let _ = Command::new("tmux").args(["-L", &socket, "set", "-s", "escape-time", "0"]).status();
        Some(Tmux { socket, dir, seen: std::cell::RefCell::default() })
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "w"]).output().unwrap();
        let s = String::from_utf8_lossy(&o.stdout).to_string();
        self.seen.borrow_mut().push(s.clone());
        s
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(Instant::now() < deadline, "waited for {text:?}; the screen shows:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "w", k]).status().unwrap();
        }
    }

    fn type_text(&self, text: &str) {
        Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "w", "-l", text]).status().unwrap();
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| u64::from(d.subsec_nanos())).unwrap_or(0)
}

fn cooked(stty: &Path) {
    // EXIT= is printed just before stty runs: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::metadata(stty).map(|m| m.len() == 0).unwrap_or(true) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(stty).expect("stty ran after calsync exited");
    for flag in ["icanon", "echo", "isig"] {
        let raw_off = text.split_whitespace().any(|w| w == format!("-{flag}"));
        assert!(!raw_off, "{flag} is off after calsync exited:\n{text}");
    }
}

#[test]
fn the_whole_personal_setup_by_keyboard() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    let keyring = std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_some();
    let browser = format!("{}/tests/fixtures/browser.sh", env!("CARGO_MANIFEST_DIR"));
    let env = format!(
        "CALSYNC_KEYRING=secret-service BROWSER={browser} SIGN_IN_AS=rooms-delegate@contoso.com SIGN_IN_PW=Delegate-Pass-1"
    );
    let Some(t) = Tmux::start(&env) else { return };
    // Counted: the keys pressed besides typing the values.
    let mut presses = 0;
    let mut press = |keys: &[&str]| {
        presses += keys.len();
        t.keys(keys);
    };
    t.wait_for("First-time setup");
    press(&["Enter"]);
    t.wait_for("Step 1 of 16");
    press(&["Enter"]);
    t.wait_for("The sandbox instance is filled in");
    press(&["Enter"]);
    t.wait_for("has the admin role");
    press(&["Enter"]);
    t.wait_for("Grant      authorization_code");
    press(&["Enter"]);
    t.wait_for("Parent alias");
    t.type_text("Contoso_Graph_Personal");
    t.wait_for("sn_wsd_rsvsync.Contoso_Graph_Personal");
    press(&["Enter"]);
    t.wait_for("Delegated user");
    t.type_text("rooms-delegate@contoso.com");
    press(&["Enter"]);
    t.wait_for("ok: Microsoft Graph, Global cloud");
    press(&["Enter"]);
    t.wait_for("Calendar provider");
    press(&["Enter"]);
    t.wait_for("kilimanjaro@contoso.com");
    press(&["Enter"]);
    t.wait_for("Sync properties");
    press(&["Enter"]);
    t.wait_for("Normal -> Personal");
    press(&["Enter"]);
    t.wait_for("Enter writes these changes.");
    press(&["Enter"]);
    t.wait_for("The instance matches the setup");
    press(&["Enter"]);
    t.wait_for("Get OAuth Token");
    if keyring {
        press(&["Enter"]);
        let s = t.wait_for("All sign-ins are finished");
        assert!(s.contains("done") && s.contains("rooms-delegate@contoso.com"), "{s}");
    } else {
        press(&["s"]);
    }
    press(&["Enter"]);
    t.wait_for("Enter checks the rooms");
    press(&["Enter"]);
    t.wait_for("Rooms:");
    press(&["s"]);
    t.wait_for("Plan saved to calsync-plan-personal.toml");
    press(&["q"]);
    t.wait_for("EXIT=0");
    eprintln!("keystrokes besides typed values: {presses}");
    assert!(presses <= 19, "{presses} keystrokes");

    // The sandbox instance holds the configuration.
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(t.path("sandbox.json")).unwrap()).unwrap();
    let rows = state["rows"].as_array().unwrap();
    let find =
        |class: &str, name: &str| rows.iter().find(|r| r["sys_class_name"] == class && r["name"] == name).cloned();
    let alias = find("sys_alias", "Contoso_Graph_Personal").expect("alias written");
    assert_eq!(alias["id"], "sn_wsd_rsvsync.Contoso_Graph_Personal");
    let cred = find("oauth_2_0_credentials", "Contoso Graph Personal").expect("credential written");
    let conn = find("http_connection", "Contoso Graph Personal").expect("connection written");
    let provider = find("sn_wsd_rsvsync_provider", "Contoso Graph Personal").expect("provider written");
    assert_eq!(conn["connection_alias"], alias["sys_id"]);
    assert_eq!(conn["credential"], cred["sys_id"]);
    assert_eq!(provider["connection_alias"], alias["sys_id"]);
    assert_eq!(provider["delegated_user_email"], "rooms-delegate@contoso.com");
    let prop = rows.iter().find(|r| r["name"] == "sn_wsd_rsvsync.sync_integration_mode").unwrap();
    assert_eq!(prop["value"], "Personal");
    // Secret hygiene: the password field never showed the password.
    let password = calsync::sandbox::seed::ADMIN_PASSWORD;
    assert!(t.seen.borrow().iter().all(|s| !s.contains(password)), "the masked password never reached the screen");
    let saved = std::fs::read_to_string(t.path("calsync-plan-personal.toml")).unwrap();
    assert!(calsync::plan::parse("saved", &saved).is_ok(), "the saved plan replays:\n{saved}");
    cooked(&t.path("stty.txt"));
    if keyring {
        token_only_in_the_keyring(&t);
    }
}

/// An admin who signs in only through single sign-on: the instance step signs in with the
/// instance's OAuth in the browser (no password typed anywhere in calsync), the setup
/// goes on to Get OAuth Token, and `calsync status` then names every login's account and
/// expiry.
#[test]
fn an_sso_admin_sets_up_through_instance_oauth_with_no_password() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_none() {
        eprintln!("not run: signing in keeps tokens, which needs a real keyring; run through tests/run");
        return;
    }
    let browser = format!("{}/tests/fixtures/browser-sso.sh", env!("CARGO_MANIFEST_DIR"));
    let env = format!(
        "CALSYNC_KEYRING=secret-service BROWSER={browser} INSTANCE_SIGN_IN_AS=it-admin@contoso.com INSTANCE_SIGN_IN_PW=Admin-Pass-1 SIGN_IN_AS=rooms-delegate@contoso.com SIGN_IN_PW=Delegate-Pass-1"
    );
    let Some(t) = Tmux::start_with(&env, "--sandbox --sso", "true") else { return };
    t.wait_for("First-time setup");
    t.keys(&["Enter"]);
    t.wait_for("Step 1 of 16");
    t.keys(&["Enter"]);
    let s = t.wait_for("Single sign-on: Enter signs in");
    assert!(!s.contains("calsync-sandbox"), "no password is filled in:\n{s}");
    t.keys(&["Enter"]);
    from_scope_checks_to_get_oauth_token(&t);
    t.keys(&["Enter"]);
    let s = t.wait_for("All sign-ins are finished");
    assert!(s.contains("rooms-delegate@contoso.com"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("Enter checks the rooms");
    t.keys(&["Enter"]);
    t.wait_for("Rooms:");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));
    // The writes were made as the SSO admin, through a bearer token.
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(t.path("sandbox.json")).unwrap()).unwrap();
    let rows = state["rows"].as_array().unwrap();
    let cred = rows
        .iter()
        .find(|r| r["sys_class_name"] == "oauth_2_0_credentials" && r["name"] == "Contoso Graph Personal")
        .expect("credential written");
    assert_eq!(cred["sys_created_by"], "sso.admin", "{cred}");
    // No password was typed: none reached any screen, and the sandbox admin's never did.
    for screen in t.seen.borrow().iter() {
        assert!(!screen.contains("Admin-Pass-1") && !screen.contains("calsync-sandbox"), "{screen}");
    }
    // calsync status: the instance login (as whom, how, expiry) and the delegated mailbox.
    let d = t.dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["status", "--sandbox", "--sso"])
        .env("CALSYNC_SANDBOX_STATE", d.join("sandbox.json"))
        .env("CALSYNC_STATE_DIR", d.join("state"))
        .env("CALSYNC_CONFIG_DIR", d.join("config"))
        .env("CALSYNC_KEYRING", "secret-service")
        .env_remove("BROWSER")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("login: ok as sso.admin (oauth); instance token expires 20"), "{text}");
    assert!(text.contains("Contoso Graph Personal:") && text.contains("as rooms-delegate@contoso.com"), "{text}");
    assert!(text.contains("keyring yes"), "{text}");
    let json = Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["status", "--sandbox", "--sso", "--json"])
        .env("CALSYNC_SANDBOX_STATE", d.join("sandbox.json"))
        .env("CALSYNC_STATE_DIR", d.join("state"))
        .env("CALSYNC_CONFIG_DIR", d.join("config"))
        .env("CALSYNC_KEYRING", "secret-service")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let me = &doc["instances"][0];
    assert_eq!(me["user"], "sso.admin");
    assert!(me["token_expires"].as_str().is_some_and(|e| e.starts_with("20")), "{doc}");
    let cred = me["credentials"].as_array().unwrap().iter().find(|c| c["credential"] == "Contoso Graph Personal");
    assert_eq!(cred.unwrap()["account"], "rooms-delegate@contoso.com", "{doc}");
    // Forget the instance token again.
    let _ = Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["logout", "--sandbox"])
        .env("CALSYNC_KEYRING", "secret-service")
        .env("CALSYNC_CONFIG_DIR", d.join("config"))
        .output();
    token_only_in_the_keyring(&t);
}

#[test]
fn ctrl_c_halfway_leaves_a_cooked_terminal() {
    let Some(t) = Tmux::start("") else { return };
    t.wait_for("First-time setup");
    t.keys(&["Enter", "Enter"]);
    t.wait_for("Instance and login");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));
}

#[test]
fn a_small_terminal_is_told_so_and_resizing_recovers() {
    let Some(t) = Tmux::start("") else { return };
    t.wait_for("First-time setup");
    t.keys(&["Enter"]);
    t.wait_for("Step 1 of 16");
    Command::new("tmux").args(["-L", &t.socket, "resize-window", "-t", "w", "-x", "60", "-y", "20"]).status().unwrap();
    t.wait_for("needs a terminal of at least 80x24");
    Command::new("tmux").args(["-L", &t.socket, "resize-window", "-t", "w", "-x", "100", "-y", "30"]).status().unwrap();
    t.wait_for("Step 1 of 16");
    t.keys(&["x", "q", "Left"]);
    let s = t.wait_for("Step 1 of 16");
    assert!(s.contains("> Personal authentication, own alias"), "stray keys change nothing:\n{s}");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));
}

#[test]
fn re_authorize_a_delegated_mailbox() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_none() {
        eprintln!("not run: signing in stores a token, which needs a real keyring; run through tests/run");
        return;
    }
    let browser = format!("{}/tests/fixtures/browser.sh", env!("CARGO_MANIFEST_DIR"));
    let env = format!(
        "CALSYNC_KEYRING=secret-service BROWSER={browser} SIGN_IN_AS=rooms-delegate@contoso.com SIGN_IN_PW=Delegate-Pass-1"
    );
    let before = "calsync apply --sandbox --yes --plan ROOT/examples/personal-own-alias.toml >/dev/null";
    let Some(t) = Tmux::start_with(&env, "--sandbox", before) else { return };
    t.wait_for("Re-authorize delegated mailboxes");
    t.keys(&["Down", "Enter"]);
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    // The calendar provider names the mailbox, and it has no token on the instance yet:
    // the row comes known and picked, with nothing typed.
    t.wait_for("[x] Contoso Graph Personal rooms-delegate@contoso.com");
    t.keys(&["Enter"]);
    t.wait_for("Get OAuth Token");
    t.keys(&["Enter"]);
    t.wait_for("All sign-ins are finished");
    t.keys(&["Enter"]);
    t.wait_for("token on the instance");
    t.keys(&["Enter"]);
    t.wait_for("Rooms:");
    let s = t.wait_for("Re-authorized mailboxes");
    assert!(s.contains("signed in as rooms-delegate@contoso.com"), "{s}");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));
    token_only_in_the_keyring(&t);
}

#[test]
fn troubleshoot_a_broken_instance_and_repair_it() {
    let Some(t) = Tmux::start_with("", "troubleshoot --sandbox --broken", "true") else { return };
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    // The broken seed holds one fault for each Instance Scan message (tests/doctor.rs).
    let s = t.wait_for("27 errors, 3 warnings,");
    assert!(s.contains("is not a child of") && s.contains("connection attributes"), "{s}");
    t.keys(&["f"]);
    t.wait_for("0 to create, 6 to update, 0 unchanged, 0 conflicts.");
    t.keys(&["Enter"]);
    t.wait_for("Repaired.");
    t.keys(&["Enter"]);
    let s = t.wait_for("23 errors, 3 warnings,");
    assert!(!s.contains("is not a child of"), "{s}");
    let password = calsync::sandbox::seed::ADMIN_PASSWORD;
    assert!(t.seen.borrow().iter().all(|s| !s.contains(password)), "the password on no screen");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));
}

/// The exit code a wrapping script sees for each signal: 128 + its number.
fn signal_exit(signal: &str) -> &'static str {
    match signal {
        "INT" => "EXIT=130",
        "TERM" => "EXIT=143",
        "HUP" => "EXIT=129",
        other => panic!("no exit code for SIG{other}"),
    }
}

/// SIGINT (the signal, not the Ctrl-C key), SIGTERM and SIGHUP, on different screens,
/// leave a cooked terminal and exit 130, 143 and 129, so a wrapping script sees no success.
#[test]
fn signals_restore_the_terminal_and_say_so_in_the_exit_code() {
    for (signal, keys, screen) in [
        ("TERM", vec!["Enter"], "Step 1 of 16"),
        ("HUP", vec!["Enter", "Enter"], "Instance and login"),
        ("INT", vec!["Enter", "Enter"], "Instance and login"),
        ("TERM", vec!["Down", "Down", "Enter", "Enter"], "Findings"),
        ("INT", vec![], "First-time setup"),
    ] {
        let Some(t) = Tmux::start("") else { return };
        t.wait_for("First-time setup");
        t.keys(&keys);
        t.wait_for(screen);
        let pane =
            Command::new("tmux").args(["-L", &t.socket, "display", "-p", "-t", "w", "#{pane_pid}"]).output().unwrap();
        let shell = String::from_utf8_lossy(&pane.stdout).trim().to_string();
        let child = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
        let pid = String::from_utf8_lossy(&child.stdout).lines().next().unwrap_or_default().trim().to_string();
        assert!(!pid.is_empty(), "calsync runs under the pane's shell");
        Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap();
        t.wait_for(signal_exit(signal));
        cooked(&t.path("stty.txt"));
    }
}

/// The sign-in's refresh token is in the keyring, and on no screen and in no file the
/// journey wrote; neither is the instance password. The entry is removed afterwards.
fn token_only_in_the_keyring(t: &Tmux) {
    // tests/run gives this process a D-Bus session, so the Secret Service is the store, as
    // for the calsync it started with CALSYNC_KEYRING=secret-service.
    let account = calsync::secrets::Account::RefreshToken {
        instance: "sandbox".into(),
        credential: "Contoso Graph Personal".into(),
    };
    let token = calsync::secrets::get(os_keyring(), &account).unwrap().expect("the refresh token is in the keyring");
    let token = secrecy::ExposeSecret::expose_secret(&token).to_string();
    let password = calsync::sandbox::seed::ADMIN_PASSWORD;
    assert!(t.seen.borrow().iter().all(|s| !s.contains(&token) && !s.contains(password)), "no secret on any screen");
    for f in files(t.dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(!text.contains(&token) && !text.contains(password), "a secret in {}", f.display());
    }
    let _ = calsync::secrets::delete(os_keyring(), &account);
}

/// The personal own-alias setup from its Scope checks to Get OAuth Token: the alias and
/// mailbox typed, every other step as prefilled, no room picked, applied.
fn from_scope_checks_to_get_oauth_token(t: &Tmux) {
    t.wait_for("has the admin role");
    t.keys(&["Enter"]);
    t.wait_for("Grant      authorization_code");
    t.keys(&["Enter"]);
    t.wait_for("Parent alias");
    t.type_text("Contoso_Graph_Personal");
    t.wait_for("sn_wsd_rsvsync.Contoso_Graph_Personal");
    t.keys(&["Enter"]);
    t.wait_for("Delegated user");
    t.type_text("rooms-delegate@contoso.com");
    t.keys(&["Enter"]);
    t.wait_for("ok: Microsoft Graph, Global cloud");
    t.keys(&["Enter"]);
    t.wait_for("Calendar provider");
    t.keys(&["Enter"]);
    t.wait_for("kilimanjaro@contoso.com");
    t.keys(&["Enter"]);
    t.wait_for("Sync properties");
    t.keys(&["Enter"]);
    t.wait_for("Normal -> Personal");
    t.keys(&["Enter"]);
    t.wait_for("Enter writes these changes.");
    t.keys(&["Enter"]);
    t.wait_for("The instance matches the setup");
    t.keys(&["Enter"]);
    t.wait_for("Get OAuth Token");
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files(&p)) } else { out.push(p) }
    }
    out
}

/// Every screen of the setup, left by each of Ctrl-C, SIGTERM, SIGHUP, SIGINT and a panic
/// (F12 in a debug build with CALSYNC_DEBUG_PANIC): 65 exits, the terminal cooked and the
/// exit code right after each.
#[test]
fn every_setup_screen_gives_the_terminal_back() {
    // Keys that walk the setup one screen further, and the text that shows it arrived.
    let walk: [(&[&str], Option<&str>, &str); 13] = [
        (&[], None, "First-time setup"),
        (&["Enter"], None, "Step 1 of 16"),
        (&["Enter"], None, "Instance and login"),
        (&["Enter"], None, "Scope checks"),
        (&["Enter"], None, "OAuth profile"),
        (&["Enter"], Some("Contoso_Graph_Personal"), "sn_wsd_rsvsync.Contoso_Graph_Personal"),
        (&["Enter"], Some("rooms-delegate@contoso.com"), "Delegated user  rooms-delegate@contoso.com"),
        (&["Enter"], None, "HTTP(s) connection"),
        (&["Enter"], None, "Calendar provider"),
        (&["Enter"], None, "kilimanjaro@contoso.com"),
        (&["Enter"], None, "Sync properties"),
        (&["Enter"], None, "Integration mode"),
        (&["Enter"], None, "Enter writes these changes"),
    ];
    let ways = ["C-c", "TERM", "HUP", "INT", "panic"];
    for (screen, way) in (0..walk.len()).flat_map(|s| ways.iter().map(move |w| (s, *w))) {
        let Some(t) = Tmux::start("CALSYNC_DEBUG_PANIC=1") else { return };
        for (keys, typed, wait) in &walk[..=screen] {
            t.keys(keys);
            if let Some(text) = typed {
                t.type_text(text);
            }
            t.wait_for(wait);
        }
        match way {
            "C-c" => t.keys(&["C-c", "y"]),
            "panic" => t.keys(&["F12"]),
            signal => {
                let pane = Command::new("tmux")
                    .args(["-L", &t.socket, "display", "-p", "-t", "w", "#{pane_pid}"])
                    .output()
                    .unwrap();
                let shell = String::from_utf8_lossy(&pane.stdout).trim().to_string();
                let child = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
                let pid = String::from_utf8_lossy(&child.stdout).lines().next().unwrap_or_default().trim().to_string();
                Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap();
            }
        }
        let s = t.wait_for("EXIT=");
        match way {
            "panic" => assert!(s.contains("EXIT=101"), "a panic exits with 101:\n{s}"),
            "C-c" => assert!(s.contains("EXIT=0"), "the Ctrl-C key is the admin's choice:\n{s}"),
            signal => assert!(s.contains(signal_exit(signal)), "SIG{signal} on screen {screen}:\n{s}"),
        }
        cooked(&t.path("stty.txt"));
    }
}

/// The re-authorize journey refuses a mailbox that is not the credential's own (its
/// provider's delegated user), naming both, before any sign-in: nothing is stored.
#[test]
fn re_authorize_refuses_another_mailbox_for_a_credential() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_none() {
        eprintln!("not run: the re-authorize list reads the keyring; run through tests/run");
        return;
    }
    let env = "CALSYNC_KEYRING=secret-service BROWSER=false";
    let before = "calsync apply --sandbox --yes --plan ROOT/examples/personal-two-mailboxes.toml >/dev/null";
    let Some(t) = Tmux::start_with(env, "--sandbox", before) else { return };
    t.wait_for("Re-authorize delegated mailboxes");
    t.keys(&["Down", "Enter"]);
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    let s = t.wait_for("Contoso Rooms North");
    let down = s.lines().position(|l| l.contains("Contoso Rooms North")).unwrap_or(0)
        > s.lines().position(|l| l.contains("Contoso Rooms South")).unwrap_or(0);
    if down {
        t.keys(&["Down"]);
    }
    // Both come picked with their providers' mailboxes: North is given South's instead,
    // and South is left out.
    t.wait_for("[x] Contoso Rooms North rooms-north@contoso.com");
    t.keys(&["e", "C-u"]);
    t.type_text("rooms-south@contoso.com");
    t.wait_for("Delegated user  rooms-south@contoso.com");
    t.keys(&["Enter"]);
    t.wait_for("[x] Contoso Rooms North rooms-south@contoso.com");
    t.keys(&[if down { "Up" } else { "Down" }, "Space"]);
    t.wait_for("[ ] Contoso Rooms South");
    t.keys(&["Enter"]);
    t.wait_for("Get OAuth Token");
    t.keys(&["Enter"]);
    let s = t.wait_for("FAILED");
    let text: String =
        s.lines().map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace())).collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("belongs to rooms-north@contoso.com") && text.contains("not to rooms-south@contoso.com"),
        "{s}"
    );
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(t.path("sandbox.json")).unwrap()).unwrap();
    let tokens = state["rows"].as_array().unwrap().iter().filter(|r| r["sys_class_name"] == "oauth_credential").count();
    assert_eq!(tokens, 0, "nothing on the instance");
    let account = calsync::secrets::Account::RefreshToken {
        instance: "sandbox".into(),
        credential: "Contoso Rooms North".into(),
    };
    assert!(calsync::secrets::get(os_keyring(), &account).ok().flatten().is_none(), "nothing in the keyring");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));
}

/// The README's first-time setup, rooms included, by keyboard: two rooms picked, the
/// delegate signed in, the token put on the instance as its own step; the admin then
/// clicks Callback URL and Activate on the forms (here with curl), `c` checks again, and
/// `calsync doctor` exits 0 with the token on the instance and both rooms subscribed.
#[test]
fn first_time_setup_ends_with_two_rooms_syncing_and_a_healthy_doctor() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_none() {
        eprintln!("not run: signing in stores a token, which needs a real keyring; run through tests/run");
        return;
    }
    let browser = format!("{}/tests/fixtures/browser.sh", env!("CARGO_MANIFEST_DIR"));
    let env = format!(
        "CALSYNC_KEYRING=secret-service BROWSER={browser} SIGN_IN_AS=rooms-delegate@contoso.com SIGN_IN_PW=Delegate-Pass-1"
    );
    let Some(t) = Tmux::start(&env) else { return };
    t.wait_for("First-time setup");
    t.keys(&["Enter"]);
    t.wait_for("Step 1 of");
    t.keys(&["Enter"]);
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    t.wait_for("has the admin role");
    t.keys(&["Enter"]);
    t.wait_for("Grant      authorization_code");
    t.keys(&["Enter"]);
    t.wait_for("Parent alias");
    t.type_text("Contoso_Graph_Personal");
    t.wait_for("sn_wsd_rsvsync.Contoso_Graph_Personal");
    t.keys(&["Enter"]);
    t.wait_for("Delegated user");
    t.type_text("rooms-delegate@contoso.com");
    t.keys(&["Enter"]);
    t.wait_for("ok: Microsoft Graph, Global cloud");
    t.keys(&["Enter"]);
    t.wait_for("Calendar provider");
    t.keys(&["Enter"]);
    t.wait_for("everest@contoso.com");
    t.keys(&["Space", "Down", "Space"]);
    t.wait_for("[x] Kilimanjaro");
    t.keys(&["Enter"]);
    t.wait_for("Sync properties");
    t.keys(&["Enter"]);
    t.wait_for("Normal -> Personal");
    t.keys(&["Enter"]);
    let s = t.wait_for("Enter writes these changes.");
    assert!(s.contains("6 to create"), "alias, credential, connection, provider and the two rooms:\n{s}");
    t.keys(&["Enter"]);
    t.wait_for("The instance matches the setup");
    t.keys(&["Enter"]);
    t.wait_for("Get OAuth Token");
    t.keys(&["Enter"]);
    t.wait_for("All sign-ins are finished");
    t.keys(&["Enter"]);
    let s = t.wait_for("token on the instance (2 records)");
    let base = s
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .and_then(|w| w.split("/oauth_credential.do").next())
        .expect("the token records' links show the instance")
        .to_string();
    t.keys(&["Enter"]);
    let s = t.wait_for("Rooms:");
    assert!(s.contains("to do"), "inactive rooms and the registry are named before activation:\n{s}");

    // The admin at the forms: Callback URL on the webhook registry, Activate on each room.
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(t.path("sandbox.json")).unwrap()).unwrap();
    let rows = state["rows"].as_array().unwrap().clone();
    let id_of = |class: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["sys_class_name"] == class)
            .map(|r| r["sys_id"].as_str().unwrap().to_string())
            .collect()
    };
    let click = |table: &str, id: &str, action: &str| {
        let o = Command::new("curl")
            .args(["-s", "-u", "admin:calsync-sandbox", "-d", &format!("sys_id={id}"), "-d"])
            .arg(format!("sys_action={action}"))
            .arg(format!("{base}/{table}.do"))
            .output()
            .unwrap();
        let page = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(page.contains("class=\"info\""), "{action} on {table}: {page}");
    };
    click("sn_ex_online_spke_webhook_registry", &id_of("sn_ex_online_spke_webhook_registry")[0], "callback_url");
    let configs = id_of("sn_wsd_rsvsync_reservable_sync_configuration");
    assert_eq!(configs.len(), 2, "one configuration per picked room");
    for id in &configs {
        click("sn_wsd_rsvsync_reservable_sync_configuration", id, "activate");
    }
    t.keys(&["c"]);
    t.wait_for("Rooms: 2 syncing");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    cooked(&t.path("stty.txt"));

    let doctor = Command::new(env!("CARGO_BIN_EXE_calsync"))
        .args(["doctor", "--sandbox"])
        .env("CALSYNC_SANDBOX_STATE", t.path("sandbox.json"))
        .env("CALSYNC_STATE_DIR", t.path("state"))
        .env("CALSYNC_KEYRING", "secret-service")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&doctor.stderr));
    assert!(!out.contains("TOKEN-MISSING") && !out.contains("ROOM-INACTIVE"), "{out}");
    // The wizard's sign-in is still valid for this next process, as at Microsoft.
    assert!(!out.contains("TOKEN-REFRESH-FAILED") && out.contains("[TOKEN-ACCOUNT]"), "{out}");
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(t.path("sandbox.json")).unwrap()).unwrap();
    let rows = state["rows"].as_array().unwrap();
    let count =
        |class: &str, col: &str, v: &str| rows.iter().filter(|r| r["sys_class_name"] == class && r[col] == v).count();
    assert_eq!(count("oauth_credential", "type", "refresh_token"), 1, "the token is on the instance");
    assert_eq!(count("sn_wsd_rsvsync_reservable_sync_configuration", "active", "true"), 2);
    assert_eq!(count("sn_ex_online_spke_subscription", "status", "active"), 2);
    token_only_in_the_keyring(&t);
}

/// Ctrl-C while the browser sign-in waits, after the setup was applied: once the screen
/// closes, calsync says the setup was applied, that the credential has no token yet, and
/// the command that gets it one.
#[test]
fn ctrl_c_during_the_sign_in_wait_says_there_is_no_token_yet() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_none() {
        eprintln!(
            "not run: a sign-in starts only where its token could be kept (a real keyring); run through tests/run"
        );
        return;
    }
    // A browser that opens nothing: the sign-in waits until Ctrl-C.
    let Some(t) = Tmux::start("CALSYNC_KEYRING=secret-service BROWSER=true") else { return };
    t.wait_for("First-time setup");
    t.keys(&["Enter"]);
    t.wait_for("Step 1 of 16");
    t.keys(&["Enter"]);
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    from_scope_checks_to_get_oauth_token(&t);
    t.keys(&["Enter"]);
    t.wait_for("Waiting for the sign-in");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=0");
    // Joined: the lines are longer than the 80 columns they wrap at.
    let o = Command::new("tmux").args(["-L", &t.socket, "capture-pane", "-p", "-J", "-t", "w"]).output().unwrap();
    let s = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(s.contains("calsync: the setup was applied to http://127.0.0.1:"), "{s}");
    assert!(
        s.contains("No token yet for \"Contoso Graph Personal\": sign rooms-delegate@contoso.com in with calsync authorize --credential \"Contoso Graph Personal\" --expect-user rooms-delegate@contoso.com --store-on-instance --sandbox."),
        "{s}"
    );
    cooked(&t.path("stty.txt"));
}

#[test]
fn the_default_saved_instance_is_filled_in_and_password_mfa_asks_for_the_code() {
    let before = "calsync instance add sbx --url dev123 --user admin > /dev/null";
    let env = "CALSYNC_CONFIG_DIR=$PWD/cfg";
    let Some(t) = Tmux::start_with(env, "setup --sign-in password-mfa", before) else { return };
    t.wait_for("Step 1 of");
    t.keys(&["Enter"]);
    let s = t.wait_for("One-time code");
    let instance = s.lines().find(|l| l.contains("│ Instance  ")).unwrap_or_default();
    assert!(instance.contains("https://dev123.service-now.com"), "the default saved instance is filled in:\n{s}");
    let user = s.lines().find(|l| l.contains("│ User  ")).unwrap_or_default();
    assert!(user.contains("admin"), "the saved user is filled in:\n{s}");
    // The cursor starts on the first empty field, the password.
    t.type_text("pw");
    t.keys(&["Enter"]);
    let s = t.wait_for("the six digits your authenticator shows now");
    assert!(!s.contains("The instance could not be used"), "nothing is sent without a code:\n{s}");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=");
}

/// Re-authorize of two credentials at 80x24: the first signs in, the browser does nothing
/// for the second. While it waits, what is typed into the paste field shows, and an AADSTS
/// code read off Microsoft's error page (another tenant's account) is explained on screen.
#[test]
fn at_80x24_the_second_sign_in_shows_what_is_pasted_and_answers_it() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_none() {
        eprintln!("not run: signing in stores a token, which needs a real keyring; run through tests/run");
        return;
    }
    let browser = format!("{}/tests/fixtures/browser.sh", env!("CARGO_MANIFEST_DIR"));
    // The person at the browser signs the first credential in and then walks away.
    let before = format!(
        "calsync apply --sandbox --yes --plan ROOT/examples/personal-default-alias.toml >/dev/null && \
         printf '#!/bin/sh\\n[ -e once ] && exit 0\\ntouch once\\nexec {browser} \"$1\"\\n' > once.sh && chmod +x once.sh"
    );
    let env = "CALSYNC_KEYRING=secret-service BROWSER=$PWD/once.sh SIGN_IN_AS=rooms-delegate@contoso.com SIGN_IN_PW=Delegate-Pass-1";
    let Some(t) = Tmux::start_with(env, "--sandbox", &before) else { return };
    t.wait_for("Re-authorize delegated mailboxes");
    t.keys(&["Down", "Enter"]);
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    t.wait_for("MS Graph 2");
    for row in ["MS Graph 1", "MS Graph 2"] {
        t.keys(&["e", "C-u"]);
        t.type_text("rooms-delegate@contoso.com");
        t.wait_for("Delegated user  rooms-delegate@contoso.com");
        t.keys(&["Enter"]);
        t.wait_for(&format!("[x] {row}"));
        t.keys(&["Down"]);
    }
    t.keys(&["Enter"]);
    t.wait_for("Get OAuth Token");
    t.keys(&["Enter"]);
    t.wait_for("done    MS Graph 1");
    t.keys(&["Enter"]);
    t.wait_for("waiting MS Graph 2");
    t.wait_for("Waiting for the sign-in");
    t.type_text("AADSTS50020");
    let s = t.wait_for("│ > AADSTS50020");
    assert!(s.contains("done    MS Graph 1: signed in as rooms-delegate@contoso.com"), "{s}");
    t.keys(&["Enter"]);
    // A long answer may push the finished sign-in off the top; the field stays.
    let s = t.wait_for("does not belong to this tenant");
    assert!(s.contains("│ >") && s.contains("Waiting for the sign-in"), "still waiting:\n{s}");
    t.keys(&["Escape"]);
    t.wait_for("cancelled; nothing was stored");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=");
    cooked(&t.path("stty.txt"));
    for credential in ["MS Graph 1", "MS Graph 2"] {
        let account =
            calsync::secrets::Account::RefreshToken { instance: "sandbox".into(), credential: credential.into() };
        let _ = calsync::secrets::delete(os_keyring(), &account);
    }
}

/// The broken sandbox has spoke 3.1.0 under WCS 3.4.6, which the doctor calls unsupported:
/// the Scope checks say so in its words and stop the setup there.
#[test]
fn scope_checks_stop_on_a_spoke_the_doctor_calls_unsupported() {
    let Some(t) = Tmux::start_with("", "setup --sandbox --broken", "true") else { return };
    t.wait_for("Step 1 of");
    t.keys(&["Enter"]);
    t.wait_for("The sandbox instance is filled in");
    t.keys(&["Enter"]);
    t.wait_for("Scope checks");
    // The last of the two failures: a capture during the redraw may show only the first.
    let s = t.wait_for("APP-SPOKE-MULTI-PROVIDER");
    assert!(s.contains("FAIL") && s.contains("APP-SPOKE-OLD"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("Fix the failed checks");
    assert!(s.contains("Scope checks") && !s.contains("OAuth profile"), "the setup stops on the checks:\n{s}");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=");
}
