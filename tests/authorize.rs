//! Get OAuth Token against the sandbox's Microsoft sign-in: the right account, the wrong
//! one, forged and stray redirects, a replayed code, cancel, AADSTS errors, timeouts, and
//! the browser-account probe.

mod common;

use calsync::oauth::flow::{Flow, FlowError, Prompt, scopes_for};
use calsync::oauth::identity::Refusal;
use calsync::oauth::session::{AuthError, Notice, SignIn, sign_in};
use calsync::sandbox::identity::{CLIENT_SECRET, CLIENT_SECRET_ID, Platform};
use calsync::snow::InstanceExt;
use common::*;
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DELEGATE: (&str, &str) = ("rooms-delegate@contoso.com", "Delegate-Pass-1");
const ADMIN: (&str, &str) = ("it-admin@contoso.com", "Admin-Pass-1");

fn secret() -> Option<SecretString> {
    Some(SecretString::from(CLIENT_SECRET))
}

async fn run(
    req: &SignIn,
    browser: &ScriptedBrowser,
) -> (Result<calsync::oauth::session::Outcome, AuthError>, Vec<Notice>) {
    let notices = Arc::new(Mutex::new(vec![]));
    let n = notices.clone();
    let r = sign_in(req, browser, None, std::future::pending(), move |x| n.lock().unwrap().push(x)).await;
    let v = notices.lock().unwrap().clone();
    (r, v)
}

fn as_delegate(sb: &calsync::sandbox::Sandbox) -> SignIn {
    let mut req = SignIn::as_user(sandbox_registry(sb), secret(), DELEGATE.0, sb.url());
    req.timeout = Duration::from_secs(20);
    req
}

