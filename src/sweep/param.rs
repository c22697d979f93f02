//! `--vary` as written: `KIND.NAME.FIELD=VALUES`, `*=` or `+=`, and the variants that every
//! combination of several of them makes.
//!
//! ```text
//! teams.ops.capacity=1..3                    set: 1, 2, 3 (an inclusive range of whole numbers)
//! teams.ops.capacity+=0,1,2                  add to the file's value
//! steps.restore-db.duration*=0.5,0.75,1      scale every draw of the duration
//! steps.restore-db.duration+=0m,30m          add to every draw
//! stores.orders.backup_interval=15m,1h,4h    set a duration
//! detection.delay*=0.5,1                     [detection] has no name
//! ```
//!
//! The fields are [`crate::scenario::vary::FIELDS`]. A value is checked here as far as it can
//! be without the scenario (a duration's unit, a factor above 0); whether the scenario has
//! the team or step, and whether the value is valid for it, is checked when the variant is
//! made, with the file's own message.

use crate::scenario::duration::parse_minutes;
use crate::scenario::vary::{self, Edit, Field, KINDS, Kind, Op, Target, ValueKind, probability_value};

/// Most variants one sweep runs (the product of the `--vary` value counts, plus `--variant`
/// files): each is a full run of the trials, and beyond this the table stops being read.
pub const MAX_VARIANTS: usize = 500;

/// One `--vary`: a target and the changes tried on it, in the order written.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// As written (trimmed).
    pub text: String,
    /// What is changed.
    pub target: Target,
    /// One change per value.
    pub ops: Vec<Op>,
}

impl Vary {
    /// The value of change `i` as a number for a chart's axis: the whole number, probability,
    /// minutes (of a set duration or of a `+=`) or factor.
    pub fn axis_value(&self, i: usize) -> f64 {
        match &self.ops[i] {
            Op::Scale(k) => *k,
            Op::Add(d) => *d,
            Op::Set(v) => match self.target.field.value {
                ValueKind::Whole => v.trim().parse::<f64>().unwrap_or(f64::NAN),
                ValueKind::Probability => probability_value(v).unwrap_or(f64::NAN),
                ValueKind::Duration | ValueKind::FixedDuration => parse_minutes(v).unwrap_or(f64::NAN),
            },
        }
    }

    /// The operator as written: `=`, `*=` or `+=`.
    pub fn operator(&self) -> &'static str {
        match self.ops.first() {
            Some(Op::Scale(_)) => "*=",
            Some(Op::Add(_)) => "+=",
            _ => "=",
        }
    }
}

