//! What `calsync apply` says after it writes rooms: the webhook registry's callback URL
//! comes first (with the record to open while it has none), then Activate on each room.

use calsync::facts;
use calsync::sandbox::{self, Sandbox};
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

/// `program` with the environment of a sandbox kept in `state`.
fn command(program: &str, state: &Path) -> Command {
    let mut c = Command::new(program);
    for var in ["CALSYNC_INSTANCE", "CALSYNC_USER", "CALSYNC_PASSWORD"] {
        c.env_remove(var);
    }
    let dir = state.parent().expect("a folder");
    c.env("CALSYNC_SANDBOX_STATE", state);
    c.env("CALSYNC_STATE_DIR", dir.join("state"));
    c.env("CALSYNC_CONFIG_DIR", dir.join("config"));
    c.env("CALSYNC_KEYRING", "keyutils");
    c.stdin(std::process::Stdio::null());
    c.kill_on_drop(true);
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn apply(state: &Path) -> Command {
    let mut c = command(env!("CARGO_BIN_EXE_calsync"), state);
    c.args(["apply", "--plan", "examples/personal-rooms.toml", "--sandbox", "--yes"]);
    c
}

async fn run(c: &mut Command) -> (i32, String) {
    let o = tokio::time::timeout(Duration::from_secs(60), c.output()).await.expect("ends").expect("runs");
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.code().unwrap_or(-1), out)
}

fn position(out: &str, what: &str) -> usize {
    out.find(what).unwrap_or_else(|| panic!("no {what:?} in:\n{out}"))
}

#[tokio::test]
async fn after_the_rooms_the_summary_names_the_webhook_callback_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let (code, out) = run(&mut apply(&state)).await;
    assert_eq!(code, 0, "{out}");
    // The registry as the spoke installs it has no callback URL: the record to open.
    let done = position(&out, "Done: the instance matches the plan.");
    let webhook = position(&out, "Before activating the rooms, generate the webhook's callback URL");
    let form = position(&out, &format!("/{}.do?sys_id=", facts::WEBHOOK_TABLE));
    let activate = position(&out, "2 rooms must still be activated");
    assert!(done < webhook && webhook < form && form < activate, "in the order the admin works:\n{out}");
    assert!(out.contains("select Callback URL"), "{out}");

    // Callback URL clicked on the form: the next run shows the URL instead.
    let sb = Sandbox::start(sandbox::Options { state: Some(state.clone()), ..Default::default() })
        .await
        .expect("sandbox starts");
    let id = sb
        .with_store(|s| s.first_where(facts::WEBHOOK_TABLE, "name", facts::WEBHOOK_NAME).map(|r| r["sys_id"].clone()));
    let generated = sb.ui_action(facts::WEBHOOK_TABLE, &id.expect("the registry"), "callback_url").expect("clicked");
    sb.stop().await;
    let url = generated.trim_start_matches("Callback URL generated: ");
    let (code, out) = run(&mut apply(&state)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("webhook registry has its callback URL ({url})")), "{out}");
    assert!(!out.contains("generate the webhook's callback URL"), "{out}");
    assert!(out.contains("2 rooms must still be activated"), "{out}");

    // A registry gone (a broken spoke): said, with the repair.
    let sb = Sandbox::start(sandbox::Options { state: Some(state.clone()), ..Default::default() })
        .await
        .expect("sandbox starts");
    sb.with_store(|s| s.rows.retain(|r| r.get("name").map(String::as_str) != Some(facts::WEBHOOK_NAME)));
    sb.stop().await;
    let (code, out) = run(&mut apply(&state)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("webhook registry is missing") && out.contains("repair the spoke"), "{out}");
}

/// `calsync apply` on a plan with changes and no --yes, its stdin `answer`, in a terminal
/// (`script` gives it one) or not.
async fn declined(state: &Path, answer: &str, terminal: bool) -> (i32, String) {
    declined_with(state, answer, terminal, &["apply", "--plan", "examples/personal-own-alias.toml", "--sandbox"]).await
}

async fn declined_with(state: &Path, answer: &str, terminal: bool, args: &[&str]) -> (i32, String) {
    let bin = env!("CARGO_BIN_EXE_calsync");
    let mut c = if terminal {
        let mut c = command("script", state);
        c.args(["-qec", &format!("{bin} {}", args.join(" ")), "/dev/null"]);
        c
    } else {
        let mut c = command(bin, state);
        c.args(args);
        c
    };
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    tokio::io::AsyncWriteExt::write_all(&mut stdin, answer.as_bytes()).await.expect("answers");
    drop(stdin);
    let o = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.expect("ends").expect("runs");
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.code().unwrap_or(-1), out)
}

