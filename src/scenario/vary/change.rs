//! What a change says: the fields `KIND.NAME.FIELD` can name (with the kind of value each
//! holds), its target, its operation (`=`, `*=`, `+=`), and why a change cannot be made.

use crate::error::{ScenarioError, similar};

/// What kind of thing a change is about: the first word of `KIND.NAME.FIELD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `teams.NAME.FIELD`.
    Teams,
    /// `steps.ID.FIELD`.
    Steps,
    /// `stores.NAME.FIELD`.
    Stores,
    /// `monitors.NAME.FIELD`.
    Monitors,
    /// `detection.FIELD` (no name: there is one `[detection]`).
    Detection,
}

impl Kind {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Teams => "teams",
            Kind::Steps => "steps",
            Kind::Stores => "stores",
            Kind::Monitors => "monitors",
            Kind::Detection => "detection",
        }
    }

    /// The kind written `word`.
    pub fn parse(word: &str) -> Option<Kind> {
        KINDS.iter().copied().find(|k| k.as_str() == word)
    }

    /// What one of them is called in messages.
    pub fn what(self) -> &'static str {
        match self {
            Kind::Teams => "team",
            Kind::Steps => "step",
            Kind::Stores => "store",
            Kind::Monitors => "monitor",
            Kind::Detection => "detection",
        }
    }
}

/// Every kind, in the order the help lists them.
pub const KINDS: [Kind; 5] = [Kind::Teams, Kind::Steps, Kind::Stores, Kind::Detection, Kind::Monitors];

/// What a field holds, which decides the changes it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number (`=` and `+=`).
    Whole,
    /// A probability between 0 and 1 (`=` only).
    Probability,
    /// A distribution of durations (`=` a duration, `*=`, `+=`).
    Duration,
    /// A fixed duration (`=`, `*=`, `+=`).
    FixedDuration,
}

/// One field that can be varied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The kind it belongs to.
    pub kind: Kind,
    /// As written after the name, e.g. `capacity`.
    pub name: &'static str,
    /// What it holds.
    pub value: ValueKind,
    /// What it changes, for the help and the docs.
    pub about: &'static str,
}

/// Every field a sweep can vary.
pub const FIELDS: &[Field] = &[
    Field {
        kind: Kind::Teams,
        name: "capacity",
        value: ValueKind::Whole,
        about: "steps the team works on at once",
    },
    Field {
        kind: Kind::Teams,
        name: "ack",
        value: ValueKind::Probability,
        about: "chance each escalation level acknowledges",
    },
    Field {
        kind: Kind::Teams,
        name: "ack_delay",
        value: ValueKind::Duration,
        about: "every escalation level's page-to-acknowledgement delay",
    },
    Field {
        kind: Kind::Teams,
        name: "timeout",
        value: ValueKind::FixedDuration,
        about: "every escalation level's timeout",
    },
    Field {
        kind: Kind::Teams,
        name: "last_resort",
        value: ValueKind::Duration,
        about: "the escalation's last resort",
    },
    Field {
        kind: Kind::Teams,
        name: "repeat",
        value: ValueKind::Whole,
        about: "how many more times the escalation list is paged",
    },
    Field {
        kind: Kind::Steps,
        name: "duration",
        value: ValueKind::Duration,
        about: "the step's duration",
    },
    Field {
        kind: Kind::Steps,
        name: "fail",
        value: ValueKind::Probability,
        about: "chance an attempt fails",
    },
    Field {
        kind: Kind::Stores,
        name: "backup_interval",
        value: ValueKind::FixedDuration,
        about: "how often a backup is taken",
    },
    Field {
        kind: Kind::Stores,
        name: "keep",
        value: ValueKind::Whole,
        about: "backups kept (retention)",
    },
    Field {
        kind: Kind::Stores,
        name: "restore",
        value: ValueKind::Duration,
        about: "time to restore a backup",
    },
    Field {
        kind: Kind::Stores,
        name: "bad_backup",
        value: ValueKind::Probability,
        about: "chance a backup is bad",
    },
    Field {
        kind: Kind::Stores,
        name: "replication_lag",
        value: ValueKind::Duration,
        about: "data the standby lags behind",
    },
    Field {
        kind: Kind::Detection,
        name: "delay",
        value: ValueKind::Duration,
        about: "every monitor's delay ([detection] delay, or each [[monitor]]'s)",
    },
    Field {
        kind: Kind::Detection,
        name: "miss",
        value: ValueKind::Probability,
        about: "chance the [detection] monitor misses the fault",
    },
    Field {
        kind: Kind::Detection,
        name: "fallback",
        value: ValueKind::Duration,
        about: "time to customer reports",
    },
    Field {
        kind: Kind::Monitors,
        name: "delay",
        value: ValueKind::Duration,
        about: "the monitor's delay",
    },
    Field {
        kind: Kind::Monitors,
        name: "miss",
        value: ValueKind::Probability,
        about: "chance the monitor misses",
    },
];

