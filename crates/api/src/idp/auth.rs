//! Sign-in operations: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
//! AdminRespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken.

use std::collections::BTreeMap;

use cognate_domain::Error;
use cognate_domain::signin::{AuthOutcome, Challenge, Flow};
use cognate_model::cognito_idp::Exception;
use cognate_model::{Sensitive, cognito_idp as m};

use crate::error_map::exception;
use crate::{ApiError, Ctx};

/// The members every sign-in response shares.
struct Wire {
    result: Option<m::AuthenticationResultType>,
    name: Option<m::ChallengeNameType>,
    parameters: Option<BTreeMap<String, String>>,
    session: Option<Sensitive<String>>,
    available: Option<Vec<m::ChallengeNameType>>,
}

/// The flow a request names. Unknown names, and the ones no flow has, are Cognito's error here.
fn flow(flow: &m::AuthFlowType) -> Result<Flow, ApiError> {
    use m::AuthFlowType as F;
    match flow {
        F::UserPasswordAuth => Ok(Flow::UserPassword),
        F::AdminUserPasswordAuth | F::AdminNoSrpAuth => Ok(Flow::AdminUserPassword),
        F::RefreshTokenAuth | F::RefreshToken => Ok(Flow::RefreshToken),
        F::UserSrpAuth => Ok(Flow::UserSrp),
        F::UserAuth => Ok(Flow::UserAuth),
        F::CustomAuth => Ok(Flow::CustomAuth),
        F::Unknown(name) => Err(Error::invalid(format!("Invalid AuthFlow {name} for this operation.")).into()),
    }
}

/// The challenge a response answers.
fn challenge_in(name: &m::ChallengeNameType) -> Result<Challenge, ApiError> {
    use m::ChallengeNameType as C;
    match name {
        C::SmsMfa => Ok(Challenge::SmsMfa),
        C::EmailOtp => Ok(Challenge::EmailOtp),
        C::SoftwareTokenMfa => Ok(Challenge::SoftwareTokenMfa),
        C::SelectMfaType => Ok(Challenge::SelectMfaType),
        C::MfaSetup => Ok(Challenge::MfaSetup),
        C::PasswordVerifier => Ok(Challenge::PasswordVerifier),
        C::CustomChallenge => Ok(Challenge::CustomChallenge),
        C::SelectChallenge => Ok(Challenge::SelectChallenge),
        C::DeviceSrpAuth => Ok(Challenge::DeviceSrpAuth),
        C::DevicePasswordVerifier => Ok(Challenge::DevicePasswordVerifier),
        C::NewPasswordRequired => Ok(Challenge::NewPasswordRequired),
        C::SmsOtp => Ok(Challenge::SmsOtp),
        C::Password => Ok(Challenge::Password),
        C::WebAuthn => Ok(Challenge::WebAuthn),
        C::PasswordSrp => Ok(Challenge::PasswordSrp),
        // A name the model lists among challenges although no sign-in asks it.
        C::AdminNoSrpAuth => Err(Error::invalid("ADMIN_NO_SRP_AUTH is an auth flow, not a challenge.").into()),
        C::Unknown(name) => Err(Error::invalid(format!("Invalid ChallengeName {name}.")).into()),
    }
}

/// A challenge as the wire names it.
fn challenge_out(challenge: Challenge) -> m::ChallengeNameType {
    match challenge {
        Challenge::SmsMfa => m::ChallengeNameType::SmsMfa,
        Challenge::EmailOtp => m::ChallengeNameType::EmailOtp,
        Challenge::SoftwareTokenMfa => m::ChallengeNameType::SoftwareTokenMfa,
        Challenge::SelectMfaType => m::ChallengeNameType::SelectMfaType,
        Challenge::MfaSetup => m::ChallengeNameType::MfaSetup,
        Challenge::PasswordVerifier => m::ChallengeNameType::PasswordVerifier,
        Challenge::CustomChallenge => m::ChallengeNameType::CustomChallenge,
        Challenge::SelectChallenge => m::ChallengeNameType::SelectChallenge,
        Challenge::DeviceSrpAuth => m::ChallengeNameType::DeviceSrpAuth,
        Challenge::DevicePasswordVerifier => m::ChallengeNameType::DevicePasswordVerifier,
        Challenge::NewPasswordRequired => m::ChallengeNameType::NewPasswordRequired,
        Challenge::SmsOtp => m::ChallengeNameType::SmsOtp,
        Challenge::Password => m::ChallengeNameType::Password,
        Challenge::WebAuthn => m::ChallengeNameType::WebAuthn,
        Challenge::PasswordSrp => m::ChallengeNameType::PasswordSrp,
    }
}

