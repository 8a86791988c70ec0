//! Which jobs exist, when they run by default, and checking schedules from configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SubsecRound, TimeZone};
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use linli_domain::job_runs::Granularity;

use crate::runner::JobFn;
use crate::{housekeeping, ledger, needs, paid};

/// A job Linli can run, with the schedule it gets unless configuration says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct JobSpec {
    /// Stable name used in configuration, `job_runs` and metrics.
    pub name: &'static str,
    /// 6-field cron expression, seconds first, in the display time zone.
    pub default_schedule: &'static str,
    /// Why the job exists, in one line.
    pub reason: &'static str,
    /// The work of one slot; idempotent, so a slot taken over after a crash may run it again.
    pub run: JobFn,
}

/// Every job Linli knows, registered here and nowhere else; configuration may only name these.
pub const CATALOGUE: &[JobSpec] = &[
    JobSpec {
        name: "purge_expired_sessions",
        default_schedule: "0 17 3 * * *",
        reason: "removes sign-in sessions past their expiry so stolen old tokens are gone from the store",
        run: |context| Box::pin(housekeeping::purge_expired_sessions(context)),
    },
    JobSpec {
        name: "reconcile_ledger",
        default_schedule: "0 30 4 * * *",
        reason: "proves every night that the points ledger balances, loudly when it does not",
        run: |context| Box::pin(ledger::reconcile_ledger(context)),
    },
    JobSpec {
        name: "expire_holds",
        default_schedule: "0 */5 * * * *",
        reason: "returns points held for redemptions that were neither fulfilled nor cancelled in time",
        run: |context| Box::pin(ledger::expire_holds(context)),
    },
    JobSpec {
        name: "expire_points",
        default_schedule: "0 10 2 * * *",
        reason: "expires points whose lots lapsed under the policy they were earned by, and tells people 30 days ahead",
        run: |context| Box::pin(ledger::expire_points(context)),
    },
    JobSpec {
        name: "send_points_statements",
        default_schedule: "0 0 9 1 * *",
        reason: "sends each person whose points moved last month the month's statement, once, in the app and by email",
        run: |context| Box::pin(ledger::send_points_statements(context)),
    },
    JobSpec {
        name: "purge_delivered_outbox",
        default_schedule: "0 37 3 * * *",
        reason: "removes delivered outbox messages (and long-dead ones) past their retention so the queue stays small",
        run: |context| Box::pin(housekeeping::purge_delivered_outbox(context)),
    },
    JobSpec {
        name: "generate_care_plan_occurrences",
        default_schedule: "0 5 * * * *",
        reason: "posts each care plan's weekly needs two weeks ahead so helpers can plan",
        run: |context| Box::pin(needs::generate_care_plan_occurrences(context)),
    },
    JobSpec {
        name: "close_forgotten_check_outs",
        default_schedule: "0 */5 * * * *",
        reason: "closes check-outs helpers forgot, capping minutes and flagging them for review",
        run: |context| Box::pin(needs::close_forgotten_check_outs(context)),
    },
    JobSpec {
        name: "auto_confirm_needs",
        default_schedule: "0 */15 * * * *",
        reason: "confirms delivered help the resident left unconfirmed for 72 hours",
        run: |context| Box::pin(needs::auto_confirm_needs(context)),
    },
    JobSpec {
        name: "remind_helpers",
        default_schedule: "0 */5 * * * *",
        reason: "reminds residents and assigned helpers 24 hours and 2 hours before help starts, once each",
        run: |context| Box::pin(needs::remind_helpers(context)),
    },
    JobSpec {
        name: "escalate_unclaimed_needs",
        default_schedule: "0 * * * * *",
        reason: "alerts grid workers and serving organizations to needs nobody took (urgent 30 minutes, normal 24 hours)",
        run: |context| Box::pin(needs::escalate_unclaimed_needs(context)),
    },
    JobSpec {
        name: "expire_unstaffed_needs",
        default_schedule: "0 */5 * * * *",
        reason: "expires open needs whose time window ended with nobody assigned, so they leave the open lists",
        run: |context| Box::pin(needs::expire_unstaffed_needs(context)),
    },
    JobSpec {
        name: "expire_need_offers",
        default_schedule: "0 * * * * *",
        reason: "lapses dispatch offers nobody answered in time and offers the need to the next target",
        run: |context| Box::pin(needs::expire_need_offers(context)),
    },
    JobSpec {
        name: "lapse_unanswered_orders",
        default_schedule: "30 * * * * *",
        reason: "declines paid orders providers did not answer in time and gives back their subsidy and points",
        run: |context| Box::pin(paid::lapse_unanswered_orders(context)),
    },
    JobSpec {
        name: "auto_confirm_orders",
        default_schedule: "0 7,22,37,52 * * * *",
        reason: "confirms completed paid orders the resident left unconfirmed for 72 hours, so providers get paid",
        run: |context| Box::pin(paid::auto_confirm_orders(context)),
    },
    JobSpec {
        name: "settle_providers",
        default_schedule: "0 20 1 * * *",
        reason: "drafts each provider's settlement batch of its last complete week or month, every confirmed order exactly once",
        run: |context| Box::pin(paid::settle_providers(context)),
    },
];