#[tokio::test(flavor = "multi_thread")]
async fn the_delegated_user_signs_in_and_is_identified() {
    let sb = sandbox().await;
    let browser = ScriptedBrowser::new(Person::SignsInAs(DELEGATE.0, DELEGATE.1));
    let (r, notices) = run(&as_delegate(&sb), &browser).await;
    let o = r.expect("signed in");
    assert_eq!(o.verified.who.username, DELEGATE.0);
    assert_eq!(o.verified.who.tenant_id.as_deref(), Some(calsync::sandbox::seed::TENANT_ID));
    assert!(o.verified.warnings.is_empty(), "Graph /me agreed: {:?}", o.verified.warnings);
    assert!(o.tokens.refresh_token.is_some());
    assert!(notices.contains(&Notice::BrowserOpened));
    let url = browser.opened.lock().unwrap()[0].clone();
    for p in
        ["prompt=login", "login_hint=rooms-delegate%40contoso.com", "code_challenge_method=S256", "nonce=", "state="]
    {
        assert!(url.contains(p), "{p} in {url}");
    }
    // The refresh token works, and the new id_token names the same account.
    let flow = Flow::new(&sandbox_registry(&sb), secret().as_ref(), "http://localhost:1/").unwrap();
    let again = flow.refresh(o.tokens.refresh_token.as_ref().unwrap(), &scopes_for(sb.url())).await.unwrap();
    assert!(again.access_token.expose_secret().starts_with("sbx.at."));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_account_is_refused_with_ways_out() {
    let sb = sandbox().await;
    let browser = ScriptedBrowser::new(Person::SignsInAs(ADMIN.0, ADMIN.1));
    let (r, _) = run(&as_delegate(&sb), &browser).await;
    let e = r.err().expect("refused");
    match &e {
        AuthError::Identity { refusal: Refusal::WrongAccount { signed_in, expected }, ways_out } => {
            assert_eq!(signed_in, ADMIN.0);
            assert_eq!(expected, DELEGATE.0);
            assert!(ways_out.iter().any(|w| w.contains("/oauth2/v2.0/logout")), "{ways_out:?}");
            // A URL is followed by a space or ends the sentence, so a double-click takes it alone.
            for w in ways_out {
                for word in w.split_whitespace().filter(|x| x.contains("://")) {
                    assert!(!word.ends_with([',', ';', ':', ')']), "{word:?} in {w:?}");
                }
            }
            assert!(ways_out.iter().any(|w| w.contains("private")));
        }
        other => panic!("{other:?}"),
    }
    let text = e.to_string();
    assert!(text.contains(ADMIN.0) && text.contains(DELEGATE.0) && text.contains("Nothing was stored"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_prompt_the_browser_session_signs_in_silently_and_is_caught() {
    let sb = sandbox().await;
    // The trap ServiceNow's own button falls into: no prompt, no hint, a session for the admin.
    let mut req = as_delegate(&sb);
    req.prompt = None;
    req.login_hint = None;
    let browser = ScriptedBrowser::new(Person::Leaves);
    let (r, _) = run(&req, &browser).await;
    assert!(
        matches!(r, Err(AuthError::Identity { refusal: Refusal::WrongAccount { .. }, .. })),
        "silent sign-in as the admin was caught"
    );
    // With calsync's defaults the same browser is asked for a password instead.
    let mut req = as_delegate(&sb);
    req.timeout = Duration::from_secs(2);
    let (r, _) = run(&req, &ScriptedBrowser::new(Person::Leaves)).await;
    assert!(matches!(r, Err(AuthError::TimedOut(_))), "prompt=login showed the sign-in page");
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_and_stray_requests_do_not_end_the_flow() {
    let sb = sandbox().await;
    let browser = ScriptedBrowser::new(Person::NoisyThenSignsInAs(DELEGATE.0, DELEGATE.1));
    let (r, notices) = run(&as_delegate(&sb), &browser).await;
    assert_eq!(r.expect("the real redirect still completes").verified.who.username, DELEGATE.0);
    let rejected: Vec<&Notice> = notices.iter().filter(|n| matches!(n, Notice::Rejected(_))).collect();
    assert_eq!(rejected.len(), 2, "wrong state and missing state were refused: {notices:?}");
    assert!(notices.iter().any(|n| matches!(n, Notice::Rejected(m) if m.contains("does not match"))));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_code_is_refused_by_the_provider() {
    let sb = sandbox().await;
    let reg = sandbox_registry(&sb);
    let mut listener = calsync::oauth::listener::Listener::bind(0).unwrap();
    let flow = Flow::new(&reg, secret().as_ref(), &listener.redirect_uri()).unwrap();
    let p = flow.prepare(&scopes_for(sb.url()), Some(DELEGATE.0), Some(Prompt::Login));
    listener.serve(p.state.clone(), p.url.to_string());
    tokio::spawn(browse(p.url.to_string(), Person::SignsInAs(DELEGATE.0, DELEGATE.1), None));
    let code = match listener.next().await {
        Some(calsync::oauth::listener::Event::Received(calsync::oauth::redirect::Redirect::Code { code })) => code,
        other => panic!("{other:?}"),
    };
    // Redeem once through a second prepared flow object sharing nothing: the verifier
    // belongs to `p`, so redeem with it, then try the same code again.
    let verifier_flow = Flow::new(&reg, secret().as_ref(), &listener.redirect_uri()).unwrap();
    let p2 = verifier_flow.prepare(&scopes_for(sb.url()), None, None);
    let wrong_verifier = verifier_flow.redeem(p2, &code).await;
    match wrong_verifier {
        Err(FlowError::Provider(e)) => assert_eq!(e.error_codes, vec![501481], "PKCE: another verifier is refused"),
        other => panic!("{other:?}"),
    }
    // The code is spent now (codes are single-use even after a failed redemption).
    let again = flow.redeem(p, &code).await;
    match again {
        Err(FlowError::Provider(e)) => {
            assert_eq!(e.error_codes, vec![54005]);
            assert_eq!(e.error, "invalid_grant");
            assert!(e.trace_id.is_some() && e.correlation_id.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_who_cancels_gets_a_sentence() {
    let sb = sandbox().await;
    let (r, _) = run(&as_delegate(&sb), &ScriptedBrowser::new(Person::Cancels)).await;
    match r {
        Err(e @ AuthError::Provider { .. }) => {
            let s = e.to_string();
            assert!(s.contains("AADSTS65004") && s.contains("Run again"), "{s}");
        }
        other => panic!("{:?}", other.err()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_errors_become_fixes() {
    let sb = sandbox().await;
    let person = || ScriptedBrowser::new(Person::SignsInAs(DELEGATE.0, DELEGATE.1));
    // Web platform, no secret sent.
    let mut req = as_delegate(&sb);
    req.secret = None;
    let (r, _) = run(&req, &person()).await;
    let s = r.err().unwrap().to_string();
    assert!(s.contains("AADSTS7000218") && s.contains("\"Web\"") && s.contains("--public-client"), "{s}");
    // The Secret ID pasted instead of the Value.
    let mut req = as_delegate(&sb);
    req.secret = Some(SecretString::from(CLIENT_SECRET_ID));
    let s = run(&req, &person()).await.0.err().unwrap().to_string();
    assert!(s.contains("AADSTS7000215") && s.contains("not its Secret ID"), "{s}");
    assert!(s.contains("trace ID"), "{s}");
    // A public-client registration must not get a secret.
    sb.set_loopback_platform(Platform::Mobile);
    let s = run(&as_delegate(&sb), &person()).await.0.err().unwrap().to_string();
    assert!(s.contains("AADSTS700025") && s.contains("--public-client"), "{s}");
    let mut req = as_delegate(&sb);
    req.secret = None;
    assert!(run(&req, &person()).await.0.is_ok(), "public client without a secret works");
    sb.set_loopback_platform(Platform::Web);
    // A scope of another cloud's Graph.
    let mut req = as_delegate(&sb);
    req.graph_root = "https://graph.microsoft.us".into();
    let s = run(&req, &person()).await.0.err().unwrap().to_string();
    assert!(s.contains("AADSTS70011"), "{s}");
    // An account of another tenant is stopped by Entra's page; the admin types the code.
    let notices = Arc::new(Mutex::new(vec![]));
    let n = notices.clone();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send("AADSTS50011".to_string()).unwrap();
    tx.send("hello".to_string()).unwrap();
    let mut req = as_delegate(&sb);
    req.timeout = Duration::from_secs(1);
    let r = sign_in(&req, &ScriptedBrowser::new(Person::Leaves), Some(rx), std::future::pending(), move |x| {
        n.lock().unwrap().push(x)
    })
    .await;
    assert!(matches!(r, Err(AuthError::TimedOut(_))));
    let notices = notices.lock().unwrap();
    assert!(notices.iter().any(|x| matches!(x, Notice::Explained(t) if t.contains("AADSTS50011") && t.contains("http://localhost/") && t.contains("Web"))), "{notices:?}");
    assert!(notices.iter().any(|x| matches!(x, Notice::PasteRejected(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_redirect_completes_the_sign_in() {
    let sb = sandbox().await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut req = as_delegate(&sb);
    req.timeout = Duration::from_secs(20);
    // A browser on another machine: it signs in, and the person copies the final address.
    let notify = move |n: Notice| {
        if let Notice::Waiting { url, .. } = n {
            let tx = tx.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
                let page = http.get(&url).send().await.unwrap().text().await.unwrap();
                let txn = page.split("name=\"txn\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
                let base: String = url.split('/').take(3).collect::<Vec<_>>().join("/");
                let action = page.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
                let r = http
                    .post(format!("{base}{action}"))
                    .form(&[("txn", txn.as_str()), ("login", DELEGATE.0), ("passwd", DELEGATE.1), ("action", "signin")])
                    .send()
                    .await
                    .unwrap();
                let back = r.headers()["location"].to_str().unwrap().to_string();
                tx.send(format!("  {back}  ")).unwrap();
            });
        }
    };
    let r = sign_in(&req, &calsync::oauth::browser::NoBrowser, Some(rx), std::future::pending(), notify).await;
    assert_eq!(r.expect("pasted redirect accepted").verified.who.username, DELEGATE.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_and_timeout_store_nothing() {
    let sb = sandbox().await;
    let mut req = as_delegate(&sb);
    req.timeout = Duration::from_millis(500);
    let (r, _) = run(&req, &ScriptedBrowser::new(Person::Leaves)).await;
    let e = r.err().unwrap();
    assert!(matches!(e, AuthError::TimedOut(_)));
    assert!(e.to_string().contains("nothing was stored"));
    let r = sign_in(
        &as_delegate(&sb),
        &ScriptedBrowser::new(Person::Leaves),
        None,
        tokio::time::sleep(Duration::from_millis(200)),
        |_| {},
    )
    .await;
    assert!(matches!(r, Err(AuthError::Cancelled)));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_probe_tells_which_account_the_browser_would_use() {
    let sb = sandbox().await;
    let mut probe = SignIn::probe(sandbox_registry(&sb), secret(), sb.url());
    probe.timeout = Duration::from_secs(10);
    let (r, _) = run(&probe, &ScriptedBrowser::new(Person::Leaves)).await;
    assert_eq!(r.expect("silent sign-in").verified.who.username, ADMIN.0);
    let mut browser = ScriptedBrowser::new(Person::Leaves);
    browser.cookie = Some("-".into());
    let (r, _) = run(&probe, &browser).await;
    assert_eq!(r.err().unwrap().provider_error(), Some("login_required"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_handed_to_the_instance_land_once_in_encrypted_fields() {
    let sb = sandbox().await;
    let c = client(&sb);
    let browser = ScriptedBrowser::new(Person::SignsInAs(DELEGATE.0, DELEGATE.1));
    let o = run(&as_delegate(&sb), &browser).await.0.expect("signed in");
    let cred = row(&sb, "oauth_2_0_credentials", "name", "MS Graph 1").unwrap();
    let entity = row(&sb, "oauth_entity", "name", "Microsoft Exchange Online").unwrap();
    for _ in 0..2 {
        let links = calsync::oauth::handover::store(
            &c,
            &cred["sys_id"],
            "MS Graph 1",
            &cred["oauth_entity_profile"],
            &entity["sys_id"],
            &o.tokens,
        )
        .await
        .expect("written");
        assert_eq!(links.len(), 2);
    }
    let rt = o.tokens.refresh_token.as_ref().unwrap().expose_secret().to_string();
    let rows = sb.with_store(|s| s.scan("oauth_credential").cloned().collect::<Vec<_>>());
    assert_eq!(rows.len(), 2, "one access and one refresh row, replaced on the second run");
    let refresh = rows.iter().find(|r| r["type"] == "refresh_token").unwrap();
    assert_eq!(refresh["token_received"], rt, "saved because the write said display values");
    // The Table API never shows an encrypted value back.
    let shown: Vec<serde_json::Value> = c.list("oauth_credential", &calsync::snow::Query::new(), &[]).await.unwrap();
    assert!(shown.iter().all(|r| r["token_received"] == ""));
    // Without sysparm_input_display_value the instance drops encrypted values silently.
    let _: serde_json::Value =
        c.update("oauth_credential", &refresh["sys_id"], &serde_json::json!({"token_received": "x"})).await.unwrap();
    assert_eq!(row(&sb, "oauth_credential", "type", "refresh_token").unwrap()["token_received"], rt);
}

/// The identity check reads the clock it is given: a day later, the same sign-in's
/// id_token has expired and nothing is kept.
#[tokio::test(flavor = "multi_thread")]
async fn the_id_token_is_checked_against_the_injected_clock() {
    let sb = sandbox().await;
    let mut req = as_delegate(&sb);
    req.clock = Arc::new(calsync::clock::FixedClock(calsync::clock::now_secs() + 86_400));
    let browser = ScriptedBrowser::new(Person::SignsInAs(DELEGATE.0, DELEGATE.1));
    let (r, _) = run(&req, &browser).await;
    let e = r.err().expect("refused");
    assert!(e.to_string().contains("expired"), "{e}");
}

/// `authorize`, the one Get OAuth Token of `calsync authorize` and the wizard: the right
/// account's refresh token is kept and its mailbox noted; another account's is not.
#[tokio::test(flavor = "multi_thread")]
async fn authorize_keeps_only_the_right_accounts_token() {
    let cases = [
        (Person::SignsInAs(DELEGATE.0, DELEGATE.1), true),
        (Person::SignsInAs("it-admin@contoso.com", "Admin-Pass-1"), false),
    ];
    for (person, kept) in cases {
        let sb = sandbox().await;
        let dir = tempfile::tempdir().unwrap();
        let (services, memory) = services(dir.path(), person.clone());
        let keep = calsync::oauth::session::Keep {
            secrets: &services.secrets,
            state_dir: dir.path(),
            instance_key: "sandbox",
            credential: "MS Graph 1",
        };
        let browser = ScriptedBrowser::new(person.clone());
        let r = calsync::oauth::session::authorize(
            &as_delegate(&sb),
            &keep,
            &browser,
            None,
            std::future::pending(),
            |_| {},
        )
        .await;
        let account =
            calsync::secrets::Account::RefreshToken { instance: "sandbox".into(), credential: "MS Graph 1".into() };
        assert_eq!(r.is_ok(), kept, "{person:?}");
        assert_eq!(memory.contains(&account), kept, "{person:?}");
        let noted = calsync::oauth::delegates::load(dir.path(), "sandbox");
        assert_eq!(noted.get("MS Graph 1").map(String::as_str), kept.then_some(DELEGATE.0), "{person:?}");
        if let Ok(a) = r {
            assert_eq!(a.who.username, DELEGATE.0);
            assert_eq!(a.account, account);
        }
    }
}
