//! The area tree (网格化管理): district → street → community → grid. Roles granted on an
//! area reach its subtree; matching prefers nearer areas.

pub mod changes;
pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Identifies an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AreaId(pub i64);

/// The four levels of the tree, from the widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// 区县
    District,
    /// 街道
    Street,
    /// 社区
    Community,
    /// 网格
    Grid,
}

impl AreaLevel {
    /// All levels, widest first.
    pub const ALL: [AreaLevel; 4] = [Self::District, Self::Street, Self::Community, Self::Grid];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::Street => "street",
            Self::Community => "community",
            Self::Grid => "grid",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == raw)
    }
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// Its id.
    pub id: AreaId,
    /// The enclosing area (none for a district).
    pub parent_id: Option<AreaId>,
    /// Its level.
    pub level: AreaLevel,
    /// Stable unique code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Ids from the root, `/1/4/9/`; a subtree is a prefix match.
    pub path: String,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

/// What a caller supplies to create an area; checked by [`rules::check_new_area`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArea {
    /// The enclosing area (none for a district).
    pub parent_id: Option<AreaId>,
    /// Its level; must be one below the parent's.
    pub level: AreaLevel,
    /// Stable unique code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}
