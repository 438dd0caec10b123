//! Get OAuth Token, per credential that needs one: calsync signs the delegated mailbox in
//! (PKCE, login_hint, prompt=login) and shows who signed in; another account is refused
//! and nothing is kept. After the apply, because the credential must exist first. When
//! neither the OS keyring nor CALSYNC_CLIENT_SECRET has the app's client secret, the step
//! asks for it (masked), sends it with the sign-in, and offers to keep it in the keyring
//! once a sign-in showed that it works.

use crate::oauth::session::Notice;
use crate::wizard::field::TextField;
use crate::wizard::view::{self, Para, theme};
use crate::wizard::{
    App, Busy, Draft, Effect, Failure, HandoverState, Screen, SignedIn, TokenState, TokenTask, Tokens, TypedSecret,
};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Where a status mark's text starts: continuation rows hang there.
const MARK: usize = 8;

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
    t.tasks.iter().position(|t| {
        matches!(
            t.state,
            TokenState::Pending | TokenState::Failed(_) | TokenState::Waiting { .. } | TokenState::NeedsSecret { .. }
        )
    })
}

/// Whether the step is asking for the app's client secret (keys go into its field).
pub fn asks_for_secret(app: &App) -> bool {
    matches!(next_state(app), Some(TokenState::NeedsSecret { .. }))
}

/// The typed client secret worked and is not in the keyring yet: `k` keeps it.
pub fn offers_to_keep(app: &App) -> bool {
    app.client_secret.as_ref().is_some_and(|s| s.worked && !s.kept) && app.busy.is_none()
}

/// The keyring account of a client secret: the one `calsync authorize` reads and writes.
fn secret_account(app: &App, client_id: &str) -> Option<crate::secrets::Account> {
    let conn = app.conn.as_ref()?;
    Some(crate::secrets::Account::ClientSecret { instance: conn.instance_key.clone(), client_id: client_id.into() })
}

pub fn start(app: &mut App) -> Vec<Effect> {
    let Some(conn) = app.conn.clone() else { return vec![] };
    let secret = app.client_secret.clone();
    let generation = app.generation + 1;
    let Some(t) = on_screen_mut(app) else { return vec![] };
    let Some(i) = current(t) else { return vec![] };
    let task = &mut t.tasks[i];
    task.state = TokenState::Waiting { url: None, start_url: None };
    let (credential, user) = (task.credential.clone(), task.user.clone());
    app.generation = generation;
    app.busy = Some(Busy::SigningIn);
    vec![Effect::SignIn { generation, conn, credential, user, secret }]
}

/// Keys while the client secret is asked for: typing into the masked field; Enter signs
/// in with it; Esc stops asking (Enter asks again, `s` skips).
fn secret_key(app: &mut App, i: usize, k: KeyEvent) -> Vec<Effect> {
    let Screen::Token(t) = &mut app.screen else { return vec![] };
    let TokenState::NeedsSecret { client_id, field, .. } = &mut t.tasks[i].state else { return vec![] };
    match k.code {
        KeyCode::Enter => {
            if field.value.trim().is_empty() {
                app.notice = Some("Type or paste the client secret's Value first (Esc stops asking).".into());
                return vec![];
            }
            let secret = secrecy::SecretString::from(field.value.trim().to_string());
            app.client_secret = Some(TypedSecret { client_id: client_id.clone(), secret, worked: false, kept: false });
            t.tasks[i].state = TokenState::Pending;
            app.notice = None;
            start(app)
        }
        KeyCode::Esc => {
            t.tasks[i].state = TokenState::Failed(
                "no client secret was typed, so no sign-in was started; Enter asks for it again".into(),
            );
            vec![]
        }
        _ => {
            field.key(k);
            vec![]
        }
    }
}

/// The typed client secret went to the OS keyring, or why not.
pub fn secret_kept(app: &mut App, r: Result<String, String>) -> Vec<Effect> {
    app.notice = Some(match r {
        Ok(key) => {
            if let Some(s) = app.client_secret.as_mut() {
                s.kept = true;
            }
            format!(
                "The client secret is in the OS keyring (service \"{}\", account \"{key}\"): the next run finds it.",
                crate::secrets::SERVICE
            )
        }
        Err(e) => format!("The client secret was not kept: {e}"),
    });
    vec![]
}

