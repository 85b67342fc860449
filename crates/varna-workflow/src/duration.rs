//! Durations as written in workflow files (`24h`, `3d`, `8w`, `2mo`) and the
//! arithmetic that turns a clock start into a due time.
//!
//! Months are calendar months on the Swedish calendar (the one national
//! figure, "at the latest two months after the anmälan", is in months), so
//! a duration is not a fixed number of seconds.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Months, NaiveDate, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A positive amount of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeadlineDuration {
    amount: u32,
    unit: DurationUnit,
}

/// The units a duration may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum DurationUnit {
    /// `min`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
    /// `w`
    Weeks,
    /// `mo`: calendar months.
    Months,
    /// `wd`: working days (arbetsdagar) on the Swedish calendar.
    WorkingDays,
}

impl DurationUnit {
    fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Minutes => "min",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
            DurationUnit::Weeks => "w",
            DurationUnit::Months => "mo",
            DurationUnit::WorkingDays => "wd",
        }
    }
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "malformed duration \"{0}\": write a whole number above zero followed by a unit, \
     e.g. 30min, 24h, 3d, 2wd (working days), 8w or 2mo"
)]
pub struct MalformedDuration(pub String);

impl DeadlineDuration {
    /// The largest amount accepted: ten years in minutes is far beyond any
    /// statutory clock and keeps date arithmetic in range.
    const MAX_AMOUNT: u32 = 10 * 366 * 24 * 60;

    /// The due time for a clock started at `start`.
    pub fn after(self, start: DateTime<Utc>) -> DateTime<Utc> {
        let n = i64::from(self.amount);
        let delta = match self.unit {
            DurationUnit::Minutes => TimeDelta::minutes(n),
            DurationUnit::Hours => TimeDelta::hours(n),
            DurationUnit::Days => TimeDelta::days(n),
            DurationUnit::Weeks => TimeDelta::weeks(n),
            DurationUnit::WorkingDays => {
                // By the end of the nth working day after the start's day.
                let due = crate::workdays::after(crate::local::date(start), self.amount);
                return due
                    .succ_opt()
                    .map_or(DateTime::<Utc>::MAX_UTC, crate::local::day_start);
            }
            DurationUnit::Months => {
                // Calendar months on the Swedish calendar: two months from
                // local midnight on 8 March is local midnight on 8 May,
                // summer time or not.
                let local = crate::local::local(start).naive_local();
                return local
                    .checked_add_months(Months::new(self.amount))
                    .and_then(|due| crate::local::TIME_ZONE.from_local_datetime(&due).earliest())
                    .map_or(DateTime::<Utc>::MAX_UTC, |due| due.with_timezone(&Utc));
            }
        };
        start
            .checked_add_signed(delta)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A duration that may change on given days: a local routine revised, or
/// a law that took effect. The duration in force on the day a clock starts
/// is the one it runs for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Schedule {
    /// `(from, duration)`, by day; the first may apply from the beginning.
    steps: Vec<(Option<NaiveDate>, DeadlineDuration)>,
}

impl Schedule {
    /// One duration, always.
    pub fn fixed(duration: DeadlineDuration) -> Self {
        Schedule {
            steps: vec![(None, duration)],
        }
    }

    /// Durations from their days on, in order (the first may have no day);
    /// `None` when the days do not increase or a later one has none.
    pub fn dated(steps: Vec<(Option<NaiveDate>, DeadlineDuration)>) -> Option<Self> {
        let ordered = !steps.is_empty()
            && steps.iter().skip(1).all(|(from, _)| from.is_some())
            && steps
                .windows(2)
                .all(|w| w[0].0.is_none_or(|a| w[1].0.is_some_and(|b| a < b)));
        ordered.then_some(Schedule { steps })
    }

