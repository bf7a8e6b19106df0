//! Resource servers: a pool's OAuth APIs, each an identifier with custom scopes that app clients
//! may be allowed (`<identifier>/<scope>`) and the client_credentials grant issues.

use cognate_model::Timestamp;
use cognate_store::{ResourceServerRow, StoreError};
use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, Result, not_found_as};
use crate::pools::{Page, UserPool};

/// How many resource servers a pool may have (Cognito's quota).
pub const MAX_RESOURCE_SERVERS: usize = 25;

/// One custom scope of a resource server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub name: String,
    pub description: String,
}

/// A resource server as the rules see it.
#[derive(Clone, Debug)]
pub struct ResourceServer {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct Document {
    scopes: Vec<Scope>,
}

impl ResourceServer {
    fn from_row(row: ResourceServerRow) -> Result<ResourceServer> {
        let doc: Document = serde_json::from_str(&row.document)
            .map_err(|e| Error::Internal(anyhow::anyhow!("resource server document unreadable: {e}")))?;
        Ok(ResourceServer {
            pool_id: row.pool_id,
            identifier: row.identifier,
            name: row.name,
            scopes: doc.scopes,
            created: Timestamp::from_millis(row.created_ms),
            modified: Timestamp::from_millis(row.updated_ms),
        })
    }

    fn to_row(&self) -> Result<ResourceServerRow> {
        let document = serde_json::to_string(&Document { scopes: self.scopes.clone() })
            .map_err(|e| Error::Internal(anyhow::anyhow!("serialising a resource server: {e}")))?;
        Ok(ResourceServerRow {
            pool_id: self.pool_id.clone(),
            identifier: self.identifier.clone(),
            name: self.name.clone(),
            created_ms: self.created.millis(),
            updated_ms: self.modified.millis(),
            document,
        })
    }

    /// The scopes as clients name them: `<identifier>/<scope>`.
    pub fn full_scopes(&self) -> impl Iterator<Item = String> + '_ {
        self.scopes.iter().map(|s| format!("{}/{}", self.identifier, s.name))
    }
}

fn not_found(identifier: &str) -> Error {
    Error::ResourceNotFound(format!("Resource server {identifier} does not exist."))
}

/// Scope names are unique within their server.
fn check_scopes(scopes: &[Scope]) -> Result<()> {
    let mut names: Vec<&str> = scopes.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::invalid(format!("Duplicate scope name {} in the resource server.", pair[0])));
    }
    Ok(())
}

impl Domain {
    pub async fn create_resource_server(
        &self,
        pool: &UserPool,
        identifier: &str,
        name: &str,
        scopes: Vec<Scope>,
    ) -> Result<ResourceServer> {
        check_scopes(&scopes)?;
        let existing = self.store.list_resource_servers(&pool.id, None, MAX_RESOURCE_SERVERS as u32 + 1).await?;
        if existing.iter().any(|r| r.identifier == identifier) {
            return Err(Error::invalid(format!("{identifier} already exists in user pool {}.", pool.id)));
        }
        if existing.len() >= MAX_RESOURCE_SERVERS {
            return Err(Error::LimitExceeded(format!(
                "A user pool can have at most {MAX_RESOURCE_SERVERS} resource servers."
            )));
        }
        let now = self.clock.now();
        let server = ResourceServer {
            pool_id: pool.id.clone(),
            identifier: identifier.to_string(),
            name: name.to_string(),
            scopes,
            created: now,
            modified: now,
        };
        match self.store.create_resource_server(&server.to_row()?).await {
            Ok(()) => Ok(server),
            // Another request created it meanwhile.
            Err(StoreError::Conflict(_)) => {
                Err(Error::invalid(format!("{identifier} already exists in user pool {}.", pool.id)))
            }
            Err(e) => Err(not_found_as(e, || format!("User pool {} does not exist.", pool.id))),
        }
    }

    pub async fn get_resource_server(&self, pool: &UserPool, identifier: &str) -> Result<ResourceServer> {
        let row = self
            .store
            .get_resource_server(&pool.id, identifier)
            .await
            .map_err(|e| not_found_as(e, || format!("Resource server {identifier} does not exist.")))?;
        ResourceServer::from_row(row)
    }

    /// UpdateResourceServer: the name and scopes given replace the stored ones (scopes left out
    /// are removed, as in Cognito).
    pub async fn update_resource_server(
        &self,
        pool: &UserPool,
        identifier: &str,
        name: &str,
        scopes: Vec<Scope>,
    ) -> Result<ResourceServer> {
        check_scopes(&scopes)?;
        let mut server = self.get_resource_server(pool, identifier).await?;
        server.name = name.to_string();
        server.scopes = scopes;
        server.modified = self.clock.now();
        self.store.update_resource_server(&server.to_row()?).await.map_err(|e| match e {
            StoreError::NotFound => not_found(identifier),
            other => other.into(),
        })?;
        Ok(server)
    }

    pub async fn delete_resource_server(&self, pool: &UserPool, identifier: &str) -> Result<()> {
        self.store.delete_resource_server(&pool.id, identifier).await.map_err(|e| match e {
            StoreError::NotFound => not_found(identifier),
            other => other.into(),
        })
    }

    pub async fn list_resource_servers(
        &self,
        pool: &UserPool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<ResourceServer>> {
        let limit = limit.clamp(1, 50);
        let rows = self.store.list_resource_servers(&pool.id, after, limit + 1).await?;
        Page::from_rows(rows, limit, ResourceServer::from_row, |r| r.identifier.clone())
    }

    /// Every custom scope of the pool, as clients name them.
    pub(crate) async fn custom_scopes(&self, pool: &UserPool) -> Result<Vec<String>> {
        let rows = self.store.list_resource_servers(&pool.id, None, MAX_RESOURCE_SERVERS as u32 + 1).await?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(ResourceServer::from_row(row)?.full_scopes());
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scope(name: &str) -> Scope {
        Scope { name: name.into(), description: format!("{name} things") }
    }

    #[test]
    fn scope_names_are_unique_within_a_server() {
        assert!(check_scopes(&[scope("read"), scope("write")]).is_ok());
        assert!(check_scopes(&[]).is_ok());
        assert!(check_scopes(&[scope("read"), scope("write"), scope("read")]).is_err());
    }

    #[test]
    fn full_scopes_are_prefixed_with_the_identifier() {
        let t = Timestamp::from_millis(0);
        let server = ResourceServer {
            pool_id: "p".into(),
            identifier: "https://api.example.com".into(),
            name: "api".into(),
            scopes: vec![scope("read"), scope("write")],
            created: t,
            modified: t,
        };
        let all: Vec<String> = server.full_scopes().collect();
        assert_eq!(all, ["https://api.example.com/read", "https://api.example.com/write"]);
        let row = server.to_row().unwrap();
        assert_eq!(ResourceServer::from_row(row).unwrap().scopes, server.scopes);
    }
}
