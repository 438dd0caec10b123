//! Every check the doctor runs, as one enum: its stable id (what `--json`, the README's
//! scan table and the tests name) and the sentence saying why the finding breaks
//! synchronization. Titles and fixes carry the record's own values, so they are functions
//! with parameters, in `catalogue`; the reasons are all here.
//!
//! To add a check: one line in the table below, its title and fix in `catalogue`, then the
//! check in its area's file.

use serde::{Serialize, Serializer};

macro_rules! checks {
    ($($variant:ident = $id:literal => $why:literal,)*) => {
        /// One check of the doctor.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Check {
            $($variant,)*
        }

        impl Check {
            /// Every check, in the order of the table.
            pub const ALL: &[Check] = &[$(Check::$variant,)*];

            /// The stable id, e.g. `CONN-URL`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Check::$variant => $id,)*
                }
            }

            /// Why a finding of this check breaks synchronization (where it depends on
            /// nothing but the check).
            pub fn why(self) -> &'static str {
                match self {
                    $(Check::$variant => $why,)*
                }
            }
        }
    };
}

checks! {
    // The user running the doctor.
    UserNotAdmin = "USER-NOT-ADMIN" => "The setup's records (aliases, credentials, connections, properties) need admin to be read and changed; some checks may be incomplete.",
    RoleWcsAdmin = "ROLE-WCS-ADMIN" => "ServiceNow's own Instance Scan of this product needs the role sn_wsd_rsvsync.admin, and failed subscription renewals are reported only to users who hold it.",
    DictionaryGuessed = "DICTIONARY-GUESSED" => "Where the documentation gives only a form label, calsync reads the column's name from the instance's data dictionary; without it, the documented guess is used and a wrong guess reads as an empty field.",
    // Applications and versions.
    AppMissing = "APP-MISSING" => "Without it nothing synchronizes with Exchange Online.",
    AppInactive = "APP-INACTIVE" => "An inactive application runs none of its jobs.",
    AppOld = "APP-OLD" => "Before 2.0.1 WCS does not synchronize through the Exchange Online spoke, so the spoke's connections are not used.",
    AppSpokeOld = "APP-SPOKE-OLD" => "Workplace Calendar Synchronization 2.0.1 and later synchronize through the Exchange Online spoke, which must be 3.2.1 or later for that.",
    AppSpokeMultiProvider = "APP-SPOKE-MULTI-PROVIDER" => "Several calendar providers for Exchange Online (one per delegated mailbox) need the Exchange Online spoke 3.2.4 or later.",
    SpokeDataSource = "SPOKE-DATA-SOURCE" => "The spoke reads calendars through the data source \"Exchange Online Calendar\"; without its Data Stream action (a spoke installed before the com.glide.hub.action_type.datastream plugin) nothing is read from Exchange.",
    // The integration mode.
    ModeMissing = "MODE-MISSING" => "WCS 3.0 and later read the integration mode from this property.",
    ModeValue = "MODE-VALUE" => "WCS does not recognise the value, so it does not know whether to synchronize in normal, strict or personal mode.",
    // Connection & credential aliases.
    AliasSpokeMissing = "ALIAS-SPOKE-MISSING" => "WCS requires it, and every override alias must be its child.",
    AliasParent = "ALIAS-PARENT" => "WCS accepts an override alias only as a child of the spoke's alias; otherwise the calendar provider cannot use it.",
    AliasNoConnection = "ALIAS-NO-CONNECTION" => "Actions that use this alias have nothing to connect with.",
    AliasManyConnections = "ALIAS-MANY-CONNECTIONS" => "An alias without Support Multiple Active Connections uses one connection; which one is not defined.",
    AliasAttributes = "ALIAS-ATTRIBUTES" => "The spoke reads its settings (such as the Graph API version) from the alias's connection attributes; with none there is nothing to read, with several of one name which one applies is not defined.",
    AliasRetry = "ALIAS-RETRY" => "Microsoft Graph throttles with 429 and Retry-After; without honouring it, synchronization fails under load.",
    // HTTP(s) connections.
    ConnUrl = "CONN-URL" => "The spoke builds Graph requests on this URL; anything but the bare Graph root makes every request fail.",
    ConnUrlBuilder = "CONN-URL-BUILDER" => "With URL builder the Connection URL is ignored and built from host and protocol fields the spoke does not set.",
    ConnMid = "CONN-MID" => "Exchange Online is reached directly from the instance; a MID Server is for Exchange on premises.",
    ConnNoCredential = "CONN-NO-CREDENTIAL" => "Without a credential no token is sent to Graph.",
    ConnCredentialInvalid = "CONN-CREDENTIAL-INVALID" => "The connection's credential is not an OAuth 2.0 credential of this instance (deleted, or of another type), so no Graph token can be sent.",
    ConnCredentialInactive = "CONN-CREDENTIAL-INACTIVE" => "An inactive credential is not used, so the connection sends no token.",
    // OAuth 2.0 credentials and profiles.
    CredNoProfile = "CRED-NO-PROFILE" => "Without a profile the instance does not know which app registration to get tokens from.",
    CredGrantMismatch = "CRED-GRANT-MISMATCH" => "A grant type mismatch is a common cause of authentication errors.",
    CredModeGrant = "CRED-MODE-GRANT" => "Normal mode needs client credentials; strict and personal modes need authorization code, and in personal mode MS Graph 1 and 2 move to the personal authentication profile and are signed in as the delegated user.",
    CredScopes = "CRED-SCOPES" => "Delegated tokens without it cannot read or write room calendars (or cannot be refreshed, for offline_access).",
    CredScopeProvider = "CRED-SCOPE-PROVIDER" => "A profile can only ask for scopes of its own application registry; a scope of another registry is not sent, so the token lacks it.",
    CredIntegrationType = "CRED-INTEGRATION-TYPE" => "The system-to-system credentials must have Integration Type System; only the per-user credential of personal mode has Integration Type Personal, and that one only works with authorization code.",
    // Application registries.
    RegAuthUrl = "REG-AUTH-URL" => "ServiceNow's Get OAuth Token sends the browser to this URL; anything but Microsoft's v2.0 authorize endpoint of your tenant fails.",
    RegTokenUrl = "REG-TOKEN-URL" => "Every token, client-credentials ones included, is requested from this URL; anything but Microsoft's v2.0 token endpoint of your tenant fails.",
    RegUrls = "REG-URLS" => "The authorize and token URLs must be of one tenant in one cloud; otherwise the code from one cannot be redeemed at the other.",
    RegRedirect = "REG-REDIRECT" => "ServiceNow's Get OAuth Token returns to this URL; one of another instance fails with AADSTS50011.",
    RegClientId = "REG-CLIENT-ID" => "No token can be requested without the app's client ID.",
    // Tokens.
    TokenMissing = "TOKEN-MISSING" => "Without a delegated user's token nothing synchronizes in strict and personal modes.",
    TokenExpired = "TOKEN-EXPIRED" => "An expired refresh token cannot be renewed; synchronization stops.",
    TokenRefreshFailed = "TOKEN-REFRESH-FAILED" => "The identity provider refused calsync's refresh token; it may have expired or been revoked.",
    TokenWrongAccount = "TOKEN-WRONG-ACCOUNT" => "A token of the wrong Microsoft account (usually the admin's own, reused silently by the browser) reads and writes the wrong calendars, and fails for rooms that account is not a delegate of.",
    NotChecked = "NOT-CHECKED" => "A check that could not look (the keyring locked, a token unreadable) leaves that part of the setup unknown, not healthy.",
    TokenAccount = "TOKEN-ACCOUNT" => "Read from a fresh id_token obtained with the refresh token in the OS keyring.",
    BrowserWrongAccount = "BROWSER-WRONG-ACCOUNT" => "ServiceNow's Get OAuth Token sends no prompt, so in this browser it would silently issue the token for that account.",
    BrowserAccount = "BROWSER-ACCOUNT" => "ServiceNow's Get OAuth Token would use this account silently.",
    BrowserNoSession = "BROWSER-NO-SESSION" => "ServiceNow's Get OAuth Token will ask who signs in.",
    // Calendar providers.
    ProviderNone = "PROVIDER-NONE" => "Workplace Calendar Synchronization synchronizes through its active calendar providers; with none, nothing syncs.",
    ProviderProcessor = "PROVIDER-PROCESSOR" => "Exchange Online is synchronized by the Microsoft Graph processor; the Exchange (EWS) processor is for Exchange on premises.",
    ProviderOverride = "PROVIDER-OVERRIDE" => "An override alias must be a child of the spoke's alias with a connection to Microsoft Graph; with Override alias? set and no alias, the provider's own connection is undefined.",
    ProviderDelegate = "PROVIDER-DELEGATE" => "With an authorization-code connection (strict and personal modes) the provider acts as its delegated mailbox; it must be a valid address of the account Get OAuth Token signed in.",
    ProviderDelegateMismatch = "PROVIDER-DELEGATE-MISMATCH" => "The provider creates reservations as its delegated user with the token of its alias's credential; two different accounts make calendar updates fail or land in the wrong mailbox.",
    ProviderSyncWindow = "PROVIDER-SYNC-WINDOW" => "The provider synchronizes between its sync start and end; the past sync must not exceed 1825 days, and the end should be at least five years after the start.",
    ProviderUnusedAlias = "PROVIDER-UNUSED-ALIAS" => "An own alias is used only when a calendar provider names it as its override alias.",
    // Rooms: reservable sync configurations, subscriptions, the webhook registry, the jobs
    // and flows that carry events, and the rooms' calendars on Microsoft's side (issue #10).
    RoomNone = "ROOM-NONE" => "Rooms synchronize through their Reservable Sync Configurations; with none, no room calendar is read.",
    RoomInactive = "ROOM-INACTIVE" => "Subscriptions are created only for active reservable sync configurations, so an inactive one hears nothing from its room.",
    RoomNoSubscription = "ROOM-NO-SUBSCRIPTION" => "Without a subscription Microsoft sends no change notifications for the room, so events made in Outlook never reach ServiceNow.",
    RoomSubscriptionFailed = "ROOM-SUBSCRIPTION-FAILED" => "A subscription that is not active with status 200 delivers no change notifications.",
    RoomSubscriptionExpired = "ROOM-SUBSCRIPTION-EXPIRED" => "An expired subscription delivers no change notifications until it is renewed.",
    RoomSubscriptionDuplicate = "ROOM-SUBSCRIPTION-DUPLICATE" => "Several subscriptions for one room deliver each change more than once, and the renewals fight each other.",
    RoomProviderInactive = "ROOM-PROVIDER-INACTIVE" => "An inactive provider syncs nothing, and its rooms' configurations cannot be activated.",
    RoomEmailMismatch = "ROOM-EMAIL-MISMATCH" => "The configuration's email must be the room's own mailbox, the Email of its location record; another address subscribes to another calendar.",
    RoomTwoProviders = "ROOM-TWO-PROVIDERS" => "One email on two reservable sync configurations makes two providers write the same room calendar.",
    WebhookMissing = "WEBHOOK-MISSING" => "Microsoft's change notifications for the rooms are received through the spoke's webhook registry.",
    WebhookNoCallback = "WEBHOOK-NO-CALLBACK" => "Without a callback URL and client state in the webhook registry, Microsoft's change notifications are not received or not trusted.",
    JobInactive = "JOB-INACTIVE" => "The scheduled jobs carry events between the spoke and reservations; an inactive one stops that direction of synchronization.",
    FlowInactive = "FLOW-INACTIVE" => "The flows create calendar events and subscriptions; an inactive one stops them.",
    JobReprocess = "JOB-REPROCESS" => "Events that failed with \"Too many requests\" are retried only by the WSDR Reprocess Events job.",
    RoomGraphDenied = "ROOM-GRAPH-DENIED" => "Microsoft refused the delegate access to the room's calendar, so reservations cannot be written there.",
    RoomGraphOdata = "ROOM-GRAPH-ODATA" => "An application access policy or the mailbox's REST access blocks the app from the room's calendar.",
    RoomGraphInvalid = "ROOM-GRAPH-INVALID" => "Microsoft does not know the room's address as an object of the app registration's tenant.",
    RoomGraphNoMailbox = "ROOM-GRAPH-NO-MAILBOX" => "The room's address has no mailbox, so there is no calendar to synchronize.",
    RoomGraphReadOnly = "ROOM-GRAPH-READ-ONLY" => "Reservations made in ServiceNow are written to the room's calendar as the delegate, who can only read it.",
    RoomNotARoom = "ROOM-NOT-A-ROOM" => "The configured mailbox is not a room mailbox; a person's calendar takes no room reservations.",
    RoomGraphUnchecked = "ROOM-GRAPH-UNCHECKED" => "The room's calendar was not checked on Microsoft's side, so whether the delegate can use it is not known.",
    GraphUnreachable = "GRAPH-UNREACHABLE" => "The room-side checks did not run; nothing is known about the rooms' calendars.",
    RoomUnread = "ROOM-UNREAD" => "The rooms' configurations could not be read, so the room checks did not run.",
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Check {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::str::FromStr for Check {
    type Err = String;
    fn from_str(s: &str) -> Result<Check, String> {
        Check::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| format!("no doctor check is called {s}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Check;

    #[test]
    fn ids_are_unique_and_every_check_says_why() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Check::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c.why().ends_with('.'), "{c}: a sentence");
            assert_eq!(c.as_str().parse::<Check>(), Ok(*c));
        }
    }
}
