//! The `Principal` / `NotPrincipal` element of trust and resource-based policies: who a
//! statement is about, and whether the caller is one of them.
//!
//! Accepted forms: `"*"` (everyone, anonymous callers included) or an object with any of `AWS`,
//! `Federated`, `Service` and `CanonicalUser`, each a string or a non-empty array. An `AWS` entry
//! is `"*"` (any AWS principal, and anonymous callers), a 12-digit account ID or its root ARN
//! `arn:aws:iam::123456789012:root` (any principal of that account), or the ARN of an IAM user,
//! an IAM role (which also matches that role's sessions), an assumed-role session or a federated
//! user. Partial wildcards are rejected, as IAM rejects them.

use serde_json::Value;

use crate::PolicyError;

/// Who is asking, as trust and resource policies match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An AWS principal: its ARN (`arn:aws:iam::123456789012:root`,
    /// `arn:aws:iam::123456789012:user/alice`, `arn:aws:sts::123456789012:assumed-role/R/S`), its
    /// account ID and, for an assumed-role session, the role's ARN
    /// (`arn:aws:iam::123456789012:role/R`), which policies may name instead of the session.
    Aws { arn: String, account: String, role_arn: Option<String> },
    /// A web identity or SAML provider: `cognito-identity.amazonaws.com`, `accounts.google.com`,
    /// or an IAM OIDC/SAML provider ARN.
    Federated(String),
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service(String),
    /// An unauthenticated caller.
    Anonymous,
}

/// One entry of a `Principal` element, as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"Principal": "*"`: everyone.
    Everyone,
    /// `{"AWS": "*"}`: any AWS principal, and anonymous callers.
    AnyAws,
    /// `{"AWS": "123456789012"}` or `arn:aws:iam::123456789012:root`: any principal of the account.
    Account(String),
    /// `{"AWS": "arn:…"}`: that user, role (and its sessions), session or federated user.
    Arn(String),
    /// `{"Federated": "…"}`.
    Federated(String),
    /// `{"Service": "…"}`.
    Service(String),
    /// `{"CanonicalUser": "…"}` (S3's canonical user IDs; never matches a [`Principal`] here).
    CanonicalUser(String),
}

/// A statement's `Principal` (or, `negated`, `NotPrincipal`) element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalElement {
    /// `true` for `NotPrincipal`: the statement applies to everyone except the listed principals.
    pub negated: bool,
    pub entries: Vec<PrincipalEntry>,
}

impl PrincipalElement {
    /// Whether the statement applies to `principal`.
    pub fn applies_to(&self, principal: &Principal) -> bool {
        self.entries.iter().any(|e| e.matches(principal)) != self.negated
    }

    pub(crate) fn parse(value: &Value, negated: bool) -> Result<PrincipalElement, PolicyError> {
        let entries = match value {
            Value::String(s) if s == "*" => vec![PrincipalEntry::Everyone],
            Value::Object(map) if !map.is_empty() => {
                let mut entries = Vec::new();
                for (kind, v) in map {
                    for item in principal_strings(kind, v)? {
                        entries.push(parse_entry(kind, item)?);
                    }
                }
                entries
            }
            other => return Err(invalid(&other.to_string())),
        };
        Ok(PrincipalElement { negated, entries })
    }
}

impl PrincipalEntry {
    /// Whether this entry names `principal`.
    pub fn matches(&self, principal: &Principal) -> bool {
        match (self, principal) {
            (PrincipalEntry::Everyone, _) => true,
            (PrincipalEntry::AnyAws, Principal::Aws { .. } | Principal::Anonymous) => true,
            (PrincipalEntry::Account(a), Principal::Aws { account, .. }) => a == account,
            (PrincipalEntry::Arn(a), Principal::Aws { arn, role_arn, .. }) => {
                a == arn || role_arn.as_deref() == Some(a.as_str())
            }
            (PrincipalEntry::Federated(f), Principal::Federated(p)) => f == p,
            (PrincipalEntry::Service(s), Principal::Service(p)) => s == p,
            _ => false,
        }
    }
}

