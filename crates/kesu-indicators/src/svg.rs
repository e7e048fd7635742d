//! Server-side SVG charts for dashboards and printed reports: a horizontal bar chart (county
//! comparison with a target line), a progress bar, a line chart (trend over periods).
//!
//! Hand-written SVG: a fixed `viewBox` (the chart scales with its container and prints at any
//! size), Chinese labels in a CJK font stack, every text XML-escaped, a white background, and
//! values printed as text beside the marks so that a black-and-white printout still reads.
//! Series are told apart by marker shape and dash pattern as well as colour.

use crate::progress::Light;
use kesu_core::plan::fmt_num;
use std::fmt::Write;

/// The font stack: the Debian/Noto CJK font on the server and in PDFs, YaHei on office PCs.
pub const FONT_FAMILY: &str = "'Noto Sans CJK SC','Microsoft YaHei',sans-serif";

const INK: &str = "#222";
const GRID: &str = "#ddd";
const DEFAULT_FILL: &str = "#1565c0";
const PALETTE: [&str; 5] = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00"];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];
/// A white outline under value labels, so that grid and target lines do not cross them out.
const HALO: &str = r##" paint-order="stroke" stroke="#fff" stroke-width="3""##;

/// Escape text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0; a pasted label may carry them.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The fill colour of a light.
pub fn light_colour(light: Light) -> &'static str {
    match light {
        Light::Green => "#2e7d32",
        Light::Yellow => "#f9a825",
        Light::Red => "#c62828",
        Light::Grey => "#9e9e9e",
    }
}

/// A number for a label: at most two decimals, no trailing `.0`.
fn label_num(v: f64) -> String {
    fmt_num((v * 100.0).round() / 100.0)
}

/// Coordinates with one decimal.
fn c(v: f64) -> String {
    fmt_num((v * 10.0).round() / 10.0)
}

/// Cut a label to `max` characters with an ellipsis (the full text goes in a `<title>`).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A round axis: step and top for values up to `max`, about five ticks.
pub fn nice_scale(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (0.2, 1.0);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let r = raw / mag;
    let nice = if r <= 1.0 {
        1.0
    } else if r <= 2.0 {
        2.0
    } else if r <= 2.5 {
        2.5
    } else if r <= 5.0 {
        5.0
    } else {
        10.0
    };
    let step = nice * mag;
    let top = (max / step - 1e-9).ceil() * step;
    (step, top.max(step))
}

fn open(out: &mut String, w: u32, h: u32, title: &str) {
    let t = escape(title);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="{FONT_FAMILY}" font-size="13" fill="{INK}"><title>{t}</title><rect x="0" y="0" width="{w}" height="{h}" fill="#fff"/>"##
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, extra: &str, content: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="{anchor}"{extra}>{}</text>"#,
        c(x),
        c(y),
        escape(content)
    );
}

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// `None`: no data (shown as 无数据, no bar).
    pub value: Option<f64>,
    /// Colours the bar by status; default blue.
    pub light: Option<Light>,
}

/// A horizontal bar chart: one bar per county (or unit), an optional target line.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    /// Appended to values (`%`, `人次`).
    pub unit: String,
    pub bars: Vec<Bar>,
    pub target: Option<f64>,
}

/// Bar chart geometry: fixed width, height by the number of bars.
const BAR_W: u32 = 800;
const BAR_LEFT: f64 = 180.0;
const BAR_PLOT_W: f64 = 530.0;
const BAR_TOP: f64 = 56.0;
const BAR_ROW: f64 = 26.0;
const BAR_H: f64 = 16.0;

/// Render a bar chart, its axis up to the largest value or the target.
pub fn bar_chart(chart: &BarChart) -> String {
    bar_chart_from(chart, 0.0)
}

/// Render a chart of progress in percent: the axis runs from 0 to 100% (further only for a
/// value above it), so that 2.3% never fills the bar.
pub fn progress_chart(chart: &BarChart) -> String {
    bar_chart_from(chart, 100.0)
}

