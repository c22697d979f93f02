//! Scoring drills: each drill record's measures placed in the plan's simulated distributions.
//!
//! The scenario is played as `drillsim run` plays it (same seed and trials), collecting, beside
//! the run's summary, each step's duration (first start to finish). A record's value is placed
//! at its percentile: the share of simulated trials at most that value. A drill that went as
//! the model expects lands anywhere in 0–100% with equal chance; many drills together test the
//! model: about 80% of their values should fall inside the model's p10–p90 band.
//!
//! A censored value (a step still running when the drill stopped) is a lower bound: its
//! percentile is "at least" the one shown, and it counts in the band test only when it is
//! already above the band.

use crate::drill::observed::ServiceObserved;
use crate::drill::{Observation, Observed, Record};
use crate::model::dist::ln_gamma;
use crate::model::objective::{Bound, Measure, Statistic};
use crate::model::{Scenario, StepId};
use crate::stats::{Sketch, Summary};

/// Each step's duration in the simulated trials in which it ran, first start to finish. A
/// step that does not apply in a trial (skipped by the engine: its start and finish are the
/// same instant, with no attempt) is not counted: it did not run, it did not take 0 minutes.
#[derive(Clone, Debug, PartialEq)]
pub struct StepDurations {
    /// Per step of the plan.
    pub steps: Vec<Sketch>,
}

/// Run trials `range` of `sc` as `batch::summarize_range` does (fixed chunks, exact merges, so
/// the same at any thread count), keeping each step's duration too.
pub fn simulate(sc: &Scenario, seed: u64, range: std::ops::Range<u64>) -> (Summary, StepDurations) {
    let (sum, steps) = crate::batch::fold_range(
        sc,
        seed,
        range,
        None,
        || vec![Sketch::new(); sc.steps.len()],
        |steps, _, out| {
            for (s, sk) in steps.iter_mut().enumerate() {
                let (a, b) = (out.start[s], out.finish[s]);
                if out.attempts[s] > 0 && a.is_finite() && b.is_finite() {
                    sk.add(b - a);
                }
            }
        },
        |a, b| {
            for (x, y) in a.iter_mut().zip(&b) {
                x.merge(y);
            }
        },
    );
    (sum, StepDurations { steps })
}

/// The share of `sk`'s values at most `x`. A value within a billionth of a simulated one
/// counts as equal: a record's times go through text and subtraction, and a step of fixed
/// duration written exactly must land at 100%, not just below it.
pub fn percentile(sk: &Sketch, x: f64) -> f64 {
    sk.share_at_most(x + 1e-9 * x.abs().max(1.0))
}

/// One measure of one record, placed in the model's distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureScore {
    /// The measure's key, as `run`'s JSON names it: `recovery`, `detect`, `ack`,
    /// `services.<name>` (downtime), `steps.<id>`.
    pub key: String,
    /// What the drill measured.
    pub actual: Observation,
    /// Share of simulated trials at most the actual value (a lower bound when censored).
    pub percentile: f64,
    /// Share of simulated trials strictly below the actual value: equal to `percentile`
    /// for a continuous distribution, less where trials pile up on one value (a fixed
    /// duration), which the surprise ranking uses.
    pub share_below: f64,
    /// The model's 10th, 50th and 90th percentiles.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

impl MeasureScore {
    fn of(key: String, actual: Observation, sk: &Sketch) -> Option<MeasureScore> {
        if sk.count() == 0 {
            return None;
        }
        Some(MeasureScore {
            key,
            actual,
            percentile: percentile(sk, actual.value()),
            share_below: sk.share_at_most(actual.value() - 1e-9 * actual.value().abs().max(1.0)),
            p10: sk.quantile(0.10),
            p50: sk.quantile(0.50),
            p90: sk.quantile(0.90),
        })
    }

    /// Half-way between the share below and the share at most the value.
    pub fn mid(&self) -> f64 {
        0.5 * (self.share_below + self.percentile)
    }

    /// Where the value falls against the model's p10–p90 band; None when a censored value is
    /// not yet above it (it may still end anywhere).
    pub fn band(&self) -> Option<Band> {
        let v = self.actual.value();
        // The quantiles are the sketch's, good to its bucket width (0.1%): a value within
        // that of p10 or p90 is on the band's edge, inside (a fixed duration met exactly).
        if v > self.p90 * (1.0 + BAND_EDGE) {
            Some(Band::Above)
        } else if self.actual.censored() {
            None
        } else if v < self.p10 * (1.0 - BAND_EDGE) {
            Some(Band::Below)
        } else {
            Some(Band::Inside)
        }
    }
}

