//! Policy documents: the JSON grammar of IAM policies (IAM User Guide, "IAM JSON policy elements
//! reference"), validated and compiled into [`Policy`] once, so evaluation only matches.
//!
//! Top level: `Version` (`2012-10-17`, or `2008-10-17`, the default when absent, in which `${…}`
//! is literal text), `Id` and `Statement` (an object or an array). A statement: `Sid`, `Effect`
//! (`Allow` | `Deny`), `Principal` | `NotPrincipal`, `Action` | `NotAction`, `Resource` |
//! `NotResource`, `Condition`. Element names are case-sensitive; anything else is refused, with
//! the wording of IAM's `MalformedPolicyDocument` messages.

use serde_json::{Map, Value};

use crate::condition::Condition;
use crate::context::Context;
use crate::pattern::{Syntax, Template};
use crate::principal::PrincipalElement;

/// A refused policy document. `message` is worded like IAM's `MalformedPolicyDocument` messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
}

impl PolicyError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        PolicyError { message: message.into() }
    }
}

const SYNTAX: &str = "Syntax errors in policy.";
const VENDOR: &str = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

fn syntax() -> PolicyError {
    PolicyError::new(SYNTAX)
}

/// Which grammar a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Identity-based (inline, managed, permissions boundary, session): no `Principal` /
    /// `NotPrincipal`; `Resource` or `NotResource` required.
    Identity,
    /// A role's trust policy: `Principal` or `NotPrincipal` required in every statement;
    /// `Resource` optional (the role itself).
    Trust,
    /// Resource-based: `Principal` or `NotPrincipal` and `Resource` or `NotResource` required.
    Resource,
}

/// The `Version` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2008-10-17` (or no `Version`): no policy variables.
    V2008,
    /// `2012-10-17`: policy variables in `Resource` and condition values.
    V2012,
}

impl Version {
    /// The element's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2008 => "2008-10-17",
            Version::V2012 => "2012-10-17",
        }
    }
}

/// `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// The `Action` (or, `negated`, `NotAction`) element. Actions match case-insensitively.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionElement {
    pub negated: bool,
    /// The patterns as written.
    pub patterns: Vec<String>,
    compiled: Vec<Template>,
}

impl ActionElement {
    /// Whether the statement covers `action`.
    pub fn applies_to(&self, action: &str) -> bool {
        self.applies(action, &Context::new())
    }

    /// [`Self::applies_to`] reusing a context the caller has (action patterns hold no variables,
    /// so it is never consulted; this only saves building an empty one).
    pub(crate) fn applies(&self, action: &str, context: &Context) -> bool {
        let mut missing = Vec::new();
        self.compiled.iter().any(|t| t.matches(action, true, context, &mut missing)) != self.negated
    }
}

/// The `Resource` (or, `negated`, `NotResource`) element. ARNs match case-sensitively, with `*`
/// and `?` wildcards (a `*` may span colons) and, in 2012-10-17, policy variables.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceElement {
    pub negated: bool,
    /// The patterns as written.
    pub patterns: Vec<String>,
    compiled: Vec<Template>,
}

impl ResourceElement {
    /// Whether the statement covers `resource`, policy variables taken from `context`.
    pub fn applies_to(&self, resource: &str, context: &Context) -> bool {
        self.applies(resource, context, &mut Vec::new())
    }

    /// [`Self::applies_to`]; variables without a value or default go to `missing`.
    pub(crate) fn applies<'a>(&'a self, resource: &str, context: &'a Context, missing: &mut Vec<&'a str>) -> bool {
        let mut any = false;
        for t in &self.compiled {
            if t.matches(resource, false, context, missing) {
                any = true;
                break;
            }
        }
        any != self.negated
    }
}

/// One statement, as parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Principal` / `NotPrincipal` (never present in identity policies).
    pub principal: Option<PrincipalElement>,
    pub action: ActionElement,
    /// `Resource` / `NotResource` (may be absent only in trust policies, where it is the role).
    pub resource: Option<ResourceElement>,
    /// One entry per (operator, key) pair of the `Condition` block; all must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed, validated policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    statements: Vec<Statement>,
}

impl Policy {
    /// Parses and validates a policy document. `kind` says which grammar applies.
    pub fn parse(document: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let value: Value = serde_json::from_str(document).map_err(|_| syntax())?;
        let Value::Object(top) = value else { return Err(syntax()) };
        for key in top.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(PolicyError::new(format!("Unknown field {key}")));
            }
        }
        let version = match top.get("Version") {
            None => Version::V2008,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008,
            Some(_) => return Err(PolicyError::new("The policy failed legacy parsing")),
        };
        let id = match top.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(syntax()),
        };
        let raw = match top.get("Statement") {
            None => return Err(PolicyError::new("Missing required field Statement")),
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(item @ Value::Object(_)) => vec![item],
            Some(_) => return Err(syntax()),
        };
        let mut statements = Vec::with_capacity(raw.len());
        for item in raw {
            let Value::Object(map) = item else { return Err(syntax()) };
            let statement = parse_statement(map, kind, version)?;
            if let Some(sid) = &statement.sid
                && statements.iter().any(|s: &Statement| s.sid.as_ref() == Some(sid))
            {
                return Err(PolicyError::new("Statement IDs (SID) in a single policy must be unique."));
            }
            statements.push(statement);
        }
        Ok(Policy { version, id, statements })
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The `Version` in force.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Every condition key the statements use, plus every policy variable (a request needs a
    /// value for `${aws:username}` as much as for a condition key), as first written, sorted and
    /// deduplicated case-insensitively — what IAM's `GetContextKeysFor*Policy` returns.
    pub fn context_keys(&self) -> Vec<String> {
        let mut keys: Vec<&str> = Vec::new();
        for st in &self.statements {
            let resource_vars = st.resource.iter().flat_map(|r| r.compiled.iter().flat_map(Template::variables));
            let condition_keys =
                st.conditions.iter().flat_map(|c| std::iter::once(c.key.as_str()).chain(c.variables()));
            for key in resource_vars.chain(condition_keys) {
                if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    keys.push(key);
                }
            }
        }
        let mut keys: Vec<String> = keys.into_iter().map(str::to_string).collect();
        keys.sort_by_key(|k| k.to_lowercase());
        keys
    }
}

