//! Lays a [`Document`] out on A4 pages: words wrapped by the base-14
//! Helvetica metrics, a new page when one is full, the footer and "sida n
//! av m" on each. Text is written in WinAnsi (Swedish letters, the section
//! sign, dashes and quotes); a character outside it prints as `?`.

use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::Document;
use crate::metrics::{BOLD, REGULAR};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const TOP: f32 = HEIGHT - MARGIN;
const BOTTOM: f32 = MARGIN + 28.0;
const TEXT_WIDTH: f32 = WIDTH - 2.0 * MARGIN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

impl Face {
    fn name(self) -> Name<'static> {
        match self {
            Face::Regular => Name(b"F1"),
            Face::Bold => Name(b"F2"),
        }
    }
}

/// A character's WinAnsi code, if it has one.
fn win_ansi(c: char) -> Option<u8> {
    match c {
        ' '..='~' => Some(c as u8),
        '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).ok(),
        '€' => Some(0x80),
        '…' => Some(0x85),
        '‘' => Some(0x91),
        '’' => Some(0x92),
        '“' => Some(0x93),
        '”' => Some(0x94),
        '•' => Some(0x95),
        '–' => Some(0x96),
        '—' => Some(0x97),
        _ => None,
    }
}

fn encode(text: &str) -> Vec<u8> {
    text.chars().map(|c| win_ansi(c).unwrap_or(b'?')).collect()
}

/// The advance width of WinAnsi `code` in thousandths of the size.
fn advance(face: Face, code: u8) -> u16 {
    let table = match face {
        Face::Regular => &REGULAR,
        Face::Bold => &BOLD,
    };
    match code {
        0x80 | 0x96 => 556,
        0x85 | 0x97 => 1000,
        0x91 | 0x92 => {
            if face == Face::Bold {
                278
            } else {
                222
            }
        }
        0x93 | 0x94 => {
            if face == Face::Bold {
                500
            } else {
                333
            }
        }
        0x95 => 350,
        32..=255 => table[usize::from(code - 32)],
        _ => 0,
    }
}

fn text_width(face: Face, size: f32, text: &[u8]) -> f32 {
    text.iter()
        .map(|&c| f32::from(advance(face, c)))
        .sum::<f32>()
        * size
        / 1000.0
}

/// `text` broken into lines no wider than `width` (a word longer than a
/// line is broken inside itself).
fn wrap(face: Face, size: f32, width: f32, text: &str) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line: Vec<u8> = Vec::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut word = encode(word);
            let candidate_width = |line: &Vec<u8>, word: &[u8]| {
                let space = if line.is_empty() {
                    0.0
                } else {
                    text_width(face, size, b" ")
                };
                text_width(face, size, line) + space + text_width(face, size, word)
            };
            if candidate_width(&line, &word) <= width {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(&word);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            while text_width(face, size, &word) > width {
                let mut cut = word.len();
                while cut > 1 && text_width(face, size, &word[..cut]) > width {
                    cut -= 1;
                }
                lines.push(word[..cut].to_vec());
                word = word[cut..].to_vec();
            }
            line = word;
        }
        lines.push(line);
    }
    lines
}

/// One line placed on a page.
struct Placed {
    face: Face,
    size: f32,
    x: f32,
    y: f32,
    text: Vec<u8>,
}

/// Pages of placed lines.
struct Layout {
    pages: Vec<Vec<Placed>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn line(&mut self, face: Face, size: f32, x: f32, text: Vec<u8>) {
        let leading = size * 1.35;
        if self.y - leading < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
        self.y -= leading;
        if let Some(page) = self.pages.last_mut() {
            page.push(Placed {
                face,
                size,
                x,
                y: self.y,
                text,
            });
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn block(&mut self, face: Face, size: f32, indent: f32, text: &str) {
        for line in wrap(face, size, TEXT_WIDTH - indent, text) {
            self.line(face, size, MARGIN + indent, line);
        }
    }
}

/// The document as a PDF file.
pub fn pdf(doc: &Document) -> Vec<u8> {
    let mut layout = Layout::new();
    layout.block(Face::Bold, 16.0, 0.0, &doc.title);
    layout.gap(6.0);
    for (label, value) in &doc.header {
        layout.block(Face::Regular, 10.0, 0.0, &format!("{label}: {value}"));
    }
    for section in &doc.sections {
        layout.gap(10.0);
        layout.block(Face::Bold, 12.0, 0.0, &section.heading);
        for paragraph in &section.paragraphs {
            layout.block(Face::Regular, 10.5, 0.0, paragraph);
            layout.gap(3.0);
        }
    }

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let count = layout.pages.len();
    let page_ids: Vec<Ref> = (0..count)
        .map(|i| Ref::new(6 + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(count).unwrap_or(i32::MAX));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr("Varna"))
        .creation_date(Date::new(2000));
    for (n, (lines, &page_id)) in layout.pages.iter().zip(&page_ids).enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Face::Regular.name(), regular);
        fonts.pair(Face::Bold.name(), bold);
        fonts.finish();
        resources.finish();
        page.finish();

        let mut content = Content::new();
        for line in lines {
            content.begin_text();
            content.set_font(line.face.name(), line.size);
            content.next_line(line.x, line.y);
            content.show(Str(&line.text));
            content.end_text();
        }
        let foot = format!("{}    Sida {} av {}", doc.footer, n + 1, count);
        let mut y = MARGIN;
        for line in wrap(Face::Regular, 8.0, TEXT_WIDTH, &foot)
            .into_iter()
            .rev()
        {
            content.begin_text();
            content.set_font(Face::Regular.name(), 8.0);
            content.next_line(MARGIN, y);
            content.show(Str(&line));
            content.end_text();
            y += 10.0;
        }
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_and_dashes_are_win_ansi() {
        // U+00A7, the section sign, is 0xA7 in WinAnsi.
        assert_eq!(
            encode("Åäö \u{a7} – “x”"),
            b"\xc5\xe4\xf6 \xa7 \x96 \x93x\x94"
        );
        assert_eq!(encode("→"), b"?");
    }

    #[test]
    fn long_text_wraps_within_the_margins_and_long_words_break() {
        let text = "ord ".repeat(200) + &"x".repeat(300);
        let lines = wrap(Face::Regular, 10.0, 200.0, &text);
        assert!(lines.len() > 10);
        assert!(
            lines
                .iter()
                .all(|l| text_width(Face::Regular, 10.0, l) <= 200.0)
        );
    }

    #[test]
    fn the_same_document_gives_the_same_bytes_and_pages_break() {
        let doc = Document {
            title: "Anmälan".into(),
            header: vec![("Ärende".into(), "ABCD1234".into())],
            sections: vec![crate::Section {
                heading: "Vad hände".into(),
                paragraphs: vec!["Ett fall i badrummet. ".repeat(400)],
            }],
            footer: "fot".into(),
        };
        let a = pdf(&doc);
        assert_eq!(a, pdf(&doc));
        assert!(a.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&a);
        assert!(text.contains("Sida 1 av") && text.contains("Sida 2 av"));
    }
}
