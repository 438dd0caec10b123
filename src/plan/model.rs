//! The plan file: the whole desired setup in TOML, checked before anything is read from
//! the instance. Every error names the line and the field.

use crate::facts;
use crate::urls::check_graph_url;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use toml::Spanned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Normal,
    Strict,
    Personal,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "normal" => Some(Mode::Normal),
            "strict" => Some(Mode::Strict),
            "personal" | "personal authentication" | "personal_authentication" => Some(Mode::Personal),
            _ => None,
        }
    }

    /// The application records of this mode are written in (seeds 000-003).
    pub fn scope(self) -> &'static str {
        match self {
            Mode::Personal => facts::WCS_SCOPE,
            Mode::Normal | Mode::Strict => facts::SPOKE_SCOPE,
        }
    }

    pub fn grant_type(self) -> &'static str {
        match self {
            Mode::Normal => facts::GRANT_CLIENT_CREDENTIALS,
            Mode::Strict | Mode::Personal => facts::GRANT_AUTH_CODE,
        }
    }

    /// The fallback spelling of the property value when the record has no `choices`.
    pub fn property_value(self) -> &'static str {
        match self {
            Mode::Normal => facts::MODE_VALUE_NORMAL,
            Mode::Strict => facts::MODE_VALUE_STRICT,
            Mode::Personal => facts::MODE_VALUE_PERSONAL,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Strict => "strict",
            Mode::Personal => "personal",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AliasSpec {
    pub name: String,
    pub parent: String,
    /// The default retry policy, by name; it must honour Retry-After (reference §4).
    pub retry_policy: String,
    #[serde(skip)]
    pub line: usize,
}

/// A calendar provider (`sn_wsd_rsvsync_provider`), one per delegated mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderSpec {
    pub name: String,
    /// The own alias it overrides to (name or ID); none means the default alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegated_user: Option<String>,
    pub active: bool,
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialSpec {
    pub name: String,
    pub profile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegated_user: Option<String>,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_type: Option<String>,
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionSpec {
    pub name: String,
    pub alias: String,
    pub credential: String,
    pub url: String,
    pub active: bool,
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub mode: Mode,
    #[serde(rename = "alias", skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<AliasSpec>,
    #[serde(rename = "credential", skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<CredentialSpec>,
    #[serde(rename = "connection", skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<ConnectionSpec>,
    #[serde(rename = "provider", skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderSpec>,
    /// Other WCS system properties, full name to value (the mode property follows `mode`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub properties: std::collections::BTreeMap<String, String>,
    /// Rooms that sync, one Reservable Sync Configuration each (`src/plan/rooms.rs`).
    #[serde(rename = "room", skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<super::rooms::RoomSpec>,
}

/// A mistake in a plan, where it is; with the plan's other mistakes, so one run names
/// them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
    /// The plan's other mistakes, in the order of their lines (none of their own).
    pub more: Vec<PlanError>,
}

impl std::fmt::Display for PlanError {
    /// One line per mistake: `file:line: field: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.all().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: {}: {}", e.file, e.line, e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

impl PlanError {
    /// This mistake and the others, first line first.
    pub fn all(&self) -> impl Iterator<Item = &PlanError> {
        std::iter::once(self).chain(self.more.iter())
    }

    /// The mistakes as one error, in the order of their lines; None when there are none.
    fn gather(errors: Vec<PlanError>) -> Option<PlanError> {
        let mut flat: Vec<PlanError> = errors
            .into_iter()
            .flat_map(|mut e| {
                let more = std::mem::take(&mut e.more);
                std::iter::once(e).chain(more)
            })
            .collect();
        flat.sort_by_key(|e| e.line);
        if flat.len() > MAX_MISTAKES_SHOWN {
            let hidden = flat.split_off(MAX_MISTAKES_SHOWN);
            flat.push(PlanError {
                file: hidden[0].file.clone(),
                line: hidden[0].line,
                field: "plan".into(),
                message: format!(
                    "and {} more mistakes from this line on; fix the ones above and run again",
                    hidden.len()
                ),
                more: vec![],
            });
        }
        if flat.is_empty() {
            return None;
        }
        let mut first = flat.remove(0);
        first.more = flat;
        Some(first)
    }
}

/// A plan's mistakes are all named, up to this many lines.
const MAX_MISTAKES_SHOWN: usize = 20;

/// The records of one kind that passed their checks, and the mistakes of the others.
pub(super) type Checked<T> = (Vec<T>, Vec<PlanError>);

/// Checks each record on its own, so one mistake does not hide the next.
pub(super) fn each<R, T>(raw: &[R], mut check: impl FnMut(&R) -> Result<T, PlanError>) -> Checked<T> {
    let (mut ok, mut mistakes) = (Vec::new(), Vec::new());
    for r in raw {
        match check(r) {
            Ok(t) => ok.push(t),
            Err(e) => mistakes.push(e),
        }
    }
    (ok, mistakes)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    mode: Spanned<String>,
    #[serde(default)]
    alias: Vec<Spanned<RawAlias>>,
    #[serde(default)]
    credential: Vec<Spanned<RawCredential>>,
    #[serde(default)]
    connection: Vec<Spanned<RawConnection>>,
    #[serde(default)]
    provider: Vec<Spanned<RawProvider>>,
    #[serde(default)]
    properties: Option<Spanned<std::collections::BTreeMap<String, toml::Value>>>,
    #[serde(default)]
    room: Vec<Spanned<super::rooms::RawRoom>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: Spanned<String>,
    alias: Option<Spanned<String>>,
    delegated_user: Option<Spanned<String>>,
    active: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlias {
    name: Spanned<String>,
    parent: Option<Spanned<String>>,
    retry_policy: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredential {
    name: Spanned<String>,
    profile: Spanned<String>,
    delegated_user: Option<Spanned<String>>,
    active: Option<bool>,
    applies_to: Option<Spanned<String>>,
    order: Option<Spanned<i64>>,
    integration_type: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    name: Spanned<String>,
    alias: Spanned<String>,
    credential: Spanned<String>,
    url: Option<Spanned<String>>,
    active: Option<bool>,
}

/// The largest plan file calsync reads; a setup's plan is a few kilobytes.
pub const MAX_PLAN_BYTES: u64 = 1 << 20;
/// The most records of one kind a plan may list. Each kind is read back from the instance
/// in one query whose URL names every record, and instances refuse very long URLs.
pub const MAX_RECORDS_PER_KIND: usize = 200;

/// Reads a plan file, refusing one larger than [`MAX_PLAN_BYTES`] without reading the
/// rest (a device such as /dev/zero never ends).
pub fn read_file(path: &std::path::Path) -> Result<String, PlanError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let fail =
        |message: String| PlanError { file: shown.clone(), line: 1, field: "plan".into(), message, more: vec![] };
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read the plan: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_PLAN_BYTES + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read the plan: {e}")))?;
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return Err(fail(format!(
            "the plan is larger than {} KiB; a plan lists the few records of one setup. Check that this is the plan file",
            MAX_PLAN_BYTES >> 10
        )));
    }
    String::from_utf8(bytes).map_err(|_| fail("the plan is not UTF-8 text; save it as UTF-8 TOML".into()))
}

struct Ctx<'a> {
    file: &'a str,
    /// Byte offsets of every line break, for line numbers in O(log n).
    breaks: Vec<usize>,
}

impl<'a> Ctx<'a> {
    fn new(file: &'a str, text: &str) -> Self {
        Ctx { file, breaks: text.match_indices('\n').map(|(i, _)| i).collect() }
    }
    fn line(&self, offset: usize) -> usize {
        self.breaks.partition_point(|&b| b < offset) + 1
    }
    fn mistake(&self, span: std::ops::Range<usize>, field: &str, message: impl Into<String>) -> PlanError {
        PlanError {
            file: self.file.to_string(),
            line: self.line(span.start),
            field: field.to_string(),
            message: crate::sanitize::line(&message.into()),
            more: vec![],
        }
    }
    fn err<T>(&self, span: std::ops::Range<usize>, field: &str, message: impl Into<String>) -> Result<T, PlanError> {
        Err(self.mistake(span, field, message))
    }
    fn too_many(&self, kind: &str, count: usize) -> PlanError {
        self.mistake(
            0..1,
            kind,
            format!(
                "the plan lists {count} {kind} records; at most {MAX_RECORDS_PER_KIND} are accepted (a setup has one per delegated mailbox). Split it into several plans"
            ),
        )
    }
}

/// Letters, digits and underscores only, as ServiceNow requires of alias names.
pub fn valid_alias_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 80 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A record name that can be looked up safely and reads well in a form.
fn check_record_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the name is empty".into());
    }
    if name.trim() != name {
        return Err(format!("\"{name}\" has spaces at its start or end"));
    }
    if name.contains('^') || name.chars().any(char::is_control) {
        return Err(format!(
            "\"{}\" contains a caret or a line break; ServiceNow queries cannot match it safely",
            name.escape_debug()
        ));
    }
    if name.chars().count() > 100 {
        return Err("the name is longer than 100 characters".into());
    }
    Ok(())
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(u), Some(d), None) if !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !s.contains(char::is_whitespace))
}

