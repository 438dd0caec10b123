//! `calsync authorize` as a binary: the test plays the person at the browser, then looks
//! in the real OS keyring from another process.

mod common;

use calsync::secrets::{self, Account};
use common::*;
use secrecy::ExposeSecret;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

fn cmd(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_calsync"));
    for var in
        ["CALSYNC_INSTANCE", "CALSYNC_USER", "CALSYNC_PASSWORD", "CALSYNC_LOGIN_URL", "CALSYNC_GRAPH_URL", "BROWSER"]
    {
        c.env_remove(var);
    }
    c.env("CALSYNC_SANDBOX_STATE", dir.join("sandbox.json"));
    c.env("CALSYNC_STATE_DIR", dir.join("state"));
    c.env("CALSYNC_KEYRING", "secret-service");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `calsync authorize --sandbox --no-browser`, signs in as `who` when the URL shows up.
async fn authorize(dir: &std::path::Path, person: Person) -> (i32, String, String) {
    authorize_credential(dir, "Contoso Graph Personal", person).await
}

async fn authorize_credential(dir: &std::path::Path, credential: &str, person: Person) -> (i32, String, String) {
    let mut child = cmd(dir)
        .args([
            "authorize",
            "--sandbox",
            "--no-browser",
            "--credential",
            credential,
            "--expect-user",
            "rooms-delegate@contoso.com",
            "--timeout",
            "30",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut err_text = String::new();
    let mut url_next = false;
    while let Ok(Some(line)) = stderr.next_line().await {
        err_text.push_str(&line);
        err_text.push('\n');
        if url_next {
            tokio::spawn(browse(line.trim().to_string(), person.clone(), None));
            break;
        }
        url_next = line.starts_with("Open this address");
    }
    while let Ok(Some(line)) = stderr.next_line().await {
        err_text.push_str(&line);
        err_text.push('\n');
    }
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
    let status = child.wait().await.unwrap();
    (status.code().unwrap_or(-1), out, err_text)
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_keeps_the_token_in_the_keyring_only_for_the_right_account() {
    if !common_keyring_required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = cmd(dir.path())
        .args(["apply", "--sandbox", "--yes", "--plan", "examples/personal-own-alias.toml"])
        .output()
        .await
        .unwrap();
    assert!(o.status.success());
    let account = Account::RefreshToken { instance: "sandbox".into(), credential: "Contoso Graph Personal".into() };
    let _ = secrets::delete(os_keyring(), &account);

    let (code, out, err) = authorize(dir.path(), Person::SignsInAs("it-admin@contoso.com", "Admin-Pass-1")).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("signed in as it-admin@contoso.com, but this credential expects rooms-delegate@contoso.com"),
        "{err}"
    );
    assert!(secrets::get(os_keyring(), &account).unwrap().is_none(), "nothing stored for the wrong account");

    let (code, out, err) =
        authorize(dir.path(), Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1")).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Signed in as rooms-delegate@contoso.com"), "{out}");
    let token = secrets::get(os_keyring(), &account).unwrap().expect("refresh token in the keyring");
    let token = token.expose_secret();
    assert!(token.starts_with("sbx.rt."));
    assert!(!out.contains(token) && !err.contains(token), "the token is never printed");
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(token), "token found in {}", entry.display());
    }
    secrets::delete(os_keyring(), &account).unwrap();
}

