//! `calsync doctor [--json] [--fix [--yes]]`: exit 0 healthy (warnings allowed), 1 errors
//! found, 2 usage, 3 instance unreachable or login refused.

use super::connect;
use super::{exit, render};
use crate::config::Services;
use crate::doctor;
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

pub async fn run(services: &Services, flags: Flags) -> u8 {
    let conn = match connect::connect(services).await {
        Ok(c) => c,
        Err(r) => {
            eprintln!("calsync: {}", crate::sanitize::text(&r.message));
            return r.code;
        }
    };
    let sandbox_url = conn.sandbox.as_ref().map(|s| s.url().to_string());
    // The commands the report names go where this run went.
    let calsync = doctor::Calsync::of(&services.config);
    let (snapshot, mut report) =
        match doctor::examine(services, &conn.client, &conn.instance_key, sandbox_url.as_deref()).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("calsync: {}", crate::sanitize::text(&e.to_string()));
                return if e.is_access_problem() { exit::ACCESS } else { exit::FAILED };
            }
        };
    connect::offer_to_keep(services, conn.typed_password.clone()).await;
    if let Some(cred) = &flags.probe_browser {
        eprintln!(
            "Probing which Microsoft account your browser would use silently (a browser window opens; nothing is stored)..."
        );
        let cancel = super::authorize::ctrl_c();
        let probed = doctor::probe_browser(
            services,
            &conn.client,
            &conn.instance_key,
            sandbox_url.as_deref(),
            cred,
            flags.expect_user.clone().or_else(|| doctor::provider_mailbox(&snapshot, cred)),
            cancel,
            |url| eprintln!("If no browser opens, open: {url}"),
        );
        match probed.await {
            Ok(f) => report.add(f),
            Err(e) => {
                eprintln!("calsync: the browser probe could not run: {}", crate::sanitize::text(&e.to_string()));
                return exit::USAGE;
            }
        }
    }
    if flags.json && !flags.fix {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return if report.healthy { exit::OK } else { exit::FAILED };
    }
    if !flags.json {
        println!("{}", doctor::render::text(&report, &calsync));
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
    // A mode chosen by the repair brings checks that could not run before.
    if let Some(r) =
        report.findings.iter().filter_map(|f| f.repair.as_ref()).find(|r| r.record == crate::facts::MODE_PROPERTY)
    {
        println!("{}", doctor::catalogue::mode_repair_brings_checks(&r.to_label));
    }
    if !flags.yes && !super::confirm(&format!("Apply {} repair(s)?", diff.items.len())) {
        // Declined at the prompt, or no terminal to ask in: only the second needs --yes.
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            println!("Nothing was written: the repairs were not confirmed.");
        } else {
            println!("Nothing was written: there is no terminal to confirm the repairs in; pass --yes to repair.");
        }
        return exit::FAILED;
    }
    let state = doctor::fix::state(&snapshot);
    let outcome = journal::apply_journaled(&services.config.state_dir, &conn.client, &diff, &state, |p| {
        if let Progress::Written(o) = p {
            println!("{}", render::outcome_line(o));
        }
    })
    .await;
    match outcome {
        Ok(r) if !r.failed() => {}
        Ok(_) => eprintln!("calsync: a repair failed; see above."),
        Err(e) => {
            eprintln!("calsync: {}", crate::sanitize::text(&e.to_string()));
            return exit::FAILED;
        }
    }
    // Look again, so the exit code and the report say how things stand now.
    match doctor::examine(services, &conn.client, &conn.instance_key, sandbox_url.as_deref()).await {
        Ok((_, after)) => {
            println!("\nAfter the repairs:\n{}", doctor::render::text(&after, &calsync));
            if flags.json {
                println!("{}", serde_json::to_string_pretty(&after).unwrap_or_default());
            }
            if after.healthy { exit::OK } else { exit::FAILED }
        }
        Err(e) => {
            eprintln!("calsync: {}", crate::sanitize::text(&e.to_string()));
            exit::FAILED
        }
    }
}
