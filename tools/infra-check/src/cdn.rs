//! CloudFront: the media bucket only behind signed URLs, and standard logging ordered after the
//! log bucket's ownership controls.

use crate::infra::TfBlock;
use crate::model::{Model, attr, block};
use hcl::Expression;

fn expr_text(e: &Expression) -> String {
    hcl::format::to_string(e).unwrap_or_default()
}

/// `aws_s3_bucket.<name>` referenced in an expression.
fn bucket_ref(e: &Expression) -> Option<String> {
    let t = expr_text(e);
    let i = t.find("aws_s3_bucket.")?;
    let rest = &t[i + "aws_s3_bucket.".len()..];
    Some(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
}

/// CloudFront: standard logging is ordered after the log bucket's ownership controls (which
/// must keep ACLs on), and the media bucket, read through origin access control, is served only
/// by behaviours that require signed URLs (`trusted_key_groups`): without them any user's object
/// would be served to whoever has its key. The default behaviour never serves media. (An origin
/// on the bucket without origin access control, the upload form's `/upload`, reads nothing.)
pub fn check_cdn(model: &Model) -> Vec<String> {
    let mut errors = Vec::new();
    let ownership = model.resources("aws_s3_bucket_ownership_controls");
    for d in model.resources("aws_cloudfront_distribution") {
        let fq = format!("aws_cloudfront_distribution.{}", d.name);
        let mut media_origins: Vec<String> = Vec::new();
        for o in d.body.blocks().filter(|b| b.identifier() == "origin") {
            let Some(domain) = attr(o.body(), "domain_name") else { continue };
            let mut text = expr_text(domain);
            // Follow one level of local.<x> indirection.
            if let Some(l) = text.trim().strip_prefix("local.")
                && let Some((_, e)) = model.infra.locals.iter().find(|(k, _)| k == l.trim())
            {
                text = expr_text(e);
            }
            // Only an origin with origin access control reads the bucket as CloudFront; one
            // without it (the upload form's POST) is an anonymous caller S3 refuses any read.
            if text.contains("aws_s3_bucket.media.") && attr(o.body(), "origin_access_control_id").is_some() {
                let id = attr(o.body(), "origin_id").map(expr_text).unwrap_or_default();
                media_origins.push(id.trim().trim_matches('"').to_string());
            }
        }
        let targets_media = |b: &hcl::Body| {
            attr(b, "target_origin_id")
                .map(expr_text)
                .is_some_and(|t| media_origins.iter().any(|m| t.trim().trim_matches('"') == m))
        };
        if let Some(def) = block(&d.body, "default_cache_behavior")
            && targets_media(def)
        {
            errors.push(format!(
                "{fq}: the default behaviour serves the media bucket; media only on /media/* with signed URLs"
            ));
        }
        let ordered = d.body.blocks().filter_map(|b| match b.identifier() {
            "ordered_cache_behavior" => Some(b.body()),
            "dynamic" if b.labels().first().map(|l| l.as_str()) == Some("ordered_cache_behavior") => block(b.body(), "content"),
            _ => None,
        });
        for b in ordered {
            if !targets_media(b) {
                continue;
            }
            let keys = attr(b, "trusted_key_groups").map(expr_text).unwrap_or_default();
            if !keys.contains("aws_cloudfront_key_group.") {
                errors.push(format!(
                    "{fq}: a behaviour serves the media bucket without trusted_key_groups; media must require CloudFront signed URLs"
                ));
            }
        }
        let Some(logging) = block(&d.body, "logging_config") else {
            continue;
        };
        let Some(bucket) = attr(logging, "bucket").and_then(bucket_ref) else {
            errors.push(format!("{fq}: logging_config.bucket does not name an aws_s3_bucket"));
            continue;
        };
        let controls: Vec<&&TfBlock> = ownership
            .iter()
            .filter(|o| attr(&o.body, "bucket").and_then(bucket_ref).as_deref() == Some(bucket.as_str()))
            .collect();
        let Some(oc) = controls.first() else {
            errors.push(format!(
                "{fq}: log bucket aws_s3_bucket.{bucket} has no aws_s3_bucket_ownership_controls enabling ACLs"
            ));
            continue;
        };
        let ownership_mode = block(&oc.body, "rule")
            .and_then(|r| attr(r, "object_ownership"))
            .map(expr_text)
            .unwrap_or_default();
        if ownership_mode.contains("BucketOwnerEnforced") {
            errors.push(format!(
                "aws_s3_bucket_ownership_controls.{}: CloudFront standard logging needs ACLs, not BucketOwnerEnforced",
                oc.name
            ));
        }
        let want = format!("aws_s3_bucket_ownership_controls.{}", oc.name);
        let depends = attr(&d.body, "depends_on").map(expr_text).unwrap_or_default();
        if !depends.contains(&want) {
            errors.push(format!(
                "{fq}: logging_config needs depends_on = [{want}]: CloudFront rejects a log bucket whose ACLs are still off (first deploy)"
            ));
        }
    }
    errors
}
