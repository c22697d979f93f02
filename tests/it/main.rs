//! All integration tests, in one binary so the suite builds and runs fast.

mod check;
mod common;
mod compare;
mod engine;
mod reports;
mod topology;
