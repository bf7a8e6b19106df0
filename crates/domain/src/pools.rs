//! User pools: their settings with Cognito's defaults, the attribute schema (standard attributes
//! plus `custom:` ones), MFA configuration, tags, and the rules of create / update / delete.
//! Behaviour follows the CreateUserPool, UpdateUserPool and AddCustomAttributes references:
//! <https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html>.

use std::collections::BTreeMap;

use cognate_model::Timestamp;
use cognate_model::cognito_idp as m;
use cognate_store::{StoreError, UserPoolRow};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, not_found_as};
use crate::{Domain, ids, keys};

/// Most custom attributes a pool may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// A pool as the rules see it.
#[derive(Clone, Debug)]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub settings: PoolSettings,
}

/// Everything about a pool except its identity, stored as the row's document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolSettings {
    pub config: PoolConfig,
    /// Standard attributes (with any overrides) followed by custom attributes.
    pub schema: Vec<m::SchemaAttributeType>,
    pub username_attributes: Vec<m::UsernameAttributeType>,
    pub alias_attributes: Vec<m::AliasAttributeType>,
    pub username_configuration: Option<m::UsernameConfigurationType>,
    pub mfa: MfaConfig,
    pub tags: BTreeMap<String, String>,
}

/// The settings UpdateUserPool may change. Unset members take Cognito's defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolConfig {
    pub policies: Option<m::UserPoolPolicyType>,
    pub deletion_protection: Option<m::DeletionProtectionType>,
    pub lambda_config: Option<m::LambdaConfigType>,
    pub auto_verified_attributes: Option<Vec<m::VerifiedAttributeType>>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Option<m::VerificationMessageTemplateType>,
    pub sms_authentication_message: Option<String>,
    pub user_attribute_update_settings: Option<m::UserAttributeUpdateSettingsType>,
    pub device_configuration: Option<m::DeviceConfigurationType>,
    pub email_configuration: Option<m::EmailConfigurationType>,
    pub sms_configuration: Option<m::SmsConfigurationType>,
    pub admin_create_user_config: Option<m::AdminCreateUserConfigType>,
    pub user_pool_add_ons: Option<m::UserPoolAddOnsType>,
    pub account_recovery_setting: Option<m::AccountRecoverySettingType>,
    pub user_pool_tier: Option<m::UserPoolTierType>,
}

/// The pool's MFA configuration (`SetUserPoolMfaConfig`). The `MfaConfiguration` value itself
/// is shared with Create/UpdateUserPool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MfaConfig {
    pub mode: Option<m::UserPoolMfaType>,
    pub sms: Option<m::SmsMfaConfigType>,
    pub software_token: Option<m::SoftwareTokenMfaConfigType>,
    pub email: Option<m::EmailMfaConfigType>,
    pub web_authn: Option<m::WebAuthnConfigurationType>,
}

/// Input of CreateUserPool, beyond the name.
#[derive(Clone, Debug, Default)]
pub struct NewPool {
    pub name: String,
    pub config: PoolConfig,
    pub mfa_configuration: Option<m::UserPoolMfaType>,
    pub schema: Vec<m::SchemaAttributeType>,
    pub username_attributes: Vec<m::UsernameAttributeType>,
    pub alias_attributes: Vec<m::AliasAttributeType>,
    pub username_configuration: Option<m::UsernameConfigurationType>,
    pub tags: BTreeMap<String, String>,
}

/// Input of UpdateUserPool.
#[derive(Clone, Debug, Default)]
pub struct PoolUpdate {
    pub name: Option<String>,
    pub config: PoolConfig,
    pub mfa_configuration: Option<m::UserPoolMfaType>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// Names of the standard attributes, in the order Cognito lists them.
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "identities",
];

