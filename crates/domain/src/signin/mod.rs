//! Sign-in as typed states: InitiateAuth / AdminInitiateAuth start a [`Flow`]; each step answers
//! with tokens or a [`Challenge`] and a sealed session naming what it awaits; RespondToAuthChallenge
//! answers one challenge. One exhaustive `match` dispatches flows (`initiate`) and one dispatches
//! challenges (`respond`); every sign-in that succeeds goes through `finish` to its tokens.
//!
//! - `password`: USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, the PASSWORD challenge, and what
//!   follows a proven password (status checks, device, MFA).
//! - `srp`: SRP for users (USER_SRP_AUTH, PASSWORD_SRP) and remembered devices (DEVICE_SRP_AUTH)
//!   as one exchange: PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER.
//! - `choice`: choice-based sign-in (USER_AUTH, SELECT_CHALLENGE) and first factors.
//! - `new_password`: NEW_PASSWORD_REQUIRED.
//! - `mfa`: the MFA step (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_OTP, SELECT_MFA_TYPE,
//!   MFA_SETUP) and the MFA_SETUP session of AssociateSoftwareToken / VerifySoftwareToken.
//! - `refresh`: REFRESH_TOKEN_AUTH.
//! - `decoys`: the same steps for an unknown user when the client hides user existence.
//! - `session`: the sealed challenge state.
//! - `finish`: the one path to tokens — where PreAuthentication, PostAuthentication and
//!   PreTokenGeneration triggers hook, and which the OAuth token endpoint calls with the scopes
//!   it granted.
//!
//! CUSTOM_AUTH (CUSTOM_CHALLENGE) is not built yet and says so.

use std::collections::BTreeMap;

use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::mfa::MfaFactor;
use crate::pools::UserPool;

mod choice;
mod decoys;
mod finish;
mod mfa;
mod new_password;
mod password;
mod refresh;
mod session;
mod srp;

pub use finish::{ADMIN_SCOPE, AuthResult, Scopes};
pub(crate) use finish::{Issue, readable_attributes};
pub(crate) use session::Awaiting;

pub use crate::clients::Via;

/// A user whose sign-in through the hosted pages succeeded.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The user's key in the pool.
    pub user_key: String,
    pub username: String,
    pub sub: String,
    /// When the user proved who they are (epoch seconds): the tokens' `auth_time`.
    pub auth_time: i64,
}

/// An auth flow, as InitiateAuth and AdminInitiateAuth name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// USER_PASSWORD_AUTH (InitiateAuth).
    UserPassword,
    /// ADMIN_USER_PASSWORD_AUTH, or its legacy name ADMIN_NO_SRP_AUTH (AdminInitiateAuth).
    AdminUserPassword,
    /// REFRESH_TOKEN_AUTH or REFRESH_TOKEN.
    RefreshToken,
    /// USER_SRP_AUTH.
    UserSrp,
    /// USER_AUTH: choice-based sign-in.
    UserAuth,
    /// CUSTOM_AUTH.
    CustomAuth,
}

impl Flow {
    /// The flow's name in Cognito's messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::UserPassword => "USER_PASSWORD_AUTH",
            Flow::AdminUserPassword => "ADMIN_USER_PASSWORD_AUTH",
            Flow::RefreshToken => "REFRESH_TOKEN_AUTH",
            Flow::UserSrp => "USER_SRP_AUTH",
            Flow::UserAuth => "USER_AUTH",
            Flow::CustomAuth => "CUSTOM_AUTH",
        }
    }
}

/// A challenge of a sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Challenge {
    SmsMfa,
    EmailOtp,
    SoftwareTokenMfa,
    SelectMfaType,
    MfaSetup,
    PasswordVerifier,
    CustomChallenge,
    SelectChallenge,
    DeviceSrpAuth,
    DevicePasswordVerifier,
    NewPasswordRequired,
    SmsOtp,
    Password,
    WebAuthn,
    PasswordSrp,
}

