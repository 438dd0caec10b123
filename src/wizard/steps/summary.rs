//! Summary: what was written (with links to each record's form), who each credential is
//! signed in as, and "save as plan" so the same setup can be replayed on the next instance.

use crate::wizard::view::{self, Para, theme};
use crate::wizard::{App, Effect, TokenState};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// What the first Enter on the summary says.
pub const LAST_STEP: &str = "This is the last step: Enter again (or q) quits calsync.";

/// The summary checks the rooms as it comes on display: in normal mode no sign-in and no
/// hand-over come before it to do so.
pub fn arrived(app: &mut App) -> Vec<Effect> {
    if app.step() == crate::wizard::Step::Summary {
        return super::roomcheck::start(app);
    }
    vec![]
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Char('s') if app.journey == crate::wizard::Journey::Setup => {
            match app.draft.to_plan(app.info.as_ref()) {
                Ok(p) => return vec![Effect::SavePlan(p)],
                Err(e) => app.notice = Some(format!("Could not build the plan: {e}")),
            }
        }
        KeyCode::Char('c') => return super::roomcheck::start(app),
        KeyCode::Char('q') => app.quit = true,
        // After a dozen steps where Enter continues, one Enter from habit does not end
        // calsync: it says how to, and a second one does.
        KeyCode::Enter if app.notice.as_deref() == Some(LAST_STEP) => app.quit = true,
        KeyCode::Enter => app.notice = Some(LAST_STEP.into()),
        _ => {
            let [list, _] = split(view::content_area(app));
            let rows = view::layout(&lines(app), list.width, app.size.0);
            super::scroll(app, k.code, limit(&rows, list));
        }
    }
    vec![]
}

/// How far the summary scrolls: until its last row is the area's last row.
fn limit(rows: &[view::Row], area: Rect) -> u16 {
    u16::try_from(rows.len()).unwrap_or(u16::MAX).saturating_sub(area.height)
}

/// The summary above, and one row below it for the "more below" hint.
fn split(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area)
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let [list, foot] = split(area);
    let rows = view::layout(&lines(app), list.width, f.area().width);
    let limit = limit(&rows, list);
    let scroll = app.scroll.min(limit);
    view::draw_rows(f, list, &rows, scroll);
    if scroll < limit {
        f.render_widget(Paragraph::new(Line::styled("More below: Down or PageDown scrolls.", t.dim())), foot);
    }
}

/// Everything the summary says, before it is wrapped to the screen.
fn lines(app: &App) -> Vec<Para> {
    let t = theme(app);
    let mut lines = vec![];
    if let Some(info) = &app.info {
        lines.push(Para::text(format!("{} · {} mode", info.url, app.draft.choice.mode())));
    }
    // The rooms first: whether they sync is what the setup was for.
    let rooms = super::roomcheck::lines(app, &t);
    if !rooms.is_empty() {
        lines.extend(rooms.into_iter().map(Para::text));
        lines.push(Para::text(""));
    }
    if app.journey == crate::wizard::Journey::Reauth {
        lines.push(Para::text("Re-authorized mailboxes:"));
    } else if app.done.written.as_ref().is_none_or(Vec::is_empty) {
        lines.push(Para::text("Nothing needed writing: the instance already matched."));
    }
    for l in app.done.written.iter().flatten() {
        lines.push(Para::text(format!("  {}", l.text)));
        if let Some(link) = &l.link {
            // The record's form, whole, so it can be copied.
            lines.push(Para::link(link, 4, t.dim()));
        }
    }
    if !app.done.tokens.is_empty() {
        lines.push(Para::text(""));
    }
    for task in &app.done.tokens {
        let s = match &task.state {
            TokenState::Done { who, warnings } if !warnings.is_empty() => {
                format!("  {}: signed in as {who} (warning: {})", task.credential, warnings.join("; "))
            }
            TokenState::Done { who, .. } => format!("  {}: signed in as {who}", task.credential),
            TokenState::Skipped => match super::token::kept_token(app, &task.credential) {
                Some(day) => format!(
                    "  {}: not signed in again; the instance keeps its token, to {day} (later: {})",
                    task.credential,
                    super::token::authorize_command(app, &task.credential, &task.user)
                ),
                None => format!(
                    "  {}: no token yet ({})",
                    task.credential,
                    super::token::authorize_command(app, &task.credential, &task.user)
                ),
            },
            TokenState::Pending | TokenState::NeedsSecret { .. } => format!(
                "  {}: no token yet ({})",
                task.credential,
                super::token::authorize_command(app, &task.credential, &task.user)
            ),
            TokenState::Failed(e) => {
                let command = super::token::authorize_command(app, &task.credential, &task.user);
                match super::token::kept_token(app, &task.credential) {
                    Some(day) => format!(
                        "  {}: {e}\n  The instance keeps its token, to {day}; to sign in again: {command}",
                        task.credential
                    ),
                    None => format!("  {}: {e}\n  No token yet: {command}", task.credential),
                }
            }
            TokenState::Waiting { .. } => format!("  {}: waiting", task.credential),
        };
        // A refusal keeps its line breaks.
        lines.extend(s.lines().map(|l| Para::text(l.to_string())));
    }
    if app.journey == crate::wizard::Journey::Setup {
        lines.push(Para::text(""));
        lines.push(Para::text(Line::styled(
            "s saves this setup as a plan file for calsync apply on the next instance.",
            t.accent(),
        )));
    }
    lines
}
