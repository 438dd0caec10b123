//! One sign-in, start to finish: listener, browser, redirect (or a pasted URL), code
//! redemption, and the identity check (`sign_in`, which never stores anything); and Get
//! OAuth Token on top of it (`authorize`): the checked sign-in whose refresh token is kept
//! in the secret store. `calsync authorize` and the wizard both call `authorize`; both
//! report progress through `Notice`s.

use super::aadsts;
use super::browser::Browser;
use super::flow::{Flow, FlowError, Prompt, Registry, Tokens, scopes_for};
use super::identity::{self, Expectation, Refusal, Verified};
use super::listener::{Event, ListenError, Listener};
use super::redirect::{self, Redirect};
use crate::clock::{Clock, SystemClock};
use crate::secrets::{Account, SecretError};
use secrecy::SecretString;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct SignIn {
    pub registry: Registry,
    pub secret: Option<SecretString>,
    /// The account that must sign in; None for the browser-account probe.
    pub expected_user: Option<String>,
    pub graph_root: String,
    pub prompt: Option<Prompt>,
    pub login_hint: Option<String>,
    pub port: u16,
    pub timeout: Duration,
    /// The clock the id_token's times are checked against.
    pub clock: Arc<dyn Clock>,
}

impl SignIn {
    /// A sign-in as `user`, with the hint and the prompt that defeat silent SSO.
    pub fn as_user(registry: Registry, secret: Option<SecretString>, user: &str, graph_root: &str) -> SignIn {
        SignIn {
            registry,
            secret,
            expected_user: Some(user.to_string()),
            graph_root: graph_root.to_string(),
            prompt: Some(Prompt::Login),
            login_hint: Some(user.to_string()),
            port: 0,
            timeout: Duration::from_secs(300),
            clock: Arc::new(SystemClock),
        }
    }

    /// The probe: which account would the browser use silently?
    pub fn probe(registry: Registry, secret: Option<SecretString>, graph_root: &str) -> SignIn {
        SignIn {
            registry,
            secret,
            expected_user: None,
            graph_root: graph_root.to_string(),
            prompt: Some(Prompt::None),
            login_hint: None,
            port: 0,
            timeout: Duration::from_secs(120),
            clock: Arc::new(SystemClock),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Listening; open `url` (or the shorter `start_url`) in a browser.
    Waiting {
        url: String,
        start_url: String,
        redirect_uri: String,
    },
    BrowserOpened,
    BrowserFailed(String),
    /// A request reached the listener and was refused; still waiting.
    Rejected(String),
    /// A pasted line was not the redirect; still waiting.
    PasteRejected(String),
    /// A pasted AADSTS code (read off Microsoft's error page), explained; still waiting.
    Explained(String),
    Redeeming,
    CheckingIdentity,
}

pub struct Outcome {
    pub tokens: Tokens,
    pub verified: Verified,
}

/// `1 second`, `300 seconds`.
fn seconds(d: Duration) -> String {
    match d.as_secs() {
        1 => "1 second".into(),
        n => format!("{n} seconds"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error("{0}")]
    Setup(FlowError),
    #[error("no sign-in arrived within {}; nothing was stored. Run again, and finish the sign-in in the browser (or paste the final address here)", seconds(*.0))]
    TimedOut(Duration),
    #[error("the sign-in was cancelled; nothing was stored")]
    Cancelled,
    #[error(
        "the sign-in listener on localhost:{port} stopped ({reason}), so the browser cannot come back to calsync; nothing was stored. Run again (another port is picked unless --port is given)"
    )]
    ListenerDied { port: u16, reason: String },
    #[error("{}", provider_sentence(.error, .description.as_deref(), *.code, .advice.as_deref(), .trace.as_deref()))]
    Provider {
        error: String,
        description: Option<String>,
        code: Option<u64>,
        advice: Option<String>,
        trace: Option<String>,
    },
    #[error("{0}; nothing was stored")]
    Token(FlowError),
    #[error("{refusal}. Nothing was stored.{}", ways(.ways_out))]
    Identity { refusal: Refusal, ways_out: Vec<String> },
}

fn ways(w: &[String]) -> String {
    if w.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nWays out:");
    for (i, x) in w.iter().enumerate() {
        s.push_str(&format!("\n  {}. {x}", i + 1));
    }
    s
}

fn provider_sentence(
    error: &str,
    description: Option<&str>,
    code: Option<u64>,
    advice: Option<&str>,
    trace: Option<&str>,
) -> String {
    let what = match code {
        Some(c) => format!("Microsoft refused the sign-in with AADSTS{c} ({error})"),
        None => format!(
            "the sign-in failed: {error}{}",
            description.map(|d| format!(" ({})", first_line(d))).unwrap_or_default()
        ),
    };
    let mut s = match advice {
        Some(a) => format!("{what}. {a}"),
        None => match (code, description) {
            (Some(_), Some(d)) => format!("{what}: {}", first_line(d)),
            _ => what,
        },
    };
    if let Some(t) = trace {
        s.push_str(&format!(" ({t})"));
    }
    s.push_str(" Nothing was stored.");
    s
}

/// An error code read off Microsoft's error page: `AADSTS50011`, or just `50011`.
fn pasted_code(line: &str) -> Option<u64> {
    let t = line.trim();
    aadsts::code_in(t).or_else(|| t.parse().ok().filter(|n: &u64| *n >= 10_000))
}

fn first_line(d: &str) -> &str {
    let line = d.lines().next().unwrap_or(d);
    line.split(" Trace ID:").next().unwrap_or(line).trim()
}

impl AuthError {
    fn provider(
        error: String,
        description: Option<String>,
        codes: &[u64],
        trace: Option<String>,
        ctx: &aadsts::Context,
    ) -> AuthError {
        let code = codes.first().copied().or_else(|| description.as_deref().and_then(aadsts::code_in));
        let advice = match (code, error.as_str()) {
            (Some(c), _) => aadsts::explain(c, ctx),
            (None, "access_denied") => {
                Some("The sign-in was cancelled or refused in the browser. Run again to retry.".into())
            }
            (None, "login_required") => {
                Some("The browser has no session, so a silent sign-in was not possible.".into())
            }
            (None, "invalid_client") => {
                Some("The client ID or secret was not accepted; check the registry and the secret's Value.".into())
            }
            _ => None,
        };
        AuthError::Provider { error, description, code, advice, trace }
    }

