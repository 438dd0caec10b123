//! The `calsync` binary as scripts use it: exit codes, sentences, and a process killed
//! halfway through an apply.

mod common;

use calsync::sandbox::seed;
use common::*;
use std::process::Output;
use tokio::process::Command;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_calsync"));
        for var in ["CALSYNC_INSTANCE", "CALSYNC_USER", "CALSYNC_PASSWORD", "CALSYNC_SANDBOX_STATE"] {
            c.env_remove(var);
        }
        c.env("CALSYNC_SANDBOX_STATE", self.dir.path().join("sandbox.json"));
        c.env("CALSYNC_STATE_DIR", self.dir.path().join("state"));
        c.env("CALSYNC_KEYRING", "keyutils");
        c.stdin(std::process::Stdio::null());
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn run(c: &mut Command) -> (i32, String) {
    let o = c.output().await.unwrap();
    (o.status.code().unwrap_or(-1), text(&o))
}

#[tokio::test]
async fn sandbox_apply_creates_then_reports_nothing_to_change() {
    let env = Env::new();
    let (code, out) =
        run(env.cmd().args(["apply", "--plan", "examples/personal-own-alias.toml", "--sandbox", "--yes"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("created alias       Contoso_Graph_Personal"), "{out}");
    assert!(out.contains("sn_wsd_rsvsync.Contoso_Graph_Personal"), "{out}");
    let (code, out) =
        run(env.cmd().args(["apply", "--plan", "examples/personal-own-alias.toml", "--sandbox", "--yes"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing to change"), "{out}");
    assert!(out.contains("0 to create, 0 to update, 6 unchanged"), "{out}");
}

#[tokio::test]
async fn bad_input_exits_2_with_one_sentence_and_writes_nothing() {
    let env = Env::new();
    let bad = env.write("bad.toml", "mode = \"personal\"\n\n[[alias]]\nname = \"Contoso Graph\"\n");
    let (code, out) = run(env.cmd().args(["apply", "--plan", &bad, "--sandbox", "--yes"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bad.toml:4: [[alias]] name"), "{out}");
    assert!(out.contains("Nothing was written"), "{out}");

    let (code, out) = run(env.cmd().args(["apply", "--plan", "examples/normal.toml"])).await;
    assert_eq!(code, 2);
    assert!(out.contains("no instance given"), "{out}");

    let (code, out) = run(env.cmd().args([
        "apply",
        "--plan",
        "examples/normal.toml",
        "--instance",
        "https://dev1.service-now.com/now/nav/ui",
    ]))
    .await;
    assert_eq!(code, 2);
    assert!(out.contains("has a path") && out.contains("https://dev1.service-now.com"), "{out}");

    let (code, out) = run(env.cmd().args(["apply", "--plan", "missing.toml", "--sandbox"])).await;
    assert_eq!(code, 2);
    assert!(out.contains("cannot read the plan"), "{out}");

    let (code, out) = run(&mut env.cmd()).await;
    assert_eq!(code, 2);
    assert!(out.contains("calsync apply --plan FILE"), "{out}");
    assert_eq!(out.trim().lines().count(), 1, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn access_problems_exit_3_and_never_show_the_password() {
    let env = Env::new();
    let sb = sandbox().await;
    let secret = "Pw-9f8e7d6c-never-print";
    let (code, out) = run(env
        .cmd()
        .args(["apply", "--plan", "examples/normal.toml", "--instance", sb.url(), "--user", "admin"])
        .env("CALSYNC_PASSWORD", secret))
    .await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("refused the login"), "{out}");
    assert!(!out.contains(secret));

    sb.set_hibernating(true);
    let (code, out) = run(env
        .cmd()
        .args(["apply", "--plan", "examples/normal.toml", "--instance", sb.url(), "--user", "admin"])
        .env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD))
    .await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("hibernating"), "{out}");

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (code, out) = run(env
        .cmd()
        .args([
            "apply",
            "--plan",
            "examples/normal.toml",
            "--instance",
            &format!("http://127.0.0.1:{port}"),
            "--user",
            "a",
        ])
        .env("CALSYNC_PASSWORD", "x"))
    .await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("could not reach"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_yes_and_without_a_terminal_nothing_is_written() {
    let env = Env::new();
    let sb = sandbox().await;
    let writes = sb.writes();
    let args = ["apply", "--plan", "examples/personal-own-alias.toml", "--instance", sb.url(), "--user", "admin"];
    let (code, out) = run(env.cmd().args(args).env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD)).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--yes"), "{out}");
    assert_eq!(sb.writes(), writes);

    let o = env
        .cmd()
        .args(args)
        .args(["--dry-run", "--json"])
        .env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD)
        .output()
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["summary"]["create"], 4);
    assert_eq!(doc["applied"], false);
    assert_eq!(doc["items"][0]["action"], "create");
    assert_eq!(sb.writes(), writes);
}

#[tokio::test(flavor = "multi_thread")]
async fn conflicts_exit_1() {
    let env = Env::new();
    let sb = sandbox().await;
    let plan = env.write(
        "conflict.toml",
        "mode = \"strict\"\n[[credential]]\nname = \"MS Graph 1\"\nprofile = \"No such profile\"\ndelegated_user = \"a@b.com\"\n",
    );
    let (code, out) = run(env
        .cmd()
        .args(["apply", "--plan", &plan, "--instance", sb.url(), "--user", "admin", "--yes"])
        .env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD))
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"No such profile\" does not exist"), "{out}");
    assert!(out.contains("Nothing was written"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_halfway_then_rerun_converges_and_puts_the_picker_back() {
    let env = Env::new();
    let sb = sandbox().await;
    sb.set_latency_ms(250);
    let args =
        ["apply", "--plan", "examples/personal-own-alias.toml", "--instance", sb.url(), "--user", "admin", "--yes"];
    let mut child = env
        .cmd()
        .args(args)
        .env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the picker switch, then kill while the batch of writes is on its way (each
    // answer takes 250 ms): its records are there or not, never twice.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sb.writes() < 1 {
        assert!(std::time::Instant::now() < deadline, "apply never started writing");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().await.unwrap();
    let _ = child.wait().await;
    assert!(count(&sb, "sys_alias", "name", "Contoso_Graph_Personal") <= 1);
    assert!(count(&sb, "http_connection", "name", "Contoso Graph Personal") <= 1);
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 1, "the picker was left switched");

    sb.set_latency_ms(0);
    let (code, out) = run(env.cmd().args(args).env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD)).await;
    assert_eq!(code, 0, "{out}");
    for (table, name) in [
        ("sys_alias", "Contoso_Graph_Personal"),
        ("oauth_2_0_credentials", "Contoso Graph Personal"),
        ("http_connection", "Contoso Graph Personal"),
    ] {
        assert_eq!(count(&sb, table, "name", name), 1, "{table}: no duplicate\n{out}");
    }
    assert_eq!(count(&sb, "sys_user_preference", "name", "apps.current_app"), 0, "picker put back\n{out}");
    let (code, out) = run(env.cmd().args(args).env("CALSYNC_PASSWORD", seed::ADMIN_PASSWORD)).await;
    assert_eq!(code, 0);
    assert!(out.contains("Nothing to change"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_write_error_is_a_sentence_not_a_silent_death() {
    // TLS spoken to a plain-HTTP server: it answers in clear text and closes, and the TLS
    // alert calsync then writes meets a closed socket.
    let sb = sandbox().await;
    let port = sb.url().rsplit(':').next().unwrap().trim_end_matches('/').to_string();
    let env = Env::new();
    for _ in 0..3 {
        let o = env
            .cmd()
            .args(["doctor", "--instance", &format!("https://127.0.0.1:{port}"), "--user", "admin"])
            .env("CALSYNC_PASSWORD", "not-used")
            .output()
            .await
            .unwrap();
        let out = text(&o);
        assert_eq!(o.status.code(), Some(3), "killed by a signal or wrong exit: {:?}\n{out}", o.status);
        assert!(out.contains(&format!("127.0.0.1:{port}")), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_ends_calsync_quietly() {
    let env = Env::new();
    let mut child = env
        .cmd()
        .args(["doctor", "--sandbox"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before calsync prints anything.
    drop(child.stdout.take());
    let o = child.wait_with_output().await.unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{:?} {err}", o.status);
}

/// A mistyped credential name is answered with the nearest name the instance has, and the
/// names it has when they are few; nothing claims the match is exact.
#[tokio::test]
async fn a_mistyped_credential_name_gets_the_nearest_name() {
    let env = Env::new();
    let (code, out) =
        run(env.cmd().args(["apply", "--plan", "examples/personal-own-alias.toml", "--sandbox", "--yes"])).await;
    assert_eq!(code, 0, "{out}");
    let args = ["authorize", "--sandbox", "--no-browser", "--credential", "Contoso Graph Personl"];
    let (code, out) = run(env.cmd().args(args).args(["--expect-user", "rooms-delegate@contoso.com"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no OAuth 2.0 credential is named \"Contoso Graph Personl\""), "{out}");
    assert!(out.contains("names are matched without regard to case"), "{out}");
    assert!(out.contains("did you mean \"Contoso Graph Personal\"?"), "{out}");
    assert!(out.contains("Its OAuth 2.0 credentials: ") && !out.contains("names are exact"), "{out}");
    assert!(!out.contains("Open this address"), "no sign-in was started: {out}");
}
