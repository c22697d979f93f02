//! All integration tests, in one binary so the suite builds and runs fast.

mod calibrate;
mod check;
mod cli;
mod cloud_kinds;
mod common;
mod compare;
mod downtime;
mod drill;
mod engine;
mod fields;
mod init;
mod invalid;
mod layers;
mod monitors;
mod no_panic;
mod output;
mod readme;
mod redundancy;
mod regressions;
mod reports;
mod score;
mod topology;
mod trace_json;
mod waits;
mod worst;
