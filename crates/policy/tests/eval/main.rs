//! Table tests of `cognate-policy`: named policies ([`policies`]), request cases evaluated
//! against sets of them ([`cases`]), parse errors ([`errors`]) and the reporting around a
//! decision (matched statements, missing context keys, context keys).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;
mod errors;
mod policies;
mod reporting;

use std::collections::HashMap;

use cognate_policy::{Context, Decision, Policy, PolicyKind, PolicySet, Principal, Request, allows, evaluate};

pub const ACCOUNT: &str = "111122223333";
pub const OTHER_ACCOUNT: &str = "444455556666";

/// Every named policy, parsed.
pub fn library() -> HashMap<&'static str, (PolicyKind, Policy)> {
    policies::POLICIES
        .iter()
        .map(|(name, kind, json)| {
            let policy = Policy::parse(json, *kind).unwrap_or_else(|e| panic!("policy {name}: {}", e.message));
            (*name, (*kind, policy))
        })
        .collect()
}

/// A principal by short name.
pub fn principal(code: &str) -> Principal {
    let aws = |arn: String, account: &str, role: Option<String>| Principal::Aws {
        arn,
        account: account.into(),
        role_arn: role,
    };
    let session = |role: &str| {
        aws(
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s"),
            ACCOUNT,
            Some(format!("arn:aws:iam::{ACCOUNT}:role/{role}")),
        )
    };
    match code {
        "alice" => aws(format!("arn:aws:iam::{ACCOUNT}:user/alice"), ACCOUNT, None),
        "bob2" => aws(format!("arn:aws:iam::{OTHER_ACCOUNT}:user/bob"), OTHER_ACCOUNT, None),
        "root" => aws(format!("arn:aws:iam::{ACCOUNT}:root"), ACCOUNT, None),
        "admin" => session("Admin"),
        "blocked" => session("Blocked"),
        "anon" => Principal::Anonymous,
        "cognito" => Principal::Federated("cognito-identity.amazonaws.com".into()),
        "google" => Principal::Federated("accounts.google.com".into()),
        "lambda" => Principal::Service("lambda.amazonaws.com".into()),
        "sns" => Principal::Service("sns.amazonaws.com".into()),
        "ec2svc" => Principal::Service("ec2.amazonaws.com".into()),
        other => panic!("unknown principal {other}"),
    }
}

/// A context from pairs; a value `[a,b]` is a list (`[]` the empty list).
pub fn context(pairs: &[(&str, &str)]) -> Context {
    let mut ctx = Context::new();
    for (k, v) in pairs {
        match v.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            Some("") => ctx.set_list(k, Vec::new()),
            Some(list) => ctx.set_list(k, list.split(',').map(str::to_string).collect()),
            None => ctx.set(k, *v),
        }
    }
    ctx
}

/// Policies by slot, from a spec like `"allow_all deny_s3 boundary=allow_s3 session= resource=queue_policy"`:
/// bare names go to `identity` or `resource` by their kind; `boundary=` / `session=` with an
/// empty list set an empty (deny-everything) boundary or session.
pub struct Slots<'a> {
    pub identity: Vec<&'a Policy>,
    pub boundary: Option<Vec<&'a Policy>>,
    pub session: Option<Vec<&'a Policy>>,
    pub resource: Vec<&'a Policy>,
}

pub fn slots<'a>(spec: &str, lib: &'a HashMap<&'static str, (PolicyKind, Policy)>) -> Slots<'a> {
    let get = |name: &str| &lib.get(name).unwrap_or_else(|| panic!("no policy {name}")).1;
    let list = |names: &str| names.split(',').filter(|n| !n.is_empty()).map(get).collect::<Vec<_>>();
    let mut s = Slots { identity: Vec::new(), boundary: None, session: None, resource: Vec::new() };
    for token in spec.split_whitespace() {
        match token.split_once('=') {
            Some(("identity", names)) => s.identity.extend(list(names)),
            Some(("boundary", names)) => s.boundary = Some(list(names)),
            Some(("session", names)) => s.session = Some(list(names)),
            Some(("resource", names)) => s.resource.extend(list(names)),
            Some((slot, _)) => panic!("unknown slot {slot}"),
            None => match lib.get(token) {
                Some((PolicyKind::Identity, p)) => s.identity.push(p),
                Some((_, p)) => s.resource.push(p),
                None => panic!("no policy {token}"),
            },
        }
    }
    s
}

pub fn decide(slots: &Slots<'_>, request: &Request<'_>) -> cognate_policy::Evaluation {
    let set = PolicySet {
        identity: &slots.identity,
        boundary: slots.boundary.as_deref(),
        session: slots.session.as_deref(),
        resource: &slots.resource,
    };
    evaluate(&set, request)
}

#[test]
fn cases() {
    let lib = library();
    let mut failures = Vec::new();
    for (n, &(spec, action, resource, who, pairs, want)) in cases::CASES.iter().enumerate() {
        let want = match want {
            'A' => Decision::Allow,
            'D' => Decision::ExplicitDeny,
            'N' => Decision::ImplicitDeny,
            other => panic!("case {n}: bad expectation {other}"),
        };
        let principal = principal(who);
        let ctx = context(pairs);
        let request = Request { action, resource, principal: &principal, context: &ctx };
        let s = slots(spec, &lib);
        let got = decide(&s, &request).decision;
        if got != want {
            failures.push(format!(
                "case {n}: [{spec}] {action} on {resource} by {who} with {pairs:?}: want {want:?}, got {got:?}"
            ));
        }
        // A lone policy: `allows` must agree with `evaluate`.
        if !spec.contains(' ') && !spec.contains('=') {
            let single = allows(&lib[spec].1, &request);
            if single != (want == Decision::Allow) {
                failures.push(format!("case {n}: allows({spec}) = {single}, evaluate wants {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases::CASES.len(), failures.join("\n"));
}