/// An alias given by name or by ID (`scope.Name`).
fn valid_alias_ref(v: &str) -> bool {
    match v.split_once('.') {
        Some((scope, rest)) => !scope.is_empty() && valid_alias_name(rest),
        None => valid_alias_name(v),
    }
}

pub fn parse(file: &str, text: &str) -> Result<Plan, PlanError> {
    let ctx = Ctx::new(file, text);
    let raw: RawPlan = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| ctx.line(s.start)).unwrap_or(1);
        let message = crate::sanitize::line(e.message().trim());
        let field = if message.contains("unknown field") { "plan" } else { "toml" };
        PlanError { file: file.to_string(), line, field: field.to_string(), message, more: vec![] }
    })?;
    let Some(mode) = Mode::parse(raw.mode.get_ref()) else {
        return ctx.err(
            raw.mode.span(),
            "mode",
            format!("unknown mode \"{}\"; use normal, strict or personal", raw.mode.get_ref()),
        );
    };
    // Every record is checked, and every mistake named in one run.
    let (aliases, mut mistakes) = aliases(&ctx, mode, &raw.alias);
    let (credentials, m) = credentials(&ctx, mode, &raw.credential);
    mistakes.extend(m);
    let (connections, m) = connections(&ctx, &raw.connection);
    mistakes.extend(m);
    let (providers, m) = providers(&ctx, mode, &raw.provider, &connections, &credentials);
    mistakes.extend(m);
    let (properties, m) = properties(&ctx, raw.properties.as_ref());
    mistakes.extend(m);
    // Checked after the records themselves (each check is linear), so a mistake in the
    // first records is named even in a plan that is too long.
    for (kind, count) in [
        ("[[alias]]", raw.alias.len()),
        ("[[credential]]", raw.credential.len()),
        ("[[connection]]", raw.connection.len()),
        ("[[provider]]", raw.provider.len()),
    ] {
        if count > MAX_RECORDS_PER_KIND {
            mistakes.push(ctx.too_many(kind, count));
        }
    }
    // Rooms are counted before their own checks, which number lines from the start.
    let rooms = if raw.room.len() > MAX_RECORDS_PER_KIND {
        mistakes.push(ctx.too_many("[[room]]", raw.room.len()));
        vec![]
    } else {
        let (rooms, m) = super::rooms::parse(file, text, &raw.room, &providers);
        mistakes.extend(m);
        rooms
    };
    if let Some(e) = PlanError::gather(mistakes) {
        return Err(e);
    }
    Ok(Plan { mode, aliases, credentials, connections, providers, properties, rooms })
}

