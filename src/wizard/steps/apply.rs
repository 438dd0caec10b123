//! Apply: the reviewed changes written in dependency order, one line per record as it
//! lands, with a link to its form. A failure stops here with what to do; running it again
//! finishes the job without duplicates.

use crate::wizard::view::{self, Para, theme};
use crate::wizard::{App, ApplyLine, Effect, ErrorPanel, Failure, Screen};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// One record landed (or failed to).
pub fn progress(app: &mut App, line: ApplyLine) -> Vec<Effect> {
    if let Screen::Apply(a) = &mut app.screen {
        a.lines.push(line);
    }
    vec![]
}

pub fn applied(app: &mut App, r: Result<(), Failure>) -> Vec<Effect> {
    app.busy = None;
    // Quitting was asked for while it wrote: now it may.
    app.quit |= app.quit_when_applied;
    match r {
        Ok(()) => {
            let Screen::Apply(a) = &app.screen else { return vec![] };
            app.done.written = Some(a.lines.clone());
            app.done.apply_failed = None;
            vec![]
        }
        Err(e) => {
            // Trying again with a refused login would send the same password again.
            let retry = e.retryable();
            let next = if retry {
                "Retry compares again and writes only what is missing."
            } else {
                "Check the user name and password (quit, and start again with the right ones); running again then writes only what is missing."
            };
            app.error = Some(ErrorPanel {
                title: "The apply stopped".into(),
                message: format!("{e}\nWhat was written is kept. {next}"),
                retry,
            });
            app.done.apply_failed = Some(e);
            vec![]
        }
    }
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let written = app.done.written.is_some();
    match k.code {
        KeyCode::Enter if written && app.journey == crate::wizard::Journey::Troubleshoot => {
            // Repaired: back to the findings, looked at afresh.
            app.done.written = None;
            app.review_left = false;
            app.go(crate::wizard::Step::Findings);
            return super::findings::rerun(app);
        }
        KeyCode::Enter if written => {
            app.next();
            return super::summary::arrived(app);
        }
        KeyCode::Esc if !written => app.back(),
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Screen::Apply(apply) = &app.screen else { return };
    let mut head: Vec<Para> = vec![];
    // The outcome first, so it is never below the fold.
    if app.done.written.is_some() {
        let done = if app.journey == crate::wizard::Journey::Troubleshoot {
            "Repaired. Your current application was put back. Enter runs the checks again."
        } else {
            "The instance matches the setup. Your current application was put back."
        };
        head.push(Para::text(Line::styled(done, t.ok())));
        head.push(Para::text(""));
    }
    // Each line's wrapped rows go on under its text, past the mark; its record's form
    // follows, whole, unless the links would not fit (the summary lists them).
    let paras = |links: bool| {
        let mut out = head.clone();
        for l in &apply.lines {
            let (mark, style) = if l.ok { ("done  ", t.ok()) } else { ("FAIL  ", t.bad()) };
            out.push(Para::hang(Line::from(vec![Span::styled(mark, style), Span::raw(l.text.clone())]), mark.len()));
            if links && let Some(link) = &l.link {
                out.push(Para::link(link, mark.len(), t.dim()));
            }
        }
        out
    };
    let full = f.area().width;
    let with = view::layout(&paras(true), area.width, full);
    let rows =
        if with.len() <= usize::from(area.height) { with } else { view::layout(&paras(false), area.width, full) };
    // While the apply runs the latest lines stay in view; once done, the outcome on top.
    let over = rows.len().saturating_sub(usize::from(area.height));
    let skip = if app.done.written.is_some() { 0 } else { u16::try_from(over).unwrap_or(u16::MAX) };
    view::draw_rows(f, area, &rows, skip);
}
