//! The sealed state of an open challenge, handed to the client as `Session` and never kept in
//! memory: which pool, client and user (or, for an unknown user's decoy, which name) it belongs
//! to, what it awaits, until when, and a nonce that names it in the store when it is used — every
//! session answers once.

use serde::{Deserialize, Serialize};

use super::{Challenge, Params};
use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::pools::UserPool;
use crate::tokens::new_id;
use crate::users::User;

/// What a session waits for: a challenge's answer, or a step of MFA_SETUP's software-token
/// association (AssociateSoftwareToken, then VerifySoftwareToken, then the MFA_SETUP answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Awaiting {
    Challenge(Challenge),
    /// AssociateSoftwareToken handed out a secret; VerifySoftwareToken comes next.
    MfaSetupAssociated,
    /// VerifySoftwareToken bound the secret; the MFA_SETUP answer comes next.
    MfaSetupVerified,
}

impl Awaiting {
    fn as_str(self) -> &'static str {
        match self {
            Awaiting::Challenge(c) => c.as_str(),
            Awaiting::MfaSetupAssociated => "MFA_SETUP#associated",
            Awaiting::MfaSetupVerified => "MFA_SETUP#verified",
        }
    }

    fn parse(text: &str) -> Option<Awaiting> {
        [Awaiting::MfaSetupAssociated, Awaiting::MfaSetupVerified]
            .into_iter()
            .find(|a| a.as_str() == text)
            .or_else(|| Challenge::parse(text).map(Awaiting::Challenge))
    }
}

impl Serialize for Awaiting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Awaiting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Awaiting, D::Error> {
        let text = String::deserialize(d)?;
        Awaiting::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown session state {text}")))
    }
}

/// Whose sign-in a session continues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Subject {
    User {
        key: String,
    },
    /// An unknown user's decoy (see `decoys`): the name it began with.
    Decoy {
        name: String,
    },
}

/// The sealed state of an open challenge.
#[derive(Serialize, Deserialize)]
pub(crate) struct ChallengeSession {
    pool_id: String,
    client_id: String,
    subject: Subject,
    awaiting: Awaiting,
    pub(crate) expires_ms: i64,
    nonce: String,
    /// Who drives the sign-in (an API session is refused by the hosted pages and vice versa).
    #[serde(default)]
    via: super::Via,
    /// WEB_AUTHN: webauthn-rs's authentication state (the challenge it awaits), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passkey_state: Option<String>,
}

impl ChallengeSession {
    pub(crate) fn passkey_state(&self) -> Option<&str> {
        self.passkey_state.as_deref()
    }
}

/// An opened session with the user it continues, or a decoy's name.
pub(super) enum Step {
    User(ChallengeSession, Box<User>),
    Decoy(ChallengeSession, String),
}

pub(crate) fn expired_session() -> Error {
    Error::NotAuthorized("Invalid session for the user, session is expired.".into())
}