/// Relative width of the band's edges (the sketch's bucket width).
pub const BAND_EDGE: f64 = 1e-3;

/// A value against the model's p10–p90 band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    /// Faster (shorter) than the model's p10.
    Below,
    /// Within p10–p90.
    Inside,
    /// Slower (longer) than the model's p90.
    Above,
}

/// An objective judged on one drill.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveOnDrill {
    /// The objective's sentence.
    pub text: String,
    /// Met (`Some(true)`), missed, or not judged (`None`: the record lacks the measure, or it
    /// ended before the answer was known).
    pub met: Option<bool>,
    /// Why it could not be judged, when it could not.
    pub why: Option<String>,
    /// The drill's value of what the objective judges (for `rto_met`, the longest outage).
    pub actual: Option<Observation>,
}

/// Where the drill left the plan.
#[derive(Clone, Debug, PartialEq)]
pub enum Departure {
    /// A step the plan does not have was done.
    Unplanned(String),
    /// A plan step that runs in this exercise was not done (by the record's end).
    NotDone(StepId),
    /// A step started before a step it waits for had finished (`None`: never finished).
    Early {
        /// The step that started early.
        step: StepId,
        /// The step it waits for.
        waits_for: StepId,
        /// When it started.
        started: f64,
        /// When what it waits for finished.
        finished: Option<f64>,
    },
    /// Another team than the owner did the step.
    OtherTeam {
        /// The step.
        step: StepId,
        /// The team that did it.
        team: usize,
    },
}

/// One record scored.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordScore {
    /// The record's file name.
    pub name: String,
    /// What it measured.
    pub observed: Observed,
    /// Every measure it has, in the order recovery, detect, ack, services, steps.
    pub measures: Vec<MeasureScore>,
    /// Each `[expect]` objective judged on this drill.
    pub objectives: Vec<ObjectiveOnDrill>,
    /// Where the drill left the plan.
    pub departures: Vec<Departure>,
    /// The drill's own critical path: from the step that finished last back through the
    /// steps it waited for that finished latest.
    pub critical_path: Vec<StepId>,
    /// Whether the record runs to the close.
    pub closed: bool,
    /// The record's date, as written.
    pub date: Option<String>,
}

impl RecordScore {
    /// The steps that surprised most: largest distance of their percentile from the median,
    /// either way, most surprising first (at most `n`).
    ///
    /// A step's place is its mid-percentile (half-way between the shares below and at most
    /// its value), so a fixed duration met exactly sits at 50%, no surprise; a step within
    /// 10% of the median either way is not listed.
    pub fn surprises(&self, n: usize) -> Vec<&MeasureScore> {
        let off = |m: &MeasureScore| (m.mid() - 0.5).abs();
        // A step still running is a surprise only once it is already slower than the median.
        let known = |m: &MeasureScore| !m.actual.censored() || m.mid() > 0.5;
        let mut steps: Vec<&MeasureScore> = self
            .measures
            .iter()
            .filter(|m| m.key.starts_with("steps.") && known(m) && off(m) > 0.1)
            .collect();
        steps.sort_by(|a, b| off(b).total_cmp(&off(a)));
        steps.truncate(n);
        steps
    }
}

/// Everything `drillsim score` found.
#[derive(Clone, Debug)]
pub struct Scores {
    /// Seed of the simulated run.
    pub seed: u64,
    /// The simulated run's summary.
    pub summary: Summary,
    /// Each step's simulated durations.
    pub durations: StepDurations,
    /// Per record.
    pub records: Vec<RecordScore>,
}

/// Score `records` of `sc` against `trials` simulated trials of `seed` (on the current pool).
pub fn score(sc: &Scenario, seed: u64, trials: u64, records: &[Record]) -> Scores {
    let (summary, durations) = simulate(sc, seed, 0..trials);
    place(sc, seed, summary, durations, records)
}

/// Score `records` of `sc` against a simulated run already made ([`simulate`]).
pub fn place(sc: &Scenario, seed: u64, summary: Summary, durations: StepDurations, records: &[Record]) -> Scores {
    let paths: Vec<String> = records.iter().map(|r| r.path.display().to_string()).collect();
    let mut records: Vec<RecordScore> = records.iter().map(|r| score_one(sc, &summary, &durations, r)).collect();
    // Records are named by file name; two of one name (from two folders) go by their paths.
    let names: Vec<String> = records.iter().map(|r| r.name.clone()).collect();
    for (r, path) in records.iter_mut().zip(paths) {
        if names.iter().filter(|n| **n == r.name).count() > 1 {
            r.name = path;
        }
    }
    Scores {
        seed,
        summary,
        durations,
        records,
    }
}

