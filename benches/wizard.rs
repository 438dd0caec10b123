//! Frame times of the wizard: the first frame, and every frame drawn while a request is in
//! flight (a sandbox instance with 100 ms latency, probed on the same runtime). Run:
//! `cargo bench --bench wizard`. Drawing goes to ratatui's TestBackend at 80x24 and 120x40,
//! so the figures are the wizard's own work, without the terminal's.

use calsync::plan;
use calsync::sandbox::{self, Sandbox, seed};
use calsync::snow::Client;
use calsync::urls::InstanceUrl;
use calsync::wizard::driver::probe;
use calsync::wizard::{App, Event, Journey, view};
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
    let mut app = App::new(true);
    app.start(Journey::Setup);
    key(&mut app, KeyCode::Enter);
    let info = probe(&client).await.unwrap();
    let mut frames: Vec<Duration> = vec![];
    let mut small = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut large = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut screens = 0;
    let mut measure = |app: &mut App, frames: &mut Vec<Duration>, client: &Client| {
        screens += 1;
        // A request in flight while drawing: the spinner is up, the probe runs on the runtime.
        let c = client.clone();
        let inflight = tokio::spawn(async move { probe(&c).await.is_ok() });
        app.busy = Some(calsync::wizard::Busy::Probing);
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            app.handle(Event::Tick);
            frames.push(draw(app, &mut small));
            frames.push(draw(app, &mut large));
        }
        app.busy = None;
        inflight
    };
    let g = app.generation + 1;
    app.generation = g;
    let h = measure(&mut app, &mut frames, &client);
    let conn = calsync::wizard::Connection { client: client.clone(), instance_key: "bench".into(), sandbox_url: None };
    app.handle(Event::Probed(g, Ok(Box::new(calsync::wizard::Probed { conn, info }))));
    let _ = h.await;
    for text in [None, None, Some("Contoso_Graph_Personal"), Some("rooms-delegate@contoso.com"), None, None] {
        if let Some(t) = text {
            for ch in t.chars() {
                key(&mut app, KeyCode::Char(ch));
            }
        }
        let h = measure(&mut app, &mut frames, &client);
        key(&mut app, KeyCode::Enter);
        let _ = h.await;
    }
    let p = app.draft.to_plan(app.info.as_ref()).unwrap();
    let st = plan::read_state(&client, &p).await.unwrap();
    let g = app.generation;
    let diff = plan::diff(&p, &st);
    app.handle(Event::Diffed(g, Ok(Box::new(calsync::wizard::Reviewed { diff, state: st }))));
    let h = measure(&mut app, &mut frames, &client);
    let _ = h.await;
    frames.sort();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    println!("wizard frames, 2 cores, TestBackend");
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
