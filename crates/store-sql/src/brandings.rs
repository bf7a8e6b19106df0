//! `BrandingStore`: a pool's hosted-UI brandings by ID, at most one per kind and client, deleted
//! with their pool.

use crate::{Backend, SqlRow, SqlStore, args};
use async_trait::async_trait;
use cognate_store::{BrandingRow, BrandingStore, Result};

/// The `BrandingRow` columns, in the order `branding_row` reads them.
macro_rules! branding_columns {
    () => {
        "pool_id, id, kind, client_id, created_ms, updated_ms, document"
    };
}

fn branding_row(r: &impl SqlRow) -> Result<BrandingRow> {
    Ok(BrandingRow {
        pool_id: r.text(0)?,
        id: r.text(1)?,
        kind: r.text(2)?,
        client_id: r.text(3)?,
        created_ms: r.int(4)?,
        updated_ms: r.int(5)?,
        document: r.text(6)?,
    })
}

#[async_trait]
impl<B: Backend> BrandingStore for SqlStore<B> {
    async fn create_branding(&self, branding: &BrandingRow) -> Result<()> {
        // A missing pool fails the foreign key (NotFound); a taken ID or client a unique index.
        const SQL: &str =
            concat!("INSERT INTO brandings (", branding_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)");
        let b = branding;
        let args = args![&b.pool_id, &b.id, &b.kind, &b.client_id, b.created_ms, b.updated_ms, &b.document];
        self.backend.execute(SQL, &args).await.map(drop)
    }

    async fn find_branding(&self, pool_id: &str, id: &str) -> Result<Option<BrandingRow>> {
        const SQL: &str = concat!("SELECT ", branding_columns!(), " FROM brandings WHERE pool_id = $1 AND id = $2");
        self.one(SQL, &args![pool_id, id], branding_row).await
    }

    async fn find_branding_for_client(
        &self,
        pool_id: &str,
        kind: &str,
        client_id: &str,
    ) -> Result<Option<BrandingRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            branding_columns!(),
            " FROM brandings WHERE pool_id = $1 AND kind = $2 AND client_id = $3"
        );
        self.one(SQL, &args![pool_id, kind, client_id], branding_row).await
    }

    async fn update_branding(&self, branding: &BrandingRow) -> Result<()> {
        const SQL: &str = "UPDATE brandings SET updated_ms = $1, document = $2 WHERE pool_id = $3 AND id = $4";
        let b = branding;
        self.change(SQL, &args![b.updated_ms, &b.document, &b.pool_id, &b.id]).await
    }

    async fn delete_branding(&self, pool_id: &str, id: &str) -> Result<()> {
        self.change("DELETE FROM brandings WHERE pool_id = $1 AND id = $2", &args![pool_id, id]).await
    }
}
