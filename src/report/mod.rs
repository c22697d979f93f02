//! Exporters, one per format; files are written by [`crate::output`].

pub mod charts;
pub mod content;
pub mod doc;
pub mod findings;
pub mod full;
pub mod html;
pub mod json;
pub mod markdown;
pub mod score;
pub mod terminal;
pub mod timeline;
pub mod trace;
pub mod verdict;

pub use full::{Formats, OutFile, add_to, build, write};
