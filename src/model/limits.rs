//! Limits that the file format, the engine and the command line agree on.

/// Most trials a run accepts (a billion is hours of work; beyond is a typo).
pub const MAX_TRIALS: u64 = 1_000_000_000;
