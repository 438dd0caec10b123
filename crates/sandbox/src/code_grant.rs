//! The authorization-code grant as both sign-in servers of the sandbox run it (the
//! instance's `oauth_token.do` in `auth.rs`, Microsoft's token endpoint in `identity.rs`):
//! a one-time code, bound to the client, the redirect URI and the PKCE challenge (RFC 7636)
//! of the authorization request that made it, redeemed once within its lifetime. Each
//! server words the refusals its own way.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long an authorization code can be redeemed (both servers: about a minute).
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// How the client derived its challenge from the verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChallengeMethod {
    S256,
    Plain,
}

impl ChallengeMethod {
    pub fn parse(name: &str) -> Option<ChallengeMethod> {
        match name {
            "S256" => Some(ChallengeMethod::S256),
            "plain" => Some(ChallengeMethod::Plain),
            _ => None,
        }
    }
}

/// A PKCE challenge from an authorization request.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Challenge {
    pub value: String,
    pub method: ChallengeMethod,
}

impl Challenge {
    /// Whether `verifier` is the one the challenge was made from (an empty one never is).
    fn proven_by(&self, verifier: &str) -> bool {
        let computed = match self.method {
            ChallengeMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            ChallengeMethod::Plain => verifier.to_string(),
        };
        !verifier.is_empty() && computed == self.value
    }
}

/// What an authorization request fixes for the token request that redeems its code (and,
/// kept with a refresh token, for the requests that refresh it).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Binding {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<Challenge>,
}

/// What a token request brings to redeem a code.
#[derive(Debug, Clone, Copy)]
pub struct Redemption<'a> {
    pub code: &'a str,
    pub client_id: &'a str,
    /// None when the request names no redirect URI.
    pub redirect_uri: Option<&'a str>,
    /// Empty when the request carries no verifier.
    pub verifier: &'a str,
}

/// Why a code was not redeemed, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It was redeemed before.
    AlreadyRedeemed,
    /// It was never issued.
    Unknown,
    Expired,
    /// Another client asked for it.
    OtherClient,
    /// The token request names another redirect URI than the authorization request did.
    OtherRedirect,
    /// The verifier is missing or does not prove the challenge.
    VerifierMismatch,
}

struct Issued<T> {
    grant: T,
    binding: Binding,
    at: Instant,
}

/// The codes a server issued and has not seen redeemed yet, each with what it grants.
pub struct Codes<T> {
    issued: HashMap<String, Issued<T>>,
    redeemed: HashSet<String>,
}

impl<T> Default for Codes<T> {
    fn default() -> Self {
        Codes { issued: HashMap::new(), redeemed: HashSet::new() }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Codes<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codes").field("issued", &self.issued.len()).field("redeemed", &self.redeemed.len()).finish()
    }
}

impl<T> Codes<T> {
    pub fn issue(&mut self, code: String, binding: Binding, grant: T) {
        self.issued.insert(code, Issued { grant, binding, at: Instant::now() });
    }

    /// Takes the code out (a code is tried once, whatever the outcome) and checks the
    /// token request against what the authorization request fixed.
    pub fn redeem(&mut self, r: Redemption<'_>) -> Result<T, Refusal> {
        if self.redeemed.contains(r.code) {
            return Err(Refusal::AlreadyRedeemed);
        }
        let issued = self.issued.remove(r.code).ok_or(Refusal::Unknown)?;
        self.redeemed.insert(r.code.to_string());
        let b = &issued.binding;
        if issued.at.elapsed() > CODE_LIFETIME {
            return Err(Refusal::Expired);
        }
        if b.client_id != r.client_id {
            return Err(Refusal::OtherClient);
        }
        if r.redirect_uri != Some(b.redirect_uri.as_str()) {
            return Err(Refusal::OtherRedirect);
        }
        if b.challenge.as_ref().is_some_and(|c| !c.proven_by(r.verifier)) {
            return Err(Refusal::VerifierMismatch);
        }
        Ok(issued.grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(challenge: Option<Challenge>) -> Binding {
        Binding { client_id: "app".into(), redirect_uri: "http://localhost/".into(), challenge }
    }

    fn redemption<'a>(code: &'a str, verifier: &'a str) -> Redemption<'a> {
        Redemption { code, client_id: "app", redirect_uri: Some("http://localhost/"), verifier }
    }

    #[test]
    fn a_code_is_redeemed_once_by_its_client_with_its_redirect_and_verifier() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636 appendix B: the S256 challenge of that verifier.
        let challenge =
            Challenge { value: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(), method: ChallengeMethod::S256 };
        let mut codes = Codes::default();
        codes.issue("c1".into(), binding(Some(challenge)), "alice");
        assert_eq!(codes.redeem(redemption("c1", verifier)), Ok("alice"));
        assert_eq!(codes.redeem(redemption("c1", verifier)), Err(Refusal::AlreadyRedeemed));
        assert_eq!(codes.redeem(redemption("c2", verifier)), Err(Refusal::Unknown));
    }

    #[test]
    fn each_mismatch_is_refused_and_uses_up_the_code() {
        let plain = || Some(Challenge { value: "v".repeat(43), method: ChallengeMethod::Plain });
        let mut codes = Codes::default();
        for code in ["a", "b", "c", "d"] {
            codes.issue(code.into(), binding(plain()), ());
        }
        let other_client = Redemption { client_id: "other", ..redemption("a", "") };
        assert_eq!(codes.redeem(other_client), Err(Refusal::OtherClient));
        let no_redirect = Redemption { redirect_uri: None, ..redemption("b", "") };
        assert_eq!(codes.redeem(no_redirect), Err(Refusal::OtherRedirect));
        assert_eq!(codes.redeem(redemption("c", "")), Err(Refusal::VerifierMismatch));
        assert_eq!(codes.redeem(redemption("d", "wrong")), Err(Refusal::VerifierMismatch));
        let verifier = "v".repeat(43);
        assert_eq!(codes.redeem(redemption("a", &verifier)), Err(Refusal::AlreadyRedeemed));
    }
}
