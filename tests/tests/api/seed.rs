//! The demo seed's points history: loaded through the real use cases (earnings from confirmed
//! help, a donation, a grant, a redemption fulfilled, points about to lapse), the ledger
//! reconciles, and seeding again adds nothing.

use linli_domain::db;
use linli_domain::ledger::{lots, store};
use linli_domain::schema::ledger_transfers;
use linli_tests::{TestApp, engine_tests};

use diesel::prelude::*;

async fn transfer_kinds(app: &TestApp) -> Vec<String> {
    app.db()
        .run(|conn| {
            ledger_transfers::table
                .order(ledger_transfers::id)
                .select(ledger_transfers::kind)
                .load::<String>(conn)
                .map_err(linli_domain::db::StoreError::from)
        })
        .await
        .expect("the transfers are read")
}

engine_tests! {
    async fn the_demo_seed_adds_a_clean_points_history_once(app: TestApp) {
        let now = linli_domain::time::now_utc();
        linli_domain::seed::demo(&app.db(), now).await.expect("the demo seed runs");
        let kinds = transfer_kinds(&app).await;
        for kind in ["earn", "donate", "grant", "hold", "capture"] {
            assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
        }
        assert_eq!(kinds.iter().filter(|k| *k == "earn").count(), 4, "two needs, two helpers: {kinds:?}");
        let report = app.db().run(|conn| db::read_snapshot(conn, store::reconcile)).await.expect("reconciles");
        assert!(report.is_sound(), "{report:?}");
        let soon = app
            .db()
            .run(move |conn| lots::announce_expiring(conn, now, now + chrono::Duration::days(30)))
            .await
            .expect("lots are read");
        assert!(!soon.is_empty(), "some demo points lapse within 30 days");

        linli_domain::seed::demo(&app.db(), now + chrono::Duration::minutes(5)).await.expect("the demo seed runs again");
        assert_eq!(transfer_kinds(&app).await, kinds, "a second run adds nothing");
        let report = app.db().run(|conn| db::read_snapshot(conn, store::reconcile)).await.expect("reconciles");
        assert!(report.is_sound(), "{report:?}");
    }
}

/// Every need's status and escalated flag, with the number of care plans and of disputes on
/// volunteer needs.
async fn needs_overview(app: &TestApp) -> (Vec<(String, bool)>, i64, i64) {
    use linli_domain::schema::{care_plans, need_disputes, needs};
    app.db()
        .run(|conn| {
            let all = needs::table
                .order(needs::id)
                .select((needs::status, needs::escalated))
                .load::<(String, bool)>(conn)?;
            let plans = care_plans::table.count().get_result::<i64>(conn)?;
            let disputes = need_disputes::table
                .inner_join(needs::table.on(needs::id.eq(need_disputes::need_id)))
                .filter(needs::mode.eq("volunteer"))
                .count()
                .get_result::<i64>(conn)?;
            Ok::<_, linli_domain::db::StoreError>((all, plans, disputes))
        })
        .await
        .expect("the needs are read")
}

engine_tests! {
    async fn the_demo_seed_has_needs_in_every_state_once(app: TestApp) {
        let now = linli_domain::time::now_utc();
        linli_domain::seed::demo(&app.db(), now).await.expect("the demo seed runs");
        let (all, plans, disputes) = needs_overview(&app).await;
        for status in [
            "open",
            "partially_assigned",
            "assigned",
            "in_progress",
            "awaiting_confirmation",
            "completed",
            "cancelled",
            "expired",
        ] {
            assert!(all.iter().any(|(s, _)| s == status), "no {status} need in {all:?}");
        }
        assert!(all.iter().any(|(_, escalated)| *escalated), "no escalated need in {all:?}");
        assert!(plans >= 1, "a care plan");
        assert!(disputes >= 1, "a dispute on a volunteer task");
        let report = app.db().run(|conn| db::read_snapshot(conn, store::reconcile)).await.expect("reconciles");
        assert!(report.is_sound(), "{report:?}");

        let again = linli_domain::seed::demo(&app.db(), now + chrono::Duration::minutes(5)).await.expect("the demo seed runs again");
        assert_eq!(again.needs_created, 0, "a second run posts nothing");
        assert_eq!(needs_overview(&app).await, (all, plans, disputes), "and changes nothing");
    }
}
