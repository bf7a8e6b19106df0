//! Hand-written support for the generated wire types: `Timestamp` (epoch seconds on the JSON wire),
//! `Blob` (base64), `Document`, `Sensitive` (a value whose `Debug` never shows it), and the
//! `Validator` that checks the model's constraints and words violations the way AWS does
//! ("1 validation error detected: Value '…' at 'poolName' failed to satisfy constraint: …").

use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Static facts about a service, from its model's `metadata`.
#[derive(Clone, Copy, Debug)]
pub struct ServiceMeta {
    pub endpoint_prefix: &'static str,
    pub api_version: &'static str,
    /// `json` or `query`.
    pub protocol: &'static str,
    /// `X-Amz-Target` prefix for JSON services; empty for query services.
    pub target_prefix: &'static str,
    /// SigV4 signing name (credential scope service).
    pub signing_name: &'static str,
    pub full_name: &'static str,
}

/// A point in time with millisecond precision. On the JSON wire it is epoch seconds (a number,
/// fractions allowed), as the AWS JSON protocols specify.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    millis: i64,
}

impl Timestamp {
    pub fn from_millis(millis: i64) -> Self {
        Timestamp { millis }
    }
    pub fn from_secs(secs: i64) -> Self {
        Timestamp { millis: secs.saturating_mul(1000) }
    }
    pub fn millis(self) -> i64 {
        self.millis
    }
    pub fn secs(self) -> i64 {
        self.millis.div_euclid(1000)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A newtype named `Timestamp`, so that the Query protocol's encoder can write ISO 8601;
        // serde_json writes the number alone.
        if self.millis % 1000 == 0 {
            s.serialize_newtype_struct("Timestamp", &(self.millis / 1000))
        } else {
            s.serialize_newtype_struct("Timestamp", &(self.millis as f64 / 1000.0))
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() {
            return Err(serde::de::Error::custom("timestamp is not a finite number"));
        }
        Ok(Timestamp { millis: (secs * 1000.0).round() as i64 })
    }
}

/// Binary data, base64 on the JSON wire.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map(Blob)
            .map_err(|_| serde::de::Error::custom("blob is not valid base64"))
    }
}

/// A free-form JSON document member (the model's `"document": true` shapes).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Document(pub serde_json::Value);

/// A member the model marks `"sensitive": true`. It serialises as the inner value, but `Debug`
/// prints `***`, so secrets cannot reach logs through `{:?}`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(pub T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }
    pub fn into_inner(self) -> T {
        self.0
    }
    /// The secret value. Named so every use is easy to find.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> std::ops::Deref for Sensitive<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl From<String> for Sensitive<String> {
    fn from(s: String) -> Self {
        Sensitive(s)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(s: &str) -> Self {
        Sensitive(s.to_string())
    }
}

/// A regular expression from the model, matched against the whole value as AWS does. Each
/// pattern compiles once per process (in `PATTERN_CACHE`); one the `regex` crate cannot compile is
/// skipped (the generator already leaves those out, so this never happens for committed code).
pub struct Pattern {
    source: &'static str,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Pattern { source }
    }
    pub fn source(&self) -> &'static str {
        self.source
    }
    fn is_match(&self, value: &str) -> bool {
        PATTERN_CACHE.is_match(self.source, value)
    }
}

/// Compiled patterns, keyed by source. Each pattern compiles once per process.
struct PatternCache {
    map: std::sync::RwLock<std::collections::HashMap<&'static str, Option<regex::Regex>>>,
}

static PATTERN_CACHE: LazyLock<PatternCache> =
    LazyLock::new(|| PatternCache { map: std::sync::RwLock::new(std::collections::HashMap::new()) });

impl PatternCache {
    fn is_match(&self, source: &'static str, value: &str) -> bool {
        if let Ok(map) = self.map.read()
            && let Some(entry) = map.get(source)
        {
            return entry.as_ref().is_none_or(|re| re.is_match(value));
        }
        let compiled = regex::Regex::new(&format!("^(?:{source})$")).ok();
        let result = compiled.as_ref().is_none_or(|re| re.is_match(value));
        if let Ok(mut map) = self.map.write() {
            map.insert(source, compiled);
        }
        result
    }
}

/// Strings, including sensitive ones, as `&str` for validation.
pub trait AsStr {
    fn as_str_ref(&self) -> &str;
}
impl AsStr for String {
    fn as_str_ref(&self) -> &str {
        self
    }
}
impl<T: AsStr> AsStr for Sensitive<T> {
    fn as_str_ref(&self) -> &str {
        self.0.as_str_ref()
    }
}

/// Integers as `i64` for validation.
pub trait AsI64 {
    fn as_i64(&self) -> i64;
}
impl AsI64 for i32 {
    fn as_i64(&self) -> i64 {
        i64::from(*self)
    }
}
impl AsI64 for i64 {
    fn as_i64(&self) -> i64 {
        *self
    }
}
impl<T: AsI64> AsI64 for Sensitive<T> {
    fn as_i64(&self) -> i64 {
        self.0.as_i64()
    }
}

/// Blobs' byte length for validation.
pub trait ByteLen {
    fn byte_len(&self) -> usize;
}
impl ByteLen for Blob {
    fn byte_len(&self) -> usize {
        self.0.len()
    }
}
impl<T: ByteLen> ByteLen for Sensitive<T> {
    fn byte_len(&self) -> usize {
        self.0.byte_len()
    }
}

