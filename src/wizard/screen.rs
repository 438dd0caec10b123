//! The screen on display and what only it holds. `Step` is a screen's kind: small and
//! `Copy`, it names the steps of a journey, their titles and the step indicator. `Screen`
//! is the step on display together with its data, so that data cannot outlive its screen
//! or show up on another one: the doctor's findings exist only on Findings.

use super::Step;
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
    Review,
    Apply,
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
            Step::Review => Screen::Review,
            Step::Apply => Screen::Apply,
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
            Screen::Review => Step::Review,
            Screen::Apply => Step::Apply,
            Screen::Token => Step::Token,
            Screen::Handover => Step::Handover,
            Screen::Rooms => Step::Rooms,
            Screen::Summary => Step::Summary,
        }
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
