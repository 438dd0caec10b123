//! Integration mode: the system property sn_wsd_rsvsync.sync_integration_mode that tells
//! WCS which mode runs (seed 004). Last before the review, because the mode is only
//! switched once its records are in place.

use crate::facts;
use crate::wizard::view::{self, theme};
use crate::wizard::{App, Effect};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => app.back(),
        KeyCode::Enter => {
            app.next();
            return super::review::request(app);
        }
        _ => {}
    }
    vec![]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let t = theme(app);
    let current = app.info.as_ref().and_then(|i| i.mode_value.clone()).unwrap_or_else(|| "(missing)".into());
    let want = app.draft.choice.mode().property_value();
    let change = if current == want { format!("{current} (unchanged)") } else { format!("{current} -> {want}") };
    view::text(
        f,
        area,
        vec![
            Line::from(format!("{:<16}{}", "Property", facts::MODE_PROPERTY)),
            Line::from(format!("{:<16}{change}", "Value")),
            Line::default(),
            Line::styled(
                "Set at instance level; it replaced the calendar provider's Strict mode check box in WCS 3.0.",
                t.dim(),
            ),
            Line::styled("The next screen shows every change before anything is written.", t.dim()),
        ],
    );
}
