//! Transitions of the wizard's state machine: no terminal, no network.

use super::*;
use crate::plan::diff::{Action, Item, Kind};
use crate::snow::SnError;
use crate::snow::records::{Flag, Text};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.handle(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}

/// Leaves the Provider step: the Rooms step loads the instance's rooms; none here.
fn past_rooms(app: &mut App) {
    let g = match key(app, KeyCode::Enter).as_slice() {
        [Effect::LoadRooms { generation, .. }] => *generation,
        other => panic!("the Rooms step loads the rooms: {other:?}"),
    };
    assert_eq!(app.step(), Step::Rooms);
    app.handle(Event::Rooms(g, Ok(vec![])));
    key(app, KeyCode::Enter);
}

pub fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn scope(name: &str, scope: &str, version: &str) -> Scope {
    Scope {
        sys_id: Text(format!("id-{scope}")),
        scope: Text(scope.into()),
        name: Text(name.into()),
        version: Text(version.into()),
        active: Flag(true),
        sys_class_name: Text("sys_store_app".into()),
    }
}

pub fn info() -> InstanceInfo {
    let p = |name: &str, grant: &str| ProfileInfo {
        sys_id: format!("p-{name}"),
        name: name.into(),
        grant_type: grant.into(),
        registry: "reg".into(),
        client_id: "cid".into(),
        tenant: Some("tid".into()),
    };
    InstanceInfo {
        url: "https://dev123.service-now.com".into(),
        user: "admin".into(),
        user_found: true,
        is_admin: true,
        wcs: Some(scope("Workplace Calendar Synchronization", "sn_wsd_rsvsync", "3.4.6")),
        spoke: Some(scope("Microsoft Exchange Online Spoke", "sn_ex_online_spke", "3.14.1")),
        current_app: "Global".into(),
        profiles: vec![
            p(facts::PROFILE_AUTH_CODE, facts::GRANT_AUTH_CODE),
            p(facts::PROFILE_CLIENT_CREDENTIALS, facts::GRANT_CLIENT_CREDENTIALS),
            p(facts::PROFILE_PERSONAL, facts::GRANT_AUTH_CODE),
        ],
        personal_alias: Some((facts::PERSONAL_ALIAS_ID.into(), true)),
        mode_value: Some("Normal".into()),
        providers: vec!["Microsoft Exchange Online".into()],
        idle_providers: vec!["Microsoft Exchange Online".into()],
        properties: vec![
            ("sn_wsd_rsvsync.use_default_tz".into(), "building".into()),
            ("sn_wsd_rsvsync.max_event_retry_count".into(), "10".into()),
        ],
        provider_records: vec![ProviderRecord {
            name: "Microsoft Exchange Online".into(),
            active: true,
            ..ProviderRecord::default()
        }],
    }
}

/// A connection to `url` as `admin` (nothing is sent while a test only looks at it).
pub fn conn(url: &str) -> Connection {
    let u = crate::urls::InstanceUrl::parse(url).unwrap();
    Connection {
        client: std::sync::Arc::new(crate::snow::Client::new(u.clone(), "admin", "pw".into()).unwrap()),
        instance_key: u.key(),
        sandbox_url: None,
    }
}

/// The probe's answer for `info`, from the instance `info.url` names.
pub fn found(g: u64, info: InstanceInfo) -> Event {
    Event::Probed(g, Ok(Box::new(Probed { conn: conn(&info.url), info })))
}

fn reviewed(d: Diff) -> Result<Box<Reviewed>, Failure> {
    Ok(Box::new(Reviewed { diff: d, state: InstanceState::default() }))
}

/// The diff on the review screen, to change.
fn on_review(app: &mut App) -> &mut Reviewed {
    match &mut app.screen {
        Screen::Review(Review { reviewed: Some(r) }) => r,
        other => panic!("not a review with a diff: {other:?}"),
    }
}

/// The sign-ins on the Token screen.
fn tasks(app: &App) -> &[TokenTask] {
    match &app.screen {
        Screen::Token(t) => &t.tasks,
        other => panic!("not on Get OAuth Token: {other:?}"),
    }
}

/// The credentials the re-authorize list shows.
fn credential_rows(app: &App) -> &[CredentialRow] {
    match &app.screen {
        Screen::Credentials(c) => &c.rows,
        other => panic!("not on the delegated mailboxes: {other:?}"),
    }
}

/// The rooms the Rooms step shows.
fn room_rows(app: &App) -> &[RoomRow] {
    match &app.screen {
        Screen::Rooms(r) => &r.rows,
        other => panic!("not on Rooms: {other:?}"),
    }
}

fn refused() -> Failure {
    Failure::Instance(SnError::Unauthorized { user: "admin".into(), message: "User Not Authenticated".into() })
}

fn unavailable() -> Failure {
    Failure::Instance(SnError::Server { status: 503, message: None, attempts: 3 })
}

fn item(kind: Kind, action: Action) -> Item {
    Item { action, ..Item::new(kind, "x", "t") }
}

fn diff(actions: &[Action]) -> Diff {
    Diff { mode: Mode::Personal, scope: "WCS".into(), items: actions.iter().map(|a| item(Kind::Alias, *a)).collect() }
}

/// Walks to the Instance step with the form filled.
pub fn at_instance(choice: ModeChoice) -> App {
    let mut app = App::new(false);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Mode, "the picker's first journey is the setup");
    let idx = ModeChoice::ALL.iter().position(|c| *c == choice).unwrap();
    for _ in 0..idx {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Instance);
    assert_eq!(app.draft.choice, choice);
    app
}

pub fn probed(mut app: App) -> App {
    assert_eq!(app.focus, 0);
    typed(&mut app, "dev123");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "admin");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "pw");
    let fx = key(&mut app, KeyCode::Enter);
    let g = match fx.as_slice() {
        [Effect::Probe { generation, url, user, .. }] => {
            assert_eq!(url, "https://dev123.service-now.com");
            assert_eq!(user, "admin");
            *generation
        }
        other => panic!("{other:?}"),
    };
    app.handle(found(g, info()));
    assert_eq!(app.step(), Step::Checks);
    app
}

#[test]
fn mode_list_moves_and_chooses() {
    let mut app = App::new(false);
    assert_eq!(app.step(), Step::Picker);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Picker, "nothing before the picker");
    app.start(Journey::Setup);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.cursor, 0, "the top stays the top");
    key(&mut app, KeyCode::End);
    assert_eq!(app.cursor, 3);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Picker, "back from the first step is the picker");
    app.start(Journey::Setup);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.step(), app.draft.choice), (Step::Instance, ModeChoice::Normal));
    assert_eq!(app.position(), (2, 13));
}

#[test]
fn steps_follow_the_mode() {
    assert!(!steps_for(ModeChoice::Normal).contains(&Step::Token));
    assert!(!steps_for(ModeChoice::Normal).contains(&Step::Alias));
    assert!(!steps_for(ModeChoice::PersonalDefault).contains(&Step::Connection));
    assert_eq!(steps_for(ModeChoice::PersonalOwn).len(), 16);
}

#[test]
fn the_instance_form_checks_before_probing() {
    let mut app = at_instance(ModeChoice::PersonalOwn);
    typed(&mut app, "https://dev1.service-now.com/now/nav");
    app.focus = 2;
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "a URL with a path is not sent");
    assert_eq!(app.focus, 0, "the cursor goes to the field to fix");
    ctrl(&mut app, 'u');
    assert!(app.draft.instance.value.is_empty());
    typed(&mut app, "dev1");
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "no user yet");
    assert_eq!(app.focus, 1);
    key(&mut app, KeyCode::Char('?'));
    assert!(!app.help, "? types into a field");
    assert_eq!(app.draft.user.value, "?");
}

#[test]
fn stale_and_failed_probes() {
    let mut app = at_instance(ModeChoice::PersonalOwn);
    app.draft.instance.set("dev1");
    app.draft.user.set("admin");
    app.draft.password.set("pw");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    assert_eq!(app.busy, Some(Busy::Probing));
    assert!(key(&mut app, KeyCode::Char('x')).is_empty(), "keys wait while busy");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.busy, None, "Esc cancels");
    app.handle(found(g, info()));
    assert_eq!(app.step(), Step::Instance, "a cancelled probe's answer is ignored");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Probed(g, Err(unavailable())));
    assert!(app.error.as_ref().is_some_and(|e| e.retry));
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Probe { .. }]), "Enter retries");
}

#[test]
fn checks_block_a_user_without_admin() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    app.info.as_mut().unwrap().is_admin = false;
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Checks);
    assert!(app.notice.is_some());
    app.info.as_mut().unwrap().is_admin = true;
    app.info.as_mut().unwrap().wcs = Some(scope("WCS", "sn_wsd_rsvsync", "2.5.0"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Checks, "personal mode needs WCS 3.0.0");
}

#[test]
fn profile_grant_must_fit_the_mode() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Profile);
    assert_eq!(app.cursor, 2, "the personal profile is preselected");
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Profile, "client credentials do not fit personal mode");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.step(), app.draft.profile), (Step::Alias, Some(2)));
}

pub fn through_profile(choice: ModeChoice) -> App {
    let mut app = probed(at_instance(choice));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    app
}

#[test]
fn own_alias_names_the_rest() {
    let mut app = through_profile(ModeChoice::PersonalOwn);
    typed(&mut app, "Bad Name");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Alias);
    ctrl(&mut app, 'u');
    typed(&mut app, "Contoso_Rooms");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Credential);
    assert_eq!(app.draft.credential.value, "Contoso Rooms");
    assert_eq!(app.draft.connection.value, "Contoso Rooms");
    assert_eq!(app.focus, 1, "the cursor starts on the empty delegated user");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, 1, "the delegated user is missing");
    typed(&mut app, "not-an-email");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Credential);
    ctrl(&mut app, 'u');
    typed(&mut app, "rooms@contoso.com");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Connection);
    key(&mut app, KeyCode::F(2));
    assert_eq!(app.draft.url.value, "https://graph.microsoft.us");
    typed(&mut app, "/v1.0");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Connection, "a path is refused");
    key(&mut app, KeyCode::F(2));
    assert_eq!(
        app.draft.url.value, "https://graph.microsoft.com",
        "from an unknown URL, F2 starts at the global cloud"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Provider);
    assert_eq!(app.draft.provider.value, "Contoso Rooms", "one provider per mailbox, named after its alias");
    past_rooms(&mut app);
    assert_eq!(app.step(), Step::Properties);
    key(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 'u');
    typed(&mut app, "user");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.draft.properties["sn_wsd_rsvsync.use_default_tz"], "user");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Esc);
    assert!(steps::editing(&app).is_none() && app.draft.properties.len() == 1, "Esc leaves the value as it was");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Integration);
    let plan = app.draft.to_plan(app.info.as_ref()).unwrap();
    assert_eq!(plan.aliases[0].name, "Contoso_Rooms");
    assert_eq!(plan.providers[0].alias.as_deref(), Some("Contoso_Rooms"));
    assert_eq!(plan.providers[0].delegated_user.as_deref(), Some("rooms@contoso.com"));
    assert_eq!(plan.properties["sn_wsd_rsvsync.use_default_tz"], "user");
    assert_eq!(plan.credentials[0].delegated_user.as_deref(), Some("rooms@contoso.com"));
}