fn aliases(ctx: &Ctx, mode: Mode, raw: &[Spanned<RawAlias>]) -> Checked<AliasSpec> {
    let mut seen = HashSet::new();
    each(raw, |a| {
        let a_ref = a.get_ref();
        let name = a_ref.name.get_ref().clone();
        if !valid_alias_name(&name) {
            return ctx.err(a_ref.name.span(), "[[alias]] name", format!("\"{name}\" is not a valid alias name: use letters, digits and underscores only (for example Contoso_Graph_Personal)"));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return ctx.err(a_ref.name.span(), "[[alias]] name", format!("the alias \"{name}\" is listed twice"));
        }
        let parent = match &a_ref.parent {
            Some(p) => {
                let v = p.get_ref().trim().to_string();
                if v != facts::SPOKE_ALIAS_ID {
                    return ctx.err(
                        p.span(),
                        "[[alias]] parent",
                        format!("an override alias must be a child of {}, not \"{v}\"", facts::SPOKE_ALIAS_ID),
                    );
                }
                v
            }
            None => facts::SPOKE_ALIAS_ID.to_string(),
        };
        if mode == Mode::Normal {
            return ctx.err(a_ref.name.span(), "[[alias]]", "own aliases are for strict and personal modes, where each delegated mailbox needs its own token; normal mode uses the spoke's aliases");
        }
        let retry_policy = match &a_ref.retry_policy {
            Some(r) => {
                if let Err(m) = check_record_name(r.get_ref()) {
                    return ctx.err(r.span(), "[[alias]] retry_policy", m);
                }
                r.get_ref().clone()
            }
            None => facts::RETRY_POLICY_NAME.to_string(),
        };
        Ok(AliasSpec { name, parent, retry_policy, line: ctx.line(a.span().start) })
    })
}

