//! Get OAuth Token, per credential that needs one: calsync signs the delegated mailbox in
//! (PKCE, login_hint, prompt=login) and shows who signed in; another account is refused
//! and nothing is kept. After the apply, because the credential must exist first.

use crate::oauth::session::Notice;
use crate::wizard::view::theme;
use crate::wizard::{App, Busy, Draft, Effect, Failure, Screen, SignedIn, TokenState, TokenTask, Tokens};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The sign-ins the setup runs for the draft's mode: each credential it writes, as the
/// delegated mailbox. None in normal mode.
pub fn for_setup(d: &Draft) -> Vec<TokenTask> {
    if !d.choice.needs_tokens() {
        return vec![];
    }
    d.choice
        .credential_names(d.credential.value.trim())
        .into_iter()
        .map(|credential| TokenTask {
            credential,
            user: d.delegated.value.trim().to_string(),
            state: TokenState::Pending,
        })
        .collect()
}

fn on_screen(app: &App) -> Option<&Tokens> {
    match &app.screen {
        Screen::Token(t) => Some(t),
        _ => None,
    }
}

fn on_screen_mut(app: &mut App) -> Option<&mut Tokens> {
    match &mut app.screen {
        Screen::Token(t) => Some(t),
        _ => None,
    }
}

/// The full sign-in address while a sign-in waits: drawn by the frame outside the box, so
/// that selecting it picks up no border.
pub fn waiting_url(app: &App) -> Option<&str> {
    match &app.screen {
        Screen::Findings(f) => f.probe_url.as_deref().filter(|_| app.busy.is_some()),
        Screen::Token(t) => t.tasks.iter().find_map(|x| match &x.state {
            TokenState::Waiting { url: Some(u), .. } => Some(u.as_str()),
            _ => None,
        }),
        _ => None,
    }
}

/// The state of the next sign-in to do, if one is left.
pub fn next_state(app: &App) -> Option<&TokenState> {
    let t = on_screen(app)?;
    current(t).map(|i| &t.tasks[i].state)
}

fn current(t: &Tokens) -> Option<usize> {
    t.tasks
        .iter()
        .position(|t| matches!(t.state, TokenState::Pending | TokenState::Failed(_) | TokenState::Waiting { .. }))
}

pub fn start(app: &mut App) -> Vec<Effect> {
    let Some(conn) = app.conn.clone() else { return vec![] };
    let generation = app.generation + 1;
    let Some(t) = on_screen_mut(app) else { return vec![] };
    let Some(i) = current(t) else { return vec![] };
    let task = &mut t.tasks[i];
    task.state = TokenState::Waiting { url: None, start_url: None };
    let (credential, user) = (task.credential.clone(), task.user.clone());
    app.generation = generation;
    app.busy = Some(Busy::SigningIn);
    vec![Effect::SignIn { generation, conn, credential, user }]
}

/// Esc while waiting: the sign-in is stopped (the driver cancels it) and nothing is kept.
/// Keys while a sign-in waits: typing (or pasting) into the paste field; Enter hands the
/// line to the sign-in, which takes the address the browser ended on or explains an
/// AADSTS code.
pub fn paste_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(t) = on_screen_mut(app) else { return vec![] };
    let field = t.paste.get_or_insert_with(|| crate::wizard::field::TextField::new("Paste here"));
    if k.code == KeyCode::Enter {
        let line = field.value.trim().to_string();
        t.paste = None;
        if line.is_empty() {
            return vec![];
        }
        app.notice = Some("Checking the pasted address...".into());
        return vec![Effect::Paste { generation: app.generation, line }];
    }
    field.key(k);
    vec![]
}

/// What Enter does once every sign-in is done or skipped: the step that follows.
fn finished(app: &App) -> &'static str {
    let steps = app.steps();
    let next = steps.iter().position(|s| *s == app.step()).and_then(|i| steps.get(i + 1));
    match next {
        Some(crate::wizard::Step::Handover) => {
            "All sign-ins are finished: Enter writes the tokens to the instance (Token on the instance), so it can sync."
        }
        _ => "All sign-ins are finished: Enter shows the summary.",
    }
}

/// The sign-in on display was cancelled.
pub fn cancelled(t: &mut Tokens) {
    t.paste = None;
    if let Some(i) = current(t) {
        t.tasks[i].state = TokenState::Failed("cancelled; nothing was stored".into());
    }
}

