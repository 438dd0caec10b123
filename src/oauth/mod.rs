//! Get OAuth Token, done right: the authorization-code flow with PKCE on a loopback
//! listener, a check of which account signed in before anything is kept, and Entra's
//! errors in plain words.

pub mod aadsts;
pub mod browser;
pub mod delegates;
pub mod flow;
pub mod handover;
pub mod identity;
pub mod listener;
pub mod mailbox;
pub mod redirect;
pub mod session;
pub mod target;
pub mod trust;
