//! IAM's account-level objects: roles (trust policy, inline and attached policies, permissions
//! boundary, tags, maximum session duration), customer managed policies with their versions, the
//! AWS managed policies (`managed`, read-only), users with access keys, and OpenID Connect
//! providers. Each object is one `EntityStore` row (kind and lower-cased name: IAM names are
//! unique regardless of case) whose document is the object below; every change is a
//! compare-and-swap on its version. Policy documents are checked with `cognate-policy` when they
//! are stored, and evaluated by `principals` when a caller acts.

pub mod managed;
pub mod principals;
pub mod sts;

use std::collections::BTreeMap;

use cognate_store::{EntityChange, EntityRow, StoreError};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, IamError, Result};

pub(crate) const ROLE: &str = "iam-role";
pub(crate) const POLICY: &str = "iam-policy";
pub(crate) const USER: &str = "iam-user";
pub(crate) const OIDC_PROVIDER: &str = "iam-oidc-provider";
pub(crate) const GROUP: &str = "iam-group";
/// IAM's quota of groups a user may be in.
pub const GROUPS_PER_USER: usize = 10;
pub const INLINE_GROUP_POLICY_CHARS: usize = 5_120;

/// IAM's quotas (IAM User Guide, "IAM and AWS STS quotas").
pub const MANAGED_POLICIES_PER_ENTITY: usize = 10;
pub const VERSIONS_PER_POLICY: usize = 5;
pub const INLINE_ROLE_POLICY_CHARS: usize = 10_240;
pub const INLINE_USER_POLICY_CHARS: usize = 2_048;
pub const MANAGED_POLICY_CHARS: usize = 6_144;
pub const TRUST_POLICY_CHARS: usize = 2_048;
pub const ACCESS_KEYS_PER_USER: usize = 2;
pub const TAGS_PER_ENTITY: usize = 50;

/// A key/value tag of an IAM object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// An IAM role.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub id: String,
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    pub trust_policy: String,
    pub max_session_secs: i32,
    pub created_ms: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies' ARNs, in attachment order.
    #[serde(default)]
    pub attached: Vec<String>,
    #[serde(default)]
    pub boundary: Option<String>,
    #[serde(skip)]
    version: i64,
}

/// A customer managed policy with its versions (AWS managed ones are in `managed`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub id: String,
    pub path: String,
    pub arn: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub default_version: String,
    pub versions: Vec<PolicyVersion>,
    /// The number the next version gets (`v<n>`); versions are never renumbered.
    pub next_version: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// AWS managed (read-only, from `managed`).
    #[serde(skip)]
    pub is_aws_managed: bool,
    #[serde(skip)]
    version: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub id: String,
    pub document: String,
    pub created_ms: i64,
}

impl ManagedPolicy {
    pub fn default_document(&self) -> Option<&str> {
        self.versions.iter().find(|v| v.id == self.default_version).map(|v| v.document.as_str())
    }
}

/// An IAM user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IamUser {
    pub name: String,
    pub id: String,
    pub path: String,
    pub created_ms: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    #[serde(default)]
    pub attached: Vec<String>,
    #[serde(default)]
    pub boundary: Option<String>,
    #[serde(default)]
    pub access_keys: Vec<UserAccessKey>,
    /// The names of the groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(skip)]
    version: i64,
}

/// An IAM group: its members' policies include the group's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IamGroup {
    pub name: String,
    pub id: String,
    pub path: String,
    pub created_ms: i64,
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    #[serde(default)]
    pub attached: Vec<String>,
    #[serde(skip)]
    version: i64,
}

impl IamGroup {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:group{}{}", self.path, self.name)
    }
}

/// One of a user's access keys (its secret is in the access-key store).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserAccessKey {
    pub id: String,
    pub is_active: bool,
    pub created_ms: i64,
    #[serde(default)]
    pub last_used_ms: Option<i64>,
}

/// An OpenID Connect identity provider registered in IAM.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OidcProvider {
    /// The issuer URL without its scheme (`example.com/path`), as IAM names the provider.
    pub host_path: String,
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub created_ms: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// A page of a listing.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub marker: Option<String>,
}

/// What a policy is attached to (ListEntitiesForPolicy).
#[derive(Clone, Debug, Default)]
pub struct PolicyEntities {
    pub roles: Vec<(String, String)>,
    pub users: Vec<(String, String)>,
    pub groups: Vec<(String, String)>,
}

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An IAM unique ID: a four-letter prefix (`AROA`, `AIDA`, `ANPA`) and 17 characters.
pub(crate) fn unique_id(prefix: &str) -> String {
    let mut rng = rand::rngs::OsRng;
    let tail: String = (0..17).map(|_| char::from(ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())])).collect();
    format!("{prefix}{tail}")
}

fn no_such(what: &str, name: &str) -> Error {
    IamError::NoSuchEntity.err(format!("The {what} with name {name} cannot be found."))
}

fn invalid(message: impl Into<String>) -> Error {
    IamError::InvalidInput.err(message)
}

/// Paths begin and end with `/`.
fn check_path(path: Option<&str>) -> Result<String> {
    let path = path.unwrap_or("/");
    if !path.starts_with('/') || !path.ends_with('/') || path.contains("//") && path != "/" {
        return Err(invalid(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
        ));
    }
    Ok(path.to_owned())
}

/// Checks a policy document and its size. `kind` picks the grammar (trust policies name a
/// principal; identity policies must not).
pub(crate) fn check_document(
    document: &str,
    kind: cognate_policy::PolicyKind,
    limit: usize,
    quota: &str,
) -> Result<()> {
    let size = document.chars().filter(|c| !c.is_whitespace()).count();
    if size > limit {
        return Err(IamError::LimitExceeded.err(format!("Cannot exceed quota for {quota}: {limit}")));
    }
    cognate_policy::Policy::parse(document, kind)
        .map(drop)
        .map_err(|e| IamError::MalformedPolicyDocument.err(e.message))
}

