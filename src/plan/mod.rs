//! The desired setup as a plan, its difference from the instance, and applying it.

pub mod apply;
pub mod batched;
pub mod diff;
pub mod journal;
pub mod model;
pub mod rooms;
pub mod verify;

pub use diff::{Action, Diff, InstanceState, Kind, diff, read_state};
pub use model::{Mode, Plan, PlanError, parse};
