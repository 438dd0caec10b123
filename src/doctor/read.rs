//! Everything the doctor and the wizard look at, read in one concurrent round: the whole
//! Workplace Calendar Synchronization setup is a few hundred records at most. The one
//! reader of instance state the doctor, its repairs and the wizard's probe share. The data
//! dictionary is read in the same round, and the labelled columns are looked up in it.
//! It reads through `snow::Instance`; `tests/round_trips.rs` pins its reads per table and
//! that they are one round.

use crate::facts;
use crate::snow::dictionary::Dictionary;
use crate::snow::records::{
    Alias, Connection, Credential, OAuthEntity, OAuthProfile, Property, Scope, User, UserHasRole, UserPreference, plain,
};
use crate::snow::{Instance, InstanceExt, Query, SnError};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An OAuth Entity Scope linked to a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeLink {
    pub profile: String,
    /// The scope string (e.g. `Calendars.ReadWrite`).
    pub scope: String,
    /// The sys_id of the scope record, and of the registry (OAuth provider) it belongs to.
    pub scope_id: String,
    pub registry: String,
}

/// A retry policy as the doctor needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryPolicy {
    pub sys_id: String,
    pub name: String,
    /// The Retry Strategy's stored value, and its label.
    pub strategy: String,
    pub strategy_label: String,
    pub max_elapsed_secs: i64,
}

/// A table some instances lack or hide: its rows, or None when it could not be read.
pub type Optional<T> = Option<Vec<T>>;

async fn optional<T: DeserializeOwned + Send>(
    client: &dyn Instance,
    table: &str,
    q: &Query,
    fields: &[&str],
) -> Result<Optional<T>, SnError> {
    Ok(client.list::<T>(table, q, fields).await.ok())
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub instance: String,
    pub user: String,
    pub user_found: bool,
    pub user_id: Option<String>,
    pub pref: Option<UserPreference>,
    pub is_admin: bool,
    pub scopes: Vec<Scope>,
    pub current_app: Option<String>,
    pub aliases: Vec<Alias>,
    pub connections: Vec<Connection>,
    pub credentials: Vec<Credential>,
    pub profiles: Vec<OAuthProfile>,
    pub entities: Vec<OAuthEntity>,
    /// The OAuth Entity Scopes linked to profiles.
    pub profile_scopes: Vec<ScopeLink>,
    /// The integration mode property.
    pub property: Option<Property>,
    /// The integration mode property and the tunable WCS properties that exist.
    pub properties: Vec<Property>,
    /// (credential sys_id, token type, expires) of tokens the instance holds.
    pub tokens: Vec<(String, String, String)>,
    /// Calendar providers, as raw rows: their columns are found through `dictionary`.
    pub providers: Vec<Value>,
    pub retry_policies: Vec<RetryPolicy>,
    /// The instance's names for the columns the documentation gives only as labels.
    pub dictionary: Dictionary,
    /// The spoke's data source "Exchange Online Calendar" (raw rows).
    pub data_sources: Optional<Value>,
    /// Connection attributes: (connection sys_id, attribute name).
    pub connection_attributes: Optional<(String, String)>,
    /// How many users hold the WCS admin role (None: could not be read).
    pub wcs_admins: Option<usize>,
}