fn at_review(choice: ModeChoice) -> (App, u64) {
    let mut app = through_profile(choice);
    if choice == ModeChoice::PersonalOwn {
        typed(&mut app, "Contoso_Rooms");
        key(&mut app, KeyCode::Enter);
    } else if choice == ModeChoice::PersonalDefault {
        key(&mut app, KeyCode::Enter);
    }
    typed(&mut app, "rooms@contoso.com");
    key(&mut app, KeyCode::Enter);
    if choice != ModeChoice::PersonalDefault {
        key(&mut app, KeyCode::Enter);
    }
    assert_eq!(app.step(), Step::Provider);
    past_rooms(&mut app);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Integration);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Diff { generation, plan, .. }] => {
            assert_eq!(plan.mode, choice.mode());
            *generation
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(app.step(), Step::Review);
    (app, g)
}

#[test]
fn review_blocks_conflicts_then_applies_then_signs_in() {
    let (mut app, g) = at_review(ModeChoice::PersonalOwn);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Conflict, Action::Create]))));
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.step(), Step::Review);
    on_review(&mut app).diff = diff(&[Action::Create, Action::Unchanged]);
    assert!(app.unapplied());
    ctrl(&mut app, 'c');
    assert!(app.confirm_quit && !app.quit, "Ctrl-C asks while changes are unapplied");
    key(&mut app, KeyCode::Char('n'));
    assert!(!app.confirm_quit);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, reviewed, .. }] => {
            assert_eq!(reviewed.diff.items.len(), 2, "the apply carries the reviewed diff");
            *generation
        }
        other => panic!("{other:?}"),
    };
    assert_eq!((app.step(), app.busy.clone()), (Step::Apply, Some(Busy::Applying)));
    assert!(key(&mut app, KeyCode::Esc).is_empty(), "an apply is not cancelled halfway");
    assert_eq!(app.busy, Some(Busy::Applying));
    app.handle(Event::Progress(g, ApplyLine { ok: true, text: "created alias x".into(), link: None }));
    app.handle(Event::Applied(g, Ok(())));
    assert_eq!(app.sign_ins().len(), 1);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Apply, "no way back once written");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Token);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::SignIn { generation, credential, user, .. }] => {
            assert_eq!(credential, "Contoso Rooms");
            assert_eq!(user, "rooms@contoso.com");
            *generation
        }
        other => panic!("{other:?}"),
    };
    app.handle(Event::SignedIn(g, Err(Failure::NoClientSecret("cid".into()))));
    assert!(matches!(tasks(&app)[0].state, TokenState::NeedsSecret { .. }), "the secret is asked for");
    // Esc stops asking; Enter (`r`) tries again and is asked again.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(tasks(&app)[0].state, TokenState::Failed(ref m) if m.contains("no client secret was typed")));
    let g = match key(&mut app, KeyCode::Char('r')).as_slice() {
        [Effect::SignIn { generation, secret: None, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::SignedIn(g, Err(Failure::NoClientSecret("cid".into()))));
    typed(&mut app, "r-s3cret");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::SignIn { generation, secret: Some(s), .. }] => {
            assert_eq!(s.client_id, "cid");
            *generation
        }
        other => panic!("{other:?}"),
    };
    assert!(matches!(key(&mut app, KeyCode::Esc).as_slice(), [Effect::Cancel { generation }] if *generation == g));
    assert!(matches!(tasks(&app)[0].state, TokenState::Failed(ref m) if m.contains("cancelled")));
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(tasks(&app)[0].state, TokenState::Skipped);
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "nothing signed in, nothing to hand over");
    assert_eq!(app.step(), Step::Handover);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::CheckRooms { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    assert_eq!(app.step(), Step::Summary);
    app.handle(Event::RoomsChecked(g, Ok((0, vec![]))));
    assert!(matches!(key(&mut app, KeyCode::Char('s')).as_slice(), [Effect::SavePlan(_)]));
    app.handle(Event::Saved(Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))));
    assert!(app.notice.as_ref().unwrap().starts_with("Could not save the plan: "), "{:?}", app.notice);
    app.handle(Event::Saved(Ok("calsync-plan-personal.toml".into())));
    assert!(app.notice.as_ref().unwrap().contains("calsync-plan-personal.toml"));
    // One Enter from habit does not end calsync; it says so, and a second one does.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(!app.quit);
    assert_eq!(app.notice.as_deref(), Some(steps::summary::LAST_STEP));
    assert!(render_text(&app, 80, 24).contains("q quit"));
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.quit);
    assert_eq!(app.outcome(), Outcome::Finished);
}

#[test]
fn nothing_to_change_skips_the_apply() {
    let (mut app, g) = at_review(ModeChoice::PersonalDefault);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Unchanged]))));
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.step(), Step::Token);
    assert_eq!(tasks(&app).len(), 2, "MS Graph 1 and MS Graph 2");
}

#[test]
fn a_failed_apply_offers_a_retry_that_compares_again() {
    let (mut app, g) = at_review(ModeChoice::Strict);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Update]))));
    key(&mut app, KeyCode::Enter);
    app.handle(Event::Applied(app.generation, Err(unavailable())));
    assert!(app.error.is_some());
    assert_eq!(app.outcome(), Outcome::ApplyFailed { access: false }, "quitting now exits 1");
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Diff { .. }]));
    assert_eq!(app.step(), Step::Review);
}

#[test]
fn help_resize_terminate() {
    let mut app = App::new(true);
    key(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    key(&mut app, KeyCode::Char('x'));
    assert!(!app.help);
    key(&mut app, KeyCode::F(1));
    assert!(app.help);
    app.handle(Event::Resize(70, 20));
    assert_eq!(app.size, (70, 20));
    assert!(app.handle(Event::Signal(Signal::Terminate)).is_empty());
    assert!(app.quit);
    assert_eq!(app.outcome(), Outcome::Signalled(Signal::Terminate));
    let mut app = App::new(false);
    assert!(ctrl(&mut app, 'c').is_empty());
    assert!(app.quit, "nothing unapplied: Ctrl-C quits at once");
    assert_eq!(app.outcome(), Outcome::Finished, "the Ctrl-C key is the admin's choice, not a signal");
}

#[test]
fn reauth_lists_picks_and_signs_in() {
    let mut app = App::new(false);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.journey, app.step()), (Journey::Reauth, Step::Instance));
    app.draft.instance.set("dev1");
    app.draft.user.set("admin");
    app.draft.password.set("pw");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let fx = app.handle(found(g, info()));
    assert_eq!(app.step(), Step::Credentials);
    let g = match fx.as_slice() {
        [Effect::LoadCredentials { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let row = |name: &str, user: &str| CredentialRow {
        name: name.into(),
        profile: "p".into(),
        delegated: user.into(),
        in_keyring: false,
        instance_expiry: None,
        selected: false,
    };
    app.handle(Event::Credentials(g, Ok(vec![row("MS Graph 1", "a@contoso.com"), row("MS Graph 2", "")])));
    assert!(
        credential_rows(&app)[0].selected && !credential_rows(&app)[1].selected,
        "tokenless with a known mailbox come selected"
    );
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Credentials, "nothing selected");
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    assert!(app.notice.as_ref().unwrap().contains("MS Graph 2"), "its delegated user is unknown");
    key(&mut app, KeyCode::Char('e'));
    typed(&mut app, "b@contoso.com");
    key(&mut app, KeyCode::Enter);
    assert_eq!(credential_rows(&app)[1].delegated, "b@contoso.com");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Token);
    assert_eq!(tasks(&app).len(), 2);
    assert!(
        matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::SignIn { credential, .. }] if credential == "MS Graph 1")
    );
}

