//! The world a plan acts on: components, business services, data stores, faults, monitors
//! and severity levels (checked; indices refer into the owning [`super::Scenario`]).

use super::stream::StreamKey;
use super::{Dist, TeamId};

/// Index into [`Topology::components`].
pub type CompId = usize;
/// Index into `Scenario::services`.
pub type ServiceId = usize;
/// Index into `Scenario::stores`.
pub type StoreId = usize;

/// Kinds of component a user recognises. The kind decides which fields apply (a power feed
/// may have a UPS and a generator; the others sit on a feed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ComponentKind {
    Service,
    Database,
    Cache,
    Network,
    LoadBalancer,
    PowerFeed,
    Ups,
    Generator,
    Site,
    ObjectStore,
    Queue,
    Dns,
    Cdn,
    Region,
    Zone,
}

/// Every component kind with its name in files and its words in traces and reports: the one
/// table that names kinds.
const COMPONENT_KINDS: [(ComponentKind, &str, &str); 15] = [
    (ComponentKind::Service, "service", "service"),
    (ComponentKind::Database, "database", "database"),
    (ComponentKind::Cache, "cache", "cache"),
    (ComponentKind::Network, "network", "network"),
    (ComponentKind::LoadBalancer, "load_balancer", "load balancer"),
    (ComponentKind::PowerFeed, "power_feed", "power feed"),
    (ComponentKind::Ups, "ups", "UPS"),
    (ComponentKind::Generator, "generator", "generator"),
    (ComponentKind::Site, "site", "site"),
    (ComponentKind::ObjectStore, "object_store", "object store"),
    (ComponentKind::Queue, "queue", "queue"),
    (ComponentKind::Dns, "dns", "DNS"),
    (ComponentKind::Cdn, "cdn", "CDN"),
    (ComponentKind::Region, "region", "region"),
    (ComponentKind::Zone, "zone", "availability zone"),
];

impl ComponentKind {
    /// The names accepted in files, for messages ("service, database, ...").
    pub fn names() -> String {
        COMPONENT_KINDS.iter().map(|k| k.1).collect::<Vec<_>>().join(", ")
    }

    /// Parse a kind's file name.
    pub fn parse(s: &str) -> Option<ComponentKind> {
        COMPONENT_KINDS.iter().find(|k| k.1 == s).map(|k| k.0)
    }

    /// The kind's name in files (`power_feed`).
    pub fn name(self) -> &'static str {
        COMPONENT_KINDS[self as usize].1
    }

    /// The kind in words, for traces and reports (`power feed`).
    pub fn words(self) -> &'static str {
        COMPONENT_KINDS[self as usize].2
    }

    /// Power infrastructure: not a place an attacker spreads through, and needs no feed. A
    /// cloud region or availability zone counts: it is what its hosts stand on, not a host.
    pub fn is_power(self) -> bool {
        matches!(
            self,
            ComponentKind::PowerFeed | ComponentKind::Ups | ComponentKind::Generator | ComponentKind::Region | ComponentKind::Zone
        )
    }

    /// What other components sit on with `power = "..."`: a power feed, or a cloud region or
    /// availability zone, which gives what it hosts power and network at once (the engine
    /// plays it as a feed without UPS or generator: its outage is a `power_loss` of it or a
    /// `failure` of it, and every host on it goes down with it).
    pub fn is_feed(self) -> bool {
        matches!(self, ComponentKind::PowerFeed | ComponentKind::Region | ComponentKind::Zone)
    }
}

