//! `calsync doctor`: reads the whole setup from the instance, and for each thing that is
//! wrong says which record, which field, what value, why it breaks synchronization, and the
//! fix. Wrong-account sign-ins come first. Safe fixes become a diff for the same apply
//! engine as `calsync apply`.

pub mod checks;
pub mod fix;
pub mod ids;
pub mod read;
pub mod render;
pub mod rooms;

pub use checks::{Evidence, Finding, Severity};
pub use ids::Check;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub instance: String,
    pub mode: Option<String>,
    pub healthy: bool,
    pub summary: Counts,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
}

/// Wrong-account findings first (the keyring token's account, the browser's, a provider
/// naming another mailbox than its credential's), then by severity, then by id.
pub fn order(findings: &mut [Finding]) {
    let rank = |id: Check| match id {
        Check::TokenWrongAccount => 0,
        Check::BrowserWrongAccount => 1,
        Check::ProviderDelegateMismatch => 2,
        _ => 3,
    };
    findings.sort_by_key(|f| (rank(f.id), f.severity, f.id.as_str()));
}

/// The browser-account probe as a finding: which Microsoft account would ServiceNow's own
/// Get OAuth Token use in this browser, compared with the delegated user.
pub fn browser_finding(credential: &str, expected: Option<&str>, probed: Result<String, String>) -> Finding {
    let mk = |id: Check, severity, title: String, fix: String| Finding {
        id,
        severity,
        title,
        evidence: vec![],
        why: id.why().into(),
        fix,
        fixable: false,
        repair: None,
    };
    match (probed, expected) {
        (Ok(who), Some(want)) if !who.eq_ignore_ascii_case(want) => mk(
            Check::BrowserWrongAccount,
            Severity::Error,
            format!("your browser is signed in to Microsoft as {who}, not {want}"),
            format!(
                "Sign the browser out of Microsoft or use a private window before clicking Get OAuth Token, or let calsync do it: calsync authorize --credential \"{credential}\" --expect-user {want}."
            ),
        ),
        (Ok(who), _) => mk(
            Check::BrowserAccount,
            Severity::Info,
            format!("your browser is signed in to Microsoft as {who}"),
            "Nothing to do if that is the delegated mailbox.".into(),
        ),
        (Err(e), _) => mk(
            Check::BrowserNoSession,
            Severity::Info,
            format!("your browser has no usable Microsoft session ({e})"),
            expected
                .map(|w| format!("Sign in as {w} when asked."))
                .unwrap_or_else(|| "Sign in as the delegated mailbox when asked.".into()),
        ),
    }
}

pub fn report(snapshot: &read::Snapshot, findings: Vec<Finding>) -> Report {
    let mut r = Report {
        instance: snapshot.instance.clone(),
        mode: checks::mode_of(snapshot).map(|m| m.to_string()),
        healthy: true,
        summary: Counts::default(),
        findings,
    };
    r.settle();
    r
}

impl Report {
    /// Adds a finding made after the checks (the browser probe, whose newest answer replaces
    /// an earlier one), and keeps the order and the counts right.
    pub fn add(&mut self, finding: Finding) {
        let browser = |id: Check| id.as_str().starts_with("BROWSER-");
        if browser(finding.id) {
            self.findings.retain(|f| !browser(f.id));
        }
        self.findings.push(finding);
        self.settle();
    }

    fn settle(&mut self) {
        order(&mut self.findings);
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        self.summary =
            Counts { errors: count(Severity::Error), warnings: count(Severity::Warning), info: count(Severity::Info) };
        self.healthy = self.summary.errors == 0;
    }
}

/// Where sign-in and Graph requests go, and where secrets come from, for the account check.
pub struct AccountCheck {
    pub instance_key: String,
    pub login_base: Option<String>,
    pub graph_base: Option<String>,
    pub sandbox_secret: bool,
}

