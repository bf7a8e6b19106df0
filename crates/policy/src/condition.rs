//! The `Condition` element: operators, their compiled values and how a request context satisfies
//! them (IAM User Guide, "IAM JSON policy elements: Condition operators" and "Single-valued vs.
//! multivalued context keys").
//!
//! A block `{ Operator: { Key: value | [values] } }` becomes one [`Condition`] per (operator, key)
//! pair; all of a statement's conditions must hold. For one condition:
//! - the policy values are OR'ed: a context value *matches* when it matches any of them; the
//!   negated operators (`StringNotEquals`, `StringNotEqualsIgnoreCase`, `StringNotLike`,
//!   `NumericNotEquals`, `DateNotEquals`, `NotIpAddress`, `ArnNotEquals`, `ArnNotLike`) hold when
//!   it matches none of them;
//! - key absent (or an empty list): positive operators are false, negated ones true (the User
//!   Guide's "Important" note), `…IfExists` true, `ForAllValues:` true, `ForAnyValue:` false;
//!   `Null` is `"true"` iff the key is absent;
//! - `ForAnyValue:` holds when at least one context value satisfies the operator (negation applied
//!   per value), `ForAllValues:` when every one does;
//! - a multivalued context value under an operator without a set prefix is read as "any value
//!   matches" for the positive operators, and the negated operators are exactly their complement
//!   (true iff no context value matches any policy value);
//! - a policy variable (2012-10-17; String, Bool and ARN operators only, as the User Guide lists)
//!   without a value or default makes the whole condition false, negated or not, when the key is
//!   present (an absent key is decided by the rule above before any variable is looked at).
//!
//! Conversions: `Numeric…` parse as `f64`; `Date…` take ISO 8601 (`2026-01-01T00:00:00Z`,
//! fractions, offsets, `2026-01-01`) or epoch seconds; `Bool` is `true`/`false` in any case;
//! `IpAddress` takes a CIDR or a single address, IPv4 or IPv6; `BinaryEquals` compares the
//! base64-decoded bytes. A policy value that does not convert never matches, and neither does a
//! context value (so the negated forms are true for it).

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ipnet::IpNet;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::context::{Context, ContextValue};
use crate::pattern::{self, Syntax, Template, Tok};

/// One (operator, key) pair of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator as written, e.g. `ForAnyValue:StringLike`.
    pub operator: String,
    /// The condition key as written, e.g. `aws:SourceIp`.
    pub key: String,
    /// The policy values, stringified (`5`, `true`).
    pub values: Vec<String>,
    compiled: Compiled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    None,
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, context: T, policy: T) -> bool {
        match self {
            Cmp::Eq => context == policy,
            Cmp::Lt => context < policy,
            Cmp::Le => context <= policy,
            Cmp::Gt => context > policy,
            Cmp::Ge => context >= policy,
        }
    }
}

/// An `ArnLike` value: six colon-separated parts (the last keeps any further colons), or, when the
/// value has fewer parts (`"*"`), one pattern for the whole ARN.
#[derive(Debug, Clone, PartialEq)]
enum ArnPattern {
    Parts(Box<[Template; 6]>),
    Whole(Template),
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    String(Vec<Template>),
    StringIgnoreCase(Vec<Template>),
    StringLike(Vec<Template>),
    Numeric(Cmp, Vec<Option<f64>>),
    Date(Cmp, Vec<Option<i128>>),
    Bool(Vec<Template>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Option<IpNet>>),
    Arn(Vec<ArnPattern>),
    Null(Vec<Option<bool>>),
}

#[derive(Debug, Clone, PartialEq)]
struct Compiled {
    key_lower: String,
    set: SetOp,
    if_exists: bool,
    negated: bool,
    test: Test,
}

/// Why an operator name was refused.
pub(crate) struct UnknownOperator;

