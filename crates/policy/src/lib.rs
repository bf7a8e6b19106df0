//! AWS IAM policies: parsing, validation and evaluation, for Cognate's IAM-compatible surface
//! (identity-based policies, permissions boundaries, session policies, role trust policies) and
//! for `SimulatePolicy` / `GetContextKeysFor*Policy`.
//!
//! Pure: no I/O, no async, no clock — the current time, like every other fact about a request,
//! comes in the [`Context`] (`aws:CurrentTime`, `aws:EpochTime`, …). Everything that can be
//! decided about a document is decided by [`Policy::parse`]: actions are lowercased and compiled
//! into glob matchers, resource ARNs and condition values into templates with their policy
//! variables, numbers, dates and CIDRs parsed. [`evaluate`] then only matches: no regex, and no
//! allocation while matching (variables resolve to borrowed context values; only the lists in the
//! returned [`Evaluation`] are allocated). About 1 µs for a role of four policies and fifteen
//! statements (`examples/eval_bench.rs`).
//!
//! Written by hand because no maintained Rust crate evaluates IAM policies. The semantics follow
//! the IAM User Guide ("Policy evaluation logic", "IAM JSON policy elements reference",
//! "Condition operators", "Variables and tags", "Single-valued vs. multivalued context keys");
//! where AWS leaves a case open the choice is written down in the module that makes it:
//! - [`document`]: the grammar and IAM's `MalformedPolicyDocument` wording;
//! - [`condition`]: operators, missing keys, set operators, multivalued keys without a set
//!   operator ("any value matches"; negated operators are the exact complement);
//! - [`principal`]: `Principal` / `NotPrincipal` entries and matching;
//! - [`eval`]: how identity, boundary, session and resource policies combine;
//! - `pattern`: the `*` / `?` globs and `${…}` variables (substituted text is always literal).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod condition;
pub mod context;
pub mod document;
pub mod eval;
mod pattern;
pub mod principal;

pub use condition::Condition;
pub use context::{Context, ContextValue};
pub use document::{ActionElement, Effect, Policy, PolicyError, PolicyKind, ResourceElement, Statement, Version};
pub use eval::{Decision, Evaluation, MatchedStatement, PolicySet, PolicySource, Request, allows, evaluate};
pub use principal::{Principal, PrincipalElement, PrincipalEntry};