/// A check that could not run: an error that says so (the doctor does not call healthy
/// what it could not look at), never a silent pass.
fn not_checked(what: String, reason: String, fix: String) -> Finding {
    Finding {
        id: Check::NotChecked,
        severity: Severity::Error,
        title: format!("not checked: {what}"),
        evidence: vec![],
        why: format!("calsync could not look: {reason}. Until it can, this part of the setup is unknown, not healthy."),
        fix,
        fixable: false,
        repair: None,
    }
}

/// Which account each delegated credential's keyring token belongs to, by refreshing it
/// and reading the new id_token; compared with the mailbox calsync last signed it in as.
pub async fn accounts(
    services: &crate::config::Services,
    client: &dyn crate::snow::Instance,
    s: &read::Snapshot,
    opts: &AccountCheck,
) -> Vec<Finding> {
    use crate::oauth::{delegates, flow, identity, target};
    use crate::secrets::Account;
    let mut out = vec![];
    let expected = match delegates::try_load(&services.config.state_dir, &opts.instance_key) {
        Ok(notes) => notes,
        Err(e) => {
            out.push(not_checked(
                "which mailbox each credential was last signed in as, so a token of the wrong account cannot be told apart".into(),
                e.to_string(),
                "Repair or move the notes file named above, then sign the delegated mailboxes in again with calsync authorize.".into(),
            ));
            std::collections::BTreeMap::default()
        }
    };
    // A provider's delegated user must be the mailbox its alias's credential is signed in as.
    for p in &s.providers {
        use crate::facts;
        use crate::snow::records::plain;
        let (alias, email) = (s.provider(p, &facts::PROVIDER_ALIAS), s.provider(p, &facts::PROVIDER_DELEGATE));
        if s.provider(p, &facts::PROVIDER_OVERRIDE) != "true" || alias.is_empty() || email.is_empty() {
            continue;
        }
        let cred = s
            .connections
            .iter()
            .filter(|c| c.connection_alias.id() == alias && c.active.0)
            .find_map(|c| s.credential(c.credential.id()));
        let Some(cred) = cred else { continue };
        if let Some(signed) = expected.get(&cred.name.0)
            && !signed.eq_ignore_ascii_case(&email)
        {
            let id = plain(&p["sys_id"]);
            out.push(Finding {
                id: Check::ProviderDelegateMismatch,
                severity: Severity::Error,
                title: format!("the calendar provider \"{}\" names {email}, but its credential \"{}\" is signed in as {signed}", plain(&p["name"]), cred.name),
                evidence: vec![Evidence {
                    table: facts::PROVIDER_TABLE.into(),
                    sys_id: id.clone(),
                    field: s.dictionary.column(&facts::PROVIDER_DELEGATE),
                    value: email.clone(),
                    link: format!("{}/{}.do?sys_id={id}", s.instance, facts::PROVIDER_TABLE),
                }],
                why: Check::ProviderDelegateMismatch.why().into(),
                fix: format!("Make them the same mailbox: set Delegated user email to {signed}, or sign {email} in: calsync authorize --credential \"{}\" --expect-user {email}.", cred.name),
                fixable: false,
                repair: None,
            });
        }
    }
    let auth_code: Vec<String> = s
        .profiles
        .iter()
        .filter(|p| &*p.grant_type == crate::facts::GRANT_AUTH_CODE)
        .map(|p| p.sys_id.0.clone())
        .collect();
    for cred in s.credentials.iter().filter(|c| auth_code.iter().any(|p| p == c.oauth_entity_profile.id())) {
        let account = Account::RefreshToken { instance: opts.instance_key.clone(), credential: cred.name.0.clone() };
        let what = format!("which account the token of \"{}\" belongs to", cred.name);
        let rt = match services.secrets.get(&account).await {
            Ok(Some(rt)) => rt,
            Ok(None) => continue,
            Err(e) => {
                out.push(not_checked(
                    what,
                    format!("the OS keyring could not be read: {e}"),
                    "Make the OS keyring reachable as the reason says, then run calsync doctor again.".into(),
                ));
                continue;
            }
        };
        let t = match target::for_credential(client, &cred.name, opts.login_base.as_deref(), opts.graph_base.as_deref())
            .await
        {
            Ok(t) => t,
            Err(e) => {
                out.push(not_checked(what, format!("its app registration could not be read: {e}"), "Fix what the other findings say about this credential's profile and registry, then run calsync doctor again.".into()));
                continue;
            }
        };
        let (secret, _) =
            target::stored_secret(services, opts.sandbox_secret, &opts.instance_key, &t.registry.client_id).await;
        let link = format!("{}/oauth_2_0_credentials.do?sys_id={}", s.instance, cred.sys_id);
        let ev = |field: &str, value: &str| Evidence {
            table: "oauth_2_0_credentials".into(),
            sys_id: cred.sys_id.0.clone(),
            field: field.into(),
            value: value.into(),
            link: link.clone(),
        };
        let f = match flow::Flow::new(&t.registry, secret.as_ref(), "http://localhost/") {
            Ok(f) => f,
            Err(e) => {
                out.push(not_checked(
                    what,
                    format!("its sign-in could not be set up: {e}"),
                    "Fix the registry's URLs (see REG-URLS), then run calsync doctor again.".into(),
                ));
                continue;
            }
        };
        let who = match f.refresh(&rt, &flow::scopes_for(&t.graph_root)).await {
            Ok(tokens) => tokens
                .id_token
                .as_ref()
                .and_then(|i| identity::decode(i).ok())
                .and_then(|c| c.username().map(str::to_string)),
            Err(e) => {
                out.push(Finding {
                    id: Check::TokenRefreshFailed,
                    severity: Severity::Warning,
                    title: format!("calsync's token for \"{}\" could not be refreshed ({e})", cred.name),
                    evidence: vec![ev("keyring", &account.key())],
                    why: Check::TokenRefreshFailed.why().into(),
                    fix: format!("Sign in again: calsync reauth, or calsync authorize --credential \"{}\".", cred.name),
                    fixable: false,
                    repair: None,
                });
                continue;
            }
        };
        let Some(who) = who else {
            out.push(not_checked(
                what,
                "the refreshed token named no account (no id_token with a user name came back)".into(),
                "Check that the app registration grants openid and profile, then sign in again with calsync authorize."
                    .into(),
            ));
            continue;
        };
        match expected.get(&cred.name.0) {
            Some(want) if !want.eq_ignore_ascii_case(&who) => out.push(Finding {
                id: Check::TokenWrongAccount,
                severity: Severity::Error,
                title: format!("the token of \"{}\" belongs to {who}, not to {want}", cred.name),
                evidence: vec![ev("signed in as", &who)],
                why: Check::TokenWrongAccount.why().into(),
                fix: format!(
                    "Sign {want} in again: calsync authorize --credential \"{}\" --expect-user {want}.",
                    cred.name
                ),
                fixable: false,
                repair: None,
            }),
            _ => out.push(Finding {
                id: Check::TokenAccount,
                severity: Severity::Info,
                title: format!("calsync's token for \"{}\" belongs to {who}", cred.name),
                evidence: vec![ev("signed in as", &who)],
                why: Check::TokenAccount.why().into(),
                fix: "Nothing to do if that is the delegated mailbox.".into(),
                fixable: false,
                repair: None,
            }),
        }
    }
    out
}

