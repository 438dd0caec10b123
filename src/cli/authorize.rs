//! `calsync authorize --credential NAME --expect-user EMAIL`: Get OAuth Token, done right,
//! and `--probe`: which account would the browser use silently?

use super::connect;
use super::exit;
use crate::config::Services;
use crate::oauth::browser::{Browser, NoBrowser};
use crate::oauth::flow::Registry;
use crate::oauth::mailbox;
use crate::oauth::session::{self, AuthError, AuthorizeError, Notice, SignIn};
use crate::oauth::target;
use crate::secrets::{self, Account};
use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct AuthorizeArgs {
    /// The OAuth 2.0 credential to sign in, by name (for example "MS Graph 1")
    #[arg(long)]
    pub credential: String,
    /// The delegated mailbox that must sign in
    #[arg(long, required_unless_present = "probe", value_name = "MAILBOX", value_parser = mailbox)]
    pub expect_user: Option<String>,
    /// Only tell which Microsoft account the browser would use silently
    #[arg(long)]
    pub probe: bool,
    /// Also write the tokens where the instance keeps them for this credential
    #[arg(long)]
    pub store_on_instance: bool,
    #[command(flatten)]
    pub sign_in: SignInOptions,
}

/// How the Microsoft sign-in is run: by `authorize`, and by `reauth --expiring-within`
/// for each credential it renews.
#[derive(Debug, Clone, Args)]
pub struct SignInOptions {
    /// Print the sign-in address instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Listen on this port (for SSH forwarding); a free one by default
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The redirect URI is registered under "Mobile and desktop applications": send no secret
    #[arg(long)]
    pub public_client: bool,
    /// Give up after this many seconds
    #[arg(long, default_value_t = 300, value_parser = seconds)]
    pub timeout: u64,
    /// Send the sign-in to this host although it is not Microsoft's (https only; repeatable)
    #[arg(long = "trust-host", value_name = "HOST", env = "CALSYNC_TRUST_HOST", value_delimiter = ',')]
    pub trust_host: Vec<String>,
}

impl SignInOptions {
    /// The options a flag changed, by flag name (`--trust-host` only when it did not come
    /// from CALSYNC_TRUST_HOST, which the wizard reads as well).
    pub fn given(&self) -> Vec<&'static str> {
        let mut out = vec![];
        for (on, flag) in [
            (self.no_browser, "--no-browser"),
            (self.port != 0, "--port"),
            (self.public_client, "--public-client"),
            (self.timeout != 300, "--timeout"),
            (!self.trust_host.is_empty() && std::env::var_os("CALSYNC_TRUST_HOST").is_none(), "--trust-host"),
        ] {
            if on {
                out.push(flag);
            }
        }
        out
    }
}

/// Checks an `--expect-user` value: a mailbox address, as the id_token names it.
pub fn mailbox(value: &str) -> Result<String, String> {
    let v = value.trim();
    let mut parts = v.split('@');
    let ok = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(u), Some(d), None) if !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    ) && !v.contains(char::is_whitespace);
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "\"{}\" is not a mailbox address; give the delegated user's full address, such as rooms-delegate@contoso.com",
            crate::sanitize::line(v)
        ))
    }
}

/// Checks a `--timeout` value: whole seconds, at least one.
fn seconds(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "\"{}\" is not a wait calsync can keep: give the seconds to wait for the sign-in, at least 1 (300 by default)",
            crate::sanitize::line(value)
        )),
    }
}

struct Failure(u8, String);

/// Reads lines typed into the terminal (the paste-back fallback) on a thread of its own.
fn paste_channel() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    rx
}

async fn secret(
    services: &Services,
    args: &AuthorizeArgs,
    sandbox: bool,
    instance_key: &str,
    client_id: &str,
) -> Result<(Option<SecretString>, Option<Account>), Failure> {
    if args.sign_in.public_client {
        return Ok((None, None));
    }
    match target::stored_secret(services, sandbox, instance_key, client_id).await {
        (Some(s), _) => return Ok((Some(s), None)),
        (None, Some(e)) => eprintln!("Note: {e}"),
        (None, None) => {}
    }
    let account = Account::ClientSecret { instance: instance_key.to_string(), client_id: client_id.to_string() };
    if !std::io::stdin().is_terminal() {
        return Err(Failure(
            exit::USAGE,
            format!(
                "no client secret for app {client_id}: set CALSYNC_CLIENT_SECRET, keep it in the OS keyring (run once in a terminal), or pass --public-client if the redirect URI is registered under Mobile and desktop applications"
            ),
        ));
    }
    let typed = rpassword::prompt_password(format!("Client secret (its Value) of app {client_id}: "))
        .map_err(|e| Failure(exit::USAGE, format!("could not read the secret: {e}")))?;
    if typed.is_empty() {
        return Err(Failure(exit::USAGE, "no client secret typed".into()));
    }
    Ok((Some(SecretString::from(typed)), Some(account)))
}

