//! `EntityStore`: the account-level services' objects by kind and ID, listed by scope, written in
//! all-or-nothing batches with compare-and-swap updates.

use crate::{Backend, SqlRow, SqlStore, Step, StepError, args};
use async_trait::async_trait;
use cognate_store::{EntityChange, EntityRow, EntityStore, Result, StoreError};

/// The `EntityRow` columns, in the order `entity_row` reads them.
macro_rules! entity_columns {
    () => {
        "kind, id, scope, version, created_ms, document"
    };
}

fn entity_row(r: &impl SqlRow) -> Result<EntityRow> {
    Ok(EntityRow {
        kind: r.text(0)?,
        id: r.text(1)?,
        scope: r.text(2)?,
        version: r.int(3)?,
        created_ms: r.int(4)?,
        document: r.text(5)?,
    })
}

const INSERT: &str = concat!("INSERT INTO entities (", entity_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6)");
const UPDATE: &str =
    "UPDATE entities SET scope = $1, document = $2, version = version + 1 WHERE kind = $3 AND id = $4 AND version = $5";
const DELETE: &str = "DELETE FROM entities WHERE kind = $1 AND id = $2";

#[async_trait]
impl<B: Backend> EntityStore for SqlStore<B> {
    async fn apply_entities(&self, changes: &[EntityChange]) -> Result<()> {
        let steps: Vec<Step<'_>> = changes
            .iter()
            .map(|change| match change {
                EntityChange::Create(r) => {
                    Step::new(INSERT, args![&r.kind, &r.id, &r.scope, r.version, r.created_ms, &r.document])
                }
                EntityChange::Update(r) => {
                    Step::new(UPDATE, args![&r.scope, &r.document, &r.kind, &r.id, r.version]).must_change()
                }
                EntityChange::Delete { kind, id } => Step::new(DELETE, args![kind, id]).must_change(),
                EntityChange::DeleteIfExists { kind, id } => Step::new(DELETE, args![kind, id]),
            })
            .collect();
        match self.backend.transaction(&steps).await {
            Ok(()) => Ok(()),
            // An update that changed nothing: the row is gone, or at another version.
            Err(StepError { step, error: StoreError::NotFound }) => match changes.get(step) {
                Some(EntityChange::Update(r)) => match self.find_entity(&r.kind, &r.id).await? {
                    Some(_) => Err(StoreError::Stale),
                    None => Err(StoreError::NotFound),
                },
                _ => Err(StoreError::NotFound),
            },
            Err(e) => Err(e.error),
        }
    }

    async fn find_entity(&self, kind: &str, id: &str) -> Result<Option<EntityRow>> {
        const SQL: &str = concat!("SELECT ", entity_columns!(), " FROM entities WHERE kind = $1 AND id = $2");
        self.one(SQL, &args![kind, id], entity_row).await
    }

    async fn list_entities(&self, kind: &str, scope: &str, after: Option<&str>, limit: u32) -> Result<Vec<EntityRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            entity_columns!(),
            " FROM entities WHERE kind = $1 AND scope = $2 AND id > $3 ORDER BY id LIMIT $4"
        );
        self.all(SQL, &args![kind, scope, after.unwrap_or(""), i64::from(limit)], entity_row).await
    }

    async fn delete_entity_scope(&self, kind: &str, scope: &str) -> Result<u64> {
        const SQL: &str = "DELETE FROM entities WHERE kind = $1 AND scope = $2";
        self.backend.execute(SQL, &args![kind, scope]).await
    }
}
