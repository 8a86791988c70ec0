//! Resident profiles (居民): birth date, address and the eligibility facts (低保, 失能 level,
//! living alone, disability) that staff verify with evidence and that subsidies and points
//! rules later read.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::{NaiveDate, NaiveDateTime};

use crate::accounts::UserId;

/// Facts that make a resident eligible for help; only staff set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EligibilityFacts {
    /// 低保: receives the minimum living allowance.
    pub low_income: bool,
    /// 失能 level, 0 (none) to 3 (severe).
    pub disability_level: i32,
    /// Lives alone (独居).
    pub lives_alone: bool,
    /// Holds a disability certificate (残疾证).
    pub disabled: bool,
}

/// A resident's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentProfile {
    /// The resident.
    pub user_id: UserId,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Home address (personal data).
    pub address: Option<String>,
    /// Resident ID number (personal data).
    pub id_number: Option<String>,
    /// Eligibility facts.
    pub facts: EligibilityFacts,
    /// When staff verified the facts.
    pub facts_verified_at: Option<NaiveDateTime>,
    /// Who verified them.
    pub facts_verified_by: Option<UserId>,
    /// What evidence was seen.
    pub evidence_notes: Option<String>,
}

/// A checked self-update: what a resident may state about themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnDetails {
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Home address.
    pub address: Option<String>,
    /// Resident ID number.
    pub id_number: Option<String>,
}