impl Domain {
    /// A session continuing `user`'s sign-in, awaiting `awaiting`.
    pub(crate) fn seal_challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        awaiting: Awaiting,
    ) -> Result<String> {
        self.seal_session(pool, client, Subject::User { key: user.key.clone() }, awaiting, None)
    }

    /// A session continuing `user`'s sign-in with a passkey challenge's state sealed in.
    pub(crate) fn seal_challenge_with_state(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        awaiting: Awaiting,
        passkey_state: String,
    ) -> Result<String> {
        self.seal_session(pool, client, Subject::User { key: user.key.clone() }, awaiting, Some(passkey_state))
    }

    /// A session for an unknown user's decoy challenge, alike to a real one.
    pub(crate) fn seal_decoy(
        &self,
        pool: &UserPool,
        client: &Client,
        name: &str,
        challenge: Challenge,
    ) -> Result<String> {
        self.seal_session(pool, client, Subject::Decoy { name: name.to_string() }, Awaiting::Challenge(challenge), None)
    }

    fn seal_session(
        &self,
        pool: &UserPool,
        client: &Client,
        subject: Subject,
        awaiting: Awaiting,
        passkey_state: Option<String>,
    ) -> Result<String> {
        let minutes = i64::from(client.settings.auth_session_validity.unwrap_or(3));
        let s = ChallengeSession {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            subject,
            awaiting,
            expires_ms: self.clock.now_ms() + minutes * 60_000,
            nonce: new_id(),
            via: client.via,
            passkey_state,
        };
        self.sessions.seal(&s).ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing a session")))
    }

    /// Opens the session of a challenge answer: it must belong to this pool and client, be
    /// unexpired, await `awaiting`, and the answer's SECRET_HASH must match the client.
    pub(super) async fn open_step(
        &self,
        pool: &UserPool,
        client: &Client,
        session: Option<&str>,
        awaiting: Awaiting,
        challenge: Challenge,
        responses: &Params<'_>,
    ) -> Result<Step> {
        let s: ChallengeSession = session.and_then(|t| self.sessions.open(t)).ok_or_else(expired_session)?;
        if s.pool_id != pool.id
            || s.client_id != client.client_id
            || s.via != client.via
            || s.expires_ms <= self.clock.now_ms()
        {
            return Err(expired_session());
        }
        if s.awaiting != awaiting {
            return Err(Error::invalid(format!("The session is not for the {} challenge.", challenge.as_str())));
        }
        match &s.subject {
            Subject::Decoy { name } => {
                let name = name.clone();
                client.check_secret_hash(responses.get("USERNAME").unwrap_or(&name), responses.get("SECRET_HASH"))?;
                Ok(Step::Decoy(s, name))
            }
            Subject::User { key } => {
                let user = self.user_by_key(pool, key).await.map_err(|_| expired_session())?;
                client.check_secret_hash(
                    responses.get("USERNAME").unwrap_or(&user.username),
                    responses.get("SECRET_HASH"),
                )?;
                Ok(Step::User(s, Box::new(user)))
            }
        }
    }

    /// Opens a session that must await `awaiting` (the MFA_SETUP steps, which carry only the
    /// session): its pool, client, user and sealed state.
    pub(crate) async fn open_session(
        &self,
        session: &str,
        awaiting: Awaiting,
    ) -> Result<(UserPool, Client, User, ChallengeSession)> {
        let s: ChallengeSession = self.sessions.open(session).ok_or_else(expired_session)?;
        let Subject::User { key } = &s.subject else { return Err(expired_session()) };
        if s.expires_ms <= self.clock.now_ms() || s.awaiting != awaiting {
            return Err(expired_session());
        }
        let pool = self.get_user_pool(&s.pool_id).await.map_err(|_| expired_session())?;
        let mut client = self.get_client(&s.pool_id, &s.client_id).await.map_err(|_| expired_session())?;
        client.via = s.via;
        let user = self.user_by_key(&pool, key).await.map_err(|_| expired_session())?;
        Ok((pool, client, user, s))
    }

    /// Marks a session used, on every node: it answers exactly once. Called when an answer
    /// succeeds, before anything it unlocks happens (a wrong answer leaves it open, bounded by
    /// the limit on guesses).
    pub(crate) async fn claim_session(&self, s: &ChallengeSession) -> Result<()> {
        let key = format!("session:{}", s.nonce);
        if self.store.claim_once(&key, s.expires_ms, self.clock.now_ms()).await? {
            Ok(())
        } else {
            Err(Error::NotAuthorized("Invalid session for the user, session can only be used once.".into()))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn session_states_round_trip_and_unknown_ones_are_refused() {
        let states = [
            Awaiting::Challenge(Challenge::NewPasswordRequired),
            Awaiting::Challenge(Challenge::MfaSetup),
            Awaiting::MfaSetupAssociated,
            Awaiting::MfaSetupVerified,
        ];
        for state in states {
            let text = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<Awaiting>(&text).unwrap(), state, "{text}");
        }
        assert!(serde_json::from_str::<Awaiting>("\"MFA_SETUP#other\"").is_err());
        let subject = serde_json::to_string(&Subject::Decoy { name: "x".into() }).unwrap();
        assert_eq!(subject, r#"{"kind":"decoy","name":"x"}"#);
    }
}
