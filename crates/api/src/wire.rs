//! Domain values as the wire carries them: the one place (besides the generated model) where
//! response shapes are built from what the domain returns.

use cognate_domain::codes::Delivery;
use cognate_domain::devices::Device;
use cognate_domain::signin::AuthResult;
use cognate_domain::users::User;
use cognate_model::cognito_idp as m;

/// `CodeDeliveryDetailsType`: where a code went.
pub fn code_delivery(d: &Delivery) -> m::CodeDeliveryDetailsType {
    m::CodeDeliveryDetailsType {
        destination: Some(d.destination.clone()),
        delivery_medium: Some(m::DeliveryMediumType::from(d.medium)),
        attribute_name: Some(d.attribute.clone()),
    }
}

/// `DeviceType`.
pub fn device(d: &Device) -> m::DeviceType {
    let mut attrs = vec![m::AttributeType { name: "device_status".into(), value: Some("valid".into()) }];
    if let Some(n) = &d.doc.name {
        attrs.push(m::AttributeType { name: "device_name".into(), value: Some(n.clone().into()) });
    }
    if let Some(s) = &d.doc.remembered_status {
        attrs.push(m::AttributeType { name: "dev:device_remembered_status".into(), value: Some(s.clone().into()) });
    }
    m::DeviceType {
        device_key: Some(d.key.clone()),
        device_attributes: Some(attrs),
        device_create_date: Some(d.created),
        device_last_modified_date: Some(d.modified),
        device_last_authenticated_date: Some(d.last_authenticated),
    }
}

/// A user's attributes as the wire lists them (developer-only ones excluded).
pub fn user_attributes(user: &User) -> Vec<m::AttributeType> {
    user.visible_attributes()
        .map(|(k, v)| m::AttributeType { name: k.clone(), value: Some(v.clone().into()) })
        .collect()
}

/// `AuthenticationResultType`: the tokens of a sign-in.
pub fn authentication_result(t: &AuthResult) -> m::AuthenticationResultType {
    m::AuthenticationResultType {
        access_token: Some(t.access_token.clone().into()),
        id_token: t.id_token.clone().map(Into::into),
        refresh_token: t.refresh_token.clone().map(Into::into),
        expires_in: i32::try_from(t.expires_in).ok(),
        token_type: Some("Bearer".into()),
        new_device_metadata: t.new_device.as_ref().map(|(key, group)| m::NewDeviceMetadataType {
            device_key: Some(key.clone()),
            device_group_key: Some(group.clone()),
        }),
    }
}
