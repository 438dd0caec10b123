//! Reading what the instance has and comparing it with the plan.
//!
//! All reads are independent of one another, so they go out together: a diff costs one
//! round trip of wall time however many records the plan names. Nothing here writes.
//! `tests/round_trips.rs` counts the reads per table and per round through a recorder in
//! front of the instance (`snow::Instance`).

use super::model::{Mode, Plan};
use crate::facts;
use crate::snow::records::{
    Alias, Connection, Credential, OAuthProfile, Property, Scope, User, UserHasRole, UserPreference, plain,
};
use crate::snow::{Instance, InstanceExt, Query, SnError};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Everything the diff needs, read in one concurrent round.
#[derive(Debug, Clone, Default)]
pub struct InstanceState {
    pub user: Option<User>,
    pub is_admin: bool,
    pub pref: Option<UserPreference>,
    pub scopes: Vec<Scope>,
    pub aliases: Vec<Alias>,
    pub credentials: Vec<Credential>,
    pub profiles: Vec<OAuthProfile>,
    pub connections: Vec<Connection>,
    pub property: Option<Property>,
    /// The other properties the plan sets.
    pub other_properties: Vec<Property>,
    /// Calendar providers named in the plan (raw rows: their columns are uncertain).
    pub providers: Vec<serde_json::Value>,
    /// Retry policies named in the plan: (sys_id, name).
    pub retry_policies: Vec<(String, String)>,
    /// The instance's names for the provider's labelled columns.
    pub dictionary: crate::snow::dictionary::Dictionary,
    /// The plan's rooms: their locations, configurations and providers.
    pub rooms: super::rooms::RoomState,
}

impl InstanceState {
    pub fn scope_by_name(&self, scope: &str) -> Option<&Scope> {
        self.scopes.iter().find(|s| facts::same_name(&s.scope, scope))
    }
    pub fn scope_label(&self, sys_id: &str) -> String {
        self.scopes.iter().find(|s| &*s.sys_id == sys_id).map(|s| format!("{} ({})", s.name, s.scope)).unwrap_or_else(
            || {
                if sys_id == facts::GLOBAL_SCOPE_SYS_ID { "Global".to_string() } else { sys_id.to_string() }
            },
        )
    }
    fn alias_by_id(&self, id: &str) -> Option<&Alias> {
        self.aliases.iter().find(|a| facts::same_name(&a.id, id))
    }
    fn alias_by_sys_id(&self, sys_id: &str) -> Option<&Alias> {
        self.aliases.iter().find(|a| &*a.sys_id == sys_id)
    }
    fn credential_name(&self, sys_id: &str) -> String {
        self.credentials
            .iter()
            .find(|c| &*c.sys_id == sys_id)
            .map(|c| c.name.0.clone())
            .unwrap_or_else(|| sys_id.to_string())
    }
    /// A retry policy the plan names: (sys_id, name).
    fn retry_policy(&self, name: &str) -> Option<(&str, &str)> {
        self.retry_policies.iter().find(|(_, n)| facts::same_name(n, name)).map(|(id, n)| (id.as_str(), n.as_str()))
    }
    fn alias_label(&self, sys_id: &str) -> String {
        self.alias_by_sys_id(sys_id).map(|a| a.id.0.clone()).unwrap_or_else(|| sys_id.to_string())
    }
}

fn dedup<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.into_iter().filter(|i| seen.insert(key(i))).collect()
}

/// The alias IDs and names a plan refers to, for the concurrent reads.
fn alias_refs(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let scope = plan.mode.scope();
    let mut ids: BTreeSet<String> = [facts::SPOKE_ALIAS_ID.to_string(), facts::PERSONAL_ALIAS_ID.to_string()].into();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for a in &plan.aliases {
        ids.insert(format!("{scope}.{}", a.name));
        ids.insert(a.parent.clone());
        names.insert(a.name.clone());
    }
    for c in &plan.connections {
        if c.alias.contains('.') {
            ids.insert(c.alias.clone());
        } else {
            names.insert(c.alias.clone());
            ids.insert(format!("{scope}.{}", c.alias));
        }
    }
    names.insert(facts::PERSONAL_ALIAS_NAME.to_string());
    (ids.into_iter().collect(), names.into_iter().collect())
}

