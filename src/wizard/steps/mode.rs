//! Mode: Normal, Strict, or Personal authentication (default or own alias). It comes first
//! because it decides everything after it: the application scope the records are written
//! in, the grant type, whether a delegated mailbox signs in, and which steps follow.

use crate::wizard::view::{Theme, theme};
use crate::wizard::{App, Effect, ModeChoice};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if super::list_move(app, ModeChoice::ALL.len(), k) {
        return vec![];
    }
    if k.code == KeyCode::Esc {
        app.back();
    }
    if k.code == KeyCode::Enter {
        app.draft.choice = ModeChoice::ALL[app.cursor];
        app.draft_changed();
        app.next();
    }
    vec![]
}

fn meaning(choice: ModeChoice) -> Vec<&'static str> {
    match choice {
        ModeChoice::PersonalOwn => vec![
            "Each user's own reservations sync with their personal token; actions no user triggers use a delegated mailbox's token.",
            "An own Connection & Credential alias (child of the spoke alias) for one delegated mailbox, with its OAuth 2.0 credential and HTTP(s) connection, in Workplace Calendar Synchronization.",
            "Restricted: on-behalf reservations and group reservations are not possible for synchronized rooms; blocker reservations go to the delegated user's calendar.",
        ],
        ModeChoice::PersonalDefault => vec![
            "Each user's own reservations sync with their personal token; actions no user triggers use a delegated mailbox's token. This uses the default alias Microsoft_Exchange_Online_PersonalAuth that the app registration created.",
            "MS Graph 1 and MS Graph 2 use the personal authentication profile and are signed in as the delegated mailbox.",
            "Restricted: on-behalf reservations and group reservations are not possible for synchronized rooms; blocker reservations go to the delegated user's calendar.",
        ],
        ModeChoice::Strict => vec![
            "All synchronization runs as one delegated mailbox (the strict-mode user), with authorization-code tokens.",
            "MS Graph 1 and MS Graph 2 use the strict-mode profile and are signed in as that mailbox, in the Exchange Online spoke's scope.",
        ],
        ModeChoice::Normal => vec![
            "System to system: the app's own permission (client credentials), no user signs in, no delegated mailbox.",
            "MS Graph 1 and MS Graph 2 use the client-credentials profile, in the Exchange Online spoke's scope.",
        ],
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t: Theme = theme(app);
    let [list, _, about] =
        Layout::vertical([Constraint::Length(5), Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let lines: Vec<Line> = ModeChoice::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mark = if i == app.cursor { "> " } else { "  " };
            let style = if i == app.cursor { t.selected() } else { ratatui::style::Style::default() };
            Line::from(Span::styled(format!("{mark}{}", c.label()), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
    let about_lines: Vec<Line> =
        meaning(ModeChoice::ALL[app.cursor]).into_iter().map(|s| Line::from(format!("- {s}"))).collect();
    f.render_widget(Paragraph::new(about_lines).wrap(Wrap { trim: false }), about);
}

#[cfg(test)]
mod tests {
    use super::meaning;
    use crate::wizard::ModeChoice;

    /// Only the selected mode's description is on screen: none may lean on another's.
    #[test]
    fn each_description_stands_on_its_own() {
        for choice in ModeChoice::ALL {
            for line in meaning(choice) {
                for leaning in ["as above", "as below", "see above", "like the"] {
                    assert!(!line.contains(leaning), "{choice:?}: {line}");
                }
            }
        }
    }
}
