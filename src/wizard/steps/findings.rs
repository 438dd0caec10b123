//! Findings (troubleshoot): the doctor's findings, wrong-account sign-ins first, with the
//! selected one's record, evidence, why and fix. `f` sends the safe fixes through the same
//! review and apply as the setup; `b` asks which Microsoft account the browser would use
//! silently; `r` looks again; `t`, on a finding a new sign-in fixes (no token, an expired
//! one, one calsync could not refresh, one of the wrong account), signs the credential's
//! mailbox in (Get OAuth Token), writes the token to the instance, and looks again.

use crate::doctor::read::Snapshot;
use crate::doctor::{Finding, Report, Severity};
use crate::oauth::session::Notice;
use crate::wizard::view::{self, Para, theme};
use crate::wizard::{
    App, Busy, Effect, ErrorPanel, Failure, Findings, Found, Reviewed, Screen, Step, TokenState, TokenTask, Tokens,
};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn rerun(app: &mut App) -> Vec<Effect> {
    let Some(conn) = app.conn.clone() else { return vec![] };
    app.busy = Some(Busy::Probing);
    app.generation += 1;
    vec![Effect::Doctor { generation: app.generation, conn }]
}

/// What the doctor found, on the findings screen or on the one the review came from.
fn found(app: &App) -> Option<&Found> {
    std::iter::once(&app.screen).chain(app.behind.iter().rev()).find_map(|s| match s {
        Screen::Findings(f) => f.found.as_deref(),
        _ => None,
    })
}

/// What the doctor found, on display.
fn found_here(app: &App) -> Option<&Found> {
    match &app.screen {
        Screen::Findings(f) => f.found.as_deref(),
        _ => None,
    }
}

fn on_screen(app: &mut App) -> Option<&mut Findings> {
    match &mut app.screen {
        Screen::Findings(f) => Some(f),
        _ => None,
    }
}

/// The report on display, once the doctor answered.
pub fn report(app: &App) -> Option<&Report> {
    found_here(app).map(|f| &f.report)
}

/// The doctor's safe repairs as a diff, from what it read: nothing to ask the instance.
pub fn fix(app: &mut App) -> Vec<Effect> {
    let repairs = found(app).map(|f| Reviewed {
        diff: crate::doctor::fix::diff(&f.report.findings, crate::doctor::checks::mode_of(&f.snapshot)),
        state: crate::doctor::fix::state(&f.snapshot),
    });
    app.findings_left_at = app.cursor;
    app.go(Step::Review);
    app.generation += 1;
    app.review_left = false;
    let Some(reviewed) = repairs else {
        return rerun_from_review(app);
    };
    super::review::diffed(app, Ok(Box::new(reviewed)))
}

/// What the repairs on review bring to light: a check that could not run before them
/// (the mode unknown, an alias under another parent) runs once they are written, and the
/// findings after them may name errors this report could not. One sentence per repair
/// that does so, for the review of the repairs.
pub fn repairs_bring_checks(app: &App) -> Vec<String> {
    use crate::doctor::Check;
    let Some(found) = found(app) else { return vec![] };
    let mut out = vec![];
    for f in &found.report.findings {
        let Some(r) = &f.repair else { continue };
        match f.id {
            // The same sentence as the review of `calsync doctor --fix`.
            Check::ModeValue => out.push(crate::doctor::catalogue::mode_repair_brings_checks(&r.to_label)),
            Check::AliasParent => out.push(format!(
                "Setting the parent of {} lets its connection attributes and its use by a calendar provider be checked (ALIAS-ATTRIBUTES, PROVIDER-UNUSED-ALIAS): the findings after this repair may name more.",
                r.record
            )),
            _ => {}
        }
    }
    out
}

/// The findings are gone (a repair was applied): look again before repairing more.
fn rerun_from_review(app: &mut App) -> Vec<Effect> {
    app.go(Step::Findings);
    rerun(app)
}

pub fn doctored(app: &mut App, r: Result<Box<(Snapshot, Report)>, Failure>) -> Vec<Effect> {
    app.busy = None;
    app.findings_left_at = 0;
    match r {
        Ok(found) => {
            let (snapshot, report) = *found;
            if let Some(f) = on_screen(app) {
                f.found = Some(Box::new(Found { snapshot, report }));
            }
            app.cursor = 0;
            app.scroll = 0;
        }
        Err(e) => {
            let retry = e.retryable();
            app.error = Some(ErrorPanel { title: "The checks could not run".into(), message: e.to_string(), retry });
        }
    }
    vec![]
}

