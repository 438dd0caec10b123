//! The journey picker: first-time setup or re-authorizing delegated mailboxes. Plain
//! `calsync` starts here; `calsync setup` and `calsync reauth` skip it.

use crate::wizard::view::theme;
use crate::wizard::{App, Effect, Journey};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if super::list_move(app, Journey::ALL.len(), k) {
        return vec![];
    }
    if k.code == KeyCode::Enter {
        app.start(Journey::ALL[app.cursor]);
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let [list, _, about] =
        Layout::vertical([Constraint::Length(4), Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let lines: Vec<Line> = Journey::ALL
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let sel = i == app.cursor;
            Line::from(Span::styled(
                format!("{}{}", if sel { "> " } else { "  " }, j.label()),
                if sel { t.selected() } else { Style::default() },
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
    f.render_widget(
        Paragraph::new(Journey::ALL[app.cursor.min(Journey::ALL.len() - 1)].about()).wrap(Wrap { trim: true }),
        about,
    );
}
