//! The Table API client against the sandbox over real HTTP: decoding, the error mapper,
//! retries, and the encoded-query builder.

mod common;

use calsync::sandbox::seed;
use calsync::snow::records::{Alias, Credential, Scope};
use calsync::snow::{HtmlPage, InstanceExt, Query, QueryError, SnError};
use common::*;
use serde_json::json;

#[tokio::test]
async fn reads_typed_records_with_references() {
    let sb = sandbox().await;
    let c = client(&sb);
    let aliases: Vec<Alias> = c
        .list("sys_alias", &Query::new().eq("name", "Microsoft_Exchange_Online_PersonalAuth").unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(aliases.len(), 1);
    let parent: Alias = c.get("sys_alias", aliases[0].parent.id()).await.unwrap();
    assert_eq!(&*parent.id, "sn_ex_online_spke.Microsoft_Exchange_Online");
    let scopes: Vec<Scope> =
        c.list("sys_scope", &Query::new().eq("scope", "sn_wsd_rsvsync").unwrap(), &[]).await.unwrap();
    assert_eq!(&*scopes[0].version, "3.4.6");
    assert_eq!(&*scopes[0].sys_class_name, "sys_store_app");
}

#[tokio::test]
async fn the_wire_format_is_strings_and_reference_objects() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let get = |q: &str| {
        http.get(format!("{}/api/now/table/oauth_2_0_credentials?sysparm_query=name=MS Graph 1{q}", sb.url()))
            .basic_auth(seed::ADMIN_USER, Some(seed::ADMIN_PASSWORD))
            .header("Accept", "application/json")
            .send()
    };
    let r = get("").await.unwrap();
    assert_eq!(r.headers()["x-total-count"], "1");
    assert!(r.headers()["link"].to_str().unwrap().contains("rel=\"first\""));
    let v: serde_json::Value = r.json().await.unwrap();
    let rec = &v["result"][0];
    assert_eq!(rec["active"], "true");
    assert_eq!(rec["order"], "100");
    assert!(rec["oauth_entity_profile"]["link"].as_str().unwrap().contains("/api/now/table/oauth_entity_profile/"));
    assert_eq!(rec["tag"], "", "an empty reference is an empty string");
    let v: serde_json::Value = get("&sysparm_display_value=all").await.unwrap().json().await.unwrap();
    assert_eq!(
        v["result"][0]["oauth_entity_profile"]["display_value"],
        "Microsoft Exchange Online_clientCredentials default_profile"
    );
    // A typo in a column name is ignored, as on a real instance: every row comes back.
    let all: serde_json::Value = http
        .get(format!("{}/api/now/table/oauth_2_0_credentials?sysparm_query=nmae=nothing", sb.url()))
        .basic_auth(seed::ADMIN_USER, Some(seed::ADMIN_PASSWORD))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["result"].as_array().unwrap().len(), 2);
    // POST answers 201 with a Location.
    let r = http
        .post(format!("{}/api/now/table/sys_user_preference", sb.url()))
        .basic_auth(seed::ADMIN_USER, Some(seed::ADMIN_PASSWORD))
        .header("Accept", "application/json")
        .json(&json!({"name": "x", "value": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers()["location"].to_str().unwrap().contains("/api/now/table/sys_user_preference/"));
    // A write without a JSON body type is refused.
    let r = http
        .post(format!("{}/api/now/table/sys_alias", sb.url()))
        .basic_auth(seed::ADMIN_USER, Some(seed::ADMIN_PASSWORD))
        .header("Accept", "application/json")
        .header("Content-Type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn errors_are_mapped_to_sentences() {
    let sb = sandbox().await;
    let c = client(&sb);
    let e = c.list::<Alias>("no_such_table", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(&e, SnError::BadRequest { message, .. } if message == "Invalid table no_such_table"), "{e:?}");

    let e = client_as(&sb, "admin", "wrong").list::<Alias>("sys_alias", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(e, SnError::Unauthorized { .. }));
    assert!(e.is_access_problem());
    assert!(!e.to_string().contains("wrong"), "the password never appears in a message");

    let e = client_as(&sb, seed::VIEWER_USER, seed::VIEWER_PASSWORD)
        .list::<Alias>("sys_alias", &Query::new(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SnError::Forbidden { message, .. } if message == "Insufficient rights to query records"),
        "{e:?}"
    );

    let e = c.get::<Alias>("sys_alias", "0123456789abcdef0123456789abcdef").await.unwrap_err();
    assert!(matches!(e, SnError::NotFound { .. }));

    sb.set_hibernating(true);
    let e = c.list::<Alias>("sys_alias", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(&e, SnError::NotTableApi { page: HtmlPage::Hibernating, .. }), "{e:?}");
    assert!(e.to_string().contains("hibernating"));
}

#[tokio::test]
async fn unreachable_instances_are_named() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = calsync::urls::InstanceUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let c = calsync::snow::Client::new(url, "admin", "pw".to_string().into()).unwrap();
    let e = c.list::<Alias>("sys_alias", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(e, SnError::Unreachable { .. }), "{e:?}");
    assert!(e.is_access_problem());
}

#[tokio::test]
async fn rate_limits_and_outages_are_retried_with_retry_after() {
    let sb = sandbox().await;
    let c = client(&sb);
    sb.set_rate_limit(2, 1);
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let rows: Vec<Alias> = c.list("sys_alias", &Query::new(), &["sys_id"]).await.unwrap();
        assert!(rows.len() >= 3);
    }
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "Retry-After was honoured");
    assert!(c.requests_sent() > 3, "some requests were retried: {}", c.requests_sent());

    // A Retry-After longer than calsync accepts ends the retries with a clear error.
    sb.set_rate_limit(1, 3600);
    let e = c.list::<Alias>("sys_alias", &Query::new(), &[]).await.unwrap_err();
    assert!(matches!(e, SnError::RateLimited { retry_after: Some(3600), .. }), "{e:?}");
    sb.set_rate_limit(0, 0);

    sb.set_unavailable_every(2);
    for _ in 0..3 {
        c.list::<Alias>("sys_alias", &Query::new(), &["sys_id"]).await.unwrap();
    }
    // Writes are not retried after a 503: the instance may have run them.
    let before = sb.requests();
    let mut failures = 0;
    for i in 0..2 {
        let body = json!({"name": format!("p{i}"), "value": "v"});
        if c.insert::<serde_json::Value>("sys_user_preference", &body).await.is_err() {
            failures += 1;
        }
    }
    assert_eq!(sb.requests() - before, 2, "one request per insert");
    assert_eq!(failures, 1);
}

