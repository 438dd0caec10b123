//! The benchmark's instance and plan, shared by `benches/apply.rs` (which times them) and
//! `tests/round_trips.rs` (which pins their request counts), so both measure the same work:
//! `n` delegated mailboxes in personal mode, each with its own alias, credential,
//! connection, calendar provider and two rooms.

use calsync::sandbox::Sandbox;
use std::collections::BTreeMap;

/// The two rooms of mailbox `i`: (location, room mailbox).
pub fn rooms(i: usize) -> [(String, String); 2] {
    ["a", "b"].map(|r| (format!("Room {i:02}{r}"), format!("room-{i:02}{r}@contoso.com")))
}

/// The rooms' locations, as Workplace Service Delivery has them before calsync runs.
pub fn add_spaces(sb: &Sandbox, n: usize) {
    sb.with_store(|s| {
        for i in 0..n {
            for (name, email) in rooms(i) {
                s.rows.push(BTreeMap::from([
                    ("sys_id".to_string(), calsync::sandbox::store::new_sys_id()),
                    ("sys_class_name".to_string(), calsync::facts::SPACE_TABLE.to_string()),
                    ("name".to_string(), name),
                    (calsync::facts::SPACE_EMAIL_COLUMN.to_string(), email),
                ]));
            }
        }
    });
}

/// The benchmark's plan: personal mode, `n` delegated mailboxes with two rooms each.
pub fn mailboxes(n: usize) -> String {
    let mut t = String::from("mode = \"personal\"\n");
    for i in 0..n {
        for (location, email) in rooms(i) {
            t += &format!("[[room]]\nlocation = \"{location}\"\nemail = \"{email}\"\nprovider = \"Rooms {i:02}\"\n\n");
        }
        t += &format!(
            "[[alias]]\nname = \"Rooms_{i:02}\"\n\n\
             [[credential]]\nname = \"Rooms {i:02}\"\nprofile = \"Microsoft Exchange Online_personalAuth default profile\"\ndelegated_user = \"rooms-{i:02}@contoso.com\"\n\n\
             [[connection]]\nname = \"Rooms {i:02}\"\nalias = \"Rooms_{i:02}\"\ncredential = \"Rooms {i:02}\"\n\n\
             [[provider]]\nname = \"Rooms {i:02}\"\nalias = \"Rooms_{i:02}\"\ndelegated_user = \"rooms-{i:02}@contoso.com\"\n\n"
        );
    }
    t
}
