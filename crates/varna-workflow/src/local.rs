//! The organisation's calendar. Every date and time people read, and the
//! report's months and years, are Swedish time (Europe/Stockholm, summer
//! time included) from the IANA time-zone database (`chrono-tz`): a case
//! filed at 00:30 on 1 January, Swedish time, belongs to the new year even
//! though it is still 31 December in UTC. Stored times stay UTC.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// The time zone of the people who use Varna.
pub const TIME_ZONE: Tz = chrono_tz::Europe::Stockholm;

/// `t` on the clocks of the people who use Varna.
pub fn local(t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&TIME_ZONE)
}

/// The date of `t`, Swedish time: what "today" means for a date field or
/// an utredning entry ("not in the future").
pub fn date(t: DateTime<Utc>) -> NaiveDate {
    local(t).date_naive()
}

/// The calendar year and month (1–12) of `t`, Swedish time.
pub fn year_month(t: DateTime<Utc>) -> (i32, u32) {
    let l = local(t);
    (l.year(), l.month())
}

/// The first instant of `day`, Swedish time, in UTC.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    TIME_ZONE
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The first instant of `year`, Swedish time, in UTC.
pub fn year_start(year: i32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, 1, 1).map_or(DateTime::<Utc>::MIN_UTC, day_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("a time")
            .with_timezone(&Utc)
    }

    #[test]
    fn new_year_comes_an_hour_before_utcs() {
        assert_eq!(year_month(utc("2025-12-31T23:30:00Z")), (2026, 1));
        assert_eq!(year_month(utc("2025-12-31T22:59:59Z")), (2025, 12));
        assert_eq!(year_start(2026), utc("2025-12-31T23:00:00Z"));
    }

    #[test]
    fn just_after_midnight_swedish_time_is_already_the_next_day() {
        let t = utc("2026-06-14T22:30:00Z");
        assert_eq!(t.date_naive().to_string(), "2026-06-14");
        assert_eq!(date(t).to_string(), "2026-06-15");
    }

    #[test]
    fn summer_time_is_two_hours_ahead_and_winter_time_one() {
        let summer = local(utc("2026-07-01T10:00:00Z"));
        assert_eq!(summer.format("%H:%M").to_string(), "12:00");
        let winter = local(utc("2026-01-15T10:00:00Z"));
        assert_eq!(winter.format("%H:%M").to_string(), "11:00");
        // The last Sunday of March at 01:00 UTC: 02:00 becomes 03:00.
        let before = local(utc("2026-03-29T00:59:00Z"));
        let after = local(utc("2026-03-29T01:00:00Z"));
        assert_eq!(before.format("%H:%M").to_string(), "01:59");
        assert_eq!(after.format("%H:%M").to_string(), "03:00");
    }
}
