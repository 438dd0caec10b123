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
    match super::nav(app, fields(app), k) {
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
                2 => &mut d.password,
                _ => &mut d.code,
            };
            f.key(k);
            vec![]
        }
    }
}

/// The form's fields: instance, user, password, and the one-time code when MFA is asked.
pub fn fields(app: &App) -> usize {
    if app.mfa { 4 } else { 3 }
}

/// What is wrong with the one-time code typed, if anything.
pub fn code_problem(code: &str) -> Option<String> {
    let code = code.trim();
    if code.is_empty() {
        Some("the six digits your authenticator shows now (sent appended to the password, never kept)".into())
    } else if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        Some("not a one-time code: type the six digits your authenticator shows now".into())
    } else {
        None
    }
}

/// Fills the form with the saved instance after the one shown (the first one first).
fn next_saved(app: &mut App) {
    if app.saved.is_empty() {
        return;
    }
    let shown = app.saved.iter().position(|s| s.url == app.draft.instance.value);
    fill_saved(app, shown.map_or(0, |i| (i + 1) % app.saved.len()));
}

/// Fills the form with the saved instance `at` (the password comes from the keyring, or
/// is typed).
pub fn fill_saved(app: &mut App, at: usize) {
    let Some(s) = app.saved.get(at).cloned() else { return };
    app.draft.instance.set(&s.url);
    app.draft.user.set(&s.user);
    app.draft.password.set("");
    app.draft.code.set("");
    app.instance_oauth = s.oauth;
    app.mfa = s.mfa;
    // The code field may have gone: the cursor goes to the first field left to fill.
    app.focus = super::first_to_fill(app);
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
    if app.mfa && code_problem(&d.code.value).is_some() {
        app.focus = 3;
        return vec![];
    }
    // The REST API takes the code appended to the password. A code serves one login: the
    // field is emptied for the next one.
    let password = if app.mfa {
        SecretString::from(format!("{}{}", d.password.value, d.code.value.trim()))
    } else {
        SecretString::from(d.password.value.clone())
    };
    let user = d.user.value.trim().to_string();
    app.draft.code.set("");
    app.busy = Some(Busy::Probing);
    app.generation += 1;
    vec![Effect::Probe { generation: app.generation, url: url.to_string(), user, password, oauth: false }]
}