/// The catalogue entry called `name`.
pub fn find(name: &str) -> Option<&'static JobSpec> {
    CATALOGUE.iter().find(|job| job.name == name)
}

/// A checked cron schedule.
#[derive(Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
}

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The configuration names a job Linli does not have.
    #[error("jobs.{name}: unknown job; known jobs are {known}")]
    UnknownJob {
        /// The name given.
        name: String,
        /// The names Linli knows.
        known: String,
    },
    /// The expression is not a 6-field cron expression.
    #[error(
        "jobs.{name}: `{expression}` is not a valid 6-field cron expression (seconds first): {reason}"
    )]
    Invalid {
        /// The job.
        name: String,
        /// The expression given.
        expression: String,
        /// What the parser said.
        reason: String,
    },
}

impl Schedule {
    /// Parses a 6-field expression (seconds first); 5-field expressions are refused because the
    /// scheduler would read them differently.
    pub fn parse(expression: &str) -> Result<Self, String> {
        let fields = expression.split_whitespace().count();
        if fields != 6 {
            return Err(format!("expected 6 fields, found {fields}"));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .build()
            .parse(expression)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            expression: expression.to_owned(),
            cron,
        })
    }

    /// The expression as configured.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The next time the schedule fires after `after`.
    pub fn next_after<Tz: TimeZone>(&self, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.cron.find_next_occurrence(after, false).ok()
    }

    /// The scheduled instant a firing observed at `at` belongs to: the latest one at or before
    /// it. The scheduler fires a little late; every instance maps its firing to the same instant.
    pub fn latest_at_or_before<Tz: TimeZone>(&self, at: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        // Whole seconds: the cron matches a time by its fields and would keep the fraction.
        self.cron
            .find_previous_occurrence(&at.clone().trunc_subsecs(0), true)
            .ok()
    }

    /// The period of one slot: the finest field that fires more than once. `* * * * * *` gets
    /// a slot per second, `0 */5 * * * *` per minute, `0 0 */6 * * *` per hour and anything
    /// with a single second, minute and hour (fires at most once a day) a slot per day.
    pub fn granularity(&self) -> Granularity {
        let fields: Vec<&str> = self.expression.split_whitespace().collect();
        let single = |index: usize| {
            fields
                .get(index)
                .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        };
        if !single(0) {
            Granularity::Second
        } else if !single(1) {
            Granularity::Minute
        } else if !single(2) {
            Granularity::Hour
        } else {
            Granularity::Day
        }
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({})", self.expression)
    }
}

impl FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

