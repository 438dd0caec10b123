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
    let [list, detail, legend] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(5), Constraint::Length(1)]).areas(area);
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
    let p = &info.profiles[app.cursor.min(info.profiles.len() - 1)];
    let mut d = vec![
        Line::from(format!("Registry   {}", p.registry)),
        Line::from(format!("Client ID  {}", if p.client_id.is_empty() { "(empty)" } else { &p.client_id })),
        Line::from(format!("Tenant     {}", p.tenant.clone().unwrap_or_else(|| "(not in the authorize URL)".into()))),
        Line::from(format!("Grant      {}", p.grant_type)),
    ];
    if let Some(m) = mismatch(app, p) {
        d.push(Line::styled(format!("Mismatch: {m}"), t.bad()));
    }
    f.render_widget(Paragraph::new(d), detail);
    f.render_widget(
        Paragraph::new(Line::styled("! marks a profile whose grant type does not fit this mode", t.dim())),
        legend,
    );
}
