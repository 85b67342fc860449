//! Personnummer parsing on arbitrary text and an arbitrary "today": never a
//! panic; an accepted number is twelve digits, not in the future, reads back
//! from its own written form, and shows only its masked form when debugged.
#![no_main]

use arbitrary::Arbitrary;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use varna_workflow::Personnummer;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    text: &'a str,
    /// Days after 1900-01-01 (to about 2079).
    today: u16,
}

fuzz_target!(|input: Input<'_>| {
    let start = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid");
    let today = start + chrono::Days::new(u64::from(input.today));
    let Ok(p) = Personnummer::parse(input.text, today) else {
        return;
    };
    let digits = p.digits();
    assert_eq!(digits.len(), 12);
    assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    let again =
        Personnummer::parse(&p.formatted(), today).expect("its own written form reads back");
    assert_eq!(again, p);
    assert_eq!(p.masked(), format!("{}-****", &digits[..8]));
    assert_eq!(format!("{p:?}"), format!("Personnummer({})", p.masked()));
    let year: i32 = digits[..4].parse().expect("digits");
    assert!(year <= chrono::Datelike::year(&today));
});
