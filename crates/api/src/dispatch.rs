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
use crate::{
    ApiError, Ctx, Handler, HandlerFuture, QueryRequest, call, call_mapped, iam_ops, identity_ops, query_call, sts_ops,
};

/// A Query-protocol handler: the same `Ctx` as JSON handlers, and the form parameters.
pub type QueryHandler = fn(Ctx, QueryRequest) -> Pin<Box<dyn Future<Output = Result<Response, AwsError>> + Send>>;

macro_rules! identity_handler {
    ($f:path) => {
        Some(
            (|ctx: Ctx, body: Bytes| -> HandlerFuture {
                Box::pin(call_mapped(ctx, body, ApiError::into_identity_aws, $f))
            }) as Handler,
        )
    };
}

macro_rules! sts_handler {
    ($f:path) => {
        Some(
            (|ctx: Ctx, req: QueryRequest| -> HandlerFuture {
                Box::pin(query_call(ctx, req, ApiError::into_sts_aws, $f))
            }) as QueryHandler,
        )
    };
}

macro_rules! iam_handler {
    ($f:path) => {
        Some(
            (|ctx: Ctx, req: QueryRequest| -> HandlerFuture {
                Box::pin(query_call(ctx, req, ApiError::into_iam_aws, $f))
            }) as QueryHandler,
        )
    };
}

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
        O::CreateIdentityPool => identity_handler!(identity_ops::create_identity_pool),
        O::DeleteIdentities => identity_handler!(identity_ops::delete_identities),
        O::DeleteIdentityPool => identity_handler!(identity_ops::delete_identity_pool),
        O::DescribeIdentity => identity_handler!(identity_ops::describe_identity),
        O::DescribeIdentityPool => identity_handler!(identity_ops::describe_identity_pool),
        O::GetCredentialsForIdentity => identity_handler!(identity_ops::get_credentials_for_identity),
        O::GetId => identity_handler!(identity_ops::get_id),
        O::GetIdentityPoolRoles => identity_handler!(identity_ops::get_identity_pool_roles),
        O::GetOpenIdToken => identity_handler!(identity_ops::get_open_id_token),
        O::GetOpenIdTokenForDeveloperIdentity => {
            identity_handler!(identity_ops::get_open_id_token_for_developer_identity)
        }
        O::GetPrincipalTagAttributeMap => identity_handler!(identity_ops::get_principal_tag_attribute_map),
        O::ListIdentities => identity_handler!(identity_ops::list_identities),
        O::ListIdentityPools => identity_handler!(identity_ops::list_identity_pools),
        O::ListTagsForResource => identity_handler!(identity_ops::list_tags_for_resource),
        O::LookupDeveloperIdentity => identity_handler!(identity_ops::lookup_developer_identity),
        O::MergeDeveloperIdentities => identity_handler!(identity_ops::merge_developer_identities),
        O::SetIdentityPoolRoles => identity_handler!(identity_ops::set_identity_pool_roles),
        O::SetPrincipalTagAttributeMap => identity_handler!(identity_ops::set_principal_tag_attribute_map),
        O::TagResource => identity_handler!(identity_ops::tag_resource),
        O::UnlinkDeveloperIdentity => identity_handler!(identity_ops::unlink_developer_identity),
        O::UnlinkIdentity => identity_handler!(identity_ops::unlink_identity),
        O::UntagResource => identity_handler!(identity_ops::untag_resource),
        O::UpdateIdentityPool => identity_handler!(identity_ops::update_identity_pool),
    }
}

/// STS (Query protocol, `Version=2011-06-15`).
pub fn sts(op: sts::Operation) -> Option<QueryHandler> {
    use sts::Operation as O;
    match op {
        O::AssumeRole => sts_handler!(sts_ops::assume_role),
        O::DecodeAuthorizationMessage => sts_handler!(sts_ops::decode_authorization_message),
        O::AssumeRoleWithWebIdentity => sts_handler!(sts_ops::assume_role_with_web_identity),
        O::GetAccessKeyInfo => sts_handler!(sts_ops::get_access_key_info),
        O::GetCallerIdentity => sts_handler!(sts_ops::get_caller_identity),
        O::GetSessionToken => sts_handler!(sts_ops::get_session_token),
        O::AssumeRoleWithSAML
        | O::AssumeRoot
        | O::GetDelegatedAccessToken
        | O::GetFederationToken
        | O::GetScopedCredentials
        | O::GetWebIdentityToken => None,
    }
}

