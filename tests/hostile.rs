//! The `calsync` binary and the client against instances that attack: answers carrying
//! terminal escapes, answers too large to hold, answers dripped a byte at a time, a
//! self-signed certificate.

#![allow(unsafe_code)] // getrusage, to measure the peak memory of the binary under test.

mod common;

use calsync::snow::{Client, InstanceExt, Limits, Query, RetryPolicy, SnError};
use calsync::urls::InstanceUrl;
use secrecy::SecretString;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Command;

/// What the hostile instance sends back to every request.
#[derive(Clone)]
#[allow(dead_code)]
enum Answer {
    /// A whole HTTP response, sent at once.
    Whole(String),
    /// A 200 JSON answer whose body is `len` bytes of one long string, streamed in chunks.
    Huge { len: usize },
    /// A 200 JSON answer dripped one byte a second.
    Drip,
}

struct Hostile {
    url: String,
    /// Requests that carried an `Authorization` header.
    requests: Arc<AtomicUsize>,
}

/// Serves `answer` on 127.0.0.1 until the test ends.
async fn hostile(answer: Answer) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let answer = answer.clone();
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                // Only requests that carry a login count: the password is what must go
                // out once. calsync first looks at the sign-in page without one; to that
                // it answers as an instance with its own login form would.
                let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
                if !head.contains("\r\nauthorization:") {
                    let _ = sock.write_all(instance_without_login(&head).as_bytes()).await;
                    return;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                match answer {
                    Answer::Whole(text) => {
                        let _ = sock.write_all(text.as_bytes()).await;
                    }
                    Answer::Huge { len } => {
                        // No Content-Length: the body ends when the connection closes, so
                        // only counting while reading can stop it.
                        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"result\":\"";
                        if sock.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        let chunk = vec![b'x'; 1 << 20];
                        let mut left = len;
                        while left > 0 {
                            let n = left.min(chunk.len());
                            if sock.write_all(&chunk[..n]).await.is_err() {
                                return;
                            }
                            left -= n;
                        }
                        let _ = sock.write_all(b"\"}").await;
                    }
                    Answer::Drip => {
                        // Valid JSON in the end, after a day of whitespace at a byte a second.
                        let body = format!("{{\"result\":[]{}}}", " ".repeat(100_000));
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        if sock.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        for b in body.bytes() {
                            if sock.write_all(&[b]).await.is_err() {
                                return;
                            }
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                    }
                }
            });
        }
    });
    Hostile { url, requests }
}

/// What an instance with its own sign-in form answers a request that carries no login.
fn instance_without_login(head: &str) -> String {
    if head.starts_with("get /api/") {
        let body = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;
        return json_response("401 Unauthorized", body);
    }
    let page = "<html><head><title>Log in | ServiceNow</title></head><body><form action=\"login.do\"><input name=\"user_password\"></form></body></html>";
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    )
}

fn json_response(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn calsync(dir: &tempfile::TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_calsync"));
    for var in ["CALSYNC_INSTANCE", "CALSYNC_USER", "CALSYNC_PASSWORD", "CALSYNC_LOGIN_URL", "CALSYNC_GRAPH_URL"] {
        c.env_remove(var);
    }
    c.env("CALSYNC_SANDBOX_STATE", dir.path().join("sandbox.json"));
    c.env("CALSYNC_STATE_DIR", dir.path().join("state"));
    c.env("CALSYNC_KEYRING", "keyutils");
    c.env("CALSYNC_PASSWORD", "not-the-password");
    c.stdin(std::process::Stdio::null());
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

const ESCAPES: [char; 3] = ['\u{1b}', '\u{7}', '\u{9b}'];

#[tokio::test]
async fn an_instance_error_message_reaches_the_terminal_without_escapes() {
    let body = serde_json::json!({"error": {
        "message": "denied\u{1b}]0;calsync owned\u{7}",
        "detail": "\u{1b}[2J\u{1b}[Hyour screen was cleared \u{9b}31m"
    }})
    .to_string();
    let h = hostile(Answer::Whole(json_response("403 Forbidden", &body))).await;
    let dir = tempfile::tempdir().unwrap();
    for args in [vec!["doctor"], vec!["apply", "--plan", "examples/normal.toml", "--dry-run"]] {
        let o = calsync(&dir).args(&args).args(["--instance", &h.url, "--user", "admin"]).output().await.unwrap();
        let out = text(&o);
        assert!(!out.contains(ESCAPES), "{args:?} printed a raw escape: {out:?}");
        assert!(out.contains("denied\\u{1b}]0;calsync owned"), "{args:?}: {out}");
        assert_ne!(o.status.code(), Some(0), "{out}");
    }
}

fn fast_client(url: &str, limits: Limits) -> Client {
    let url = InstanceUrl::parse(url).unwrap();
    Client::new(url, "admin", SecretString::from("pw".to_string()))
        .unwrap()
        .with_retry(RetryPolicy {
            attempts: 100,
            max_wait: Duration::from_secs(2),
            base_wait: Duration::from_millis(50),
        })
        .with_limits(limits)
}

/// The largest resident set any child process of this test binary reached, in MiB.
fn children_peak_rss_mib() -> i64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage) };
    usage.ru_maxrss / 1024
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_is_refused_while_it_streams() {
    let h = hostile(Answer::Huge { len: 300 << 20 }).await;
    let c = fast_client(&h.url, Limits { request: Duration::from_secs(60), max_body: 32 << 20 });
    let started = Instant::now();
    let e = c.list::<serde_json::Value>("sys_user", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(e, SnError::TooLarge { limit_mib: 32, .. }), "{e}");
    assert!(e.to_string().contains("larger than 32 MiB"), "{e}");
    assert_eq!(h.requests.load(Ordering::SeqCst), 1, "a refused answer is not asked for again");
    eprintln!("300 MB answer refused after {:?}", started.elapsed());

    // The binary, with its default cap: the doctor stops, says why, and stays small.
    let dir = tempfile::tempdir().unwrap();
    let o = calsync(&dir).args(["doctor", "--instance", &h.url, "--user", "admin"]).output().await.unwrap();
    let out = text(&o);
    assert!(out.contains("larger than 32 MiB"), "{out}");
    assert_ne!(o.status.code(), Some(0), "{out}");
    let peak = children_peak_rss_mib();
    eprintln!("calsync doctor against a 300 MB answer: peak RSS {peak} MiB");
    assert!(peak < 200, "calsync doctor grew to {peak} MiB");
}