fn credentials(ctx: &Ctx, mode: Mode, raw: &[Spanned<RawCredential>]) -> Checked<CredentialSpec> {
    let mut seen = HashSet::new();
    each(raw, |c| {
        let c_ref = c.get_ref();
        let name = c_ref.name.get_ref().clone();
        if let Err(m) = check_record_name(&name) {
            return ctx.err(c_ref.name.span(), "[[credential]] name", m);
        }
        if !seen.insert(name.clone()) {
            return ctx.err(
                c_ref.name.span(),
                "[[credential]] name",
                format!("the credential \"{name}\" is listed twice"),
            );
        }
        let profile = c_ref.profile.get_ref().clone();
        if let Err(m) = check_record_name(&profile) {
            return ctx.err(c_ref.profile.span(), "[[credential]] profile", m);
        }
        let delegated_user = match &c_ref.delegated_user {
            Some(d) => {
                let v = d.get_ref().trim().to_string();
                if !looks_like_email(&v) {
                    return ctx.err(d.span(), "[[credential]] delegated_user", format!("\"{v}\" is not an email address; give the delegated mailbox, such as rooms-delegate@contoso.com"));
                }
                if mode == Mode::Normal {
                    return ctx.err(d.span(), "[[credential]] delegated_user", "normal mode uses client credentials and no delegated user; remove delegated_user or choose strict or personal mode");
                }
                Some(v)
            }
            None if mode != Mode::Normal => {
                return ctx.err(c_ref.name.span(), "[[credential]] delegated_user", format!("{mode} mode needs the delegated mailbox that Get OAuth Token must sign in as; add delegated_user = \"...\""));
            }
            None => None,
        };
        let applies_to = match &c_ref.applies_to {
            Some(a) if !["all", "specific"].contains(&a.get_ref().as_str()) => {
                return ctx.err(
                    a.span(),
                    "[[credential]] applies_to",
                    format!("\"{}\" is not a choice; use \"all\" (all MID Servers) or \"specific\"", a.get_ref()),
                );
            }
            a => a.as_ref().map(|a| a.get_ref().clone()),
        };
        let order = match &c_ref.order {
            Some(o) if *o.get_ref() < 0 => {
                return ctx.err(o.span(), "[[credential]] order", "the order must be zero or more");
            }
            o => o.as_ref().map(|o| *o.get_ref()),
        };
        let integration_type = match &c_ref.integration_type {
            Some(t) if !["system", "personal"].contains(&t.get_ref().as_str()) => {
                return ctx.err(
                    t.span(),
                    "[[credential]] integration_type",
                    format!("\"{}\" is not a choice; use \"system\" or \"personal\"", t.get_ref()),
                );
            }
            t => t.as_ref().map(|t| t.get_ref().clone()),
        };
        Ok(CredentialSpec {
            name,
            profile,
            delegated_user,
            active: c_ref.active.unwrap_or(true),
            applies_to,
            order,
            integration_type,
            line: ctx.line(c.span().start),
        })
    })
}

