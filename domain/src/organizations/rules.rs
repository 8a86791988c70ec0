//! Pure rules of organizations: profile checks, contact-number masking, and the policy of who
//! may see, change and verify an organization.

use super::{
    MemberRole, NewOrganization, Organization, OrganizationKind, ProfileChanges, ServiceArea,
};
use crate::access::rules::STAFF_ROLES;
use crate::access::{Principal, Role};
use crate::accounts::UserId;
use crate::accounts::rules::{mask_phone, normalize_phone};
use crate::areas::AreaId;

/// The most communities one organization may list as served.
pub const MAX_SERVICE_AREAS: usize = 20;
/// The longest description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// One rule a profile broke, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The Chinese name is empty or too long.
    #[error("name_zh: must be 1 to 64 characters")]
    NameZhLength,
    /// The English name is empty or too long.
    #[error("name_en: must be 1 to 128 characters when given")]
    NameEnLength,
    /// The description is too long.
    #[error("description: must be at most {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    /// The contact number is neither a mainland mobile nor a landline number.
    #[error("contact_phone: not a mainland mobile or landline number")]
    MalformedContactPhone,
    /// No community is named.
    #[error("service_area_ids: name at least one community")]
    NoServiceAreas,
    /// Too many communities are named.
    #[error("service_area_ids: at most {MAX_SERVICE_AREAS} communities")]
    TooManyServiceAreas,
}

impl InputError {
    /// The request field the error concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NameZhLength => "name_zh",
            Self::NameEnLength => "name_en",
            Self::DescriptionTooLong => "description",
            Self::MalformedContactPhone => "contact_phone",
            Self::NoServiceAreas | Self::TooManyServiceAreas => "service_area_ids",
        }
    }

    /// A stable code for the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NameZhLength | Self::NameEnLength => "length",
            Self::DescriptionTooLong => "too_long",
            Self::MalformedContactPhone => "malformed_phone",
            Self::NoServiceAreas => "too_few",
            Self::TooManyServiceAreas => "too_many",
        }
    }
}

fn check_length(raw: &str, max: usize, error: InputError) -> Result<String, InputError> {
    let trimmed = raw.trim();
    if (1..=max).contains(&trimmed.chars().count()) {
        Ok(trimmed.to_owned())
    } else {
        Err(error)
    }
}

/// Checks a Chinese name: 1 to 64 characters after trimming.
pub fn check_name_zh(raw: &str) -> Result<String, InputError> {
    check_length(raw, 64, InputError::NameZhLength)
}

/// Checks an optional English name: absent or blank means none, else 1 to 128 characters.
pub fn check_name_en(raw: Option<&str>) -> Result<Option<String>, InputError> {
    match raw.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(name) => check_length(name, 128, InputError::NameEnLength).map(Some),
    }
}

/// Checks a description: at most [`MAX_DESCRIPTION_CHARS`] characters after trimming.
pub fn check_description(raw: &str) -> Result<String, InputError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() <= MAX_DESCRIPTION_CHARS {
        Ok(trimmed.to_owned())
    } else {
        Err(InputError::DescriptionTooLong)
    }
}

/// Normalises an organization's number: a mainland mobile (`13800138000`) or a landline with
/// its area code (`0916-2345678` → `09162345678`); blank means none.
pub fn normalize_contact_phone(raw: Option<&str>) -> Result<Option<String>, InputError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if let Ok(mobile) = normalize_phone(raw) {
        return Ok(Some(mobile.as_str().to_owned()));
    }
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .map(|rest| format!("0{rest}"))
        .unwrap_or(digits);
    let landline = digits.starts_with('0')
        && !digits.starts_with("00")
        && (10..=12).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    if landline {
        Ok(Some(digits))
    } else {
        Err(InputError::MalformedContactPhone)
    }
}

