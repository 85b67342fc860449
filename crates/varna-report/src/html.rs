//! The report as one self-contained HTML page: Swedish headings, tables
//! with captions and header cells, inline SVG bar and line charts, print
//! styles. No script, no external reference; every text is escaped.

use std::fmt::Write;

use crate::labels::value_label;
use crate::model::{MonthlySeries, QualityReport};

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
  max-width: 60rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { margin-bottom: .2rem; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #1b6ca8; padding-bottom: .2rem; }
.meta { color: #444; margin-top: 0; }
table { border-collapse: collapse; margin: .8rem 0 1.2rem; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #555; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #555; font-style: italic; }
svg { max-width: 100%; height: auto; display: block; margin: .5rem 0 1rem; }
svg text { font: 12px system-ui, sans-serif; fill: #1a1a1a; }
@page { size: A4; margin: 16mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid; }
  table { font-size: 9pt; }
}
";

/// Line colours, with dash patterns so the lines stay apart in black and white.
const LINES: [(&str, &str); 6] = [
    ("#1b6ca8", ""),
    ("#c0392b", "6 3"),
    ("#2e7d32", "2 3"),
    ("#b9770e", "9 3 2 3"),
    ("#6a4c93", "12 4"),
    ("#00798c", "4 2 1 2"),
];
/// Long tables (units, repeat cases) show this many rows; the CSV and JSON
/// exports have them all.
const LONG_TABLE_ROWS: usize = 30;
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];
const MONTH_NAMES: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// Escapes text for HTML and SVG content and attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A decimal number the Swedish way: comma, one decimal.
fn decimal(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

/// Shortens a chart label to `max` characters (the table beside has it whole).
fn clip(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut short: String = label.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

fn percent(share: f64) -> String {
    format!("{} %", decimal(share * 100.0))
}

fn duration(hours: Option<f64>) -> String {
    match hours {
        None => "–".to_owned(),
        Some(h) if h >= 48.0 => format!("{} d", decimal(h / 24.0)),
        Some(h) => format!("{} h", decimal(h)),
    }
}

/// A table cell: text, or a number aligned right.
enum Cell {
    Text(String),
    Num(String),
}

fn t(text: impl Into<String>) -> Cell {
    Cell::Text(text.into())
}

fn n(value: impl ToString) -> Cell {
    Cell::Num(value.to_string())
}

/// Writes a table whose first column heads its row.
fn table(out: &mut String, caption: &str, head: &[&str], rows: Vec<Vec<Cell>>) {
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"empty\">{}: inga ärenden.</p>",
            esc(caption)
        );
        return;
    }
    let _ = write!(
        out,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        esc(caption)
    );
    for (i, h) in head.iter().enumerate() {
        let numeric = rows[0].get(i).is_some_and(|c| matches!(c, Cell::Num(_)));
        let class = if numeric { " class=\"n\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.into_iter().enumerate() {
            let (tag, class, text) = match cell {
                Cell::Text(s) => (if i == 0 { "th" } else { "td" }, "", s),
                Cell::Num(s) => ("td", " class=\"n\"", s),
            };
            let scope = if tag == "th" { " scope=\"row\"" } else { "" };
            let _ = write!(out, "<{tag}{scope}{class}>{}</{tag}>", esc(&text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Opens an accessible SVG with a title and description.
fn svg_open(out: &mut String, id: &str, width: i64, height: i64, title: &str, desc: &str) {
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\">\n<title id=\"{id}-title\">{}</title>\n\
         <desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
}

/// A horizontal bar chart of labelled counts.
fn bar_chart(out: &mut String, id: &str, title: &str, items: &[(String, i64)]) {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0);
    if max <= 0 {
        return;
    }
    let (label_w, bar_w, row_h) = (330, 330, 22);
    let height = items.len() as i64 * row_h + 8;
    let desc = items
        .iter()
        .map(|(l, v)| format!("{l}: {v}"))
        .collect::<Vec<_>>()
        .join("; ");
    svg_open(out, id, label_w + bar_w + 60, height, title, &desc);
    for (i, (label, value)) in items.iter().enumerate() {
        let y = i as i64 * row_h + 4;
        let w = (value * bar_w / max).max(i64::from(*value > 0));
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"#1b6ca8\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text>",
            label_w - 8,
            y + 14,
            esc(&clip(label, 48)),
            row_h - 6,
            label_w + w + 6,
            y + 14,
        );
    }
    out.push_str("</svg>\n");
}

/// A line chart of monthly series (the first six), over the months covered.
fn line_chart(out: &mut String, id: &str, title: &str, series: &[MonthlySeries], months: usize) {
    let shown = &series[..series.len().min(LINES.len())];
    let max = shown
        .iter()
        .flat_map(|s| s.counts.iter().take(months))
        .copied()
        .max()
        .unwrap_or(0);
    if max <= 0 || months == 0 {
        return;
    }
    let (left, top, plot_w, plot_h, legend_w) = (44_i64, 12_i64, 480_i64, 200_i64, 300_i64);
    let (width, height) = (left + plot_w + legend_w, top + plot_h + 34);
    let x = |m: usize| {
        left + if months > 1 {
            m as i64 * plot_w / (months as i64 - 1)
        } else {
            0
        }
    };
    let y = |v: i64| top + plot_h - v * plot_h / max;
    let desc = shown
        .iter()
        .map(|s| {
            let counts: Vec<String> = s.counts.iter().take(months).map(i64::to_string).collect();
            format!("{}: {}", s.label, counts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    svg_open(out, id, width, height, title, &desc);
    for v in [0, max / 2, max] {
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v}</text>",
            left + plot_w,
            left - 6,
            y(v) + 4,
            yy = y(v),
        );
    }
    for (m, name) in MONTHS.iter().enumerate().take(months) {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{name}</text>",
            x(m),
            top + plot_h + 20
        );
    }
    for (i, s) in shown.iter().enumerate() {
        let (colour, dash) = LINES[i];
        let points: Vec<String> = s
            .counts
            .iter()
            .take(months)
            .enumerate()
            .map(|(m, v)| format!("{},{}", x(m), y(*v)))
            .collect();
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let ly = top + 8 + i as i64 * 20;
        let lx = left + plot_w + 16;
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\
             <line x1=\"{lx}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\
             <text x=\"{}\" y=\"{}\">{} ({})</text>",
            points.join(" "),
            lx + 24,
            lx + 30,
            ly + 4,
            esc(&clip(&s.label, 30)),
            s.total
        );
    }
    out.push_str("</svg>\n");
}

/// The most recent earlier cases, at most three, and how many more.
fn earlier(ids: &[String]) -> String {
    let shown = ids.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    match ids.len() {
        0..=3 => shown,
        n => format!("{shown} och {} till", n - 3),
    }
}

/// Says how many rows a long table left out.
fn more(out: &mut String, total: usize, what: &str) {
    if total > LONG_TABLE_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"empty\">Ytterligare {} {what} finns i CSV- och JSON-exporten.</p>",
            total - LONG_TABLE_ROWS
        );
    }
}

fn section(out: &mut String, id: &str, heading: &str) {
    let _ = write!(out, "<section id=\"{id}\">\n<h2>{}</h2>\n", esc(heading));
}

fn period(r: &QualityReport) -> String {
    match r.months_covered {
        12 => format!("Hela {}.", r.year),
        0 => format!("{} har inte börjat.", r.year),
        m => format!(
            "Januari–{} {} ({m} månader).",
            MONTH_NAMES[(m.clamp(1, 12) - 1) as usize],
            r.year
        ),
    }
}

fn monthly(
    out: &mut String,
    r: &QualityReport,
    id: &str,
    heading: &str,
    (first, what): (&str, &str),
    series: &[MonthlySeries],
) {
    let months = if r.months_covered > 0 {
        r.months_covered as usize
    } else {
        12
    };
    section(out, id, heading);
    line_chart(out, id, heading, series, months);
    let mut head = vec![first];
    head.extend(MONTHS.iter().take(months));
    head.push("Totalt");
    let rows = series
        .iter()
        .take(LONG_TABLE_ROWS)
        .map(|s| {
            let mut row = vec![t(&s.label)];
            row.extend(s.counts.iter().take(months).map(n));
            row.push(n(s.total));
            row
        })
        .collect();
    table(out, heading, &head, rows);
    more(out, series.len(), what);
    out.push_str("</section>\n");
}

/// Renders the report as HTML.
pub(crate) fn html(r: &QualityReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("Kvalitetsberättelse {} – {}", r.year, r.scope_name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>Kvalitetsberättelse {}</h1>\n<p class=\"meta\">{} · {} Underlaget hämtades {} (UTC) ur Varna. \
         Rapporten innehåller inga personuppgifter: antal, koder och ärende-id.</p>\n</header>\n<main>\n",
        esc(&title),
        r.year,
        esc(&r.scope_name),
        esc(&period(r)),
        r.generated_at.format("%Y-%m-%d %H:%M"),
    );
    let (year, previous) = (r.year.to_string(), (r.year - 1).to_string());

    section(&mut out, "per-lagrum", "Ärenden per lagrum");
    let bars: Vec<(String, i64)> = r
        .per_lagrum
        .iter()
        .map(|x| (format!("{} {}", x.kind_label, x.lagrum), x.count))
        .collect();
    bar_chart(
        &mut out,
        "per-lagrum-chart",
        &format!("Ärenden per lagrum {year}"),
        &bars,
    );
    let rows = r
        .per_lagrum
        .iter()
        .map(|x| {
            vec![
                t(&x.kind_label),
                t(&x.lagrum),
                n(x.count),
                n(x.previous_year),
                n(format!("{:+}", x.count - x.previous_year)),
            ]
        })
        .collect();
    table(
        &mut out,
        "Ärenden per lagrum",
        &["Ärendetyp", "Lagrum", &year, &previous, "Förändring"],
        rows,
    );
    out.push_str("</section>\n");

    section(
        &mut out,
        "kon",
        "Lex Sarah och lex Maria per verksamhetsområde och kön",
    );
    let rows = r
        .by_area_and_gender
        .iter()
        .map(|x| {
            vec![
                t(&x.kind_label),
                t(&x.area_name),
                n(x.kvinna),
                n(x.man),
                n(x.ej_angivet),
                n(x.total),
            ]
        })
        .collect();
    table(
        &mut out,
        "Rapporter per verksamhetsområde och den enskildes kön",
        &[
            "Ärendetyp",
            "Verksamhetsområde",
            "Kvinna",
            "Man",
            "Ej angivet",
            "Totalt",
        ],
        rows,
    );
    out.push_str("</section>\n");

    section(&mut out, "bedomningar", "Bedömningar");
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    for o in &r.outcomes {
        if !kinds.iter().any(|(k, _)| *k == o.kind) {
            kinds.push((&o.kind, &o.kind_label));
        }
    }
    for (kind, label) in &kinds {
        let outcomes: Vec<_> = r.outcomes.iter().filter(|o| o.kind == *kind).collect();
        let bars: Vec<(String, i64)> = outcomes
            .iter()
            .map(|o| (o.label.clone(), o.count))
            .collect();
        bar_chart(
            &mut out,
            &format!("bedomningar-{kind}"),
            &format!("Bedömningar, {label}"),
            &bars,
        );
        let rows = outcomes
            .iter()
            .map(|o| {
                vec![
                    t(&o.label),
                    t(if o.reportable { "Ja" } else { "Nej" }),
                    n(o.count),
                ]
            })
            .collect();
        table(
            &mut out,
            &format!("Bedömningar, {label}"),
            &["Bedömning", "Anmäls till IVO", "Antal"],
            rows,
        );
    }
    if kinds.is_empty() {
        table(&mut out, "Bedömningar", &[], Vec::new());
    }
    out.push_str("</section>\n");

    section(&mut out, "ivo", "Anmälningar till IVO");
    let rows = r
        .ivo
        .iter()
        .map(|x| {
            vec![
                t(&x.kind_label),
                n(x.cases),
                n(x.reported),
                n(percent(x.share)),
            ]
        })
        .collect();
    table(
        &mut out,
        "Anmälningar till IVO",
        &["Ärendetyp", "Ärenden", "Anmälda", "Andel"],
        rows,
    );
    out.push_str("</section>\n");

    section(&mut out, "kategorier", "Vanligaste kategorierna");
    let bars: Vec<(String, i64)> = r
        .categories
        .iter()
        .map(|x| (format!("{}: {}", x.kind_label, x.label), x.count))
        .collect();
    bar_chart(
        &mut out,
        "kategorier-chart",
        "Vanligaste kategorierna",
        &bars,
    );
    let rows = r
        .categories
        .iter()
        .map(|x| {
            vec![
                t(&x.kind_label),
                t(&x.label),
                n(x.count),
                n(percent(x.share)),
            ]
        })
        .collect();
    table(
        &mut out,
        "Vanligaste kategorierna (högst tio per ärendetyp)",
        &["Ärendetyp", "Kategori", "Antal", "Andel"],
        rows,
    );
    out.push_str("</section>\n");

    section(
        &mut out,
        "klagomal",
        "Klagomål och synpunkter per verksamhetsområde",
    );
    let rows = r
        .complaints
        .iter()
        .map(|x| vec![t(&x.area_name), t(&x.label), n(x.count)])
        .collect();
    table(
        &mut out,
        "Klagomål och synpunkter per verksamhetsområde och slag",
        &["Verksamhetsområde", "Slag", "Antal"],
        rows,
    );
    out.push_str("</section>\n");

    section(&mut out, "handlaggningstider", "Handläggningstider");
    let rows = r
        .lead_times
        .iter()
        .map(|x| {
            vec![
                t(&x.kind_label),
                t(&x.label),
                n(x.count),
                n(duration(x.median_hours)),
                n(duration(x.p90_hours)),
            ]
        })
        .collect();
    table(
        &mut out,
        "Handläggningstider (median och 90:e percentilen)",
        &[
            "Ärendetyp",
            "Mått",
            "Mätta ärenden",
            "Median",
            "90:e percentilen",
        ],
        rows,
    );
    out.push_str("</section>\n");

    section(&mut out, "tidsfrister", "Tidsfrister");
    let rows = r
        .deadlines
        .iter()
        .map(|x| {
            vec![
                t(&x.kind_label),
                t(&x.label),
                n(x.on_time),
                n(x.late),
                n(x.overdue),
                n(x.open),
                n(x.cancelled),
                n(percent(x.met_on_time_share)),
            ]
        })
        .collect();
    table(
        &mut out,
        "Tidsfrister som hölls och missades",
        &[
            "Ärendetyp",
            "Tidsfrist",
            "I tid",
            "Sent",
            "Passerad, ej klar",
            "Pågår",
            "Avbruten",
            "Andel i tid",
        ],
        rows,
    );
    out.push_str("</section>\n");

    monthly(
        &mut out,
        r,
        "per-manad-enhet",
        "Ärenden per månad och enhet",
        ("Enhet", "enheter"),
        &r.monthly_by_unit,
    );
    monthly(
        &mut out,
        r,
        "per-manad-kategori",
        "Ärenden per månad och kategori",
        ("Kategori", "kategorier"),
        &r.monthly_by_category,
    );

    section(&mut out, "okande", "Enheter där antalet ärenden ökar");
    let rows = r
        .rising_units
        .iter()
        .map(|x| {
            vec![
                t(&x.unit_name),
                n(x.previous),
                n(x.current),
                n(decimal(x.previous_per_month)),
                n(decimal(x.current_per_month)),
                n(format!("+{}", decimal(x.change_per_month))),
            ]
        })
        .collect();
    table(
        &mut out,
        "Ärenden per månad jämfört med föregående år",
        &[
            "Enhet",
            &previous,
            &year,
            &format!("Per månad {previous}"),
            &format!("Per månad {year}"),
            "Ökning per månad",
        ],
        rows,
    );
    out.push_str("</section>\n");

    section(&mut out, "upprepade", "Upprepade händelser");
    let s = &r.repeats;
    let _ = writeln!(
        out,
        "<p>Av {} utredda ärenden hade {} ett tidigare ärende inom 90 dagar: {} om samma person \
         och {} med samma kategori på samma enhet.</p>",
        s.investigated, s.any, s.same_person, s.same_category
    );
    let rows = s
        .cases
        .iter()
        .take(LONG_TABLE_ROWS)
        .map(|c| {
            let reasons: Vec<&str> = c
                .reasons
                .iter()
                .map(|r| match r.as_str() {
                    "same_person" => "Samma person",
                    "same_category" => "Samma kategori och enhet",
                    other => other,
                })
                .collect();
            vec![
                t(&c.case_id),
                t(&c.kind_label),
                t(&c.unit_name),
                t(c.category.as_deref().map(value_label).unwrap_or_default()),
                t(reasons.join(", ")),
                t(earlier(&c.earlier_case_ids)),
                n(c.days_since_last),
            ]
        })
        .collect();
    table(
        &mut out,
        "Ärenden med ett tidigare liknande ärende, de senaste först",
        &[
            "Ärende",
            "Ärendetyp",
            "Enhet",
            "Kategori",
            "Skäl",
            "Tidigare ärenden",
            "Dagar sedan senaste",
        ],
        rows,
    );
    more(&mut out, s.cases.len(), "ärenden");
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(esc("<b>\"Å&'</b>"), "&lt;b&gt;&quot;Å&amp;&#39;&lt;/b&gt;");
    }

    #[test]
    fn long_lists_of_earlier_cases_are_shortened() {
        let ids: Vec<String> = (1..=5).map(|i| format!("c{i}")).collect();
        assert_eq!(earlier(&ids[..2]), "c1, c2");
        assert_eq!(earlier(&ids), "c1, c2, c3 och 2 till");
    }

    #[test]
    fn long_chart_labels_are_clipped() {
        assert_eq!(clip("Kort", 10), "Kort");
        assert_eq!(clip("Påtaglig risk för allvarligt", 10), "Påtaglig …");
    }

    #[test]
    fn durations_read_in_hours_then_days() {
        assert_eq!(duration(Some(9.0)), "9,0 h");
        assert_eq!(duration(Some(180.0)), "7,5 d");
        assert_eq!(duration(None), "–");
    }
}
