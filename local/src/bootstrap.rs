//! Creates every resource of the system in the emulator, from the same definitions as
//! `infra/`: tables, media bucket, queue with DLQ, secrets, and (see `cognito`) the user pool.
use crate::BoxError;
use crate::tables::definitions;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use shared::config::Tables;

/// Names of everything one stack (or one test) owns; a prefix keeps stacks apart.
#[derive(Clone, Debug)]
pub struct Resources {
    pub tables: Tables,
    pub media_bucket: String,
    pub queue_url: String,
    pub dlq_url: String,
    pub replicate_token_secret_id: String,
    pub webhook_secret_id: String,
    /// The dev key pair that signs media URLs, made at startup and never written to disk: its id
    /// and private key are in the emulator's Secrets Manager (one JSON secret, as in AWS), its
    /// public key is in the key group of the gateway, which plays CloudFront's `/media/*`
    /// behaviour.
    pub media_signing_key_secret_id: String,
    pub media_keys: crate::media::KeyGroup,
}

/// The id of the local stack's first media signing key.
pub const DEV_KEY_PAIR_ID: &str = "KLOCALDEVKEY";

/// Puts `{key_pair_id, private_key}` into the media signing key secret: what an operator does
/// with `put-secret-value` in a rotation (docs/deploy.md).
pub async fn put_media_signing_key(
    sm: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
    key: &shared::media::signing_key::MediaSigningKey,
) -> Result<(), BoxError> {
    sm.put_secret_value()
        .secret_id(secret_id)
        .secret_string(key.to_secret_string())
        .send()
        .await?;
    Ok(())
}

pub fn table_name(prefix: &str, key: &str) -> String {
    format!("{prefix}-{key}")
}

pub async fn create_tables(ddb: &aws_sdk_dynamodb::Client, prefix: &str) -> Result<Tables, BoxError> {
    for (key, def) in definitions() {
        let name = table_name(prefix, &key);
        let ks = |attr: &str, kt: KeyType| KeySchemaElement::builder().attribute_name(attr).key_type(kt).build();
        let mut schema = vec![ks(&def.hash_key, KeyType::Hash)?];
        if let Some(r) = &def.range_key {
            schema.push(ks(r, KeyType::Range)?);
        }
        let mut req = ddb
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(schema));
        for (attr, ty) in &def.attributes {
            let t = match ty.as_str() {
                "S" => ScalarAttributeType::S,
                "N" => ScalarAttributeType::N,
                "B" => ScalarAttributeType::B,
                other => return Err(format!("{key}.{attr}: unknown type {other}").into()),
            };
            req = req.attribute_definitions(AttributeDefinition::builder().attribute_name(attr).attribute_type(t).build()?);
        }
        for g in &def.global_secondary_indexes {
            let mut gs = vec![ks(&g.hash_key, KeyType::Hash)?];
            if let Some(r) = &g.range_key {
                gs.push(ks(r, KeyType::Range)?);
            }
            let proj = match g.projection.as_str() {
                "ALL" => ProjectionType::All,
                "KEYS_ONLY" => ProjectionType::KeysOnly,
                other => return Err(format!("{key}.{}: unsupported projection {other}", g.name).into()),
            };
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&g.name)
                    .set_key_schema(Some(gs))
                    .projection(Projection::builder().projection_type(proj).build())
                    .build()?,
            );
        }
        req.send().await?;
        if let Some(ttl) = &def.ttl_attribute {
            ddb.update_time_to_live()
                .table_name(&name)
                .time_to_live_specification(TimeToLiveSpecification::builder().attribute_name(ttl).enabled(true).build()?)
                .send()
                .await?;
        }
    }
    Ok(Tables {
        jobs: table_name(prefix, "jobs"),
        assets: table_name(prefix, "assets"),
        usage: table_name(prefix, "usage"),
        idempotency: table_name(prefix, "idempotency"),
        shares: table_name(prefix, "shares"),
    })
}

/// Everything but Cognito. `replicate_token` and `webhook_secret` become secret values,
/// stored as they would be in AWS, and so does a fresh media signing key (ECDSA P-256).
/// `visibility_s` is the generation queue's visibility timeout.
pub async fn create_resources(
    sdk: &aws_config::SdkConfig,
    prefix: &str,
    replicate_token: &str,
    webhook_secret: &str,
    visibility_s: u32,
) -> Result<Resources, BoxError> {
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    let tables = create_tables(&ddb, prefix).await?;

    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build());
    let media_bucket = format!("{prefix}-media");
    let mut cb = s3.create_bucket().bucket(&media_bucket);
    if let Some(r) = sdk.region().map(|r| r.as_ref()).filter(|r| *r != "us-east-1") {
        cb = cb.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(r.into())
                .build(),
        );
    }
    cb.send().await?;
    // Versioned, as in AWS (infra/storage.tf): a DeleteObject leaves the bytes as a noncurrent
    // version; the trash's purge deletes every version (media::purge).
    s3.put_bucket_versioning()
        .bucket(&media_bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await?;

    let sqs = aws_sdk_sqs::Client::new(sdk);
    use aws_sdk_sqs::types::QueueAttributeName as Q;
    let dlq_url = sqs
        .create_queue()
        .queue_name(format!("{prefix}-generation-dlq"))
        .send()
        .await?
        .queue_url
        .ok_or("no dlq url")?;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(Q::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&Q::QueueArn))
        .ok_or("no dlq arn")?;
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{prefix}-generation"))
        .attributes(Q::VisibilityTimeout, visibility_s.to_string())
        .attributes(
            Q::RedrivePolicy,
            serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5 }).to_string(),
        )
        .send()
        .await?
        .queue_url
        .ok_or("no queue url")?;

    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    // Functions name their secrets by ARN, as Terraform's environment does (and their policies
    // grant those ARNs: crate::iam).
    let create = |name: String, value: String| {
        let sm = sm.clone();
        async move {
            let out = sm.create_secret().name(&name).secret_string(value).send().await?;
            out.arn.ok_or_else(|| BoxError::from(format!("secret {name}: no ARN")))
        }
    };
    let replicate_token_secret_id = create(format!("{prefix}/replicate-api-token"), replicate_token.to_string()).await?;
    let webhook_secret_id = create(format!("{prefix}/replicate-webhook-secret"), webhook_secret.to_string()).await?;
    let (media_private, media_public) =
        shared::media::cdn::generate_key_pair(shared::media::cdn::KeyKind::EcdsaP256).map_err(|e| format!("dev key pair: {e}"))?;
    let media_key = shared::media::signing_key::MediaSigningKey::new(DEV_KEY_PAIR_ID, &media_private)?;
    let media_signing_key_secret_id = create(format!("{prefix}/media-signing-key"), media_key.to_secret_string()).await?;
    let media_keys = crate::media::KeyGroup::default();
    media_keys.trust(DEV_KEY_PAIR_ID, &media_public)?;

    Ok(Resources {
        tables,
        media_bucket,
        queue_url,
        dlq_url,
        replicate_token_secret_id,
        webhook_secret_id,
        media_signing_key_secret_id,
        media_keys,
    })
}