fn score_one(sc: &Scenario, sum: &Summary, d: &StepDurations, record: &Record) -> RecordScore {
    let ob = Observed::of(sc, record);
    let mut measures = Vec::new();
    let mut push = |key: String, o: Option<Observation>, sk: &Sketch| {
        if let Some(m) = o.and_then(|o| MeasureScore::of(key, o, sk)) {
            measures.push(m);
        }
    };
    push("recovery".into(), ob.recovery, &sum.recovery);
    push("detect".into(), ob.detect, &sum.detect);
    push("ack".into(), ob.ack, &sum.ack);
    for (i, s) in sc.services.iter().enumerate() {
        push(format!("services.{}", s.name), ob.services[i].map(|o| o.downtime), &sum.downtime[i]);
    }
    for (i, s) in sc.steps.iter().enumerate() {
        push(format!("steps.{}", s.id), ob.steps[i].duration, &d.steps[i]);
    }
    RecordScore {
        name: record.name(),
        objectives: sc.objectives.iter().map(|o| objective(sc, o, &ob)).collect(),
        departures: departures(sc, sum, d, &ob, record.closed()),
        critical_path: critical_path(sc, &ob),
        closed: record.closed(),
        date: record.date.clone(),
        measures,
        observed: ob,
    }
}

/// An objective on one drill: a drill is one sample, so a statistic of a measure is judged
/// on the measure's value, and a share (`rto_met >= 95%`) on whether this drill met it.
fn objective(sc: &Scenario, o: &crate::model::Objective, ob: &Observed) -> ObjectiveOnDrill {
    let judged_on = |met: Option<bool>, why: Option<&str>, actual: Option<Observation>| ObjectiveOnDrill {
        text: o.text.clone(),
        met,
        why: why.map(str::to_string),
        actual,
    };
    let judged = |met: Option<bool>, why: Option<&str>| judged_on(met, why, None);
    // A record that names no service at all says nothing of them; one that names some says
    // the others never went down.
    if o.measure.service().is_some() && ob.services.iter().all(Option::is_none) {
        return judged(
            None,
            Some("the record does not say when business services went down or came back (service_down, service_up)"),
        );
    }
    let service = |i: usize| {
        ob.services[i].unwrap_or(ServiceObserved {
            downtime: Observation::Exact(0.0),
            longest_outage: Observation::Exact(0.0),
            restored: Observation::Exact(0.0),
        })
    };
    let value = match o.measure {
        Measure::Recovery => ob.recovery,
        Measure::Detect => ob.detect,
        Measure::Ack => ob.ack,
        Measure::Close => None,
        Measure::Downtime(i) => Some(service(i).downtime),
        Measure::LongestOutage(i) => Some(service(i).longest_outage),
        Measure::Restored(i) => Some(service(i).restored),
        Measure::DataLost(_) => return judged(None, Some("a drill record does not measure data lost")),
    };
    match o.stat {
        Statistic::RtoMet => {
            let Some(i) = o.measure.service() else {
                return judged(None, Some("no service"));
            };
            let s = service(i);
            let rto = sc.services[i].rto.unwrap_or(f64::INFINITY);
            let at = Some(s.longest_outage);
            match s.longest_outage {
                Observation::Exact(x) => judged_on(Some(x <= rto), None, at),
                Observation::AtLeast(x) if x > rto => judged_on(Some(false), None, at),
                Observation::AtLeast(_) => judged_on(None, Some("the service was still down when the record ended"), at),
            }
        }
        Statistic::NotRecovered => {
            let recovered = matches!(value, Some(Observation::Exact(_)));
            // One drill: the share not recovered is 0 or 1.
            let share = if recovered { 0.0 } else { 1.0 };
            judged_on(Some(meets(o.bound, share, o.threshold)), None, value)
        }
        Statistic::RpoMet => judged(None, Some("a drill record does not measure data lost")),
        Statistic::Mean | Statistic::Quantile(_) => match value {
            None => judged(None, Some("the record does not have this measure")),
            Some(Observation::Exact(x)) => judged_on(Some(meets(o.bound, x, o.threshold)), None, value),
            Some(Observation::AtLeast(x)) => match o.bound {
                Bound::AtMost if x > o.threshold => judged_on(Some(false), None, value),
                Bound::AtLeast if x >= o.threshold => judged_on(Some(true), None, value),
                _ => judged_on(None, Some("the record ended before the answer was known"), value),
            },
        },
    }
}

