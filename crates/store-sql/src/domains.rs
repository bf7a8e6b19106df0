//! `DomainStore`: the domains of pools, unique across pools (the primary key) and one per kind per
//! pool (a unique index), deleted with their pool.

use crate::{Backend, SqlRow, SqlStore, args};
use async_trait::async_trait;
use cognate_store::{DomainRow, DomainStore, Result};

/// The `DomainRow` columns, in the order `domain_row` reads them.
macro_rules! domain_columns {
    () => {
        "domain, pool_id, kind, created_ms, updated_ms, document"
    };
}

fn domain_row(r: &impl SqlRow) -> Result<DomainRow> {
    Ok(DomainRow {
        domain: r.text(0)?,
        pool_id: r.text(1)?,
        kind: r.text(2)?,
        created_ms: r.int(3)?,
        updated_ms: r.int(4)?,
        document: r.text(5)?,
    })
}

#[async_trait]
impl<B: Backend> DomainStore for SqlStore<B> {
    async fn create_domain(&self, domain: &DomainRow) -> Result<()> {
        // A missing pool fails the foreign key, which backends map to NotFound.
        const SQL: &str = concat!("INSERT INTO domains (", domain_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6)");
        let d = domain;
        self.backend
            .execute(SQL, &args![&d.domain, &d.pool_id, &d.kind, d.created_ms, d.updated_ms, &d.document])
            .await
            .map(drop)
    }

    async fn find_domain(&self, domain: &str) -> Result<Option<DomainRow>> {
        const SQL: &str = concat!("SELECT ", domain_columns!(), " FROM domains WHERE domain = $1");
        self.one(SQL, &args![domain], domain_row).await
    }

    async fn list_pool_domains(&self, pool_id: &str) -> Result<Vec<DomainRow>> {
        const SQL: &str = concat!("SELECT ", domain_columns!(), " FROM domains WHERE pool_id = $1 ORDER BY kind");
        self.all(SQL, &args![pool_id], domain_row).await
    }

    async fn update_domain(&self, domain: &DomainRow) -> Result<()> {
        const SQL: &str = "UPDATE domains SET updated_ms = $1, document = $2 WHERE domain = $3 AND pool_id = $4";
        let d = domain;
        self.change(SQL, &args![d.updated_ms, &d.document, &d.domain, &d.pool_id]).await
    }

    async fn delete_domain(&self, pool_id: &str, domain: &str) -> Result<()> {
        self.change("DELETE FROM domains WHERE domain = $1 AND pool_id = $2", &args![domain, pool_id]).await
    }
}