/// A `--vary` that cannot be read, with what to write instead.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("--vary '{text}': {message}\n  help: {help}")]
pub struct ParamError {
    /// The flag's value as written.
    pub text: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

const FORM: &str =
    "write KIND.NAME.FIELD=VALUES, e.g. teams.ops.capacity=1..3, steps.restore-db.duration*=0.5,1 or stores.orders.backup_interval=15m,1h";

/// Most values one `--vary` lists (a range included).
const MAX_VALUES: usize = MAX_VARIANTS;

/// Read one `--vary`.
pub fn parse(text: &str) -> Result<Vary, ParamError> {
    let text = text.trim();
    let fail = |message: String, help: &str| failure(text, message, help);
    let Some(eq) = text.find('=') else {
        return Err(fail("no `=`, `*=` or `+=`".into(), FORM));
    };
    let (path, op) = match text[..eq].chars().last() {
        Some('*') => (&text[..eq - 1], "*="),
        Some('+') => (&text[..eq - 1], "+="),
        _ => (&text[..eq], "="),
    };
    let (kind, name, field_word) = split_path(text, path.trim())?;
    let field = vary::field(kind, field_word).map_err(|m| fail(m, FORM))?;
    check_op(text, kind, field, op)?;
    let ops = values(text, field, op, &text[eq + 1..])?;
    Ok(Vary {
        text: text.to_string(),
        target: Target {
            field,
            name: name.to_string(),
        },
        ops,
    })
}

fn failure(text: &str, message: String, help: &str) -> ParamError {
    ParamError {
        text: text.to_string(),
        message,
        help: help.to_string(),
    }
}

/// `KIND.NAME.FIELD` (or `detection.FIELD`) as its kind, name and field word.
fn split_path<'p>(text: &str, path: &'p str) -> Result<(Kind, &'p str, &'p str), ParamError> {
    let fail = |message: String, help: &str| failure(text, message, help);
    let kind_word = path.split('.').next().unwrap_or("");
    let Some(kind) = Kind::parse(kind_word) else {
        let kinds: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
        let close = kinds.iter().find(|k| crate::error::similar(k, kind_word));
        let help = match close {
            Some(k) => format!("did you mean `{k}`? kinds: {}", kinds.join(", ")),
            None => format!("kinds: {}; {FORM}", kinds.join(", ")),
        };
        return Err(fail(format!("unknown kind `{kind_word}`"), &help));
    };
    let (name, field_word) = if kind == Kind::Detection {
        let rest = &path[kind_word.len()..];
        match rest.strip_prefix('.') {
            Some(f) if !f.is_empty() && !f.contains('.') => ("", f),
            _ => {
                return Err(fail(
                    "detection has no name: write detection.FIELD".into(),
                    "e.g. detection.delay*=0.5,1 (fields: delay, miss, fallback)",
                ));
            }
        }
    } else {
        let rest = path[kind_word.len()..].strip_prefix('.').unwrap_or("");
        match rest.rsplit_once('.') {
            Some((n, f)) if !n.is_empty() && !f.is_empty() => (n, f),
            _ => {
                return Err(fail(
                    format!("`{path}` names no {} and field", kind.what()),
                    &format!("write {}.NAME.FIELD, e.g. {}", kind.as_str(), example(kind)),
                ));
            }
        }
    };
    Ok((kind, name, field_word))
}

/// The operator applies to the field's values: `*=` scales durations, `+=` adds to durations
/// and whole numbers, a probability is only set.
fn check_op(text: &str, kind: Kind, field: Field, op: &str) -> Result<(), ParamError> {
    let allowed = match field.value {
        ValueKind::Whole => op != "*=",
        ValueKind::Probability => op == "=",
        ValueKind::Duration | ValueKind::FixedDuration => true,
    };
    if !allowed {
        let (what, ops) = match field.value {
            ValueKind::Whole => ("a whole number", "`=` or `+=`"),
            _ => ("a probability", "`=`"),
        };
        return Err(failure(
            text,
            format!("`{}` is {what}: `{op}` does not apply", field.name),
            &format!("use {ops}, e.g. {}", example(kind)),
        ));
    }
    Ok(())
}

/// The comma-separated values (a range `a..b` of whole numbers among them) as operations,
/// each listed once.
fn values(text: &str, field: Field, op: &str, values: &str) -> Result<Vec<Op>, ParamError> {
    let fail = |message: String, help: &str| failure(text, message, help);
    let mut ops = Vec::new();
    for v in values.split(',') {
        let v = v.trim();
        if v.is_empty() {
            return Err(fail(
                "an empty value".into(),
                "list values separated by commas, e.g. 1,2,3 (or a range 1..3)",
            ));
        }
        if let Some((a, b)) = v.split_once("..") {
            if field.value != ValueKind::Whole {
                return Err(fail(
                    format!("`{v}`: a range is for whole numbers"),
                    "list the values, e.g. 0.5,0.75,1 or 15m,1h,4h",
                ));
            }
            let (Ok(a), Ok(b)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) else {
                return Err(fail(
                    format!("`{v}` is not a range of whole numbers"),
                    "write e.g. 1..3 (1, 2 and 3)",
                ));
            };
            if a > b {
                return Err(fail(format!("range `{v}` is empty"), &format!("write the smaller first: {b}..{a}")));
            }
            let span = b.abs_diff(a);
            if span >= MAX_VALUES as u64 {
                return Err(fail(
                    format!("range `{v}` has {} values", span.saturating_add(1)),
                    &format!("a sweep runs at most {MAX_VARIANTS} variants; take a step, e.g. list 1,5,10"),
                ));
            }
            for x in a..=b {
                ops.push(whole_op(op, x));
            }
            continue;
        }
        ops.push(value_op(op, field.value, v).map_err(|(m, h)| fail(m, &h))?);
        if ops.len() > MAX_VALUES {
            return Err(fail(format!("more than {MAX_VALUES} values"), "a sweep runs at most 500 variants"));
        }
    }
    for (i, o) in ops.iter().enumerate() {
        if ops[..i].contains(o) {
            return Err(fail(
                format!("a value is listed twice ({})", op_value(o, field.value)),
                "list each value once",
            ));
        }
    }
    Ok(ops)
}

