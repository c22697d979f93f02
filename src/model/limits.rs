//! Limits that the file format, the engine and the command line agree on.
//!
//! Each is far beyond any real plan and there so that a mistaken or hostile file is refused
//! with a message instead of grinding for minutes or exhausting memory. docs/topology.md
//! lists them for users.

/// Most trials a run accepts (a billion is hours of work; beyond is a typo).
pub const MAX_TRIALS: u64 = 1_000_000_000;

/// Largest scenario file read (a plan is a few kilobytes; beyond this is not a plan).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest total over an exercise file and everything it includes.
pub const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Deepest chain of includes.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Most files one scenario reads (the exercise file and its includes together).
pub const MAX_INCLUDED_FILES: usize = 10_000;

/// Most steps of a plan.
pub const MAX_STEPS: usize = 100_000;
/// Most teams.
pub const MAX_TEAMS: usize = 10_000;
/// Largest team capacity.
pub const MAX_CAPACITY: i64 = 100_000;
/// Most levels of one team's escalation policy.
pub const MAX_ESCALATION_LEVELS: usize = 100;
/// Most extra passes over an escalation policy.
pub const MAX_REPEAT: i64 = 100;
/// Most monitors (each one draws for every fault in every trial).
pub const MAX_MONITORS: usize = 100_000;
/// Most severity levels (real schemes have four or five).
pub const MAX_SEVERITY_LEVELS: usize = 100;
/// Most dependency edges: every step's `after` entries, plus every component's `needs` and
/// `replicas` entries (each is visited by the cycle searches and by the engine).
pub const MAX_DEPENDENCY_EDGES: usize = 1_000_000;
/// Most objectives one scenario may state.
pub const MAX_OBJECTIVES: usize = 1000;
/// Longest name (of a team, step, component, ...), in bytes.
pub const MAX_NAME_BYTES: usize = 200;
