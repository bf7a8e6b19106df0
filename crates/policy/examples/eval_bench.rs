//! Times `cognate_policy::evaluate` on a realistic role: four policies (two identity policies, a
//! permissions boundary and a session policy), fifteen statements, conditions with `StringLike`,
//! `IpAddress`, `DateLessThan`, `ForAnyValue:`, `Bool…IfExists` and policy variables.
//!
//! `cargo run --release -p cognate-policy --example eval_bench`

use std::hint::black_box;
use std::time::Instant;

use cognate_policy::{Context, Decision, Policy, PolicyKind, PolicySet, Principal, Request, evaluate};

const ADMIN: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"ReadPools","Effect":"Allow","Action":["cognito-idp:Describe*","cognito-idp:List*","cognito-idp:Get*"],"Resource":"*"},
  {"Sid":"ManageUsers","Effect":"Allow","Action":["cognito-idp:Admin*User*","cognito-idp:AdminSetUserPassword"],
   "Resource":"arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_*",
   "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24","2001:db8::/32"]},
                "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}},
  {"Sid":"TagPools","Effect":"Allow","Action":["cognito-idp:TagResource","cognito-idp:UntagResource"],"Resource":"*",
   "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["Team","CostCenter"]}}},
  {"Sid":"OwnTeam","Effect":"Allow","Action":"cognito-idp:UpdateUserPool","Resource":"*",
   "Condition":{"StringEquals":{"aws:ResourceTag/Department":"${aws:PrincipalTag/Department}"}}},
  {"Sid":"NoDelete","Effect":"Deny","Action":["cognito-idp:DeleteUserPool","cognito-idp:DeleteUserPoolDomain"],"Resource":"*"},
  {"Sid":"RequireMfa","Effect":"Deny","NotAction":["iam:GetUser","sts:GetSessionToken"],"Resource":"*",
   "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}
]}"#;

const STORAGE: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::home/${aws:username}/*"},
  {"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home",
   "Condition":{"StringLike":{"s3:prefix":["${aws:username}/*","shared/*"]}}},
  {"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:111122223333:log-group:/cognate/*"},
  {"Sid":"FromVpc","Effect":"Deny","Action":"s3:*","Resource":"*",
   "Condition":{"StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1a2b3c4d"},"Bool":{"aws:ViaAWSService":"false"}}}
]}"#;

const BOUNDARY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Services","Effect":"Allow","Action":["cognito-idp:*","s3:*","logs:*","iam:GetUser","sts:GetSessionToken"],"Resource":"*"},
  {"Sid":"NoIam","Effect":"Deny","Action":["iam:Create*","iam:Delete*","iam:Put*","iam:Attach*"],"Resource":"*"},
  {"Sid":"Region","Effect":"Deny","NotAction":"iam:*","Resource":"*",
   "Condition":{"StringNotLike":{"aws:RequestedRegion":["us-east-1","eu-west-*"]}}}
]}"#;

const SESSION: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Session","Effect":"Allow","Action":["cognito-idp:*","s3:*"],"Resource":"*",
   "Condition":{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}},
  {"Sid":"Expire","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2031-01-01T00:00:00Z"}}}
]}"#;

fn main() {
    let parse = |doc| match Policy::parse(doc, PolicyKind::Identity) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bad policy: {}", e.message);
            std::process::exit(1);
        }
    };
    let (admin, storage, boundary, session) = (parse(ADMIN), parse(STORAGE), parse(BOUNDARY), parse(SESSION));
    let statements: usize = [&admin, &storage, &boundary, &session].iter().map(|p| p.statements().len()).sum();
    let identity = [&admin, &storage];
    let boundary = [&boundary];
    let session = [&session];
    let set = PolicySet { identity: &identity, boundary: Some(&boundary), session: Some(&session), resource: &[] };

    let principal = Principal::Aws {
        arn: "arn:aws:sts::111122223333:assumed-role/PoolAdmin/alice".into(),
        account: "111122223333".into(),
        role_arn: Some("arn:aws:iam::111122223333:role/PoolAdmin".into()),
    };
    let mut context = Context::new();
    context.set("aws:CurrentTime", "2026-05-01T12:00:00Z");
    context.set("aws:SourceIp", "10.1.2.3");
    context.set("aws:username", "alice");
    context.set("aws:MultiFactorAuthPresent", "true");
    context.set("aws:RequestedRegion", "us-east-1");
    context.set("aws:ViaAWSService", "false");
    context.set("aws:PrincipalTag/Department", "Identity");
    context.set("aws:ResourceTag/Department", "Identity");
    context.set_list("aws:TagKeys", vec!["Team".into()]);
    context.set_list(
        "cognito-identity.amazonaws.com:amr",
        vec!["authenticated".into(), "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab3dEf9Hk".into()],
    );
    let request = Request {
        action: "cognito-idp:AdminCreateUser",
        resource: "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Ab3dEf9Hk",
        principal: &principal,
        context: &context,
    };
    let decision = evaluate(&set, &request).decision;
    if decision != Decision::Allow {
        eprintln!("expected Allow, got {decision:?}");
        std::process::exit(1);
    }

    const N: u32 = 1_000_000;
    for _ in 0..10_000 {
        black_box(evaluate(black_box(&set), black_box(&request)));
    }
    let start = Instant::now();
    for _ in 0..N {
        black_box(evaluate(black_box(&set), black_box(&request)));
    }
    let elapsed = start.elapsed();
    println!(
        "{N} evaluations of {statements} statements in 4 policies: {:.2?} total, {:.0} ns per evaluation",
        elapsed,
        elapsed.as_nanos() as f64 / f64::from(N)
    );
}