pub fn browser_probed(app: &mut App, r: Result<Box<Finding>, Failure>) -> Vec<Effect> {
    app.busy = None;
    app.notice = None;
    let Some(on) = on_screen(app) else { return vec![] };
    on.probe_url = None;
    match r {
        Ok(f) => {
            if let Some(found) = on.found.as_mut() {
                found.report.add(*f);
            }
            app.cursor = 0;
            app.scroll = 0;
        }
        Err(e) => {
            app.error = Some(ErrorPanel {
                title: "The browser probe could not run".into(),
                message: e.to_string(),
                retry: false,
            });
        }
    }
    vec![]
}

/// The names of the credentials that sign in with a browser.
fn browser_credentials(snap: &Snapshot) -> Vec<&str> {
    snap.browser_credentials().into_iter().map(|c| c.name.0.as_str()).collect()
}

/// The credential the browser probe signs in for: the first on an authorization-code
/// profile, preferring one whose delegated mailbox calsync knows; and that mailbox, from
/// the instance's calendar provider.
pub fn probe_target(snap: &Snapshot, known: &[String]) -> Option<(String, Option<String>)> {
    let creds = browser_credentials(snap);
    let cred = creds.iter().find(|c| known.iter().any(|k| k == **c)).or(creds.first())?;
    Some((cred.to_string(), crate::doctor::provider_mailbox(snap, cred)))
}

/// What `t` would sign in for the selected finding: a finding a new sign-in fixes, its
/// credential, and the mailbox the credential belongs to (its calendar provider's
/// delegated user email), when the instance names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFor {
    pub credential: String,
    pub mailbox: Option<String>,
}

/// The findings a new sign-in of the delegated mailbox fixes.
pub fn fixed_by_sign_in(id: crate::doctor::Check) -> bool {
    use crate::doctor::Check;
    matches!(id, Check::TokenMissing | Check::TokenExpired | Check::TokenRefreshFailed | Check::TokenWrongAccount)
}

pub fn sign_in_for(app: &App) -> Option<SignInFor> {
    let Found { report, snapshot: snap } = found_here(app)?;
    let f = report.findings.get(app.cursor)?;
    if !fixed_by_sign_in(f.id) {
        return None;
    }
    // Each of these findings names the credential's record in its evidence.
    let cred = snap.credentials.iter().find(|c| f.evidence.iter().any(|e| e.sys_id == *c.sys_id))?;
    // Only an address can be signed in as (the provider may hold a bare name, as the
    // broken sandbox's does): anything else is no mailbox, as for `authorize --expect-user`.
    let mailbox = crate::doctor::provider_address(snap, &cred.name);
    Some(SignInFor { credential: cred.name.0.clone(), mailbox })
}

/// `t`: the Token step for the selected finding's credential and mailbox, then the Token
/// on the instance step, then the findings read again.
fn sign_in(app: &mut App) -> Vec<Effect> {
    let Some(target) = sign_in_for(app) else { return vec![] };
    let Some(mailbox) = target.mailbox else {
        app.notice = Some(format!(
            "No calendar provider names the mailbox of \"{}\" as an address, so calsync does not know whom to sign in: set the provider's Delegated user email to the mailbox's full address, or run {}.",
            target.credential,
            super::token::authorize_command(app, &target.credential, "MAILBOX")
        ));
        return vec![];
    };
    let tasks = vec![TokenTask { credential: target.credential, user: mailbox, state: TokenState::Pending }];
    app.done.handovers = vec![];
    app.enter(Screen::Token(Tokens { tasks, paste: None }));
    vec![]
}

/// The browser probe's address, for when no browser opens: drawn under the box, and
/// explained above the findings while the probe waits (nothing of it outlives the probe).
pub fn probe_notice(app: &mut App, n: Notice) -> Vec<Effect> {
    if let Notice::Waiting { url, .. } = n
        && let Some(f) = on_screen(app)
    {
        f.probe_url = Some(url);
    }
    vec![]
}