/// A bar chart whose axis reaches at least `floor`.
fn bar_chart_from(chart: &BarChart, floor: f64) -> String {
    let n = chart.bars.len();
    let plot_h = BAR_ROW * n.max(1) as f64;
    let h = (BAR_TOP + plot_h + 40.0).ceil() as u32;
    let max = chart
        .bars
        .iter()
        .filter_map(|b| b.value)
        .chain(chart.target)
        .filter(|v| v.is_finite())
        .fold(floor, f64::max);
    let (step, top) = nice_scale(max);
    let x = |v: f64| BAR_LEFT + (v.max(0.0) / top).min(1.0) * BAR_PLOT_W;
    let mut out = String::with_capacity(512 + n * 320);
    open(&mut out, BAR_W, h, &chart.title);
    text(
        &mut out,
        BAR_W as f64 / 2.0,
        24.0,
        "middle",
        r#" font-size="16" font-weight="bold""#,
        &chart.title,
    );
    // Grid and axis labels.
    let bottom = BAR_TOP + plot_h;
    let ticks = (top / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let gx = x(v);
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{GRID}" stroke-width="1"/>"#,
            c(gx),
            c(BAR_TOP - 4.0),
            c(bottom)
        );
        text(
            &mut out,
            gx,
            bottom + 16.0,
            "middle",
            r#" font-size="11""#,
            &label_num(v),
        );
    }
    let _ = write!(
        out,
        r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{INK}" stroke-width="1"/>"#,
        c(BAR_LEFT),
        c(BAR_TOP - 4.0),
        c(bottom)
    );
    if !chart.unit.is_empty() {
        text(
            &mut out,
            BAR_LEFT + BAR_PLOT_W,
            bottom + 32.0,
            "end",
            r#" font-size="11""#,
            &format!("单位：{}", chart.unit),
        );
    }
    let mut values = String::new();
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = BAR_TOP + BAR_ROW * i as f64;
        let mid = y + BAR_ROW / 2.0 + 4.0;
        let _ = write!(out, "<g><title>{}</title>", escape(&bar.label));
        text(
            &mut out,
            BAR_LEFT - 8.0,
            mid,
            "end",
            "",
            &clip(&bar.label, 12),
        );
        match bar.value.filter(|v| v.is_finite()) {
            Some(v) => {
                let fill = bar.light.map_or(DEFAULT_FILL, light_colour);
                let w = x(v) - BAR_LEFT;
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="{INK}" stroke-width="0.5"/>"#,
                    c(BAR_LEFT),
                    c(y + (BAR_ROW - BAR_H) / 2.0),
                    c(w),
                    c(BAR_H)
                );
                // Value labels go on top of the target line, drawn after it.
                text(
                    &mut values,
                    BAR_LEFT + w + 6.0,
                    mid,
                    "start",
                    HALO,
                    &format!("{}{}", label_num(v), chart.unit),
                );
            }
            None => text(
                &mut out,
                BAR_LEFT + 6.0,
                mid,
                "start",
                r##" fill="#757575" font-style="italic""##,
                "无数据",
            ),
        }
        out.push_str("</g>");
    }
    if let Some(t) = chart.target.filter(|t| t.is_finite()) {
        let tx = x(t);
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>"#,
            c(tx),
            c(BAR_TOP - 10.0),
            c(bottom)
        );
        text(
            &mut out,
            tx,
            BAR_TOP - 14.0,
            "middle",
            r#" font-size="12""#,
            &format!("目标 {}{}", label_num(t), chart.unit),
        );
    }
    out.push_str(&values);
    out.push_str("</svg>");
    out
}

/// A progress bar for one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressBar {
    pub label: String,
    /// 0–1 (capped progress); `None`: no data.
    pub progress: Option<f64>,
    pub light: Light,
    /// Where the bar should be by now (the elapsed share), drawn as a tick.
    pub expected: Option<f64>,
}

