//! The rooms side of Workplace Calendar Synchronization, as its documentation describes it:
//! locations (rooms) with their email, reservable sync configurations that start inactive
//! and are activated by the form's **Activate** action (which creates the Graph
//! subscription), the spoke's subscriptions and its "WSDRS Event Subscription" webhook
//! registry (whose **Callback URL** action generates the callback URL and client state),
//! and the scheduled jobs and flows WCS installs, with their default Active values.
//!
//! UI actions are not part of the Table API: the sandbox serves them on the record's form
//! (`/<table>.do?sys_id=...`), where an admin clicks them, and as [`ui_action`] for tests.

use crate::graph::{self, Principal};
use crate::names;
use crate::page::esc;
use crate::schema::{Column, Table, b, r, t, td};
use crate::server::Inner;
use crate::store::{ApiError, Caller, Row, Store, new_sys_id, now_utc};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;

pub static TABLES: &[Table] = &[
    Table {
        name: names::SPACE_TABLE,
        extends: None,
        display: "name",
        metadata: false,
        columns: &[t("name"), t("email"), b("active", "true"), b("is_reservable", "true"), t("building"), t("floor")],
    },
    Table {
        name: names::RESERVABLE_MODULE_TABLE,
        extends: None,
        display: "title",
        metadata: true,
        columns: &[t("name"), t("title"), t("reservable_table"), b("active", "true")],
    },
    Table {
        name: names::RSV_CONFIG_TABLE,
        extends: None,
        display: "location",
        metadata: false,
        columns: &[
            r("location", names::SPACE_TABLE),
            r("reservable_module", names::RESERVABLE_MODULE_TABLE),
            t("email"),
            b("active", "false"),
            r("provider", names::PROVIDER_TABLE),
            b("no_request", "false"),
            r("subscription", names::SUBSCRIPTION_TABLE),
        ],
    },
    Table {
        name: names::SUBSCRIPTION_TABLE,
        extends: None,
        display: "subscription_id",
        metadata: false,
        columns: &[
            t("subscription_id"),
            t("resource"),
            t("email"),
            td("status", "active"),
            t("status_code"),
            t("error_message"),
            t("expiration_date_time"),
            t("client_state"),
            t("notification_url"),
        ],
    },
    Table {
        name: names::WEBHOOK_TABLE,
        extends: None,
        display: "name",
        metadata: true,
        columns: &[t("name"), t("callback_url"), t("client_state"), b("active", "true")],
    },
    Table {
        name: names::JOB_TABLE,
        extends: None,
        display: "name",
        metadata: true,
        columns: &[t("name"), b("active", "true"), td("run_type", "periodically"), t("run_period")],
    },
    Table {
        name: names::FLOW_TABLE,
        extends: None,
        display: "name",
        metadata: true,
        columns: &[t("name"), b("active", "true"), td("status", "published"), t("run_period")],
    },
];

fn add(store: &mut Store, table: &str, fields: &[(&str, &str)]) -> String {
    store.add_system_record(table, fields)
}