/// Esc while waiting: the sign-in is stopped (the driver cancels it) and nothing is kept.
/// Keys while a sign-in waits: typing (or pasting) into the paste field; Enter hands the
/// line to the sign-in, which takes the address the browser ended on or explains an
/// AADSTS code.
pub fn paste_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(t) = on_screen_mut(app) else { return vec![] };
    let field = t.paste.get_or_insert_with(|| TextField::new("Paste here"));
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

/// What Enter does once every sign-in is done or skipped: the step that follows, and what
/// it has to work with (a skipped mailbox has no token to write).
fn finished(app: &App, tasks: &[TokenTask]) -> String {
    let steps = app.steps();
    let next = steps.iter().position(|s| *s == app.step()).and_then(|i| steps.get(i + 1));
    let done = tasks.iter().filter(|t| matches!(t.state, TokenState::Done { .. })).count();
    let skipped = tasks.len() - done;
    // Re-authorize: a mailbox not signed in again may still have the instance's token.
    let kept = tasks
        .iter()
        .filter(|t| !matches!(t.state, TokenState::Done { .. }) && kept_token(app, &t.credential).is_some())
        .count();
    if skipped > 0 && kept == skipped {
        let what = if done == 0 { "No mailbox was signed in again" } else { "Not every mailbox was signed in again" };
        return format!(
            "{what}; the instance keeps the token it has for each one skipped, until the date the list showed: Enter goes on."
        );
    }
    let later = match skipped {
        1 => "the skipped one needs calsync authorize later (the summary gives the command)".to_string(),
        n => format!("the {n} skipped need calsync authorize later (the summary gives the commands)"),
    };
    match next {
        Some(crate::wizard::Step::Handover) if skipped == 0 => {
            "All sign-ins are finished: Enter writes the tokens to the instance (Token on the instance), so it can sync.".into()
        }
        Some(crate::wizard::Step::Handover) if done == 0 => format!(
            "No mailbox was signed in, so the instance gets no token and cannot sync yet: Enter goes on; {later}."
        ),
        Some(crate::wizard::Step::Handover) => format!(
            "{done} of {} mailboxes signed in: Enter writes their tokens to the instance (Token on the instance); {later}.",
            tasks.len()
        ),
        _ if skipped == 0 => "All sign-ins are finished: Enter shows the summary.".into(),
        _ => format!("Enter shows the summary; {later}."),
    }
}

/// Re-authorize only: the day to which the instance's own token for `credential` stays
/// valid, as the list of delegated mailboxes read it. A sign-in skipped (or failed) there
/// leaves that token in place, so the instance still syncs with it.
pub fn kept_token(app: &App, credential: &str) -> Option<String> {
    if app.journey != crate::wizard::Journey::Reauth {
        return None;
    }
    let now = crate::clock::now_secs();
    std::iter::once(&app.screen).chain(&app.behind).find_map(|s| match s {
        crate::wizard::Screen::Credentials(c) => c
            .rows
            .iter()
            .find(|r| r.name == credential)
            .and_then(|r| r.instance_expiry.clone())
            .filter(|e| crate::clock::parse_utc(e).is_some_and(|t| t > now))
            .map(|e| e.chars().take(10).collect()),
        _ => None,
    })
}

/// The flags that reach the instance this wizard reached, for a command printed for later:
/// `--sandbox` (with `--sso`), or the instance, user and sign-in method it was given.
pub fn target_flags(app: &App) -> String {
    use crate::doctor::catalogue::shell_word;
    let mut flags = vec![];
    if app.sandbox {
        flags.push("--sandbox".to_string());
        if app.instance_oauth {
            flags.push("--sso".into());
        }
    } else {
        let typed = app.draft.instance.value.trim();
        let instance = if typed.is_empty() { app.info.as_ref().map_or("", |i| i.url.as_str()) } else { typed };
        if !instance.is_empty() {
            flags.push(format!("--instance {}", shell_word(instance)));
        }
        if app.instance_oauth {
            flags.push("--sign-in oauth".into());
        } else if !app.draft.user.value.trim().is_empty() {
            flags.push(format!("--user {}", shell_word(app.draft.user.value.trim())));
        }
    }
    flags.iter().map(|f| format!(" {f}")).collect()
}

