//! Sync properties: the time zone and the other WCS properties of the setup, with their
//! current values, editable here and written through the same review and apply. Before the
//! integration mode, which is the last thing switched.

use crate::facts;
use crate::wizard::field::TextField;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, Properties, Screen};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn rows(app: &App) -> Vec<(String, String)> {
    app.info.as_ref().map(|i| i.properties.clone()).unwrap_or_default()
}

/// The edit ends (kept or not).
fn close(app: &mut App) {
    if let Screen::Properties(p) = &mut app.screen {
        p.editing = None;
    }
}

/// What is wrong with the typed value for this property, as plans are checked.
fn problem(name: &str, v: &str) -> Option<String> {
    crate::plan::model::property_problem(facts::wcs_property_kind(name), &[], v.trim())
        .or_else(|| crate::plan::model::property_range_problem(name, v.trim()))
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let list = rows(app);
    let editing = list.get(app.cursor).map(|(n, _)| n.clone()).unwrap_or_default();
    if let Screen::Properties(Properties { editing: Some(field) }) = &mut app.screen {
        match k.code {
            KeyCode::Enter if problem(&editing, &field.value).is_none() => {
                let value = field.value.trim().to_string();
                close(app);
                if let Some((name, current)) = list.get(app.cursor) {
                    if value == *current {
                        app.draft.properties.remove(name);
                    } else {
                        app.draft.properties.insert(name.clone(), value);
                    }
                    app.draft_changed();
                }
            }
            KeyCode::Esc => close(app),
            _ => {
                field.key(k);
            }
        }
        return vec![];
    }
    if super::list_move(app, list.len(), k) {
        return vec![];
    }
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Char('e') => {
            if let Some((name, current)) = list.get(app.cursor) {
                let shown = app.draft.properties.get(name).unwrap_or(current);
                if let Screen::Properties(p) = &mut app.screen {
                    p.editing = Some(TextField::new("New value").with(shown));
                }
            }
        }
        KeyCode::Enter => app.next(),
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let list = rows(app);
    if list.is_empty() {
        f.render_widget(
            Paragraph::new(
                "The instance has none of these properties (they come with Workplace Calendar Synchronization).",
            ),
            area,
        );
        return;
    }
    let [head, body, about, edit] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(list.len() as u16 + 1),
        Constraint::Length(2),
        Constraint::Min(2),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(Line::styled(format!("  {:<34} {}", "Property", "Value"), t.dim())), head);
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .map(|(i, (name, current))| {
            let short = name.trim_start_matches("sn_wsd_rsvsync.");
            let value = match app.draft.properties.get(name) {
                Some(new) => format!("{current} -> {new}"),
                None => current.clone(),
            };
            let style = if i == app.cursor { t.selected() } else { Style::default() };
            Line::from(Span::styled(
                format!("{} {short:<34} {value}", if app.draft.properties.contains_key(name) { "*" } else { " " }),
                style,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), body);
    let (name, _) = &list[app.cursor.min(list.len() - 1)];
    let about_text = facts::WCS_PROPERTIES
        .iter()
        .find(|(n, ..)| n == name)
        .map(|(_, default, d)| format!("{d} (default {default})"))
        .unwrap_or_default();
    f.render_widget(
        Paragraph::new(Line::styled(about_text, t.dim())).wrap(ratatui::widgets::Wrap { trim: true }),
        about,
    );
    if let Screen::Properties(Properties { editing: Some(field) }) = &app.screen {
        view::field(f, edit, app, field, true, problem(name, &field.value).map(|p| (p, true)));
    }
}

#[cfg(test)]
mod tests {
    use crate::wizard::tests::{at_instance, ctrl, key, probed, render_text, typed};
    use crate::wizard::{ModeChoice, Screen, Step};
    use ratatui::crossterm::event::KeyCode;

    #[test]
    fn a_negative_retry_count_is_refused_with_what_to_type() {
        let mut app = probed(at_instance(ModeChoice::PersonalOwn));
        app.screen = Screen::new(Step::Properties);
        app.cursor = 1;
        key(&mut app, KeyCode::Char('e'));
        ctrl(&mut app, 'u');
        typed(&mut app, "-5");
        key(&mut app, KeyCode::Enter);
        assert!(super::super::editing(&app).is_some(), "-5 retries is not accepted");
        assert!(app.draft.properties.is_empty());
        let screen = render_text(&app, 80, 24).replace('│', " ");
        let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("cannot be negative: a whole number of 0 or more, like 10"), "{screen}");
        ctrl(&mut app, 'u');
        typed(&mut app, "0");
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.draft.properties["sn_wsd_rsvsync.max_event_retry_count"], "0");
    }
}
