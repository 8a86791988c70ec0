//! Charts of area statistics drawn as SVG on the server: needs over time by status, needs by
//! category with their unmet part, and the points flow. Plain SVG with presentation attributes
//! only (no script, no style element), every text escaped, a title and description for screen
//! readers; the web front end shows them as images.

use std::fmt::Write as _;

use linli_domain::accounts::Locale;
use linli_domain::stats::{AreaStats, Bucket};

/// The charts there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Stacked columns: needs posted per bucket, by where they stand now.
    NeedsOverTime,
    /// Horizontal bars: needs per category, the unmet part darker.
    NeedsByCategory,
    /// Horizontal bars: points issued, redeemed and expired.
    Points,
}

impl Chart {
    /// Parses a chart's name in the path.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "needs_over_time" => Some(Self::NeedsOverTime),
            "needs_by_category" => Some(Self::NeedsByCategory),
            "points" => Some(Self::Points),
            _ => None,
        }
    }
}

const WIDTH: i64 = 640;
const HEIGHT: i64 = 320;
const LEFT: i64 = 48;
const RIGHT: i64 = 16;
const TOP: i64 = 40;
const BOTTOM: i64 = 64;
const INK: &str = "#1f2937";
const GRID: &str = "#d1d5db";

/// Escapes text for SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Where needs stand now, grouped for colour: (statuses, colour, zh-CN, en).
const GROUPS: [(&[&str], &str, &str, &str); 4] = [
    (
        &["open", "partially_assigned"],
        "#b45309",
        "待认领",
        "Waiting",
    ),
    (
        &["assigned", "in_progress", "awaiting_confirmation"],
        "#1d4ed8",
        "进行中",
        "Under way",
    ),
    (&["completed"], "#15803d", "已完成", "Completed"),
    (
        &["cancelled", "expired"],
        "#4b5563",
        "取消或过期",
        "Cancelled or expired",
    ),
];