#[test]
fn troubleshoot_runs_fixes_and_looks_again() {
    use crate::doctor::{Counts, Finding, Report, Severity};
    let mk = |id: &str, fixable: bool| Finding {
        id: id.parse().unwrap(),
        severity: Severity::Error,
        title: id.into(),
        evidence: vec![],
        why: "w".into(),
        fix: "f".into(),
        fixable,
        repair: None,
    };
    let report = |findings: Vec<Finding>| Report {
        instance: "https://x".into(),
        mode: None,
        healthy: findings.is_empty(),
        summary: Counts { errors: findings.len(), ..Default::default() },
        findings,
    };
    let mut app = App::new(false);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.journey, app.step()), (Journey::Troubleshoot, Step::Instance));
    app.draft.instance.set("dev1");
    app.draft.user.set("admin");
    app.draft.password.set("pw");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let g = match app.handle(found(g, info())).as_slice() {
        [Effect::Doctor { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    assert_eq!(app.step(), Step::Findings);
    let snap = Snapshot::default();
    let doctored = |r| Ok(Box::new((Snapshot::default(), r)));
    app.handle(Event::Doctored(g, doctored(report(vec![mk("CONN-URL", true), mk("CRED-SCOPES", false)]))));
    // The probe shows its address (for a machine where no browser opens) and Esc stops it.
    let g = match key(&mut app, KeyCode::Char('b')).as_slice() {
        [Effect::ProbeBrowser { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let waiting = |url: &str| crate::oauth::session::Notice::Waiting {
        url: url.into(),
        start_url: String::new(),
        redirect_uri: String::new(),
    };
    app.handle(Event::SignIn(g, waiting("https://login.example/authorize?probe=1")));
    assert_eq!(steps::token::waiting_url(&app), Some("https://login.example/authorize?probe=1"));
    assert!(matches!(key(&mut app, KeyCode::Esc).as_slice(), [Effect::Cancel { generation }] if *generation == g));
    assert_eq!((app.busy.clone(), steps::token::waiting_url(&app)), (None, None));
    assert_eq!(app.step(), Step::Findings, "cancelling the probe stays on the findings");
    let g = match key(&mut app, KeyCode::Char('b')).as_slice() {
        [Effect::ProbeBrowser { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::BrowserProbed(
        g,
        Ok(Box::new(crate::doctor::browser_finding("c", Some("a@b.com"), Ok("admin@b.com".into())))),
    ));
    assert_eq!(
        steps::findings::report(&app).unwrap().findings[0].id,
        "BROWSER-WRONG-ACCOUNT",
        "the wrong account goes to the top"
    );
    assert!(key(&mut app, KeyCode::Char('f')).is_empty(), "the repairs come from what the doctor read");
    assert_eq!(app.step(), Step::Review);
    assert_eq!(app.busy, None);
    assert!(steps::review::reviewed(&app).is_some(), "the diff and the state it came from");
    let _ = snap;
    on_review(&mut app).diff = diff(&[Action::Update]);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Applied(g, Ok(())));
    assert!(
        matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Doctor { .. }]),
        "repaired: the checks run again"
    );
    assert_eq!(app.step(), Step::Findings);
    assert!(app.done.written.is_none());
    let g = app.generation;
    app.handle(Event::Doctored(g, doctored(report(vec![mk("CRED-SCOPES", false)]))));
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.step(), Step::Findings, "nothing left that f can repair");
    assert!(app.notice.is_some());
    assert!(matches!(key(&mut app, KeyCode::Char('r')).as_slice(), [Effect::Doctor { .. }]));
}

#[test]
fn rooms_are_picked_and_refused_with_one_sentence() {
    let (mut app, _) = at_review(ModeChoice::PersonalOwn);
    app.busy = None;
    app.go(Step::Provider);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::LoadRooms { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let row = |l: &str, e: &str, configs: Vec<(String, bool)>| crate::wizard::RoomRow {
        location: l.into(),
        email: e.into(),
        configs,
        selected: false,
    };
    app.handle(Event::Rooms(
        g,
        Ok(vec![
            row("Everest", "everest@contoso.com", vec![]),
            row("Denali", "denali@contoso.com", vec![("Microsoft Exchange Online".into(), true)]),
            row("Fuji", "", vec![]),
        ]),
    ));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    let n = app.notice.clone().unwrap();
    assert!(n.contains("Denali already syncs through the provider \"Microsoft Exchange Online\""), "{n}");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    assert!(app.notice.clone().unwrap().contains("Fuji has no email"));
    assert_eq!(room_rows(&app).iter().filter(|r| r.selected).count(), 1);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Properties);
    let plan = app.draft.to_plan(app.info.as_ref()).unwrap();
    assert_eq!(plan.rooms.len(), 1);
    assert_eq!((plan.rooms[0].location.as_str(), plan.rooms[0].provider.as_str()), ("Everest", "Contoso Rooms"));
    let retired: Vec<_> = plan.providers.iter().filter(|p| !p.active).map(|p| p.name.as_str()).collect();
    assert_eq!(retired, ["Microsoft Exchange Online"], "the provider without a delegated user is retired");
}

#[test]
fn the_token_reaches_the_instance_as_a_step_of_its_own() {
    let (mut app, g) = at_review(ModeChoice::PersonalOwn);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Applied(g, Ok(())));
    key(&mut app, KeyCode::Enter);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::SignIn { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let who = crate::oauth::identity::Who {
        username: "rooms@contoso.com".into(),
        name: None,
        object_id: None,
        tenant_id: None,
    };
    app.handle(Event::SignedIn(g, Ok(crate::wizard::SignedIn { who, warnings: vec![] })));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::HandOver { generation, credential, .. }] => {
            assert_eq!(credential, "Contoso Rooms");
            *generation
        }
        other => panic!("the hand-over starts on its own: {other:?}"),
    };
    assert_eq!(app.step(), Step::Handover);
    app.handle(Event::HandedOver(g, "Contoso Rooms".into(), Err("writing failed".into())));
    assert!(matches!(&app.done.handovers[0].1, crate::wizard::HandoverState::Failed(_)));
    let g = match key(&mut app, KeyCode::Char('r')).as_slice() {
        [Effect::HandOver { generation, .. }] => *generation,
        other => panic!("r retries: {other:?}"),
    };
    app.handle(Event::HandedOver(g, "Contoso Rooms".into(), Ok(vec!["link-1".into(), "link-2".into()])));
    assert_eq!(app.done.handovers[0].1, crate::wizard::HandoverState::Done(vec!["link-1".into(), "link-2".into()]));
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::CheckRooms { .. }]));
    assert_eq!(app.step(), Step::Summary);
}

#[test]
fn property_values_are_checked_against_their_type() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    app.screen = Screen::new(Step::Properties);
    app.cursor = 1;
    key(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 'u');
    typed(&mut app, "ten");
    key(&mut app, KeyCode::Enter);
    assert!(steps::editing(&app).is_some(), "\"ten\" is not accepted for a whole-number property");
    assert!(app.draft.properties.is_empty());
    ctrl(&mut app, 'u');
    typed(&mut app, "5");
    key(&mut app, KeyCode::Enter);
    assert!(steps::editing(&app).is_none());
    assert_eq!(app.draft.properties["sn_wsd_rsvsync.max_event_retry_count"], "5");
}

#[test]
fn a_profile_mismatch_notice_goes_once_a_fitting_profile_is_chosen() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("pick another profile")));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Alias);
    assert_eq!(app.notice, None, "the mismatch no longer applies");
}

#[test]
fn key_help_follows_the_sign_in_state_and_the_journey() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    let list = vec![TokenTask { credential: "C".into(), user: "u@contoso.com".into(), state: TokenState::Pending }];
    app.screen = Screen::Token(Tokens { tasks: list, paste: None });
    assert!(steps::keys_help(&app).contains("Enter sign in"));
    key(&mut app, KeyCode::Char('s'));
    let help = steps::keys_help(&app);
    assert!(!help.contains("sign in") && help.contains("Enter continue"), "{help}");
    app.screen = Screen::new(Step::Summary);
    assert!(steps::keys_help(&app).contains("s save"));
    app.journey = Journey::Reauth;
    assert!(!steps::keys_help(&app).contains("s save"), "re-authorize has no plan to save");
}

#[test]
fn reauthorize_starts_with_the_tokenless_selected_and_selects_all() {
    let mut app = App::new(false);
    app.start(Journey::Reauth);
    app.screen = Screen::new(Step::Credentials);
    let row = |name: &str, delegated: &str, in_keyring: bool| CredentialRow {
        name: name.into(),
        profile: "p".into(),
        delegated: delegated.into(),
        in_keyring,
        instance_expiry: None,
        selected: false,
    };
    let on_instance =
        CredentialRow { instance_expiry: Some("2027-03-01 10:00:00".into()), ..row("B", "b@contoso.com", true) };
    steps::credentials::loaded(&mut app, Ok(vec![row("A", "a@contoso.com", false), on_instance, row("C", "", false)]));
    assert_eq!(credential_rows(&app).iter().map(|r| r.selected).collect::<Vec<_>>(), [true, false, false]);
    key(&mut app, KeyCode::Char('a'));
    assert!(credential_rows(&app).iter().all(|r| r.selected), "a selects all");
    key(&mut app, KeyCode::Char('a'));
    assert!(credential_rows(&app).iter().all(|r| !r.selected), "and again none");
}

/// Probe instance A (slow), Esc, probe B: when A's answer lands after B's, every later
/// request still goes to B, the instance on screen.
#[test]
fn a_stale_probe_cannot_redirect_later_requests() {
    let mut app = at_instance(ModeChoice::Normal);
    app.draft.instance.set("https://a-instance.service-now.com");
    app.draft.user.set("admin");
    app.draft.password.set("pw");
    let ga = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, url, .. }] if url.contains("a-instance") => *generation,
        other => panic!("{other:?}"),
    };
    assert!(matches!(key(&mut app, KeyCode::Esc).as_slice(), [Effect::Cancel { generation }] if *generation == ga));
    app.draft.instance.set("https://b-instance.service-now.com");
    let gb = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, url, .. }] if url.contains("b-instance") => *generation,
        other => panic!("{other:?}"),
    };
    let at = |url: &str| InstanceInfo { url: url.into(), ..info() };
    app.handle(found(gb, at("https://b-instance.service-now.com")));
    app.handle(found(ga, at("https://a-instance.service-now.com")));
    assert_eq!(app.info.as_ref().unwrap().url, "https://b-instance.service-now.com", "the screen shows B");
    assert_eq!(app.conn.as_ref().unwrap().client.instance().to_string(), "https://b-instance.service-now.com");
    // Walk on to the review: the diff is asked of B.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "rooms@contoso.com");
    for _ in 0..2 {
        key(&mut app, KeyCode::Enter);
    }
    past_rooms(&mut app);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Integration);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Diff { generation, conn, .. }] => {
            assert_eq!(conn.client.instance().to_string(), "https://b-instance.service-now.com");
            *generation
        }
        other => panic!("{other:?}"),
    };
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { conn, .. }] => {
            assert_eq!(conn.client.instance().to_string(), "https://b-instance.service-now.com");
        }
        other => panic!("{other:?}"),
    }
}

/// Every kind of result from a request that was cancelled, or replaced by a newer one, is
/// dropped without a trace.
#[test]
fn every_stale_result_is_dropped() {
    let (mut app, g) = at_review(ModeChoice::PersonalOwn);
    let stale = g - 1;
    let before = (app.step(), app.busy.clone(), app.error.is_some());
    let who =
        crate::oauth::identity::Who { username: "x@contoso.com".into(), name: None, object_id: None, tenant_id: None };
    let line = ApplyLine { ok: true, text: "created alias x".into(), link: None };
    let notice = Notice::Redeeming;
    let events = vec![
        Event::Probed(stale, Err(unavailable())),
        found(stale, info()),
        Event::Diffed(stale, reviewed(diff(&[Action::Create]))),
        Event::Diffed(stale, Err(unavailable())),
        Event::Credentials(stale, Ok(vec![])),
        Event::Doctored(stale, Err(unavailable())),
        Event::BrowserProbed(stale, Err(Failure::NoBrowserSignIn)),
        Event::Progress(stale, line),
        Event::Applied(stale, Ok(())),
        Event::Applied(stale, Err(refused())),
        Event::SignIn(stale, notice),
        Event::SignedIn(stale, Ok(SignedIn { who, warnings: vec![] })),
    ];
    for e in events {
        let label = format!("{e:?}");
        assert!(app.handle(e).is_empty(), "{label}");
        assert_eq!((app.step(), app.busy.clone(), app.error.is_some()), before, "{label}");
        assert!(steps::review::reviewed(&app).is_none() && app.done.written.is_none(), "{label}");
        assert!(app.done.apply_failed.is_none() && app.notice.is_none(), "{label}");
    }
    assert_eq!(app.conn.as_ref().unwrap().client.instance().to_string(), "https://dev123.service-now.com");
}

