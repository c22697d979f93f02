//! A small document model shared by the Markdown and HTML reports, so that both say the same
//! thing in the same order and differ only in markup.

/// How good the news in a verdict is (HTML colours it and also spells it out, so a greyscale
/// print keeps the meaning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Meets its objectives.
    Good,
    /// At risk.
    Warn,
    /// Misses its objectives.
    Bad,
    /// Nothing to judge against (no RTO set).
    Info,
}

impl Tone {
    /// The word shown with a verdict by the RTO rule.
    pub fn word(self) -> &'static str {
        match self {
            Tone::Good => "MEETS RTO",
            Tone::Warn => "AT RISK",
            Tone::Bad => "MISSES RTO",
            Tone::Info => "NO RTO SET",
        }
    }

    /// The word shown with a verdict by the scenario's `[expect]` objectives.
    pub fn objectives_word(self) -> &'static str {
        match self {
            Tone::Good => "MEETS ITS OBJECTIVES",
            Tone::Warn => "NOT CERTAIN",
            Tone::Bad => "MISSES AN OBJECTIVE",
            Tone::Info => "NO OBJECTIVES",
        }
    }
}

/// One block of a report.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A heading of level 2 or 3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Para(String),
    /// The plan's verdict: its tone, the word shown with it (e.g. "MEETS RTO", "MEETS ITS
    /// OBJECTIVES") and one sentence.
    Verdict {
        /// How good the news is.
        tone: Tone,
        /// The headline word.
        word: String,
        /// The sentence.
        text: String,
    },
    /// A bulleted list.
    List(Vec<String>),
    /// A table; `numeric[i]` right-aligns column `i`.
    Table {
        /// Column titles.
        head: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
        /// Right-aligned columns.
        numeric: Vec<bool>,
    },
    /// A chart by file stem, with its title as alt text.
    Chart {
        /// File stem (`<name>.svg`, `<name>.png`).
        name: String,
        /// Alt text.
        title: String,
    },
    /// A command line or other verbatim text.
    Code(String),
}

/// A whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// Title (the page's heading).
    pub title: String,
    /// Blocks in order.
    pub blocks: Vec<Block>,
}

/// A table's head from its column names.
pub fn heads(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}
