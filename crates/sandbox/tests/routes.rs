//! The REST APIs answer the same with and without a version in the path, as an
//! instance does (`/api/now/v2/table/...` and `/api/now/table/...`).

use base64::Engine;
use calsync_sandbox::{Options, Sandbox, seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request as the admin; the status line and the body.
async fn get(sb: &Sandbox, path: &str) -> (String, String) {
    let addr = sb.url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connects");
    let login =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", seed::ADMIN_USER, seed::ADMIN_PASSWORD));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nAuthorization: Basic {login}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("reads");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

#[tokio::test]
async fn versioned_and_unversioned_paths_answer_alike() {
    let sb = Sandbox::start(Options::default()).await.expect("sandbox starts");
    let admin =
        sb.with_store(|s| s.first_where("sys_user", "user_name", seed::ADMIN_USER).map(|r| r["sys_id"].clone()));
    let admin = admin.expect("the seed has the admin");
    for api in ["/api/now", "/api/now/v1", "/api/now/v2"] {
        let (status, body) =
            get(&sb, &format!("{api}/table/sys_user?sysparm_query=user_name=admin&sysparm_fields=sys_id")).await;
        assert!(status.contains("200"), "{api}: {status} {body}");
        assert!(body.contains(&admin), "{api}: {body}");
        let (status, body) = get(&sb, &format!("{api}/table/sys_user/{admin}?sysparm_fields=user_name")).await;
        assert!(status.contains("200") && body.contains("\"user_name\":\"admin\""), "{api}: {status} {body}");
        let (status, body) = get(&sb, &format!("{api}/table/sys_user/{}", "0".repeat(32))).await;
        assert!(status.contains("404"), "{api}: {status} {body}");
        let (status, body) = get(&sb, &format!("{api}/attachment")).await;
        assert!(status.contains("200") && body.contains("\"result\""), "{api}: {status} {body}");
        let (status, body) = get(&sb, &format!("{api}/attachment/{}", "0".repeat(32))).await;
        assert!(status.contains("404"), "{api}: {status} {body}");
    }
}
