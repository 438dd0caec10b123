//! One render test per wizard screen, at 80x24 and 120x40, on a state reached through the
//! state machine with the sandbox's real probe and diff (insta snapshots).

mod common;

use calsync::oauth::session::Notice;
use calsync::plan;
use calsync::wizard::driver::probe;
use calsync::wizard::{App, ApplyLine, Event, Findings, Found, ModeChoice, Review, Reviewed, Screen, Step, view};
use common::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(app: &mut App, code: KeyCode) {
    app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn snap(app: &App, name: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

/// The probe's answer: `info`, found through the client `c`.
fn found(c: &calsync::snow::Client, g: u64, info: calsync::wizard::InstanceInfo) -> Event {
    let conn = calsync::wizard::Connection {
        client: std::sync::Arc::new(c.clone()),
        instance_key: "render-test".into(),
        sandbox_url: None,
    };
    Event::Probed(g, Ok(Box::new(calsync::wizard::Probed { conn, info })))
}

/// Every screen of a personal-mode setup with an own alias, in order.
#[tokio::test(flavor = "multi_thread")]
async fn every_setup_screen() {
    let sb = sandbox().await;
    let c = client(&sb);
    let mut app = App::new(false);
    app.color = false;
    snap(&app, "00_picker");
    key(&mut app, KeyCode::Enter);
    snap(&app, "01_mode");
    key(&mut app, KeyCode::Enter);
    app.draft.instance.set("dev123");
    app.draft.user.set("admin");
    app.draft.password.set("secret");
    snap(&app, "02_instance");
    let mut info = probe(&c).await.unwrap();
    info.url = "https://dev123.service-now.com".into();
    let g = app.generation + 1;
    app.generation = g;
    app.handle(found(&c, g, info));
    assert_eq!(app.step(), Step::Checks);
    snap(&app, "03_checks");
    key(&mut app, KeyCode::Enter);
    snap(&app, "04_profile");
    key(&mut app, KeyCode::Enter);
    for ch in "Contoso_Graph_Personal".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    snap(&app, "05_alias");
    key(&mut app, KeyCode::Enter);
    for ch in "rooms-delegate@contoso.com".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    snap(&app, "06_credential");
    key(&mut app, KeyCode::Enter);
    snap(&app, "07_connection");
    key(&mut app, KeyCode::Enter);
    snap(&app, "07b_provider");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Rooms);
    let rooms = calsync::wizard::rooms_io::load_rooms(&c).await.unwrap();
    let g = app.generation;
    app.handle(Event::Rooms(g, Ok(rooms)));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    snap(&app, "07b2_rooms");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('e'));
    for _ in 0..8 {
        key(&mut app, KeyCode::Backspace);
    }
    for ch in "user".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    snap(&app, "07c_properties_editing");
    key(&mut app, KeyCode::Enter);
    snap(&app, "07c_properties");
    key(&mut app, KeyCode::Enter);
    snap(&app, "08_integration");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Review);
    let p = app.draft.to_plan(app.info.as_ref()).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    let d = plan::diff(&p, &st);
    let g = app.generation;
    app.handle(Event::Diffed(g, Ok(Box::new(calsync::wizard::Reviewed { diff: d, state: st }))));
    snap(&app, "09_review");
    key(&mut app, KeyCode::Enter);
    for (text, id) in [
        ("created alias Contoso_Graph_Personal", "sys_alias"),
        ("created credential Contoso Graph Personal", "oauth_2_0_credentials"),
    ] {
        app.handle(Event::Progress(
            app.generation,
            ApplyLine {
                ok: true,
                text: text.into(),
                link: Some(format!("https://dev123.service-now.com/{id}.do?sys_id=0123456789abcdef0123456789abcdef")),
            },
        ));
    }
    app.handle(Event::Applied(app.generation, Ok(())));
    snap(&app, "10_apply");
    key(&mut app, KeyCode::Enter);
    snap(&app, "11_token");
    key(&mut app, KeyCode::Enter);
    app.handle(Event::SignIn(app.generation, Notice::Waiting {
        url: "https://login.microsoftonline.com/tid/oauth2/v2.0/authorize?client_id=cid&login_hint=rooms-delegate%40contoso.com&prompt=login".into(),
        start_url: "http://localhost:53682/start".into(),
        redirect_uri: "http://localhost:53682/".into(),
    }));
    snap(&app, "11_token_waiting");
    let who = calsync::oauth::identity::Who {
        username: "rooms-delegate@contoso.com".into(),
        name: Some("Rooms Delegate".into()),
        object_id: Some("oid-1".into()),
        tenant_id: Some("tid".into()),
    };
    app.handle(Event::SignedIn(app.generation, Ok(calsync::wizard::SignedIn { who, warnings: vec![] })));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Handover);
    let g = app.generation;
    app.handle(Event::HandedOver(
        g,
        "Contoso Graph Personal".into(),
        Ok(vec![
            "https://dev123.service-now.com/oauth_credential.do?sys_id=0123456789abcdef0123456789abcdef".into(),
            "https://dev123.service-now.com/oauth_credential.do?sys_id=fedcba9876543210fedcba9876543210".into(),
        ]),
    ));
    snap(&app, "11b_handover");
    key(&mut app, KeyCode::Enter);
    let g = app.generation;
    app.handle(Event::RoomsChecked(g, Ok((2, vec![]))));
    assert_eq!(app.step(), Step::Summary);
    snap(&app, "12_summary");
}

