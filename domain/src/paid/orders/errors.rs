//! Why an order operation was refused, and how the failures of the parts it uses (offerings,
//! the points ledger, the money books) read as order failures.

use crate::db::{StoreError, TransactionError};
use crate::ledger::PostError;
use crate::paid::money::Fen;
use crate::paid::split;
use crate::paid::states::OrderState;

/// Why an order could not be quoted, placed or changed; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such offering, order or person within reach.
    #[error("no such offering, order or person")]
    NotFound,
    /// The caller may not do this to this order.
    #[error("you may not do this")]
    Forbidden,
    /// The caller holds no live consent to act for the person.
    #[error("no live proxy consent for this person")]
    NoConsent,
    /// The offering is not published.
    #[error("the offering is not published")]
    Unpublished,
    /// The provider is not (or no longer) verified.
    #[error("the provider is not verified")]
    ProviderNotVerified,
    /// The quantity is outside the offering's range.
    #[error("the quantity must be {min}–{max}")]
    QuantityOutOfRange {
        /// Fewest.
        min: i32,
        /// Most.
        max: i32,
    },
    /// The window is empty, in the past or outside the offering's availability.
    #[error("the time window is not one the offering is available in")]
    OutsideAvailability,
    /// The resident lives outside the offering's service areas.
    #[error("the resident lives outside the areas this offering serves")]
    OutsideServiceArea,
    /// A programme named does not apply to this resident or order.
    #[error("subsidy programme {program} does not apply: {reason}")]
    Ineligible {
        /// The programme.
        program: i64,
        /// Why.
        reason: String,
    },
    /// Too many points for the community's cap.
    #[error("at most {max} points may pay for this order")]
    PointsAboveCap {
        /// The most allowed.
        max: i64,
    },
    /// Too few points in the resident's account.
    #[error("only {available} points are available")]
    InsufficientPoints {
        /// What they have.
        available: i64,
    },
    /// The order would exceed ¥1,000,000.00.
    #[error("the order is too large")]
    TooLarge,
    /// The key was used for another order.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    /// A programme's budget or cap moved while booking; the caller may retry.
    #[error("the subsidy budget changed while booking; retry")]
    Contended,
    /// The state does not allow this.
    #[error(transparent)]
    WrongState(#[from] crate::paid::states::WrongState),
    /// A wrong code was given; `left` attempts remain.
    #[error("the code is wrong; {left} attempts left")]
    WrongCode {
        /// Attempts left.
        left: i32,
    },
    /// Too many wrong codes.
    #[error("too many wrong codes for this order")]
    TooManyAttempts,
    /// A payment above what is due.
    #[error("at most {due} of the co-payment is still due")]
    AboveDue {
        /// What is due.
        due: Fen,
    },
    /// The payment gateway refused the payment's details.
    #[error("{0}")]
    PaymentRefused(String),
    /// Resolving a dispute of an order that is not disputed.
    #[error("the order is {} and not in dispute", .0.as_str())]
    NotDisputed(OrderState),
    /// A resolution's reason is missing or longer than 500 characters.
    #[error("the reason must be 1–500 characters")]
    BadReason,
    /// A refund above what was paid.
    #[error(transparent)]
    Refund(#[from] split::RefundError),
    /// The partner key may not do this.
    #[error(transparent)]
    PartnerRefused(crate::api_keys::rules::PartnerRefusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for OrderError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<crate::paid::books::BooksError> for OrderError {
    fn from(e: crate::paid::books::BooksError) -> Self {
        match e {
            crate::paid::books::BooksError::Store(s) => Self::Store(s),
            crate::paid::books::BooksError::KeyReused => Self::KeyReused,
            // Programme funds never drop below what orders reserved; reaching this is a defect
            // the reconciliation shows, refused rather than half-posted.
            crate::paid::books::BooksError::Insufficient { .. } => Self::Contended,
        }
    }
}

impl From<crate::paid::offerings::OfferingError> for OrderError {
    fn from(e: crate::paid::offerings::OfferingError) -> Self {
        use crate::paid::offerings::OfferingError as O;
        match e {
            O::NotFound => Self::NotFound,
            O::Forbidden => Self::Forbidden,
            O::NotVerifiedProvider => Self::ProviderNotVerified,
            O::PartnerRefused(r) => Self::PartnerRefused(r),
            O::Store(s) => Self::Store(s),
            O::AreaNotServed(_) | O::CategoryNotPaid | O::Invalid(_) => Self::Forbidden,
        }
    }
}

impl From<PostError> for OrderError {
    fn from(e: PostError) -> Self {
        match e {
            PostError::Insufficient { available } => Self::InsufficientPoints {
                available: available.0,
            },
            PostError::KeyReused => Self::KeyReused,
            PostError::Store(s) => Self::Store(s),
            other => Self::Store(StoreError::Unavailable(other.to_string())),
        }
    }
}

impl TransactionError for OrderError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}
