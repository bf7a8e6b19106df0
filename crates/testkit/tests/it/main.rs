//! Integration tests: real servers, official clients. One binary, one module per operation group;
//! every test makes its own pool, so tests are hermetic and order-independent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod branding;
mod choice;
mod clients;
mod cognito_behaviours;
mod cors;
mod delivery;
mod devices;
mod domains;
mod helpers;
mod hosted_ui;
mod iam;
mod identity_pools;
mod mfa;
mod oauth_token;
mod passkeys;
mod protocol;
mod resource_servers;
mod security;
mod sigv4;
mod srp;
mod user_pools;
mod users;
mod well_known;
