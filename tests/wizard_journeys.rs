//! The wizard's journeys end to end, in process: the real `App`, the real driver's
//! `perform` for every effect, a sandbox instance, a scripted person at the browser and
//! the in-memory secret store. No terminal, no keyring, no D-Bus: they run under plain
//! `cargo test`, as tables of cases.

mod common;

use calsync::config::Services;
use calsync::secrets::Account;
use calsync::wizard::driver::{Env, perform};
use calsync::wizard::steps::{findings, review};
use calsync::wizard::{App, Busy, Effect, Event, Journey, Outcome, Screen, Step, TokenState};
use common::*;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

/// The wizard with the driver behind it: effects run one by one, their events go back in.
struct Run {
    app: App,
    env: Env,
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    /// Every effect the app asked for, in order.
    effects: Vec<String>,
}

impl Run {
    fn new(services: Services, sb: &calsync::sandbox::Sandbox, journey: Journey) -> Run {
        let mut app = App::new(true);
        app.start(journey);
        app.draft.instance.set(sb.url());
        app.draft.user.set(calsync::sandbox::seed::ADMIN_USER);
        app.draft.password.set(calsync::sandbox::seed::ADMIN_PASSWORD);
        let (tx, rx) = mpsc::unbounded_channel();
        Run { app, env: Env { services, sandbox_url: Some(sb.url().to_string()) }, tx, rx, effects: vec![] }
    }

    /// Runs what the app asks for until it asks for nothing more.
    async fn settle(&mut self, mut pending: Vec<Effect>) {
        while !pending.is_empty() {
            for e in std::mem::take(&mut pending) {
                self.effects.push(format!("{e:?}").split([' ', '{', '(']).next().unwrap_or_default().to_string());
                perform(e, &self.env, &self.tx).await;
            }
            while let Ok(ev) = self.rx.try_recv() {
                pending.extend(self.app.handle(ev));
            }
        }
    }

    async fn key(&mut self, code: KeyCode) {
        let fx = self.app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.settle(fx).await;
    }

    async fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    fn on(&self, step: Step) {
        assert_eq!(self.app.step(), step, "error: {:?}, notice: {:?}", self.app.error, self.app.notice);
        assert_eq!(self.app.busy, None);
    }
}

/// The instance after `calsync apply` of the personal own-alias example: set up, no token yet.
async fn apply_example(sb: &calsync::sandbox::Sandbox) {
    let c = client(sb);
    let p = calsync::plan::parse("p", &example("personal-own-alias.toml")).unwrap();
    let st = calsync::plan::read_state(&c, &p).await.unwrap();
    calsync::plan::apply::apply(&c, &calsync::plan::diff(&p, &st), &st, |_| {}).await;
}

fn refresh_token(credential: &str) -> Account {
    Account::RefreshToken { instance: "sandbox".into(), credential: credential.into() }
}

