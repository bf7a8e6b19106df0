//! `ResourceServerStore`: a pool's resource servers by identifier, deleted with their pool.

use crate::{Backend, SqlRow, SqlStore, args};
use async_trait::async_trait;
use cognate_store::{ResourceServerRow, ResourceServerStore, Result, StoreError};

/// The `ResourceServerRow` columns, in the order `resource_server_row` reads them.
macro_rules! resource_server_columns {
    () => {
        "pool_id, identifier, name, created_ms, updated_ms, document"
    };
}

fn resource_server_row(r: &impl SqlRow) -> Result<ResourceServerRow> {
    Ok(ResourceServerRow {
        pool_id: r.text(0)?,
        identifier: r.text(1)?,
        name: r.text(2)?,
        created_ms: r.int(3)?,
        updated_ms: r.int(4)?,
        document: r.text(5)?,
    })
}

#[async_trait]
impl<B: Backend> ResourceServerStore for SqlStore<B> {
    async fn create_resource_server(&self, server: &ResourceServerRow) -> Result<()> {
        // A missing pool fails the foreign key, which backends map to NotFound.
        const SQL: &str =
            concat!("INSERT INTO resource_servers (", resource_server_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6)");
        let s = server;
        let args = args![&s.pool_id, &s.identifier, &s.name, s.created_ms, s.updated_ms, &s.document];
        self.backend.execute(SQL, &args).await.map(drop)
    }

    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> Result<ResourceServerRow> {
        const SQL: &str = concat!(
            "SELECT ",
            resource_server_columns!(),
            " FROM resource_servers WHERE pool_id = $1 AND identifier = $2"
        );
        self.one(SQL, &args![pool_id, identifier], resource_server_row).await?.ok_or(StoreError::NotFound)
    }

    async fn update_resource_server(&self, server: &ResourceServerRow) -> Result<()> {
        const SQL: &str = "UPDATE resource_servers SET name = $1, updated_ms = $2, document = $3 \
             WHERE pool_id = $4 AND identifier = $5";
        let s = server;
        self.change(SQL, &args![&s.name, s.updated_ms, &s.document, &s.pool_id, &s.identifier]).await
    }

    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> Result<()> {
        const SQL: &str = "DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2";
        self.change(SQL, &args![pool_id, identifier]).await
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ResourceServerRow>> {
        match after {
            Some(after) => {
                const SQL: &str = concat!(
                    "SELECT ",
                    resource_server_columns!(),
                    " FROM resource_servers WHERE pool_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3"
                );
                self.all(SQL, &args![pool_id, after, limit], resource_server_row).await
            }
            None => {
                const SQL: &str = concat!(
                    "SELECT ",
                    resource_server_columns!(),
                    " FROM resource_servers WHERE pool_id = $1 ORDER BY identifier LIMIT $2"
                );
                self.all(SQL, &args![pool_id, limit], resource_server_row).await
            }
        }
    }
}
