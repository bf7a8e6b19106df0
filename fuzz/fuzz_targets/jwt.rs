//! Access-token verification: the header and claims parsed, then
//! `cognate_domain::Domain::verify_access_token` (header, `alg`, `kid`, the unverified issuer
//! that picks the pool, the key lookup, RS256 signature, `exp`/`iss`/`sub`, `token_use`) and
//! `Domain::authorize` (scope, pool lookup, user lookup, `sub`, revocation and sign-out), on a
//! real `Domain` over an in-memory SQLite store (built once, like `crates/domain/tests/time.rs`),
//! with one pool, one user and a genuine token minted by `Domain::mint`. The harness keeps the
//! master key it gives the `Domain`, to open the pool's sealed private key for signing.
//!
//! Input, two forms:
//!
//! - Raw: the input is the token (invalid UTF-8 replaced). `$TOKEN` and `$IDTOKEN` are replaced
//!   by the fixture's genuine access and ID tokens, so mutations around a real token are cheap.
//! - Structured, starting with `S\n`: `S\n<header JSON>\n<claims JSON>\n<signature>`. The
//!   harness base64url-encodes header and claims after replacing `$KID`, `$ISS`, `$POOL`,
//!   `$SUB`, `$USER`, `$NOW` and `$EXP` (now + 1 h) with the fixture's values. A signature of
//!   exactly `VALID` makes the harness sign `header.claims` with the pool's own private key (read
//!   from the store), so arbitrary claims reach the code after the signature check; any other
//!   signature text is used as it is.
//!
//! Checked: no panic; every error is `NotAuthorized`; a token that verifies is the genuine one
//! or one the harness signed (nothing forged passes); `authorize` never accepts what
//! `verify_access_token` refuses.
#![no_main]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_domain::accounts::AdminCreate;
use cognate_domain::auth::ADMIN_SCOPE;
use cognate_domain::keys;
use cognate_domain::passwords::Argon2Params;
use cognate_domain::pools::NewPool;
use cognate_domain::tokens::Grant;
use cognate_domain::vault::{MasterKey, Vault};
use cognate_domain::{Domain, DomainConfig, Error, SystemClock};
use cognate_messaging::{MessagingConfig, Messenger};
use cognate_model::cognito_idp as m;
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    /// The runtime the store's connection lives on; every call into the domain runs on it.
    rt: tokio::runtime::Runtime,
    state: State,
}

struct State {
    domain: Domain,
    pool_id: String,
    issuer: String,
    kid: String,
    sub: String,
    username: String,
    access_token: String,
    id_token: String,
    key: EncodingKey,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

/// Builds the fixture; any failure here is a harness bug, so it panics with the reason.
#[allow(clippy::unwrap_used, clippy::expect_used)]
fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let state = rt.block_on(async {
            let master_key = MasterKey::generate();
            let store = cognate_store_sqlite::SqliteStore::open("sqlite::memory:").await.expect("sqlite store");
            let messenger =
                Messenger::new(MessagingConfig { smtp: None, sms: None, outbox_capacity: 0 }).expect("messenger");
            let domain = Domain::new(
                Arc::new(store),
                Arc::new(SystemClock),
                DomainConfig {
                    region: "us-east-1".into(),
                    account_id: "000000000000".into(),
                    issuer_base: "http://cognate.test".into(),
                    domain_base_host: None,
                    argon2: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 },
                    hash_concurrency: 1,
                    master_key: master_key.clone(),
                },
                messenger,
            )
            .await
            .expect("domain");
            let pool = domain.create_user_pool(NewPool { name: "fuzz".into(), ..Default::default() }).await.unwrap();
            let user = domain
                .admin_create_user(
                    &pool,
                    AdminCreate {
                        username: "fuzz-user".into(),
                        temporary_password: Some("Temp-pass-1".into()),
                        message_action: Some(m::MessageActionType::Suppress),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let keys = domain.store().list_signing_keys(&pool.id).await.unwrap();
            let row = keys.first().expect("the pool's signing key");
            // The store keeps the private key sealed under the master key.
            let pem = Vault::new(&master_key).open_str(&keys::context(row), &row.private_pem).expect("open the key");
            let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("signing key PEM");
            let now = domain.clock().now_ms() / 1000;
            let ten_years = 10 * 365 * 86_400;
            let minted = domain
                .mint(&Grant {
                    pool_id: &pool.id,
                    client_id: "fuzzclient0000000000000000",
                    username: &user.username,
                    sub: &user.sub,
                    attributes: &BTreeMap::new(),
                    groups: &[],
                    origin_jti: "fuzz-origin-jti",
                    auth_time: now,
                    now,
                    access_seconds: ten_years,
                    id_seconds: ten_years,
                    scope: ADMIN_SCOPE,
                    device_key: None,
                    nonce: None,
                    with_id_token: true,
                    with_at_hash: false,
                })
                .await
                .unwrap();
            // The harness is only useful if the genuine token gets all the way through.
            domain.authorize(&minted.access_token).await.expect("the genuine access token is authorized");
            State {
                issuer: domain.issuer(&pool.id),
                pool_id: pool.id,
                kid: row.kid.clone(),
                sub: user.sub,
                username: user.username,
                access_token: minted.access_token,
                id_token: minted.id_token,
                key,
                domain,
            }
        });
        Fixture { rt, state }
    })
}