fn connections(ctx: &Ctx, raw: &[Spanned<RawConnection>]) -> Checked<ConnectionSpec> {
    let mut seen = HashSet::new();
    each(raw, |n| {
        let n_ref = n.get_ref();
        let name = n_ref.name.get_ref().clone();
        if let Err(m) = check_record_name(&name) {
            return ctx.err(n_ref.name.span(), "[[connection]] name", m);
        }
        if !seen.insert(name.clone()) {
            return ctx.err(
                n_ref.name.span(),
                "[[connection]] name",
                format!("the connection \"{name}\" is listed twice (connection names are unique on the instance)"),
            );
        }
        let alias = n_ref.alias.get_ref().trim().to_string();
        if !valid_alias_ref(&alias) {
            return ctx.err(
                n_ref.alias.span(),
                "[[connection]] alias",
                format!(
                    "\"{alias}\" is neither an alias name (letters, digits, underscores) nor an alias ID such as {}",
                    facts::SPOKE_ALIAS_ID
                ),
            );
        }
        let credential = n_ref.credential.get_ref().clone();
        if let Err(m) = check_record_name(&credential) {
            return ctx.err(n_ref.credential.span(), "[[connection]] credential", m);
        }
        let url = match &n_ref.url {
            Some(u) => {
                if let Err(p) = check_graph_url(u.get_ref()) {
                    return ctx.err(u.span(), "[[connection]] url", p.to_string());
                }
                u.get_ref().clone()
            }
            None => facts::CLOUDS[0].graph_root.to_string(),
        };
        Ok(ConnectionSpec {
            name,
            alias,
            credential,
            url,
            active: n_ref.active.unwrap_or(true),
            line: ctx.line(n.span().start),
        })
    })
}

fn providers(
    ctx: &Ctx,
    mode: Mode,
    raw: &[Spanned<RawProvider>],
    connections: &[ConnectionSpec],
    credentials: &[CredentialSpec],
) -> Checked<ProviderSpec> {
    // Lookups by alias and by credential name, built once, so checking each provider
    // against its credential's mailbox stays linear in the size of the plan.
    let mut conn_by_alias: HashMap<&str, &ConnectionSpec> = HashMap::new();
    for c in connections {
        conn_by_alias.entry(c.alias.as_str()).or_insert(c);
    }
    let cred_by_name: HashMap<&str, &CredentialSpec> = credentials.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut seen = HashSet::new();
    each(raw, |p| {
        let p_ref = p.get_ref();
        let name = p_ref.name.get_ref().clone();
        if let Err(m) = check_record_name(&name) {
            return ctx.err(p_ref.name.span(), "[[provider]] name", m);
        }
        if !seen.insert(name.clone()) {
            return ctx.err(p_ref.name.span(), "[[provider]] name", format!("the provider \"{name}\" is listed twice"));
        }
        let alias = match &p_ref.alias {
            Some(a) => {
                let v = a.get_ref().trim().to_string();
                if !valid_alias_ref(&v) {
                    return ctx.err(
                        a.span(),
                        "[[provider]] alias",
                        format!("\"{v}\" is neither an alias name nor an alias ID"),
                    );
                }
                Some(v)
            }
            None => None,
        };
        let delegated_user = match &p_ref.delegated_user {
            Some(d) => {
                let v = d.get_ref().trim().to_string();
                if !looks_like_email(&v) {
                    return ctx.err(
                        d.span(),
                        "[[provider]] delegated_user",
                        format!("\"{v}\" is not an email address"),
                    );
                }
                if mode == Mode::Normal {
                    return ctx.err(
                        d.span(),
                        "[[provider]] delegated_user",
                        "normal mode has no delegated user; remove it",
                    );
                }
                // It must be the account the alias's credential is signed in as.
                let cred_user = alias.as_deref().and_then(|a| {
                    let short = a.rsplit('.').next().unwrap_or(a);
                    let conn = conn_by_alias.get(a).or_else(|| conn_by_alias.get(short))?;
                    cred_by_name.get(conn.credential.as_str())?.delegated_user.clone()
                });
                if let Some(cu) = cred_user
                    && !cu.eq_ignore_ascii_case(&v)
                {
                    return ctx.err(d.span(), "[[provider]] delegated_user", format!("\"{v}\" differs from {cu}, the delegated user of the credential on alias {}; they must be the same mailbox", alias.clone().unwrap_or_default()));
                }
                Some(v)
            }
            None if mode != Mode::Normal && p_ref.active.unwrap_or(true) => {
                return ctx.err(
                    p_ref.name.span(),
                    "[[provider]] delegated_user",
                    format!("{mode} mode needs the provider's delegated mailbox; add delegated_user = \"...\""),
                );
            }
            None => None,
        };
        Ok(ProviderSpec {
            name,
            alias,
            delegated_user,
            active: p_ref.active.unwrap_or(true),
            line: ctx.line(p.span().start),
        })
    })
}

