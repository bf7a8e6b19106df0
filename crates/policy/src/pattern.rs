//! Wildcard patterns and policy-variable templates, compiled once at parse time and matched
//! without allocation: the `*` / `?` globs of `Action`, `Resource`, `StringLike` and `ArnLike`, and
//! the `${key}` / `${key, 'default'}` variables of `Resource` and condition values.
//!
//! A [`Template`] is a list of pieces: literal text, `*` (any run of characters, including none),
//! `?` (exactly one character) and variables. Matching first resolves every variable to the
//! context's single value (a borrowed `&str`, never copied), then runs a greedy glob with
//! backtracking to the last `*` — linear in practice, `O(pattern × input)` at worst. Text that a
//! variable produces is always literal: a `*` inside a user name is not a wildcard. `${*}`, `${?}`
//! and `${$}` are the literal characters `*`, `?` and `$`. A `${…}` that is not a variable (no
//! vendor-prefixed key such as `aws:username`, no closing brace, a default not in single quotes)
//! stays literal text.

use crate::context::{Context, ContextValue};

/// A resolved piece of a template, borrowed from the template or the request context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    Lit(&'a str),
    Star,
    One,
}

/// One piece of a compiled template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Lit(String),
    Star,
    One,
    /// `${key}` or `${key, 'default'}`; `key` is lowercased for lookup, `written` as in the policy.
    Var {
        key: String,
        written: String,
        default: Option<String>,
    },
}

/// Fast paths for templates without variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `*`
    Any,
    /// Only literal text (one piece or none).
    Exact,
    /// Literal text followed by a single trailing `*`.
    Prefix,
    General,
}

/// How a template's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (Action, Resource, StringLike, ArnLike) rather than literal.
    pub wildcards: bool,
    /// `${…}` is a policy variable (Version 2012-10-17) rather than literal text.
    pub variables: bool,
}

/// A compiled pattern (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
    shape: Shape,
}

/// Templates with at most this many pieces resolve into a stack buffer.
const INLINE_PIECES: usize = 16;

impl Template {
    /// Compiles `text`.
    pub(crate) fn parse(text: &str, syntax: Syntax) -> Template {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some(end) = rest[2..].find('}')
            {
                let inner = &rest[2..2 + end];
                match parse_variable(inner) {
                    Some(Variable::Literal(ch)) => lit.push(ch),
                    Some(Variable::Key { key, default }) => {
                        flush(&mut lit, &mut pieces);
                        pieces.push(Piece::Var {
                            key: key.to_lowercase(),
                            written: key.to_string(),
                            default: default.map(str::to_string),
                        });
                    }
                    None => lit.push_str(&rest[..2 + end + 1]),
                }
                rest = &rest[2 + end + 1..];
                continue;
            }
            if syntax.wildcards && c == '*' {
                flush(&mut lit, &mut pieces);
                if pieces.last() != Some(&Piece::Star) {
                    pieces.push(Piece::Star);
                }
            } else if syntax.wildcards && c == '?' {
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::One);
            } else {
                lit.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        flush(&mut lit, &mut pieces);
        let has_vars = pieces.iter().any(|p| matches!(p, Piece::Var { .. }));
        let shape = match pieces.as_slice() {
            _ if has_vars => Shape::General,
            [Piece::Star] => Shape::Any,
            [] | [Piece::Lit(_)] => Shape::Exact,
            [Piece::Lit(_), Piece::Star] => Shape::Prefix,
            _ => Shape::General,
        };
        Template { pieces, shape }
    }

    /// The variables the template uses, as written in the policy.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { written, .. } => Some(written.as_str()),
            _ => None,
        })
    }

    /// Glob-matches `input` (wildcards as compiled; `fold` compares ASCII case-insensitively).
    /// `false` when a variable has neither a value nor a default (its key goes to `missing`).
    pub(crate) fn matches<'a>(
        &'a self,
        input: &str,
        fold: bool,
        context: &'a Context,
        missing: &mut Vec<&'a str>,
    ) -> bool {
        let first = match self.pieces.first() {
            Some(Piece::Lit(s)) => s.as_str(),
            _ => "",
        };
        match self.shape {
            Shape::Any => true,
            Shape::Exact if fold => input.eq_ignore_ascii_case(first),
            Shape::Exact => input == first,
            Shape::Prefix => {
                input.len() >= first.len()
                    && input.is_char_boundary(first.len())
                    && eq_bytes(&input.as_bytes()[..first.len()], first.as_bytes(), fold)
            }
            Shape::General => self.with_tokens(context, missing, |toks| glob(toks, input, fold)).unwrap_or(false),
        }
    }

    /// Resolves the variables and hands the tokens to `f`; `None` when a variable is unresolvable.
    pub(crate) fn with_tokens<'a, R>(
        &'a self,
        context: &'a Context,
        missing: &mut Vec<&'a str>,
        f: impl FnOnce(&[Tok<'a>]) -> R,
    ) -> Option<R> {
        let mut inline = [Tok::Star; INLINE_PIECES];
        let mut heap = Vec::new();
        let buf: &mut [Tok<'a>] = if self.pieces.len() <= INLINE_PIECES {
            &mut inline[..self.pieces.len()]
        } else {
            heap.resize(self.pieces.len(), Tok::Star);
            &mut heap
        };
        for (slot, piece) in buf.iter_mut().zip(&self.pieces) {
            *slot = match piece {
                Piece::Lit(s) => Tok::Lit(s),
                Piece::Star => Tok::Star,
                Piece::One => Tok::One,
                Piece::Var { key, written, default } => match (context.get_lower(key), default) {
                    // Multivalued keys cannot be policy variables (IAM User Guide, "Single-valued
                    // vs. multivalued context keys"): they resolve like absent ones.
                    (Some(ContextValue::Single(v)), _) => Tok::Lit(v),
                    (_, Some(d)) => Tok::Lit(d),
                    (_, None) => {
                        note(missing, written);
                        return None;
                    }
                },
            };
        }
        Some(f(buf))
    }
}