impl Challenge {
    /// The challenge's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Challenge::SmsMfa => "SMS_MFA",
            Challenge::EmailOtp => "EMAIL_OTP",
            Challenge::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Challenge::SelectMfaType => "SELECT_MFA_TYPE",
            Challenge::MfaSetup => "MFA_SETUP",
            Challenge::PasswordVerifier => "PASSWORD_VERIFIER",
            Challenge::CustomChallenge => "CUSTOM_CHALLENGE",
            Challenge::SelectChallenge => "SELECT_CHALLENGE",
            Challenge::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Challenge::DevicePasswordVerifier => "DEVICE_PASSWORD_VERIFIER",
            Challenge::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Challenge::SmsOtp => "SMS_OTP",
            Challenge::Password => "PASSWORD",
            Challenge::WebAuthn => "WEB_AUTHN",
            Challenge::PasswordSrp => "PASSWORD_SRP",
        }
    }

    /// The challenge of a wire name (every name `as_str` gives).
    pub fn parse(name: &str) -> Option<Challenge> {
        ALL_CHALLENGES.iter().copied().find(|c| c.as_str() == name)
    }
}

impl Challenge {
    /// The first factor of choice-based sign-in a challenge name stands for, if any.
    pub(crate) fn first_factor(self) -> Option<FirstFactor> {
        match self {
            Challenge::Password => Some(FirstFactor::Password),
            Challenge::PasswordSrp => Some(FirstFactor::PasswordSrp),
            Challenge::WebAuthn => Some(FirstFactor::WebAuthn),
            Challenge::EmailOtp => Some(FirstFactor::EmailOtp),
            Challenge::SmsOtp => Some(FirstFactor::SmsOtp),
            Challenge::SmsMfa
            | Challenge::SoftwareTokenMfa
            | Challenge::SelectMfaType
            | Challenge::MfaSetup
            | Challenge::PasswordVerifier
            | Challenge::CustomChallenge
            | Challenge::SelectChallenge
            | Challenge::DeviceSrpAuth
            | Challenge::DevicePasswordVerifier
            | Challenge::NewPasswordRequired => None,
        }
    }

    /// For a challenge answered with a code: the response member that carries it and the factor
    /// that checks it.
    pub(crate) fn code(self) -> Option<(&'static str, MfaFactor)> {
        match self {
            Challenge::SoftwareTokenMfa => Some(("SOFTWARE_TOKEN_MFA_CODE", MfaFactor::SoftwareToken)),
            Challenge::SmsMfa => Some(("SMS_MFA_CODE", MfaFactor::Sms)),
            Challenge::SmsOtp => Some(("SMS_OTP_CODE", MfaFactor::Sms)),
            Challenge::EmailOtp => Some(("EMAIL_OTP_CODE", MfaFactor::Email)),
            Challenge::SelectMfaType
            | Challenge::MfaSetup
            | Challenge::PasswordVerifier
            | Challenge::CustomChallenge
            | Challenge::SelectChallenge
            | Challenge::DeviceSrpAuth
            | Challenge::DevicePasswordVerifier
            | Challenge::NewPasswordRequired
            | Challenge::Password
            | Challenge::WebAuthn
            | Challenge::PasswordSrp => None,
        }
    }
}

/// A first factor of choice-based sign-in (USER_AUTH).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FirstFactor {
    Password,
    PasswordSrp,
    EmailOtp,
    SmsOtp,
    WebAuthn,
}

impl FirstFactor {
    pub(crate) fn challenge(self) -> Challenge {
        match self {
            FirstFactor::Password => Challenge::Password,
            FirstFactor::PasswordSrp => Challenge::PasswordSrp,
            FirstFactor::EmailOtp => Challenge::EmailOtp,
            FirstFactor::SmsOtp => Challenge::SmsOtp,
            FirstFactor::WebAuthn => Challenge::WebAuthn,
        }
    }
}

fn not_a_first_factor(challenge: Challenge) -> Error {
    Error::invalid(format!("{} is not a first factor Cognate supports yet.", challenge.as_str()))
}

