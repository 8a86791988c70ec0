//! The authorization policy as pure functions over a principal and area paths.

use super::{Principal, Role};
use crate::areas::AreaLevel;
use crate::areas::rules::is_within;

/// Roles that count as staff over an area: they verify people and organizations' members,
/// record consents and see personal data there.
pub const STAFF_ROLES: [Role; 4] = [
    Role::SocialWorker,
    Role::CommunityStaff,
    Role::StreetAdmin,
    Role::PlatformAdmin,
];

/// Why a grant is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    /// The role must be granted on an area of another level.
    #[error("{role} is granted on a {expected}, not on a {actual}")]
    WrongLevel {
        /// The role.
        role: &'static str,
        /// The level it needs.
        expected: &'static str,
        /// The level named.
        actual: &'static str,
    },
    /// platform_admin is granted without an area; every other role needs one.
    #[error("{0} must be granted {1}")]
    AreaPresence(&'static str, &'static str),
    /// The granter does not hold the area with enough power.
    #[error("you hold no role that may grant {0} on this area")]
    NotHeld(&'static str),
}

impl Role {
    /// The area level a role is granted on; none for platform_admin.
    pub fn level(self) -> Option<AreaLevel> {
        match self {
            Self::Resident | Self::Volunteer | Self::GridWorker => Some(AreaLevel::Grid),
            Self::SocialWorker | Self::CommunityStaff => Some(AreaLevel::Community),
            Self::StreetAdmin => Some(AreaLevel::Street),
            Self::PlatformAdmin => None,
        }
    }

    /// Roles this role may grant within its own area.
    fn may_grant(self, role: Role) -> bool {
        match self {
            Self::PlatformAdmin => true,
            Self::StreetAdmin => role < Self::StreetAdmin,
            Self::CommunityStaff => matches!(
                role,
                Self::Resident | Self::Volunteer | Self::GridWorker | Self::SocialWorker
            ),
            Self::Resident | Self::Volunteer | Self::SocialWorker | Self::GridWorker => false,
        }
    }
}

impl Principal {
    /// True when the person is a platform admin.
    pub fn is_platform_admin(&self) -> bool {
        self.roles.iter().any(|r| r.role == Role::PlatformAdmin)
    }

    /// True when one of `roles` is held on an area whose subtree contains `area_path`.
    pub fn holds_any(&self, roles: &[Role], area_path: &str) -> bool {
        self.roles.iter().any(|held| {
            roles.contains(&held.role)
                && (held.role == Role::PlatformAdmin || is_within(area_path, &held.area_path))
        })
    }

    /// Community staff, social workers or admins over the area at `area_path`: who verifies
    /// people, records consents and sees personal data there.
    pub fn is_staff_over(&self, area_path: &str) -> bool {
        self.holds_any(&STAFF_ROLES, area_path)
    }

    /// May create, rename or move areas below `parent_path` (none: a new district).
    pub fn may_manage_areas(&self, parent_path: Option<&str>) -> bool {
        match parent_path {
            None => self.is_platform_admin(),
            Some(path) => self.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], path),
        }
    }

    /// May read the audit log of the area at `area_path` (none: platform-wide events).
    pub fn may_read_audit(&self, area_path: Option<&str>) -> bool {
        match area_path {
            None => self.is_platform_admin(),
            Some(path) => self.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], path),
        }
    }

    /// Checks a grant of `role` on the area at (`level`, `path`), or without an area.
    pub fn check_grant(
        &self,
        role: Role,
        area: Option<(AreaLevel, &str)>,
    ) -> Result<(), GrantRefusal> {
        match (role.level(), area) {
            (None, Some(_)) => {
                return Err(GrantRefusal::AreaPresence(role.as_str(), "without an area"));
            }
            (Some(_), None) => return Err(GrantRefusal::AreaPresence(role.as_str(), "on an area")),
            (Some(expected), Some((actual, _))) if expected != actual => {
                return Err(GrantRefusal::WrongLevel {
                    role: role.as_str(),
                    expected: expected.as_str(),
                    actual: actual.as_str(),
                });
            }
            _ => {}
        }
        let allowed = self.roles.iter().any(|held| {
            held.role.may_grant(role)
                && match area {
                    None => held.role == Role::PlatformAdmin,
                    Some((_, path)) => {
                        held.role == Role::PlatformAdmin || is_within(path, &held.area_path)
                    }
                }
        });
        if allowed {
            Ok(())
        } else {
            Err(GrantRefusal::NotHeld(role.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[(Role, &str)]) -> Principal {
        crate::access::test_principal(1, roles)
    }

    #[test]
    fn a_grant_reaches_the_subtree_and_nothing_beside_it() {
        let street_admin = principal(&[(Role::StreetAdmin, "/1/2/")]);
        assert!(street_admin.holds_any(&[Role::StreetAdmin], "/1/2/5/9/"));
        assert!(!street_admin.holds_any(&[Role::StreetAdmin], "/1/3/"));
        assert!(!street_admin.holds_any(&[Role::StreetAdmin], "/1/"));
        assert!(!street_admin.holds_any(&[Role::StreetAdmin], "/1/22/"));
    }

    #[test]
    fn street_admins_grant_below_their_rank_inside_their_street_only() {
        let admin = principal(&[(Role::StreetAdmin, "/1/2/")]);
        assert_eq!(
            admin.check_grant(
                Role::CommunityStaff,
                Some((AreaLevel::Community, "/1/2/5/"))
            ),
            Ok(())
        );
        assert_eq!(
            admin.check_grant(
                Role::CommunityStaff,
                Some((AreaLevel::Community, "/1/3/7/"))
            ),
            Err(GrantRefusal::NotHeld("community_staff"))
        );
        assert_eq!(
            admin.check_grant(Role::StreetAdmin, Some((AreaLevel::Street, "/1/2/"))),
            Err(GrantRefusal::NotHeld("street_admin"))
        );
        assert_eq!(
            admin.check_grant(Role::PlatformAdmin, None),
            Err(GrantRefusal::NotHeld("platform_admin"))
        );
    }

    #[test]
    fn roles_go_on_areas_of_their_level() {
        let root = principal(&[(Role::PlatformAdmin, "")]);
        assert!(matches!(
            root.check_grant(Role::GridWorker, Some((AreaLevel::Community, "/1/2/5/"))),
            Err(GrantRefusal::WrongLevel { .. })
        ));
        assert!(matches!(
            root.check_grant(Role::StreetAdmin, None),
            Err(GrantRefusal::AreaPresence(..))
        ));
        assert_eq!(root.check_grant(Role::PlatformAdmin, None), Ok(()));
    }

    #[test]
    fn residents_and_volunteers_grant_nothing() {
        let resident = principal(&[
            (Role::Resident, "/1/2/5/9/"),
            (Role::Volunteer, "/1/2/5/9/"),
        ]);
        assert!(
            resident
                .check_grant(Role::Resident, Some((AreaLevel::Grid, "/1/2/5/9/")))
                .is_err()
        );
        assert!(!resident.may_manage_areas(Some("/1/2/5/")));
        assert!(!resident.may_read_audit(Some("/1/2/5/9/")));
    }
}
