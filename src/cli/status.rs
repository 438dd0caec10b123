//! `calsync status [--json]`: for each saved instance (or the one named), whether the login
//! works and as whom, when the instance's own token for calsync expires, and for each
//! delegated credential the mailbox it was signed in as, where its token is, and when the
//! instance's copy expires. Read-only; it never prompts and never opens a browser.
//!
//! `calsync reauth --expiring-within 14d` uses the same reading to pick the credentials
//! to sign in again.

use super::connect;
use super::exit;
use super::login;
use crate::clock;
use crate::config::Services;
use crate::facts;
use crate::snow::{Instance, InstanceExt, Query};
use serde::Serialize;

/// Expiring within this long is worth attention.
const SOON_SECS: i64 = 14 * 86_400;

#[derive(Debug, Serialize)]
pub struct CredentialStatus {
    pub credential: String,
    pub oauth_profile: String,
    /// The mailbox calsync last signed this credential in as.
    pub account: Option<String>,
    pub in_keyring: bool,
    /// When the instance's refresh token for it expires.
    pub expires: Option<String>,
    /// ok, expiring, expired or missing.
    pub state: &'static str,
}

#[derive(Debug, Serialize)]
pub struct InstanceStatus {
    pub name: String,
    pub url: Option<String>,
    pub login_ok: bool,
    pub user: Option<String>,
    pub sign_in: String,
    /// When the instance's refresh token for calsync's own sign-in expires (OAuth).
    pub token_expires: Option<String>,
    pub read_only: bool,
    pub error: Option<String>,
    pub credentials: Vec<CredentialStatus>,
    #[serde(skip)]
    pub unreachable: bool,
    /// How a command names this instance: `--sandbox`, or `--instance NAME`.
    #[serde(skip)]
    pub target: String,
}

impl InstanceStatus {
    fn needs_attention(&self) -> bool {
        !self.login_ok || self.credentials.iter().any(|c| c.state != "ok")
    }
}

/// ok / expiring / expired / missing, for a glide date-time.
pub fn state_of(expires: Option<&str>, now: i64, within: i64) -> &'static str {
    match expires.and_then(clock::parse_utc) {
        None => "missing",
        Some(t) if t <= now => "expired",
        Some(t) if t <= now + within => "expiring",
        Some(_) => "ok",
    }
}

/// `14d`, `36h`, `2w`, `90m` as seconds.
pub fn parse_window(s: &str) -> Option<i64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    let mult = match unit {
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    Some(n * mult)
}

async fn credentials(
    services: &Services,
    client: &dyn Instance,
    key: &str,
    now: i64,
    within: i64,
) -> Result<Vec<CredentialStatus>, String> {
    let rows = crate::wizard::driver::load_credentials(services, client, key).await.map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .map(|r| CredentialStatus {
            state: state_of(r.instance_expiry.as_deref(), now, within),
            credential: r.name,
            oauth_profile: r.profile,
            account: Some(r.delegated).filter(|d| !d.is_empty()),
            in_keyring: r.in_keyring,
            expires: r.instance_expiry,
        })
        .collect())
}

/// When the instance's refresh token for this login expires, for a bearer login.
async fn own_token_expiry(client: &dyn Instance, client_id: Option<&str>) -> Option<String> {
    let client_id = client_id?;
    let q = Query::new().eq("client_id", client_id).ok()?;
    let entities: Vec<serde_json::Value> = client.list("oauth_entity", &q, &["sys_id"]).await.ok()?;
    let ids: Vec<String> = entities.iter().map(|e| crate::snow::records::plain(&e["sys_id"])).collect();
    let q = Query::new()
        .is_in(facts::TOKEN_PEER_COLUMN, &ids)
        .ok()?
        .eq(facts::TOKEN_TYPE_COLUMN, "refresh_token")
        .ok()?
        .is_current_user("user")
        .ok()?;
    let tokens: Vec<serde_json::Value> =
        client.list(facts::TOKEN_TABLE, &q, &[facts::TOKEN_EXPIRES_COLUMN]).await.ok()?;
    tokens.iter().map(|t| crate::snow::records::plain(&t[facts::TOKEN_EXPIRES_COLUMN])).max()
}