#[test]
fn overlays_and_a_small_terminal() {
    let mut app = App::new(true);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    key(&mut app, KeyCode::F(1));
    snap(&app, "help");
    key(&mut app, KeyCode::Esc);
    app.draft.choice = ModeChoice::Strict;
    app.screen = Screen::new(Step::Instance);
    app.error = Some(calsync::wizard::ErrorPanel {
        title: "The instance could not be used".into(),
        message: "https://dev123.service-now.com is a hibernating developer instance: it answered with the \"Your instance is hibernating\" page. Wake it by signing in at developer.servicenow.com, wait until it is up, then run again".into(),
        retry: true,
    });
    snap(&app, "error_panel");
    insta::assert_snapshot!("too_small_60x20", render(&app, 60, 20));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reauthorize_list() {
    let sb = sandbox().await;
    let c = client(&sb);
    // A personal setup first, so there is an authorization-code credential.
    let p = plan::parse("p", &example("personal-own-alias.toml")).unwrap();
    let st = plan::read_state(&c, &p).await.unwrap();
    plan::apply::apply(&c, &plan::diff(&p, &st), &st, |_| {}).await;
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Reauth);
    let mut info = probe(&c).await.unwrap();
    info.url = "https://dev123.service-now.com".into();
    app.generation = 1;
    app.handle(found(&c, 1, info));
    let dir = tempfile::tempdir().unwrap();
    let (services, _) = common::services(dir.path(), common::Person::Leaves);
    let mut rows = calsync::wizard::driver::load_credentials(&services, &c, "render-test").await.unwrap();
    rows[0].delegated = "rooms-delegate@contoso.com".into();
    app.handle(Event::Credentials(app.generation, Ok(rows)));
    // Those without a token in the keyring come selected.
    snap(&app, "13_reauth_list");
}