#[tokio::test]
async fn query_values_cannot_change_the_query() {
    let sb = sandbox().await;
    let c = client(&sb);
    let e = Query::new().eq("name", "nothing^ORname=MS Graph 1").unwrap_err();
    assert!(matches!(e, QueryError::UnsafeValue { .. }));
    // An equals sign stays inside the value, end to end.
    c.insert::<Credential>("oauth_2_0_credentials", &json!({"name": "a=b"})).await.unwrap();
    let found: Vec<Credential> =
        c.list("oauth_2_0_credentials", &Query::new().eq("name", "a=b").unwrap(), &[]).await.unwrap();
    assert_eq!(found.len(), 1);
    let none: Vec<Credential> =
        c.list("oauth_2_0_credentials", &Query::new().eq("name", "a").unwrap(), &[]).await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn aliases_take_their_scope_from_the_current_application() {
    let sb = sandbox().await;
    let c = client(&sb);
    let admin = row(&sb, "sys_user", "user_name", "admin").unwrap()["sys_id"].clone();
    let wcs = row(&sb, "sys_scope", "scope", "sn_wsd_rsvsync").unwrap()["sys_id"].clone();
    // Global first: the ID has no prefix, and a sys_scope in the body is ignored.
    let a: Alias = c.insert("sys_alias", &json!({"name": "In_Global", "sys_scope": wcs})).await.unwrap();
    assert_eq!(&*a.id, "In_Global");
    assert_eq!(a.sys_scope.id(), "global");
    c.insert::<serde_json::Value>(
        "sys_user_preference",
        &json!({"user": admin, "name": "apps.current_app", "value": wcs}),
    )
    .await
    .unwrap();
    let b: Alias = c.insert("sys_alias", &json!({"name": "In_WCS"})).await.unwrap();
    assert_eq!(&*b.id, "sn_wsd_rsvsync.In_WCS");
    // The scope cannot be changed afterwards: the PATCH is silently reverted.
    let after: Alias = c.update("sys_alias", &b.sys_id, &json!({"sys_scope": "global"})).await.unwrap();
    assert_eq!(after.sys_scope.id(), wcs);
    // Names ServiceNow rejects.
    let e = c.insert::<Alias>("sys_alias", &json!({"name": "Bad-Name"})).await.unwrap_err();
    assert!(matches!(&e, SnError::Forbidden { message, .. } if message == "Operation Failed"), "{e:?}");
}
