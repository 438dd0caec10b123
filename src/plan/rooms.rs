//! The plan's `[[room]]` section: which rooms sync through which calendar provider, as
//! Reservable Sync Configuration records (WCS "Add a Reservable Sync Configuration").
//!
//! A room is named by its location (`sn_wsd_core_space`) and its mailbox. Apply creates
//! the configuration; Exchange Online ones start inactive and only the form's **Activate**
//! action (which also creates the Graph subscription) turns them on, so calsync never
//! writes Active: it links to each form and the doctor confirms the result.

use super::diff::{Action, FieldChange, InstanceState, Item, Kind, Val};
use super::model::{PlanError, ProviderSpec};
use crate::facts;
use crate::snow::records::plain;
use crate::snow::{Instance, InstanceExt, Query, SnError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use toml::Spanned;

/// One room to sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomSpec {
    /// The room's location record, by name.
    pub location: String,
    /// The room's mailbox in Exchange Online.
    pub email: String,
    /// The calendar provider it syncs through, by name.
    pub provider: String,
    /// The reservable module holding the room (its title or name), when the form needs one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservable_module: Option<String>,
    /// "No request": events are generated but never sent (for testing the payloads).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_request: bool,
    #[serde(skip)]
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoom {
    location: Spanned<String>,
    email: Spanned<String>,
    provider: Spanned<String>,
    reservable_module: Option<Spanned<String>>,
    no_request: Option<bool>,
}

fn email_ok(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(u), Some(d), None)
        if !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !s.contains(char::is_whitespace))
}

fn name_ok(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("the name is empty".into());
    }
    if s.trim() != s || s.contains('^') || s.chars().any(char::is_control) || s.chars().count() > 100 {
        return Err(format!(
            "\"{}\" cannot be looked up safely: no caret, line break or spaces at either end, at most 100 characters",
            s.escape_debug()
        ));
    }
    Ok(())
}

/// Checks the `[[room]]` entries against each other and the plan's providers.
pub fn parse(
    file: &str,
    text: &str,
    raw: &[Spanned<RawRoom>],
    providers: &[ProviderSpec],
) -> super::model::Checked<RoomSpec> {
    let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let err = |span: std::ops::Range<usize>, field: &str, message: String| PlanError {
        file: file.to_string(),
        line: line(span.start),
        field: format!("[[room]] {field}"),
        message,
        more: vec![],
    };
    let (mut locations, mut emails) = (HashSet::new(), HashSet::new());
    super::model::each(raw, |r| {
        let rr = r.get_ref();
        let location = rr.location.get_ref().clone();
        name_ok(&location).map_err(|m| err(rr.location.span(), "location", m))?;
        let email = rr.email.get_ref().trim().to_ascii_lowercase();
        if !email_ok(&email) {
            return Err(err(
                rr.email.span(),
                "email",
                format!(
                    "\"{}\" is not an email address; give the room's mailbox, such as everest@contoso.com",
                    rr.email.get_ref()
                ),
            ));
        }
        let provider = rr.provider.get_ref().clone();
        name_ok(&provider).map_err(|m| err(rr.provider.span(), "provider", m))?;
        if let Some(p) = providers.iter().find(|p| p.name == provider)
            && !p.active
        {
            return Err(err(
                rr.provider.span(),
                "provider",
                format!(
                    "the provider \"{provider}\" is inactive in this plan, and an inactive provider's rooms cannot be activated; set active = true on it or pick another"
                ),
            ));
        }
        if !locations.insert(location.to_lowercase()) {
            return Err(err(
                rr.location.span(),
                "location",
                format!("the room \"{location}\" is listed twice; a room syncs through one provider"),
            ));
        }
        if !emails.insert(email.clone()) {
            return Err(err(rr.email.span(), "email", format!("{email} is the mailbox of two rooms in this plan")));
        }
        let reservable_module = match &rr.reservable_module {
            Some(m) => {
                name_ok(m.get_ref()).map_err(|e| err(m.span(), "reservable_module", e))?;
                Some(m.get_ref().clone())
            }
            None => None,
        };
        Ok(RoomSpec {
            location,
            email,
            provider,
            reservable_module,
            no_request: rr.no_request.unwrap_or(false),
            line: line(r.span().start),
        })
    })
}

