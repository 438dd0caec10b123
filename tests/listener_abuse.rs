//! The loopback listener under abuse while a sign-in waits: junk paths, forged and missing
//! states, oversized and slow requests, a foreign Host, all at once. It must never end the
//! flow or exchange a code for them, and the real redirect must still complete.

mod common;

use calsync::oauth::session::{Notice, SignIn, sign_in};
use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const JUNK: usize = 200;
const FORGED: usize = 60;
const OVERSIZED: usize = 20;
const SLOW: usize = 10;

async fn abuse(port: u16) -> usize {
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let mut sent = 0;
    // Slow clients: a connection that sends half a request and waits.
    let mut slow = vec![];
    for _ in 0..SLOW {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(format!("GET /?code=x&state=y HTTP/1.1\r\nHost: localhost:{port}\r\n").as_bytes());
            slow.push(s);
            sent += 1;
        }
    }
    let mut tasks = vec![];
    for i in 0..JUNK {
        let (h, url) = (
            http.clone(),
            format!("{base}/{}?x={i}", ["favicon.ico", "admin", "../../etc/passwd", "%00", "start/../x"][i % 5]),
        );
        tasks.push(tokio::spawn(async move { h.get(url).send().await.is_ok() }));
    }
    for i in 0..FORGED {
        let url = if i % 2 == 0 {
            format!("{base}/?code=stolen-{i}&state=forged-{i}")
        } else {
            format!("{base}/?code=stolen-{i}")
        };
        let h = http.clone();
        tasks.push(tokio::spawn(
            async move { h.get(url).header("Host", format!("localhost:{port}")).send().await.is_ok() },
        ));
    }
    for _ in 0..OVERSIZED {
        let (h, base) = (http.clone(), base.clone());
        let body = "code=x&state=y&".repeat(70_000);
        tasks.push(tokio::spawn(async move { h.post(format!("{base}/")).body(body).send().await.is_ok() }));
    }
    for i in 0..20 {
        let (h, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            h.get(format!("{base}/?code=c{i}&state=s")).header("Host", "evil.example").send().await.is_ok()
        }));
    }
    for t in tasks {
        let _ = t.await;
        sent += 1;
    }
    drop(slow);
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abuse_does_not_end_the_flow_and_the_real_redirect_completes() {
    let sb = sandbox().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut req = SignIn::as_user(
        sandbox_registry(&sb),
        Some(calsync::sandbox::identity::CLIENT_SECRET.to_string().into()),
        "rooms-delegate@contoso.com",
        sb.url(),
    );
    req.port = port;
    req.timeout = Duration::from_secs(60);
    let notices = Arc::new(Mutex::new(vec![]));
    let n = notices.clone();
    // The person at the browser waits until the abuse is over, then signs in.
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    struct Delayed(Mutex<Option<tokio::sync::oneshot::Receiver<()>>>);
    impl calsync::oauth::browser::Browser for Delayed {
        fn open(&self, url: &str) -> Result<(), String> {
            let rx = self.0.lock().unwrap().take();
            let url = url.to_string();
            tokio::runtime::Handle::current().spawn(async move {
                if let Some(rx) = rx {
                    let _ = rx.await;
                }
                browse(url, Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"), None).await;
            });
            Ok(())
        }
    }
    let browser = Delayed(Mutex::new(Some(go_rx)));
    let flow = tokio::spawn(async move {
        sign_in(&req, &browser, None, std::future::pending(), move |x| n.lock().unwrap().push(x)).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let requests_before = sb.requests();
    let sent = abuse(port).await;
    assert!(!flow.is_finished(), "{sent} abusive requests did not end the flow");
    assert_eq!(sb.requests(), requests_before, "no code was sent to the token endpoint for any of them");
    let _ = go_tx.send(());
    let outcome = flow.await.unwrap().expect("the real redirect completes");
    assert_eq!(outcome.verified.who.username, "rooms-delegate@contoso.com");
    let rejected = notices.lock().unwrap().iter().filter(|x| matches!(x, Notice::Rejected(_))).count();
    assert!(rejected >= FORGED - 5, "forged states reported: {rejected}");
    eprintln!("abusive requests sent: {sent}; refused with a state notice: {rejected}");
}
