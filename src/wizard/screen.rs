//! The screen on display and what only it holds. `Step` is a screen's kind: small and
//! `Copy`, it names the steps of a journey, their titles and the step indicator. `Screen`
//! is the step on display together with its data, so that data cannot outlive its screen
//! or show up on another one: a diff exists only on Review, an apply's progress only on
//! Apply, the doctor's findings only on Findings. What later steps need of a step's work
//! travels forward in `Done`.

use super::{ApplyLine, Failure, Reviewed, Step};
use crate::doctor::Report;
use crate::doctor::read::Snapshot;

/// The step on display, with what it read and what is typed on it.
#[derive(Debug)]
pub enum Screen {
    Picker,
    Credentials,
    Findings(Findings),
    Mode,
    Instance,
    Checks,
    Profile,
    Alias,
    Credential,
    Connection,
    Provider,
    Properties,
    Integration,
    Review(Review),
    Apply(Apply),
    Token,
    Handover,
    Rooms,
    Summary,
}

impl Screen {
    /// The screen of `step` as it is first entered: nothing read or typed on it yet.
    pub fn new(step: Step) -> Screen {
        match step {
            Step::Picker => Screen::Picker,
            Step::Credentials => Screen::Credentials,
            Step::Findings => Screen::Findings(Findings::default()),
            Step::Mode => Screen::Mode,
            Step::Instance => Screen::Instance,
            Step::Checks => Screen::Checks,
            Step::Profile => Screen::Profile,
            Step::Alias => Screen::Alias,
            Step::Credential => Screen::Credential,
            Step::Connection => Screen::Connection,
            Step::Provider => Screen::Provider,
            Step::Properties => Screen::Properties,
            Step::Integration => Screen::Integration,
            Step::Review => Screen::Review(Review::default()),
            Step::Apply => Screen::Apply(Apply::default()),
            Step::Token => Screen::Token,
            Step::Handover => Screen::Handover,
            Step::Rooms => Screen::Rooms,
            Step::Summary => Screen::Summary,
        }
    }

    pub fn step(&self) -> Step {
        match self {
            Screen::Picker => Step::Picker,
            Screen::Credentials => Step::Credentials,
            Screen::Findings(_) => Step::Findings,
            Screen::Mode => Step::Mode,
            Screen::Instance => Step::Instance,
            Screen::Checks => Step::Checks,
            Screen::Profile => Step::Profile,
            Screen::Alias => Step::Alias,
            Screen::Credential => Step::Credential,
            Screen::Connection => Step::Connection,
            Screen::Provider => Step::Provider,
            Screen::Properties => Step::Properties,
            Screen::Integration => Step::Integration,
            Screen::Review(_) => Step::Review,
            Screen::Apply(_) => Step::Apply,
            Screen::Token => Step::Token,
            Screen::Handover => Step::Handover,
            Screen::Rooms => Step::Rooms,
            Screen::Summary => Step::Summary,
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
}
