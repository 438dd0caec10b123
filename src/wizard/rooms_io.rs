//! The driver's side of the Rooms, Token on the instance and room-check steps: reading the
//! instance's rooms, handing a signed-in credential's tokens to the instance, and running
//! the doctor's room checks. Called by `driver.rs`, which owns the instance and the tokens.

use super::{Connection, RoomRow};
use crate::config::Services;
use crate::facts;
use crate::snow::records::plain;
use crate::snow::{Instance, InstanceExt, Query, SnError};
use serde_json::Value;

/// The instance's rooms (active, reservable locations), with their configurations.
pub async fn load_rooms(client: &dyn Instance) -> Result<Vec<RoomRow>, SnError> {
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

/// Writes `credential`'s tokens where the instance keeps them; returns the records' form
/// links. The tokens come fresh from the refresh token the sign-in just kept in the OS
/// keyring, so no secret passes through the wizard's state.
pub async fn hand_over(services: &Services, conn: &Connection, credential: &str) -> Result<Vec<String>, String> {
    use crate::oauth::{flow, target};
    let ends = services.endpoints(conn.sandbox_url.as_deref());
    let t = target::for_credential(&conn.client, credential, &ends).await.map_err(|e| e.to_string())?;
    crate::oauth::mailbox::token_allowed(credential, &t.credential.integration_type())?;
    let account = crate::secrets::Account::RefreshToken {
        instance: conn.instance_key.clone(),
        credential: credential.to_string(),
    };
    let rt = services
        .secrets
        .get(&account)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("calsync holds no token for it in the OS keyring; sign it in again")?;
    let (secret, _) =
        target::stored_secret(services, conn.sandbox_url.is_some(), &conn.instance_key, &t.registry.client_id).await;
    let f = flow::Flow::new(&t.registry, secret.as_ref(), "http://localhost/").map_err(|e| e.to_string())?;
    let mut tokens = f.refresh(&rt, &flow::scopes_for(&t.graph_root)).await.map_err(|e| e.to_string())?;
    if tokens.refresh_token.is_none() {
        tokens.refresh_token = Some(rt);
    }
    let c = &t.credential;
    crate::oauth::handover::store(&conn.client, &c.sys_id, &c.name, c.oauth_entity_profile.id(), &t.entity_id, &tokens)
        .await
        .map_err(|e| format!("the token is in the OS keyring, but writing it to the instance failed: {e}"))
}

/// The doctor's room checks: the number of configured rooms and the findings.
pub async fn check_rooms(
    services: &Services,
    conn: &Connection,
) -> Result<(usize, Vec<crate::doctor::Finding>), String> {
    use crate::doctor::{AccountCheck, read, rooms};
    let client = &conn.client;
    let snapshot = read::read(client).await.map_err(|e| e.to_string())?;
    let r = rooms::read(client).await.map_err(|e| e.to_string())?;
    let ends = services.endpoints(conn.sandbox_url.as_deref());
    let opts = AccountCheck {
        instance_key: conn.instance_key.clone(),
        login_base: ends.login,
        graph_base: ends.graph,
        sandbox_secret: conn.sandbox_url.is_some(),
    };
    let calsync = crate::doctor::Calsync::of(&services.config);
    let mut findings = rooms::check_for(&snapshot, &r, &crate::clock::now_utc(), &calsync);
    findings.extend(rooms::graph_checks(services, client, &snapshot, &r, &opts).await);
    // Inside the wizard, checking again is a key away.
    for f in &mut findings {
        f.fix = crate::doctor::catalogue::in_the_wizard(&f.fix, &calsync);
    }
    Ok((r.configs.len(), findings))
}