fn standard_attribute(name: &str) -> m::SchemaAttributeType {
    let string = |min: &str, max: &str| {
        Some(m::StringAttributeConstraintsType { min_length: Some(min.into()), max_length: Some(max.into()) })
    };
    let (data_type, mutable, required, strings, numbers) = match name {
        "sub" => (m::AttributeDataType::String, false, true, string("1", "2048"), None),
        "email_verified" | "phone_number_verified" => (m::AttributeDataType::Boolean, true, false, None, None),
        "updated_at" => (
            m::AttributeDataType::Number,
            true,
            false,
            None,
            Some(m::NumberAttributeConstraintsType { min_value: Some("0".into()), max_value: None }),
        ),
        "birthdate" => (m::AttributeDataType::String, true, false, string("10", "10"), None),
        "identities" => (m::AttributeDataType::String, true, false, Some(Default::default()), None),
        _ => (m::AttributeDataType::String, true, false, string("0", "2048"), None),
    };
    m::SchemaAttributeType {
        name: Some(name.to_string()),
        attribute_data_type: Some(data_type),
        developer_only_attribute: Some(false),
        mutable: Some(mutable),
        required: Some(required),
        string_attribute_constraints: strings,
        number_attribute_constraints: numbers,
    }
}

/// The full name a custom attribute is stored under (`custom:x` or `dev:custom:x`).
fn custom_name(attr: &m::SchemaAttributeType) -> Result<String> {
    let name = attr.name.as_deref().ok_or_else(|| Error::invalid("Attribute name is required."))?;
    let bare = name.strip_prefix("dev:").unwrap_or(name);
    let bare = bare.strip_prefix("custom:").unwrap_or(bare);
    if bare.is_empty() {
        return Err(Error::invalid("Attribute name is required."));
    }
    Ok(if attr.developer_only_attribute == Some(true) {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    })
}

fn check_constraints(attr: &m::SchemaAttributeType, name: &str) -> Result<()> {
    if let Some(s) = &attr.string_attribute_constraints {
        let min = parse_bound(s.min_length.as_deref(), name)?;
        let max = parse_bound(s.max_length.as_deref(), name)?;
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err(Error::invalid(format!("Attribute {name}: MinLength must not exceed MaxLength.")));
        }
        if max.is_some_and(|m| m > 2048) {
            return Err(Error::invalid(format!("Attribute {name}: MaxLength must not exceed 2048.")));
        }
    }
    if let Some(n) = &attr.number_attribute_constraints {
        let min = parse_bound(n.min_value.as_deref(), name)?;
        let max = parse_bound(n.max_value.as_deref(), name)?;
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err(Error::invalid(format!("Attribute {name}: MinValue must not exceed MaxValue.")));
        }
    }
    Ok(())
}

fn parse_bound(v: Option<&str>, name: &str) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::invalid(format!("Attribute {name}: constraint value '{s}' is not a number."))),
    }
}

/// A validated custom attribute, named `custom:…`, with Cognito's defaults filled in.
fn custom_attribute(attr: &m::SchemaAttributeType) -> Result<m::SchemaAttributeType> {
    let name = custom_name(attr)?;
    if attr.required == Some(true) {
        return Err(Error::invalid("Required custom attributes are not supported currently."));
    }
    check_constraints(attr, &name)?;
    let data_type = match &attr.attribute_data_type {
        Some(m::AttributeDataType::Unknown(_)) | None => {
            return Err(Error::invalid(
                "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
            ));
        }
        Some(dt) => dt.clone(),
    };
    let is_string = data_type == m::AttributeDataType::String;
    let is_number = data_type == m::AttributeDataType::Number;
    if !is_string && attr.string_attribute_constraints.is_some() {
        return Err(Error::invalid(format!(
            "Attribute {name}: StringAttributeConstraints apply only to String attributes."
        )));
    }
    if !is_number && attr.number_attribute_constraints.is_some() {
        return Err(Error::invalid(format!(
            "Attribute {name}: NumberAttributeConstraints apply only to Number attributes."
        )));
    }
    Ok(m::SchemaAttributeType {
        name: Some(name),
        attribute_data_type: Some(data_type),
        developer_only_attribute: Some(attr.developer_only_attribute.unwrap_or(false)),
        mutable: Some(attr.mutable.unwrap_or(true)),
        required: Some(false),
        string_attribute_constraints: if is_string {
            Some(attr.string_attribute_constraints.clone().unwrap_or_default())
        } else {
            None
        },
        number_attribute_constraints: if is_number {
            Some(attr.number_attribute_constraints.clone().unwrap_or_default())
        } else {
            None
        },
    })
}

