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

use crate::idp::{mfa, tags, user_pool_clients, user_pools};
use crate::{ApiState, Ctx, Handler, HandlerFuture, call};

/// A Query-protocol handler: the decoded form parameters and the state.
pub type QueryHandler =
    fn(Vec<(String, String)>, ApiState) -> Pin<Box<dyn Future<Output = Result<Response, AwsError>> + Send>>;

macro_rules! handler {
    ($f:path) => {
        Some((|ctx: Ctx, body: Bytes| -> HandlerFuture { Box::pin(call(ctx, body, $f)) }) as Handler)
    };
}

/// cognito-idp (`AWSCognitoIdentityProviderService`).
pub fn idp(op: cognito_idp::Operation) -> Option<Handler> {
    use cognito_idp::Operation as O;
    match op {
        O::AddCustomAttributes => handler!(user_pools::add_custom_attributes),
        O::CreateUserPool => handler!(user_pools::create_user_pool),
        O::CreateUserPoolClient => handler!(user_pool_clients::create_user_pool_client),
        O::DeleteUserPool => handler!(user_pools::delete_user_pool),
        O::DeleteUserPoolClient => handler!(user_pool_clients::delete_user_pool_client),
        O::DescribeUserPool => handler!(user_pools::describe_user_pool),
        O::DescribeUserPoolClient => handler!(user_pool_clients::describe_user_pool_client),
        O::GetSigningCertificate => handler!(user_pools::get_signing_certificate),
        O::GetUserPoolMfaConfig => handler!(mfa::get_user_pool_mfa_config),
        O::ListTagsForResource => handler!(tags::list_tags_for_resource),
        O::ListUserPoolClients => handler!(user_pool_clients::list_user_pool_clients),
        O::ListUserPools => handler!(user_pools::list_user_pools),
        O::SetUserPoolMfaConfig => handler!(mfa::set_user_pool_mfa_config),
        O::TagResource => handler!(tags::tag_resource),
        O::UntagResource => handler!(tags::untag_resource),
        O::UpdateUserPool => handler!(user_pools::update_user_pool),
        O::UpdateUserPoolClient => handler!(user_pool_clients::update_user_pool_client),
        O::AddUserPoolClientSecret
        | O::AdminAddUserToGroup
        | O::AdminConfirmSignUp
        | O::AdminCreateUser
        | O::AdminDeleteSoftwareToken
        | O::AdminDeleteUser
        | O::AdminDeleteUserAttributes
        | O::AdminDisableProviderForUser
        | O::AdminDisableUser
        | O::AdminEnableUser
        | O::AdminForgetDevice
        | O::AdminGetDevice
        | O::AdminGetUser
        | O::AdminGetUserAuthFactors
        | O::AdminInitiateAuth
        | O::AdminLinkProviderForUser
        | O::AdminListDevices
        | O::AdminListGroupsForUser
        | O::AdminListUserAuthEvents
        | O::AdminListUserSessions
        | O::AdminRemoveUserFromGroup
        | O::AdminResetUserPassword
        | O::AdminRespondToAuthChallenge
        | O::AdminRevokeUserSession
        | O::AdminSetUserMFAPreference
        | O::AdminSetUserPassword
        | O::AdminSetUserSettings
        | O::AdminUpdateAuthEventFeedback
        | O::AdminUpdateDeviceStatus
        | O::AdminUpdateUserAttributes
        | O::AdminUserGlobalSignOut
        | O::AssociateSoftwareToken
        | O::CancelPointInTimeRecovery
        | O::ChangePassword
        | O::CompleteWebAuthnRegistration
        | O::ConfirmDevice
        | O::ConfirmForgotPassword
        | O::ConfirmSignUp
        | O::CreateCIMDPolicy
        | O::CreateGroup
        | O::CreateIdentityProvider
        | O::CreateManagedLoginBranding
        | O::CreateResourceServer
        | O::CreateTerms
        | O::CreateUserImportJob
        | O::CreateUserPoolDomain
        | O::CreateUserPoolReplica
        | O::DeleteCIMDPolicy
        | O::DeleteGroup
        | O::DeleteIdentityProvider
        | O::DeleteManagedLoginBranding
        | O::DeleteResourceServer
        | O::DeleteTerms
        | O::DeleteUser
        | O::DeleteUserAttributes
        | O::DeleteUserPoolClientSecret
        | O::DeleteUserPoolDomain
        | O::DeleteUserPoolReplica
        | O::DeleteWebAuthnCredential
        | O::DescribeCIMDPolicy
        | O::DescribeIdentityProvider
        | O::DescribeManagedLoginBranding
        | O::DescribeManagedLoginBrandingByClient
        | O::DescribePointInTimeRecovery
        | O::DescribeResourceServer
        | O::DescribeRiskConfiguration
        | O::DescribeTerms
        | O::DescribeTermsByClient
        | O::DescribeUserImportJob
        | O::DescribeUserPoolDomain
        | O::ForgetDevice
        | O::ForgotPassword
        | O::GetCSVHeader
        | O::GetClientToken
        | O::GetDerivedToken
        | O::GetDevice
        | O::GetGroup
        | O::GetIdentityProviderByIdentifier
        | O::GetLogDeliveryConfiguration
        | O::GetProvisionedLimit
        | O::GetTokensFromRefreshToken
        | O::GetUICustomization
        | O::GetUser
        | O::GetUserAttributeVerificationCode
        | O::GetUserAuthFactors
        | O::GetUserPoolClientSessionConfiguration
        | O::GetUserPoolSessionConfiguration
        | O::GlobalSignOut
        | O::InitiateAuth
        | O::InitiatePointInTimeRecovery
        | O::ListCIMDPolicies
        | O::ListClientMetadataURLs
        | O::ListDevices
        | O::ListGroups
        | O::ListIdentityProviders
        | O::ListPointInTimeRecoveries
        | O::ListResourceServers
        | O::ListTerms
        | O::ListUserImportJobs
        | O::ListUserPoolClientSecrets
        | O::ListUserPoolReplicas
        | O::ListUserSessions
        | O::ListUsers
        | O::ListUsersInGroup
        | O::ListWebAuthnCredentials
        | O::ResendConfirmationCode
        | O::RespondToAuthChallenge
        | O::RevokeToken
        | O::RevokeUserSession
        | O::SetLogDeliveryConfiguration
        | O::SetRiskConfiguration
        | O::SetUICustomization
        | O::SetUserMFAPreference
        | O::SetUserPoolClientSessionConfiguration
        | O::SetUserPoolSessionConfiguration
        | O::SetUserSettings
        | O::SignUp
        | O::StartPointInTimeRecovery
        | O::StartUserImportJob
        | O::StartWebAuthnRegistration
        | O::StopUserImportJob
        | O::UpdateAuthEventFeedback
        | O::UpdateCIMDPolicy
        | O::UpdateClientMetadataURLState
        | O::UpdateDeviceStatus
        | O::UpdateGroup
        | O::UpdateIdentityProvider
        | O::UpdateManagedLoginBranding
        | O::UpdateProvisionedLimit
        | O::UpdateResourceServer
        | O::UpdateTerms
        | O::UpdateUserAttributes
        | O::UpdateUserPoolDomain
        | O::UpdateUserPoolReplica
        | O::VerifySoftwareToken
        | O::VerifyUserAttribute => None,
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
