//! The wire form of a [`Summary`]: what a shard writes so that another process, on another
//! machine, merges it into exactly the summary one process would have made.
//!
//! Why a form of its own instead of deriving serde on the summary: the in-memory types may
//! change between versions, the file must not change silently; and a file comes from outside,
//! so reading it checks every invariant the summary relies on (a histogram that does not add
//! up, a counter above the trial count, vectors of another scenario's shape) and says what is
//! wrong instead of panicking later in a report. Every integer is carried as is (the exact
//! fixed-point sums as 128-bit integers) and every `f64` bit for bit (serde_json's
//! `float_roundtrip`), so a summary read back equals the one written, `==`.

use serde::{Deserialize, Serialize};

use super::summary::SHARE_SCALE;
use super::{Sketch, Summary};
use crate::model::Scenario;

/// Version of this wire form; a reader refuses any other.
pub const WIRE_VERSION: u32 = 1;

/// Highest bucket index a finite `f64` can have (the top 22 bits of its representation).
const MAX_BUCKETS: u64 = 1 << 22;

/// A summary file that cannot be read back into a summary of this scenario.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {problem}")]
pub struct WireError {
    /// Which part of the summary, e.g. `recovery` or `downtime[2]`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn bad(field: &str, problem: impl Into<String>) -> WireError {
    WireError {
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// One [`Sketch`] on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SketchWire {
    count: u64,
    zeros: u64,
    sum: i128,
    sum_sq: i128,
    /// Absent when the sketch is empty (its in-memory `min` is `+inf`, which JSON cannot hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    base: u32,
    /// The histogram from `base` on, run-length coded: a positive number is a bucket's
    /// count, `-k` stands for `k` empty buckets (most buckets of a long tail are empty).
    counts: Vec<i64>,
}

/// Run-length code a histogram (see [`SketchWire`]'s `counts`).
fn encode(counts: &[u64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for &c in counts {
        if c == 0 {
            match out.last_mut() {
                Some(last) if *last < 0 => *last -= 1,
                _ => out.push(-1),
            }
        } else {
            // A count above i64::MAX cannot occur: it is at most the trial count (10^9).
            out.push(i64::try_from(c).unwrap_or(i64::MAX));
        }
    }
    out
}

/// The histogram of a run-length code, refused past `MAX_BUCKETS` buckets before any of them
/// is made (a damaged file must not ask for gigabytes).
fn decode(code: &[i64], field: &str) -> Result<Vec<u64>, WireError> {
    let mut len: u64 = 0;
    for &c in code {
        len += if c < 0 { c.unsigned_abs() } else { 1 };
        if len > MAX_BUCKETS {
            return Err(bad(field, "the histogram reaches beyond the largest value"));
        }
    }
    let mut out = Vec::with_capacity(len as usize);
    for &c in code {
        if c == 0 {
            return Err(bad(field, "a run-length code holds 0 (empty buckets are written as -k)"));
        } else if c < 0 {
            out.resize(out.len() + c.unsigned_abs() as usize, 0);
        } else {
            out.push(c as u64);
        }
    }
    Ok(out)
}

impl SketchWire {
    /// The wire form of `s`.
    pub fn of(s: &Sketch) -> SketchWire {
        let empty = s.count == 0;
        SketchWire {
            count: s.count,
            zeros: s.zeros,
            sum: s.sum,
            sum_sq: s.sum_sq,
            min: (!empty).then_some(s.min),
            max: (!empty).then_some(s.max),
            base: s.base,
            counts: encode(&s.counts),
        }
    }

    /// The sketch, after checking that it is one `Sketch::add` could have made.
    pub fn into_sketch(self, field: &str) -> Result<Sketch, WireError> {
        let counts = decode(&self.counts, field)?;
        let in_buckets = counts.iter().try_fold(0u64, |a, &c| a.checked_add(c));
        if in_buckets.and_then(|n| n.checked_add(self.zeros)) != Some(self.count) {
            return Err(bad(field, "the histogram's counts do not add up to its count"));
        }
        if self.base as u64 + counts.len() as u64 > MAX_BUCKETS {
            return Err(bad(field, "the histogram reaches beyond the largest value"));
        }
        if self.sum < 0 || self.sum_sq < 0 {
            return Err(bad(field, "a sum of non-negative values is negative"));
        }
        let (min, max) = match (self.count, self.min, self.max) {
            (0, None, None) => (f64::INFINITY, f64::NEG_INFINITY),
            (0, _, _) => return Err(bad(field, "an empty measure has a min or max")),
            (_, Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo <= hi => (lo, hi),
            _ => return Err(bad(field, "min and max must be finite, non-negative and in order")),
        };
        if self.count > self.zeros && counts.is_empty() {
            return Err(bad(field, "values above 0 but no histogram"));
        }
        Ok(Sketch {
            count: self.count,
            zeros: self.zeros,
            sum: self.sum,
            sum_sq: self.sum_sq,
            min,
            max,
            base: self.base,
            counts,
        })
    }
}

/// One [`Summary`] on the wire: the same fields, each checked on the way back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryWire {
    trials: u64,
    recovery: SketchWire,
    not_recovered: u64,
    detect: SketchWire,
    ack: SketchWire,
    close: SketchWire,
    critical: Vec<u64>,
    attempts: Vec<u64>,
    effect_failed: Vec<u64>,
    utilization: Vec<i128>,
    downtime: Vec<SketchWire>,
    longest_outage: Vec<SketchWire>,
    restored: Vec<SketchWire>,
    not_restored: Vec<u64>,
    rto_met: Vec<u64>,
    data_lost: Vec<SketchWire>,
    rpo_met: Vec<u64>,
    leaked: SketchWire,
    levels: Vec<u64>,
    clamped_trials: u64,
    clamped_draws: u64,
}

impl SummaryWire {
    /// The wire form of `s`.
    pub fn of(s: &Summary) -> SummaryWire {
        let all = |v: &[Sketch]| v.iter().map(SketchWire::of).collect();
        SummaryWire {
            trials: s.trials,
            recovery: SketchWire::of(&s.recovery),
            not_recovered: s.not_recovered,
            detect: SketchWire::of(&s.detect),
            ack: SketchWire::of(&s.ack),
            close: SketchWire::of(&s.close),
            critical: s.critical.clone(),
            attempts: s.attempts.clone(),
            effect_failed: s.effect_failed.clone(),
            utilization: s.utilization.clone(),
            downtime: all(&s.downtime),
            longest_outage: all(&s.longest_outage),
            restored: all(&s.restored),
            not_restored: s.not_restored.clone(),
            rto_met: s.rto_met.clone(),
            data_lost: all(&s.data_lost),
            rpo_met: s.rpo_met.clone(),
            leaked: SketchWire::of(&s.leaked),
            levels: s.levels.clone(),
            clamped_trials: s.clamped_trials,
            clamped_draws: s.clamped_draws,
        }
    }

    /// Trials the summary says it holds (before it is checked).
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// The summary, checked against the shape of `sc` (one counter per step, team, service,
    /// store and level) and against its own trial count.
    pub fn into_summary(self, sc: &Scenario) -> Result<Summary, WireError> {
        let n = self.trials;
        let len = |field: &str, got: usize, want: usize, what: &str| -> Result<(), WireError> {
            if got == want {
                Ok(())
            } else {
                Err(bad(
                    field,
                    format!("{got} entries, but the scenario has {want} {what}: the summary is of another scenario"),
                ))
            }
        };
        len("critical", self.critical.len(), sc.steps.len(), "steps")?;
        len("attempts", self.attempts.len(), sc.steps.len(), "steps")?;
        len("effect_failed", self.effect_failed.len(), sc.steps.len(), "steps")?;
        len("utilization", self.utilization.len(), sc.teams.len(), "teams")?;
        for (f, v) in [
            ("downtime", &self.downtime),
            ("longest_outage", &self.longest_outage),
            ("restored", &self.restored),
        ] {
            len(f, v.len(), sc.services.len(), "business services")?;
        }
        len("not_restored", self.not_restored.len(), sc.services.len(), "business services")?;
        len("rto_met", self.rto_met.len(), sc.services.len(), "business services")?;
        len("data_lost", self.data_lost.len(), sc.stores.len(), "data stores")?;
        len("rpo_met", self.rpo_met.len(), sc.stores.len(), "data stores")?;
        len("levels", self.levels.len(), sc.levels.len(), "severity levels")?;
        let at_most_n = |field: &str, v: &[u64]| -> Result<(), WireError> {
            match v.iter().position(|&c| c > n) {
                Some(i) => Err(bad(&format!("{field}[{i}]"), format!("counts more trials than the {n} it holds"))),
                None => Ok(()),
            }
        };
        at_most_n("not_recovered", &[self.not_recovered])?;
        at_most_n("critical", &self.critical)?;
        at_most_n("effect_failed", &self.effect_failed)?;
        at_most_n("not_restored", &self.not_restored)?;
        at_most_n("rto_met", &self.rto_met)?;
        at_most_n("rpo_met", &self.rpo_met)?;
        at_most_n("clamped_trials", &[self.clamped_trials])?;
        if self.levels.iter().try_fold(0u64, |a, &c| a.checked_add(c)).is_none_or(|s| s > n) {
            return Err(bad("levels", format!("counts more trials than the {n} it holds")));
        }
        let max_share = (SHARE_SCALE as i128) * n as i128 + n as i128;
        if let Some(i) = self.utilization.iter().position(|&u| u < 0 || u > max_share) {
            return Err(bad(&format!("utilization[{i}]"), "outside 0 to 1 per trial"));
        }
        let one = |field: &str, w: SketchWire, want: Option<u64>| -> Result<Sketch, WireError> {
            let s = w.into_sketch(field)?;
            match want {
                Some(c) if s.count != c => Err(bad(field, format!("holds {} values for {n} trials", s.count))),
                None if s.count > n => Err(bad(field, format!("holds {} values for {n} trials", s.count))),
                _ => Ok(s),
            }
        };
        let many = |field: &str, v: Vec<SketchWire>| -> Result<Vec<Sketch>, WireError> {
            v.into_iter()
                .enumerate()
                .map(|(i, w)| one(&format!("{field}[{i}]"), w, Some(n)))
                .collect()
        };
        Ok(Summary {
            trials: n,
            recovery: one("recovery", self.recovery, Some(n))?,
            not_recovered: self.not_recovered,
            detect: one("detect", self.detect, Some(n))?,
            ack: one("ack", self.ack, Some(n))?,
            close: one("close", self.close, Some(n))?,
            critical: self.critical,
            attempts: self.attempts,
            effect_failed: self.effect_failed,
            utilization: self.utilization,
            downtime: many("downtime", self.downtime)?,
            longest_outage: many("longest_outage", self.longest_outage)?,
            restored: many("restored", self.restored)?,
            not_restored: self.not_restored,
            rto_met: self.rto_met,
            data_lost: many("data_lost", self.data_lost)?,
            rpo_met: self.rpo_met,
            leaked: one("leaked", self.leaked, None)?,
            levels: self.levels,
            clamped_trials: self.clamped_trials,
            clamped_draws: self.clamped_draws,
        })
    }
}

/// Serde for an `f64` that may be infinite or NaN (an estimate of a run that never
/// recovered): finite values as JSON numbers, bit for bit; the others as the strings `"inf"`,
/// `"-inf"` and `"nan"`, since JSON has no such numbers. Use with `#[serde(with = ...)]`.
pub mod float {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Write `x`.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else if x.is_nan() {
            s.serialize_str("nan")
        } else if *x > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(f64),
        Text(String),
    }

    /// Read what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Either::deserialize(d)? {
            Either::Number(x) => Ok(x),
            Either::Text(t) => match t.as_str() {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "nan" => Ok(f64::NAN),
                _ => Err(serde::de::Error::custom(format!(
                    "expected a number, \"inf\", \"-inf\" or \"nan\", found \"{t}\""
                ))),
            },
        }
    }

    /// The same for a `Vec<f64>`: `#[serde(with = "float::vec")]`.
    pub mod vec {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        #[derive(Serialize, Deserialize)]
        #[serde(transparent)]
        struct One(#[serde(with = "super")] f64);

        /// Write `v`.
        pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(v.iter().map(|&x| One(x)))
        }

        /// Read what [`serialize`] wrote.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
            Ok(Vec::<One>::deserialize(d)?.into_iter().map(|o| o.0).collect())
        }
    }
}

