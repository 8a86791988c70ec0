//! The area report as CSV: one figure per row in a long layout (section, bucket dates, key,
//! value) that spreadsheets pivot without any parsing.

use linli_domain::stats::AreaStats;
use linli_domain::stats::rules::hours;

/// Quotes a cell when needed, and defuses text a spreadsheet would run as a formula.
fn cell(raw: &str) -> String {
    let text = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) && raw.parse::<i64>().is_err() {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

struct Report {
    out: String,
}

impl Report {
    fn row(&mut self, section: &str, span: Option<(String, String)>, key: &str, value: String) {
        let (start, end) = span.unwrap_or_default();
        let cells = [section, &start, &end, key, &value].map(cell);
        self.out.push_str(&cells.join(","));
        self.out.push_str("\r\n");
    }
}

/// The report of `stats`: a byte-order mark (so spreadsheets read UTF-8), a header, then the
/// totals, statuses, categories, waiting times, volunteering, points, unmet demand and the
/// series bucket by bucket.
pub fn report_csv(stats: &AreaStats) -> String {
    let mut r = Report {
        out: String::from("\u{feff}section,start,end,key,value\r\n"),
    };
    let period = Some((stats.period.from.to_string(), stats.period.to.to_string()));
    r.row("area", period.clone(), "id", stats.area.id.0.to_string());
    r.row("area", period.clone(), "code", stats.area.code.clone());
    r.row(
        "area",
        period.clone(),
        "bucket",
        stats.period.bucket.as_str().into(),
    );
    r.row("needs", period.clone(), "total", stats.needs.to_string());
    for (status, needs) in &stats.by_status {
        r.row("status", period.clone(), status, needs.to_string());
    }
    for c in &stats.by_category {
        r.row(
            "category",
            period.clone(),
            &c.category.code,
            c.needs.to_string(),
        );
    }
    let optional = |v: Option<i64>| v.map(|s| s.to_string()).unwrap_or_default();
    let t = &stats.timing;
    r.row(
        "timing",
        period.clone(),
        "claimed_needs",
        t.claimed.to_string(),
    );
    r.row(
        "timing",
        period.clone(),
        "median_seconds_to_claim",
        optional(t.median_seconds_to_claim),
    );
    r.row(
        "timing",
        period.clone(),
        "completed_needs",
        t.completed.to_string(),
    );
    r.row(
        "timing",
        period.clone(),
        "median_seconds_to_complete",
        optional(t.median_seconds_to_complete),
    );
    let v = &stats.volunteering;
    r.row(
        "volunteering",
        period.clone(),
        "minutes",
        v.minutes.to_string(),
    );
    r.row(
        "volunteering",
        period.clone(),
        "hours",
        hours(v.minutes).to_string(),
    );
    r.row(
        "volunteering",
        period.clone(),
        "helpers",
        v.helpers.to_string(),
    );
    r.row("volunteering", period.clone(), "tasks", v.tasks.to_string());
    if let Some(p) = stats.points {
        r.row("points", period.clone(), "issued", p.issued.to_string());
        r.row("points", period.clone(), "redeemed", p.redeemed.to_string());
        r.row("points", period.clone(), "expired", p.expired.to_string());
    }
    for c in &stats.top_unmet {
        r.row(
            "unmet",
            period.clone(),
            &c.category.code,
            c.unmet.to_string(),
        );
    }
    let code_of = |id: linli_domain::categories::CategoryId| {
        stats
            .by_category
            .iter()
            .find(|c| c.category.id == id)
            .map_or_else(|| id.0.to_string(), |c| c.category.code.clone())
    };
    for b in &stats.series {
        let span = Some((b.start.to_string(), b.end.to_string()));
        r.row("series", span.clone(), "total", b.needs.to_string());
        for (status, needs) in b.by_status.iter().filter(|(_, n)| *n > 0) {
            r.row("series_status", span.clone(), status, needs.to_string());
        }
        for (id, needs) in &b.by_category {
            r.row(
                "series_category",
                span.clone(),
                &code_of(*id),
                needs.to_string(),
            );
        }
    }
    r.out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("12"), "12");
        assert_eq!(cell("-3"), "-3");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