impl Condition {
    /// Compiles one (operator, key, values) triple; `variables` is `true` for Version 2012-10-17.
    pub(crate) fn compile(
        operator: &str,
        key: &str,
        values: Vec<String>,
        variables: bool,
    ) -> Result<Condition, UnknownOperator> {
        let (set, base) = if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
            (SetOp::AnyValue, rest)
        } else if let Some(rest) = operator.strip_prefix("ForAllValues:") {
            (SetOp::AllValues, rest)
        } else {
            (SetOp::None, operator)
        };
        let (if_exists, base) = match base.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, base),
        };
        let exact = Syntax { wildcards: false, variables };
        let like = Syntax { wildcards: true, variables };
        let templates = |syntax: Syntax| values.iter().map(|v| Template::parse(v, syntax)).collect::<Vec<_>>();
        let numbers = || values.iter().map(|v| v.trim().parse::<f64>().ok()).collect::<Vec<_>>();
        let dates = || values.iter().map(|v| parse_date(v)).collect::<Vec<_>>();
        let (negated, test) = match base {
            "StringEquals" => (false, Test::String(templates(exact))),
            "StringNotEquals" => (true, Test::String(templates(exact))),
            "StringEqualsIgnoreCase" => (false, Test::StringIgnoreCase(templates(exact))),
            "StringNotEqualsIgnoreCase" => (true, Test::StringIgnoreCase(templates(exact))),
            "StringLike" => (false, Test::StringLike(templates(like))),
            "StringNotLike" => (true, Test::StringLike(templates(like))),
            "NumericEquals" => (false, Test::Numeric(Cmp::Eq, numbers())),
            "NumericNotEquals" => (true, Test::Numeric(Cmp::Eq, numbers())),
            "NumericLessThan" => (false, Test::Numeric(Cmp::Lt, numbers())),
            "NumericLessThanEquals" => (false, Test::Numeric(Cmp::Le, numbers())),
            "NumericGreaterThan" => (false, Test::Numeric(Cmp::Gt, numbers())),
            "NumericGreaterThanEquals" => (false, Test::Numeric(Cmp::Ge, numbers())),
            "DateEquals" => (false, Test::Date(Cmp::Eq, dates())),
            "DateNotEquals" => (true, Test::Date(Cmp::Eq, dates())),
            "DateLessThan" => (false, Test::Date(Cmp::Lt, dates())),
            "DateLessThanEquals" => (false, Test::Date(Cmp::Le, dates())),
            "DateGreaterThan" => (false, Test::Date(Cmp::Gt, dates())),
            "DateGreaterThanEquals" => (false, Test::Date(Cmp::Ge, dates())),
            "Bool" => (false, Test::Bool(templates(exact))),
            "BinaryEquals" => (false, Test::Binary(values.iter().map(|v| decode_binary(v)).collect())),
            "IpAddress" => (false, Test::Ip(values.iter().map(|v| parse_net(v)).collect())),
            "NotIpAddress" => (true, Test::Ip(values.iter().map(|v| parse_net(v)).collect())),
            "ArnEquals" | "ArnLike" => (false, Test::Arn(values.iter().map(|v| arn_pattern(v, like)).collect())),
            "ArnNotEquals" | "ArnNotLike" => (true, Test::Arn(values.iter().map(|v| arn_pattern(v, like)).collect())),
            "Null" if !if_exists && set == SetOp::None => {
                (false, Test::Null(values.iter().map(|v| parse_bool(v)).collect()))
            }
            _ => return Err(UnknownOperator),
        };
        let compiled = Compiled { key_lower: key.to_lowercase(), set, if_exists, negated, test };
        Ok(Condition { operator: operator.to_string(), key: key.to_string(), values, compiled })
    }

    /// The policy variables the condition's values use, as written.
    pub(crate) fn variables(&self) -> Vec<&str> {
        let templates: Vec<&Template> = match &self.compiled.test {
            Test::String(ts) | Test::StringIgnoreCase(ts) | Test::StringLike(ts) | Test::Bool(ts) => {
                ts.iter().collect()
            }
            Test::Arn(ps) => ps
                .iter()
                .flat_map(|p| match p {
                    ArnPattern::Parts(parts) => parts.iter().collect::<Vec<_>>(),
                    ArnPattern::Whole(t) => vec![t],
                })
                .collect(),
            Test::Numeric(..) | Test::Date(..) | Test::Binary(_) | Test::Ip(_) | Test::Null(_) => Vec::new(),
        };
        templates.into_iter().flat_map(Template::variables).collect()
    }

    /// Whether the condition holds. Keys (and variables) it needed that the context lacks are
    /// added to `missing`.
    pub fn evaluate<'a>(&'a self, context: &'a Context, missing: &mut Vec<&'a str>) -> bool {
        let c = &self.compiled;
        let values = context.get_lower(&c.key_lower).map(ContextValue::values).filter(|v| !v.is_empty());
        if let Test::Null(expected) = &c.test {
            let absent = values.is_none();
            return expected.contains(&Some(absent));
        }
        let Some(values) = values else {
            pattern::note(missing, &self.key);
            return match c.set {
                _ if c.if_exists => true,
                SetOp::AllValues => true,
                SetOp::AnyValue => false,
                SetOp::None => c.negated,
            };
        };
        // `None`: a policy variable could not be resolved.
        let mut unresolved = false;
        let mut matched = |v: &str| match self.matches(v, context, missing) {
            Some(m) => m,
            None => {
                unresolved = true;
                false
            }
        };
        let result = match c.set {
            SetOp::None => values.iter().any(|v| matched(v)) != c.negated,
            SetOp::AnyValue => values.iter().any(|v| matched(v) != c.negated),
            SetOp::AllValues => values.iter().all(|v| matched(v) != c.negated),
        };
        result && !unresolved
    }

    /// Whether one context value matches any policy value (before negation). `None` when a
    /// policy variable has no value.
    fn matches<'a>(&'a self, v: &str, context: &'a Context, missing: &mut Vec<&'a str>) -> Option<bool> {
        Some(match &self.compiled.test {
            Test::String(ts) => any_template(ts, context, missing, |toks| pattern::equals(toks, v))?,
            Test::StringIgnoreCase(ts) => {
                any_template(ts, context, missing, |toks| pattern::equals_ignore_case(toks, v))?
            }
            Test::StringLike(ts) => any_template(ts, context, missing, |toks| pattern::glob(toks, v, false))?,
            Test::Bool(ts) => match parse_bool(v) {
                Some(b) => {
                    let text = if b { "true" } else { "false" };
                    any_template(ts, context, missing, |toks| pattern::equals_ignore_case(toks, text))?
                }
                None => false,
            },
            Test::Arn(ps) => {
                let mut parts = v.splitn(6, ':');
                let split: [Option<&str>; 6] = std::array::from_fn(|_| parts.next());
                let complete = split.iter().all(Option::is_some);
                let mut any = false;
                for p in ps {
                    any |= match p {
                        ArnPattern::Whole(t) => {
                            t.with_tokens(context, missing, |toks| pattern::glob(toks, v, false))?
                        }
                        ArnPattern::Parts(pats) => {
                            let mut all = complete;
                            for (pat, part) in pats.iter().zip(split) {
                                let part = part.unwrap_or("");
                                all &= pat.with_tokens(context, missing, |toks| pattern::glob(toks, part, false))?;
                            }
                            all
                        }
                    };
                }
                any
            }
            Test::Numeric(cmp, ps) => match v.trim().parse::<f64>() {
                Ok(n) => ps.iter().flatten().any(|p| cmp.holds(n, *p)),
                Err(_) => false,
            },
            Test::Date(cmp, ps) => match parse_date(v) {
                Some(d) => ps.iter().flatten().any(|p| cmp.holds(d, *p)),
                None => false,
            },
            Test::Ip(nets) => match v.trim().parse::<IpAddr>() {
                Ok(ip) => nets.iter().flatten().any(|n| n.contains(&ip)),
                Err(_) => false,
            },
            Test::Binary(ps) => ps.contains(&decode_binary(v)),
            Test::Null(_) => false,
        })
    }
}

