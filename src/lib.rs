//! # drillsim: rehearse an emergency response plan a million times
//!
//! A scenario file describes the teams, how the incident is detected and paged, and the plan's
//! steps. The engine plays the plan against the fault many times (a Monte Carlo run), each
//! trial deterministic given `(seed, trial index)`, and summarises recovery time, time to
//! detect, to acknowledge and to close, the critical path and team utilization.
//!
//! ```
//! use std::path::Path;
//! let text = r#"
//! [detection]
//! delay = "10m"
//! page = "ops"
//!
//! [teams.ops]
//! capacity = 1
//! [teams.ops.escalation]
//! last_resort = "1h"
//! [[teams.ops.escalation.level]]
//! name = "primary"
//! ack = 1.0
//! ack_delay = "5m"
//! timeout = "15m"
//!
//! [[step]]
//! id = "fix"
//! team = "ops"
//! duration = "30m"
//! "#;
//! let sc = drillsim::scenario::load_str(Path::new("example.toml"), text).unwrap();
//! let sum = drillsim::batch::summarize_range(&sc, 42, 0..1000, None);
//! // Fixed durations: detection 10m + acknowledgement 5m + the step's 30m.
//! assert_eq!(sum.recovery.quantile(0.5), 45.0);
//! ```
//!
//! ## Layout
//!
//! Modules stand in layers; a module imports only modules of lower layers, never one beside or
//! above it (a test, `tests/it/layers.rs`, reads every `crate::` path and keeps it so):
//!
//! ```text
//! 7  report                      exporters: terminal, JSON, Markdown, HTML, charts of a run
//! 6  plot  sweep  shard          plotters charts (PNG with a bundled font, SVG)  |  variants
//!                                of a plan on common random numbers, ranked  |  shards of a
//!                                run or check on a batch engine: parts written, merged exactly
//! 5  check  compare  sensitivity  score  calibrate  worst  trials
//!                                objectives judged, paired revisions, levers re-run, drills
//!                                scored, durations fitted to drills, trials to trace, trial rows
//! 4  batch                       Monte Carlo trials in parallel, merged exactly
//! 3  stats           drill       mergeable summaries, quantiles, intervals  |  drill records
//! 2  scenario        sim         TOML -> raw -> checked model  |  one trial's engine
//! 1  model           output      the checked types, stream keys, limits  |  the file writer
//! 0  error  text                 errors with positions, escaping and formatting
//! ```
//!
//! [`scenario`] reads and checks files into the [`model`]; [`sim`] plays one trial of a model
//! and never sees a file; [`batch`] runs many trials into a [`stats::Summary`]; [`report`]
//! writes it out. The command line (`src/cli/`, in the binary) stands on top of all of them.
#![warn(missing_docs)]

pub mod batch;
pub mod calibrate;
pub mod check;
pub mod compare;
pub mod drill;
pub mod error;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod score;
pub mod sensitivity;
pub mod shard;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod text;
pub mod trials;
pub mod worst;
