//! The look of the hosted UI. The classic hosted UI (ManagedLoginVersion 1) takes a UI
//! customization per pool (`ALL`) or per client — CSS limited to Cognito's `-customizable` classes
//! and a logo (SetUICustomization, GetUICustomization); managed login (version 2) takes a branding
//! style per client — a settings document and image assets (Create/Describe/Update/Delete
//! ManagedLoginBranding, DescribeManagedLoginBrandingByClient). The pages apply the one that fits
//! their domain's version (`page_branding`).
//! <https://docs.aws.amazon.com/cognito/latest/developerguide/hosted-ui-classic-branding.html>

use base64::Engine as _;
use cognate_model::cognito_idp as m;
use cognate_model::{Blob, Timestamp};
use cognate_store::{BrandingRow, StoreError};
use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, Result};
use crate::pools::UserPool;

/// The CSS classes a UI customization may style (Cognito's list).
const CUSTOMIZABLE: &[&str] = &[
    "background-customizable",
    "banner-customizable",
    "errorMessage-customizable",
    "idpButton-customizable",
    "idpButton-customizable:hover",
    "idpDescription-customizable",
    "inputField-customizable",
    "inputField-customizable:focus",
    "label-customizable",
    "legalText-customizable",
    "logo-customizable",
    "passwordCheck-notValid-customizable",
    "passwordCheck-valid-customizable",
    "redirect-customizable",
    "socialButton-customizable",
    "submitButton-customizable",
    "submitButton-customizable:hover",
    "textDescription-customizable",
];

/// Largest logo of a UI customization (Cognito: 100 KB).
const MAX_LOGO: usize = 100 * 1024;

/// A stored UI customization.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct UiDocument {
    css: Option<String>,
    /// The logo, and its media type.
    image: Option<Blob>,
    image_type: Option<String>,
    css_version: String,
}

/// Checks CSS against Cognito's rules: only rules whose selectors are the customizable classes,
/// and nothing that loads or runs anything (no `@` rules, `url(`, `expression(`, `<`, escapes).
/// Hand-written: the rule is Cognito's own, and no CSS crate checks an allow-list of selectors.
fn check_css(css: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::invalid(format!("The CSS is not valid for the hosted UI: {why}.")));
    let lower = css.to_ascii_lowercase();
    for forbidden in [
        "<",
        "\\",
        "@",
        "url(",
        "image-set(",
        "image(",
        "src(",
        "element(",
        "expression(",
        "javascript:",
        "behavior:",
        "-moz-binding",
    ] {
        if lower.contains(forbidden) {
            return bad(&format!("{forbidden} is not allowed"));
        }
    }
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let selectors = &rest[..open];
        let Some(close) = rest[open..].find('}') else { return bad("a rule is not closed") };
        if rest[open + 1..open + close].contains('{') {
            return bad("rules cannot nest");
        }
        for selector in selectors.split(',').map(str::trim) {
            let class = selector.strip_prefix('.').unwrap_or("");
            if !CUSTOMIZABLE.contains(&class) {
                return bad(&format!("the selector {selector} is not one of the customizable classes"));
            }
        }
        rest = &rest[open + close + 1..];
    }
    if !rest.trim().is_empty() {
        return bad("text outside a rule");
    }
    Ok(())
}

/// The media type of a PNG or JPEG logo.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn ui_id(client: Option<&str>) -> String {
    format!("ui:{}", client.unwrap_or("ALL"))
}

/// What a hosted page shows of a branding: CSS (classic), a logo, and (managed login) the style's
/// settings document for the page to read colours from.
#[derive(Clone, Debug, Default)]
pub struct PageBranding {
    pub css: Option<String>,
    /// `(media type, bytes)`.
    pub logo: Option<(String, Vec<u8>)>,
    pub settings: Option<cognate_model::Document>,
}

impl Domain {
    async fn check_branding_client(&self, pool: &UserPool, client: Option<&str>) -> Result<()> {
        if let Some(c) = client
            && c != "ALL"
        {
            self.get_client(&pool.id, c).await?;
        }
        Ok(())
    }