/// Serde for a [`Sketch`] in its wire form ([`SketchWire`]), checked on the way back: use
/// with `#[serde(with = "crate::stats::wire::sketch")]`.
pub mod sketch {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Sketch, SketchWire};

    /// Write `s`.
    pub fn serialize<S: Serializer>(s: &Sketch, ser: S) -> Result<S::Ok, S::Error> {
        SketchWire::of(s).serialize(ser)
    }

    /// Read what [`serialize`] wrote, refusing a histogram `Sketch::add` could not have made.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sketch, D::Error> {
        SketchWire::deserialize(d)?.into_sketch("sketch").map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sketch(xs: &[f64]) -> Sketch {
        let mut s = Sketch::new();
        xs.iter().for_each(|&x| s.add(x));
        s
    }

    #[test]
    fn sketches_round_trip_bit_for_bit() {
        for s in [
            Sketch::new(),
            sketch(&[0.0, 0.0]),
            sketch(&[0.1, 1.0 / 3.0, 97.25, 1e-300, 5.0e12, 0.0]),
        ] {
            let text = serde_json::to_string(&SketchWire::of(&s)).unwrap();
            let back: SketchWire = serde_json::from_str(&text).unwrap();
            let back = back.into_sketch("x").unwrap();
            assert_eq!(back, s, "{text}");
            assert_eq!(back.min.to_bits(), s.min.to_bits());
            assert_eq!(back.mean().to_bits(), s.mean().to_bits());
        }
    }

    #[test]
    fn a_histogram_that_does_not_add_up_is_refused() {
        let mut w = SketchWire::of(&sketch(&[1.0, 2.0, 3.0]));
        w.count = 4;
        assert_eq!(
            w.into_sketch("recovery").unwrap_err().to_string(),
            "recovery: the histogram's counts do not add up to its count"
        );
        let mut w = SketchWire::of(&sketch(&[1.0]));
        w.base = u32::MAX;
        assert!(w.into_sketch("x").unwrap_err().problem.contains("beyond"));
        let mut w = SketchWire::of(&sketch(&[1.0]));
        w.min = Some(-1.0);
        assert!(w.into_sketch("x").is_err());
    }

    #[test]
    fn run_lengths_round_trip() {
        for h in [vec![], vec![0], vec![3, 0, 0, 0, 1], vec![0, 0, 5], vec![7, 0]] {
            let code = encode(&h);
            assert!(code.len() <= h.len());
            assert_eq!(decode(&code, "x").unwrap(), h);
        }
        assert!(decode(&[-(1 << 40)], "x").is_err());
        assert!(decode(&[0], "x").is_err());
    }

    #[test]
    fn big_sums_survive_json() {
        let mut s = sketch(&[1.0]);
        s.sum = i128::MAX / 3;
        let w: SketchWire = serde_json::from_str(&serde_json::to_string(&SketchWire::of(&s)).unwrap()).unwrap();
        assert_eq!(w.sum, i128::MAX / 3);
    }

    #[test]
    fn non_finite_floats_have_words() {
        #[derive(Serialize, Deserialize)]
        struct F(#[serde(with = "float")] f64);
        for x in [f64::INFINITY, f64::NEG_INFINITY, 0.1, -2.5e-310] {
            let t = serde_json::to_string(&F(x)).unwrap();
            assert_eq!(serde_json::from_str::<F>(&t).unwrap().0.to_bits(), x.to_bits(), "{t}");
        }
        assert!(serde_json::from_str::<F>("\"nan\"").unwrap().0.is_nan());
        assert!(serde_json::from_str::<F>("\"many\"").is_err());
    }

    #[test]
    fn float_lists_and_sketches_round_trip() {
        #[derive(Debug, Serialize, Deserialize)]
        struct V(#[serde(with = "float::vec")] Vec<f64>, #[serde(with = "sketch")] Sketch);
        let xs = vec![0.0, -0.0, 0.1, 1.0 / 3.0, 5e-324, f64::MAX, f64::INFINITY, f64::NEG_INFINITY, 42.0];
        let sk = super::tests::sketch(&[0.0, 0.25, 1e9, 3.0]);
        let t = serde_json::to_string(&V(xs.clone(), sk.clone())).unwrap();
        let back: V = serde_json::from_str(&t).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        assert_eq!(bits(&back.0), bits(&xs), "{t}");
        assert_eq!(back.1, sk);
        let nan: V = serde_json::from_str(&t.replacen("0.1", "\"nan\"", 1)).unwrap();
        assert!(nan.0[2].is_nan());
        // A damaged sketch is refused, not carried.
        let bad = t.replace("\"count\":4", "\"count\":5");
        assert!(serde_json::from_str::<V>(&bad).unwrap_err().to_string().contains("do not add up"));
    }
}