/// The field `name` of `kind`, or a message with the closest field (or the list of them).
pub fn field(kind: Kind, name: &str) -> Result<Field, String> {
    let known: Vec<&Field> = FIELDS.iter().filter(|f| f.kind == kind).collect();
    if let Some(f) = known.iter().find(|f| f.name == name.replace('-', "_")) {
        return Ok(**f);
    }
    let names: Vec<&str> = known.iter().map(|f| f.name).collect();
    Err(match names.iter().find(|n| similar(n, name)) {
        Some(n) => format!(
            "{} has no field `{name}`: did you mean `{n}`? fields: {}",
            kind.as_str(),
            names.join(", ")
        ),
        None => format!("{} has no field `{name}`; fields: {}", kind.as_str(), names.join(", ")),
    })
}

/// A change to one value.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `=`: the value as written in a file (`3`, `15m`, `0.1`).
    Set(String),
    /// `*=`: every duration times this factor (> 0).
    Scale(f64),
    /// `+=`: this many minutes added to every duration (>= 0), or this whole number added.
    Add(f64),
}

/// What a change is about: `KIND.NAME.FIELD`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The field (and its kind).
    pub field: Field,
    /// The team, step, store or monitor (empty for `detection`).
    pub name: String,
}

impl Target {
    /// As written: `teams.ops.capacity`, `detection.delay`.
    pub fn text(&self) -> String {
        if self.field.kind == Kind::Detection {
            format!("detection.{}", self.field.name)
        } else {
            format!("{}.{}.{}", self.field.kind.as_str(), self.name, self.field.name)
        }
    }
}

/// One change: a target and what is done to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// What is changed.
    pub target: Target,
    /// How.
    pub op: Op,
}

impl Edit {
    /// As written: `teams.ops.capacity=2`, `steps.fix.duration*=0.5`.
    pub fn text(&self) -> String {
        match &self.op {
            Op::Set(v) => format!("{}={v}", self.target.text()),
            Op::Scale(k) => format!("{}*={k}", self.target.text()),
            Op::Add(d) => match self.target.field.value {
                ValueKind::Whole => format!("{}+={d}", self.target.text()),
                _ => format!("{}+={}", self.target.text(), minutes_text(*d)),
            },
        }
    }
}

/// Minutes as a duration a file would state: `90m`, `12.5m`, `0m`.
pub fn minutes_text(m: f64) -> String {
    format!("{}m", m + 0.0)
}

/// A change that cannot be made to this scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VaryError {
    /// The team, step, store or monitor is not in the scenario.
    #[error("{target}: unknown {what} \"{name}\"\n  help: {help}")]
    UnknownName {
        /// The change's target as written.
        target: String,
        /// "team", "step", ...
        what: &'static str,
        /// The name as written.
        name: String,
        /// The closest names, or the list of them.
        help: String,
    },
    /// The change does not fit the scenario (a field it does not have, ...).
    #[error("{target}: {message}\n  help: {help}")]
    Unfit {
        /// The change as written.
        target: String,
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
    },
    /// With the change made, the scenario is not valid: the file's own message.
    #[error("with {changes}: {error}")]
    Invalid {
        /// The changes of the variant, as written.
        changes: String,
        /// The check's error, at the place of the changed value.
        error: Box<ScenarioError>,
    },
}

/// A probability as written on the command line: `0.1` or `10%`.
pub fn probability_value(v: &str) -> Option<f64> {
    let v = v.trim();
    match v.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|x| x / 100.0),
        None => v.parse().ok(),
    }
}