    /// SetUICustomization: replaces the pool's (no client, or `ALL`) or a client's CSS and logo.
    pub async fn set_ui_customization(
        &self,
        pool: &UserPool,
        client: Option<&str>,
        css: Option<String>,
        image: Option<Vec<u8>>,
    ) -> Result<m::UICustomizationType> {
        let client = client.filter(|c| *c != "ALL");
        self.check_branding_client(pool, client).await?;
        if self.pool_domains(pool).await?.is_empty() {
            return Err(Error::invalid("There has to be an existing domain associated with this user pool."));
        }
        if let Some(c) = &css {
            check_css(c)?;
        }
        let image_type = match &image {
            Some(bytes) if bytes.len() > MAX_LOGO => {
                return Err(Error::invalid("The image file is larger than 100 KB."));
            }
            Some(bytes) => {
                Some(image_type(bytes).ok_or_else(|| Error::invalid("The image file must be PNG or JPEG."))?)
            }
            None => None,
        };
        let now = self.clock.now();
        let id = ui_id(client);
        let existing = self.store.find_branding(&pool.id, &id).await?;
        let doc = UiDocument {
            css,
            image: image.map(Blob),
            image_type: image_type.map(str::to_string),
            css_version: now.millis().to_string(),
        };
        let row = BrandingRow {
            pool_id: pool.id.clone(),
            id: id.clone(),
            kind: "ui".into(),
            client_id: client.unwrap_or("ALL").to_string(),
            created_ms: existing.as_ref().map_or(now.millis(), |e| e.created_ms),
            updated_ms: now.millis(),
            document: to_json(&doc)?,
        };
        match existing {
            Some(_) => self.store.update_branding(&row).await?,
            None => match self.store.create_branding(&row).await {
                // Another request created it first: this one replaces it, as it would a moment later.
                Err(StoreError::Conflict(_)) => self.store.update_branding(&row).await?,
                other => other?,
            },
        }
        Ok(self.ui_customization_of(pool, Some(&row), client))
    }

    /// GetUICustomization: the client's customization, else the pool's, else an empty one.
    pub async fn get_ui_customization(&self, pool: &UserPool, client: Option<&str>) -> Result<m::UICustomizationType> {
        let client = client.filter(|c| *c != "ALL");
        self.check_branding_client(pool, client).await?;
        let row = match client {
            Some(c) => match self.store.find_branding(&pool.id, &ui_id(Some(c))).await? {
                Some(r) => Some(r),
                None => self.store.find_branding(&pool.id, &ui_id(None)).await?,
            },
            None => self.store.find_branding(&pool.id, &ui_id(None)).await?,
        };
        Ok(self.ui_customization_of(pool, row.as_ref(), client))
    }

    fn ui_customization_of(
        &self,
        pool: &UserPool,
        row: Option<&BrandingRow>,
        client: Option<&str>,
    ) -> m::UICustomizationType {
        let doc: UiDocument = row.and_then(|r| serde_json::from_str(&r.document).ok()).unwrap_or_default();
        let client_id = row.map_or_else(|| client.unwrap_or("ALL").to_string(), |r| r.client_id.clone());
        m::UICustomizationType {
            user_pool_id: Some(pool.id.clone()),
            client_id: Some(client_id.clone().into()),
            image_url: doc.image.as_ref().map(|_| {
                let version = row.map_or(0, |r| r.updated_ms);
                format!("{}/_cognate/ui-logo/{}/{client_id}?v={version}", self.config.issuer_base, pool.id)
            }),
            css: doc.css,
            css_version: row.map(|_| doc.css_version),
            creation_date: row.map(|r| Timestamp::from_millis(r.created_ms)),
            last_modified_date: row.map(|r| Timestamp::from_millis(r.updated_ms)),
        }
    }

    /// The logo of a UI customization (`ALL` or a client), for the URL GetUICustomization names.
    pub async fn ui_logo(&self, pool_id: &str, client: &str) -> Result<Option<(String, Vec<u8>)>> {
        let Some(row) = self.store.find_branding(pool_id, &ui_id(Some(client))).await? else { return Ok(None) };
        let doc: UiDocument = from_json(&row.document)?;
        Ok(doc.image.zip(doc.image_type).map(|(b, t)| (t, b.0)))
    }