/// Standard attributes with the overrides of `input`, then its custom attributes.
fn build_schema(input: &[m::SchemaAttributeType]) -> Result<Vec<m::SchemaAttributeType>> {
    let mut schema: Vec<m::SchemaAttributeType> = STANDARD_ATTRIBUTES.iter().map(|n| standard_attribute(n)).collect();
    let mut customs = Vec::new();
    for attr in input {
        let name = attr.name.as_deref().unwrap_or("");
        if let Some(std) = schema.iter_mut().find(|a| a.name.as_deref() == Some(name)) {
            if name == "sub" {
                return Err(Error::invalid("The sub attribute cannot be modified."));
            }
            let changes_type =
                attr.attribute_data_type.as_ref().is_some_and(|dt| Some(dt) != std.attribute_data_type.as_ref());
            if changes_type || attr.developer_only_attribute == Some(true) {
                return Err(Error::invalid(format!(
                    "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
                )));
            }
            check_constraints(attr, name)?;
            if let Some(r) = attr.required {
                std.required = Some(r);
            }
            if let Some(mutable) = attr.mutable {
                std.mutable = Some(mutable);
            }
            if attr.string_attribute_constraints.is_some() {
                std.string_attribute_constraints = attr.string_attribute_constraints.clone();
            }
            if attr.number_attribute_constraints.is_some() {
                std.number_attribute_constraints = attr.number_attribute_constraints.clone();
            }
        } else {
            customs.push(custom_attribute(attr)?);
        }
    }
    add_customs(&mut schema, customs)?;
    Ok(schema)
}

fn add_customs(schema: &mut Vec<m::SchemaAttributeType>, customs: Vec<m::SchemaAttributeType>) -> Result<()> {
    for c in customs {
        let name = c.name.clone().unwrap_or_default();
        let bare = name.trim_start_matches("dev:");
        if schema.iter().any(|a| a.name.as_deref().map(|n| n.trim_start_matches("dev:")) == Some(bare)) {
            return Err(Error::invalid(format!("{bare}: Existing attribute already has name {bare}.")));
        }
        schema.push(c);
    }
    let count = schema.iter().filter(|a| a.name.as_deref().is_some_and(|n| n.contains("custom:"))).count();
    if count > MAX_CUSTOM_ATTRIBUTES {
        return Err(Error::invalid(format!("A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes.")));
    }
    Ok(())
}

