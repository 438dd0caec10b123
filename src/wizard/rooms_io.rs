//! The driver's side of the Rooms, Token on the instance and room-check steps: reading the
//! instance's rooms, handing a signed-in credential's tokens to the instance, and running
//! the doctor's room checks. Called by `driver.rs`, which owns the instance and the tokens.

use super::RoomRow;
use crate::facts;
use crate::oauth::flow::Tokens;
use crate::snow::records::plain;
use crate::snow::{Client, Query, SnError};
use serde_json::Value;

/// The instance's rooms (active, reservable locations), with their configurations.
pub async fn load_rooms(client: &Client) -> Result<Vec<RoomRow>, SnError> {
    let q_spaces = Query::new().eq("active", "true")?;
    let all = Query::new();
    let (spaces, configs, providers) = tokio::try_join!(
        client.list::<Value>(facts::SPACE_TABLE, &q_spaces, &["sys_id", "name", facts::SPACE_EMAIL_COLUMN]),
        client.list::<Value>(
            facts::RSV_CONFIG_TABLE,
            &all,
            &["sys_id", facts::RSV_LOCATION_COLUMN, facts::RSV_PROVIDER_COLUMN, "active"]
        ),
        client.list::<Value>(facts::PROVIDER_TABLE, &all, &["sys_id", "name"]),
    )?;
    let name = |id: &str| {
        providers.iter().find(|p| plain(&p["sys_id"]) == id).map(|p| plain(&p["name"])).unwrap_or_else(|| id.into())
    };
    Ok(spaces
        .iter()
        .map(|s| {
            let id = plain(&s["sys_id"]);
            RoomRow {
                location: plain(&s["name"]),
                email: plain(&s[facts::SPACE_EMAIL_COLUMN]),
                configs: configs
                    .iter()
                    .filter(|c| plain(&c[facts::RSV_LOCATION_COLUMN]) == id)
                    .map(|c| (name(&plain(&c[facts::RSV_PROVIDER_COLUMN])), plain(&c["active"]) == "true"))
                    .collect(),
                selected: false,
            }
        })
        .collect())
}

/// Writes the tokens of `credential` where the instance keeps them; returns the records'
/// form links.
pub async fn hand_over(
    client: &Client,
    credential: &str,
    tokens: &Tokens,
    login: Option<&str>,
    graph: Option<&str>,
) -> Result<Vec<String>, String> {
    let t = crate::oauth::target::for_credential(client, credential, login, graph).await.map_err(|e| e.to_string())?;
    crate::oauth::mailbox::token_allowed(credential, &t.credential.integration_type())?;
    let c = &t.credential;
    crate::oauth::handover::store(client, &c.sys_id, &c.name, c.oauth_entity_profile.id(), &t.entity_id, tokens)
        .await
        .map_err(|e| format!("the token is in the OS keyring, but writing it to the instance failed: {e}"))
}

/// The doctor's room checks: the number of configured rooms and the findings.
pub async fn check_rooms(
    client: &Client,
    instance_key: &str,
    sandbox_url: Option<&str>,
) -> Result<(usize, Vec<crate::doctor::Finding>), String> {
    use crate::doctor::{AccountCheck, read, rooms};
    let snapshot = read::read(client).await.map_err(|e| e.to_string())?;
    let r = rooms::read(client).await.map_err(|e| e.to_string())?;
    let ends = crate::oauth::target::endpoints(sandbox_url);
    let opts = AccountCheck {
        instance_key: instance_key.to_string(),
        login_base: ends.login,
        graph_base: ends.graph,
        sandbox_secret: sandbox_url.is_some(),
    };
    let mut findings = rooms::check(&snapshot, &r, &crate::clock::now_utc());
    findings.extend(rooms::graph_checks(client, &snapshot, &r, &opts).await);
    Ok((r.configs.len(), findings))
}