/// Combines the catalogue with configured overrides: an empty string disables a job
/// (`None`), an unknown name or a bad expression is an error naming the setting.
pub fn resolve_schedules(
    overrides: &BTreeMap<String, String>,
) -> Result<BTreeMap<&'static str, Option<Schedule>>, ScheduleError> {
    if let Some(unknown) = overrides
        .keys()
        .find(|k| !CATALOGUE.iter().any(|j| j.name == k.as_str()))
    {
        return Err(ScheduleError::UnknownJob {
            name: unknown.clone(),
            known: CATALOGUE
                .iter()
                .map(|j| j.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    CATALOGUE
        .iter()
        .map(|job| {
            let expression = overrides
                .get(job.name)
                .map_or(job.default_schedule, String::as_str)
                .trim();
            if expression.is_empty() {
                return Ok((job.name, None));
            }
            Schedule::parse(expression)
                .map(|s| (job.name, Some(s)))
                .map_err(|reason| ScheduleError::Invalid {
                    name: job.name.to_owned(),
                    expression: expression.to_owned(),
                    reason,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn every_default_schedule_parses() {
        let resolved = resolve_schedules(&BTreeMap::new()).expect("defaults are valid");
        assert_eq!(resolved.len(), CATALOGUE.len());
        assert!(resolved.values().all(Option::is_some));
    }

    #[test]
    fn five_field_expressions_are_refused() {
        assert!(Schedule::parse("0 3 * * *").is_err());
        assert!(Schedule::parse("0 0 3 * * *").is_ok());
        assert!(Schedule::parse("0 61 3 * * *").is_err());
    }

    #[test]
    fn an_empty_schedule_disables_and_unknown_names_are_refused() {
        let mut overrides = BTreeMap::new();
        overrides.insert("purge_expired_sessions".to_owned(), String::new());
        let resolved = resolve_schedules(&overrides).expect("empty disables");
        assert!(resolved["purge_expired_sessions"].is_none());
        overrides.insert("no_such_job".to_owned(), "0 0 3 * * *".to_owned());
        assert!(matches!(
            resolve_schedules(&overrides),
            Err(ScheduleError::UnknownJob { .. })
        ));
    }

    #[test]
    fn the_slot_period_is_the_finest_repeating_field() {
        let granularity = |e: &str| Schedule::parse(e).expect("valid").granularity();
        assert_eq!(granularity("* * * * * *"), Granularity::Second);
        assert_eq!(granularity("*/10 * * * * *"), Granularity::Second);
        assert_eq!(granularity("0,30 * * * * *"), Granularity::Second);
        assert_eq!(granularity("0 */5 * * * *"), Granularity::Minute);
        assert_eq!(granularity("0 0 */6 * * *"), Granularity::Hour);
        assert_eq!(granularity("0 17 3 * * *"), Granularity::Day);
        assert_eq!(granularity("0 0 2 1 * *"), Granularity::Day);
        assert_eq!(granularity("0 0 9 * * MON"), Granularity::Day);
    }

    #[test]
    fn a_late_firing_maps_to_its_scheduled_instant() {
        let schedule = Schedule::parse("0 */5 * * * *").expect("valid");
        let late =
            chrono::DateTime::parse_from_rfc3339("2026-11-28T03:15:00.700+08:00").expect("a time");
        let fired = schedule.latest_at_or_before(&late).expect("an instant");
        assert_eq!(fired.to_rfc3339(), "2026-11-28T03:15:00+08:00");
        let exact =
            chrono::DateTime::parse_from_rfc3339("2026-11-28T03:20:00+08:00").expect("a time");
        assert_eq!(schedule.latest_at_or_before(&exact), Some(exact));
    }

    #[test]
    fn every_job_is_found_by_name() {
        for job in CATALOGUE {
            assert_eq!(find(job.name).map(|j| j.name), Some(job.name));
        }
        assert!(find("no_such_job").is_none());
    }

    #[test]
    fn next_run_follows_the_expression() {
        let schedule = Schedule::parse("0 0 3 * * *").expect("valid");
        let now = Utc::now();
        let next = schedule.next_after(&now).expect("a next run");
        assert!(next > now);
        assert_eq!(next.format("%H:%M:%S").to_string(), "03:00:00");
    }
}