/// The broken sandbox, a client for it, what the doctor reads there and its report.
async fn broken()
-> (calsync::sandbox::Sandbox, calsync::snow::Client, calsync::doctor::read::Snapshot, calsync::doctor::Report) {
    let sb = calsync::sandbox::Sandbox::start(calsync::sandbox::Options {
        seed: calsync::sandbox::seed::Seed::Broken,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&sb);
    let snapshot = calsync::doctor::read::read(&c).await.unwrap();
    let report = calsync::doctor::report(&snapshot, calsync::doctor::checks::run(&snapshot));
    (sb, c, snapshot, report)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_findings_screen() {
    let (_sb, c, _snapshot, mut report) = broken().await;
    report.instance = "https://dev123.service-now.com".into();
    for f in report.findings.iter_mut() {
        for e in f.evidence.iter_mut() {
            e.link = format!("https://dev123.service-now.com/{}.do?sys_id=<sys_id>", e.table);
            e.sys_id = "<sys_id>".into();
        }
    }
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Troubleshoot);
    app.info = Some(probe(&c).await.unwrap());
    app.go(Step::Findings);
    let snapshot = calsync::doctor::read::Snapshot::default();
    app.screen = Screen::Findings(Findings { found: Some(Box::new(Found { snapshot, report })), probe_url: None });
    snap(&app, "14_findings");
    key(&mut app, KeyCode::Down);
    snap(&app, "14_findings_second");
}

/// The screen as one line of words, so a sentence wrapped over rows can be looked for.
fn words(screen: &str) -> String {
    screen.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[test]
fn error_messages_wrap_so_what_to_type_instead_shows() {
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    app.screen = Screen::new(Step::Instance);
    app.draft.instance.set("https://dev123.service-now.com/now/nav/ui/classic/params/target/sys_alias_list.do");
    let screen = render(&app, 80, 24);
    assert!(
        words(&screen).contains("use only the instance address, such as https://dev123.service-now.com"),
        "{screen}"
    );
    app.screen = Screen::new(Step::Connection);
    app.draft.choice = ModeChoice::PersonalOwn;
    app.draft.url.set("https://graph.microsoft.com/v1.0");
    let screen = render(&app, 80, 24);
    let expected = calsync::urls::check_graph_url("https://graph.microsoft.com/v1.0").unwrap_err().to_string();
    let tail: String =
        expected.split_whitespace().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" ");
    assert!(words(&screen).contains(&tail), "{tail:?} not on screen:\n{screen}");
    // A notice (the profile mismatch is one) wraps too.
    app.notice = Some(format!("{}: the end of this notice must show", "a long notice ".repeat(8)));
    assert!(words(&render(&app, 80, 24)).contains("the end of this notice must show"));
}

#[test]
fn the_alias_preview_shows_only_a_valid_id_and_refusals_keep_their_line_breaks() {
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    app.draft.choice = ModeChoice::PersonalOwn;
    app.screen = Screen::new(Step::Alias);
    app.draft.alias.set("Contoso Rooms");
    let screen = render(&app, 80, 24);
    assert!(!screen.contains("sn_wsd_rsvsync.Contoso Rooms"), "an invalid ID is previewed:\n{screen}");
    app.draft.alias.set("Contoso_Rooms");
    assert!(render(&app, 80, 24).contains("sn_wsd_rsvsync.Contoso_Rooms"));

    let tasks = vec![calsync::wizard::TokenTask {
        credential: "Contoso Rooms".into(),
        user: "rooms@contoso.com".into(),
        state: calsync::wizard::TokenState::Failed(
            "signed in as it-admin@contoso.com, but this credential expects rooms@contoso.com. Nothing was stored.\nWays out:\n  1. sign the browser out\n  2. use a private window".into(),
        ),
    }];
    app.screen = Screen::Token(calsync::wizard::Tokens { tasks, paste: None });
    let screen = render(&app, 100, 30);
    let rows: Vec<&str> = screen.lines().collect();
    let at = |text: &str| rows.iter().position(|r| r.contains(text)).unwrap_or_else(|| panic!("{text:?}:\n{screen}"));
    assert!(
        at("Ways out:") < at("1. sign the browser out")
            && at("1. sign the browser out") < at("2. use a private window")
    );
}

#[test]
fn the_sign_in_address_is_drawn_outside_the_box_whole() {
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Reauth);
    let url = format!(
        "https://login.microsoftonline.com/tid/oauth2/v2.0/authorize?client_id=cid&state={}&login_hint=rooms%40contoso.com&prompt=login",
        "s".repeat(120)
    );
    let tasks = vec![calsync::wizard::TokenTask {
        credential: "Contoso Rooms".into(),
        user: "rooms@contoso.com".into(),
        state: calsync::wizard::TokenState::Waiting {
            url: Some(url.clone()),
            start_url: Some("http://localhost:53682/start".into()),
        },
    }];
    app.screen = Screen::Token(calsync::wizard::Tokens { tasks, paste: None });
    for (w, h) in [(80, 24), (100, 30)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view::draw(&app, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let rows: Vec<String> = (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect();
        let bottom = rows.iter().position(|r| r.starts_with('└')).expect("the box's bottom border");
        // Between the box and the key help: the address, and nothing else.
        let below: String = rows[bottom + 1..h as usize - 1].concat();
        assert_eq!(below.trim_end(), url, "at {w}x{h}");
        assert!(!rows[..bottom].concat().contains("client_id=cid"), "the address is also inside the box");
    }
}

/// A diff longer than the screen, whose changes wrap: rooms with a long note each, then the
/// provider and a property, the last two items.
fn a_long_diff() -> plan::Diff {
    use plan::diff::{FieldChange, Item};
    let mut items = vec![];
    for n in 1..=8 {
        let mut i = Item::new(plan::Kind::Room, &format!("Room {n} in the north building"), "sn_wsd_core_space");
        i.action = plan::Action::Update;
        i.fields = vec![FieldChange {
            field: "Email".into(),
            from: Some(format!("old-room-{n}-north-building@contoso.onmicrosoft.com")),
            to: format!("room-{n}-north-building-second-floor@contoso.com"),
        }];
        i.note = Some(format!(
            "The instance spells this room \"room {n} in the North Building\"; the plan's spelling is kept, \
             and the mailbox it syncs with is the one the Email column names after this apply."
        ));
        items.push(i);
    }
    let mut p = Item::new(plan::Kind::Provider, "Contoso Exchange", "sn_wsd_rsvsync_provider");
    p.action = plan::Action::Update;
    p.fields = vec![FieldChange { field: "Active".into(), from: Some("true".into()), to: "false".into() }];
    items.push(p);
    let mut q = Item::new(plan::Kind::Property, "sn_wsd_rsvsync.integration_mode", "sys_properties");
    q.action = plan::Action::Update;
    q.fields = vec![FieldChange { field: "Value".into(), from: Some("normal".into()), to: "personal".into() }];
    items.push(q);
    plan::Diff { mode: plan::Mode::Personal, scope: "Workplace Reservation Sync (sn_wsd_rsvsync)".into(), items }
}

#[test]
fn the_review_scrolls_to_its_last_wrapped_row_at_80x24() {
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    let reviewed = Reviewed { diff: a_long_diff(), state: plan::InstanceState::default() };
    app.screen = Screen::Review(Review { reviewed: Some(Box::new(reviewed)) });
    let first = render(&app, 80, 24);
    assert!(first.contains("More below"), "{first}");
    assert!(!first.contains("Value: normal -> personal"), "{first}");
    for _ in 0..60 {
        key(&mut app, KeyCode::Down);
    }
    let end = render(&app, 80, 24);
    assert!(end.contains("Active: true -> false"), "{end}");
    assert!(end.contains("Value: normal -> personal"), "{end}");
    assert!(!end.contains("More below"), "{end}");
    // PageDown reaches the same end, and Up moves back from it by one row.
    app.scroll = 0;
    for _ in 0..6 {
        key(&mut app, KeyCode::PageDown);
    }
    assert_eq!(render(&app, 80, 24), end);
    key(&mut app, KeyCode::Up);
    assert_ne!(render(&app, 80, 24), end);
}

fn a_finding(id: calsync::doctor::Check, title: &str, fix: &str) -> calsync::doctor::Finding {
    calsync::doctor::Finding {
        id,
        severity: if id == calsync::doctor::Check::RoomInactive {
            calsync::doctor::Severity::Warning
        } else {
            calsync::doctor::Severity::Error
        },
        title: title.into(),
        evidence: vec![],
        why: id.why().into(),
        fix: fix.into(),
        fixable: false,
        repair: None,
    }
}

/// The summary of a setup with rooms still to activate: longer than the screen.
fn a_long_summary() -> App {
    use calsync::doctor::Check;
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    let mut written = vec![];
    let link = |id: &str| format!("https://dev123.service-now.com/{id}.do?sys_id=0123456789abcdef0123456789abcdef");
    let room_check = Some(Ok((
        2,
        vec![
            a_finding(
                Check::RoomInactive,
                "Everest does not sync: its Reservable Sync Configuration is inactive",
                &format!("Open {} and click Activate, then run calsync doctor again.", link("sn_wsd_rsvsync_config")),
            ),
            a_finding(
                Check::RoomInactive,
                "Kilimanjaro does not sync: its Reservable Sync Configuration is inactive",
                &format!("Open {} and click Activate, then run calsync doctor again.", link("sn_wsd_rsvsync_config")),
            ),
            a_finding(
                Check::WebhookNoCallback,
                "the \"Microsoft Exchange Online\" webhook registry has no callback URL and client state",
                &format!(
                    "With the application scope set to Microsoft Exchange Online Spoke, open {} and select Callback URL (it generates both) and Update; then activate each room's configuration (its Activate action): the subscription it creates then uses the callback URL.",
                    link("sys_webhook_registry")
                ),
            ),
        ],
    )));
    app.screen = Screen::Summary(calsync::wizard::Summary { room_check });
    for what in ["alias", "credential", "connection", "provider", "property", "room Everest", "room Kilimanjaro"] {
        written.push(ApplyLine {
            ok: true,
            text: format!("created {what} Contoso Graph Personal"),
            link: Some(link("sys_alias")),
        });
    }
    app.done.written = Some(written);
    app
}

#[test]
fn the_summary_scrolls_to_its_end_at_80x24_and_100x30() {
    for (w, h) in [(80, 24), (100, 30)] {
        let mut app = a_long_summary();
        let first = render(&app, w, h);
        assert!(first.contains("More below: Down or PageDown scrolls."), "{first}");
        assert!(!first.contains("s saves this setup"), "{first}");
        let help = first.lines().last().unwrap_or_default();
        assert!(help.contains("Up/Down scroll") && help.ends_with("Ctrl-C quit"), "the key help: {help:?}");
        for _ in 0..80 {
            key(&mut app, KeyCode::Down);
        }
        let end = render(&app, w, h);
        assert!(words(&end).contains("s saves this setup as a plan file"), "at {w}x{h}:\n{end}");
        assert!(!end.contains("More below"), "{end}");
        app.scroll = 0;
        key(&mut app, KeyCode::PageDown);
        key(&mut app, KeyCode::PageUp);
        assert_eq!(render(&app, w, h), first);
    }
}

#[test]
fn the_summary_lists_the_webhook_before_the_rooms_and_checks_again_with_c() {
    let app = a_long_summary();
    let screen = words(&render(&app, 120, 40));
    let webhook = screen.find("webhook registry has no callback URL").expect(&screen);
    let room = screen.find("Everest does not sync").expect(&screen);
    assert!(webhook < room, "the rooms come before the webhook:\n{screen}");
    assert!(screen.contains("click Activate, then press c to check again."), "{screen}");
    assert!(!screen.contains("calsync doctor again"), "{screen}");
}

#[test]
fn when_every_sign_in_is_done_the_token_step_says_where_enter_goes() {
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    app.draft.choice = ModeChoice::PersonalOwn;
    let tasks = vec![calsync::wizard::TokenTask {
        credential: "Contoso Graph Personal".into(),
        user: "rooms-delegate@contoso.com".into(),
        state: calsync::wizard::TokenState::Done { who: "rooms-delegate@contoso.com".into(), warnings: vec![] },
    }];
    app.screen = Screen::Token(calsync::wizard::Tokens { tasks, paste: None });
    let screen = words(&render(&app, 80, 24));
    assert!(screen.contains("Enter writes the tokens to the instance (Token on the instance)"), "{screen}");
    assert!(!screen.contains("Enter shows the summary"), "{screen}");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.step(), Step::Handover);
}

/// Every sign-in skipped, or some: the step does not claim they are finished, nor that
/// Enter writes tokens there are none of.
#[test]
fn after_skipping_the_token_step_says_nothing_was_signed_in() {
    let task = |name: &str, state| calsync::wizard::TokenTask {
        credential: name.into(),
        user: "rooms-delegate@contoso.com".into(),
        state,
    };
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    app.draft.choice = ModeChoice::PersonalDefault;
    let skipped = calsync::wizard::TokenState::Skipped;
    app.screen = Screen::Token(calsync::wizard::Tokens {
        tasks: vec![task("MS Graph 1", skipped.clone()), task("MS Graph 2", skipped.clone())],
        paste: None,
    });
    let screen = words(&render(&app, 80, 24));
    assert!(!screen.contains("All sign-ins are finished"), "{screen}");
    assert!(!screen.contains("writes the tokens"), "{screen}");
    assert!(screen.contains("No mailbox was signed in, so the instance gets no token and cannot sync yet"), "{screen}");
    assert!(screen.contains("the 2 skipped need calsync authorize later"), "{screen}");
    let done = calsync::wizard::TokenState::Done { who: "rooms-delegate@contoso.com".into(), warnings: vec![] };
    app.screen = Screen::Token(calsync::wizard::Tokens {
        tasks: vec![task("MS Graph 1", done), task("MS Graph 2", skipped)],
        paste: None,
    });
    let screen = words(&render(&app, 80, 24));
    assert!(screen.contains("1 of 2 mailboxes signed in: Enter writes their tokens to the instance"), "{screen}");
    assert!(screen.contains("the skipped one needs calsync authorize later"), "{screen}");
}

/// The second of two sign-ins waits at 80x24, the first done with the whole identity: the
/// paste field and the answer to what was pasted (an AADSTS code explained, a line refused,
/// no browser) are on screen, while the status row keeps the spinner.
#[test]
fn while_a_sign_in_waits_the_paste_field_and_its_answers_show() {
    use calsync::wizard::{TokenState, TokenTask, Tokens};
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Reauth);
    let url = format!(
        "https://login.microsoftonline.com/tid/oauth2/v2.0/authorize?client_id=cid&state={}&login_hint=rooms-delegate%40contoso.com&prompt=login&redirect_uri=http%3A%2F%2Flocalhost%3A37001%2F",
        "s".repeat(200)
    );
    let who = "rooms-delegate@contoso.com (Rooms Delegate, object ID 4d2c8a61-0b7e-4f3a-9c5d-6e1f2a3b4c5d, tenant 6f1c2b9e-3d4a-4c8e-9b7a-2e5d1f0a9c31)";
    let tasks = vec![
        TokenTask {
            credential: "MS Graph 1".into(),
            user: "rooms-delegate@contoso.com".into(),
            state: TokenState::Done { who: who.into(), warnings: vec![] },
        },
        TokenTask {
            credential: "MS Graph 2".into(),
            user: "rooms-delegate@contoso.com".into(),
            state: TokenState::Waiting { url: Some(url), start_url: Some("http://localhost:37001/start".into()) },
        },
    ];
    app.screen = Screen::Token(Tokens { tasks, paste: None });
    app.busy = Some(calsync::wizard::Busy::SigningIn);
    for ch in "abc".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    let screen = render(&app, 80, 24);
    assert!(screen.contains("│ > abc"), "what is typed shows:\n{screen}");
    assert!(screen.contains("Waiting for the sign-in"), "{screen}");
    assert!(words(&screen).contains("done MS Graph 1: signed in as rooms-delegate@contoso.com"), "{screen}");
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    let notices = [
        Notice::Explained("AADSTS50020: The account that signed in does not belong to this tenant (a personal Microsoft account or another organisation). Sign in with the delegated mailbox of the tenant, or invite that user as a guest.".into()),
        Notice::PasteRejected("the pasted line is not an address".into()),
        Notice::BrowserFailed("could not start /nonexistent/browser".into()),
    ];
    for n in notices {
        app.handle(Event::SignIn(app.generation, n));
        for (w, h) in [(80, 24), (120, 40)] {
            let screen = render(&app, w, h);
            let said = words(&screen);
            let expected = match app.notice.as_deref() {
                Some(n) => n.split_whitespace().collect::<Vec<_>>().join(" "),
                None => panic!("no notice"),
            };
            assert!(said.contains(&expected), "at {w}x{h}, {expected:?} is not drawn:\n{screen}");
            assert!(screen.contains("│ >"), "at {w}x{h} the paste field is drawn:\n{screen}");
        }
    }
    app.handle(Event::SignIn(app.generation, Notice::Explained("AADSTS50020: The account that signed in does not belong to this tenant (a personal Microsoft account or another organisation). Sign in with the delegated mailbox of the tenant, or invite that user as a guest.".into())));
    snap(&app, "11_token_waiting_second_with_an_explained_code");
}