/// A type whose values can be checked against the model's constraints.
pub trait Validate {
    fn validate(&self, v: &mut Validator);

    /// Runs the checks and returns AWS's message for the violations, if any.
    fn validation_message(&self) -> Option<String> {
        let mut v = Validator::default();
        self.validate(&mut v);
        v.message()
    }
}

impl<T: Validate> Validate for Sensitive<T> {
    fn validate(&self, v: &mut Validator) {
        self.0.validate(v);
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, v: &mut Validator) {
        (**self).validate(v);
    }
}

/// Collects constraint violations with the member path where they occurred.
#[derive(Default, Debug)]
pub struct Validator {
    path: Vec<String>,
    errors: Vec<String>,
}

impl Validator {
    pub fn enter(&mut self, member: &str) {
        self.path.push(member.to_string());
    }
    pub fn enter_index(&mut self, index: usize) {
        self.path.push(format!("{}.member", index + 1));
    }
    pub fn enter_key(&mut self, key: &str) {
        self.path.push(key.to_string());
    }
    pub fn leave(&mut self) {
        self.path.pop();
    }

    fn at(&self) -> String {
        self.path.join(".")
    }

    fn push(&mut self, value: Option<&str>, constraint: String) {
        let at = self.at();
        let msg = match value {
            Some(v) => format!("Value '{v}' at '{at}' failed to satisfy constraint: {constraint}"),
            None => format!("Value at '{at}' failed to satisfy constraint: {constraint}"),
        };
        self.errors.push(msg);
    }

    /// A required member is missing (`null`).
    pub fn missing(&mut self, member: &str) {
        self.enter(member);
        let at = self.at();
        self.leave();
        self.errors.push(format!("Value null at '{at}' failed to satisfy constraint: Member must not be null"));
    }

    pub fn string(
        &mut self,
        value: &str,
        min: Option<i64>,
        max: Option<i64>,
        pattern: Option<&Pattern>,
        sensitive: bool,
    ) {
        let shown = if sensitive { None } else { Some(value) };
        let len = value.chars().count() as i64;
        if let Some(min) = min
            && len < min
        {
            self.push(shown, format!("Member must have length greater than or equal to {min}"));
        }
        if let Some(max) = max
            && len > max
        {
            self.push(shown, format!("Member must have length less than or equal to {max}"));
        }
        if let Some(p) = pattern
            && !p.is_match(value)
        {
            self.push(shown, format!("Member must satisfy regular expression pattern: {}", p.source()));
        }
    }

    pub fn number(&mut self, value: i64, min: Option<i64>, max: Option<i64>) {
        let shown = value.to_string();
        if let Some(min) = min
            && value < min
        {
            self.push(Some(&shown), format!("Member must have value greater than or equal to {min}"));
        }
        if let Some(max) = max
            && value > max
        {
            self.push(Some(&shown), format!("Member must have value less than or equal to {max}"));
        }
    }

    pub fn length(&mut self, len: usize, min: Option<i64>, max: Option<i64>, _sensitive: bool) {
        let len = len as i64;
        if let Some(min) = min
            && len < min
        {
            self.push(None, format!("Member must have length greater than or equal to {min}"));
        }
        if let Some(max) = max
            && len > max
        {
            self.push(None, format!("Member must have length less than or equal to {max}"));
        }
    }

    pub fn enum_violation(&mut self, value: &str, allowed: &[&str]) {
        self.push(Some(value), format!("Member must satisfy enum value set: [{}]", allowed.join(", ")));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// AWS's wording: "N validation error(s) detected: …; …".
    pub fn message(&self) -> Option<String> {
        match self.errors.len() {
            0 => None,
            1 => Some(format!("1 validation error detected: {}", self.errors[0])),
            n => Some(format!("{n} validation errors detected: {}", self.errors.join("; "))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_epoch_seconds() {
        assert_eq!(serde_json::to_string(&Timestamp::from_secs(1_700_000_000)).ok().as_deref(), Some("1700000000"));
        assert_eq!(
            serde_json::to_string(&Timestamp::from_millis(1_700_000_000_250)).ok().as_deref(),
            Some("1700000000.25")
        );
        let t: Result<Timestamp, _> = serde_json::from_str("1700000000.5");
        assert_eq!(t.ok().map(Timestamp::millis), Some(1_700_000_000_500));
    }

    #[test]
    fn sensitive_never_prints() {
        let s = Sensitive::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(serde_json::to_string(&s).ok().as_deref(), Some("\"hunter2\""));
    }

    #[test]
    fn validator_words_like_aws() {
        static P: Pattern = Pattern::new("[\\w\\s+=,.@-]+");
        let mut v = Validator::default();
        v.enter("poolName");
        v.string("", Some(1), Some(128), Some(&P), false);
        v.leave();
        assert_eq!(
            v.message().as_deref(),
            Some(
                "2 validation errors detected: Value '' at 'poolName' failed to satisfy constraint: Member must have \
                 length greater than or equal to 1; Value '' at 'poolName' failed to satisfy constraint: Member must \
                 satisfy regular expression pattern: [\\w\\s+=,.@-]+"
            )
        );
    }
}
