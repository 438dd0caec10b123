//! Instance and login: where to write and as whom. It comes right after the mode because
//! every later step shows what this instance already has (profiles, aliases, versions).
//! Submitting probes the instance: reachable, the Table API (not a sign-in or hibernation
//! page), the login accepted, the admin role. On a single sign-on instance (F3, or a saved
//! instance that signs in that way) it signs in with the instance's OAuth in the browser
//! and sends no password; F2 fills in the next saved instance.

use super::Nav;
use crate::urls::InstanceUrl;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Busy, Effect, ErrorPanel, Failure, Probed};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use secrecy::SecretString;

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::F(2) => {
            next_saved(app);
            return vec![];
        }
        KeyCode::F(3) => {
            app.instance_oauth = true;
            return submit(app);
        }
        _ => {}
    }
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

/// Fills the form with the saved instance after the one shown (the first one first).
fn next_saved(app: &mut App) {
    if app.saved.is_empty() {
        return;
    }
    let shown = app.saved.iter().position(|s| s.url == app.draft.instance.value);
    let next = shown.map_or(0, |i| (i + 1) % app.saved.len());
    let s = app.saved[next].clone();
    app.draft.instance.set(&s.url);
    app.draft.user.set(&s.user);
    app.draft.password.set("");
    app.instance_oauth = s.oauth;
    app.notice = Some(format!("Saved instance \"{}\"", s.name));
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
    if app.instance_oauth {
        app.busy = Some(Busy::SigningIn);
        app.generation += 1;
        return vec![Effect::Probe {
            generation: app.generation,
            url: url.to_string(),
            user: d.user.value.trim().to_string(),
            password: SecretString::from(String::new()),
            oauth: true,
        }];
    }
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
        oauth: false,
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
            app.draft_changed();
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
    let note = if app.instance_oauth {
        Line::styled(
            "Single sign-on: Enter signs in with the instance's OAuth in your browser; no password is sent.",
            t.dim(),
        )
    } else if app.sandbox {
        Line::styled("The sandbox instance is filled in: press Enter.", t.dim())
    } else {
        Line::styled("calsync checks that this is the Table API and that the user has the admin role.", t.dim())
    };
    let mut lines =
        vec![note, Line::styled("F3 signs in with the instance's OAuth instead (single sign-on).", t.dim())];
    if !app.saved.is_empty() {
        let names: Vec<&str> = app.saved.iter().map(|s| s.name.as_str()).collect();
        lines.push(Line::styled(format!("Saved instances: {} (F2 fills the next one in)", names.join(", ")), t.dim()));
    }
    view::text(f, rows[4], lines);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::{Journey, SavedInstance, Step};
    use secrecy::ExposeSecret;

    fn at_instance() -> App {
        let mut app = App::new(false);
        app.start(Journey::Setup);
        app.go(Step::Instance);
        app
    }

    #[test]
    fn f3_signs_in_with_the_instance_oauth_and_sends_no_password() {
        let mut app = at_instance();
        app.draft.instance.set("dev123");
        app.draft.password.set("typed-by-mistake");
        match key(&mut app, KeyEvent::from(KeyCode::F(3))).as_slice() {
            [Effect::Probe { oauth: true, password, url, .. }] => {
                assert!(password.expose_secret().is_empty(), "no password goes with the OAuth sign-in");
                assert_eq!(url, "https://dev123.service-now.com");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.busy, Some(Busy::SigningIn));
    }

    #[test]
    fn without_oauth_an_empty_user_is_asked_for_first() {
        let mut app = at_instance();
        app.draft.instance.set("dev123");
        assert!(key(&mut app, KeyEvent::from(KeyCode::Enter)).is_empty());
        assert_eq!(app.focus, 1);
    }

    #[test]
    fn f2_fills_in_the_saved_instances_in_turn() {
        let mut app = at_instance();
        app.saved = vec![
            SavedInstance {
                name: "dev".into(),
                url: "https://dev1.service-now.com".into(),
                user: "admin".into(),
                oauth: false,
            },
            SavedInstance {
                name: "prod".into(),
                url: "https://prod1.service-now.com".into(),
                user: String::new(),
                oauth: true,
            },
        ];
        key(&mut app, KeyEvent::from(KeyCode::F(2)));
        assert_eq!(app.draft.instance.value, "https://dev1.service-now.com");
        assert_eq!(app.draft.user.value, "admin");
        assert!(!app.instance_oauth);
        key(&mut app, KeyEvent::from(KeyCode::F(2)));
        assert_eq!(app.draft.instance.value, "https://prod1.service-now.com");
        assert!(app.instance_oauth, "a saved OAuth instance signs in with OAuth on Enter");
        assert!(matches!(
            key(&mut app, KeyEvent::from(KeyCode::Enter)).as_slice(),
            [Effect::Probe { oauth: true, .. }]
        ));
    }
}
