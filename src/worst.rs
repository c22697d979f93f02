//! The trials worth tracing: the `k` worst by recovery time among those that match a
//! condition (`recovery > 8h`, `services.payment >= 2h`), found in the same pass as the
//! run's summary, the same at any thread count (ties go to the lower trial index).

use std::cmp::Ordering;

use crate::model::Scenario;
use crate::scenario::duration::parse_minutes;
use crate::sim::TrialOutcome;
use crate::stats::Summary;

/// A measure of one trial a condition can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrialMeasure {
    /// Recovery time.
    Recovery,
    /// Time to detect.
    Detect,
    /// Time to acknowledge.
    Ack,
    /// Time to close.
    Close,
    /// A business service's downtime.
    Downtime(usize),
    /// A store's data lost (minutes of writes).
    DataLost(usize),
}

impl TrialMeasure {
    /// Its value in one trial, in minutes.
    pub fn of(self, o: &TrialOutcome) -> f64 {
        match self {
            TrialMeasure::Recovery => o.recovery,
            TrialMeasure::Detect => o.detect,
            TrialMeasure::Ack => o.ack,
            TrialMeasure::Close => o.close,
            TrialMeasure::Downtime(i) => o.downtime[i],
            TrialMeasure::DataLost(i) => o.data_lost[i],
        }
    }

    /// Read `recovery`, `detect`, `ack`, `close`, `services.<name>` or `stores.<name>`.
    pub fn parse(sc: &Scenario, text: &str) -> Result<TrialMeasure, String> {
        let t = text.trim();
        Ok(match t {
            "recovery" => TrialMeasure::Recovery,
            "detect" => TrialMeasure::Detect,
            "ack" => TrialMeasure::Ack,
            "close" => TrialMeasure::Close,
            _ => match t.split_once('.') {
                Some(("services", name)) => TrialMeasure::Downtime(
                    sc.services
                        .iter()
                        .position(|s| s.name == name)
                        .ok_or_else(|| format!("no business service `{name}`: {}", names(sc.services.iter().map(|s| &s.name))))?,
                ),
                Some(("stores", name)) => TrialMeasure::DataLost(
                    sc.stores
                        .iter()
                        .position(|s| s.name == name)
                        .ok_or_else(|| format!("no data store `{name}`: {}", names(sc.stores.iter().map(|s| &s.name))))?,
                ),
                _ => {
                    return Err(format!(
                        "unknown measure `{t}`: use recovery, detect, ack, close, services.<name> (downtime) or stores.<name> (data lost)"
                    ));
                }
            },
        })
    }
}

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = it.map(String::as_str).collect();
    if v.is_empty() {
        "the scenario has none".into()
    } else {
        format!("the scenario's are {}", v.join(", "))
    }
}

/// `MEASURE OP DURATION`, e.g. `recovery > 8h`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Condition {
    /// What is tested.
    pub measure: TrialMeasure,
    /// `>`, `>=`, `<`, `<=`.
    pub op: Op,
    /// Minutes.
    pub value: f64,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl Condition {
    /// Read `recovery > 8h` (spaces optional).
    pub fn parse(sc: &Scenario, text: &str) -> Result<Condition, String> {
        let at = text
            .find(['<', '>'])
            .ok_or_else(|| format!("`{text}` has no comparison: write e.g. 'recovery > 8h' (>, >=, <, <=)"))?;
        let (left, rest) = text.split_at(at);
        let (op, right) = if let Some(r) = rest.strip_prefix(">=") {
            (Op::Ge, r)
        } else if let Some(r) = rest.strip_prefix("<=") {
            (Op::Le, r)
        } else if let Some(r) = rest.strip_prefix('>') {
            (Op::Gt, r)
        } else {
            (Op::Lt, &rest[1..])
        };
        let measure = TrialMeasure::parse(sc, left)?;
        let value = parse_minutes(right).map_err(|e| format!("in `{text}`: {e}"))?;
        Ok(Condition { measure, op, value })
    }

    /// Whether trial `o` meets it.
    pub fn holds(&self, o: &TrialOutcome) -> bool {
        let x = self.measure.of(o);
        match self.op {
            Op::Gt => x > self.value,
            Op::Ge => x >= self.value,
            Op::Lt => x < self.value,
            Op::Le => x <= self.value,
        }
    }
}

/// One selected trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Picked {
    /// Its index.
    pub trial: u64,
    /// Recovery time.
    pub recovery: f64,
    /// Time to detect.
    pub detect: f64,
    /// Time to acknowledge.
    pub ack: f64,
    /// Whether it recovered within the horizon.
    pub recovered: bool,
}

/// What the pass found: the worst trials, and how many matched.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Worst {
    /// At most `k`, worst first.
    pub trials: Vec<Picked>,
    /// Trials that matched the condition (all, without one).
    pub matched: u64,
}

fn worse(a: &Picked, b: &Picked) -> Ordering {
    b.recovery.total_cmp(&a.recovery).then(a.trial.cmp(&b.trial))
}

/// Run trials `0..trials` (on the current pool) into the summary and the `k` worst by
/// recovery time among those meeting `cond`.
pub fn run(sc: &Scenario, seed: u64, trials: u64, k: usize, cond: Option<Condition>) -> (Summary, Worst) {
    let keep = |w: &mut Worst| {
        w.trials.sort_by(worse);
        w.trials.truncate(k);
    };
    let (sum, mut worst) = crate::batch::fold_range(
        sc,
        seed,
        0..trials,
        None,
        Worst::default,
        |w, i, o| {
            if cond.is_none_or(|c| c.holds(o)) {
                w.matched += 1;
                let p = Picked {
                    trial: i,
                    recovery: o.recovery,
                    detect: o.detect,
                    ack: o.ack,
                    recovered: o.recovered(sc),
                };
                // Keep at most 2k between sorts: amortised O(log k) a trial.
                w.trials.push(p);
                if w.trials.len() >= 2 * k.max(1) {
                    keep(w);
                }
            }
        },
        |a, b| {
            a.matched += b.matched;
            a.trials.extend(b.trials);
            keep(a);
        },
    );
    keep(&mut worst);
    (sum, worst)
}