const PB_W: u32 = 480;
const PB_TRACK: f64 = 400.0;

/// Render a progress bar.
pub fn progress_bar(bar: &ProgressBar) -> String {
    let mut out = String::with_capacity(900);
    open(&mut out, PB_W, 56, &bar.label);
    text(&mut out, 0.0, 16.0, "start", "", &clip(&bar.label, 34));
    let _ = write!(
        out,
        r##"<rect x="0" y="24" width="{}" height="18" fill="#eee" stroke="#999" stroke-width="1"/>"##,
        c(PB_TRACK)
    );
    match bar.progress.filter(|p| p.is_finite()) {
        Some(p) => {
            let p = p.clamp(0.0, 1.0);
            let _ = write!(
                out,
                r#"<rect x="0" y="24" width="{}" height="18" fill="{}"/>"#,
                c(PB_TRACK * p),
                light_colour(bar.light)
            );
            text(
                &mut out,
                PB_TRACK + 8.0,
                38.0,
                "start",
                "",
                &format!("{}%", label_num(p * 100.0)),
            );
        }
        None => text(
            &mut out,
            PB_TRACK + 8.0,
            38.0,
            "start",
            r##" fill="#757575" font-style="italic""##,
            "无数据",
        ),
    }
    if let Some(e) = bar.expected.filter(|e| e.is_finite()) {
        let ex = PB_TRACK * e.clamp(0.0, 1.0);
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="20" x2="{0}" y2="46" stroke="{INK}" stroke-width="2"><title>按进度应达到 {1}%</title></line>"#,
            c(ex),
            label_num(e * 100.0)
        );
    }
    out.push_str("</svg>");
    out
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One per x label; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
}

/// A line chart: values over periods.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub unit: String,
    /// 2024年第一季度, … .
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub target: Option<f64>,
}

const LC_W: u32 = 800;
const LC_H: u32 = 380;
const LC_LEFT: f64 = 70.0;
// Room on the right for the last period's label, centred on the last point.
const LC_RIGHT: f64 = 740.0;
const LC_TOP: f64 = 76.0;
const LC_BOTTOM: f64 = 320.0;

fn marker(out: &mut String, shape: usize, x: f64, y: f64, colour: &str) {
    let (x, y) = (x, y);
    match shape % 4 {
        0 => {
            let _ = write!(
                out,
                r##"<circle cx="{}" cy="{}" r="4" fill="{colour}" stroke="#fff" stroke-width="1"/>"##,
                c(x),
                c(y)
            );
        }
        1 => {
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="8" height="8" fill="{colour}" stroke="#fff" stroke-width="1"/>"##,
                c(x - 4.0),
                c(y - 4.0)
            );
        }
        2 => {
            let _ = write!(
                out,
                r##"<path d="M{} {}L{} {}L{} {}Z" fill="{colour}" stroke="#fff" stroke-width="1"/>"##,
                c(x),
                c(y - 5.0),
                c(x + 5.0),
                c(y + 4.0),
                c(x - 5.0),
                c(y + 4.0)
            );
        }
        _ => {
            let _ = write!(
                out,
                r##"<path d="M{} {}L{} {}L{} {}L{} {}Z" fill="{colour}" stroke="#fff" stroke-width="1"/>"##,
                c(x),
                c(y - 5.0),
                c(x + 5.0),
                c(y),
                c(x),
                c(y + 5.0),
                c(x - 5.0),
                c(y)
            );
        }
    }
}