impl Snapshot {
    /// The credentials that sign in with a browser: those on an authorization-code profile.
    pub fn browser_credentials(&self) -> Vec<&Credential> {
        let auth: Vec<&str> = self
            .profiles
            .iter()
            .filter(|p| &*p.grant_type == facts::GRANT_AUTH_CODE)
            .map(|p| p.sys_id.0.as_str())
            .collect();
        self.credentials.iter().filter(|c| auth.contains(&c.oauth_entity_profile.id())).collect()
    }
    pub fn alias(&self, sys_id: &str) -> Option<&Alias> {
        self.aliases.iter().find(|a| *a.sys_id == *sys_id)
    }
    pub fn alias_by_id(&self, id: &str) -> Option<&Alias> {
        self.aliases.iter().find(|a| &*a.id == id)
    }
    pub fn credential(&self, sys_id: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| *c.sys_id == *sys_id)
    }
    pub fn profile(&self, sys_id: &str) -> Option<&OAuthProfile> {
        self.profiles.iter().find(|p| *p.sys_id == *sys_id)
    }
    pub fn entity(&self, sys_id: &str) -> Option<&OAuthEntity> {
        self.entities.iter().find(|e| *e.sys_id == *sys_id)
    }
    pub fn scope(&self, name: &str) -> Option<&Scope> {
        self.scopes.iter().find(|s| &*s.scope == name)
    }
    /// A calendar provider's labelled column, as the instance names it.
    pub fn provider(&self, p: &Value, f: &facts::Labelled) -> String {
        self.dictionary.get(p, f)
    }
    /// The application (scope sys_id) a connection belongs to.
    pub fn connection_scope(&self, c: &Connection) -> String {
        c.extra.get(&self.dictionary.column(&facts::CONNECTION_SCOPE)).map(plain).unwrap_or_default()
    }
    /// The application (scope sys_id) a credential belongs to.
    pub fn credential_scope(&self, c: &Credential) -> String {
        c.extra.get(&self.dictionary.column(&facts::CREDENTIAL_SCOPE)).map(plain).unwrap_or_default()
    }
    /// A credential's Integration Type, stored value.
    pub fn integration_type(&self, c: &Credential) -> String {
        c.extra.get(&self.dictionary.column(&facts::CREDENTIAL_INTEGRATION_TYPE)).map(plain).unwrap_or_default()
    }
    /// Is this the per-user credential of personal mode (Integration Type Personal)?
    pub fn is_personal(&self, c: &Credential) -> bool {
        self.integration_type(c).eq_ignore_ascii_case(&self.dictionary.choice(&facts::INTEGRATION_PERSONAL))
    }
}

