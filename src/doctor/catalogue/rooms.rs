//! What the room checks say: the rooms' configurations and subscriptions, the webhook
//! registry, jobs and flows, and what Microsoft's answers about a room's calendar mean.

use super::{Calsync, Said, capitalized, run_again, sign_in_as};
use crate::doctor::ids::Check;
use crate::facts;

// Rooms: what the instance-side and Graph-side room checks say (`rooms` decides).

/// A room finding's sentences, with the reason particular to it.
fn room(check: Check, title: String, why: &str, fix: String) -> Said {
    Said { check, title, fix, why: why.into() }
}

pub fn room_none() -> Said {
    room(
        Check::RoomNone,
        "no room is set up to sync yet (no Reservable Sync Configuration)".into(),
        "Each room that takes part in calendar sync needs its own Reservable Sync Configuration.",
        "Add the rooms to the plan ([[room]] location, email, provider) and apply it, or pick them in the wizard's Rooms step.".into(),
    )
}

/// `link`: the room's configuration form.
pub fn room_email_mismatch(room_name: &str, email: &str, se: &str, link: &str) -> Said {
    room(
        Check::RoomEmailMismatch,
        format!("the configuration of {room_name} names {email}, but the room's email is {se}"),
        "The configuration's email is the calendar WCS reads and writes; another one syncs the wrong calendar.",
        format!("Make them the same mailbox: set Email on {link} or on the room's form."),
    )
}

pub fn room_provider_inactive(room_name: &str, provider: &str) -> Said {
    room(
        Check::RoomProviderInactive,
        format!("{room_name} syncs through the inactive provider \"{provider}\""),
        "An inactive provider syncs nothing, and its rooms' configurations cannot be activated.",
        format!("Activate the calendar provider \"{provider}\", or move the room to an active one."),
    )
}

pub fn room_inactive(room_name: &str, link: &str, t: &Calsync) -> Said {
    room(
        Check::RoomInactive,
        format!("{room_name} does not sync: its Reservable Sync Configuration is inactive"),
        "Exchange Online configurations are created inactive; only the form's Activate action turns them on and creates the room's Graph subscription.",
        format!("Open {link} and click Activate, then {}.", run_again(t)),
    )
}

pub fn room_no_subscription(room_name: &str, link: &str) -> Said {
    room(
        Check::RoomNoSubscription,
        format!("{room_name} is active but has no subscription"),
        "Without a Graph subscription Microsoft never tells the instance about the room's calendar changes.",
        format!(
            "Open {link} and click Deactivate and then Activate; if the field stays empty, look at Flow Designer > Executions > Create or Update Subscription."
        ),
    )
}

/// `answer`: Microsoft's error, or the status code when it gave none; `fix`: what it means.
pub fn room_subscription_failed(room_name: &str, status: &str, answer: &str, fix: String) -> Said {
    room(
        Check::RoomSubscriptionFailed,
        if status == "failed" {
            format!("the subscription of {room_name} failed ({answer})")
        } else {
            format!("the subscription of {room_name} is {status} ({answer})")
        },
        "Only an active subscription answered with 200 brings the room's calendar changes to the instance.",
        fix,
    )
}

/// A failed subscription whose error is none of the documented ones.
pub fn subscription_other(link: &str) -> String {
    format!("Fix the cause Microsoft gave, then open {link} and click Deactivate and Activate.")
}

pub fn room_subscription_expired(room_name: &str, expires: &str, link: &str) -> Said {
    room(
        Check::RoomSubscriptionExpired,
        format!("the subscription of {room_name} expired on {expires}"),
        "Microsoft stops sending notifications when a subscription expires; the Renew Subscriptions flow should have renewed it.",
        format!(
            "Check that the Renew Subscriptions flow is active, then open {link} and click Deactivate and Activate."
        ),
    )
}

pub fn room_subscription_duplicate(email: &str, count: usize) -> Said {
    room(
        Check::RoomSubscriptionDuplicate,
        format!("{email} has {count} active subscriptions"),
        "Each calendar change is then delivered and queued more than once, which costs Graph requests and can duplicate reservations.",
        "Keep the one the room's configuration points at; set the others' status to Being deleted (the Renew Subscriptions flow then deletes them), or deactivate and activate the room.".into(),
    )
}

pub fn room_two_providers(room_name: &str, providers: &[String]) -> Said {
    room(
        Check::RoomTwoProviders,
        format!("{room_name} is configured with {} providers ({})", providers.len(), providers.join(", ")),
        "A room syncs through one provider; two configurations make two subscriptions write the same calendar.",
        "Deactivate and delete the configuration that should not be there.".into(),
    )
}