/// What the instance has for the plan's rooms.
#[derive(Debug, Clone, Default)]
pub struct RoomState {
    /// Locations named in the plan.
    pub spaces: Vec<Value>,
    /// Reservable sync configurations of those locations.
    pub configs: Vec<Value>,
    /// Providers the rooms name.
    pub providers: Vec<Value>,
    /// Reservable modules the rooms name.
    pub modules: Vec<Value>,
    /// The instance's address, for form links.
    pub instance: String,
}

/// Reads the rooms' locations, their configurations and providers (two round trips,
/// none when the plan has no rooms).
pub async fn read(client: &dyn Instance, rooms: &[RoomSpec]) -> Result<RoomState, SnError> {
    if rooms.is_empty() {
        return Ok(RoomState::default());
    }
    let names: Vec<&str> = rooms.iter().map(|r| r.location.as_str()).collect();
    let modules: Vec<&str> = rooms.iter().filter_map(|r| r.reservable_module.as_deref()).collect();
    let q_spaces = Query::new().is_in("name", &names)?;
    // Every provider, not only the plan's: an existing configuration may sync through
    // another, and the table holds one record per delegated mailbox at most.
    let q_providers = Query::new();
    let q_modules = Query::new().is_in("title", if modules.is_empty() { &["-"][..] } else { &modules })?;
    // The configurations by their location's name, in the same round as the locations.
    let location_name = format!("{}.name", facts::RSV_LOCATION_COLUMN);
    let q_configs = Query::new().is_in(&location_name, &names)?;
    let (spaces, providers, modules, configs) = tokio::try_join!(
        client.list::<Value>(facts::SPACE_TABLE, &q_spaces, &["sys_id", "name", facts::SPACE_EMAIL_COLUMN]),
        client.list::<Value>(facts::PROVIDER_TABLE, &q_providers, &["sys_id", "name", "active"]),
        client.list::<Value>(facts::RESERVABLE_MODULE_TABLE, &q_modules, &["sys_id", "name", "title"]),
        client.list::<Value>(facts::RSV_CONFIG_TABLE, &q_configs, &[]),
    )?;
    // An instance that ignored a condition (the dot-walked one included) would return
    // other rows: keep the named locations and the configurations that point at them.
    let spaces: Vec<Value> = spaces.into_iter().filter(|s| names.contains(&plain(&s["name"]).as_str())).collect();
    let ids: Vec<String> = spaces.iter().map(|s| plain(&s["sys_id"])).collect();
    let configs: Vec<Value> =
        configs.into_iter().filter(|c| ids.contains(&plain(&c[facts::RSV_LOCATION_COLUMN]))).collect();
    Ok(RoomState { spaces, configs, providers, modules, instance: client.instance().to_string() })
}

fn col(v: &Value, k: &str) -> String {
    plain(&v[k])
}

fn conflict(mut item: Item, reason: String) -> Item {
    item.action = Action::Conflict;
    item.reason = Some(reason);
    item.writes.clear();
    item
}

fn change(item: &mut Item, column: &str, label: &str, from: Option<String>, to: Val, to_label: &str) {
    item.fields.push(FieldChange { field: label.into(), from, to: to_label.into() });
    item.writes.push((column.into(), to));
}

