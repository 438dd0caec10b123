//! Two sandboxes on one state file, as a running `calsync sandbox` and a `--sandbox`
//! command are: neither may erase what the other wrote.

use calsync_sandbox::{Options, Sandbox};
use std::collections::BTreeMap;

fn property(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("sys_id".to_string(), format!("{:0>32}", name.len().to_string() + name)),
        ("sys_class_name".to_string(), "sys_properties".to_string()),
        ("name".to_string(), name.to_string()),
    ])
}

fn names(sb: &Sandbox) -> Vec<String> {
    sb.with_store(|s| {
        let mut v: Vec<String> =
            s.scan("sys_properties").filter_map(|r| r.get("name").cloned()).filter(|n| n.starts_with("t.")).collect();
        v.sort();
        v
    })
}

async fn start(path: &std::path::Path, reset: bool) -> Sandbox {
    Sandbox::start(Options { port: 0, state: Some(path.to_path_buf()), reset, ..Options::default() })
        .await
        .expect("sandbox starts")
}

#[tokio::test]
async fn writes_through_either_sandbox_survive_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox-instance.json");
    let server = start(&path, true).await;
    let command = start(&path, false).await;
    server.with_store(|s| s.rows.push(property("t.from-server")));
    command.with_store(|s| s.rows.push(property("t.from-command")));
    // The server's next write used to save its own copy, erasing the command's record.
    server.with_store(|s| s.rows.push(property("t.server-again")));
    let all = vec!["t.from-command".to_string(), "t.from-server".to_string(), "t.server-again".to_string()];
    assert_eq!(names(&server), all);
    assert_eq!(names(&command), all);
    drop(command);
    let later = start(&path, false).await;
    assert_eq!(names(&later), all, "the file holds every record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.json");
    let a = std::sync::Arc::new(start(&path, true).await);
    let b = std::sync::Arc::new(start(&path, false).await);
    let writer = |sb: std::sync::Arc<Sandbox>, tag: &'static str| {
        std::thread::spawn(move || {
            for i in 0..40 {
                sb.with_store(|s| s.rows.push(property(&format!("t.{tag}.{i:02}"))));
            }
        })
    };
    let (ta, tb) = (writer(a.clone(), "a"), writer(b.clone(), "b"));
    ta.join().expect("writer a");
    tb.join().expect("writer b");
    assert_eq!(names(&a).len(), 80);
    assert_eq!(names(&b).len(), 80);
}

async fn start_broken(path: &std::path::Path) -> Result<Sandbox, calsync_sandbox::SandboxError> {
    Sandbox::start(Options {
        port: 0,
        state: Some(path.to_path_buf()),
        reset: true,
        seed: calsync_sandbox::seed::Seed::Broken,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn starting_over_is_refused_while_another_sandbox_serves_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox-instance.json");
    let server = start(&path, false).await;
    server.with_store(|s| s.rows.push(property("t.kept")));
    // `--broken` on a `--sandbox` command used to start the file over under the server.
    let refused = start_broken(&path).await.err().expect("a broken start is refused while the server runs");
    assert!(refused.is_in_use(), "{refused}");
    let said = refused.to_string();
    assert!(said.contains(&path.display().to_string()) && said.contains("stop that process first"), "{said}");
    assert_eq!(names(&server), vec!["t.kept".to_string()], "the server's records are untouched");
    let command = start(&path, false).await;
    assert_eq!(names(&command), vec!["t.kept".to_string()], "a command without --broken shares them");
    drop(command);
    server.stop().await;
    let broken = start_broken(&path).await.expect("with nobody else on the file, it starts over");
    assert!(names(&broken).is_empty(), "the broken seed replaced the records");
}

#[tokio::test]
async fn a_sandbox_that_started_over_shares_the_file_afterwards() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox-instance.json");
    let broken = start_broken(&path).await.expect("starts over");
    let command = start(&path, false).await;
    command.with_store(|s| s.rows.push(property("t.from-command")));
    assert_eq!(names(&broken), vec!["t.from-command".to_string()]);
    assert!(start_broken(&path).await.is_err(), "two sandboxes on the file: no start over");
}
