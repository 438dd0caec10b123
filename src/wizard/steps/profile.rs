//! OAuth profile: which OAuth Entity Profile (and so which app registration) the
//! credentials use. Chosen from the instance's profiles, not typed, with the registry's
//! client ID, tenant and grant type shown, and a grant type that does not fit the mode
//! flagged before anything is written.

use crate::wizard::view::theme;
use crate::wizard::{App, Effect, ProfileInfo};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn mismatch(app: &App, p: &ProfileInfo) -> Option<String> {
    let want = app.draft.choice.mode().grant_type();
    (p.grant_type != want).then(|| {
        format!("grant type {} does not fit {} mode, which needs {want}", p.grant_type, app.draft.choice.mode())
    })
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let len = app.info.as_ref().map(|i| i.profiles.len()).unwrap_or(0);
    if super::list_move(app, len, k) {
        app.notice = None;
        return vec![];
    }
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Enter if len > 0 => {
            let p = app.info.as_ref().map(|i| i.profiles[app.cursor].clone());
            if let Some(p) = p {
                if let Some(m) = mismatch(app, &p) {
                    app.notice = Some(format!("{}: {m}; pick another profile", p.name));
                } else {
                    app.notice = None;
                    app.draft.profile = Some(app.cursor);
                    app.draft_changed();
                    app.next();
                }
            }
        }
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(info) = &app.info else { return };
    if info.profiles.is_empty() {
        f.render_widget(
            Paragraph::new(
                "The instance has no OAuth Entity Profiles. Create the application registry for this mode first.",
            )
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let p = &info.profiles[app.cursor.min(info.profiles.len() - 1)];
    // The mismatch sentence wraps at 80 columns: the detail grows by its rows.
    let mismatch_line = mismatch(app, p).map(|m| Line::styled(format!("Mismatch: {m}"), t.bad()));
    let extra =
        mismatch_line.as_ref().map_or(0, |l| crate::wizard::view::wrapped_height(std::slice::from_ref(l), area.width));
    let [list, detail, legend] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(4 + extra.max(1)), Constraint::Length(1)]).areas(area);
    let lines: Vec<Line> = info
        .profiles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let sel = i == app.cursor;
            let wrong = mismatch(app, p).is_some();
            let style = if sel {
                t.selected()
            } else if wrong {
                t.dim()
            } else {
                ratatui::style::Style::default()
            };
            let mark = format!("{}{}", if sel { ">" } else { " " }, if wrong { "!" } else { " " });
            Line::from(Span::styled(format!("{mark} {}", p.name), style))
        })
        .collect();
    let skip = app.cursor.saturating_sub(list.height.saturating_sub(1) as usize) as u16;
    f.render_widget(Paragraph::new(lines).scroll((skip, 0)), list);
    let mut d = vec![
        Line::from(format!("Registry   {}", p.registry)),
        Line::from(format!("Client ID  {}", if p.client_id.is_empty() { "(empty)" } else { &p.client_id })),
        Line::from(format!("Tenant     {}", p.tenant.clone().unwrap_or_else(|| "(not in the authorize URL)".into()))),
        Line::from(format!("Grant      {}", p.grant_type)),
    ];
    d.extend(mismatch_line);
    f.render_widget(Paragraph::new(d).wrap(Wrap { trim: false }), detail);
    f.render_widget(
        Paragraph::new(Line::styled("! marks a profile whose grant type does not fit this mode", t.dim())),
        legend,
    );
}

#[cfg(test)]
mod tests {
    use crate::wizard::tests::{key, probed, render_text};
    use crate::wizard::{ModeChoice, Step};
    use ratatui::crossterm::event::KeyCode;

    #[test]
    fn the_mismatch_is_whole_at_80x24() {
        let mut app = probed(crate::wizard::tests::at_instance(ModeChoice::PersonalOwn));
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.step(), Step::Profile);
        key(&mut app, KeyCode::Up);
        let screen = render_text(&app, 80, 24).replace('│', " ");
        let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("does not fit personal mode, which needs authorization_code ! marks"), "{screen}");
    }
}