    /// CreateManagedLoginBranding: one style per client; either Cognito's defaults
    /// (`UseCognitoProvidedValues`) or settings and assets.
    pub async fn create_managed_branding(
        &self,
        pool: &UserPool,
        client_id: &str,
        use_defaults: Option<bool>,
        settings: Option<cognate_model::Document>,
        assets: Option<Vec<m::AssetType>>,
    ) -> Result<m::ManagedLoginBrandingType> {
        self.get_client(&pool.id, client_id).await?;
        check_style(use_defaults, settings.as_ref(), assets.as_deref())?;
        let now = self.clock.now();
        let id = uuid::Uuid::new_v4().to_string();
        let style = m::ManagedLoginBrandingType {
            managed_login_branding_id: Some(id.clone()),
            user_pool_id: Some(pool.id.clone()),
            use_cognito_provided_values: Some(use_defaults == Some(true)),
            settings,
            assets: assets.map(with_resource_ids),
            creation_date: Some(now),
            last_modified_date: Some(now),
        };
        let row = BrandingRow {
            pool_id: pool.id.clone(),
            id,
            kind: "managed".into(),
            client_id: client_id.to_string(),
            created_ms: now.millis(),
            updated_ms: now.millis(),
            document: to_json(&style)?,
        };
        match self.store.create_branding(&row).await {
            Ok(()) => Ok(style),
            Err(StoreError::Conflict(_)) => Err(Error::BrandingExists(format!(
                "A managed login branding style already exists for client {client_id}."
            ))),
            Err(e) => Err(e.into()),
        }
    }

    async fn managed_row(&self, pool: &UserPool, id: &str) -> Result<BrandingRow> {
        match self.store.find_branding(&pool.id, id).await? {
            Some(r) if r.kind == "managed" => Ok(r),
            _ => Err(Error::ResourceNotFound(format!("Managed login branding {id} does not exist."))),
        }
    }

    /// DescribeManagedLoginBranding.
    pub async fn describe_managed_branding(&self, pool: &UserPool, id: &str) -> Result<m::ManagedLoginBrandingType> {
        from_json(&self.managed_row(pool, id).await?.document)
    }

    /// DescribeManagedLoginBrandingByClient.
    pub async fn managed_branding_of_client(
        &self,
        pool: &UserPool,
        client_id: &str,
    ) -> Result<m::ManagedLoginBrandingType> {
        self.get_client(&pool.id, client_id).await?;
        match self.store.find_branding_for_client(&pool.id, "managed", client_id).await? {
            Some(r) => from_json(&r.document),
            None => Err(Error::ResourceNotFound(format!("Client {client_id} has no managed login branding."))),
        }
    }

    /// UpdateManagedLoginBranding: replaces what the request gives.
    pub async fn update_managed_branding(
        &self,
        pool: &UserPool,
        id: &str,
        use_defaults: Option<bool>,
        settings: Option<cognate_model::Document>,
        assets: Option<Vec<m::AssetType>>,
    ) -> Result<m::ManagedLoginBrandingType> {
        let mut row = self.managed_row(pool, id).await?;
        let mut style: m::ManagedLoginBrandingType = from_json(&row.document)?;
        check_style(use_defaults, settings.as_ref(), assets.as_deref())?;
        if use_defaults == Some(true) {
            style.use_cognito_provided_values = Some(true);
            style.settings = None;
            style.assets = None;
        } else {
            if settings.is_some() || assets.is_some() {
                style.use_cognito_provided_values = Some(false);
            }
            if settings.is_some() {
                style.settings = settings;
            }
            if let Some(a) = assets {
                style.assets = Some(with_resource_ids(a));
            }
        }
        let now = self.clock.now();
        style.last_modified_date = Some(now);
        row.updated_ms = now.millis();
        row.document = to_json(&style)?;
        self.store.update_branding(&row).await.map_err(|e| match e {
            StoreError::NotFound => Error::ResourceNotFound(format!("Managed login branding {id} does not exist.")),
            other => other.into(),
        })?;
        Ok(style)
    }

    /// DeleteManagedLoginBranding.
    pub async fn delete_managed_branding(&self, pool: &UserPool, id: &str) -> Result<()> {
        self.managed_row(pool, id).await?;
        self.store.delete_branding(&pool.id, id).await.map_err(|e| match e {
            StoreError::NotFound => Error::ResourceNotFound(format!("Managed login branding {id} does not exist.")),
            other => other.into(),
        })
    }

