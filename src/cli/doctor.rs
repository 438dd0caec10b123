//! `calsync doctor [--json] [--fix [--yes]]`: exit 0 healthy (warnings allowed), 1 errors
//! found, 2 usage, 3 instance unreachable or login refused.

use super::connect::{self, Target};
use super::{exit, render};
use crate::doctor::{self, AccountCheck, Report};
use crate::plan::apply::Progress;
use crate::plan::journal;

pub struct Flags {
    pub json: bool,
    pub fix: bool,
    pub yes: bool,
    /// Probe which Microsoft account the browser would use, for this credential.
    pub probe_browser: Option<String>,
    pub expect_user: Option<String>,
}

/// Runs the browser-account probe for one credential and returns it as a finding.
async fn probe(
    conn: &connect::Connected,
    credential: &str,
    expected: Option<String>,
) -> Result<doctor::Finding, String> {
    use crate::oauth::session::{self, SignIn};
    let sandbox_url = conn.sandbox.as_ref().map(|s| s.url().to_string());
    let login = std::env::var("CALSYNC_LOGIN_URL").ok().filter(|s| !s.is_empty()).or(sandbox_url.clone());
    let graph = std::env::var("CALSYNC_GRAPH_URL").ok().filter(|s| !s.is_empty()).or(sandbox_url.clone());
    let t = crate::oauth::target::for_credential(&conn.client, credential, login.as_deref(), graph.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let secret = if sandbox_url.is_some() {
        Some(secrecy::SecretString::from(crate::sandbox::identity::CLIENT_SECRET))
    } else {
        std::env::var("CALSYNC_CLIENT_SECRET").ok().filter(|s| !s.is_empty()).map(secrecy::SecretString::from).or_else(
            || {
                let acc = crate::secrets::Account::ClientSecret {
                    instance: conn.instance_key.clone(),
                    client_id: t.registry.client_id.clone(),
                };
                crate::secrets::get(&acc).ok().flatten()
            },
        )
    };
    let expected = expected.or_else(|| crate::oauth::delegates::load(&conn.instance_key).get(credential).cloned());
    let req = SignIn::probe(t.registry.clone(), secret, &t.graph_root);
    eprintln!(
        "Probing which Microsoft account your browser would use silently (a browser window opens; nothing is stored)..."
    );
    let r = session::sign_in(
        &req,
        &crate::oauth::browser::SystemBrowser,
        None,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
        |n| {
            if let session::Notice::Waiting { url, .. } = n {
                eprintln!("If no browser opens, open: {url}");
            }
        },
    )
    .await;
    let probed = r.map(|o| o.verified.who.username).map_err(|e| e.to_string());
    Ok(doctor::browser_finding(credential, expected.as_deref(), probed))
}

async fn examine(conn: &connect::Connected) -> Result<(doctor::read::Snapshot, Report), crate::snow::SnError> {
    let snapshot = doctor::read::read(&conn.client).await?;
    let sandbox_url = conn.sandbox.as_ref().map(|s| s.url().to_string());
    let opts = AccountCheck {
        instance_key: conn.instance_key.clone(),
        login_base: std::env::var("CALSYNC_LOGIN_URL").ok().filter(|s| !s.is_empty()).or(sandbox_url.clone()),
        graph_base: std::env::var("CALSYNC_GRAPH_URL").ok().filter(|s| !s.is_empty()).or(sandbox_url.clone()),
        sandbox_secret: sandbox_url.is_some(),
    };
    let mut findings = doctor::checks::run(&snapshot);
    findings.extend(doctor::accounts(&conn.client, &snapshot, &opts).await);
    let report = doctor::report(&snapshot, findings);
    Ok((snapshot, report))
}

pub async fn run(target: &Target, flags: Flags) -> u8 {
    let conn = match connect::connect(target).await {
        Ok(c) => c,
        Err(r) => {
            eprintln!("calsync: {}", r.message);
            return r.code;
        }
    };
    let (snapshot, mut report) = match examine(&conn).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("calsync: {e}");
            return if e.is_access_problem() { exit::ACCESS } else { exit::FAILED };
        }
    };
    connect::offer_to_keep(conn.typed_password.clone());
    if let Some(cred) = &flags.probe_browser {
        match probe(&conn, cred, flags.expect_user.clone()).await {
            Ok(f) => {
                let mut findings = std::mem::take(&mut report.findings);
                findings.push(f);
                report = doctor::report(&snapshot, findings);
            }
            Err(e) => {
                eprintln!("calsync: the browser probe could not run: {e}");
                return exit::USAGE;
            }
        }
    }
    if flags.json && !flags.fix {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return if report.healthy { exit::OK } else { exit::FAILED };
    }
    if !flags.json {
        println!("{}", doctor::render::text(&report));
    }
    if !flags.fix {
        return if report.healthy { exit::OK } else { exit::FAILED };
    }
    let diff = doctor::fix::diff(&report.findings, doctor::checks::mode_of(&snapshot));
    if diff.items.is_empty() {
        println!("\nNothing here is safe to repair automatically; the fixes above are by hand.");
        return if report.healthy { exit::OK } else { exit::FAILED };
    }
    println!("\nSafe repairs (each record keeps its application):\n{}", render::items_text(&diff));
    if !flags.yes && !super::confirm(&format!("Apply {} repair(s)?", diff.items.len())) {
        println!("Nothing was written. Pass --yes to repair without a terminal.");
        return exit::FAILED;
    }
    let state = doctor::fix::state(&snapshot);
    let outcome = journal::apply_journaled(&conn.client, &diff, &state, |p| {
        if let Progress::Written(o) = p {
            println!("{}", render::outcome_line(o));
        }
    })
    .await;
    match outcome {
        Ok(r) if !r.failed() => {}
        Ok(_) => eprintln!("calsync: a repair failed; see above."),
        Err(e) => {
            eprintln!("calsync: {e}");
            return exit::FAILED;
        }
    }
    // Look again, so the exit code and the report say how things stand now.
    match examine(&conn).await {
        Ok((_, after)) => {
            println!("\nAfter the repairs:\n{}", doctor::render::text(&after));
            if flags.json {
                println!("{}", serde_json::to_string_pretty(&after).unwrap_or_default());
            }
            if after.healthy { exit::OK } else { exit::FAILED }
        }
        Err(e) => {
            eprintln!("calsync: {e}");
            exit::FAILED
        }
    }
}