/// What the public sees of an organization's number: `138****1234` for a mobile, the area code
/// and the last two digits of a landline (`0916****78`).
pub fn mask_contact_phone(phone: &str) -> String {
    if phone.starts_with('1') {
        return mask_phone(phone);
    }
    match (
        phone.get(..4),
        phone.len().checked_sub(2).and_then(|at| phone.get(at..)),
    ) {
        (Some(head), Some(tail)) if phone.len() >= 10 => format!("{head}****{tail}"),
        _ => "****".to_owned(),
    }
}

/// Sorts and de-duplicates the named communities and checks their number.
pub fn check_service_area_ids(ids: &[i64]) -> Result<Vec<AreaId>, InputError> {
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    match ids.len() {
        0 => Err(InputError::NoServiceAreas),
        n if n > MAX_SERVICE_AREAS => Err(InputError::TooManyServiceAreas),
        _ => Ok(ids.into_iter().map(AreaId).collect()),
    }
}

/// Checks every field of a new organization at once, so the caller can report them all.
pub fn check_new_organization(
    kind: OrganizationKind,
    name_zh: &str,
    name_en: Option<&str>,
    description: Option<&str>,
    contact_phone: Option<&str>,
    service_area_ids: &[i64],
) -> Result<NewOrganization, Vec<InputError>> {
    let name_zh = check_name_zh(name_zh);
    let name_en = check_name_en(name_en);
    let description = check_description(description.unwrap_or_default());
    let contact_phone = normalize_contact_phone(contact_phone);
    let areas = check_service_area_ids(service_area_ids);
    match (name_zh, name_en, description, contact_phone, areas) {
        (Ok(name_zh), Ok(name_en), Ok(description), Ok(contact_phone), Ok(service_area_ids)) => {
            Ok(NewOrganization {
                kind,
                name_zh,
                name_en,
                description,
                contact_phone,
                service_area_ids,
            })
        }
        (name_zh, name_en, description, contact_phone, areas) => Err([
            name_zh.err(),
            name_en.err(),
            description.err(),
            contact_phone.err(),
            areas.err(),
        ]
        .into_iter()
        .flatten()
        .collect()),
    }
}

/// Raw changes as a request carries them; an empty string clears an optional field.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawChanges<'a> {
    /// New Chinese name.
    pub name_zh: Option<&'a str>,
    /// New English name; blank removes it.
    pub name_en: Option<&'a str>,
    /// New description.
    pub description: Option<&'a str>,
    /// New contact number; blank removes it.
    pub contact_phone: Option<&'a str>,
    /// New service areas.
    pub service_area_ids: Option<&'a [i64]>,
}

fn collect<T>(outcome: Result<T, InputError>, errors: &mut Vec<InputError>) -> Option<T> {
    outcome.map_err(|error| errors.push(error)).ok()
}

/// Checks every given field of a profile change at once.
pub fn check_changes(raw: RawChanges<'_>) -> Result<ProfileChanges, Vec<InputError>> {
    let mut errors = Vec::new();
    let changes = ProfileChanges {
        name_zh: raw
            .name_zh
            .and_then(|n| collect(check_name_zh(n), &mut errors)),
        name_en: raw
            .name_en
            .and_then(|n| collect(check_name_en(Some(n)), &mut errors)),
        description: raw
            .description
            .and_then(|d| collect(check_description(d), &mut errors)),
        contact_phone: raw
            .contact_phone
            .and_then(|p| collect(normalize_contact_phone(Some(p)), &mut errors)),
        service_area_ids: raw
            .service_area_ids
            .and_then(|ids| collect(check_service_area_ids(ids), &mut errors)),
    };
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    }
}

/// True when a change touches what staff vouched for — the names or the communities served —
/// so the organization must be verified again.
pub fn needs_reverification(organization: &Organization, changes: &ProfileChanges) -> bool {
    let renamed_zh = changes
        .name_zh
        .as_ref()
        .is_some_and(|n| *n != organization.name_zh);
    let renamed_en = changes
        .name_en
        .as_ref()
        .is_some_and(|n| *n != organization.name_en);
    let moved = changes.service_area_ids.as_ref().is_some_and(|ids| {
        let mut current: Vec<AreaId> = organization.service_areas.iter().map(|a| a.id).collect();
        current.sort_unstable();
        *ids != current
    });
    renamed_zh || renamed_en || moved
}

