//! The one place where a domain error becomes an AWS error code. Internal failures are logged
//! here with their cause and reach the client only as `InternalErrorException`.

use cognate_domain::{Error, IamError};
use cognate_model::cognito_idp::Exception;
use cognate_protocol::AwsError;
use http::StatusCode;

/// What a handler fails with: an AWS error it chose, or a domain error mapped below.
#[derive(Debug)]
pub enum ApiError {
    Aws(AwsError),
    Domain(Error),
}

impl From<AwsError> for ApiError {
    fn from(e: AwsError) -> Self {
        ApiError::Aws(e)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Domain(e)
    }
}

/// An AWS error with the code and status the cognito-idp model gives `e`.
pub fn exception(e: Exception, message: impl Into<String>) -> AwsError {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    AwsError::new(e.code(), status, message)
}

impl ApiError {
    pub fn into_aws(self) -> AwsError {
        match self {
            ApiError::Aws(e) => e,
            ApiError::Domain(Error::InvalidParameter(m)) => exception(Exception::InvalidParameterException, m),
            ApiError::Domain(Error::ResourceNotFound(m)) => exception(Exception::ResourceNotFoundException, m),
            ApiError::Domain(Error::LimitExceeded(m)) => exception(Exception::LimitExceededException, m),
            ApiError::Domain(Error::ConcurrentUpdate(m)) => exception(Exception::TooManyRequestsException, m),
            ApiError::Domain(Error::BrandingExists(m)) => exception(Exception::ManagedLoginBrandingExistsException, m),
            ApiError::Domain(Error::InvalidGrant(m)) => exception(Exception::NotAuthorizedException, m),
            ApiError::Domain(Error::InvalidOAuthFlow(m)) => exception(Exception::InvalidOAuthFlowException, m),
            ApiError::Domain(Error::ScopeDoesNotExist(m)) => exception(Exception::ScopeDoesNotExistException, m),
            ApiError::Domain(Error::NotAuthorized(m)) => exception(Exception::NotAuthorizedException, m),
            ApiError::Domain(Error::UserNotFound(m)) => exception(Exception::UserNotFoundException, m),
            ApiError::Domain(Error::UsernameExists(m)) => exception(Exception::UsernameExistsException, m),
            ApiError::Domain(Error::AliasExists(m)) => exception(Exception::AliasExistsException, m),
            ApiError::Domain(Error::GroupExists(m)) => exception(Exception::GroupExistsException, m),
            ApiError::Domain(Error::InvalidPassword(m)) => exception(Exception::InvalidPasswordException, m),
            ApiError::Domain(Error::CodeMismatch(m)) => exception(Exception::CodeMismatchException, m),
            ApiError::Domain(Error::ExpiredCode(m)) => exception(Exception::ExpiredCodeException, m),
            ApiError::Domain(Error::UserNotConfirmed(m)) => exception(Exception::UserNotConfirmedException, m),
            ApiError::Domain(Error::PasswordResetRequired(m)) => {
                exception(Exception::PasswordResetRequiredException, m)
            }
            ApiError::Domain(Error::CodeDeliveryFailure(m)) => exception(Exception::CodeDeliveryFailureException, m),
            ApiError::Domain(Error::InvalidUserPoolConfiguration(m)) => {
                exception(Exception::InvalidUserPoolConfigurationException, m)
            }
            ApiError::Domain(Error::UnsupportedOperation(m)) => exception(Exception::UnsupportedOperationException, m),
            ApiError::Domain(
                e @ (Error::IdentityPoolConfiguration(_)
                | Error::ResourceConflict(_)
                | Error::DeveloperUserAlreadyRegistered(_)),
            ) => {
                tracing::error!(error = %e, "COGNATE-API0003 an identity-pool error reached a cognito-idp operation");
                exception(Exception::InternalErrorException, "An internal error occurred.")
            }
            ApiError::Domain(Error::Iam(kind, m)) => {
                tracing::error!(?kind, message = %m, "COGNATE-API0003 an IAM error reached a cognito-idp operation");
                exception(Exception::InternalErrorException, "An internal error occurred.")
            }
            ApiError::Domain(Error::Internal(cause)) => {
                tracing::error!(error = format!("{cause:#}"), "COGNATE-API0001 internal error");
                exception(Exception::InternalErrorException, "An internal error occurred.")
            }
        }
    }

