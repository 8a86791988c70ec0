//! Pure rules of API keys: the key format and its checksum, hashing, scopes, and the checks on
//! a new key. Takes `now` as an argument; no randomness, no store.

use std::collections::BTreeSet;

use base64::Engine as _;
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::{ApiKey, KEY_PREFIX, NewApiKey, PartnerKey, Scope};

/// Characters of the random part: 32 bytes in unpadded base64url.
const BODY_CHARS: usize = 43;
/// Characters of the checksum: the first hex digits of SHA-256 over the rest of the key.
const CHECKSUM_CHARS: usize = 6;
/// Characters of the random part shown as the key's display prefix.
const DISPLAY_CHARS: usize = 8;

/// The checksum of `lk_<body>`: lets anyone tell a real key from garbage without the store.
fn checksum(prefixed_body: &str) -> String {
    let digest = hex::encode(Sha256::digest(prefixed_body.as_bytes()));
    digest[..CHECKSUM_CHARS].to_owned()
}

/// `lk_` + the random bytes in base64url + `_` + the checksum.
pub fn format_key(random: &[u8; 32]) -> String {
    let prefixed = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let sum = checksum(&prefixed);
    format!("{prefixed}_{sum}")
}

/// True when `secret` has the shape of a key and its checksum matches: a cheap filter before
/// any lookup, and what leak scanners run offline.
pub fn has_valid_checksum(secret: &str) -> bool {
    let expected_len = KEY_PREFIX.len() + BODY_CHARS + 1 + CHECKSUM_CHARS;
    if secret.len() != expected_len || !secret.is_ascii() || !secret.starts_with(KEY_PREFIX) {
        return false;
    }
    let (prefixed, rest) = secret.split_at(KEY_PREFIX.len() + BODY_CHARS);
    let body_ok = prefixed[KEY_PREFIX.len()..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    body_ok && rest.strip_prefix('_') == Some(checksum(prefixed).as_str())
}

/// The stored form of a key.
pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `lk_` and the first characters of the random part: enough to tell keys apart, too little
/// to guess the rest.
pub fn display_prefix(secret: &str) -> String {
    secret
        .chars()
        .take(KEY_PREFIX.len() + DISPLAY_CHARS)
        .collect()
}

/// Scopes in their stored form: names separated by spaces, in a fixed order.
pub fn scopes_to_text(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses stored scopes; the unknown name, if any, as the error.
pub fn scopes_from_text(text: &str) -> Result<BTreeSet<Scope>, String> {
    text.split_whitespace()
        .map(|name| Scope::parse(name).ok_or_else(|| name.to_owned()))
        .collect()
}

/// One rule a key request broke, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The name is empty or too long.
    #[error("name: must be 1 to 64 characters")]
    NameLength,
    /// No scope was asked for.
    #[error("scopes: name at least one scope")]
    NoScopes,
    /// The expiry is not in the future.
    #[error("expires_at: must be in the future")]
    ExpiryNotInFuture,
}

impl InputError {
    /// The request field the error concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NameLength => "name",
            Self::NoScopes => "scopes",
            Self::ExpiryNotInFuture => "expires_at",
        }
    }

    /// A stable code for the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NameLength => "length",
            Self::NoScopes => "too_few",
            Self::ExpiryNotInFuture => "not_in_future",
        }
    }
}

/// Checks a key request: a name, at least one scope (duplicates collapse), a future expiry.
pub fn check_new_key(
    name: &str,
    scopes: &[Scope],
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<NewApiKey, Vec<InputError>> {
    let name = name.trim();
    let mut errors = Vec::new();
    if !(1..=64).contains(&name.chars().count()) {
        errors.push(InputError::NameLength);
    }
    if scopes.is_empty() {
        errors.push(InputError::NoScopes);
    }
    if expires_at.is_some_and(|at| at <= now) {
        errors.push(InputError::ExpiryNotInFuture);
    }
    if errors.is_empty() {
        Ok(NewApiKey {
            name: name.to_owned(),
            scopes: scopes.iter().copied().collect(),
            expires_at,
        })
    } else {
        Err(errors)
    }
}

/// Why a partner call is refused although its key is valid (HTTP 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PartnerRefusal {
    /// The key lacks the scope the operation needs.
    #[error("this API key lacks the `{}` scope", .0.as_str())]
    MissingScope(Scope),
    /// The organization lost its verification (renamed or moved) and awaits it again.
    #[error("the organization awaits verification by staff over one of its communities")]
    OrganizationNotVerified,
}

