//! The authorization step: after the caller is resolved and before the handler runs, one decision
//! per request on whether this caller may call this operation on its resource. Signed callers are
//! decided by the IAM policy engine (`cognate_domain::iam::principals`): the root key may do
//! everything, IAM users and role sessions what their policies allow. The resource is the ARN AWS
//! forms for the operation (`resource_arn`): the user pool, identity pool, role, user or policy
//! the request names, or `*`. Refusals use AWS's wording and each protocol's code.

use cognate_domain::Domain;
use cognate_domain::iam::principals::{ActingKind, RequestFacts};
use cognate_protocol::AwsError;
use http::StatusCode;

use crate::auth::{Caller, Protocol};

/// An operation as the authorization step sees it: its IAM action (`cognito-idp:GetUser`) and
/// whether the model has it signed with SigV4 or called with a user's access token.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    pub service: &'static str,
    pub name: &'static str,
    pub requires_sigv4: bool,
    pub takes_access_token: bool,
}

fn denied(protocol: Protocol, message: String) -> AwsError {
    match protocol {
        Protocol::Json => AwsError::client("AccessDeniedException", message),
        Protocol::Query => AwsError::new("AccessDenied", StatusCode::FORBIDDEN, message),
    }
}

/// Whether `caller` may call `action` on `resource`; the refusal is AWS's AccessDenied in the
/// protocol's shape.
/// `domain` encodes refusals of the Query services (`None` where no message is wanted).
pub fn authorize(
    domain: Option<&Domain>,
    caller: &Caller,
    action: Action,
    resource: &str,
    facts: &RequestFacts,
    protocol: Protocol,
) -> Result<(), AwsError> {
    let iam_action = format!("{}:{}", action.service, action.name);
    match caller {
        Caller::Developer => Ok(()),
        // Signature-less operations check their own proof (client ID, session, token) in the body.
        _ if !action.requires_sigv4 => Ok(()),
        Caller::User(_) | Caller::Anonymous => {
            Err(denied(protocol, format!("The caller is not authorized to perform: {iam_action}")))
        }
        Caller::Principal(principal) => {
            let acting = &principal.acting;
            // GetSessionToken's credentials (without MFA) may not call IAM, and of STS only
            // AssumeRole and GetCallerIdentity (IAM User Guide, "Comparing the AWS STS API operations").
            if acting.kind == ActingKind::UserSession
                && (action.service == "iam"
                    || (action.service == "sts" && !matches!(action.name, "AssumeRole" | "GetCallerIdentity")))
            {
                return Err(denied(
                    protocol,
                    format!("User: {} is not authorized to perform: {iam_action} with session credentials", acting.arn),
                ));
            }
            // "No permissions are required to perform this operation" (STS API reference): who a
            // caller is, and a session of the caller's own permissions, are not policy decisions.
            if action.service == "sts" && matches!(action.name, "GetCallerIdentity" | "GetSessionToken") {
                return Ok(());
            }
            let context = acting.context(facts);
            let verdict = acting.decide(&iam_action, resource, &context);
            if verdict.is_allowed() {
                return Ok(());
            }
            let mut message = acting.denial(&iam_action, resource, &verdict);
            // The Query services (IAM, STS) add the encoded message STS DecodeAuthorizationMessage
            // reads, as AWS's services that encode failures do; Cognito's JSON errors do not.
            if protocol == Protocol::Query
                && let Some(encoded) = domain
                    .and_then(|d| d.encode_authorization_failure(acting, &iam_action, resource, &context, &verdict))
            {
                message.push_str(". Encoded authorization failure message: ");
                message.push_str(&encoded);
            }
            Err(denied(protocol, message))
        }
    }
}

/// The members of a JSON request that name its resource.
#[derive(serde::Deserialize, Default)]
struct ResourceMembers {
    #[serde(rename = "UserPoolId")]
    user_pool_id: Option<String>,
    #[serde(rename = "IdentityPoolId")]
    identity_pool_id: Option<String>,
    #[serde(rename = "ResourceArn")]
    resource_arn: Option<String>,
}

/// The ARN a JSON (cognito-idp, cognito-identity) request acts on, or `*`.
pub fn json_resource(domain: &Domain, body: &[u8]) -> String {
    let m: ResourceMembers = serde_json::from_slice(body).unwrap_or_default();
    if let Some(arn) = m.resource_arn {
        return arn;
    }
    if let Some(pool) = m.user_pool_id {
        return domain.pool_arn(&pool);
    }
    if let Some(pool) = m.identity_pool_id {
        return domain.identity_pool_arn(&pool);
    }
    "*".into()
}

/// The ARN a Query (IAM, STS) request acts on, or `*`.
pub fn query_resource(domain: &Domain, params: &[(String, String)]) -> String {
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let account = domain.account_id();
    for arn_member in ["RoleArn", "PolicyArn", "OpenIDConnectProviderArn", "PolicySourceArn"] {
        if let Some(arn) = param(arn_member) {
            return arn.to_owned();
        }
    }
    if let Some(role) = param("RoleName") {
        return format!("arn:aws:iam::{account}:role/{role}");
    }
    if let Some(user) = param("UserName") {
        return format!("arn:aws:iam::{account}:user/{user}");
    }
    if let Some(name) = param("PolicyName")
        && param("Action") == Some("CreatePolicy")
    {
        let path = param("Path").unwrap_or("/");
        return format!("arn:aws:iam::{account}:policy{path}{name}");
    }
    "*".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: Action =
        Action { service: "cognito-idp", name: "AdminGetUser", requires_sigv4: true, takes_access_token: false };
    const OPEN: Action =
        Action { service: "cognito-idp", name: "InitiateAuth", requires_sigv4: false, takes_access_token: false };

    #[test]
    fn signed_operations_need_a_principal() {
        let facts = RequestFacts::default();
        assert!(authorize(None, &Caller::Developer, SIGNED, "*", &facts, Protocol::Json).is_ok());
        let denied =
            authorize(None, &Caller::Anonymous, SIGNED, "*", &facts, Protocol::Json).err().map(|e| e.code.to_string());
        assert_eq!(denied.as_deref(), Some("AccessDeniedException"));
        let denied =
            authorize(None, &Caller::Anonymous, SIGNED, "*", &facts, Protocol::Query).err().map(|e| e.code.to_string());
        assert_eq!(denied.as_deref(), Some("AccessDenied"));
    }

    #[test]
    fn open_operations_take_anyone() {
        for caller in [Caller::Anonymous, Caller::Developer] {
            assert!(
                authorize(None, &caller, OPEN, "*", &RequestFacts::default(), Protocol::Json).is_ok(),
                "{caller:?}"
            );
        }
    }
}