#[test]
fn esc_cancels_the_browser_probe() {
    let mut app = App::new(false);
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    app.screen = Screen::Findings(Findings {
        found: Some(Box::new(Found {
            snapshot: Snapshot::default(),
            report: crate::doctor::report(&Snapshot::default(), vec![]),
        })),
        probe_url: None,
    });
    let g = match key(&mut app, KeyCode::Char('b')).as_slice() {
        [Effect::ProbeBrowser { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    assert_eq!(app.busy, Some(Busy::SigningIn));
    assert!(matches!(key(&mut app, KeyCode::Esc).as_slice(), [Effect::Cancel { generation }] if *generation == g));
    assert_eq!(app.busy, None);
    app.handle(Event::BrowserProbed(g, Err(Failure::NoBrowserSignIn)));
    assert!(app.error.is_none(), "the cancelled probe's answer is dropped");
}

/// A refused login is not offered "Enter retries": that would send the same password again.
#[test]
fn a_refused_login_is_not_retried() {
    let mut app = at_instance(ModeChoice::Normal);
    typed(&mut app, "dev1");
    app.draft.user.set("admin");
    app.draft.password.set("wrong");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Probe { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Probed(g, Err(refused())));
    let panel = app.error.clone().unwrap();
    assert!(!panel.retry && panel.message.contains("refused the login"), "{panel:?}");
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "Enter closes, sends nothing");
    assert!(app.error.is_none());
    assert_eq!(app.focus, 0);
}

/// A login refused halfway through an apply: no retry, and the wizard exits 3 (access).
#[test]
fn a_login_refused_mid_apply_is_an_access_failure() {
    let (mut app, g) = at_review(ModeChoice::Strict);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create, Action::Create]))));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let e = SnError::Unauthorized { user: "admin".into(), message: "expired".into() };
    let e = Failure::Write(crate::plan::apply::WriteError::Instance(std::sync::Arc::new(e)));
    app.handle(Event::Applied(g, Err(e)));
    let panel = app.error.clone().unwrap();
    assert!(!panel.retry, "{panel:?}");
    assert_eq!(app.outcome(), Outcome::ApplyFailed { access: true });
    ctrl(&mut app, 'c');
    ctrl(&mut app, 'c');
    assert!(app.quit);
    assert_eq!(app.outcome(), Outcome::ApplyFailed { access: true });
}

#[test]
fn signals_leave_and_say_which() {
    for s in [Signal::Interrupt, Signal::Terminate, Signal::Hangup] {
        let (mut app, g) = at_review(ModeChoice::Normal);
        assert_eq!(app.busy, Some(Busy::Diffing));
        assert!(
            matches!(app.handle(Event::Signal(s)).as_slice(), [Effect::Cancel { generation }] if *generation == g),
            "the running request is stopped"
        );
        assert!(app.quit);
        assert_eq!(app.outcome(), Outcome::Signalled(s));
    }
}

#[test]
fn the_redirect_can_be_pasted_while_a_sign_in_waits() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    let list = vec![TokenTask { credential: "C".into(), user: "u@contoso.com".into(), state: TokenState::Pending }];
    app.screen = Screen::Token(Tokens { tasks: list, paste: None });
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::SignIn { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let pasted = "http://localhost:5000/?code=abc&state=xyz";
    typed(&mut app, pasted);
    assert!(!app.help, "the ? of the address is typed, not the help key");
    match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Paste { generation, line }] => assert_eq!((*generation, line.as_str()), (g, pasted)),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.busy, Some(Busy::SigningIn), "still waiting: the sign-in decides what the line was");
    assert!(matches!(key(&mut app, KeyCode::Esc).as_slice(), [Effect::Cancel { .. }]));
}

#[test]
fn a_typed_password_can_be_kept_in_the_keyring() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    assert_eq!(app.step(), Step::Checks);
    assert!(steps::keys_help(&app).contains("k keep the password"));
    match key(&mut app, KeyCode::Char('k')).as_slice() {
        [Effect::KeepPassword { account, .. }] => {
            assert_eq!(account.key(), format!("instance-password:{}:admin", app.conn.as_ref().unwrap().instance_key));
        }
        other => panic!("{other:?}"),
    }
    app.handle(Event::Kept(Ok("instance-password:dev123.service-now.com:admin".into())));
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("OS keyring")));
    assert!(key(&mut app, KeyCode::Char('k')).is_empty(), "kept once; not offered again");
    assert!(!steps::keys_help(&app).contains("k keep"));
}

#[test]
fn while_a_value_is_edited_the_key_help_gives_esc_one_meaning() {
    let mut app = probed(at_instance(ModeChoice::PersonalOwn));
    app.screen = Screen::new(Step::Properties);
    assert!(steps::keys_help(&app).contains("Esc back"));
    app.screen = Screen::Properties(Properties { editing: Some(field::TextField::new("New value")) });
    let help = steps::keys_help(&app);
    assert!(help.contains("Esc cancel the edit"), "{help}");
    assert!(!help.contains("Esc back"), "Esc has two meanings: {help}");
    app.screen =
        Screen::Credentials(Credentials { rows: vec![], editing: Some(field::TextField::new("Delegated user")) });
    assert!(!steps::keys_help(&app).contains("Esc back"));
}

/// Signed in as `user`, as the driver reports it.
fn signed_in_as(user: &str) -> Event {
    let who = crate::oauth::identity::Who { username: user.into(), name: None, object_id: None, tenant_id: None };
    Event::SignedIn(0, Ok(crate::wizard::SignedIn { who, warnings: vec![] }))
}

/// Re-stamps an event with the current generation (the helpers above build them with 0).
fn now(app: &App, e: Event) -> Event {
    match e {
        Event::SignedIn(_, r) => Event::SignedIn(app.generation, r),
        other => other,
    }
}

#[test]
fn a_missing_client_secret_is_asked_for_masked_and_kept_on_request() {
    let mut app = probed(at_instance(ModeChoice::PersonalDefault));
    let list = ["MS Graph 1", "MS Graph 2"]
        .map(|c| TokenTask { credential: c.into(), user: "u@contoso.com".into(), state: TokenState::Pending })
        .to_vec();
    app.screen = Screen::Token(Tokens { tasks: list, paste: None });
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::SignIn { secret: None, .. }]));
    app.handle(Event::SignedIn(app.generation, Err(Failure::NoClientSecret("cid".into()))));
    assert!(steps::is_typing(&app), "keys go into the secret's field");
    assert_eq!(steps::keys_help(&app).trim_start().split(" · ").next(), Some("Enter sign in"));
    let secret = "Zq8~s3cret?value";
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "an empty field signs nobody in");
    typed(&mut app, secret);
    assert!(!app.help, "the ? of a secret is typed, not the help key");
    let screen = render_text(&app, 100, 30);
    assert!(!screen.contains(secret) && screen.contains("••••••••"), "{screen}");
    for says in ["client ID cid", "\"reg\"", "Certificates & secrets", "Azure portal", "CALSYNC_CLIENT_SECRET"] {
        assert!(screen.contains(says), "the prompt says {says:?}:\n{screen}");
    }
    let fx = key(&mut app, KeyCode::Enter);
    match fx.as_slice() {
        [Effect::SignIn { credential, secret: Some(s), .. }] => {
            use secrecy::ExposeSecret;
            assert_eq!(
                (credential.as_str(), s.client_id.as_str(), s.secret.expose_secret()),
                ("MS Graph 1", "cid", secret)
            );
        }
        other => panic!("{other:?}"),
    }
    // No Debug output of the effect, the task or the typed secret carries it.
    let debug = format!("{fx:?} {:?} {:?}", tasks(&app), app.client_secret);
    assert!(!debug.contains(secret) && !debug.contains("s3cret"), "{debug}");
    // A refused secret is forgotten and asked for again, saying why.
    let refused = crate::oauth::session::AuthError::Provider {
        error: "invalid_client".into(),
        description: Some("AADSTS7000215: Invalid client secret provided.".into()),
        code: Some(7000215),
        advice: None,
        trace: None,
    };
    let error = Box::new(crate::oauth::session::AuthorizeError::SignIn(refused));
    app.handle(Event::SignedIn(app.generation, Err(Failure::SecretRefused { client_id: "cid".into(), error })));
    assert!(app.client_secret.is_none());
    assert!(matches!(&tasks(&app)[0].state, TokenState::NeedsSecret { refused: Some(r), .. } if r.contains("7000215")));
    typed(&mut app, secret);
    key(&mut app, KeyCode::Enter);
    let e = now(&app, signed_in_as("u@contoso.com"));
    app.handle(e);
    assert!(matches!(tasks(&app)[0].state, TokenState::Done { .. }));
    // The second credential of the same app goes with the same secret, without asking.
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::SignIn { secret: Some(_), .. }]));
    let e = now(&app, signed_in_as("u@contoso.com"));
    app.handle(e);
    assert!(steps::keys_help(&app).contains("k keep the secret"));
    assert!(render_text(&app, 100, 30).contains("client-secret:dev123.service-now.com:cid"));
    match key(&mut app, KeyCode::Char('k')).as_slice() {
        [Effect::KeepSecret { account, .. }] => {
            // The account `calsync authorize` reads.
            let authorize = crate::secrets::Account::ClientSecret {
                instance: app.conn.as_ref().unwrap().instance_key.clone(),
                client_id: "cid".into(),
            };
            assert_eq!(*account, authorize);
        }
        other => panic!("{other:?}"),
    }
    app.handle(Event::SecretKept(Ok("client-secret:dev123.service-now.com:cid".into())));
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("the next run finds it")), "{:?}", app.notice);
    assert!(key(&mut app, KeyCode::Char('k')).is_empty() && !steps::keys_help(&app).contains("k keep"));
}

#[test]
fn a_secret_typed_for_one_app_is_not_in_any_debug_output() {
    let typed = TypedSecret {
        client_id: "cid".into(),
        secret: SecretString::from("Zq8~not-for-logs"),
        worked: true,
        kept: false,
    };
    let effects = [
        Effect::SignIn {
            generation: 1,
            conn: conn("https://dev123.service-now.com"),
            credential: "MS Graph 1".into(),
            user: "u@contoso.com".into(),
            secret: Some(typed.clone()),
        },
        Effect::KeepSecret {
            account: crate::secrets::Account::ClientSecret {
                instance: "dev123.service-now.com".into(),
                client_id: "cid".into(),
            },
            secret: typed.secret.clone(),
        },
    ];
    let field = TextField::masked("Client secret").with("Zq8~not-for-logs");
    let state = TokenState::NeedsSecret { client_id: "cid".into(), field, refused: None };
    let debug = format!("{effects:?} {typed:?} {state:?}");
    assert!(!debug.contains("not-for-logs"), "{debug}");
}