/// The command that signs `user` in for `credential` later and puts the token on the
/// instance, as this wizard reached it.
pub fn authorize_command(app: &App, credential: &str, user: &str) -> String {
    format!(
        "calsync authorize --credential \"{credential}\" --expect-user {user} --store-on-instance{}",
        target_flags(app)
    )
}

/// What calsync prints once the screen is closed, however the wizard ended (Enter on the
/// summary, Ctrl-C, a signal): that the setup was applied, and for each credential the
/// instance still has no token for, the command that gets it one.
pub fn goodbye(app: &App) -> Vec<String> {
    let mut out = vec![];
    if app.done.written.is_some() {
        let url = app.info.as_ref().map_or("the instance", |i| i.url.as_str());
        out.push(format!("calsync: the setup was applied to {url}."));
        // What the Summary's room check left: the doctor lists it again.
        let doctor = format!("calsync doctor{}", target_flags(app));
        match super::roomcheck::left(app) {
            Some(Ok(1)) => out.push(format!("1 room step is left before the rooms sync: {doctor} shows it.")),
            Some(Ok(n)) => out.push(format!("{n} room steps are left before the rooms sync: {doctor} shows them.")),
            Some(Err(e)) => out.push(format!("The rooms were not checked ({e}): {doctor} checks them.")),
            None => {}
        }
    }
    let handed_over = |c: &str| app.done.handovers.iter().any(|(x, s)| x == c && matches!(s, HandoverState::Done(_)));
    for t in &app.sign_ins() {
        let command = authorize_command(app, &t.credential, &t.user);
        match &t.state {
            TokenState::Done { .. } if handed_over(&t.credential) => {}
            // Re-authorize left the instance's own token in place: nothing is missing.
            TokenState::Skipped | TokenState::Failed(_) if kept_token(app, &t.credential).is_some() => {}
            TokenState::Done { .. } => out.push(format!(
                "\"{}\" is signed in (its token is in the OS keyring), but the instance has no token for it yet: {command}.",
                t.credential
            )),
            _ => out.push(format!("No token yet for \"{}\": sign {} in with {command}.", t.credential, t.user)),
        }
    }
    out
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
    let Screen::Token(t) = &mut app.screen else { return vec![] };
    t.paste = None;
    let Some(i) = current(t) else { return vec![] };
    t.tasks[i].state = match r {
        Ok(s) => {
            if let Some(typed) = app.client_secret.as_mut() {
                typed.worked = true;
            }
            TokenState::Done { who: s.who.to_string(), warnings: s.warnings }
        }
        // Nowhere to find the secret: ask for it.
        Err(Failure::NoClientSecret(client_id)) => {
            TokenState::NeedsSecret { client_id, field: TextField::masked("Client secret"), refused: None }
        }
        // Microsoft refused the secret (typed, or the keyring's, which may have expired):
        // forget a typed one and ask again, saying why.
        Err(Failure::SecretRefused { client_id, error }) => {
            if app.client_secret.as_ref().is_some_and(|s| s.client_id == client_id) {
                app.client_secret = None;
            }
            let refused = Some(error.to_string());
            TokenState::NeedsSecret { client_id, field: TextField::masked("Client secret"), refused }
        }
        Err(e) => TokenState::Failed(e.to_string()),
    };
    vec![]
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(t) = on_screen(app) else { return vec![] };
    if let Some(i) = current(t)
        && asks_for_secret(app)
    {
        return secret_key(app, i, k);
    }
    match k.code {
        KeyCode::Char('k') if offers_to_keep(app) => {
            let Some(typed) = app.client_secret.clone() else { return vec![] };
            let Some(account) = secret_account(app, &typed.client_id) else { return vec![] };
            return vec![Effect::KeepSecret { account, secret: typed.secret }];
        }
        KeyCode::Enter | KeyCode::Char('r') => {
            if current(t).is_some() {
                return start(app);
            }
            // Every sign-in is finished: they go on to the hand-over and the summary.
            app.done.tokens = t.tasks.clone();
            app.next();
            if app.step() == crate::wizard::Step::Handover {
                return super::handover::start(app);
            }
        }
        KeyCode::Esc => app.back(),
        KeyCode::Char('s') => {
            if let Some(t) = on_screen_mut(app)
                && let Some(i) = current(t)
            {
                t.tasks[i].state = TokenState::Skipped;
            }
        }
        _ => {}
    }
    vec![]
}