/// A component of the topology.
#[derive(Clone, Debug)]
pub struct Component {
    /// Stable name.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Free text from the file (shown in reports).
    pub description: String,
    /// Components it needs (all must serve for it to be up).
    pub needs: Vec<CompId>,
    /// The power feed it sits on (None only for power infrastructure and for a group of
    /// replicas, whose replicas have feeds of their own).
    pub power: Option<CompId>,
    /// Comes back by itself when power returns (otherwise a plan step must restart it).
    pub auto_restart: bool,
    /// A standby that can take over its role.
    pub standby: Option<Standby>,
    /// k-of-n replicas: it is up only while at least `up` of `of` are up.
    pub quorum: Option<Quorum>,
    /// For a power feed: its UPS.
    pub ups: Option<CompId>,
    /// For a power feed: its generator.
    pub generator: Option<CompId>,
    /// For a UPS: battery time in minutes.
    pub battery: f64,
    /// For a generator: chance it starts, and its start delay.
    pub start: f64,
    /// For a generator: delay from the outage to its power.
    pub start_delay: Dist,
    /// Stream key of this component's draws (failover delays, generator start).
    pub key: StreamKey,
}

/// A standby that takes over a component's role.
#[derive(Clone, Debug)]
pub struct Standby {
    /// The standby component.
    pub component: CompId,
    /// Automatic failover (None: only a plan step fails over).
    pub auto: Option<AutoFailover>,
}

/// Automatic failover parameters.
#[derive(Clone, Debug)]
pub struct AutoFailover {
    /// Delay from the primary going down to the standby serving.
    pub delay: Dist,
    /// Chance the automatic failover fails (then a plan step must do it).
    pub fail: f64,
}

/// k of n replicas.
#[derive(Clone, Debug)]
pub struct Quorum {
    /// The replicas.
    pub of: Vec<CompId>,
    /// How many must be up.
    pub up: usize,
}

/// A business service (e-commerce platform, online payment, customer service).
#[derive(Clone, Debug)]
pub struct BusinessService {
    /// Stable name.
    pub name: String,
    /// Free text from the file (shown in reports).
    pub description: String,
    /// Components it needs.
    pub needs: Vec<CompId>,
    /// Recovery time objective, minutes (None: no objective set).
    pub rto: Option<f64>,
    /// After an outage it stays down until a plan step reopens it (checks, then reopen).
    pub reopen: bool,
}

/// A data store with a backup policy.
#[derive(Clone, Debug)]
pub struct DataStore {
    /// Stable name.
    pub name: String,
    /// Free text from the file (shown in reports).
    pub description: String,
    /// The component that holds it (down while the store's data is lost).
    pub component: Option<CompId>,
    /// Minutes between backups (None: no backups).
    pub backup_interval: Option<f64>,
    /// Time a restore takes, added to the restoring step's own duration.
    pub restore: Dist,
    /// Chance that any one backup is bad (corrupt).
    pub bad_backup: f64,
    /// Backups kept (None: unlimited).
    pub keep: Option<u32>,
    /// Replication lag: writes lost when the holding component fails over to its standby.
    pub replication_lag: Option<Dist>,
    /// Recovery point objective: the most minutes of writes the plan promises to lose.
    pub rpo: Option<f64>,
    /// Stream key.
    pub key: StreamKey,
}

/// The kind of a fault, as named in conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum FaultKindTag {
    Failure,
    Attack,
    PowerLoss,
    DataLoss,
}

/// Every fault kind in index order with its name in files: the one table that names them.
const FAULT_KINDS: [(FaultKindTag, &str); 4] = [
    (FaultKindTag::Failure, "failure"),
    (FaultKindTag::Attack, "attack"),
    (FaultKindTag::PowerLoss, "power_loss"),
    (FaultKindTag::DataLoss, "data_loss"),
];

impl FaultKindTag {
    /// Every kind, in index order.
    pub const ALL: [FaultKindTag; 4] = [
        FaultKindTag::Failure,
        FaultKindTag::Attack,
        FaultKindTag::PowerLoss,
        FaultKindTag::DataLoss,
    ];

    /// The names accepted in files, for messages ("failure, attack, ...").
    pub fn names() -> String {
        FAULT_KINDS.iter().map(|k| k.1).collect::<Vec<_>>().join(", ")
    }

    /// Parse a file name.
    pub fn parse(s: &str) -> Option<FaultKindTag> {
        FAULT_KINDS.iter().find(|k| k.1 == s).map(|k| k.0)
    }

