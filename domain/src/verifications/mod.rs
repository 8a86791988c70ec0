//! The verification queues of staff: volunteers waiting for their real name to be checked
//! (实名认证), credentials waiting to be checked, and residents whose eligibility facts nobody
//! has verified yet — in the areas the staff member serves, oldest first.

pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;

/// A credential waiting to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCredential {
    /// Its id.
    pub id: i64,
    /// training, health_certificate or background_check.
    pub kind: String,
    /// What it is.
    pub title: String,
}

/// One person waiting in a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// The person.
    pub user_id: UserId,
    /// Their display name.
    pub display_name: String,
    /// Their home grid.
    pub grid_id: AreaId,
    /// Since when they wait (the profile's last change, or when the credential was added).
    pub since: NaiveDateTime,
    /// The credential, in the credentials queue.
    pub credential: Option<PendingCredential>,
}

/// The three queues.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Queues {
    /// Volunteers with a real name stated and not verified.
    pub volunteers: Vec<QueueEntry>,
    /// Credentials not verified.
    pub credentials: Vec<QueueEntry>,
    /// Residents with a profile whose eligibility facts are not verified.
    pub residents: Vec<QueueEntry>,
}