type RawProperties = Spanned<std::collections::BTreeMap<String, toml::Value>>;

fn properties(ctx: &Ctx, raw: Option<&RawProperties>) -> (std::collections::BTreeMap<String, String>, Vec<PlanError>) {
    let Some(props) = raw else { return Default::default() };
    let entries: Vec<(&String, &toml::Value)> = props.get_ref().iter().collect();
    let (values, mistakes) = each(&entries, |&(k, v)| {
        let name = if k.contains('.') { k.clone() } else { format!("{}.{k}", facts::WCS_SCOPE) };
        if name == facts::MODE_PROPERTY {
            return ctx.err(props.span(), "[properties]", format!("{name} follows `mode`; set mode = \"...\" instead"));
        }
        if !facts::WCS_PROPERTIES.iter().any(|(n, ..)| *n == name) {
            let known: Vec<&str> =
                facts::WCS_PROPERTIES.iter().map(|(n, ..)| n.trim_start_matches("sn_wsd_rsvsync.")).collect();
            return ctx.err(
                props.span(),
                "[properties]",
                format!("{k} is not a property calsync sets; use one of {}", known.join(", ")),
            );
        }
        let value = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return ctx.err(
                    props.span(),
                    "[properties]",
                    format!("{k} must be a string, a whole number or true/false"),
                );
            }
        };
        if let Some(problem) = property_problem(facts::wcs_property_kind(&name), &[], &value)
            .or_else(|| property_range_problem(&name, &value))
        {
            return ctx.err(props.span(), "[properties]", format!("{k} = {value:?}: {problem}"));
        }
        Ok((name, value))
    });
    (values.into_iter().collect(), mistakes)
}

/// What is wrong with `value` for a system property of this `sys_properties.type` and
/// these choices (stored values, empty when the record offers none); None when it fits.
/// Plans, the review and the wizard's editor all ask here.
pub fn property_problem(kind: &str, choices: &[String], value: &str) -> Option<String> {
    if value.contains('^') || value.chars().any(char::is_control) {
        return Some("a value cannot contain a caret or a line break".into());
    }
    if !choices.is_empty() && !choices.iter().any(|c| c == value) {
        return Some(format!("not one of the values this property offers; use one of {}", choices.join(", ")));
    }
    match kind {
        "boolean" if value != "true" && value != "false" => Some("this property is true or false".into()),
        "integer" if value.parse::<i64>().is_err() => Some("this property is a whole number, like 10".into()),
        _ => None,
    }
}

/// What is wrong with a whole-number `value` for the property `name` beyond its type: a
/// count (`..._count`: retries) or an interval (`..._interval`) cannot be negative. [likely:
/// a negative number of retries or minutes has no meaning; a time limit such as
/// `exchange_callback_time_limit`, documented as -18000, may be negative.] Plans and the
/// wizard's editor ask here.
pub fn property_range_problem(name: &str, value: &str) -> Option<String> {
    let counts = name.ends_with("_count") || name.ends_with("_interval");
    match value.trim().parse::<i64>() {
        Ok(n) if counts && n < 0 => Some(
            "this property counts (retries, minutes), so it cannot be negative: a whole number of 0 or more, like 10"
                .into(),
        ),
        _ => None,
    }
}

impl Plan {
    /// The plan as a TOML file, for "save as plan".
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
mode = "personal"

[[alias]]
name = "Contoso_Graph_Personal"
parent = "sn_ex_online_spke.Microsoft_Exchange_Online"

[[credential]]
name = "Contoso Graph Personal"
profile = "Microsoft Exchange Online_personalAuth default profile"
delegated_user = "rooms-delegate@contoso.com"
active = true
applies_to = "all"
order = 100

[[connection]]
name = "Contoso Graph Personal"
alias = "Contoso_Graph_Personal"
credential = "Contoso Graph Personal"
url = "https://graph.microsoft.com"
"#;