/// The screen as text, drawn at `w`x`h`.
pub fn render_text(app: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
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

#[test]
fn ctrl_c_during_the_sign_in_wait_says_what_is_left_to_do() {
    // The setup: applied, then Ctrl-C while the browser sign-in waits.
    let (mut app, g) = at_review(ModeChoice::PersonalDefault);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    let g = app.generation;
    key(&mut app, KeyCode::Enter);
    app.handle(Event::Applied(g + 1, Ok(())));
    assert!(app.done.written.is_some());
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Token);
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::SignIn { .. }]));
    assert_eq!(app.busy, Some(Busy::SigningIn));
    assert!(matches!(ctrl(&mut app, 'c').as_slice(), [Effect::Cancel { .. }]), "the waiting sign-in is stopped");
    assert!(app.quit);
    let bye = steps::token::goodbye(&app);
    assert_eq!(bye[0], "calsync: the setup was applied to https://dev123.service-now.com.");
    assert_eq!(
        bye[1..],
        [
            "No token yet for \"MS Graph 1\": sign rooms@contoso.com in with calsync authorize --credential \"MS Graph 1\" --expect-user rooms@contoso.com --store-on-instance --instance dev123 --user admin.",
            "No token yet for \"MS Graph 2\": sign rooms@contoso.com in with calsync authorize --credential \"MS Graph 2\" --expect-user rooms@contoso.com --store-on-instance --instance dev123 --user admin.",
        ]
    );
    // The signal (not the key) says the same.
    let mut app2 = App::new(false);
    app2.done.written = app.done.written.clone();
    app2.info = app.info.clone();
    app2.draft.instance.set("dev123");
    app2.draft.user.set("admin");
    app2.screen = Screen::Token(Tokens { tasks: tasks(&app).to_vec(), paste: None });
    app2.busy = Some(Busy::SigningIn);
    app2.handle(Event::Signal(Signal::Interrupt));
    assert_eq!(steps::token::goodbye(&app2), bye);
    // Re-authorize: nothing was applied, the mailbox still has no token.
    let mut re = probed(at_instance(ModeChoice::PersonalOwn));
    re.journey = Journey::Reauth;
    let list = vec![TokenTask { credential: "C".into(), user: "u@contoso.com".into(), state: TokenState::Pending }];
    re.screen = Screen::Token(Tokens { tasks: list, paste: None });
    key(&mut re, KeyCode::Enter);
    ctrl(&mut re, 'c');
    assert_eq!(
        steps::token::goodbye(&re),
        [
            "No token yet for \"C\": sign u@contoso.com in with calsync authorize --credential \"C\" --expect-user u@contoso.com --store-on-instance --instance dev123 --user admin."
        ]
    );
    // Signed in, but quit before the token reached the instance.
    if let Screen::Token(t) = &mut re.screen {
        t.tasks[0].state = TokenState::Done { who: "u@contoso.com".into(), warnings: vec![] };
    }
    assert!(steps::token::goodbye(&re)[0].contains("the instance has no token for it yet"));
    re.done.handovers = vec![("C".into(), HandoverState::Done(vec![]))];
    assert!(steps::token::goodbye(&re).is_empty(), "nothing left to do");
}

/// An instance whose credential "Contoso Rooms" has no token, and whose calendar provider
/// names its mailbox; and the doctor's findings about it.
fn tokenless() -> (crate::doctor::read::Snapshot, crate::doctor::Report) {
    use serde_json::{from_value, json};
    let snap = crate::doctor::read::Snapshot {
        instance: "https://dev123.service-now.com".into(),
        credentials: vec![from_value(json!({"sys_id": "c1", "name": "Contoso Rooms"})).unwrap()],
        aliases: vec![from_value(json!({"sys_id": "a1", "id": "sn_wsd_rsvsync.Contoso_Rooms"})).unwrap()],
        connections: vec![
            from_value(json!({"sys_id": "n1", "credential": "c1", "connection_alias": "a1", "active": "true"}))
                .unwrap(),
        ],
        providers: vec![json!({"name": "Contoso Rooms", "active": "true", "override_alias": "true",
            "connection_alias": "a1", "delegated_user_email": "rooms@contoso.com"})],
        ..Default::default()
    };
    let finding = |id: crate::doctor::Check, sys_id: &str| crate::doctor::Finding {
        id,
        severity: crate::doctor::Severity::Error,
        title: format!("{id:?}"),
        evidence: vec![crate::doctor::Evidence {
            table: "oauth_2_0_credentials".into(),
            sys_id: sys_id.into(),
            field: "tokens".into(),
            value: "none on the instance".into(),
            link: String::new(),
        }],
        why: String::new(),
        fix: String::new(),
        fixable: false,
        repair: None,
    };
    let findings = vec![
        finding(crate::doctor::Check::TokenMissing, "c1"),
        finding(crate::doctor::Check::CredNoProfile, "c1"),
        finding(crate::doctor::Check::TokenExpired, "elsewhere"),
    ];
    let report = crate::doctor::report(&snap, findings);
    (snap, report)
}

#[test]
fn troubleshoot_signs_in_for_a_missing_token_and_looks_again() {
    let mut app = App::new(false);
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    app.busy = Some(Busy::Probing);
    app.generation = 1;
    app.handle(Event::Doctored(1, Ok(Box::new(tokenless()))));
    let at = |app: &App, id| steps::findings::report(app).unwrap().findings.iter().position(|f| f.id == id).unwrap();
    // `t` is offered (and does something) only on a finding a sign-in fixes.
    app.cursor = at(&app, crate::doctor::Check::CredNoProfile);
    assert!(!steps::keys_help(&app).contains("t sign in"));
    assert!(key(&mut app, KeyCode::Char('t')).is_empty());
    assert_eq!(app.step(), Step::Findings);
    app.cursor = at(&app, crate::doctor::Check::TokenExpired);
    assert!(!steps::keys_help(&app).contains("t sign in"), "a finding about no credential of the instance");
    app.cursor = at(&app, crate::doctor::Check::TokenMissing);
    assert!(steps::keys_help(&app).contains("t sign in"), "{}", steps::keys_help(&app));
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.step(), Step::Token);
    assert_eq!(app.position(), (3, 4), "Instance, Findings, Token, Token on the instance");
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::SignIn { generation, credential, user, .. }] => {
            assert_eq!((credential.as_str(), user.as_str()), ("Contoso Rooms", "rooms@contoso.com"));
            *generation
        }
        other => panic!("{other:?}"),
    };
    let e = now(&app, signed_in_as("rooms@contoso.com"));
    assert_eq!(app.generation, g);
    app.handle(e);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::HandOver { generation, credential, .. }] => {
            assert_eq!(credential, "Contoso Rooms");
            *generation
        }
        other => panic!("{other:?}"),
    };
    assert_eq!((app.step(), app.position()), (Step::Handover, (4, 4)));
    app.handle(Event::HandedOver(g, "Contoso Rooms".into(), Ok(vec!["link".into()])));
    assert!(steps::keys_help(&app).contains("Enter check again"));
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Doctor { .. }]), "the findings are read again");
    assert_eq!(app.step(), Step::Findings);
    assert!(steps::token::goodbye(&app).is_empty(), "signed in and on the instance: nothing left to say");
}

/// Troubleshoot's findings of `snap`, with the TOKEN-MISSING finding selected.
fn on_token_missing(snap: Snapshot, report: crate::doctor::Report) -> App {
    let mut app = App::new(false);
    app.color = false;
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    app.generation = 1;
    app.handle(Event::Doctored(1, Ok(Box::new((snap, report)))));
    app.cursor = steps::findings::report(&app)
        .unwrap()
        .findings
        .iter()
        .position(|f| f.id == crate::doctor::Check::TokenMissing)
        .unwrap();
    app
}

#[test]
fn troubleshoot_says_why_it_cannot_sign_in_when_no_provider_names_the_mailbox() {
    let (mut snap, report) = tokenless();
    snap.providers.clear();
    let mut app = on_token_missing(snap, report);
    assert!(key(&mut app, KeyCode::Char('t')).is_empty());
    assert_eq!(app.step(), Step::Findings);
    let n = app.notice.clone().unwrap_or_default();
    assert!(n.contains("Delegated user email") && n.contains("--credential \"Contoso Rooms\""), "{n}");
}

/// A provider whose Delegated user email is a bare name (the broken sandbox's "rooms-east")
/// names no mailbox to sign in as: `t` says so instead of offering a sign-in
/// `authorize --expect-user` would refuse.
#[test]
fn troubleshoot_does_not_sign_in_a_mailbox_that_is_not_an_address() {
    let (mut snap, report) = tokenless();
    snap.providers[0]["delegated_user_email"] = serde_json::json!("rooms-east");
    let mut app = on_token_missing(snap, report);
    let screen = render_text(&app, 200, 60);
    assert!(!screen.contains("t signs rooms-east"), "{screen}");
    assert!(screen.contains("until its calendar provider names the delegated mailbox's full address"), "{screen}");
    assert!(key(&mut app, KeyCode::Char('t')).is_empty());
    assert_eq!(app.step(), Step::Findings);
    let n = app.notice.clone().unwrap_or_default();
    assert!(n.contains("as an address") && n.contains("--expect-user MAILBOX"), "{n}");
}

/// A result is taken only by the screen that asked for it: one for another screen is
/// dropped even when it carries the current generation, so no apply can land on the review
/// and no sign-in on the findings.
#[test]
fn a_result_for_another_screen_is_dropped() {
    let (mut app, g) = at_review(ModeChoice::PersonalOwn);
    let who =
        crate::oauth::identity::Who { username: "x@contoso.com".into(), name: None, object_id: None, tenant_id: None };
    let line = ApplyLine { ok: true, text: "created alias x".into(), link: None };
    let doctored = Ok(Box::new((Snapshot::default(), crate::doctor::report(&Snapshot::default(), vec![]))));
    let events = vec![
        found(g, info()),
        Event::Probed(g, Err(unavailable())),
        Event::Credentials(g, Ok(vec![])),
        Event::Doctored(g, doctored),
        Event::BrowserProbed(g, Err(Failure::NoBrowserSignIn)),
        Event::SignIn(g, Notice::Redeeming),
        Event::Progress(g, line),
        Event::Applied(g, Ok(())),
        Event::Applied(g, Err(refused())),
        Event::SignedIn(g, Ok(SignedIn { who, warnings: vec![] })),
        Event::Rooms(g, Ok(vec![])),
        Event::HandedOver(g, "Contoso Rooms".into(), Ok(vec!["link".into()])),
        Event::RoomsChecked(g, Ok((0, vec![]))),
    ];
    for e in events {
        let label = format!("{e:?}");
        assert!(app.handle(e).is_empty(), "{label}");
        assert_eq!((app.step(), app.busy.clone(), app.error.is_some()), (Step::Review, Some(Busy::Diffing), false));
        assert!(app.done.written.is_none() && app.done.apply_failed.is_none() && app.notice.is_none(), "{label}");
        assert!(steps::review::reviewed(&app).is_none() && app.done.tokens.is_empty(), "{label}");
    }
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    assert_eq!(app.busy, None, "the review's own result is taken");
}

