//! Paid services over HTTP: providers' offerings, subsidy programmes, orders from the quote to
//! confirmation, co-payments, refunds and settlement batches with their statements — by the
//! web (people) and by the partner API (providers' systems).

pub mod catalogue;
pub mod money;
pub mod orders;
pub mod outcomes;
pub mod partner;
pub mod problems;
pub mod settlements;
pub mod steps;
pub mod terms;
pub mod views;

use linli_domain::paid::inputs::OfferingInput;
use linli_domain::paid::money::{Fen, parse_amount};
use linli_domain::paid::{Availability, OfferingText};

use crate::problem::{FieldError, Problem};
use views::OfferingRequest;

/// Reads a money field of a request, or a 422 naming it.
pub fn money_field(field: &str, raw: &str) -> Result<Fen, Box<Problem>> {
    parse_amount(raw).map_err(|e| {
        Box::new(Problem::validation(vec![FieldError {
            field: field.to_owned(),
            code: e.code().to_owned(),
            message: e.to_string(),
        }]))
    })
}

/// The domain's offering input of a request.
pub fn offering_input(b: &OfferingRequest) -> OfferingInput {
    OfferingInput {
        text: OfferingText {
            title_zh: b.title_zh.clone(),
            title_en: b.title_en.clone(),
            description_zh: b.description_zh.clone(),
            description_en: b.description_en.clone(),
        },
        unit: b.unit.into(),
        unit_price: b.unit_price.0.clone(),
        min_quantity: b.min_quantity,
        max_quantity: b.max_quantity,
        availability: Availability {
            weekdays: b.available_weekdays,
            from_minute: b.available_from_minute,
            to_minute: b.available_to_minute,
        },
        response_minutes: b.response_minutes,
        cancellation_notice_hours: b.cancellation_notice_hours,
        cancellation_fee_percent: b.cancellation_fee_percent,
    }
}

fn default_limit() -> i64 {
    50
}