/// The rooms a fresh instance with Workplace Reservation Management has (the tenant's
/// mailboxes are in `graph.rs`), the webhook registry as installed (no callback URL yet),
/// and the jobs and flows with the Active values the docs list.
pub fn seed(store: &mut Store, wcs: &str, spoke: &str) {
    add(
        store,
        names::RESERVABLE_MODULE_TABLE,
        &[("name", "rooms"), ("title", "Rooms"), ("reservable_table", names::SPACE_TABLE), ("sys_scope", "global")],
    );
    for (name, email, floor) in [
        ("Everest", "everest@contoso.com", "1"),
        ("Kilimanjaro", "kilimanjaro@contoso.com", "1"),
        ("Matterhorn", "matterhorn@contoso.com", "2"),
        ("Denali", "denali@contoso.com", "2"),
        ("Annapurna", "annapurna@contoso.com", "3"),
        ("Fuji", "", "3"),
    ] {
        add(
            store,
            names::SPACE_TABLE,
            &[("name", name), ("email", email), ("building", "Contoso HQ"), ("floor", floor)],
        );
    }
    add(store, names::WEBHOOK_TABLE, &[("name", names::WEBHOOK_NAME), ("sys_scope", spoke)]);
    for (name, active, period, scope) in [
        ("Clean-up Awaiting/Rejected Reservations", "true", "5 hours", wcs),
        ("Create and Update Reservations from Events", "true", "1 minute", wcs),
        ("Check room calendar for reservations stuck in awaiting confirmation", "true", "10 minutes", wcs),
        ("Export reservations to calendar", "false", "15 minutes", wcs),
        ("Subscription renewal failure notification job", "true", "daily", wcs),
        ("WSDRS Multi reservation processor", "true", "15 minutes", wcs),
        ("WSDRS Reprocess Events", "false", "15 minutes", wcs),
        ("WSDRS Sync Calendar items", "false", "2 minutes", wcs),
        ("Queue Webhook Events", "true", "1 minute", spoke),
        ("Weekly schedule scan", "true", "weekly", wcs),
    ] {
        add(
            store,
            names::JOB_TABLE,
            &[("name", name), ("active", active), ("run_period", period), ("sys_scope", scope)],
        );
    }
    for (name, period, scope) in [
        ("Process reservations stuck in sync required", "15 minutes", wcs),
        ("Renew Subscriptions", "daily", spoke),
        ("Create or Update Subscription", "", spoke),
    ] {
        add(store, names::FLOW_TABLE, &[("name", name), ("run_period", period), ("sys_scope", scope)]);
    }
}

fn col(r: &Row, k: &str) -> String {
    r.get(k).cloned().unwrap_or_default()
}

/// The form rules of a reservable sync configuration, run on every Table API write: the
/// email must be the location's (an empty location email is filled in from it), and one
/// for an Exchange provider is created inactive (its Active field is read-only until the
/// Activate action).
pub fn check_rules(store: &mut Store, class: &str, row: &mut Row, existing: Option<&str>) -> Result<(), ApiError> {
    if class != names::RSV_CONFIG_TABLE {
        return Ok(());
    }
    let fail = |detail: String| {
        let what = if existing.is_some() { "update" } else { "insert" };
        ApiError::new(403, "Operation Failed", Some(format!("Error during {what} of {class}: {detail}")))
    };
    let location = col(row, "location");
    let Some(space) = store.get(names::SPACE_TABLE, &location).cloned() else {
        return Err(fail("Location is mandatory".into()));
    };
    let email = col(row, "email").trim().to_string();
    let space_email = col(&space, "email");
    if !space_email.is_empty() && !email.is_empty() && !space_email.eq_ignore_ascii_case(&email) {
        return Err(fail(format!(
            "the email {email} does not match {space_email}, the email of the room {}",
            col(&space, "name")
        )));
    }
    if existing.is_none() {
        if store
            .scan(names::RSV_CONFIG_TABLE)
            .any(|r| r.get("location") == Some(&location) && r.get("provider") == row.get("provider"))
        {
            return Err(fail(format!("{} already has a configuration for this provider", col(&space, "name"))));
        }
        row.insert("active".into(), "false".into());
        row.insert("subscription".into(), String::new());
    }
    if space_email.is_empty() && !email.is_empty() {
        let id = location.clone();
        if let Some(s) = store.rows.iter_mut().find(|r| r.get("sys_id") == Some(&id)) {
            s.insert("email".into(), email);
        }
    }
    Ok(())
}

