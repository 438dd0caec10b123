//! `--sandbox` commands beside a running `calsync sandbox` on the same state file: a
//! command that would start the file over (`--broken`) is refused with a sentence and
//! leaves the running one's records alone; without `--broken` it shares them.

use calsync::sandbox::{self, Sandbox};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

fn cmd(state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_calsync"));
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
    c
}

async fn run(c: &mut Command) -> (i32, String) {
    let o = tokio::time::timeout(Duration::from_secs(60), c.output()).await.expect("ends").expect("runs");
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.code().unwrap_or(-1), out)
}

fn has_record(sb: &Sandbox) -> bool {
    sb.with_store(|s| s.scan("sys_properties").any(|r| r.get("name").map(String::as_str) == Some("t.kept")))
}

/// Serves the state file as `calsync sandbox` does, with one record of its own.
async fn serve(state: &Path) -> Sandbox {
    let sb = Sandbox::start(sandbox::Options { state: Some(state.to_path_buf()), ..Default::default() })
        .await
        .expect("sandbox starts");
    sb.with_store(|s| {
        s.rows.push(BTreeMap::from([
            ("sys_id".to_string(), "f".repeat(32)),
            ("sys_class_name".to_string(), "sys_properties".to_string()),
            ("name".to_string(), "t.kept".to_string()),
        ]))
    });
    sb
}

#[tokio::test]
async fn broken_on_a_sandbox_command_leaves_a_running_sandbox_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let server = serve(&state).await;
    // This used to start the file over under the server, erasing its records.
    let (code, out) = run(cmd(&state).args(["doctor", "--sandbox", "--broken"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("another calsync process is serving the sandbox state file"), "{out}");
    assert!(out.contains("leave out --broken"), "the way out: {out}");
    assert!(has_record(&server), "the running sandbox kept its records: {out}");
    let (_, out) = run(cmd(&state).args(["doctor", "--sandbox"])).await;
    assert!(!out.contains("another calsync process"), "without --broken it shares the file: {out}");
    assert!(has_record(&server));
    server.stop().await;
    let (code, out) = run(cmd(&state).args(["doctor", "--sandbox", "--broken"])).await;
    assert_eq!(code, 1, "alone on the file it starts over with the faults: {out}");
    let later = Sandbox::start(sandbox::Options { state: Some(state.clone()), ..Default::default() })
        .await
        .expect("sandbox starts");
    assert!(!has_record(&later), "the broken seed replaced the records");
}

#[tokio::test]
async fn calsync_sandbox_broken_is_refused_beside_a_running_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let server = serve(&state).await;
    let (code, out) = run(cmd(&state).args(["sandbox", "--broken", "--port", "0", "--state"]).arg(&state)).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("another calsync process is serving"), "{out}");
    assert!(!out.contains("--port"), "not a port problem: {out}");
    assert!(has_record(&server));
}

#[tokio::test]
async fn the_sandbox_suggests_an_authorize_that_puts_the_token_on_the_instance() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let mut c = cmd(&state);
    c.args(["sandbox", "--port", "0", "--state"]).arg(&state).stdout(std::process::Stdio::piped());
    let mut child = c.spawn().expect("starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = vec![];
    let read = async {
        while let Some(line) = lines.next_line().await.expect("reads") {
            let end = line.starts_with("Press Ctrl-C");
            printed.push(line);
            if end {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read).await.expect("prints its greeting");
    let _ = child.kill().await;
    let authorize = printed.iter().find(|l| l.contains("calsync authorize")).expect("an authorize line");
    // Without the flag the suggested command leaves the instance with no token.
    assert!(authorize.ends_with("--store-on-instance"), "{authorize}");
}