/// Cognito's defaults for unset settings, applied on create and on every update.
fn with_defaults(mut c: PoolConfig) -> PoolConfig {
    let mut policies = c.policies.take().unwrap_or_default();
    let password = policies.password_policy.take().unwrap_or(m::PasswordPolicyType {
        minimum_length: Some(8),
        require_uppercase: Some(true),
        require_lowercase: Some(true),
        require_numbers: Some(true),
        require_symbols: Some(true),
        temporary_password_validity_days: Some(7),
        password_history_size: None,
    });
    policies.password_policy = Some(m::PasswordPolicyType {
        minimum_length: Some(password.minimum_length.unwrap_or(8)),
        require_uppercase: Some(password.require_uppercase.unwrap_or(false)),
        require_lowercase: Some(password.require_lowercase.unwrap_or(false)),
        require_numbers: Some(password.require_numbers.unwrap_or(false)),
        require_symbols: Some(password.require_symbols.unwrap_or(false)),
        temporary_password_validity_days: Some(password.temporary_password_validity_days.unwrap_or(7)),
        password_history_size: password.password_history_size,
    });
    if policies.sign_in_policy.is_none() {
        policies.sign_in_policy =
            Some(m::SignInPolicyType { allowed_first_auth_factors: Some(vec![m::AuthFactorType::Password]) });
    }
    c.policies = Some(policies);
    c.deletion_protection.get_or_insert(m::DeletionProtectionType::Inactive);
    c.lambda_config.get_or_insert_with(Default::default);
    let mut template = c.verification_message_template.take().unwrap_or_default();
    template.default_email_option.get_or_insert(m::DefaultEmailOptionType::ConfirmWithCode);
    if template.email_message.is_none() {
        template.email_message = c.email_verification_message.clone();
    }
    if template.email_subject.is_none() {
        template.email_subject = c.email_verification_subject.clone();
    }
    if template.sms_message.is_none() {
        template.sms_message = c.sms_verification_message.clone();
    }
    if c.email_verification_message.is_none() {
        c.email_verification_message = template.email_message.clone();
    }
    if c.email_verification_subject.is_none() {
        c.email_verification_subject = template.email_subject.clone();
    }
    if c.sms_verification_message.is_none() {
        c.sms_verification_message = template.sms_message.clone();
    }
    c.verification_message_template = Some(template);
    c.user_attribute_update_settings.get_or_insert_with(|| m::UserAttributeUpdateSettingsType {
        attributes_require_verification_before_update: Some(Vec::new()),
    });
    c.email_configuration.get_or_insert_with(|| m::EmailConfigurationType {
        email_sending_account: Some(m::EmailSendingAccountType::CognitoDefault),
        ..Default::default()
    });
    let admin = c.admin_create_user_config.get_or_insert_with(Default::default);
    admin.allow_admin_create_user_only.get_or_insert(false);
    c.user_pool_tier.get_or_insert(m::UserPoolTierType::Essentials);
    c
}

fn check_config(c: &PoolConfig, schema: &[m::SchemaAttributeType]) -> Result<()> {
    if let Some(p) = c.policies.as_ref().and_then(|p| p.password_policy.as_ref())
        && let Some(days) = p.temporary_password_validity_days
        && !(0..=365).contains(&days)
    {
        return Err(Error::invalid("TemporaryPasswordValidityDays must be between 0 and 365."));
    }
    for attr in c.auto_verified_attributes.iter().flatten() {
        let name = attr.as_str();
        if !schema.iter().any(|a| a.name.as_deref() == Some(name)) {
            return Err(Error::invalid(format!("Auto verified attribute {name} is not in the schema.")));
        }
    }
    if let Some(u) = &c.user_attribute_update_settings {
        for a in u.attributes_require_verification_before_update.iter().flatten() {
            let is_auto_verified = c.auto_verified_attributes.iter().flatten().any(|v| v.as_str() == a.as_str());
            if !is_auto_verified {
                return Err(Error::invalid(format!(
                    "Attribute {} must be an auto-verified attribute to require verification before update.",
                    a.as_str()
                )));
            }
        }
    }
    Ok(())
}

fn check_mfa(mode: Option<&m::UserPoolMfaType>, mfa: &MfaConfig) -> Result<()> {
    let is_on = matches!(mode, Some(m::UserPoolMfaType::On | m::UserPoolMfaType::Optional));
    if is_on {
        let any = mfa.sms.is_some()
            || mfa.software_token.as_ref().and_then(|t| t.enabled) == Some(true)
            || mfa.email.is_some();
        if !any {
            return Err(Error::invalid(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
            ));
        }
    }
    Ok(())
}

impl UserPool {
    fn from_row(row: UserPoolRow) -> Result<Self> {
        let settings: PoolSettings = serde_json::from_str(&row.document)
            .map_err(|e| Error::Internal(anyhow::anyhow!("pool {} has an unreadable document: {e}", row.id)))?;
        Ok(UserPool {
            id: row.id,
            name: row.name,
            created: Timestamp::from_millis(row.created_ms),
            modified: Timestamp::from_millis(row.updated_ms),
            settings,
        })
    }

