//! The request context: the condition keys a request brings (`aws:SourceIp`, `aws:CurrentTime`,
//! `aws:PrincipalTag/Department`, `cognito-identity.amazonaws.com:amr`, …) and their values.
//!
//! Condition key names are case-insensitive in IAM, including the tag-key suffix of
//! `aws:PrincipalTag/…`, `aws:RequestTag/…` and `aws:ResourceTag/…`, so keys are stored
//! lowercased. Values are strings, as IAM's request context and `SimulatePolicy`'s
//! `ContextEntries` carry them; each condition operator converts them itself.

use std::borrow::Cow;
use std::collections::HashMap;

/// A context key's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key (most keys).
    Single(String),
    /// A multivalued key (`aws:TagKeys`, `cognito-identity.amazonaws.com:amr`, …), for the
    /// `ForAnyValue:` / `ForAllValues:` set operators. An empty list counts as absent.
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice (one element for [`ContextValue::Single`]).
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(vs) => vs,
        }
    }
}

/// The condition context of one request. Keys are case-insensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: HashMap<String, ContextValue>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key, replacing any earlier value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.entries.insert(key.to_lowercase(), ContextValue::Single(value.into()));
    }

    /// Sets a multivalued key, replacing any earlier value.
    pub fn set_list(&mut self, key: &str, values: Vec<String>) {
        self.entries.insert(key.to_lowercase(), ContextValue::Multi(values));
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        self.entries.remove(lower(key).as_ref())
    }

    /// The value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.get_lower(&lower(key))
    }

    /// Every key (lowercased) and its value, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether the context holds no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lookup by an already-lowercased key (what compiled policies hold): no allocation.
    pub(crate) fn get_lower(&self, key: &str) -> Option<&ContextValue> {
        self.entries.get(key)
    }
}

fn lower(key: &str) -> Cow<'_, str> {
    if key.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(key.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let mut ctx = Context::new();
        ctx.set("aws:PrincipalTag/Department", "Eng");
        assert_eq!(ctx.get("AWS:principaltag/DEPARTMENT"), Some(&ContextValue::Single("Eng".into())));
        ctx.set("aws:principaltag/department", "Ops");
        assert_eq!(ctx.get("aws:PrincipalTag/Department").map(ContextValue::values), Some(&["Ops".to_string()][..]));
        ctx.set_list("aws:TagKeys", vec!["a".into(), "b".into()]);
        assert_eq!(ctx.get("aws:tagkeys").map(|v| v.values().len()), Some(2));
        assert!(ctx.remove("AWS:TAGKEYS").is_some());
        assert!(ctx.get("aws:TagKeys").is_none());
        assert!(!ctx.is_empty());
        assert_eq!(ctx.iter().count(), 1);
    }
}
