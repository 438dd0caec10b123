//! `calsync apply --plan FILE`: parse, read, diff, confirm, write.

use super::connect;
use super::{exit, render};
use crate::config::Services;
use crate::facts;
use crate::plan::apply::{self as engine, Progress, Report};
use crate::plan::journal::{self, Journal};
use crate::plan::{self, Diff, rooms};
use crate::snow::records::plain;
use crate::snow::{Client, InstanceExt, Query};
use serde_json::{Value, json};
use std::path::Path;

pub struct Flags {
    pub dry_run: bool,
    pub yes: bool,
    pub json: bool,
}

fn fail(json: bool, code: u8, message: &str) -> u8 {
    let message = crate::sanitize::text(message);
    if json {
        println!("{}", json!({"error": message, "exit_code": code}));
    } else {
        eprintln!("calsync: {message}");
    }
    code
}

pub async fn run(services: &Services, plan_path: &Path, flags: Flags) -> u8 {
    let text = match plan::model::read_file(plan_path) {
        Ok(t) => t,
        Err(e) => return fail(flags.json, exit::USAGE, &format!("{e}. Nothing was written.")),
    };
    let plan = match plan::parse(&plan_path.display().to_string(), &text) {
        Ok(p) => p,
        Err(e) => return fail(flags.json, exit::USAGE, &format!("{e}. Nothing was written.")),
    };
    let conn = match connect::connect(services).await {
        Ok(c) => c,
        Err(r) => return fail(flags.json, r.code, &r.message),
    };
    let client = &conn.client;
    let sandbox = conn.sandbox.is_some();
    let instance_label = match &conn.sandbox {
        Some(_) => format!("{} (sandbox)", client.instance()),
        None => client.instance().to_string(),
    };
    let instance_url = client.instance().to_string();
    let state = match plan::read_state(client, &plan).await {
        Ok(s) => s,
        Err(e) => {
            let code = if e.is_access_problem() { exit::ACCESS } else { exit::FAILED };
            return fail(flags.json, code, &format!("{e}. Nothing was written."));
        }
    };
    connect::offer_to_keep(services, conn.typed_password).await;
    let diff = plan::diff(&plan, &state);
    if !flags.json {
        println!("{}", render::diff_text(&instance_label, &diff, &state));
    }
    let finish = |applied: bool, report: Option<&Report>, note: &str| {
        if flags.json {
            print_json(&instance_url, sandbox, &diff, applied, flags.dry_run, report, client.requests_sent(), note);
        } else if !note.is_empty() {
            println!("{}", crate::sanitize::text(note));
        }
    };
    if diff.has_conflicts() {
        finish(false, None, "Nothing was written: resolve the conflicts above and run again.");
        return exit::FAILED;
    }
    let state_dir = &services.config.state_dir;
    let journal = Journal::for_login(state_dir, &client.instance().to_string(), client.user());
    let prior = journal.load();
    if !diff.has_changes() {
        let mut note = "Nothing to change: the instance already matches the plan.".to_string();
        for l in rooms_next(client, &rooms::awaiting_activation(&diff, None, &state, client.instance())).await {
            note.push_str(&format!("\n{l}"));
        }
        if let Some(p) = &prior {
            // An earlier run was interrupted after its writes: put the picker back now.
            match engine::restore_current_app(client, &state, p).await {
                Ok(()) => journal.clear(),
                Err(e) => note.push_str(&format!("\nWarning: your current application could not be put back ({e}).")),
            }
        }
        finish(false, None, &note);
        return exit::OK;
    }
    if flags.dry_run {
        finish(false, None, "Dry run: nothing was written.");
        return exit::OK;
    }
    if !flags.yes {
        let s = diff.summary();
        let question = format!("Apply {} change(s) to {}?", s.create + s.update, client.instance());
        if !super::confirm(&question) {
            // Declined at the prompt, or no terminal to ask in: only the second needs --yes.
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                finish(false, None, "Nothing was written: the changes were not confirmed.");
                return exit::OK;
            }
            finish(
                false,
                None,
                "Nothing was written: there is no terminal to confirm the changes in; pass --yes to apply them.",
            );
            return exit::USAGE;
        }
    }
    let json_mode = flags.json;
    let report = journal::apply_journaled(state_dir, client, &diff, &state, |p| {
        if json_mode {
            return;
        }
        match p {
            Progress::Writing(_) | Progress::Scope(_) => {}
            Progress::Written(o) => println!("{}", render::outcome_line(o)),
        }
    })
    .await;
    let report = match report {
        Ok(r) => r,
        Err(e) => return fail(flags.json, exit::FAILED, &e.to_string()),
    };
    let failed = report.failed();
    let mut note = String::new();
    for n in &report.notes {
        note.push_str(&format!("{n}\n"));
    }
    if let Some(r) = &report.restore_error {
        note.push_str(&format!("Warning: {r}\n"));
    }
    note.push_str(if failed {
        "The apply stopped at the failure above; what was written is kept. Fix the cause and run again: records already made are not made twice."
    } else {
        "Done: the instance matches the plan."
    });
    if !failed {
        let awaiting = rooms::awaiting_activation(&diff, Some(&report), &state, client.instance());
        for l in rooms_next(client, &awaiting).await {
            note.push_str(&format!("\n{l}"));
        }
    }
    finish(true, Some(&report), &note);
    // A refused login or an instance gone halfway is an access problem, as before the apply.
    if report.access_problem() {
        exit::ACCESS
    } else if failed {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// What the admin still does for rooms that are not active yet: first the webhook
/// registry's callback URL (the subscription Activate creates is refused without it), then
/// Activate on each room's form. Nothing when every room is active.
async fn rooms_next(client: &Client, awaiting: &[(String, String)]) -> Vec<String> {
    if awaiting.is_empty() {
        return vec![];
    }
    let mut lines = webhook_note(client).await;
    lines.extend(rooms::activation_note(awaiting));
    lines
}

/// Whether the spoke's webhook registry has the callback URL and client state Microsoft's
/// notifications for the rooms need, and where to generate them when it has not (one
/// read of the registry).
async fn webhook_note(client: &Client) -> Vec<String> {
    let name = facts::WEBHOOK_NAME;
    let fields = ["sys_id", "name", facts::WEBHOOK_CALLBACK_COLUMN, facts::WEBHOOK_CLIENT_STATE_COLUMN];
    let rows = match Query::new().eq("name", name) {
        Ok(q) => client.list::<Value>(facts::WEBHOOK_TABLE, &q, &fields).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let registry = match rows {
        Ok(rows) => rows.into_iter().find(|w| plain(&w["name"]) == name),
        Err(e) => {
            return vec![format!(
                "Before activating the rooms, check that the spoke's \"{name}\" webhook registry (All > Microsoft Exchange Online Spoke > Webhook Registry) has a callback URL; calsync could not read it ({e})."
            )];
        }
    };
    let Some(w) = registry else {
        return vec![format!(
            "Before activating the rooms: the spoke's \"{name}\" webhook registry is missing, and the rooms' subscriptions need its callback URL. It is installed with the Microsoft Exchange Online spoke: repair the spoke from the application manager."
        )];
    };
    let url = plain(&w[facts::WEBHOOK_CALLBACK_COLUMN]);
    let missing = match (url.is_empty(), plain(&w[facts::WEBHOOK_CLIENT_STATE_COLUMN]).is_empty()) {
        (false, false) => {
            return vec![format!(
                "The spoke's \"{name}\" webhook registry has its callback URL ({url}): Microsoft sends the rooms' changes there once they are active."
            )];
        }
        (true, true) => "callback URL and client state",
        (true, false) => "callback URL",
        (false, true) => "client state",
    };
    let link = client.instance().form_link(facts::WEBHOOK_TABLE, &plain(&w["sys_id"]));
    vec![
        format!(
            "Before activating the rooms, generate the webhook's callback URL: the spoke's \"{name}\" webhook registry has no {missing}, and the Graph subscription Activate creates for each room needs it."
        ),
        format!(
            "  With the application scope set to Microsoft Exchange Online Spoke, open {link} and select Callback URL (it generates the callback URL and the client state) and Update."
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn print_json(
    instance: &str,
    sandbox: bool,
    diff: &Diff,
    applied: bool,
    dry_run: bool,
    report: Option<&Report>,
    requests: u64,
    note: &str,
) {
    let doc = json!({
        "instance": instance,
        "sandbox": sandbox,
        "mode": diff.mode,
        "scope": diff.scope,
        "items": diff.items,
        "summary": diff.summary(),
        "dry_run": dry_run,
        "applied": applied,
        "outcomes": report.map(|r| &r.outcomes),
        "restore_error": report.and_then(|r| r.restore_error.as_ref()).map(ToString::to_string),
        "notes": report.map(|r| &r.notes),
        "message": note,
        "requests": requests,
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