    /// The provider's error name, when the provider refused.
    pub fn provider_error(&self) -> Option<&str> {
        match self {
            AuthError::Provider { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Runs one sign-in. `paste` carries lines typed into the terminal (the redirect URL on a
/// machine whose browser cannot reach the listener); `cancel` ends it early.
pub async fn sign_in(
    req: &SignIn,
    browser: &dyn Browser,
    mut paste: Option<mpsc::UnboundedReceiver<String>>,
    cancel: impl Future<Output = ()>,
    mut notify: impl FnMut(Notice),
) -> Result<Outcome, AuthError> {
    let mut listener = Listener::bind(req.port)?;
    let redirect_uri = listener.redirect_uri();
    let flow = Flow::new(&req.registry, req.secret.as_ref(), &redirect_uri).map_err(AuthError::Setup)?;
    let prepared = flow.prepare(&scopes_for(&req.graph_root), req.login_hint.as_deref(), req.prompt);
    let state = prepared.state.clone();
    listener.serve(state.clone(), prepared.url.to_string());
    notify(Notice::Waiting {
        url: prepared.url.to_string(),
        start_url: listener.start_url(),
        redirect_uri: redirect_uri.clone(),
    });
    match browser.open(prepared.url.as_str()) {
        Ok(()) => notify(Notice::BrowserOpened),
        Err(e) => notify(Notice::BrowserFailed(e)),
    }
    let ctx = aadsts::Context {
        redirect_uri: redirect_uri.clone(),
        client_id: req.registry.client_id.clone(),
        sent_secret: req.secret.is_some(),
    };
    let deadline = tokio::time::sleep(req.timeout);
    tokio::pin!(deadline);
    tokio::pin!(cancel);
    let received = loop {
        tokio::select! {
            ev = listener.next() => match ev {
                Some(Event::Received(r)) => break r,
                Some(Event::Rejected(e)) => notify(Notice::Rejected(e.to_string())),
                Some(Event::Died(reason)) => return Err(AuthError::ListenerDied { port: listener.port(), reason }),
                None => return Err(AuthError::ListenerDied { port: listener.port(), reason: "it stopped unexpectedly".into() }),
            },
            line = async { match paste.as_mut() { Some(p) => p.recv().await, None => std::future::pending().await } } => match line {
                Some(l) if l.trim().is_empty() => {}
                Some(l) => match redirect::read_pasted(&l, &state) {
                    Ok(r) => break r,
                    Err(e) => match pasted_code(&l).and_then(|c| aadsts::explain(c, &ctx).map(|a| format!("AADSTS{c}: {a}"))) {
                        Some(text) => notify(Notice::Explained(text)),
                        None => notify(Notice::PasteRejected(e.to_string())),
                    },
                },
                None => paste = None,
            },
            () = &mut deadline => return Err(AuthError::TimedOut(req.timeout)),
            () = &mut cancel => return Err(AuthError::Cancelled),
        }
    };
    listener.stop();
    let code = match received {
        Redirect::Code { code } => code,
        Redirect::Error(e) => return Err(AuthError::provider(e.error, e.description, &[], None, &ctx)),
    };
    notify(Notice::Redeeming);
    let nonce = prepared.nonce.clone();
    let tokens = match flow.redeem(prepared, &code).await {
        Ok(t) => t,
        Err(FlowError::Provider(p)) => {
            let p = *p;
            let trace = match (&p.trace_id, &p.correlation_id) {
                (Some(t), Some(c)) => Some(format!("trace ID {t}, correlation ID {c}")),
                _ => None,
            };
            return Err(AuthError::provider(p.error, p.error_description, &p.error_codes, trace, &ctx));
        }
        Err(e) => return Err(AuthError::Token(e)),
    };
    notify(Notice::CheckingIdentity);
    let verified = verify(req, &tokens, &nonce).await?;
    Ok(Outcome { tokens, verified })
}

async fn verify(req: &SignIn, tokens: &Tokens, nonce: &str) -> Result<Verified, AuthError> {
    let ways_out = |refusal: &Refusal| -> Vec<String> {
        let mut w = vec![];
        if let Refusal::WrongAccount { expected, .. } | Refusal::WrongTenant { expected, .. } = refusal {
            if let Some(l) = req.registry.logout_url() {
                w.push(format!("sign the browser out of Microsoft at {l} and run again"));
            }
            w.push(
                "open the sign-in address in a private (incognito) window, where no Microsoft session exists".into(),
            );
            w.push(format!(
                "run again and, at the password page, sign in as {expected} (calsync always asks for the password)"
            ));
        }
        w
    };
    let id_token =
        tokens.id_token.as_ref().ok_or(AuthError::Identity { refusal: Refusal::NoIdToken, ways_out: vec![] })?;
    let claims = identity::decode(id_token).map_err(|r| AuthError::Identity { refusal: r, ways_out: vec![] })?;
    let me = identity::graph_me(&req.graph_root, &tokens.access_token).await;
    let tenant = req.registry.tenant();
    let now = req.clock.now_secs();
    let exp = Expectation {
        user: req.expected_user.as_deref(),
        tenant: tenant.as_deref(),
        client_id: &req.registry.client_id,
        nonce,
        now,
    };
    identity::check(&claims, me, &exp).map_err(|refusal| AuthError::Identity { ways_out: ways_out(&refusal), refusal })
}

/// Who signed in for a credential, what the check noticed without refusing (Graph `/me`
/// unreachable, for example), and the tokens (for `--store-on-instance`).
pub struct Authorized {
    pub who: identity::Who,
    pub warnings: Vec<String>,
    pub tokens: Tokens,
    /// Where the refresh token is kept.
    pub account: Account,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error(transparent)]
    SignIn(#[from] AuthError),
    #[error(
        "Microsoft sent no refresh token (offline_access was not granted); add the delegated permission offline_access to the app and run again. Nothing was stored."
    )]
    NoRefreshToken,
    #[error("signed in as {who}, but the refresh token could not be stored: {error}. Nothing was kept")]
    NotKept { who: String, error: SecretError },
}

/// Get OAuth Token for one credential: the sign-in as `req.expected_user`, checked, then
/// the refresh token kept in the secret store and the mailbox noted for re-authorizing.
pub async fn authorize(
    req: &SignIn,
    keep: &Keep<'_>,
    browser: &dyn Browser,
    paste: Option<mpsc::UnboundedReceiver<String>>,
    cancel: impl Future<Output = ()>,
    notify: impl FnMut(Notice),
) -> Result<Authorized, AuthorizeError> {
    let outcome = sign_in(req, browser, paste, cancel, notify).await?;
    let rt = outcome.tokens.refresh_token.as_ref().ok_or(AuthorizeError::NoRefreshToken)?;
    let account =
        Account::RefreshToken { instance: keep.instance_key.to_string(), credential: keep.credential.to_string() };
    let who = outcome.verified.who;
    keep.secrets
        .set(&account, rt)
        .await
        .map_err(|error| AuthorizeError::NotKept { who: who.username.clone(), error })?;
    let mut warnings = outcome.verified.warnings;
    // The token is kept; a notes file that cannot take the note is said, not hidden.
    if let Err(e) = super::delegates::note(keep.state_dir, keep.instance_key, keep.credential, &who.username) {
        warnings.push(e.to_string());
    }
    Ok(Authorized { who, warnings, tokens: outcome.tokens, account })
}

/// Where `authorize` keeps what it got.
pub struct Keep<'a> {
    pub secrets: &'a crate::secret_store::Secrets,
    /// The apply journal's directory, which also holds the delegated-user notes.
    pub state_dir: &'a std::path::Path,
    pub instance_key: &'a str,
    pub credential: &'a str,
}