    fn to_row(&self) -> Result<UserPoolRow> {
        let document = serde_json::to_string(&self.settings)
            .map_err(|e| Error::Internal(anyhow::anyhow!("serialising pool {}: {e}", self.id)))?;
        Ok(UserPoolRow {
            id: self.id.clone(),
            name: self.name.clone(),
            created_ms: self.created.millis(),
            updated_ms: self.modified.millis(),
            document,
        })
    }

    /// The MFA mode, `OFF` when never set.
    pub fn mfa_mode(&self) -> m::UserPoolMfaType {
        self.settings.mfa.mode.clone().unwrap_or(m::UserPoolMfaType::Off)
    }

    pub fn is_deletion_protected(&self) -> bool {
        self.settings.config.deletion_protection == Some(m::DeletionProtectionType::Active)
    }
}

fn pool_not_found(id: &str) -> String {
    format!("User pool {id} does not exist.")
}

/// The reference list says pagination tokens are opaque; ours is the last ID returned.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

impl<T> Page<T> {
    /// A page from store rows fetched with `limit + 1`: the extra row only says there is more.
    pub(crate) fn from_rows<R>(
        rows: Vec<R>,
        limit: u32,
        convert: impl FnMut(R) -> Result<T>,
        key: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let has_more = rows.len() > limit as usize;
        let items = rows.into_iter().take(limit as usize).map(convert).collect::<Result<Vec<_>>>()?;
        let next_token = if has_more { items.last().map(key) } else { None };
        Ok(Page { items, next_token })
    }
}

impl Domain {
    pub async fn create_user_pool(&self, input: NewPool) -> Result<UserPool> {
        if !input.username_attributes.is_empty() && !input.alias_attributes.is_empty() {
            return Err(Error::invalid(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
            ));
        }
        let schema = build_schema(&input.schema)?;
        let config = with_defaults(input.config);
        check_config(&config, &schema)?;
        let mfa =
            MfaConfig { mode: Some(input.mfa_configuration.unwrap_or(m::UserPoolMfaType::Off)), ..Default::default() };
        if mfa.mode != Some(m::UserPoolMfaType::Off) {
            // CreateUserPool can only turn MFA on together with an SMS configuration; the other
            // factors are enabled through SetUserPoolMfaConfig.
            if config.sms_configuration.is_none() {
                return Err(Error::invalid(
                    "SMS configuration is required to turn on MFA at pool creation; use SetUserPoolMfaConfig for other MFA methods.",
                ));
            }
        }
        let now = self.clock.now();
        let id = ids::user_pool_id(&self.config.region);
        let mut mfa = mfa;
        if mfa.mode != Some(m::UserPoolMfaType::Off) {
            mfa.sms = Some(m::SmsMfaConfigType {
                sms_configuration: config.sms_configuration.clone(),
                sms_authentication_message: config.sms_authentication_message.clone(),
            });
        }
        let pool = UserPool {
            id: id.clone(),
            name: input.name,
            created: now,
            modified: now,
            settings: PoolSettings {
                config,
                schema,
                username_attributes: input.username_attributes,
                alias_attributes: input.alias_attributes,
                username_configuration: input.username_configuration,
                mfa,
                tags: input.tags,
            },
        };
        let mut key = keys::generate(&id, now.millis()).await?;
        key.private_pem = self.vault.seal_str(&keys::context(&key), &key.private_pem)?;
        self.store.create_user_pool(&pool.to_row()?, &key).await?;
        tracing::info!(pool_id = %id, "created user pool");
        Ok(pool)
    }

