//! The emails people read: a notice's title and text (from the domain, in the recipient's
//! language) inside a short bilingual frame, as a plain part and an HTML part. Everything that
//! comes from people (names, titles) is HTML-escaped in the HTML part.

use linli_domain::accounts::Locale;
use linli_domain::notifications::{Notice, rules};

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The subject line.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

/// Renders `notice` for `recipient_name` in `locale`.
pub fn compose(notice: &Notice, locale: Locale, recipient_name: &str) -> Composed {
    let rendered = rules::render(notice, locale);
    let (greeting, footer) = match locale {
        Locale::ZhCn => (
            format!("{recipient_name}，您好："),
            "此邮件由邻里社区服务平台自动发送，请勿直接回复。您可以在“我的 → 通知设置”中调整邮件提醒。",
        ),
        Locale::En => (
            format!("Hello {recipient_name},"),
            "This email was sent automatically by Linli; please do not reply. You can change email notifications under Me → Notification settings.",
        ),
    };
    let subject = match locale {
        Locale::ZhCn => format!("【邻里】{}", rendered.title),
        Locale::En => format!("[Linli] {}", rendered.title),
    };
    let text = format!("{greeting}\n\n{}\n\n-- \n{footer}\n", rendered.body);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<p>{greeting}</p>\n<p>{body}</p>\n<hr>\n<p style=\"color:#666;font-size:12px\">{footer}</p>\n</body>\n</html>\n",
        lang = locale.as_str(),
        title = escape(&subject),
        greeting = escape(&greeting),
        body = escape(&rendered.body),
        footer = escape(footer),
    );
    Composed {
        subject,
        text,
        html,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares `actual` with the committed snapshot `snapshots/NAME.txt`; with
    /// `UPDATE_SNAPSHOTS=1` rewrites it instead, for a reviewer to read in the diff.
    fn assert_snapshot(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/email/snapshots")
            .join(format!("{name}.txt"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
            std::fs::write(&path, actual).expect("snapshot written");
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no snapshot {}; run with UPDATE_SNAPSHOTS=1",
                path.display()
            )
        });
        assert_eq!(actual, expected, "snapshot {name} differs");
    }

    fn shown(composed: &Composed) -> String {
        format!(
            "Subject: {}\n--- text/plain ---\n{}--- text/html ---\n{}",
            composed.subject, composed.text, composed.html
        )
    }

    #[test]
    fn the_welcome_email_in_chinese() {
        let notice = Notice::Welcome {
            display_name: "王阿姨".into(),
        };
        assert_snapshot(
            "welcome_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "王阿姨")),
        );
    }

    #[test]
    fn the_welcome_email_in_english() {
        let notice = Notice::Welcome {
            display_name: "Mrs Wang".into(),
        };
        assert_snapshot(
            "welcome_en",
            &shown(&compose(&notice, Locale::En, "Mrs Wang")),
        );
    }

    #[test]
    fn the_proxy_consent_email_in_both_languages() {
        let notice = Notice::ProxyConsentGranted {
            proxy_name: "李明".into(),
        };
        assert_snapshot(
            "proxy_consent_granted_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "王阿姨")),
        );
        assert_snapshot(
            "proxy_consent_granted_en",
            &shown(&compose(&notice, Locale::En, "Mrs Wang")),
        );
    }

    #[test]
    fn user_data_is_escaped_in_html_and_kept_in_plain_text() {
        let notice = Notice::CredentialVerified {
            title: "<script>alert('x')</script> & \"more\"".into(),
        };
        let composed = compose(&notice, Locale::En, "<b>Eve</b>");
        assert!(!composed.html.contains("<script>"), "{}", composed.html);
        assert!(!composed.html.contains("<b>Eve</b>"), "{}", composed.html);
        assert!(
            composed
                .html
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
        assert!(composed.text.contains("<script>alert('x')</script>"));
        assert_snapshot("credential_verified_escaped_en", &shown(&composed));
    }

    #[test]
    fn the_need_reminder_email_in_both_languages() {
        let notice = Notice::NeedReminder {
            need_id: 42,
            category_zh: "陪伴".into(),
            category_en: "Companionship".into(),
            starts_at: "2026-11-29 09:00".into(),
            hours_before: 24,
        };
        assert_snapshot(
            "need_reminder_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "王阿姨")),
        );
        assert_snapshot(
            "need_reminder_en",
            &shown(&compose(&notice, Locale::En, "Mrs Wang")),
        );
    }

    #[test]
    fn the_need_escalated_email_in_both_languages() {
        let notice = Notice::NeedEscalated {
            need_id: 42,
            category_zh: "助老".into(),
            category_en: "Elder care".into(),
            urgent: true,
            starts_at: "2026-11-29 09:00".into(),
        };
        assert_snapshot(
            "need_escalated_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "张网格员")),
        );
        assert_snapshot(
            "need_escalated_en",
            &shown(&compose(&notice, Locale::En, "Mr Zhang")),
        );
    }

    #[test]
    fn the_points_statement_email_in_both_languages() {
        let notice = Notice::PointsStatement {
            period: "2026-11".into(),
            opening: 40,
            earned: 107,
            spent: 25,
            expired: 10,
            closing: 112,
            on_hold: 20,
            recorded_minutes: 150,
            honour_hours: 8,
        };
        assert_snapshot(
            "points_statement_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "陈晓东")),
        );
        assert_snapshot(
            "points_statement_en",
            &shown(&compose(&notice, Locale::En, "Chen Xiaodong")),
        );
    }

    #[test]
    fn the_need_offered_email_in_both_languages() {
        let notice = Notice::NeedOffered {
            need_id: 42,
            category_zh: "陪伴".into(),
            category_en: "Companionship".into(),
            starts_at: "2026-11-29 09:00".into(),
            respond_by: "2026-11-28 18:00".into(),
        };
        assert_snapshot(
            "need_offered_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "李明")),
        );
        assert_snapshot(
            "need_offered_en",
            &shown(&compose(&notice, Locale::En, "Li Ming")),
        );
    }

    #[test]
    fn the_order_declined_email_in_both_languages() {
        let notice = Notice::OrderDeclined {
            order_id: 42,
            title_zh: "日常保洁".into(),
            title_en: "Cleaning".into(),
            lapsed: true,
            alternatives: 2,
        };
        assert_snapshot(
            "order_declined_zh_cn",
            &shown(&compose(&notice, Locale::ZhCn, "王秀兰")),
        );
        assert_snapshot(
            "order_declined_en",
            &shown(&compose(&notice, Locale::En, "Wang Xiulan")),
        );
    }
}
