//! Frame times of the wizard: the first frame, and every frame drawn while a request is in
//! flight (a sandbox instance with 100 ms latency, probed on the same runtime). Run:
//! `cargo bench --bench wizard`. Drawing goes to ratatui's TestBackend at 80x24 and 120x40,
//! so the figures are the wizard's own work, without the terminal's.

use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::Client;
use calsync::urls::InstanceUrl;
use calsync::wizard::driver::probe;
use calsync::wizard::{App, Event, Step, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn draw(app: &App, t: &mut Terminal<TestBackend>) -> Duration {
    let start = Instant::now();
    t.draw(|f| view::draw(app, f)).unwrap();
    start.elapsed()
}

fn key(app: &mut App, code: KeyCode) {
    app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // First frame: build the app and draw it once, as `calsync` does on start.
    let mut firsts = vec![];
    for _ in 0..50 {
        let start = Instant::now();
        let app = App::new(true);
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| view::draw(&app, f)).unwrap();
        firsts.push(start.elapsed());
    }
    firsts.sort();

    // Every screen of the setup, drawn repeatedly while a slow probe runs alongside.
    let sb = Sandbox::start(sandbox::Options::default()).await.unwrap();
    sb.set_latency_ms(100);
    let client =
        Client::new(InstanceUrl::parse(sb.url()).unwrap(), seed::ADMIN_USER, SecretString::from(seed::ADMIN_PASSWORD))
            .unwrap();
    // The setup from the journey picker to the summary, every screen drawn: the picker,
    // the mode, the instance, then each step up to the review, the apply, the token and
    // the summary.
    let mut app = App::new(true);
    let mut drawn: Vec<String> = vec![];
    let mut frames: Vec<Duration> = vec![];
    let mut small = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut large = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut measure = |app: &mut App, frames: &mut Vec<Duration>, client: &Client| {
        drawn.push(format!("{:?}", app.step()));
        // A request in flight while drawing: the spinner is up, the probe runs on the runtime.
        let c = client.clone();
        let inflight = tokio::spawn(async move { probe(&c).await.is_ok() });
        let was = app.busy.take();
        app.busy = Some(calsync::wizard::Busy::Probing);
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            app.handle(Event::Tick);
            frames.push(draw(app, &mut small));
            frames.push(draw(app, &mut large));
        }
        app.busy = was;
        inflight
    };
    // Each key's effects are carried out as the driver does (requests to the sandbox, at
    // its latency), and their events fed back, until the app asks for nothing more.
    let dir = std::env::temp_dir().join(format!("calsync-wizard-bench-{}", std::process::id()));
    let services = calsync::config::Services {
        config: std::sync::Arc::new(calsync::config::Config::isolated(&dir)),
        secrets: calsync::secret_store::Secrets::new(std::sync::Arc::new(calsync::secret_store::Memory::default())),
        browser: std::sync::Arc::new(calsync::oauth::browser::NoBrowser),
        clock: std::sync::Arc::new(calsync::clock::SystemClock),
    };
    let env = calsync::wizard::driver::Env { services, sandbox_url: Some(sb.url().to_string()) };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The journey picker, then the setup from its first screen.
    measure(&mut app, &mut frames, &client).await.unwrap();
    app.start(calsync::wizard::Journey::Setup);
    app.draft.instance.set(sb.url());
    app.draft.user.set(seed::ADMIN_USER);
    app.draft.password.set(seed::ADMIN_PASSWORD);
    let mut visited = 0;
    while app.step() != Step::Summary {
        let text = match app.step() {
            Step::Alias => "Contoso_Graph_Personal",
            Step::Credential => "rooms-delegate@contoso.com",
            _ => "",
        };
        for ch in text.chars() {
            key(&mut app, KeyCode::Char(ch));
        }
        measure(&mut app, &mut frames, &client).await.unwrap();
        // The token step is skipped: no one signs in during a benchmark.
        let code = if app.step() == Step::Token { KeyCode::Char('s') } else { KeyCode::Enter };
        let mut pending = app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        if code == KeyCode::Char('s') {
            pending.extend(app.handle(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))));
        }
        while !pending.is_empty() {
            for e in std::mem::take(&mut pending) {
                calsync::wizard::driver::perform(e, &env, &tx).await;
            }
            while let Ok(ev) = rx.try_recv() {
                pending.extend(app.handle(ev));
            }
        }
        visited += 1;
        assert!(visited < 40, "the setup did not reach the summary: at {:?}, error {:?}", app.step(), app.error);
    }
    measure(&mut app, &mut frames, &client).await.unwrap();
    let screens = drawn.len();
    let mut distinct = drawn.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), screens, "each screen once: {drawn:?}");
    assert_eq!(drawn.last().map(String::as_str), Some("Summary"), "{drawn:?}");
    frames.sort();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    println!("wizard frames, 2 cores, TestBackend; screens drawn: {}", drawn.join(", "));
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| first frame (App::new + first draw, 80x24), median of 50 | {:.2} ms |",
        pct(&firsts, 0.5).as_secs_f64() * 1e3
    );
    println!("| first frame, slowest of 50 | {:.2} ms |", firsts.last().unwrap().as_secs_f64() * 1e3);
    println!("| frames drawn while a request was in flight ({screens} screens, 80x24 and 120x40) | {} |", frames.len());
    println!("| frame work, median | {:.3} ms |", pct(&frames, 0.5).as_secs_f64() * 1e3);
    println!("| frame work, 99th percentile | {:.3} ms |", pct(&frames, 0.99).as_secs_f64() * 1e3);
    println!("| frame work, slowest | {:.3} ms |", frames.last().unwrap().as_secs_f64() * 1e3);
}