/// Whose token the instance would subscribe with for this provider: the refresh token
/// stored on the instance for the credential of the provider's alias (its override, or
/// the spoke's default alias), or the app itself for a client-credentials profile.
fn principal(store: &Store, provider: &Row) -> Result<Principal, String> {
    let alias = if col(provider, names::PROVIDER_OVERRIDE_COLUMN) == "true" {
        col(provider, names::PROVIDER_ALIAS_COLUMN)
    } else {
        store.first_where("sys_alias", "id", names::SPOKE_ALIAS_ID).map(|a| col(a, "sys_id")).unwrap_or_default()
    };
    let conn = store
        .scan("sys_connection")
        .find(|c| col(c, "connection_alias") == alias && col(c, "active") == "true")
        .ok_or("the provider's connection & credential alias has no active connection")?;
    let cred_id = col(conn, "credential");
    let cred = store.get("oauth_2_0_credentials", &cred_id).ok_or("the alias's connection has no OAuth credential")?;
    let grant = store
        .get("oauth_entity_profile", &col(cred, "oauth_entity_profile"))
        .map(|p| col(p, "grant_type"))
        .unwrap_or_default();
    if grant == names::GRANT_CLIENT_CREDENTIALS {
        return Ok(Principal::App);
    }
    let requestors: Vec<String> = store
        .scan("oauth_requestor_profile")
        .filter(|r| col(r, "requestor_id") == cred_id)
        .map(|r| col(r, "sys_id"))
        .collect();
    let token = store
        .scan("oauth_credential")
        .find(|t| col(t, "type") == "refresh_token" && requestors.contains(&col(t, "oauth_requestor_profile")))
        .map(|t| col(t, "token_received"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("the credential \"{}\" has no OAuth token on the instance", col(cred, "name")))?;
    store.account_of_refresh(&token).map(Principal::User).ok_or_else(|| {
        format!("the OAuth token of \"{}\" is not known to Microsoft (expired or revoked)", col(cred, "name"))
    })
}

/// Runs a form's UI action as `caller`: `activate` or `deactivate` on a reservable sync
/// configuration, `callback_url` on the webhook registry. Returns the form message.
pub fn ui_action(inner: &Inner, caller: &Caller, table: &str, sys_id: &str, action: &str) -> Result<String, String> {
    if !caller.admin {
        return Err("Security constraints prevent this action".into());
    }
    let mut store = inner.store();
    let msg = match (table, action) {
        (names::WEBHOOK_TABLE, "callback_url") => {
            let row = store.get(table, sys_id).ok_or("No Record found")?;
            let url = format!("{}/api/sn_ex_online_spke/webhook/{}", inner.base_url(), col(row, "sys_id"));
            let state = new_sys_id();
            set(&mut store, sys_id, &[("callback_url", &url), ("client_state", &state)], caller);
            format!("Callback URL generated: {url}")
        }
        (names::RSV_CONFIG_TABLE, "activate") => activate(&mut store, caller, sys_id)?,
        (names::RSV_CONFIG_TABLE, "deactivate") => {
            let row = store.get(table, sys_id).ok_or("No Record found")?.clone();
            let sub = col(&row, "subscription");
            if !sub.is_empty() {
                set(&mut store, &sub, &[("status", "being_deleted")], caller);
            }
            set(&mut store, sys_id, &[("active", "false"), ("subscription", "")], caller);
            "Reservable sync configuration deactivated".into()
        }
        _ => return Err(format!("no UI action {action} on {table}")),
    };
    store.save();
    Ok(msg)
}

fn set(store: &mut Store, sys_id: &str, fields: &[(&str, &str)], caller: &Caller) {
    if let Some(row) = store.rows.iter_mut().find(|r| r.get("sys_id").map(String::as_str) == Some(sys_id)) {
        for (k, v) in fields {
            row.insert(k.to_string(), v.to_string());
        }
        row.insert("sys_updated_on".into(), now_utc());
        row.insert("sys_updated_by".into(), caller.user_name.clone());
    }
}

/// Graph keeps a subscription to events for at most 4230 minutes.
const SUBSCRIPTION_MINUTES: i64 = 4230;

fn activate(store: &mut Store, caller: &Caller, sys_id: &str) -> Result<String, String> {
    let row = store.get(names::RSV_CONFIG_TABLE, sys_id).ok_or("No Record found")?.clone();
    let provider = store.get(names::PROVIDER_TABLE, &col(&row, "provider")).cloned().ok_or("Provider is mandatory")?;
    if col(&provider, "active") != "true" {
        return Err(format!(
            "The calendar provider {} is inactive: its reservable sync configurations cannot be activated",
            col(&provider, "name")
        ));
    }
    let email = col(&row, "email");
    let registry = store.first_where(names::WEBHOOK_TABLE, "name", names::WEBHOOK_NAME).cloned();
    let (callback, client_state) =
        registry.as_ref().map(|r| (col(r, "callback_url"), col(r, "client_state"))).unwrap_or_default();
    let outcome = if callback.is_empty() {
        Err((400, format!("the {} webhook registry has no callback URL", names::WEBHOOK_NAME)))
    } else {
        principal(store, &provider)
            .map_err(|e| (401, e))
            .and_then(|who| graph::open_calendar(&who, &email).map_err(|e| (e.status, e.message)))
    };
    let old = col(&row, "subscription");
    if !old.is_empty() {
        set(store, &old, &[("status", "being_deleted")], caller);
    }
    let expires = crate::time::format_utc(crate::time::now_secs() + SUBSCRIPTION_MINUTES * 60);
    let resource = format!("users/{email}/events");
    let (status, code, error) = match &outcome {
        Ok(_) => ("active", "200".to_string(), String::new()),
        Err((code, e)) => ("failed", code.to_string(), e.clone()),
    };
    let sub = add(
        store,
        names::SUBSCRIPTION_TABLE,
        &[
            ("subscription_id", &new_sys_id()),
            ("resource", &resource),
            ("email", &email),
            ("status", status),
            ("status_code", &code),
            ("error_message", &error),
            ("expiration_date_time", if outcome.is_ok() { &expires } else { "" }),
            ("client_state", &client_state),
            ("notification_url", &callback),
        ],
    );
    set(store, sys_id, &[("active", "true"), ("subscription", &sub)], caller);
    Ok(match outcome {
        Ok(_) => format!("Activated; subscribed to {resource} until {expires}"),
        Err((_, e)) => format!("Activated, but the subscription failed: {e}"),
    })
}

pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(&format!("/{}.do", names::RSV_CONFIG_TABLE), get(config_page).post(config_action))
        .route(&format!("/{}.do", names::WEBHOOK_TABLE), get(webhook_page).post(webhook_action))
}

