//! calsync's OAuth client against a real OpenID provider nobody here wrote: panva's
//! `oidc-provider` (npm), started on 127.0.0.1. The test plays the person at the browser
//! through the provider's own login and consent pages.

mod common;

use calsync::oauth::browser::Browser;
use calsync::oauth::flow::{Flow, Registry};
use calsync::oauth::identity::Refusal;
use calsync::oauth::session::{AuthError, SignIn, sign_in};
use secrecy::{ExposeSecret, SecretString};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "calsync-test-secret-value";
/// Nothing listens here: Graph /me cannot be reached, which must show as a warning.
const NO_GRAPH: &str = "http://127.0.0.1:9";

struct Provider {
    child: Child,
    issuer: String,
    redirect_port: u16,
}

async fn provider() -> Option<Provider> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node");
    let installed = std::path::Path::new(dir).join("node_modules/oidc-provider").exists();
    if !installed {
        assert!(
            std::env::var_os("CALSYNC_REQUIRE_OIDC").is_none(),
            "oidc-provider is not installed in tests/node (tests/run installs it)"
        );
        eprintln!("not run: oidc-provider is not installed; run the suite through tests/run");
        return None;
    }
    let redirect_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(dir)
        .env("REDIRECT_PORT", redirect_port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if let Some(i) = l.strip_prefix("LISTENING ") {
                return i.to_string();
            }
        }
        panic!("the provider did not start");
    })
    .await
    .expect("the provider starts within 20 s");
    // Keep reading what it prints, or its next write fails with EPIPE and it exits.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(Provider { child, issuer, redirect_port })
}

fn registry(p: &Provider) -> Registry {
    Registry {
        client_id: "calsync-test".into(),
        auth_url: format!("{}/auth", p.issuer),
        token_url: format!("{}/token", p.issuer),
    }
}

/// A person at a real browser (with cookies) on oidc-provider's development pages.
struct DevBrowser {
    user: &'static str,
}

impl Browser for DevBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let (url, user) = (url.to_string(), self.user);
        tokio::runtime::Handle::current().spawn(async move { walk(url, user).await });
        Ok(())
    }
}

fn form_action(page: &str) -> Option<String> {
    let form = page.split("<form").nth(1)?;
    let action = form.split("action=\"").nth(1)?.split('"').next()?;
    Some(action.replace("&amp;", "&"))
}

/// The hidden inputs of the page's first form, as the browser would send them.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    let form = page.split("<form").nth(1).and_then(|f| f.split("</form>").next()).unwrap_or_default();
    let attr = |tag: &str, name: &str| {
        tag.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).map(str::to_string)
    };
    form.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

async fn walk(start: String, user: &str) {
    let http =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let origin: String = start.split('/').take(3).collect::<Vec<_>>().join("/");
    let absolute = |u: &str| if u.starts_with("http") { u.to_string() } else { format!("{origin}{u}") };
    let mut next = http.get(&start).send().await.unwrap();
    for _ in 0..12 {
        if let Some(loc) = next.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string) {
            let loc = absolute(&loc);
            if loc.starts_with("http://localhost:") {
                let _ = http.get(&loc).send().await;
                return;
            }
            next = http.get(&loc).send().await.unwrap();
            continue;
        }
        let page = next.text().await.unwrap();
        let Some(action) = form_action(&page) else { return };
        let mut fields = hidden_inputs(&page);
        if page.contains("name=\"login\"") {
            fields.push(("login".into(), user.into()));
            fields.push(("password".into(), "any".into()));
        }
        next = http.post(absolute(&action)).form(&fields).send().await.unwrap();
    }
}

fn request(p: &Provider, user: &str) -> SignIn {
    let mut req = SignIn::as_user(registry(p), Some(SecretString::from(SECRET)), user, NO_GRAPH);
    req.port = p.redirect_port;
    req.timeout = Duration::from_secs(30);
    req
}

#[tokio::test(flavor = "multi_thread")]
async fn signs_in_checks_identity_and_refreshes_against_oidc_provider() {
    let Some(mut p) = provider().await else { return };
    let req = request(&p, "rooms-delegate@contoso.com");
    let o = sign_in(&req, &DevBrowser { user: "rooms-delegate@contoso.com" }, None, std::future::pending(), |_| {})
        .await
        .expect("signed in through a real provider");
    assert_eq!(o.verified.who.username, "rooms-delegate@contoso.com");
    assert_eq!(o.verified.who.name.as_deref(), Some("Rooms Delegate"));
    assert!(
        o.verified.warnings.iter().any(|w| w.contains("could not be checked")),
        "an unreachable Graph is a visible warning: {:?}",
        o.verified.warnings
    );
    let rt = o.tokens.refresh_token.expect("offline_access gave a refresh token");
    // The refresh token redeems at the real provider.
    let flow =
        Flow::new(&registry(&p), Some(&SecretString::from(SECRET)), &format!("http://localhost:{}/", p.redirect_port))
            .unwrap();
    // Without a scope the refresh keeps the granted ones (RFC 6749 §6).
    let again = flow.refresh(&rt, &[]).await.expect("refreshed");
    assert!(!again.access_token.expose_secret().is_empty());
    let _ = p.child.kill().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_account_at_oidc_provider_is_refused() {
    let Some(mut p) = provider().await else { return };
    let req = request(&p, "rooms-delegate@contoso.com");
    let r = sign_in(&req, &DevBrowser { user: "it-admin@contoso.com" }, None, std::future::pending(), |_| {}).await;
    match r {
        Err(AuthError::Identity { refusal: Refusal::WrongAccount { signed_in, expected }, .. }) => {
            assert_eq!(signed_in, "it-admin@contoso.com");
            assert_eq!(expected, "rooms-delegate@contoso.com");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("the wrong account was accepted"),
    }
    // A wrong secret is the provider's invalid_client, in words.
    let mut req = request(&p, "rooms-delegate@contoso.com");
    req.secret = Some(SecretString::from("not-the-secret"));
    let r =
        sign_in(&req, &DevBrowser { user: "rooms-delegate@contoso.com" }, None, std::future::pending(), |_| {}).await;
    let text = r.err().expect("refused").to_string();
    assert!(text.contains("invalid_client"), "{text}");
    let _ = p.child.kill().await;
}