fn print_notice(n: &Notice, who: &str) {
    match n {
        Notice::Waiting { url, start_url, redirect_uri } => {
            eprintln!("{}", crate::sanitize::line(who));
            eprintln!("Open this address in a browser:\n  {url}");
            eprintln!("(or, from this machine, the shorter {start_url})");
            eprintln!(
                "calsync listens on {redirect_uri}; the app registration must list http://localhost/ as a redirect URI."
            );
            eprintln!("If the browser cannot reach this machine, paste the address it ends on here and press Enter.");
            eprintln!("If Microsoft shows an error page, type its AADSTS code here for an explanation.");
        }
        Notice::BrowserOpened => eprintln!("A browser window was opened."),
        Notice::BrowserFailed(e) => eprintln!("No browser was opened ({e}): use the address above."),
        Notice::Rejected(e) | Notice::PasteRejected(e) => {
            eprintln!("Ignored: {}", crate::sanitize::line(&e.to_string()))
        }
        Notice::Explained(text) => eprintln!("{}", crate::sanitize::text(text)),
        Notice::Redeeming => eprintln!("Sign-in received; redeeming the code..."),
        Notice::CheckingIdentity => eprintln!("Checking which account signed in..."),
    }
}

/// Ctrl-C, the sign-in's cancel, listened for from this call on: a Ctrl-C the moment the
/// address is printed still cancels (a listener installed at its first poll could miss it,
/// and the default action would end calsync without a word).
pub(super) fn ctrl_c() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        async move {
            match interrupt {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(services: &Services, args: AuthorizeArgs) -> u8 {
    match run_inner(services, args).await {
        Ok(code) => code,
        Err(Failure(code, msg)) => {
            eprintln!("calsync: {}", crate::sanitize::text(&msg));
            code
        }
    }
}

async fn run_inner(services: &Services, args: AuthorizeArgs) -> Result<u8, Failure> {
    let conn = connect::connect(services).await.map_err(|r| Failure(r.code, r.message))?;
    let sandbox_url = conn.sandbox.as_ref().map(|s| s.url().to_string());
    let mut ends = services.endpoints(sandbox_url.as_deref());
    ends.trusted.extend(args.sign_in.trust_host.iter().map(|h| h.trim().to_ascii_lowercase()));
    let t = target::for_credential(&conn.client, &args.credential, &ends).await.map_err(|e| {
        let code = if e.is_usage_problem() {
            exit::USAGE
        } else if e.is_access_problem() {
            exit::ACCESS
        } else {
            exit::FAILED
        };
        Failure(code, e.to_string())
    })?;
    if !args.probe {
        let expected = args.expect_user.as_deref().unwrap_or_default();
        let name = &t.credential.name;
        mailbox::token_allowed(name, &t.credential.integration_type()).map_err(|e| Failure(exit::USAGE, e))?;
        let owner = mailbox::owner_on(&conn.client, &services.config.state_dir, &conn.instance_key, name).await;
        mailbox::check(name, expected, owner.as_ref()).map_err(|e| Failure(exit::FAILED, e))?;
    }
    if !args.probe {
        // The refresh token must have a home before anyone signs in for it.
        services.secrets.probe().await.map_err(|e| {
            Failure(exit::FAILED, format!("the refresh token would have nowhere to go, so no sign-in was started: {e}"))
        })?;
    }
    connect::offer_to_keep(services, conn.typed_password).await;
    let instance_key = conn.instance_key.clone();
    let (secret, typed_secret) =
        secret(services, &args, conn.sandbox.is_some(), &instance_key, &t.registry.client_id).await?;
    let browser: std::sync::Arc<dyn Browser> =
        if args.sign_in.no_browser { std::sync::Arc::new(NoBrowser) } else { services.browser.clone() };
    let mut req = if args.probe {
        SignIn::probe(t.registry.clone(), secret, &t.graph_root)
    } else {
        let user = args.expect_user.clone().unwrap_or_default();
        SignIn::as_user(t.registry.clone(), secret, &user, &t.graph_root)
    };
    req.port = args.sign_in.port;
    req.timeout = Duration::from_secs(args.sign_in.timeout);
    req.clock = services.clock.clone();
    let heading = if args.probe {
        "Probing which Microsoft account your browser would use silently (nothing will be stored).".to_string()
    } else {
        format!(
            "Sign in as {} for the credential \"{}\" (tenant {}).",
            args.expect_user.as_deref().unwrap_or_default(),
            t.credential.name,
            t.registry.tenant().unwrap_or_else(|| "?".into())
        )
    };
    if args.probe {
        let result =
            session::sign_in(&req, browser.as_ref(), Some(paste_channel()), ctrl_c(), |n| print_notice(&n, &heading))
                .await;
        return Ok(report_probe(result, args.expect_user.as_deref(), &t.registry));
    }
    let keep = session::Keep {
        secrets: &services.secrets,
        state_dir: &services.config.state_dir,
        instance_key: &instance_key,
        credential: &t.credential.name,
    };
    let done = session::authorize(&req, &keep, browser.as_ref(), Some(paste_channel()), ctrl_c(), |n| {
        print_notice(&n, &heading);
    })
    .await;
    let done = match done {
        Ok(d) => d,
        Err(e) => {
            let code = match e {
                AuthorizeError::SignIn(AuthError::Listen(_) | AuthError::Setup(_)) => exit::USAGE,
                // Ctrl-C is the one way to cancel here: the code says so, as the wizard's does.
                AuthorizeError::SignIn(AuthError::Cancelled) => exit::SIGINT,
                _ => exit::FAILED,
            };
            if let AuthorizeError::NotKept { who, .. } = &e {
                println!("Signed in as {who}.");
            }
            return Err(Failure(code, e.to_string()));
        }
    };
    // The account's names are claims from the identity provider: outside text.
    println!("Signed in as {}.", crate::sanitize::line(&done.who.to_string()));
    for w in &done.warnings {
        println!("Warning: {}", crate::sanitize::text(w));
    }
    println!(
        "The refresh token is in the OS keyring (service \"{}\", account \"{}\").",
        secrets::SERVICE,
        crate::sanitize::line(&done.account.key())
    );
    if args.store_on_instance {
        let c = &t.credential;
        // The sign-in waited for a person; the hand-over gets a deadline of its own.
        let handover_client = conn.client.without_deadline().with_deadline(Duration::from_secs(120));
        let written = crate::oauth::handover::store(
            &handover_client,
            &c.sys_id,
            &c.name,
            c.oauth_entity_profile.id(),
            &t.entity_id,
            &done.tokens,
        )
        .await
        .map_err(|e| {
            Failure(
                exit::FAILED,
                format!("the tokens are in the OS keyring, but writing them to the instance failed: {e}"),
            )
        })?;
        println!("The tokens were written to the instance for \"{}\":", crate::sanitize::line(&c.name));
        for l in written {
            println!("  {}", crate::sanitize::line(&l));
        }
    } else {
        println!("{}", mailbox::keyring_only_note(&t.credential.name, args.expect_user.as_deref().unwrap_or_default()));
    }
    if let Some(account) = typed_secret
        && let Some(s) = &req.secret
        && super::confirm("Keep the client secret in the OS keyring for next time?")
    {
        match services.secrets.set(&account, &SecretString::from(s.expose_secret().to_string())).await {
            Ok(()) => eprintln!("Client secret saved in the OS keyring (account \"{}\").", account.key()),
            Err(e) => eprintln!("Not saved: {e}"),
        }
    }
    Ok(exit::OK)
}

fn report_probe(result: Result<session::Outcome, AuthError>, expected: Option<&str>, registry: &Registry) -> u8 {
    let logout =
        registry.logout_url().map(|l| format!(" Sign it out at {l} or use a private window.")).unwrap_or_default();
    match result {
        Ok(o) => {
            let who = &o.verified.who;
            let (who_line, username) = (crate::sanitize::line(&who.to_string()), crate::sanitize::line(&who.username));
            println!("Your browser is signed in to Microsoft as {who_line}.");
            println!(
                "ServiceNow's Get OAuth Token, clicked in that browser now, would issue the token for {username}."
            );
            match expected {
                Some(e) if e.eq_ignore_ascii_case(&who.username) => {
                    println!("That is {e}, the delegated user: it is safe to click Get OAuth Token.");
                    exit::OK
                }
                Some(e) => {
                    println!("That is NOT {e}.{logout}");
                    exit::FAILED
                }
                None => exit::OK,
            }
        }
        Err(e) if matches!(e.provider_error(), Some("login_required")) => {
            println!(
                "Your browser has no Microsoft session: Get OAuth Token will ask who signs in{}.",
                expected.map(|e| format!("; sign in as {e}")).unwrap_or_default()
            );
            exit::OK
        }
        Err(e) if matches!(e.provider_error(), Some("interaction_required" | "consent_required")) => {
            println!(
                "Your browser has a Microsoft session, but Microsoft needs an interaction (consent or MFA) before it signs in; it will show who signs in.{logout}"
            );
            exit::OK
        }
        Err(AuthError::Cancelled) => {
            eprintln!("calsync: {}", AuthError::Cancelled);
            exit::SIGINT
        }
        Err(e) => {
            eprintln!("calsync: the probe failed: {}", crate::sanitize::text(&e.to_string()));
            exit::FAILED
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::oauth::target::rewrite_login;

    #[test]
    fn only_microsoft_login_hosts_are_rewritten() {
        let u = "https://login.microsoftonline.com/t/oauth2/v2.0/authorize";
        assert_eq!(rewrite_login(u, Some("http://127.0.0.1:9/")), "http://127.0.0.1:9/t/oauth2/v2.0/authorize");
        assert_eq!(rewrite_login("http://127.0.0.1:3000/auth", Some("http://x")), "http://127.0.0.1:3000/auth");
        assert_eq!(rewrite_login(u, None), u);
    }
}
