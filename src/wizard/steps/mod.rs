//! One file per step. Each has `key` (what its keys do to the state) and `render`.

pub mod alias;
pub mod apply;
pub mod checks;
pub mod connection;
pub mod credential;
pub mod credentials;
pub mod findings;
pub mod handover;
pub mod instance;
pub mod integration;
pub mod mode;
pub mod picker;
pub mod profile;
pub mod properties;
pub mod provider;
pub mod review;
pub mod roomcheck;
pub mod rooms;
pub mod summary;
pub mod token;

use super::{App, Effect, ModeChoice, Screen, Step};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match app.step() {
        Step::Picker => picker::key(app, k),
        Step::Credentials => credentials::key(app, k),
        Step::Findings => findings::key(app, k),
        Step::Mode => mode::key(app, k),
        Step::Instance => instance::key(app, k),
        Step::Checks => checks::key(app, k),
        Step::Profile => profile::key(app, k),
        Step::Alias => alias::key(app, k),
        Step::Credential => credential::key(app, k),
        Step::Connection => connection::key(app, k),
        Step::Provider => provider::key(app, k),
        Step::Properties => properties::key(app, k),
        Step::Integration => integration::key(app, k),
        Step::Review => review::key(app, k),
        Step::Apply => apply::key(app, k),
        Step::Token => token::key(app, k),
        Step::Handover => handover::key(app, k),
        Step::Rooms => rooms::key(app, k),
        Step::Summary => summary::key(app, k),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    match app.step() {
        Step::Picker => picker::render(app, f, area),
        Step::Credentials => credentials::render(app, f, area),
        Step::Findings => findings::render(app, f, area),
        Step::Mode => mode::render(app, f, area),
        Step::Instance => instance::render(app, f, area),
        Step::Checks => checks::render(app, f, area),
        Step::Profile => profile::render(app, f, area),
        Step::Alias => alias::render(app, f, area),
        Step::Credential => credential::render(app, f, area),
        Step::Connection => connection::render(app, f, area),
        Step::Provider => provider::render(app, f, area),
        Step::Properties => properties::render(app, f, area),
        Step::Integration => integration::render(app, f, area),
        Step::Review => review::render(app, f, area),
        Step::Apply => apply::render(app, f, area),
        Step::Token => token::render(app, f, area),
        Step::Handover => handover::render(app, f, area),
        Step::Rooms => rooms::render(app, f, area),
        Step::Summary => summary::render(app, f, area),
    }
}

/// Whether printable keys go into a text field (so `?` types a question mark).
pub fn is_typing(app: &App) -> bool {
    match app.step() {
        Step::Instance | Step::Credential | Step::Connection | Step::Provider => form_len(app) > 0,
        Step::Alias => app.draft.choice == ModeChoice::PersonalOwn,
        Step::Credentials | Step::Properties => editing(app).is_some(),
        // A pasted address has a `?` in it.
        Step::Token => app.busy == Some(crate::wizard::Busy::SigningIn) || token::asks_for_secret(app),
        _ => false,
    }
}

/// The value being typed on a list step (a delegated user, a property's value), if any.
pub fn editing(app: &App) -> Option<&crate::wizard::field::TextField> {
    match &app.screen {
        Screen::Credentials(c) => c.editing.as_ref(),
        Screen::Properties(p) => p.editing.as_ref(),
        _ => None,
    }
}

fn form_len(app: &App) -> usize {
    match app.step() {
        Step::Instance => instance::fields(app),
        Step::Credential => credential::fields(app.draft.choice),
        Step::Connection => connection::fields(app.draft.choice),
        Step::Provider => 1,
        _ => 0,
    }
}

/// What is wrong with a record name typed into a form, if anything; `hint` says what to
/// type when it is empty.
pub fn record_name_problem(v: &str, hint: &str) -> Option<String> {
    if v.trim().is_empty() {
        Some(hint.to_string())
    } else if v.contains('^') || v.chars().any(char::is_control) {
        Some("a caret (^) or a line break cannot be looked up safely".into())
    } else {
        None
    }
}

/// Where the cursor starts on a form: the first field still empty.
pub fn first_to_fill(app: &App) -> usize {
    let d = &app.draft;
    let empty = |f: &crate::wizard::field::TextField| f.value.trim().is_empty();
    match app.step() {
        Step::Instance => [&d.instance, &d.user, &d.password, &d.code]
            .iter()
            .take(instance::fields(app))
            .position(|f| empty(f))
            .unwrap_or(0),
        Step::Credential if d.choice == ModeChoice::PersonalOwn => usize::from(!empty(&d.credential)),
        Step::Connection if d.choice == ModeChoice::PersonalOwn => usize::from(!empty(&d.connection)),
        _ => 0,
    }
}

/// What Enter does on an error panel that offers a retry.
pub fn retry(app: &mut App) -> Vec<Effect> {
    match app.step() {
        Step::Instance => instance::submit(app),
        Step::Review | Step::Apply if app.journey == crate::wizard::Journey::Troubleshoot => findings::fix(app),
        Step::Findings => findings::rerun(app),
        Step::Review | Step::Apply => review::request(app),
        Step::Token => token::start(app),
        _ => vec![],
    }
}

/// Where a key moves the focus in a form of `count` fields.
pub enum Nav {
    Moved,
    Submit,
    Back,
    Other,
}