/// Adds `key` to `missing` unless it is there already.
pub(crate) fn note<'a>(missing: &mut Vec<&'a str>, key: &'a str) {
    if !missing.iter().any(|k| k.eq_ignore_ascii_case(key)) {
        missing.push(key);
    }
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Lit(std::mem::take(lit)));
    }
}

enum Variable<'a> {
    Literal(char),
    Key { key: &'a str, default: Option<&'a str> },
}

/// The inside of `${…}`: `*`, `?`, `$`, `key` or `key, 'default'`. `None`: not a variable (kept as text).
fn parse_variable(inner: &str) -> Option<Variable<'_>> {
    match inner {
        "*" => return Some(Variable::Literal('*')),
        "?" => return Some(Variable::Literal('?')),
        "$" => return Some(Variable::Literal('$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, rest)) => {
            let rest = rest.trim();
            let quoted = rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))?;
            (key.trim(), Some(quoted))
        }
        None => (inner.trim(), None),
    };
    let valid = !key.is_empty() && key.contains(':') && !key.contains(char::is_whitespace);
    valid.then_some(Variable::Key { key, default })
}

fn eq_bytes(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold { a.eq_ignore_ascii_case(b) } else { a == b }
}

/// Length of the UTF-8 character starting at `i`.
fn char_len(s: &[u8], i: usize) -> usize {
    let mut n = 1;
    while i + n < s.len() && (s[i + n] & 0xC0) == 0x80 {
        n += 1;
    }
    n
}

