//! What a trial reports to its observer: the events of a timeline, and their causes.

use crate::model::{FaultKindTag, StepId, TeamId};

/// What happened, for observers (the trace). Times are passed alongside, in minutes.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Event {
    /// A fault is injected (`None`: the scenario's implicit fault, when it declares none).
    Fault { fault: Option<usize> },
    /// A monitor (or, with `monitor: None`, customer reports) raises an alert for a fault
    /// (`fault: None` with a monitor: the implicit fault, or a symptom monitor's symptom).
    Alert {
        fault: Option<usize>,
        monitor: Option<usize>,
        first: bool,
    },
    /// A symptom monitor's pending alert is dropped: its symptom cleared before the delay
    /// ended (an uptime check alerts on a sustained failure only).
    AlertCancelled { monitor: usize },
    /// A level of a team's escalation policy is paged.
    Page { team: TeamId, level: usize, pass: u32 },
    /// The paged level did not acknowledge before its timeout.
    PageTimeout { team: TeamId, level: usize, pass: u32 },
    /// The paged level acknowledged.
    Ack { team: TeamId, level: usize },
    /// Nobody acknowledged; the last resort picked the incident up.
    LastResort { team: TeamId },
    /// The incident reached a severity level.
    LevelRaised { level: usize },
    /// A step's dependencies are done (or the incident was acknowledged, for a first step).
    StepReady { step: StepId },
    /// A ready step does not apply (its condition is false) and is skipped.
    StepSkipped { step: StepId },
    /// A ready step waits until a fault of its kind has been detected.
    StepAwaitsFault { step: StepId, kind: FaultKindTag },
    /// A ready step waits until the incident reaches its level.
    StepAwaitsLevel { step: StepId, level: usize },
    /// A ready step waits for the world (its `wait`: power, containment, ...).
    StepAwaitsWorld { step: StepId },
    /// What a step waited for in the world holds now.
    StepWaitOver { step: StepId },
    /// When nothing more happens, a step still waits for the world: it never ran (shown by
    /// the trace only).
    StepNeverRan { step: StepId },
    /// A ready step waits for its team to be paged and to acknowledge.
    StepAwaitsTeam { step: StepId },
    /// A ready step waits for a free slot of its team.
    StepQueued { step: StepId, ahead: usize },
    /// A step starts.
    StepStart { step: StepId },
    /// An attempt of a step failed; the team starts it again.
    StepRetry { step: StepId, attempt: u32 },
    /// A step finishes.
    StepDone { step: StepId, attempts: u32 },
    /// A step's effect could not be carried out (e.g. no good backup to restore).
    EffectFailed { step: StepId, why: String },
    /// A step's effect took place (what it did, in words).
    EffectDone { step: StepId, what: String },
    /// A component went down, or came back.
    Component { comp: usize, up: bool, cause: Cause },
    /// A business service went down, or came back.
    Service { service: usize, up: bool },
    /// Power equipment changed state (in words).
    Power { feed: usize, what: String },
    /// An automatic failover completed or failed.
    Failover { comp: usize, ok: bool },
    /// A failover (automatic, or by step `step`) switched `comp` to its `standby`, which the
    /// intruder has reached (`compromised`: the role serves from a host the intruder holds)
    /// or whose data is lost (`lost`, a store of the role or of the standby, `encrypted` by an
    /// intruder or not: the role does not serve until it is restored).
    StandbyAtRisk {
        comp: usize,
        standby: usize,
        step: Option<StepId>,
        compromised: bool,
        lost: Option<usize>,
        encrypted: bool,
    },
    /// An intruder reached a component.
    Compromised { comp: usize, fault: usize },
    /// A store's data was lost; `lost` minutes of writes are gone (None: no good backup).
    StoreLost { store: usize, lost: Option<f64> },
    /// A store was restored from backup.
    StoreRestored { store: usize },
    /// Writes not yet replicated to the standby were lost in a failover.
    ReplicationLoss { store: usize, lost: f64 },
    /// A business service is still down when nothing more happens in the trial.
    Unrecovered {
        service: usize,
        /// The component that keeps it down and why, when one does.
        cause: Option<(crate::model::CompId, DownReason)>,
    },
    /// Recovery is complete (the recovery time is reached).
    Recovered,
}

/// Receives a trial's events. The batch uses `()`, which does nothing.
pub trait Observer {
    /// Whether events are wanted at all (lets the engine skip building them).
    const ACTIVE: bool;
    /// One event at time `t` (minutes since the fault).
    fn on(&mut self, t: f64, event: Event);
}

impl Observer for () {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn on(&mut self, _t: f64, _event: Event) {}
}

/// What caused a topology change (shown in traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A fault's injection (index into the scenario's faults).
    Fault(usize),
    /// A plan step's effect.
    Step(usize),
    /// Power equipment (the feed's index).
    Power(usize),
    /// An automatic failover of this component.
    Failover(usize),
    /// An intruder spreading (the attack's fault index).
    Spread(usize),
}

/// What keeps a component down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// It failed and no step repaired it.
    Failed,
    /// The intruder is still on it (not contained, or not repaired).
    Compromised,
    /// The attack disrupted it and no step repaired it.
    Disrupted,
    /// A step isolated it and none brought it back.
    Isolated,
    /// Its power feed is down (utility out, no UPS or generator carrying it).
    NoPower,
    /// It lost power and restarts only by a step (`restart = "manual"`); no step restarted it.
    NotRestarted,
    /// Its data is lost and not restored.
    DataLost,
    /// It failed over to a standby that is down.
    StandbyDown,
    /// Too few of its replicas serve.
    QuorumLost,
}

impl DownReason {
    /// The reason in words, for the trace.
    pub fn text(self) -> &'static str {
        match self {
            DownReason::Failed => "it failed and no step repairs it",
            DownReason::Compromised => "it is still compromised by the intruder",
            DownReason::Disrupted => "the attack disrupted it and no step repairs it",
            DownReason::Isolated => "it is isolated and no step brings it back",
            DownReason::NoPower => "it has no power",
            DownReason::NotRestarted => "it lost power and restarts only by a step (restart = \"manual\"); no step restarts it",
            DownReason::DataLost => "its data is lost and no step restores it",
            DownReason::StandbyDown => "it failed over to a standby that is down",
            DownReason::QuorumLost => "too few of its replicas serve",
        }
    }
}
