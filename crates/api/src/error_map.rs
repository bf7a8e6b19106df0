//! The one place where a domain error becomes an AWS error code. Internal failures are logged
//! here with their cause and reach the client only as `InternalErrorException`.

use cognate_domain::Error;
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
            ApiError::Domain(Error::Internal(cause)) => {
                tracing::error!(error = format!("{cause:#}"), "COGNATE-API0001 internal error");
                exception(Exception::InternalErrorException, "An internal error occurred.")
            }
        }
    }
}