/// Runs the browser-account probe for one credential (a browser window opens, nothing is
/// stored) and returns it as a finding. `expected` falls back to the mailbox calsync last
/// signed the credential in as.
#[allow(clippy::too_many_arguments)]
pub async fn probe_browser(
    services: &crate::config::Services,
    client: &dyn crate::snow::Instance,
    instance_key: &str,
    sandbox_url: Option<&str>,
    credential: &str,
    expected: Option<String>,
    cancel: impl std::future::Future<Output = ()>,
    show_url: impl Fn(&str) + Send,
) -> Result<Finding, crate::oauth::target::TargetError> {
    use crate::oauth::session::{self, Notice, SignIn};
    let ends = services.endpoints(sandbox_url);
    let t =
        crate::oauth::target::for_credential(client, credential, ends.login.as_deref(), ends.graph.as_deref()).await?;
    let (secret, _) =
        crate::oauth::target::stored_secret(services, sandbox_url.is_some(), instance_key, &t.registry.client_id).await;
    let expected = expected
        .or_else(|| crate::oauth::delegates::load(&services.config.state_dir, instance_key).get(credential).cloned());
    let mut req = SignIn::probe(t.registry.clone(), secret, &t.graph_root);
    req.clock = services.clock.clone();
    let r = session::sign_in(&req, services.browser.as_ref(), None, cancel, |n| {
        if let Notice::Waiting { url, .. } = n {
            show_url(&url);
        }
    })
    .await;
    let probed = r.map(|o| o.verified.who.username).map_err(|e| e.to_string());
    Ok(browser_finding(credential, expected.as_deref(), probed))
}