/// Troubleshoot's `f` on the broken sandbox: every repair can be scrolled into view at 80x24.
#[tokio::test(flavor = "multi_thread")]
async fn the_troubleshoot_repairs_scroll_to_the_last_at_80x24() {
    let (_sb, c, snapshot, report) = broken().await;
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Troubleshoot);
    app.info = Some(probe(&c).await.unwrap());
    app.go(Step::Findings);
    app.screen = Screen::Findings(Findings { found: Some(Box::new(Found { snapshot, report })), probe_url: None });
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.step(), Step::Review);
    let d = calsync::wizard::steps::review::reviewed(&app).expect("the repairs as a diff").diff.clone();
    let last = d.items.iter().rfind(|i| i.action == plan::Action::Update).expect("an update").clone();
    let field = last.fields.last().expect("a changed field");
    let want = format!("{}: ", field.field);
    for _ in 0..80 {
        key(&mut app, KeyCode::Down);
    }
    let end = render(&app, 80, 24);
    assert!(words(&end).contains(&format!("{} {}", last.kind.label(), last.name)), "{end}");
    assert!(end.contains(&want), "{want:?} not shown:\n{end}");
}

/// The Token step asking for the app's client secret (found neither in the keyring nor in
/// CALSYNC_CLIENT_SECRET), with some of it typed: dots only.
#[tokio::test(flavor = "multi_thread")]
async fn the_client_secret_prompt() {
    let sb = sandbox().await;
    let c = client(&sb);
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Reauth);
    let mut info = probe(&c).await.unwrap();
    info.url = "https://dev123.service-now.com".into();
    app.generation = 1;
    app.handle(found(&c, 1, info));
    let tasks = vec![calsync::wizard::TokenTask {
        credential: "Contoso Graph Personal".into(),
        user: "rooms-delegate@contoso.com".into(),
        state: calsync::wizard::TokenState::Pending,
    }];
    app.enter(Screen::Token(calsync::wizard::Tokens { tasks, paste: None }));
    key(&mut app, KeyCode::Enter);
    let g = app.generation;
    app.handle(Event::SignedIn(
        g,
        Err(calsync::wizard::Failure::NoClientSecret(calsync::sandbox::seed::CLIENT_ID.into())),
    ));
    for ch in "sbx~Q8p2".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    snap(&app, "11a_token_client_secret");
}