async fn one(name: &str, services: &Services, read_only: bool, client_id: Option<String>) -> InstanceStatus {
    let now = clock::now_secs();
    let services = login::adjusted(services, |c| c.prompt = false);
    let t = &*services.config;
    let mut s = InstanceStatus {
        name: name.to_string(),
        url: None,
        login_ok: false,
        user: None,
        sign_in: String::new(),
        token_expires: None,
        read_only,
        error: None,
        credentials: vec![],
        unreachable: false,
        target: if t.sandbox { "--sandbox".into() } else { format!("--instance {name}") },
    };
    if !t.sandbox
        && let Ok(plan) = super::login::plan(t)
    {
        s.url = Some(plan.url.to_string());
        s.sign_in = plan.method.map(|m| m.to_string()).unwrap_or_else(|| "auto".into());
    }
    let conn = match connect::connect(&services).await {
        Ok(c) => c,
        Err(r) => {
            s.unreachable = r.code == exit::ACCESS;
            s.error = Some(r.message);
            return s;
        }
    };
    s.login_ok = true;
    s.url = Some(conn.client.instance().to_string());
    s.user = Some(conn.client.user().to_string());
    if conn.client.uses_token() {
        if s.sign_in.is_empty() || s.sign_in == "auto" {
            s.sign_in = "oauth".into();
        }
        let id = client_id.or_else(|| t.sandbox.then(|| crate::sandbox::auth::INSTANCE_CLIENT_ID.to_string()));
        s.token_expires = own_token_expiry(&conn.client, id.as_deref()).await;
    } else if s.sign_in.is_empty() || s.sign_in == "auto" {
        s.sign_in = "password".into();
    }
    match credentials(&services, &conn.client, &conn.instance_key, now, SOON_SECS).await {
        Ok(c) => s.credentials = c,
        Err(e) => s.error = Some(e),
    }
    s
}

/// The instance's heading: its name, and its address when the name is not the address.
fn heading(s: &InstanceStatus) -> String {
    let url = s.url.as_deref().unwrap_or("?");
    if s.name.trim_end_matches('/') == url.trim_end_matches('/') {
        url.to_string()
    } else {
        format!("{}  {url}", s.name)
    }
}

/// One delegated credential: its instance token first (what the state is about), the
/// mailbox it was signed in as, the keyring; and, when the instance token is due, the
/// command that signs it in again and writes the new token to the instance.
fn credential_lines(s: &InstanceStatus, c: &CredentialStatus) -> Vec<String> {
    let token = match (c.state, c.expires.as_deref()) {
        ("expired", Some(e)) => format!("expired {e} UTC"),
        ("expiring", Some(e)) => format!("expires {e} UTC, within {} days", SOON_SECS / 86_400),
        (_, Some(e)) => format!("expires {e} UTC"),
        (_, None) => "none".into(),
    };
    let mut lines = vec![format!(
        "  {}: instance token {token}; signed in as {}; keyring {}",
        c.credential,
        c.account.as_deref().unwrap_or("an unknown account"),
        if c.in_keyring { "yes" } else { "no" },
    )];
    if c.state != "ok" {
        lines.push(format!(
            "      -> calsync authorize --credential \"{}\" --expect-user {} --store-on-instance {}",
            c.credential,
            c.account.as_deref().unwrap_or("EMAIL"),
            s.target
        ));
    }
    lines
}

fn print(s: &InstanceStatus) {
    if !s.login_ok {
        println!("{}\n  login: FAILED: {}", heading(s), s.error.as_deref().unwrap_or("unknown"));
        return;
    }
    println!(
        "{}{}\n  login: ok as {} ({}){}",
        heading(s),
        if s.read_only { "  (read-only)" } else { "" },
        s.user.as_deref().unwrap_or("?"),
        s.sign_in,
        s.token_expires.as_deref().map(|e| format!("; instance token expires {e} UTC")).unwrap_or_default()
    );
    if s.credentials.is_empty() {
        println!("  no delegated credentials (authorization-code profiles) on this instance");
    }
    for c in &s.credentials {
        for line in credential_lines(s, c) {
            println!("{line}");
        }
    }
    if let Some(e) = &s.error {
        println!("  could not read the credentials: {e}");
    }
}