#[tokio::test]
async fn a_dripped_answer_ends_at_the_request_limit_and_is_not_retried() {
    let h = hostile(Answer::Drip).await;
    let c = fast_client(&h.url, Limits { request: Duration::from_secs(2), max_body: 1 << 20 });
    let started = Instant::now();
    let e = c.list::<serde_json::Value>("sys_user", &Query::new(), &[]).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, SnError::Slow { secs: 2, .. }), "{e}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(h.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_command_ends_at_its_deadline_however_the_instance_stalls() {
    // Every answer asks to wait a second and come back: without a deadline, 100 attempts.
    let h = hostile(Answer::Whole(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
    ))
    .await;
    let c = fast_client(&h.url, Limits::default()).with_deadline(Duration::from_secs(3));
    let started = Instant::now();
    let e = c.list::<serde_json::Value>("sys_user", &Query::new(), &[]).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}: {e}");
    assert!(h.requests.load(Ordering::SeqCst) <= 4, "{}", h.requests.load(Ordering::SeqCst));
    // The same against a drip: the deadline cuts the one request short.
    let d = hostile(Answer::Drip).await;
    let c = fast_client(&d.url, Limits::default()).with_deadline(Duration::from_secs(2));
    let started = Instant::now();
    let e = c.list::<serde_json::Value>("sys_user", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(e, SnError::Deadline { secs: 2, .. }), "{e}");
    assert!(e.to_string().contains("time limit of 2 s"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn the_binary_gives_up_on_a_dripping_instance_after_one_request_limit() {
    let h = hostile(Answer::Drip).await;
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = calsync(&dir)
        .args(["apply", "--plan", "examples/normal.toml", "--dry-run", "--instance", &h.url, "--user", "admin"])
        .output()
        .await
        .unwrap();
    let took = started.elapsed();
    let out = text(&o);
    eprintln!("calsync apply against a 1 byte/s instance ended after {took:?}");
    assert!(out.contains("did not finish its answer within 30 s"), "{out}");
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(took < Duration::from_secs(45), "{took:?}");
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_as_a_certificate_problem() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is installed");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = format!("https://127.0.0.1:{port}");
    let o = calsync(&dir).args(["doctor", "--instance", &url, "--user", "admin"]).output().await.unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let out = text(&o);
    assert!(out.contains("TLS certificate was not accepted"), "{out}");
    assert!(!out.contains("refused or the host could not be found"), "{out}");
    assert_eq!(o.status.code(), Some(3), "{out}");
}

#[tokio::test]
async fn a_refused_password_is_sent_once_by_every_command() {
    let body = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"}}"#;
    let h = hostile(Answer::Whole(json_response("401 Unauthorized", body))).await;
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 4] = [
        &["doctor"],
        &["doctor", "--json"],
        &["apply", "--plan", "examples/personal-own-alias.toml", "--yes"],
        &["authorize", "--credential", "MS Graph 1", "--expect-user", "rooms-delegate@contoso.com", "--no-browser"],
    ];
    for args in commands {
        let before = h.requests.load(Ordering::SeqCst);
        let o = calsync(&dir).args(args).args(["--instance", &h.url, "--user", "admin"]).output().await.unwrap();
        let out = text(&o);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {out}");
        assert!(out.contains("refused the login"), "{args:?}: {out}");
        assert!(!out.contains("not-the-password"), "{out}");
        let sent = h.requests.load(Ordering::SeqCst) - before;
        assert_eq!(sent, 1, "{args:?} sent the wrong password {sent} times");
    }
}

/// The sandbox's state after the personal example was applied, with every registry's
/// token URL (and, if given, authorize URL) pointed at `token_url`.
async fn registry_pointing_at(dir: &tempfile::TempDir, token_url: &str) {
    let o = calsync(dir)
        .args(["apply", "--sandbox", "--plan", "examples/personal-own-alias.toml", "--yes"])
        .output()
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let sb = calsync::sandbox::Sandbox::start(calsync::sandbox::Options {
        state: Some(dir.path().join("sandbox.json")),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = common::client(&sb);
    let entities: Vec<serde_json::Value> = c.list("oauth_entity", &Query::new(), &["sys_id"]).await.unwrap();
    for e in entities {
        let id = e["sys_id"].as_str().unwrap();
        let _: serde_json::Value =
            c.update("oauth_entity", id, &serde_json::json!({"token_url": token_url})).await.unwrap();
    }
    sb.stop().await;
}

#[tokio::test]
async fn authorize_refuses_a_token_endpoint_that_is_not_microsofts_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    registry_pointing_at(&dir, "http://collector.example/t/oauth2/v2.0/token").await;
    let authorize = |extra: &'static [&'static str]| {
        let mut c = calsync(&dir);
        c.args(["authorize", "--sandbox", "--no-browser", "--credential", "Contoso Graph Personal"])
            .args(["--expect-user", "rooms-delegate@contoso.com", "--timeout", "5"])
            .args(extra);
        c
    };
    let o = authorize(&[]).output().await.unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("token URL"), "{out}");
    assert!(out.contains("collector.example is not a Microsoft sign-in host"), "{out}");
    assert!(out.contains("--trust-host collector.example"), "{out}");
    assert!(!out.contains("Open this address"), "no sign-in may start: {out}");
    // Named explicitly, the host is still refused over plain http.
    let o = authorize(&["--trust-host", "collector.example"]).output().await.unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("only https is accepted"), "{out}");
    assert!(!out.contains("Open this address"), "{out}");
}