    /// A dense index, 0 to 3.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The file name.
    pub fn name(self) -> &'static str {
        FAULT_KINDS[self as usize].1
    }
}

/// A fault injected into the topology.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Stable id.
    pub id: String,
    /// What it does.
    pub kind: FaultKind,
    /// Injection time (minutes from the start of the exercise).
    pub at: Dist,
    /// Stream key.
    pub key: StreamKey,
}

/// What a fault does.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum FaultKind {
    /// A component goes down (crash, hang, bad deploy: `mode` is shown in traces).
    Failure { target: CompId, mode: String },
    /// An intruder lands on `target` and spreads along dependencies.
    Attack {
        target: CompId,
        /// Time for the intruder to cross one dependency edge.
        spread: Dist,
        /// Leak rate, volume per minute, from landing until contained.
        leak_rate: f64,
        /// Unit of the leaked volume (e.g. "GB").
        leak_unit: String,
        /// Stores encrypted when the intruder reaches their component.
        encrypt: Vec<StoreId>,
        /// Compromised components go down (ransomware, wiper).
        disrupt: bool,
    },
    /// A power feed drops for `outage`.
    PowerLoss { feed: CompId, outage: Dist },
    /// A store's data is corrupted or deleted.
    DataLoss { store: StoreId, mode: String },
}

impl FaultKind {
    /// The kind's tag.
    pub fn tag(&self) -> FaultKindTag {
        match self {
            FaultKind::Failure { .. } => FaultKindTag::Failure,
            FaultKind::Attack { .. } => FaultKindTag::Attack,
            FaultKind::PowerLoss { .. } => FaultKindTag::PowerLoss,
            FaultKind::DataLoss { .. } => FaultKindTag::DataLoss,
        }
    }
}

/// A monitor that sees some kinds of fault after a delay, or misses them; or, with `watches`,
/// a symptom monitor that alerts on a state of the world (an uptime check).
#[derive(Clone, Debug)]
pub struct Monitor {
    /// Stable name ("system load", "network traffic", "data anomaly").
    pub name: String,
    /// Fault kinds it can see (empty for a symptom monitor).
    pub sees: Vec<FaultKindTag>,
    /// The symptom it watches (None: a fault-kind monitor, `sees`).
    pub watches: Option<Watch>,
    /// Fault to alert.
    pub delay: Dist,
    /// Chance it misses a fault it could see.
    pub miss: f64,
    /// Stream key (paired with each fault's key).
    pub key: StreamKey,
}

/// A symptom a monitor watches: a state of the world, whatever fault caused it. A symptom
/// monitor alerts when the state has held for its whole delay (a sustained failure), so a
/// blip shorter than the delay raises nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    /// A business service is down (an uptime check).
    ServiceDown(ServiceId),
    /// A component is not serving.
    Down(CompId),
    /// A store's data is lost (a data-integrity or replication alarm).
    Lost(StoreId),
}

impl Topology {
    /// The unit of the leaked volume, as shown next to leak figures: the attacks' `leak_unit`
    /// ("GB"), their distinct units joined by "+" if they differ; None without an attack.
    pub fn leak_unit(&self) -> Option<String> {
        let mut units: Vec<&str> = Vec::new();
        for f in &self.faults {
            if let FaultKind::Attack { leak_unit, .. } = &f.kind
                && !units.contains(&leak_unit.as_str())
            {
                units.push(leak_unit);
            }
        }
        (!units.is_empty()).then(|| units.join("+"))
    }
}

/// A severity level and the impact that raises the incident to it.
#[derive(Clone, Debug, Default)]
pub struct Level {
    /// Name (general, larger, major, especially major).
    pub name: String,
    /// At least this many business services down at once.
    pub services_down: Option<usize>,
    /// Any of these business services down.
    pub any_down: Vec<ServiceId>,
    /// Leaked volume at least this.
    pub leaked: Option<f64>,
    /// Any store's data lost.
    pub data_loss: bool,
    /// At least this many components compromised.
    pub compromised: Option<usize>,
    /// Teams paged when the incident reaches this level.
    pub page: Vec<TeamId>,
}

