//! Helpers shared by the user handlers: attribute lists, user descriptions, access-token callers.

use cognate_domain::users::User;
use cognate_model::{Sensitive, cognito_idp as m};

/// `[{Name, Value}]` as name/value pairs (a missing value is the empty string).
pub fn attribute_pairs(list: Option<Vec<m::AttributeType>>) -> Vec<(String, String)> {
    list.unwrap_or_default()
        .into_iter()
        .map(|a| (a.name, a.value.map(Sensitive::into_inner).unwrap_or_default()))
        .collect()
}

pub fn status(user: &User) -> m::UserStatusType {
    m::UserStatusType::from(user.status.as_str())
}

/// A user as ListUsers and AdminCreateUser describe it; `only` limits the attributes.
pub fn user_type(user: &User, only: Option<&[String]>) -> m::UserType {
    let attributes = crate::wire::user_attributes(user)
        .into_iter()
        .filter(|a| only.is_none_or(|names| names.contains(&a.name)))
        .collect();
    m::UserType {
        username: Some(Sensitive::new(user.username.clone())),
        attributes: Some(attributes),
        user_create_date: Some(user.created),
        user_last_modified_date: Some(user.modified),
        enabled: Some(user.is_enabled),
        user_status: Some(status(user)),
        mfa_options: None,
    }
}
