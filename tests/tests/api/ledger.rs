//! The points ledger against a model: thousands of random movements (earn, grant, donate,
//! hold, capture, cancel, lapse, expire, reverse, retries, reused keys, overdraws) on each
//! engine; after each one the store must agree with the model, and every invariant must hold.

use std::collections::HashMap;

use chrono::{Months, NaiveDateTime};
use linli_domain::accounts::UserId;
use linli_domain::areas::AreaId;
use linli_domain::db::{self, Db};
use linli_domain::ledger::{
    AccountId, AccountKind, AccountOwner, Cause, Hold, HoldError, HoldId, HoldStatus, NewHold,
    NewTransfer, Points, PostError, Posted, Resolution, Transfer, TransferKind, expiry, store,
};
use linli_domain::time::now_utc;
use linli_tests::engine_tests;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Operations per engine; `LINLI_LEDGER_OPERATIONS` changes it for a longer soak.
fn operations() -> usize {
    std::env::var("LINLI_LEDGER_OPERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// The seed: random per run (printed, so a failure can be replayed with `LINLI_LEDGER_SEED`).
fn seed() -> u64 {
    std::env::var("LINLI_LEDGER_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(rand::random)
}

struct Ledger {
    db: Db,
    issuance: AccountId,
    redemption: AccountId,
    expiry: AccountId,
    pool: AccountId,
    escrow: AccountId,
    people: Vec<AccountId>,
    /// What the model says each account holds.
    balances: HashMap<AccountId, i64>,
    transfers: Vec<(Transfer, bool)>,
    holds: Vec<(HoldId, HoldStatus, String)>,
    keys: usize,
}

impl Ledger {
    async fn open(app: &linli_tests::TestApp) -> Self {
        let community = AreaId(app.area("dongdajie-dongguan").await);
        let mut people = Vec::new();
        for i in 0..4 {
            let (id, _) = app.resident(&format!("1380013800{i}"), "dongguan-g1").await;
            people.push(UserId(id));
        }
        let db = app.db();
        let owners: Vec<AccountOwner> = [
            AccountKind::Issuance,
            AccountKind::Redemption,
            AccountKind::Expiry,
            AccountKind::DonationPool,
            AccountKind::Escrow,
        ]
        .into_iter()
        .map(|kind| AccountOwner::System { community, kind })
        .chain(people.into_iter().map(AccountOwner::Person))
        .collect();
        let ids = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    owners
                        .iter()
                        .map(|o| store::account_for(conn, *o, now_utc()).map(|a| a.id))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .await
            .expect("accounts open");
        Self {
            db,
            issuance: ids[0],
            redemption: ids[1],
            expiry: ids[2],
            pool: ids[3],
            escrow: ids[4],
            people: ids[5..].to_vec(),
            balances: ids.iter().map(|id| (*id, 0)).collect(),
            transfers: Vec::new(),
            holds: Vec::new(),
            keys: 0,
        }
    }

    fn key(&mut self) -> String {
        self.keys += 1;
        format!("model-{}", self.keys)
    }

    fn may_go_negative(&self, account: AccountId) -> bool {
        account == self.issuance
    }

    /// What the model expects of a new transfer.
    fn expect_post(&self, new: &NewTransfer) -> Result<(), &'static str> {
        let debit = self.balances[&new.debit];
        if self.may_go_negative(new.debit) || debit >= new.amount.0 {
            Ok(())
        } else {
            Err("insufficient")
        }
    }

    fn apply(&mut self, transfer: &Transfer) {
        *self.balances.get_mut(&transfer.debit).expect("known") -= transfer.amount.0;
        *self.balances.get_mut(&transfer.credit).expect("known") += transfer.amount.0;
    }

    async fn post(&self, new: NewTransfer) -> Result<Posted, PostError> {
        self.db
            .run(move |conn| db::write(conn, |conn| store::post(conn, now_utc(), &new)))
            .await
    }

    async fn transfer(
        &mut self,
        kind: TransferKind,
        debit: AccountId,
        credit: AccountId,
        amount: i64,
    ) {
        let new = NewTransfer {
            idempotency_key: self.key(),
            kind,
            debit,
            credit,
            amount: Points(amount),
            cause: Cause::new("model", self.keys),
            actor: None,
            memo: String::new(),
        };
        let expected = self.expect_post(&new);
        let outcome = self.post(new).await;
        match (expected, outcome) {
            (Ok(()), Ok(Posted::New(t))) => {
                self.apply(&t);
                self.transfers.push((t, false));
            }
            (Err("insufficient"), Err(PostError::Insufficient { available })) => {
                assert_eq!(available.0, self.balances[&debit]);
            }
            (expected, outcome) => {
                panic!("{kind:?} {amount}: expected {expected:?}, got {outcome:?}")
            }
        }
    }

    async fn replay_or_reuse(&mut self, rng: &mut StdRng) {
        let Some((original, _)) = self
            .transfers
            .get(rng.random_range(0..self.transfers.len().max(1)))
            .cloned()
        else {
            return;
        };
        if original.kind == TransferKind::Reverse {
            return;
        }
        let same = NewTransfer {
            idempotency_key: original.idempotency_key.clone(),
            kind: original.kind,
            debit: original.debit,
            credit: original.credit,
            amount: original.amount,
            cause: original.cause.clone(),
            actor: None,
            memo: original.memo.clone(),
        };
        if rng.random_bool(0.5) {
            match self.post(same).await {
                Ok(Posted::Replayed(t)) => assert_eq!(t.id, original.id),
                other => panic!("a retry must replay, got {other:?}"),
            }
        } else {
            let different = NewTransfer {
                amount: Points(original.amount.0 + 1),
                ..same
            };
            assert!(matches!(
                self.post(different).await,
                Err(PostError::KeyReused)
            ));
        }
    }

    async fn reverse(&mut self, rng: &mut StdRng) {
        if self.transfers.is_empty() {
            return;
        }
        let index = rng.random_range(0..self.transfers.len());
        let (original, reversed) = self.transfers[index].clone();
        let key = self.key();
        let id = original.id;
        let outcome = self
            .db
            .run(move |conn| {
                db::write(conn, |conn| {
                    store::reverse(
                        conn,
                        now_utc(),
                        id,
                        key.clone(),
                        None,
                        "correction".to_owned(),
                    )
                })
            })
            .await;
        let funded = self.may_go_negative(original.credit)
            || self.balances[&original.credit] >= original.amount.0;
        match outcome {
            Ok(Posted::New(t)) => {
                assert!(!reversed && original.kind != TransferKind::Reverse && funded);
                assert_eq!(t.reverses, Some(id));
                self.apply(&t);
                self.transfers[index].1 = true;
                self.transfers.push((t, false));
            }
            Err(PostError::AlreadyReversed) => assert!(reversed),
            Err(PostError::NotReversible) => assert_eq!(original.kind, TransferKind::Reverse),
            Err(PostError::Insufficient { .. }) => assert!(!funded),
            other => panic!("reversal of {original:?}: {other:?}"),
        }
    }

    /// Runs the expiry of every lot due `months` from now, as the nightly job does.
    async fn expire_lots(&mut self, months: u32) {
        let at = now_utc() + Months::new(months);
        let expired = self
            .db
            .run(move |conn| db::write(conn, |conn| expiry::expire_due(conn, at, 100_000)))
            .await
            .expect("lots expire");
        for (debit, credit, points) in expired.moves {
            assert_eq!(credit, self.expiry);
            *self.balances.get_mut(&debit).expect("known") -= points;
            *self.balances.get_mut(&credit).expect("known") += points;
        }
    }

    async fn hold(&mut self, person: AccountId, amount: i64) {
        let new = NewHold {
            idempotency_key: self.key(),
            account: person,
            escrow: self.escrow,
            amount: Points(amount),
            cause: Cause::new("redemption", self.keys),
            expires_at: now_utc(),
            actor: None,
        };
        let funded = self.balances[&person] >= amount;
        let outcome: Result<Hold, HoldError> = self
            .db
            .run(move |conn| db::write(conn, |conn| store::place_hold(conn, now_utc(), &new)))
            .await;
        match outcome {
            Ok(hold) => {
                assert!(funded);
                *self.balances.get_mut(&person).expect("known") -= amount;
                *self.balances.get_mut(&self.escrow).expect("known") += amount;
                self.holds.push((hold.id, HoldStatus::Open, String::new()));
            }
            Err(HoldError::Post(PostError::Insufficient { .. })) => assert!(!funded),
            Err(other) => panic!("hold: {other}"),
        }
    }

    async fn resolve(&mut self, rng: &mut StdRng) {
        if self.holds.is_empty() {
            return;
        }
        let index = rng.random_range(0..self.holds.len());
        let (id, status, used_key) = self.holds[index].clone();
        let resolution = match rng.random_range(0..3) {
            0 => Resolution::Capture(self.redemption),
            1 => Resolution::Release,
            _ => Resolution::Expire,
        };
        let key = if status != HoldStatus::Open && rng.random_bool(0.3) {
            used_key.clone() // a retry of the request that resolved it
        } else {
            self.key()
        };
        let retry = key == used_key;
        let sent_key = key.clone();
        let outcome = self
            .db
            .run(move |conn| {
                db::write(conn, |conn| {
                    store::resolve_hold(conn, now_utc(), id, resolution, sent_key.clone(), None)
                })
            })
            .await;
        match outcome {
            Ok(hold) if status == HoldStatus::Open => {
                let back_to = match resolution {
                    Resolution::Capture(to) => to,
                    Resolution::Release | Resolution::Expire => hold.account,
                };
                *self.balances.get_mut(&self.escrow).expect("known") -= hold.amount.0;
                *self.balances.get_mut(&back_to).expect("known") += hold.amount.0;
                self.holds[index] = (id, hold.status, key);
            }
            Ok(hold) => assert!(retry && hold.status == status, "only a retry replays"),
            Err(HoldError::AlreadyResolved(now)) => {
                assert!(!retry || status == HoldStatus::Open);
                assert_eq!(now, status);
            }
            Err(other) => panic!("resolve: {other}"),
        }
    }

    async fn check(&self) {
        let report = self
            .db
            .run(|conn| db::write(conn, store::reconcile))
            .await
            .expect("reconciliation runs");
        assert!(report.is_sound(), "{report:?}");
        for (account, expected) in &self.balances {
            let id = *account;
            let stored = self
                .db
                .run(move |conn| store::account(conn, id))
                .await
                .expect("reads")
                .expect("exists");
            assert_eq!(stored.balance.0, *expected, "account {account:?}");
        }
        assert_eq!(self.balances.values().sum::<i64>(), 0);
    }
}

engine_tests! {
    async fn random_movements_keep_every_ledger_invariant(app: TestApp) {
        let seed = seed();
        eprintln!("ledger model seed {seed}");
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ledger = Ledger::open(&app).await;
        for step in 0..operations() {
            let person = ledger.people[rng.random_range(0..ledger.people.len())];
            let other = ledger.people[rng.random_range(0..ledger.people.len())];
            let amount = rng.random_range(1..60);
            match rng.random_range(0..100) {
                0..25 => ledger.transfer(TransferKind::Earn, ledger.issuance, person, amount).await,
                25..32 => ledger.transfer(TransferKind::Grant, ledger.pool, person, amount).await,
                32..40 => ledger.transfer(TransferKind::Donate, person, ledger.pool, amount).await,
                40..45 if person != other => ledger.transfer(TransferKind::Transfer, person, other, amount).await,
                45..50 => ledger.transfer(TransferKind::Expire, person, ledger.expiry, amount).await,
                50..62 => ledger.hold(person, amount).await,
                62..75 => ledger.resolve(&mut rng).await,
                75..85 => ledger.reverse(&mut rng).await,
                85..95 => ledger.replay_or_reuse(&mut rng).await,
                95..97 => ledger.expire_lots(25).await,
                _ => ledger.transfer(TransferKind::Donate, person, ledger.pool, amount + 10_000).await,
            }
            if step % 1_000 == 999 {
                ledger.check().await;
            }
        }
        ledger.check().await;
        let resolved = ledger.holds.iter().filter(|(_, s, _)| *s != HoldStatus::Open).count();
        eprintln!("{} transfers posted, {} holds ({resolved} resolved)", ledger.transfers.len(), ledger.holds.len());
        assert!(ledger.transfers.len() > operations() / 3, "most movements succeed");
    }

    async fn concurrent_movements_never_overdraw_double_post_or_double_resolve(app: TestApp) {
        let mut ledger = Ledger::open(&app).await;
        ledger.db = Db::connect(
            app.database_url.clone(),
            db::PoolOptions { max_size: 12, ..db::PoolOptions::default() },
        )
        .expect("a wider pool");
        let person = ledger.people[0];
        ledger.transfer(TransferKind::Earn, ledger.issuance, person, 100).await;
        let pool = ledger.pool;
        let spend = move |key: String| NewTransfer {
            idempotency_key: key,
            kind: TransferKind::Donate,
            debit: person,
            credit: pool,
            amount: Points(10),
            cause: Cause::new("donation", 1),
            actor: None,
            memo: String::new(),
        };
        // 40 different donations of 10 from 100 points: exactly 10 go through.
        let outcomes = futures_util::future::join_all((0..40).map(|i| ledger.post(spend(format!("spend-{i}"))))).await;
        let posted = outcomes.iter().filter(|o| matches!(o, Ok(Posted::New(_)))).count();
        let refused = outcomes.iter().filter(|o| matches!(o, Err(PostError::Insufficient { .. }))).count();
        assert_eq!((posted, refused), (10, 30), "{outcomes:?}");
        // 40 retries of one donation at once: one transfer, the rest replay it.
        ledger.transfer(TransferKind::Earn, ledger.issuance, person, 10).await;
        let outcomes = futures_util::future::join_all((0..40).map(|_| ledger.post(spend("once".to_owned())))).await;
        let new = outcomes.iter().filter(|o| matches!(o, Ok(Posted::New(_)))).count();
        let replayed = outcomes.iter().filter(|o| matches!(o, Ok(Posted::Replayed(_)))).count();
        assert_eq!((new, replayed), (1, 39), "{outcomes:?}");
        // A hold fulfilled and cancelled at the same moment resolves once.
        ledger.transfer(TransferKind::Earn, ledger.issuance, person, 30).await;
        ledger.hold(person, 30).await;
        let (hold, _, _) = ledger.holds[0].clone();
        let redemption = ledger.redemption;
        let outcomes = futures_util::future::join_all((0..12).map(|i| {
            let db = ledger.db.clone();
            let resolution = if i % 2 == 0 { Resolution::Capture(redemption) } else { Resolution::Release };
            async move {
                db.run(move |conn| db::write(conn, |conn| store::resolve_hold(conn, now_utc(), hold, resolution, format!("resolve-{i}"), None))).await
            }
        }))
        .await;
        let resolved: Vec<&Hold> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        assert_eq!(resolved.len(), 1, "{outcomes:?}");
        assert!(outcomes.iter().filter(|o| o.is_err()).all(|o| matches!(o, Err(HoldError::AlreadyResolved(_)))), "{outcomes:?}");
        let report = ledger.db.run(|conn| db::write(conn, store::reconcile)).await.expect("reconciles");
        assert!(report.is_sound(), "{report:?}");
        let balance = ledger.db.run(move |conn| store::account(conn, person)).await.expect("reads").expect("exists");
        let back = if resolved[0].status == HoldStatus::Captured { 0 } else { 30 };
        assert_eq!(balance.balance, Points(back), "100 − 100 donated + 10 − 10 donated once + 30 − 30 held");
    }

    async fn lapsed_holds_go_back_and_the_nightly_reconciliation_passes(app: TestApp) {
        let mut ledger = Ledger::open(&app).await;
        let person = ledger.people[0];
        ledger.transfer(TransferKind::Earn, ledger.issuance, person, 50).await;
        ledger.hold(person, 30).await;
        let context = || linli_jobs::JobContext {
            db: ledger.db.clone(),
            slot: linli_domain::job_runs::rules::slot_at(
                chrono::Utc::now(),
                chrono_tz::Asia::Shanghai,
                linli_domain::job_runs::Granularity::Minute,
            ),
            now: now_utc(),
            zone: chrono_tz::Asia::Shanghai,
            retention: linli_jobs::runner::Retention::default(),
        };
        let counts = linli_jobs::ledger::expire_holds(context()).await.expect("holds expire");
        assert_eq!(counts["holds_released"], 1);
        let again = linli_jobs::ledger::expire_holds(context()).await.expect("a second run");
        assert_eq!(again["holds_released"], 0, "nothing is released twice");
        let (hold, _, _) = ledger.holds[0].clone();
        let stored = ledger.db.run(move |conn| store::hold(conn, hold)).await.expect("reads").expect("exists");
        assert_eq!(stored.status, HoldStatus::Expired);
        let balance = ledger.db.run(move |conn| store::account(conn, person)).await.expect("reads").expect("exists");
        assert_eq!(balance.balance, Points(50));
        let counts = linli_jobs::ledger::reconcile_ledger(context()).await.expect("the ledger balances");
        assert_eq!(counts["transfers_checked"], 3, "earn, hold, release");
    }

    async fn points_lapse_first_in_first_out_and_people_are_told_once_ahead(app: TestApp) {
        let ledger = Ledger::open(&app).await;
        let (person, t0) = (ledger.people[0], now_utc());
        let at = move |months: u32, days: i64| t0 + Months::new(months) + chrono::Duration::days(days);
        let post_at = |t: NaiveDateTime, key: &str, kind, debit, credit, amount| {
            let new = NewTransfer {
                idempotency_key: key.to_owned(),
                kind,
                debit,
                credit,
                amount: Points(amount),
                cause: Cause::new("test", key),
                actor: None,
                memo: String::new(),
            };
            let db = ledger.db.clone();
            async move { db.run(move |conn| db::write(conn, |conn| store::post(conn, t, &new))).await.expect("posts") }
        };
        // 100 earned now (lapse in 24 months, the default policy), 50 six months later.
        post_at(t0, "earn-a", TransferKind::Earn, ledger.issuance, person, 100).await;
        post_at(at(6, 0), "earn-b", TransferKind::Earn, ledger.issuance, person, 50).await;
        // Spending takes the older lot first: 30 donated, 20 on hold.
        post_at(at(7, 0), "donate", TransferKind::Donate, person, ledger.pool, 30).await;
        let hold = NewHold {
            idempotency_key: "hold".to_owned(),
            account: person,
            escrow: ledger.escrow,
            amount: Points(20),
            cause: Cause::new("redemption", 1),
            expires_at: at(24, 10),
            actor: None,
        };
        let hold = ledger.db.run(move |conn| db::write(conn, |conn| store::place_hold(conn, at(8, 0), &hold))).await.expect("holds");
        let context = |now: NaiveDateTime| linli_jobs::JobContext {
            db: ledger.db.clone(),
            slot: linli_domain::job_runs::rules::slot_at(chrono::Utc::now(), chrono_tz::Asia::Shanghai, linli_domain::job_runs::Granularity::Minute),
            now,
            zone: chrono_tz::Asia::Shanghai,
            retention: linli_jobs::runner::Retention::default(),
        };
        let topic_count = || {
            let db = ledger.db.clone();
            async move {
                db.run(|conn| {
                    use diesel::prelude::*;
                    use linli_domain::schema::notifications::dsl::*;
                    notifications.filter(topic.eq("points.expiring")).count().get_result::<i64>(conn).map_err(db::StoreError::from)
                })
                .await
                .expect("counts")
            }
        };
        // A month ahead: nothing lapses yet, the holder is told once about the first lot's 50.
        let counts = linli_jobs::ledger::expire_points(context(at(23, 1))).await.expect("runs");
        assert_eq!((counts["lots_expired"], counts["people_told"]), (0, 1), "{counts:?}");
        assert_eq!(topic_count().await, 1);
        let again = linli_jobs::ledger::expire_points(context(at(23, 2))).await.expect("runs");
        assert_eq!(again["people_told"], 0, "told once");
        assert_eq!(topic_count().await, 1);
        // The hold is cancelled: its 20 go back into the lot they came from, with its expiry.
        let hold_id = hold.id;
        ledger.db.run(move |conn| db::write(conn, |conn| store::resolve_hold(conn, at(23, 5), hold_id, Resolution::Release, "release".to_owned(), None))).await.expect("releases");
        // Past 24 months the first lot's 70 lapse to the expiry account; the later 50 stay.
        let counts = linli_jobs::ledger::expire_points(context(at(24, 1))).await.expect("runs");
        assert_eq!((counts["lots_expired"], counts["points_expired"]), (1, 70), "{counts:?}");
        let again = linli_jobs::ledger::expire_points(context(at(24, 2))).await.expect("runs");
        assert_eq!(again["lots_expired"], 0, "nothing expires twice");
        let balance = |account: AccountId| {
            let db = ledger.db.clone();
            async move { db.run(move |conn| store::account(conn, account)).await.expect("reads").expect("exists").balance }
        };
        assert_eq!(balance(person).await, Points(50));
        assert_eq!(balance(ledger.expiry).await, Points(70));
        // Staff correct the expiry: the 70 come back as fresh points, not into the lapsed lot.
        let expired_transfer = ledger.db.run(|conn| {
            use diesel::prelude::*;
            use linli_domain::schema::ledger_transfers::dsl::*;
            ledger_transfers.filter(kind.eq("expire")).select(id).first::<i64>(conn).map_err(db::StoreError::from)
        }).await.expect("the expiry transfer");
        ledger.db.run(move |conn| db::write(conn, |conn| store::reverse(conn, at(24, 3), linli_domain::ledger::TransferId(expired_transfer), "undo".to_owned(), None, "mistake".to_owned()))).await.expect("reverses");
        let counts = linli_jobs::ledger::expire_points(context(at(24, 4))).await.expect("runs");
        assert_eq!(counts["lots_expired"], 0, "the corrected points do not lapse at once");
        assert_eq!(balance(person).await, Points(120));
        // The later lot lapses at 30 months, the corrected one at 48.
        let counts = linli_jobs::ledger::expire_points(context(at(30, 1))).await.expect("runs");
        assert_eq!(counts["points_expired"], 50, "{counts:?}");
        let counts = linli_jobs::ledger::reconcile_ledger(context(at(30, 2))).await.expect("the ledger balances");
        assert_eq!(counts["violations"], 0);
    }

    async fn ledger_rows_cannot_be_changed_or_deleted(app: TestApp) {
        let mut ledger = Ledger::open(&app).await;
        let person = ledger.people[0];
        ledger.transfer(TransferKind::Earn, ledger.issuance, person, 5).await;
        let attempts = [
            "UPDATE ledger_entries SET amount = 500",
            "DELETE FROM ledger_entries",
            "UPDATE ledger_transfers SET amount = 500",
            "DELETE FROM ledger_transfers",
            "UPDATE ledger_accounts SET balance = -1 WHERE kind = 'person'",
        ];
        for statement in attempts {
            let refused = ledger
                .db
                .run(move |conn| {
                    use diesel::RunQueryDsl;
                    diesel::sql_query(statement)
                        .execute(conn)
                        .map_err(db::StoreError::from)
                })
                .await;
            assert!(refused.is_err(), "{statement} must be refused");
        }
        ledger.check().await;
    }
}

/// The lots of `account`: (community, expiry, remaining).
async fn lots_of(db: &Db, account: AccountId) -> Vec<(Option<i64>, Option<NaiveDateTime>, i64)> {
    use diesel::prelude::*;
    use linli_domain::schema::ledger_lots as l;
    db.run(move |conn| {
        l::table
            .filter(l::account_id.eq(account.0))
            .order(l::id)
            .select((l::community_id, l::expires_at, l::remaining))
            .load(conn)
            .map_err(db::StoreError::from)
    })
    .await
    .expect("the lots are read")
}

engine_tests! {
    async fn points_an_organization_gives_a_person_expire_by_the_recipients_community_policy(app: TestApp) {
        let (team, _) = crate::organizations::verified_team(&app, "13800138050", "13900000003").await;
        let team = linli_domain::organizations::OrganizationId(team.as_i64().expect("an id"));
        let community = AreaId(app.area("dongdajie-dongguan").await);
        let (resident, _) = app.resident("13800138051", "dongguan-g1").await;
        let (homeless, _) = app.staff("13900000097", linli_domain::access::Role::PlatformAdmin, None).await;
        let now = now_utc();
        let db = app.db();
        let owners = [
            AccountOwner::System { community, kind: AccountKind::Issuance },
            AccountOwner::Organization(team),
            AccountOwner::Person(UserId(resident)),
            AccountOwner::Person(UserId(homeless)),
        ];
        let ids = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    owners
                        .iter()
                        .map(|o| store::account_for(conn, *o, now).map(|a| a.id))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .await
            .expect("the accounts open");
        let (issuance, organization, person, elsewhere) = (ids[0], ids[1], ids[2], ids[3]);
        let moves = [
            ("org-fund", TransferKind::Grant, issuance, organization, 50),
            ("org-gift", TransferKind::Transfer, organization, person, 30),
            ("org-gift-2", TransferKind::Transfer, organization, elsewhere, 5),
        ];
        for (key, kind, debit, credit, amount) in moves {
            let transfer = NewTransfer {
                idempotency_key: key.to_owned(),
                kind,
                debit,
                credit,
                amount: Points(amount),
                cause: Cause::new("organization", team.0),
                actor: None,
                memo: "服务队积分奖励".to_owned(),
            };
            db.run(move |conn| db::write(conn, |conn| store::post(conn, now, &transfer)))
                .await
                .expect("the transfer posts");
        }
        let expected = now.checked_add_months(Months::new(24)).expect("a date");
        assert_eq!(
            lots_of(&db, person).await,
            [(Some(community.0), Some(expected), 30)],
            "the default policy of the recipient's community: 24 months, lapsing to its expiry account"
        );
        assert_eq!(lots_of(&db, elsewhere).await, [(None, None, 5)], "no home grid, no community policy");

        // When the lot lapses, the recipient's community's expiry account takes the points.
        let later = expected + chrono::Duration::days(1);
        let report = db
            .run(move |conn| db::write(conn, |conn| expiry::expire_due(conn, later, 100)))
            .await
            .expect("the lapsed lots expire");
        assert_eq!(report.points, 30);
        let expiry_account = db
            .run(move |conn| store::find_account(conn, AccountOwner::System { community, kind: AccountKind::Expiry }))
            .await
            .expect("the account is read")
            .expect("the expiry account was opened");
        assert_eq!(expiry_account.balance, Points(30));
        let reconciled = db.run(|conn| db::read_snapshot(conn, store::reconcile)).await.expect("reconciles");
        assert!(reconciled.is_sound(), "{reconciled:?}");
    }
}
