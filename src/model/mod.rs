//! The checked domain model: what the engine trusts and never re-checks.
//!
//! Built only by [`crate::scenario::load`] (or by tests), after every rule in the file has
//! been checked. Entities refer to each other by index; each also keeps its stable name,
//! because names (not indices) key the random streams and the reports.

pub mod dist;
pub mod limits;
pub mod objective;
pub mod stream;
pub mod topology;

pub use dist::Dist;
pub use topology::*;

pub use objective::Objective;
pub use stream::StreamKey;

/// Index of a team in [`Scenario::teams`].
pub type TeamId = usize;
/// Index of a step in [`Scenario::steps`].
pub type StepId = usize;

/// One exercise, checked and ready to simulate.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name shown in reports (from `[exercise] name`, or the file's stem).
    pub name: String,
    /// Optional one-line description.
    pub description: String,
    /// Seed from the file (the command line overrides it).
    pub seed: Option<u64>,
    /// Trials from the file (the command line overrides it).
    pub trials: Option<u64>,
    /// How the incident is noticed.
    pub detection: Detection,
    /// The team whose escalation policy the first alert pages.
    pub first_responder: TeamId,
    /// Response teams, in name order.
    pub teams: Vec<Team>,
    /// The plan's steps, in file order (which breaks ties between steps ready at once).
    pub steps: Vec<Step>,
    /// For each step, the steps that wait for it, in step order.
    pub successors: Vec<Vec<StepId>>,
    /// Business services whose downtime is measured. With none, recovery is measured at the
    /// finish of the plan's final step (as in ref20).
    pub services: Vec<BusinessService>,
    /// Data stores whose lost writes are measured.
    pub stores: Vec<DataStore>,
    /// Names of the severity levels, lowest first (e.g. general, larger, major, especially
    /// major); empty when the scenario does not classify the incident.
    pub levels: Vec<String>,
    /// Components, faults, monitors and level rules.
    pub topology: Topology,
    /// Minutes after which a service still down counts as unrecovered (its downtime is
    /// recorded as this horizon).
    pub horizon: f64,
    /// Clock time of t = 0, for teams that are slower off hours (None: not modelled).
    pub start: Option<Clock>,
    /// What the plan promises (`[expect]`), checked by `drillsim check`.
    pub objectives: Vec<Objective>,
}

/// How faults are noticed: monitors after a delay each, or, when all miss, customer reports.
#[derive(Clone, Debug)]
pub struct Detection {
    /// Monitors (a scenario without `[[monitor]]` has one, "monitoring", seeing every fault
    /// with `[detection] delay` and `miss`).
    pub monitors: Vec<Monitor>,
    /// Fault to alert when every monitor missed it (e.g. customer reports).
    pub fallback: Option<Dist>,
}

/// A response team.
#[derive(Clone, Debug)]
pub struct Team {
    /// Stable name.
    pub name: String,
    /// How many steps it can work on at once (>= 1).
    pub capacity: u32,
    /// Who is paged, in order, when the team is paged.
    pub escalation: Escalation,
    /// Stream key of this team's paging draws.
    pub key: StreamKey,
    /// Slower response outside working hours.
    pub off_hours: Option<OffHours>,
}

/// The clock time at which an exercise starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clock {
    /// This many minutes after midnight.
    At(f64),
    /// A time of day drawn uniformly in each trial (incidents come at any hour).
    Any,
}

/// A team's off hours: from `from` to `to` (minutes after midnight; wrapping past midnight
/// when `from > to`), acknowledgements and steps take `slower` times as long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OffHours {
    /// Start of the off hours, minutes after midnight.
    pub from: f64,
    /// End of the off hours, minutes after midnight.
    pub to: f64,
    /// Factor on acknowledgement delays and step durations (>= 1 for slower).
    pub slower: f64,
}

impl OffHours {
    /// Whether minute-of-day `tod` (0..1440) falls in the off hours.
    pub fn contains(&self, tod: f64) -> bool {
        if self.from <= self.to {
            tod >= self.from && tod < self.to
        } else {
            tod >= self.from || tod < self.to
        }
    }
}

/// An escalation policy, in the manner of common on-call tools.
#[derive(Clone, Debug)]
pub struct Escalation {
    /// Levels paged in order.
    pub levels: Vec<EscalationLevel>,
    /// How many more times the whole list of levels is paged after the first pass.
    pub repeat: u32,
    /// Delay after the last timeout until somebody picks the incident up anyway.
    pub last_resort: Dist,
}

/// One level of an escalation policy.
#[derive(Clone, Debug)]
pub struct EscalationLevel {
    /// Who this level pages (shown in traces).
    pub name: String,
    /// Chance this level acknowledges before its timeout.
    pub ack: f64,
    /// Time to acknowledge, given that it does.
    pub ack_delay: Dist,
    /// Time after which an unacknowledged page escalates to the next level.
    pub timeout: f64,
}

/// One step of the plan.
#[derive(Clone, Debug)]
pub struct Step {
    /// Stable id.
    pub id: String,
    /// Human title (defaults to the id).
    pub title: String,
    /// Owner team.
    pub team: TeamId,
    /// Steps it waits for.
    pub after: Vec<StepId>,
    /// Duration of one attempt.
    pub duration: Dist,
    /// Chance an attempt fails and has to be done again (< 1).
    pub fail: f64,
    /// When the step applies (default: always).
    pub when: Condition,
    /// What it waits for in the world once its dependencies are done (re-checked after
    /// every change of the world, unlike `when`, which is checked once).
    pub wait: Wait,
    /// What it does to the world when it finishes, in order (empty: nothing).
    pub effects: Vec<Effect>,
    /// Stream key of this step's draws.
    pub key: StreamKey,
}

impl Scenario {
    /// Successor lists computed from each step's `after`; call after editing the plan.
    pub fn link(&mut self) {
        let mut succ = vec![Vec::new(); self.steps.len()];
        for (i, s) in self.steps.iter().enumerate() {
            for &d in &s.after {
                succ[d].push(i);
            }
        }
        self.successors = succ;
    }

    /// Index of the step with this id.
    pub fn step_index(&self, id: &str) -> Option<StepId> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// Index of the team with this name.
    pub fn team_index(&self, name: &str) -> Option<TeamId> {
        self.teams.iter().position(|t| t.name == name)
    }
}
