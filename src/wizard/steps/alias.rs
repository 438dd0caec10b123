//! Connection & Credential alias: the own alias (seed 000: name, generated ID, application,
//! parent) or, for the default alias, the check that Microsoft_Exchange_Online_PersonalAuth
//! exists under the spoke alias (seed 001). Before the credential, because the connection
//! that ties them together hangs off the alias.

use crate::facts;
use crate::plan::model::valid_alias_name;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, ModeChoice};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

pub fn problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("type a name: letters, digits and underscores, e.g. Contoso_Graph_Personal".into())
    } else if !valid_alias_name(name.trim()) {
        Some("only letters, digits and underscores (ServiceNow rejects other characters)".into())
    } else {
        None
    }
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if app.draft.choice != ModeChoice::PersonalOwn {
        match k.code {
            KeyCode::Esc => app.back(),
            KeyCode::Enter => {
                if app.info.as_ref().and_then(|i| i.personal_alias.clone()).is_some_and(|(_, parent_ok)| parent_ok) {
                    app.next();
                } else {
                    app.notice = Some("The default alias is not usable; choose the own-alias mode instead, or fix it on the instance.".into());
                }
            }
            _ => {}
        }
        return vec![];
    }
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Enter => {
            if problem(&app.draft.alias.value).is_none() {
                // Name the credential and the connection after the alias, unless already named.
                let spaced = app.draft.alias.value.trim().replace('_', " ");
                if app.draft.credential.value.trim().is_empty() {
                    app.draft.credential.set(&spaced);
                }
                if app.draft.connection.value.trim().is_empty() {
                    app.draft.connection.set(&spaced);
                }
                app.draft_changed();
                app.next();
            }
        }
        _ => {
            app.draft.alias.key(k);
        }
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    if app.draft.choice != ModeChoice::PersonalOwn {
        let lines = match app.info.as_ref().and_then(|i| i.personal_alias.clone()) {
            Some((id, true)) => vec![
                Line::styled(format!("ok    {id} exists"), t.ok()),
                Line::styled(
                    format!("ok    its parent is {}, so it inherits the spoke's connection", facts::SPOKE_ALIAS_ID),
                    t.ok(),
                ),
            ],
            Some((id, false)) => vec![
                Line::styled(format!("FAIL  {id} is not a child of {}", facts::SPOKE_ALIAS_ID), t.bad()),
                Line::from("Set its Parent alias on the instance, or go back and choose an own alias."),
            ],
            None => vec![
                Line::styled(format!("FAIL  the default alias {} is missing", facts::PERSONAL_ALIAS_NAME), t.bad()),
                Line::from(
                    "Complete the personal authentication app registration in WCS, or go back and choose an own alias.",
                ),
            ],
        };
        view::text(f, area, lines);
        return;
    }
    let d = &app.draft;
    let below = problem(&d.alias.value).map(|p| (p, !d.alias.value.is_empty()));
    // The hint and the error wrap at 80 columns: the rows below move down for them.
    let rows = view::rows(area, &[view::field_height(below.as_ref(), area.width).max(2), 1, 1, 1, 1, 3]);
    view::field(f, rows[0], app, &d.alias, true, below);
    let name = d.alias.value.trim();
    let id = if name.is_empty() {
        "(from the name)".to_string()
    } else if problem(name).is_some() {
        "(once the name is valid)".to_string()
    } else {
        format!("{}.{name}", facts::WCS_SCOPE)
    };
    view::text(f, rows[2], vec![Line::from(format!("{:<16}{id}", "ID"))]);
    view::text(f, rows[3], vec![Line::from(format!("{:<16}Workplace Calendar Synchronization", "Application"))]);
    view::text(f, rows[4], vec![Line::from(format!("{:<16}{}", "Parent alias", facts::SPOKE_ALIAS_ID))]);
    view::text(
        f,
        rows[5],
        vec![Line::styled(
            "Only needed when several delegated mailboxes are used; the calendar provider must name this alias as its override alias.",
            t.dim(),
        )],
    );
}

#[cfg(test)]
mod tests {
    use crate::wizard::tests::{render_text, through_profile, typed};
    use crate::wizard::{ModeChoice, Step};

    fn words(screen: &str) -> String {
        screen.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_hint_and_the_error_are_whole_at_80x24() {
        let mut app = through_profile(ModeChoice::PersonalOwn);
        assert_eq!(app.step(), Step::Alias);
        let shown = words(&render_text(&app, 80, 24));
        assert!(shown.contains("e.g. Contoso_Graph_Personal ID (from the name)"), "{shown}");
        typed(&mut app, "Contoso-Graph");
        let shown = words(&render_text(&app, 80, 24));
        assert!(shown.contains("(ServiceNow rejects other characters) ID (once the name is valid)"), "{shown}");
    }
}
