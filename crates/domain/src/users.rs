//! Users of a pool: status, attributes checked against the pool's schema, usernames (case
//! sensitivity, email or phone as username, aliases), the index that serves sign-in by alias and
//! ListUsers filters, and the user-management rules (create, update, delete, enable, disable).

use std::collections::BTreeMap;

use cognate_model::Timestamp;
use cognate_model::cognito_idp as m;
use cognate_store::{StoreError, UserFilter, UserRow};
use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, Result};
use crate::pools::{Page, UserPool};

/// Cognito's user statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
    ExternalProvider,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
            UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
        }
    }

    /// The status a stored row names; an unknown one is a damaged row, never a guess.
    fn parse(s: &str) -> Result<UserStatus> {
        Ok(match s {
            "UNCONFIRMED" => UserStatus::Unconfirmed,
            "CONFIRMED" => UserStatus::Confirmed,
            "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
            "RESET_REQUIRED" => UserStatus::ResetRequired,
            "EXTERNAL_PROVIDER" => UserStatus::ExternalProvider,
            other => return Err(Error::Internal(anyhow::anyhow!("a stored user has the unknown status {other:?}"))),
        })
    }
}

/// A user as the rules see it.
#[derive(Clone, Debug)]
pub struct User {
    pub pool_id: String,
    pub username: String,
    pub key: String,
    pub sub: String,
    pub status: UserStatus,
    pub is_enabled: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Every attribute including `sub`, as strings (`"true"` for verified flags).
    pub attributes: BTreeMap<String, String>,
    pub password_hash: Option<String>,
    pub tokens_valid_after_ms: i64,
    /// The stored version this copy was read at; `save_user` writes only over that version.
    pub version: i64,
    pub extra: UserExtra,
}

/// The parts of a user kept in its document besides attributes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserExtra {
    /// When the temporary password of an admin-created user stops working.
    pub temporary_password_expires_ms: Option<i64>,
    /// SRP salt and verifier of the current password (USER_SRP_AUTH).
    #[serde(default)]
    pub srp: Option<SrpRecord>,
    /// MFA factors and preferences.
    #[serde(default)]
    pub mfa: MfaSettings,
    /// Registered passkeys (see `passkeys`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passkeys: Vec<StoredPasskey>,
    /// A passkey registration begun and not yet completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_passkey: Option<PendingPasskey>,
}

/// A registered passkey of a user (the public key and its counter; nothing secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredPasskey {
    pub credential_id: String,
    pub friendly_name: String,
    pub relying_party_id: String,
    pub attachment: Option<String>,
    pub transports: Vec<String>,
    pub created_ms: i64,
    /// webauthn-rs's `Passkey`, as JSON.
    pub passkey: String,
}

/// A registration StartWebAuthnRegistration began and CompleteWebAuthnRegistration finishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingPasskey {
    /// webauthn-rs's `PasskeyRegistration`, as JSON.
    pub(crate) state: String,
    pub(crate) expires_ms: i64,
}

/// The vault context of a user's SRP verifier.
pub(crate) fn srp_context(pool_id: &str, sub: &str) -> String {
    format!("srp:{pool_id}:{sub}")
}

/// The SRP verifier of a password, hex as the clients exchange it; stored encrypted (a verifier
/// allows offline guessing at the cost of a fast hash).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SrpRecord {
    pub salt_hex: String,
    pub verifier_hex: String,
}

impl std::fmt::Debug for SrpRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrpRecord(***)")
    }
}

#[derive(Serialize, Deserialize)]
struct UserDocument {
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    extra: UserExtra,
}

/// Attributes ListUsers may filter on (Cognito's searchable attributes).
pub const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

impl UserPool {
    /// Usernames compare case-insensitively when the pool says so (`CaseSensitive: false`).
    pub fn is_case_insensitive(&self) -> bool {
        self.settings.username_configuration.as_ref().map(|u| u.case_sensitive) == Some(false)
    }

    /// The lookup key of a username in this pool.
    /// Names are compared in Unicode NFC, so "café" typed as `e` + combining accent is the same
    /// name as with `é`. Look-alike characters of other scripts (Cyrillic `а` for Latin `a`) are
    /// different characters and stay different names, as in Cognito.
    pub fn username_key(&self, username: &str) -> String {
        let name = nfc(username);
        if self.is_case_insensitive() { name.to_lowercase() } else { name }
    }