pub async fn run(services: &Services, json: bool) -> u8 {
    let target = &*services.config;
    let mut all = vec![];
    if target.sandbox {
        all.push(one("sandbox", services, false, None).await);
    } else {
        let (profiles, chosen) = match super::login::selected(target) {
            Ok(x) => x,
            Err(r) => {
                eprintln!("calsync: {}", r.message);
                return r.code;
            }
        };
        match (chosen, &target.instance) {
            (Some(p), Some(_)) => all.push(one(&p.name, services, p.read_only, p.client_id.clone()).await),
            (None, Some(i)) => all.push(one(i, services, false, target.client_id.clone()).await),
            (_, None) if profiles.instances.is_empty() => {
                eprintln!(
                    "calsync: no instance to report on: save one with calsync instance add NAME --url dev123.service-now.com, or pass --instance"
                );
                return exit::USAGE;
            }
            (_, None) => {
                for p in &profiles.instances {
                    let t = login::adjusted(services, |c| c.instance = Some(p.name.clone()));
                    all.push(one(&p.name, &t, p.read_only, p.client_id.clone()).await);
                }
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "instances": all })).unwrap_or_default());
    } else {
        for s in &all {
            print(s);
        }
        println!(
            "(Microsoft refresh tokens also lapse after {} days without use; the instance's expiry follows its registry's refresh-token lifespan.)",
            facts::ENTRA_REFRESH_IDLE_DAYS
        );
    }
    if all.iter().any(|s| s.unreachable) {
        exit::ACCESS
    } else if all.iter().any(InstanceStatus::needs_attention) {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// `calsync reauth --expiring-within 14d`: signs in again each credential whose instance
/// token is missing, expired or expires within the window, and writes the new tokens to the
/// instance: the instance's token is the one that was due.
pub async fn reauth_expiring(services: &Services, window: &str, options: &super::authorize::SignInOptions) -> u8 {
    let target = &*services.config;
    let Some(within) = parse_window(window) else {
        eprintln!("calsync: \"{window}\" is not a duration: write it as 14d, 36h or 2w");
        return exit::USAGE;
    };
    let conn = match connect::connect(services).await {
        Ok(c) => c,
        Err(r) => {
            eprintln!("calsync: {}", r.message);
            return r.code;
        }
    };
    let now = clock::now_secs();
    let creds = match credentials(services, &conn.client, &conn.instance_key, now, within).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("calsync: {e}");
            return exit::ACCESS;
        }
    };
    drop(conn);
    let due: Vec<_> = creds.into_iter().filter(|c| c.state != "ok").collect();
    if due.is_empty() {
        println!("No delegated credential's token expires within {window}.");
        return exit::OK;
    }
    let mut code = exit::OK;
    for c in &due {
        println!("{}: {} (instance token {})", c.credential, c.state, c.expires.as_deref().unwrap_or("none"));
        let Some(user) = &c.account else {
            println!(
                "  calsync does not know its mailbox: calsync authorize --credential \"{}\" --expect-user EMAIL",
                c.credential
            );
            code = exit::FAILED;
            continue;
        };
        let mut sign_in = options.clone();
        sign_in.no_browser |= target.no_browser;
        let args = super::authorize::AuthorizeArgs {
            credential: c.credential.clone(),
            expect_user: Some(user.clone()),
            probe: false,
            // The credential was picked for its instance token, so that is the one renewed.
            store_on_instance: true,
            sign_in,
        };
        let r = super::authorize::run(services, args).await;
        if r == exit::SIGINT {
            // Ctrl-C stops the renewal, not only this credential's sign-in.
            return r;
        }
        if r != exit::OK {
            code = r;
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_states() {
        assert_eq!(parse_window("14d"), Some(14 * 86_400));
        assert_eq!(parse_window("36h"), Some(36 * 3600));
        assert_eq!(parse_window("2w"), Some(14 * 86_400));
        assert_eq!(parse_window("soon"), None);
        assert_eq!(parse_window("14"), None);
        let now = clock::parse_utc("2026-01-01 00:00:00").unwrap();
        assert_eq!(state_of(None, now, SOON_SECS), "missing");
        assert_eq!(state_of(Some("2025-12-31 23:59:59"), now, SOON_SECS), "expired");
        assert_eq!(state_of(Some("2026-01-10 00:00:00"), now, SOON_SECS), "expiring");
        assert_eq!(state_of(Some("2026-03-01 00:00:00"), now, SOON_SECS), "ok");
    }
}