impl Level {
    /// A level with no rule applies from the start (the lowest level).
    pub fn is_unconditional(&self) -> bool {
        self.services_down.is_none() && self.any_down.is_empty() && self.leaked.is_none() && !self.data_loss && self.compromised.is_none()
    }
}

/// When a step applies.
#[derive(Clone, Debug, Default)]
pub struct Condition {
    /// Only when the scenario injects a fault of this kind.
    pub fault: Option<FaultKindTag>,
    /// Only once the incident reaches this level (waits for it).
    pub level: Option<usize>,
    /// Only if this component is down when the step becomes ready.
    pub down: Option<CompId>,
    /// Only if this component is up when the step becomes ready.
    pub up: Option<CompId>,
    /// Only if this store's data is lost when the step becomes ready.
    pub lost: Option<StoreId>,
}

/// One fact about the world that a step can wait for (`wait = { ... }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitAtom {
    /// The component serves its role.
    Up(CompId),
    /// The component does not serve its role.
    Down(CompId),
    /// The power feed is up (utility power, or its UPS or generator carries it).
    Powered(CompId),
    /// No intruder is active: every attack that landed has been contained.
    Contained,
    /// The store's data is not lost (never lost, or restored).
    Restored(StoreId),
    /// The store's data is lost.
    Lost(StoreId),
    /// The business service is up.
    ServiceUp(ServiceId),
    /// The business service is down.
    ServiceDown(ServiceId),
}

/// What a step waits for before it goes to its team: any one of the clauses, each of which
/// holds when all of its facts hold (an "or" of "and"s). Empty: it waits for nothing.
pub type Wait = Vec<Vec<WaitAtom>>;

/// A set of components an effect acts on, found when the effect takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompSet {
    /// Every component an intruder holds.
    Compromised,
    /// Every component that sits on this power feed now.
    OnFeed(CompId),
}

/// What a step does to the world when it finishes.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Effect {
    /// The component's standby takes over its role.
    Failover(CompId),
    /// The component's role goes back from its standby to the component itself (only when
    /// it is up and no intruder holds it).
    FailBack(CompId),
    /// Stop every attack's spread and leak.
    Contain,
    /// Cut a component off (it goes down; the intruder cannot cross it).
    Isolate(CompId),
    /// Restore a store from its newest good backup.
    Restore(StoreId),
    /// Utility power returns to a feed.
    RestorePower(CompId),
    /// Move the load of a feed onto another feed.
    MoveLoad { from: CompId, to: CompId },
    /// Restart a component that went down (power, crash, hang).
    Restart(CompId),
    /// Repair a component: clears failure, isolation and the intruder.
    Repair(CompId),
    /// Restart every component of a set (as `Restart` each).
    RestartAll(CompSet),
    /// Repair every component of a set (as `Repair` each).
    RepairAll(CompSet),
    /// Reopen a business service after checks.
    Reopen(ServiceId),
    /// Publish a status update (shown in the trace).
    Publish(String),
    /// Declare the end of the incident.
    DeclareEnd,
}

/// Components, services, stores, faults, monitors and levels of a scenario.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// Components in name order.
    pub components: Vec<Component>,
    /// Faults in file order.
    pub faults: Vec<Fault>,
    /// Monitors in file order (empty: `[detection] delay` sees every fault).
    pub monitors: Vec<Monitor>,
    /// Levels, lowest first.
    pub levels: Vec<Level>,
    /// Components in dependency order (everything a component needs comes before it).
    pub order: Vec<CompId>,
    /// Power feeds, for each component index (None if not a feed).
    pub is_feed: Vec<bool>,
    /// Neighbours along dependencies (both directions, power infrastructure excluded), for
    /// an intruder's spread.
    pub neighbours: Vec<Vec<CompId>>,
    /// Which stores each component holds.
    pub stores_on: Vec<Vec<StoreId>>,
}
