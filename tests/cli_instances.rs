//! Saved instances, sign-in methods and `calsync status` / `logout` from the command line,
//! against a sandbox served in this process: each bad input is one sentence with the way
//! out, nothing is written, and a password is never sent where it cannot work.

mod common;

use calsync::sandbox::{self, Sandbox, auth as sbauth};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
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
        for var in [
            "CALSYNC_INSTANCE",
            "CALSYNC_USER",
            "CALSYNC_PASSWORD",
            "CALSYNC_MFA_CODE",
            "CALSYNC_INSTANCE_CLIENT_SECRET",
        ] {
            c.env_remove(var);
        }
        c.env("CALSYNC_SANDBOX_STATE", self.dir.path().join("sandbox.json"));
        c.env("CALSYNC_STATE_DIR", self.dir.path().join("state"));
        c.env("CALSYNC_CONFIG_DIR", self.dir.path().join("config"));
        c.env("CALSYNC_KEYRING", "keyutils");
        c.stdin(Stdio::null());
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    }

    fn profiles(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("config").join("instances.toml")).unwrap_or_default()
    }
}

async fn run(c: &mut Command) -> (i32, String) {
    let o = c.output().await.unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.code().unwrap_or(-1), out)
}

async fn served(policy: sbauth::Policy) -> Sandbox {
    Sandbox::start(sandbox::Options { sign_in: policy, ..Default::default() }).await.unwrap()
}

