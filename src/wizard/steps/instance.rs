//! Instance and login: where to write and as whom. It comes right after the mode because
//! every later step shows what this instance already has (profiles, aliases, versions).
//! Submitting probes the instance: reachable, the Table API (not a sign-in or hibernation
//! page), the login accepted, the admin role.

use super::Nav;
use crate::urls::InstanceUrl;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Busy, Effect, ErrorPanel, Failure, Probed};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Line;
use secrecy::SecretString;

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match super::nav(app, 3, k) {
        Nav::Moved => vec![],
        Nav::Back => {
            app.back();
            vec![]
        }
        Nav::Submit => submit(app),
        Nav::Other => {
            let d = &mut app.draft;
            let f = match app.focus {
                0 => &mut d.instance,
                1 => &mut d.user,
                _ => &mut d.password,
            };
            f.key(k);
            vec![]
        }
    }
}

pub fn submit(app: &mut App) -> Vec<Effect> {
    let d = &app.draft;
    let url = match InstanceUrl::parse(&d.instance.value) {
        Ok(u) => u,
        Err(_) => {
            app.focus = 0;
            return vec![];
        }
    };
    if d.user.value.trim().is_empty() {
        app.focus = 1;
        return vec![];
    }
    if d.password.value.is_empty() {
        app.focus = 2;
        return vec![];
    }
    app.busy = Some(Busy::Probing);
    app.generation += 1;
    vec![Effect::Probe {
        generation: app.generation,
        url: url.to_string(),
        user: d.user.value.trim().to_string(),
        password: SecretString::from(d.password.value.clone()),
    }]
}

pub fn probed(app: &mut App, r: Result<Box<Probed>, Failure>) -> Vec<Effect> {
    app.busy = None;
    match r {
        Ok(p) => {
            let Probed { conn, info } = *p;
            let want = app.draft.choice.default_profile();
            if app.draft.profile.is_none_or(|i| i >= info.profiles.len()) {
                app.draft.profile = info.profiles.iter().position(|p| p.name == want).or(if info.profiles.is_empty() {
                    None
                } else {
                    Some(0)
                });
            }
            app.info = Some(info);
            app.conn = Some(conn.clone());
            app.diff = None;
            app.state = None;
            app.next();
            match app.journey {
                crate::wizard::Journey::Reauth => {
                    app.busy = Some(Busy::Probing);
                    app.generation += 1;
                    return vec![Effect::LoadCredentials { generation: app.generation, conn }];
                }
                crate::wizard::Journey::Troubleshoot => return super::findings::rerun(app),
                crate::wizard::Journey::Setup => {}
            }
        }
        Err(e) => {
            let retry = e.retryable();
            app.error =
                Some(ErrorPanel { title: "The instance could not be used".into(), message: e.to_string(), retry });
        }
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let d = &app.draft;
    let url_below = if d.instance.value.trim().is_empty() {
        Some(("dev123, dev123.service-now.com or https://dev123.service-now.com".to_string(), false))
    } else {
        match InstanceUrl::parse(&d.instance.value) {
            Ok(u) => Some((format!("= {u}"), false)),
            Err(e) => Some((e.to_string(), true)),
        }
    };
    let user_below = d
        .user
        .value
        .trim()
        .is_empty()
        .then(|| ("a local admin user (SSO-only accounts cannot use the REST API)".to_string(), false));
    let password_below = Some(("masked; held in memory only".to_string(), false));
    // Messages (the instance's says what to type instead) wrap, and the rest moves down.
    let h = |b: &Option<(String, bool)>| view::field_height(b.as_ref(), area.width);
    let rows = view::rows(area, &[h(&url_below), h(&user_below), h(&password_below), 2, 3]);
    view::field(f, rows[0], app, &d.instance, app.focus == 0, url_below);
    view::field(f, rows[1], app, &d.user, app.focus == 1, user_below);
    view::field(f, rows[2], app, &d.password, app.focus == 2, password_below);
    let t = theme(app);
    let note = if app.sandbox {
        Line::styled("The sandbox instance is filled in: press Enter.", t.dim())
    } else {
        Line::styled("calsync checks that this is the Table API and that the user has the admin role.", t.dim())
    };
    view::text(f, rows[4], vec![note]);
}