fn meets(bound: Bound, x: f64, threshold: f64) -> bool {
    match bound {
        Bound::AtMost => x <= threshold,
        Bound::AtLeast => x >= threshold,
    }
}

/// Steps done that the plan does not have; plan steps not done (only those the model runs in
/// some trial of this exercise); steps started before what they wait for finished; steps done
/// by another team than their owner.
fn departures(sc: &Scenario, sum: &Summary, d: &StepDurations, ob: &Observed, closed: bool) -> Vec<Departure> {
    let mut out: Vec<Departure> = ob.unplanned.iter().map(|u| Departure::Unplanned(u.0.clone())).collect();
    // A step runs in every trial when every trial made an attempt at it: a step whose `when`
    // does not hold (a step for attacks after a database crash) is skipped by the engine,
    // with no attempt, and is not part of this exercise's plan.
    let always = |s: usize| d.steps[s].count() >= sum.trials;
    // Not done: only in a record that runs to the close (a tabletop of the first hour did
    // not get to the rest), and only steps every simulated trial does (a step that waits
    // for a severity level or a kind of fault may rightly not run in this drill).
    for (s, st) in ob.steps.iter().enumerate() {
        if closed && st.start.is_none() && !st.skipped && always(s) {
            out.push(Departure::NotDone(s));
        }
    }
    for (s, st) in ob.steps.iter().enumerate() {
        let Some(started) = st.start else { continue };
        for &d in &sc.steps[s].after {
            let dep = &ob.steps[d];
            // A step the record never started that the model does not always run did not
            // apply to this drill: nothing to wait for.
            if dep.skipped || (dep.start.is_none() && !always(d)) {
                continue;
            }
            match dep.finish {
                Some(f) if f <= started + 1e-9 => {}
                finished => out.push(Departure::Early {
                    step: s,
                    waits_for: d,
                    started,
                    finished,
                }),
            }
        }
        if let Some(team) = st.team.filter(|&t| t != sc.steps[s].team) {
            out.push(Departure::OtherTeam { step: s, team });
        }
    }
    out
}

/// The drill's critical path: the step that finished last, then, back through what it waits
/// for, the step that finished latest, until a step with nothing before it.
fn critical_path(sc: &Scenario, ob: &Observed) -> Vec<StepId> {
    let last = ob
        .steps
        .iter()
        .enumerate()
        .filter_map(|(s, st)| st.finish.map(|f| (s, f)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let Some((mut s, _)) = last else {
        return Vec::new();
    };
    let mut path = vec![s];
    while let Some(prev) = sc.steps[s]
        .after
        .iter()
        .filter_map(|&d| ob.steps[d].finish.map(|f| (d, f)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(d, _)| d)
    {
        if path.contains(&prev) {
            break;
        }
        path.push(prev);
        s = prev;
    }
    path.reverse();
    path
}

/// Many records against the model: per measure and overall, the share of values inside the
/// model's p10–p90 band, and whether that share is consistent with the 80% a right model gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// The measure's key (`overall` for every measure together).
    pub key: String,
    /// Values judged (censored values still inside the band are not).
    pub n: u64,
    /// Below p10, inside, above p90.
    pub below: u64,
    /// Inside the band.
    pub inside: u64,
    /// Above p90.
    pub above: u64,
    /// The verdict.
    pub verdict: ModelVerdict,
}

/// What the drills say of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelVerdict {
    /// The share inside the band is within sampling error of 80%.
    Consistent,
    /// Too many drills took longer than the model's p90: the model promises too much.
    Optimistic,
    /// Too many drills were quicker than the model's p10: the model is too gloomy.
    Pessimistic,
    /// Too many values fell on both sides: the model's spread is too narrow.
    TooNarrow,
    /// Too many values inside the band: the model's spread is too wide.
    TooWide,
}

impl ModelVerdict {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelVerdict::Consistent => "consistent with the drills",
            ModelVerdict::Optimistic => "optimistic",
            ModelVerdict::Pessimistic => "pessimistic",
            ModelVerdict::TooNarrow => "too narrow",
            ModelVerdict::TooWide => "too wide",
        }
    }
}

/// Significance of the band tests (two-sided, exact binomial).
pub const BAND_ALPHA: f64 = 0.05;

