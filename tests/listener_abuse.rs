//! The loopback listener under abuse while a sign-in waits: junk paths, forged and missing
//! states, oversized and slow requests, a foreign Host, all at once; a stalled body, resets
//! mid-request, hundreds of idle connections, a 200 MB header. It must never end the flow,
//! stall, crash or exchange a code for them, and the real redirect must still complete
//! promptly; a cancel must return at once.
// Raw sockets (linger, shutdown) need libc here; unsafe code is denied outside tests.
#![allow(unsafe_code, clippy::ptr_as_ptr, clippy::borrow_as_ptr, clippy::ref_as_ptr)]

mod common;

use calsync::oauth::session::{Notice, SignIn, sign_in};
use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The tests here open hundreds of connections each; one at a time keeps them apart.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long the real redirect may take once the person signs in, whatever else is going on.
const PROMPT: Duration = Duration::from_secs(5);

const JUNK: usize = 200;
const FORGED: usize = 60;
const OVERSIZED: usize = 20;
const SLOW: usize = 10;

async fn abuse(port: u16) -> usize {
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
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
    // The forged redirects go out once the junk wave is answered: with 300 requests at once the
    // listener's connection cap closes the oldest unanswered ones, and on a busy machine those
    // could be forged ones, which the count below expects to be read and refused.
    for t in tasks.drain(..) {
        let _ = t.await;
        sent += 1;
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
    let _one = ONE_AT_A_TIME.lock().await;
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

type Flow = tokio::task::JoinHandle<Result<calsync::oauth::session::Outcome, calsync::oauth::session::AuthError>>;

/// A sign-in waiting on a free port; the person at the browser signs in when `go` fires.
async fn waiting_sign_in(
    sb: &calsync::sandbox::Sandbox,
    cancel: tokio::sync::oneshot::Receiver<()>,
) -> (u16, Flow, tokio::sync::oneshot::Sender<()>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut req = SignIn::as_user(
        sandbox_registry(sb),
        Some(calsync::sandbox::identity::CLIENT_SECRET.to_string().into()),
        "rooms-delegate@contoso.com",
        sb.url(),
    );
    req.port = port;
    req.timeout = Duration::from_secs(60);
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    struct Delayed(Mutex<Option<tokio::sync::oneshot::Receiver<()>>>);
    impl calsync::oauth::browser::Browser for Delayed {
        fn open(&self, url: &str) -> Result<(), String> {
            let rx = self.0.lock().unwrap().take();
            let url = url.to_string();
            tokio::runtime::Handle::current().spawn(async move {
                if let Some(rx) = rx
                    && rx.await.is_ok()
                {
                    browse(url, Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"), None).await;
                }
            });
            Ok(())
        }
    }
    let browser = Delayed(Mutex::new(Some(go_rx)));
    let flow = tokio::spawn(async move {
        sign_in(
            &req,
            &browser,
            None,
            async {
                let _ = cancel.await;
            },
            |_| {},
        )
        .await
    });
    // Until the listener is up, connections are refused.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (port, flow, go_tx)
}

/// Signs in now and requires the flow to finish within `PROMPT`.
async fn completes_promptly(flow: Flow, go: tokio::sync::oneshot::Sender<()>, what: &str) {
    let started = Instant::now();
    let _ = go.send(());
    let outcome = tokio::time::timeout(PROMPT, flow)
        .await
        .unwrap_or_else(|_| panic!("{what}: the real redirect did not complete within {PROMPT:?}"))
        .unwrap()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(outcome.verified.who.username, "rooms-delegate@contoso.com");
    eprintln!("{what}: signed in {:?} after the person came back", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stalled_body_does_not_hold_up_the_redirect() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sb = sandbox().await;
    let (_keep, cancel) = tokio::sync::oneshot::channel();
    let (port, flow, go) = waiting_sign_in(&sb, cancel).await;
    // Promises 5000 bytes, sends 6, and keeps the connection open.
    let mut stalled = vec![];
    for _ in 0..3 {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(
            format!("POST / HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\ncode=x").as_bytes(),
        )
        .unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    completes_promptly(flow, go, "stalled body").await;
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resets_mid_request_do_not_break_the_listener() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sb = sandbox().await;
    let (_keep, cancel) = tokio::sync::oneshot::channel();
    let (port, flow, go) = waiting_sign_in(&sb, cancel).await;
    // A panic anywhere in this process (a listener thread included) is counted.
    static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        previous(info)
    }));
    for i in 0..200 {
        let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        // Half a request, a whole one, and a body cut short, each then reset.
        let request = match i % 3 {
            0 => format!("GET /?code=c{i}&state=s HTTP/1.1\r\nHost: localh"),
            1 => format!("GET /favicon.ico HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
            _ => format!("POST / HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Length: 100\r\n\r\ncode="),
        };
        let _ = (&s).write_all(request.as_bytes());
        // SO_LINGER 0: closing sends a reset instead of a polite FIN.
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: a valid socket descriptor and a linger struct of the size given.
        unsafe {
            use std::os::fd::AsRawFd;
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
        drop(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = std::panic::take_hook();
    assert_eq!(PANICS.load(std::sync::atomic::Ordering::SeqCst), 0, "resets made something panic");
    assert!(!flow.is_finished(), "resets ended the flow");
    completes_promptly(flow, go, "resets").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn six_hundred_idle_connections_under_a_1024_descriptor_limit() {
    let _one = ONE_AT_A_TIME.lock().await;
    // The limit a default desktop session has; the listener shares it with everything else.
    let limit = libc::rlimit { rlim_cur: 1024, rlim_max: 1024 };
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain calls with valid pointers.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut old);
        libc::setrlimit(libc::RLIMIT_NOFILE, &libc::rlimit { rlim_cur: limit.rlim_cur.min(old.rlim_max), ..old });
    }
    let sb = sandbox().await;
    let (_keep, cancel) = tokio::sync::oneshot::channel();
    let (port, flow, go) = waiting_sign_in(&sb, cancel).await;
    let mut idle = vec![];
    for _ in 0..600 {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connection {} refused: {e}", idle.len() + 1),
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!flow.is_finished(), "idle connections ended the flow");
    // The port is still open while all of them are held.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "the listener closed its port");
    completes_promptly(flow, go, "600 idle connections").await;
    drop(idle);
    // SAFETY: restores the limit read above.
    unsafe {
        libc::setrlimit(libc::RLIMIT_NOFILE, &old);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_200_mb_header_is_cut_off_early() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sb = sandbox().await;
    let (_keep, cancel) = tokio::sync::oneshot::channel();
    let (port, flow, go) = waiting_sign_in(&sb, cancel).await;
    let sender = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        let _ = s.write_all(format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\nX-Big: ").as_bytes());
        let chunk = vec![b'a'; 1 << 20];
        let mut sent = 0usize;
        while sent < 200 << 20 {
            match s.write_all(&chunk) {
                Ok(()) => sent += chunk.len(),
                Err(_) => break,
            }
        }
        sent
    });
    let sent = tokio::task::spawn_blocking(move || sender.join().unwrap()).await.unwrap();
    // What the kernel's socket buffers take in on loopback is the most that can get through.
    assert!(sent < 32 << 20, "the listener read {} MB of one header before closing", sent >> 20);
    eprintln!("200 MB header: the connection was closed after {} MB had been written", sent >> 20);
    completes_promptly(flow, go, "200 MB header").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_returns_at_once_with_clients_stalled() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sb = sandbox().await;
    let (cancel_tx, cancel) = tokio::sync::oneshot::channel();
    let (port, flow, _go) = waiting_sign_in(&sb, cancel).await;
    let mut stalled = vec![];
    for _ in 0..5 {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(format!("POST / HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Length: 5000\r\n\r\nab").as_bytes())
            .unwrap();
        stalled.push(s);
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET /?code=x&sta").unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let _ = cancel_tx.send(());
    let r = tokio::time::timeout(Duration::from_secs(2), flow).await.expect("cancel returned within 2 s").unwrap();
    assert!(matches!(r, Err(calsync::oauth::session::AuthError::Cancelled)), "{:?}", r.err());
    eprintln!("cancel returned in {:?}", started.elapsed());
    // And the port is closed: nothing answers there any more.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the listener still accepts after cancel");
    drop(stalled);
}
