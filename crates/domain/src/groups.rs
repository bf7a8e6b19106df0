//! Groups of a pool: CRUD with precedence and role ARN, and membership. Tokens carry a user's
//! groups (`cognito:groups`, `cognito:roles`, `cognito:preferred_role`).

use cognate_model::Timestamp;
use cognate_store::{GroupRow, StoreError};

use crate::Domain;
use crate::error::{Error, Result};
use crate::pools::{Page, UserPool};
use crate::users::User;

/// A group as the rules see it.
#[derive(Clone, Debug)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub precedence: Option<i32>,
    pub role_arn: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

impl From<GroupRow> for Group {
    fn from(r: GroupRow) -> Self {
        Group {
            pool_id: r.pool_id,
            name: r.name,
            description: r.description,
            precedence: r.precedence,
            role_arn: r.role_arn,
            created: Timestamp::from_millis(r.created_ms),
            modified: Timestamp::from_millis(r.updated_ms),
        }
    }
}

fn group_not_found() -> Error {
    Error::ResourceNotFound("Group not found.".into())
}

impl Domain {
    pub async fn create_group(
        &self,
        pool: &UserPool,
        name: &str,
        description: Option<String>,
        precedence: Option<i32>,
        role_arn: Option<String>,
    ) -> Result<Group> {
        let now = self.clock.now_ms();
        let row = GroupRow {
            pool_id: pool.id.clone(),
            name: name.to_string(),
            description,
            precedence,
            role_arn,
            created_ms: now,
            updated_ms: now,
        };
        match self.store.create_group(&row).await {
            Ok(()) => Ok(row.into()),
            Err(StoreError::Conflict(_)) => Err(Error::GroupExists("A group with the name already exists.".into())),
            Err(StoreError::NotFound) => Err(Error::ResourceNotFound(format!("User pool {} does not exist.", pool.id))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_group(&self, pool: &UserPool, name: &str) -> Result<Group> {
        match self.store.get_group(&pool.id, name).await {
            Ok(r) => Ok(r.into()),
            Err(StoreError::NotFound) => Err(group_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// UpdateGroup: members that are given replace the stored ones.
    pub async fn update_group(
        &self,
        pool: &UserPool,
        name: &str,
        description: Option<String>,
        precedence: Option<i32>,
        role_arn: Option<String>,
    ) -> Result<Group> {
        let mut g = self.get_group(pool, name).await?;
        if description.is_some() {
            g.description = description;
        }
        if precedence.is_some() {
            g.precedence = precedence;
        }
        if role_arn.is_some() {
            g.role_arn = role_arn;
        }
        g.modified = self.clock.now();
        let row = GroupRow {
            pool_id: g.pool_id.clone(),
            name: g.name.clone(),
            description: g.description.clone(),
            precedence: g.precedence,
            role_arn: g.role_arn.clone(),
            created_ms: g.created.millis(),
            updated_ms: g.modified.millis(),
        };
        self.store.update_group(&row).await.map_err(|e| match e {
            StoreError::NotFound => group_not_found(),
            other => other.into(),
        })?;
        Ok(g)
    }

    pub async fn delete_group(&self, pool: &UserPool, name: &str) -> Result<()> {
        self.store.delete_group(&pool.id, name).await.map_err(|e| match e {
            StoreError::NotFound => group_not_found(),
            other => other.into(),
        })
    }

    pub async fn list_groups(&self, pool: &UserPool, after: Option<&str>, limit: u32) -> Result<Page<Group>> {
        let limit = limit.clamp(1, 60);
        let rows = self.store.list_groups(&pool.id, after, limit + 1).await?;
        Page::from_rows(rows, limit, |r| Ok(Group::from(r)), |g| g.name.clone())
    }

    pub async fn add_user_to_group(&self, pool: &UserPool, user: &User, group: &str) -> Result<()> {
        self.get_group(pool, group).await?;
        self.store.add_user_to_group(&pool.id, group, &user.key).await.map_err(|e| match e {
            StoreError::NotFound => Error::UserNotFound("User does not exist.".into()),
            other => other.into(),
        })
    }

    pub async fn remove_user_from_group(&self, pool: &UserPool, user: &User, group: &str) -> Result<()> {
        self.get_group(pool, group).await?;
        self.store.remove_user_from_group(&pool.id, group, &user.key).await.map_err(|e| match e {
            StoreError::NotFound => Error::UserNotFound("User does not exist.".into()),
            other => other.into(),
        })
    }

    pub async fn groups_for_user(
        &self,
        pool: &UserPool,
        user: &User,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Group>> {
        let limit = limit.clamp(1, 60);
        let rows = self.store.list_groups_for_user(&pool.id, &user.key, after, limit + 1).await?;
        Page::from_rows(rows, limit, |r| Ok(Group::from(r)), |g| g.name.clone())
    }

    pub async fn users_in_group(
        &self,
        pool: &UserPool,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<User>> {
        self.get_group(pool, group).await?;
        let limit = limit.clamp(1, 60);
        let rows = self.store.list_users_in_group(&pool.id, group, after, limit + 1).await?;
        Page::from_rows(rows, limit, User::from_store, |u| u.key.clone())
    }
}