    /// The duration in force on `day` (the first one before its day).
    pub fn on(&self, day: NaiveDate) -> DeadlineDuration {
        self.steps
            .iter()
            .rev()
            .find(|(from, _)| from.is_none_or(|f| f <= day))
            .or(self.steps.first())
            .map(|(_, d)| *d)
            .expect("a schedule has at least one step")
    }
}

impl FromStr for DeadlineDuration {
    type Err = MalformedDuration;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MalformedDuration(s.to_owned());
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (digits, suffix) = s.split_at(split);
        let amount: u32 = digits.parse().map_err(|_| bad())?;
        let unit = [
            DurationUnit::Minutes,
            DurationUnit::Hours,
            DurationUnit::Days,
            DurationUnit::Weeks,
            DurationUnit::Months,
            DurationUnit::WorkingDays,
        ]
        .into_iter()
        .find(|u| u.suffix() == suffix)
        .ok_or_else(bad)?;
        // Ten years of working days at most, as for the other units.
        let max = if unit == DurationUnit::WorkingDays {
            10 * 261
        } else {
            Self::MAX_AMOUNT
        };
        if amount == 0 || amount > max {
            return Err(bad());
        }
        Ok(DeadlineDuration { amount, unit })
    }
}

impl fmt::Display for DeadlineDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn parses_every_unit_and_prints_it_back() {
        for text in ["30min", "24h", "3d", "8w", "2mo"] {
            let d: DeadlineDuration = text.parse().expect(text);
            assert_eq!(d.to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed_durations() {
        for text in [
            "",
            "h",
            "0d",
            "3",
            "3 d",
            "-3d",
            "3days",
            "1.5h",
            "99999999999d",
            "3D",
        ] {
            assert!(
                text.parse::<DeadlineDuration>().is_err(),
                "{text:?} was accepted"
            );
        }
    }

    #[test]
    fn working_days_are_due_by_the_end_of_the_last_one() {
        let two: DeadlineDuration = "2wd".parse().expect("valid");
        assert_eq!(two.to_string(), "2wd");
        // Received Thursday 2 April 2026 at 14:00 Swedish time: Good Friday,
        // the weekend and Easter Monday pass; due by the end of Wednesday.
        let start = at(2026, 4, 2);
        assert_eq!(
            two.after(start),
            crate::local::day_start(NaiveDate::from_ymd_opt(2026, 4, 9).expect("a day"))
        );
        assert!("99999wd".parse::<DeadlineDuration>().is_err());
    }

    #[test]
    fn a_schedule_gives_the_duration_in_force_on_the_day() {
        let d = |s: &str| s.parse::<DeadlineDuration>().expect("valid");
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let schedule =
            Schedule::dated(vec![(None, d("3d")), (day("2027-01-01"), d("24h"))]).expect("ordered");
        assert_eq!(schedule.on(day("2026-12-31").expect("day")), d("3d"));
        assert_eq!(schedule.on(day("2027-01-01").expect("day")), d("24h"));
        let from_later = Schedule::dated(vec![(day("2027-01-01"), d("24h"))]).expect("one step");
        assert_eq!(from_later.on(day("2026-01-01").expect("day")), d("24h"));
        assert!(Schedule::dated(vec![(day("2027-01-01"), d("1d")), (None, d("2d"))]).is_none());
        assert!(
            Schedule::dated(vec![
                (day("2027-01-01"), d("1d")),
                (day("2026-01-01"), d("2d"))
            ])
            .is_none()
        );
        assert_eq!(
            Schedule::fixed(d("14d")).on(day("2000-01-01").expect("day")),
            d("14d")
        );
    }

    #[test]
    fn adds_calendar_months_and_fixed_units() {
        let two_months: DeadlineDuration = "2mo".parse().expect("valid");
        assert_eq!(two_months.after(at(2026, 12, 31)), at(2027, 2, 28));
        let fourteen_days: DeadlineDuration = "14d".parse().expect("valid");
        assert_eq!(fourteen_days.after(at(2026, 2, 20)), at(2026, 3, 6));
        let eight_weeks: DeadlineDuration = "8w".parse().expect("valid");
        assert_eq!(eight_weeks.after(at(2026, 1, 1)), at(2026, 2, 26));
    }
}
