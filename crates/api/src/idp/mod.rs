//! cognito-idp handlers, one module per operation group of the AWS API reference. Each handler is
//! the snake_case name of its operation and maps wire types to domain calls and back.

pub mod auth;
pub mod branding_ui;
pub mod devices;
pub mod domains;
pub mod groups;
pub mod mfa;
pub mod passwords;
pub mod resource_servers;
pub mod signup;
pub mod tags;
pub mod user_pool_clients;
pub mod user_pools;
pub mod users_admin;
mod users_common;
pub mod users_self;
pub mod webauthn;