/// Render a line chart.
pub fn line_chart(chart: &LineChart) -> String {
    let n = chart.x_labels.len();
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(chart.target)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let (step, top) = nice_scale(max);
    let plot_w = LC_RIGHT - LC_LEFT;
    let xi = |i: usize| {
        if n <= 1 {
            LC_LEFT + plot_w / 2.0
        } else {
            LC_LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| LC_BOTTOM - (v.max(0.0) / top).min(1.0) * (LC_BOTTOM - LC_TOP);
    let mut out = String::with_capacity(2048 + n * 200 * chart.series.len().max(1));
    open(&mut out, LC_W, LC_H, &chart.title);
    text(
        &mut out,
        LC_W as f64 / 2.0,
        24.0,
        "middle",
        r#" font-size="16" font-weight="bold""#,
        &chart.title,
    );
    // Legend.
    let mut lx = LC_LEFT;
    for (si, s) in chart.series.iter().enumerate() {
        let colour = PALETTE[si % PALETTE.len()];
        let dash = DASHES[si % DASHES.len()];
        let _ = write!(
            out,
            r#"<line x1="{}" y1="50" x2="{}" y2="50" stroke="{colour}" stroke-width="2"{}/>"#,
            c(lx),
            c(lx + 28.0),
            if dash.is_empty() {
                String::new()
            } else {
                format!(r#" stroke-dasharray="{dash}""#)
            }
        );
        marker(&mut out, si, lx + 14.0, 50.0, colour);
        let name = clip(&s.name, 16);
        text(&mut out, lx + 34.0, 54.0, "start", "", &name);
        lx += 34.0 + 13.0 * name.chars().count() as f64 + 20.0;
    }
    // Grid and y labels.
    let ticks = (top / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let gy = y(v);
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{GRID}" stroke-width="1"/>"#,
            c(LC_LEFT),
            c(gy),
            c(LC_RIGHT)
        );
        text(
            &mut out,
            LC_LEFT - 8.0,
            gy + 4.0,
            "end",
            r#" font-size="11""#,
            &label_num(v),
        );
    }
    let _ = write!(
        out,
        r#"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{INK}" stroke-width="1"/>"#,
        c(LC_LEFT),
        c(LC_BOTTOM),
        c(LC_RIGHT)
    );
    if !chart.unit.is_empty() {
        text(
            &mut out,
            LC_LEFT - 8.0,
            LC_TOP - 12.0,
            "end",
            r#" font-size="11""#,
            &format!("单位：{}", chart.unit),
        );
    }
    // X labels, thinned to about twelve.
    let every = n.div_ceil(12).max(1);
    for (i, label) in chart.x_labels.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            text(
                &mut out,
                xi(i),
                LC_BOTTOM + 18.0,
                "middle",
                r#" font-size="11""#,
                &clip(label, 10),
            );
        }
    }
    if let Some(t) = chart.target.filter(|t| t.is_finite()) {
        let ty = y(t);
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>"#,
            c(LC_LEFT),
            c(ty),
            c(LC_RIGHT)
        );
        text(
            &mut out,
            LC_RIGHT,
            ty - 6.0,
            "end",
            r#" font-size="12""#,
            &format!("目标 {}{}", label_num(t), chart.unit),
        );
    }
    // Lines: a gap where a value is missing; values printed when there is one series.
    let label_points = chart.series.len() == 1 && n <= 24;
    for (si, s) in chart.series.iter().enumerate() {
        let colour = PALETTE[si % PALETTE.len()];
        let dash = DASHES[si % DASHES.len()];
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().take(n).enumerate() {
            match v.filter(|v| v.is_finite()) {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if pen_down { "L" } else { "M" },
                        c(xi(i)),
                        c(y(v))
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(out, "<g><title>{}</title>", escape(&s.name));
        if !d.is_empty() {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{}/>"#,
                if dash.is_empty() {
                    String::new()
                } else {
                    format!(r#" stroke-dasharray="{dash}""#)
                }
            );
        }
        for (i, v) in s.values.iter().take(n).enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                marker(&mut out, si, xi(i), y(v), colour);
                if label_points {
                    text(
                        &mut out,
                        xi(i),
                        y(v) - 9.0,
                        "middle",
                        &format!(r#" font-size="11"{HALO}"#),
                        &label_num(v),
                    );
                }
            }
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    /// Parse the whole document (tags must balance) and return all text content, entity
    /// references resolved.
    fn parse(svg: &str) -> String {
        let mut reader = Reader::from_str(svg);
        let mut depth = 0i32;
        let mut text = String::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Text(t)) => text.push_str(&t.xml10_content()),
                Ok(Event::GeneralRef(r)) => {
                    let resolved = quick_xml::escape::unescape(&format!("&{};", &*r))
                        .expect("known entity")
                        .into_owned();
                    text.push_str(&resolved);
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("malformed SVG at {}: {e}\n{svg}", reader.buffer_position()),
            }
        }
        assert_eq!(depth, 0, "unbalanced tags");
        text
    }

    fn counties() -> BarChart {
        BarChart {
            title: "各县市区公民具备科学素质的比例".into(),
            unit: "%".into(),
            bars: vec![
                Bar {
                    label: "娄星区".into(),
                    value: Some(16.2),
                    light: Some(Light::Green),
                },
                Bar {
                    label: "双峰县".into(),
                    value: Some(12.5),
                    light: Some(Light::Red),
                },
                Bar {
                    label: "新化县".into(),
                    value: None,
                    light: None,
                },
            ],
            target: Some(15.0),
        }
    }

    #[test]
    fn a_bar_chart_is_well_formed_xml_with_its_labels() {
        let svg = bar_chart(&counties());
        let text = parse(&svg);
        for want in ["娄星区", "16.2%", "12.5%", "新化县", "目标 15%", "单位：%"] {
            assert!(text.contains(want), "{want} missing from {text}");
        }
    }

    #[test]
    fn a_county_without_data_shows_no_data_and_no_bar() {
        let svg = bar_chart(&counties());
        assert!(parse(&svg).contains("无数据"));
        // Background plus two bars.
        assert_eq!(svg.matches("<rect").count(), 3);
    }

    #[test]
    fn labels_are_xml_escaped() {
        let mut chart = counties();
        chart.bars[0].label = "<script>alert(\"x\")</script> & 'co'".into();
        chart.title = "A&B <县>".into();
        let svg = bar_chart(&chart);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        let text = parse(&svg);
        assert!(
            text.contains("<script>alert(\"x\")</script> & 'co'"),
            "{text}"
        );
        assert!(text.contains("A&B <县>"));
    }

    #[test]
    fn control_characters_do_not_break_the_xml() {
        let mut chart = counties();
        chart.bars[0].label = "娄星\u{1}区".into();
        parse(&bar_chart(&chart));
    }

    #[test]
    fn the_chart_uses_the_cjk_font_stack_and_a_fixed_view_box() {
        let svg = bar_chart(&counties());
        assert!(svg.contains(r#"font-family="'Noto Sans CJK SC','Microsoft YaHei',sans-serif""#));
        // 56 top + 3 rows × 26 + 40 below = 174.
        assert!(
            svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 174""#)
        );
    }

    #[test]
    fn bars_are_scaled_to_a_round_axis() {
        // Max 100 → axis 0–100 in steps of 20; the 100 bar spans the plot (530), the 50 bar half.
        let chart = BarChart {
            title: "t".into(),
            unit: String::new(),
            bars: vec![
                Bar {
                    label: "a".into(),
                    value: Some(100.0),
                    light: None,
                },
                Bar {
                    label: "b".into(),
                    value: Some(50.0),
                    light: None,
                },
            ],
            target: None,
        };
        let svg = bar_chart(&chart);
        assert!(svg.contains(r#"width="530""#), "{svg}");
        assert!(svg.contains(r#"width="265""#), "{svg}");
    }

    #[test]
    fn long_labels_are_clipped_with_the_full_text_kept_as_a_tooltip() {
        let mut chart = counties();
        chart.bars[0].label = "娄底经济技术开发区管理委员会社会事务局".into();
        let svg = bar_chart(&chart);
        assert!(svg.contains("<title>娄底经济技术开发区管理委员会社会事务局</title>"));
        assert!(svg.contains(">娄底经济技术开发区管理…</text>"));
    }

    #[test]
    fn a_progress_chart_runs_to_100_percent_whatever_its_values() {
        let chart = BarChart {
            title: "进度".into(),
            unit: "%".into(),
            bars: vec![Bar {
                label: "甲县".into(),
                value: Some(2.33),
                light: None,
            }],
            target: None,
        };
        // The axis's last tick.
        assert!(progress_chart(&chart).contains(">100<"));
        assert!(!bar_chart(&chart).contains(">100<"));
    }

    #[test]
    fn nice_scales_round_up() {
        assert_eq!(nice_scale(100.0), (20.0, 100.0));
        assert_eq!(nice_scale(16.2), (5.0, 20.0));
        assert_eq!(nice_scale(0.0), (0.2, 1.0));
        assert_eq!(nice_scale(5000.0), (1000.0, 5000.0));
        assert_eq!(nice_scale(5001.0), (2000.0, 6000.0));
    }

    #[test]
    fn a_progress_bar_fills_its_share_and_prints_it() {
        let svg = progress_bar(&ProgressBar {
            label: "农民教育培训（人次）".into(),
            progress: Some(0.84),
            light: Light::Yellow,
            expected: Some(0.6),
        });
        let text = parse(&svg);
        assert!(text.contains("84%"));
        assert!(
            svg.contains(r##"width="336" height="18" fill="#f9a825""##),
            "{svg}"
        );
        assert!(svg.contains(r#"x1="240""#), "expected-progress tick at 60%");
    }

    #[test]
    fn a_progress_bar_without_data_says_so() {
        let svg = progress_bar(&ProgressBar {
            label: "x".into(),
            progress: None,
            light: Light::Grey,
            expected: None,
        });
        assert!(parse(&svg).contains("无数据"));
    }

    fn trend() -> LineChart {
        LineChart {
            title: "农民教育培训人次（按季度）".into(),
            unit: "人次".into(),
            x_labels: vec![
                "2024年第一季度".into(),
                "2024年第二季度".into(),
                "2024年第三季度".into(),
                "2024年第四季度".into(),
            ],
            series: vec![Series {
                name: "全市".into(),
                values: vec![Some(1200.0), None, Some(900.0), Some(1500.0)],
            }],
            target: Some(1250.0),
        }
    }

    #[test]
    fn a_line_chart_is_well_formed_with_periods_and_values() {
        let text = parse(&line_chart(&trend()));
        for want in ["2024年第一季度", "1200", "1500", "目标 1250人次", "全市"] {
            assert!(text.contains(want), "{want} missing from {text}");
        }
    }

    #[test]
    fn a_missing_period_leaves_a_gap_in_the_line() {
        let svg = line_chart(&trend());
        let d = svg
            .split(r#"<path d=""#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
    }

    #[test]
    fn several_series_differ_by_dash_as_well_as_colour() {
        let mut chart = trend();
        chart.series.push(Series {
            name: "娄星区 & 双峰县".into(),
            values: vec![Some(300.0), Some(400.0), Some(500.0), Some(450.0)],
        });
        let svg = line_chart(&chart);
        assert!(svg.contains(r#"stroke-dasharray="6 3""#));
        assert!(parse(&svg).contains("娄星区 & 双峰县"));
    }

    #[test]
    fn an_empty_chart_is_still_well_formed() {
        parse(&bar_chart(&BarChart {
            title: String::new(),
            unit: String::new(),
            bars: vec![],
            target: None,
        }));
        parse(&line_chart(&LineChart {
            title: String::new(),
            unit: String::new(),
            x_labels: vec![],
            series: vec![],
            target: None,
        }));
    }
}
