//! Signing in: verify the password off the async threads, then record the session.

use chrono::{Duration, NaiveDateTime};

use super::{IssuedToken, Session, issue_token, store};
use crate::access::{self, HeldRole};
use crate::accounts::{Phone, User, password, store as accounts};
use crate::db::{self, Db, StoreError};

/// A successful sign-in: the token secret is shown to the client once.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The bearer token.
    pub token: IssuedToken,
    /// The new session.
    pub session: Session,
    /// Who signed in.
    pub user: User,
    /// The roles they hold, read with the session's insert so a sign-in costs one hop to the
    /// store after the hash.
    pub roles: Vec<HeldRole>,
}

/// Checks a login. An unknown number costs the same hashing work as a wrong password, so
/// neither the answer nor its timing tells whether an account exists. `None` means refused.
pub async fn login(
    db: &Db,
    phone: Phone,
    password_attempt: String,
    user_agent: Option<String>,
    now: NaiveDateTime,
    lifetime: Duration,
) -> Result<Option<SignedIn>, StoreError> {
    let lookup = phone.clone();
    let found = db
        .run(move |conn| accounts::find_for_login(conn, &lookup))
        .await?;
    let verified = password::off_thread(move || match found {
        Some((user, hash)) => password::verify(&password_attempt, &hash).then_some(user),
        None => {
            password::verify_against_nothing(&password_attempt);
            None
        }
    })
    .await
    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let Some(user) = verified else {
        return Ok(None);
    };
    let token = issue_token();
    let hash = token.hash.clone();
    let user_id = user.id;
    let (session, roles) = db
        .run(move |conn| {
            let session = db::write(conn, |conn| {
                store::create(conn, user_id, &hash, user_agent.as_deref(), now, lifetime)
            })?;
            Ok::<_, StoreError>((session, access::store::held_roles(conn, user_id)?))
        })
        .await?;
    Ok(Some(SignedIn {
        token,
        session,
        user,
        roles,
    }))
}
