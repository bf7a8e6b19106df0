//! The dispatch tables: for each service, one exhaustive `match` from the generated operation enum
//! to its handler, or `None` for an operation Cognate does not implement yet (it then answers
//! `NotImplementedException`). This file is the only list of what is implemented; `coverage`
//! renders it into docs/COVERAGE.md. Never add a `_ =>` arm: a new operation in the model must
//! fail to compile until someone decides what it does.

use std::future::Future;
use std::pin::Pin;

use axum::body::Bytes;
use axum::response::Response;
use cognate_model::{cognito_identity, cognito_idp, iam, sts};
use cognate_protocol::AwsError;

use crate::idp::{
    auth, branding_ui, devices, domains, groups, mfa, passwords, resource_servers, signup, tags, user_pool_clients,
    user_pools, users_admin, users_self, webauthn,
};
use crate::{Ctx, Handler, HandlerFuture, call};

/// A Query-protocol handler: the same `Ctx` as JSON handlers, and the decoded form parameters.
pub type QueryHandler =
    fn(Ctx, Vec<(String, String)>) -> Pin<Box<dyn Future<Output = Result<Response, AwsError>> + Send>>;

macro_rules! handler {
    ($f:path) => {
        Some((|ctx: Ctx, body: Bytes| -> HandlerFuture { Box::pin(call(ctx, body, $f)) }) as Handler)
    };
}