/// A refused login, said for this screen: what to check, and the keys that offer the
/// other ways in (the one-time code field, F3).
fn refused(app: &App, e: &Failure) -> String {
    let user = app.draft.user.value.trim();
    let said = match e {
        Failure::Instance(crate::snow::SnError::Unauthorized { message, .. }) => format!(" (HTTP 401: {message})"),
        _ => String::new(),
    };
    if app.mfa {
        format!(
            "the instance refused the password and one-time code for user \"{user}\"{said}. The code may be wrong or stale (a code lasts 30 seconds), or the password wrong: type the current code and press Enter again."
        )
    } else {
        format!(
            "the instance refused the login for user \"{user}\"{said}. Check the user name and password. An account with MFA: start calsync with --sign-in password-mfa, and this screen asks for the one-time code. An account that signs in only through single sign-on: press F3 to sign in with the instance's OAuth."
        )
    }
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
            let message = if e.login_refused() && !app.instance_oauth {
                refused(app, &e)
            } else if let Failure::Instance(crate::snow::SnError::Forbidden { table, message, .. }) = &e {
                // The probe only reads: the advice is about reading, not about writing
                // from an application.
                format!(
                    "the instance does not let {} read {table} (HTTP 403: {message}). calsync reads the calendar setup's records before anything else: log in as a user with the admin role.",
                    if app.instance_oauth { "you".to_string() } else { format!("\"{}\"", app.draft.user.value.trim()) }
                )
            } else {
                e.to_string()
            };
            if app.mfa {
                app.focus = 3;
            }
            app.error = Some(ErrorPanel { title: "The instance could not be used".into(), message, retry });
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
    // Signing in through the instance's OAuth, the browser says who signs in: the user
    // and password are not asked for, and the hints say so rather than ask for them.
    let user_below = if app.instance_oauth {
        Some(("not needed: you sign in as yourself in the browser".to_string(), false))
    } else {
        d.user
            .value
            .trim()
            .is_empty()
            .then(|| ("a local admin user (F3 for a single sign-on account)".to_string(), false))
    };
    let password_below = Some((
        if app.instance_oauth { "not sent with single sign-on" } else { "masked; held in memory only" }.to_string(),
        false,
    ));
    let code_below =
        code_problem(&d.code.value).map(|p| (p, !d.code.value.is_empty())).or(Some(("six digits".into(), false)));
    // Messages (the instance's says what to type instead) wrap, and the rest moves down.
    let h = |b: &Option<(String, bool)>| view::field_height(b.as_ref(), area.width);
    let code_h = if app.mfa { h(&code_below) } else { 0 };
    let rows = view::rows(area, &[h(&url_below), h(&user_below), h(&password_below), code_h, 2, 3]);
    view::field(f, rows[0], app, &d.instance, app.focus == 0, url_below);
    view::field(f, rows[1], app, &d.user, app.focus == 1, user_below);
    view::field(f, rows[2], app, &d.password, app.focus == 2, password_below);
    if app.mfa {
        view::field(f, rows[3], app, &d.code, app.focus == 3, code_below);
    }
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
    let mut lines = vec![note];
    if !app.instance_oauth {
        lines.push(Line::styled("F3 signs in with the instance's OAuth instead (single sign-on).", t.dim()));
    }
    if !app.saved.is_empty() {
        let names: Vec<&str> = app.saved.iter().map(|s| s.name.as_str()).collect();
        lines.push(Line::styled(format!("Saved instances: {} (F2 fills the next one in)", names.join(", ")), t.dim()));
    }
    view::text(f, rows[5], lines);
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
                mfa: true,
            },
            SavedInstance {
                name: "prod".into(),
                url: "https://prod1.service-now.com".into(),
                user: String::new(),
                oauth: true,
                mfa: false,
            },
        ];
        key(&mut app, KeyEvent::from(KeyCode::F(2)));
        assert_eq!(app.draft.instance.value, "https://dev1.service-now.com");
        assert_eq!(app.draft.user.value, "admin");
        assert!(!app.instance_oauth);
        assert!(app.mfa, "an instance saved with password-mfa asks for the code");
        key(&mut app, KeyEvent::from(KeyCode::F(2)));
        assert!(!app.mfa, "the next one does not");
        assert_eq!(app.draft.instance.value, "https://prod1.service-now.com");
        assert!(app.instance_oauth, "a saved OAuth instance signs in with OAuth on Enter");
        assert!(matches!(
            key(&mut app, KeyEvent::from(KeyCode::Enter)).as_slice(),
            [Effect::Probe { oauth: true, .. }]
        ));
    }

    fn refused_login() -> Failure {
        Failure::Instance(crate::snow::SnError::Unauthorized {
            user: "mfa.admin".into(),
            message: "User Not Authenticated".into(),
        })
    }

    fn filled(app: &mut App) {
        app.draft.instance.set("dev123");
        app.draft.user.set("mfa.admin");
        app.draft.password.set("calsync-mfa");
    }

    #[test]
    fn with_password_mfa_the_form_asks_for_the_code_and_appends_it() {
        let mut app = at_instance();
        app.mfa = true;
        filled(&mut app);
        let screen = crate::wizard::tests::render_text(&app, 80, 24);
        assert!(screen.contains("One-time code"), "{screen}");
        assert!(key(&mut app, KeyEvent::from(KeyCode::Enter)).is_empty(), "no code yet");
        assert_eq!(app.focus, 3, "the cursor goes to the code");
        for c in "12345".chars() {
            key(&mut app, KeyEvent::from(KeyCode::Char(c)));
        }
        assert!(key(&mut app, KeyEvent::from(KeyCode::Enter)).is_empty(), "five digits are not a code");
        assert!(crate::wizard::tests::render_text(&app, 80, 24).contains("not a one-time code"));
        key(&mut app, KeyEvent::from(KeyCode::Char('6')));
        let g = match key(&mut app, KeyEvent::from(KeyCode::Enter)).as_slice() {
            [Effect::Probe { password, user, oauth: false, generation, .. }] => {
                assert_eq!(password.expose_secret(), "calsync-mfa123456", "the code goes appended to the password");
                assert_eq!(user, "mfa.admin");
                *generation
            }
            other => panic!("{other:?}"),
        };
        assert!(app.draft.code.value.is_empty(), "a code serves one login");
        assert_eq!(app.draft.password.value, "calsync-mfa", "the password alone is what may be kept");
        app.handle(crate::wizard::Event::Probed(g, Err(refused_login())));
        let said = &app.error.as_ref().unwrap().message;
        assert!(said.contains("one-time code") && said.contains("current code"), "{said}");
        assert_eq!(app.focus, 3);
    }

    #[test]
    fn a_refused_login_names_the_ways_in_this_screen_offers() {
        let mut app = at_instance();
        filled(&mut app);
        let screen = crate::wizard::tests::render_text(&app, 80, 24);
        assert!(!screen.contains("One-time code"), "no code without MFA: {screen}");
        let g = match key(&mut app, KeyEvent::from(KeyCode::Enter)).as_slice() {
            [Effect::Probe { password, generation, .. }] => {
                assert_eq!(password.expose_secret(), "calsync-mfa");
                *generation
            }
            other => panic!("{other:?}"),
        };
        app.handle(crate::wizard::Event::Probed(g, Err(refused_login())));
        let said = &app.error.as_ref().unwrap().message;
        assert!(said.contains("--sign-in password-mfa") && said.contains("F3"), "{said}");
        assert!(!said.contains("calsync instance add"), "the way in is on this screen: {said}");
    }

    #[test]
    fn with_single_sign_on_the_hints_do_not_ask_for_a_local_user() {
        let mut app = at_instance();
        app.instance_oauth = true;
        app.draft.instance.set("dev123");
        let words = crate::wizard::tests::render_text(&app, 80, 24).replace('│', " ");
        let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("Enter signs in with the instance's OAuth"), "{words}");
        for contradiction in ["a local admin user", "cannot use the REST API", "OAuth instead", "held in memory"] {
            assert!(!words.contains(contradiction), "{contradiction}: {words}");
        }
        assert!(words.contains("not needed: you sign in as yourself in the browser"), "{words}");
    }

    #[test]
    fn a_read_refused_on_the_probe_asks_for_an_admin_not_for_a_writable_record() {
        let mut app = at_instance();
        app.draft.instance.set("dev123");
        app.draft.user.set("viewer");
        app.draft.password.set("calsync-viewer");
        let g = match key(&mut app, KeyEvent::from(KeyCode::Enter)).as_slice() {
            [Effect::Probe { generation, .. }] => *generation,
            other => panic!("{other:?}"),
        };
        let e = Failure::Instance(crate::snow::SnError::Forbidden {
            table: "http_connection".into(),
            message: "Insufficient rights to query records".into(),
            detail: None,
        });
        app.handle(crate::wizard::Event::Probed(g, Err(e)));
        let said = &app.error.as_ref().unwrap().message;
        assert!(said.contains("\"viewer\" read http_connection") && said.contains("admin role"), "{said}");
        assert!(!said.contains("writable"), "{said}");
    }
}