fn common_keyring_required() -> bool {
    let on = std::env::var_os("CALSYNC_REQUIRE_KEYRING").is_some();
    if !on {
        eprintln!("not run: needs a real keyring; run through tests/run");
    }
    on
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// `authorize --credential North --expect-user south@...` used to write South's token onto
/// North's credential; now it is refused before anyone signs in, naming both mailboxes.
#[tokio::test(flavor = "multi_thread")]
async fn a_mailbox_that_is_not_the_credentials_is_refused_before_the_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let o = cmd(dir.path())
        .args(["apply", "--sandbox", "--yes", "--plan", "examples/personal-two-mailboxes.toml"])
        .output()
        .await
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cmd(dir.path())
        .args([
            "authorize",
            "--sandbox",
            "--no-browser",
            "--credential",
            "Contoso Rooms North",
            "--expect-user",
            "rooms-south@contoso.com",
        ])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("\"Contoso Rooms North\" belongs to rooms-north@contoso.com (its calendar provider's delegated user email), not to rooms-south@contoso.com"),
        "{err}"
    );
    assert!(!err.contains("Open this address"), "no sign-in was started: {err}");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sandbox.json")).unwrap()).unwrap();
    let tokens = state["rows"].as_array().unwrap().iter().filter(|r| r["sys_class_name"] == "oauth_credential").count();
    assert_eq!(tokens, 0, "nothing stored on the instance");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_oauth_token_is_refused_on_a_personal_integration_type_credential() {
    let dir = tempfile::tempdir().unwrap();
    let plan =
        example("personal-own-alias.toml").replace("order = 100", "order = 100\nintegration_type = \"personal\"");
    let path = dir.path().join("personal.toml");
    std::fs::write(&path, plan).unwrap();
    let o = cmd(dir.path()).args(["apply", "--sandbox", "--yes", "--plan"]).arg(&path).output().await.unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cmd(dir.path())
        .args(["authorize", "--sandbox", "--no-browser", "--credential", "Contoso Graph Personal"])
        .args(["--expect-user", "rooms-delegate@contoso.com"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("has Integration Type Personal") && err.contains("nothing was signed in or stored"), "{err}");
    assert!(!err.contains("Open this address"), "{err}");
}

/// `reauth --expiring-within` picks a credential for its instance token, so that token is
/// the one it renews: the new tokens go to the instance, not only to the keyring.
#[tokio::test(flavor = "multi_thread")]
async fn reauth_expiring_writes_the_new_token_to_the_instance() {
    if !common_keyring_required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A credential name of its own: the keyring is shared with the other tests here.
    let plan = example("personal-own-alias.toml").replace("Contoso Graph Personal", "Contoso Graph Reauth");
    let path = dir.path().join("reauth.toml");
    std::fs::write(&path, plan).unwrap();
    let o = cmd(dir.path()).args(["apply", "--sandbox", "--yes", "--plan"]).arg(&path).output().await.unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let account = Account::RefreshToken { instance: "sandbox".into(), credential: "Contoso Graph Reauth".into() };
    let _ = secrets::delete(os_keyring(), &account);
    // Signed in once, to the keyring only: the instance still has no token.
    let (code, out, err) = authorize_credential(
        dir.path(),
        "Contoso Graph Reauth",
        Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let browser = format!("{}/tests/fixtures/browser.sh %s", env!("CARGO_MANIFEST_DIR"));
    let o = cmd(dir.path())
        .args(["reauth", "--expiring-within", "14d", "--sandbox"])
        .env("BROWSER", &browser)
        .env("SIGN_IN_AS", "rooms-delegate@contoso.com")
        .env("SIGN_IN_PW", "Delegate-Pass-1")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("Contoso Graph Reauth: missing (instance token none)"), "{out}");
    assert!(out.contains("The tokens were written to the instance for \"Contoso Graph Reauth\""), "{out}");
    assert!(!out.contains("The instance still has no token"), "{out}");
    let o = cmd(dir.path()).args(["status", "--sandbox", "--json"]).stdin(Stdio::null()).output().await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let creds = doc["instances"][0]["credentials"].as_array().unwrap();
    let cred = creds.iter().find(|c| c["credential"] == "Contoso Graph Reauth").expect("listed");
    assert_eq!(cred["state"], "ok", "the instance has a fresh token: {doc}");
    assert!(cred["expires"].as_str().is_some(), "{doc}");
    secrets::delete(os_keyring(), &account).unwrap();
}

/// `calsync status` flags a credential whose token is in the keyring but not on the
/// instance; the command it prints is the one that puts it there, so a second status is
/// clean (it used to print an authorize that left the instance without a token).
#[tokio::test(flavor = "multi_thread")]
async fn the_command_status_suggests_puts_the_token_on_the_instance() {
    if !common_keyring_required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plan = example("personal-own-alias.toml").replace("Contoso Graph Personal", "Contoso Graph Status");
    let path = dir.path().join("status.toml");
    std::fs::write(&path, plan).unwrap();
    let o = cmd(dir.path()).args(["apply", "--sandbox", "--yes", "--plan"]).arg(&path).output().await.unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let account = Account::RefreshToken { instance: "sandbox".into(), credential: "Contoso Graph Status".into() };
    let _ = secrets::delete(os_keyring(), &account);
    let (code, out, err) = authorize_credential(
        dir.path(),
        "Contoso Graph Status",
        Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let status = || async {
        let o = cmd(dir.path()).args(["status", "--sandbox"]).stdin(Stdio::null()).output().await.unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let out = status().await;
    assert!(
        out.contains(
            "  Contoso Graph Status: instance token none; signed in as rooms-delegate@contoso.com; keyring yes"
        ),
        "{out}"
    );
    let fix = "calsync authorize --credential \"Contoso Graph Status\" --expect-user rooms-delegate@contoso.com --store-on-instance --sandbox";
    assert!(out.contains(&format!("      -> {fix}")), "{out}");
    // The printed command, as the admin would run it.
    let browser = format!("{}/tests/fixtures/browser.sh %s", env!("CARGO_MANIFEST_DIR"));
    let o = cmd(dir.path())
        .args(["authorize", "--credential", "Contoso Graph Status", "--expect-user", "rooms-delegate@contoso.com"])
        .args(["--store-on-instance", "--sandbox"])
        .env("BROWSER", &browser)
        .env("SIGN_IN_AS", "rooms-delegate@contoso.com")
        .env("SIGN_IN_PW", "Delegate-Pass-1")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let out = status().await;
    assert!(out.contains("  Contoso Graph Status: instance token expires 20"), "{out}");
    assert!(!out.contains("--credential \"Contoso Graph Status\""), "nothing left to do: {out}");
    secrets::delete(os_keyring(), &account).unwrap();
}

/// `--timeout 0` is refused with a sentence; a wait of one second is "1 second"; Ctrl-C
/// during the wait exits 130, as the wizard does on SIGINT (it exited 1, the code of a
/// wrong account).
#[tokio::test(flavor = "multi_thread")]
async fn the_wait_is_at_least_a_second_and_ctrl_c_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["authorize", "--sandbox", "--no-browser", "--credential", "Contoso Graph Personal"];
    let args = [&args[..], &["--expect-user", "rooms-delegate@contoso.com"]].concat();
    let o = cmd(dir.path()).args(&args).args(["--timeout", "0"]).stdin(Stdio::null()).output().await.unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("give the seconds to wait for the sign-in, at least 1"), "{err}");
    if !common_keyring_required() {
        return;
    }
    let o = cmd(dir.path())
        .args(["apply", "--sandbox", "--yes", "--plan", "examples/personal-own-alias.toml"])
        .output()
        .await
        .unwrap();
    assert!(o.status.success());
    let o = cmd(dir.path()).args(&args).args(["--timeout", "1"]).stdin(Stdio::null()).output().await.unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no sign-in arrived within 1 second;"), "{err}");
    let mut child =
        cmd(dir.path()).args(&args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    while let Ok(Some(line)) = stderr.next_line().await {
        if line.starts_with("Open this address") {
            break;
        }
    }
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let mut rest = String::new();
    while let Ok(Some(line)) = stderr.next_line().await {
        rest.push_str(&line);
        rest.push('\n');
    }
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("the sign-in was cancelled; nothing was stored"), "{rest}");
}

/// `reauth --expiring-within` runs each sign-in with authorize's options: here
/// `--no-browser` (the address is printed) and `--port` (the redirect URI names it). They
/// used to be refused as unknown arguments; without --expiring-within they are refused
/// with a sentence, as the wizard does not use them.
#[tokio::test(flavor = "multi_thread")]
async fn reauth_expiring_takes_the_sign_in_options_of_authorize() {
    let dir = tempfile::tempdir().unwrap();
    let o = cmd(dir.path()).args(["reauth", "--sandbox", "--no-browser"]).stdin(Stdio::null()).output().await.unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--no-browser serves the headless renewal only: add --expiring-within DURATION"), "{err}");
    if !common_keyring_required() {
        return;
    }
    let plan = example("personal-own-alias.toml").replace("Contoso Graph Personal", "Contoso Graph Options");
    let path = dir.path().join("options.toml");
    std::fs::write(&path, plan).unwrap();
    let o = cmd(dir.path()).args(["apply", "--sandbox", "--yes", "--plan"]).arg(&path).output().await.unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let account = Account::RefreshToken { instance: "sandbox".into(), credential: "Contoso Graph Options".into() };
    let _ = secrets::delete(os_keyring(), &account);
    let delegate = Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1");
    let (code, out, err) = authorize_credential(dir.path(), "Contoso Graph Options", delegate.clone()).await;
    assert_eq!(code, 0, "{out}{err}");
    // A free port can be taken by another test before calsync listens on it: then again.
    let (mut child, mut address, mut port, mut err) = (None, String::new(), 0, None);
    for _ in 0..5 {
        port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut c = cmd(dir.path())
            .args(["reauth", "--expiring-within", "14d", "--sandbox", "--no-browser", "--timeout", "30"])
            .args(["--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(c.stderr.take().unwrap()).lines();
        let (mut url_next, mut taken) = (false, false);
        while let Ok(Some(line)) = stderr.next_line().await {
            taken |= line.contains("could not listen on");
            if url_next {
                address = line.trim().to_string();
                tokio::spawn(browse(address.clone(), delegate.clone(), None));
                break;
            }
            url_next = line.starts_with("Open this address");
        }
        // The rest of stderr is kept open: calsync still writes to it.
        (child, err) = (Some(c), Some(stderr));
        if !taken {
            break;
        }
    }
    let mut child = child.expect("started");
    let _stderr = err;
    assert!(address.contains(&format!("localhost%3A{port}")), "the redirect URI names --port {port}: {address}");
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(out.contains("The tokens were written to the instance for \"Contoso Graph Options\""), "{out}");
    secrets::delete(os_keyring(), &account).unwrap();
}

/// `instance login` with OAuth in a terminal, the client secret neither in the
/// environment nor in the keyring: calsync asks for it (masked) before the browser, signs
/// in, and offers to keep it; the next command then signs in silently. It never asked,
/// and the login failed saying the client did not exist.
#[tokio::test(flavor = "multi_thread")]
async fn instance_login_asks_for_the_client_secret_and_keeps_it() {
    if !common_keyring_required() {
        return;
    }
    use calsync::sandbox::{self, auth as sbauth};
    let sb = sandbox::Sandbox::start(sandbox::Options::default()).await.unwrap();
    let key = sb.url().trim_start_matches("http://").trim_end_matches('/').to_string();
    let secret_account = Account::ClientSecret { instance: key.clone(), client_id: sbauth::INSTANCE_CLIENT_ID.into() };
    let token_account = Account::InstanceToken { instance: key.clone(), login: "oa".into() };
    let _ = secrets::delete(os_keyring(), &secret_account);
    let _ = secrets::delete(os_keyring(), &token_account);
    let dir = tempfile::tempdir().unwrap();
    let with_config = |mut c: Command| {
        c.env("CALSYNC_CONFIG_DIR", dir.path().join("config")).env_remove("CALSYNC_INSTANCE_CLIENT_SECRET");
        c
    };
    // A free port can be taken by another test before calsync listens on it: then again.
    let mut out = String::new();
    let mut status = None;
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        sb.with_store(|s| {
            for r in s.rows.iter_mut() {
                if r.get("client_id").map(String::as_str) == Some(sbauth::INSTANCE_CLIENT_ID) {
                    r.insert("redirect_url".into(), format!("http://localhost:{port}/"));
                }
            }
        });
        let o = with_config(cmd(dir.path()))
            .args(["instance", "add", "oa", "--url", sb.url(), "--sign-in", "oauth", "--port", &port.to_string()])
            .args(["--client-id", sbauth::INSTANCE_CLIENT_ID])
            .output()
            .await
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // In a terminal (script(1) gives it one): the secret, then "y" to keep it.
        let mut c = with_config(Command::new("script"));
        let bin = env!("CARGO_BIN_EXE_calsync");
        c.args(["-qec", &format!("{bin} instance login oa"), "/dev/null"]);
        for (k, v) in cmd(dir.path()).as_std().get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c.env("BROWSER", format!("{}/tests/fixtures/browser.sh %s", env!("CARGO_MANIFEST_DIR")));
        c.env("SIGN_IN_AS", sandbox::seed::ADMIN_USER).env("SIGN_IN_PW", sandbox::seed::ADMIN_PASSWORD);
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // Each answer is typed once its question is on the screen, as a person would.
        out.clear();
        let mut answers = vec![
            ("Keep the client secret", "y\n".to_string()),
            ("Client secret of", format!("{}\n", sbauth::INSTANCE_CLIENT_SECRET)),
        ];
        let talk = async {
            let mut buf = [0u8; 4096];
            loop {
                let n = stdout.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                out.push_str(&String::from_utf8_lossy(&buf[..n]));
                if let Some((question, answer)) = answers.last()
                    && out.contains(question)
                {
                    // The prompt is written before the terminal's echo is turned off; a
                    // person types later than that, so the test waits as a person would
                    // (typed at once, the answer would be echoed by the terminal itself).
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    tokio::io::AsyncWriteExt::write_all(&mut stdin, answer.as_bytes()).await.unwrap();
                    answers.pop();
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(60), talk).await.expect("the login ends");
        status = child.wait().await.unwrap().code();
        if !out.contains("could not listen on") {
            break;
        }
    }
    assert_eq!(status, Some(0), "{out}");
    assert!(out.contains("Client secret of calsync's OAuth client"), "asked: {out}");
    assert!(out.contains("Signed in to") && out.contains("as admin."), "{out}");
    assert!(!out.contains(sbauth::INSTANCE_CLIENT_SECRET), "the secret is not echoed: {out}");
    let kept = secrets::get(os_keyring(), &secret_account).unwrap().expect("the client secret is in the keyring");
    assert_eq!(kept.expose_secret(), sbauth::INSTANCE_CLIENT_SECRET);
    // The next command, with no terminal, signs in with the kept token and secret.
    let o =
        with_config(cmd(dir.path())).args(["status", "--instance", "oa"]).stdin(Stdio::null()).output().await.unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("login: ok as admin (oauth)"), "{out}{}", String::from_utf8_lossy(&o.stderr));
    secrets::delete(os_keyring(), &secret_account).unwrap();
    let _ = secrets::delete(os_keyring(), &token_account);
}

/// The instance password is kept per host and user: removing one of two profiles that share
/// it keeps it for the other, and says so; removing the last one forgets it.
#[tokio::test(flavor = "multi_thread")]
async fn removing_a_profile_keeps_a_password_another_profile_uses() {
    if !common_keyring_required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let user = format!("shared-{}", std::process::id());
    let key = calsync::urls::InstanceUrl::parse("http://127.0.0.1:9").unwrap().key();
    let account = Account::InstancePassword { instance: key.clone(), user: user.clone() };
    let in_config = |c: &mut Command| {
        c.env("CALSYNC_CONFIG_DIR", dir.path().join("config")).stdin(Stdio::null());
    };
    for name in ["sbx", "sbxro"] {
        let mut c = cmd(dir.path());
        in_config(&mut c);
        let o = c.args(["instance", "add", name, "--url", "http://127.0.0.1:9", "--user", &user]).output().await;
        assert!(o.unwrap().status.success());
    }
    secrets::set(os_keyring(), &account, &secrecy::SecretString::from("Shared-Pass-1")).unwrap();
    let mut c = cmd(dir.path());
    in_config(&mut c);
    let o = c.args(["instance", "remove", "sbxro"]).output().await.unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{out}");
    assert!(secrets::get(os_keyring(), &account).unwrap().is_some(), "sbx still signs in with it: {out}");
    assert!(
        out.contains(&format!(
            "the password instance-password:{key}:{user} stays in the OS keyring, as \"sbx\" still signs in with it"
        )),
        "{out}"
    );
    let mut c = cmd(dir.path());
    in_config(&mut c);
    let o = c.args(["instance", "remove", "sbx"]).output().await.unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains(&format!("forgot instance-password:{key}:{user}")), "{out}");
    assert!(secrets::get(os_keyring(), &account).unwrap().is_none(), "the last profile took it along");
}