#[tokio::test]
async fn calsync_login_url_obeys_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    let o = calsync(&dir)
        .args(["apply", "--sandbox", "--plan", "examples/personal-own-alias.toml", "--yes"])
        .output()
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = calsync(&dir)
        .env("CALSYNC_LOGIN_URL", "http://idp.example:8080")
        .args(["authorize", "--sandbox", "--no-browser", "--credential", "Contoso Graph Personal"])
        .args(["--expect-user", "rooms-delegate@contoso.com", "--timeout", "5"])
        .output()
        .await
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("idp.example is not a Microsoft sign-in host"), "{out}");
    assert!(!out.contains("Open this address"), "{out}");
}

#[tokio::test]
async fn hostile_plan_files_are_plan_errors_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // A device that never ends: refused at the cap, without growing.
    let o = calsync(&dir).args(["apply", "--sandbox", "--plan", "/dev/zero", "--dry-run"]).output().await.unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("larger than 1024 KiB"), "{out}");
    assert!(children_peak_rss_mib() < 200, "{} MiB", children_peak_rss_mib());
    // Ten thousand valid credentials: a plan error, not "could not reach" with exit 3.
    let mut plan = String::from("mode = \"strict\"\n");
    for i in 0..10_000 {
        plan.push_str(&format!(
            "[[credential]]\nname = \"C{i}\"\nprofile = \"P\"\ndelegated_user = \"d{i}@contoso.com\"\n"
        ));
    }
    let path = dir.path().join("big.toml");
    std::fs::write(&path, plan).unwrap();
    let o = calsync(&dir).args(["apply", "--sandbox", "--dry-run", "--plan"]).arg(&path).output().await.unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("10000 [[credential]] records; at most 200"), "{out}");
    assert!(out.len() < 1000, "one sentence, not the plan: {} bytes", out.len());
}

#[tokio::test]
async fn the_start_page_is_neither_cached_nor_referred() {
    let mut l = calsync::oauth::listener::Listener::bind(0).unwrap();
    let authorize = "https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&state=s";
    l.serve("s".into(), authorize.into());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.get(l.start_url()).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], authorize);
    // The address it sends the browser to carries the state and the PKCE challenge.
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    l.stop();
}