#[tokio::test]
async fn profiles_are_added_listed_chosen_and_removed() {
    let env = Env::new();
    let (code, out) = run(env.cmd().args(["instance", "add", "dev", "--url", "dev123", "--user", "admin"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Saved instance \"dev\": https://dev123.service-now.com"), "{out}");
    let (code, out) = run(env.cmd().args([
        "instance",
        "add",
        "prod",
        "--url",
        "https://prod.service-now.com",
        "--sign-in",
        "oauth",
        "--read-only",
    ]))
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Create an OAuth API endpoint for external clients"),
        "OAuth without a client says what to create: {out}"
    );
    let (_, out) = run(env.cmd().args(["instance", "list"])).await;
    assert!(out.contains("* dev") && out.contains("prod") && out.contains("read-only"), "{out}");
    let (code, _) = run(env.cmd().args(["instance", "use", "prod"])).await;
    assert_eq!(code, 0);
    let (_, out) = run(env.cmd().args(["instance", "list", "--json"])).await;
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["default"], "prod");
    assert_eq!(doc["instances"][1]["sign_in"], "oauth");
    let (code, out) = run(env.cmd().args(["instance", "remove", "dev"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(!env.profiles().contains("dev123"), "{}", env.profiles());
}

#[tokio::test]
async fn the_list_has_headings_over_aligned_columns() {
    let env = Env::new();
    for args in [
        &["instance", "add", "dev", "--url", "dev123", "--user", "admin"][..],
        &["instance", "add", "production-emea", "--url", "https://prod-emea.service-now.com", "--read-only"],
    ] {
        let (code, out) = run(env.cmd().args(args)).await;
        assert_eq!(code, 0, "{out}");
    }
    let (code, out) = run(env.cmd().args(["instance", "list"])).await;
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let heading = lines[0];
    let rows = &lines[1..3];
    // Each heading stands over its column: the cells of every row start where it starts.
    let cells = [
        ("NAME", ["dev", "production-emea"]),
        ("INSTANCE", ["https://dev123.service-now.com", "https://prod-emea.service-now.com"]),
        ("USER", ["admin", "-"]),
        ("SIGN-IN", ["auto", "auto"]),
        ("WRITES", ["allowed", "read-only"]),
    ];
    for (title, values) in cells {
        let at = heading.find(title).unwrap_or_else(|| panic!("no {title} heading: {out}"));
        for (row, value) in rows.iter().zip(values) {
            assert_eq!(row.get(at..at + value.len()), Some(value), "{title} column:\n{out}");
        }
    }
    assert!(rows[0].starts_with('*'), "the default is marked: {out}");
    assert!(lines[3].starts_with("* the default instance"), "and the mark explained: {out}");
}

#[tokio::test]
async fn bad_input_is_one_sentence_and_writes_nothing() {
    let env = Env::new();
    run(env.cmd().args(["instance", "add", "prod", "--url", "127.0.0.1:9", "--read-only"])).await;
    let before = env.profiles();
    // A profile name that does not exist.
    let (code, out) = run(env.cmd().args(["doctor", "--instance", "staging"])).await;
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        out.trim(),
        "calsync: there is no saved instance named \"staging\" (saved: prod); see them with calsync instance list, or give a full address such as staging.service-now.com"
    );
    let (code, out) = run(env.cmd().args(["instance", "use", "staging"])).await;
    assert_eq!(code, 2, "{out}");
    // A read-only profile asked to write: refused before anything is sent (the address is closed).
    let (code, out) =
        run(env.cmd().args(["apply", "--plan", "examples/personal-own-alias.toml", "--yes", "--instance", "prod"]))
            .await;
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        out.trim(),
        "calsync: the instance profile \"prod\" is read-only, so calsync writes nothing there; preview with --dry-run, or allow writes with: calsync instance add prod --writable"
    );
    let (code, out) = run(env.cmd().args(["doctor", "--fix", "--yes", "--instance", "prod"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is read-only"), "{out}");
    let (code, out) = run(env.cmd().args(["instance", "add", "bad name", "--url", "dev1"])).await;
    assert_eq!(code, 2, "{out}");
    assert_eq!(env.profiles(), before, "nothing was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_password_is_sent_to_a_single_sign_on_instance() {
    let sb = served(sbauth::Policy { sso: true, basic_restricted: false }).await;
    let env = Env::new();
    let (code, out) = run(env
        .cmd()
        .args(["doctor", "--instance", sb.url(), "--user", "admin"])
        .env("CALSYNC_PASSWORD", sandbox::seed::ADMIN_PASSWORD))
    .await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("signs in through single sign-on"), "{out}");
    assert!(out.contains("Create an OAuth API endpoint for external clients"), "{out}");
    assert_eq!(sb.requests(), 3, "only the three unauthenticated probe requests reached the instance");
    // Asking for a password explicitly changes nothing.
    let (code, out) = run(env
        .cmd()
        .args(["doctor", "--instance", sb.url(), "--user", "admin", "--sign-in", "password"])
        .env("CALSYNC_PASSWORD", sandbox::seed::ADMIN_PASSWORD))
    .await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("No password was sent"), "{out}");
    assert_eq!(sb.requests(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_or_stale_mfa_code_is_sent_once_and_explained() {
    let sb = served(sbauth::Policy::default()).await;
    let env = Env::new();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let stale = sbauth::mfa_code_at(sbauth::MFA_ADMIN_USER, now - 120);
    let args = ["doctor", "--instance", sb.url(), "--user", sbauth::MFA_ADMIN_USER, "--sign-in", "password-mfa"];
    let (code, out) =
        run(env.cmd().args(args).env("CALSYNC_PASSWORD", sbauth::MFA_ADMIN_PASSWORD).env("CALSYNC_MFA_CODE", &stale))
            .await;
    assert_eq!(code, 3, "{out}");
    assert_eq!(
        out.trim(),
        "calsync: the instance refused the password and one-time code for mfa.admin: the code may be wrong or stale (a code lasts 30 seconds); run again with the current code. Nothing was written"
    );
    assert_eq!(sb.requests(), 4, "three probe requests and one login check");
    let (code, out) =
        run(env.cmd().args(args).env("CALSYNC_PASSWORD", sbauth::MFA_ADMIN_PASSWORD).env("CALSYNC_MFA_CODE", "12ab"))
            .await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a one-time code") && !out.contains("12ab"), "{out}");
    let code_now = sbauth::mfa_code(sbauth::MFA_ADMIN_USER);
    let (code, out) = run(env
        .cmd()
        .args(args)
        .env("CALSYNC_PASSWORD", sbauth::MFA_ADMIN_PASSWORD)
        .env("CALSYNC_MFA_CODE", &code_now))
    .await;
    assert!(code == 0 || code == 1, "the doctor ran with the current code: {out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn password_stdin_and_client_credentials_for_unattended_runs() {
    let sb = served(sbauth::Policy::default()).await;
    let env = Env::new();
    let mut c = env.cmd();
    c.args(["status", "--json", "--instance", sb.url(), "--user", "admin", "--password-stdin"]).stdin(Stdio::piped());
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{}\n", sandbox::seed::ADMIN_PASSWORD).as_bytes()).await.unwrap();
    drop(stdin);
    let o = child.wait_with_output().await.unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(doc["instances"][0]["login_ok"], true, "{out}");
    assert_eq!(doc["instances"][0]["user"], "admin");

    let (_, out) = run(env
        .cmd()
        .args([
            "status",
            "--json",
            "--instance",
            sb.url(),
            "--sign-in",
            "client-credentials",
            "--client-id",
            sbauth::CI_CLIENT_ID,
        ])
        .env("CALSYNC_INSTANCE_CLIENT_SECRET", sbauth::CI_CLIENT_SECRET))
    .await;
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(doc["instances"][0]["login_ok"], true, "{out}");
    assert_eq!(doc["instances"][0]["sign_in"], "client-credentials");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oauth_client_the_instance_does_not_know_is_named() {
    let sb = served(sbauth::Policy { sso: true, basic_restricted: false }).await;
    let env = Env::new();
    run(env.cmd().args([
        "instance",
        "add",
        "dev",
        "--url",
        sb.url(),
        "--sign-in",
        "oauth",
        "--client-id",
        "nope",
        "--port",
        "0",
    ]))
    .await;
    let (code, out) = run(env.cmd().args(["instance", "login", "dev", "--no-browser"])).await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("the instance does not know the OAuth client nope"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    assert_eq!(common::count(&sb, "oauth_credential", "client_id", "nope"), 0);
}

#[tokio::test]
async fn status_without_any_instance_is_a_usage_error() {
    let env = Env::new();
    let (code, out) = run(env.cmd().args(["status"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("calsync instance add NAME"), "{out}");
    let (code, out) = run(env.cmd().args(["reauth", "--expiring-within", "soon", "--sandbox"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("\"soon\" is not a duration"), "{out}");
}

#[tokio::test]
async fn reauth_expiring_names_what_it_cannot_sign_in_and_why() {
    let env = Env::new();
    let (code, out) =
        run(env.cmd().args(["apply", "--plan", "examples/personal-own-alias.toml", "--sandbox", "--yes"])).await;
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(env.cmd().args(["reauth", "--expiring-within", "14d", "--sandbox"])).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Contoso Graph Personal: missing (instance token none)"), "{out}");
    assert!(
        out.contains("calsync does not know its mailbox: calsync authorize --credential \"Contoso Graph Personal\" --expect-user EMAIL"),
        "{out}"
    );
    // status says the same, and the command it prints renews the instance's token.
    let (code, out) = run(env.cmd().args(["status", "--sandbox"])).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("  Contoso Graph Personal: instance token none; signed in as an unknown account; keyring"),
        "{out}"
    );
    assert!(
        out.contains("      -> calsync authorize --credential \"Contoso Graph Personal\" --expect-user EMAIL --store-on-instance --sandbox"),
        "{out}"
    );
    assert!(out.starts_with("sandbox  http://127.0.0.1:"), "named once, then its address: {out}");
    let (code, out) = run(env.cmd().args(["status", "--sandbox", "--json"])).await;
    assert_eq!(code, 1, "a credential without a token needs attention: {out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let cred = &doc["instances"][0]["credentials"][0];
    assert_eq!(cred["credential"], "Contoso Graph Personal");
    assert_eq!(cred["state"], "missing");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oauth_client_is_created_after_review_or_reused() {
    let sb = served(sbauth::Policy::default()).await;
    let env = Env::new();
    let pw = sandbox::seed::ADMIN_PASSWORD;
    // The sandbox already has one: it is reused, not changed.
    let (code, out) = run(env
        .cmd()
        .args(["instance", "add", "dev", "--url", sb.url(), "--user", "admin", "--create-client", "--yes"])
        .env("CALSYNC_PASSWORD", pw))
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already has calsync's OAuth client"), "{out}");
    assert!(env.profiles().contains(sbauth::INSTANCE_CLIENT_ID), "{}", env.profiles());
    // Without it, and without --yes or a terminal: shown, not written.
    sb.with_store(|s| s.rows.retain(|r| r.get("client_id").map(String::as_str) != Some(sbauth::INSTANCE_CLIENT_ID)));
    let args = ["instance", "add", "dev2", "--url", sb.url(), "--user", "admin", "--create-client"];
    let (code, out) = run(env.cmd().args(args).env("CALSYNC_PASSWORD", pw)).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("redirect_url http://localhost:8750/") && out.contains("nothing was written"), "{out}");
    assert_eq!(common::count(&sb, "oauth_entity", "name", "calsync"), 0);
    assert!(!env.profiles().contains("dev2"));
    // With --yes: created, with a secret only calsync and the instance know.
    let (code, out) = run(env.cmd().args(args).arg("--yes").env("CALSYNC_PASSWORD", pw)).await;
    assert_eq!(code, 0, "{out}");
    let row = common::row(&sb, "oauth_entity", "name", "calsync").expect("created");
    assert_eq!(row["type"], "client");
    assert_eq!(row["redirect_url"], "http://localhost:8750/");
    assert!(!row["client_secret"].is_empty(), "the secret was set");
    assert!(env.profiles().contains(&row["client_id"]), "{}", env.profiles());
    assert!(!env.profiles().contains(&row["client_secret"]) && !out.contains(&row["client_secret"]));
}

/// A profile saved without a sign-in method lets the instance decide: on a local password
/// form, `instance login` (the step `instance add` prints) signs in with the password.
#[tokio::test(flavor = "multi_thread")]
async fn login_on_a_local_form_uses_the_password_when_the_instance_chooses() {
    let sb = served(sbauth::Policy::default()).await;
    let env = Env::new();
    let (code, out) =
        run(env.cmd().args(["instance", "add", "sbx", "--url", sb.url(), "--user", "admin", "--default"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("sign-in chosen by the instance") && out.contains("calsync instance login sbx"), "{out}");
    let (code, out) =
        run(env.cmd().args(["instance", "login", "sbx"]).env("CALSYNC_PASSWORD", sandbox::seed::ADMIN_PASSWORD)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("Signed in to {} as admin.", sb.url().trim_end_matches('/'))), "{out}");
    assert!(!out.contains("no OAuth client"), "{out}");
}

/// A piped password signs in but is not kept, and `instance login` says so and how to keep
/// one, instead of a bare "Signed in" that the next command contradicts.
#[tokio::test(flavor = "multi_thread")]
async fn a_piped_password_is_said_not_to_be_kept() {
    let sb = served(sbauth::Policy::default()).await;
    let env = Env::new();
    run(env.cmd().args(["instance", "add", "sbx", "--url", sb.url(), "--user", "admin", "--default"])).await;
    let mut c = env.cmd();
    c.args(["instance", "login", "sbx", "--sign-in", "password", "--password-stdin"]).stdin(Stdio::piped());
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{}\n", sandbox::seed::ADMIN_PASSWORD).as_bytes()).await.unwrap();
    drop(stdin);
    let o = child.wait_with_output().await.unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Signed in to"), "{out}");
    assert!(
        out.contains("The password from --password-stdin was used for this sign-in only: calsync does not keep it")
            && out.contains("run, without --password-stdin, calsync instance login sbx in a terminal"),
        "{out}"
    );
    assert!(!out.contains(sandbox::seed::ADMIN_PASSWORD), "{out}");
    // From the environment: running the same command again would take it again, not ask.
    let (code, out) = run(env
        .cmd()
        .args(["instance", "login", "sbx", "--sign-in", "password"])
        .env("CALSYNC_PASSWORD", sandbox::seed::ADMIN_PASSWORD))
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("unset CALSYNC_PASSWORD, then run calsync instance login sbx in a terminal"), "{out}");
}

/// An instance given by address is named once: its address is its name.
#[tokio::test]
async fn status_by_address_names_the_instance_once() {
    let sb = served(sbauth::Policy::default()).await;
    let env = Env::new();
    let url = sb.url().trim_end_matches('/').to_string();
    let (_, out) = run(env
        .cmd()
        .args(["status", "--instance", &url, "--user", "admin", "--sign-in", "password"])
        .env("CALSYNC_PASSWORD", sandbox::seed::ADMIN_PASSWORD))
    .await;
    let first = out.lines().next().unwrap_or("");
    assert_eq!(first.trim_end_matches('/'), url, "it printed {url} twice before:\n{out}");
    assert!(out.contains("login: ok as admin (password)"), "{out}");
}

/// Points the sandbox's calsync OAuth client at a free loopback port; returns it.
fn oauth_client_on_a_free_port(sb: &Sandbox) -> u16 {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    sb.with_store(|s| {
        for r in s.rows.iter_mut() {
            if r.get("client_id").map(String::as_str) == Some(sbauth::INSTANCE_CLIENT_ID) {
                r.insert("redirect_url".into(), format!("http://localhost:{port}/"));
            }
        }
    });
    port
}

/// `instance login` with OAuth and no client secret anywhere, without a terminal to ask
/// in: the sentence says the secret is what is missing and how to give it. It used to say
/// the client does not exist and to ask an admin to create it.
#[tokio::test]
async fn an_oauth_login_without_the_client_secret_says_the_secret_is_missing() {
    let sb = served(sbauth::Policy::default()).await;
    let port = oauth_client_on_a_free_port(&sb).to_string();
    let env = Env::new();
    let add = ["instance", "add", "oa", "--url", sb.url(), "--sign-in", "oauth", "--port", &port];
    let (code, out) = run(env.cmd().args(add).args(["--client-id", sbauth::INSTANCE_CLIENT_ID])).await;
    assert_eq!(code, 0, "{out}");
    let browser = format!("{}/tests/fixtures/browser.sh %s", env!("CARGO_MANIFEST_DIR"));
    let mut c = env.cmd();
    c.args(["instance", "login", "oa"]).env("BROWSER", &browser);
    c.env("SIGN_IN_AS", sandbox::seed::ADMIN_USER).env("SIGN_IN_PW", sandbox::seed::ADMIN_PASSWORD);
    let (code, out) = run(&mut c).await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains(&format!(
            "the instance refused calsync's OAuth client {} without a client secret",
            sbauth::INSTANCE_CLIENT_ID
        )),
        "{out}"
    );
    assert!(
        out.contains("with CALSYNC_INSTANCE_CLIENT_SECRET, or run calsync instance login oa in a terminal"),
        "{out}"
    );
    assert!(!out.contains("Ask an admin to create it"), "{out}");
}