/// The diff's items for the plan's rooms: one Reservable Sync Configuration each.
pub fn diff(rooms: &[RoomSpec], plan_providers: &[ProviderSpec], st: &InstanceState) -> Vec<Item> {
    let rs = &st.rooms;
    let wcs = st.scope_by_name(facts::WCS_SCOPE).map(|s| s.sys_id.0.clone()).unwrap_or_default();
    let mut items = vec![];
    for room in rooms {
        let mut item = Item::new(Kind::Room, &room.location, facts::RSV_CONFIG_TABLE);
        item.scope = wcs.clone();
        let spaces: Vec<&Value> = rs.spaces.iter().filter(|s| col(s, "name") == room.location).collect();
        let space = match spaces.as_slice() {
            [] => {
                items.push(conflict(item, format!("there is no room named \"{}\" on the instance ({}); check its name under Workplace Service Delivery > Spaces", room.location, facts::SPACE_TABLE)));
                continue;
            }
            [one] => *one,
            many => {
                items.push(conflict(
                    item,
                    format!(
                        "{} rooms are named \"{}\"; rename the extra ones so the plan names one",
                        many.len(),
                        room.location
                    ),
                ));
                continue;
            }
        };
        let space_email = col(space, facts::SPACE_EMAIL_COLUMN);
        if !space_email.is_empty() && !space_email.eq_ignore_ascii_case(&room.email) {
            items.push(conflict(item, format!("the room \"{}\" has the email {space_email} on the instance, not {}; put the room's own mailbox in the plan, or correct the Email on the room's form", room.location, room.email)));
            continue;
        }
        let on_instance = rs.providers.iter().find(|p| col(p, "name") == room.provider);
        let in_plan = plan_providers.iter().find(|p| p.name == room.provider);
        let provider = match (in_plan, on_instance) {
            (Some(p), _) if !p.active => Err(format!(
                "the provider \"{}\" is inactive in the plan, so the room could never be activated; set it active",
                p.name
            )),
            (Some(_), Some(p)) => Ok(Val::Lit(col(p, "sys_id"))),
            (Some(p), None) => Ok(Val::Created(Kind::Provider, p.name.clone())),
            (None, Some(p)) if col(p, "active") != "true" => Err(format!(
                "the calendar provider \"{}\" is inactive, and an inactive provider's rooms cannot be activated; activate the provider first or pick another",
                room.provider
            )),
            (None, Some(p)) => Ok(Val::Lit(col(p, "sys_id"))),
            (None, None) => {
                let names: Vec<String> = rs.providers.iter().map(|p| col(p, "name")).collect();
                let names = plan_providers.iter().map(|p| p.name.as_str()).chain(names.iter().map(String::as_str));
                let hint = crate::near::did_you_mean(&room.provider, names);
                Err(format!(
                    "the calendar provider \"{}\" is neither in the plan nor on the instance{hint}",
                    room.provider
                ))
            }
        };
        let provider = match provider {
            Ok(p) => p,
            Err(reason) => {
                items.push(conflict(item, reason));
                continue;
            }
        };
        let provider_id = match &provider {
            Val::Lit(id) => id.clone(),
            Val::Created(..) => String::new(),
        };
        let space_id = col(space, "sys_id");
        let configs: Vec<&Value> =
            rs.configs.iter().filter(|c| col(c, facts::RSV_LOCATION_COLUMN) == space_id).collect();
        let name_of = |id: &str| {
            rs.providers
                .iter()
                .find(|p| col(p, "sys_id") == id)
                .map(|p| col(p, "name"))
                .unwrap_or_else(|| id.to_string())
        };
        if let Some(other) = configs.iter().find(|c| col(c, facts::RSV_PROVIDER_COLUMN) != provider_id) {
            let link = format!("{}/{}.do?sys_id={}", rs.instance, facts::RSV_CONFIG_TABLE, col(other, "sys_id"));
            items.push(conflict(item, format!("the room \"{}\" already syncs through the provider \"{}\" ({link}); a room syncs through one provider, so deactivate and delete that configuration first or keep it in the plan", room.location, name_of(&col(other, facts::RSV_PROVIDER_COLUMN)))));
            continue;
        }
        let module = match &room.reservable_module {
            None => None,
            Some(m) => match rs.modules.iter().find(|x| col(x, "title") == *m || col(x, "name") == *m) {
                Some(x) => Some(col(x, "sys_id")),
                None => {
                    items.push(conflict(item, format!("there is no reservable module \"{m}\" on the instance")));
                    continue;
                }
            },
        };
        match configs.first() {
            Some(existing) => {
                item.sys_id = Some(col(existing, "sys_id"));
                let cur_email = col(existing, facts::RSV_EMAIL_COLUMN);
                if !cur_email.eq_ignore_ascii_case(&room.email) {
                    change(
                        &mut item,
                        facts::RSV_EMAIL_COLUMN,
                        "Email",
                        Some(cur_email),
                        Val::Lit(room.email.clone()),
                        &room.email,
                    );
                }
                let nr = room.no_request.to_string();
                if col(existing, facts::RSV_NO_REQUEST_COLUMN) != nr {
                    change(
                        &mut item,
                        facts::RSV_NO_REQUEST_COLUMN,
                        "No request",
                        Some(col(existing, facts::RSV_NO_REQUEST_COLUMN)),
                        Val::Lit(nr.clone()),
                        &nr,
                    );
                }
                if let Some(m) = module
                    && col(existing, facts::RSV_MODULE_COLUMN) != m
                {
                    let label = room.reservable_module.clone().unwrap_or_default();
                    change(
                        &mut item,
                        facts::RSV_MODULE_COLUMN,
                        "Reservable module",
                        Some(col(existing, facts::RSV_MODULE_COLUMN)),
                        Val::Lit(m),
                        &label,
                    );
                }
                item.action = if item.writes.is_empty() { Action::Unchanged } else { Action::Update };
            }
            None => {
                change(
                    &mut item,
                    facts::RSV_LOCATION_COLUMN,
                    "Location",
                    None,
                    Val::Lit(space_id.clone()),
                    &room.location,
                );
                change(&mut item, facts::RSV_EMAIL_COLUMN, "Email", None, Val::Lit(room.email.clone()), &room.email);
                change(&mut item, facts::RSV_PROVIDER_COLUMN, "Provider", None, provider, &room.provider);
                if let Some(m) = module {
                    let label = room.reservable_module.clone().unwrap_or_default();
                    change(&mut item, facts::RSV_MODULE_COLUMN, "Reservable module", None, Val::Lit(m), &label);
                }
                if room.no_request {
                    change(
                        &mut item,
                        facts::RSV_NO_REQUEST_COLUMN,
                        "No request",
                        None,
                        Val::Lit("true".into()),
                        "true",
                    );
                }
                item.action = Action::Create;
            }
        }
        items.push(item);
    }
    items
}

