//! The one place a wall-clock instant is read; rules receive it as an argument.

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// Now in UTC, truncated to microseconds so SQLite and PostgreSQL store the same value.
pub fn now_utc() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
