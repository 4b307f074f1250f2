//! The dates a measure counts: trailing windows of months ending at the
//! as-of date, and fixed periods (the last complete calendar or fiscal year).

use chrono::{Datelike, Months, NaiveDate};

use crate::model::{Period, YearEnd};

/// The dates `d` with `start < d <= end`: a trailing window of whole months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Exclusive lower bound: the as-of date `months` months earlier.
    pub start: NaiveDate,
    /// Inclusive upper bound: the as-of date.
    pub end: NaiveDate,
}

impl Window {
    /// The trailing `months` months ending at `as_of`. The start is the same
    /// day `months` months earlier, clamped to the end of a shorter month
    /// (29 February less one year is 28 February).
    pub fn trailing(as_of: NaiveDate, months: u32) -> Window {
        let start = as_of
            .checked_sub_months(Months::new(months))
            .unwrap_or(NaiveDate::MIN);
        Window { start, end: as_of }
    }

    /// The dates `period` covers at `as_of`: a trailing window, or the
    /// latest year ending on its month and day on or before `as_of`, which
    /// is the trailing 12 months as of that day.
    pub fn of(period: Period, as_of: NaiveDate) -> Window {
        match period {
            Period::Trailing { months } => Window::trailing(as_of, months),
            Period::LastCompleteYear { ends, .. } => {
                let end = last_year_end(ends, as_of).unwrap_or(NaiveDate::MIN);
                Window::trailing(end, 12)
            }
        }
    }

    /// The first day in the window (the day after the exclusive start).
    pub fn first_day(&self) -> NaiveDate {
        self.start.succ_opt().unwrap_or(self.start)
    }

    /// The window's `months` months, oldest first: each runs from the day
    /// after the same day one month earlier to its end, so together they
    /// cover the window exactly (a trailing window ending 31 March has a
    /// month from 1 March to 31 March and one from 1 to 28 February).
    pub fn months(&self, months: u32) -> Vec<Window> {
        let bound = |k: u32| {
            self.end
                .checked_sub_months(Months::new(k))
                .unwrap_or(NaiveDate::MIN)
        };
        (0..months)
            .rev()
            .map(|k| Window {
                start: bound(k + 1).max(self.start),
                end: bound(k),
            })
            .collect()
    }

    /// Whether `date` lies in the window.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start < date && date <= self.end
    }
}

/// The latest day on or before `as_of` that falls on `ends`' month and day.
pub fn last_year_end(ends: YearEnd, as_of: NaiveDate) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(as_of.year(), ends.month, ends.day)?;
    if this_year <= as_of {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(as_of.year() - 1, ends.month, ends.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn twelve_months_excludes_the_day_a_year_before_and_includes_the_as_of_date() {
        let w = Window::trailing(d("2017-06-30"), 12);
        assert!(!w.contains(d("2016-06-30")));
        assert!(w.contains(d("2016-07-01")));
        assert!(w.contains(d("2017-06-30")));
        assert!(!w.contains(d("2017-07-01")));
    }

    #[test]
    fn leap_day_less_a_year_is_the_last_of_february() {
        let w = Window::trailing(d("2016-02-29"), 12);
        assert_eq!(w.start, d("2015-02-28"));
        assert!(!w.contains(d("2015-02-28")));
        assert!(w.contains(d("2015-03-01")));
    }

    #[test]
    fn shorter_months_clamp() {
        assert_eq!(Window::trailing(d("2017-03-31"), 1).start, d("2017-02-28"));
        assert_eq!(Window::trailing(d("2017-05-31"), 3).start, d("2017-02-28"));
    }

    #[test]
    fn the_last_complete_year_ends_on_or_before_the_as_of_date() {
        let june = Period::LastCompleteYear {
            ends: YearEnd { month: 6, day: 30 },
            calendar: false,
        };
        let w = Window::of(june, d("2017-06-30"));
        assert_eq!((w.first_day(), w.end), (d("2016-07-01"), d("2017-06-30")));
        let w = Window::of(june, d("2017-06-29"));
        assert_eq!((w.first_day(), w.end), (d("2015-07-01"), d("2016-06-30")));
    }
}