/// Esc after a failed apply returns to the review as it was left, diff and all, and Enter
/// applies that diff again; stepped back from, the review still counts as unapplied for
/// Ctrl-C until something it was made from changes.
#[test]
fn going_back_keeps_the_review_until_the_draft_changes() {
    let (mut app, g) = at_review(ModeChoice::Strict);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Update, Action::Create]))));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Apply);
    app.handle(Event::Applied(app.generation, Err(unavailable())));
    key(&mut app, KeyCode::Esc);
    assert!(app.error.is_none());
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Review);
    assert_eq!(steps::review::reviewed(&app).map(|r| r.diff.items.len()), Some(2), "the diff is still shown");
    assert!(
        matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Apply { reviewed, .. }] if reviewed.diff.items.len() == 2)
    );
    app.handle(Event::Applied(app.generation, Err(unavailable())));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Integration);
    assert!(app.unapplied(), "the review stepped back from is not applied");
    ctrl(&mut app, 'c');
    assert!(app.confirm_quit && !app.quit);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Rooms);
    assert!(app.unapplied());
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Properties);
    assert!(!app.unapplied(), "the rooms were chosen again: the review is out of date");
    assert!(ctrl(&mut app, 'c').is_empty());
    assert!(app.quit, "nothing reviewed and unapplied: Ctrl-C quits at once");
}

/// Esc from the sync properties returns to the rooms as they were left: the list read
/// from the instance and the picks, with nothing read again.
#[test]
fn back_to_the_rooms_keeps_the_list_and_the_picks() {
    let (mut app, _) = at_review(ModeChoice::PersonalOwn);
    app.busy = None;
    app.go(Step::Provider);
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::LoadRooms { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let row = |l: &str| crate::wizard::RoomRow {
        location: l.into(),
        email: format!("{}@contoso.com", l.to_lowercase()),
        configs: vec![],
        selected: false,
    };
    app.handle(Event::Rooms(g, Ok(vec![row("Everest"), row("Denali")])));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Properties);
    assert!(key(&mut app, KeyCode::Esc).is_empty(), "nothing is read again");
    assert_eq!(app.step(), Step::Rooms);
    let picked: Vec<_> = room_rows(&app).iter().map(|r| (r.location.as_str(), r.selected)).collect();
    assert_eq!(picked, [("Everest", false), ("Denali", true)]);
}

/// Nothing is said on leaving before anything was written; after a Troubleshoot repair,
/// no sign-in is named: that journey has none unless one was started from a finding.
#[test]
fn the_message_on_leaving_names_only_sign_ins_the_journey_has() {
    let (mut app, g) = at_review(ModeChoice::PersonalDefault);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Apply { .. }]));
    assert!(steps::token::goodbye(&app).is_empty(), "nothing written yet");

    let mut app = App::new(false);
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    app.go(Step::Review);
    app.go(Step::Apply);
    app.handle(Event::Applied(app.generation, Ok(())));
    assert_eq!(steps::token::goodbye(&app), ["calsync: the setup was applied to the instance."]);
}

/// A repair reviewed again replaces the one stepped back from: if it has nothing to
/// write, Ctrl-C no longer asks about the earlier one.
#[test]
fn a_new_review_of_the_repairs_replaces_the_one_stepped_back_from() {
    let fixable = crate::doctor::Finding {
        id: "CONN-URL".parse().unwrap(),
        severity: crate::doctor::Severity::Error,
        title: "t".into(),
        evidence: vec![],
        why: "w".into(),
        fix: "f".into(),
        fixable: true,
        repair: None,
    };
    let mut app = App::new(false);
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    let report = crate::doctor::report(&Snapshot::default(), vec![fixable]);
    app.screen = Screen::Findings(Findings {
        found: Some(Box::new(Found { snapshot: Snapshot::default(), report })),
        probe_url: None,
    });
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.step(), Step::Review);
    on_review(&mut app).diff = diff(&[Action::Update]);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Findings);
    assert!(app.unapplied(), "the repairs stepped back from are not applied");
    key(&mut app, KeyCode::Char('f'));
    on_review(&mut app).diff = diff(&[Action::Unchanged]);
    assert!(!app.unapplied(), "the new review has nothing to write");
}

/// A token only in the keyring (left by a sign-in whose token never reached the instance,
/// or by an earlier sandbox) does not make a credential look done: the instance, which
/// syncs, has none, so it comes selected and its Token column says so.
#[test]
fn a_keyring_token_without_one_on_the_instance_is_reauthorized() {
    let mut app = App::new(false);
    app.start(Journey::Reauth);
    app.screen = Screen::new(Step::Credentials);
    let row = |name: &str, in_keyring: bool, instance_expiry: Option<&str>| CredentialRow {
        name: name.into(),
        profile: "p".into(),
        delegated: "rooms@contoso.com".into(),
        in_keyring,
        instance_expiry: instance_expiry.map(Into::into),
        selected: false,
    };
    let rows = vec![
        row("MS Graph 1", true, None),
        row("MS Graph 2", false, None),
        row("MS Graph 3", true, Some("2027-03-01 10:00:00")),
        row("MS Graph 4", false, Some("2027-03-01 10:00:00")),
    ];
    steps::credentials::loaded(&mut app, Ok(rows));
    let picked: Vec<bool> = credential_rows(&app).iter().map(|r| r.selected).collect();
    assert_eq!(picked, [true, true, false, true], "every credential lacking a token somewhere comes selected");
    let screen = render_text(&app, 80, 24);
    let said: Vec<&str> =
        screen.lines().filter(|l| l.contains("MS Graph")).map(|l| l.trim_end_matches([' ', '│'])).collect();
    assert!(said[0].ends_with("none on instance; keyring"), "{screen}");
    assert!(said[1].ends_with("none on instance"), "{screen}");
    assert!(said[2].ends_with("keyring; instance to 2027-03-01"), "{screen}");
    assert!(said[3].ends_with(" instance to 2027-03-01"), "{screen}");
}

/// The summary is the end of every journey: its key line offers no Esc, and Esc leaves it
/// where it is.
#[test]
fn the_summary_offers_no_way_back() {
    for journey in [Journey::Setup, Journey::Reauth] {
        let mut app = App::new(false);
        app.start(journey);
        app.go(Step::Summary);
        let help = steps::keys_help(&app);
        assert!(!help.contains("Esc"), "{journey:?}: {help}");
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.step(), Step::Summary, "{journey:?}");
    }
}

/// The commands printed for later reach the instance the wizard reached: the sandbox
/// (with its single sign-on), or the instance and user typed, or the instance's OAuth.
#[test]
fn commands_for_later_name_the_instance_the_wizard_reached() {
    let task = |state| vec![TokenTask { credential: "MS Graph 2".into(), user: "rooms@contoso.com".into(), state }];
    let mut app = App::new(true);
    app.start(Journey::Reauth);
    app.screen = Screen::Token(Tokens { tasks: task(TokenState::Pending), paste: None });
    assert_eq!(
        steps::token::goodbye(&app),
        [
            "No token yet for \"MS Graph 2\": sign rooms@contoso.com in with calsync authorize --credential \"MS Graph 2\" --expect-user rooms@contoso.com --store-on-instance --sandbox."
        ]
    );
    app.instance_oauth = true;
    assert!(steps::token::goodbye(&app)[0].ends_with("--store-on-instance --sandbox --sso."));
    let mut app = App::new(false);
    app.start(Journey::Reauth);
    app.draft.instance.set("https://acme.service-now.com");
    app.draft.user.set("Jane Admin");
    app.screen = Screen::Token(Tokens { tasks: task(TokenState::Skipped), paste: None });
    assert!(
        steps::token::goodbye(&app)[0]
            .ends_with("--store-on-instance --instance https://acme.service-now.com --user \"Jane Admin\"."),
        "{:?}",
        steps::token::goodbye(&app)
    );
    app.instance_oauth = true;
    assert!(steps::token::goodbye(&app)[0].ends_with("--instance https://acme.service-now.com --sign-in oauth."));
}

/// Skipping a sign-in: the Summary's command for it puts the token on the instance, and
/// reaches the instance the wizard reached.
#[test]
fn the_summary_command_for_a_skipped_sign_in_stores_on_the_instance() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Setup);
    app.done.written = Some(vec![]);
    app.done.tokens = vec![TokenTask {
        credential: "Contoso Graph Personal".into(),
        user: "rooms-delegate@contoso.com".into(),
        state: TokenState::Skipped,
    }];
    app.go(Step::Summary);
    let screen: String = render_text(&app, 200, 40).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        screen.contains("Contoso Graph Personal: no token yet (calsync authorize --credential \"Contoso Graph Personal\" --expect-user rooms-delegate@contoso.com --store-on-instance --sandbox)"),
        "{screen}"
    );
}

/// Token on the instance after every sign-in was skipped: it names, for each credential,
/// the command that gets its token to this instance later.
#[test]
fn token_on_the_instance_names_the_command_for_each_skipped_sign_in() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Setup);
    app.draft.choice = ModeChoice::PersonalDefault;
    app.done.written = Some(vec![]);
    app.done.tokens = ["MS Graph 1", "MS Graph 2"]
        .map(|c| TokenTask { credential: c.into(), user: "rooms@contoso.com".into(), state: TokenState::Skipped })
        .to_vec();
    app.go(Step::Handover);
    let screen: String = render_text(&app, 200, 40).split_whitespace().collect::<Vec<_>>().join(" ");
    for c in ["MS Graph 1", "MS Graph 2"] {
        let command = format!(
            "{c}: calsync authorize --credential \"{c}\" --expect-user rooms@contoso.com --store-on-instance --sandbox"
        );
        assert!(screen.contains(&command), "{command:?} is not on:\n{screen}");
    }
}

/// A sign-in that failed: the Summary says why, and gives the command that gets the
/// token to this instance later, each on its own row.
#[test]
fn the_summary_gives_the_command_for_a_failed_sign_in_too() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Reauth);
    app.done.tokens = vec![TokenTask {
        credential: "MS Graph 1".into(),
        user: "rooms@contoso.com".into(),
        state: TokenState::Failed("another account signed in\nSign in as rooms@contoso.com.".into()),
    }];
    app.go(Step::Summary);
    let screen = render_text(&app, 200, 40);
    let rows: Vec<&str> = screen.lines().map(|l| l.trim_matches(['│', ' '])).collect();
    assert!(rows.contains(&"MS Graph 1: another account signed in"), "{screen}");
    assert!(rows.contains(&"Sign in as rooms@contoso.com."), "{screen}");
    assert!(
        rows.contains(&"No token yet: calsync authorize --credential \"MS Graph 1\" --expect-user rooms@contoso.com --store-on-instance --sandbox"),
        "{screen}"
    );
}