fn wire(outcome: AuthOutcome) -> Result<Wire, ApiError> {
    Ok(match outcome {
        AuthOutcome::Tokens(t) => Wire {
            result: Some(crate::wire::authentication_result(&t)),
            name: None,
            parameters: Some(BTreeMap::new()),
            session: None,
            available: None,
        },
        AuthOutcome::Challenge { name, session, parameters } => Wire {
            result: None,
            name: Some(challenge_out(name)),
            parameters: Some(parameters),
            session: session.map(Sensitive::new),
            available: None,
        },
        AuthOutcome::Select { session, available } => Wire {
            result: None,
            name: Some(m::ChallengeNameType::SelectChallenge),
            parameters: Some(BTreeMap::new()),
            session: Some(Sensitive::new(session)),
            available: Some(available.into_iter().map(challenge_out).collect()),
        },
        // Only the hosted pages' clients end a sign-in this way.
        AuthOutcome::SignedIn(_) => {
            return Err(
                cognate_domain::Error::Internal(anyhow::anyhow!("a hosted sign-in answered through the API")).into()
            );
        }
    })
}

pub async fn initiate_auth(ctx: Ctx, req: m::InitiateAuthRequest) -> Result<m::InitiateAuthResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    let params = req.auth_parameters.map(Sensitive::into_inner).unwrap_or_default();
    let outcome = ctx.domain.initiate_auth(&pool, &client, flow(&req.auth_flow)?, &params, false).await?;
    let w = wire(outcome)?;
    Ok(m::InitiateAuthResponse {
        authentication_result: w.result,
        challenge_name: w.name,
        challenge_parameters: w.parameters,
        session: w.session,
        available_challenges: w.available,
    })
}

pub async fn admin_initiate_auth(
    ctx: Ctx,
    req: m::AdminInitiateAuthRequest,
) -> Result<m::AdminInitiateAuthResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let client = ctx.domain.get_client(&pool.id, req.client_id.expose()).await?;
    let params = req.auth_parameters.map(Sensitive::into_inner).unwrap_or_default();
    let outcome = ctx.domain.initiate_auth(&pool, &client, flow(&req.auth_flow)?, &params, true).await?;
    let w = wire(outcome)?;
    Ok(m::AdminInitiateAuthResponse {
        authentication_result: w.result,
        challenge_name: w.name,
        challenge_parameters: w.parameters,
        session: w.session,
        available_challenges: w.available,
    })
}

pub async fn respond_to_auth_challenge(
    ctx: Ctx,
    req: m::RespondToAuthChallengeRequest,
) -> Result<m::RespondToAuthChallengeResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    let responses = req.challenge_responses.map(Sensitive::into_inner).unwrap_or_default();
    let session = req.session.as_ref().map(|s| s.expose().as_str());
    let outcome = ctx
        .domain
        .respond_to_challenge(&pool, &client, challenge_in(&req.challenge_name)?, session, &responses)
        .await?;
    let w = wire(outcome)?;
    Ok(m::RespondToAuthChallengeResponse {
        authentication_result: w.result,
        challenge_name: w.name,
        challenge_parameters: w.parameters,
        session: w.session,
        available_challenges: w.available,
    })
}

pub async fn admin_respond_to_auth_challenge(
    ctx: Ctx,
    req: m::AdminRespondToAuthChallengeRequest,
) -> Result<m::AdminRespondToAuthChallengeResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let client = ctx.domain.get_client(&pool.id, req.client_id.expose()).await?;
    let responses = req.challenge_responses.map(Sensitive::into_inner).unwrap_or_default();
    let session = req.session.as_ref().map(|s| s.expose().as_str());
    let outcome = ctx
        .domain
        .respond_to_challenge(&pool, &client, challenge_in(&req.challenge_name)?, session, &responses)
        .await?;
    let w = wire(outcome)?;
    Ok(m::AdminRespondToAuthChallengeResponse {
        authentication_result: w.result,
        challenge_name: w.name,
        challenge_parameters: w.parameters,
        session: w.session,
        available_challenges: w.available,
    })
}

pub async fn get_tokens_from_refresh_token(
    ctx: Ctx,
    req: m::GetTokensFromRefreshTokenRequest,
) -> Result<m::GetTokensFromRefreshTokenResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    let secret = req.client_secret.as_ref().map(|s| s.expose().as_str());
    let result = ctx.domain.tokens_from_refresh_token(&pool, &client, req.refresh_token.expose(), secret).await?;
    Ok(m::GetTokensFromRefreshTokenResponse {
        authentication_result: Some(crate::wire::authentication_result(&result)),
    })
}

/// RevokeToken declares no NotAuthorizedException: a client that is unknown, proves the wrong
/// secret or revokes another client's token gets UnauthorizedException.
pub async fn revoke_token(ctx: Ctx, req: m::RevokeTokenRequest) -> Result<m::RevokeTokenResponse, ApiError> {
    let unauthorized = |m: String| ApiError::Aws(exception(Exception::UnauthorizedException, m));
    let (pool, client) = match ctx.domain.client_by_id(req.client_id.expose()).await {
        Ok(pc) => pc,
        Err(Error::ResourceNotFound(m)) => return Err(unauthorized(m)),
        Err(e) => return Err(e.into()),
    };
    let secret = req.client_secret.as_ref().map(|s| s.expose().as_str());
    match ctx.domain.revoke_token(&pool, &client, req.token.expose(), secret).await {
        Ok(()) => Ok(m::RevokeTokenResponse {}),
        Err(Error::NotAuthorized(m)) => Err(unauthorized(m)),
        Err(e) => Err(e.into()),
    }
}