    pub fn has_username_attribute(&self, attr: &str) -> bool {
        self.settings.username_attributes.iter().any(|a| a.as_str() == attr)
    }

    pub fn has_alias(&self, attr: &str) -> bool {
        self.settings.alias_attributes.iter().any(|a| a.as_str() == attr)
    }

    pub fn schema_attribute(&self, name: &str) -> Option<&m::SchemaAttributeType> {
        self.settings.schema.iter().find(|a| a.name.as_deref() == Some(name))
    }

    pub fn is_auto_verified(&self, attr: &str) -> bool {
        self.settings.config.auto_verified_attributes.iter().flatten().any(|a| a.as_str() == attr)
    }
}

impl User {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn is_verified(&self, attr: &str) -> bool {
        self.attr(&format!("{attr}_verified")) == Some("true")
    }

    pub(crate) fn from_store(row: UserRow) -> Result<User> {
        Self::from_row(row)
    }

    fn from_row(row: UserRow) -> Result<User> {
        let doc: UserDocument = serde_json::from_str(&row.document)
            .map_err(|e| Error::Internal(anyhow::anyhow!("user document unreadable: {e}")))?;
        Ok(User {
            pool_id: row.pool_id,
            username: row.username,
            key: row.username_key,
            sub: row.sub,
            status: UserStatus::parse(&row.status)?,
            is_enabled: row.is_enabled,
            created: Timestamp::from_millis(row.created_ms),
            modified: Timestamp::from_millis(row.updated_ms),
            attributes: doc.attributes,
            password_hash: row.password_hash,
            tokens_valid_after_ms: row.tokens_valid_after_ms,
            version: row.version,
            extra: doc.extra,
        })
    }

    /// Sign-in names that must be unique in the pool: email or phone used as the username, and
    /// aliases (email and phone only once verified).
    fn sign_in_names(&self, pool: &UserPool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for attr in ["email", "phone_number"] {
            if let Some(v) = self.attr(attr) {
                let active = pool.has_username_attribute(attr) || (pool.has_alias(attr) && self.is_verified(attr));
                if active {
                    out.push((format!("signin:{attr}"), normalize_sign_in(attr, v)));
                }
            }
        }
        if pool.has_alias("preferred_username")
            && let Some(v) = self.attr("preferred_username")
        {
            out.push(("signin:preferred_username".into(), pool.username_key(v)));
        }
        out
    }

    fn to_row(&self, pool: &UserPool) -> Result<UserRow> {
        let document =
            serde_json::to_string(&UserDocument { attributes: self.attributes.clone(), extra: self.extra.clone() })
                .map_err(|e| Error::Internal(anyhow::anyhow!("serialising a user: {e}")))?;
        let unique = self.sign_in_names(pool);
        let mut index = vec![
            ("username".to_string(), self.key.clone()),
            ("sub".to_string(), self.sub.clone()),
            ("cognito:user_status".to_string(), self.status.as_str().to_string()),
            ("status".to_string(), if self.is_enabled { "Enabled" } else { "Disabled" }.to_string()),
        ];
        for attr in ["email", "phone_number", "name", "given_name", "family_name", "preferred_username"] {
            if let Some(v) = self.attr(attr) {
                index.push((attr.to_string(), v.to_string()));
            }
        }
        index.extend(unique.iter().cloned());
        Ok(UserRow {
            pool_id: self.pool_id.clone(),
            username_key: self.key.clone(),
            username: self.username.clone(),
            sub: self.sub.clone(),
            status: self.status.as_str().to_string(),
            is_enabled: self.is_enabled,
            password_hash: self.password_hash.clone(),
            created_ms: self.created.millis(),
            updated_ms: self.modified.millis(),
            tokens_valid_after_ms: self.tokens_valid_after_ms,
            version: self.version,
            document,
            index,
            unique,
        })
    }

    /// The user's attributes as the API lists them (developer-only ones excluded).
    pub fn visible_attributes(&self) -> impl Iterator<Item = (&String, &String)> {
        self.attributes.iter().filter(|(k, _)| !k.starts_with("dev:"))
    }
}

/// A name in Unicode Normalization Form C.
pub fn nfc(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    name.nfc().collect()
}

fn normalize_sign_in(attr: &str, value: &str) -> String {
    if attr == "email" { nfc(value).to_lowercase() } else { value.to_string() }
}