fn check_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) -> Result<()> {
    for tag in new {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(t) => t.value = tag.value,
            None => existing.push(tag),
        }
    }
    if existing.len() > TAGS_PER_ENTITY {
        return Err(IamError::LimitExceeded
            .err(format!("The number of tags has reached the maximum limit of {TAGS_PER_ENTITY}.")));
    }
    Ok(())
}

/// A page of `items` after `marker`, at most `max_items` (IAM's Marker / MaxItems paging).
pub fn page<T>(mut items: Vec<T>, key: impl Fn(&T) -> String, marker: Option<&str>, max_items: Option<i32>) -> Page<T> {
    let limit = usize::try_from(max_items.unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
    if let Some(after) = marker {
        items.retain(|i| key(i).as_str() > after);
    }
    if items.len() > limit {
        items.truncate(limit);
        let marker = items.last().map(&key);
        Page { items, marker }
    } else {
        Page { items, marker: None }
    }
}

/// A managed policy's ARN: AWS's (`arn:aws:iam::aws:policy/…`) or the account's.
fn is_aws_policy_arn(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

/// The name part of a managed policy ARN.
fn policy_name_of(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:aws:iam::")?.split_once(":policy/").map(|(_, rest)| rest.rsplit('/').next().unwrap_or(rest))
}

/// Reads a stored document.
fn decode<T: for<'de> Deserialize<'de>>(row: &EntityRow) -> Result<T> {
    serde_json::from_str(&row.document)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored {} {} is unreadable: {e}", row.kind, row.id)))
}

fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(anyhow::anyhow!("encoding an IAM object: {e}")))
}

fn stale(e: StoreError) -> Error {
    match e {
        StoreError::Stale => {
            IamError::ConcurrentModification.err("The entity was changed by a concurrent request; try again.")
        }
        StoreError::Conflict(_) => IamError::EntityAlreadyExists.err("The entity already exists."),
        other => other.into(),
    }
}

/// What roles and users share: inline policies by name, attached managed policies, a boundary.
fn inline_policy(inline: &BTreeMap<String, String>, name: &str, whose: &str) -> Result<String> {
    inline
        .get(name)
        .cloned()
        .ok_or_else(|| IamError::NoSuchEntity.err(format!("The {whose} policy with name {name} cannot be found.")))
}

fn remove_inline(inline: &mut BTreeMap<String, String>, name: &str, whose: &str) -> Result<()> {
    match inline.remove(name) {
        Some(_) => Ok(()),
        None => Err(IamError::NoSuchEntity.err(format!("The {whose} policy with name {name} cannot be found."))),
    }
}

/// Attaches once; `quota` names IAM's quota (`PoliciesPerRole`, `PoliciesPerUser`).
fn attach(attached: &mut Vec<String>, arn: &str, quota: &str) -> Result<()> {
    if !attached.iter().any(|a| a == arn) {
        if attached.len() >= MANAGED_POLICIES_PER_ENTITY {
            return Err(
                IamError::LimitExceeded.err(format!("Cannot exceed quota for {quota}: {MANAGED_POLICIES_PER_ENTITY}"))
            );
        }
        attached.push(arn.to_owned());
    }
    Ok(())
}

fn detach(attached: &mut Vec<String>, arn: &str) -> Result<()> {
    let before = attached.len();
    attached.retain(|a| a != arn);
    if attached.len() == before {
        return Err(IamError::NoSuchEntity.err(format!("Policy {arn} was not found.")));
    }
    Ok(())
}

/// An IAM object stored under its lower-cased name: roles, users, groups.
trait Named: Serialize + for<'de> Deserialize<'de> + Send {
    const KIND: &'static str;
    /// How IAM's messages call it (`role`, `user`, `group`).
    const WHAT: &'static str;
    fn name(&self) -> &str;
    fn version(&self) -> i64;
    fn set_version(&mut self, version: i64);
}

macro_rules! named {
    ($t:ty, $kind:expr, $what:expr) => {
        impl Named for $t {
            const KIND: &'static str = $kind;
            const WHAT: &'static str = $what;
            fn name(&self) -> &str {
                &self.name
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn set_version(&mut self, version: i64) {
                self.version = version;
            }
        }
    };
}

named!(Role, ROLE, "role");
named!(IamUser, USER, "user");
named!(IamGroup, GROUP, "group");

impl Role {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:role{}{}", self.path, self.name)
    }
}

impl IamUser {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:user{}{}", self.path, self.name)
    }
}

/// What CreateRole takes.
#[derive(Clone, Debug, Default)]
pub struct NewRole {
    pub name: String,
    pub path: Option<String>,
    pub trust_policy: String,
    pub description: Option<String>,
    pub max_session_secs: Option<i32>,
    pub boundary: Option<String>,
    pub tags: Vec<Tag>,
}

/// Session lengths a role allows (IAM: one to twelve hours).
pub const MIN_MAX_SESSION_SECS: i32 = 3_600;
pub const MAX_MAX_SESSION_SECS: i32 = 43_200;

impl Domain {
    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    async fn iam_row(&self, kind: &str, name: &str) -> Result<Option<EntityRow>> {
        Ok(self.store.find_entity(kind, &name.to_lowercase()).await?)
    }

    async fn write(&self, changes: Vec<EntityChange>) -> Result<()> {
        self.store.apply_entities(&changes).await.map_err(stale)
    }

    fn row(&self, kind: &str, name: &str, version: i64, document: String) -> EntityRow {
        EntityRow {
            kind: kind.to_owned(),
            id: name.to_lowercase(),
            scope: String::new(),
            version,
            created_ms: self.clock.now_ms(),
            document,
        }
    }

    async fn find_named<T: Named>(&self, name: &str) -> Result<Option<T>> {
        match self.iam_row(T::KIND, name).await? {
            Some(row) => {
                let mut found: T = decode(&row)?;
                found.set_version(row.version);
                Ok(Some(found))
            }
            None => Ok(None),
        }
    }

