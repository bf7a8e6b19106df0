//! What an evaluation reports besides its decision, and `Policy::context_keys`.

use cognate_policy::{
    Decision, Effect, MatchedStatement, Policy, PolicyKind, PolicySource, PrincipalEntry, Request, Version,
};

use crate::{context, decide, library, principal, slots};

fn m(source: PolicySource, policy: usize, statement: usize) -> MatchedStatement {
    MatchedStatement { source, policy, statement }
}

#[test]
fn matched_lists_the_deciding_statements() {
    let lib = library();
    let alice = principal("alice");
    let ctx = context(&[]);
    let req = |action| Request { action, resource: "*", principal: &alice, context: &ctx };

    let e = decide(&slots("allow_all deny_s3 deny_put", &lib), &req("s3:PutObject"));
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.matched, vec![m(PolicySource::Identity, 1, 0), m(PolicySource::Identity, 2, 1)]);

    let e =
        decide(&slots("allow_all deny_put boundary=allow_s3 session=allow_all,allow_s3", &lib), &req("s3:GetObject"));
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(
        e.matched,
        vec![
            m(PolicySource::Identity, 0, 0),
            m(PolicySource::Identity, 1, 0),
            m(PolicySource::Boundary, 0, 0),
            m(PolicySource::Session, 0, 0),
            m(PolicySource::Session, 1, 0),
        ]
    );

    let e = decide(&slots("allow_all boundary=allow_s3", &lib), &req("ec2:RunInstances"));
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.matched.is_empty());

    let q = Request {
        action: "sqs:SendMessage",
        resource: "arn:aws:sqs:us-east-1:111122223333:q",
        principal: &alice,
        context: &ctx,
    };
    let e = decide(&slots("allow_sqs boundary=allow_s3 queue_policy", &lib), &q);
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.matched, vec![m(PolicySource::Resource, 0, 0)], "the identity allow is cut by the boundary");

    assert_eq!(PolicySource::Identity.as_str(), "identity");
    assert_eq!(PolicySource::Boundary.as_str(), "boundary");
    assert_eq!(PolicySource::Session.as_str(), "session");
    assert_eq!(PolicySource::Resource.as_str(), "resource");
}

#[test]
fn missing_context_keys_are_reported() {
    let lib = library();
    let who = principal("cognito");
    let ctx = context(&[("cognito-identity.amazonaws.com:aud", "us-east-1:12345678-1234-1234-1234-123456789012")]);
    let req = Request { action: "sts:AssumeRoleWithWebIdentity", resource: "*", principal: &who, context: &ctx };
    let e = decide(&slots("cognito_trust", &lib), &req);
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert_eq!(e.missing_context_keys, vec!["cognito-identity.amazonaws.com:amr"]);

    // Variables count too; statements whose action does not match do not.
    let alice = principal("alice");
    let empty = context(&[]);
    let req = Request {
        action: "iam:ChangePassword",
        resource: "arn:aws:iam::111122223333:user/alice",
        principal: &alice,
        context: &empty,
    };
    let e = decide(&slots("own_credentials mfa", &lib), &req);
    assert_eq!(e.missing_context_keys, vec!["aws:username"]);

    // Every condition of a relevant statement is looked at, even after one fails.
    let req = Request { action: "service-prefix:action-name", resource: "*", principal: &alice, context: &empty };
    let e = decide(&slots("date_window allow_all deny_ip", &lib), &req);
    assert_eq!(e.missing_context_keys, vec!["aws:CurrentTime", "aws:SourceIp", "aws:ViaAWSService"]);

    // Null decides without the key; present keys are not missing.
    let ctx = context(&[("svc:k", "a")]);
    let req = Request { action: "svc:MultiKey", resource: "*", principal: &alice, context: &ctx };
    assert_eq!(decide(&slots("ops", &lib), &req).missing_context_keys, vec!["svc:k2"]);
    let req = Request { action: "svc:Null", resource: "*", principal: &alice, context: &empty };
    assert!(decide(&slots("ops", &lib), &req).missing_context_keys.is_empty());
}