/// Who is writing attributes; clients may not set verification flags and are limited by the
/// app client's WriteAttributes.
#[derive(Clone, Copy, Debug)]
pub enum Writer<'a> {
    Admin,
    Client(&'a crate::clients::Client),
}

fn schema_error(msg: impl std::fmt::Display) -> Error {
    Error::invalid(format!("Attributes did not conform to the schema: {msg}"))
}

/// Checks one attribute value against the schema.
pub fn check_attribute(pool: &UserPool, name: &str, value: &str) -> Result<()> {
    let Some(attr) = pool.schema_attribute(name) else {
        return Err(schema_error(format!("Type for attribute {{{name}}} could not be determined")));
    };
    match attr.attribute_data_type.as_ref() {
        Some(m::AttributeDataType::Number) => {
            let n: i64 = value.parse().map_err(|_| schema_error(format!("{name}: Number must be a valid integer")))?;
            if let Some(c) = &attr.number_attribute_constraints {
                if c.min_value.as_deref().and_then(|v| v.parse::<i64>().ok()).is_some_and(|min| n < min) {
                    return Err(schema_error(format!("{name}: Number must not be less than the minimum value")));
                }
                if c.max_value.as_deref().and_then(|v| v.parse::<i64>().ok()).is_some_and(|max| n > max) {
                    return Err(schema_error(format!("{name}: Number must not be greater than the maximum value")));
                }
            }
        }
        Some(m::AttributeDataType::Boolean) => {
            if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") {
                return Err(schema_error(format!("{name}: Boolean must be true or false")));
            }
        }
        Some(m::AttributeDataType::Datetime) => {}
        _ => {
            let len = value.chars().count() as i64;
            let c = attr.string_attribute_constraints.as_ref();
            let max = c.and_then(|c| c.max_length.as_deref()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(2048);
            let min = c.and_then(|c| c.min_length.as_deref()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            if len > max {
                return Err(schema_error(format!("{name}: String must be no longer than {max} characters")));
            }
            if len < min {
                return Err(schema_error(format!("{name}: String must be no shorter than {min} characters")));
            }
        }
    }
    match name {
        "email" if !is_email(value) => Err(Error::invalid("Invalid email address format.")),
        "phone_number" if !is_phone(value) => Err(Error::invalid("Invalid phone number format.")),
        _ => Ok(()),
    }
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace)
}

fn is_phone(v: &str) -> bool {
    v.len() >= 5 && v.len() <= 16 && v.starts_with('+') && v[1..].chars().all(|c| c.is_ascii_digit())
}

/// Applies attribute changes with Cognito's rules. Changing email or phone resets its
/// verification flag unless the writer sets the flag in the same call.
pub fn apply_attributes(
    pool: &UserPool,
    user: &mut User,
    changes: &[(String, String)],
    writer: Writer<'_>,
    is_create: bool,
) -> Result<()> {
    for (name, value) in changes {
        if name == "sub" {
            return Err(Error::invalid("Cannot modify the non-mutable attribute sub."));
        }
        check_attribute(pool, name, value)?;
        let attr = pool.schema_attribute(name);
        if !is_create && attr.and_then(|a| a.mutable) == Some(false) {
            return Err(Error::invalid(format!("Cannot modify an already provided immutable attribute: {name}")));
        }
        if let Writer::Client(client) = writer {
            if name.starts_with("dev:") || name.ends_with("_verified") {
                return Err(Error::NotAuthorized("A client attempted to write unauthorized attribute".into()));
            }
            if let Some(allowed) = &client.settings.write_attributes
                && !allowed.iter().any(|a| a == name)
            {
                return Err(Error::NotAuthorized("A client attempted to write unauthorized attribute".into()));
            }
        }
    }
    for (name, value) in changes {
        // Booleans are accepted in any case ("True") and kept as "true"/"false".
        let is_boolean = pool.schema_attribute(name).and_then(|a| a.attribute_data_type.as_ref())
            == Some(&m::AttributeDataType::Boolean);
        let value = if is_boolean { value.to_ascii_lowercase() } else { value.clone() };
        let value = &value;
        let before = user.attributes.insert(name.clone(), value.clone());
        if (name == "email" || name == "phone_number") && before.as_deref() != Some(value.as_str()) {
            let flag = format!("{name}_verified");
            if !changes.iter().any(|(n, _)| *n == flag) {
                user.attributes.insert(flag, "false".into());
            }
        }
    }
    Ok(())
}