/// `COGNATE_FUZZ_DEBUG=1` prints each input's outcome (to check that seeds reach what they aim at).
fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("COGNATE_FUZZ_DEBUG").is_some())
}

fn substitute(fx: &State, s: &str, now: i64) -> String {
    s.replace("$KID", &fx.kid)
        .replace("$ISS", &fx.issuer)
        .replace("$POOL", &fx.pool_id)
        .replace("$SUB", &fx.sub)
        .replace("$USER", &fx.username)
        .replace("$NOW", &now.to_string())
        .replace("$EXP", &(now + 3600).to_string())
}

fn is_not_authorized<T>(r: &Result<T, Error>) -> bool {
    matches!(r, Ok(_) | Err(Error::NotAuthorized(_)))
}

fuzz_target!(|data: &[u8]| {
    let Fixture { rt, state: fx } = fixture();
    let text = String::from_utf8_lossy(data);
    let (token, signed_by_harness) = match text.strip_prefix("S\n") {
        Some(rest) => {
            let mut parts = rest.splitn(3, '\n');
            let (header, claims, signature) =
                (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let now = fx.domain.clock().now_ms() / 1000;
            let header = URL_SAFE_NO_PAD.encode(substitute(fx, header, now));
            let claims = URL_SAFE_NO_PAD.encode(substitute(fx, claims, now));
            let message = format!("{header}.{claims}");
            if signature == "VALID" {
                let Ok(signature) = jsonwebtoken::crypto::sign(message.as_bytes(), &fx.key, Algorithm::RS256) else {
                    panic!("the harness could not sign");
                };
                (format!("{message}.{signature}"), true)
            } else {
                (format!("{message}.{signature}"), false)
            }
        }
        None => (text.replace("$IDTOKEN", &fx.id_token).replace("$TOKEN", &fx.access_token), false),
    };

    let _ = jsonwebtoken::decode_header(&token);
    let verified = rt.block_on(fx.domain.verify_access_token(&token));
    let authorized = rt.block_on(fx.domain.authorize(&token));

    if debug() {
        eprintln!("verify_access_token: {:?}", verified.as_ref().map(|c| &c.username));
        eprintln!("authorize: {:?}", authorized.as_ref().map(|(pool, _, _)| pool));
    }
    assert!(is_not_authorized(&verified), "verify_access_token: {:?}", verified.err());
    assert!(is_not_authorized(&authorized), "authorize: {:?}", authorized.err());
    if verified.is_ok() {
        assert!(signed_by_harness || token == fx.access_token, "a token not signed with the pool's key verified");
    }
    if authorized.is_ok() {
        assert!(verified.is_ok(), "authorize accepted a token that verify_access_token refuses");
    }
});