pub async fn read_state(client: &dyn Instance, plan: &Plan) -> Result<InstanceState, SnError> {
    let user = client.user().to_string();
    let (alias_ids, alias_names) = alias_refs(plan);
    let mut cred_names: BTreeSet<String> = plan.credentials.iter().map(|c| c.name.clone()).collect();
    cred_names.extend(plan.connections.iter().map(|c| c.credential.clone()));
    let cred_names: Vec<String> = cred_names.into_iter().collect();
    let profile_names: Vec<String> =
        plan.credentials.iter().map(|c| c.profile.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let conn_names: Vec<String> = plan.connections.iter().map(|c| c.name.clone()).collect();

    let q_user = Query::new().eq("user_name", &user)?;
    let q_role = Query::new().eq("user.user_name", &user)?.eq("role.name", "admin")?;
    let q_pref = Query::new().eq("user.user_name", &user)?.eq("name", facts::CURRENT_APP_PREF)?;
    let q_scopes = Query::new().is_in("scope", &[facts::WCS_SCOPE, facts::SPOKE_SCOPE])?;
    let q_alias_ids = Query::new().is_in("id", &alias_ids)?;
    let q_alias_names = Query::new().is_in("name", &alias_names)?;
    let q_creds = Query::new().is_in("name", &cred_names)?;
    let q_profiles = Query::new().is_in("name", &profile_names)?;
    let q_conns = Query::new().is_in("name", &conn_names)?;
    let q_conns_on_alias = Query::new().is_in("connection_alias.id", &alias_ids)?.eq("active", "true")?;
    let q_conns_on_cred = Query::new().is_in("credential.name", &cred_names)?.eq("active", "true")?;
    let mut prop_names: Vec<String> = vec![facts::MODE_PROPERTY.to_string()];
    prop_names.extend(plan.properties.keys().cloned());
    let q_prop = Query::new().is_in("name", &prop_names)?;
    let provider_names: Vec<String> = plan.providers.iter().map(|p| p.name.clone()).collect();
    let q_providers = Query::new().is_in("name", &provider_names)?;
    let policy_names: Vec<String> =
        plan.aliases.iter().map(|a| a.retry_policy.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let q_policies = Query::new().is_in("name", &policy_names)?;

    let (
        users,
        roles,
        prefs,
        scopes,
        a1,
        a2,
        creds,
        profiles,
        c1,
        c2,
        c3,
        props,
        providers,
        policies,
        dictionary,
        rooms,
    ) = tokio::try_join!(
        client.list::<User>("sys_user", &q_user, &["sys_id", "user_name", "name", "email", "active"]),
        client.list::<UserHasRole>("sys_user_has_role", &q_role, &["sys_id", "user", "role"]),
        client.list::<UserPreference>("sys_user_preference", &q_pref, &["sys_id", "user", "name", "value"]),
        client.list::<Scope>(
            "sys_scope",
            &q_scopes,
            &["sys_id", "scope", "name", "version", "active", "sys_class_name"]
        ),
        client.list::<Alias>("sys_alias", &q_alias_ids, &[]),
        client.list::<Alias>("sys_alias", &q_alias_names, &[]),
        client.list::<Credential>("oauth_2_0_credentials", &q_creds, &[]),
        client.list::<OAuthProfile>("oauth_entity_profile", &q_profiles, &[]),
        client.list::<Connection>("http_connection", &q_conns, &[]),
        client.list::<Connection>("sys_connection", &q_conns_on_alias, &[]),
        client.list::<Connection>("sys_connection", &q_conns_on_cred, &[]),
        client.list::<Property>("sys_properties", &q_prop, &[]),
        client.list::<serde_json::Value>(facts::PROVIDER_TABLE, &q_providers, &[]),
        client.list::<serde_json::Value>("sys_retry_policy", &q_policies, &["sys_id", "name"]),
        async { Ok(crate::snow::dictionary::Dictionary::read(client).await) },
        super::rooms::read(client, &plan.rooms),
    )?;
    let mut aliases = a1;
    aliases.extend(a2);
    let mut connections = c1;
    connections.extend(c2);
    connections.extend(c3);
    // The dot-walked conditions narrow these reads on a real instance; an instance that
    // ignored them would return other users' rows, so they are matched to the user here.
    let user = users.into_iter().find(|u| facts::same_name(&u.user_name, client.user()));
    let uid = user.as_ref().map(|u| u.sys_id.0.clone()).unwrap_or_default();
    Ok(InstanceState {
        is_admin: roles.iter().any(|r| r.user.id() == uid),
        pref: prefs.into_iter().find(|p| p.user.id() == uid && &*p.name == facts::CURRENT_APP_PREF),
        user,
        scopes,
        aliases: dedup(aliases, |a| a.sys_id.0.clone()),
        credentials: creds,
        profiles,
        connections: dedup(connections, |c| c.sys_id.0.clone()),
        property: props.iter().find(|p| facts::same_name(&p.name, facts::MODE_PROPERTY)).cloned(),
        other_properties: props.into_iter().filter(|p| !facts::same_name(&p.name, facts::MODE_PROPERTY)).collect(),
        providers,
        retry_policies: policies.iter().map(|p| (plain(&p["sys_id"]), plain(&p["name"]))).collect(),
        dictionary,
        rooms,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Instance,
    Alias,
    Credential,
    Connection,
    Provider,
    Property,
    Room,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Instance => "instance",
            Kind::Alias => "alias",
            Kind::Credential => "credential",
            Kind::Connection => "connection",
            Kind::Provider => "provider",
            Kind::Property => "property",
            Kind::Room => "room",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: String,
}

/// A value to write: literal, or the sys_id of a record this apply creates first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Lit(String),
    Created(Kind, String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub kind: Kind,
    pub name: String,
    pub table: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sys_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Something the reader should know that is not a change, such as a name the instance
    /// spells in another case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Columns to send, in order.
    #[serde(skip)]
    pub writes: Vec<(String, Val)>,
    /// The scope (sys_id) the current application must be while writing this record.
    #[serde(skip)]
    pub scope: String,
    /// For aliases: the ID the instance must generate.
    #[serde(skip)]
    pub expect_id: Option<String>,
}

impl Item {
    /// An item that changes nothing yet; the diff sets its action and writes.
    pub fn new(kind: Kind, name: &str, table: &str) -> Item {
        Item {
            kind,
            name: name.to_string(),
            table: table.to_string(),
            action: Action::Unchanged,
            sys_id: None,
            fields: vec![],
            reason: None,
            note: None,
            writes: vec![],
            scope: String::new(),
            expect_id: None,
        }
    }
    fn conflict(mut self, reason: String) -> Item {
        self.action = Action::Conflict;
        self.reason = Some(reason);
        self.writes.clear();
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub mode: Mode,
    /// The scope the records are written in, as "Name (scope)".
    pub scope: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub conflict: usize,
}

impl Diff {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for i in &self.items {
            match i.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Unchanged => s.unchanged += 1,
                Action::Conflict => s.conflict += 1,
            }
        }
        s
    }
    pub fn has_conflicts(&self) -> bool {
        self.items.iter().any(|i| i.action == Action::Conflict)
    }
    pub fn has_changes(&self) -> bool {
        self.items.iter().any(|i| matches!(i.action, Action::Create | Action::Update))
    }
}

/// Compares one column; records a change when the instance differs.
fn compare(
    item: &mut Item,
    column: &str,
    label: &str,
    current: Option<&str>,
    want: Val,
    want_label: &str,
    current_label: Option<String>,
) {
    let same = matches!((&want, current), (Val::Lit(w), Some(c)) if w == c);
    if !same {
        item.fields.push(FieldChange {
            field: label.to_string(),
            from: current.map(|_| current_label.unwrap_or_default()),
            to: want_label.to_string(),
        });
        item.writes.push((column.to_string(), want));
    }
}

fn finish(mut item: Item, exists: bool) -> Item {
    item.action = if !exists {
        Action::Create
    } else if item.writes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update
    };
    item
}

/// The stored property value for a mode, read from the record's choices when it has them.
pub fn mode_value(prop: &Property, mode: Mode) -> String {
    prop.choice_values()
        .into_iter()
        .find(|(label, value)| {
            value.eq_ignore_ascii_case(mode.property_value()) || label.to_ascii_lowercase().starts_with(mode.as_str())
        })
        .map(|(_, v)| v)
        .unwrap_or_else(|| mode.property_value().to_string())
}

/// The sentence a diff shows when the instance spells a record's name in another case:
/// the instance matches names without regard to case (`facts::same_name`), so the plan's
/// entry and the instance's record are one record, and the instance's spelling stays.
fn case_note(kind: Kind, on_instance: &str, in_plan: &str) -> Option<String> {
    (on_instance != in_plan).then(|| {
        format!(
            "the instance spells this {} \"{on_instance}\"; it matches names without regard to case, so \"{in_plan}\" is this record (its name is kept as it is)",
            kind.label()
        )
    })
}

/// What the plan's own records are known by, keyed without regard to case as the
/// instance keys them.
#[derive(Default)]
struct Planned(HashMap<String, Val>);

impl Planned {
    fn insert(&mut self, name: &str, val: Val) {
        self.0.insert(name.to_lowercase(), val);
    }
    fn get(&self, name: &str) -> Option<Val> {
        self.0.get(&name.to_lowercase()).cloned()
    }
}

/// The scopes the records go into, by sys_id.
struct Scopes<'a> {
    target: Option<&'a Scope>,
    target_id: String,
    wcs_id: String,
}

impl<'a> Scopes<'a> {
    fn of(plan: &Plan, st: &'a InstanceState) -> Scopes<'a> {
        let target = st.scope_by_name(plan.mode.scope());
        Scopes {
            target,
            target_id: target.map(|s| s.sys_id.0.clone()).unwrap_or_default(),
            wcs_id: st.scope_by_name(facts::WCS_SCOPE).map(|s| s.sys_id.0.clone()).unwrap_or_default(),
        }
    }
    fn target_label(&self) -> Option<String> {
        self.target.map(|s| format!("{} ({})", s.name, s.scope))
    }
}

pub fn diff(plan: &Plan, st: &InstanceState) -> Diff {
    let scopes = Scopes::of(plan, st);
    let mut items = preconditions(st);
    let (alias_items, plan_alias) = aliases(plan, st, &scopes);
    items.extend(alias_items);
    items.extend(personal_alias(plan, st));
    let (credential_items, plan_cred) = credentials(plan, st, &scopes);
    items.extend(credential_items);
    items.extend(connections(plan, st, &scopes, &plan_alias, &plan_cred));
    items.extend(providers(plan, st, &scopes, &plan_alias));
    items.extend(properties(plan, st, &scopes));
    items.push(mode_property(plan, st, &scopes));
    items.extend(super::rooms::diff(&plan.rooms, &plan.providers, st));
    Diff { mode: plan.mode, scope: scopes.target_label().unwrap_or_else(|| plan.mode.scope().to_string()), items }
}

/// The user, the role, the applications.
fn preconditions(st: &InstanceState) -> Vec<Item> {
    let mut items = Vec::new();
    if st.user.is_none() {
        items.push(
            Item::new(Kind::Instance, "login", "sys_user")
                .conflict("the login user could not be found in sys_user; check the user name".into()),
        );
    } else if !st.is_admin {
        items.push(
            Item::new(Kind::Instance, "admin role", "sys_user_has_role")
                .conflict("the login user does not have the admin role, which these records need".into()),
        );
    }
    for (scope, label) in [
        (facts::WCS_SCOPE, "Workplace Calendar Synchronization"),
        (facts::SPOKE_SCOPE, "Microsoft Exchange Online Spoke"),
    ] {
        match st.scope_by_name(scope) {
            None => {
                items.push(Item::new(Kind::Instance, label, "sys_scope").conflict(format!(
                    "{label} ({scope}) is not installed; install it from the ServiceNow Store first"
                )))
            }
            Some(s) if !s.active.0 => items.push(
                Item::new(Kind::Instance, label, "sys_scope")
                    .conflict(format!("{label} ({scope}) is installed but inactive; activate it first")),
            ),
            Some(_) => {}
        }
    }
    items
}

/// The plan's aliases; a plan alias is known to the connections by its name.
fn aliases(plan: &Plan, st: &InstanceState, scopes: &Scopes) -> (Vec<Item>, Planned) {
    let mode = plan.mode;
    let mut items = Vec::new();
    let mut plan_alias = Planned::default();
    for a in &plan.aliases {
        let expect_id = format!("{}.{}", mode.scope(), a.name);
        let mut item = Item::new(Kind::Alias, &a.name, "sys_alias");
        item.scope = scopes.target_id.clone();
        item.expect_id = Some(expect_id.clone());
        let Some(parent) = st.alias_by_id(&a.parent) else {
            items.push(item.conflict(format!(
                "the parent alias {} does not exist on the instance; install or repair the Exchange Online spoke",
                a.parent
            )));
            continue;
        };
        if let Some(existing) = st.alias_by_id(&expect_id) {
            item.sys_id = Some(existing.sys_id.0.clone());
            item.note = case_note(Kind::Alias, &existing.id, &expect_id);
            plan_alias.insert(&a.name, Val::Lit(existing.sys_id.0.clone()));
            if existing.parent.id() != &*parent.sys_id {
                let now = if existing.parent.is_empty() {
                    "no parent".to_string()
                } else {
                    st.alias_label(existing.parent.id())
                };
                items.push(item.conflict(format!("the alias {} exists with {now} instead of parent {}; set Parent alias to {} on its form, or run calsync doctor --fix", existing.id, a.parent, a.parent)));
                continue;
            }
            // The default retry policy, set where missing (a child alias otherwise inherits).
            if existing.retry_policy.is_empty()
                && let Some((pid, pname)) = st.retry_policy(&a.retry_policy)
            {
                compare(
                    &mut item,
                    "retry_policy",
                    "Default retry policy",
                    Some(""),
                    Val::Lit(pid.to_string()),
                    pname,
                    Some(String::new()),
                );
            }
            items.push(finish(item, true));
        } else if let Some(other) = st.aliases.iter().find(|x| facts::same_name(&x.name, &a.name)) {
            let scope = st.scope_label(other.sys_scope.id());
            items.push(item.conflict(format!(
                "an alias named {} already exists in {scope} (ID {}); the application of an alias cannot be changed, so delete it and run again, or use another name",
                other.name, other.id
            )));
        } else {
            plan_alias.insert(&a.name, Val::Created(Kind::Alias, a.name.clone()));
            item.fields.push(FieldChange { field: "ID".into(), from: None, to: expect_id.clone() });
            item.fields.push(FieldChange {
                field: "Application".into(),
                from: None,
                to: scopes.target_label().unwrap_or_default(),
            });
            compare(&mut item, "name", "Name", None, Val::Lit(a.name.clone()), &a.name, None);
            compare(&mut item, "parent", "Parent alias", None, Val::Lit(parent.sys_id.0.clone()), &a.parent, None);
            compare(&mut item, "type", "Type", None, Val::Lit("connection".into()), "Connection and Credential", None);
            compare(
                &mut item,
                "connection_type",
                "Connection type",
                None,
                Val::Lit("http_connection".into()),
                "HTTP",
                None,
            );
            if let Some((pid, pname)) = st.retry_policy(&a.retry_policy) {
                compare(
                    &mut item,
                    "retry_policy",
                    "Default retry policy",
                    None,
                    Val::Lit(pid.to_string()),
                    pname,
                    None,
                );
            }
            items.push(finish(item, false));
        }
    }
    (items, plan_alias)
}

/// Personal mode on the default alias (seed 001): it must be there, under the spoke alias.
fn personal_alias(plan: &Plan, st: &InstanceState) -> Option<Item> {
    if plan.mode != Mode::Personal || !plan.aliases.is_empty() {
        return None;
    }
    let spoke = st.alias_by_id(facts::SPOKE_ALIAS_ID);
    let personal = st
        .alias_by_id(facts::PERSONAL_ALIAS_ID)
        .or_else(|| st.aliases.iter().find(|a| facts::same_name(&a.name, facts::PERSONAL_ALIAS_NAME)));
    let mut item = Item::new(Kind::Alias, facts::PERSONAL_ALIAS_NAME, "sys_alias");
    Some(match (personal, spoke) {
        (None, _) => item.conflict(format!("the default alias {} is missing; complete the personal authentication app registration in WCS, or add an own [[alias]] to the plan", facts::PERSONAL_ALIAS_NAME)),
        (Some(p), Some(s)) if p.parent.id() == &*s.sys_id => {
            item.sys_id = Some(p.sys_id.0.clone());
            item
        }
        (Some(p), _) => {
            item.sys_id = Some(p.sys_id.0.clone());
            item.conflict(format!("the default alias {} is not a child of {}; set its Parent alias, or run calsync doctor --fix", p.id, facts::SPOKE_ALIAS_ID))
        }
    })
}

/// The plan's OAuth 2.0 credentials, each on its registry's profile.
fn credentials(plan: &Plan, st: &InstanceState, scopes: &Scopes) -> (Vec<Item>, Planned) {
    let mut items = Vec::new();
    let mut plan_cred = Planned::default();
    for c in &plan.credentials {
        let mut item = Item::new(Kind::Credential, &c.name, "oauth_2_0_credentials");
        item.scope = scopes.target_id.clone();
        let same_name: Vec<&Credential> =
            st.credentials.iter().filter(|x| facts::same_name(&x.name, &c.name)).collect();
        let profiles: Vec<&OAuthProfile> =
            st.profiles.iter().filter(|p| facts::same_name(&p.name, &c.profile)).collect();
        if same_name.len() > 1 {
            items.push(item.conflict(format!(
                "{} credentials are named \"{}\" (names match without regard to case); rename or delete the extra ones so the name points at one record",
                same_name.len(),
                c.name
            )));
            continue;
        }
        let profile = match profiles.as_slice() {
            [p] => *p,
            [] => {
                items.push(item.conflict(format!("the OAuth Entity Profile \"{}\" does not exist; create the application registry for this mode first (its default profile carries that name)", c.profile)));
                continue;
            }
            many => {
                items.push(item.conflict(format!("{} OAuth Entity Profiles are named \"{}\"; rename one so the credential can point at the right registry", many.len(), c.profile)));
                continue;
            }
        };
        let existing = same_name.first().copied();
        if let Some(e) = existing {
            item.sys_id = Some(e.sys_id.0.clone());
            item.note = case_note(Kind::Credential, &e.name, &c.name);
            plan_cred.insert(&c.name, Val::Lit(e.sys_id.0.clone()));
        } else {
            plan_cred.insert(&c.name, Val::Created(Kind::Credential, c.name.clone()));
            compare(&mut item, "name", "Name", None, Val::Lit(c.name.clone()), &c.name, None);
        }
        credential_fields(&mut item, c, existing, profile, st);
        items.push(finish(item, existing.is_some()));
    }
    (items, plan_cred)
}

fn credential_fields(
    item: &mut Item,
    c: &super::model::CredentialSpec,
    existing: Option<&Credential>,
    profile: &OAuthProfile,
    st: &InstanceState,
) {
    let cur_profile = existing.map(|e| e.oauth_entity_profile.id().to_string());
    let cur_profile_label = existing.map(|e| {
        st.profiles
            .iter()
            .find(|p| *p.sys_id == *e.oauth_entity_profile.id())
            .map(|p| p.name.0.clone())
            .unwrap_or_else(|| e.oauth_entity_profile.id().to_string())
    });
    compare(
        item,
        "oauth_entity_profile",
        "OAuth Entity Profile",
        cur_profile.as_deref(),
        Val::Lit(profile.sys_id.0.clone()),
        &profile.name,
        cur_profile_label,
    );
    let active = c.active.to_string();
    let cur = existing.map(|e| e.active.0.to_string());
    compare(item, "active", "Active", cur.as_deref(), Val::Lit(active.clone()), &active, cur.clone());
    let applies = c.applies_to.clone().or_else(|| existing.is_none().then(|| "all".to_string()));
    if let Some(a) = applies {
        let cur = existing.map(|e| e.applies_to.0.clone());
        compare(item, "applies_to", "Applies to", cur.as_deref(), Val::Lit(a.clone()), &a, cur.clone());
    }
    let order = c.order.or_else(|| existing.is_none().then_some(100));
    if let Some(o) = order {
        let cur = existing.map(|e| e.order.0.map(|n| n.to_string()).unwrap_or_default());
        compare(item, "order", "Order", cur.as_deref(), Val::Lit(o.to_string()), &o.to_string(), cur.clone());
    }
    if let Some(t) = &c.integration_type {
        let cur = existing.map(|e| e.integration_type());
        compare(
            item,
            facts::CREDENTIAL_INTEGRATION_TYPE_COLUMN,
            "Integration type",
            cur.as_deref(),
            Val::Lit(t.clone()),
            t,
            cur.clone(),
        );
    }
}

/// An alias a record points at: one of the plan's, or one on the instance by ID or name.
/// The end of the sentence for an alias named nowhere: the plan's and the instance's
/// aliases it may be a typo of, by ID when it was given as an ID.
fn alias_hint(plan: &Plan, st: &InstanceState, alias: &str) -> String {
    let scope = plan.mode.scope();
    let mut known: Vec<String> = if alias.contains('.') {
        let mut ids: Vec<String> = plan.aliases.iter().map(|a| format!("{scope}.{}", a.name)).collect();
        ids.extend([facts::SPOKE_ALIAS_ID.to_string(), facts::PERSONAL_ALIAS_ID.to_string()]);
        ids.extend(st.aliases.iter().map(|a| a.id.to_string()));
        ids
    } else {
        plan.aliases.iter().map(|a| a.name.clone()).chain(st.aliases.iter().map(|a| a.name.to_string())).collect()
    };
    known.retain(|k| !k.is_empty());
    crate::near::did_you_mean(alias, known.iter().map(String::as_str))
}

fn alias_ref(st: &InstanceState, plan_alias: &Planned, alias: &str) -> Option<Val> {
    plan_alias.get(alias).or_else(|| {
        let found = if alias.contains('.') {
            st.alias_by_id(alias)
        } else {
            st.aliases.iter().find(|a| facts::same_name(&a.name, alias))
        };
        found.map(|a| Val::Lit(a.sys_id.0.clone()))
    })
}

/// The plan's HTTP connections, each on its alias and credential.
fn connections(
    plan: &Plan,
    st: &InstanceState,
    scopes: &Scopes,
    plan_alias: &Planned,
    plan_cred: &Planned,
) -> Vec<Item> {
    let mut items = Vec::new();
    for n in &plan.connections {
        let mut item = Item::new(Kind::Connection, &n.name, "http_connection");
        item.scope = scopes.target_id.clone();
        let existing_any = st.connections.iter().find(|x| facts::same_name(&x.name, &n.name));
        let existing = existing_any.filter(|x| &*x.sys_class_name == "http_connection");
        if let (Some(other), None) = (existing_any, existing) {
            items.push(item.conflict(format!("a connection named \"{}\" exists but is not an HTTP(s) connection; connection names are unique (without regard to case), so choose another name", other.name)));
            continue;
        }
        let Some(alias_val) = alias_ref(st, plan_alias, &n.alias) else {
            items.push(item.conflict(format!("the alias \"{}\" is neither in the plan nor on the instance{}; add an [[alias]] or use an existing alias ID", n.alias, alias_hint(plan, st, &n.alias))));
            continue;
        };
        let cred_val = plan_cred.get(&n.credential).or_else(|| {
            let found: Vec<&Credential> =
                st.credentials.iter().filter(|c| facts::same_name(&c.name, &n.credential)).collect();
            (found.len() == 1).then(|| Val::Lit(found[0].sys_id.0.clone()))
        });
        let Some(cred_val) = cred_val else {
            let names = plan.credentials.iter().map(|c| c.name.as_str()).chain(st.credentials.iter().map(|c| &*c.name));
            let hint = crate::near::did_you_mean(&n.credential, names);
            items.push(item.conflict(format!("the credential \"{}\" is neither in the plan nor on the instance (or its name is not unique){hint}; add a [[credential]] or fix the name", n.credential)));
            continue;
        };
        let alias_label = match &alias_val {
            Val::Lit(id) => st.alias_label(id),
            Val::Created(_, name) => format!("{}.{}", plan.mode.scope(), name),
        };
        if let Some(e) = existing {
            item.sys_id = Some(e.sys_id.0.clone());
            item.note = case_note(Kind::Connection, &e.name, &n.name);
        } else {
            compare(&mut item, "name", "Name", None, Val::Lit(n.name.clone()), &n.name, None);
        }
        connection_fields(&mut item, n, existing, st, (&alias_val, &alias_label), &cred_val);
        if let Some(reason) = active_clash(n, existing, st, (&alias_val, &alias_label), &cred_val) {
            items.push(item.conflict(reason));
            continue;
        }
        items.push(finish(item, existing.is_some()));
    }
    items
}

fn connection_fields(
    item: &mut Item,
    n: &super::model::ConnectionSpec,
    existing: Option<&Connection>,
    st: &InstanceState,
    (alias_val, alias_label): (&Val, &str),
    cred_val: &Val,
) {
    let cur = existing.map(|e| e.connection_alias.id().to_string());
    let cur_label = existing.map(|e| st.alias_label(e.connection_alias.id()));
    compare(item, "connection_alias", "Connection alias", cur.as_deref(), alias_val.clone(), alias_label, cur_label);
    let cur = existing.map(|e| e.credential.id().to_string());
    let cur_label = existing.map(|e| st.credential_name(e.credential.id()));
    compare(item, "credential", "Credential", cur.as_deref(), cred_val.clone(), &n.credential, cur_label);
    let cur = existing.map(|e| e.connection_url.0.clone());
    compare(item, "connection_url", "Connection URL", cur.as_deref(), Val::Lit(n.url.clone()), &n.url, cur.clone());
    for (col, label, want) in [
        ("url_builder", "URL builder", "false"),
        ("use_mid", "Use MID server", "false"),
        ("active", "Active", if n.active { "true" } else { "false" }),
    ] {
        let cur = existing.map(|e| match col {
            "url_builder" => e.url_builder.0.to_string(),
            "use_mid" => e.use_mid.0.to_string(),
            _ => e.active.0.to_string(),
        });
        compare(item, col, label, cur.as_deref(), Val::Lit(want.into()), want, cur.clone());
    }
}

/// Only one active connection per alias (unless it allows several), and one active
/// connection per credential: the sentence that says which rule an active connection
/// would break.
fn active_clash(
    n: &super::model::ConnectionSpec,
    existing: Option<&Connection>,
    st: &InstanceState,
    (alias_val, alias_label): (&Val, &str),
    cred_val: &Val,
) -> Option<String> {
    if !n.active {
        return None;
    }
    let me = existing.map(|e| e.sys_id.0.clone());
    let other_active = |c: &&Connection| c.active.0 && Some(&c.sys_id.0) != me.as_ref();
    if let Val::Lit(alias_id) = alias_val {
        let multiple = st.alias_by_sys_id(alias_id).map(|a| a.multiple_connections.0).unwrap_or(false);
        if let Some(other) = st.connections.iter().filter(other_active).find(|c| c.connection_alias.id() == alias_id)
            && !multiple
        {
            return Some(format!(
                "the alias {alias_label} already has the active connection \"{}\", and an alias allows one active connection unless it supports multiple; deactivate \"{}\" or point this connection at another alias",
                other.name, other.name
            ));
        }
    }
    if let Val::Lit(cred_id) = cred_val
        && let Some(other) = st.connections.iter().filter(other_active).find(|c| c.credential.id() == cred_id)
    {
        return Some(format!(
            "the credential \"{}\" is already used by the active connection \"{}\"; a credential can serve one active connection, so give this connection its own credential",
            n.credential, other.name
        ));
    }
    None
}

/// Calendar providers: one per delegated mailbox, overriding to its own alias.
fn providers(plan: &Plan, st: &InstanceState, scopes: &Scopes, plan_alias: &Planned) -> Vec<Item> {
    let mut items = Vec::new();
    for pr in &plan.providers {
        let mut item = Item::new(Kind::Provider, &pr.name, facts::PROVIDER_TABLE);
        item.scope = scopes.wcs_id.clone();
        let same: Vec<&serde_json::Value> =
            st.providers.iter().filter(|p| facts::same_name(&plain(&p["name"]), &pr.name)).collect();
        if same.len() > 1 {
            items.push(item.conflict(format!(
                "{} calendar providers are named \"{}\" (names match without regard to case); rename the extra ones",
                same.len(),
                pr.name
            )));
            continue;
        }
        let existing = same.first().copied();
        let alias_val = match &pr.alias {
            None => Some(Val::Lit(String::new())),
            Some(a) => alias_ref(st, plan_alias, a),
        };
        let Some(alias_val) = alias_val else {
            let alias = pr.alias.clone().unwrap_or_default();
            let hint = alias_hint(plan, st, &alias);
            items.push(item.conflict(format!(
                "the provider's alias \"{alias}\" is neither in the plan nor on the instance{hint}"
            )));
            continue;
        };
        if let Some(e) = existing {
            item.sys_id = Some(plain(&e["sys_id"]));
            item.note = case_note(Kind::Provider, &plain(&e["name"]), &pr.name);
        } else {
            compare(&mut item, "name", "Name", None, Val::Lit(pr.name.clone()), &pr.name, None);
        }
        provider_fields(&mut item, pr, existing, st, plan.mode, alias_val);
        items.push(finish(item, existing.is_some()));
    }
    items
}

fn provider_fields(
    item: &mut Item,
    pr: &super::model::ProviderSpec,
    existing: Option<&serde_json::Value>,
    st: &InstanceState,
    mode: Mode,
    alias_val: Val,
) {
    let cur = |col: &str| existing.map(|e| plain(&e[col]));
    let active = pr.active.to_string();
    compare(item, "active", "Active", cur("active").as_deref(), Val::Lit(active.clone()), &active, cur("active"));
    let dict = &st.dictionary;
    let p = &dict.column(&facts::PROVIDER_PROCESSOR);
    compare(
        item,
        p,
        facts::PROVIDER_PROCESSOR.label,
        cur(p).as_deref(),
        Val::Lit(dict.choice(&facts::PROCESSOR_GRAPH)),
        facts::PROCESSOR_GRAPH.label,
        cur(p),
    );
    let over = pr.alias.is_some().to_string();
    let o = &dict.column(&facts::PROVIDER_OVERRIDE);
    compare(item, o, facts::PROVIDER_OVERRIDE.label, cur(o).as_deref(), Val::Lit(over.clone()), &over, cur(o));
    let ac = &dict.column(&facts::PROVIDER_ALIAS);
    let alias_label = match (&alias_val, &pr.alias) {
        (Val::Created(_, n), _) => format!("{}.{n}", mode.scope()),
        (Val::Lit(id), Some(_)) => st.alias_label(id),
        _ => "(default alias)".into(),
    };
    let cur_alias = cur(ac).map(|v| if v.is_empty() { "(none)".to_string() } else { st.alias_label(&v) });
    compare(item, ac, facts::PROVIDER_ALIAS.label, cur(ac).as_deref(), alias_val, &alias_label, cur_alias);
    let d = &dict.column(&facts::PROVIDER_DELEGATE);
    let want = pr.delegated_user.clone().unwrap_or_default();
    compare(item, d, facts::PROVIDER_DELEGATE.label, cur(d).as_deref(), Val::Lit(want.clone()), &want, cur(d));
}

/// Other WCS properties the plan sets (time zone and the like).
fn properties(plan: &Plan, st: &InstanceState, scopes: &Scopes) -> Vec<Item> {
    let mut items = Vec::new();
    for (name, want) in &plan.properties {
        let mut item = Item::new(Kind::Property, name, "sys_properties");
        item.scope = scopes.wcs_id.clone();
        match st.other_properties.iter().find(|p| facts::same_name(&p.name, name)) {
            None => items.push(item.conflict(format!("the system property {name} does not exist on this instance; it comes with Workplace Calendar Synchronization"))),
            Some(p) => {
                item.sys_id = Some(p.sys_id.0.clone());
                item.note = case_note(Kind::Property, &p.name, name);
                // The record says what it takes: its type, and its choices when it has them.
                let kind = if p.kind.trim().is_empty() { facts::wcs_property_kind(name) } else { p.kind.trim() };
                let choices: Vec<String> = p.choice_values().into_iter().map(|(_, v)| v).collect();
                if let Some(problem) = super::model::property_problem(kind, &choices, want) {
                    items.push(item.conflict(format!("{name} cannot be set to {want:?}: {problem}")));
                    continue;
                }
                compare(&mut item, "value", "Value", Some(&p.value), Val::Lit(want.clone()), want, Some(p.value.0.clone()));
                items.push(finish(item, true));
            }
        }
    }
    items
}

/// The integration-mode property.
fn mode_property(plan: &Plan, st: &InstanceState, scopes: &Scopes) -> Item {
    let mut item = Item::new(Kind::Property, facts::MODE_PROPERTY, "sys_properties");
    item.scope = scopes.wcs_id.clone();
    match &st.property {
        None => item.conflict(format!("the system property {} does not exist; it comes with Workplace Calendar Synchronization 3.0 or later, so upgrade WCS first", facts::MODE_PROPERTY)),
        Some(p) => {
            item.sys_id = Some(p.sys_id.0.clone());
            let want = mode_value(p, plan.mode);
            compare(&mut item, "value", "Value", Some(&p.value), Val::Lit(want.clone()), &want, Some(p.value.0.clone()));
            finish(item, true)
        }
    }
}