fn example(kind: Kind) -> &'static str {
    match kind {
        Kind::Teams => "teams.ops.capacity=1..3",
        Kind::Steps => "steps.restore-db.duration*=0.5,0.75,1",
        Kind::Stores => "stores.orders.backup_interval=15m,1h,4h",
        Kind::Detection => "detection.delay*=0.5,1",
        Kind::Monitors => "monitors.uptime.delay=1m,5m",
    }
}

fn whole_op(op: &str, x: i64) -> Op {
    if op == "+=" { Op::Add(x as f64) } else { Op::Set(x.to_string()) }
}

/// One value of a flag as a change.
fn value_op(op: &str, kind: ValueKind, v: &str) -> Result<Op, (String, String)> {
    match (kind, op) {
        (ValueKind::Whole, _) => v
            .parse::<i64>()
            .map(|x| whole_op(op, x))
            .map_err(|_| (format!("`{v}` is not a whole number"), "write e.g. 1,2,3 or a range 1..3".into())),
        (ValueKind::Probability, _) => match probability_value(v) {
            Some(p) if (0.0..=1.0).contains(&p) => Ok(Op::Set(v.to_string())),
            _ => Err((
                format!("`{v}` is not a probability"),
                "write a number from 0 to 1, or a percentage: 0.05 or 5%".into(),
            )),
        },
        (_, "*=") => match v.parse::<f64>() {
            Ok(k) if k > 0.0 && k.is_finite() => Ok(Op::Scale(k)),
            _ => Err((
                format!("`{v}` is not a factor above 0"),
                "`*=` multiplies every duration: write e.g. 0.5,0.75,1 (1 keeps the file's)".into(),
            )),
        },
        (_, "+=") => match parse_minutes(v) {
            Ok(m) => Ok(Op::Add(m)),
            Err(m) => Err((m, "`+=` adds a duration to every draw: write e.g. 0m,15m,30m".into())),
        },
        _ => match parse_minutes(v) {
            Ok(_) => Ok(Op::Set(v.to_string())),
            Err(m) => Err((m, "`=` sets a fixed duration: write e.g. 15m,1h,4h".into())),
        },
    }
}

/// A change's value as written after the operator.
pub fn op_value(o: &Op, kind: ValueKind) -> String {
    match o {
        Op::Set(v) => v.clone(),
        Op::Scale(k) => k.to_string(),
        Op::Add(d) if kind == ValueKind::Whole => d.to_string(),
        Op::Add(d) => vary::minutes_text(*d),
    }
}

/// One variant of a sweep: the edits to make, and per flag the index of its value.
pub type Combination = (Vec<Edit>, Vec<usize>);

