//! The domain's errors: what went wrong in Cognito's terms, never in HTTP or SQL terms. The API
//! layer maps each variant to an AWS error code in one place (`cognate-api`'s `error_map`).

use cognate_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is well-formed but breaks a Cognito rule.
    #[error("{0}")]
    InvalidParameter(String),
    /// A user pool, client or other resource does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// A quota was reached.
    #[error("{0}")]
    LimitExceeded(String),
    /// The client's OAuth flows do not fit together or with the client.
    #[error("{0}")]
    InvalidOAuthFlow(String),
    /// An OAuth scope the client asks for does not exist.
    #[error("{0}")]
    ScopeDoesNotExist(String),
    /// The caller may not do this (bad credentials, token, client, or a disabled user).
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    UserNotFound(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    AliasExists(String),
    #[error("{0}")]
    GroupExists(String),
    /// The password breaks the pool's policy.
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    CodeMismatch(String),
    #[error("{0}")]
    ExpiredCode(String),
    #[error("{0}")]
    UserNotConfirmed(String),
    #[error("{0}")]
    PasswordResetRequired(String),
    /// A message could not be delivered.
    #[error("{0}")]
    CodeDeliveryFailure(String),
    /// The pool is not set up for what was asked (e.g. no verified channel for a code).
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    /// The operation is not enabled for this client or pool.
    #[error("{0}")]
    UnsupportedOperation(String),
    /// The client already has a managed login branding style.
    #[error("{0}")]
    BrandingExists(String),
    /// An OAuth grant (code, refresh token) that is invalid, expired, revoked or another client's.
    #[error("{0}")]
    InvalidGrant(String),
    /// Another request changed the same user between this request's read and its write; nothing
    /// was written. Reported as TooManyRequestsException, which the AWS SDKs retry on their own.
    #[error("{0}")]
    ConcurrentUpdate(String),
    /// Anything else: logged in full, reported to clients as an internal error.
    /// An identity pool whose roles cannot give credentials (cognito-identity).
    #[error("{0}")]
    IdentityPoolConfiguration(String),
    /// A name or login already taken (cognito-identity's ResourceConflictException).
    #[error("{0}")]
    ResourceConflict(String),
    /// A developer user identifier already linked to another identity.
    #[error("{0}")]
    DeveloperUserAlreadyRegistered(String),
    /// An error of the account-level services (IAM, STS, identity pools), by IAM's names.
    #[error("{1}")]
    Iam(IamError, String),
    #[error("internal error: {0:#}")]
    Internal(#[source] anyhow::Error),
}

/// The failures IAM and STS name (each service's error code is chosen in the API layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IamError {
    NoSuchEntity,
    EntityAlreadyExists,
    DeleteConflict,
    MalformedPolicyDocument,
    LimitExceeded,
    InvalidInput,
    /// An STS-issued token or web identity token has expired.
    ExpiredToken,
    InvalidIdentityToken,
    IdpRejectedClaim,
    AccessDenied,
    PackedPolicyTooLarge,
    InvalidAuthorizationMessage,
    PolicyEvaluation,
    ConcurrentModification,
}

impl IamError {
    pub fn err(self, message: impl Into<String>) -> Error {
        Error::Iam(self, message.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A disabled user may not sign in or use tokens: Cognito's words, said in one place.
    pub fn user_disabled() -> Error {
        Error::NotAuthorized("User is disabled.".into())
    }
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidParameter(msg.into())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Stale => {
                Error::ConcurrentUpdate("The user was changed by a concurrent request; try again.".into())
            }
            e => Error::Internal(anyhow::Error::new(e)),
        }
    }
}

/// A store error where `NotFound` means the named resource does not exist.
pub(crate) fn not_found_as(e: StoreError, what: impl FnOnce() -> String) -> Error {
    match e {
        StoreError::NotFound => Error::ResourceNotFound(what()),
        other => other.into(),
    }
}
