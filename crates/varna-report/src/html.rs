//! The report as one self-contained HTML page: Swedish headings, the
//! tables of `table.rs` with captions and header cells, inline SVG charts
//! (`chart.rs`), print styles. No script, no external reference; every
//! text is escaped.

use std::fmt::Write;

use crate::chart::{bar_chart, line_chart};
use crate::model::{MonthlySeries, QualityReport};
use crate::table::{Cell, Table, months_shown, outcome_kinds, report_tables};

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

/// Long tables (units, repeat cases) show this many rows; the CSV and JSON
/// exports have them all.
const LONG_TABLE_ROWS: usize = 30;
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

/// A cell as the page shows it: whether it is a number (aligned right),
/// and its text.
fn shown(cell: &Cell) -> (bool, String) {
    match cell {
        Cell::Text(s) => (false, s.clone()),
        Cell::Count(x) => (true, x.to_string()),
        Cell::Change(x) => (true, format!("{x:+}")),
        Cell::Share(x) => (true, percent(*x)),
        Cell::Hours(h) => (true, duration(*h)),
        Cell::Decimal(x) => (true, decimal(*x)),
        Cell::Rise(x) => (true, format!("+{}", decimal(*x))),
        Cell::YesNo(yes) => (false, if *yes { "Ja" } else { "Nej" }.to_owned()),
        Cell::Category(c) => (
            false,
            c.as_ref()
                .map(|(_, label)| label.clone())
                .unwrap_or_default(),
        ),
        Cell::Reasons(reasons) => {
            let reasons: Vec<&str> = reasons
                .iter()
                .map(|r| match r.as_str() {
                    "same_person" => "Samma person",
                    "same_category" => "Samma kategori och enhet",
                    other => other,
                })
                .collect();
            (false, reasons.join(", "))
        }
        Cell::CaseIds(ids) => (false, earlier(ids)),
    }
}

/// Says that a table has no rows.
fn empty(out: &mut String, caption: &str) {
    let _ = writeln!(
        out,
        "<p class=\"empty\">{}: inga ärenden.</p>",
        esc(caption)
    );
}

