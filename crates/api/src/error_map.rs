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
            ApiError::Domain(Error::InvalidOAuthFlow(m)) => exception(Exception::InvalidOAuthFlowException, m),
            ApiError::Domain(Error::ScopeDoesNotExist(m)) => exception(Exception::ScopeDoesNotExistException, m),
            ApiError::Domain(Error::Internal(cause)) => {
                tracing::error!(error = format!("{cause:#}"), "COGNATE-API0001 internal error");
                exception(Exception::InternalErrorException, "An internal error occurred.")
            }
        }
    }
}
