//! Parse errors: (kind, document, the message IAM would give, or its start when it carries details).

use cognate_policy::Policy;
use cognate_policy::PolicyKind::{self, Identity, Resource, Trust};

const SYNTAX: &str = "Syntax errors in policy.";
const VENDOR: &str = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
const ACTIONS: &str = "Policy statement must contain actions.";
const RESOURCES: &str = "Policy statement must contain resources.";
const PRINCIPAL: &str = "Invalid principal in policy";

/// Wraps one statement into a 2012-10-17 document.
fn doc(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

const BAD: &[(PolicyKind, &str, &str)] = &[
    (Identity, "not json", SYNTAX),
    (Identity, "", SYNTAX),
    (Identity, "[]", SYNTAX),
    (Identity, r#""Statement""#, SYNTAX),
    (Identity, r#"{"Version":"2012-10-17"}"#, "Missing required field Statement"),
    (Identity, r#"{"Version":"2012-10-18","Statement":[]}"#, "The policy failed legacy parsing"),
    (Identity, r#"{"Version":2012,"Statement":[]}"#, "The policy failed legacy parsing"),
    (Identity, r#"{"Version":"2012-10-17","Statement":[],"Foo":1}"#, "Unknown field Foo"),
    (Identity, r#"{"version":"2012-10-17","Statement":[]}"#, "Unknown field version"),
    (Identity, r#"{"Version":"2012-10-17","Id":5,"Statement":[]}"#, SYNTAX),
    (Identity, r#"{"Version":"2012-10-17","Statement":"x"}"#, SYNTAX),
    (Identity, r#"{"Version":"2012-10-17","Statement":5}"#, SYNTAX),
    (Identity, r#"{"Version":"2012-10-17","Statement":["x"]}"#, SYNTAX),
];

const BAD_STATEMENTS: &[(PolicyKind, &str, &str)] = &[
    (Identity, r#"{"Effect":"Allow","Actions":"s3:*","Resource":"*"}"#, "Unknown field Actions"),
    (Identity, r#"{"effect":"Allow","Action":"s3:*","Resource":"*"}"#, "Unknown field effect"),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Foo":"bar"}"#, "Unknown field Foo"),
    (Identity, r#"{"Action":"s3:*","Resource":"*"}"#, "Missing required field Effect"),
    (Identity, r#"{"Effect":"allow","Action":"s3:*","Resource":"*"}"#, "Invalid effect: allow"),
    (Identity, r#"{"Effect":"Permit","Action":"s3:*","Resource":"*"}"#, "Invalid effect: Permit"),
    (Identity, r#"{"Effect":true,"Action":"s3:*","Resource":"*"}"#, SYNTAX),
    (
        Identity,
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#,
        "Policy document should not specify a principal.",
    ),
    (
        Identity,
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#,
        "Policy document should not specify a principal.",
    ),
    (Trust, r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#, "Missing required field Principal"),
    (
        Resource,
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        "Missing required field Principal",
    ),
    (Trust, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:role/x"},"Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (
        Trust,
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"sts:AssumeRole"}"#,
        PRINCIPAL,
    ),
    (Trust, r#"{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (Trust, r#"{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (Trust, r#"{"Effect":"Allow","Principal":{"Group":"x"},"Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (Trust, r#"{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (Trust, r#"{"Effect":"Allow","Principal":{"Federated":""},"Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (Trust, r#"{"Effect":"Allow","Principal":{"AWS":[]},"Action":"sts:AssumeRole"}"#, PRINCIPAL),
    (Trust, r#"{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"sts:AssumeRole"}"#, SYNTAX),
    (Identity, r#"{"Effect":"Allow","Resource":"*"}"#, ACTIONS),
    (Identity, r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#, ACTIONS),
    (Identity, r#"{"Effect":"Allow","NotAction":[],"Resource":"*"}"#, ACTIONS),
    (Identity, r#"{"Effect":"Allow","Action":"GetObject","Resource":"*"}"#, VENDOR),
    (Identity, r#"{"Effect":"Allow","Action":"s3:","Resource":"*"}"#, VENDOR),
    (Identity, r#"{"Effect":"Allow","Action":":GetObject","Resource":"*"}"#, VENDOR),
    (Identity, r#"{"Effect":"Allow","Action":["s3:GetObject",""],"Resource":"*"}"#, VENDOR),
    (Identity, r#"{"Effect":"Allow","Action":5,"Resource":"*"}"#, SYNTAX),
    (Identity, r#"{"Effect":"Allow","Action":["s3:GetObject",5],"Resource":"*"}"#, SYNTAX),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}"#, SYNTAX),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*"}"#, RESOURCES),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","Resource":[]}"#, RESOURCES),
    (Resource, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*"}"#, RESOURCES),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}"#,
        "Resource bucket must be in ARN format or \"*\".",
    ),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}"#, SYNTAX),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","Resource":{"a":1}}"#, SYNTAX),
    (
        Identity,
        r#"{"Sid":"A B","Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
        "Statement IDs (SID) must be alpha-numeric.",
    ),
    (
        Trust,
        r#"{"Sid":"x-y","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#,
        "Statement IDs (SID) must be alpha-numeric.",
    ),
    (Identity, r#"{"Sid":5,"Effect":"Allow","Action":"s3:*","Resource":"*"}"#, SYNTAX),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:x":"y"}}}"#,
        "Invalid Condition type : StringEqualz",
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:Nul":{"aws:x":"y"}}}"#,
        "Invalid Condition type : ForAnyValue:Nul",
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:x":"true"}}}"#,
        "Invalid Condition type : NullIfExists",
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"stringequals":{"aws:x":"y"}}}"#,
        "Invalid Condition type : stringequals",
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"SourceIp":"y"}}}"#,
        VENDOR,
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:":"y"}}}"#,
        VENDOR,
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":{"a":"b"}}}}"#,
        SYNTAX,
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":null}}}"#,
        SYNTAX,
    ),
    (
        Identity,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":[["a"]]}}}"#,
        SYNTAX,
    ),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"aws:x"}}"#, SYNTAX),
    (Identity, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":["x"]}"#, SYNTAX),
];

#[test]
fn documents_are_refused_with_iam_messages() {
    let mut failures = Vec::new();
    let wrapped: Vec<(PolicyKind, String, &str)> = BAD
        .iter()
        .map(|(k, d, m)| (*k, d.to_string(), *m))
        .chain(BAD_STATEMENTS.iter().map(|(k, s, m)| (*k, doc(s), *m)))
        .collect();
    for (kind, document, want) in &wrapped {
        match Policy::parse(document, *kind) {
            Ok(_) => failures.push(format!("{kind:?} {document}: parsed, want {want:?}")),
            Err(e) if e.message.starts_with(want) => {}
            Err(e) => failures.push(format!("{kind:?} {document}: got {:?}, want {want:?}", e.message)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(wrapped.len() >= 60);
}

#[test]
fn duplicate_sids_are_refused() {
    let d = doc(
        r#"{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
    );
    let e = Policy::parse(&d, Identity).unwrap_err();
    assert_eq!(e.message, "Statement IDs (SID) in a single policy must be unique.");
    assert_eq!(e.to_string(), e.message);
    // Distinct, and absent, Sids are fine.
    let d = doc(
        r#"{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"B","Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
    );
    assert_eq!(Policy::parse(&d, Identity).unwrap().statements().len(), 4);
}

#[test]
fn principal_errors_carry_the_entry() {
    let d = doc(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:role/x"},"Action":"sts:AssumeRole"}"#);
    assert_eq!(
        Policy::parse(&d, Trust).unwrap_err().message,
        r#"Invalid principal in policy: "AWS":"arn:aws:iam::*:role/x""#
    );
}

const GOOD: &[(PolicyKind, &str)] = &[
    (Identity, r#"{"Version":"2012-10-17","Statement":[]}"#),
    (Identity, r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#),
    (Identity, r#"{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#),
    (
        Identity,
        r#"{"Version":"2012-10-17","Statement":{"Sid":"","Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/x"}}"#,
    ),
    (Identity, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*:*","Resource":"*"}}"#),
    (
        Identity,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{}}}"#,
    ),
    (
        Identity,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{}}}}"#,
    ),
    (
        Identity,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":[]}}}}"#,
    ),
    (
        Identity,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:x":[1,2.5,"3"]},"Bool":{"aws:y":false}}}}"#,
    ),
    (
        Trust,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    ),
    (
        Trust,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/example.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
    ),
    (
        Trust,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:sts::111122223333:assumed-role/R/S","arn:aws:sts::111122223333:federated-user/u"]},"Action":"sts:AssumeRole","Resource":"*"}]}"#,
    ),
    (
        Trust,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
    ),
    (
        Resource,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Spaces are fine here","Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    ),
];

#[test]
fn valid_documents_parse() {
    for (kind, document) in GOOD {
        if let Err(e) = Policy::parse(document, *kind) {
            panic!("{kind:?} {document}: {}", e.message);
        }
    }
}
