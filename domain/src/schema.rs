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
    ledger_accounts,
    ledger_transfers,
    ledger_entries,
    ledger_holds,
    ledger_lots,
    ledger_lot_uses,
    points_policies,
    outbox,
    notifications,
    notification_preferences,
    webhook_endpoints,
    webhook_deliveries,
    service_categories,
    care_plans,
    needs,
    need_details,
    need_assignments,
    need_check_events,
    need_disputes,
    need_reminders,
    need_offers,
    points_statements,
    clearing_settlements,
    honour_hours,
    matching_generation,
    rewards,
    redemptions,
    idempotent_requests,
    paid_offerings,
    paid_offering_texts,
    paid_offering_areas,
    paid_provider_terms,
    paid_points_terms,
    paid_subsidy_programs,
    paid_program_categories,
    paid_subsidy_usage,
    paid_orders,
    paid_order_money,
    paid_order_progress,
    paid_order_subsidies,
    money_accounts,
    money_transfers,
    money_entries,
    paid_payments,
    paid_refunds,
    paid_refund_subsidies,
    paid_settlements,
    paid_settlement_reviews,
    paid_settlement_lines,
    paid_settlement_counters,
    paid_settlement_entries,
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
diesel::joinable!(ledger_entries -> ledger_transfers (transfer_id));