/// A line per sign-in, with its detail; `short` keeps a finished one to who signed in (its
/// object and tenant IDs left out), for a screen too small to show everything.
fn task_lines(app: &App, tokens: &Tokens, short: bool) -> Vec<Para> {
    let t = theme(app);
    let mut lines: Vec<Para> = vec![];
    for task in &tokens.tasks {
        let (mark, style, detail) = match &task.state {
            TokenState::Pending => ("next    ", t.accent(), format!("sign in as {}", task.user)),
            TokenState::Waiting { .. } => ("waiting ", t.warn(), format!("sign in as {} in the browser", task.user)),
            TokenState::Done { who, .. } if short => {
                let account = who.split(" (").next().unwrap_or(who);
                ("done    ", t.ok(), format!("signed in as {account}"))
            }
            TokenState::Done { who, .. } => {
                ("done    ", t.ok(), format!("signed in as {who}; refresh token in the OS keyring"))
            }
            TokenState::Failed(e) => ("FAILED  ", t.bad(), e.clone()),
            TokenState::Skipped => match kept_token(app, &task.credential) {
                Some(day) => {
                    ("skipped ", t.dim(), format!("not signed in again; the instance keeps its token, to {day}"))
                }
                None => ("skipped ", t.dim(), "no token; run calsync authorize later".to_string()),
            },
            TokenState::NeedsSecret { .. } => {
                ("next    ", t.accent(), format!("sign in as {}; the app's client secret is needed", task.user))
            }
        };
        // A message keeps its line breaks (the wrong-account refusal lists its ways out).
        let mut detail_lines = detail.lines();
        let first = detail_lines.next().unwrap_or_default().to_string();
        let head = Line::from(vec![Span::styled(mark, style), Span::raw(format!("{}: {first}", task.credential))]);
        lines.push(Para::hang(head, MARK));
        lines.extend(detail_lines.map(|l| Para::hang(format!("        {l}"), MARK)));
        if let TokenState::Done { warnings, .. } = &task.state {
            for w in warnings {
                lines.push(Para::hang(vec![Span::styled("warning ", t.warn()), Span::raw(w.clone())], MARK));
            }
        }
    }
    lines
}

