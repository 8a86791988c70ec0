//! Sign-in sessions: opaque bearer tokens stored only as hashes, with expiry and revocation.

pub mod store;
pub mod usecases;

use base64::Engine as _;
use chrono::NaiveDateTime;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::accounts::UserId;

/// Identifies a session (shown to its owner so they can revoke it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub i64);

/// The prefix of session tokens, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "lt_";

/// A freshly issued token: the secret goes to the client once, the hash to the store.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// What the client sends as `Authorization: Bearer …`.
    pub secret: String,
    /// SHA-256 hex of the secret.
    pub hash: String,
}

/// Makes a token from 32 random bytes.
pub fn issue_token() -> IssuedToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = hash_token(&secret);
    IssuedToken { secret, hash }
}

/// The stored form of a token.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A session as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// Whose it is.
    pub user_id: UserId,
    /// The client that signed in.
    pub user_agent: Option<String>,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it was last used.
    pub last_used_at: NaiveDateTime,
    /// When it stops working.
    pub expires_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_unique_and_stored_only_as_hashes() {
        let a = issue_token();
        let b = issue_token();
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash, hash_token(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.secret));
    }
}