/// cognito-idp (`AWSCognitoIdentityProviderService`).
pub fn idp(op: cognito_idp::Operation) -> Option<Handler> {
    use cognito_idp::Operation as O;
    match op {
        O::GetUserAuthFactors => handler!(users_self::get_user_auth_factors),
        O::UpdateUserPoolDomain => handler!(domains::update_user_pool_domain),
        O::DescribeUserPoolDomain => handler!(domains::describe_user_pool_domain),
        O::DeleteUserPoolDomain => handler!(domains::delete_user_pool_domain),
        O::CreateUserPoolDomain => handler!(domains::create_user_pool_domain),
        O::StartWebAuthnRegistration => handler!(webauthn::start_web_authn_registration),
        O::CompleteWebAuthnRegistration => handler!(webauthn::complete_web_authn_registration),
        O::ListWebAuthnCredentials => handler!(webauthn::list_web_authn_credentials),
        O::DeleteWebAuthnCredential => handler!(webauthn::delete_web_authn_credential),
        O::SetUICustomization => handler!(branding_ui::set_ui_customization),
        O::GetUICustomization => handler!(branding_ui::get_ui_customization),
        O::CreateManagedLoginBranding => handler!(branding_ui::create_managed_login_branding),
        O::DescribeManagedLoginBranding => handler!(branding_ui::describe_managed_login_branding),
        O::DescribeManagedLoginBrandingByClient => handler!(branding_ui::describe_managed_login_branding_by_client),
        O::UpdateManagedLoginBranding => handler!(branding_ui::update_managed_login_branding),
        O::DeleteManagedLoginBranding => handler!(branding_ui::delete_managed_login_branding),
        O::UpdateResourceServer => handler!(resource_servers::update_resource_server),
        O::ListResourceServers => handler!(resource_servers::list_resource_servers),
        O::DescribeResourceServer => handler!(resource_servers::describe_resource_server),
        O::DeleteResourceServer => handler!(resource_servers::delete_resource_server),
        O::CreateResourceServer => handler!(resource_servers::create_resource_server),
        O::AdminUpdateDeviceStatus => handler!(devices::admin_update_device_status),
        O::AdminForgetDevice => handler!(devices::admin_forget_device),
        O::AdminListDevices => handler!(devices::admin_list_devices),
        O::AdminGetDevice => handler!(devices::admin_get_device),
        O::UpdateDeviceStatus => handler!(devices::update_device_status),
        O::ForgetDevice => handler!(devices::forget_device),
        O::ListDevices => handler!(devices::list_devices),
        O::GetDevice => handler!(devices::get_device),
        O::ConfirmDevice => handler!(devices::confirm_device),
        O::AdminSetUserMFAPreference => handler!(mfa::admin_set_user_mfa_preference),
        O::SetUserMFAPreference => handler!(mfa::set_user_mfa_preference),
        O::VerifySoftwareToken => handler!(mfa::verify_software_token),
        O::AssociateSoftwareToken => handler!(mfa::associate_software_token),
        O::AddCustomAttributes => handler!(user_pools::add_custom_attributes),
        O::AdminAddUserToGroup => handler!(groups::admin_add_user_to_group),
        O::AdminConfirmSignUp => handler!(users_admin::admin_confirm_sign_up),
        O::AdminCreateUser => handler!(users_admin::admin_create_user),
        O::AdminDeleteUser => handler!(users_admin::admin_delete_user),
        O::AdminDeleteUserAttributes => handler!(users_admin::admin_delete_user_attributes),
        O::AdminDisableUser => handler!(users_admin::admin_disable_user),
        O::AdminEnableUser => handler!(users_admin::admin_enable_user),
        O::AdminGetUser => handler!(users_admin::admin_get_user),
        O::AdminInitiateAuth => handler!(auth::admin_initiate_auth),
        O::AdminListGroupsForUser => handler!(groups::admin_list_groups_for_user),
        O::AdminRemoveUserFromGroup => handler!(groups::admin_remove_user_from_group),
        O::AdminResetUserPassword => handler!(users_admin::admin_reset_user_password),
        O::AdminRespondToAuthChallenge => handler!(auth::admin_respond_to_auth_challenge),
        O::AdminSetUserPassword => handler!(users_admin::admin_set_user_password),
        O::AdminUpdateUserAttributes => handler!(users_admin::admin_update_user_attributes),
        O::AdminUserGlobalSignOut => handler!(users_admin::admin_user_global_sign_out),
        O::ChangePassword => handler!(users_self::change_password),
        O::ConfirmForgotPassword => handler!(passwords::confirm_forgot_password),
        O::ConfirmSignUp => handler!(signup::confirm_sign_up),
        O::CreateGroup => handler!(groups::create_group),
        O::CreateUserPool => handler!(user_pools::create_user_pool),
        O::CreateUserPoolClient => handler!(user_pool_clients::create_user_pool_client),
        O::DeleteGroup => handler!(groups::delete_group),
        O::DeleteUser => handler!(users_self::delete_user),
        O::DeleteUserAttributes => handler!(users_self::delete_user_attributes),
        O::DeleteUserPool => handler!(user_pools::delete_user_pool),
        O::DeleteUserPoolClient => handler!(user_pool_clients::delete_user_pool_client),
        O::DescribeUserPool => handler!(user_pools::describe_user_pool),
        O::DescribeUserPoolClient => handler!(user_pool_clients::describe_user_pool_client),
        O::ForgotPassword => handler!(passwords::forgot_password),
        O::GetGroup => handler!(groups::get_group),
        O::GetSigningCertificate => handler!(user_pools::get_signing_certificate),
        O::GetTokensFromRefreshToken => handler!(auth::get_tokens_from_refresh_token),
        O::GetUser => handler!(users_self::get_user),
        O::GetUserAttributeVerificationCode => handler!(users_self::get_user_attribute_verification_code),
        O::GetUserPoolMfaConfig => handler!(mfa::get_user_pool_mfa_config),
        O::GlobalSignOut => handler!(users_self::global_sign_out),
        O::InitiateAuth => handler!(auth::initiate_auth),
        O::ListGroups => handler!(groups::list_groups),
        O::ListTagsForResource => handler!(tags::list_tags_for_resource),
        O::ListUserPoolClients => handler!(user_pool_clients::list_user_pool_clients),
        O::ListUserPools => handler!(user_pools::list_user_pools),
        O::ListUsers => handler!(users_admin::list_users),
        O::ListUsersInGroup => handler!(groups::list_users_in_group),
        O::ResendConfirmationCode => handler!(signup::resend_confirmation_code),
        O::RespondToAuthChallenge => handler!(auth::respond_to_auth_challenge),
        O::RevokeToken => handler!(auth::revoke_token),
        O::SetUserPoolMfaConfig => handler!(mfa::set_user_pool_mfa_config),
        O::SignUp => handler!(signup::sign_up),
        O::TagResource => handler!(tags::tag_resource),
        O::UntagResource => handler!(tags::untag_resource),
        O::UpdateGroup => handler!(groups::update_group),
        O::UpdateUserAttributes => handler!(users_self::update_user_attributes),
        O::UpdateUserPool => handler!(user_pools::update_user_pool),
        O::UpdateUserPoolClient => handler!(user_pool_clients::update_user_pool_client),
        O::VerifyUserAttribute => handler!(users_self::verify_user_attribute),
        O::AddUserPoolClientSecret
        | O::AdminDeleteSoftwareToken
        | O::AdminDisableProviderForUser
        | O::AdminGetUserAuthFactors
        | O::AdminLinkProviderForUser
        | O::AdminListUserAuthEvents
        | O::AdminListUserSessions
        | O::AdminRevokeUserSession
        | O::AdminSetUserSettings
        | O::AdminUpdateAuthEventFeedback
        | O::CancelPointInTimeRecovery
        | O::CreateCIMDPolicy
        | O::CreateIdentityProvider
        | O::CreateTerms
        | O::CreateUserImportJob
        | O::CreateUserPoolReplica
        | O::DeleteCIMDPolicy
        | O::DeleteIdentityProvider
        | O::DeleteTerms
        | O::DeleteUserPoolClientSecret
        | O::DeleteUserPoolReplica
        | O::DescribeCIMDPolicy
        | O::DescribeIdentityProvider
        | O::DescribePointInTimeRecovery
        | O::DescribeRiskConfiguration
        | O::DescribeTerms
        | O::DescribeTermsByClient
        | O::DescribeUserImportJob
        | O::GetCSVHeader
        | O::GetClientToken
        | O::GetDerivedToken
        | O::GetIdentityProviderByIdentifier
        | O::GetLogDeliveryConfiguration
        | O::GetProvisionedLimit
        | O::GetUserPoolClientSessionConfiguration
        | O::GetUserPoolSessionConfiguration
        | O::InitiatePointInTimeRecovery
        | O::ListCIMDPolicies
        | O::ListClientMetadataURLs
        | O::ListIdentityProviders
        | O::ListPointInTimeRecoveries
        | O::ListTerms
        | O::ListUserImportJobs
        | O::ListUserPoolClientSecrets
        | O::ListUserPoolReplicas
        | O::ListUserSessions
        | O::RevokeUserSession
        | O::SetLogDeliveryConfiguration
        | O::SetRiskConfiguration
        | O::SetUserPoolClientSessionConfiguration
        | O::SetUserPoolSessionConfiguration
        | O::SetUserSettings
        | O::StartPointInTimeRecovery
        | O::StartUserImportJob
        | O::StopUserImportJob
        | O::UpdateAuthEventFeedback
        | O::UpdateCIMDPolicy
        | O::UpdateClientMetadataURLState
        | O::UpdateIdentityProvider
        | O::UpdateProvisionedLimit
        | O::UpdateTerms
        | O::UpdateUserPoolReplica => None,
    }
}