async fn config_page(s: State<Arc<Inner>>, q: Query<HashMap<String, String>>, h: HeaderMap) -> Response {
    form_page(s, q, h, names::RSV_CONFIG_TABLE).await
}
async fn webhook_page(s: State<Arc<Inner>>, q: Query<HashMap<String, String>>, h: HeaderMap) -> Response {
    form_page(s, q, h, names::WEBHOOK_TABLE).await
}
async fn config_action(s: State<Arc<Inner>>, q: Query<HashMap<String, String>>, h: HeaderMap, b: Bytes) -> Response {
    form_action(s, q, h, b, names::RSV_CONFIG_TABLE).await
}
async fn webhook_action(s: State<Arc<Inner>>, q: Query<HashMap<String, String>>, h: HeaderMap, b: Bytes) -> Response {
    form_action(s, q, h, b, names::WEBHOOK_TABLE).await
}

fn page(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!DOCTYPE html><html><body>{body}</body></html>"),
    )
        .into_response()
}

async fn form_page(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    table: &'static str,
) -> Response {
    if let Err(r) = crate::server::authenticate(&inner, &headers) {
        return *r;
    }
    let id = q.get("sys_id").cloned().unwrap_or_default();
    let store = inner.store();
    let Some(row) = store.get(table, &id) else { return page(StatusCode::NOT_FOUND, "<p>Record not found</p>") };
    let cols: Vec<Column> = crate::schema::columns(table);
    let mut html = format!("<h1>{}</h1><table>", esc(table));
    for c in cols.iter().filter(|c| !c.name.starts_with("sys_")) {
        html.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", esc(c.name), esc(&col(row, c.name))));
    }
    html.push_str("</table><form method=\"post\">");
    let actions: &[&str] = match table {
        names::WEBHOOK_TABLE => &["callback_url"],
        _ if col(row, "active") == "true" => &["deactivate"],
        _ => &["activate"],
    };
    for a in actions {
        html.push_str(&format!(
            "<input type=\"hidden\" name=\"sys_id\" value=\"{}\"><button name=\"sys_action\" value=\"{a}\">{a}</button>",
            esc(&id)
        ));
    }
    html.push_str("</form>");
    page(StatusCode::OK, &html)
}

async fn form_action(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
    table: &'static str,
) -> Response {
    let caller = match crate::server::authenticate(&inner, &headers) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let id = form.get("sys_id").or_else(|| q.get("sys_id")).cloned().unwrap_or_default();
    let action = form.get("sys_action").cloned().unwrap_or_default();
    match ui_action(&inner, &caller, table, &id, &action) {
        Ok(msg) => page(StatusCode::OK, &format!("<p class=\"info\">{}</p>", esc(&msg))),
        Err(e) => page(StatusCode::BAD_REQUEST, &format!("<p class=\"error\">{}</p>", esc(&e))),
    }
}