    pub async fn get_user_pool(&self, id: &str) -> Result<UserPool> {
        let row = self.store.get_user_pool(id).await.map_err(|e| not_found_as(e, || pool_not_found(id)))?;
        UserPool::from_row(row)
    }

    pub async fn update_user_pool(&self, id: &str, update: PoolUpdate) -> Result<UserPool> {
        let mut pool = self.get_user_pool(id).await?;
        let config = with_defaults(update.config);
        check_config(&config, &pool.settings.schema)?;
        let mode = update.mfa_configuration.unwrap_or(m::UserPoolMfaType::Off);
        let mut mfa = pool.settings.mfa.clone();
        mfa.mode = Some(mode);
        if mfa.sms.is_some() {
            mfa.sms = Some(m::SmsMfaConfigType {
                sms_configuration: config.sms_configuration.clone(),
                sms_authentication_message: config.sms_authentication_message.clone(),
            });
        }
        check_mfa(mfa.mode.as_ref(), &mfa)?;
        if let Some(name) = update.name {
            pool.name = name;
        }
        if let Some(tags) = update.tags {
            pool.settings.tags = tags;
        }
        pool.settings.config = config;
        pool.settings.mfa = mfa;
        pool.modified = self.clock.now();
        self.save(&pool).await?;
        Ok(pool)
    }

    async fn save(&self, pool: &UserPool) -> Result<()> {
        self.store.update_user_pool(&pool.to_row()?).await.map_err(|e| not_found_as(e, || pool_not_found(&pool.id)))
    }

    pub async fn delete_user_pool(&self, id: &str) -> Result<()> {
        let pool = self.get_user_pool(id).await?;
        if pool.is_deletion_protected() {
            return Err(Error::invalid(
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
            ));
        }
        if !self.store.list_pool_domains(id).await?.is_empty() {
            return Err(Error::invalid(
                "User pool cannot be deleted. It has a domain configured that must be deleted first.",
            ));
        }
        self.store.delete_user_pool(id).await.map_err(|e| not_found_as(e, || pool_not_found(id)))?;
        tracing::info!(pool_id = %id, "deleted user pool");
        Ok(())
    }

    pub async fn list_user_pools(&self, next_token: Option<&str>, max: u32) -> Result<Page<UserPool>> {
        let max = max.clamp(1, 60);
        let rows = self.store.list_user_pools(next_token, max + 1).await?;
        Page::from_rows(rows, max, UserPool::from_row, |p| p.id.clone())
    }

    pub async fn add_custom_attributes(&self, id: &str, attrs: &[m::SchemaAttributeType]) -> Result<()> {
        let mut pool = self.get_user_pool(id).await?;
        let customs = attrs.iter().map(custom_attribute).collect::<Result<Vec<_>>>()?;
        add_customs(&mut pool.settings.schema, customs)?;
        pool.modified = self.clock.now();
        self.save(&pool).await
    }

    pub async fn set_user_pool_mfa_config(&self, id: &str, input: MfaConfig) -> Result<UserPool> {
        let mut pool = self.get_user_pool(id).await?;
        let mut mfa = pool.settings.mfa.clone();
        if let Some(mode) = input.mode {
            mfa.mode = Some(mode);
        }
        if input.sms.is_some() {
            mfa.sms = input.sms;
        }
        if input.software_token.is_some() {
            mfa.software_token = input.software_token;
        }
        if input.email.is_some() {
            mfa.email = input.email;
        }
        if input.web_authn.is_some() {
            mfa.web_authn = input.web_authn;
        }
        check_mfa(mfa.mode.as_ref(), &mfa)?;
        pool.settings.mfa = mfa;
        pool.modified = self.clock.now();
        self.save(&pool).await?;
        Ok(pool)
    }

