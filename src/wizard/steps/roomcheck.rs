//! The last step's check of the rooms, shown on the summary: the doctor's room checks on
//! the instance (active configuration, live subscription, webhook registry, jobs) and on
//! Microsoft's side with the delegate's keyring token (each room's calendar opens). `c`
//! checks again, for after the rooms were activated on their forms.

use crate::doctor::{Finding, Severity};
use crate::wizard::view::Theme;
use crate::wizard::{App, Busy, Effect, Screen, Summary};
use ratatui::text::Line;

/// What the room check found: how many rooms are configured, and the findings.
pub type RoomCheck = Result<(usize, Vec<Finding>), String>;

pub fn start(app: &mut App) -> Vec<Effect> {
    let Some(conn) = app.conn.clone() else { return vec![] };
    app.generation += 1;
    app.busy = Some(Busy::Probing);
    vec![Effect::CheckRooms { generation: app.generation, conn }]
}

pub fn checked(app: &mut App, r: RoomCheck) -> Vec<Effect> {
    app.busy = None;
    if let Screen::Summary(s) = &mut app.screen {
        s.room_check = Some(r);
    }
    vec![]
}

/// The findings to act on, in the order to work through them: the webhook registry first
/// (a room subscribes with its callback URL when activated, so the rooms' own Activate comes
/// after it), then as the doctor orders them.
fn to_do(findings: &[Finding]) -> Vec<Finding> {
    use crate::doctor::Check;
    let mut out: Vec<Finding> = findings.iter().filter(|f| f.severity != Severity::Info).cloned().collect();
    crate::doctor::order(&mut out);
    out.sort_by_key(|f| !matches!(f.id, Check::WebhookMissing | Check::WebhookNoCallback));
    out
}

/// What the Summary's room check left to do, for the lines printed on leaving: how many
/// steps, or why the rooms were not checked. None when the rooms sync, none is set up, or
/// they were not checked on this screen.
pub fn left(app: &App) -> Option<Result<usize, String>> {
    let Screen::Summary(Summary { room_check: Some(check) }) = &app.screen else { return None };
    match check {
        Err(e) => Some(Err(e.clone())),
        Ok((rooms, findings)) => {
            let n = to_do(findings).len();
            (*rooms > 0 && n > 0).then_some(Ok(n))
        }
    }
}

pub fn lines(app: &App, t: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![];
    let Screen::Summary(Summary { room_check: Some(check) }) = &app.screen else { return out };
    out.push(Line::default());
    match check {
        Err(e) => out.push(Line::styled(format!("Rooms: not checked ({e})"), t.warn())),
        Ok((rooms, findings)) => {
            let problems = to_do(findings);
            if *rooms == 0 {
                out.push(Line::styled(
                    "Rooms: none is set up to sync yet (pick them in the setup's Rooms step, or [[room]] in a plan).",
                    t.warn(),
                ));
            } else if problems.is_empty() {
                out.push(Line::styled(
                    format!("Rooms: {rooms} syncing (active, subscribed, calendars open for the delegate)."),
                    t.ok(),
                ));
            } else {
                out.push(Line::styled(format!("Rooms: {} to do (c checks again):", problems.len()), t.warn()));
                for f in problems {
                    let style = if f.severity == Severity::Error { t.bad() } else { t.warn() };
                    out.push(Line::styled(format!("  {}", f.title), style));
                    // Inside the wizard, checking again is a key away.
                    let fix = f.fix.replace("run calsync doctor again", "press c to check again");
                    out.push(Line::styled(format!("    {fix}"), t.dim()));
                }
            }
        }
    }
    out
}