/// Whether any of `templates`, resolved, satisfies `f`; `None` when a variable has no value.
fn any_template<'a>(
    templates: &'a [Template],
    context: &'a Context,
    missing: &mut Vec<&'a str>,
    f: impl Fn(&[Tok<'_>]) -> bool,
) -> Option<bool> {
    let mut any = false;
    for t in templates {
        any |= t.with_tokens(context, missing, |toks| f(toks))?;
    }
    Some(any)
}

fn parse_bool(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_net(v: &str) -> Option<IpNet> {
    let v = v.trim();
    v.parse::<IpNet>().ok().or_else(|| v.parse::<IpAddr>().ok().map(IpNet::from))
}

fn decode_binary(v: &str) -> Vec<u8> {
    BASE64.decode(v.trim()).unwrap_or_else(|_| v.as_bytes().to_vec())
}

/// Splits an ARN pattern into six parts at colons outside `${…}` variables.
fn arn_pattern(v: &str, syntax: Syntax) -> ArnPattern {
    let mut cuts = Vec::with_capacity(5);
    let mut depth = false;
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() && cuts.len() < 5 {
        match bytes[i] {
            b'$' if syntax.variables && bytes.get(i + 1) == Some(&b'{') => depth = v[i..].contains('}'),
            b'}' => depth = false,
            b':' if !depth => cuts.push(i),
            _ => {}
        }
        i += 1;
    }
    if cuts.len() < 5 {
        return ArnPattern::Whole(Template::parse(v, syntax));
    }
    let mut start = 0;
    let parts: [Template; 6] = std::array::from_fn(|n| {
        let end = cuts.get(n).copied().unwrap_or(v.len());
        let t = Template::parse(&v[start..end], syntax);
        start = end + 1;
        t
    });
    ArnPattern::Parts(Box::new(parts))
}

/// Epoch seconds (`1767225600`, `-5`, `1767225600.25`) in nanoseconds, without float rounding.
fn parse_epoch(v: &str) -> Option<i128> {
    let (negative, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || whole.len() > 20 || frac.contains('.') {
        return None;
    }
    let secs: i128 = whole.parse().ok()?;
    let frac = &frac[..frac.len().min(9)];
    let nanos: i128 = if frac.is_empty() { 0 } else { frac.parse::<i128>().ok()? * 10i128.pow(9 - frac.len() as u32) };
    let total = secs * 1_000_000_000 + nanos;
    Some(if negative { -total } else { total })
}

/// An instant in nanoseconds since the epoch: ISO 8601 (date, or date and time with optional
/// seconds, fraction and offset; no offset means UTC) or epoch seconds.
pub(crate) fn parse_date(v: &str) -> Option<i128> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') && !v[1..].contains('-') {
        return parse_epoch(v);
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = v.get(range)?;
        if s.bytes().all(|c| c.is_ascii_digit()) { s.parse().ok() } else { None }
    };
    if v.get(4..5) != Some("-") || v.get(7..8) != Some("-") {
        return None;
    }
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(num(8..10)?).ok()?).ok()?;
    let mut rest = &v[10..];
    let mut time = Time::MIDNIGHT;
    let mut offset = UtcOffset::UTC;
    if let Some(t) = rest.strip_prefix(['T', 't', ' ']) {
        let two = |s: Option<&str>| -> Option<u8> {
            let s = s?;
            if s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit()) { s.parse().ok() } else { None }
        };
        let hour = two(t.get(0..2))?;
        if t.get(2..3) != Some(":") {
            return None;
        }
        let minute = two(t.get(3..5))?;
        let mut second = 0;
        let mut nanos = 0u32;
        rest = &t[5..];
        if let Some(s) = rest.strip_prefix(':') {
            second = two(s.get(0..2))?;
            rest = &s[2..];
            if let Some(f) = rest.strip_prefix(['.', ',']) {
                let digits = f.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let frac = &f[..digits.min(9)];
                nanos = frac.parse::<u32>().ok()? * 10u32.pow(9 - u32::try_from(frac.len()).ok()?);
                rest = &f[digits..];
            }
        }
        time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
        offset = match rest {
            "" | "Z" | "z" => UtcOffset::UTC,
            _ => {
                let (sign, o) = if let Some(o) = rest.strip_prefix('+') {
                    (1i8, o)
                } else if let Some(o) = rest.strip_prefix('-') {
                    (-1i8, o)
                } else {
                    return None;
                };
                let (h, m) = match o.len() {
                    2 => (two(Some(o))?, 0),
                    4 => (two(o.get(0..2))?, two(o.get(2..4))?),
                    5 if o.get(2..3) == Some(":") => (two(o.get(0..2))?, two(o.get(3..5))?),
                    _ => return None,
                };
                let h = i8::try_from(h).ok()?;
                let m = i8::try_from(m).ok()?;
                UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
            }
        };
    } else if !rest.is_empty() {
        return None;
    }
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset).unix_timestamp_nanos())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn dates_parse() {
        let base = 1_767_225_600i128 * 1_000_000_000; // 2026-01-01T00:00:00Z
        let cases: &[(&str, Option<i128>)] = &[
            ("2026-01-01T00:00:00Z", Some(base)),
            ("2026-01-01", Some(base)),
            ("2026-01-01T00:00Z", Some(base)),
            ("2026-01-01T00:00:00", Some(base)),
            ("2026-01-01t00:00:00z", Some(base)),
            ("2026-01-01T00:00:00.5Z", Some(base + 500_000_000)),
            ("2026-01-01T00:00:00.123456789123Z", Some(base + 123_456_789)),
            ("2026-01-01T01:00:00+01:00", Some(base)),
            ("2025-12-31T23:00:00-0100", Some(base)),
            ("2026-01-01T05:30:00+05", Some(base + 30 * 60 * 1_000_000_000)),
            ("1767225600", Some(base)),
            ("1767225600.25", Some(base + 250_000_000)),
            ("0", Some(0)),
            ("", None),
            ("yesterday", None),
            ("2026-13-01", None),
            ("2026-02-30", None),
            ("2026-01-01T25:00:00Z", None),
            ("2026-01-01T00:00:00+1", None),
            ("2026-01-01X", None),
            ("2026-01-01T00:00:00.Z", None),
            ("1-2", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_date(s), *want, "{s}");
        }
    }

    #[test]
    fn arn_patterns_split_outside_variables() {
        let syntax = Syntax { wildcards: true, variables: true };
        match arn_pattern("arn:aws:s3:::bucket/${aws:username}/x:y", syntax) {
            ArnPattern::Parts(parts) => {
                assert_eq!(parts[5].variables().collect::<Vec<_>>(), vec!["aws:username"]);
            }
            ArnPattern::Whole(_) => panic!("six parts expected"),
        }
        assert!(matches!(arn_pattern("*", syntax), ArnPattern::Whole(_)));
        assert!(matches!(arn_pattern("arn:aws:${aws:x}", syntax), ArnPattern::Whole(_)));
    }

    #[test]
    fn unknown_operators_are_refused() {
        for op in [
            "StringEqualz",
            "stringequals",
            "NullIfExists",
            "ForAnyValue:Null",
            "ForSomeValues:StringEquals",
            "IfExists",
            "StringEqualsIfExistsIfExists",
        ] {
            assert!(Condition::compile(op, "aws:x", vec![], true).is_err(), "{op}");
        }
        for op in ["StringEqualsIfExists", "ForAllValues:StringLikeIfExists", "ArnEquals", "BinaryEqualsIfExists"] {
            assert!(Condition::compile(op, "aws:x", vec![], true).is_ok(), "{op}");
        }
    }
}