/// Every combination of the flags' values (the first flag's value changing slowest), each as
/// the edits to make and the index of each flag's value. Refused above [`MAX_VARIANTS`]
/// (counting `extra` named variants), and when two flags change the same field.
pub fn combinations(varies: &[Vary], extra: usize) -> Result<Vec<Combination>, ParamError> {
    for (i, v) in varies.iter().enumerate() {
        if let Some(w) = varies[..i].iter().find(|w| w.target == v.target) {
            return Err(ParamError {
                text: v.text.clone(),
                message: format!("changes {} again (also '{}')", v.target.text(), w.text),
                help: "give each field one --vary, with all its values".into(),
            });
        }
    }
    let mut total: usize = if varies.is_empty() { 0 } else { 1 };
    for v in varies {
        total = total.saturating_mul(v.ops.len());
    }
    if total.saturating_add(extra) > MAX_VARIANTS {
        let counts: Vec<String> = varies.iter().map(|v| v.ops.len().to_string()).collect();
        return Err(ParamError {
            text: varies.iter().map(|v| v.text.as_str()).collect::<Vec<_>>().join("' --vary '"),
            message: format!(
                "{} variants ({}{}); a sweep runs at most {MAX_VARIANTS}",
                total.saturating_add(extra),
                counts.join(" x "),
                if extra > 0 { format!(" + {extra} files") } else { String::new() }
            ),
            help: "list fewer values, or sweep one field at a time".into(),
        });
    }
    let mut out = Vec::with_capacity(total);
    for n in 0..total {
        let mut idx = vec![0; varies.len()];
        let mut rest = n;
        for (j, v) in varies.iter().enumerate().rev() {
            idx[j] = rest % v.ops.len();
            rest /= v.ops.len();
        }
        let edits = varies
            .iter()
            .zip(&idx)
            .map(|(v, &i)| Edit {
                target: v.target.clone(),
                op: v.ops[i].clone(),
            })
            .collect();
        out.push((edits, idx));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ParamError {
        parse(text).expect_err(text)
    }

    #[test]
    fn every_form() {
        let v = parse("teams.ops.capacity=1..3").unwrap();
        assert_eq!(v.target.text(), "teams.ops.capacity");
        assert_eq!(v.ops, vec![Op::Set("1".into()), Op::Set("2".into()), Op::Set("3".into())]);
        assert_eq!((0..3).map(|i| v.axis_value(i)).collect::<Vec<_>>(), vec![1.0, 2.0, 3.0]);
        let v = parse("teams.ops.capacity+=0,2").unwrap();
        assert_eq!(v.ops, vec![Op::Add(0.0), Op::Add(2.0)]);
        let v = parse(" steps.restore-db.duration*=0.5, 0.75,1 ").unwrap();
        assert_eq!(v.target.name, "restore-db");
        assert_eq!(v.ops, vec![Op::Scale(0.5), Op::Scale(0.75), Op::Scale(1.0)]);
        assert_eq!(v.operator(), "*=");
        let v = parse("steps.restore-db.duration+=0m,1h30m").unwrap();
        assert_eq!(v.ops, vec![Op::Add(0.0), Op::Add(90.0)]);
        let v = parse("stores.orders.backup_interval=15m,1h,4h").unwrap();
        assert_eq!(v.ops[2], Op::Set("4h".into()));
        assert_eq!(v.axis_value(1), 60.0);
        let v = parse("detection.delay*=0.5").unwrap();
        assert_eq!(v.target.text(), "detection.delay");
        let v = parse("steps.fix.fail=0,5%,0.1").unwrap();
        assert_eq!(v.axis_value(1), 0.05);
        // A name may hold dots: the field is after the last one.
        let v = parse("steps.db.restore.v2.duration*=2").unwrap();
        assert_eq!(v.target.name, "db.restore.v2");
        let v = parse("teams.ops.ack-delay*=0.5").unwrap();
        assert_eq!(v.target.field.name, "ack_delay");
        let v = parse("stores.orders.keep=1..2").unwrap();
        assert_eq!(v.ops.len(), 2);
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let e = err("teams.ops.capacity");
        assert!(e.message.contains("no `=`") && e.help.contains("KIND.NAME.FIELD=VALUES"), "{e}");
        let e = err("team.ops.capacity=1");
        assert!(e.help.contains("did you mean `teams`"), "{e}");
        let e = err("teams.ops.capacty=1");
        assert!(e.message.contains("did you mean `capacity`"), "{e}");
        let e = err("teams.capacity=1");
        assert!(e.message.contains("names no team and field"), "{e}");
        let e = err("teams.ops.capacity*=2");
        assert!(e.message.contains("whole number") && e.help.contains("`+=`"), "{e}");
        let e = err("steps.fix.fail*=2");
        assert!(e.message.contains("probability"), "{e}");
        let e = err("teams.ops.capacity=3..1");
        assert!(e.message.contains("empty") && e.help.contains("1..3"), "{e}");
        let e = err("teams.ops.capacity=1..1000");
        assert!(e.message.contains("1000 values"), "{e}");
        let e = err("steps.fix.duration*=0,1");
        assert!(e.message.contains("factor above 0"), "{e}");
        let e = err("steps.fix.duration*=0.5..1");
        assert!(e.message.contains("range is for whole numbers"), "{e}");
        let e = err("stores.orders.backup_interval=15");
        assert!(e.message.contains("no unit"), "{e}");
        let e = err("steps.fix.duration+=-5m");
        assert!(e.message.contains("negative"), "{e}");
        let e = err("steps.fix.fail=1.5");
        assert!(e.message.contains("not a probability"), "{e}");
        let e = err("teams.ops.capacity=1,,2");
        assert!(e.message.contains("empty value"), "{e}");
        let e = err("teams.ops.capacity=1,1");
        assert!(e.message.contains("twice"), "{e}");
        let e = err("detection.ops.delay=1m");
        assert!(e.message.contains("detection has no name"), "{e}");
        let e = err("teams.ops.capacity=x");
        assert!(e.message.contains("not a whole number"), "{e}");
        assert!(e.to_string().starts_with("--vary 'teams.ops.capacity=x': "), "{e}");
    }

    proptest::proptest! {
        /// Any text is read or refused with a message, never a panic.
        #[test]
        fn any_text_is_read_or_refused(t in "[a-z.*+=,0-9mh%-]{0,40}|\\PC{0,30}") {
            if let Err(e) = parse(&t) {
                proptest::prop_assert!(!e.message.is_empty() && !e.help.is_empty());
            }
        }
    }

    #[test]
    fn extreme_ranges_are_refused_not_overflowed() {
        let e = err("teams.ops.capacity=-9223372036854775808..9223372036854775807");
        assert!(e.message.contains("values"), "{e}");
    }

    #[test]
    fn combinations_are_cartesian_and_capped() {
        let a = parse("teams.ops.capacity=1..3").unwrap();
        let b = parse("steps.fix.duration*=0.5,1").unwrap();
        let all = combinations(&[a.clone(), b.clone()], 0).unwrap();
        assert_eq!(all.len(), 6);
        assert_eq!(all[0].1, vec![0, 0]);
        assert_eq!(all[1].1, vec![0, 1]);
        assert_eq!(all[5].1, vec![2, 1]);
        assert_eq!(all[3].0[0].text(), "teams.ops.capacity=2");
        assert_eq!(all[3].0[1].text(), "steps.fix.duration*=1");
        assert!(combinations(&[], 3).unwrap().is_empty());
        let big = parse("teams.ops.capacity=1..100").unwrap();
        let c = parse("steps.fix.duration*=1,2,3,4,5,6").unwrap();
        let e = combinations(&[big, c], 0).unwrap_err();
        assert!(e.message.contains("600 variants (100 x 6)"), "{e}");
        let e = combinations(&[a.clone(), parse("teams.ops.capacity+=1").unwrap()], 0).unwrap_err();
        assert!(e.message.contains("again"), "{e}");
        let e = combinations(&[a], 498).unwrap_err();
        assert!(e.message.contains("501 variants"), "{e}");
    }
}
