//! Handing a token to the instance, only when the admin asks (`--store-on-instance`):
//! the rows ServiceNow keeps for a credential's tokens (`oauth_credential`, tied to the
//! credential through `oauth_requestor_profile`). The column names are partly uncertain
//! (reference/servicenow.md §2.6) and come from `facts`.

use super::flow::Tokens;
use crate::facts;
use crate::snow::records::plain;
use crate::snow::{Instance, InstanceExt, Query, SnError};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

fn sys_id(v: &Value) -> String {
    v.get("sys_id").map(plain).unwrap_or_default()
}

/// Writes (or replaces) the access and refresh token rows of one credential; returns the
/// form links of the rows. Tokens go in a separate write that marks its values as display
/// values, which is the only way the instance saves encrypted fields. No row is left
/// claiming an expiry for a value it does not hold: a new row whose value cannot be written
/// is deleted again, and an existing row gets its new value before its new expiry.
pub async fn store(
    client: &dyn Instance,
    credential_id: &str,
    credential_name: &str,
    profile_id: &str,
    entity_id: &str,
    tokens: &Tokens,
) -> Result<Vec<String>, SnError> {
    let rq = Query::new()
        .eq("requestor_context", facts::REQUESTOR_CONTEXT_CREDENTIALS)?
        .eq("requestor_id", credential_id)?
        .eq("oauth_entity_profile", profile_id)?;
    let existing: Vec<Value> = client.list(facts::REQUESTOR_TABLE, &rq, &["sys_id"]).await?;
    let requestor = match existing.first() {
        Some(r) => sys_id(r),
        None => {
            let body = json!({
                "oauth_entity_profile": profile_id,
                "requestor_context": facts::REQUESTOR_CONTEXT_CREDENTIALS,
                "requestor_id": credential_id,
            });
            sys_id(&client.insert::<Value>(facts::REQUESTOR_TABLE, &body).await?)
        }
    };
    let now = crate::clock::now_secs();
    let access_expires = now + tokens.expires_in.map(|d| d.as_secs() as i64).unwrap_or(3600);
    // Microsoft refresh tokens last 90 days unused (reference/identity.md §5).
    let refresh_expires = now + 90 * 86_400;
    let mut rows = vec![("access_token", tokens.access_token.expose_secret().to_string(), access_expires)];
    if let Some(rt) = &tokens.refresh_token {
        rows.push(("refresh_token", rt.expose_secret().to_string(), refresh_expires));
    }
    let mut links = vec![];
    for (kind, value, expires) in rows {
        let q = Query::new().eq(facts::TOKEN_REQUESTOR_COLUMN, &requestor)?.eq(facts::TOKEN_TYPE_COLUMN, kind)?;
        let found: Vec<Value> = client.list(facts::TOKEN_TABLE, &q, &["sys_id"]).await?;
        let fields = json!({
            facts::TOKEN_TYPE_COLUMN: kind,
            facts::TOKEN_PEER_COLUMN: entity_id,
            facts::TOKEN_REQUESTOR_COLUMN: requestor,
            facts::TOKEN_EXPIRES_COLUMN: crate::clock::format_utc(expires),
            "scopes": tokens.scopes.join(" "),
            "name": credential_name,
        });
        let secret = json!({ facts::TOKEN_VALUE_COLUMN: value });
        let id = match found.first() {
            Some(r) => {
                let id = sys_id(r);
                // The value before the expiry: should the second write fail, the old token
                // keeps its own expiry instead of being given the new one's.
                client.update_encrypted::<Value>(facts::TOKEN_TABLE, &id, &secret).await?;
                client.update::<Value>(facts::TOKEN_TABLE, &id, &fields).await?;
                id
            }
            None => {
                let id = sys_id(&client.insert::<Value>(facts::TOKEN_TABLE, &fields).await?);
                if let Err(e) = client.update_encrypted::<Value>(facts::TOKEN_TABLE, &id, &secret).await {
                    // A row with an expiry and no value would pass for a live token: take it
                    // back (if that fails too, the next run finds the row and fills it).
                    let _ = client.delete(facts::TOKEN_TABLE, &id).await;
                    return Err(e);
                }
                id
            }
        };
        links.push(client.instance().form_link(facts::TOKEN_TABLE, &id));
    }
    Ok(links)
}