/// IAM (Query protocol, `Version=2010-05-08`).
pub fn iam(op: iam::Operation) -> Option<QueryHandler> {
    use iam::Operation as O;
    match op {
        O::AttachRolePolicy => iam_handler!(iam_ops::attach_role_policy),
        O::AttachUserPolicy => iam_handler!(iam_ops::attach_user_policy),
        O::CreateAccessKey => iam_handler!(iam_ops::create_access_key),
        O::CreateOpenIDConnectProvider => iam_handler!(iam_ops::create_open_id_connect_provider),
        O::CreatePolicy => iam_handler!(iam_ops::create_policy),
        O::CreatePolicyVersion => iam_handler!(iam_ops::create_policy_version),
        O::CreateRole => iam_handler!(iam_ops::create_role),
        O::CreateUser => iam_handler!(iam_ops::create_user),
        O::DeleteAccessKey => iam_handler!(iam_ops::delete_access_key),
        O::DeleteOpenIDConnectProvider => iam_handler!(iam_ops::delete_open_id_connect_provider),
        O::DeletePolicy => iam_handler!(iam_ops::delete_policy),
        O::DeletePolicyVersion => iam_handler!(iam_ops::delete_policy_version),
        O::DeleteRole => iam_handler!(iam_ops::delete_role),
        O::DeleteRolePermissionsBoundary => iam_handler!(iam_ops::delete_role_permissions_boundary),
        O::DeleteRolePolicy => iam_handler!(iam_ops::delete_role_policy),
        O::DeleteUser => iam_handler!(iam_ops::delete_user),
        O::DeleteUserPermissionsBoundary => iam_handler!(iam_ops::delete_user_permissions_boundary),
        O::DeleteUserPolicy => iam_handler!(iam_ops::delete_user_policy),
        O::DetachRolePolicy => iam_handler!(iam_ops::detach_role_policy),
        O::DetachUserPolicy => iam_handler!(iam_ops::detach_user_policy),
        O::GetAccessKeyLastUsed => iam_handler!(iam_ops::get_access_key_last_used),
        O::GetContextKeysForCustomPolicy => iam_handler!(iam_ops::get_context_keys_for_custom_policy),
        O::GetContextKeysForPrincipalPolicy => iam_handler!(iam_ops::get_context_keys_for_principal_policy),
        O::GetOpenIDConnectProvider => iam_handler!(iam_ops::get_open_id_connect_provider),
        O::GetPolicy => iam_handler!(iam_ops::get_policy),
        O::GetPolicyVersion => iam_handler!(iam_ops::get_policy_version),
        O::GetRole => iam_handler!(iam_ops::get_role),
        O::GetRolePolicy => iam_handler!(iam_ops::get_role_policy),
        O::GetUser => iam_handler!(iam_ops::get_user),
        O::GetUserPolicy => iam_handler!(iam_ops::get_user_policy),
        O::ListAccessKeys => iam_handler!(iam_ops::list_access_keys),
        O::ListAttachedRolePolicies => iam_handler!(iam_ops::list_attached_role_policies),
        O::ListAttachedUserPolicies => iam_handler!(iam_ops::list_attached_user_policies),
        O::ListEntitiesForPolicy => iam_handler!(iam_ops::list_entities_for_policy),
        O::ListGroupsForUser => iam_handler!(iam_ops::list_groups_for_user),
        O::ListInstanceProfilesForRole => iam_handler!(iam_ops::list_instance_profiles_for_role),
        O::ListOpenIDConnectProviders => iam_handler!(iam_ops::list_open_id_connect_providers),
        O::ListPolicies => iam_handler!(iam_ops::list_policies),
        O::ListPolicyTags => iam_handler!(iam_ops::list_policy_tags),
        O::ListPolicyVersions => iam_handler!(iam_ops::list_policy_versions),
        O::ListRolePolicies => iam_handler!(iam_ops::list_role_policies),
        O::ListRoleTags => iam_handler!(iam_ops::list_role_tags),
        O::ListRoles => iam_handler!(iam_ops::list_roles),
        O::ListUserPolicies => iam_handler!(iam_ops::list_user_policies),
        O::ListUserTags => iam_handler!(iam_ops::list_user_tags),
        O::ListUsers => iam_handler!(iam_ops::list_users),
        O::PutRolePermissionsBoundary => iam_handler!(iam_ops::put_role_permissions_boundary),
        O::PutRolePolicy => iam_handler!(iam_ops::put_role_policy),
        O::PutUserPermissionsBoundary => iam_handler!(iam_ops::put_user_permissions_boundary),
        O::PutUserPolicy => iam_handler!(iam_ops::put_user_policy),
        O::SetDefaultPolicyVersion => iam_handler!(iam_ops::set_default_policy_version),
        O::SimulateCustomPolicy => iam_handler!(iam_ops::simulate_custom_policy),
        O::SimulatePrincipalPolicy => iam_handler!(iam_ops::simulate_principal_policy),
        O::TagPolicy => iam_handler!(iam_ops::tag_policy),
        O::TagRole => iam_handler!(iam_ops::tag_role),
        O::TagUser => iam_handler!(iam_ops::tag_user),
        O::UntagPolicy => iam_handler!(iam_ops::untag_policy),
        O::UntagRole => iam_handler!(iam_ops::untag_role),
        O::UntagUser => iam_handler!(iam_ops::untag_user),
        O::UpdateAccessKey => iam_handler!(iam_ops::update_access_key),
        O::UpdateAssumeRolePolicy => iam_handler!(iam_ops::update_assume_role_policy),
        O::UpdateRole => iam_handler!(iam_ops::update_role),
        O::UpdateRoleDescription => iam_handler!(iam_ops::update_role_description),
        O::AddUserToGroup => iam_handler!(iam_ops::add_user_to_group),
        O::AttachGroupPolicy => iam_handler!(iam_ops::attach_group_policy),
        O::CreateGroup => iam_handler!(iam_ops::create_group),
        O::DeleteGroup => iam_handler!(iam_ops::delete_group),
        O::DeleteGroupPolicy => iam_handler!(iam_ops::delete_group_policy),
        O::DetachGroupPolicy => iam_handler!(iam_ops::detach_group_policy),
        O::GetGroup => iam_handler!(iam_ops::get_group),
        O::GetGroupPolicy => iam_handler!(iam_ops::get_group_policy),
        O::ListAttachedGroupPolicies => iam_handler!(iam_ops::list_attached_group_policies),
        O::ListGroupPolicies => iam_handler!(iam_ops::list_group_policies),
        O::ListGroups => iam_handler!(iam_ops::list_groups),
        O::PutGroupPolicy => iam_handler!(iam_ops::put_group_policy),
        O::RemoveUserFromGroup => iam_handler!(iam_ops::remove_user_from_group),
        O::AcceptDelegationRequest
        | O::AcquireRole
        | O::AddClientIDToOpenIDConnectProvider
        | O::AddRoleToInstanceProfile
        | O::AssociateDelegationRequest
        | O::ChangePassword
        | O::CreateAccountAlias
        | O::CreateDelegationRequest
        | O::CreateInstanceProfile
        | O::CreateLoginProfile
        | O::CreateSAMLProvider
        | O::CreateServiceLinkedRole
        | O::CreateServiceSpecificCredential
        | O::CreateVirtualMFADevice
        | O::DeactivateMFADevice
        | O::DeleteAccountAlias
        | O::DeleteAccountPasswordPolicy
        | O::DeleteInstanceProfile
        | O::DeleteLoginProfile
        | O::DeleteSAMLProvider
        | O::DeleteSSHPublicKey
        | O::DeleteServerCertificate
        | O::DeleteServiceLinkedRole
        | O::DeleteServiceSpecificCredential
        | O::DeleteSigningCertificate
        | O::DeleteVirtualMFADevice
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
        | O::GetAccountAuthorizationDetails
        | O::GetAccountPasswordPolicy
        | O::GetAccountProperties
        | O::GetAccountSummary
        | O::GetCredentialReport
        | O::GetDelegationRequest
        | O::GetHumanReadableSummary
        | O::GetInstanceProfile
        | O::GetLoginProfile
        | O::GetMFADevice
        | O::GetOrganizationsAccessReport
        | O::GetOutboundWebIdentityFederationInfo
        | O::GetRoleTemplateVersion
        | O::GetSAMLProvider
        | O::GetSSHPublicKey
        | O::GetServerCertificate
        | O::GetServiceLastAccessedDetails
        | O::GetServiceLastAccessedDetailsWithEntities
        | O::GetServiceLinkedRoleDeletionStatus
        | O::ListAccountAliases
        | O::ListDelegationRequests
        | O::ListInstanceProfileTags
        | O::ListInstanceProfiles
        | O::ListMFADeviceTags
        | O::ListMFADevices
        | O::ListOpenIDConnectProviderTags
        | O::ListOrganizationsFeatures
        | O::ListPoliciesGrantingServiceAccess
        | O::ListSAMLProviderTags
        | O::ListSAMLProviders
        | O::ListSSHPublicKeys
        | O::ListServerCertificateTags
        | O::ListServerCertificates
        | O::ListServiceSpecificCredentials
        | O::ListSigningCertificates
        | O::ListVirtualMFADevices
        | O::PutAccountProperties
        | O::RejectDelegationRequest
        | O::RemoveClientIDFromOpenIDConnectProvider
        | O::RemoveRoleFromInstanceProfile
        | O::ResetServiceSpecificCredential
        | O::ResyncMFADevice
        | O::SendDelegationToken
        | O::SetSecurityTokenServicePreferences
        | O::TagInstanceProfile
        | O::TagMFADevice
        | O::TagOpenIDConnectProvider
        | O::TagSAMLProvider
        | O::TagServerCertificate
        | O::UntagInstanceProfile
        | O::UntagMFADevice
        | O::UntagOpenIDConnectProvider
        | O::UntagSAMLProvider
        | O::UntagServerCertificate
        | O::UpdateAccountPasswordPolicy
        | O::UpdateDelegationRequest
        | O::UpdateGroup
        | O::UpdateLoginProfile
        | O::UpdateOpenIDConnectProvider
        | O::UpdateOpenIDConnectProviderThumbprint
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