pub fn webhook_missing() -> Said {
    room(
        Check::WebhookMissing,
        format!("the spoke's \"{}\" webhook registry is missing", facts::WEBHOOK_NAME),
        "Microsoft's change notifications for the rooms are received through this registry.",
        "It is installed with the Microsoft Exchange Online spoke: repair the spoke from the application manager."
            .into(),
    )
}

/// `missing`: "callback URL", "client state" or both; `link`: the registry's form.
/// `then`: what the rooms need after it (`webhook_then`).
pub fn webhook_no_callback(missing: &str, link: &str, then: &str) -> Said {
    room(
        Check::WebhookNoCallback,
        format!("the \"{}\" webhook registry has no {missing}", facts::WEBHOOK_NAME),
        "Subscriptions need the callback URL Microsoft posts the rooms' changes to, and the client state that proves a notification is genuine.",
        format!(
            "With the application scope set to Microsoft Exchange Online Spoke, open {link} and select Callback URL (it generates both) and Update; then {then}"
        ),
    )
}

/// What the rooms need once the webhook registry has its callback URL: only those already
/// active (`active`, by name) subscribed without it and need Deactivate and Activate; the
/// `inactive` others subscribe with it when they are first activated.
pub fn webhook_then(active: &[String], inactive: usize) -> String {
    match (active, inactive) {
        ([], _) => "activate each room's configuration (its Activate action): the subscription it creates then uses the callback URL.".into(),
        (names, 0) => format!("deactivate and activate {} (their subscriptions were made without it).", names.join(", ")),
        (names, _) => format!(
            "deactivate and activate {} (their subscriptions were made without it); the inactive rooms need only Activate.",
            names.join(", ")
        ),
    }
}

/// `state`: "inactive" or "missing"; `what`: what the job does.
pub fn job_inactive(name: &str, state: &str, what: &str) -> Said {
    room(
        Check::JobInactive,
        format!("the scheduled job \"{name}\" is {state}"),
        &format!("It {what}; rooms stop syncing without it."),
        format!(
            "Activate \"{name}\" (System Definition > Scheduled Jobs); if it is missing, repair Workplace Calendar Synchronization or the spoke."
        ),
    )
}

/// `state`: "inactive" or "missing"; `what`: what the flow does.
pub fn flow_inactive(name: &str, state: &str, what: &str) -> Said {
    room(
        Check::FlowInactive,
        format!("the flow \"{name}\" is {state}"),
        &format!("It {what}; without it every subscription expires within three days."),
        format!("Activate \"{name}\" in Flow Designer (Microsoft Exchange Online Spoke)."),
    )
}

pub fn job_reprocess() -> Said {
    room(
        Check::JobReprocess,
        format!("\"{}\" is inactive (as installed)", facts::REPROCESS_JOB),
        "It re-sends the calendar calls of events that failed, such as those Microsoft throttled with HTTP 429 (\"Too many requests\").",
        format!(
            "If events under Workplace Calendar Synchronization > Synchronization > Events fail with \"Too many requests\", activate \"{}\" with a 5-minute interval.",
            facts::REPROCESS_JOB
        ),
    )
}

// What Microsoft's answers about a room's calendar mean (`rooms::explain` matches them).

pub fn graph_odata(room_name: &str, who: &str) -> (Check, String, String) {
    (
        Check::RoomGraphOdata,
        format!("Microsoft refuses to open {room_name}'s calendar: \"Access to OData is disabled\""),
        format!(
            "An application access policy or the mailbox's REST access blocks the app: put {room_name} (and {who}) in scope of the app registration's tenant and access policy (Exchange Online PowerShell: Test-ApplicationAccessPolicy), then deactivate and activate the room's configuration."
        ),
    )
}

pub fn graph_invalid(room_name: &str) -> (Check, String, String) {
    (
        Check::RoomGraphInvalid,
        format!("Microsoft does not know {room_name} as an object: \"Invalid object\""),
        "Check the Email of the room's configuration; the room must be a mailbox in the app registration's tenant."
            .to_string(),
    )
}

pub fn graph_no_mailbox(room_name: &str) -> (Check, String, String) {
    (
        Check::RoomGraphNoMailbox,
        format!("{room_name} has no mailbox in Exchange Online"),
        "Create the room mailbox in the Microsoft 365 admin center (Resources > Rooms & equipment) with this address, or correct the Email of the room's configuration.".to_string(),
    )
}

pub fn graph_denied(room_name: &str, who: &str) -> (Check, String, String) {
    (
        Check::RoomGraphDenied,
        format!("{who} may not open {room_name}'s calendar"),
        format!(
            "Make {who} a delegate of {room_name} (Microsoft 365 admin center > Resources > Rooms & equipment > {room_name} > Delegates), or check the application access policy; then deactivate and activate the room's configuration."
        ),
    )
}

const AS_THIS_ACCOUNT: &str = "WCS reads and writes the room's calendar as this account; it fails the same way.";