pub fn notice(app: &mut App, n: Notice) -> Vec<Effect> {
    match n {
        Notice::Waiting { url, start_url, .. } => {
            if let Some(t) = on_screen_mut(app)
                && let Some(i) = current(t)
            {
                t.tasks[i].state = TokenState::Waiting { url: Some(url), start_url: Some(start_url) };
            }
        }
        Notice::BrowserFailed(e) => app.notice = Some(format!("No browser was opened ({e}): open the address shown.")),
        Notice::BrowserOpened => app.notice = Some("A browser window was opened.".into()),
        Notice::Rejected(e) | Notice::PasteRejected(e) => app.notice = Some(format!("Ignored: {e}")),
        Notice::Explained(e) => app.notice = Some(e),
        Notice::Redeeming => app.notice = Some("Sign-in received; redeeming the code.".into()),
        Notice::CheckingIdentity => app.notice = Some("Checking which account signed in.".into()),
    }
    vec![]
}

pub fn signed_in(app: &mut App, r: Result<SignedIn, Failure>) -> Vec<Effect> {
    app.busy = None;
    app.notice = None;
    let Some(t) = on_screen_mut(app) else { return vec![] };
    t.paste = None;
    if let Some(i) = current(t) {
        t.tasks[i].state = match r {
            Ok(s) => TokenState::Done { who: s.who.to_string(), warnings: s.warnings },
            Err(e) => TokenState::Failed(e.to_string()),
        };
    }
    vec![]
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(t) = on_screen_mut(app) else { return vec![] };
    match k.code {
        KeyCode::Enter | KeyCode::Char('r') => {
            if current(t).is_some() {
                return start(app);
            }
            // Every sign-in is finished: they go on to the hand-over and the summary.
            let tasks = t.tasks.clone();
            app.done.tokens = tasks;
            app.next();
            if app.step() == crate::wizard::Step::Handover {
                return super::handover::start(app);
            }
        }
        KeyCode::Char('s') => {
            if let Some(i) = current(t) {
                t.tasks[i].state = TokenState::Skipped;
            }
        }
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(tokens) = on_screen(app) else { return };
    let mut lines = vec![];
    for task in &tokens.tasks {
        let (mark, style, detail) = match &task.state {
            TokenState::Pending => ("next    ", t.accent(), format!("sign in as {}", task.user)),
            TokenState::Waiting { .. } => ("waiting ", t.warn(), format!("sign in as {} in the browser", task.user)),
            TokenState::Done { who, .. } => {
                ("done    ", t.ok(), format!("signed in as {who}; refresh token in the OS keyring"))
            }
            TokenState::Failed(e) => ("FAILED  ", t.bad(), e.clone()),
            TokenState::Skipped => ("skipped ", t.dim(), "no token; run calsync authorize later".to_string()),
        };
        // A message keeps its line breaks (the wrong-account refusal lists its ways out).
        let mut detail_lines = detail.lines();
        let first = detail_lines.next().unwrap_or_default().to_string();
        lines.push(Line::from(vec![Span::styled(mark, style), Span::raw(format!("{}: {first}", task.credential))]));
        lines.extend(detail_lines.map(|l| Line::from(format!("        {l}"))));
        if let TokenState::Done { warnings, .. } = &task.state {
            for w in warnings {
                lines.push(Line::from(vec![Span::styled("warning ", t.warn()), Span::raw(w.clone())]));
            }
        }
    }
    if let Some((url, start)) = tokens.tasks.iter().find_map(|x| match &x.state {
        TokenState::Waiting { url: Some(u), start_url } => Some((u.clone(), start_url.clone())),
        _ => None,
    }) {
        lines.push(Line::default());
        if let Some(s) = start {
            lines.push(Line::from("If no browser opened, open this address on this machine:"));
            lines.push(Line::styled(format!("  {s}"), t.accent()));
            lines.push(Line::from(
                "or the full address, under this box, from anywhere that can reach the sign-in page.",
            ));
        } else {
            lines.push(Line::from("Open the address under this box in a browser."));
        }
        let _ = url;
        lines.push(Line::default());
        lines.push(Line::from(
            "If the browser cannot reach this machine, paste the address it ends on here and press Enter (an AADSTS code from an error page is explained):",
        ));
        let typed = tokens.paste.as_ref().map(|f| f.value.clone()).unwrap_or_default();
        lines.push(Line::styled(format!("> {typed}"), t.accent()));
    } else if current(tokens).is_some() {
        lines.push(Line::default());
        lines.push(Line::from(
            "Enter opens the Microsoft sign-in in your browser. It asks for the password every time, so the token cannot silently go to the account your browser is already signed in as.",
        ));
    } else {
        lines.push(Line::default());
        lines.push(Line::styled(finished(app), t.ok()));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
