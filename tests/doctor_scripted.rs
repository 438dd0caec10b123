//! The doctor's read with one table's answer chosen by a stand-in in front of the sandbox
//! (`common::instance::Faulty`): the tables some instances hide or lack (the spoke's data
//! source, the connection attributes, the WCS admin role holders) leave their part unread
//! and the read goes on; any other table refused ends the read with the instance's reason,
//! naming that table, as the one error mapper words it.

mod common;

use calsync::doctor::read::read;
use calsync::snow::{Answer, SnError};
use common::instance::{At, Fault, Faulty};
use common::*;
use serde_json::json;

fn forbidden() -> Fault {
    let body = json!({"error": {"message": "Operation Failed", "detail": "ACL Exception Read Failed"}});
    Fault::Answers(Answer::json(reqwest::StatusCode::FORBIDDEN, &body))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_optional_table_leaves_its_part_unread_and_the_read_goes_on() {
    let sb = sandbox().await;
    let whole = read(&client(&sb)).await.unwrap();
    assert!(whole.data_sources.is_some() && whole.connection_attributes.is_some() && whole.wcs_admins.is_some());
    for (table, nth) in [
        (calsync::facts::DATA_SOURCE_TABLE, 1),
        (calsync::facts::CONNECTION_ATTRIBUTE_TABLE, 1),
        // The first read of the role holders is the admin role's, the second the WCS admin's.
        ("sys_user_has_role", 2),
    ] {
        let faulty = Faulty::new(client(&sb), vec![(At::Read(table, nth), forbidden())]);
        let s = read(&faulty).await.unwrap_or_else(|e| panic!("{table}: the read goes on: {e}"));
        assert_eq!(faulty.hit().len(), 1, "{table}");
        let unread = [s.data_sources.is_none(), s.connection_attributes.is_none(), s.wcs_admins.is_none()];
        assert_eq!(unread.iter().filter(|u| **u).count(), 1, "{table}: only its part unread: {unread:?}");
        assert!(s.is_admin && s.user_found, "{table}: the rest was read");
        assert_eq!(s.aliases.len(), whole.aliases.len(), "{table}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn any_other_table_refused_ends_the_read_naming_it() {
    let sb = sandbox().await;
    for table in ["sys_alias", "http_connection", "oauth_2_0_credentials", "sys_properties", "sn_wsd_rsvsync_provider"]
    {
        let faulty = Faulty::new(client(&sb), vec![(At::Read(table, 1), forbidden())]);
        let e = read(&faulty).await.expect_err(table);
        assert!(matches!(&e, SnError::Forbidden { table: t, .. } if t == table), "{table}: {e:?}");
        let text = e.to_string();
        assert!(text.contains(table) && text.contains("ACL Exception Read Failed"), "{table}: {text}");
        assert!(!e.is_access_problem(), "{table}: a refused table is not a refused login");
    }
    for (what, fault) in [("hibernating", Fault::hibernating()), ("refused the login", Fault::unauthorized())] {
        let faulty = Faulty::new(client(&sb), vec![(At::Read("sys_scope", 1), fault)]);
        let e = read(&faulty).await.expect_err(what);
        assert!(e.to_string().contains(what) && e.is_access_problem(), "{what}: {e}");
    }
}

/// What could not be read is a NOT-CHECKED finding naming its table, never a silent pass:
/// the checks that need the hidden table say they did not look.
#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_optional_table_is_a_not_checked_finding() {
    use calsync::doctor::checks::run;
    use calsync::doctor::ids::Check;
    let sb = sandbox().await;
    let whole = run(&read(&client(&sb)).await.unwrap());
    assert!(!whole.iter().any(|f| f.id == Check::NotChecked), "everything read: {whole:#?}");
    for (table, nth) in [
        (calsync::facts::DATA_SOURCE_TABLE, 1),
        (calsync::facts::CONNECTION_ATTRIBUTE_TABLE, 1),
        ("sys_user_has_role", 2),
    ] {
        let faulty = Faulty::new(client(&sb), vec![(At::Read(table, nth), forbidden())]);
        let findings = run(&read(&faulty).await.unwrap());
        let unread: Vec<_> = findings.iter().filter(|f| f.id == Check::NotChecked).collect();
        assert_eq!(unread.len(), 1, "{table}: {findings:#?}");
        assert!(unread[0].title.starts_with("not checked: "), "{table}: {}", unread[0].title);
        assert!(unread[0].why.contains(table), "{table}: {}", unread[0].why);
    }
}
