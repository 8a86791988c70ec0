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

diesel::table! {
    /// People who sign in.
    users (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Normalised mainland mobile number; NULL once closed.
        phone -> Nullable<Text>,
        /// Argon2id PHC string.
        password_hash -> Text,
        /// Name shown to others.
        display_name -> Text,
        /// The grid the person lives in.
        home_grid_id -> Nullable<BigInt>,
        /// zh-CN or en.
        locale -> Text,
        /// Optional address for notifications.
        email -> Nullable<Text>,
        /// active or closed.
        status -> Text,
        /// When it was created.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Sign-in sessions; the bearer token is stored only as a hash.
    sessions (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Whose session.
        user_id -> BigInt,
        /// SHA-256 hex of the token.
        token_hash -> Text,
        /// The client that signed in.
        user_agent -> Nullable<Text>,
        /// When it was created.
        created_at -> Timestamp,
        /// When it was last used.
        last_used_at -> Timestamp,
        /// When it stops working.
        expires_at -> Timestamp,
        /// When it was revoked (logout).
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Roles held on areas.
    role_grants (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Who holds the role.
        user_id -> BigInt,
        /// The role.
        role -> Text,
        /// The area it reaches (NULL for platform_admin).
        area_id -> Nullable<BigInt>,
        /// Who granted it (NULL when bootstrapped).
        granted_by -> Nullable<BigInt>,
        /// When it was granted.
        created_at -> Timestamp,
        /// When it was revoked.
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Append-only, hash-chained record of admin actions and personal-data reveals.
    audit_events (id) {
        /// Position in the chain.
        id -> BigInt,
        /// When it happened.
        occurred_at -> Timestamp,
        /// Who did it (NULL for the system).
        actor_id -> Nullable<BigInt>,
        /// For whom, when acting as a proxy.
        on_behalf_of -> Nullable<BigInt>,
        /// What was done, e.g. `role.granted`.
        action -> Text,
        /// The kind of object acted on.
        subject_type -> Text,
        /// The object's id.
        subject_id -> Text,
        /// The area the event belongs to, for scoping who may read it.
        area_id -> Nullable<BigInt>,
        /// JSON detail without personal data.
        detail -> Text,
        /// The previous event's hash.
        prev_hash -> Text,
        /// SHA-256 over this event and `prev_hash`.
        hash -> Text,
    }
}

diesel::table! {
    /// The managed list of volunteer skills.
    skills (code) {
        /// Stable code, e.g. `elder_care`.
        code -> Text,
        /// Chinese name.
        name_zh -> Text,
        /// English name.
        name_en -> Text,
    }
}

diesel::table! {
    /// What a volunteer offers and how far they travel.
    volunteer_profiles (user_id) {
        /// The volunteer.
        user_id -> BigInt,
        /// grid, community or street.
        service_radius -> Text,
        /// JSON array of languages and dialects.
        languages -> Text,
        /// Real name (personal data).
        real_name -> Nullable<Text>,
        /// Resident ID number (personal data).
        id_number -> Nullable<Text>,
        /// When staff verified the real name (实名认证).
        real_name_verified_at -> Nullable<Timestamp>,
        /// Who verified it.
        real_name_verified_by -> Nullable<BigInt>,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Skills a volunteer claims.
    volunteer_skills (user_id, skill_code) {
        /// The volunteer.
        user_id -> BigInt,
        /// The skill.
        skill_code -> Text,
    }
}

diesel::table! {
    /// Weekly availability of a volunteer.
    availability_slots (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The volunteer.
        user_id -> BigInt,
        /// ISO weekday, 1 = Monday.
        weekday -> Integer,
        /// Minutes after midnight (display zone) the slot starts.
        start_minute -> Integer,
        /// Minutes after midnight the slot ends.
        end_minute -> Integer,
    }
}

diesel::table! {
    /// Training, health certificates and background checks.
    credentials (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Whose.
        user_id -> BigInt,
        /// training, health_certificate or background_check.
        kind -> Text,
        /// What it is, e.g. 助浴培训.
        title -> Text,
        /// When it stops being valid.
        expires_at -> Nullable<Timestamp>,
        /// When staff checked it.
        verified_at -> Nullable<Timestamp>,
        /// Who checked it.
        verified_by -> Nullable<BigInt>,
        /// When it was added.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// A resident's birth date, address and verified eligibility facts.
    resident_profiles (user_id) {
        /// The resident.
        user_id -> BigInt,
        /// Birth date, for age-based rules.
        birth_date -> Nullable<Date>,
        /// Home address (personal data).
        address -> Nullable<Text>,
        /// Resident ID number (personal data).
        id_number -> Nullable<Text>,
        /// 低保: receives minimum living allowance.
        low_income -> Bool,
        /// 失能 level, 0 (none) to 3 (severe).
        disability_level -> Integer,
        /// Lives alone.
        lives_alone -> Bool,
        /// Holds a disability certificate.
        disabled -> Bool,
        /// When staff verified the facts.
        facts_verified_at -> Nullable<Timestamp>,
        /// Who verified them.
        facts_verified_by -> Nullable<BigInt>,
        /// What evidence was seen.
        evidence_notes -> Nullable<Text>,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Consent for someone to act for a resident without a smartphone.
    proxy_consents (id) {
        /// Surrogate key.
        id -> BigInt,
        /// For whom.
        resident_id -> BigInt,
        /// Who acts.
        proxy_id -> BigInt,
        /// grid_worker or family.
        relationship -> Text,
        /// The staff member who recorded the consent.
        created_by -> BigInt,
        /// When.
        created_at -> Timestamp,
        /// When it was revoked.
        revoked_at -> Nullable<Timestamp>,
        /// Who revoked it.
        revoked_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// One row per job and business slot: the instance whose insert wins runs the slot.
    job_runs (job, slot) {
        /// The job's catalogue name, e.g. `purge_expired_sessions`.
        job -> Text,
        /// The business slot in the configured zone, e.g. `2026-11-28` or `2026-11-28T03:17`.
        slot -> Text,
        /// Who holds or held the slot (host:pid:random).
        instance -> Text,
        /// 1 for the first runner, + 1 for each takeover after a lease ran out.
        attempt -> Integer,
        /// Until when the runner holds the slot; later another instance may take it over.
        lease_until -> Timestamp,
        /// When the current attempt started.
        started_at -> Timestamp,
        /// When it finished; NULL while running or when its runner died.
        finished_at -> Nullable<Timestamp>,
        /// succeeded or failed; NULL until finished.
        outcome -> Nullable<Text>,
        /// JSON object: counts of a success or the error of a failure.
        detail -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(role_grants -> areas (area_id));
diesel::joinable!(users -> areas (home_grid_id));
diesel::joinable!(role_grants -> users (user_id));
diesel::joinable!(audit_events -> areas (area_id));
diesel::allow_tables_to_appear_in_same_query!(
    areas,
    users,
    sessions,
    role_grants,
    audit_events,
    skills,
    volunteer_profiles,
    volunteer_skills,
    availability_slots,
    credentials,
    resident_profiles,
    proxy_consents,
    organizations,
    organization_areas,
    organization_members,
    api_keys,
    job_runs,
    service_categories,
    care_plans,
    needs,
    need_details,
    need_assignments,
    need_check_events,
    need_disputes,
);

diesel::table! {
    /// Volunteer teams, social organizations, providers and charities.
    organizations (id) {
        /// Surrogate key.
        id -> BigInt,
        /// volunteer_team, social_org, provider or charity.
        kind -> Text,
        /// Chinese name.
        name_zh -> Text,
        /// English name, if it has one.
        name_en -> Nullable<Text>,
        /// What it does, shown publicly.
        description -> Text,
        /// The organization's own number (digits only); masked for the public.
        contact_phone -> Nullable<Text>,
        /// Who founded it on Linli (its first admin).
        created_by -> BigInt,
        /// When staff verified it.
        verified_at -> Nullable<Timestamp>,
        /// Which staff member verified it.
        verified_by -> Nullable<BigInt>,
        /// When it was created.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The communities an organization serves.
    organization_areas (organization_id, area_id) {
        /// The organization.
        organization_id -> BigInt,
        /// A community it serves.
        area_id -> BigInt,
    }
}

diesel::table! {
    /// People who belong to an organization, with their role in it.
    organization_members (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The organization.
        organization_id -> BigInt,
        /// The member.
        user_id -> BigInt,
        /// admin, leader or member.
        role -> Text,
        /// Who added them (NULL for the founder).
        added_by -> Nullable<BigInt>,
        /// When they joined.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Partner API keys; the key is stored only as a hash.
    api_keys (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The organization the key acts for.
        organization_id -> BigInt,
        /// A label chosen by its creator.
        name -> Text,
        /// The first characters of the key, safe to show.
        display_prefix -> Text,
        /// SHA-256 hex of the key.
        secret_hash -> Text,
        /// Space-separated scopes.
        scopes -> Text,
        /// The admin who created it.
        created_by -> BigInt,
        /// When it was created.
        created_at -> Timestamp,
        /// When it stops working, if ever.
        expires_at -> Nullable<Timestamp>,
        /// When it was last used (to the minute).
        last_used_at -> Nullable<Timestamp>,
        /// When it was revoked.
        revoked_at -> Nullable<Timestamp>,
        /// Who revoked it.
        revoked_by -> Nullable<BigInt>,
    }
}

diesel::joinable!(organization_areas -> organizations (organization_id));
diesel::joinable!(organization_areas -> areas (area_id));
diesel::joinable!(organization_members -> organizations (organization_id));
diesel::joinable!(organization_members -> users (user_id));
diesel::joinable!(api_keys -> organizations (organization_id));

diesel::table! {
    /// Kinds of help, managed by platform admins, with their safeguarding gates.
    service_categories (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Stable code, e.g. `elder_care`.
        code -> Text,
        /// Chinese name.
        name_zh -> Text,
        /// English name.
        name_en -> Text,
        /// volunteer, paid or both.
        mode -> Text,
        /// Points weight in thousandths.
        points_weight_milli -> BigInt,
        /// JSON array of credential kinds a helper must hold valid.
        required_credentials -> Text,
        /// Whether helpers need a verified real name.
        requires_verified_real_name -> Bool,
        /// When it was created.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Recurring needs a social worker plans for a resident.
    care_plans (id) {
        /// Surrogate key.
        id -> BigInt,
        /// For whom.
        resident_id -> BigInt,
        /// The social worker who made it.
        created_by -> BigInt,
        /// Kind of help.
        category_id -> BigInt,
        /// What is needed.
        description -> Text,
        /// Where.
        grid_id -> BigInt,
        /// The grid's materialized path.
        area_path -> Text,
        /// ISO weekday.
        weekday -> Integer,
        /// Minute of the day it starts (display time zone).
        start_minute -> Integer,
        /// How long each occurrence takes.
        duration_minutes -> Integer,
        /// Helpers per occurrence.
        headcount -> Integer,
        /// The helper offered first.
        preferred_helper_id -> Nullable<BigInt>,
        /// Whether occurrences are still generated.
        active -> Bool,
        /// When it was created.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// What residents need done: the columns guarded statements and listings touch.
    needs (id) {
        /// Surrogate key.
        id -> BigInt,
        /// For whom.
        resident_id -> BigInt,
        /// Who posted it.
        created_by -> BigInt,
        /// Kind of help.
        category_id -> BigInt,
        /// Where.
        grid_id -> BigInt,
        /// The grid's materialized path.
        area_path -> Text,
        /// Earliest start.
        window_start -> Timestamp,
        /// Latest end.
        window_end -> Timestamp,
        /// Estimated minutes.
        duration_minutes -> Integer,
        /// Helpers wanted.
        headcount -> Integer,
        /// Helpers assigned (guarded counter).
        assigned_count -> Integer,
        /// volunteer or paid.
        mode -> Text,
        /// Lifecycle state.
        status -> Text,
        /// Flagged for staff attention.
        escalated -> Bool,
        /// When every helper had checked out.
        awaiting_since -> Nullable<Timestamp>,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The rest of a need: what was asked and what came of it.
    need_details (need_id) {
        /// The need.
        need_id -> BigInt,
        /// What is needed.
        description -> Text,
        /// Personal data.
        address -> Nullable<Text>,
        /// normal or urgent.
        urgency -> Text,
        /// The 4-digit check code.
        check_code -> Text,
        /// Why it was cancelled.
        cancel_reason -> Nullable<Text>,
        /// The care plan it is an occurrence of.
        care_plan_id -> Nullable<BigInt>,
        /// The occurrence's start.
        occurrence_start -> Nullable<Timestamp>,
        /// The helper to offer first.
        preferred_helper_id -> Nullable<BigInt>,
        /// The resident's rating.
        rating -> Nullable<Integer>,
        /// The resident's comment.
        rating_comment -> Nullable<Text>,
        /// When it was completed.
        completed_at -> Nullable<Timestamp>,
        /// When it was created.
        created_at -> Timestamp,
    }
}

diesel::joinable!(need_details -> needs (need_id));

diesel::table! {
    /// One person's claim on a need and what came of it.
    need_assignments (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Which need.
        need_id -> BigInt,
        /// Who.
        helper_id -> BigInt,
        /// waitlisted, assigned, checked_in, checked_out, withdrawn, no_show or cancelled.
        status -> Text,
        /// When they claimed.
        claimed_at -> Timestamp,
        /// When they got a place.
        assigned_at -> Nullable<Timestamp>,
        /// When they withdrew.
        withdrawn_at -> Nullable<Timestamp>,
        /// When they checked in.
        checked_in_at -> Nullable<Timestamp>,
        /// When they checked out.
        checked_out_at -> Nullable<Timestamp>,
        /// Minutes credited.
        minutes -> Nullable<Integer>,
        /// Closed by a job or adjusted: staff should look.
        flagged_for_review -> Bool,
        /// Wrong codes in a row.
        code_failures -> Integer,
        /// Counted as delivered help.
        completed -> Bool,
        /// The resident's rating.
        rating -> Nullable<Integer>,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Check-ins and check-outs as they happened.
    need_check_events (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Which need.
        need_id -> BigInt,
        /// Which helper.
        helper_id -> BigInt,
        /// check_in, check_out or auto_close.
        kind -> Text,
        /// Who recorded it (none: the system).
        recorded_by -> Nullable<BigInt>,
        /// Why staff overrode the code.
        override_reason -> Nullable<Text>,
        /// When.
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    /// Disagreements about delivered help, resolved by staff.
    need_disputes (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Which need.
        need_id -> BigInt,
        /// Who opened it.
        opened_by -> BigInt,
        /// Why.
        reason -> Text,
        /// open or resolved.
        status -> Text,
        /// uphold, adjust or void.
        resolution -> Nullable<Text>,
        /// Why it was resolved so.
        resolution_reason -> Nullable<Text>,
        /// Minutes set by an adjustment.
        adjusted_minutes -> Nullable<Integer>,
        /// Staff who resolved it.
        resolved_by -> Nullable<BigInt>,
        /// When.
        resolved_at -> Nullable<Timestamp>,
        /// When it was opened.
        created_at -> Timestamp,
    }
}