/// At 80 and 100 columns every form link of the summary, in a sentence or on its own, is
/// drawn whole: the rows it takes, read one after the other, hold the address unbroken.
#[test]
fn the_summary_draws_every_address_whole_at_80x24() {
    insta::assert_snapshot!("12b_summary_links_80x24", render(&a_long_summary(), 80, 24));
    for (w, h) in [(80u16, 24u16), (100, 30)] {
        let mut app = a_long_summary();
        let mut seen = String::new();
        for _ in 0..6 {
            seen.push_str(&cells(&app, w, h));
            key(&mut app, KeyCode::PageDown);
        }
        for id in ["sn_wsd_rsvsync_config", "sys_webhook_registry", "sys_alias"] {
            let link = format!("https://dev123.service-now.com/{id}.do?sys_id=0123456789abcdef0123456789abcdef");
            assert!(seen.contains(&link), "{link} is not drawn whole at {w}x{h}");
        }
    }
}

/// The screen as one string, row after row: an address drawn over several full-width rows
/// reads whole in it.
fn cells(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).map(|p| buf[p].symbol().to_string()).collect()
}

/// Troubleshoot on the broken sandbox at 80x24, with its real form links: for every
/// finding, each piece of evidence and its record's form are on screen whole, scrolled to
/// with PageDown where the details are longer than the rows left.
#[tokio::test(flavor = "multi_thread")]
async fn every_findings_evidence_and_form_link_is_on_screen_whole_at_80x24() {
    let (_sb, c, snapshot, report) = broken().await;
    let findings = report.findings.clone();
    assert!(findings.iter().any(|f| f.id == calsync::doctor::Check::RegAuthUrl), "the broken seed has REG-AUTH-URL");
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Troubleshoot);
    app.info = Some(probe(&c).await.unwrap());
    app.go(Step::Findings);
    app.screen = Screen::Findings(Findings { found: Some(Box::new(Found { snapshot, report })), probe_url: None });
    for (i, x) in findings.iter().enumerate() {
        assert_eq!(app.cursor, i);
        let mut seen = String::new();
        let mut shown = String::new();
        for _ in 0..8 {
            let screen = render(&app, 80, 24);
            seen.push_str(&cells(&app, 80, 24));
            shown.push_str(&words(&screen));
            key(&mut app, KeyCode::PageDown);
        }
        for e in &x.evidence {
            assert!(seen.contains(&e.link), "[{}] {}: the form link {} is not drawn whole", x.id, x.title, e.link);
            let what = words(&format!("{}.{} =", e.table, e.field));
            assert!(shown.contains(&what), "[{}]: {what} is not on screen", x.id);
        }
        key(&mut app, KeyCode::Down);
        assert_eq!(app.scroll, 0, "another finding's details start at their top");
    }
}