diesel::table! {
    /// Points accounts: one per person and organization, and named system accounts per community.
    ledger_accounts (id) {
        /// Surrogate key.
        id -> BigInt,
        /// person, organization, issuance, redemption, expiry, donation_pool, clearing or escrow.
        kind -> Text,
        /// The person owning a person account.
        user_id -> Nullable<BigInt>,
        /// The organization owning an organization account.
        organization_id -> Nullable<BigInt>,
        /// The community of a system account.
        community_id -> Nullable<BigInt>,
        /// Cached sum of the account's entries, in whole points.
        balance -> BigInt,
        /// Only issuance and clearing accounts may go below zero.
        may_go_negative -> Bool,
        /// When it was opened.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Immutable movements of points from one account to another.
    ledger_transfers (id) {
        /// Surrogate key, in posting order.
        id -> BigInt,
        /// Unique per movement: a retry finds the first posting.
        idempotency_key -> Text,
        /// earn, grant, hold, capture, release, donate, transfer, expire, reverse or clearing.
        kind -> Text,
        /// The account points leave.
        debit_account_id -> BigInt,
        /// The account points reach.
        credit_account_id -> BigInt,
        /// Whole points, positive.
        amount -> BigInt,
        /// What caused it (task, redemption, grant…).
        cause_type -> Text,
        /// Which one.
        cause_id -> Text,
        /// The transfer a reversal corrects.
        reverses_transfer_id -> Nullable<BigInt>,
        /// Who made it happen, if a person did.
        actor_id -> Nullable<BigInt>,
        /// Why, in words.
        memo -> Text,
        /// When it was posted.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Two per transfer: the debit (negative) and the credit (positive).
    ledger_entries (id) {
        /// Surrogate key, in posting order.
        id -> BigInt,
        /// The transfer it belongs to.
        transfer_id -> BigInt,
        /// The account it moves.
        account_id -> BigInt,
        /// Signed whole points.
        amount -> BigInt,
        /// The account's balance after this entry.
        balance_after -> BigInt,
        /// When it was posted.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Points set aside for a redemption until it is fulfilled, cancelled or lapses.
    ledger_holds (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The account the points came from.
        account_id -> BigInt,
        /// The escrow account holding them.
        escrow_account_id -> BigInt,
        /// Whole points.
        amount -> BigInt,
        /// open, captured, released or expired.
        status -> Text,
        /// The transfer into escrow.
        hold_transfer_id -> BigInt,
        /// The transfer out of escrow.
        resolution_transfer_id -> Nullable<BigInt>,
        /// What the hold is for.
        cause_type -> Text,
        /// Which one.
        cause_id -> Text,
        /// When an open hold lapses.
        expires_at -> Timestamp,
        /// When it was placed.
        created_at -> Timestamp,
        /// When it was resolved.
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Messages leaving Linli (emails, webhooks), written inside the transaction that causes
    /// them and delivered after commit.
    outbox (id) {
        /// UUID v7; also the email Message-ID and the webhook-id.
        id -> Text,
        /// email or webhook.
        channel -> Text,
        /// Event name, e.g. `account.welcome`.
        topic -> Text,
        /// email: the user id; webhook: the endpoint id.
        recipient -> Text,
        /// JSON the channel's sender builds the message from.
        payload -> Text,
        /// pending, delivered or dead.
        status -> Text,
        /// Delivery attempts so far.
        attempts -> Integer,
        /// Not before this instant.
        next_attempt_at -> Timestamp,
        /// The worker instance delivering it.
        claimed_by -> Nullable<Text>,
        /// Until when that worker holds it.
        claimed_until -> Nullable<Timestamp>,
        /// Why the last attempt failed.
        last_error -> Nullable<Text>,
        /// When it was written.
        created_at -> Timestamp,
        /// When it was delivered.
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Versions of each community's points policy; never edited.
    points_policies (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The community.
        community_id -> BigInt,
        /// 1, 2, 3… per community.
        version -> Integer,
        /// First local date it applies to.
        effective_from -> Date,
        /// Points for one hour of help.
        points_per_hour -> BigInt,
        /// Extra per cent for urgent needs.
        urgent_bonus_percent -> BigInt,
        /// Most points a person may earn a day.
        daily_cap -> Nullable<BigInt>,
        /// Most points a person may hold.
        balance_cap -> Nullable<BigInt>,
        /// Months until earned points expire.
        expiry_months -> Nullable<Integer>,
        /// Age from which elder-care rewards may be redeemed.
        elder_redemption_age -> Nullable<Integer>,
        /// Whether points may be given to relatives.
        relative_transfers_allowed -> Bool,
        /// Honour hours staff may add per person and year.
        honour_hours_yearly_cap -> Nullable<BigInt>,
        /// Who set it.
        created_by -> BigInt,
        /// When it was set.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// In-app notifications, rendered in the recipient's language.
    notifications (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Whose notification.
        user_id -> BigInt,
        /// Event name, e.g. `volunteer.verified`.
        topic -> Text,
        /// Preference category.
        category -> Text,
        /// Urgent notices always reach in-app and ignore quiet hours.
        urgent -> Bool,
        /// Short title.
        title -> Text,
        /// The text.
        body -> Text,
        /// When it was written.
        created_at -> Timestamp,
        /// When its recipient marked it read.
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// A person's notification choices per category and channel.
    notification_preferences (user_id, category) {
        /// Whose choice.
        user_id -> BigInt,
        /// The category.
        category -> Text,
        /// Show in the app.
        in_app -> Bool,
        /// Send by email.
        email -> Bool,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(notification_preferences -> users (user_id));

diesel::table! {
    /// Partner webhook endpoints registered by organizations.
    webhook_endpoints (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The organization whose events it receives.
        organization_id -> BigInt,
        /// The http(s) URL deliveries are posted to.
        url -> Text,
        /// A note by whoever registered it.
        description -> Text,
        /// Space-separated event names it subscribes to.
        events -> Text,
        /// The signing secret, `whsec_` + base64.
        secret -> Text,
        /// Whether deliveries are sent.
        enabled -> Bool,
        /// `manual` or `failing` while disabled.
        disabled_reason -> Nullable<Text>,
        /// When it was disabled.
        disabled_at -> Nullable<Timestamp>,
        /// The first failed attempt since the last success.
        failing_since -> Nullable<Timestamp>,
        /// The last successful attempt.
        last_success_at -> Nullable<Timestamp>,
        /// The last failed attempt.
        last_failure_at -> Nullable<Timestamp>,
        /// The admin who registered it.
        created_by -> Nullable<BigInt>,
        /// The API key a partner system registered it with.
        created_by_key -> Nullable<BigInt>,
        /// When it was registered.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One row per webhook delivery attempt.
    webhook_deliveries (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The endpoint.
        endpoint_id -> BigInt,
        /// The outbox message id (`webhook-id`).
        message_id -> Text,
        /// The event name.
        event -> Text,
        /// Which attempt of the message, from 1.
        attempt -> Integer,
        /// When the attempt started.
        attempted_at -> Timestamp,
        /// The receiver's HTTP status, if it answered.
        status_code -> Nullable<Integer>,
        /// Why it failed, if it did.
        error -> Nullable<Text>,
        /// How long it took.
        duration_ms -> BigInt,
        /// Whether the receiver answered 2xx.
        succeeded -> Bool,
    }
}

diesel::joinable!(webhook_endpoints -> organizations (organization_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

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

diesel::table! {
    /// Reminders sent before a need starts; one per need, recipient and kind.
    need_reminders (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Which need.
        need_id -> BigInt,
        /// The resident or an assigned helper.
        recipient_id -> BigInt,
        /// 24h or 2h.
        kind -> Text,
        /// When it was sent.
        sent_at -> Timestamp,
    }
}

diesel::table! {
    /// Offers of a need to ranked targets, one pending at a time.
    need_offers (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Which need.
        need_id -> BigInt,
        /// The dispatcher's ranking.
        position -> Integer,
        /// The volunteer offered to.
        target_user_id -> Nullable<BigInt>,
        /// The team or social organization offered to.
        target_organization_id -> Nullable<BigInt>,
        /// queued, pending, accepted, declined, lapsed or withdrawn.
        status -> Text,
        /// Who dispatched.
        dispatched_by -> BigInt,
        /// Minutes the target has to answer once offered.
        response_minutes -> Integer,
        /// When it was offered.
        offered_at -> Nullable<Timestamp>,
        /// When it lapses unanswered.
        deadline -> Nullable<Timestamp>,
        /// Who answered.
        responded_by -> Nullable<BigInt>,
        /// When it was answered, lapsed or withdrawn.
        responded_at -> Nullable<Timestamp>,
        /// When it was dispatched.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The reward catalogue of each community.
    rewards (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The community it is offered in.
        community_id -> BigInt,
        /// The offering provider or charity (none: the community itself).
        organization_id -> Nullable<BigInt>,
        /// item or service.
        kind -> Text,
        /// Chinese title.
        title_zh -> Text,
        /// English title.
        title_en -> Nullable<Text>,
        /// Chinese description.
        description_zh -> Text,
        /// English description.
        description_en -> Nullable<Text>,
        /// Points per unit.
        points_cost -> BigInt,
        /// Units left (none: unlimited).
        stock -> Nullable<BigInt>,
        /// Most units one person may hold placed or fulfilled.
        per_person_limit -> Nullable<Integer>,
        /// Fixed minimum age.
        minimum_age -> Nullable<Integer>,
        /// Gated by the policy's elder redemption age.
        elder_only -> Bool,
        /// Offered now.
        active -> Bool,
        /// When it was created.
        created_at -> Timestamp,
        /// When it last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One row whose counter moves (by triggers) with every change to the facts matching keeps
    /// in memory, so an instance knows cheaply when its candidate index is stale.
    matching_generation (id) {
        /// Always 1.
        id -> Integer,
        /// Bumped in the same transaction as each change.
        generation -> BigInt,
    }
}

diesel::table! {
    /// Redemptions of rewards, each backed by a ledger hold.
    redemptions (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Which reward.
        reward_id -> BigInt,
        /// Whose points.
        user_id -> BigInt,
        /// Who asked (the person or their proxy).
        placed_by -> BigInt,
        /// Units.
        quantity -> Integer,
        /// Points held.
        points -> BigInt,
        /// The ledger hold.
        hold_id -> BigInt,
        /// placed, fulfilled, cancelled or expired.
        state -> Text,
        /// The caller-scoped idempotency key.
        idempotency_key -> Text,
        /// Who fulfilled or cancelled it.
        resolved_by -> Nullable<BigInt>,
        /// The organization that fulfilled it through the partner API.
        resolved_by_organization -> Nullable<BigInt>,
        /// When it was resolved.
        resolved_at -> Nullable<Timestamp>,
        /// Why it was cancelled.
        reason -> Nullable<Text>,
        /// When it was placed.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Requests keyed by the caller's Idempotency-Key: in flight, then their stored response.
    idempotent_requests (scoped_key) {
        /// `user:{id}:{key}`.
        scoped_key -> Text,
        /// The operation id.
        operation -> Text,
        /// SHA-256 of the request body.
        request_hash -> Text,
        /// in_flight or done.
        state -> Text,
        /// When an in-flight claim lapses.
        locked_until -> Timestamp,
        /// The stored status.
        response_status -> Nullable<Integer>,
        /// The stored body.
        response_body -> Nullable<Text>,
        /// When the key was first seen.
        created_at -> Timestamp,
    }
}

diesel::joinable!(redemptions -> rewards (reward_id));

diesel::table! {
    /// Points a person received together, spent and expired first in, first out.
    ledger_lots (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The person account holding them.
        account_id -> BigInt,
        /// The credit that brought them in; none for balances from before lots.
        source_transfer_id -> Nullable<BigInt>,
        /// The community whose expiry account takes what lapses.
        community_id -> Nullable<BigInt>,
        /// Points the lot began with.
        amount -> BigInt,
        /// Points still in it.
        remaining -> BigInt,
        /// When what remains expires; never when none.
        expires_at -> Nullable<Timestamp>,
        /// When the holder was told it is about to expire.
        notified_at -> Nullable<Timestamp>,
        /// When it was opened.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// What a debit took from which lot.
    ledger_lot_uses (transfer_id, lot_id) {
        /// The debit.
        transfer_id -> BigInt,
        /// The lot.
        lot_id -> BigInt,
        /// Points taken.
        amount -> BigInt,
    }
}

diesel::joinable!(ledger_lot_uses -> ledger_lots (lot_id));

diesel::table! {
    /// Monthly points statements sent; one per person and month.
    points_statements (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Whose.
        user_id -> BigInt,
        /// The month covered, `YYYY-MM` in the display time zone.
        period -> Text,
        /// Points owned before the month, available and on hold.
        opening -> BigInt,
        /// Points that came in (earned, granted, received).
        earned -> BigInt,
        /// Points that left the account: redemptions captured, donations, gifts (not holds).
        spent -> BigInt,
        /// Points that lapsed.
        expired -> BigInt,
        /// Points owned after the month, available and on hold.
        closing -> BigInt,
        /// Points on hold at the end of the month.
        on_hold -> BigInt,
        /// When it was sent.
        sent_at -> Timestamp,
        /// Minutes of recorded help checked out in the month.
        recorded_minutes -> BigInt,
        /// Honour hours added in the month (they earn no points).
        honour_hours -> BigInt,
    }
}

diesel::table! {
    /// Settlements of a street's clearing positions (通存通兑), one row each.
    clearing_settlements (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The street whose communities were settled.
        street_id -> BigInt,
        /// The admin's key, scoped to them.
        idempotency_key -> Text,
        /// Who settled.
        settled_by -> BigInt,
        /// Communities whose position moved.
        communities -> Integer,
        /// Points moved in all.
        points -> BigInt,
        /// When.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// What a provider sells: a priced unit of a paid category, bookable in the areas it serves
    /// while published.
    paid_offerings (id) {
        /// Surrogate key; orders snapshot what they need of it.
        id -> BigInt,
        /// The provider, whose contract sets the commission.
        organization_id -> BigInt,
        /// A paid (or both-mode) category; subsidy programmes cover categories.
        category_id -> BigInt,
        /// `hour`, `visit` or `item`: what the quantity counts.
        unit -> Text,
        /// Price per unit in fen; orders copy it so a later change never reprices them.
        unit_price_fen -> BigInt,
        /// Fewest units one order may book.
        min_quantity -> Integer,
        /// Most units one order may book (at most 1,000).
        max_quantity -> Integer,
        /// Weekdays served as bits (1 = Monday … 64 = Sunday); a window must fall on one.
        available_weekdays -> Integer,
        /// First minute of the local day served; a window must start at or after it.
        available_from_minute -> Integer,
        /// Minute of the local day service ends (exclusive, up to 1440).
        available_to_minute -> Integer,
        /// How long the provider has to answer an order before it lapses and the resident is
        /// offered others.
        response_minutes -> Integer,
        /// Cancelling an accepted order within this many hours of its start costs the fee.
        cancellation_notice_hours -> Integer,
        /// The late-cancellation fee, in percent of the order's gross.
        cancellation_fee_percent -> Integer,
        /// Bookable and listed; unpublishing keeps existing orders.
        published -> Bool,
        /// When the provider created it.
        created_at -> Timestamp,
        /// When it last changed, so readers see price changes.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Honour hours staff added to volunteers; append-only, kept apart from recorded hours.
    honour_hours (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The volunteer.
        volunteer_id -> BigInt,
        /// The community whose policy capped them.
        community_id -> BigInt,
        /// Whole hours, positive.
        hours -> BigInt,
        /// The local calendar year they count towards.
        year -> Integer,
        /// Why, in words.
        reason -> Text,
        /// The staff member who added them.
        added_by -> BigInt,
        /// The staff member's scoped Idempotency-Key.
        idempotency_key -> Text,
        /// When they were added.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// An offering's bilingual text, kept apart so the offering row stays under the column limit.
    paid_offering_texts (offering_id) {
        /// The offering it describes, one text each.
        offering_id -> BigInt,
        /// Chinese title, shown by default.
        title_zh -> Text,
        /// English title, when the provider gave one.
        title_en -> Nullable<Text>,
        /// Chinese description.
        description_zh -> Text,
        /// English description, when given.
        description_en -> Nullable<Text>,
    }
}

diesel::table! {
    /// Where an offering is bookable: a resident's community must be listed.
    paid_offering_areas (offering_id, area_id) {
        /// The offering.
        offering_id -> BigInt,
        /// A community (or street or grid) the provider serves.
        area_id -> BigInt,
    }
}

diesel::table! {
    /// A provider's contract; absent means the defaults (5 %, weekly).
    paid_provider_terms (organization_id) {
        /// The provider.
        organization_id -> BigInt,
        /// The platform's commission on the gross, in basis points (0–5000); orders snapshot it.
        commission_bp -> Integer,
        /// When the contract last changed (the audit log says by whom).
        updated_at -> Timestamp,
        /// `weekly` or `monthly`: the period the settlement job drafts this provider's batches for.
        settlement_period -> Text,
    }
}

diesel::table! {
    /// A community's rate for points paying part of an order; absent means ¥0.10 a point, up to
    /// half.
    paid_points_terms (community_id) {
        /// The community whose points pay (and that funds their value).
        community_id -> BigInt,
        /// What one point is worth, in fen; orders snapshot the value.
        fen_per_point -> BigInt,
        /// The most of what is left after subsidy that points may pay, in percent.
        max_percent -> Integer,
        /// When the terms last changed (the audit log says by whom).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A subsidy programme funded by a street or district; the remaining budget moves only by
    /// guarded statements so it is never overspent.
    paid_subsidy_programs (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The street or district that funds it; only residents below it qualify and only its
        /// admins see what remains.
        funding_area_id -> BigInt,
        /// Chinese name, e.g. 高龄老人居家养老服务补贴.
        name_zh -> Text,
        /// English name, when given.
        name_en -> Nullable<Text>,
        /// The budget it started with.
        budget_fen -> BigInt,
        /// What is neither spent nor reserved by open orders; guarded so it never goes below zero.
        remaining_fen -> BigInt,
        /// Who qualifies, as JSON rules over staff-verified resident facts.
        eligibility -> Text,
        /// `percent` or `fixed_per_unit`: which of the next two columns applies.
        rule_kind -> Text,
        /// Share of the gross it pays, in basis points, for `percent` programmes.
        percent_bp -> Nullable<Integer>,
        /// Fen it pays per unit booked, for `fixed_per_unit` programmes.
        fixed_fen_per_unit -> Nullable<BigInt>,
        /// Most one resident receives from it per local month.
        monthly_cap_fen -> BigInt,
        /// Accepting new orders.
        active -> Bool,
        /// The admin who created it.
        created_by -> BigInt,
        /// When it was created.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The categories a programme covers.
    paid_program_categories (program_id, category_id) {
        /// The programme.
        program_id -> BigInt,
        /// A category it pays towards.
        category_id -> BigInt,
    }
}

diesel::table! {
    /// What each resident used of a programme in a local month, counted against its monthly cap by
    /// guarded statements.
    paid_subsidy_usage (program_id, user_id, month) {
        /// The programme.
        program_id -> BigInt,
        /// The resident.
        user_id -> BigInt,
        /// `YYYY-MM` in the display time zone of the order's window.
        month -> Text,
        /// Reserved or spent this month; released when an order ends undelivered or is refunded.
        used_fen -> BigInt,
    }
}

diesel::table! {
    /// An order with its price snapshot; its split is in `paid_order_money` and its progress in
    /// `paid_order_progress`.
    paid_orders (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The offering booked.
        offering_id -> BigInt,
        /// The provider, copied so its orders are found without the offering.
        organization_id -> BigInt,
        /// The category, copied for subsidy rules and alternatives.
        category_id -> BigInt,
        /// For whom: who sees the code, pays the co-payment and whose points paid.
        resident_id -> BigInt,
        /// Who booked: the resident or a proxy with consent (both are told what happens).
        placed_by -> BigInt,
        /// The resident's community when booked: whose points terms applied and whose staff may
        /// act.
        community_id -> BigInt,
        /// The paid-mode need it came from, if any.
        need_id -> Nullable<BigInt>,
        /// Units booked.
        quantity -> Integer,
        /// The unit, copied from the offering.
        unit -> Text,
        /// The price per unit when booked.
        unit_price_fen -> BigInt,
        /// When the service starts (UTC); late cancellation counts back from it.
        window_start -> Timestamp,
        /// When the service ends (UTC).
        window_end -> Timestamp,
        /// Where it stands in the transition table of `paid::states`; every change is guarded by
        /// the state it leaves.
        state -> Text,
        /// The booking caller's scoped key, so a retry finds the order.
        idempotency_key -> Text,
        /// When it was placed.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// An order's split and money facts; the identities hold by CHECK.
    paid_order_money (order_id) {
        /// The order.
        order_id -> BigInt,
        /// quantity × unit price = subsidy + points value + co-payment = commission + net.
        gross_fen -> BigInt,
        /// What the programmes pay, all together (per programme in `paid_order_subsidies`).
        subsidy_fen -> BigInt,
        /// Points the resident spent.
        points -> BigInt,
        /// Their value at the community's rate when booked.
        points_fen -> BigInt,
        /// What the resident pays the provider.
        copay_fen -> BigInt,
        /// The contract's rate when booked, so a new contract never changes old orders.
        commission_bp -> Integer,
        /// The platform's commission on the gross.
        commission_fen -> BigInt,
        /// What the provider earns: gross − commission.
        net_fen -> BigInt,
        /// Co-payment the provider recorded as received, net of cash given back.
        paid_fen -> BigInt,
        /// Refunded so far; a refund never takes it beyond the gross.
        refunded_fen -> BigInt,
        /// The fee of an accepted order cancelled within the notice hours.
        cancellation_fee_fen -> BigInt,
        /// The points ledger transfer that paid part, reversed when the order ends undelivered.
        points_transfer_id -> Nullable<BigInt>,
        /// When the money moved; settlement takes confirmed orders by it.
        confirmed_at -> Nullable<Timestamp>,
        /// The commission on the late-cancellation fee, settled with it.
        cancellation_commission_fen -> BigInt,
    }
}

diesel::table! {
    /// Where an order stands in delivery: the resident's code, the answer deadline and the times.
    paid_order_progress (order_id) {
        /// The order.
        order_id -> BigInt,
        /// The resident's 4-digit code the provider gives at the start and the end.
        check_code -> Text,
        /// Wrong codes so far; five lock the order.
        code_failures -> Integer,
        /// The provider's answer deadline; the lapse job declines it after this.
        respond_by -> Timestamp,
        /// Declined because the provider did not answer in time.
        lapsed -> Bool,
        /// Why it was declined, cancelled or disputed.
        reason -> Nullable<Text>,
        /// When the provider accepted: cancelling after this may cost the fee.
        accepted_at -> Nullable<Timestamp>,
        /// When the provider started it with the code.
        started_at -> Nullable<Timestamp>,
        /// When the provider completed it with the code; auto-confirmation counts from it.
        completed_at -> Nullable<Timestamp>,
        /// When it was declined, lapsed or cancelled; a fee settles by it.
        ended_at -> Nullable<Timestamp>,
        /// When its progress last changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The subsidy each programme pays towards an order.
    paid_order_subsidies (order_id, program_id) {
        /// The order.
        order_id -> BigInt,
        /// The programme.
        program_id -> BigInt,
        /// Reserved against the programme's budget at booking, paid at confirmation.
        amount_fen -> BigInt,
        /// The local month it counts against the resident's monthly cap.
        month -> Text,
    }
}

diesel::table! {
    /// Accounts of the CNY money ledger; cached balances change only with their entries.
    money_accounts (id) {
        /// Surrogate key.
        id -> BigInt,
        /// `resident`, `provider`, `programme`, `commission` or `clearing`.
        kind -> Text,
        /// The resident, for a `resident` account (what they owe: negative).
        user_id -> Nullable<BigInt>,
        /// The provider, for a `provider` account (what the platform owes it).
        organization_id -> Nullable<BigInt>,
        /// The programme, for a `programme` account (its unspent funds).
        program_id -> Nullable<BigInt>,
        /// The sum of its entries, cached.
        balance -> BigInt,
        /// Residents, providers and clearing may owe; programmes and commission never go below
        /// zero.
        may_go_negative -> Bool,
        /// When it was opened.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Money transfers: append-only by trigger, one per idempotency key.
    money_transfers (id) {
        /// Surrogate key.
        id -> BigInt,
        /// Names the effect (e.g. `order:7:copay`), so posting it twice is impossible.
        idempotency_key -> Text,
        /// The account money leaves.
        debit_account_id -> BigInt,
        /// The account money enters.
        credit_account_id -> BigInt,
        /// Fen, positive.
        amount -> BigInt,
        /// What caused it: `order`, `refund`, `settlement`.
        cause_type -> Text,
        /// The cause's id.
        cause_id -> Text,
        /// Why, in words.
        memo -> Text,
        /// When it was posted.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The two entries of each money transfer, with the balance after each for statements.
    money_entries (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The transfer.
        transfer_id -> BigInt,
        /// The account moved.
        account_id -> BigInt,
        /// Signed fen: negative on the debit side.
        amount -> BigInt,
        /// The account's balance after this entry.
        balance_after -> BigInt,
        /// When it was posted.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Co-payments received, recorded through a payment gateway (first: offline, by hand).
    paid_payments (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The order paid for.
        order_id -> BigInt,
        /// Fen received; never more than is still due.
        amount_fen -> BigInt,
        /// Which gateway recorded it, e.g. `offline`.
        gateway -> Text,
        /// The receipt or transfer reference the gateway checked.
        reference -> Text,
        /// Who recorded it (none: a partner key).
        recorded_by -> Nullable<BigInt>,
        /// The recorder's scoped key, so a retry finds the payment.
        idempotency_key -> Text,
        /// When it was recorded.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Refunds: each gives every funder back its part; settled in the first batch after it.
    paid_refunds (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The order refunded.
        order_id -> BigInt,
        /// The provider, copied so its unsettled refunds are found directly.
        organization_id -> BigInt,
        /// The refund: subsidy + points value + co-payment parts.
        amount_fen -> BigInt,
        /// What goes back to the programmes.
        subsidy_fen -> BigInt,
        /// Points given back to the resident.
        points -> BigInt,
        /// Their value.
        points_fen -> BigInt,
        /// Co-payment no longer owed.
        copay_fen -> BigInt,
        /// Commission the platform gives back to the provider.
        commission_fen -> BigInt,
        /// Cash the provider returns because it was already paid.
        cash_back_fen -> BigInt,
        /// Why, in words.
        reason -> Text,
        /// Who recorded it (none: a partner key).
        recorded_by -> Nullable<BigInt>,
        /// The recorder's scoped key, so a retry finds the refund.
        idempotency_key -> Text,
        /// When it was made; late refunds roll into the next batch by it.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// What each programme got back from a refund, for its claim statement.
    paid_refund_subsidies (refund_id, program_id) {
        /// The refund.
        refund_id -> BigInt,
        /// The programme.
        program_id -> BigInt,
        /// Fen given back to it.
        amount_fen -> BigInt,
    }
}

diesel::table! {
    /// One batch per provider and period start: draft → approved → paid.
    paid_settlements (id) {
        /// Surrogate key.
        id -> BigInt,
        /// The provider settled.
        organization_id -> BigInt,
        /// Start of the week or month (UTC of the local midnight); unique per provider, so a rerun
        /// finds the batch.
        period_start -> Timestamp,
        /// End of the period, exclusive: what was confirmed, refunded or cancelled before it is
        /// taken.
        period_end -> Timestamp,
        /// `draft`, `approved` (by a street admin) or `paid` (reference recorded).
        state -> Text,
        /// Lines in the batch.
        line_count -> BigInt,
        /// Sum of the lines' gross.
        gross_fen -> BigInt,
        /// Sum of the lines' subsidy: what programmes owe.
        subsidy_fen -> BigInt,
        /// Sum of the lines' points value: what communities owe.
        points_fen -> BigInt,
        /// Sum of the co-payments and fees the provider collects itself.
        copay_fen -> BigInt,
        /// Sum of the commission.
        commission_fen -> BigInt,
        /// What the platform pays out: gross − co-payments − commission.
        net_fen -> BigInt,
        /// When it was drafted.
        created_at -> Timestamp,
        /// The provider's settlement entries it holds start after this number.
        from_seq -> BigInt,
        /// ... and end with this one: the range `(from_seq, to_seq]`, which starts where the
        /// provider's previous batch ended.
        to_seq -> BigInt,
    }
}

diesel::table! {
    /// Per provider: the last settlement entry number given out and the last one settled.
    /// Taking a number or drafting a batch updates this row, which orders them per provider.
    paid_settlement_counters (organization_id) {
        /// The provider.
        organization_id -> BigInt,
        /// The last number given to an entry.
        last_seq -> BigInt,
        /// The `to_seq` of the provider's last batch.
        settled_seq -> BigInt,
    }
}

diesel::table! {
    /// Append-only: each settleable event of a provider — an order confirmed, a late
    /// cancellation's fee, a refund — numbered in the transaction that made it settleable,
    /// with the amounts its statement line shows (refunds negative).
    paid_settlement_entries (organization_id, seq) {
        /// The provider.
        organization_id -> BigInt,
        /// Its number in the provider's sequence; a batch holds a range of them.
        seq -> BigInt,
        /// `order`, `refund` or `cancellation_fee`.
        kind -> Text,
        /// The order.
        order_id -> BigInt,
        /// The refund, for a refund.
        refund_id -> Nullable<BigInt>,
        /// Gross (the fee for a fee; negative for a refund).
        gross_fen -> BigInt,
        /// Subsidy part.
        subsidy_fen -> BigInt,
        /// Points value part.
        points_fen -> BigInt,
        /// Co-payment part.
        copay_fen -> BigInt,
        /// Commission.
        commission_fen -> BigInt,
        /// When it became settleable: confirmation, cancellation or refund.
        happened_at -> Timestamp,
    }
}

diesel::table! {
    /// Who approved a batch and who recorded its payout.
    paid_settlement_reviews (settlement_id) {
        /// The batch.
        settlement_id -> BigInt,
        /// The street admin who approved it.
        approved_by -> BigInt,
        /// When.
        approved_at -> Timestamp,
        /// Who recorded the payout.
        paid_by -> Nullable<BigInt>,
        /// The bank reference of the payout.
        paid_reference -> Nullable<Text>,
        /// When the payout was recorded.
        paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// A batch's lines; each adds up by CHECK and the batch's totals are their sums.
    paid_settlement_lines (id) {
        /// Surrogate key, in insertion order: orders, fees, refunds.
        id -> BigInt,
        /// The batch.
        settlement_id -> BigInt,
        /// The order settled (or refunded, or whose fee is settled).
        order_id -> BigInt,
        /// The refund, for a refund line; unique, so a refund is settled once.
        refund_id -> Nullable<BigInt>,
        /// Gross (negative for a refund).
        gross_fen -> BigInt,
        /// Subsidy part.
        subsidy_fen -> BigInt,
        /// Points value part.
        points_fen -> BigInt,
        /// Co-payment (or fee) part, collected by the provider.
        copay_fen -> BigInt,
        /// Commission part.
        commission_fen -> BigInt,
        /// gross − co-payment − commission.
        net_fen -> BigInt,
        /// `order`, `refund` or `cancellation_fee`.
        kind -> Text,
    }
}

diesel::joinable!(paid_order_money -> paid_orders (order_id));
diesel::joinable!(paid_order_progress -> paid_orders (order_id));
diesel::joinable!(paid_refund_subsidies -> paid_refunds (refund_id));
