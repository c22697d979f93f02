//! Summaries of many trials: bounded in memory and exactly mergeable.

pub mod interval;
pub mod sketch;
pub mod summary;
pub mod wire;

pub use sketch::{QUANTILE_RELATIVE_ERROR, Sketch};
pub use summary::Summary;
