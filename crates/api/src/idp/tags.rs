//! Resource tags on user pools: TagResource, UntagResource, ListTagsForResource.

use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx};

pub async fn tag_resource(ctx: Ctx, req: m::TagResourceRequest) -> Result<m::TagResourceResponse, ApiError> {
    ctx.domain.tag_resource(&req.resource_arn, req.tags).await?;
    Ok(m::TagResourceResponse {})
}

pub async fn untag_resource(ctx: Ctx, req: m::UntagResourceRequest) -> Result<m::UntagResourceResponse, ApiError> {
    ctx.domain.untag_resource(&req.resource_arn, &req.tag_keys).await?;
    Ok(m::UntagResourceResponse {})
}

pub async fn list_tags_for_resource(
    ctx: Ctx,
    req: m::ListTagsForResourceRequest,
) -> Result<m::ListTagsForResourceResponse, ApiError> {
    let pool = ctx.domain.pool_by_arn(&req.resource_arn).await?;
    Ok(m::ListTagsForResourceResponse { tags: Some(pool.settings.tags) })
}
