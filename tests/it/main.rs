//! All integration tests, in one binary so the suite builds and runs fast.

mod cli;
mod common;
mod engine;
mod invalid;
mod no_panic;
mod readme;
