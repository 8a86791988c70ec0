//! Rows and queries of paid services, one module per concern: offerings, subsidy programmes
//! and their counters, terms (contracts and points terms), orders and their subsidies.
//! Counters (budgets, monthly use) change only by guarded statements.

use crate::db::StoreError;

/// A stored value no rule could have written: the row is corrupt.
fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        format!("unexpected stored {what}").into(),
    ))
}

mod offerings;
mod order_rows;
mod orders;
mod programmes;
mod terms;

pub use offerings::*;
pub use order_rows::*;
pub use orders::*;
pub use programmes::*;
pub use terms::*;