    /// The pool an ARN names (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`).
    pub async fn pool_by_arn(&self, arn: &str) -> Result<UserPool> {
        let id = arn
            .strip_prefix("arn:aws:cognito-idp:")
            .and_then(|rest| rest.split_once(":userpool/"))
            .map(|(_, id)| id)
            .ok_or_else(|| Error::ResourceNotFound(format!("Resource {arn} does not exist.")))?;
        let pool = self.get_user_pool(id).await.map_err(|e| match e {
            Error::ResourceNotFound(_) => Error::ResourceNotFound(format!("Resource {arn} does not exist.")),
            other => other,
        })?;
        if self.pool_arn(&pool.id) != arn {
            return Err(Error::ResourceNotFound(format!("Resource {arn} does not exist.")));
        }
        Ok(pool)
    }

    pub async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        pool.settings.tags.extend(tags);
        if pool.settings.tags.len() > 50 {
            return Err(Error::invalid("A user pool can have at most 50 tags."));
        }
        self.save(&pool).await
    }

    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        for k in keys {
            pool.settings.tags.remove(k);
        }
        self.save(&pool).await
    }

    /// The pool's JWKS.
    pub async fn jwks(&self, pool_id: &str) -> Result<keys::Jwks> {
        let rows = self.signing_keys(pool_id).await?;
        if rows.is_empty() {
            // A pool always has a key, so no keys means no pool.
            return Err(Error::ResourceNotFound(pool_not_found(pool_id)));
        }
        Ok(keys::Jwks { keys: rows.iter().map(keys::jwk).collect::<Result<Vec<_>>>()? })
    }

    /// Base64 DER of the pool's signing certificate.
    pub async fn signing_certificate(&self, pool_id: &str) -> Result<String> {
        self.get_user_pool(pool_id).await?;
        let rows = self.signing_keys(pool_id).await?;
        let newest = rows.last().ok_or_else(|| Error::ResourceNotFound(pool_not_found(pool_id)))?;
        keys::certificate(newest)
    }

    /// The pool's signing keys, oldest first, with their private keys decrypted.
    pub(crate) async fn signing_keys(&self, pool_id: &str) -> Result<Vec<cognate_store::SigningKeyRow>> {
        let mut rows = self.store.list_signing_keys(pool_id).await?;
        for row in &mut rows {
            row.private_pem = self.vault.open_str(&keys::context(row), &row.private_pem)?;
        }
        Ok(rows)
    }

    /// Whether a pool exists (cheap check for the discovery endpoints).
    pub async fn pool_exists(&self, pool_id: &str) -> Result<bool> {
        match self.store.get_user_pool(pool_id).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn schema_has_standard_attributes_then_customs() {
        let schema = build_schema(&[
            m::SchemaAttributeType { name: Some("email".into()), required: Some(true), ..Default::default() },
            m::SchemaAttributeType {
                name: Some("tenant".into()),
                attribute_data_type: Some(m::AttributeDataType::String),
                ..Default::default()
            },
        ])
        .unwrap();
        assert_eq!(schema[0].name.as_deref(), Some("sub"));
        let email = schema.iter().find(|a| a.name.as_deref() == Some("email")).unwrap();
        assert_eq!(email.required, Some(true));
        let last = schema.last().unwrap();
        assert_eq!(last.name.as_deref(), Some("custom:tenant"));
        assert_eq!(last.mutable, Some(true));
    }

    #[test]
    fn required_custom_attributes_are_refused() {
        let err = build_schema(&[m::SchemaAttributeType {
            name: Some("x".into()),
            required: Some(true),
            ..Default::default()
        }])
        .unwrap_err();
        assert!(matches!(err, Error::InvalidParameter(_)));
    }

    #[test]
    fn defaults_match_cognito() {
        let c = with_defaults(PoolConfig::default());
        let p = c.policies.as_ref().and_then(|p| p.password_policy.clone()).unwrap();
        assert_eq!(p.minimum_length, Some(8));
        assert_eq!(p.require_symbols, Some(true));
        assert_eq!(p.temporary_password_validity_days, Some(7));
        assert_eq!(c.deletion_protection, Some(m::DeletionProtectionType::Inactive));
    }
}
