//! ListUsers' `Filter` parser, `cognate_domain::users::parse_filter` (`attr = "value"`,
//! `attr ^= "value"`, escapes, the searchable attributes, and the pool's username case rule).
//!
//! Input: one byte that picks the pool (even: case-sensitive usernames, the default; odd:
//! `UsernameConfiguration.CaseSensitive = false`), then the filter text (invalid UTF-8 is
//! replaced, so every input is a filter). The pools are plain `UserPool` values with default
//! settings: `parse_filter` needs no store.
#![no_main]

use std::sync::LazyLock;

use cognate_domain::pools::{PoolSettings, UserPool};
use cognate_domain::users::{SEARCHABLE, parse_filter};
use cognate_model::Timestamp;
use cognate_model::cognito_idp::UsernameConfigurationType;
use cognate_store::UserFilter;
use libfuzzer_sys::fuzz_target;

fn pool(case_sensitive: Option<bool>) -> UserPool {
    UserPool {
        id: "us-east-1_Fuzz00000".into(),
        name: "fuzz".into(),
        created: Timestamp::from_millis(0),
        modified: Timestamp::from_millis(0),
        settings: PoolSettings {
            username_configuration: case_sensitive.map(|case_sensitive| UsernameConfigurationType { case_sensitive }),
            ..PoolSettings::default()
        },
    }
}

static CASE_SENSITIVE: LazyLock<UserPool> = LazyLock::new(|| pool(None));
static CASE_INSENSITIVE: LazyLock<UserPool> = LazyLock::new(|| pool(Some(false)));

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let pool = if selector & 1 == 1 { &*CASE_INSENSITIVE } else { &*CASE_SENSITIVE };
    let filter = String::from_utf8_lossy(rest);

    match parse_filter(pool, &filter) {
        Ok(None) => assert!(filter.trim().is_empty()),
        Ok(Some(UserFilter::Equals { attribute, value: _ }))
        | Ok(Some(UserFilter::StartsWith { attribute, prefix: _ })) => {
            assert!(SEARCHABLE.contains(&attribute.as_str()), "unsearchable attribute {attribute:?}");
        }
        Err(e) => {
            assert!(matches!(e, cognate_domain::Error::InvalidParameter(_)), "unexpected error {e:?}");
        }
    }
});
