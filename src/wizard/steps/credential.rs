//! OAuth 2.0 credential: the own credential's name and its delegated mailbox, or the
//! delegated mailbox that MS Graph 1 and MS Graph 2 sign in as. The profile was chosen in
//! the step before; active, "applies to all MID Servers" and order 100 are the defaults.

use super::Nav;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, ModeChoice};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// How many text fields the step has in this mode.
pub fn fields(choice: ModeChoice) -> usize {
    match choice {
        ModeChoice::PersonalOwn => 2,
        ModeChoice::Normal => 0,
        _ => 1,
    }
}

/// What is wrong with a delegated mailbox typed in, if anything, said so that it shows what
/// to type: one `@`, a name before it, a dotted domain after it, no spaces.
pub fn email_problem(v: &str) -> Option<String> {
    let v = v.trim();
    let example = "e.g. rooms-delegate@contoso.com";
    if v.is_empty() {
        return Some(format!("the mailbox Get OAuth Token must sign in as, {example}"));
    }
    let fault = if v.contains(char::is_whitespace) {
        Some("it has a space")
    } else {
        match v.split_once('@') {
            None => Some("it has no @"),
            Some((_, domain)) if domain.contains('@') => Some("it has more than one @"),
            Some(("", _)) => Some("nothing before the @"),
            Some((_, domain)) if !domain.contains('.') => Some("the domain after the @ has no dot"),
            Some((_, domain)) if domain.split('.').any(str::is_empty) => Some("the domain has an empty part (..)"),
            _ => None,
        }
    };
    // Short enough for one hint row at 80 columns, where the re-authorize list draws it.
    fault.map(|why| format!("not an email address: {why}"))
}

/// What Enter on an empty Delegated user says.
pub const EMPTY_MAILBOX: &str =
    "Type the delegated user first: the mailbox Get OAuth Token signs in as, such as rooms-delegate@contoso.com.";

fn name_problem(v: &str) -> Option<String> {
    super::record_name_problem(v, "a name unique among credentials")
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let n = fields(app.draft.choice);
    match super::nav(app, n.max(1), k) {
        Nav::Back => app.back(),
        Nav::Submit => {
            let d = &app.draft;
            let bad_name = app.draft.choice == ModeChoice::PersonalOwn && name_problem(&d.credential.value).is_some();
            let bad_mail = n > 0 && email_problem(&d.delegated.value).is_some();
            if bad_name {
                app.focus = 0;
            } else if bad_mail {
                app.focus = n - 1;
                // An empty field has only its hint under it: say what Enter is waiting for.
                if app.draft.delegated.value.trim().is_empty() {
                    app.notice = Some(EMPTY_MAILBOX.into());
                }
            } else {
                app.draft_changed();
                app.next();
            }
        }
        Nav::Moved => {}
        Nav::Other => {
            app.notice = None;
            let d = &mut app.draft;
            match (d.choice, app.focus) {
                (ModeChoice::PersonalOwn, 0) => {
                    d.credential.key(k);
                }
                (ModeChoice::Normal, _) => {}
                _ => {
                    d.delegated.key(k);
                }
            }
        }
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let d = &app.draft;
    let profile = app
        .draft
        .profile
        .and_then(|i| app.info.as_ref().and_then(|inf| inf.profiles.get(i)))
        .map(|p| p.name.clone())
        .unwrap_or_default();
    // A field's hint or error wraps at 80 columns: the rows below move down for it.
    let name_below = name_problem(&d.credential.value).map(|p| (p, true));
    // Empty, the hint turns into the error once Enter was pressed on it.
    let tried = app.notice.as_deref() == Some(EMPTY_MAILBOX);
    let mail_below = email_problem(&d.delegated.value).map(|p| (p, tried || !d.delegated.value.is_empty()));
    let h = |b: &Option<(String, bool)>| view::field_height(b.as_ref(), area.width).max(2);
    let first = if d.choice == ModeChoice::PersonalOwn { h(&name_below) } else { 2 };
    let rows = view::rows(area, &[first, h(&mail_below), 1, 1, 1, 3]);
    match d.choice {
        ModeChoice::PersonalOwn => {
            view::field(f, rows[0], app, &d.credential, app.focus == 0, name_below);
            view::field(f, rows[1], app, &d.delegated, app.focus == 1, mail_below);
        }
        ModeChoice::Normal => {
            view::text(
                f,
                rows[0],
                vec![Line::from("MS Graph 1 and MS Graph 2 use client credentials: no user signs in.")],
            );
        }
        _ => {
            view::text(f, rows[0], vec![Line::from("MS Graph 1 and MS Graph 2 are signed in as this mailbox:")]);
            view::field(f, rows[1], app, &d.delegated, true, mail_below);
        }
    }
    view::text(f, rows[2], vec![Line::from(format!("{:<16}{profile}", "Profile"))]);
    view::text(f, rows[3], vec![Line::from(format!("{:<16}yes; applies to all MID Servers; order 100", "Active"))]);
    if d.choice.needs_tokens() {
        view::text(
            f,
            rows[5],
            vec![Line::styled(
                "After applying, calsync signs this mailbox in itself and checks that it, and not your own account, got the token.",
                t.dim(),
            )],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::email_problem;

    #[test]
    fn a_mailbox_has_one_at_and_a_dotted_domain() {
        assert_eq!(email_problem("rooms-delegate@contoso.com"), None);
        assert_eq!(email_problem(" rooms@sub.contoso.co.uk "), None);
        for (typed, why) in [
            ("a@b@c.com", "more than one @"),
            ("rooms-delegate", "no @"),
            ("rooms-delegate@contoso", "no dot"),
            ("@contoso.com", "before the @"),
            ("rooms@contoso..com", "empty part"),
            ("rooms@.contoso.com", "empty part"),
            ("rooms@contoso.com.", "empty part"),
            ("rooms delegate@contoso.com", "a space"),
        ] {
            let said = email_problem(typed).unwrap_or_else(|| panic!("{typed} was taken"));
            assert!(said.contains(why) && said.chars().count() <= 62, "{typed}: {said}");
        }
    }
}
