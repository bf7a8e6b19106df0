//! REFRESH_TOKEN_AUTH (and REFRESH_TOKEN): new ID and access tokens for the sign-in a refresh
//! token belongs to. GetTokensFromRefreshToken, with rotation, is in `auth`.

use super::finish::Issue;
use super::{AuthOutcome, Params};
use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::pools::UserPool;

impl Domain {
    pub(super) async fn refresh_flow(
        &self,
        pool: &UserPool,
        client: &Client,
        params: &Params<'_>,
    ) -> Result<AuthOutcome> {
        if !client.allows("ALLOW_REFRESH_TOKEN_AUTH", None) {
            return Err(Error::invalid("REFRESH_TOKEN_AUTH flow not enabled for this client"));
        }
        let token = params.required("REFRESH_TOKEN")?;
        let (row, user) = self.refresh_token_owner(pool, client, token).await?;
        if client.secret.is_some() {
            let name = params.get("USERNAME").unwrap_or(&user.username);
            let given = params.get("SECRET_HASH");
            client.check_secret_hash(name, given).or_else(|e| {
                // Clients compute the hash over the name they signed in with; accept the sub too.
                client.check_secret_hash(&user.sub, given).map_err(|_| e)
            })?;
        }
        let granted: Vec<String> = row.scope.iter().flat_map(|s| s.split(' ')).map(str::to_string).collect();
        Ok(AuthOutcome::Tokens(self.issue(pool, client, &user, Issue::refresh(&row, &granted)).await?))
    }
}
