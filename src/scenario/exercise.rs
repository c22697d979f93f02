//! The `[exercise]` section: name, description, seed, trials, horizon and clock start.

use std::path::Path;

use toml::Spanned;

use super::names::text_ok;
use super::{Part, Source, dist};
use crate::error::{ScenarioError, ScenarioErrorKind as K};
use crate::model::limits::MAX_TRIALS;
use crate::model::{Clock, Dist};

/// Default horizon: a service still down after 30 days counts as unrecovered.
const DEFAULT_HORIZON: f64 = 30.0 * 1440.0;

/// What `[exercise]` says (or the defaults without it).
pub(super) struct ExerciseHead {
    pub name: String,
    pub description: String,
    pub seed: Option<u64>,
    pub trials: Option<u64>,
    pub horizon: f64,
    pub start: Option<Clock>,
}

/// Read `[exercise]`, which only the exercise file (the last part) may have.
pub(super) fn exercise_head(path: &Path, parts: &[Part]) -> Result<ExerciseHead, ScenarioError> {
    let main = parts.last().expect("the exercise file itself is always the last part");
    for p in &parts[..parts.len() - 1] {
        if let Some(e) = &p.raw.exercise {
            return Err(p.src.error(
                K::Rule,
                e.span(),
                "[exercise] belongs in the exercise file, not in a file it includes".into(),
                Some(format!("move it to {}", main.src.path.display())),
            ));
        }
    }
    let mut head = ExerciseHead {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into()),
        description: String::new(),
        seed: None,
        trials: None,
        horizon: DEFAULT_HORIZON,
        start: None,
    };
    let Some(e) = &main.raw.exercise else { return Ok(head) };
    let (src, e) = (&main.src, e.get_ref());
    if let Some(n) = &e.name {
        if n.get_ref().trim().is_empty() {
            return Err(src.error(K::BadName, n.span(), "the exercise name is empty".into(), None));
        }
        head.name = text_ok(src, Some(n), "the exercise name")?;
    }
    head.description = text_ok(src, e.description.as_ref(), "the description")?;
    if let Some(s) = &e.seed {
        if *s.get_ref() < 0 {
            return Err(src.error(
                K::OutOfRange,
                s.span(),
                format!("seed {} is negative", s.get_ref()),
                Some("a seed is a whole number from 0 up".into()),
            ));
        }
        head.seed = Some(*s.get_ref() as u64);
    }
    if let Some(t) = &e.trials {
        let n = *t.get_ref();
        if n < 1 || n as u64 > MAX_TRIALS {
            return Err(src.error(
                K::OutOfRange,
                t.span(),
                format!("trials = {n} is out of range"),
                Some(format!("use 1 to {MAX_TRIALS} trials (100000 is a good default)")),
            ));
        }
        head.trials = Some(n as u64);
    }
    if let Some(c) = &e.start {
        head.start = Some(if c.get_ref() == "any" {
            Clock::Any
        } else {
            Clock::At(clock(src, c)?)
        });
    }
    if let Some(h) = &e.horizon {
        head.horizon = match dist::distribution(src, h)? {
            Dist::Fixed(x) if x > 0.0 => x,
            _ => {
                return Err(src.error(
                    K::OutOfRange,
                    h.span(),
                    "horizon is a fixed duration above 0, such as \"30d\"".into(),
                    None,
                ));
            }
        };
    }
    Ok(head)
}

/// A clock time "HH:MM" as minutes after midnight.
pub(super) fn clock(src: &Source, c: &Spanned<String>) -> Result<f64, ScenarioError> {
    let bad = || {
        src.error(
            K::OutOfRange,
            c.span(),
            format!("\"{}\" is not a clock time", c.get_ref()),
            Some("write hours and minutes, e.g. \"02:30\" or \"20:00\"".into()),
        )
    };
    let (h, m) = c.get_ref().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.trim().parse().map_err(|_| bad())?, m.trim().parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok((h * 60 + m) as f64)
}
