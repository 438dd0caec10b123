//! Review: every change as a diff (create, update, unchanged, conflict) from the same
//! engine as `calsync apply`. Nothing is written before Enter here; a conflict blocks it.

use crate::plan::Action;
use crate::wizard::view::theme;
use crate::wizard::{App, Busy, Effect, ErrorPanel, Failure, Reviewed, Screen, Step};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Builds the plan from the draft and asks the driver for the diff.
pub fn request(app: &mut App) -> Vec<Effect> {
    if app.step() == Step::Apply {
        app.go(Step::Review);
    }
    let Some(conn) = app.conn.clone() else {
        // Only reachable by a bug: every journey probes the instance first.
        app.go(crate::wizard::Step::Instance);
        return vec![];
    };
    match app.draft.to_plan(app.info.as_ref()) {
        Ok(plan) => {
            app.busy = Some(Busy::Diffing);
            app.generation += 1;
            app.review_left = false;
            if let Screen::Review(r) = &mut app.screen {
                r.reviewed = None;
            }
            vec![Effect::Diff { generation: app.generation, conn, plan }]
        }
        Err(message) => {
            app.error = Some(ErrorPanel {
                title: "The setup is not complete".into(),
                message: format!("{message}. Go back and fix it."),
                retry: false,
            });
            vec![]
        }
    }
}

pub fn diffed(app: &mut App, r: Result<Box<Reviewed>, Failure>) -> Vec<Effect> {
    app.busy = None;
    match r {
        Ok(reviewed) => {
            if let Screen::Review(r) = &mut app.screen {
                r.reviewed = Some(reviewed);
            }
        }
        Err(e) => {
            let retry = e.retryable();
            app.error =
                Some(ErrorPanel { title: "The instance could not be read".into(), message: e.to_string(), retry });
        }
    }
    vec![]
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
            super::scroll(app, k.code, max_scroll(app));
        }
        KeyCode::Enter => {
            let Some(r) = reviewed(app) else {
                return if app.journey == crate::wizard::Journey::Troubleshoot {
                    super::findings::fix(app)
                } else {
                    request(app)
                };
            };
            if r.diff.has_conflicts() {
                app.notice =
                    Some("Resolve the conflicts (go back, or fix them on the instance), then review again.".into());
            } else if !r.diff.has_changes() {
                app.done.written = Some(vec![]);
                app.next();
                app.next();
                return super::summary::arrived(app);
            } else {
                let reviewed = Box::new(r.clone());
                let Some(conn) = app.conn.clone() else {
                    return request(app);
                };
                app.next();
                app.busy = Some(Busy::Applying);
                app.generation += 1;
                return vec![Effect::Apply { generation: app.generation, conn, reviewed }];
            }
        }
        _ => {}
    }
    vec![]
}

/// The diff on display, once the instance was read.
pub fn reviewed(app: &App) -> Option<&Reviewed> {
    match &app.screen {
        Screen::Review(r) => r.reviewed.as_deref(),
        _ => None,
    }
}

/// No further down than the last row of the diff, wrapped at the width it is drawn at.
fn max_scroll(app: &App) -> u16 {
    let [list, _] = split(crate::wizard::view::content_area(app));
    super::scroll_limit(&lines(app), list)
}

/// The diff's list above, and its foot below: the counts, what Enter does, and whether
/// there is more to scroll to.
fn split(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(area)
}

fn mark(a: Action) -> &'static str {
    match a {
        Action::Create => "+ create  ",
        Action::Update => "~ update  ",
        Action::Unchanged => "= same    ",
        Action::Conflict => "! conflict",
    }
}

/// The diff as drawn: the scope, then conflicts, creates, updates and unchanged records.
fn lines(app: &App) -> Vec<Line<'static>> {
    let t = theme(app);
    let Some(Reviewed { diff: d, .. }) = reviewed(app) else { return vec![] };
    let mut lines: Vec<Line> = vec![Line::from(format!("Written in {}", d.scope)), Line::default()];
    if app.journey == crate::wizard::Journey::Troubleshoot {
        for said in super::findings::repairs_bring_checks(app) {
            lines.push(Line::styled(said, t.warn()));
            lines.push(Line::default());
        }
    }
    for action in [Action::Conflict, Action::Create, Action::Update, Action::Unchanged] {
        for i in d.items.iter().filter(|i| i.action == action) {
            let style = match action {
                Action::Conflict => t.bad(),
                Action::Create | Action::Update => t.accent(),
                Action::Unchanged => t.dim(),
            };
            lines.push(Line::from(vec![
                Span::styled(mark(action), style),
                Span::raw(format!(" {:<11} {}", i.kind.label(), i.name)),
            ]));
            // A new record's name is already in its heading.
            for fc in i.fields.iter().filter(|fc| !(action == Action::Create && fc.field == "Name")) {
                let text = match &fc.from {
                    Some(from) => format!(
                        "             {}: {} -> {}",
                        fc.field,
                        if from.is_empty() { "(empty)" } else { from },
                        fc.to
                    ),
                    None => format!("             {}: {}", fc.field, fc.to),
                };
                lines.push(Line::from(text));
            }
            if let Some(r) = &i.reason {
                lines.push(Line::styled(format!("             {r}"), t.bad()));
            }
            if let Some(n) = &i.note {
                lines.push(Line::styled(format!("             {n}"), t.dim()));
            }
        }
    }
    lines
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(Reviewed { diff: d, .. }) = reviewed(app) else { return };
    let [list, foot] = split(area);
    let lines = lines(app);
    let limit = super::scroll_limit(&lines, list);
    let scroll = app.scroll.min(limit);
    let more = scroll < limit;
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)), list);
    let s = d.summary();
    let next = if d.has_conflicts() {
        "Conflicts stop the apply: nothing will be written."
    } else if d.has_changes() {
        "Enter writes these changes."
    } else {
        "The instance already matches: Enter continues without writing."
    };
    let more = if more { "More below: Down or PageDown scrolls." } else { "" };
    f.render_widget(
        Paragraph::new(vec![
            Line::from(format!(
                "{} to create, {} to update, {} unchanged, {} conflicts.",
                s.create, s.update, s.unchanged, s.conflict
            )),
            Line::styled(next, t.accent()),
            Line::styled(more, t.dim()),
        ]),
        foot,
    );
}