pub fn graph_unreachable(room_name: &str, error: &str, t: &Calsync) -> Said {
    room(
        Check::GraphUnreachable,
        format!("Microsoft Graph could not be reached to check {room_name} ({error})"),
        "The room-side checks did not run; nothing is known about the room's calendar.",
        format!("Check the network path to Microsoft Graph and {}.", run_again(t)),
    )
}

/// A refusal `explain` knows: its check, title and fix, with the HTTP status.
pub fn graph_refused(explained: (Check, String, String), status: u16) -> Said {
    let (check, title, fix) = explained;
    room(check, format!("{title} (HTTP {status})"), AS_THIS_ACCOUNT, fix)
}

pub fn graph_refused_otherwise(room_name: &str, who: &str, status: u16, message: &str) -> Said {
    room(
        Check::RoomGraphDenied,
        format!("{who} could not open {room_name}'s calendar (HTTP {status}: {message})"),
        AS_THIS_ACCOUNT,
        format!(
            "Make {who} a delegate of {room_name} and check the app's permissions; see https://learn.microsoft.com/en-us/graph/errors for the error."
        ),
    )
}

pub fn graph_read_only(room_name: &str, who: &str) -> Said {
    room(
        Check::RoomGraphReadOnly,
        format!("{who} can read {room_name}'s calendar but not write it"),
        "Reservations made in ServiceNow are written to the room's calendar as this account.",
        format!(
            "Give {who} editor rights as a delegate of {room_name} (Microsoft 365 admin center > Rooms & equipment > Delegates)."
        ),
    )
}

pub fn graph_not_a_room(room_name: &str, email: &str) -> Said {
    room(
        Check::RoomNotARoom,
        format!("{email} is not a room mailbox"),
        "WCS synchronizes room (resource) calendars; a user mailbox does not accept or decline bookings.",
        format!("Put the room's own mailbox in the configuration of {room_name}."),
    )
}

pub fn graph_kind_unconfirmed(room_name: &str, who: &str) -> Said {
    room(
        Check::RoomGraphUnchecked,
        format!("{who} opens {room_name}'s calendar; whether it is a room mailbox could not be confirmed"),
        "Confirming the mailbox type needs Place.Read.All, which WCS does not ask for.",
        "Nothing to do if it is a room in the Microsoft 365 admin center.".into(),
    )
}

// Rooms: the fixes that depend on more than one finding.

/// A subscription the instance could not make for want of the delegate's token.
/// `link`: the room's configuration form.
pub fn subscription_without_token(credential: Option<&str>, mailbox: Option<&str>, link: &str, t: &Calsync) -> String {
    format!(
        "Put the delegate's token on the instance: {}; then open {link} and click Deactivate and Activate.",
        sign_in_as(credential.unwrap_or("NAME"), mailbox, t)
    )
}

/// A subscription made while the webhook registry had no callback URL; `ready`: it has
/// one now. `link`: the room's configuration form.
pub fn subscription_without_callback(ready: bool, link: &str) -> String {
    if ready {
        format!(
            "The {} webhook registry has its callback URL now: open {link} and click Deactivate, then Activate.",
            facts::WEBHOOK_NAME
        )
    } else {
        format!(
            "Generate the callback URL of the {} webhook registry (WEBHOOK-NO-CALLBACK in this report), then open {link} and click Deactivate and Activate.",
            facts::WEBHOOK_NAME
        )
    }
}

/// A room the Graph-side check could not read with the delegate's token.
pub fn room_unchecked(room: &str, reason: &str, credential: &str, mailbox: Option<&str>, t: &Calsync) -> Said {
    Said {
        why: "The Graph-side checks read each room's calendar with the delegate's own token, kept by calsync in the OS keyring.".into(),
        ..Said::new(
            Check::RoomGraphUnchecked,
            format!("{room}'s calendar was not checked on Microsoft's side: {reason}"),
            format!("{}.", capitalized(&sign_in_as(credential, mailbox, t))),
        )
    }
}

/// A room read through a client-credentials connection (normal mode): as the app.
pub fn room_read_as_the_app(room: &str, credential: &str) -> Said {
    Said {
        why: "In normal mode the instance reads the room's calendar with the app registration's own permission (client credentials); calsync checks rooms only with a delegate's token, so whether the app may open this one is not known.".into(),
        ..Said::new(
            Check::RoomGraphUnchecked,
            format!("{room}'s calendar was not checked on Microsoft's side: \"{credential}\" signs in as the app, not as a delegate"),
            format!("Nothing to sign in. Check that the app registration has Calendars.ReadWrite as an application permission with admin consent, and that no application access policy leaves {room} out (Exchange Online PowerShell: Test-ApplicationAccessPolicy)."),
        )
    }
}
