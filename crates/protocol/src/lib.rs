//! The AWS wire protocols, and nothing else: how a request names its operation (`X-Amz-Target`),
//! how JSON 1.1 bodies and errors are framed, the Query protocol's error shape, request IDs, and
//! SigV4 verification. This crate is the only one that knows `X-Amz-Target`, `__type` and
//! `x-amzn-ErrorType`; it knows nothing of user pools.

pub mod error;
pub mod json;
pub mod query;
pub mod request_id;
pub mod sigv4;

pub use error::AwsError;
pub use request_id::RequestId;
