//! Pure rules of notifications: the texts of every notice in both languages, and quiet hours.

use chrono::{NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;

use super::{Notice, Rendered};
use crate::accounts::Locale;

/// Local hour at which quiet hours begin (22:00).
pub const QUIET_FROM_HOUR: u32 = 22;
/// Local hour at which quiet hours end (08:00).
pub const QUIET_UNTIL_HOUR: u32 = 8;

/// The notice's title and text in `locale`.
pub fn render(notice: &Notice, locale: Locale) -> Rendered {
    let (title, body) = match (notice, locale) {
        (Notice::Welcome { display_name }, Locale::ZhCn) => (
            "欢迎加入邻里".to_owned(),
            format!("{display_name}，您好！您的邻里账号已开通，可以发布需求、报名志愿服务了。"),
        ),
        (Notice::Welcome { display_name }, Locale::En) => (
            "Welcome to Linli".to_owned(),
            format!(
                "Hello {display_name}, your Linli account is ready: you can post needs and sign up to volunteer."
            ),
        ),
        (Notice::VolunteerVerified, Locale::ZhCn) => (
            "实名认证已通过".to_owned(),
            "社区工作人员已核实您的身份，您现在是认证志愿者，可以认领志愿任务了。".to_owned(),
        ),
        (Notice::VolunteerVerified, Locale::En) => (
            "Your volunteer identity is verified".to_owned(),
            "Community staff verified your real name: you are a verified volunteer and can claim tasks now."
                .to_owned(),
        ),
        (Notice::CredentialVerified { title }, Locale::ZhCn) => (
            "资质已核验".to_owned(),
            format!("您的资质“{title}”已通过社区工作人员核验。"),
        ),
        (Notice::CredentialVerified { title }, Locale::En) => (
            "Credential checked".to_owned(),
            format!("Community staff checked your credential “{title}”."),
        ),
        (Notice::ProxyConsentGranted { proxy_name }, Locale::ZhCn) => (
            "已登记代办人".to_owned(),
            format!(
                "{proxy_name} 现在可以代您办理社区事务。如非您本人同意，请立即联系社区。"
            ),
        ),
        (Notice::ProxyConsentGranted { proxy_name }, Locale::En) => (
            "A proxy may act for you".to_owned(),
            format!(
                "{proxy_name} may now act on your behalf. If you did not agree to this, contact your community at once."
            ),
        ),
        (Notice::ProxyConsentRevoked { proxy_name }, Locale::ZhCn) => (
            "代办授权已撤销".to_owned(),
            format!("{proxy_name} 不再可以代您办理社区事务。"),
        ),
        (Notice::ProxyConsentRevoked { proxy_name }, Locale::En) => (
            "A proxy may no longer act for you".to_owned(),
            format!("{proxy_name} may no longer act on your behalf."),
        ),
        (Notice::ActingForGranted { resident_name }, Locale::ZhCn) => (
            "您已成为代办人".to_owned(),
            format!("您现在可以代 {resident_name} 办理社区事务。"),
        ),
        (Notice::ActingForGranted { resident_name }, Locale::En) => (
            "You may act for a resident".to_owned(),
            format!("You may now act on behalf of {resident_name}."),
        ),
        (Notice::ActingForRevoked { resident_name }, Locale::ZhCn) => (
            "代办授权已结束".to_owned(),
            format!("您不再可以代 {resident_name} 办理社区事务。"),
        ),
        (Notice::ActingForRevoked { resident_name }, Locale::En) => (
            "You no longer act for a resident".to_owned(),
            format!("You may no longer act on behalf of {resident_name}."),
        ),
        (
            Notice::WebhookEndpointDisabled {
                organization_name,
                url,
            },
            Locale::ZhCn,
        ) => (
            "Webhook 接收地址已停用".to_owned(),
            format!(
                "{organization_name} 的 Webhook 接收地址 {url} 连续投递失败，已被停用。请修复接收方后在管理页面重新启用。"
            ),
        ),
        (
            Notice::WebhookEndpointDisabled {
                organization_name,
                url,
            },
            Locale::En,
        ) => (
            "Webhook endpoint disabled".to_owned(),
            format!(
                "Deliveries to {organization_name}'s webhook endpoint {url} kept failing, so it was disabled. Fix the receiver, then enable the endpoint again."
            ),
        ),
        (
            Notice::NeedReminder {
                need_id,
                category_zh,
                starts_at,
                hours_before,
                ..
            },
            Locale::ZhCn,
        ) => (
            format!("服务提醒：{hours_before} 小时后开始"),
            format!("需求 #{need_id}（{category_zh}）将于 {starts_at} 开始，请提前做好准备。"),
        ),
        (
            Notice::NeedReminder {
                need_id,
                category_en,
                starts_at,
                hours_before,
                ..
            },
            Locale::En,
        ) => (
            format!("Reminder: help starts in {hours_before} hours"),
            format!("Need #{need_id} ({category_en}) starts at {starts_at}. Please get ready."),
        ),
        (
            Notice::NeedEscalated {
                need_id,
                category_zh,
                urgent,
                starts_at,
                ..
            },
            Locale::ZhCn,
        ) => (
            if *urgent { "紧急需求无人认领" } else { "需求长时间无人认领" }.to_owned(),
            format!(
                "需求 #{need_id}（{category_zh}，{starts_at} 开始）仍无人认领，请尽快派单或联系居民。"
            ),
        ),
        (
            Notice::NeedEscalated {
                need_id,
                category_en,
                urgent,
                starts_at,
                ..
            },
            Locale::En,
        ) => (
            if *urgent {
                "Urgent need still unclaimed"
            } else {
                "Need still unclaimed"
            }
            .to_owned(),
            format!(
                "Nobody has taken need #{need_id} ({category_en}, starting {starts_at}) yet. Please dispatch it or contact the resident."
            ),
        ),
        (
            Notice::NeedOffered {
                need_id,
                category_zh,
                starts_at,
                respond_by,
                ..
            },
            Locale::ZhCn,
        ) => (
            "您收到一个派单".to_owned(),
            format!(
                "社区向您派发了需求 #{need_id}（{category_zh}，{starts_at} 开始）。请在 {respond_by} 前接受或拒绝，逾期将转派他人。"
            ),
        ),
        (
            Notice::NeedOffered {
                need_id,
                category_en,
                starts_at,
                respond_by,
                ..
            },
            Locale::En,
        ) => (
            "A need was offered to you".to_owned(),
            format!(
                "Community staff offered you need #{need_id} ({category_en}, starting {starts_at}). Accept or decline by {respond_by}; after that it is offered to someone else."
            ),
        ),
        (
            Notice::PointsExpiring {
                points,
                expires_on,
            },
            Locale::ZhCn,
        ) => (
            "您有积分即将过期".to_owned(),
            format!(
                "您有 {points} 积分将于 {expires_on} 起陆续过期，请在此之前兑换礼品、抵扣服务费或捐入爱心基金。"
            ),
        ),
        (
            Notice::PointsExpiring {
                points,
                expires_on,
            },
            Locale::En,
        ) => (
            "Some of your points expire soon".to_owned(),
            format!(
                "{points} of your points start to expire on {expires_on}. Redeem them for a reward, use them towards a paid service, or donate them to the community fund before then."
            ),
        ),
        (
            Notice::PointsStatement {
                period,
                opening,
                earned,
                spent,
                expired,
                closing,
                on_hold,
                recorded_minutes,
                honour_hours,
            },
            Locale::ZhCn,
        ) => {
            let hours = if *recorded_minutes > 0 || *honour_hours > 0 {
                format!(
                    "本月服务时长：记录 {} 小时 {} 分钟；荣誉时长 {honour_hours} 小时（另计，不产生积分）。",
                    recorded_minutes / 60,
                    recorded_minutes % 60
                )
            } else {
                String::new()
            };
            (
                format!("{period} 积分月结单"),
                format!(
                    "{period} 您的积分：月初 {opening}，获得 {earned}，使用 {spent}，过期 {expired}，月末 {closing}（其中冻结中（待兑换）{on_hold}）。{hours}明细可在“我的 → 积分”中查看和导出。"
                ),
            )
        }
        (
            Notice::PointsStatement {
                period,
                opening,
                earned,
                spent,
                expired,
                closing,
                on_hold,
                recorded_minutes,
                honour_hours,
            },
            Locale::En,
        ) => {
            let hours = if *recorded_minutes > 0 || *honour_hours > 0 {
                format!(
                    "Hours of service this month: {} h {} min recorded; {honour_hours} honour hours, counted apart and earning no points. ",
                    recorded_minutes / 60,
                    recorded_minutes % 60
                )
            } else {
                String::new()
            };
            (
                format!("Your points statement for {period}"),
                format!(
                    "Your points in {period}: opening {opening}, earned {earned}, spent {spent}, expired {expired}, closing {closing} (of which on hold for redemptions: {on_hold}). {hours}See and export every line under Me → Points."
                ),
            )
        }
        (
            Notice::OrderDeclined {
                order_id,
                title_zh,
                lapsed,
                alternatives,
                ..
            },
            Locale::ZhCn,
        ) => (
            "服务订单未被接单".to_owned(),
            format!(
                "您预约的“{title_zh}”（订单 #{order_id}）{}，预留的补贴和积分已退回。{}",
                if *lapsed { "服务商未在时限内答复" } else { "已被服务商婉拒" },
                if *alternatives > 0 {
                    format!("另有 {alternatives} 项同类服务可供选择，可在订单详情中查看并直接改约。")
                } else {
                    "暂无其他服务商提供同类服务，社区工作人员可以协助您。".to_owned()
                }
            ),
        ),
        (
            Notice::OrderDeclined {
                order_id,
                title_en,
                lapsed,
                alternatives,
                ..
            },
            Locale::En,
        ) => (
            "Your order was not accepted".to_owned(),
            format!(
                "Your booking of \"{title_en}\" (order #{order_id}) {}; the reserved subsidy and points are back with you. {}",
                if *lapsed {
                    "lapsed: the provider did not answer in time"
                } else {
                    "was declined by the provider"
                },
                match alternatives {
                    0 => "No other provider offers this service yet; community staff can help you.".to_owned(),
                    1 => "1 other offering can serve you: see it on the order and book it in one step.".to_owned(),
                    n => format!("{n} other offerings can serve you: see them on the order and book one in one step."),
                }
            ),
        ),
    };
    Rendered { title, body }
}

/// When quiet hours (22:00–08:00 in `zone`) hold `now` (UTC): the end of them, the next 08:00
/// local, as UTC; `None` outside them. Non-urgent emails wait until then.
pub fn quiet_until(now: NaiveDateTime, zone: Tz) -> Option<NaiveDateTime> {
    let local = zone.from_utc_datetime(&now);
    let hour = local.hour();
    if (QUIET_UNTIL_HOUR..QUIET_FROM_HOUR).contains(&hour) {
        return None;
    }
    let day = if hour >= QUIET_FROM_HOUR {
        local.date_naive().succ_opt()?
    } else {
        local.date_naive()
    };
    let morning = day.and_time(NaiveTime::from_hms_opt(QUIET_UNTIL_HOUR, 0, 0)?);
    // A DST gap at 08:00 takes the first valid instant after it; an overlap the earlier one.
    let end = zone.from_local_datetime(&morning).earliest().or_else(|| {
        zone.from_local_datetime(&(morning + chrono::TimeDelta::hours(1)))
            .earliest()
    })?;
    Some(end.naive_utc())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    fn utc(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("a valid instant")
    }

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn daytime_in_shanghai_is_not_quiet() {
        // 10:00 and 21:59 in Shanghai are 02:00 and 13:59 UTC.
        assert_eq!(quiet_until(utc(28, 2, 0), SHANGHAI), None);
        assert_eq!(quiet_until(utc(28, 13, 59), SHANGHAI), None);
        assert_eq!(
            quiet_until(utc(28, 0, 0), SHANGHAI),
            None,
            "08:00 is morning"
        );
    }

    #[test]
    fn an_evening_waits_for_the_next_morning_and_a_night_for_this_one() {
        // 22:00 on the 28th in Shanghai → 08:00 on the 29th = 00:00 UTC on the 29th.
        assert_eq!(quiet_until(utc(28, 14, 0), SHANGHAI), Some(utc(29, 0, 0)));
        // 03:30 on the 29th in Shanghai (19:30 UTC on the 28th) → 08:00 that day.
        assert_eq!(quiet_until(utc(28, 19, 30), SHANGHAI), Some(utc(29, 0, 0)));
        // 07:59 local.
        assert_eq!(quiet_until(utc(28, 23, 59), SHANGHAI), Some(utc(29, 0, 0)));
    }

    #[test]
    fn every_notice_reads_in_both_languages() {
        let notices = [
            Notice::Welcome {
                display_name: "王阿姨".into(),
            },
            Notice::VolunteerVerified,
            Notice::CredentialVerified {
                title: "助浴培训".into(),
            },
            Notice::ProxyConsentGranted {
                proxy_name: "李明".into(),
            },
            Notice::ProxyConsentRevoked {
                proxy_name: "李明".into(),
            },
            Notice::ActingForGranted {
                resident_name: "王阿姨".into(),
            },
            Notice::ActingForRevoked {
                resident_name: "王阿姨".into(),
            },
            Notice::OrderDeclined {
                order_id: 7,
                title_zh: "日常保洁".into(),
                title_en: "Cleaning".into(),
                lapsed: true,
                alternatives: 2,
            },
        ];
        for notice in &notices {
            let zh = render(notice, Locale::ZhCn);
            let en = render(notice, Locale::En);
            assert!(!zh.title.is_empty() && !zh.body.is_empty());
            assert!(en.title.is_ascii(), "{}", en.title);
            assert_ne!(zh.title, en.title);
        }
    }

    proptest! {
        #[test]
        fn a_hold_always_ends_at_eight_local_within_ten_hours(minutes in 0i64..(60 * 24 * 400)) {
            let now = utc(1, 0, 0) + chrono::TimeDelta::minutes(minutes);
            let local_hour = SHANGHAI.from_utc_datetime(&now).hour();
            match quiet_until(now, SHANGHAI) {
                None => prop_assert!((8..22).contains(&local_hour)),
                Some(end) => {
                    prop_assert!(!(8..22).contains(&local_hour));
                    prop_assert!(end > now && end - now <= chrono::TimeDelta::hours(10));
                    let local_end = SHANGHAI.from_utc_datetime(&end);
                    prop_assert_eq!((local_end.hour(), local_end.minute()), (8, 0));
                }
            }
        }
    }
}