/// The running browser probe's lines, while it waits.
fn probing(app: &App) -> Vec<Para> {
    match (&app.busy, &app.screen) {
        (Some(Busy::SigningIn), Screen::Findings(Findings { probe_url: Some(url), .. })) => probe_lines(app, url),
        _ => vec![],
    }
}

/// What the running browser probe is about: whom it signs in for, and, when its address is
/// not Microsoft's v2.0 authorize endpoint (the registry's authorization URL is wrong),
/// that no answer may ever come.
fn probe_lines(app: &App, url: &str) -> Vec<Para> {
    let t = theme(app);
    let mut out = vec![];
    let who = found(app)
        .map(|f| {
            let snap = &f.snapshot;
            match browser_credentials(snap).as_slice() {
                [one] => match crate::doctor::provider_mailbox(snap, one) {
                    Some(m) => format!(" for \"{one}\" (its mailbox is {m})"),
                    None => format!(" for \"{one}\""),
                },
                [] => String::new(),
                many => format!(" for {}", many.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(" or ")),
            }
        })
        .unwrap_or_default();
    out.push(Para::text(Line::styled(
        format!(
            "Browser probe{who}: Microsoft is asked, without a prompt, which account this browser signs in with. If no browser opened, open the address under this box. Esc cancels."
        ),
        t.accent(),
    )));
    let path = url.split('?').next().unwrap_or_default();
    if !path.ends_with("/oauth2/v2.0/authorize") {
        out.push(Para::text(Line::styled(
            "This address is the registry's authorization URL, not Microsoft's v2.0 authorize endpoint (REG-AUTH-URL): it may never answer; repair that first.",
            t.bad(),
        )));
    }
    out.push(Para::text(""));
    out
}

fn probe_browser(app: &mut App) -> Vec<Effect> {
    let (Some(conn), Some(found)) = (app.conn.clone(), found(app)) else { return vec![] };
    let snapshot = Box::new(found.snapshot.clone());
    app.busy = Some(Busy::SigningIn);
    app.generation += 1;
    vec![Effect::ProbeBrowser { generation: app.generation, conn, snapshot }]
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    // A notice answers the key before this one, about the finding it was pressed on: the
    // next key (another finding, a probe, a rerun) leaves it behind.
    app.notice = None;
    let len = report(app).map(|r| r.findings.len()).unwrap_or(0);
    let was = app.cursor;
    if super::list_move(app, len, k) {
        // Another finding's details start at their top.
        if app.cursor != was {
            app.scroll = 0;
        }
        return vec![];
    }
    match k.code {
        KeyCode::PageDown | KeyCode::PageUp => super::scroll(app, k.code, detail_limit(app)),
        KeyCode::Esc => app.back(),
        KeyCode::Char('r') => return rerun(app),
        KeyCode::Char('b') => return probe_browser(app),
        KeyCode::Char('t') => return sign_in(app),
        KeyCode::Char('f') => {
            if report(app).is_some_and(|r| r.findings.iter().any(|f| f.fixable)) {
                return fix(app);
            }
            app.notice =
                Some("None of these findings is safe to repair automatically; each says how to fix it.".into());
        }
        _ => {}
    }
    vec![]
}

fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "warn ",
        Severity::Info => "note ",
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(report) = report(app) else { return };
    if report.findings.is_empty() {
        let mut lines = probing(app);
        lines.extend([
            Para::text(Line::styled("Healthy: every check passed.", t.ok())),
            Para::text(""),
            Para::text("b asks which Microsoft account your browser would use silently for Get OAuth Token."),
        ]);
        view::draw_rows(f, area, &view::layout(&lines, area.width, f.area().width), 0);
        return;
    }
    let Some(p) = parts(app, area, f.area().width) else { return };
    let s = report.summary;
    f.render_widget(
        Paragraph::new(format!(
            "{} · mode {}",
            crate::doctor::render::counts(s.errors, s.warnings, s.info),
            report.mode.clone().unwrap_or_else(|| "unknown".into())
        )),
        p.summary,
    );
    let lines: Vec<Line> = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let style = if i == app.cursor {
                t.selected()
            } else if x.severity == Severity::Error {
                t.bad()
            } else {
                Style::default()
            };
            Line::from(Span::styled(format!("{} {}", mark(x.severity), x.title), style))
        })
        .collect();
    let list = p.list;
    let skip = app.cursor.saturating_sub(list.height.saturating_sub(1) as usize) as u16;
    f.render_widget(Paragraph::new(lines).scroll((skip, 0)), list);
    let limit = p.limit();
    view::draw_rows(f, p.detail, &p.rows, app.scroll.min(limit));
    if app.scroll < limit {
        f.render_widget(
            Paragraph::new(Line::styled("More below: PageDown scrolls the details (PageUp back).", t.dim())),
            p.foot,
        );
    }
}