/// cognito-identity (`AWSCognitoIdentityService`).
pub fn identity(op: cognito_identity::Operation) -> Option<Handler> {
    use cognito_identity::Operation as O;
    match op {
        O::CreateIdentityPool
        | O::DeleteIdentities
        | O::DeleteIdentityPool
        | O::DescribeIdentity
        | O::DescribeIdentityPool
        | O::GetCredentialsForIdentity
        | O::GetId
        | O::GetIdentityPoolRoles
        | O::GetOpenIdToken
        | O::GetOpenIdTokenForDeveloperIdentity
        | O::GetPrincipalTagAttributeMap
        | O::ListIdentities
        | O::ListIdentityPools
        | O::ListTagsForResource
        | O::LookupDeveloperIdentity
        | O::MergeDeveloperIdentities
        | O::SetIdentityPoolRoles
        | O::SetPrincipalTagAttributeMap
        | O::TagResource
        | O::UnlinkDeveloperIdentity
        | O::UnlinkIdentity
        | O::UntagResource
        | O::UpdateIdentityPool => None,
    }
}

/// STS (Query protocol, `Version=2011-06-15`).
pub fn sts(op: sts::Operation) -> Option<QueryHandler> {
    use sts::Operation as O;
    match op {
        O::AssumeRole
        | O::AssumeRoleWithSAML
        | O::AssumeRoleWithWebIdentity
        | O::AssumeRoot
        | O::DecodeAuthorizationMessage
        | O::GetAccessKeyInfo
        | O::GetCallerIdentity
        | O::GetDelegatedAccessToken
        | O::GetFederationToken
        | O::GetScopedCredentials
        | O::GetSessionToken
        | O::GetWebIdentityToken => None,
    }
}