/// Greedy wildcard match with backtracking to the last `*`.
pub(crate) fn glob(toks: &[Tok<'_>], input: &str, fold: bool) -> bool {
    let s = input.as_bytes();
    let (mut ti, mut si) = (0, 0);
    // (token after the last star, input position that star currently stops at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(tok) = toks.get(ti) {
            match *tok {
                Tok::Star => {
                    star = Some((ti + 1, si));
                    ti += 1;
                    continue;
                }
                Tok::One if si < s.len() => {
                    si += char_len(s, si);
                    ti += 1;
                    continue;
                }
                Tok::Lit(l) if s.len() - si >= l.len() && eq_bytes(&s[si..si + l.len()], l.as_bytes(), fold) => {
                    si += l.len();
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        } else if si == s.len() {
            return true;
        }
        match star {
            Some((after, at)) if at < s.len() => {
                let next = at + char_len(s, at);
                star = Some((after, next));
                ti = after;
                si = next;
            }
            _ => return false,
        }
    }
}

/// Exact comparison of the concatenated tokens with `input` (templates without wildcards).
pub(crate) fn equals(toks: &[Tok<'_>], input: &str) -> bool {
    let mut rest = input;
    for tok in toks {
        match tok {
            Tok::Lit(l) => match rest.strip_prefix(l) {
                Some(r) => rest = r,
                None => return false,
            },
            Tok::Star => match rest.strip_prefix('*') {
                Some(r) => rest = r,
                None => return false,
            },
            Tok::One => match rest.strip_prefix('?') {
                Some(r) => rest = r,
                None => return false,
            },
        }
    }
    rest.is_empty()
}

/// Case-insensitive comparison (Unicode lowercase) of the concatenated tokens with `input`.
pub(crate) fn equals_ignore_case(toks: &[Tok<'_>], input: &str) -> bool {
    let policy = toks
        .iter()
        .flat_map(|t| match t {
            Tok::Lit(l) => l.chars().chain(None),
            Tok::Star => "".chars().chain(Some('*')),
            Tok::One => "".chars().chain(Some('?')),
        })
        .flat_map(char::to_lowercase);
    policy.eq(input.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const GLOB: Syntax = Syntax { wildcards: true, variables: true };
    const EXACT: Syntax = Syntax { wildcards: false, variables: true };
    const LEGACY: Syntax = Syntax { wildcards: true, variables: false };

    fn m(pattern: &str, input: &str, syntax: Syntax, fold: bool, ctx: &Context) -> bool {
        let t = Template::parse(pattern, syntax);
        let mut missing = Vec::new();
        if syntax.wildcards {
            t.matches(input, fold, ctx, &mut missing)
        } else {
            t.with_tokens(ctx, &mut missing, |toks| equals(toks, input)).unwrap_or(false)
        }
    }

    #[test]
    fn glob_table() {
        let ctx = Context::new();
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "a", false),
            ("abc", "abc", true),
            ("abc", "abd", false),
            ("abc", "ab", false),
            ("abc", "abcd", false),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ba", false),
            ("*c", "abc", true),
            ("*c", "abd", false),
            ("a*c", "ac", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("??", "ab", true),
            ("??", "a", false),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b*", "xxbxxaxx", false),
            ("*aab", "aaaab", true),
            ("a*b*c", "abcbc", true),
            ("a*b*c", "acb", false),
            ("**", "x", true),
            ("*?", "", false),
            ("*?", "é", true),
            ("?", "é", true),
            ("é?", "éé", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false),
            ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", true),
            ("arn:aws:*:*:*:*", "arn:aws:iam::1:user/x", true),
            ("user/*/home", "user/a/b/home", true),
        ];
        for &(p, i, want) in cases {
            assert_eq!(m(p, i, GLOB, false, &ctx), want, "glob {p:?} vs {i:?}");
        }
    }

    #[test]
    fn fold_is_ascii_case_insensitive() {
        let ctx = Context::new();
        assert!(m("s3:get*", "S3:GetObject", GLOB, true, &ctx));
        assert!(m("s3:getobject", "S3:GETOBJECT", GLOB, true, &ctx));
        assert!(!m("s3:get*", "S3:GetObject", GLOB, false, &ctx));
        assert!(m("s3:g?t*", "S3:GETOBJECT", GLOB, true, &ctx));
    }

    #[test]
    fn variables_are_literal_and_case_insensitive() {
        let mut ctx = Context::new();
        ctx.set("aws:username", "a*b");
        ctx.set("aws:PrincipalTag/Team", "Blue");
        assert!(m("home/${aws:username}/*", "home/a*b/x", GLOB, false, &ctx));
        assert!(!m("home/${aws:username}/*", "home/aXXb/x", GLOB, false, &ctx));
        assert!(m("${AWS:UserName}", "a*b", EXACT, false, &ctx));
        assert!(m("${aws:principaltag/team}", "Blue", EXACT, false, &ctx));
        assert!(!m("${aws:userid}", "", EXACT, false, &ctx));
        assert!(m("${aws:userid, 'nobody'}", "nobody", EXACT, false, &ctx));
        assert!(m("${aws:userid,'x y'}", "x y", EXACT, false, &ctx));
        assert!(m("a${*}b", "a*b", GLOB, false, &ctx));
        assert!(!m("a${*}b", "axxb", GLOB, false, &ctx));
        assert!(m("a${?}b", "a?b", GLOB, false, &ctx));
        assert!(m("${$}x", "$x", EXACT, false, &ctx));
        // Not variables: kept as text.
        assert!(m("${unterminated", "${unterminated", EXACT, false, &ctx));
        assert!(m("${nocolon}", "${nocolon}", EXACT, false, &ctx));
        assert!(m("${aws:x, nodefaultquotes}", "${aws:x, nodefaultquotes}", EXACT, false, &ctx));
        // 2008-10-17: no variables at all.
        assert!(m("home/${aws:username}", "home/${aws:username}", LEGACY, false, &ctx));
        assert!(!m("home/${aws:username}", "home/a*b", LEGACY, false, &ctx));
    }

    #[test]
    fn multivalued_keys_are_not_variables() {
        let mut ctx = Context::new();
        ctx.set_list("aws:TagKeys", vec!["a".into()]);
        assert!(!m("${aws:TagKeys}", "a", EXACT, false, &ctx));
        assert!(m("${aws:TagKeys, 'd'}", "d", EXACT, false, &ctx));
    }

    #[test]
    fn missing_variables_are_reported_once() {
        let ctx = Context::new();
        let t = Template::parse("${aws:username}/${AWS:USERNAME}", GLOB);
        let mut missing = Vec::new();
        assert!(!t.matches("x/x", false, &ctx, &mut missing));
        assert_eq!(missing, vec!["aws:username"]);
        assert_eq!(t.variables().collect::<Vec<_>>(), vec!["aws:username", "AWS:USERNAME"]);
    }

    #[test]
    fn ignore_case_is_unicode() {
        let ctx = Context::new();
        let t = Template::parse("ÄBC", EXACT);
        let mut missing = Vec::new();
        assert_eq!(t.with_tokens(&ctx, &mut missing, |toks| equals_ignore_case(toks, "äbc")), Some(true));
        assert_eq!(t.with_tokens(&ctx, &mut missing, |toks| equals_ignore_case(toks, "äb")), Some(false));
    }

    #[test]
    fn long_templates_fall_back_to_the_heap() {
        let ctx = Context::new();
        let pattern = "a?".repeat(20);
        let input = "ab".repeat(20);
        assert!(m(&pattern, &input, GLOB, false, &ctx));
    }
}
