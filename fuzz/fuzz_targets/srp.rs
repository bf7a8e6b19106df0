//! The SRP inputs a client controls (`cognate_domain::srp`): `check_a` on `SRP_A`,
//! `parse_timestamp` (and `format_timestamp` of what it accepts), `device_verifier` on
//! `DeviceSecretVerifierConfig`, `server_challenge` for an accepted device verifier, and
//! `verify_password_claim` with fuzzed `SRP_A`, `PASSWORD_CLAIM_SECRET_BLOCK`,
//! `PASSWORD_CLAIM_SIGNATURE` and `TIMESTAMP` against a fixed verifier made once with
//! `make_verifier` (and against the fuzzed device verifier).
//!
//! Input: newline-separated fields, missing ones empty:
//!
//! ```text
//! 0 SRP_A (hex)
//! 1 PASSWORD_CLAIM_SECRET_BLOCK (base64)
//! 2 PASSWORD_CLAIM_SIGNATURE (base64)
//! 3 TIMESTAMP ("Thu Nov 26 17:00:00 UTC 2026")
//! 4 DeviceSecretVerifierConfig.PasswordVerifier (base64)
//! 5 DeviceSecretVerifierConfig.Salt (base64)
//! 6 optional: a client secret `a` (1 to 64 hex digits)
//! ```
//!
//! With field 6, the harness plays an honest client with `cognate_domain::srp::SrpClient`
//! instead: `SRP_A = g^a`, the signature of field 1's bytes and field 3 computed from the right
//! password, and checks that `verify_password_claim` accepts it. (Only one exchange per input:
//! modular exponentiation in the 3072-bit group is slow in an instrumented build.)
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognate_domain::srp::{self, PasswordClaim, ServerChallenge, SrpClient, SrpError, Verifier};
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

const POOL_ID: &str = "us-east-1_Fuzz00000";
const USER_ID: &str = "fuzz-user";
const PASSWORD: &str = "Passw0rd!";

struct Fixture {
    verifier: Verifier,
    challenge: ServerChallenge,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let verifier = srp::make_verifier(srp::pool_name(POOL_ID), USER_ID, PASSWORD);
    let Ok(challenge) = srp::server_challenge(&verifier.verifier_hex) else {
        panic!("server_challenge refused a verifier from make_verifier");
    };
    Fixture { verifier, challenge }
});

/// `COGNATE_FUZZ_DEBUG=1` prints each input's outcome (to check that seeds reach what they aim at).
fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("COGNATE_FUZZ_DEBUG").is_some())
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\n');
    let mut next = || fields.next().unwrap_or("");
    let (srp_a, secret_block, signature, timestamp) = (next(), next(), next(), next());
    let (device_verifier, device_salt, client_a) = (next(), next(), next());
    let fx = &*FIXTURE;
    let name = srp::pool_name(POOL_ID);

    // TIMESTAMP: what is accepted formats back to something that reads the same. (Years below
    // 1000 are left out: `format_timestamp` writes them without padding, which clients never send.)
    if let Some(t) = srp::parse_timestamp(timestamp)
        && t.year() >= 1000
    {
        let formatted = srp::format_timestamp(t);
        assert_eq!(srp::parse_timestamp(&formatted), Some(t), "{timestamp:?} -> {formatted:?}");
    }

    // Field 6 switches to the honest-client exchange. Each modular exponentiation over the
    // 3072-bit group costs tens of milliseconds in an instrumented build, so an input pays for one
    // exchange only: the honest one, or the fuzzed SRP_A against the fixed and device verifiers.
    let client_a = client_a.trim();
    let honest = (!client_a.is_empty() && client_a.len() <= 64 && client_a.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| BigUint::parse_bytes(client_a.as_bytes(), 16))
        .flatten();

    // SRP_A and the password claim against the fixed verifier.
    let a_ok = srp::check_a(srp_a).is_ok();
    let claim =
        PasswordClaim { name, user_id: USER_ID, secret_block_b64: secret_block, timestamp, signature_b64: signature };
    if honest.is_none() || !a_ok {
        let result = srp::verify_password_claim(&fx.verifier.verifier_hex, srp_a, &fx.challenge, &claim);
        if debug() {
            eprintln!("check_a: {a_ok}, timestamp: {:?}, verify: {result:?}", srp::parse_timestamp(timestamp));
        }
        if !a_ok {
            assert_eq!(result, Err(SrpError::InvalidA), "check_a refused SRP_A but verify_password_claim did not");
        }
    }

    // A device's verifier, then a whole exchange against it.
    let device = srp::device_verifier(device_verifier, device_salt);
    if debug() {
        eprintln!("device_verifier: {:?}", device.as_ref().map(|_| ()));
    }
    if let Ok(device) = device {
        assert!(!device.salt_hex.is_empty());
        if honest.is_none() {
            match srp::server_challenge(&device.verifier_hex) {
                Ok(challenge) => {
                    let claim = PasswordClaim { name: "device-group", user_id: "device-key", ..claim };
                    let _ = srp::verify_password_claim(&device.verifier_hex, srp_a, &challenge, &claim);
                }
                Err(e) => panic!("device_verifier accepted a verifier that server_challenge refuses: {e}"),
            }
        }
    }

    // An honest client (the crate's own `SrpClient`, with the right password) must be accepted.
    if let Some(a) = honest {
        let client = SrpClient::new(a);
        let big_a = client.a_hex();
        let block = STANDARD.encode(secret_block.as_bytes());
        let good = client.sign(
            &fx.verifier.salt_hex,
            &fx.challenge.big_b_hex,
            name,
            USER_ID,
            PASSWORD,
            secret_block.as_bytes(),
            timestamp,
        );
        let claim = PasswordClaim { secret_block_b64: &block, signature_b64: &good, ..claim };
        assert_eq!(
            srp::verify_password_claim(&fx.verifier.verifier_hex, &big_a, &fx.challenge, &claim),
            Ok(()),
            "an honest client with a = {client_a} was refused"
        );
        if debug() {
            eprintln!("honest client accepted");
        }
    }
});