    /// The error as IAM answers it.
    pub fn into_iam_aws(self) -> AwsError {
        use cognate_model::iam::Exception as E;
        let e = |x: E, m: String| {
            AwsError::new(x.code(), StatusCode::from_u16(x.http_status()).unwrap_or(StatusCode::BAD_REQUEST), m)
        };
        match self {
            ApiError::Aws(a) => a,
            ApiError::Domain(Error::Iam(kind, m)) => match kind {
                IamError::NoSuchEntity => e(E::NoSuchEntityException, m),
                IamError::EntityAlreadyExists => e(E::EntityAlreadyExistsException, m),
                IamError::DeleteConflict => e(E::DeleteConflictException, m),
                IamError::MalformedPolicyDocument => e(E::MalformedPolicyDocumentException, m),
                IamError::LimitExceeded => e(E::LimitExceededException, m),
                IamError::ConcurrentModification => e(E::ConcurrentModificationException, m),
                IamError::PolicyEvaluation => e(E::PolicyEvaluationException, m),
                IamError::AccessDenied => AwsError::new("AccessDenied", StatusCode::FORBIDDEN, m),
                IamError::InvalidInput
                | IamError::ExpiredToken
                | IamError::InvalidIdentityToken
                | IamError::IdpRejectedClaim
                | IamError::PackedPolicyTooLarge
                | IamError::InvalidAuthorizationMessage => e(E::InvalidInputException, m),
            },
            ApiError::Domain(Error::InvalidParameter(m)) => e(E::InvalidInputException, m),
            ApiError::Domain(other) => query_internal(other, "ServiceFailure"),
        }
    }

    /// The error as STS answers it.
    pub fn into_sts_aws(self) -> AwsError {
        use cognate_model::sts::Exception as E;
        let e = |x: E, m: String| {
            AwsError::new(x.code(), StatusCode::from_u16(x.http_status()).unwrap_or(StatusCode::BAD_REQUEST), m)
        };
        match self {
            ApiError::Aws(a) => a,
            ApiError::Domain(Error::Iam(kind, m)) => match kind {
                IamError::ExpiredToken => e(E::ExpiredTokenException, m),
                IamError::InvalidIdentityToken => e(E::InvalidIdentityTokenException, m),
                IamError::IdpRejectedClaim => e(E::IDPRejectedClaimException, m),
                IamError::MalformedPolicyDocument => e(E::MalformedPolicyDocumentException, m),
                IamError::PackedPolicyTooLarge => e(E::PackedPolicyTooLargeException, m),
                IamError::InvalidAuthorizationMessage => e(E::InvalidAuthorizationMessageException, m),
                IamError::AccessDenied => AwsError::new("AccessDenied", StatusCode::FORBIDDEN, m),
                IamError::InvalidInput
                | IamError::NoSuchEntity
                | IamError::EntityAlreadyExists
                | IamError::DeleteConflict
                | IamError::LimitExceeded
                | IamError::ConcurrentModification
                | IamError::PolicyEvaluation => AwsError::client("ValidationError", m),
            },
            ApiError::Domain(Error::InvalidParameter(m)) => AwsError::client("ValidationError", m),
            ApiError::Domain(other) => query_internal(other, "InternalFailure"),
        }
    }
}

impl ApiError {
    /// The error as cognito-identity answers it.
    pub fn into_identity_aws(self) -> AwsError {
        use cognate_model::cognito_identity::Exception as E;
        let e = |x: E, m: String| {
            AwsError::new(x.code(), StatusCode::from_u16(x.http_status()).unwrap_or(StatusCode::BAD_REQUEST), m)
        };
        match self {
            ApiError::Aws(a) => a,
            ApiError::Domain(Error::InvalidParameter(m)) => e(E::InvalidParameterException, m),
            ApiError::Domain(Error::ResourceNotFound(m)) => e(E::ResourceNotFoundException, m),
            ApiError::Domain(Error::NotAuthorized(m)) => e(E::NotAuthorizedException, m),
            ApiError::Domain(Error::LimitExceeded(m)) => e(E::LimitExceededException, m),
            ApiError::Domain(Error::ConcurrentUpdate(m)) => e(E::ConcurrentModificationException, m),
            ApiError::Domain(Error::ResourceConflict(m)) => e(E::ResourceConflictException, m),
            ApiError::Domain(Error::IdentityPoolConfiguration(m)) => e(E::InvalidIdentityPoolConfigurationException, m),
            ApiError::Domain(Error::DeveloperUserAlreadyRegistered(m)) => {
                e(E::DeveloperUserAlreadyRegisteredException, m)
            }
            ApiError::Domain(Error::Iam(
                IamError::AccessDenied | IamError::InvalidIdentityToken | IamError::ExpiredToken,
                m,
            )) => e(E::NotAuthorizedException, m),
            ApiError::Domain(other) => {
                tracing::error!(error = format!("{other:#}"), "COGNATE-API0001 internal error");
                e(E::InternalErrorException, "An internal error occurred.".into())
            }
        }
    }
}

/// A domain error a Query service has no code for: logged, answered as the service's failure.
fn query_internal(e: Error, code: &'static str) -> AwsError {
    tracing::error!(error = format!("{e:#}"), "COGNATE-API0001 internal error");
    AwsError::internal(code)
}
