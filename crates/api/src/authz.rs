//! The authorization step: after the caller is resolved and before the handler runs, one decision
//! per request on whether this caller may call this operation. The IAM policy engine (identity
//! pools' roles, IAM users) plugs in at `principal_may`; today the root key may do everything, as
//! AWS's root user may.

use cognate_protocol::AwsError;

use crate::auth::{Caller, Principal, PrincipalKind};

/// An operation as the authorization step sees it: its IAM action (`cognito-idp:GetUser`) and
/// whether the model has it signed with SigV4 or called with a user's access token.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    pub service: &'static str,
    pub name: &'static str,
    pub requires_sigv4: bool,
    pub takes_access_token: bool,
}

/// Whether `caller` may call `action`; the refusal is AWS's AccessDenied in the protocol's shape.
pub fn authorize(caller: &Caller, action: Action) -> Result<(), AwsError> {
    let allowed = match caller {
        Caller::Developer => true,
        Caller::Principal(principal) => !action.requires_sigv4 || principal_may(principal, action),
        // Signature-less operations check their own proof (client ID, session, token) in the body.
        Caller::User(_) | Caller::Anonymous => !action.requires_sigv4,
    };
    if allowed {
        Ok(())
    } else {
        Err(AwsError::client(
            "AccessDeniedException",
            format!("The caller is not authorized to perform: {}:{}", action.service, action.name),
        ))
    }
}

/// The IAM policy decision for a principal. The root key is allowed everything.
fn principal_may(principal: &Principal, _action: Action) -> bool {
    match principal.kind {
        PrincipalKind::Root => true,
    }
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
        let root = Caller::Principal(Principal { access_key_id: "AKIA".into(), kind: PrincipalKind::Root });
        assert!(authorize(&root, SIGNED).is_ok());
        assert!(authorize(&Caller::Developer, SIGNED).is_ok());
        let denied = authorize(&Caller::Anonymous, SIGNED).err().map(|e| e.code.to_string());
        assert_eq!(denied.as_deref(), Some("AccessDeniedException"));
    }

    #[test]
    fn open_operations_take_anyone() {
        let root = Caller::Principal(Principal { access_key_id: "AKIA".into(), kind: PrincipalKind::Root });
        for caller in [Caller::Anonymous, Caller::Developer, root] {
            assert!(authorize(&caller, OPEN).is_ok(), "{caller:?}");
        }
    }
}
