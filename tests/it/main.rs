//! All integration tests, in one binary so the suite builds and runs fast.

mod common;
mod engine;
mod reports;