#[test]
fn context_keys_lists_condition_keys_and_variables() {
    let lib = library();
    assert_eq!(
        lib["cognito_trust"].1.context_keys(),
        vec!["cognito-identity.amazonaws.com:amr", "cognito-identity.amazonaws.com:aud"]
    );
    assert_eq!(lib["deny_ip"].1.context_keys(), vec!["aws:SourceIp", "aws:ViaAWSService"]);
    assert_eq!(lib["own_credentials"].1.context_keys(), vec!["aws:username"]);
    assert!(lib["legacy_vars"].1.context_keys().is_empty(), "no variables in 2008-10-17");
    assert_eq!(lib["s3_home"].1.context_keys(), vec!["cognito-identity.amazonaws.com:sub", "s3:prefix"]);
    assert_eq!(lib["abac"].1.context_keys(), vec!["aws:PrincipalTag/Department", "aws:ResourceTag/Department"]);
    assert_eq!(lib["arn_segments"].1.context_keys(), vec!["aws:PrincipalAccount", "svc:arn"]);
    assert!(lib["allow_all"].1.context_keys().is_empty());
    let p = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"v"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
            {"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"StringNotEquals":{"AWS:SOURCEVPC":"w"},"StringLike":{"s3:prefix":"${aws:userid}/*"}}}]}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    assert_eq!(
        p.context_keys(),
        vec!["aws:SecureTransport", "aws:SourceIp", "aws:SourceVpc", "aws:userid", "s3:prefix"]
    );
}

#[test]
fn parsed_statements_are_readable() {
    let lib = library();
    let p = &lib["force_mfa"].1;
    assert_eq!(p.version(), Version::V2012);
    assert_eq!(p.version().as_str(), "2012-10-17");
    let s = &p.statements()[0];
    assert_eq!(s.sid.as_deref(), Some("DenyAllExceptListedIfNoMFA"));
    assert_eq!(s.effect, Effect::Deny);
    assert!(s.action.negated);
    assert_eq!(s.action.patterns.len(), 7);
    assert!(!s.action.applies_to("iam:GetUser"));
    assert!(s.action.applies_to("s3:GetObject"));
    assert_eq!(s.resource.as_ref().map(|r| r.patterns.clone()), Some(vec!["*".to_string()]));
    assert_eq!(s.conditions.len(), 1);
    assert_eq!(s.conditions[0].operator, "BoolIfExists");
    assert_eq!(s.conditions[0].key, "aws:MultiFactorAuthPresent");
    assert_eq!(s.conditions[0].values, vec!["false"]);

    let t = &lib["trust_account"].1.statements()[0];
    let principal = t.principal.as_ref().unwrap();
    assert!(!principal.negated);
    assert_eq!(principal.entries, vec![PrincipalEntry::Account("111122223333".into())]);
    assert!(t.resource.is_none());

    let home = &lib["own_credentials"].1.statements()[1];
    let r = home.resource.as_ref().unwrap();
    assert!(r.applies_to("arn:aws:iam::111122223333:user/alice", &context(&[("aws:username", "alice")])));
    assert!(!r.applies_to("arn:aws:iam::111122223333:user/alice", &context(&[])));

    let ops = &lib["ops"].1.statements();
    let numeric = ops.iter().find(|s| s.action.patterns == ["svc:NumericEquals"]).unwrap();
    assert_eq!(numeric.conditions[0].values, vec!["10"], "JSON numbers are stringified");
    assert_eq!(lib["no_version_vars"].1.version(), Version::V2008);
    assert_eq!(lib["allow_all"].1.id(), None);
}

#[test]
fn allows_checks_one_policy() {
    let lib = library();
    let ctx = context(&[]);
    let blocked = principal("blocked");
    let admin = principal("admin");
    let req = |p| Request { action: "sts:AssumeRole", resource: "*", principal: p, context: &ctx };
    assert!(cognate_policy::allows(&lib["trust_deny_session"].1, &req(&admin)));
    assert!(!cognate_policy::allows(&lib["trust_deny_session"].1, &req(&blocked)));
    assert!(!cognate_policy::allows(&lib["empty"].1, &req(&admin)));
}