fn invalid(detail: &str) -> PolicyError {
    PolicyError::new(format!("Invalid principal in policy: {detail}"))
}

fn principal_strings<'v>(kind: &str, v: &'v Value) -> Result<Vec<&'v str>, PolicyError> {
    let bad = || invalid(&format!("\"{kind}\":{v}"));
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items.iter().map(|i| i.as_str().ok_or_else(bad)).collect(),
        _ => Err(bad()),
    }
}

fn parse_entry(kind: &str, item: &str) -> Result<PrincipalEntry, PolicyError> {
    let bad = || invalid(&format!("\"{kind}\":\"{item}\""));
    if item.is_empty() || item.contains(char::is_whitespace) {
        return Err(bad());
    }
    match kind {
        "AWS" => parse_aws(item).ok_or_else(bad),
        "Federated" if !has_wildcard(item) || item == "*" => Ok(PrincipalEntry::Federated(item.to_string())),
        "Service" if !has_wildcard(item) || item == "*" => Ok(PrincipalEntry::Service(item.to_string())),
        "CanonicalUser" if !has_wildcard(item) => Ok(PrincipalEntry::CanonicalUser(item.to_string())),
        _ => Err(bad()),
    }
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_aws(item: &str) -> Option<PrincipalEntry> {
    if item == "*" {
        return Some(PrincipalEntry::AnyAws);
    }
    if has_wildcard(item) {
        return None;
    }
    if is_account(item) {
        return Some(PrincipalEntry::Account(item.to_string()));
    }
    let mut parts = item.splitn(6, ':');
    let (arn, partition, service, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let partition_ok = partition == "aws" || partition.strip_prefix("aws-").is_some_and(|p| !p.is_empty());
    if arn != "arn" || !partition_ok || !region.is_empty() || !is_account(account) {
        return None;
    }
    let named =
        |prefix: &str| resource.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && !rest.ends_with('/'));
    match service {
        "iam" if resource == "root" => Some(PrincipalEntry::Account(account.to_string())),
        "iam" if named("user/") || named("role/") => Some(PrincipalEntry::Arn(item.to_string())),
        "sts" if named("assumed-role/") || named("federated-user/") => Some(PrincipalEntry::Arn(item.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn user(name: &str) -> Principal {
        Principal::Aws {
            arn: format!("arn:aws:iam::111122223333:user/{name}"),
            account: "111122223333".into(),
            role_arn: None,
        }
    }

    fn session() -> Principal {
        Principal::Aws {
            arn: "arn:aws:sts::111122223333:assumed-role/Admin/alice".into(),
            account: "111122223333".into(),
            role_arn: Some("arn:aws:iam::111122223333:role/Admin".into()),
        }
    }

    fn element(json: &str) -> Result<PrincipalElement, PolicyError> {
        PrincipalElement::parse(&serde_json::from_str(json).unwrap(), false)
    }

    #[test]
    fn aws_entries_parse() {
        let ok: &[(&str, PrincipalEntry)] = &[
            (r#"{"AWS":"*"}"#, PrincipalEntry::AnyAws),
            (r#"{"AWS":"111122223333"}"#, PrincipalEntry::Account("111122223333".into())),
            (r#"{"AWS":"arn:aws:iam::111122223333:root"}"#, PrincipalEntry::Account("111122223333".into())),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:user/a/b"}"#,
                PrincipalEntry::Arn("arn:aws:iam::111122223333:user/a/b".into()),
            ),
            (
                r#"{"AWS":"arn:aws-cn:iam::111122223333:role/R"}"#,
                PrincipalEntry::Arn("arn:aws-cn:iam::111122223333:role/R".into()),
            ),
            (
                r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/R/S"}"#,
                PrincipalEntry::Arn("arn:aws:sts::111122223333:assumed-role/R/S".into()),
            ),
            (
                r#"{"Federated":"cognito-identity.amazonaws.com"}"#,
                PrincipalEntry::Federated("cognito-identity.amazonaws.com".into()),
            ),
            (r#"{"Service":"lambda.amazonaws.com"}"#, PrincipalEntry::Service("lambda.amazonaws.com".into())),
            (r#"{"CanonicalUser":"79a59df9"}"#, PrincipalEntry::CanonicalUser("79a59df9".into())),
        ];
        for (json, want) in ok {
            assert_eq!(element(json).unwrap().entries, vec![want.clone()], "{json}");
        }
    }

    #[test]
    fn bad_entries_are_rejected() {
        for json in [
            r#""arn:aws:iam::111122223333:root""#,
            r#"{}"#,
            r#"[]"#,
            r#"{"AWS":[]}"#,
            r#"{"AWS":5}"#,
            r#"{"AWS":"12345"}"#,
            r#"{"AWS":"arn:aws:iam::*:role/x"}"#,
            r#"{"AWS":"arn:aws:iam::111122223333:role/*"}"#,
            r#"{"AWS":"arn:aws:iam::111122223333:group/g"}"#,
            r#"{"AWS":"arn:aws:iam::111122223333:role/"}"#,
            r#"{"AWS":"arn:aws:s3:::bucket"}"#,
            r#"{"AWS":"arn:aws:iam:us-east-1:111122223333:user/a"}"#,
            r#"{"AWS":"arn:other:iam::111122223333:user/a"}"#,
            r#"{"AWS":"alice"}"#,
            r#"{"Federated":""}"#,
            r#"{"Service":"lambda.*.com"}"#,
            r#"{"Robot":"x"}"#,
        ] {
            let err = element(json).unwrap_err();
            assert!(err.message.starts_with("Invalid principal in policy"), "{json}: {}", err.message);
        }
    }

    #[test]
    fn matching_table() {
        let anon = Principal::Anonymous;
        let fed = Principal::Federated("cognito-identity.amazonaws.com".into());
        let svc = Principal::Service("lambda.amazonaws.com".into());
        let other = Principal::Aws {
            arn: "arn:aws:iam::444455556666:user/bob".into(),
            account: "444455556666".into(),
            role_arn: None,
        };
        let cases: &[(&str, &Principal, bool)] = &[
            (r#""*""#, &anon, true),
            (r#""*""#, &fed, true),
            (r#""*""#, &svc, true),
            (r#"{"AWS":"*"}"#, &anon, true),
            (r#"{"AWS":"*"}"#, &other, true),
            (r#"{"AWS":"*"}"#, &fed, false),
            (r#"{"AWS":"*"}"#, &svc, false),
            (r#"{"AWS":"111122223333"}"#, &session(), true),
            (r#"{"AWS":"111122223333"}"#, &other, false),
            (r#"{"AWS":"111122223333"}"#, &anon, false),
            (r#"{"AWS":"arn:aws:iam::111122223333:root"}"#, &user("alice"), true),
            (r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, &user("alice"), true),
            (r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, &user("Alice"), false),
            (r#"{"AWS":"arn:aws:iam::111122223333:role/Admin"}"#, &session(), true),
            (r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/alice"}"#, &session(), true),
            (r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/bob"}"#, &session(), false),
            (r#"{"AWS":["arn:aws:iam::111122223333:user/x","444455556666"]}"#, &other, true),
            (r#"{"Federated":"cognito-identity.amazonaws.com"}"#, &fed, true),
            (r#"{"Federated":"accounts.google.com"}"#, &fed, false),
            (r#"{"Federated":"cognito-identity.amazonaws.com"}"#, &anon, false),
            (r#"{"Service":"lambda.amazonaws.com"}"#, &svc, true),
            (r#"{"Service":"lambda.amazonaws.com","AWS":"111122223333"}"#, &user("z"), true),
            (r#"{"CanonicalUser":"79a59df9"}"#, &anon, false),
        ];
        for (json, who, want) in cases {
            assert_eq!(element(json).unwrap().applies_to(who), *want, "{json} vs {who:?}");
            let not = PrincipalElement::parse(&serde_json::from_str(json).unwrap(), true).unwrap();
            assert_eq!(not.applies_to(who), !*want, "NotPrincipal {json} vs {who:?}");
        }
    }
}