#[tokio::test]
async fn a_declined_prompt_does_not_ask_for_yes_and_no_terminal_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    // In a terminal, "no" is an answer: no advice about running without one.
    let (code, out) = declined(&state, "n\n", true).await;
    assert!(out.contains("[y/N]"), "asked: {out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing was written: the changes were not confirmed."), "{out}");
    assert!(!out.contains("--yes"), "{out}");
    // Without a terminal there is nobody to ask: --yes is the way.
    let (code, out) = declined(&state, "", false).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("there is no terminal to confirm the changes in; pass --yes"), "{out}");
}

/// `doctor --fix` answers a declined prompt the same way: no --yes advice in a terminal.
#[tokio::test]
async fn a_declined_repair_does_not_ask_for_yes_and_no_terminal_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let args = ["doctor", "--fix", "--sandbox", "--broken"];
    let (code, out) = declined_with(&state, "n\n", true, &args).await;
    assert!(out.contains("repair(s)? [y/N]"), "asked: {out}");
    assert_eq!(code, 1, "findings are left: {out}");
    assert!(out.contains("Nothing was written: the repairs were not confirmed."), "{out}");
    assert!(!out.contains("pass --yes"), "{out}");
    let (code, out) = declined_with(&state, "", false, &args).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("there is no terminal to confirm the repairs in; pass --yes"), "{out}");
}

fn plan_with(dir: &Path, changes: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/personal-own-alias.toml"))
            .expect("the example");
    for (from, to) in changes {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join("plan.toml");
    std::fs::write(&path, text).expect("written");
    path
}

async fn dry_run(state: &Path, plan: &Path) -> (i32, String) {
    let mut c = command(env!("CARGO_BIN_EXE_calsync"), state);
    c.args(["apply", "--sandbox", "--dry-run", "--plan"]).arg(plan);
    run(&mut c).await
}

/// A plan's mistakes are named in one run, each with its line (it took one run per
/// mistake), and a misspelt credential or alias gets the name it was probably meant as.
#[tokio::test]
async fn every_mistake_of_a_plan_is_named_at_once_with_did_you_mean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let plan = plan_with(
        dir.path(),
        &[
            ("name = \"Contoso_Graph_Personal\"", "name = \"Contoso-Graph\""),
            ("delegated_user = \"rooms-delegate@contoso.com\"", "delegated_user = \"rooms-delegate\""),
            ("url = \"https://graph.microsoft.com\"", "url = \"https://graph.microsoft.com/v1.0\""),
        ],
    );
    let (code, out) = dry_run(&state, &plan).await;
    assert_eq!(code, 2, "{out}");
    let shown = plan.display().to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "one line per mistake:\n{out}");
    assert!(lines[0].starts_with(&format!("calsync: {shown}:6: [[alias]] name: \"Contoso-Graph\"")), "{out}");
    assert!(lines[1].starts_with(&format!("{shown}:12: [[credential]] delegated_user: \"rooms-delegate\"")), "{out}");
    assert!(lines[2].starts_with(&format!("{shown}:21: [[connection]] url:")), "{out}");
    assert!(lines[2].ends_with("Nothing was written."), "{out}");

    let plan =
        plan_with(dir.path(), &[("credential = \"Contoso Graph Personal\"", "credential = \"Contoso Graph Personl\"")]);
    let (code, out) = dry_run(&state, &plan).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"Contoso Graph Personl\" is neither in the plan nor on the instance (or its name is not unique); did you mean \"Contoso Graph Personal\"?"), "{out}");

    let plan = plan_with(dir.path(), &[("alias = \"Contoso_Graph_Personal\"", "alias = \"Contoso_Graph_Personl\"")]);
    let (code, out) = dry_run(&state, &plan).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the alias \"Contoso_Graph_Personl\" is neither in the plan nor on the instance; did you mean \"Contoso_Graph_Personal\"?"), "{out}");
}

/// Where each record is written: a strict plan writes the credentials in the spoke's
/// application and the provider and mode in WCS's, and the dry run says so under headings
/// (it said every record goes to the spoke). One application keeps the one line.
#[tokio::test]
async fn the_changes_are_shown_under_the_application_they_are_written_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let (code, out) = dry_run(&state, &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/strict.toml")).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("each record is written in its own application"), "{out}");
    assert!(!out.contains("records are written in"), "{out}");
    let spoke = position(&out, "Written in Microsoft Exchange Online Spoke (sn_ex_online_spke):");
    let wcs = position(&out, "Written in Workplace Calendar Synchronization (sn_wsd_rsvsync):");
    let credential = position(&out, "~ credential  MS Graph 1");
    let provider = position(&out, "~ provider    Microsoft Exchange Online");
    let mode = position(&out, "~ property    sn_wsd_rsvsync.sync_integration_mode");
    assert!(spoke < credential && credential < wcs && wcs < provider && provider < mode, "{out}");
    let (code, out) =
        dry_run(&state, &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/personal-rooms.toml")).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("records are written in Workplace Calendar Synchronization (sn_wsd_rsvsync)"), "{out}");
    assert!(!out.contains("Written in "), "{out}");
}
