//! The report's charts as inline SVG: horizontal bars of labelled counts
//! and lines of monthly series, each with a title and a description that
//! says its numbers for screen readers.

use std::fmt::Write;

use crate::html::esc;
use crate::model::MonthlySeries;
use crate::table::MONTHS;

/// Line colours, with dash patterns so the lines stay apart in black and white.
const LINES: [(&str, &str); 6] = [
    ("#1b6ca8", ""),
    ("#c0392b", "6 3"),
    ("#2e7d32", "2 3"),
    ("#b9770e", "9 3 2 3"),
    ("#6a4c93", "12 4"),
    ("#00798c", "4 2 1 2"),
];
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
pub(crate) fn bar_chart(out: &mut String, id: &str, title: &str, items: &[(String, i64)]) {
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
pub(crate) fn line_chart(
    out: &mut String,
    id: &str,
    title: &str,
    series: &[MonthlySeries],
    months: usize,
) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_chart_labels_are_clipped() {
        assert_eq!(clip("Kort", 10), "Kort");
        assert_eq!(clip("Påtaglig risk för allvarligt", 10), "Påtaglig …");
    }
}