/// IAM (Query protocol, `Version=2010-05-08`).
pub fn iam(op: iam::Operation) -> Option<QueryHandler> {
    use iam::Operation as O;
    match op {
        O::AcceptDelegationRequest
        | O::AcquireRole
        | O::AddClientIDToOpenIDConnectProvider
        | O::AddRoleToInstanceProfile
        | O::AddUserToGroup
        | O::AssociateDelegationRequest
        | O::AttachGroupPolicy
        | O::AttachRolePolicy
        | O::AttachUserPolicy
        | O::ChangePassword
        | O::CreateAccessKey
        | O::CreateAccountAlias
        | O::CreateDelegationRequest
        | O::CreateGroup
        | O::CreateInstanceProfile
        | O::CreateLoginProfile
        | O::CreateOpenIDConnectProvider
        | O::CreatePolicy
        | O::CreatePolicyVersion
        | O::CreateRole
        | O::CreateSAMLProvider
        | O::CreateServiceLinkedRole
        | O::CreateServiceSpecificCredential
        | O::CreateUser
        | O::CreateVirtualMFADevice
        | O::DeactivateMFADevice
        | O::DeleteAccessKey
        | O::DeleteAccountAlias
        | O::DeleteAccountPasswordPolicy
        | O::DeleteGroup
        | O::DeleteGroupPolicy
        | O::DeleteInstanceProfile
        | O::DeleteLoginProfile
        | O::DeleteOpenIDConnectProvider
        | O::DeletePolicy
        | O::DeletePolicyVersion
        | O::DeleteRole
        | O::DeleteRolePermissionsBoundary
        | O::DeleteRolePolicy
        | O::DeleteSAMLProvider
        | O::DeleteSSHPublicKey
        | O::DeleteServerCertificate
        | O::DeleteServiceLinkedRole
        | O::DeleteServiceSpecificCredential
        | O::DeleteSigningCertificate
        | O::DeleteUser
        | O::DeleteUserPermissionsBoundary
        | O::DeleteUserPolicy
        | O::DeleteVirtualMFADevice
        | O::DetachGroupPolicy
        | O::DetachRolePolicy
        | O::DetachUserPolicy
        | O::DisableOrganizationsRootCredentialsManagement
        | O::DisableOrganizationsRootSessions
        | O::DisableOutboundWebIdentityFederation
        | O::EnableMFADevice
        | O::EnableOrganizationsRootCredentialsManagement
        | O::EnableOrganizationsRootSessions
        | O::EnableOutboundWebIdentityFederation
        | O::GenerateCredentialReport
        | O::GenerateOrganizationsAccessReport
        | O::GenerateServiceLastAccessedDetails
        | O::GetAccessKeyLastUsed
        | O::GetAccountAuthorizationDetails
        | O::GetAccountPasswordPolicy
        | O::GetAccountProperties
        | O::GetAccountSummary
        | O::GetContextKeysForCustomPolicy
        | O::GetContextKeysForPrincipalPolicy
        | O::GetCredentialReport
        | O::GetDelegationRequest
        | O::GetGroup
        | O::GetGroupPolicy
        | O::GetHumanReadableSummary
        | O::GetInstanceProfile
        | O::GetLoginProfile
        | O::GetMFADevice
        | O::GetOpenIDConnectProvider
        | O::GetOrganizationsAccessReport
        | O::GetOutboundWebIdentityFederationInfo
        | O::GetPolicy
        | O::GetPolicyVersion
        | O::GetRole
        | O::GetRolePolicy
        | O::GetRoleTemplateVersion
        | O::GetSAMLProvider
        | O::GetSSHPublicKey
        | O::GetServerCertificate
        | O::GetServiceLastAccessedDetails
        | O::GetServiceLastAccessedDetailsWithEntities
        | O::GetServiceLinkedRoleDeletionStatus
        | O::GetUser
        | O::GetUserPolicy
        | O::ListAccessKeys
        | O::ListAccountAliases
        | O::ListAttachedGroupPolicies
        | O::ListAttachedRolePolicies
        | O::ListAttachedUserPolicies
        | O::ListDelegationRequests
        | O::ListEntitiesForPolicy
        | O::ListGroupPolicies
        | O::ListGroups
        | O::ListGroupsForUser
        | O::ListInstanceProfileTags
        | O::ListInstanceProfiles
        | O::ListInstanceProfilesForRole
        | O::ListMFADeviceTags
        | O::ListMFADevices
        | O::ListOpenIDConnectProviderTags
        | O::ListOpenIDConnectProviders
        | O::ListOrganizationsFeatures
        | O::ListPolicies
        | O::ListPoliciesGrantingServiceAccess
        | O::ListPolicyTags
        | O::ListPolicyVersions
        | O::ListRolePolicies
        | O::ListRoleTags
        | O::ListRoles
        | O::ListSAMLProviderTags
        | O::ListSAMLProviders
        | O::ListSSHPublicKeys
        | O::ListServerCertificateTags
        | O::ListServerCertificates
        | O::ListServiceSpecificCredentials
        | O::ListSigningCertificates
        | O::ListUserPolicies
        | O::ListUserTags
        | O::ListUsers
        | O::ListVirtualMFADevices
        | O::PutAccountProperties
        | O::PutGroupPolicy
        | O::PutRolePermissionsBoundary
        | O::PutRolePolicy
        | O::PutUserPermissionsBoundary
        | O::PutUserPolicy
        | O::RejectDelegationRequest
        | O::RemoveClientIDFromOpenIDConnectProvider
        | O::RemoveRoleFromInstanceProfile
        | O::RemoveUserFromGroup
        | O::ResetServiceSpecificCredential
        | O::ResyncMFADevice
        | O::SendDelegationToken
        | O::SetDefaultPolicyVersion
        | O::SetSecurityTokenServicePreferences
        | O::SimulateCustomPolicy
        | O::SimulatePrincipalPolicy
        | O::TagInstanceProfile
        | O::TagMFADevice
        | O::TagOpenIDConnectProvider
        | O::TagPolicy
        | O::TagRole
        | O::TagSAMLProvider
        | O::TagServerCertificate
        | O::TagUser
        | O::UntagInstanceProfile
        | O::UntagMFADevice
        | O::UntagOpenIDConnectProvider
        | O::UntagPolicy
        | O::UntagRole
        | O::UntagSAMLProvider
        | O::UntagServerCertificate
        | O::UntagUser
        | O::UpdateAccessKey
        | O::UpdateAccountPasswordPolicy
        | O::UpdateAssumeRolePolicy
        | O::UpdateDelegationRequest
        | O::UpdateGroup
        | O::UpdateLoginProfile
        | O::UpdateOpenIDConnectProvider
        | O::UpdateOpenIDConnectProviderThumbprint
        | O::UpdateRole
        | O::UpdateRoleDescription
        | O::UpdateSAMLProvider
        | O::UpdateSSHPublicKey
        | O::UpdateServerCertificate
        | O::UpdateServiceSpecificCredential
        | O::UpdateSigningCertificate
        | O::UpdateUser
        | O::UploadSSHPublicKey
        | O::UploadServerCertificate
        | O::UploadSigningCertificate => None,
    }
}