    /// The branding a hosted page of this client shows: for managed login (version 2) the
    /// client's style; for the classic UI the client's customization, else the pool's.
    pub async fn page_branding(
        &self,
        pool_id: &str,
        client_id: &str,
        managed_login_version: i32,
    ) -> Result<PageBranding> {
        if managed_login_version == 2 {
            let Some(row) = self.store.find_branding_for_client(pool_id, "managed", client_id).await? else {
                return Ok(PageBranding::default());
            };
            let style: m::ManagedLoginBrandingType = from_json(&row.document)?;
            let logo = style.assets.iter().flatten().find_map(|a| {
                let is_logo = matches!(a.category.as_str(), "FORM_LOGO" | "PAGE_HEADER_LOGO");
                let is_light = matches!(a.color_mode.as_str(), "LIGHT" | "DYNAMIC");
                let mime = match a.extension.as_str() {
                    "PNG" => "image/png",
                    "JPEG" => "image/jpeg",
                    "SVG" => "image/svg+xml",
                    "WEBP" => "image/webp",
                    "ICO" => "image/x-icon",
                    _ => return None,
                };
                (is_logo && is_light).then(|| a.bytes.as_ref().map(|b| (mime.to_string(), b.0.clone()))).flatten()
            });
            return Ok(PageBranding { css: None, logo, settings: style.settings });
        }
        let row = match self.store.find_branding(pool_id, &ui_id(Some(client_id))).await? {
            Some(r) => Some(r),
            None => self.store.find_branding(pool_id, &ui_id(None)).await?,
        };
        let Some(row) = row else { return Ok(PageBranding::default()) };
        let doc: UiDocument = from_json(&row.document)?;
        Ok(PageBranding { css: doc.css, logo: doc.image.zip(doc.image_type).map(|(b, t)| (t, b.0)), settings: None })
    }
}

/// A style is Cognito's defaults or its own settings and assets, not both.
fn check_style(
    use_defaults: Option<bool>,
    settings: Option<&cognate_model::Document>,
    assets: Option<&[m::AssetType]>,
) -> Result<()> {
    if use_defaults == Some(true) && (settings.is_some() || assets.is_some_and(|a| !a.is_empty())) {
        return Err(Error::invalid("UseCognitoProvidedValues cannot be given with Settings or Assets."));
    }
    for a in assets.into_iter().flatten() {
        if a.bytes.as_ref().is_none_or(|b| b.0.is_empty()) && a.resource_id.is_none() {
            return Err(Error::invalid("An asset needs Bytes."));
        }
    }
    Ok(())
}

/// Assets get a resource ID from their content, as Cognito names stored assets.
fn with_resource_ids(assets: Vec<m::AssetType>) -> Vec<m::AssetType> {
    use sha2::Digest as _;
    assets
        .into_iter()
        .map(|mut a| {
            if a.resource_id.is_none()
                && let Some(b) = &a.bytes
            {
                let digest = sha2::Sha256::digest(&b.0);
                a.resource_id = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12]));
            }
            a
        })
        .collect()
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(anyhow::anyhow!("serialising a branding: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Internal(anyhow::anyhow!("a branding is unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_is_limited_to_the_customizable_classes() {
        assert!(check_css(".submitButton-customizable { background-color: #ff9900; }").is_ok());
        assert!(check_css(".label-customizable, .inputField-customizable:focus { color: red }\n").is_ok());
        assert!(check_css("").is_ok());
        for bad in [
            "body { color: red }",
            ".submitButton-customizable { background: url(https://evil.example/x.png) }",
            "@import 'https://evil.example/x.css';",
            ".label-customizable { color: red } </style><script>alert(1)</script>",
            ".label-customizable { color: red",
            ".label-customizable { a { b } }",
            ".label-customizable { x: expression(alert(1)) }",
            ".label-customizable { background-image: image-set(\"https://evil.example/x.png\" 1x) }",
            ".label-customizable { background-image: -webkit-image-set('https://evil.example/x.png' 1x) }",
            "stray text",
            ".label-customizable { content: '\\3c' }",
        ] {
            assert!(check_css(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logos_are_png_or_jpeg() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(image_type(b"<svg"), None);
    }
}
