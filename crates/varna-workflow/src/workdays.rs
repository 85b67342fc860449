//! Working days (arbetsdagar) on the Swedish calendar, for local routines
//! counted in them ("a receipt within 2 working days"): not Saturdays or
//! Sundays, not the public holidays of lagen (1989:253) om allmänna
//! helgdagar — the moving ones (Good Friday, Easter Monday, Ascension)
//! from the date of Easter, computed — and not the eves that are days off
//! in practice (midsommarafton, julafton, nyårsafton). The fixed-weekday
//! holidays (Easter Sunday, Pentecost, Midsummer Day, All Saints' Day)
//! fall on weekends anyway.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of `year` (the Gregorian computus, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month.unsigned_abs(), day.unsigned_abs())
        .expect("the computus gives a day in March or April")
}

/// Whether `day` is a working day in Sweden.
pub fn is_working_day(day: NaiveDate) -> bool {
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    let easter = easter_sunday(day.year());
    let from_easter = (day - easter).num_days();
    let fixed = matches!(
        (day.month(), day.day()),
        (1, 1) | (1, 6) | (5, 1) | (6, 6) | (12, 24) | (12, 25) | (12, 26) | (12, 31)
    );
    // Midsommarafton: the Friday between 19 and 25 June.
    let midsummer_eve = day.month() == 6 && (19..=25).contains(&day.day());
    let moving = matches!(from_easter, -2 | 1 | 39);
    !(fixed || moving || (midsummer_eve && day.weekday() == Weekday::Fri))
}

/// The `n`th working day after `day` (`day` itself is not counted).
pub fn after(day: NaiveDate, n: u32) -> NaiveDate {
    let mut current = day;
    let mut left = n;
    while left > 0 {
        current = current + Days::new(1);
        if is_working_day(current) {
            left -= 1;
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn easter_falls_on_its_known_sundays() {
        for (year, easter) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
            (2030, "2030-04-21"),
            (2038, "2038-04-25"),
        ] {
            assert_eq!(easter_sunday(year), d(easter), "{year}");
        }
    }

    #[test]
    fn the_swedish_holidays_are_not_working_days() {
        for holiday in [
            "2026-01-01", // nyårsdagen
            "2026-01-06", // trettondedag jul
            "2026-04-03", // långfredagen
            "2026-04-06", // annandag påsk
            "2026-05-01", // första maj
            "2026-05-14", // Kristi himmelsfärds dag
            "2026-06-19", // midsommarafton
            "2027-06-25", // midsommarafton, another year
            "2025-12-24", // julafton
            "2025-12-26", // annandag jul
            "2025-12-31", // nyårsafton
            "2027-03-26", // långfredagen 2027
            "2027-05-06", // Kristi himmelsfärds dag 2027
        ] {
            assert!(!is_working_day(d(holiday)), "{holiday}");
        }
        for working in [
            "2026-04-02",
            "2026-04-07",
            "2026-06-18",
            "2026-06-22",
            "2026-11-02",
        ] {
            assert!(is_working_day(d(working)), "{working}");
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // Thursday before Easter 2026: Good Friday, the weekend and Easter
        // Monday pass; the first working day is Tuesday 7 April.
        assert_eq!(after(d("2026-04-02"), 1), d("2026-04-07"));
        // A Friday: two working days later is Tuesday.
        assert_eq!(after(d("2026-03-06"), 2), d("2026-03-10"));
        // Ten working days over Christmas 2025: julafton, juldagen,
        // annandag jul, nyårsafton, nyårsdagen and trettondedagen pass.
        assert_eq!(after(d("2025-12-19"), 10), d("2026-01-12"));
    }
}