/// Checks that a partner may make a call needing `needed`: its organization is verified and
/// its key holds the scope.
pub fn check_partner(partner: &PartnerKey, needed: Scope) -> Result<(), PartnerRefusal> {
    if !partner.organization_verified {
        return Err(PartnerRefusal::OrganizationNotVerified);
    }
    if partner.scopes.contains(&needed) {
        Ok(())
    } else {
        Err(PartnerRefusal::MissingScope(needed))
    }
}

/// Where a key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// It works.
    Active,
    /// Its expiry passed.
    Expired,
    /// An admin revoked it.
    Revoked,
}

/// The status of `key` at `now`; revocation wins over expiry.
pub fn status(key: &ApiKey, now: NaiveDateTime) -> KeyStatus {
    match (key.revoked_at, key.expires_at) {
        (Some(_), _) => KeyStatus::Revoked,
        (None, Some(at)) if at <= now => KeyStatus::Expired,
        (None, _) => KeyStatus::Active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_key_has_the_prefix_the_random_part_and_a_checksum() {
        let key = format_key(&[7u8; 32]);
        assert!(key.starts_with("lk_"));
        assert_eq!(key.len(), 3 + 43 + 1 + 6);
        assert!(has_valid_checksum(&key), "{key}");
        assert_eq!(display_prefix(&key), key[..11]);
        assert_eq!(hash_key(&key).len(), 64);
        assert!(!hash_key(&key).contains(&key[3..46]));
    }

    #[test]
    fn garbage_and_session_tokens_fail_the_checksum() {
        let key = format_key(&[42u8; 32]);
        for bad in [
            String::new(),
            "lk_".to_owned(),
            "lt_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ".to_owned(),
            key.replace("lk_", "lx_"),
            format!("{}x", &key[..key.len() - 1]),
            format!("{}é", &key[..key.len() - 2]),
        ] {
            assert!(!has_valid_checksum(&bad), "{bad}");
        }
    }

    #[test]
    fn scopes_round_trip_and_unknown_names_are_reported() {
        let scopes: BTreeSet<Scope> = [Scope::OrganizationRead, Scope::NeedsRead].into();
        let text = scopes_to_text(&scopes);
        assert_eq!(text, "needs:read organization:read");
        assert_eq!(scopes_from_text(&text), Ok(scopes));
        assert_eq!(
            scopes_from_text("needs:read admin:all"),
            Err("admin:all".to_owned())
        );
    }

    #[test]
    fn a_partner_needs_the_scope_and_a_verified_organization() {
        let mut partner = PartnerKey {
            key_id: super::super::ApiKeyId(1),
            organization_id: crate::organizations::OrganizationId(1),
            scopes: [Scope::NeedsRead].into(),
            organization_verified: true,
        };
        assert_eq!(check_partner(&partner, Scope::NeedsRead), Ok(()));
        assert_eq!(
            check_partner(&partner, Scope::OrdersWrite),
            Err(PartnerRefusal::MissingScope(Scope::OrdersWrite))
        );
        partner.organization_verified = false;
        assert_eq!(
            check_partner(&partner, Scope::NeedsRead),
            Err(PartnerRefusal::OrganizationNotVerified)
        );
    }

    #[test]
    fn a_key_request_needs_a_name_a_scope_and_a_future_expiry() {
        let now = chrono::NaiveDateTime::default();
        let errors = check_new_key(" ", &[], Some(now), now).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(InputError::field).collect();
        assert_eq!(fields, ["name", "scopes", "expires_at"]);
        let key =
            check_new_key("ERP", &[Scope::NeedsRead, Scope::NeedsRead], None, now).expect("valid");
        assert_eq!(key.scopes.len(), 1);
    }

    proptest! {
        #[test]
        fn changing_any_one_character_breaks_the_checksum(
            seed in proptest::array::uniform32(any::<u8>()),
            at in 3usize..53,
        ) {
            let key = format_key(&seed);
            let mut bytes = key.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).expect("ascii");
            prop_assume!(tampered != key);
            prop_assert!(!has_valid_checksum(&tampered));
        }
    }
}