    #[test]
    fn parses_the_design_example_and_round_trips() {
        let p = parse("p.toml", GOOD).unwrap();
        assert_eq!(p.mode, Mode::Personal);
        assert_eq!(p.aliases[0].line, 4);
        assert_eq!(p.connections[0].url, "https://graph.microsoft.com");
        let again = parse("again.toml", &p.to_toml()).unwrap();
        assert_eq!(again.credentials[0].delegated_user, p.credentials[0].delegated_user);
        assert_eq!(
            again.connections,
            p.connections
                .iter()
                .map(|c| ConnectionSpec { line: again.connections[0].line, ..c.clone() })
                .collect::<Vec<_>>()
        );
    }

    fn err(text: &str) -> PlanError {
        parse("p.toml", text).unwrap_err()
    }

    #[test]
    fn every_mistake_is_named_up_to_twenty_lines() {
        let mut text = String::from("mode = \"personal\"\n");
        for i in 0..30 {
            text.push_str(&format!("[[credential]]\nname = \"C{i}\"\nprofile = \"P\"\ndelegated_user = \"d{i}\"\n"));
        }
        let e = err(&text);
        let lines: Vec<String> = e.to_string().lines().map(String::from).collect();
        assert_eq!(lines.len(), MAX_MISTAKES_SHOWN + 1, "{e}");
        assert!(lines[0].starts_with("p.toml:5: [[credential]] delegated_user: \"d0\""), "{e}");
        assert!(lines[19].starts_with("p.toml:81: [[credential]] delegated_user: \"d19\""), "{e}");
        assert_eq!(
            lines[20],
            "p.toml:85: plan: and 10 more mistakes from this line on; fix the ones above and run again"
        );
    }

    #[test]
    fn mistakes_name_line_and_field() {
        let e = err(&GOOD.replace("\"personal\"", "\"strictest\""));
        assert_eq!((e.line, e.field.as_str()), (2, "mode"));
        let e = err(&GOOD.replace("name = \"Contoso_Graph_Personal\"", "name = \"Contoso Graph-Personal\""));
        assert_eq!((e.line, e.field.as_str()), (5, "[[alias]] name"));
        assert!(e.message.contains("letters, digits and underscores"));
        let e =
            err(&GOOD.replace("url = \"https://graph.microsoft.com\"", "url = \"https://graph.microsoft.com/v1.0\""));
        assert_eq!((e.line, e.field.as_str()), (20, "[[connection]] url"));
        let e = err(&GOOD.replace(
            "url = \"https://graph.microsoft.com\"",
            "url = \"https://graph.microsoft.comhttps://graph.microsoft.com\"",
        ));
        assert!(e.message.contains("repeats the host"));
        let e = err(&GOOD.replace("url = \"https://graph.microsoft.com\"", "url = \"http://graph.microsoft.com\""));
        assert!(e.message.contains("https"));
        let e = err(&format!(
            "{GOOD}\n[[connection]]\nname = \"Contoso Graph Personal\"\nalias = \"A\"\ncredential = \"B\"\n"
        ));
        assert!(e.message.contains("listed twice"), "{e}");
        assert_eq!(e.line, 23);
        let e = err(
            &GOOD.replace("delegated_user = \"rooms-delegate@contoso.com\"", "delegated_user = \"rooms-delegate\"")
        );
        assert_eq!(e.field, "[[credential]] delegated_user");
        let e = err(&GOOD.replace("order = 100", "order = \"high\""));
        assert_eq!(e.line, 14);
        let e = err(&GOOD.replace("order = 100", "colour = 1"));
        assert!(e.message.contains("unknown field"), "{e}");
        let e = err("mode = ");
        assert_eq!(e.field, "toml");
        let e = err("mode = \"normal\"\n[properties]\nuse_user_default_tz = \"maybe\"\n");
        assert!(e.message.contains("true or false"), "{e}");
        let e = err("mode = \"normal\"\n[properties]\nmax_event_retry_count = \"ten\"\n");
        assert!(e.message.contains("whole number"), "{e}");
        assert!(parse("p", "mode = \"normal\"\n[properties]\nuse_user_default_tz = true\n").is_ok());
        assert_eq!(
            property_problem("string", &["building".into(), "user".into()], "venue")
                .map(|p| p.contains("building, user")),
            Some(true)
        );
        assert_eq!(property_problem("string", &["building".into(), "user".into()], "user"), None);
        let e = err("mode = \"normal\"\n[properties]\nmax_event_retry_count = -5\n");
        assert!(e.message.contains("cannot be negative"), "{e}");
        let e = err("mode = \"normal\"\n[properties]\noutlook_event_sync_interval = \"-1\"\n");
        assert!(e.message.contains("cannot be negative"), "{e}");
        assert!(parse("p", "mode = \"normal\"\n[properties]\nexchange_callback_time_limit = -18000\n").is_ok());
        assert!(parse("p", "mode = \"normal\"\n[properties]\nmax_event_retry_count = 0\n").is_ok());
        let e = err("mode = \"normal\"\n[properties]\nshoe_size = 44\n");
        assert!(e.message.contains("use_default_tz"), "{e}");
        let e = err("mode = \"normal\"\n[properties]\nsync_integration_mode = \"Strict\"\n");
        assert!(e.message.contains("follows `mode`"), "{e}");
        let p = parse("p", "mode = \"normal\"\n[properties]\nuse_default_tz = \"user\"\nmax_event_retry_count = 5\n")
            .unwrap();
        assert_eq!(p.properties["sn_wsd_rsvsync.max_event_retry_count"], "5");
        let e =
            err(&GOOD.replace("name = \"Contoso Graph Personal\"\nprofile", "name = \"x^ORname=MS Graph 1\"\nprofile"));
        assert!(e.message.contains("caret"), "{e}");
    }

