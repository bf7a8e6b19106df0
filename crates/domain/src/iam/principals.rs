//! Who a signed request acts as, and what it may do: an access key's owner resolved into an
//! `Acting` principal (its ARN, its policies — identity, permissions boundary, session — and the
//! condition keys it brings), and `Acting::decide`, which runs `cognate-policy`'s evaluation for
//! one action on one resource. The account's root may do everything (as AWS's root user may).
//! A user's key counts only while it is listed active on the user; a role session's policies are
//! the role's current ones, intersected with the session's policies.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cognate_policy::{Context, Decision, Evaluation, Policy, PolicyKind, PolicySet, Principal, Request};

use super::{IamUser, Role};
use crate::Domain;
use crate::access_keys::{AccessKey, KeyOwner, RoleSession};
use crate::error::Result;

/// Parsed documents by their text, so a policy is parsed once per node, not once per request.
#[derive(Clone, Default)]
pub struct PolicyCache(Arc<RwLock<HashMap<String, Arc<Policy>>>>);

/// Most documents kept parsed; the cache starts over when it is full.
const MAX_CACHED_POLICIES: usize = 4_096;

impl PolicyCache {
    fn parse(&self, document: &str) -> Option<Arc<Policy>> {
        if let Some(p) = self.0.read().ok().and_then(|m| m.get(document).cloned()) {
            return Some(p);
        }
        // Stored documents were checked when stored; one that no longer parses grants nothing.
        let parsed = Arc::new(Policy::parse(document, PolicyKind::Identity).ok()?);
        if let Ok(mut m) = self.0.write() {
            if m.len() >= MAX_CACHED_POLICIES {
                m.clear();
            }
            m.insert(document.to_owned(), parsed.clone());
        }
        Some(parsed)
    }
}

/// What kind of principal acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActingKind {
    Root,
    User,
    AssumedRole,
    /// GetSessionToken's session (of a user or the root).
    UserSession,
}

/// A principal with everything authorization needs.
#[derive(Clone, Debug)]
pub struct Acting {
    pub kind: ActingKind,
    /// `arn:aws:iam::<account>:root`, `…:user/<name>`, `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// GetCallerIdentity's `UserId`: the account, the user's ID, or `<role ID>:<session>`.
    pub user_id: String,
    pub account: String,
    pub access_key_id: String,
    /// The role session, for an assumed role.
    pub session: Option<RoleSession>,
    /// The IAM user's name, for a user or a user's session.
    pub user_name: Option<String>,
    principal: Principal,
    identity: Vec<Arc<Policy>>,
    boundary: Option<Vec<Arc<Policy>>>,
    session_policies: Option<Vec<Arc<Policy>>>,
    /// Condition keys the principal brings (aws:PrincipalArn, aws:username, PrincipalTag/…).
    context: Context,
}

/// Facts of one request that conditions may test.
#[derive(Clone, Debug, Default)]
pub struct RequestFacts {
    pub source_ip: Option<String>,
    pub is_secure: bool,
    pub now_ms: i64,
    pub region: String,
    pub user_agent: Option<String>,
}

/// The outcome of one authorization.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub evaluation: Evaluation,
    /// Where an explicit deny came from (for AWS's message).
    pub denied_by: Option<&'static str>,
}

impl Verdict {
    pub fn is_allowed(&self) -> bool {
        self.evaluation.decision == Decision::Allow
    }
}