/// Area roles that may verify an organization serving their community.
const VERIFIER_ROLES: [Role; 3] = [Role::CommunityStaff, Role::StreetAdmin, Role::PlatformAdmin];

/// Why the policy refuses an action on an organization whose existence is public (HTTP 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Only the organization's admins may do this.
    #[error("only admins of this organization may do this")]
    NotAdmin,
    /// Only staff over one of its communities may verify it.
    #[error("only community staff or street admins over one of its communities may verify it")]
    NotVerifier,
    /// Only members and staff over its communities see its members.
    #[error("only members and staff over its communities see its members")]
    MembersHidden,
}

/// How a caller stands towards one organization: everything its policy questions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The person asking; none for a partner system acting through an API key.
    pub caller: Option<UserId>,
    /// Their role in the organization, if a member.
    pub membership: Option<MemberRole>,
    /// True when they hold a staff role over one of its communities.
    pub staff: bool,
    /// True when they hold a role that verifies organizations over one of its communities.
    pub verifier: bool,
    /// True for the organization's own systems (partner API keys).
    pub partner: bool,
}

impl Standing {
    /// Where `principal`, with `membership` in it, stands towards an organization serving `areas`.
    pub fn of(
        principal: &Principal,
        membership: Option<MemberRole>,
        areas: &[ServiceArea],
    ) -> Self {
        let over = |roles: &[Role]| areas.iter().any(|a| principal.holds_any(roles, &a.path));
        Self {
            caller: Some(principal.user.id),
            membership,
            staff: over(&STAFF_ROLES),
            verifier: over(&VERIFIER_ROLES),
            partner: false,
        }
    }

    /// The organization's own systems, calling with one of its API keys.
    pub fn partner() -> Self {
        Self {
            caller: None,
            membership: None,
            staff: false,
            verifier: false,
            partner: true,
        }
    }

    /// Members, staff over its communities and its own systems see unmasked contact details.
    pub fn sees_private(&self) -> bool {
        self.membership.is_some() || self.staff || self.partner
    }

    /// Changing the profile, the members and the API keys is for admins.
    pub fn check_admin(&self) -> Result<(), Refusal> {
        if self.membership == Some(MemberRole::Admin) {
            Ok(())
        } else {
            Err(Refusal::NotAdmin)
        }
    }

    /// Verification is for community staff and street admins over one of its communities.
    pub fn check_verifier(&self) -> Result<(), Refusal> {
        if self.verifier {
            Ok(())
        } else {
            Err(Refusal::NotVerifier)
        }
    }

    /// The member list is for members and staff.
    pub fn check_sees_members(&self) -> Result<(), Refusal> {
        if self.membership.is_some() || self.staff {
            Ok(())
        } else {
            Err(Refusal::MembersHidden)
        }
    }

    /// Admins remove anyone; every member may leave.
    pub fn check_removes(&self, target: UserId) -> Result<(), Refusal> {
        if self.caller == Some(target) && self.membership.is_some() {
            Ok(())
        } else {
            self.check_admin()
        }
    }
}

/// An organization as one caller may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewed {
    /// The organization.
    pub organization: Organization,
    /// How the caller stands towards it.
    pub standing: Standing,
}

impl Viewed {
    /// The contact number, masked unless the caller is entitled to it.
    pub fn contact_phone(&self) -> Option<String> {
        let phone = self.organization.contact_phone.as_deref()?;
        Some(if self.standing.sees_private() {
            phone.to_owned()
        } else {
            mask_contact_phone(phone)
        })
    }

    /// Who verified it; staff ids are shown only to members and staff.
    pub fn verified_by(&self) -> Option<UserId> {
        self.organization
            .verification
            .filter(|_| self.standing.sees_private())
            .map(|v| v.by)
    }
}

#[cfg(test)]
mod tests;
