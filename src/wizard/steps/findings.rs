//! Findings (troubleshoot): the doctor's findings, wrong-account sign-ins first, with the
//! selected one's record, evidence, why and fix. `f` sends the safe fixes through the same
//! review and apply as the setup; `b` asks which Microsoft account the browser would use
//! silently; `r` looks again.

use crate::doctor::read::Snapshot;
use crate::doctor::{Finding, Report, Severity};
use crate::oauth::session::Notice;
use crate::wizard::view::theme;
use crate::wizard::{App, Busy, Effect, ErrorPanel, Failure, Findings, Found, Reviewed, Screen, Step};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

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

fn on_screen(app: &mut App) -> Option<&mut Findings> {
    match &mut app.screen {
        Screen::Findings(f) => Some(f),
        _ => None,
    }
}

/// The doctor's safe repairs as a diff, from what it read: nothing to ask the instance.
pub fn fix(app: &mut App) -> Vec<Effect> {
    let repairs = found(app).map(|f| Reviewed {
        diff: crate::doctor::fix::diff(&f.report.findings, crate::doctor::checks::mode_of(&f.snapshot)),
        state: crate::doctor::fix::state(&f.snapshot),
    });
    app.go(Step::Review);
    app.generation += 1;
    app.review_left = false;
    let Some(reviewed) = repairs else {
        return rerun_from_review(app);
    };
    super::review::diffed(app, Ok(Box::new(reviewed)))
}

/// The findings are gone (a repair was applied): look again before repairing more.
fn rerun_from_review(app: &mut App) -> Vec<Effect> {
    app.go(Step::Findings);
    rerun(app)
}

pub fn doctored(app: &mut App, r: Result<Box<(Snapshot, Report)>, Failure>) -> Vec<Effect> {
    app.busy = None;
    match r {
        Ok(found) => {
            let (snapshot, report) = *found;
            if let Some(f) = on_screen(app) {
                f.found = Some(Box::new(Found { snapshot, report }));
            }
            app.cursor = 0;
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

/// The credential the browser probe signs in for: the first on an authorization-code
/// profile, preferring one whose delegated mailbox calsync knows; and that mailbox, from
/// the instance's calendar provider.
pub fn probe_target(snap: &Snapshot, known: &[String]) -> Option<(String, Option<String>)> {
    let auth: Vec<&str> = snap
        .profiles
        .iter()
        .filter(|p| &*p.grant_type == crate::facts::GRANT_AUTH_CODE)
        .map(|p| p.sys_id.0.as_str())
        .collect();
    let creds: Vec<&str> = snap
        .credentials
        .iter()
        .filter(|c| auth.contains(&c.oauth_entity_profile.id()))
        .map(|c| c.name.0.as_str())
        .collect();
    let cred = creds.iter().find(|c| known.iter().any(|k| k == **c)).or(creds.first())?;
    Some((cred.to_string(), crate::doctor::provider_mailbox(snap, cred)))
}

/// The browser probe's address, for when no browser opens.
pub fn probe_notice(app: &mut App, n: Notice) -> Vec<Effect> {
    if let Notice::Waiting { url, .. } = n
        && let Some(f) = on_screen(app)
    {
        f.probe_url = Some(url);
        app.notice = Some(
            "Browser probe: if no browser opened, open the address under this box in the browser to check. Esc cancels."
                .into(),
        );
    }
    vec![]
}

fn probe_browser(app: &mut App) -> Vec<Effect> {
    let (Some(conn), Some(found)) = (app.conn.clone(), found(app)) else { return vec![] };
    let snapshot = Box::new(found.snapshot.clone());
    app.busy = Some(Busy::SigningIn);
    app.generation += 1;
    vec![Effect::ProbeBrowser { generation: app.generation, conn, snapshot }]
}

/// The report on display, once the doctor answered.
pub fn report(app: &App) -> Option<&Report> {
    match &app.screen {
        Screen::Findings(f) => f.found.as_ref().map(|f| &f.report),
        _ => None,
    }
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let len = report(app).map(|r| r.findings.len()).unwrap_or(0);
    if super::list_move(app, len, k) {
        return vec![];
    }
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Char('r') => return rerun(app),
        KeyCode::Char('b') => return probe_browser(app),
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
        let lines = vec![
            Line::styled("Healthy: every check passed.", t.ok()),
            Line::default(),
            Line::from("b asks which Microsoft account your browser would use silently for Get OAuth Token."),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
        return;
    }
    let list_h = (report.findings.len() as u16 + 1).min(area.height / 2).max(3);
    let [summary, list, detail] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(list_h), Constraint::Min(3)]).areas(area);
    let s = report.summary;
    f.render_widget(
        Paragraph::new(format!(
            "{} · mode {}",
            crate::doctor::render::counts(s.errors, s.warnings, s.info),
            report.mode.clone().unwrap_or_else(|| "unknown".into())
        )),
        summary,
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
    let skip = app.cursor.saturating_sub(list.height.saturating_sub(1) as usize) as u16;
    f.render_widget(Paragraph::new(lines).scroll((skip, 0)), list);
    let x = &report.findings[app.cursor.min(report.findings.len() - 1)];
    let mut d = vec![Line::styled(format!("[{}] {}", x.id, x.title), t.dim())];
    d.push(Line::styled(format!("Fix: {}{}", x.fix, if x.fixable { " (f repairs it)" } else { "" }), t.accent()));
    d.push(Line::from(format!("Why: {}", x.why)));
    for e in &x.evidence {
        d.push(Line::from(format!("{}.{} = {:?}  {}", e.table, e.field, e.value, e.link)));
    }
    f.render_widget(Paragraph::new(d).wrap(Wrap { trim: false }), detail);
}
