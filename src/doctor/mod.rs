//! `calsync doctor`: reads the whole setup from the instance, and for each thing that is
//! wrong says which record, which field, what value, why it breaks synchronization, and the
//! fix. Wrong-account sign-ins come first. Safe fixes become a diff for the same apply
//! engine as `calsync apply`.

pub mod catalogue;
pub mod checks;
pub mod fix;
pub mod ids;
pub mod read;
pub mod render;
pub mod rooms;

pub use catalogue::Calsync;
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
    browser_finding_for(credential, expected, probed, &Calsync::default())
}

/// The same, with the command in the fix run as `calsync` says.
pub fn browser_finding_for(
    credential: &str,
    expected: Option<&str>,
    probed: Result<String, String>,
    calsync: &Calsync,
) -> Finding {
    match (probed, expected) {
        (Ok(who), Some(want)) if !who.eq_ignore_ascii_case(want) => {
            catalogue::browser_wrong_account(credential, &who, want, calsync).finding(Severity::Error, vec![])
        }
        (Ok(who), _) => catalogue::browser_account(&who).finding(Severity::Info, vec![]),
        (Err(e), _) => catalogue::browser_no_session(&e, expected).finding(Severity::Info, vec![]),
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

impl AccountCheck {
    /// Where the sign-ins go, with the hosts the configuration trusts.
    pub fn endpoints(&self, services: &crate::config::Services) -> crate::oauth::target::Endpoints {
        crate::oauth::target::Endpoints {
            login: self.login_base.clone(),
            graph: self.graph_base.clone(),
            trusted: services.config.trusted_hosts.clone(),
        }
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
    let calsync = Calsync::of(&services.config);
    let to = &calsync;
    let mut out = vec![];
    let expected = match delegates::try_load(&services.config.state_dir, &opts.instance_key) {
        Ok(notes) => notes,
        Err(e) => {
            out.push(catalogue::notes_unread(&e, to).finding(Severity::Error, vec![]));
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
            let evidence = vec![Evidence {
                table: facts::PROVIDER_TABLE.into(),
                sys_id: id.clone(),
                field: s.dictionary.column(&facts::PROVIDER_DELEGATE),
                value: email.clone(),
                link: format!("{}/{}.do?sys_id={id}", s.instance, facts::PROVIDER_TABLE),
            }];
            let said = catalogue::provider_delegate_mismatch(&plain(&p["name"]), &email, &cred.name, signed, to);
            out.push(said.finding(Severity::Error, evidence));
        }
    }
    for cred in s.browser_credentials() {
        let account = Account::RefreshToken { instance: opts.instance_key.clone(), credential: cred.name.0.clone() };
        let rt = match services.secrets.get(&account).await {
            Ok(Some(rt)) => rt,
            Ok(None) => continue,
            Err(e) => {
                out.push(catalogue::keyring_unread(&cred.name, &e, to).finding(Severity::Error, vec![]));
                continue;
            }
        };
        let t = match target::for_credential(client, &cred.name, &opts.endpoints(services)).await {
            Ok(t) => t,
            Err(e) => {
                out.push(catalogue::registry_unread(&cred.name, &e, to).finding(Severity::Error, vec![]));
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
                out.push(catalogue::sign_in_unset(&cred.name, &e, to).finding(Severity::Error, vec![]));
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
                let mailbox = expected.get(&cred.name.0).cloned().or_else(|| provider_mailbox(s, &cred.name));
                let said = catalogue::token_refresh_failed(&cred.name, &e, mailbox.as_deref(), to);
                out.push(said.finding(Severity::Warning, vec![ev("keyring", &account.key())]));
                continue;
            }
        };
        let Some(who) = who else {
            out.push(catalogue::token_names_nobody(&cred.name, to).finding(Severity::Error, vec![]));
            continue;
        };
        let evidence = vec![ev("signed in as", &who)];
        match expected.get(&cred.name.0) {
            Some(want) if !want.eq_ignore_ascii_case(&who) => {
                out.push(catalogue::token_wrong_account(&cred.name, &who, want, to).finding(Severity::Error, evidence))
            }
            want => {
                // The mailbox it serves, when calsync knows one and it is this account.
                let provider = provider_mailbox(s, &cred.name);
                let mailbox = want.cloned().or(provider.clone()).filter(|m| m.eq_ignore_ascii_case(&who));
                match (mailbox, provider) {
                    // No note of calsync's, and the calendar provider names another mailbox.
                    (None, Some(p)) => out.push(
                        catalogue::token_account_not_the_providers(&cred.name, &who, &p, to)
                            .finding(Severity::Warning, evidence),
                    ),
                    (mailbox, _) => out.push(
                        catalogue::token_account(&cred.name, &who, mailbox.as_deref())
                            .finding(Severity::Info, evidence),
                    ),
                }
            }
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
    let t = crate::oauth::target::for_credential(client, credential, &ends).await?;
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
    Ok(browser_finding_for(credential, expected.as_deref(), probed, &Calsync::of(&services.config)))
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
    let calsync = Calsync::of(&services.config);
    let mut findings = checks::run_for(&snapshot, &calsync);
    findings.extend(accounts(services, client, &snapshot, &opts).await);
    match room_read {
        Ok(r) => {
            findings.extend(rooms::check_for(&snapshot, &r, &crate::clock::now_utc(), &calsync));
            findings.extend(rooms::graph_checks(services, client, &snapshot, &r, &opts).await);
        }
        Err(e) => findings.push(catalogue::rooms_unread(&e).finding(Severity::Warning, vec![])),
    }
    let report = report(&snapshot, findings);
    Ok((snapshot, report))
}

/// The provider's mailbox for `credential` when it is an address, the only kind a sign-in
/// can be checked against (`authorize --expect-user` refuses anything else).
pub fn provider_address(s: &read::Snapshot, credential: &str) -> Option<String> {
    provider_mailbox(s, credential).filter(|m| crate::cli::authorize::mailbox(m).is_ok()).map(|m| m.trim().to_string())
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