/// Attributes the pool requires that the user lacks.
pub fn check_required(pool: &UserPool, user: &User) -> Result<()> {
    for a in &pool.settings.schema {
        if a.required == Some(true) {
            let name = a.name.as_deref().unwrap_or("");
            if name != "sub" && !user.attributes.contains_key(name) {
                return Err(schema_error(format!("{name}: The attribute is required")));
            }
        }
    }
    Ok(())
}

/// Parses a ListUsers filter, `attribute = "value"` or `attribute ^= "value"` (empty means no
/// filter), as Cognito reads it: an attribute name, the operator, then one double-quoted string
/// in which `\"` stands for a quote and `\\` for a backslash, and nothing after it. The value may
/// hold anything, operators included (`email = "a^=b"`).
pub fn parse_filter(pool: &UserPool, filter: &str) -> Result<Option<UserFilter>> {
    let f = filter.trim();
    if f.is_empty() {
        return Ok(None);
    }
    let unparsable = || Error::invalid("Error while parsing filter.");
    let name_end = f.find(|c: char| c.is_whitespace() || c == '=' || c == '^').ok_or_else(unparsable)?;
    let (attr, rest) = f.split_at(name_end);
    if attr.is_empty() {
        return Err(unparsable());
    }
    let rest = rest.trim_start();
    let (is_prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(unparsable());
    };
    let mut chars = rest.trim_start().chars();
    if chars.next() != Some('"') {
        return Err(unparsable());
    }
    let mut value = String::new();
    let mut is_closed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('"' | '\\')) => value.push(escaped),
                Some(other) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return Err(unparsable()),
            },
            '"' => {
                is_closed = true;
                break;
            }
            other => value.push(other),
        }
    }
    if !is_closed || !chars.as_str().trim().is_empty() {
        return Err(unparsable());
    }
    if !SEARCHABLE.contains(&attr) {
        return Err(Error::invalid("Invalid search filter"));
    }
    let value = if attr == "username" { pool.username_key(&value) } else { value };
    let attribute = attr.to_string();
    Ok(Some(if is_prefix {
        UserFilter::StartsWith { attribute, prefix: value }
    } else {
        UserFilter::Equals { attribute, value }
    }))
}

/// What AdminCreateUser / SignUp hand to `create_user`.
pub struct NewUser {
    pub username: String,
    pub attributes: Vec<(String, String)>,
    /// The password (hashed, with its SRP verifier, once the final username is known).
    pub password: Option<String>,
    pub status: UserStatus,
    pub temporary_password_expires_ms: Option<i64>,
}

impl Domain {
    fn user_not_found() -> Error {
        Error::UserNotFound("User does not exist.".into())
    }

