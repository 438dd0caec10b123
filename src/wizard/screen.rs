//! The screen on display and what only it holds. `Step` is a screen's kind: small and
//! `Copy`, it names the steps of a journey, their titles and the step indicator. `Screen`
//! is the step on display together with its data, so that data cannot outlive its screen
//! or show up on another one: a diff exists only on Review, an apply's progress only on
//! Apply, the doctor's findings only on Findings, a pasted redirect only on Get OAuth Token. What later steps need of a step's work
//! travels forward in `Done`.

use super::field::TextField;
use super::steps::roomcheck::RoomCheck;
use super::{ApplyLine, CredentialRow, Failure, HandoverState, Reviewed, RoomRow, Step, TokenTask};
use crate::doctor::Report;
use crate::doctor::read::Snapshot;

/// The step on display, with what it read and what is typed on it.
#[derive(Debug)]
pub enum Screen {
    Picker,
    Credentials(Credentials),
    Findings(Findings),
    Mode,
    Instance,
    Checks,
    Profile,
    Alias,
    Credential,
    Connection,
    Provider,
    Properties(Properties),
    Integration,
    Review(Review),
    Apply(Apply),
    Token(Tokens),
    Handover,
    Rooms(Rooms),
    Summary(Summary),
}

impl Screen {
    /// The screen of `step` as it is first entered: nothing read or typed on it yet.
    pub fn new(step: Step) -> Screen {
        match step {
            Step::Picker => Screen::Picker,
            Step::Credentials => Screen::Credentials(Credentials::default()),
            Step::Findings => Screen::Findings(Findings::default()),
            Step::Mode => Screen::Mode,
            Step::Instance => Screen::Instance,
            Step::Checks => Screen::Checks,
            Step::Profile => Screen::Profile,
            Step::Alias => Screen::Alias,
            Step::Credential => Screen::Credential,
            Step::Connection => Screen::Connection,
            Step::Provider => Screen::Provider,
            Step::Properties => Screen::Properties(Properties::default()),
            Step::Integration => Screen::Integration,
            Step::Review => Screen::Review(Review::default()),
            Step::Apply => Screen::Apply(Apply::default()),
            Step::Token => Screen::Token(Tokens::default()),
            Step::Handover => Screen::Handover,
            Step::Rooms => Screen::Rooms(Rooms::default()),
            Step::Summary => Screen::Summary(Summary::default()),
        }
    }

    pub fn step(&self) -> Step {
        match self {
            Screen::Picker => Step::Picker,
            Screen::Credentials(_) => Step::Credentials,
            Screen::Findings(_) => Step::Findings,
            Screen::Mode => Step::Mode,
            Screen::Instance => Step::Instance,
            Screen::Checks => Step::Checks,
            Screen::Profile => Step::Profile,
            Screen::Alias => Step::Alias,
            Screen::Credential => Step::Credential,
            Screen::Connection => Step::Connection,
            Screen::Provider => Step::Provider,
            Screen::Properties(_) => Step::Properties,
            Screen::Integration => Step::Integration,
            Screen::Review(_) => Step::Review,
            Screen::Apply(_) => Step::Apply,
            Screen::Token(_) => Step::Token,
            Screen::Handover => Step::Handover,
            Screen::Rooms(_) => Step::Rooms,
            Screen::Summary(_) => Step::Summary,
        }
    }

    /// A review on display with changes the instance has not got.
    pub fn reviews_changes(&self) -> bool {
        matches!(self, Screen::Review(Review { reviewed: Some(r) }) if r.diff.has_changes())
    }
}

/// Findings (troubleshoot): what the doctor read and found, once it answered, and the
/// sign-in address of a running browser probe.
#[derive(Debug, Default)]
pub struct Findings {
    pub found: Option<Box<Found>>,
    pub probe_url: Option<String>,
}

/// The doctor's answer: its snapshot (what the repairs and the browser probe start from)
/// and the report drawn from it, which only ever arrive together.
#[derive(Debug)]
pub struct Found {
    pub snapshot: Snapshot,
    pub report: Report,
}

/// Delegated mailboxes (re-authorize): the instance's credentials as listed and picked,
/// and the delegated user being typed for one of them.
#[derive(Debug, Default)]
pub struct Credentials {
    pub rows: Vec<CredentialRow>,
    pub editing: Option<TextField>,
}

/// Sync properties: the value being typed for the selected property (the values kept are
/// the draft's).
#[derive(Debug, Default)]
pub struct Properties {
    pub editing: Option<TextField>,
}

/// Rooms: the instance's rooms as listed and picked (the picks go to the draft on leaving).
#[derive(Debug, Default)]
pub struct Rooms {
    pub rows: Vec<RoomRow>,
}

/// Get OAuth Token: the sign-ins to run and how each went, and the line being pasted
/// while one waits. Leaving forward hands the sign-ins on (`Done::tokens`).
#[derive(Debug, Default)]
pub struct Tokens {
    pub tasks: Vec<TokenTask>,
    pub paste: Option<TextField>,
}

/// Summary: the rooms' check, once it answered.
#[derive(Debug, Default)]
pub struct Summary {
    pub room_check: Option<RoomCheck>,
}

/// Review: the diff, once the instance was read, with the state it was computed from
/// (the apply needs both, so they travel as one `Reviewed`).
#[derive(Debug, Default)]
pub struct Review {
    pub reviewed: Option<Box<Reviewed>>,
}

/// Apply: a line per record as it lands. Whether the apply went through is the journey's
/// (`Done::written`): the steps after it read it too.
#[derive(Debug, Default)]
pub struct Apply {
    pub lines: Vec<ApplyLine>,
}

/// What the journey has done so far that later steps, the summary, the message printed on
/// leaving and the exit code read: it travels forward from the step that did it.
#[derive(Debug, Default)]
pub struct Done {
    /// The setup was written, with the apply's lines (none when nothing needed writing).
    /// From then on the setup goes forward only.
    pub written: Option<Vec<ApplyLine>>,
    /// The last apply failed, and was not followed by one that worked.
    pub apply_failed: Option<Failure>,
    /// The sign-ins as the Token step left them: the hand-over, the summary and the
    /// message on leaving read them.
    pub tokens: Vec<TokenTask>,
    /// Where each signed-in credential's tokens stand on the instance. A result of the
    /// journey rather than of a screen: coming back to the step continues them.
    pub handovers: Vec<(String, HandoverState)>,
}