/// Two-sided exact binomial p-value of `k` successes in `n` trials of probability `p`: the
/// total probability of the outcomes no more likely than `k`.
pub fn binomial_two_sided(k: u64, n: u64, p: f64) -> f64 {
    let pmf: Vec<f64> = (0..=n)
        .map(|i| {
            let ln_choose = ln_gamma(n as f64 + 1.0) - ln_gamma(i as f64 + 1.0) - ln_gamma((n - i) as f64 + 1.0);
            (ln_choose + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp()
        })
        .collect();
    let at = pmf[k as usize];
    pmf.iter().filter(|&&q| q <= at * (1.0 + 1e-9)).sum::<f64>().min(1.0)
}

impl Coverage {
    fn of(key: String, bands: impl Iterator<Item = Band>) -> Coverage {
        let (mut below, mut inside, mut above) = (0, 0, 0);
        for b in bands {
            match b {
                Band::Below => below += 1,
                Band::Inside => inside += 1,
                Band::Above => above += 1,
            }
        }
        let n = below + inside + above;
        let verdict = if n == 0 {
            ModelVerdict::Consistent
        } else {
            // Inside should be 80%; each tail 10%.
            let p_inside = binomial_two_sided(inside, n, 0.8);
            let p_above = binomial_two_sided(above, n, 0.1);
            let p_below = binomial_two_sided(below, n, 0.1);
            let high = |k: u64, p: f64| k as f64 > p * n as f64;
            if p_above < BAND_ALPHA && high(above, 0.1) && p_below < BAND_ALPHA && high(below, 0.1) {
                ModelVerdict::TooNarrow
            } else if p_above < BAND_ALPHA && high(above, 0.1) {
                ModelVerdict::Optimistic
            } else if p_below < BAND_ALPHA && high(below, 0.1) {
                ModelVerdict::Pessimistic
            } else if p_inside < BAND_ALPHA && high(inside, 0.8) {
                ModelVerdict::TooWide
            } else if p_inside < BAND_ALPHA {
                ModelVerdict::TooNarrow
            } else {
                ModelVerdict::Consistent
            }
        };
        Coverage {
            key,
            n,
            below,
            inside,
            above,
            verdict,
        }
    }
}

/// The band test for every measure that some record has, then `overall` (all of them).
pub fn coverage(scores: &Scores) -> Vec<Coverage> {
    let mut keys: Vec<&str> = Vec::new();
    for r in &scores.records {
        for m in &r.measures {
            if !keys.contains(&m.key.as_str()) {
                keys.push(&m.key);
            }
        }
    }
    let bands = |key: Option<&str>| {
        scores
            .records
            .iter()
            .flat_map(|r| r.measures.iter())
            .filter(move |m| key.is_none_or(|k| m.key == k))
            .filter_map(MeasureScore::band)
            .collect::<Vec<_>>()
    };
    let mut out: Vec<Coverage> = keys
        .iter()
        .map(|k| Coverage::of(k.to_string(), bands(Some(k)).into_iter()))
        .collect();
    out.push(Coverage::of("overall".into(), bands(None).into_iter()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_p_values() {
        // One trial: both outcomes are possible; neither is unusual.
        assert!((binomial_two_sided(0, 1, 0.8) - 0.2).abs() < 1e-12);
        assert!((binomial_two_sided(1, 1, 0.8) - 1.0).abs() < 1e-12);
        // 10 of 10 heads with a fair coin: 2 / 1024.
        assert!((binomial_two_sided(10, 10, 0.5) - 2.0 / 1024.0).abs() < 1e-12);
        // 5 of 10: every outcome is no more likely, p = 1.
        assert!((binomial_two_sided(5, 10, 0.5) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn verdicts_from_bands() {
        let many = |b: Band, k: usize, rest: usize| std::iter::repeat_n(b, k).chain(std::iter::repeat_n(Band::Inside, rest));
        assert_eq!(Coverage::of("x".into(), many(Band::Above, 1, 9)).verdict, ModelVerdict::Consistent);
        assert_eq!(Coverage::of("x".into(), many(Band::Above, 8, 12)).verdict, ModelVerdict::Optimistic);
        assert_eq!(
            Coverage::of("x".into(), many(Band::Below, 8, 12)).verdict,
            ModelVerdict::Pessimistic
        );
        assert_eq!(
            Coverage::of("x".into(), std::iter::repeat_n(Band::Inside, 40)).verdict,
            ModelVerdict::TooWide
        );
    }
}
