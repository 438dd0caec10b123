//! HTTP(s) connection: the connection's name and its URL, checked as typed (exactly a
//! Microsoft Graph root; no http, no /v1.0, no trailing slash, no duplicated host). URL
//! builder and MID Server stay off (seeds 000, 003).

use super::Nav;
use crate::facts::{self, CLOUDS};
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
    // MS Graph 1 and 2 hang off two aliases, each named whole on a row of its own (the
    // second wraps at 80 columns).
    let alias_lines = match d.choice {
        ModeChoice::PersonalOwn => vec![Line::from(format!("{:<16}sn_wsd_rsvsync.{}", "Alias", d.alias.value.trim()))],
        _ => vec![
            Line::from(format!("{:<16}{} on {}", "Alias", facts::MS_GRAPH_1, facts::SPOKE_ALIAS_ID)),
            Line::from(format!("{:<16}{} on {}", "", facts::MS_GRAPH_2, facts::SPOKE_CLIENTCRED_ALIAS_ID)),
        ],
    };
    let alias_h = view::wrapped_height(&alias_lines, area.width.saturating_sub(16)).max(1);
    let rows = if n == 2 {
        view::rows(area, &[2, url_h, alias_h, 1, 1, 1, 4])
    } else {
        view::rows(area, &[url_h, 2, alias_h, 1, 1, 1, 4])
    };
    let mut r = 0;
    if n == 2 {
        let below = d.connection.value.trim().is_empty().then(|| ("unique among connections".to_string(), true));
        view::field(f, rows[0], app, &d.connection, app.focus == 0, below);
        r = 1;
    }
    view::field(f, rows[r], app, &d.url, app.focus == n - 1, Some(url_below));
    view::text(f, rows[2], alias_lines);
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

#[cfg(test)]
mod tests {
    use crate::wizard::tests::{info, render_text};
    use crate::wizard::{App, Journey, ModeChoice, Step};

    #[test]
    fn both_aliases_are_named_whole_at_80x24() {
        let mut app = App::new(false);
        app.start(Journey::Setup);
        app.draft.choice = ModeChoice::Strict;
        app.info = Some(info());
        app.go(Step::Connection);
        let screen = render_text(&app, 80, 24).replace('│', " ");
        let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("MS Graph 1 on sn_ex_online_spke.Microsoft_Exchange_Online MS Graph 2"), "{screen}");
        assert!(
            words.contains("MS Graph 2 on sn_ex_online_spke.Microsoft_Exchange_Online_clientCred Credential"),
            "{screen}"
        );
    }
}