/// Normal mode has no sign-in and no hand-over: the summary checks the rooms itself, as it
/// does after the hand-over in the other modes, whether the apply wrote or had nothing to.
#[test]
fn a_normal_setup_checks_the_rooms_on_arriving_at_the_summary() {
    let (mut app, g) = at_review(ModeChoice::Normal);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Applied(g, Ok(())));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::CheckRooms { generation, .. }] => *generation,
        other => panic!("the summary checks the rooms: {other:?}"),
    };
    assert_eq!(app.step(), Step::Summary);
    app.handle(Event::RoomsChecked(g, Ok((1, vec![]))));
    assert!(render_text(&app, 100, 30).contains("Rooms: 1 syncing"), "{}", render_text(&app, 100, 30));

    let (mut app, g) = at_review(ModeChoice::Normal);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Unchanged]))));
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::CheckRooms { .. }]));
    assert_eq!(app.step(), Step::Summary);
}

/// While the apply writes, nothing offers an Esc that does nothing, and Ctrl-C does not say
/// the changes "were not applied": it says they are being written, and quits once the
/// apply has finished and put the current application back.
#[test]
fn ctrl_c_during_the_apply_waits_for_it_and_says_so() {
    let (mut app, g) = at_review(ModeChoice::Strict);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create, Action::Update]))));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Progress(g, ApplyLine { ok: true, text: "created connection x".into(), link: None }));
    let screen = render_text(&app, 80, 24);
    assert!(!screen.contains("Esc cancel"), "an apply cannot be cancelled:\n{screen}");
    assert!(screen.contains("Writing to the instance... (it finishes, then puts your current"), "{screen}");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    ctrl(&mut app, 'c');
    assert!(app.confirm_quit && !app.quit);
    let screen = render_text(&app, 80, 24);
    assert!(!screen.contains("were not applied"), "{screen}");
    let words: String =
        screen.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    let asked: String = app.quit_question().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains(&asked), "the whole question is on screen:\n{screen}");
    assert!(asked.contains("being written now"), "{asked}");
    assert!(key(&mut app, KeyCode::Char('y')).is_empty(), "nothing to cancel: the apply goes on");
    assert!(!app.quit && !app.confirm_quit, "it does not leave halfway");
    assert!(render_text(&app, 80, 24).contains("calsync quits when it has finished"));
    app.handle(Event::Applied(g, Ok(())));
    assert!(app.quit, "it leaves once the apply has finished");
    assert_eq!(app.outcome(), Outcome::Finished);
}

/// The review of a strict setup: the apply writes each record in its own application (the
/// alias and credentials in the spoke's, the provider and the mode in WCS's), and so does
/// the review say; a credential's current profile shows by name, not by sys_id.
#[test]
fn the_review_says_where_each_record_is_written_and_names_the_current_profile() {
    let (mut app, g) = at_review(ModeChoice::Strict);
    let spoke = scope("Microsoft Exchange Online Spoke", "sn_ex_online_spke", "3.14.1");
    let wcs = scope("Workplace Calendar Synchronization", "sn_wsd_rsvsync", "3.4.6");
    let in_scope = |kind: Kind, name: &str, action: Action, scope: &Scope| Item {
        action,
        scope: scope.sys_id.0.clone(),
        ..Item::new(kind, name, "t")
    };
    let mut cred = in_scope(Kind::Credential, "MS Graph 1", Action::Update, &spoke);
    cred.fields.push(crate::plan::diff::FieldChange {
        field: "OAuth Entity Profile".into(),
        from: Some(format!("p-{}", facts::PROFILE_AUTH_CODE)),
        to: facts::PROFILE_PERSONAL.into(),
    });
    let d = Diff {
        mode: Mode::Strict,
        scope: "Microsoft Exchange Online Spoke (sn_ex_online_spke)".into(),
        items: vec![
            in_scope(Kind::Room, "Matterhorn", Action::Create, &wcs),
            cred,
            in_scope(Kind::Provider, "Microsoft Exchange Online", Action::Update, &wcs),
            in_scope(Kind::Property, facts::MODE_PROPERTY, Action::Update, &wcs),
            in_scope(Kind::Connection, "MS Graph 2", Action::Unchanged, &spoke),
        ],
    };
    let state = InstanceState { scopes: vec![spoke, wcs], ..Default::default() };
    app.handle(Event::Diffed(g, Ok(Box::new(Reviewed { diff: d, state }))));
    let screen = render_text(&app, 120, 40);
    let at = |s: &str| screen.find(s).unwrap_or_else(|| panic!("{s:?} not on screen:\n{screen}"));
    let (wcs_at, spoke_at) = (
        at("Written in Workplace Calendar Synchronization (sn_wsd_rsvsync):"),
        at("Written in Microsoft Exchange Online Spoke (sn_ex_online_spke):"),
    );
    let (room, provider, mode, credential) = (
        at("room        Matterhorn"),
        at("provider    Microsoft"),
        at(facts::MODE_PROPERTY),
        at("credential  MS Graph 1"),
    );
    assert!(wcs_at < room && room < provider && provider < mode && mode < spoke_at, "{screen}");
    assert!(spoke_at < credential && credential < at("Unchanged:"), "{screen}");
    let words: Vec<&str> = screen.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty()).collect();
    let want = format!("OAuth Entity Profile: {} -> {}", facts::PROFILE_AUTH_CODE, facts::PROFILE_PERSONAL);
    assert!(words.join(" ").contains(&want), "{screen}");
    assert!(!screen.contains(&format!("p-{}", facts::PROFILE_AUTH_CODE)), "{screen}");
}

/// The browser probe on an instance whose registry has the wrong authorization URL: while
/// it waits, the screen says whom it signs in for and that this address may never answer;
/// after Esc, nothing of it is left on screen.
#[test]
fn the_browser_probe_says_what_it_waits_for_and_leaves_nothing_after_esc() {
    use serde_json::{from_value, json};
    let snap = crate::doctor::read::Snapshot {
        instance: "https://dev123.service-now.com".into(),
        profiles: vec![from_value(json!({"sys_id": "p1", "grant_type": facts::GRANT_AUTH_CODE})).unwrap()],
        credentials: vec![
            from_value(json!({"sys_id": "c1", "name": "MS Graph 1", "oauth_entity_profile": "p1"})).unwrap(),
        ],
        ..Default::default()
    };
    let finding = crate::doctor::Finding {
        id: crate::doctor::Check::RegAuthUrl,
        severity: crate::doctor::Severity::Error,
        title: "the registry has an invalid authorization URL".into(),
        evidence: vec![],
        why: String::new(),
        fix: String::new(),
        fixable: false,
        repair: None,
    };
    let report = crate::doctor::report(&snap, vec![finding]);
    let mut app = App::new(false);
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    let g = app.generation;
    app.handle(Event::Doctored(g, Ok(Box::new((snap, report)))));
    let g = match key(&mut app, KeyCode::Char('b')).as_slice() {
        [Effect::ProbeBrowser { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let url = "http://127.0.0.1:38013/tid/oauth2/authorize?response_type=code&client_id=cid&prompt=none";
    app.handle(Event::SignIn(
        g,
        crate::oauth::session::Notice::Waiting {
            url: url.into(),
            start_url: String::new(),
            redirect_uri: String::new(),
        },
    ));
    let screen = render_text(&app, 100, 30);
    let words: String =
        screen.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    assert!(words.contains("Browser probe for \"MS Graph 1\""), "{screen}");
    assert!(words.contains("not Microsoft's v2.0 authorize endpoint (REG-AUTH-URL): it may never answer"), "{screen}");
    key(&mut app, KeyCode::Esc);
    let screen = render_text(&app, 100, 30);
    assert!(!screen.contains("Browser probe") && !screen.contains("under this box"), "{screen}");
    assert_eq!(app.notice, None);
}

/// Esc from the review of the repairs comes back to the finding that was selected.
#[test]
fn esc_from_the_repair_review_keeps_the_selected_finding() {
    use crate::doctor::{Counts, Finding, Report, Severity};
    let mk = |id: &str| Finding {
        id: id.parse().unwrap(),
        severity: Severity::Error,
        title: id.into(),
        evidence: vec![],
        why: "w".into(),
        fix: "f".into(),
        fixable: true,
        repair: None,
    };
    let findings = vec![mk("CONN-URL"), mk("CRED-SCOPES"), mk("MODE-VALUE")];
    let report = Report {
        instance: "https://x".into(),
        mode: None,
        healthy: false,
        summary: Counts { errors: findings.len(), ..Default::default() },
        findings,
    };
    let mut app = App::new(false);
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    let g = app.generation;
    app.handle(Event::Doctored(g, Ok(Box::new((Snapshot::default(), report)))));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.step(), Step::Review);
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.step(), app.cursor), (Step::Findings, 2));
    // Looked at afresh, the list starts at the top.
    assert!(matches!(key(&mut app, KeyCode::Char('r')).as_slice(), [Effect::Doctor { .. }]));
}