/// The sentence an apply ends with for the rooms it touched: where to click Activate.
pub fn activation_note(links: &[(String, String)]) -> Vec<String> {
    if links.is_empty() {
        return vec![];
    }
    let mut out = vec![format!(
        "{} room{} must still be activated: open each form and click Activate (it creates the room's Graph subscription; the Table API cannot run it), then run calsync doctor:",
        links.len(),
        if links.len() == 1 { "" } else { "s" }
    )];
    out.extend(links.iter().map(|(room, link)| format!("  {room}: {link}")));
    out
}

/// The rooms of a diff whose configuration is not active yet, with their form links: the
/// ones this apply created and the ones the instance already had inactive.
pub fn awaiting_activation(
    diff: &super::Diff,
    report: Option<&super::apply::Report>,
    st: &InstanceState,
    instance: &crate::urls::InstanceUrl,
) -> Vec<(String, String)> {
    let mut out = vec![];
    for item in diff.items.iter().filter(|i| i.kind == Kind::Room && i.action != Action::Conflict) {
        let id = match (&item.sys_id, report) {
            (Some(id), _) => {
                let active = st.rooms.configs.iter().any(|c| col(c, "sys_id") == *id && col(c, "active") == "true");
                (!active).then(|| id.clone())
            }
            (None, Some(r)) => r
                .outcomes
                .iter()
                .find(|o| o.kind == Kind::Room && o.name == item.name && matches!(o.status, super::apply::Status::Done))
                .and_then(|o| o.sys_id.clone()),
            (None, None) => None,
        };
        if let Some(id) = id {
            out.push((item.name.clone(), instance.form_link(facts::RSV_CONFIG_TABLE, &id)));
        }
    }
    out
}