    /// A plan with `n` credentials, connections and providers that all check out.
    fn many(n: usize) -> String {
        let mut t = String::from("mode = \"strict\"\n");
        for i in 0..n {
            t.push_str(&format!(
                "[[credential]]\nname = \"C{i}\"\nprofile = \"P\"\ndelegated_user = \"d{i}@contoso.com\"\n\
                 [[connection]]\nname = \"N{i}\"\nalias = \"A{i}\"\ncredential = \"C{i}\"\n\
                 [[provider]]\nname = \"R{i}\"\nalias = \"A{i}\"\ndelegated_user = \"d{i}@contoso.com\"\n"
            ));
        }
        t
    }

    #[test]
    fn a_long_plan_is_checked_in_one_pass_and_refused_as_a_plan_error() {
        // 16,000 records of each kind: every provider is matched to its credential's
        // mailbox and every record gets its line number, then the count is refused. (The
        // checks were quadratic: this took 8.5 s, and 200,000 did not end in 120 s.)
        let e = parse("big.toml", &many(16_000)).unwrap_err();
        assert_eq!(e.field, "[[credential]]", "{e}");
        assert!(e.message.contains("16000 [[credential]] records; at most 200"), "{e}");
        // The mismatch check still sees the right credential at the end of a long plan.
        let mut t = many(150);
        t.push_str("[[provider]]\nname = \"Last\"\nalias = \"A149\"\ndelegated_user = \"other@contoso.com\"\n");
        let e = parse("p.toml", &t).unwrap_err();
        assert!(e.message.contains("differs from d149@contoso.com"), "{e}");
        assert_eq!(e.line, t.lines().count());
    }

    #[test]
    fn plan_files_are_read_up_to_a_cap() {
        let e = read_file(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(e.message.contains("larger than 1024 KiB"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, GOOD).unwrap();
        assert_eq!(read_file(&p).unwrap(), GOOD);
        std::fs::write(&p, [0xffu8, 0xfe]).unwrap();
        assert!(read_file(&p).unwrap_err().message.contains("UTF-8"));
    }

    #[test]
    fn mode_rules() {
        let normal =
            "mode = \"normal\"\n[[credential]]\nname = \"MS Graph 1\"\nprofile = \"p\"\ndelegated_user = \"a@b.com\"\n";
        assert!(err(normal).message.contains("normal mode"));
        let strict = "mode = \"strict\"\n[[credential]]\nname = \"MS Graph 1\"\nprofile = \"p\"\n";
        assert!(err(strict).message.contains("delegated"));
    }
}
