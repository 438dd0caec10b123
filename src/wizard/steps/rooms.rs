//! Rooms: the instance's rooms with their email and their Reservable Sync Configurations;
//! the admin picks the ones that sync through this setup's calendar provider. After the
//! provider (it is what they sync through) and before the review, where each picked room
//! becomes one configuration to create. A room without an email, or one already syncing
//! through another provider, cannot be picked, with one sentence saying why.

use crate::wizard::view::theme;
use crate::wizard::{App, Busy, Effect, ErrorPanel, Failure, RoomRow, Rooms, Screen};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Asks the driver for the rooms (when entering the step).
pub fn load(app: &mut App) -> Vec<Effect> {
    let Some(conn) = app.conn.clone() else { return vec![] };
    app.generation += 1;
    app.busy = Some(Busy::Probing);
    vec![Effect::LoadRooms { generation: app.generation, conn }]
}

pub fn loaded(app: &mut App, r: Result<Vec<RoomRow>, Failure>) -> Vec<Effect> {
    app.busy = None;
    match r {
        Ok(mut rows) => {
            for row in &mut rows {
                row.selected = app.draft.rooms.iter().any(|(l, _)| *l == row.location);
            }
            if let Screen::Rooms(r) = &mut app.screen {
                r.rows = rows;
            }
            app.cursor = 0;
        }
        Err(e) => {
            app.error =
                Some(ErrorPanel { title: "The rooms could not be read".into(), message: e.to_string(), retry: false })
        }
    }
    vec![]
}

/// Why a room cannot sync through `provider`, if it cannot.
pub fn refusal(row: &RoomRow, provider: &str) -> Option<String> {
    if row.email.trim().is_empty() {
        return Some(format!(
            "{} has no email on its room form: add the room's mailbox there (or use a plan file with [[room]] email) first",
            row.location
        ));
    }
    row.configs.iter().find(|(p, _)| p != provider).map(|(p, _)| {
        format!("{} already syncs through the provider \"{p}\"; a room syncs through one provider", row.location)
    })
}

/// The rooms on display, once read.
fn rows(app: &App) -> &[RoomRow] {
    match &app.screen {
        Screen::Rooms(r) => &r.rows,
        _ => &[],
    }
}

fn keep(app: &mut App) {
    app.draft.rooms = rows(app).iter().filter(|r| r.selected).map(|r| (r.location.clone(), r.email.clone())).collect();
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if super::list_move(app, rows(app).len(), k) {
        return vec![];
    }
    match k.code {
        KeyCode::Esc => {
            keep(app);
            app.back();
        }
        KeyCode::Char(' ') => {
            let provider = app.draft.provider.value.trim().to_string();
            let Screen::Rooms(Rooms { rows }) = &mut app.screen else { return vec![] };
            if let Some(row) = rows.get_mut(app.cursor) {
                match refusal(row, &provider) {
                    Some(why) if !row.selected => app.notice = Some(why),
                    _ => {
                        row.selected = !row.selected;
                        app.notice = None;
                    }
                }
            }
        }
        KeyCode::Enter => {
            keep(app);
            app.draft_changed();
            app.next();
        }
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let provider = app.draft.provider.value.trim();
    let mut lines = vec![Line::from(format!(
        "Rooms that sync through \"{provider}\": Space picks, Enter continues. Each becomes a Reservable Sync Configuration, created inactive: its form's Activate action turns it on."
    ))];
    lines.push(Line::default());
    if rows(app).is_empty() {
        lines.push(Line::styled("The instance has no rooms yet; Enter continues without any.", t.dim()));
    }
    for (i, r) in rows(app).iter().enumerate() {
        let mark = if r.selected { "[x]" } else { "[ ]" };
        let state = if r.configs.is_empty() {
            "not configured".to_string()
        } else {
            r.configs
                .iter()
                .map(|(p, active)| format!("{p}, {}", if *active { "active" } else { "inactive" }))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let email = if r.email.is_empty() { "(no email)" } else { r.email.as_str() };
        // The cursor is a marker, not only a colour, so it shows with NO_COLOR too.
        let (cursor, style) =
            if i == app.cursor { ("> ", t.accent()) } else { ("  ", ratatui::style::Style::default()) };
        lines.push(Line::from(vec![
            Span::styled(format!("{cursor}{mark} {:<14}", r.location), style),
            Span::raw(format!(" {email:<26} ")),
            Span::styled(state, t.dim()),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
