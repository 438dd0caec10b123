//! Saved instances ("profiles"): a name for an instance address, the admin user, how to
//! sign in, and whether calsync may write there. They live in `instances.toml` in the
//! config directory; secrets never do: passwords and tokens stay in the OS keyring.
//!
//! `--instance NAME` (or `CALSYNC_INSTANCE`) picks a profile; an address picks none, as
//! before profiles existed; with neither, the default profile is used.

use crate::snow::auth::Method;
use crate::urls::InstanceUrl;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FILE: &str = "instances.toml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// None: the probe decides (password where the instance takes one, else OAuth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<Method>,
    /// calsync's Application Registry entry on this instance, for OAuth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The loopback port the registry's redirect URL names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// apply and doctor --fix refuse to write here.
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, rename = "instance")]
    pub instances: Vec<Profile>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("{}", no_such(.name, .known))]
    NoSuchProfile { name: String, known: Vec<String> },
    #[error(
        "\"{0}\" is not a usable profile name: use letters, digits, dots, dashes and underscores (at most 40), such as prod or dev-eu"
    )]
    BadName(String),
    #[error("the profiles file {path} could not be read ({reason}); fix or delete it, then run again")]
    Unreadable { path: String, reason: String },
    #[error("the profiles file {path} could not be written ({reason}); nothing was saved")]
    Unwritable { path: String, reason: String },
    #[error("{}", read_only(.0))]
    ReadOnly(String),
}

fn no_such(name: &str, known: &[String]) -> String {
    if known.is_empty() {
        format!(
            "there is no saved instance named \"{name}\"; save one with: calsync instance add {name} --url dev123.service-now.com"
        )
    } else {
        format!(
            "there is no saved instance named \"{name}\" (saved: {}); see them with calsync instance list, or give a full address such as {name}.service-now.com",
            known.join(", ")
        )
    }
}

fn read_only(name: &str) -> String {
    format!(
        "the instance profile \"{name}\" is read-only, so calsync writes nothing there; preview with --dry-run, or allow writes with: calsync instance add {name} --writable"
    )
}

/// The platform's config directory for calsync (`CALSYNC_CONFIG_DIR` overrides it, read
/// by `config`).
pub fn default_config_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "calsync")
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("calsync"))
}

pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

/// Whether a value of `--instance` is written as an address rather than a name.
fn looks_like_address(v: &str) -> bool {
    v.contains("://") || v.contains('.') || v.contains(':')
}

impl Profiles {
    pub fn load(dir: &Path) -> Result<Profiles, ProfileError> {
        let path = dir.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| ProfileError::Unreadable { path: path.display().to_string(), reason: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
            Err(e) => Err(ProfileError::Unreadable { path: path.display().to_string(), reason: e.to_string() }),
        }
    }

    pub fn save(&self, dir: &Path) -> Result<(), ProfileError> {
        let path = dir.join(FILE);
        let fail = |e: String| ProfileError::Unwritable { path: path.display().to_string(), reason: e };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let text = toml::to_string_pretty(self).map_err(|e| fail(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(
            &tmp,
            format!("# calsync instance profiles; secrets are in the OS keyring, never here.\n{text}"),
        )
        .map_err(|e| fail(e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(|e| fail(e.to_string()))
    }

    pub fn names(&self) -> Vec<String> {
        self.instances.iter().map(|p| p.name.clone()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.instances.iter().find(|p| p.name == name)
    }

    /// The profile a command works on: the one named by `--instance`, none for an address,
    /// else the default. A bare word that names no profile is refused once profiles exist.
    pub fn select(&self, instance: Option<&str>) -> Result<Option<&Profile>, ProfileError> {
        match instance.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => {
                if let Some(p) = self.get(v) {
                    return Ok(Some(p));
                }
                if looks_like_address(v) || self.instances.is_empty() {
                    return Ok(None);
                }
                Err(ProfileError::NoSuchProfile { name: v.to_string(), known: self.names() })
            }
            None => Ok(self.default.as_deref().and_then(|d| self.get(d))),
        }
    }

    /// Adds or replaces a profile; the first one becomes the default.
    pub fn upsert(&mut self, profile: Profile) -> Result<(), ProfileError> {
        if !valid_name(&profile.name) {
            return Err(ProfileError::BadName(profile.name));
        }
        if self.default.is_none() {
            self.default = Some(profile.name.clone());
        }
        match self.instances.iter_mut().find(|p| p.name == profile.name) {
            Some(p) => *p = profile,
            None => self.instances.push(profile),
        }
        Ok(())
    }

    pub fn set_default(&mut self, name: &str) -> Result<(), ProfileError> {
        if self.get(name).is_none() {
            return Err(ProfileError::NoSuchProfile { name: name.to_string(), known: self.names() });
        }
        self.default = Some(name.to_string());
        Ok(())
    }

    pub fn remove(&mut self, name: &str) -> Result<Profile, ProfileError> {
        let i = self
            .instances
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| ProfileError::NoSuchProfile { name: name.to_string(), known: self.names() })?;
        let p = self.instances.remove(i);
        if self.default.as_deref() == Some(name) {
            self.default = self.instances.first().map(|p| p.name.clone());
        }
        Ok(p)
    }
}

impl Profile {
    pub fn instance_url(&self) -> Result<InstanceUrl, crate::urls::InstanceUrlError> {
        InstanceUrl::parse(&self.url)
    }

    /// Refuses a write on a read-only profile, before anything is sent.
    pub fn check_writable(&self) -> Result<(), ProfileError> {
        if self.read_only { Err(ProfileError::ReadOnly(self.name.clone())) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> Profile {
        Profile {
            name: name.into(),
            url: format!("https://{name}.service-now.com"),
            user: None,
            sign_in: None,
            client_id: None,
            port: None,
            read_only: false,
        }
    }

    #[test]
    fn selection_by_name_address_or_default() {
        let mut ps = Profiles::default();
        assert_eq!(ps.select(Some("dev123")).unwrap(), None, "no profiles: a bare word is an address");
        ps.upsert(p("dev")).unwrap();
        ps.upsert(p("prod")).unwrap();
        assert_eq!(ps.default.as_deref(), Some("dev"));
        assert_eq!(ps.select(None).unwrap().unwrap().name, "dev");
        assert_eq!(ps.select(Some("prod")).unwrap().unwrap().name, "prod");
        assert_eq!(ps.select(Some("dev9.service-now.com")).unwrap(), None);
        let e = ps.select(Some("test")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "there is no saved instance named \"test\" (saved: dev, prod); see them with calsync instance list, or give a full address such as test.service-now.com"
        );
    }

    #[test]
    fn names_are_checked_and_removal_moves_the_default() {
        let mut ps = Profiles::default();
        assert!(matches!(ps.upsert(p("a b")), Err(ProfileError::BadName(_))));
        ps.upsert(p("dev")).unwrap();
        ps.upsert(p("prod")).unwrap();
        ps.remove("dev").unwrap();
        assert_eq!(ps.default.as_deref(), Some("prod"));
        assert!(ps.remove("dev").is_err());
    }

    #[test]
    fn the_file_round_trips_and_holds_no_secret_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut ps = Profiles::default();
        let mut prod = p("prod");
        prod.read_only = true;
        prod.sign_in = Some(Method::Oauth);
        ps.upsert(prod).unwrap();
        ps.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(text.contains("sign_in = \"oauth\"") && !text.contains("password"), "{text}");
        assert_eq!(Profiles::load(dir.path()).unwrap(), ps);
        assert!(ps.get("prod").unwrap().check_writable().is_err());
    }
}
