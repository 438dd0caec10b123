//! Everything the doctor and the wizard look at, read in one concurrent round: the whole
//! Workplace Calendar Synchronization setup is a few hundred records at most. The one
//! reader of instance state the doctor, its repairs and the wizard's probe share.

use crate::facts;
use crate::snow::records::{
    Alias, Connection, Credential, OAuthEntity, OAuthProfile, Property, Scope, User, UserHasRole, UserPreference, plain,
};
use crate::snow::{Client, Query, SnError};
use serde_json::Value;

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
    /// (profile sys_id, scope string) pairs linked to profiles.
    pub profile_scopes: Vec<(String, String)>,
    /// The integration mode property.
    pub property: Option<Property>,
    /// The integration mode property and the tunable WCS properties that exist.
    pub properties: Vec<Property>,
    /// (credential sys_id, token type, expires) of tokens the instance holds.
    pub tokens: Vec<(String, String, String)>,
    /// Calendar providers, as raw rows (their column names are uncertain, see facts).
    pub providers: Vec<Value>,
    /// Retry policies: (sys_id, name, honours Retry-After, max elapsed seconds).
    pub retry_policies: Vec<(String, String, bool, i64)>,
}

impl Snapshot {
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
}

pub async fn read(client: &Client) -> Result<Snapshot, SnError> {
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
    let policy_fields = ["sys_id", "name", facts::RETRY_HONOR_COLUMN, facts::RETRY_MAX_ELAPSED_COLUMN];
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
        client.list::<Value>("oauth_entity_scope", &all, &["sys_id", "oauth_entity_scope", "name"]),
        client.list::<Value>("oauth_entity_profile_scope", &all, &["oauth_entity_profile", "oauth_entity_scope"]),
        client.list::<Property>("sys_properties", &q_prop, &[]),
        client.list::<Value>(facts::REQUESTOR_TABLE, &q_req, &["sys_id", "requestor_id"]),
        client.list::<Value>(facts::TOKEN_TABLE, &all, &token_fields),
        client.list::<Value>(facts::PROVIDER_TABLE, &all, &[]),
        client.list::<Value>("sys_retry_policy", &all, &policy_fields),
    )?;
    let scope_name = |id: &str| {
        entity_scopes
            .iter()
            .find(|s| plain(&s["sys_id"]) == id)
            .map(|s| {
                let v = plain(&s["oauth_entity_scope"]);
                if v.is_empty() { plain(&s["name"]) } else { v }
            })
            .unwrap_or_default()
    };
    let profile_scopes = links
        .iter()
        .map(|l| (plain(&l["oauth_entity_profile"]), scope_name(&plain(&l["oauth_entity_scope"]))))
        .collect();
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
                let num = plain(&p[facts::RETRY_MAX_ELAPSED_COLUMN]).trim().parse().unwrap_or(0);
                (plain(&p["sys_id"]), plain(&p["name"]), plain(&p[facts::RETRY_HONOR_COLUMN]) == "true", num)
            })
            .collect(),
    })
}
