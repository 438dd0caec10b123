//! The sandbox tenant's Exchange Online side of Microsoft Graph: room mailboxes, who may
//! open their calendars, and the errors WCS's troubleshooting pages name ("Access to OData
//! is disabled", "Invalid object", an address with no mailbox, access denied).
//!
//! Served read-only, per signed-in account: `GET /v1.0/users/{address}/calendar` and
//! `GET /v1.0/places/{address}`. The same rules decide whether activating a reservable sync
//! configuration gets a subscription (`wcs.rs`).

use crate::server::Inner;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

/// What the tenant's admin has set on a mailbox that stops calsync's reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    None,
    /// An application access policy or disabled REST access: "Access to OData is disabled".
    ODataDisabled,
}

#[derive(Debug, Clone)]
pub struct Mailbox {
    pub address: &'static str,
    pub name: &'static str,
    pub room: bool,
    /// Accounts delegated on the room (Microsoft 365 admin center, Rooms & equipment,
    /// Delegates), with whether they may edit.
    pub delegates: &'static [(&'static str, bool)],
    pub block: Block,
}

const ALL_DELEGATES: &[(&str, bool)] = &[
    ("rooms-delegate@contoso.com", true),
    ("strict-rooms@contoso.com", true),
    ("rooms-north@contoso.com", true),
    ("rooms-south@contoso.com", true),
];

/// The tenant's mailboxes. Annapurna has a ServiceNow location but no mailbox.
pub const MAILBOXES: &[Mailbox] = &[
    Mailbox {
        address: "everest@contoso.com",
        name: "Everest",
        room: true,
        delegates: ALL_DELEGATES,
        block: Block::None,
    },
    Mailbox {
        address: "kilimanjaro@contoso.com",
        name: "Kilimanjaro",
        room: true,
        delegates: ALL_DELEGATES,
        block: Block::None,
    },
    Mailbox {
        address: "matterhorn@contoso.com",
        name: "Matterhorn",
        room: true,
        delegates: &[("it-admin@contoso.com", true)],
        block: Block::None,
    },
    Mailbox {
        address: "denali@contoso.com",
        name: "Denali",
        room: true,
        delegates: ALL_DELEGATES,
        block: Block::ODataDisabled,
    },
    Mailbox {
        address: "it-admin@contoso.com",
        name: "IT Admin",
        room: false,
        delegates: &[("rooms-delegate@contoso.com", true)],
        block: Block::None,
    },
];

/// Who is asking: a delegated account, or the app itself (client credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User(String),
    App,
}

/// A Graph error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl GraphError {
    fn response(&self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message, "innerError": {
            "date": crate::time::now_utc(), "request-id": crate::store::new_sys_id(),
        }}});
        (StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST), axum::Json(body)).into_response()
    }
}

fn mailbox(address: &str) -> Option<&'static Mailbox> {
    MAILBOXES.iter().find(|m| m.address.eq_ignore_ascii_case(address))
}

/// Can `who` open the calendar of `address`? Ok says whether they may also edit it.
pub fn open_calendar(who: &Principal, address: &str) -> Result<(&'static Mailbox, bool), GraphError> {
    let address = address.trim();
    if !address.contains('@') {
        return Err(GraphError {
            status: 400,
            code: "ErrorInvalidUser",
            message: format!("Invalid object identifier '{address}'."),
        });
    }
    let Some(m) = mailbox(address) else {
        return Err(GraphError {
            status: 404,
            code: "ErrorNonExistentMailbox",
            message: "The SMTP address has no mailbox associated with it.".into(),
        });
    };
    if m.block == Block::ODataDisabled {
        return Err(GraphError {
            status: 403,
            code: "ErrorAccessDenied",
            message: "Access to OData is disabled.".into(),
        });
    }
    let edit = match who {
        Principal::App => Some(true),
        Principal::User(upn) if upn.eq_ignore_ascii_case(m.address) => Some(true),
        Principal::User(upn) => m.delegates.iter().find(|(d, _)| d.eq_ignore_ascii_case(upn)).map(|(_, e)| *e),
    };
    match edit {
        Some(e) => Ok((m, e)),
        None => Err(GraphError {
            status: 403,
            code: "ErrorAccessDenied",
            message: "Access is denied. Check credentials and try again.".into(),
        }),
    }
}

pub fn routes() -> Router<Arc<Inner>> {
    Router::new().route("/v1.0/users/{address}/calendar", get(calendar)).route("/v1.0/places/{address}", get(place))
}

fn caller(inner: &Inner, headers: &HeaderMap) -> Option<String> {
    let token = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")?;
    inner.idp.lock().ok()?.account_of_access(token)
}

fn unauthenticated() -> Response {
    GraphError {
        status: 401,
        code: "InvalidAuthenticationToken",
        message: "Access token validation failure. Invalid audience.".into(),
    }
    .response()
}

async fn calendar(State(inner): State<Arc<Inner>>, Path(address): Path<String>, headers: HeaderMap) -> Response {
    let Some(upn) = caller(&inner, &headers) else { return unauthenticated() };
    match open_calendar(&Principal::User(upn), &address) {
        Ok((m, edit)) => axum::Json(json!({
            "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/calendar/$entity", m.address),
            "id": format!("AAMk{}", m.address.len()),
            "name": "Calendar",
            "canEdit": edit,
            "canShare": false,
            "canViewPrivateItems": false,
            "owner": {"name": m.name, "address": m.address},
        }))
        .into_response(),
        Err(e) => e.response(),
    }
}

async fn place(State(inner): State<Arc<Inner>>, Path(address): Path<String>, headers: HeaderMap) -> Response {
    if caller(&inner, &headers).is_none() {
        return unauthenticated();
    }
    match mailbox(&address).filter(|m| m.room) {
        Some(m) => axum::Json(json!({
            "@odata.type": "#microsoft.graph.room",
            "id": crate::store::new_sys_id(),
            "displayName": m.name,
            "emailAddress": m.address,
            "bookingType": "standard",
        }))
        .into_response(),
        None => GraphError {
            status: 404,
            code: "ErrorItemNotFound",
            message: "The specified object was not found in the store.".into(),
        }
        .response(),
    }
}
