//! Pure rules of the area tree.

use super::{AreaId, AreaLevel, NewArea};

/// Why an area cannot be placed where it was asked to go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// Only districts stand at the root.
    #[error("only a district may have no parent")]
    RootMustBeDistrict,
    /// A district cannot be placed below anything.
    #[error("a district cannot have a parent")]
    DistrictHasNoParent,
    /// Levels must step down one at a time.
    #[error("a {child} must be placed in a {expected}, not in a {actual}")]
    WrongParentLevel {
        /// The new area's level.
        child: &'static str,
        /// The level its parent must have.
        expected: &'static str,
        /// The level the named parent has.
        actual: &'static str,
    },
}

impl AreaLevel {
    /// The level directly above, if any.
    pub fn parent_level(self) -> Option<AreaLevel> {
        match self {
            Self::District => None,
            Self::Street => Some(Self::District),
            Self::Community => Some(Self::Street),
            Self::Grid => Some(Self::Community),
        }
    }
}

/// Checks that `new` may sit below a parent of `parent_level` (none for the root).
pub fn check_placement(
    level: AreaLevel,
    parent_level: Option<AreaLevel>,
) -> Result<(), PlacementError> {
    match (level.parent_level(), parent_level) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PlacementError::DistrictHasNoParent),
        (Some(_), None) => Err(PlacementError::RootMustBeDistrict),
        (Some(expected), Some(actual)) if expected == actual => Ok(()),
        (Some(expected), Some(actual)) => Err(PlacementError::WrongParentLevel {
            child: level.as_str(),
            expected: expected.as_str(),
            actual: actual.as_str(),
        }),
    }
}

/// Checks a new area against its parent's level.
pub fn check_new_area(
    new: &NewArea,
    parent_level: Option<AreaLevel>,
) -> Result<(), PlacementError> {
    check_placement(new.level, parent_level)
}

/// The materialized path of a child of `parent_path` (or of a root).
pub fn child_path(parent_path: Option<&str>, id: AreaId) -> String {
    format!("{}{}/", parent_path.unwrap_or("/"), id.0)
}

/// True when the area at `path` lies in the subtree rooted at `root_path` (itself included).
pub fn is_within(path: &str, root_path: &str) -> bool {
    path.starts_with(root_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_step_down_one_at_a_time() {
        assert_eq!(check_placement(AreaLevel::District, None), Ok(()));
        assert_eq!(
            check_placement(AreaLevel::Grid, Some(AreaLevel::Community)),
            Ok(())
        );
        assert_eq!(
            check_placement(AreaLevel::Grid, Some(AreaLevel::Street)),
            Err(PlacementError::WrongParentLevel {
                child: "grid",
                expected: "community",
                actual: "street"
            })
        );
        assert_eq!(
            check_placement(AreaLevel::Street, None),
            Err(PlacementError::RootMustBeDistrict)
        );
        assert_eq!(
            check_placement(AreaLevel::District, Some(AreaLevel::District)),
            Err(PlacementError::DistrictHasNoParent)
        );
    }

    #[test]
    fn a_subtree_is_a_path_prefix_and_never_a_sibling() {
        let street = child_path(Some("/1/"), AreaId(2));
        assert_eq!(street, "/1/2/");
        assert!(is_within("/1/2/7/", &street));
        assert!(is_within(&street, &street));
        assert!(
            !is_within("/1/21/", &street),
            "id 21 is a sibling, not a child of 2"
        );
    }
}
