//! The AWS managed policies users attach by ARN (`arn:aws:iam::aws:policy/…`), with their real
//! documents, IDs, versions and dates: an API snapshot of 2026-08-22 (`managed/index.json` and one
//! file per policy, kept as AWS returned them). Read-only: they cannot be changed or deleted.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{ManagedPolicy, PolicyVersion};

/// Every document, by file name.
const FILES: &[(&str, &str)] = &[
    ("AdministratorAccess.json", include_str!("managed/AdministratorAccess.json")),
    ("PowerUserAccess.json", include_str!("managed/PowerUserAccess.json")),
    ("ReadOnlyAccess.json", include_str!("managed/ReadOnlyAccess.json")),
    ("IAMFullAccess.json", include_str!("managed/IAMFullAccess.json")),
    ("IAMReadOnlyAccess.json", include_str!("managed/IAMReadOnlyAccess.json")),
    ("AmazonS3ReadOnlyAccess.json", include_str!("managed/AmazonS3ReadOnlyAccess.json")),
    ("AmazonCognitoPowerUser.json", include_str!("managed/AmazonCognitoPowerUser.json")),
    ("AmazonCognitoReadOnly.json", include_str!("managed/AmazonCognitoReadOnly.json")),
    (
        "AmazonCognitoDeveloperAuthenticatedIdentities.json",
        include_str!("managed/AmazonCognitoDeveloperAuthenticatedIdentities.json"),
    ),
    (
        "AmazonCognitoUnauthenticatedIdentities.json",
        include_str!("managed/AmazonCognitoUnauthenticatedIdentities.json"),
    ),
    (
        "AmazonCognitoUnAuthedIdentitiesSessionPolicy.json",
        include_str!("managed/AmazonCognitoUnAuthedIdentitiesSessionPolicy.json"),
    ),
    ("AmazonESCognitoAccess.json", include_str!("managed/AmazonESCognitoAccess.json")),
    ("AmazonOpenSearchServiceCognitoAccess.json", include_str!("managed/AmazonOpenSearchServiceCognitoAccess.json")),
    (
        "AmazonCognitoIdpEmailServiceRolePolicy.json",
        include_str!("managed/AmazonCognitoIdpEmailServiceRolePolicy.json"),
    ),
    ("AmazonCognitoIdpServiceRolePolicy.json", include_str!("managed/AmazonCognitoIdpServiceRolePolicy.json")),
];

const INDEX: &str = include_str!("managed/index.json");

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    policy_name: String,
    path: String,
    arn: String,
    policy_id: String,
    default_version_id: String,
    create_date: String,
    update_date: String,
    description: String,
    file: String,
}

fn millis(iso: &str) -> i64 {
    time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp() * 1000)
        .unwrap_or_default()
}

static POLICIES: LazyLock<Vec<ManagedPolicy>> = LazyLock::new(|| {
    let entries: Vec<Entry> = serde_json::from_str(INDEX).unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|e| {
            let document = FILES.iter().find(|(name, _)| *name == e.file)?.1;
            let updated_ms = millis(&e.update_date);
            let next_version = e.default_version_id.trim_start_matches('v').parse::<u32>().unwrap_or(1) + 1;
            Some(ManagedPolicy {
                name: e.policy_name,
                id: e.policy_id,
                path: e.path,
                arn: e.arn,
                description: Some(e.description),
                created_ms: millis(&e.create_date),
                updated_ms,
                versions: vec![PolicyVersion {
                    id: e.default_version_id.clone(),
                    document: document.to_owned(),
                    created_ms: updated_ms,
                }],
                default_version: e.default_version_id,
                next_version,
                tags: Vec::new(),
                is_aws_managed: true,
                version: 0,
            })
        })
        .collect()
});

/// Every AWS managed policy Cognate knows.
pub fn all() -> &'static [ManagedPolicy] {
    &POLICIES
}

/// The AWS managed policy with this ARN.
pub fn by_arn(arn: &str) -> Option<&'static ManagedPolicy> {
    POLICIES.iter().find(|p| p.arn == arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_loads_and_parses() {
        assert_eq!(all().len(), FILES.len(), "every index entry has its document");
        for p in all() {
            let document = p.default_document().unwrap_or_default();
            let parsed = cognate_policy::Policy::parse(document, cognate_policy::PolicyKind::Identity);
            assert!(parsed.is_ok(), "{}: {:?}", p.name, parsed.err().map(|e| e.message));
            assert!(p.id.starts_with("ANPA") && p.created_ms > 0 && p.updated_ms >= p.created_ms, "{}", p.name);
        }
        let s3 = by_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess").map(|p| p.default_version.as_str());
        assert_eq!(s3, Some("v3"));
    }
}
