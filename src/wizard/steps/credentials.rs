//! Delegated mailboxes (re-authorize): the instance's authorization-code OAuth credentials
//! with their delegated user, whether calsync holds a refresh token in the keyring, and
//! when the instance's stored token expires. Pick one or several; each is signed in again
//! on the next screen.

use crate::wizard::field::TextField;
use crate::wizard::view::theme;
use crate::wizard::{
    App, CredentialRow, Credentials, Effect, ErrorPanel, Failure, Screen, TokenState, TokenTask, Tokens,
};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn loaded(app: &mut App, r: Result<Vec<CredentialRow>, Failure>) -> Vec<Effect> {
    app.busy = None;
    match r {
        Ok(mut rows) => {
            // Start with the ones that need it, whose mailbox is known: the instance (which
            // syncs with it) or the keyring has no token. A keyring token alone does not
            // count: it may be left over from another instance or an earlier sandbox.
            for r in rows.iter_mut() {
                r.selected = r.selected || (needs_sign_in(r) && !r.delegated.is_empty());
            }
            if let Screen::Credentials(c) = &mut app.screen {
                c.rows = rows;
            }
            app.cursor = 0;
        }
        Err(e) => {
            app.error = Some(ErrorPanel {
                title: "The credentials could not be read".into(),
                message: e.to_string(),
                retry: false,
            });
        }
    }
    vec![]
}

/// The instance holds no token for the credential, or calsync none in the keyring.
fn needs_sign_in(r: &CredentialRow) -> bool {
    r.instance_expiry.is_none() || !r.in_keyring
}

/// What the Token column says of a row: the instance's token first, since that is the one
/// that syncs.
pub fn token_text(r: &CredentialRow) -> String {
    let day = |e: &String| e.chars().take(10).collect::<String>();
    match (&r.instance_expiry, r.in_keyring) {
        (Some(e), true) => format!("keyring; instance to {}", day(e)),
        (Some(e), false) => format!("instance to {}", day(e)),
        (None, true) => "none on instance; keyring".to_string(),
        (None, false) => "none on instance".to_string(),
    }
}

/// The list on display: its rows and the field being typed.
fn on_screen(app: &App) -> Option<&Credentials> {
    match &app.screen {
        Screen::Credentials(c) => Some(c),
        _ => None,
    }
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let cursor = app.cursor;
    let Screen::Credentials(c) = &mut app.screen else { return vec![] };
    if let Some(field) = c.editing.as_mut() {
        match k.code {
            KeyCode::Enter => {
                let v = field.value.trim().to_string();
                if super::credential::email_problem(&v).is_none() {
                    if let Some(row) = c.rows.get_mut(cursor) {
                        row.delegated = v;
                        row.selected = true;
                    }
                    c.editing = None;
                }
            }
            KeyCode::Esc => c.editing = None,
            _ => {
                field.key(k);
            }
        }
        return vec![];
    }
    let len = c.rows.len();
    if super::list_move(app, len, k) {
        return vec![];
    }
    let Screen::Credentials(c) = &mut app.screen else { return vec![] };
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Char(' ') => {
            if let Some(r) = c.rows.get_mut(cursor) {
                r.selected = !r.selected;
            }
        }
        KeyCode::Char('a') => {
            // All, or none when all already are.
            let all = c.rows.iter().all(|r| r.selected);
            for r in c.rows.iter_mut() {
                r.selected = !all;
            }
        }
        KeyCode::Char('e') => {
            if let Some(r) = c.rows.get(cursor) {
                c.editing = Some(TextField::new("Delegated user").with(&r.delegated));
            }
        }
        KeyCode::Enter => {
            let chosen: Vec<&CredentialRow> = c.rows.iter().filter(|r| r.selected).collect();
            if chosen.is_empty() {
                app.notice = Some("Select at least one credential with Space.".into());
            } else if let Some(r) = chosen.iter().find(|r| r.delegated.is_empty()) {
                app.notice = Some(format!("Give the delegated user of \"{}\" first (e).", r.name));
            } else {
                let tasks = chosen
                    .iter()
                    .map(|r| TokenTask {
                        credential: r.name.clone(),
                        user: r.delegated.clone(),
                        state: TokenState::Pending,
                    })
                    .collect();
                app.enter(Screen::Token(Tokens { tasks, paste: None }));
            }
        }
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(c) = on_screen(app) else { return };
    if c.rows.is_empty() {
        if app.busy.is_none() {
            f.render_widget(
                Paragraph::new(
                    "No OAuth 2.0 credential on this instance uses an authorization-code profile: nothing signs in.",
                ),
                area,
            );
        }
        return;
    }
    let [head, list, edit] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(2)]).areas(area);
    let token_text: Vec<String> = c.rows.iter().map(token_text).collect();
    let user_text: Vec<&str> = c
        .rows
        .iter()
        .map(|r| if r.delegated.is_empty() { "(unknown: e to set)" } else { r.delegated.as_str() })
        .collect();
    let w = (area.width as usize).saturating_sub(6);
    let token_w = token_text.iter().map(|t| t.chars().count()).max().unwrap_or(5).max(5);
    let name_w = c.rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(10).clamp(10, 30);
    let user_max = user_text.iter().map(|u| u.chars().count()).max().unwrap_or(0).max("Delegated user".len());
    // The mailbox is whole, as it is the account about to sign in: when the three columns
    // do not fit side by side, each row's token goes on a line of its own under it.
    let two_lines = name_w + user_max + token_w > w;
    let user_w = if two_lines {
        user_max.min((area.width as usize).saturating_sub(name_w + 5))
    } else {
        w.saturating_sub(name_w + token_w).max(12)
    };
    let heading = if two_lines {
        format!("    {:<name_w$} Delegated user; under it, its token", "Credential")
    } else {
        format!("    {:<name_w$} {:<user_w$} {}", "Credential", "Delegated user", "Token")
    };
    f.render_widget(Paragraph::new(Line::styled(heading, t.dim())), head);
    let lines: Vec<Line> = c
        .rows
        .iter()
        .zip(token_text.iter().zip(&user_text))
        .enumerate()
        .flat_map(|(i, (r, (token, user)))| {
            let style = if i == app.cursor { t.selected() } else { Style::default() };
            let mark = if r.selected { "[x]" } else { "[ ]" };
            let name = clip(&r.name, name_w);
            if two_lines {
                vec![
                    Line::from(Span::styled(format!("{mark} {name:<name_w$} {}", clip(user, user_w)), style)),
                    Line::from(Span::styled(format!("    {:<name_w$} {token}", ""), style)),
                ]
            } else {
                vec![Line::from(Span::styled(
                    format!("{mark} {name:<name_w$} {:<user_w$} {token}", clip(user, user_w)),
                    style,
                ))]
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
    if let Some(field) = &c.editing {
        let below = super::credential::email_problem(&field.value).map(|p| (p, !field.value.is_empty()));
        crate::wizard::view::field(f, edit, app, field, true, below);
    }
}

fn clip(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        format!("{}~", s.chars().take(w.saturating_sub(1)).collect::<String>())
    }
}