/// Troubleshoot's `f` on the broken sandbox: the mode is unknown, so the checks that need
/// it did not run; the review of the repair that sets it says that the findings after it
/// may name more, and which.
#[tokio::test(flavor = "multi_thread")]
async fn the_repair_review_says_a_mode_it_sets_brings_checks_that_did_not_run() {
    let (_sb, c, snapshot, report) = broken().await;
    assert_eq!(report.mode, None, "the broken seed's mode is unknown");
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Troubleshoot);
    app.info = Some(probe(&c).await.unwrap());
    app.go(Step::Findings);
    app.screen = Screen::Findings(Findings { found: Some(Box::new(Found { snapshot, report })), probe_url: None });
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.step(), Step::Review);
    let screen = words(&render(&app, 120, 40));
    assert!(screen.contains(&words(&calsync::doctor::catalogue::mode_repair_brings_checks("Personal"))), "{screen}");
    assert!(screen.contains("CRED-MODE-GRANT, PROVIDER-DELEGATE"), "{screen}");
    assert!(screen.contains("Setting the parent of sn_wsd_rsvsync.Contoso_Rooms_Personal"), "{screen}");
}

/// At 80x24 the review's and the apply's wrapped rows go on under their text, not at the
/// box's left edge, and the apply's form links are drawn whole.
#[test]
fn review_and_apply_rows_keep_their_indent_and_links_stay_whole_at_80x24() {
    let mut app = App::new(false);
    app.color = false;
    app.start(calsync::wizard::Journey::Setup);
    let reviewed = Reviewed { diff: a_long_diff(), state: plan::InstanceState::default() };
    app.screen = Screen::Review(Review { reviewed: Some(Box::new(reviewed)) });
    let screen = render(&app, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let field = rows.iter().position(|r| r.contains("Email: old-room-1")).expect(&screen);
    let next = rows[field + 1].trim_start_matches('│');
    assert!(next.starts_with(&" ".repeat(14)), "the wrapped value hangs under the field:\n{screen}");

    let link = "https://dev123.service-now.com/oauth_2_0_credentials.do?sys_id=0123456789abcdef0123456789abcdef";
    app.screen = Screen::Apply(calsync::wizard::Apply {
        lines: vec![ApplyLine {
            ok: true,
            text: "created credential Contoso Graph Personal with a name long enough to wrap at eighty columns".into(),
            link: Some(link.into()),
        }],
    });
    let screen = render(&app, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let done = rows.iter().position(|r| r.contains("done  created credential")).expect(&screen);
    assert!(rows[done + 1].trim_start_matches('│').starts_with("       "), "{screen}");
    assert!(cells(&app, 80, 24).contains(link), "the form link is not drawn whole:\n{screen}");
}