    async fn get_named<T: Named>(&self, name: &str) -> Result<T> {
        self.find_named(name).await?.ok_or_else(|| no_such(T::WHAT, name))
    }

    /// Reads, changes and writes a named object; a concurrent change is retried.
    async fn change_named<T: Named>(&self, name: &str, change: impl Fn(&mut T) -> Result<()>) -> Result<T> {
        for _ in 0..5 {
            let mut found: T = self.get_named(name).await?;
            change(&mut found)?;
            let row = self.row(T::KIND, found.name(), found.version(), encode(&found)?);
            match self.write(vec![EntityChange::Update(row)]).await {
                Err(Error::Iam(IamError::ConcurrentModification, _)) => continue,
                other => other?,
            }
            return Ok(found);
        }
        Err(IamError::ConcurrentModification.err("The entity was changed by a concurrent request; try again."))
    }

    // --- roles ------------------------------------------------------------------------------

    pub async fn create_role(&self, new: NewRole) -> Result<Role> {
        let path = check_path(new.path.as_deref())?;
        check_document(&new.trust_policy, cognate_policy::PolicyKind::Trust, TRUST_POLICY_CHARS, "ACLSizePerRole")?;
        let max_session_secs = new.max_session_secs.unwrap_or(MIN_MAX_SESSION_SECS);
        if !(MIN_MAX_SESSION_SECS..=MAX_MAX_SESSION_SECS).contains(&max_session_secs) {
            return Err(invalid("The requested MaxSessionDuration must be between 3600 and 43200 seconds."));
        }
        if let Some(boundary) = &new.boundary {
            self.get_policy(boundary).await?;
        }
        let mut tags = Vec::new();
        check_tags(&mut tags, new.tags)?;
        let role = Role {
            name: new.name,
            id: unique_id("AROA"),
            path,
            description: new.description,
            trust_policy: new.trust_policy,
            max_session_secs,
            created_ms: self.clock.now_ms(),
            tags,
            inline: BTreeMap::new(),
            attached: Vec::new(),
            boundary: new.boundary,
            version: 1,
        };
        let row = self.row(ROLE, &role.name, 1, encode(&role)?);
        match self.store.apply_entities(&[EntityChange::Create(row)]).await {
            Ok(()) => Ok(role),
            Err(StoreError::Conflict(_)) => {
                Err(IamError::EntityAlreadyExists.err(format!("Role with name {} already exists.", role.name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find_role(&self, name: &str) -> Result<Option<Role>> {
        self.find_named(name).await
    }

    pub async fn get_role(&self, name: &str) -> Result<Role> {
        self.get_named(name).await
    }

    /// The role an ARN names (`arn:aws:iam::<account>:role/<path>/<name>`), if it is this account's.
    pub async fn find_role_by_arn(&self, arn: &str) -> Result<Option<Role>> {
        let Some(rest) = arn.strip_prefix(&format!("arn:aws:iam::{}:role/", self.config.account_id)) else {
            return Ok(None);
        };
        let name = rest.rsplit('/').next().unwrap_or(rest);
        Ok(self.find_role(name).await?.filter(|r| r.arn(&self.config.account_id) == arn))
    }

    async fn change_role(&self, name: &str, change: impl Fn(&mut Role) -> Result<()>) -> Result<Role> {
        self.change_named(name, change).await
    }

    pub async fn list_roles(
        &self,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<Page<Role>> {
        let rows = self.store.list_entities(ROLE, "", None, 10_000).await?;
        let mut roles = Vec::with_capacity(rows.len());
        for row in &rows {
            let role: Role = decode(row)?;
            if path_prefix.is_none_or(|p| role.path.starts_with(p)) {
                roles.push(Role { version: row.version, ..role });
            }
        }
        Ok(page(roles, |r| r.name.to_lowercase(), marker, max_items))
    }

    pub async fn update_role(
        &self,
        name: &str,
        description: Option<String>,
        max_session_secs: Option<i32>,
    ) -> Result<Role> {
        if let Some(secs) = max_session_secs
            && !(MIN_MAX_SESSION_SECS..=MAX_MAX_SESSION_SECS).contains(&secs)
        {
            return Err(invalid("The requested MaxSessionDuration must be between 3600 and 43200 seconds."));
        }
        self.change_role(name, |role| {
            if let Some(d) = &description {
                role.description = Some(d.clone());
            }
            if let Some(secs) = max_session_secs {
                role.max_session_secs = secs;
            }
            Ok(())
        })
        .await
    }

    pub async fn update_assume_role_policy(&self, name: &str, document: &str) -> Result<()> {
        check_document(document, cognate_policy::PolicyKind::Trust, TRUST_POLICY_CHARS, "ACLSizePerRole")?;
        self.change_role(name, |role| {
            role.trust_policy = document.to_owned();
            Ok(())
        })
        .await
        .map(drop)
    }

    /// Deletes a role that has no policies left (IAM's rule).
    pub async fn delete_role(&self, name: &str) -> Result<()> {
        let role = self.get_role(name).await?;
        if !role.inline.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must delete policies first."));
        }
        if !role.attached.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must detach all policies first."));
        }
        let row = self.row(ROLE, &role.name, role.version, encode(&role)?);
        // Deleted only at the version read, so a policy attached meanwhile is not lost silently.
        self.write(vec![
            EntityChange::Update(row),
            EntityChange::Delete { kind: ROLE.into(), id: role.name.to_lowercase() },
        ])
        .await
    }

    pub async fn tag_role(&self, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.change_role(name, |role| check_tags(&mut role.tags, tags.clone())).await.map(drop)
    }

    pub async fn untag_role(&self, name: &str, keys: &[String]) -> Result<()> {
        self.change_role(name, |role| {
            role.tags.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn put_role_policy(&self, role: &str, policy_name: &str, document: &str) -> Result<()> {
        check_document(document, cognate_policy::PolicyKind::Identity, INLINE_ROLE_POLICY_CHARS, "PolicySize")?;
        self.change_role(role, |r| {
            r.inline.insert(policy_name.to_owned(), document.to_owned());
            let total: usize = r.inline.values().map(|d| d.chars().filter(|c| !c.is_whitespace()).count()).sum();
            if total > INLINE_ROLE_POLICY_CHARS {
                return Err(IamError::LimitExceeded.err(format!(
                    "Maximum policy size of {INLINE_ROLE_POLICY_CHARS} bytes exceeded for role {}",
                    r.name
                )));
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn get_role_policy(&self, role: &str, policy_name: &str) -> Result<(Role, String)> {
        let r = self.get_role(role).await?;
        let document = inline_policy(&r.inline, policy_name, "role")?;
        Ok((r, document))
    }

    pub async fn delete_role_policy(&self, role: &str, policy_name: &str) -> Result<()> {
        self.change_role(role, |r| remove_inline(&mut r.inline, policy_name, "role")).await.map(drop)
    }

    pub async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> Result<()> {
        self.get_policy(policy_arn).await?;
        self.change_role(role, |r| attach(&mut r.attached, policy_arn, "PoliciesPerRole")).await.map(drop)
    }

    pub async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> Result<()> {
        self.change_role(role, |r| detach(&mut r.attached, policy_arn)).await.map(drop)
    }

    pub async fn set_role_boundary(&self, role: &str, boundary: Option<&str>) -> Result<()> {
        if let Some(arn) = boundary {
            self.get_policy(arn).await?;
        }
        self.change_role(role, |r| {
            r.boundary = boundary.map(str::to_owned);
            Ok(())
        })
        .await
        .map(drop)
    }

    // --- managed policies -------------------------------------------------------------------

    pub async fn create_policy(
        &self,
        name: &str,
        path: Option<&str>,
        document: &str,
        description: Option<String>,
        tags: Vec<Tag>,
    ) -> Result<ManagedPolicy> {
        let path = check_path(path)?;
        check_document(document, cognate_policy::PolicyKind::Identity, MANAGED_POLICY_CHARS, "PolicySize")?;
        let now = self.clock.now_ms();
        let mut all_tags = Vec::new();
        check_tags(&mut all_tags, tags)?;
        let policy = ManagedPolicy {
            name: name.to_owned(),
            id: unique_id("ANPA"),
            arn: format!("arn:aws:iam::{}:policy{path}{name}", self.config.account_id),
            path,
            description,
            created_ms: now,
            updated_ms: now,
            default_version: "v1".into(),
            versions: vec![PolicyVersion { id: "v1".into(), document: document.to_owned(), created_ms: now }],
            next_version: 2,
            tags: all_tags,
            is_aws_managed: false,
            version: 1,
        };
        let row = self.row(POLICY, name, 1, encode(&policy)?);
        match self.store.apply_entities(&[EntityChange::Create(row)]).await {
            Ok(()) => Ok(policy),
            Err(StoreError::Conflict(_)) => Err(IamError::EntityAlreadyExists
                .err(format!("A policy called {name} already exists. Duplicate names are not allowed."))),
            Err(e) => Err(e.into()),
        }
    }

    /// A managed policy by ARN: AWS's or the account's.
    pub async fn find_policy(&self, arn: &str) -> Result<Option<ManagedPolicy>> {
        if is_aws_policy_arn(arn) {
            return Ok(managed::by_arn(arn).cloned());
        }
        let Some(name) = policy_name_of(arn) else { return Ok(None) };
        if !arn.starts_with(&format!("arn:aws:iam::{}:policy/", self.config.account_id)) {
            return Ok(None);
        }
        match self.iam_row(POLICY, name).await? {
            Some(row) => {
                let policy: ManagedPolicy = decode(&row)?;
                Ok((policy.arn == arn).then_some(ManagedPolicy { version: row.version, ..policy }))
            }
            None => Ok(None),
        }
    }

    pub async fn get_policy(&self, arn: &str) -> Result<ManagedPolicy> {
        self.find_policy(arn)
            .await?
            .ok_or_else(|| IamError::NoSuchEntity.err(format!("Policy {arn} does not exist or is not attachable.")))
    }

    async fn change_policy(
        &self,
        arn: &str,
        change: impl Fn(&mut ManagedPolicy) -> Result<()>,
    ) -> Result<ManagedPolicy> {
        if is_aws_policy_arn(arn) {
            self.get_policy(arn).await?;
            return Err(invalid(format!("Policy {arn} is managed by AWS and cannot be changed.")));
        }
        for _ in 0..5 {
            let mut policy = self.get_policy(arn).await?;
            change(&mut policy)?;
            let row = self.row(POLICY, &policy.name, policy.version, encode(&policy)?);
            match self.write(vec![EntityChange::Update(row)]).await {
                Err(Error::Iam(IamError::ConcurrentModification, _)) => continue,
                other => other?,
            }
            return Ok(policy);
        }
        Err(IamError::ConcurrentModification.err("The entity was changed by a concurrent request; try again."))
    }

    pub async fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<PolicyVersion> {
        check_document(document, cognate_policy::PolicyKind::Identity, MANAGED_POLICY_CHARS, "PolicySize")?;
        let now = self.clock.now_ms();
        let policy = self
            .change_policy(arn, |p| {
                if p.versions.len() >= VERSIONS_PER_POLICY {
                    return Err(IamError::LimitExceeded.err(format!(
                        "A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you create a new version, you must delete an existing version."
                    )));
                }
                let id = format!("v{}", p.next_version);
                p.next_version += 1;
                p.versions.push(PolicyVersion { id: id.clone(), document: document.to_owned(), created_ms: now });
                if set_as_default {
                    p.default_version = id;
                }
                p.updated_ms = now;
                Ok(())
            })
            .await?;
        policy.versions.last().cloned().ok_or_else(|| Error::Internal(anyhow::anyhow!("a new policy version vanished")))
    }

    pub async fn get_policy_version(&self, arn: &str, version_id: &str) -> Result<(ManagedPolicy, PolicyVersion)> {
        let policy = self.get_policy(arn).await?;
        let version = policy.versions.iter().find(|v| v.id == version_id).cloned().ok_or_else(|| {
            IamError::NoSuchEntity
                .err(format!("Policy {arn} version {version_id} does not exist or is not attachable."))
        })?;
        Ok((policy, version))
    }

    pub async fn set_default_policy_version(&self, arn: &str, version_id: &str) -> Result<()> {
        self.change_policy(arn, |p| {
            if !p.versions.iter().any(|v| v.id == version_id) {
                return Err(IamError::NoSuchEntity.err(format!("Policy {arn} version {version_id} does not exist.")));
            }
            p.default_version = version_id.to_owned();
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn delete_policy_version(&self, arn: &str, version_id: &str) -> Result<()> {
        self.change_policy(arn, |p| {
            if p.default_version == version_id {
                return Err(IamError::DeleteConflict.err("Cannot delete the default version of a policy."));
            }
            let before = p.versions.len();
            p.versions.retain(|v| v.id != version_id);
            if p.versions.len() == before {
                return Err(IamError::NoSuchEntity.err(format!("Policy {arn} version {version_id} does not exist.")));
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn tag_policy(&self, arn: &str, tags: Vec<Tag>) -> Result<()> {
        self.change_policy(arn, |p| check_tags(&mut p.tags, tags.clone())).await.map(drop)
    }

    pub async fn untag_policy(&self, arn: &str, keys: &[String]) -> Result<()> {
        self.change_policy(arn, |p| {
            p.tags.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await
        .map(drop)
    }

    /// Roles and users a managed policy is attached to (as boundary too).
    pub async fn policy_entities(&self, arn: &str) -> Result<PolicyEntities> {
        let mut found = PolicyEntities::default();
        for row in self.store.list_entities(ROLE, "", None, 10_000).await? {
            let role: Role = decode(&row)?;
            if role.attached.iter().any(|a| a == arn) {
                found.roles.push((role.name, role.id));
            }
        }
        for row in self.store.list_entities(USER, "", None, 10_000).await? {
            let user: IamUser = decode(&row)?;
            if user.attached.iter().any(|a| a == arn) {
                found.users.push((user.name, user.id));
            }
        }
        for row in self.store.list_entities(GROUP, "", None, 10_000).await? {
            let group: IamGroup = decode(&row)?;
            if group.attached.iter().any(|a| a == arn) {
                found.groups.push((group.name, group.id));
            }
        }
        Ok(found)
    }

    /// Deletes a policy that is attached nowhere and has only its default version.
    pub async fn delete_policy(&self, arn: &str) -> Result<()> {
        if is_aws_policy_arn(arn) {
            self.get_policy(arn).await?;
            return Err(invalid(format!("Policy {arn} is managed by AWS and cannot be deleted.")));
        }
        let policy = self.get_policy(arn).await?;
        let entities = self.policy_entities(arn).await?;
        if !entities.roles.is_empty() || !entities.users.is_empty() || !entities.groups.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete a policy attached to entities."));
        }
        if policy.versions.len() > 1 {
            return Err(IamError::DeleteConflict.err("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."));
        }
        self.write(vec![EntityChange::Delete { kind: POLICY.into(), id: policy.name.to_lowercase() }]).await
    }

    /// Managed policies: `Local` (the account's), `AWS` or `All`; with attachment counts.
    pub async fn list_policies(
        &self,
        scope: Option<&str>,
        only_attached: bool,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<Page<(ManagedPolicy, usize)>> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for row in self.store.list_entities(ROLE, "", None, 10_000).await? {
            let role: Role = decode(&row)?;
            for a in role.attached {
                *counts.entry(a).or_default() += 1;
            }
        }
        for row in self.store.list_entities(USER, "", None, 10_000).await? {
            let user: IamUser = decode(&row)?;
            for a in user.attached {
                *counts.entry(a).or_default() += 1;
            }
        }
        for row in self.store.list_entities(GROUP, "", None, 10_000).await? {
            let group: IamGroup = decode(&row)?;
            for a in group.attached {
                *counts.entry(a).or_default() += 1;
            }
        }
        let mut policies = Vec::new();
        let scope = scope.unwrap_or("All");
        if scope != "AWS" {
            for row in self.store.list_entities(POLICY, "", None, 10_000).await? {
                let p: ManagedPolicy = decode(&row)?;
                policies.push(ManagedPolicy { version: row.version, ..p });
            }
        }
        if scope != "Local" {
            policies.extend(managed::all().iter().cloned());
        }
        let mut listed: Vec<(ManagedPolicy, usize)> = policies
            .into_iter()
            .filter(|p| path_prefix.is_none_or(|prefix| p.path.starts_with(prefix)))
            .map(|p| {
                let n = counts.get(&p.arn).copied().unwrap_or(0);
                (p, n)
            })
            .filter(|(_, n)| !only_attached || *n > 0)
            .collect();
        listed.sort_by(|a, b| a.0.arn.cmp(&b.0.arn));
        Ok(page(listed, |(p, _)| p.arn.clone(), marker, max_items))
    }

    // --- users ------------------------------------------------------------------------------

    pub async fn create_iam_user(
        &self,
        name: &str,
        path: Option<&str>,
        boundary: Option<String>,
        tags: Vec<Tag>,
    ) -> Result<IamUser> {
        let path = check_path(path)?;
        if let Some(b) = &boundary {
            self.get_policy(b).await?;
        }
        let mut all_tags = Vec::new();
        check_tags(&mut all_tags, tags)?;
        let user = IamUser {
            name: name.to_owned(),
            id: unique_id("AIDA"),
            path,
            created_ms: self.clock.now_ms(),
            tags: all_tags,
            inline: BTreeMap::new(),
            attached: Vec::new(),
            boundary,
            access_keys: Vec::new(),
            groups: Vec::new(),
            version: 1,
        };
        let row = self.row(USER, name, 1, encode(&user)?);
        match self.store.apply_entities(&[EntityChange::Create(row)]).await {
            Ok(()) => Ok(user),
            Err(StoreError::Conflict(_)) => {
                Err(IamError::EntityAlreadyExists.err(format!("User with name {name} already exists.")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find_iam_user(&self, name: &str) -> Result<Option<IamUser>> {
        self.find_named(name).await
    }

    pub async fn get_iam_user(&self, name: &str) -> Result<IamUser> {
        self.get_named(name).await
    }

    async fn change_iam_user(&self, name: &str, change: impl Fn(&mut IamUser) -> Result<()>) -> Result<IamUser> {
        self.change_named(name, change).await
    }

    pub async fn list_iam_users(
        &self,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<Page<IamUser>> {
        let mut users = Vec::new();
        for row in self.store.list_entities(USER, "", None, 10_000).await? {
            let user: IamUser = decode(&row)?;
            if path_prefix.is_none_or(|p| user.path.starts_with(p)) {
                users.push(IamUser { version: row.version, ..user });
            }
        }
        Ok(page(users, |u| u.name.to_lowercase(), marker, max_items))
    }

    /// Deletes a user with no keys and no policies left (IAM's rule).
    pub async fn delete_iam_user(&self, name: &str) -> Result<()> {
        let user = self.get_iam_user(name).await?;
        if !user.access_keys.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must delete access keys first."));
        }
        if !user.groups.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must remove users from group first."));
        }
        if !user.inline.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must delete policies first."));
        }
        if !user.attached.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must detach all policies first."));
        }
        let row = self.row(USER, &user.name, user.version, encode(&user)?);
        self.write(vec![
            EntityChange::Update(row),
            EntityChange::Delete { kind: USER.into(), id: user.name.to_lowercase() },
        ])
        .await
    }

    pub async fn tag_iam_user(&self, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.change_iam_user(name, |u| check_tags(&mut u.tags, tags.clone())).await.map(drop)
    }

    pub async fn untag_iam_user(&self, name: &str, keys: &[String]) -> Result<()> {
        self.change_iam_user(name, |u| {
            u.tags.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn put_user_policy(&self, user: &str, policy_name: &str, document: &str) -> Result<()> {
        check_document(document, cognate_policy::PolicyKind::Identity, INLINE_USER_POLICY_CHARS, "PolicySize")?;
        self.change_iam_user(user, |u| {
            u.inline.insert(policy_name.to_owned(), document.to_owned());
            let total: usize = u.inline.values().map(|d| d.chars().filter(|c| !c.is_whitespace()).count()).sum();
            if total > INLINE_USER_POLICY_CHARS {
                return Err(IamError::LimitExceeded.err(format!(
                    "Maximum policy size of {INLINE_USER_POLICY_CHARS} bytes exceeded for user {}",
                    u.name
                )));
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn get_user_policy(&self, user: &str, policy_name: &str) -> Result<(IamUser, String)> {
        let u = self.get_iam_user(user).await?;
        let document = inline_policy(&u.inline, policy_name, "user")?;
        Ok((u, document))
    }

    pub async fn delete_user_policy(&self, user: &str, policy_name: &str) -> Result<()> {
        self.change_iam_user(user, |u| remove_inline(&mut u.inline, policy_name, "user")).await.map(drop)
    }

    pub async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> Result<()> {
        self.get_policy(policy_arn).await?;
        self.change_iam_user(user, |u| attach(&mut u.attached, policy_arn, "PoliciesPerUser")).await.map(drop)
    }

    pub async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> Result<()> {
        self.change_iam_user(user, |u| detach(&mut u.attached, policy_arn)).await.map(drop)
    }

    pub async fn set_user_boundary(&self, user: &str, boundary: Option<&str>) -> Result<()> {
        if let Some(arn) = boundary {
            self.get_policy(arn).await?;
        }
        self.change_iam_user(user, |u| {
            u.boundary = boundary.map(str::to_owned);
            Ok(())
        })
        .await
        .map(drop)
    }

    /// A new access key for a user (at most two), with its secret (shown once).
    pub async fn create_user_access_key(&self, user: &str) -> Result<(crate::access_keys::AccessKey, UserAccessKey)> {
        let existing = self.get_iam_user(user).await?;
        if existing.access_keys.len() >= ACCESS_KEYS_PER_USER {
            return Err(IamError::LimitExceeded
                .err(format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}")));
        }
        let owner = crate::access_keys::KeyOwner::User { name: existing.name.clone() };
        let key = self.issue_access_key(owner, None, format!("IAM user {}", existing.name)).await?.key;
        let entry = UserAccessKey {
            id: key.access_key_id.clone(),
            is_active: true,
            created_ms: self.clock.now_ms(),
            last_used_ms: None,
        };
        let added = entry.clone();
        let result = self
            .change_iam_user(user, |u| {
                if u.access_keys.len() >= ACCESS_KEYS_PER_USER {
                    return Err(IamError::LimitExceeded
                        .err(format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}")));
                }
                u.access_keys.push(added.clone());
                Ok(())
            })
            .await;
        if let Err(e) = result {
            // The key was never handed out: remove it.
            let _ = self.store.delete_access_key(&key.access_key_id).await;
            return Err(e);
        }
        Ok((key, entry))
    }

    /// The user who owns `access_key_id`, or the named user when the key is theirs.
    async fn user_with_key(&self, user: Option<&str>, access_key_id: &str) -> Result<IamUser> {
        let name = match user {
            Some(n) => n.to_owned(),
            None => match self.find_access_key(access_key_id).await? {
                Some(crate::access_keys::AccessKey { owner: crate::access_keys::KeyOwner::User { name }, .. }) => name,
                _ => {
                    return Err(
                        IamError::NoSuchEntity.err(format!("The Access Key with id {access_key_id} cannot be found"))
                    );
                }
            },
        };
        let u = self.get_iam_user(&name).await?;
        if !u.access_keys.iter().any(|k| k.id == access_key_id) {
            return Err(IamError::NoSuchEntity.err(format!("The Access Key with id {access_key_id} cannot be found")));
        }
        Ok(u)
    }

    pub async fn update_user_access_key(&self, user: Option<&str>, access_key_id: &str, is_active: bool) -> Result<()> {
        let u = self.user_with_key(user, access_key_id).await?;
        self.change_iam_user(&u.name, |u| {
            for k in &mut u.access_keys {
                if k.id == access_key_id {
                    k.is_active = is_active;
                }
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn delete_user_access_key(&self, user: Option<&str>, access_key_id: &str) -> Result<()> {
        let u = self.user_with_key(user, access_key_id).await?;
        self.change_iam_user(&u.name, |u| {
            u.access_keys.retain(|k| k.id != access_key_id);
            Ok(())
        })
        .await?;
        match self.store.delete_access_key(access_key_id).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The user whose key this is, with the key's entry.
    pub async fn user_access_key(&self, access_key_id: &str) -> Result<(IamUser, UserAccessKey)> {
        let u = self.user_with_key(None, access_key_id).await?;
        let k = u.access_keys.iter().find(|k| k.id == access_key_id).cloned().ok_or_else(|| {
            IamError::NoSuchEntity.err(format!("The Access Key with id {access_key_id} cannot be found"))
        })?;
        Ok((u, k))
    }

    // --- groups -------------------------------------------------------------------------------

    pub async fn create_iam_group(&self, name: &str, path: Option<&str>) -> Result<IamGroup> {
        let group = IamGroup {
            name: name.to_owned(),
            id: unique_id("AGPA"),
            path: check_path(path)?,
            created_ms: self.clock.now_ms(),
            inline: BTreeMap::new(),
            attached: Vec::new(),
            version: 1,
        };
        let row = self.row(GROUP, name, 1, encode(&group)?);
        match self.store.apply_entities(&[EntityChange::Create(row)]).await {
            Ok(()) => Ok(group),
            Err(StoreError::Conflict(_)) => {
                Err(IamError::EntityAlreadyExists.err(format!("Group with name {name} already exists.")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find_iam_group(&self, name: &str) -> Result<Option<IamGroup>> {
        self.find_named(name).await
    }

    pub async fn get_iam_group(&self, name: &str) -> Result<IamGroup> {
        self.get_named(name).await
    }

    async fn change_iam_group(&self, name: &str, change: impl Fn(&mut IamGroup) -> Result<()>) -> Result<IamGroup> {
        self.change_named(name, change).await
    }

    pub async fn list_iam_groups(
        &self,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<Page<IamGroup>> {
        let mut groups = Vec::new();
        for row in self.store.list_entities(GROUP, "", None, 10_000).await? {
            let group: IamGroup = decode(&row)?;
            if path_prefix.is_none_or(|p| group.path.starts_with(p)) {
                groups.push(IamGroup { version: row.version, ..group });
            }
        }
        Ok(page(groups, |g| g.name.to_lowercase(), marker, max_items))
    }

    /// The group's members, by name.
    pub async fn iam_group_members(&self, name: &str) -> Result<Vec<IamUser>> {
        let group = self.get_iam_group(name).await?;
        let mut members = Vec::new();
        for row in self.store.list_entities(USER, "", None, 10_000).await? {
            let user: IamUser = decode(&row)?;
            if user.groups.iter().any(|g| g.eq_ignore_ascii_case(&group.name)) {
                members.push(IamUser { version: row.version, ..user });
            }
        }
        Ok(members)
    }

    /// Deletes a group with no members and no policies (IAM's rule).
    pub async fn delete_iam_group(&self, name: &str) -> Result<()> {
        let group = self.get_iam_group(name).await?;
        if !self.iam_group_members(name).await?.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must remove users from group first."));
        }
        if !group.inline.is_empty() || !group.attached.is_empty() {
            return Err(IamError::DeleteConflict.err("Cannot delete entity, must delete policies first."));
        }
        let row = self.row(GROUP, &group.name, group.version, encode(&group)?);
        self.write(vec![
            EntityChange::Update(row),
            EntityChange::Delete { kind: GROUP.into(), id: group.name.to_lowercase() },
        ])
        .await
    }

    pub async fn add_iam_user_to_group(&self, group: &str, user: &str) -> Result<()> {
        let g = self.get_iam_group(group).await?;
        self.change_iam_user(user, |u| {
            if !u.groups.iter().any(|n| n.eq_ignore_ascii_case(&g.name)) {
                if u.groups.len() >= GROUPS_PER_USER {
                    return Err(IamError::LimitExceeded
                        .err(format!("Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}")));
                }
                u.groups.push(g.name.clone());
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn remove_iam_user_from_group(&self, group: &str, user: &str) -> Result<()> {
        let g = self.get_iam_group(group).await?;
        self.change_iam_user(user, |u| {
            let before = u.groups.len();
            u.groups.retain(|n| !n.eq_ignore_ascii_case(&g.name));
            if u.groups.len() == before {
                return Err(
                    IamError::NoSuchEntity.err(format!("The user with name {} is not in group {}.", u.name, g.name))
                );
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    /// The groups a user is in (those that still exist).
    pub async fn groups_of_user(&self, user: &IamUser) -> Result<Vec<IamGroup>> {
        let mut groups = Vec::new();
        for name in &user.groups {
            if let Some(g) = self.find_iam_group(name).await? {
                groups.push(g);
            }
        }
        Ok(groups)
    }

    pub async fn put_group_policy(&self, group: &str, policy_name: &str, document: &str) -> Result<()> {
        check_document(document, cognate_policy::PolicyKind::Identity, INLINE_GROUP_POLICY_CHARS, "PolicySize")?;
        self.change_iam_group(group, |g| {
            g.inline.insert(policy_name.to_owned(), document.to_owned());
            let total: usize = g.inline.values().map(|d| d.chars().filter(|c| !c.is_whitespace()).count()).sum();
            if total > INLINE_GROUP_POLICY_CHARS {
                return Err(IamError::LimitExceeded.err(format!(
                    "Maximum policy size of {INLINE_GROUP_POLICY_CHARS} bytes exceeded for group {}",
                    g.name
                )));
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn get_group_policy(&self, group: &str, policy_name: &str) -> Result<(IamGroup, String)> {
        let g = self.get_iam_group(group).await?;
        let document = inline_policy(&g.inline, policy_name, "group")?;
        Ok((g, document))
    }

    pub async fn delete_group_policy(&self, group: &str, policy_name: &str) -> Result<()> {
        self.change_iam_group(group, |g| remove_inline(&mut g.inline, policy_name, "group")).await.map(drop)
    }

    pub async fn attach_group_policy(&self, group: &str, policy_arn: &str) -> Result<()> {
        self.get_policy(policy_arn).await?;
        self.change_iam_group(group, |g| attach(&mut g.attached, policy_arn, "PoliciesPerGroup")).await.map(drop)
    }

    pub async fn detach_group_policy(&self, group: &str, policy_arn: &str) -> Result<()> {
        self.change_iam_group(group, |g| detach(&mut g.attached, policy_arn)).await.map(drop)
    }

    // --- OpenID Connect providers -------------------------------------------------------------

    pub fn oidc_provider_arn(&self, host_path: &str) -> String {
        format!("arn:aws:iam::{}:oidc-provider/{host_path}", self.config.account_id)
    }

    pub async fn create_oidc_provider(
        &self,
        url: &str,
        client_ids: Vec<String>,
        thumbprints: Vec<String>,
        tags: Vec<Tag>,
    ) -> Result<OidcProvider> {
        let host_path = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://").filter(|rest| is_loopback(rest)))
            .ok_or_else(|| invalid("Invalid URL: the URL must begin with https://"))?
            .trim_end_matches('/')
            .to_owned();
        if host_path.is_empty() || host_path.contains('?') || host_path.contains('#') {
            return Err(invalid("Invalid URL: the URL must name a host and may not carry a query or fragment."));
        }
        for t in &thumbprints {
            if t.len() != 40 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid("Thumbprints must be 40 hexadecimal characters."));
            }
        }
        let mut all_tags = Vec::new();
        check_tags(&mut all_tags, tags)?;
        let provider = OidcProvider {
            host_path: host_path.clone(),
            url: url.trim_end_matches('/').to_owned(),
            client_ids,
            thumbprints,
            created_ms: self.clock.now_ms(),
            tags: all_tags,
        };
        let row = EntityRow { id: host_path.clone(), ..self.row(OIDC_PROVIDER, &host_path, 1, encode(&provider)?) };
        match self.store.apply_entities(&[EntityChange::Create(row)]).await {
            Ok(()) => Ok(provider),
            Err(StoreError::Conflict(_)) => {
                Err(IamError::EntityAlreadyExists.err(format!("Provider with url {url} already exists.")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find_oidc_provider(&self, arn: &str) -> Result<Option<OidcProvider>> {
        let prefix = format!("arn:aws:iam::{}:oidc-provider/", self.config.account_id);
        let Some(host_path) = arn.strip_prefix(&prefix) else { return Ok(None) };
        match self.store.find_entity(OIDC_PROVIDER, host_path).await? {
            Some(row) => Ok(Some(decode(&row)?)),
            None => Ok(None),
        }
    }

    pub async fn get_oidc_provider(&self, arn: &str) -> Result<OidcProvider> {
        self.find_oidc_provider(arn)
            .await?
            .ok_or_else(|| IamError::NoSuchEntity.err(format!("OpenIDConnect Provider not found for arn {arn}")))
    }

    pub async fn list_oidc_providers(&self) -> Result<Vec<OidcProvider>> {
        let rows = self.store.list_entities(OIDC_PROVIDER, "", None, 10_000).await?;
        rows.iter().map(decode::<OidcProvider>).collect()
    }

    pub async fn delete_oidc_provider(&self, arn: &str) -> Result<()> {
        let provider = self.get_oidc_provider(arn).await?;
        self.write(vec![EntityChange::Delete { kind: OIDC_PROVIDER.into(), id: provider.host_path }]).await
    }
}

/// `127.0.0.1…`, `localhost…`, `[::1]…`: the only hosts plain http is accepted for.
fn is_loopback(host_path: &str) -> bool {
    let host = host_path.split('/').next().unwrap_or("");
    let host =
        host.rsplit_once(':').map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names() {
        assert_eq!(check_path(None).ok().as_deref(), Some("/"));
        assert_eq!(check_path(Some("/team/")).ok().as_deref(), Some("/team/"));
        assert!(check_path(Some("team")).is_err());
        assert_eq!(policy_name_of("arn:aws:iam::123456789012:policy/a/b/Reader"), Some("Reader"));
        assert_eq!(policy_name_of("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), Some("AmazonS3ReadOnlyAccess"));
        assert!(unique_id("AROA").len() == 21);
        assert!(is_loopback("127.0.0.1:8080/issuer") && is_loopback("localhost") && !is_loopback("example.com"));
    }

    #[test]
    fn pages_by_marker() {
        let items: Vec<String> = (0..5).map(|i| format!("r{i}")).collect();
        let first = page(items.clone(), Clone::clone, None, Some(2));
        assert_eq!(first.items, vec!["r0", "r1"]);
        let second = page(items, Clone::clone, first.marker.as_deref(), Some(10));
        assert_eq!(second.items, vec!["r2", "r3", "r4"]);
        assert!(second.marker.is_none());
    }
}