/// Reads the instance and runs every check, the keyring account check included.
pub async fn examine(
    services: &crate::config::Services,
    client: &dyn crate::snow::Instance,
    instance_key: &str,
    sandbox_url: Option<&str>,
) -> Result<(read::Snapshot, Report), crate::snow::SnError> {
    // The rooms' records are read in the same round as the rest of the setup.
    let (snapshot, room_read) = tokio::join!(read::read(client), rooms::read(client));
    let snapshot = snapshot?;
    let ends = services.endpoints(sandbox_url);
    let opts = AccountCheck {
        instance_key: instance_key.to_string(),
        login_base: ends.login,
        graph_base: ends.graph,
        sandbox_secret: sandbox_url.is_some(),
    };
    let mut findings = checks::run(&snapshot);
    findings.extend(accounts(services, client, &snapshot, &opts).await);
    match room_read {
        Ok(r) => {
            findings.extend(rooms::check(&snapshot, &r, &crate::clock::now_utc()));
            findings.extend(rooms::graph_checks(services, client, &snapshot, &r, &opts).await);
        }
        Err(e) => findings.push(Finding {
            id: Check::RoomUnread,
            severity: Severity::Warning,
            title: format!("the rooms' configurations could not be read ({e})"),
            evidence: vec![],
            why: "The room checks did not run.".into(),
            fix: "Check that Workplace Calendar Synchronization and the Exchange Online spoke are installed and that the login may read their tables.".into(),
            fixable: false,
            repair: None,
        }),
    }
    let report = report(&snapshot, findings);
    Ok((snapshot, report))
}

/// The mailbox a credential is meant to sign in as, from the instance: the delegated user
/// email of the calendar provider that overrides to the credential's alias, or, for a
/// credential on the spoke's default aliases, of the active provider without an override.
pub fn provider_mailbox(s: &read::Snapshot, credential: &str) -> Option<String> {
    use crate::facts;
    let cred = s.credentials.iter().find(|c| &*c.name == credential)?;
    let aliases: Vec<&str> =
        s.connections.iter().filter(|c| c.credential.id() == &*cred.sys_id).map(|c| c.connection_alias.id()).collect();
    let col = |p: &serde_json::Value, f: &facts::Labelled| s.provider(p, f);
    let active = s.providers.iter().filter(|p| col(p, &facts::PROVIDER_ACTIVE) == "true");
    let overriding = active.clone().find(|p| {
        col(p, &facts::PROVIDER_OVERRIDE) == "true" && aliases.contains(&col(p, &facts::PROVIDER_ALIAS).as_str())
    });
    let default_alias = aliases.iter().any(|a| {
        s.alias(a).is_some_and(|x| [facts::SPOKE_ALIAS_ID, facts::SPOKE_CLIENTCRED_ALIAS_ID].contains(&&*x.id))
    });
    let provider = overriding.or_else(|| {
        default_alias.then(|| active.clone().find(|p| col(p, &facts::PROVIDER_OVERRIDE) != "true")).flatten()
    })?;
    Some(col(provider, &facts::PROVIDER_DELEGATE)).filter(|e| !e.is_empty())
}
