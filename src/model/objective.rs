//! What a plan promises (`[expect]`), checked: each [`Objective`] names a measure, a
//! statistic of it, a side and a threshold. Parsed from sentences by
//! `scenario::objective`; verified by `drillsim check`.

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Measure {
    /// Recovery time (fault to every business service up, or to the plan's final step).
    Recovery,
    /// Time to detect (fault to first alert).
    Detect,
    /// Time to acknowledge (alert to first acknowledgement).
    Ack,
    /// Time to close (fault to the plan's last step).
    Close,
    /// Minutes business service `i` of [`super::Scenario::services`] was actually down (the
    /// sum of its outages).
    Downtime(usize),
    /// The longest outage of business service `i` (from going down until back up).
    LongestOutage(usize),
    /// Fault until business service `i` was up for good.
    Restored(usize),
    /// Data lost by store `i` of [`super::Scenario::stores`].
    DataLost(usize),
}

/// Which statistic of the measure.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Statistic {
    /// The mean.
    Mean,
    /// The quantile of this probability (0 < p < 1).
    Quantile(f64),
    /// Share of trials in which the service met its RTO: back within the horizon and no
    /// outage longer than the RTO (only for a service's measures).
    RtoMet,
    /// Share of trials in which the store lost at most its RPO (only for
    /// [`Measure::DataLost`]).
    RpoMet,
    /// Share of trials that did not recover within the horizon (only for
    /// [`Measure::Recovery`] and a service's measures).
    NotRecovered,
}

impl Statistic {
    /// Whether the statistic is a share of trials (0..1) rather than minutes.
    pub fn is_share(self) -> bool {
        matches!(self, Statistic::RtoMet | Statistic::RpoMet | Statistic::NotRecovered)
    }
}

impl Measure {
    /// The business service this measure is of, if any.
    pub fn service(self) -> Option<usize> {
        match self {
            Measure::Downtime(i) | Measure::LongestOutage(i) | Measure::Restored(i) => Some(i),
            _ => None,
        }
    }
}

/// Which side of the threshold the promise is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Bound {
    /// The statistic must be at most the threshold.
    AtMost,
    /// The statistic must be at least the threshold.
    AtLeast,
}

/// One checked objective.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Objective {
    /// The sentence as written (whitespace trimmed): the objective's name in reports.
    pub text: String,
    /// What is measured.
    pub measure: Measure,
    /// Which statistic of it.
    pub stat: Statistic,
    /// At most or at least.
    pub bound: Bound,
    /// In minutes, or a share between 0 and 1 for the share statistics.
    pub threshold: f64,
    /// Where it is written, `file:line:col`, for reports.
    pub at: String,
}

impl Objective {
    /// Whether the threshold and estimates are shares (0..1) rather than minutes.
    pub fn is_share(&self) -> bool {
        self.stat.is_share()
    }

    /// Whether `value` keeps the promise.
    pub fn holds(&self, value: f64) -> bool {
        match self.bound {
            Bound::AtMost => value <= self.threshold,
            Bound::AtLeast => value >= self.threshold,
        }
    }
}
