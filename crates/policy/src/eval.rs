//! Deciding a request against the policies that apply to it: AWS's evaluation logic for a request
//! within one account (IAM User Guide, "Policy evaluation logic"), reduced to the policy types
//! Cognate has.
//!
//! 1. An applicable `Deny` statement in any policy (identity, boundary, session or resource) →
//!    [`Decision::ExplicitDeny`].
//! 2. Otherwise the request is allowed when
//!    - an identity policy allows it, and (if a permissions boundary is set) the boundary allows
//!      it, and (if session policies are set) a session policy allows it; or
//!    - a resource-based (or trust) policy allows it for this principal: within an account such a
//!      grant stands on its own, and is not limited by the boundary or session policies.
//! 3. Anything else → [`Decision::ImplicitDeny`].
//!
//! A statement applies when its action, resource (if it has a `Resource` element), principal (if it
//! has a `Principal` element; statements of resource-set policies must have one) and every
//! condition match. Every statement is looked at, so that `matched` lists all the deciding
//! statements and `missing_context_keys` every key a relevant statement needed.

use crate::context::Context;
use crate::document::{Effect, Policy, Statement};
use crate::principal::Principal;

/// One request to authorize.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `"cognito-idp:AdminCreateUser"`; matched case-insensitively, as AWS does.
    pub action: &'a str,
    /// The resource ARN, or `"*"`; matched case-sensitively.
    pub resource: &'a str,
    /// Who asks, for `Principal` / `NotPrincipal` elements.
    pub principal: &'a Principal,
    pub context: &'a Context,
}

/// The policies of one request, by where AWS's evaluation logic places them.
#[derive(Debug, Clone, Copy)]
pub struct PolicySet<'a> {
    /// Identity-based policies (user or role inline and managed policies, group policies).
    pub identity: &'a [&'a Policy],
    /// The permissions boundary: when `Some`, an identity-policy allow also needs an allow here.
    pub boundary: Option<&'a [&'a Policy]>,
    /// Session policies (`AssumeRole*`'s `Policy` / `PolicyArns`): when `Some`, an
    /// identity-policy allow also needs an allow here.
    pub session: Option<&'a [&'a Policy]>,
    /// Resource-based and trust policies; their statements apply only to the principals they name.
    pub resource: &'a [&'a Policy],
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    /// No applicable allow (or one the boundary or session policies did not confirm).
    ImplicitDeny,
}

/// Which slice of the [`PolicySet`] a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicySource {
    Identity,
    Boundary,
    Session,
    Resource,
}

impl PolicySource {
    /// `"identity"`, `"boundary"`, `"session"` or `"resource"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicySource::Identity => "identity",
            PolicySource::Boundary => "boundary",
            PolicySource::Session => "session",
            PolicySource::Resource => "resource",
        }
    }
}

/// A statement that decided: its set, the policy's index in that slice and the statement's index
/// in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MatchedStatement {
    pub source: PolicySource,
    pub policy: usize,
    pub statement: usize,
}

/// The decision and what led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// For `ExplicitDeny`, every applicable `Deny` statement; for `Allow`, the applicable `Allow`
    /// statements of the sets that granted (identity with boundary and session, and/or resource);
    /// empty for `ImplicitDeny`.
    pub matched: Vec<MatchedStatement>,
    /// Condition keys and policy variables that relevant statements used and the context lacks,
    /// as written in the policy, sorted and deduplicated case-insensitively (`SimulatePolicy`'s
    /// `MissingContextValues`).
    pub missing_context_keys: Vec<String>,
}

/// What one slice of the set contributed.
#[derive(Default)]
struct Found {
    allows: Vec<MatchedStatement>,
    denies: Vec<MatchedStatement>,
}

fn scan<'a>(
    source: PolicySource,
    policies: &'a [&'a Policy],
    request: &Request<'a>,
    found: &mut Found,
    missing: &mut Vec<&'a str>,
) {
    let require_principal = source == PolicySource::Resource;
    for (pi, policy) in policies.iter().enumerate() {
        for (si, statement) in policy.statements().iter().enumerate() {
            if applies(statement, request, require_principal, missing) {
                let m = MatchedStatement { source, policy: pi, statement: si };
                match statement.effect {
                    Effect::Allow => found.allows.push(m),
                    Effect::Deny => found.denies.push(m),
                }
            }
        }
    }
}

/// Whether `statement` applies to `request` (see the module docs).
fn applies<'a>(
    statement: &'a Statement,
    request: &Request<'a>,
    require_principal: bool,
    missing: &mut Vec<&'a str>,
) -> bool {
    match &statement.principal {
        Some(p) if !p.applies_to(request.principal) => return false,
        None if require_principal => return false,
        _ => {}
    }
    if !statement.action.applies(request.action, request.context) {
        return false;
    }
    if let Some(r) = &statement.resource
        && !r.applies(request.resource, request.context, missing)
    {
        return false;
    }
    // No short-circuit: every condition runs, so that every missing key is reported.
    let mut all = true;
    for c in &statement.conditions {
        all &= c.evaluate(request.context, missing);
    }
    all
}

/// Decides `request` against `set`.
pub fn evaluate(set: &PolicySet<'_>, request: &Request<'_>) -> Evaluation {
    let mut missing = Vec::new();
    let mut identity = Found::default();
    let mut boundary = Found::default();
    let mut session = Found::default();
    let mut resource = Found::default();
    scan(PolicySource::Identity, set.identity, request, &mut identity, &mut missing);
    if let Some(b) = set.boundary {
        scan(PolicySource::Boundary, b, request, &mut boundary, &mut missing);
    }
    if let Some(s) = set.session {
        scan(PolicySource::Session, s, request, &mut session, &mut missing);
    }
    scan(PolicySource::Resource, set.resource, request, &mut resource, &mut missing);

    let mut missing_context_keys: Vec<String> = missing.iter().map(|k| k.to_string()).collect();
    missing_context_keys.sort_by_key(|k| k.to_lowercase());

    let denies: Vec<MatchedStatement> =
        [&identity, &boundary, &session, &resource].iter().flat_map(|f| f.denies.iter().copied()).collect();
    if !denies.is_empty() {
        return Evaluation { decision: Decision::ExplicitDeny, matched: denies, missing_context_keys };
    }
    let identity_grant = !identity.allows.is_empty()
        && (set.boundary.is_none() || !boundary.allows.is_empty())
        && (set.session.is_none() || !session.allows.is_empty());
    let resource_grant = !resource.allows.is_empty();
    let mut matched = Vec::new();
    if identity_grant {
        matched.extend(identity.allows.iter().chain(&boundary.allows).chain(&session.allows));
    }
    if resource_grant {
        matched.extend(&resource.allows);
    }
    let decision = if identity_grant || resource_grant { Decision::Allow } else { Decision::ImplicitDeny };
    Evaluation { decision, matched, missing_context_keys }
}

/// Whether this one policy allows the request: some statement allows it and none denies it
/// (what a trust policy decides for `AssumeRole*`). `Principal` elements are checked where present.
pub fn allows(policy: &Policy, request: &Request<'_>) -> bool {
    let mut missing = Vec::new();
    let mut allowed = false;
    for statement in policy.statements() {
        if applies(statement, request, false, &mut missing) {
            match statement.effect {
                Effect::Deny => return false,
                Effect::Allow => allowed = true,
            }
        }
    }
    allowed
}
