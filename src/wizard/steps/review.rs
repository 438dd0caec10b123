//! Review: every change as a diff (create, update, unchanged, conflict) from the same
//! engine as `calsync apply`. Nothing is written before Enter here; a conflict blocks it.

use crate::plan::Action;
use crate::plan::diff::Item;
use crate::wizard::view::{self, Para, theme};
use crate::wizard::{App, Busy, Effect, ErrorPanel, Failure, Reviewed, Screen, Step};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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

/// No further down than the last row of the diff, laid out at the width it is drawn at.
fn max_scroll(app: &App) -> u16 {
    let [list, _] = split(view::content_area(app));
    limit(&view::layout(&lines(app), list.width, app.size.0), list)
}

/// How far the diff scrolls: until its last row is the area's last row.
fn limit(rows: &[view::Row], area: Rect) -> u16 {
    u16::try_from(rows.len()).unwrap_or(u16::MAX).saturating_sub(area.height)
}

/// Where a record's change lines start, and where their wrapped rows go on.
const FIELD_INDENT: usize = 13;

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

/// The diff as drawn: where the records are written, then conflicts, creates, updates and
/// unchanged records. The apply switches the current application per record (a WCS record
/// in WCS's, a spoke record in the spoke's), so when the changes go to more than one
/// application each gets its own heading.
fn lines(app: &App) -> Vec<Para> {
    let t = theme(app);
    let Some(Reviewed { diff: d, state }) = reviewed(app) else { return vec![] };
    let order = [Action::Conflict, Action::Create, Action::Update, Action::Unchanged];
    let ordered: Vec<&Item> = order.iter().flat_map(|a| d.items.iter().filter(move |i| i.action == *a)).collect();
    let written = |i: &Item| i.action != Action::Unchanged;
    // Where a record goes, as "Name (scope)"; the diff's own label when it names none.
    let home = |i: &Item| if i.scope.is_empty() { d.scope.clone() } else { state.scope_label(&i.scope) };
    let mut homes: Vec<String> = vec![];
    for i in ordered.iter().filter(|i| written(i)) {
        let h = home(i);
        if !homes.contains(&h) {
            homes.push(h);
        }
    }
    let mut lines: Vec<Para> = vec![];
    if homes.len() <= 1 {
        lines.push(Para::text(format!("Written in {}", homes.first().unwrap_or(&d.scope))));
        lines.push(Para::text(""));
    }
    if app.journey == crate::wizard::Journey::Troubleshoot {
        for said in super::findings::repairs_bring_checks(app) {
            lines.push(Para::text(Line::styled(said, t.warn())));
            lines.push(Para::text(""));
        }
    }
    let groups: Vec<(Option<String>, Vec<&Item>)> = if homes.len() <= 1 {
        vec![(None, ordered)]
    } else {
        let mut g: Vec<(Option<String>, Vec<&Item>)> = homes
            .iter()
            .map(|h| {
                let items = ordered.iter().filter(|i| written(i) && home(i) == *h).copied().collect();
                (Some(format!("Written in {h}:")), items)
            })
            .collect();
        g.push((
            Some("Unchanged:".into()),
            ordered.iter().filter(|i| i.action == Action::Unchanged).copied().collect(),
        ));
        g
    };
    let mut blank_last = !lines.is_empty();
    for (heading, items) in groups {
        if items.is_empty() {
            continue;
        }
        if let Some(h) = heading {
            if !lines.is_empty() && !blank_last {
                lines.push(Para::text(""));
            }
            lines.push(Para::text(h));
        }
        blank_last = false;
        for i in items {
            item_lines(app, &t, i, &mut lines);
        }
    }
    lines
}

/// One record's heading and its changes.
fn item_lines(app: &App, t: &crate::wizard::view::Theme, i: &Item, lines: &mut Vec<Para>) {
    let action = i.action;
    let style = match action {
        Action::Conflict => t.bad(),
        Action::Create | Action::Update => t.accent(),
        Action::Unchanged => t.dim(),
    };
    let heading =
        Line::from(vec![Span::styled(mark(action), style), Span::raw(format!(" {:<11} {}", i.kind.label(), i.name))]);
    // A long name goes on under itself, past the mark and the kind.
    lines.push(Para::hang(heading, mark(action).len() + 13));
    // A new record's name is already in its heading.
    for fc in i.fields.iter().filter(|fc| !(action == Action::Create && fc.field == "Name")) {
        let pad = " ".repeat(FIELD_INDENT);
        let text = match &fc.from {
            Some(from) => format!(
                "{pad}{}: {} -> {}",
                fc.field,
                if from.is_empty() { "(empty)".to_string() } else { shown(app, &fc.field, from) },
                fc.to
            ),
            None => format!("{pad}{}: {}", fc.field, fc.to),
        };
        // Wrapped rows go on under the value, after the field's name.
        lines.push(Para::hang(text, FIELD_INDENT + fc.field.chars().count() + 2));
    }
    if let Some(r) = &i.reason {
        lines.push(Para::hang(Line::styled(format!("{}{r}", " ".repeat(FIELD_INDENT)), t.bad()), FIELD_INDENT));
    }
    if let Some(n) = &i.note {
        lines.push(Para::hang(Line::styled(format!("{}{n}", " ".repeat(FIELD_INDENT)), t.dim()), FIELD_INDENT));
    }
}

/// A current value as the admin knows it: a reference to an OAuth Entity Profile by its
/// name (the probe listed them all) rather than its sys_id.
fn shown(app: &App, field: &str, from: &str) -> String {
    if field == "OAuth Entity Profile"
        && let Some(p) = app.info.iter().flat_map(|i| &i.profiles).find(|p| p.sys_id == from)
    {
        return p.name.clone();
    }
    from.to_string()
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(Reviewed { diff: d, .. }) = reviewed(app) else { return };
    let [list, foot] = split(area);
    let rows = view::layout(&lines(app), list.width, f.area().width);
    let limit = limit(&rows, list);
    let scroll = app.scroll.min(limit);
    let more = scroll < limit;
    view::draw_rows(f, list, &rows, scroll);
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
