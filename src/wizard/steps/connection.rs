//! HTTP(s) connection: the connection's name and its URL, checked as typed (exactly a
//! Microsoft Graph root; no http, no /v1.0, no trailing slash, no duplicated host). URL
//! builder and MID Server stay off (seeds 000, 003).

use super::Nav;
use crate::facts::CLOUDS;
use crate::urls::check_graph_url;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect, ModeChoice};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

pub fn fields(choice: ModeChoice) -> usize {
    if choice == ModeChoice::PersonalOwn { 2 } else { 1 }
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let n = fields(app.draft.choice);
    if k.code == KeyCode::F(2) {
        let i = CLOUDS
            .iter()
            .position(|c| c.graph_root == app.draft.url.value)
            .map(|i| (i + 1) % CLOUDS.len())
            .unwrap_or(0);
        app.draft.url.set(CLOUDS[i].graph_root);
        app.focus = n - 1;
        return vec![];
    }
    match super::nav(app, n, k) {
        Nav::Back => app.back(),
        Nav::Submit => {
            if n == 2 && app.draft.connection.value.trim().is_empty() {
                app.focus = 0;
            } else if check_graph_url(&app.draft.url.value).is_err() {
                app.focus = n - 1;
            } else {
                app.draft_changed();
                app.next();
            }
        }
        Nav::Moved => {}
        Nav::Other => {
            if n == 2 && app.focus == 0 {
                app.draft.connection.key(k);
            } else {
                app.draft.url.key(k);
            }
        }
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let d = &app.draft;
    let n = fields(d.choice);
    let url_below = match check_graph_url(&d.url.value) {
        Ok(cloud) => (format!("ok: Microsoft Graph, {} cloud", cloud.name), false),
        Err(e) => (e.to_string(), true),
    };
    // The URL's message says what to type instead: it wraps, and the rest moves down.
    let url_h = view::field_height(Some(&url_below), area.width);
    let rows = if n == 2 {
        view::rows(area, &[2, url_h, 1, 1, 1, 1, 4])
    } else {
        view::rows(area, &[url_h, 2, 1, 1, 1, 1, 4])
    };
    let mut r = 0;
    if n == 2 {
        let below = d.connection.value.trim().is_empty().then(|| ("unique among connections".to_string(), true));
        view::field(f, rows[0], app, &d.connection, app.focus == 0, below);
        r = 1;
    }
    view::field(f, rows[r], app, &d.url, app.focus == n - 1, Some(url_below));
    let alias = match d.choice {
        ModeChoice::PersonalOwn => format!("sn_wsd_rsvsync.{}", d.alias.value.trim()),
        _ => "MS Graph 1 on ...Microsoft_Exchange_Online, MS Graph 2 on ..._clientCred".into(),
    };
    view::text(f, rows[2], vec![Line::from(format!("{:<16}{alias}", "Alias"))]);
    let cred = match d.choice {
        ModeChoice::PersonalOwn => d.credential.value.trim().to_string(),
        _ => "MS Graph 1 / MS Graph 2".into(),
    };
    view::text(f, rows[3], vec![Line::from(format!("{:<16}{cred}", "Credential"))]);
    view::text(f, rows[4], vec![Line::from(format!("{:<16}off; Use MID server off; Active", "URL builder"))]);
    let clouds: Vec<String> = CLOUDS.iter().map(|c| c.graph_root.trim_start_matches("https://").to_string()).collect();
    view::text(
        f,
        rows[6],
        vec![Line::styled(format!("F2 cycles the national clouds: {}", clouds.join(", ")), t.dim())],
    );
}