/// A setup whose Summary found room steps left: the lines printed on leaving say how many,
/// and give the doctor command (for the instance the wizard reached) that lists them.
#[test]
fn the_message_on_leaving_counts_the_room_steps_left() {
    let room = |id: crate::doctor::Check| crate::doctor::Finding {
        id,
        severity: crate::doctor::Severity::Error,
        title: format!("{id:?}"),
        evidence: vec![],
        why: String::new(),
        fix: String::new(),
        fixable: false,
        repair: None,
    };
    let (mut app, g) = at_review(ModeChoice::Normal);
    app.handle(Event::Diffed(g, reviewed(diff(&[Action::Create]))));
    let g = match key(&mut app, KeyCode::Enter).as_slice() {
        [Effect::Apply { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    app.handle(Event::Applied(g, Ok(())));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Summary);
    let findings = vec![room(crate::doctor::Check::RoomInactive), room(crate::doctor::Check::RoomNoSubscription)];
    app.handle(Event::RoomsChecked(app.generation, Ok((2, findings))));
    assert_eq!(
        steps::token::goodbye(&app),
        [
            "calsync: the setup was applied to https://dev123.service-now.com.",
            "2 room steps are left before the rooms sync: calsync doctor --instance dev123 --user admin shows them.",
        ]
    );
    app.handle(Event::RoomsChecked(app.generation, Ok((2, vec![room(crate::doctor::Check::RoomInactive)]))));
    assert!(steps::token::goodbye(&app)[1].starts_with("1 room step is left before the rooms sync: calsync doctor"));
    app.handle(Event::RoomsChecked(app.generation, Ok((2, vec![]))));
    assert_eq!(steps::token::goodbye(&app).len(), 1, "the rooms sync: nothing more to say");
}

/// The client secret asked for at 80x24 for the second credential, after the first signed
/// in and a secret was refused: the prompt is whole down to what to do, with the field and
/// its hint under it.
#[test]
fn at_80x24_the_secret_prompt_of_a_second_credential_is_whole() {
    let mut app = probed(at_instance(ModeChoice::PersonalDefault));
    let who = "rooms-delegate@contoso.com (Rooms Delegate, object ID 4d2c8a61-0b7e-4f3a-9c5d-6e1f2a3b4c5d, tenant 6f1c2b9e-3d4a-4c8e-9b7a-2e5d1f0a9c31)";
    let refused = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID";
    let list = vec![
        TokenTask {
            credential: "MS Graph 1".into(),
            user: "rooms-delegate@contoso.com".into(),
            state: TokenState::Done { who: who.into(), warnings: vec![] },
        },
        TokenTask {
            credential: "MS Graph 2".into(),
            user: "rooms-delegate@contoso.com".into(),
            state: TokenState::NeedsSecret {
                client_id: "cid".into(),
                field: field::TextField::masked("Client secret"),
                refused: Some(refused.into()),
            },
        },
    ];
    app.screen = Screen::Token(Tokens { tasks: list, paste: None });
    let screen = render_text(&app, 80, 24);
    assert!(screen.contains("Type or paste it, then Enter signs in; Esc stops asking."), "{screen}");
    assert!(screen.contains("shown as dots; sent only to the app's token endpoint"), "{screen}");
    assert!(screen.contains("done    MS Graph 1: signed in as rooms-delegate@contoso.com "), "{screen}");
    assert!(screen.contains("Microsoft refused the client secret it was sent"), "{screen}");
}

/// Enter on an empty Delegated user says what is missing, on the screen, in every mode
/// that has one; typing takes the message away again.
#[test]
fn enter_on_an_empty_delegated_user_says_what_is_missing() {
    for choice in [ModeChoice::PersonalOwn, ModeChoice::Strict] {
        let mut app = through_profile(choice);
        app.color = false;
        if choice == ModeChoice::PersonalOwn {
            typed(&mut app, "Contoso_Rooms");
            key(&mut app, KeyCode::Enter);
        }
        assert_eq!(app.step(), Step::Credential, "{choice:?}");
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.step(), Step::Credential, "{choice:?}");
        let screen: String = render_text(&app, 80, 24).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(screen.contains("Type the delegated user first"), "{choice:?}:\n{screen}");
        typed(&mut app, "r");
        assert!(!render_text(&app, 80, 24).contains("Type the delegated user first"), "{choice:?}");
    }
}

/// Scope checks on a spoke the doctor calls unsupported: the spoke's row is not an `ok`
/// above its own failures, the key line offers no Enter, and Enter says why it stays.
#[test]
fn failed_scope_checks_offer_no_enter_and_enter_says_why() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Setup);
    let mut i = info();
    i.spoke.as_mut().unwrap().version = crate::snow::records::Text("3.1.0".into());
    app.info = Some(i);
    app.go(Step::Checks);
    let screen = render_text(&app, 80, 24);
    assert!(!screen.contains("ok    Microsoft Exchange Online Spoke"), "{screen}");
    assert!(screen.contains("FAIL"), "{screen}");
    assert!(!steps::keys_help(&app).contains("Enter continue"), "{}", steps::keys_help(&app));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Checks);
    let screen: String = render_text(&app, 80, 24).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(screen.contains("Fix the failed checks on the instance first"), "{screen}");
}

/// Troubleshoot's `t` notice, when no provider names the mailbox: its command reaches the
/// instance the wizard reached, and it goes once another finding is chosen or the browser
/// probe is started and cancelled.
#[test]
fn the_troubleshoot_sign_in_notice_names_the_instance_and_goes_with_the_next_key() {
    let (mut snap, report) = tokenless();
    snap.providers.clear();
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Troubleshoot);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Findings);
    app.generation = 1;
    app.handle(Event::Doctored(1, Ok(Box::new((snap, report)))));
    let missing = steps::findings::report(&app)
        .unwrap()
        .findings
        .iter()
        .position(|f| f.id == crate::doctor::Check::TokenMissing)
        .unwrap();
    app.cursor = missing;
    key(&mut app, KeyCode::Char('t'));
    let n = app.notice.clone().unwrap_or_default();
    assert!(
        n.contains(
            "calsync authorize --credential \"Contoso Rooms\" --expect-user MAILBOX --store-on-instance --sandbox."
        ),
        "{n}"
    );
    key(&mut app, if missing == 0 { KeyCode::Down } else { KeyCode::Up });
    assert_ne!(app.cursor, missing);
    assert_eq!(app.notice, None, "another finding is selected");
    assert!(!render_text(&app, 80, 24).contains("No calendar provider names"));
    app.cursor = missing;
    key(&mut app, KeyCode::Char('t'));
    assert!(app.notice.is_some());
    key(&mut app, KeyCode::Char('b'));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.step(), Step::Findings);
    assert!(!render_text(&app, 80, 24).contains("No calendar provider names"), "after the probe's Esc");
}

/// At 80 columns the re-authorize list shows the delegated mailbox whole: the token goes
/// under the row when the three columns do not fit side by side.
#[test]
fn the_reauthorize_list_shows_the_mailbox_whole_at_80_columns() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Reauth);
    app.screen = Screen::new(Step::Credentials);
    let rows = vec![CredentialRow {
        name: "Contoso Graph Personal".into(),
        profile: "p".into(),
        delegated: "rooms-delegate@contoso.com".into(),
        in_keyring: true,
        instance_expiry: Some("2027-03-01 10:00:00".into()),
        selected: true,
    }];
    steps::credentials::loaded(&mut app, Ok(rows));
    let screen = render_text(&app, 80, 24);
    assert!(screen.contains("[x] Contoso Graph Personal rooms-delegate@contoso.com "), "{screen}");
    assert!(screen.contains("keyring; instance to 2027-03-01"), "{screen}");
    assert!(!screen.contains('~'), "{screen}");
    // Wide enough, one row each, as before.
    let screen = render_text(&app, 100, 30);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("rooms-delegate@contoso.com") && l.contains("keyring; instance to 2027-03-01")),
        "{screen}"
    );
}

/// Re-authorize, a sign-in skipped on a credential whose instance token is still valid:
/// no screen says the instance has no token, and nothing is left to do on leaving.
#[test]
fn a_skipped_reauthorization_keeps_the_instance_token_and_says_so() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Reauth);
    app.conn = Some(conn("https://dev123.service-now.com"));
    app.go(Step::Credentials);
    let row = CredentialRow {
        name: "Contoso Graph Personal".into(),
        profile: "p".into(),
        delegated: "rooms-delegate@contoso.com".into(),
        in_keyring: true,
        instance_expiry: Some("2099-03-01 10:00:00".into()),
        selected: false,
    };
    steps::credentials::loaded(&mut app, Ok(vec![row]));
    key(&mut app, KeyCode::Char('a'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Token);
    key(&mut app, KeyCode::Char('s'));
    let flat = |app: &App| render_text(app, 100, 30).split_whitespace().collect::<Vec<_>>().join(" ");
    let screen = flat(&app);
    assert!(screen.contains("the instance keeps its token, to 2099-03-01"), "{screen}");
    assert!(!screen.contains("no token") && !screen.contains("cannot sync"), "{screen}");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Handover);
    let screen = flat(&app);
    assert!(screen.contains("the instance keeps the tokens it has"), "{screen}");
    assert!(!screen.contains("no token") && !screen.contains("cannot sync"), "{screen}");
    assert!(screen.contains("--store-on-instance --sandbox"), "{screen}");
    app.go(Step::Summary);
    let screen = flat(&app);
    assert!(screen.contains("not signed in again; the instance keeps its token, to 2099-03-01"), "{screen}");
    assert!(!screen.contains("no token yet"), "{screen}");
    assert!(steps::token::goodbye(&app).is_empty(), "{:?}", steps::token::goodbye(&app));
    // A sign-in that failed leaves the instance's token in place too.
    app.done.tokens[0].state = TokenState::Failed("another account signed in".into());
    let screen = flat(&app);
    assert!(screen.contains("The instance keeps its token, to 2099-03-01; to sign in again"), "{screen}");
    assert!(!screen.contains("No token yet"), "{screen}");
    assert!(steps::token::goodbye(&app).is_empty(), "{:?}", steps::token::goodbye(&app));
    // Without a valid token on the instance the skip still says what is missing.
    let mut app = App::new(true);
    app.start(Journey::Reauth);
    app.go(Step::Credentials);
    let row = CredentialRow {
        name: "MS Graph 1".into(),
        profile: "p".into(),
        delegated: "rooms@contoso.com".into(),
        in_keyring: true,
        instance_expiry: Some("2001-03-01 10:00:00".into()),
        selected: true,
    };
    steps::credentials::loaded(&mut app, Ok(vec![row]));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('s'));
    assert!(flat(&app).contains("no token; run calsync authorize later"));
    assert!(steps::token::goodbye(&app)[0].starts_with("No token yet for \"MS Graph 1\""));
}

/// Token on the instance: every mark is eight columns wide, so the credential names line
/// up whether a token was handed over or the sign-in was skipped.
#[test]
fn the_token_on_the_instance_marks_line_up() {
    let mut app = App::new(true);
    app.color = false;
    app.start(Journey::Setup);
    app.draft.choice = ModeChoice::Strict;
    app.done.written = Some(vec![]);
    app.done.tokens = vec![
        TokenTask {
            credential: "MS Graph 1".into(),
            user: "rooms@contoso.com".into(),
            state: TokenState::Done { who: "rooms@contoso.com".into(), warnings: vec![] },
        },
        TokenTask { credential: "MS Graph 2".into(), user: "rooms@contoso.com".into(), state: TokenState::Skipped },
    ];
    app.go(Step::Handover);
    app.done.handovers = vec![("MS Graph 1".into(), HandoverState::Done(vec![]))];
    let screen = render_text(&app, 100, 30);
    let at: Vec<usize> = ["MS Graph 1:", "MS Graph 2:"]
        .iter()
        .map(|n| {
            let line = screen.lines().find(|l| l.contains(n)).unwrap_or_else(|| panic!("{n} is not on:\n{screen}"));
            line[..line.find(n).unwrap()].chars().count()
        })
        .collect();
    assert_eq!(at[0], at[1], "{screen}");
}
