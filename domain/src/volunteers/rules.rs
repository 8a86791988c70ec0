//! Pure rules of volunteer profiles.

use chrono::NaiveDateTime;

use super::{Credential, ProfileUpdate, ServiceRadius, WeeklySlot};

/// One rule a profile update broke, with its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// A slot is outside the day or ends before it starts.
    #[error("availability[{0}]: weekday must be 1–7 and 0 ≤ start < end ≤ 1440")]
    SlotOutOfRange(usize),
    /// Two slots on one day overlap.
    #[error("availability[{0}]: overlaps another slot on the same day")]
    SlotsOverlap(usize),
    /// Too many languages or one too long.
    #[error("languages: at most 10, each 1–20 characters")]
    Languages,
    /// Too many skills.
    #[error("skills: at most 20")]
    TooManySkills,
    /// The real name is not 2–20 characters.
    #[error("real_name: must be 2–20 characters")]
    RealName,
    /// The ID number fails the GB 11643 format or check digit.
    #[error("id_number: not a valid 18-character resident ID number")]
    IdNumber,
}

impl ProfileError {
    /// The request field it concerns.
    pub fn field(&self) -> String {
        match self {
            Self::SlotOutOfRange(i) | Self::SlotsOverlap(i) => format!("availability[{i}]"),
            Self::Languages => "languages".into(),
            Self::TooManySkills => "skills".into(),
            Self::RealName => "real_name".into(),
            Self::IdNumber => "id_number".into(),
        }
    }

    /// A stable code for the rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SlotOutOfRange(_) => "out_of_range",
            Self::SlotsOverlap(_) => "overlap",
            Self::Languages => "invalid",
            Self::TooManySkills => "too_many",
            Self::RealName => "length",
            Self::IdNumber => "malformed_id_number",
        }
    }
}

/// Checks a resident ID number (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check
/// character. Returns it upper-cased.
pub fn check_id_number(raw: &str) -> Option<String> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let id = raw.trim().to_uppercase();
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
        return None;
    }
    let sum: u32 = chars[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or_default() * w)
        .sum();
    (CHECK[(sum % 11) as usize] == chars[17]).then_some(id)
}

/// `610702199001011234` → `610702********1234`.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `王秀兰` → `王**`: the family name stays, the given name is hidden.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
        None => String::new(),
    }
}

/// Checks a profile update; reports every broken rule.
pub fn check_profile(
    service_radius: ServiceRadius,
    languages: Vec<String>,
    mut skills: Vec<String>,
    availability: Vec<WeeklySlot>,
    real_name: Option<String>,
    id_number: Option<String>,
) -> Result<ProfileUpdate, Vec<ProfileError>> {
    let mut errors = Vec::new();
    for (index, slot) in availability.iter().enumerate() {
        let in_range = (1..=7).contains(&slot.weekday)
            && (0..1440).contains(&slot.start_minute)
            && slot.start_minute < slot.end_minute
            && slot.end_minute <= 1440;
        if !in_range {
            errors.push(ProfileError::SlotOutOfRange(index));
        }
    }
    for (index, slot) in availability.iter().enumerate() {
        let overlaps = availability.iter().enumerate().any(|(other_index, other)| {
            other_index < index
                && other.weekday == slot.weekday
                && other.start_minute < slot.end_minute
                && slot.start_minute < other.end_minute
        });
        if overlaps {
            errors.push(ProfileError::SlotsOverlap(index));
        }
    }
    let languages: Vec<String> = languages.into_iter().map(|l| l.trim().to_owned()).collect();
    if languages.len() > 10
        || languages
            .iter()
            .any(|l| l.is_empty() || l.chars().count() > 20)
    {
        errors.push(ProfileError::Languages);
    }
    skills.sort();
    skills.dedup();
    if skills.len() > 20 {
        errors.push(ProfileError::TooManySkills);
    }
    let real_name = real_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if real_name
        .as_ref()
        .is_some_and(|n| !(2..=20).contains(&n.chars().count()))
    {
        errors.push(ProfileError::RealName);
    }
    let id_number = match id_number
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        None => None,
        Some(raw) => match check_id_number(raw) {
            Some(id) => Some(id),
            None => {
                errors.push(ProfileError::IdNumber);
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut availability = availability;
    availability.sort();
    Ok(ProfileUpdate {
        service_radius,
        languages,
        skills,
        availability,
        real_name,
        id_number,
    })
}

impl Credential {
    /// Valid at `now`: checked by staff and not expired. Safeguarding gates use this.
    pub fn is_valid_at(&self, now: NaiveDateTime) -> bool {
        self.verified_at.is_some() && self.expires_at.is_none_or(|expiry| expiry > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(weekday: i32, start_minute: i32, end_minute: i32) -> WeeklySlot {
        WeeklySlot {
            weekday,
            start_minute,
            end_minute,
        }
    }

    #[test]
    fn resident_id_numbers_need_the_right_check_character() {
        assert_eq!(
            check_id_number("11010519491231002x"),
            Some("11010519491231002X".into())
        );
        assert_eq!(check_id_number("110105194912310021"), None);
        assert_eq!(check_id_number("1101051949123100"), None);
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_name("王秀兰"), "王**");
    }

    #[test]
    fn overlapping_or_inverted_slots_are_refused() {
        let errors = check_profile(
            ServiceRadius::Grid,
            vec![],
            vec![],
            vec![
                slot(1, 540, 720),
                slot(1, 600, 660),
                slot(8, 0, 60),
                slot(2, 600, 540),
            ],
            None,
            None,
        )
        .expect_err("invalid");
        assert_eq!(
            errors,
            vec![
                ProfileError::SlotOutOfRange(2),
                ProfileError::SlotOutOfRange(3),
                ProfileError::SlotsOverlap(1)
            ]
        );
        assert!(
            check_profile(
                ServiceRadius::Grid,
                vec![],
                vec![],
                vec![slot(1, 540, 600), slot(1, 600, 660)],
                None,
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn a_credential_counts_only_when_checked_and_unexpired() {
        let now = chrono::NaiveDateTime::default() + chrono::Duration::days(400);
        let mut credential = Credential {
            id: 1,
            user_id: crate::accounts::UserId(1),
            kind: super::super::CredentialKind::Training,
            title: "助浴培训".into(),
            expires_at: Some(now + chrono::Duration::days(1)),
            verified_at: None,
            verified_by: None,
        };
        assert!(!credential.is_valid_at(now));
        credential.verified_at = Some(now);
        assert!(credential.is_valid_at(now));
        credential.expires_at = Some(now);
        assert!(!credential.is_valid_at(now));
    }
}