/// Writes the columns of `table` that have a heading; a text cell first in
/// its row heads the row. A long table shows its first rows and says how
/// many the exports add.
fn table(out: &mut String, table: &Table) {
    let rows = match table.long {
        Some(_) => &table.rows[..table.rows.len().min(LONG_TABLE_ROWS)],
        None => &table.rows[..],
    };
    if rows.is_empty() {
        empty(out, &table.caption);
    } else {
        let columns: Vec<(usize, &str)> = table
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.heading.as_deref()?)))
            .collect();
        let _ = write!(
            out,
            "<table>\n<caption>{}</caption>\n<thead><tr>",
            esc(&table.caption)
        );
        for &(i, heading) in &columns {
            let numeric = rows[0].cells.get(i).is_some_and(|c| shown(c).0);
            let class = if numeric { " class=\"n\"" } else { "" };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", esc(heading));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            out.push_str("<tr>");
            for (n, &(i, _)) in columns.iter().enumerate() {
                let Some(cell) = row.cells.get(i) else {
                    continue;
                };
                let (tag, class, text) = match shown(cell) {
                    (false, s) => (if n == 0 { "th" } else { "td" }, "", s),
                    (true, s) => ("td", " class=\"n\"", s),
                };
                let scope = if tag == "th" { " scope=\"row\"" } else { "" };
                let _ = write!(out, "<{tag}{scope}{class}>{}</{tag}>", esc(&text));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if let Some(what) = table.long {
        more(out, table.rows.len(), what);
    }
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

/// A section of monthly series: their line chart, then their table.
fn monthly(out: &mut String, r: &QualityReport, id: &str, series: &[MonthlySeries], t: &Table) {
    section(out, id, &t.caption);
    line_chart(out, id, &t.caption, series, months_shown(r));
    table(out, t);
    out.push_str("</section>\n");
}

/// Renders the report as HTML.
pub(crate) fn html(r: &QualityReport) -> String {
    let tables = report_tables(r);
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("Kvalitetsberättelse {} – {}", r.year, r.scope_name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>Kvalitetsberättelse {}</h1>\n<p class=\"meta\">{} · {} Underlaget hämtades {} (svensk tid) ur Varna. \
         Rapporten innehåller inga personuppgifter: antal, koder och ärende-id.</p>\n</header>\n<main>\n",
        esc(&title),
        r.year,
        esc(&r.scope_name),
        esc(&period(r)),
        varna_workflow::local::local(r.generated_at).format("%Y-%m-%d %H:%M"),
    );

    section(&mut out, "per-lagrum", "Ärenden per lagrum");
    let bars: Vec<(String, i64)> = r
        .per_lagrum
        .iter()
        .map(|x| (format!("{} {}", x.kind_label, x.lagrum), x.count))
        .collect();
    let chart_title = format!("Ärenden per lagrum {}", r.year);
    bar_chart(&mut out, "per-lagrum-chart", &chart_title, &bars);
    table(&mut out, &tables.per_lagrum);
    out.push_str("</section>\n");

    section(
        &mut out,
        "kon",
        "Lex Sarah och lex Maria per verksamhetsområde och kön",
    );
    table(&mut out, &tables.by_area_and_gender);
    out.push_str("</section>\n");

    section(&mut out, "bedomningar", "Bedömningar");
    // One chart and table per lifecycle; `tables.outcomes` holds the
    // tables in the order of `outcome_kinds`.
    for ((kind, label, rows), t) in outcome_kinds(r).iter().zip(&tables.outcomes) {
        let bars: Vec<(String, i64)> = rows.iter().map(|o| (o.label.clone(), o.count)).collect();
        let chart_id = format!("bedomningar-{kind}");
        bar_chart(&mut out, &chart_id, &format!("Bedömningar, {label}"), &bars);
        table(&mut out, t);
    }
    if tables.outcomes.is_empty() {
        empty(&mut out, "Bedömningar");
    }
    out.push_str("</section>\n");

    section(&mut out, "ivo", "Anmälningar till IVO");
    table(&mut out, &tables.ivo);
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
    table(&mut out, &tables.categories);
    out.push_str("</section>\n");

    section(
        &mut out,
        "klagomal",
        "Klagomål och synpunkter per verksamhetsområde",
    );
    table(&mut out, &tables.complaints);
    out.push_str("</section>\n");

    section(&mut out, "handlaggningstider", "Handläggningstider");
    table(&mut out, &tables.lead_times);
    out.push_str("</section>\n");

    section(&mut out, "tidsfrister", "Tidsfrister");
    table(&mut out, &tables.deadlines);
    out.push_str("</section>\n");

    let by_unit = &tables.monthly_by_unit;
    monthly(&mut out, r, "per-manad-enhet", &r.monthly_by_unit, by_unit);
    let by_category = &tables.monthly_by_category;
    monthly(
        &mut out,
        r,
        "per-manad-kategori",
        &r.monthly_by_category,
        by_category,
    );

    section(&mut out, "okande", "Enheter där antalet ärenden ökar");
    table(&mut out, &tables.rising_units);
    out.push_str("</section>\n");

    section(&mut out, "upprepade", "Upprepade händelser");
    let s = &r.repeats;
    let _ = writeln!(
        out,
        "<p>Av {} utredda ärenden hade {} ett tidigare ärende inom 90 dagar: {} om samma person \
         och {} med samma kategori på samma enhet.</p>",
        s.investigated, s.any, s.same_person, s.same_category
    );
    table(&mut out, &tables.repeat_cases);
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
    fn durations_read_in_hours_then_days() {
        assert_eq!(duration(Some(9.0)), "9,0 h");
        assert_eq!(duration(Some(180.0)), "7,5 d");
        assert_eq!(duration(None), "–");
    }
}