/// How a notice of the sign-in wait is drawn: what was refused or explained stands out.
fn notice_style(app: &App, notice: &str) -> ratatui::style::Style {
    let t = theme(app);
    if notice.starts_with("Ignored:") || notice.starts_with("AADSTS") || notice.starts_with("No browser") {
        t.warn()
    } else {
        t.accent()
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let Some(tokens) = on_screen(app) else { return };
    let mut lines = task_lines(app, tokens, false);
    if let Some(TokenState::NeedsSecret { client_id, field, refused }) = next_state(app) {
        lines.push(Para::text(""));
        lines.extend(secret_prompt(app, client_id, refused.as_deref()).into_iter().map(Para::text));
        // Room for the field and its hint under the text, which ends with what to do.
        let room = area.height.saturating_sub(3);
        let rows = fit(app, tokens, lines, area.width, f.area().width, room);
        let used = u16::try_from(rows.len()).unwrap_or(u16::MAX).min(room);
        let over = u16::try_from(rows.len()).unwrap_or(u16::MAX).saturating_sub(room);
        view::draw_rows(f, Rect { height: used, ..area }, &rows, over);
        let below = Rect { y: area.y + used + 1, height: area.height.saturating_sub(used + 1), ..area };
        let hint = "shown as dots; sent only to the app's token endpoint".to_string();
        view::field(f, below, app, field, true, Some((hint, false)));
        return;
    }
    if offers_to_keep(app)
        && let Some(typed) = &app.client_secret
    {
        let account = secret_account(app, &typed.client_id).map(|a| a.key()).unwrap_or_default();
        lines.push(Para::text(""));
        lines.push(Para::text(Line::styled(
            format!(
                "The client secret you typed worked. k keeps it in the OS keyring (service \"{}\", account \"{account}\"), where the next run and calsync authorize find it; without k it is forgotten when calsync ends.",
                crate::secrets::SERVICE
            ),
            t.accent(),
        )));
    }
    if let Some((url, start)) = tokens.tasks.iter().find_map(|x| match &x.state {
        TokenState::Waiting { url: Some(u), start_url } => Some((u.clone(), start_url.clone())),
        _ => None,
    }) {
        lines.push(Para::text(""));
        if let Some(s) = start {
            lines.push(Para::text("If no browser opened, open this address on this machine:"));
            lines.push(Para::link(&s, 2, t.accent()));
            lines.push(Para::text(
                "or the full address, under this box, from anywhere that can reach the sign-in page.",
            ));
        } else {
            lines.push(Para::text("Open the address under this box in a browser."));
        }
        let _ = url;
        lines.push(Para::text(""));
        lines.push(Para::text(
            "If the browser cannot reach this machine, paste the address it ends on here and press Enter (an AADSTS code from an error page is explained):",
        ));
        let typed = tokens.paste.as_ref().map(|f| f.value.clone()).unwrap_or_default();
        lines.push(Para::hang(Line::styled(format!("> {typed}"), t.accent()), 2));
        // What became of a pasted line, or of the browser: the status row shows the wait.
        if let Some(n) = &app.notice {
            lines.push(Para::text(Line::styled(n.clone(), notice_style(app, n))));
        }
    } else if current(tokens).is_some() {
        lines.push(Para::text(""));
        lines.push(Para::text(
            "Enter opens the Microsoft sign-in in your browser. It asks for the password every time, so the token cannot silently go to the account your browser is already signed in as.",
        ));
    } else {
        lines.push(Para::text(""));
        let style =
            if tokens.tasks.iter().all(|x| matches!(x.state, TokenState::Done { .. })) { t.ok() } else { t.warn() };
        lines.push(Para::text(Line::styled(finished(app, &tokens.tasks), style)));
    }
    let rows = fit(app, tokens, lines, area.width, f.area().width, area.height);
    let over = u16::try_from(rows.len()).unwrap_or(u16::MAX).saturating_sub(area.height);
    view::draw_rows(f, area, &rows, over);
}

/// The step's text (`lines`, starting with `task_lines`) as rows for `height`. Too tall
/// (a small terminal, several sign-ins): the finished sign-ins say only who signed in,
/// then the blank rows between the parts go. If that is not enough the caller lets the
/// top give way, so that the end (the paste field and what became of a pasted line, or
/// what to do with the secret) stays on screen.
fn fit(app: &App, tokens: &Tokens, mut lines: Vec<Para>, width: u16, full: u16, height: u16) -> Vec<view::Row> {
    let rows = view::layout(&lines, width, full);
    if rows.len() <= usize::from(height) {
        return rows;
    }
    let mut short = task_lines(app, tokens, true);
    short.extend(lines.drain(task_lines(app, tokens, false).len()..));
    let rows = view::layout(&short, width, full);
    if rows.len() <= usize::from(height) {
        return rows;
    }
    short.retain(|p| !matches!(p, Para::Text { line, .. } if line.width() == 0));
    view::layout(&short, width, full)
}

/// What the secret prompt says: which app, why, and where its secret comes from.
fn secret_prompt(app: &App, client_id: &str, refused: Option<&str>) -> Vec<Line<'static>> {
    let t = theme(app);
    let profile = app.info.as_ref().and_then(|i| i.profiles.iter().find(|p| p.client_id == client_id));
    let registry = profile.map(|p| format!(" \"{}\"", p.registry)).unwrap_or_default();
    let tenant = profile.and_then(|p| p.tenant.clone()).map(|t| format!(", tenant {t}")).unwrap_or_default();
    let mut out = vec![];
    let found = if let Some(r) = refused {
        out.push(Line::styled(format!("Microsoft refused the client secret it was sent: {r}"), t.bad()));
        "Type the current one; k then keeps it in place of the old."
    } else {
        "Neither the OS keyring nor CALSYNC_CLIENT_SECRET has it."
    };
    out.push(Line::from(format!(
        "The sign-in is redeemed with the client secret of the app registration{registry} (client ID {client_id}{tenant}). {found}"
    )));
    out.push(Line::from(
        "It is in the Azure portal: Microsoft Entra ID > App registrations > the app with this client ID > Certificates & secrets. Copy the secret's Value (shown only when it was created), not its Secret ID; if it is lost, add a new client secret there.",
    ));
    out.push(Line::styled("Type or paste it, then Enter signs in; Esc stops asking.", t.dim()));
    out
}
