//! Token on the instance: after Get OAuth Token, each signed-in credential's tokens are
//! written where the instance keeps them (what `authorize --store-on-instance` does), so
//! Workplace Calendar Synchronization can sync; the keyring copy stays calsync's. A step of
//! its own, after the sign-ins, because it writes to the instance and its result (the
//! token records, or why not) should be seen before the summary.

use crate::wizard::view::{self, Para, theme};
use crate::wizard::{App, Busy, Effect, HandoverState, TokenState};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Starts the next hand-over that has not run (when entering the step and on Enter).
pub fn start(app: &mut App) -> Vec<Effect> {
    if app.done.handovers.is_empty() {
        app.done.handovers = app
            .done
            .tokens
            .iter()
            .filter(|t| matches!(t.state, TokenState::Done { .. }))
            .map(|t| (t.credential.clone(), HandoverState::Pending))
            .collect();
    }
    let Some(conn) = app.conn.clone() else { return vec![] };
    let Some((credential, state)) =
        app.done.handovers.iter_mut().find(|(_, s)| matches!(s, HandoverState::Pending | HandoverState::Failed(_)))
    else {
        return vec![];
    };
    *state = HandoverState::Writing;
    let credential = credential.clone();
    app.generation += 1;
    app.busy = Some(Busy::Applying);
    vec![Effect::HandOver { generation: app.generation, conn, credential }]
}

pub fn handed_over(app: &mut App, credential: String, r: Result<Vec<String>, String>) -> Vec<Effect> {
    app.busy = None;
    if let Some((_, state)) = app.done.handovers.iter_mut().find(|(c, _)| *c == credential) {
        *state = match r {
            Ok(links) => HandoverState::Done(links),
            Err(e) => HandoverState::Failed(e),
        };
    }
    // The next one, if any, right away.
    if app.done.handovers.iter().any(|(_, s)| *s == HandoverState::Pending) {
        return start(app);
    }
    vec![]
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Char('r') if app.done.handovers.iter().any(|(_, s)| matches!(s, HandoverState::Failed(_))) => {
            start(app)
        }
        // From Troubleshoot: the findings, read again now that the token is there.
        KeyCode::Enter if app.journey == crate::wizard::Journey::Troubleshoot => {
            app.go(crate::wizard::Step::Findings);
            super::findings::rerun(app)
        }
        KeyCode::Enter => {
            app.next();
            super::roomcheck::start(app)
        }
        _ => vec![],
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let mut lines = vec![Para::text(
        "The instance gets each delegated mailbox's token, so it can sync; calsync keeps its own copy in the OS keyring.",
    )];
    lines.push(Para::text(""));
    let left: Vec<_> = app.done.tokens.iter().filter(|x| !matches!(x.state, TokenState::Done { .. })).collect();
    // Re-authorize: those not signed in again may keep the instance's token.
    let all_kept = left.iter().all(|x| super::token::kept_token(app, &x.credential).is_some());
    if app.done.handovers.is_empty() && all_kept && !left.is_empty() {
        lines.push(Para::text(
            "No mailbox was signed in again: the instance keeps the tokens it has. To sign one in later:",
        ));
    } else if app.done.handovers.is_empty() {
        lines.push(Para::text(Line::styled(
            "No mailbox was signed in, so the instance still has no token and cannot sync. Sign each in later with:",
            t.warn(),
        )));
    }
    // The sign-ins skipped (or that failed): how each gets its token to the instance later.
    for task in left {
        let command = super::token::authorize_command(app, &task.credential, &task.user);
        if let Some(day) = super::token::kept_token(app, &task.credential) {
            lines.push(Para::hang(
                Line::from(vec![
                    Span::styled("kept    ", t.dim()),
                    Span::raw(format!("{}: the instance's token, to {day}; {command}", task.credential)),
                ]),
                8,
            ));
            continue;
        }
        lines.push(Para::hang(
            Line::from(vec![Span::styled("to do   ", t.warn()), Span::raw(format!("{}: {command}", task.credential))]),
            8,
        ));
    }
    for (credential, state) in &app.done.handovers {
        let (mark, style, detail) = match state {
            HandoverState::Pending => ("next    ", t.accent(), "waiting".to_string()),
            HandoverState::Writing => ("writing ", t.warn(), "writing the token records".to_string()),
            HandoverState::Done(links) => {
                ("done    ", t.ok(), format!("token on the instance ({} records)", links.len()))
            }
            HandoverState::Failed(e) => ("FAILED  ", t.bad(), format!("{e} (r retries)")),
        };
        let head = Line::from(vec![Span::styled(mark, style), Span::raw(format!("{credential}: {detail}"))]);
        lines.push(Para::hang(head, 8));
        if let HandoverState::Done(links) = state {
            // Each record's form, whole, so it can be copied.
            lines.extend(links.iter().map(|l| Para::link(l, 4, t.dim())));
        }
    }
    if app.busy.is_none() {
        lines.push(Para::text(""));
        let next = if app.journey == crate::wizard::Journey::Troubleshoot {
            "Enter runs the checks again and shows the findings."
        } else {
            "Enter checks the rooms and shows the summary."
        };
        lines.push(Para::text(Line::styled(next, t.ok())));
    }
    view::draw_rows(f, area, &view::layout(&lines, area.width, f.area().width), 0);
}
