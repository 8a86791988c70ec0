//! The tables as diesel sees them; only types both dialects share.

diesel::table! {
    /// The grid-management tree.
    areas (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The enclosing area; none for a district.
        parent_id -> Nullable<BigInt>,
        /// district, street, community or grid.
        level -> Text,
        /// Stable unique code (administrative code or slug).
        code -> Text,
        /// Chinese name.
        name_zh -> Text,
        /// English name.
        name_en -> Text,
        /// Ids from the root, `/1/4/9/`.
        path -> Text,
        /// When it was created (UTC).
        created_at -> Timestamp,
        /// When it last changed (UTC).
        updated_at -> Timestamp,
    }
}