const ALL_CHALLENGES: [Challenge; 15] = [
    Challenge::SmsMfa,
    Challenge::EmailOtp,
    Challenge::SoftwareTokenMfa,
    Challenge::SelectMfaType,
    Challenge::MfaSetup,
    Challenge::PasswordVerifier,
    Challenge::CustomChallenge,
    Challenge::SelectChallenge,
    Challenge::DeviceSrpAuth,
    Challenge::DevicePasswordVerifier,
    Challenge::NewPasswordRequired,
    Challenge::SmsOtp,
    Challenge::Password,
    Challenge::WebAuthn,
    Challenge::PasswordSrp,
];

/// What a sign-in step returns.
#[derive(Clone, Debug)]
pub enum AuthOutcome {
    Tokens(AuthResult),
    Challenge {
        name: Challenge,
        session: Option<String>,
        parameters: BTreeMap<String, String>,
    },
    /// Choice-based sign-in's SELECT_CHALLENGE: the challenges the user may pick from.
    Select {
        session: String,
        available: Vec<Challenge>,
    },
    /// A sign-in through the hosted pages succeeded (only for `Via::HostedUi` clients).
    SignedIn(SignedIn),
}

/// The parameters of a step (AuthParameters or ChallengeResponses). Empty values count as absent.
pub(crate) struct Params<'a>(pub(crate) &'a BTreeMap<String, String>);

impl<'a> Params<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub(crate) fn required(&self, name: &str) -> Result<&'a str> {
        self.get(name).ok_or_else(|| Error::invalid(format!("Missing required parameter {name}")))
    }
}

/// A wrong password or proof, and an unknown user where users are hidden: the same words.
pub(crate) fn incorrect() -> Error {
    Error::NotAuthorized("Incorrect username or password.".into())
}

pub(crate) fn attempts_exceeded() -> Error {
    Error::NotAuthorized("Password attempts exceeded".into())
}

fn not_built(what: &str) -> Error {
    Error::invalid(format!("Cognate does not support {what} yet; see docs/COVERAGE.md."))
}

impl Domain {
    /// InitiateAuth (`is_admin` false) and AdminInitiateAuth (true).
    pub async fn initiate_auth(
        &self,
        pool: &UserPool,
        client: &Client,
        flow: Flow,
        params: &BTreeMap<String, String>,
        is_admin: bool,
    ) -> Result<AuthOutcome> {
        let params = Params(params);
        match flow {
            Flow::UserPassword | Flow::AdminUserPassword => {
                self.password_flow(pool, client, flow, &params, is_admin).await
            }
            Flow::RefreshToken => self.refresh_flow(pool, client, &params).await,
            Flow::UserSrp => self.start_srp(pool, client, &params, false).await,
            Flow::UserAuth => self.start_user_auth(pool, client, &params).await,
            Flow::CustomAuth => Err(not_built("the CUSTOM_AUTH flow")),
        }
    }

    /// The hosted sign-in page: a username and password, whatever the client's ExplicitAuthFlows
    /// (they govern the API), then the same steps as any password sign-in — lockout, hidden
    /// users, status, MFA, a new password — ending in `AuthOutcome::SignedIn`.
    pub async fn hosted_password_sign_in(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        password: &str,
    ) -> Result<AuthOutcome> {
        if client.via != Via::HostedUi {
            return Err(Error::Internal(anyhow::anyhow!("hosted sign-in with an API client")));
        }
        self.password_first_factor(pool, client, username, password).await
    }