/// How far a list of `lines` drawn word-wrapped in `area` can scroll: until its last row
/// is the area's last row. The rows are counted by the same wrapping that draws them.
pub fn scroll_limit(lines: &[ratatui::text::Line<'static>], area: ratatui::layout::Rect) -> u16 {
    use ratatui::widgets::{Paragraph, Wrap};
    let rows = Paragraph::new(lines.to_vec()).wrap(Wrap { trim: false }).line_count(area.width);
    u16::try_from(rows).unwrap_or(u16::MAX).saturating_sub(area.height)
}

/// Up/Down move a scrolling step by a row, PageUp/PageDown by ten, never past `limit`.
pub fn scroll(app: &mut App, code: KeyCode, limit: u16) {
    app.scroll = match code {
        KeyCode::Up => app.scroll.saturating_sub(1),
        KeyCode::Down => app.scroll.saturating_add(1),
        KeyCode::PageUp => app.scroll.saturating_sub(10),
        KeyCode::PageDown => app.scroll.saturating_add(10),
        _ => app.scroll,
    }
    .min(limit);
}

pub fn nav(app: &mut App, count: usize, k: KeyEvent) -> Nav {
    match k.code {
        KeyCode::Tab | KeyCode::Down => {
            app.focus = (app.focus + 1) % count.max(1);
            Nav::Moved
        }
        KeyCode::BackTab | KeyCode::Up => {
            app.focus = (app.focus + count.max(1) - 1) % count.max(1);
            Nav::Moved
        }
        // Enter continues when the form is valid; the step moves the cursor to the first
        // field that is not.
        KeyCode::Enter => Nav::Submit,
        KeyCode::Esc => Nav::Back,
        _ => Nav::Other,
    }
}

/// Up/Down in a list of `len` rows.
pub fn list_move(app: &mut App, len: usize, k: KeyEvent) -> bool {
    match k.code {
        KeyCode::Up | KeyCode::BackTab if app.cursor > 0 => app.cursor -= 1,
        KeyCode::Down | KeyCode::Tab if app.cursor + 1 < len => app.cursor += 1,
        KeyCode::Home => app.cursor = 0,
        KeyCode::End => app.cursor = len.saturating_sub(1),
        KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {}
        _ => return false,
    }
    true
}

pub fn is_ctrl(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
}

/// The key-help line at the bottom of every screen.
pub fn keys_help(app: &App) -> String {
    if app.busy == Some(crate::wizard::Busy::Applying) {
        return " Ctrl-C quit when the apply has finished".into();
    }
    if app.busy.is_some() {
        return " Esc cancel · Ctrl-C quit".into();
    }
    let specific = match app.step() {
        Step::Picker | Step::Mode | Step::Profile => "Up/Down choose · Enter continue",
        Step::Credentials | Step::Properties if editing(app).is_some() => "Enter keep · Esc cancel the edit",
        Step::Properties => "Up/Down choose · e edit · Enter continue",
        Step::Credentials => "Space pick · a all · e user · Enter sign in",
        Step::Findings if findings::sign_in_for(app).is_some() => "t sign in · f fix · b probe · r rerun",
        Step::Findings => "Up/Down · f fix · b browser probe · r rerun",
        Step::Instance | Step::Credential | Step::Provider => "Enter continue · Tab next field",
        Step::Alias if app.draft.choice == ModeChoice::PersonalOwn => "Enter continue",
        Step::Connection => "Enter continue · Tab next field · F2 cloud",
        Step::Review => "Enter apply · Up/Down scroll",
        // Enter stays until the instance is fixed and probed again.
        Step::Checks if !checks::passed(app) && checks::offers_to_keep(app) => {
            "fix the failed checks first · k keep the password"
        }
        Step::Checks if !checks::passed(app) => "fix the failed checks first",
        Step::Checks if checks::offers_to_keep(app) => "Enter continue · k keep the password",
        Step::Token => match (token::next_state(app), token::offers_to_keep(app)) {
            (Some(crate::wizard::TokenState::NeedsSecret { .. }), _) => "Enter sign in · Esc stop asking",
            (Some(crate::wizard::TokenState::Failed(_)), false) => "Enter retry · s skip",
            (Some(crate::wizard::TokenState::Failed(_)), true) => "k keep the secret · Enter retry · s skip",
            (Some(_), false) => "Enter sign in · s skip",
            (Some(_), true) => "k keep the secret · Enter sign in · s skip",
            (None, false) => "Enter continue",
            (None, true) => "k keep the secret · Enter continue",
        },
        Step::Rooms => "Up/Down · Space pick · Enter continue",
        Step::Handover
            if app.done.handovers.iter().any(|(_, s)| matches!(s, crate::wizard::HandoverState::Failed(_))) =>
        {
            if app.journey == crate::wizard::Journey::Troubleshoot {
                "r retry · Enter check again"
            } else {
                "r retry · Enter check the rooms"
            }
        }
        Step::Handover if app.journey == crate::wizard::Journey::Troubleshoot => "Enter check again",
        Step::Handover => "Enter check the rooms",
        // At 80 columns: the summary's own text says what `s` saves.
        Step::Summary if app.journey == crate::wizard::Journey::Setup => {
            "Up/Down scroll · c check rooms · s save · q quit"
        }
        Step::Summary => "Up/Down scroll · c check rooms · q quit",
        _ => "Enter continue",
    };
    // While a value is edited, Esc cancels the edit and means nothing else.
    let editing = editing(app).is_some() || (app.step() == Step::Token && token::asks_for_secret(app));
    let back = if app.step() == Step::Picker || editing || !app.can_go_back() { "" } else { " · Esc back" };
    format!(" {specific}{back} · F1 help · Ctrl-C quit")
}