/// The selected finding's details: its record, fix and why, what `t` would do, and each
/// piece of evidence with its record's form, laid out whole at `width`.
fn detail(app: &App, x: &Finding, width: u16) -> Vec<Para> {
    let t = theme(app);
    let mut d = probing(app);
    d.push(Para::text(Line::styled(format!("[{}] {}", x.id, x.title), t.dim())));
    let fix = format!("Fix: {}{}", x.fix, if x.fixable { " (f repairs it)" } else { "" });
    d.push(Para::hang(Line::styled(fix, t.accent()), 5));
    d.push(Para::hang(format!("Why: {}", x.why), 5));
    match sign_in_for(app) {
        Some(SignInFor { credential, mailbox: Some(m) }) => d.push(Para::hang(
            Line::styled(
                format!("t signs {m} in for \"{credential}\" here and writes the token to the instance."),
                t.accent(),
            ),
            2,
        )),
        Some(SignInFor { credential, mailbox: None }) => d.push(Para::hang(
            Line::styled(
                format!(
                    "t cannot sign in for \"{credential}\" until its calendar provider names the delegated mailbox's full address."
                ),
                t.dim(),
            ),
            2,
        )),
        None => {}
    }
    for e in &x.evidence {
        let what = format!("{}.{} = {:?}", e.table, e.field, e.value);
        // The record's form on the same row when both fit, else on rows of its own, whole.
        if what.chars().count() + 2 + e.link.chars().count() <= usize::from(width) {
            d.push(Para::text(format!("{what}  {}", e.link)));
        } else {
            d.push(Para::hang(what, 2));
            d.push(Para::link(&e.link, 2, Style::default()));
        }
    }
    d
}

/// Where the findings screen draws each part, and the selected finding's rows.
struct Parts {
    summary: Rect,
    list: Rect,
    detail: Rect,
    /// The row under the details saying there is more of them, when there is.
    foot: Rect,
    rows: Vec<view::Row>,
}

impl Parts {
    /// How far the details scroll: until their last row is the area's last row.
    fn limit(&self) -> u16 {
        u16::try_from(self.rows.len()).unwrap_or(u16::MAX).saturating_sub(self.detail.height)
    }
}

/// The fewest rows the list keeps for the details' sake: the selected finding and its
/// neighbours stay in view.
const LIST_MIN: u16 = 4;

/// The counts on top, the list, then the selected finding's details. The list takes up to
/// half the area, and gives rows back (down to `LIST_MIN`) so that the details fit; what
/// still does not fit scrolls, with a row under it that says so.
fn parts(app: &App, area: Rect, full: u16) -> Option<Parts> {
    let report = report(app)?;
    let x = report.findings.get(app.cursor.min(report.findings.len().checked_sub(1)?))?;
    let rows = view::layout(&detail(app, x, area.width), area.width, full);
    let avail = area.height.saturating_sub(1);
    let wanted = (report.findings.len() as u16 + 1).min(area.height / 2).max(3).min(avail);
    let needed = u16::try_from(rows.len()).unwrap_or(u16::MAX);
    let list_h = if wanted + needed <= avail {
        wanted
    } else {
        avail.saturating_sub(needed).clamp(LIST_MIN.min(wanted), wanted)
    };
    let [summary, list, rest] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(list_h), Constraint::Min(0)]).areas(area);
    let more = needed > rest.height;
    let [detail, foot] = Layout::vertical([Constraint::Min(0), Constraint::Length(u16::from(more))]).areas(rest);
    Some(Parts { summary, list, detail, foot, rows })
}

/// How far PageDown may scroll the details, at the size the terminal last had.
fn detail_limit(app: &App) -> u16 {
    parts(app, view::content_area(app), app.size.0).map_or(0, |p| p.limit())
}