fn strings(value: &Value) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_string).ok_or_else(syntax)).collect(),
        _ => Err(syntax()),
    }
}

/// Exactly one of `name` and `not_name`; `None` when neither is present.
fn one_of<'m>(
    map: &'m Map<String, Value>,
    name: &str,
    not_name: &str,
) -> Result<Option<(&'m Value, bool)>, PolicyError> {
    match (map.get(name), map.get(not_name)) {
        (Some(_), Some(_)) => Err(syntax()),
        (Some(v), None) => Ok(Some((v, false))),
        (None, Some(v)) => Ok(Some((v, true))),
        (None, None) => Ok(None),
    }
}

fn parse_statement(map: &Map<String, Value>, kind: PolicyKind, version: Version) -> Result<Statement, PolicyError> {
    for key in map.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(PolicyError::new(format!("Unknown field {key}")));
        }
    }
    let variables = version == Version::V2012;
    let sid = match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => {
            // IAM (identity and trust policies) allows only letters and digits; resource-based
            // policies of other services are laxer.
            if kind != PolicyKind::Resource && !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PolicyError::new(
                    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
                ));
            }
            Some(s.clone())
        }
        Some(_) => return Err(syntax()),
    };
    let effect = match map.get("Effect") {
        None => return Err(PolicyError::new("Missing required field Effect")),
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => return Err(PolicyError::new(format!("Invalid effect: {e}"))),
        Some(_) => return Err(syntax()),
    };
    let principal = match (one_of(map, "Principal", "NotPrincipal")?, kind) {
        (Some(_), PolicyKind::Identity) => {
            return Err(PolicyError::new("Policy document should not specify a principal."));
        }
        (None, PolicyKind::Trust | PolicyKind::Resource) => {
            return Err(PolicyError::new("Missing required field Principal"));
        }
        (Some((v, negated)), _) => Some(PrincipalElement::parse(v, negated)?),
        (None, PolicyKind::Identity) => None,
    };
    let action = match one_of(map, "Action", "NotAction")? {
        None => return Err(PolicyError::new("Policy statement must contain actions.")),
        Some((v, negated)) => {
            let patterns = strings(v)?;
            if patterns.is_empty() {
                return Err(PolicyError::new("Policy statement must contain actions."));
            }
            for p in &patterns {
                let vendored = p.split_once(':').is_some_and(|(vendor, name)| {
                    !vendor.is_empty() && !name.is_empty() && !vendor.contains(char::is_whitespace)
                });
                if p != "*" && !vendored {
                    return Err(PolicyError::new(VENDOR));
                }
            }
            // Action names never take policy variables.
            let syntax = Syntax { wildcards: true, variables: false };
            let compiled = patterns.iter().map(|p| Template::parse(&p.to_ascii_lowercase(), syntax)).collect();
            ActionElement { negated, patterns, compiled }
        }
    };
    let resource = match one_of(map, "Resource", "NotResource")? {
        None if kind == PolicyKind::Trust => None,
        None => return Err(PolicyError::new("Policy statement must contain resources.")),
        Some((v, negated)) => {
            let patterns = strings(v)?;
            if patterns.is_empty() {
                return Err(PolicyError::new("Policy statement must contain resources."));
            }
            for p in &patterns {
                if p != "*" && !p.starts_with("arn:") {
                    return Err(PolicyError::new(format!("Resource {p} must be in ARN format or \"*\".")));
                }
            }
            let syntax = Syntax { wildcards: true, variables };
            let compiled = patterns.iter().map(|p| Template::parse(p, syntax)).collect();
            Some(ResourceElement { negated, patterns, compiled })
        }
    };
    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(v) => parse_conditions(v, variables)?,
    };
    Ok(Statement { sid, effect, principal, action, resource, conditions })
}

fn parse_conditions(value: &Value, variables: bool) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(block) = value else { return Err(syntax()) };
    let mut conditions = Vec::new();
    for (operator, keys) in block {
        let Value::Object(keys) = keys else { return Err(syntax()) };
        for (key, values) in keys {
            let vendored = key.split_once(':').is_some_and(|(vendor, name)| {
                !vendor.is_empty() && !name.is_empty() && !key.contains(char::is_whitespace)
            });
            if !vendored {
                return Err(PolicyError::new(VENDOR));
            }
            let values = match values {
                Value::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                v => vec![scalar(v)?],
            };
            let condition = Condition::compile(operator, key, values, variables)
                .map_err(|_| PolicyError::new(format!("Invalid Condition type : {operator}")))?;
            conditions.push(condition);
        }
    }
    Ok(conditions)
}

/// A condition value: strings as they are, numbers and booleans stringified.
fn scalar(v: &Value) -> Result<String, PolicyError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(syntax()),
    }
}