pub async fn read(client: &dyn Instance) -> Result<Snapshot, SnError> {
    let user = client.user().to_string();
    let q_user = Query::new().eq("user_name", &user)?;
    let q_role = Query::new().eq("user.user_name", &user)?.eq("role.name", "admin")?;
    let q_scopes = Query::new().is_in("scope", &[facts::WCS_SCOPE, facts::SPOKE_SCOPE])?;
    let q_pref = Query::new().eq("user.user_name", &user)?.eq("name", facts::CURRENT_APP_PREF)?;
    let q_http_aliases = Query::new().eq("connection_type", "http_connection")?;
    let all = Query::new();
    let mut prop_names = vec![facts::MODE_PROPERTY];
    prop_names.extend(facts::WCS_PROPERTIES.iter().map(|(n, ..)| *n));
    let q_prop = Query::new().is_in("name", &prop_names)?;
    let q_req = Query::new().eq("requestor_context", facts::REQUESTOR_CONTEXT_CREDENTIALS)?;
    let token_fields = [facts::TOKEN_REQUESTOR_COLUMN, facts::TOKEN_TYPE_COLUMN, facts::TOKEN_EXPIRES_COLUMN];
    let q_source = Query::new().eq("name", facts::DATA_SOURCE_NAME)?;
    let q_wcs_admins = Query::new().eq("role.name", facts::WCS_ADMIN_ROLE)?;
    let (
        users,
        roles,
        scopes,
        prefs,
        aliases,
        connections,
        credentials,
        profiles,
        entities,
        entity_scopes,
        links,
        props,
        requestors,
        tokens,
        providers,
        policies,
        dictionary,
        data_sources,
        attributes,
        wcs_admins,
    ) = tokio::try_join!(
        client.list::<User>("sys_user", &q_user, &["sys_id", "user_name"]),
        client.list::<UserHasRole>("sys_user_has_role", &q_role, &["sys_id", "user"]),
        client.list::<Scope>("sys_scope", &q_scopes, &[]),
        client.list::<UserPreference>("sys_user_preference", &q_pref, &[]),
        client.list::<Alias>("sys_alias", &q_http_aliases, &[]),
        client.list::<Connection>("http_connection", &all, &[]),
        client.list::<Credential>("oauth_2_0_credentials", &all, &[]),
        client.list::<OAuthProfile>("oauth_entity_profile", &all, &[]),
        client.list::<OAuthEntity>("oauth_entity", &all, &[]),
        client.list::<Value>("oauth_entity_scope", &all, &["sys_id", "oauth_entity_scope", "name", "oauth_entity"]),
        client.list::<Value>("oauth_entity_profile_scope", &all, &["oauth_entity_profile", "oauth_entity_scope"]),
        client.list::<Property>("sys_properties", &q_prop, &[]),
        client.list::<Value>(facts::REQUESTOR_TABLE, &q_req, &["sys_id", "requestor_id"]),
        client.list::<Value>(facts::TOKEN_TABLE, &all, &token_fields),
        client.list::<Value>(facts::PROVIDER_TABLE, &all, &[]),
        client.list::<Value>("sys_retry_policy", &all, &[]),
        async { Ok(Dictionary::read(client).await) },
        optional::<Value>(client, facts::DATA_SOURCE_TABLE, &q_source, &[]),
        optional::<Value>(client, facts::CONNECTION_ATTRIBUTE_TABLE, &all, &["connection", "name"]),
        optional::<UserHasRole>(client, "sys_user_has_role", &q_wcs_admins, &["sys_id", "user"]),
    )?;
    let link = |l: &Value| {
        let scope_id = plain(&l["oauth_entity_scope"]);
        let found = entity_scopes.iter().find(|s| plain(&s["sys_id"]) == scope_id);
        let scope = found
            .map(|s| {
                let v = plain(&s["oauth_entity_scope"]);
                if v.is_empty() { plain(&s["name"]) } else { v }
            })
            .unwrap_or_default();
        let registry = found.map(|s| plain(&s["oauth_entity"])).unwrap_or_default();
        ScopeLink { profile: plain(&l["oauth_entity_profile"]), scope, scope_id, registry }
    };
    let profile_scopes = links.iter().map(link).collect();
    let tokens = tokens
        .iter()
        .filter_map(|t| {
            let rp = plain(&t[facts::TOKEN_REQUESTOR_COLUMN]);
            let cred = requestors.iter().find(|r| plain(&r["sys_id"]) == rp).map(|r| plain(&r["requestor_id"]))?;
            Some((cred, plain(&t[facts::TOKEN_TYPE_COLUMN]), plain(&t[facts::TOKEN_EXPIRES_COLUMN])))
        })
        .collect();
    // Matched to the user here too, in case an instance ignored the dot-walked conditions.
    let uid = users.iter().find(|u| *u.user_name == *user).map(|u| u.sys_id.0.clone());
    let my_pref =
        prefs.iter().find(|p| Some(p.user.id()) == uid.as_deref() && &*p.name == facts::CURRENT_APP_PREF).cloned();
    Ok(Snapshot {
        instance: client.instance().to_string(),
        user,
        user_found: uid.is_some(),
        user_id: uid.clone(),
        pref: my_pref.clone(),
        is_admin: roles.iter().any(|r| Some(r.user.id()) == uid.as_deref()),
        scopes,
        current_app: my_pref.map(|p| p.value.0),
        aliases,
        connections,
        credentials,
        profiles,
        entities,
        profile_scopes,
        property: props.iter().find(|p| &*p.name == facts::MODE_PROPERTY).cloned(),
        properties: props,
        tokens,
        providers,
        retry_policies: policies
            .iter()
            .map(|p| {
                let strategy = dictionary.get(p, &facts::RETRY_STRATEGY);
                RetryPolicy {
                    sys_id: plain(&p["sys_id"]),
                    name: plain(&p["name"]),
                    strategy_label: dictionary.choice_label(&facts::RETRY_STRATEGY, &strategy),
                    strategy,
                    max_elapsed_secs: dictionary.get(p, &facts::RETRY_MAX_ELAPSED).trim().parse().unwrap_or(0),
                }
            })
            .collect(),
        dictionary,
        data_sources,
        connection_attributes: attributes
            .map(|rows| rows.iter().map(|r| (plain(&r["connection"]), plain(&r["name"]))).collect()),
        wcs_admins: wcs_admins.map(|r| r.len()),
    })
}