    /// The hosted sign-in page's other first factors: a passkey (WEB_AUTHN) or a one-time code
    /// by email or SMS (EMAIL_OTP, SMS_OTP), as choice-based sign-in offers them. An unknown name
    /// is treated as the API treats it: a decoy code when the client hides users; for passkeys, a
    /// name without one (unknown, or a user who has none) gets the same refusal.
    pub async fn hosted_first_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        factor: Challenge,
    ) -> Result<AuthOutcome> {
        if client.via != Via::HostedUi {
            return Err(Error::Internal(anyhow::anyhow!("hosted sign-in with an API client")));
        }
        if !matches!(factor, Challenge::WebAuthn | Challenge::EmailOtp | Challenge::SmsOtp)
            || !Self::allowed_first_factors(pool).iter().any(|f| f == factor.as_str())
        {
            return Err(Error::invalid(format!("The user pool does not offer {} sign-in.", factor.as_str())));
        }
        let unusable = || {
            if factor == Challenge::WebAuthn {
                Error::invalid("There is no passkey for this account; sign in with your password.")
            } else {
                Error::invalid("This account cannot receive a sign-in code; sign in with your password.")
            }
        };
        let params = BTreeMap::new();
        let user = self.find_user(pool, username).await?;
        if let Some(user) = user.as_ref().filter(|u| Self::first_factors(pool, u).contains(&factor)) {
            return self.begin_first_factor(pool, client, user, factor, &Params(&params)).await;
        }
        let hides_users = client.prevents_user_existence_errors();
        if factor != Challenge::WebAuthn && hides_users {
            // Hidden users: a decoy code, for an unknown name and a user without the channel alike.
            return self.decoy_first_factor(pool, client, username, factor, &Params(&params)).await;
        }
        if user.is_none() && !hides_users {
            return Err(Error::UserNotFound("User does not exist.".into()));
        }
        Err(unusable())
    }

    /// The first factors besides the password that the pool offers (for the hosted sign-in page).
    pub fn other_first_factors(pool: &UserPool) -> Vec<Challenge> {
        let allowed = Self::allowed_first_factors(pool);
        [Challenge::WebAuthn, Challenge::EmailOtp, Challenge::SmsOtp]
            .into_iter()
            .filter(|c| allowed.iter().any(|a| a == c.as_str()))
            .collect()
    }

    /// RespondToAuthChallenge and AdminRespondToAuthChallenge.
    pub async fn respond_to_challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        challenge: Challenge,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let responses = Params(responses);
        // The SRP proofs carry their state in the SECRET_BLOCK, not in a session.
        if let Challenge::PasswordVerifier | Challenge::DevicePasswordVerifier = challenge {
            return self.finish_srp(pool, client, &responses).await;
        }
        // MFA_SETUP is answered with the session VerifySoftwareToken handed back.
        let awaiting =
            if challenge == Challenge::MfaSetup { Awaiting::MfaSetupVerified } else { Awaiting::Challenge(challenge) };
        let step = self.open_step(pool, client, session, awaiting, challenge, &responses).await?;
        let (s, mut user) = match step {
            session::Step::Decoy(s, name) => {
                return self.respond_as_decoy(pool, client, &s, &name, challenge, &responses).await;
            }
            session::Step::User(s, user) => (s, *user),
        };
        match challenge {
            Challenge::NewPasswordRequired => self.answer_new_password(pool, client, &s, user, &responses).await,
            Challenge::SoftwareTokenMfa | Challenge::SmsMfa | Challenge::EmailOtp | Challenge::SmsOtp => {
                self.answer_code(pool, client, &s, &mut user, challenge, &responses).await
            }
            Challenge::SelectChallenge => self.answer_select_challenge(pool, client, &s, &user, &responses).await,
            Challenge::Password => self.answer_password(pool, client, &s, user, &responses).await,
            Challenge::SelectMfaType => self.answer_select_mfa_type(pool, client, &s, &user, &responses).await,
            Challenge::DeviceSrpAuth => self.start_device_srp(pool, client, &s, &user, &responses).await,
            Challenge::MfaSetup => self.answer_mfa_setup(pool, client, &s, &user).await,
            Challenge::PasswordVerifier | Challenge::DevicePasswordVerifier => {
                self.finish_srp(pool, client, &responses).await
            }
            Challenge::PasswordSrp => Err(Error::invalid("PASSWORD_SRP is answered with PASSWORD_VERIFIER.")),
            Challenge::CustomChallenge => Err(not_built("the CUSTOM_CHALLENGE challenge")),
            Challenge::WebAuthn => self.answer_web_authn(pool, client, &s, user, &responses).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_names_round_trip() {
        for c in ALL_CHALLENGES {
            assert_eq!(Challenge::parse(c.as_str()), Some(c));
        }
        assert_eq!(Challenge::parse("ADMIN_NO_SRP_AUTH"), None);
        assert_eq!(Challenge::parse("sms_mfa"), None);
    }
}
