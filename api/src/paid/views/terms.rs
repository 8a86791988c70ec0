//! Wire types of terms: a provider's contract and a community's points terms. Rates are
//! decimal strings; terms apply to orders booked after they change.

use chrono::{DateTime, Utc};
use linli_domain::paid::split::PointsTerms;
use linli_domain::paid::terms::{Contract, SettlementPeriod, Stated};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use linli_domain::paid::money::Fen;

use super::super::money::Money;
use super::{utc, yuan};

/// How often a provider is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SettlementPeriodView {
    /// Per week, Monday to Monday (Asia/Shanghai by default).
    Weekly,
    /// Per calendar month, the 1st to the 1st.
    Monthly,
}

impl From<SettlementPeriod> for SettlementPeriodView {
    fn from(p: SettlementPeriod) -> Self {
        match p {
            SettlementPeriod::Weekly => Self::Weekly,
            SettlementPeriod::Monthly => Self::Monthly,
        }
    }
}

impl SettlementPeriodView {
    /// The wire name, which the domain parses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }
}

/// A provider's contract as set.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ProviderContractRequest {
    /// The platform's commission on the provider's gross, in percent as a decimal string with
    /// at most two decimals, `"0.00"`–`"50.00"`.
    pub commission_percent: Money,
    /// `weekly` or `monthly`.
    pub settlement_period: SettlementPeriodView,
}

impl Example for ProviderContractRequest {
    fn example() -> Self {
        Self {
            commission_percent: "4.50".into(),
            settlement_period: SettlementPeriodView::Monthly,
        }
    }
}

/// A provider's contract.
#[derive(Debug, Clone, Object)]
pub struct ProviderContractView {
    /// The provider.
    pub organization_id: i64,
    /// The commission in percent, e.g. `"5.00"`.
    pub commission_percent: String,
    /// How often it is settled.
    pub settlement_period: SettlementPeriodView,
    /// True while the platform defaults apply (5.00 %, weekly).
    pub is_default: bool,
    /// When it was last set.
    pub updated_at: Option<DateTime<Utc>>,
}

impl ProviderContractView {
    /// The view of a provider's contract.
    pub fn new(organization_id: i64, stated: Stated<Contract>) -> Self {
        Self {
            organization_id,
            // Basis points are hundredths of a percent, written like fen.
            commission_percent: yuan(Fen(stated.terms.commission_bp)),
            settlement_period: stated.terms.settlement_period.into(),
            is_default: stated.updated_at.is_none(),
            updated_at: stated.updated_at.map(utc),
        }
    }
}

/// A community's points terms as set.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct PointsPaymentTermsRequest {
    /// What one point is worth towards a paid service, in CNY as a decimal string,
    /// `"0.01"`–`"100.00"`.
    pub yuan_per_point: Money,
    /// The most of an order, after subsidies, that points may pay, in percent (0–100).
    pub max_share_percent: i64,
}

impl Example for PointsPaymentTermsRequest {
    fn example() -> Self {
        Self {
            yuan_per_point: "0.05".into(),
            max_share_percent: 30,
        }
    }
}

/// A community's points terms.
#[derive(Debug, Clone, Object)]
pub struct PointsPaymentTermsView {
    /// The community.
    pub community_id: i64,
    /// What one point is worth, e.g. `"0.10"`.
    pub yuan_per_point: String,
    /// The most of an order, after subsidies, that points may pay, in percent.
    pub max_share_percent: i64,
    /// True while the defaults apply (¥0.10 a point, up to 50 %).
    pub is_default: bool,
    /// When they were last set.
    pub updated_at: Option<DateTime<Utc>>,
}

impl PointsPaymentTermsView {
    /// The view of a community's points terms.
    pub fn new(community_id: i64, stated: Stated<PointsTerms>) -> Self {
        Self {
            community_id,
            yuan_per_point: yuan(Fen(stated.terms.fen_per_point)),
            max_share_percent: stated.terms.max_percent,
            is_default: stated.updated_at.is_none(),
            updated_at: stated.updated_at.map(utc),
        }
    }
}