fn iso8601(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

impl Acting {
    pub fn is_root(&self) -> bool {
        self.kind == ActingKind::Root
    }

    /// The principal as trust policies match it.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The condition context of a request by this principal.
    pub fn context(&self, facts: &RequestFacts) -> Context {
        let mut context = self.context.clone();
        facts.add_to(&mut context);
        context
    }
}

impl RequestFacts {
    /// Adds the request's global condition keys (time, source address, transport, region).
    pub fn add_to(&self, context: &mut Context) {
        let facts = self;
        context.set("aws:CurrentTime", iso8601(facts.now_ms));
        context.set("aws:EpochTime", (facts.now_ms / 1000).to_string());
        context.set("aws:SecureTransport", if facts.is_secure { "true" } else { "false" });
        context.set("aws:RequestedRegion", facts.region.clone());
        if let Some(ip) = &facts.source_ip {
            context.set("aws:SourceIp", ip.clone());
        }
        if let Some(ua) = &facts.user_agent {
            context.set("aws:UserAgent", ua.clone());
        }
    }
}

impl Acting {
    /// May this principal perform `action` on `resource`? `context` is `Acting::context` with
    /// whatever request-specific keys the caller added.
    pub fn decide(&self, action: &str, resource: &str, context: &Context) -> Verdict {
        if self.is_root() {
            return Verdict {
                evaluation: Evaluation {
                    decision: Decision::Allow,
                    matched: Vec::new(),
                    missing_context_keys: Vec::new(),
                },
                denied_by: None,
            };
        }
        let identity: Vec<&Policy> = self.identity.iter().map(AsRef::as_ref).collect();
        let boundary: Option<Vec<&Policy>> = self.boundary.as_ref().map(|b| b.iter().map(AsRef::as_ref).collect());
        let session: Option<Vec<&Policy>> =
            self.session_policies.as_ref().map(|s| s.iter().map(AsRef::as_ref).collect());
        let set = PolicySet {
            identity: &identity,
            boundary: boundary.as_deref(),
            session: session.as_deref(),
            resource: &[],
        };
        let evaluation =
            cognate_policy::evaluate(&set, &Request { action, resource, principal: &self.principal, context });
        let denied_by = match evaluation.decision {
            Decision::ExplicitDeny => evaluation.matched.first().map(|m| match m.source {
                cognate_policy::PolicySource::Identity => "an identity-based policy",
                cognate_policy::PolicySource::Boundary => "a permissions boundary",
                cognate_policy::PolicySource::Session => "a session policy",
                cognate_policy::PolicySource::Resource => "a resource-based policy",
            }),
            Decision::Allow | Decision::ImplicitDeny => None,
        };
        Verdict { evaluation, denied_by }
    }

    /// AWS's wording of a refusal.
    pub fn denial(&self, action: &str, resource: &str, verdict: &Verdict) -> String {
        match verdict.denied_by {
            Some(source) => format!(
                "User: {} is not authorized to perform: {action} on resource: {resource} with an explicit deny in {source}",
                self.arn
            ),
            None => format!(
                "User: {} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
                self.arn
            ),
        }
    }
}

impl Domain {
    fn parsed(&self, document: &str) -> Option<Arc<Policy>> {
        self.parsed_policies.parse(document)
    }

    /// The documents of managed policies by ARN (a policy deleted meanwhile grants nothing).
    async fn managed_documents(&self, arns: &[String]) -> Result<Vec<Arc<Policy>>> {
        let mut out = Vec::with_capacity(arns.len());
        for arn in arns {
            if let Some(p) = self.find_policy(arn).await?
                && let Some(parsed) = p.default_document().and_then(|d| self.parsed(d))
            {
                out.push(parsed);
            }
        }
        Ok(out)
    }

    async fn entity_policies(
        &self,
        inline: &std::collections::BTreeMap<String, String>,
        attached: &[String],
        boundary: Option<&String>,
    ) -> Result<(Vec<Arc<Policy>>, Option<Vec<Arc<Policy>>>)> {
        let mut identity: Vec<Arc<Policy>> = inline.values().filter_map(|d| self.parsed(d)).collect();
        identity.extend(self.managed_documents(attached).await?);
        let boundary = match boundary {
            Some(arn) => Some(self.managed_documents(std::slice::from_ref(arn)).await?),
            None => None,
        };
        Ok((identity, boundary))
    }

    /// An IAM user acting with its policies and condition keys.
    async fn user_acting(&self, user: &IamUser, key: &AccessKey, mut context: Context) -> Result<Acting> {
        let account = self.config.account_id.clone();
        let arn = user.arn(&account);
        context.set("aws:PrincipalArn", arn.clone());
        context.set("aws:username", user.name.clone());
        context.set("aws:userid", user.id.clone());
        context.set("aws:PrincipalType", "User");
        for tag in &user.tags {
            context.set(&format!("aws:PrincipalTag/{}", tag.key), tag.value.clone());
        }
        let (mut identity, boundary) =
            self.entity_policies(&user.inline, &user.attached, user.boundary.as_ref()).await?;
        // The user's groups' policies are the user's too.
        for group in self.groups_of_user(user).await? {
            let (group_policies, _) = self.entity_policies(&group.inline, &group.attached, None).await?;
            identity.extend(group_policies);
        }
        Ok(Acting {
            kind: ActingKind::User,
            principal: Principal::Aws { arn: arn.clone(), account: account.clone(), role_arn: None },
            arn,
            user_id: user.id.clone(),
            account,
            access_key_id: key.access_key_id.clone(),
            session: None,
            user_name: Some(user.name.clone()),
            identity,
            boundary,
            session_policies: None,
            context,
        })
    }

    /// The account's root, acting (development mode's caller).
    pub fn root_acting(&self, access_key_id: &str) -> Acting {
        let account = self.config.account_id.clone();
        let arn = format!("arn:aws:iam::{account}:root");
        let mut context = Context::new();
        context.set("aws:PrincipalAccount", account.clone());
        context.set("aws:PrincipalArn", arn.clone());
        context.set("aws:PrincipalType", "Account");
        context.set("aws:userid", account.clone());
        Acting {
            kind: ActingKind::Root,
            principal: Principal::Aws { arn: arn.clone(), account: account.clone(), role_arn: None },
            arn,
            user_id: account.clone(),
            account,
            access_key_id: access_key_id.to_owned(),
            session: None,
            user_name: None,
            identity: Vec::new(),
            boundary: None,
            session_policies: None,
            context,
        }
    }

    /// The principal a verified key acts as, or `None` when the key no longer counts (a user's
    /// key deleted or made inactive, its user gone, its role deleted).
    pub async fn acting_as(&self, key: &AccessKey) -> Result<Option<Acting>> {
        let account = self.config.account_id.clone();
        let mut context = Context::new();
        context.set("aws:PrincipalAccount", account.clone());
        let acting = match &key.owner {
            KeyOwner::Root => self.root_acting(&key.access_key_id),
            KeyOwner::User { name } => {
                let Some(user) = self.find_iam_user(name).await? else { return Ok(None) };
                if !user.access_keys.iter().any(|k| k.id == key.access_key_id && k.is_active) {
                    return Ok(None);
                }
                self.user_acting(&user, key, context).await?
            }
            KeyOwner::UserSession { name } => {
                // A session of a user acts with the user's permissions; of the root, as the root.
                let mut acting = match name {
                    None => {
                        let mut as_root = key.clone();
                        as_root.owner = KeyOwner::Root;
                        Box::pin(self.acting_as(&as_root)).await?
                    }
                    Some(name) => match self.find_iam_user(name).await? {
                        Some(user) => Some(self.user_acting(&user, key, context).await?),
                        None => return Ok(None),
                    },
                };
                if let Some(a) = &mut acting {
                    a.access_key_id = key.access_key_id.clone();
                    a.context.set("aws:TokenIssueTime", iso8601(key.created_ms));
                    if a.kind == ActingKind::User {
                        a.kind = ActingKind::UserSession;
                    }
                }
                return Ok(acting);
            }
            KeyOwner::Role(session) => {
                let Some(role) = self.find_role_by_arn(&session.role_arn).await? else { return Ok(None) };
                if role.id != session.role_id {
                    // A role deleted and created again under the same name is another role.
                    return Ok(None);
                }
                let arn = format!("arn:aws:sts::{account}:assumed-role/{}/{}", role.name, session.session_name);
                let role_arn = role.arn(&account);
                context.set("aws:PrincipalArn", role_arn.clone());
                context.set("aws:PrincipalType", "AssumedRole");
                context.set("aws:userid", format!("{}:{}", role.id, session.session_name));
                context.set("aws:TokenIssueTime", iso8601(session.issued_ms));
                if let Some(source) = &session.source_identity {
                    context.set("aws:SourceIdentity", source.clone());
                }
                for tag in &role.tags {
                    context.set(&format!("aws:PrincipalTag/{}", tag.key), tag.value.clone());
                }
                // Session tags override the role's tags of the same key.
                for (k, v) in &session.tags {
                    context.set(&format!("aws:PrincipalTag/{k}"), v.clone());
                }
                for (k, values) in &session.web_identity {
                    match values.as_slice() {
                        [one] => context.set(k, one.clone()),
                        many => context.set_list(k, many.to_vec()),
                    }
                }
                let (identity, boundary) = self.role_policies(&role).await?;
                let session_policies = if session.policy.is_some() || !session.policy_arns.is_empty() {
                    let mut s: Vec<Arc<Policy>> = session.policy.iter().filter_map(|d| self.parsed(d)).collect();
                    s.extend(self.managed_documents(&session.policy_arns).await?);
                    Some(s)
                } else {
                    None
                };
                Acting {
                    kind: ActingKind::AssumedRole,
                    principal: Principal::Aws { arn: arn.clone(), account: account.clone(), role_arn: Some(role_arn) },
                    arn,
                    user_id: format!("{}:{}", role.id, session.session_name),
                    account,
                    access_key_id: key.access_key_id.clone(),
                    session: Some((**session).clone()),
                    user_name: None,
                    identity,
                    boundary,
                    session_policies,
                    context,
                }
            }
        };
        Ok(Some(acting))
    }

    async fn role_policies(&self, role: &Role) -> Result<(Vec<Arc<Policy>>, Option<Vec<Arc<Policy>>>)> {
        self.entity_policies(&role.inline, &role.attached, role.boundary.as_ref()).await
    }
}

/// A principal's policy documents by where they come from, for the policy simulator.
#[derive(Clone, Debug, Default)]
pub struct PolicyDocuments {
    /// (source ID as IAM names it — the inline policy's name or the managed policy's ARN, document).
    pub identity: Vec<(String, String)>,
    pub boundary: Option<(String, String)>,
}

impl Domain {
    /// The documents of the user or role `arn` names (SimulatePrincipalPolicy,
    /// GetContextKeysForPrincipalPolicy).
    pub async fn principal_documents(&self, arn: &str) -> Result<PolicyDocuments> {
        let account = &self.config.account_id;
        let (inline, attached, boundary) = if let Some(role) = self.find_role_by_arn(arn).await? {
            (role.inline, role.attached, role.boundary)
        } else if let Some(rest) = arn.strip_prefix(&format!("arn:aws:iam::{account}:user/")) {
            let name = rest.rsplit('/').next().unwrap_or(rest);
            match self.find_iam_user(name).await? {
                Some(u) if u.arn(account) == arn => {
                    let mut inline = u.inline.clone();
                    let mut attached = u.attached.clone();
                    for g in self.groups_of_user(&u).await? {
                        inline.extend(g.inline.into_iter().map(|(n, d)| (format!("{}/{n}", g.name), d)));
                        attached.extend(g.attached);
                    }
                    (inline, attached, u.boundary)
                }
                _ => return Err(crate::IamError::NoSuchEntity.err(format!("The user with ARN {arn} cannot be found."))),
            }
        } else {
            return Err(crate::IamError::NoSuchEntity.err(format!("No principal with ARN {arn} exists.")));
        };
        let mut documents = PolicyDocuments::default();
        documents.identity.extend(inline);
        for policy_arn in attached {
            if let Some(p) = self.find_policy(&policy_arn).await?
                && let Some(d) = p.default_document()
            {
                documents.identity.push((policy_arn.clone(), d.to_owned()));
            }
        }
        if let Some(b) = boundary
            && let Some(p) = self.find_policy(&b).await?
            && let Some(d) = p.default_document()
        {
            documents.boundary = Some((b.clone(), d.to_owned()));
        }
        Ok(documents)
    }
}

/// What a refusal's encoded message tells the account (STS DecodeAuthorizationMessage), in the
/// document shape AWS decodes to.
#[derive(serde::Serialize, serde::Deserialize)]
struct FailureDocument {
    allowed: bool,
    #[serde(rename = "explicitDeny")]
    explicit_deny: bool,
    #[serde(rename = "matchedStatements")]
    matched_statements: Items<String>,
    failures: Items<String>,
    context: FailureContext,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct FailureContext {
    principal: FailurePrincipal,
    action: String,
    resource: String,
    conditions: Items<FailureCondition>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct FailurePrincipal {
    id: String,
    arn: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct FailureCondition {
    key: String,
    values: Items<String>,
}

impl Domain {
    /// The encoded message of a refusal: sealed under the deployment secret, so only this
    /// deployment decodes it, and only for a caller allowed `sts:DecodeAuthorizationMessage`.
    pub fn encode_authorization_failure(
        &self,
        acting: &Acting,
        action: &str,
        resource: &str,
        context: &Context,
        verdict: &Verdict,
    ) -> Option<String> {
        let mut conditions: Vec<FailureCondition> = context
            .iter()
            .map(|(k, v)| FailureCondition { key: k.to_owned(), values: Items { items: v.values().to_vec() } })
            .collect();
        conditions.sort_by(|a, b| a.key.cmp(&b.key));
        let matched = verdict.evaluation.matched.iter();
        let document = FailureDocument {
            allowed: verdict.is_allowed(),
            explicit_deny: verdict.denied_by.is_some(),
            matched_statements: Items {
                items: matched.map(|m| format!("{}:{}:{}", m.source.as_str(), m.policy, m.statement)).collect(),
            },
            failures: Items { items: Vec::new() },
            context: FailureContext {
                principal: FailurePrincipal { id: acting.user_id.clone(), arn: acting.arn.clone() },
                action: action.to_owned(),
                resource: resource.to_owned(),
                conditions: Items { items: conditions },
            },
        };
        self.denial_sealer.seal(&document)
    }

    /// DecodeAuthorizationMessage: the JSON document of a message this deployment encoded.
    pub fn decode_authorization_message(&self, encoded: &str) -> Result<String> {
        let invalid =
            || crate::IamError::InvalidAuthorizationMessage.err("The encoded authorization message is invalid.");
        let document: FailureDocument = self.denial_sealer.open(encoded).ok_or_else(invalid)?;
        serde_json::to_string(&document).map_err(|_| invalid())
    }
}