/// The personal setup with an own alias, by keyboard, to the sign-in; then the person at
/// the browser decides how it ends.
#[tokio::test(flavor = "multi_thread")]
async fn the_personal_setup_then_get_oauth_token() {
    let cases = [
        (Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"), true, "signed in as rooms-delegate"),
        (Person::SignsInAs("it-admin@contoso.com", "Admin-Pass-1"), false, "expects rooms-delegate@contoso.com"),
        (Person::Cancels, false, "Nothing was stored"),
    ];
    for (person, kept, says) in cases {
        let sb = sandbox().await;
        let dir = tempfile::tempdir().unwrap();
        let (services, memory) = services(dir.path(), person.clone());
        let mut r = Run::new(services, &sb, Journey::Setup);
        r.on(Step::Mode);
        r.key(KeyCode::Enter).await;
        r.key(KeyCode::Enter).await;
        r.on(Step::Checks);
        r.key(KeyCode::Enter).await;
        r.key(KeyCode::Enter).await;
        r.on(Step::Alias);
        r.typed("Contoso_Graph_Personal").await;
        r.key(KeyCode::Enter).await;
        r.typed("rooms-delegate@contoso.com").await;
        // The credential, connection, calendar provider, rooms, sync properties and integration mode.
        for _ in 0..6 {
            r.key(KeyCode::Enter).await;
        }
        r.on(Step::Review);
        assert!(review::reviewed(&r.app).is_some_and(|r| r.diff.has_changes()));
        r.key(KeyCode::Enter).await;
        r.on(Step::Apply);
        assert!(r.app.done.written.is_some(), "{:?}", r.app.error);
        assert_eq!(count(&sb, "sys_alias", "name", "Contoso_Graph_Personal"), 1);
        r.key(KeyCode::Enter).await;
        r.on(Step::Token);
        r.key(KeyCode::Enter).await;
        let tokens = r.app.sign_ins();
        let state = &tokens[0].state;
        let text = match state {
            TokenState::Done { who, .. } => format!("signed in as {who}"),
            TokenState::Failed(e) => e.clone(),
            other => panic!("{person:?}: {other:?}"),
        };
        assert!(text.contains(says), "{person:?}: {text}");
        assert_eq!(memory.contains(&refresh_token("Contoso Graph Personal")), kept, "{person:?}");
        let notes = calsync::oauth::delegates::load(dir.path(), "sandbox");
        assert_eq!(notes.contains_key("Contoso Graph Personal"), kept, "{person:?}: {notes:?}");
        assert_eq!(r.app.outcome(), Outcome::Finished);
    }
}

/// Re-authorize after a setup: the list shows what calsync knows, the sign-in keeps the
/// new token.
#[tokio::test(flavor = "multi_thread")]
async fn re_authorize_a_delegated_mailbox() {
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (services, memory) = services(dir.path(), Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    calsync::oauth::delegates::remember(dir.path(), "sandbox", "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let mut r = Run::new(services, &sb, Journey::Reauth);
    r.on(Step::Instance);
    r.key(KeyCode::Enter).await;
    r.on(Step::Credentials);
    let Screen::Credentials(list) = &r.app.screen else { panic!("not on the list") };
    let row = &list.rows[0];
    assert_eq!((row.name.as_str(), row.delegated.as_str()), ("Contoso Graph Personal", "rooms-delegate@contoso.com"));
    assert!(!row.in_keyring);
    assert!(row.selected, "a known mailbox without a token is preselected");
    r.key(KeyCode::Enter).await;
    r.on(Step::Token);
    r.key(KeyCode::Enter).await;
    assert!(matches!(&r.app.sign_ins()[0].state, TokenState::Done { who, .. } if who.contains("rooms-delegate")));
    assert!(memory.contains(&refresh_token("Contoso Graph Personal")));
    assert_eq!(r.effects, ["Probe", "LoadCredentials", "SignIn"]);
}

/// Troubleshoot a broken instance: findings, the safe repairs reviewed and applied, the
/// checks run again with fewer findings.
#[tokio::test(flavor = "multi_thread")]
async fn troubleshoot_and_repair() {
    let sb = calsync::sandbox::Sandbox::start(calsync::sandbox::Options {
        seed: calsync::sandbox::seed::Seed::Broken,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = services(dir.path(), Person::Leaves);
    let mut r = Run::new(services, &sb, Journey::Troubleshoot);
    r.key(KeyCode::Enter).await;
    r.on(Step::Findings);
    let before = findings::report(&r.app).unwrap().findings.len();
    assert!(findings::report(&r.app).unwrap().findings.iter().any(|f| f.fixable));
    r.key(KeyCode::Char('f')).await;
    r.on(Step::Review);
    r.key(KeyCode::Enter).await;
    r.on(Step::Apply);
    assert!(r.app.done.written.is_some(), "{:?}", r.app.error);
    r.key(KeyCode::Enter).await;
    r.on(Step::Findings);
    let after = findings::report(&r.app).unwrap().findings.len();
    assert!(after < before, "{before} findings before the repairs, {after} after");
    assert_eq!(r.effects, ["Probe", "Doctor", "Apply", "Doctor"]);
}

/// Troubleshoot a credential with no token: `t` on the TOKEN-MISSING finding signs its
/// provider's mailbox in, writes the token to the instance, and the findings read again no
/// longer have it.
#[tokio::test(flavor = "multi_thread")]
async fn troubleshoot_signs_in_for_a_missing_token() {
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (services, memory) = services(dir.path(), Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    let mut r = Run::new(services, &sb, Journey::Troubleshoot);
    r.key(KeyCode::Enter).await;
    r.on(Step::Findings);
    let missing = |r: &Run| {
        findings::report(&r.app).unwrap().findings.iter().position(|f| {
            f.id == calsync::doctor::Check::TokenMissing && f.title.contains("\"Contoso Graph Personal\"")
        })
    };
    r.app.cursor = missing(&r).expect("the new credential has no token on the instance");
    assert!(calsync::wizard::steps::keys_help(&r.app).contains("t sign in"));
    r.key(KeyCode::Char('t')).await;
    r.on(Step::Token);
    assert_eq!(r.app.sign_ins()[0].user, "rooms-delegate@contoso.com", "the provider's delegated user");
    r.key(KeyCode::Enter).await;
    assert!(matches!(&r.app.sign_ins()[0].state, TokenState::Done { who, .. } if who.contains("rooms-delegate")));
    assert!(memory.contains(&refresh_token("Contoso Graph Personal")));
    r.key(KeyCode::Enter).await;
    r.on(Step::Handover);
    assert!(
        matches!(&r.app.done.handovers[..], [(c, calsync::wizard::HandoverState::Done(links))] if c == "Contoso Graph Personal" && !links.is_empty()),
        "{:?}",
        r.app.done.handovers
    );
    r.key(KeyCode::Enter).await;
    r.on(Step::Findings);
    assert_eq!(missing(&r), None, "the token is on the instance now");
    assert_eq!(r.effects, ["Probe", "Doctor", "SignIn", "HandOver", "Doctor"]);
}

/// A wrong password goes out once: the login is checked with one request before the
/// probe's concurrent round, and the wizard offers no retry that would send it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_sent_once_and_not_retried() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = services(dir.path(), Person::Leaves);
    let mut r = Run::new(services, &sb, Journey::Setup);
    r.key(KeyCode::Enter).await;
    r.app.draft.password.set("wrong-password");
    let before = sb.requests();
    r.key(KeyCode::Enter).await;
    // Three unauthenticated probe requests (how the instance signs in), then one with the password.
    assert_eq!(sb.requests() - before, 4, "one request with the wrong password");
    let panel = r.app.error.clone().expect("an error panel");
    assert!(panel.message.contains("refused the login") && !panel.retry, "{panel:?}");
    r.key(KeyCode::Enter).await;
    assert_eq!(sb.requests() - before, 4, "Enter closes the panel and sends nothing");
    r.on(Step::Instance);
}

/// What the identity check noticed without refusing reaches the screen: Graph /me that
/// cannot be reached is a warning next to the account, as `calsync authorize` prints it.
#[tokio::test(flavor = "multi_thread")]
async fn sign_in_warnings_are_shown() {
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut services, _) = services(dir.path(), Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    // Graph is a closed port; the sign-in host is still the sandbox.
    let mut config = (*services.config).clone();
    config.login_url = Some(sb.url().to_string());
    config.graph_url = Some("http://127.0.0.1:9".into());
    services.config = std::sync::Arc::new(config);
    calsync::oauth::delegates::remember(dir.path(), "sandbox", "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let mut r = Run::new(services, &sb, Journey::Reauth);
    r.key(KeyCode::Enter).await;
    // The tokenless credential comes selected.
    r.key(KeyCode::Enter).await;
    r.on(Step::Token);
    r.key(KeyCode::Enter).await;
    let warnings = match &r.app.sign_ins()[0].state {
        TokenState::Done { warnings, .. } => warnings.clone(),
        other => panic!("{other:?}"),
    };
    assert!(warnings.iter().any(|w| w.contains("Graph")), "{warnings:?}");
    let screen = render(&r.app);
    assert!(screen.contains("warning"), "{screen}");
}

/// A cancelled sign-in (Esc while waiting for the browser) stops the task: its result is
/// dropped and nothing is kept.
#[tokio::test(flavor = "multi_thread")]
async fn esc_while_signing_in_stops_it() {
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (services, memory) = services(dir.path(), Person::Leaves);
    calsync::oauth::delegates::remember(dir.path(), "sandbox", "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let mut r = Run::new(services, &sb, Journey::Reauth);
    r.key(KeyCode::Enter).await;
    // The tokenless credential comes selected.
    r.key(KeyCode::Enter).await;
    r.on(Step::Token);
    // The sign-in runs as a task of the driver's, as in the terminal.
    let mut tasks = calsync::wizard::driver::Tasks::default();
    let fx = r.app.handle(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert_eq!(r.app.busy, Some(Busy::SigningIn));
    for e in fx {
        tasks.start(e, &r.env, &r.tx);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(tasks.running(), 1);
    for e in r.app.handle(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))) {
        tasks.start(e, &r.env, &r.tx);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(tasks.running(), 0, "the sign-in task was stopped");
    while let Ok(ev) = r.rx.try_recv() {
        r.app.handle(ev);
    }
    assert!(matches!(&r.app.sign_ins()[0].state, TokenState::Failed(m) if m.contains("cancelled")));
    assert!(!memory.contains(&refresh_token("Contoso Graph Personal")));
}

/// A real instance's way: no sandbox secret, nothing in the keyring, no
/// CALSYNC_CLIENT_SECRET. The Token step asks for the secret (masked), signs in with it,
/// keeps it on `k` under the account `calsync authorize` reads, and the next run finds it.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_secret_found_nowhere_is_typed_and_kept() {
    use secrecy::ExposeSecret;
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut services, memory) =
        services(dir.path(), Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    let mut config = (*services.config).clone();
    assert!(config.client_secret.is_none());
    // Microsoft's sign-in host and Graph are the sandbox's, but the wizard does not know it
    // is a sandbox: its secret is nowhere.
    config.login_url = Some(sb.url().to_string());
    config.graph_url = Some(sb.url().to_string());
    services.config = std::sync::Arc::new(config);
    let instance = calsync::urls::InstanceUrl::parse(sb.url()).unwrap().key();
    calsync::oauth::delegates::remember(dir.path(), &instance, "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let secret_account =
        Account::ClientSecret { instance: instance.clone(), client_id: calsync::sandbox::seed::CLIENT_ID.into() };
    for run in ["typed", "found in the keyring"] {
        let mut r = Run::new(services.clone(), &sb, Journey::Reauth);
        r.env.sandbox_url = None;
        r.key(KeyCode::Enter).await;
        r.on(Step::Credentials);
        let Screen::Credentials(list) = &r.app.screen else { panic!("not on the list") };
        if !list.rows[0].selected {
            // Signed in by the first run, so not preselected.
            r.key(KeyCode::Char(' ')).await;
        }
        r.key(KeyCode::Enter).await;
        r.on(Step::Token);
        r.key(KeyCode::Enter).await;
        if run == "typed" {
            assert!(
                matches!(&r.app.sign_ins()[0].state, TokenState::NeedsSecret { client_id, .. } if client_id == calsync::sandbox::seed::CLIENT_ID),
                "{:?}",
                r.app.sign_ins()[0].state
            );
            let screen = render(&r.app);
            assert!(screen.contains("Azure portal") && screen.contains(calsync::sandbox::seed::CLIENT_ID), "{screen}");
            // A wrong secret (the Secret ID instead of its Value) is refused and asked again.
            r.typed(calsync::sandbox::identity::CLIENT_SECRET_ID).await;
            r.key(KeyCode::Enter).await;
            assert!(
                matches!(&r.app.sign_ins()[0].state, TokenState::NeedsSecret { refused: Some(why), .. } if why.contains("7000215")),
                "{:?}",
                r.app.sign_ins()[0].state
            );
            r.typed(calsync::sandbox::identity::CLIENT_SECRET).await;
            r.key(KeyCode::Enter).await;
            assert!(!render(&r.app).contains(calsync::sandbox::identity::CLIENT_SECRET));
        }
        assert!(
            matches!(&r.app.sign_ins()[0].state, TokenState::Done { who, .. } if who.contains("rooms-delegate")),
            "{run}: {:?}",
            r.app.sign_ins()[0].state
        );
        assert!(memory.contains(&Account::RefreshToken {
            instance: instance.clone(),
            credential: "Contoso Graph Personal".into()
        }));
        if run == "typed" {
            assert!(!memory.contains(&secret_account), "nothing is kept without k");
            r.key(KeyCode::Char('k')).await;
            assert!(memory.contains(&secret_account), "{:?}", r.app.notice);
            let kept = services.secrets.get(&secret_account).await.unwrap().unwrap();
            assert_eq!(kept.expose_secret(), calsync::sandbox::identity::CLIENT_SECRET);
        } else {
            assert!(r.app.client_secret.is_none(), "nothing was asked");
        }
    }
}

/// The keyring's client secret has expired (or was the Secret ID): Microsoft refuses it,
/// the Token step asks for the current one instead of failing with the old one again, and
/// `k` puts the new one in its place.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_client_secret_in_the_keyring_is_replaced() {
    use secrecy::ExposeSecret;
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut services, _) = services(dir.path(), Person::SignsInAs("rooms-delegate@contoso.com", "Delegate-Pass-1"));
    let mut config = (*services.config).clone();
    config.login_url = Some(sb.url().to_string());
    config.graph_url = Some(sb.url().to_string());
    services.config = std::sync::Arc::new(config);
    let instance = calsync::urls::InstanceUrl::parse(sb.url()).unwrap().key();
    calsync::oauth::delegates::remember(dir.path(), &instance, "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let account =
        Account::ClientSecret { instance: instance.clone(), client_id: calsync::sandbox::seed::CLIENT_ID.into() };
    let old = secrecy::SecretString::from(calsync::sandbox::identity::CLIENT_SECRET_ID);
    services.secrets.set(&account, &old).await.unwrap();
    let mut r = Run::new(services.clone(), &sb, Journey::Reauth);
    r.env.sandbox_url = None;
    r.key(KeyCode::Enter).await;
    r.key(KeyCode::Enter).await;
    r.on(Step::Token);
    r.key(KeyCode::Enter).await;
    assert!(
        matches!(&r.app.sign_ins()[0].state, TokenState::NeedsSecret { refused: Some(why), .. } if why.contains("7000215")),
        "{:?}",
        r.app.sign_ins()[0].state
    );
    assert!(render(&r.app).contains("in place of the old"));
    r.typed(calsync::sandbox::identity::CLIENT_SECRET).await;
    r.key(KeyCode::Enter).await;
    assert!(matches!(&r.app.sign_ins()[0].state, TokenState::Done { .. }), "{:?}", r.app.sign_ins()[0].state);
    r.key(KeyCode::Char('k')).await;
    let kept = services.secrets.get(&account).await.unwrap().unwrap();
    assert_eq!(kept.expose_secret(), calsync::sandbox::identity::CLIENT_SECRET, "{:?}", r.app.notice);
}

fn render(app: &App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    t.draw(|f| calsync::wizard::view::draw(app, f)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn render_at(app: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| calsync::wizard::view::draw(app, f)).unwrap();
    let buf = t.backend().buffer();
    let rows: Vec<String> = (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect()).collect();
    rows.join("\n")
}

/// The browser shows Microsoft's error page (an account of another tenant) and never comes
/// back: what the admin pastes while the sign-in waits gets an answer on the 80x24 screen,
/// the AADSTS code explained and a line that is no address refused, and the sign-in still
/// waits for the right one.
#[tokio::test(flavor = "multi_thread")]
async fn what_is_pasted_while_a_sign_in_waits_is_answered() {
    let sb = sandbox().await;
    apply_example(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let (services, memory) = services(dir.path(), Person::Leaves);
    calsync::oauth::delegates::remember(dir.path(), "sandbox", "Contoso Graph Personal", "rooms-delegate@contoso.com");
    let mut r = Run::new(services, &sb, Journey::Reauth);
    r.app.size = (80, 24);
    r.key(KeyCode::Enter).await;
    r.key(KeyCode::Enter).await;
    r.on(Step::Token);
    let mut tasks = calsync::wizard::driver::Tasks::default();
    let press = |r: &mut Run, tasks: &mut calsync::wizard::driver::Tasks, code: KeyCode| {
        for e in r.app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))) {
            tasks.start(e, &r.env, &r.tx);
        }
    };
    let settle = |r: &mut Run| {
        while let Ok(ev) = r.rx.try_recv() {
            r.app.handle(ev);
        }
    };
    press(&mut r, &mut tasks, KeyCode::Enter);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    settle(&mut r);
    assert_eq!(r.app.busy, Some(Busy::SigningIn));
    for (line, answer) in [
        ("AADSTS50020", "AADSTS50020: The account that signed in does not belong to this tenant"),
        ("not an address", "Ignored:"),
    ] {
        for ch in line.chars() {
            press(&mut r, &mut tasks, KeyCode::Char(ch));
        }
        assert!(render_at(&r.app, 80, 24).contains(&format!("│ > {line}")), "what is typed shows");
        press(&mut r, &mut tasks, KeyCode::Enter);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        settle(&mut r);
        let screen = render_at(&r.app, 80, 24);
        let words = screen.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty());
        let words = words.collect::<Vec<_>>().join(" ");
        assert!(words.contains(answer), "{line:?} gets no answer {answer:?}:\n{screen}");
        assert_eq!(r.app.busy, Some(Busy::SigningIn), "still waiting");
    }
    press(&mut r, &mut tasks, KeyCode::Esc);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    settle(&mut r);
    assert_eq!(tasks.running(), 0);
    assert!(!memory.contains(&refresh_token("Contoso Graph Personal")));
}

/// `--sign-in password-mfa` against the sandbox's MFA admin: nothing is sent until the code
/// is typed, a stale code is said to be one, and the current one gets through.
#[tokio::test]
async fn the_mfa_admin_signs_in_with_the_code_typed_on_the_instance_step() {
    use calsync::sandbox::auth::{MFA_ADMIN_PASSWORD, MFA_ADMIN_USER, mfa_code};
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = services(dir.path(), Person::Leaves);
    let mut r = Run::new(services, &sb, Journey::Setup);
    r.app.mfa = true;
    r.key(KeyCode::Enter).await;
    r.on(Step::Instance);
    r.app.draft.user.set(MFA_ADMIN_USER);
    r.app.draft.password.set(MFA_ADMIN_PASSWORD);
    let before = sb.requests();
    r.key(KeyCode::Enter).await;
    assert_eq!((sb.requests() - before, r.app.focus), (0, 3), "no code, nothing sent; the cursor is on the code");
    let current = mfa_code(MFA_ADMIN_USER);
    let wrong: String = current.chars().map(|c| if c == '0' { '1' } else { '0' }).collect();
    r.typed(&wrong).await;
    r.key(KeyCode::Enter).await;
    let panel = r.app.error.clone().expect("an error panel");
    assert!(panel.message.contains("one-time code") && panel.message.contains("current code"), "{panel:?}");
    r.key(KeyCode::Esc).await;
    assert!(r.app.draft.code.value.is_empty(), "a code serves one login");
    r.typed(&mfa_code(MFA_ADMIN_USER)).await;
    r.key(KeyCode::Enter).await;
    r.on(Step::Checks);
}