    /// Finds a user by username, or by a sign-in alias (email, phone, preferred_username).
    pub async fn find_user(&self, pool: &UserPool, name: &str) -> Result<Option<User>> {
        match self.store.get_user(&pool.id, &pool.username_key(name)).await {
            Ok(row) => return User::from_row(row).map(Some),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        let candidates: Vec<(&str, String)> = vec![
            ("signin:email", normalize_sign_in("email", name)),
            ("signin:phone_number", name.to_string()),
            ("signin:preferred_username", pool.username_key(name)),
        ];
        for (attr, value) in candidates {
            let is_relevant = match attr {
                "signin:email" => {
                    name.contains('@') && (pool.has_username_attribute("email") || pool.has_alias("email"))
                }
                "signin:phone_number" => {
                    name.starts_with('+')
                        && (pool.has_username_attribute("phone_number") || pool.has_alias("phone_number"))
                }
                _ => pool.has_alias("preferred_username"),
            };
            if !is_relevant {
                continue;
            }
            if let Some(row) = self.store.find_users_by_index(&pool.id, attr, &value).await?.into_iter().next() {
                return User::from_row(row).map(Some);
            }
        }
        Ok(None)
    }

    /// Like `find_user`, failing with `UserNotFoundException`.
    pub async fn get_user(&self, pool: &UserPool, name: &str) -> Result<User> {
        self.find_user(pool, name).await?.ok_or_else(Self::user_not_found)
    }

    /// The user an access token names.
    pub async fn user_by_key(&self, pool: &UserPool, key: &str) -> Result<User> {
        self.user_in_pool(&pool.id, key).await
    }

    /// The user an access token names and whether its sign-in was revoked, in one read.
    pub(crate) async fn user_for_token(&self, pool_id: &str, key: &str, origin_jti: &str) -> Result<(User, bool)> {
        match self.store.get_user_for_token(pool_id, key, origin_jti).await {
            Ok((row, is_revoked)) => Ok((User::from_row(row)?, is_revoked)),
            Err(StoreError::NotFound) => Err(Self::user_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// The user with lookup key `key` in the pool `pool_id`.
    pub async fn user_in_pool(&self, pool_id: &str, key: &str) -> Result<User> {
        match self.store.get_user(pool_id, key).await {
            Ok(row) => User::from_row(row),
            Err(StoreError::NotFound) => Err(Self::user_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates a user; usernames that are an email or phone in pools with `UsernameAttributes`
    /// become that attribute, and the user gets a generated UUID username.
    pub async fn create_user(&self, pool: &UserPool, mut input: NewUser, writer: Writer<'_>) -> Result<User> {
        input.username = nfc(&input.username);
        let sub = uuid::Uuid::new_v4().to_string();
        let mut changes = input.attributes;
        let username = if !pool.settings.username_attributes.is_empty() {
            let as_attr = if input.username.contains('@') && pool.has_username_attribute("email") {
                Some("email")
            } else if input.username.starts_with('+') && pool.has_username_attribute("phone_number") {
                Some("phone_number")
            } else {
                None
            };
            match as_attr {
                Some(attr) => {
                    if let Some((_, v)) = changes.iter().find(|(n, _)| n == attr) {
                        if v != &input.username {
                            return Err(Error::invalid(format!("{attr} attribute does not match the username.")));
                        }
                    } else {
                        changes.push((attr.to_string(), input.username.clone()));
                    }
                    sub.clone()
                }
                None => {
                    let message =
                        match (pool.has_username_attribute("email"), pool.has_username_attribute("phone_number")) {
                            (true, true) => "Username should be either an email or a phone number.",
                            (true, false) => "Username should be an email.",
                            _ => "Username should be a phone number.",
                        };
                    return Err(Error::invalid(message));
                }
            }
        } else {
            if input.username.contains('@') && pool.has_alias("email") {
                return Err(Error::invalid(
                    "Username cannot be of email format, since user pool is configured for email alias.",
                ));
            }
            if input.username.starts_with('+') && pool.has_alias("phone_number") {
                return Err(Error::invalid(
                    "Username cannot be of phone number format, since user pool is configured for phone_number alias.",
                ));
            }
            input.username
        };
        let now = self.clock.now();
        let mut user = User {
            pool_id: pool.id.clone(),
            key: pool.username_key(&username),
            username,
            sub: sub.clone(),
            status: input.status,
            is_enabled: true,
            created: now,
            modified: now,
            attributes: BTreeMap::from([("sub".to_string(), sub)]),
            password_hash: None,
            tokens_valid_after_ms: 0,
            version: 1,
            extra: UserExtra {
                temporary_password_expires_ms: input.temporary_password_expires_ms,
                srp: None,
                mfa: Default::default(),
                passkeys: Vec::new(),
                pending_passkey: None,
            },
        };
        apply_attributes(pool, &mut user, &changes, writer, true)?;
        check_required(pool, &user)?;
        if let Some(password) = &input.password {
            self.set_password(pool, &mut user, password).await?;
        }
        self.insert_user(pool, &user).await?;
        Ok(user)
    }

    async fn insert_user(&self, pool: &UserPool, user: &User) -> Result<()> {
        match self.store.create_user(&user.to_row(pool)?).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(what)) => Err(conflict_error(pool, &what)),
            Err(StoreError::NotFound) => Err(Error::ResourceNotFound(format!("User pool {} does not exist.", pool.id))),
            Err(e) => Err(e.into()),
        }
    }

    /// Sets a user's password: its argon2id hash for password flows and its SRP verifier for
    /// USER_SRP_AUTH (over the pool name and the username clients get as USER_ID_FOR_SRP).
    pub async fn set_password(&self, pool: &UserPool, user: &mut User, password: &str) -> Result<()> {
        let hash = self.passwords.hash(password).await?;
        let (name, id, pw) = (crate::srp::pool_name(&pool.id).to_string(), user.username.clone(), password.to_string());
        let v = tokio::task::spawn_blocking(move || crate::srp::make_verifier(&name, &id, &pw))
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        user.password_hash = Some(hash);
        let verifier_hex = self.vault.seal_str(&srp_context(&pool.id, &user.sub), &v.verifier_hex)?;
        user.extra.srp = Some(SrpRecord { salt_hex: v.salt_hex, verifier_hex });
        Ok(())
    }

    /// Saves a changed user, if no other request saved it since it was read (compare-and-swap on
    /// its version); a lost race is `ConcurrentUpdate` and writes nothing.
    pub async fn save_user(&self, pool: &UserPool, user: &mut User) -> Result<()> {
        user.modified = self.clock.now();
        match self.store.update_user(&user.to_row(pool)?).await {
            Ok(()) => {
                user.version += 1;
                Ok(())
            }
            // An existing user taking an email or phone another user signs in with: Cognito says
            // AliasExists, whatever role the attribute plays in the pool.
            Err(StoreError::Conflict(what)) if what.starts_with("signin:") => {
                Err(Error::AliasExists("An account with the email or phone number already exists.".into()))
            }
            Err(StoreError::Conflict(what)) => Err(conflict_error(pool, &what)),
            Err(StoreError::NotFound) => Err(Self::user_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_user(&self, pool: &UserPool, user: &User) -> Result<()> {
        match self.store.delete_user(&pool.id, &user.key).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn set_user_enabled(&self, pool: &UserPool, name: &str, is_enabled: bool) -> Result<()> {
        let mut user = self.get_user(pool, name).await?;
        user.is_enabled = is_enabled;
        if !is_enabled {
            self.store.revoke_user_tokens(&pool.id, &user.key, self.clock.now_ms()).await?;
        }
        self.save_user(pool, &mut user).await
    }

    /// Removes attributes (never `sub`, never required ones).
    pub async fn delete_attributes(
        &self,
        pool: &UserPool,
        user: &mut User,
        names: &[String],
        writer: Writer<'_>,
    ) -> Result<()> {
        for name in names {
            if name == "sub" {
                return Err(Error::invalid("Cannot delete the sub attribute."));
            }
            let attr = pool.schema_attribute(name);
            if attr.is_none() {
                return Err(schema_error(format!("Type for attribute {{{name}}} could not be determined")));
            }
            if attr.and_then(|a| a.required) == Some(true) {
                return Err(schema_error(format!("{name}: The attribute is required")));
            }
            if let Writer::Client(client) = writer
                && let Some(allowed) = &client.settings.write_attributes
                && !allowed.iter().any(|a| a == name)
            {
                return Err(Error::NotAuthorized("A client attempted to write unauthorized attribute".into()));
            }
        }
        for name in names {
            user.attributes.remove(name);
            if name == "email" || name == "phone_number" {
                user.attributes.remove(&format!("{name}_verified"));
            }
        }
        self.save_user(pool, user).await
    }

    /// ListUsers: an optional filter (served from the index), paging by username.
    pub async fn list_users(
        &self,
        pool: &UserPool,
        filter: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<User>> {
        let filter = parse_filter(pool, filter.unwrap_or(""))?;
        let limit = limit.clamp(1, 60);
        let rows = self.store.list_users(&pool.id, filter.as_ref(), after, limit + 1).await?;
        Page::from_rows(rows, limit, User::from_row, |u| u.key.clone())
    }

    pub async fn count_users(&self, pool_id: &str) -> Result<u64> {
        Ok(self.store.count_users(pool_id).await?)
    }
}

fn conflict_error(pool: &UserPool, what: &str) -> Error {
    match what {
        "username" => Error::UsernameExists("User account already exists".into()),
        "signin:email" if pool.has_username_attribute("email") => {
            Error::UsernameExists("An account with the given email already exists.".into())
        }
        "signin:phone_number" if pool.has_username_attribute("phone_number") => {
            Error::UsernameExists("An account with the given phone_number already exists.".into())
        }
        _ => Error::AliasExists("An account with the email or phone number already exists.".into()),
    }
}

/// Masks a destination as Cognito does (`a***@e***`, `+*******0100`).
pub fn mask(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let l = local.chars().next().unwrap_or('*');
        let d = domain.chars().next().unwrap_or('*');
        format!("{l}***@{d}***")
    } else {
        let n = destination.chars().count();
        let tail: String = destination.chars().skip(n.saturating_sub(4)).collect();
        format!("+{}{tail}", "*".repeat(n.saturating_sub(5)))
    }
}

/// One MFA factor's switches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub enabled: bool,
    pub preferred: bool,
}

/// A user's MFA state, kept in the user document (see `mfa`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaSettings {
    pub sms: Factor,
    pub totp: Factor,
    pub email: Factor,
    /// The verified TOTP secret, sealed.
    pub totp_secret: Option<String>,
    /// A secret handed out by AssociateSoftwareToken and not yet verified, sealed.
    pub pending_totp_secret: Option<String>,
    /// The last TOTP step accepted (codes at or before it are refused).
    pub totp_last_step: i64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pools::PoolSettings;

    fn pool(case_sensitive: bool) -> UserPool {
        UserPool {
            id: "us-east-1_test".into(),
            name: "test".into(),
            created: Timestamp::from_millis(0),
            modified: Timestamp::from_millis(0),
            settings: PoolSettings {
                username_configuration: Some(m::UsernameConfigurationType { case_sensitive }),
                ..Default::default()
            },
        }
    }

    fn equals(attribute: &str, value: &str) -> Option<UserFilter> {
        Some(UserFilter::Equals { attribute: attribute.into(), value: value.into() })
    }

    #[test]
    fn filters_parse_like_cognito() {
        let p = pool(true);
        assert_eq!(parse_filter(&p, "").unwrap(), None);
        assert_eq!(parse_filter(&p, "  ").unwrap(), None);
        assert_eq!(parse_filter(&p, r#"email = "a@b.c""#).unwrap(), equals("email", "a@b.c"));
        assert_eq!(parse_filter(&p, r#"email="a@b.c""#).unwrap(), equals("email", "a@b.c"));
        assert_eq!(
            parse_filter(&p, r#"  family_name ^= "Sm"  "#).unwrap(),
            Some(UserFilter::StartsWith { attribute: "family_name".into(), prefix: "Sm".into() })
        );
        assert_eq!(parse_filter(&p, r#"email = "a^=b""#).unwrap(), equals("email", "a^=b"), "operators in values");
        assert_eq!(parse_filter(&p, r#"name = "x = \"y\"""#).unwrap(), equals("name", r#"x = "y""#));
        assert_eq!(parse_filter(&p, r#"name = "back\\slash""#).unwrap(), equals("name", r"back\slash"));
        assert_eq!(parse_filter(&p, r#"name = """#).unwrap(), equals("name", ""));
        assert_eq!(
            parse_filter(&p, r#"cognito:user_status = "CONFIRMED""#).unwrap(),
            equals("cognito:user_status", "CONFIRMED")
        );
        assert_eq!(parse_filter(&pool(false), r#"username = "Alice""#).unwrap(), equals("username", "alice"));
    }

    #[test]
    fn stored_statuses_parse_and_unknown_ones_are_errors() {
        for s in [
            UserStatus::Unconfirmed,
            UserStatus::Confirmed,
            UserStatus::ForceChangePassword,
            UserStatus::ResetRequired,
            UserStatus::ExternalProvider,
        ] {
            assert_eq!(UserStatus::parse(s.as_str()).unwrap(), s);
        }
        assert!(UserStatus::parse("ARCHIVED").is_err());
        assert!(UserStatus::parse("confirmed").is_err());
    }

    #[test]
    fn names_compare_in_nfc() {
        let decomposed = "cafe\u{301}";
        assert_eq!(pool(true).username_key(decomposed), "caf\u{e9}");
        assert_eq!(pool(false).username_key("CAFE\u{301}"), "caf\u{e9}");
        assert_ne!(pool(true).username_key("\u{430}lice"), "alice", "Cyrillic a stays itself");
        assert_eq!(normalize_sign_in("email", "JOSE\u{301}@example.com"), "jos\u{e9}@example.com");
    }

    #[test]
    fn malformed_filters_are_refused() {
        let p = pool(true);
        for bad in [
            "email",
            "email =",
            r#"email = a@b.c"#,
            r#"email = "open"#,
            r#"email = "a" extra"#,
            r#"email == "a""#,
            r#"email != "a""#,
            r#"= "a""#,
            r#"email ~ "a""#,
            r#"email = "a\"#,
        ] {
            let err = parse_filter(&p, bad).unwrap_err();
            assert!(matches!(&err, Error::InvalidParameter(m) if m == "Error while parsing filter."), "{bad}: {err:?}");
        }
        let err = parse_filter(&p, r#"custom:team = "a""#).unwrap_err();
        assert!(matches!(err, Error::InvalidParameter(_)));
    }
}
