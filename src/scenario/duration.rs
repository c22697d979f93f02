//! Durations as people write them: "90s", "15m", "2h", "1.5h", "1h30m", "1d".

/// Longest duration accepted: ten years, in minutes. Beyond, sums and means lose meaning,
/// and the value is a typo.
pub const MAX_MINUTES: f64 = 10.0 * 365.25 * 1440.0;

/// Parse a duration with units into minutes. Errors say what is wrong and what to write.
pub fn parse_minutes(text: &str) -> Result<f64, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration: write a number with a unit, e.g. \"15m\"".into());
    }
    if s.starts_with('-') {
        return Err(format!("duration \"{text}\" is negative: durations must be 0 or more"));
    }
    if let Some(d) = clock_as_duration(s) {
        return Err(format!(
            "\"{text}\" is a clock time, but a duration is wanted here: write \"{d}\" (units: s, m, \
             h, d). A fault's `at` is a duration from the exercise's start; the clock time of the \
             start is `[exercise] start = \"{text}\"`"
        ));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total = 0.0;
    while i < bytes.len() {
        let num_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        if num_start == i {
            return Err(format!(
                "\"{text}\" is not a duration: write a number with a unit, e.g. \"90s\", \"15m\", \"2h\""
            ));
        }
        let number: f64 = s[num_start..i]
            .parse()
            .map_err(|_| format!("\"{}\" in \"{text}\" is not a number", &s[num_start..i]))?;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[unit_start..i];
        let per = match unit {
            "" => {
                return Err(format!(
                    "duration \"{text}\" has no unit: write e.g. \"{}m\" (units: s, m, h, d)",
                    &s[num_start..unit_start].trim()
                ));
            }
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0 / 60.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 1.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 60.0,
            "d" | "day" | "days" => 1440.0,
            other => return Err(format!("unknown unit \"{other}\" in \"{text}\": use s, m, h or d")),
        };
        total += number * per;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
    }
    if !total.is_finite() || total > MAX_MINUTES {
        return Err(format!(
            "duration \"{text}\" is longer than 10 years: no drill lasts that long (is a unit wrong?)"
        ));
    }
    Ok(total)
}

/// `"02:00"` (H:MM or HH:MM) as the duration it would be, `"2h"`; None if not a clock time.
fn clock_as_duration(s: &str) -> Option<String> {
    let (h, m) = s.split_once(':')?;
    let digits = |x: &str, n: std::ops::RangeInclusive<usize>| n.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    Some(match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_minutes;

    #[test]
    fn a_clock_time_is_answered_with_the_duration_it_looks_like() {
        let e = parse_minutes("02:00").unwrap_err();
        assert!(
            e.starts_with("\"02:00\" is a clock time, but a duration is wanted here: write \"2h\""),
            "{e}"
        );
        assert!(e.contains("`[exercise] start = \"02:00\"`"), "{e}");
        assert!(parse_minutes("1:30").unwrap_err().contains("write \"1h30m\""));
        assert!(parse_minutes("00:45").unwrap_err().contains("write \"45m\""));
        assert!(parse_minutes("2:5").unwrap_err().contains("no unit"));
    }

    #[test]
    fn units() {
        assert_eq!(parse_minutes("90s").unwrap(), 1.5);
        assert_eq!(parse_minutes("15m").unwrap(), 15.0);
        assert_eq!(parse_minutes("2h").unwrap(), 120.0);
        assert_eq!(parse_minutes("1.5h").unwrap(), 90.0);
        assert_eq!(parse_minutes("1h30m").unwrap(), 90.0);
        assert_eq!(parse_minutes("1d").unwrap(), 1440.0);
        assert_eq!(parse_minutes("10 min").unwrap(), 10.0);
    }

    #[test]
    fn mistakes() {
        assert!(parse_minutes("15").unwrap_err().contains("no unit"));
        assert!(parse_minutes("15w").unwrap_err().contains("unknown unit \"w\""));
        assert!(parse_minutes("-5m").unwrap_err().contains("negative"));
        assert!(parse_minutes("nan").unwrap_err().contains("not a duration"));
        assert!(parse_minutes("1.2.3m").unwrap_err().contains("not a number"));
        assert!(parse_minutes("").is_err());
        assert!(parse_minutes("11000d").unwrap_err().contains("longer than 10 years"));
        assert!(
            parse_minutes(&format!("{}m", "9".repeat(400)))
                .unwrap_err()
                .contains("longer than 10 years")
        );
    }
}
