//! A record's times: clock times (`03:12`, `03:12:40`) or durations from the first fault
//! (`12m`, `1h05m`), turned into minutes from the first fault.

use crate::scenario::duration::parse_minutes;

/// A time as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Written {
    /// A wall-clock time, minutes after midnight.
    Clock(f64),
    /// A duration from the first fault, minutes.
    Offset(f64),
}

/// Read a time field. A clock time has a colon (`H:MM` or `H:MM:SS`); anything else is a
/// duration with units as everywhere in drillsim.
pub fn read(text: &str) -> Result<Written, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty time: write a clock time (\"03:12\") or a duration from the first fault (\"12m\")".into());
    }
    if s.contains(':') {
        return clock(s).map(Written::Clock);
    }
    parse_minutes(s).map(Written::Offset).map_err(|e| {
        format!("{e}; a record's time is a clock time (\"03:12\", \"03:12:40\") or a duration from the first fault (\"12m\", \"1h05m\")")
    })
}

/// `H:MM` or `H:MM:SS` as minutes after midnight.
pub fn clock(s: &str) -> Result<f64, String> {
    let bad = || format!("\"{s}\" is not a clock time: write H:MM or H:MM:SS, e.g. \"03:12\" or \"03:12:40\"");
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let num = |p: &str, max: u32, len: std::ops::RangeInclusive<usize>| -> Result<u32, String> {
        if !len.contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let v: u32 = p.parse().map_err(|_| bad())?;
        if v > max { Err(bad()) } else { Ok(v) }
    };
    let h = num(parts[0], 23, 1..=2)?;
    let m = num(parts[1], 59, 2..=2)?;
    let sec = if parts.len() == 3 { num(parts[2], 59, 2..=2)? } else { 0 };
    Ok(h as f64 * 60.0 + m as f64 + sec as f64 / 60.0)
}

/// Turns written times into minutes from the first fault, row by row: clock times count from
/// the record's start (its `# start:` line, else its first `fault` row), and a clock time more
/// than 12 hours before the previous row's is taken as the next day (a drill past midnight).
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Clock time of the first fault, minutes after midnight.
    pub origin: Option<f64>,
    /// Days added to clock times so far (past midnight).
    days: f64,
    /// The previous row's time, minutes from the first fault.
    pub last: f64,
}

impl Timeline {
    /// Minutes from the first fault of a written time (`is_first_fault`: this row is the first
    /// `fault` row, which sets the origin when the record has no `# start:`). The caller
    /// checks the order.
    pub fn place(&mut self, w: Written, is_first_fault: bool) -> Result<f64, String> {
        match w {
            Written::Offset(m) => Ok(m),
            Written::Clock(c) => {
                let origin = match self.origin {
                    Some(o) => o,
                    None if is_first_fault => {
                        self.origin = Some(c);
                        c
                    }
                    None => {
                        return Err(
                            "a clock time, but the record has no start to count from: put \"# start: 03:00\" (the first fault's clock time) above the header, or make the first row the fault"
                                .into(),
                        );
                    }
                };
                let mut t = c + self.days * 1440.0 - origin;
                if t < self.last - 720.0 {
                    self.days += 1.0;
                    t += 1440.0;
                }
                Ok(t)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_durations() {
        assert_eq!(read("03:12").unwrap(), Written::Clock(192.0));
        assert_eq!(read("03:12:30").unwrap(), Written::Clock(192.5));
        assert_eq!(read("1h05m").unwrap(), Written::Offset(65.0));
        assert!(read("25:00").unwrap_err().contains("not a clock time"));
        assert!(read("3:7").is_err());
        assert!(read("12").unwrap_err().contains("no unit"));
    }

    #[test]
    fn past_midnight_is_the_next_day() {
        let mut t = Timeline::default();
        assert_eq!(t.place(Written::Clock(23.0 * 60.0 + 50.0), true).unwrap(), 0.0);
        t.last = 0.0;
        assert_eq!(t.place(Written::Clock(20.0), false).unwrap(), 30.0);
        t.last = 30.0;
        // Ten minutes earlier than the previous row is earlier, not the next day.
        assert_eq!(t.place(Written::Clock(10.0), false).unwrap(), 20.0);
    }

    #[test]
    fn a_clock_time_needs_an_origin() {
        let mut t = Timeline::default();
        assert!(t.place(Written::Clock(60.0), false).unwrap_err().contains("# start: 03:00"));
    }
}
