//! Text for people, in one place: escaping for each place text is shown (HTML and XML markup,
//! a terminal, Markdown, a shell command line) and the human formatting of times.
//!
//! Names and free text in a scenario are the user's: a step id or a description may hold
//! anything TOML allows, including control characters. Every layer that shows such text goes
//! through here, so that a terminal escape in a file never reaches the terminal and a replay
//! command in a report is always safe to paste. This module imports nothing from the crate.

use std::fmt::Write as _;

/// Escape text for an HTML page (element content and attribute values).
pub fn html(s: &str) -> String {
    markup(s, Markup::Html)
}

/// Escape text for an XML document (element content and attribute values): as [`html`], but
/// the apostrophe is `&apos;`, a newline is kept as `&#10;` (so attributes keep their lines)
/// and other control characters, which XML 1.0 cannot hold, are dropped.
pub fn xml(s: &str) -> String {
    markup(s, Markup::Xml)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Markup {
    Html,
    Xml,
}

fn markup(s: &str, m: Markup) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if m == Markup::Html => out.push_str("&#39;"),
            '\'' => out.push_str("&apos;"),
            '\n' if m == Markup::Xml => out.push_str("&#10;"),
            c if m == Markup::Xml && (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` would be interpreted rather than shown by a terminal: the C0 and C1 control
/// characters and DEL (ESC starts every terminal escape sequence; C1 CSI does on some).
fn is_control(c: char) -> bool {
    c.is_control()
}

/// Lines of output made safe for a terminal: every control character but the newline and the
/// tab is written as its Rust escape. The command line sends all it prints through this, so a
/// file name with an escape sequence in it cannot drive the user's terminal.
pub fn terminal_lines(s: &str) -> String {
    if !s.chars().any(|c| is_control(c) && c != '\n' && c != '\t') {
        return s.to_string();
    }
    s.split('\n').map(printable).collect::<Vec<_>>().join("\n")
}

/// Text from a scenario made safe to print on a terminal or in Markdown: every control
/// character (ESC, BEL, carriage return, newline, tab, C1 codes, DEL) is written as its Rust
/// escape (`\u{1b}`, `\n`, `\t`), so the text stays on its line and does what it says.
/// Text without control characters is returned unchanged.
pub fn printable(s: &str) -> String {
    if !s.chars().any(is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Quote one word for a POSIX shell: unchanged when it holds only characters no shell
/// treats specially, else in single quotes (a quote inside written `'\''`). Control
/// characters are escaped first (see [`printable`]), so the command stays one line that
/// shows what it runs.
pub fn shell_word(s: &str) -> String {
    let s = printable(s);
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s;
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A command line with each word quoted for a POSIX shell.
pub fn shell_command<S: AsRef<str>>(words: &[S]) -> String {
    words.iter().map(|w| shell_word(w.as_ref())).collect::<Vec<_>>().join(" ")
}

/// Whole seconds of `minutes`, rounded; negative times keep their sign.
fn seconds(minutes: f64) -> (bool, u64) {
    let s = (minutes * 60.0).round();
    (s < 0.0, s.abs() as u64)
}

/// `h:mm:ss` of a time in minutes (e.g. since the fault): `0:30:00`, `12:05:09`, `-0:05:00`.
pub fn clock(minutes: f64) -> String {
    let (neg, s) = seconds(minutes);
    let sign = if neg && s > 0 { "-" } else { "" };
    format!("{sign}{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// The time of day `minutes` after midnight, as a wall clock `hh:mm:ss`; a later day is
/// prefixed with its offset (`+1d 02:10:00`).
pub fn wall_clock(minutes: f64) -> String {
    let (_, s) = seconds(minutes.max(0.0));
    let day = s / 86_400;
    let s = s % 86_400;
    let time = format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    if day > 0 { format!("+{day}d {time}") } else { time }
}

/// Minutes as a short human duration: `4h 51m`, `37m 18s`, `0s`.
pub fn human(minutes: f64) -> String {
    let (_, s) = seconds(minutes);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, (s / 60) % 60)
    }
}

/// A share (0 to 1) as a percent with one decimal: `0.957` reads `95.7%`.
pub fn share_pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_xml_differ_only_in_apostrophes_newlines_and_controls() {
        assert_eq!(html("a<b & \"c\" 'd'\n\u{1}"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;\n\u{1}");
        assert_eq!(xml("a<b & \"c\" 'd'\n\u{1}\t"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&#10;\t");
    }

    #[test]
    fn printable_escapes_terminal_controls_and_keeps_the_rest() {
        assert_eq!(printable("web-1 ü"), "web-1 ü");
        assert_eq!(printable("x\u{1b}[2Jy"), "x\\u{1b}[2Jy");
        assert_eq!(printable("a\nb\rc\td\u{7}\u{9b}\u{7f}"), "a\\nb\\rc\\td\\u{7}\\u{9b}\\u{7f}");
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("scenarios/plan1/compound.toml"), "scenarios/plan1/compound.toml");
        assert_eq!(shell_word("my plan.toml"), "'my plan.toml'");
        assert_eq!(shell_word("it's;rm -rf ~"), r"'it'\''s;rm -rf ~'");
        assert_eq!(shell_word("$(touch x)"), "'$(touch x)'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a\u{1b}b"), r"'a\u{1b}b'");
        assert_eq!(shell_command(&["drillsim", "trace", "a b"]), "drillsim trace 'a b'");
    }

    #[test]
    fn times_read_as_before() {
        assert_eq!(clock(0.0), "0:00:00");
        assert_eq!(clock(30.0), "0:30:00");
        assert_eq!(clock(725.15), "12:05:09");
        assert_eq!(clock(-5.0), "-0:05:00");
        assert_eq!(clock(-0.001), "0:00:00");
        assert_eq!(human(0.0), "0s");
        assert_eq!(human(37.3), "37m 18s");
        assert_eq!(human(291.0), "4h 51m");
        assert_eq!(wall_clock(180.0), "03:00:00");
        assert_eq!(wall_clock(1440.0 + 130.0), "+1d 02:10:00");
    }
}