fn say<'a>(locale: Locale, zh: &'a str, en: &'a str) -> &'a str {
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

/// A round step for about four grid lines up to `max`.
fn step(max: i64) -> i64 {
    let mut unit = 1;
    loop {
        for factor in [1, 2, 5] {
            if max <= unit * factor * 4 {
                return unit * factor;
            }
        }
        unit = unit.saturating_mul(10);
    }
}

struct Svg {
    out: String,
}

impl Svg {
    fn new(title: &str, description: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" \
             font-family=\"sans-serif\" font-size=\"12\" fill=\"{INK}\">\
             <title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>\
             <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\
             <text x=\"{LEFT}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{}</text>",
            escape(title),
            escape(description),
            escape(title)
        );
        Self { out }
    }

    fn text(&mut self, x: i64, y: i64, anchor: &str, text: &str) {
        let _ = write!(
            self.out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\">{}</text>",
            escape(text)
        );
    }

    fn rect(&mut self, x: i64, y: i64, width: i64, height: i64, fill: &str) {
        if width > 0 && height > 0 {
            let _ = write!(
                self.out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\" fill=\"{fill}\"/>"
            );
        }
    }

    fn line(&mut self, x1: i64, y1: i64, x2: i64, y2: i64) {
        let _ = write!(
            self.out,
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{GRID}\"/>"
        );
    }

    fn legend(&mut self, items: &[(&str, &str)]) {
        let mut x = LEFT;
        for (colour, label) in items {
            self.rect(x, HEIGHT - 20, 12, 12, colour);
            self.text(x + 16, HEIGHT - 10, "start", label);
            x += 28 + i64::try_from(label.chars().count()).unwrap_or(0) * 9;
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// The SVG of `chart` over `stats`, its words in `locale`.
pub fn render(chart: Chart, stats: &AreaStats, locale: Locale) -> String {
    let area = match locale {
        Locale::ZhCn => &stats.area.name_zh,
        Locale::En => &stats.area.name_en,
    };
    let period = format!("{} – {}", stats.period.from, stats.period.to);
    match chart {
        Chart::NeedsOverTime => over_time(stats, locale, area, &period),
        Chart::NeedsByCategory => by_category(stats, locale, area, &period),
        Chart::Points => points(stats, locale, area, &period),
    }
}

fn over_time(stats: &AreaStats, locale: Locale, area: &str, period: &str) -> String {
    let title = format!(
        "{area} · {}",
        say(locale, "需求数量变化", "Needs over time")
    );
    let description = format!(
        "{period}: {} {}",
        stats.needs,
        say(locale, "条需求", "needs posted")
    );
    let mut svg = Svg::new(&title, &description);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let max = stats
        .series
        .iter()
        .map(|b| b.needs)
        .max()
        .unwrap_or(0)
        .max(1);
    let step = step(max);
    let top = step * ((max + step - 1) / step);
    let y_of = |value: i64| TOP + plot_height - value * plot_height / top;
    let mut tick = 0;
    while tick <= top {
        svg.line(LEFT, y_of(tick), WIDTH - RIGHT, y_of(tick));
        svg.text(LEFT - 6, y_of(tick) + 4, "end", &tick.to_string());
        tick += step;
    }
    let count = i64::try_from(stats.series.len()).unwrap_or(1).max(1);
    let slot = plot_width / count;
    let bar = (slot * 3 / 4).max(1);
    let label_every = (count / 8).max(1);
    for (i, bucket) in (0_i64..).zip(&stats.series) {
        let x = LEFT + i * plot_width / count + (slot - bar) / 2;
        let mut base = 0;
        for (statuses, colour, _, _) in GROUPS {
            let value: i64 = bucket
                .by_status
                .iter()
                .filter(|(s, _)| statuses.contains(s))
                .map(|(_, n)| n)
                .sum();
            svg.rect(
                x,
                y_of(base + value),
                bar,
                y_of(base) - y_of(base + value),
                colour,
            );
            base += value;
        }
        if i % label_every == 0 {
            let label = match stats.period.bucket {
                Bucket::Month => bucket.start.format("%Y-%m").to_string(),
                Bucket::Day | Bucket::Week => bucket.start.format("%m-%d").to_string(),
            };
            svg.text(x + bar / 2, TOP + plot_height + 16, "middle", &label);
        }
    }
    let legend: Vec<(&str, &str)> = GROUPS
        .iter()
        .map(|(_, colour, zh, en)| (*colour, say(locale, zh, en)))
        .collect();
    svg.legend(&legend);
    svg.finish()
}

fn horizontal_bars(svg: &mut Svg, rows: &[(String, i64, i64)], colours: (&str, &str)) {
    let label_width = 150;
    let plot_left = LEFT + label_width;
    let plot_width = WIDTH - RIGHT - plot_left - 40;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let slot = ((HEIGHT - TOP - BOTTOM) / i64::try_from(rows.len()).unwrap_or(1).max(1)).min(40);
    for (i, (label, value, part)) in (0_i64..).zip(rows) {
        let y = TOP + i * slot;
        let short: String = label.chars().take(12).collect();
        svg.text(plot_left - 8, y + slot / 2 + 4, "end", &short);
        let width = value * plot_width / max;
        svg.rect(plot_left, y + 4, width, slot - 8, colours.0);
        svg.rect(
            plot_left,
            y + 4,
            part * plot_width / max,
            slot - 8,
            colours.1,
        );
        svg.text(
            plot_left + width + 6,
            y + slot / 2 + 4,
            "start",
            &value.to_string(),
        );
    }
}

fn by_category(stats: &AreaStats, locale: Locale, area: &str, period: &str) -> String {
    let title = format!("{area} · {}", say(locale, "各类需求", "Needs by category"));
    let unmet: i64 = stats.by_category.iter().map(|c| c.unmet).sum();
    let description = format!(
        "{period}: {} {}, {} {}",
        stats.needs,
        say(locale, "条需求", "needs"),
        unmet,
        say(locale, "条未满足", "unmet")
    );
    let mut svg = Svg::new(&title, &description);
    let rows: Vec<(String, i64, i64)> = stats
        .by_category
        .iter()
        .take(6)
        .map(|c| {
            let name = match locale {
                Locale::ZhCn => c.category.name_zh.clone(),
                Locale::En => c.category.name_en.clone(),
            };
            (name, c.needs, c.unmet)
        })
        .collect();
    horizontal_bars(&mut svg, &rows, ("#93c5fd", "#b45309"));
    svg.legend(&[
        ("#93c5fd", say(locale, "需求", "Needs")),
        ("#b45309", say(locale, "未满足", "Unmet")),
    ]);
    svg.finish()
}

fn points(stats: &AreaStats, locale: Locale, area: &str, period: &str) -> String {
    let title = format!("{area} · {}", say(locale, "积分发放与使用", "Points flow"));
    let flow = stats.points.unwrap_or_default();
    let description = format!(
        "{period}: {} {}, {} {}, {} {}",
        say(locale, "发放", "issued"),
        flow.issued,
        say(locale, "兑换", "redeemed"),
        flow.redeemed,
        say(locale, "过期", "expired"),
        flow.expired
    );
    let mut svg = Svg::new(&title, &description);
    let rows = vec![
        (say(locale, "发放", "Issued").to_owned(), flow.issued, 0),
        (say(locale, "兑换", "Redeemed").to_owned(), flow.redeemed, 0),
        (say(locale, "过期", "Expired").to_owned(), flow.expired, 0),
    ];
    horizontal_bars(&mut svg, &rows, ("#15803d", "#15803d"));
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::{escape, step};

    #[test]
    fn text_is_escaped_and_steps_are_round() {
        assert_eq!(
            escape("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
        assert_eq!(step(1), 1);
        assert_eq!(step(7), 2);
        assert_eq!(step(19), 5);
        assert_eq!(step(130), 50);
    }
}
