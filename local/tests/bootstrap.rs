//! The local bootstrap creates exactly the tables `infra/tables.json` defines (the file
//! Terraform's data.tf reads too), so local and AWS cannot drift.
use aws_sdk_dynamodb::types::KeyType;
use local::moto::Moto;
use local::tables::definitions;

#[tokio::test]
async fn bootstrap_tables_match_the_infra_definitions() {
    let moto = match std::env::var("MOTO_URL") {
        Ok(u) if !u.is_empty() => Moto::existing(&u),
        _ => Moto::start(0).await.unwrap(),
    };
    let sdk = shared::app::sdk_config("us-east-1", Some(&moto.url));
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let prefix = format!("b{}", ulid::Ulid::new().to_string().to_lowercase());
    local::bootstrap::create_tables(&ddb, &prefix).await.unwrap();
    for (key, def) in definitions() {
        let t = ddb
            .describe_table()
            .table_name(format!("{prefix}-{key}"))
            .send()
            .await
            .unwrap()
            .table
            .unwrap();
        let schema = |ks: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> (String, Option<String>) {
            let h = ks.iter().find(|k| k.key_type == KeyType::Hash).unwrap().attribute_name.clone();
            let r = ks.iter().find(|k| k.key_type == KeyType::Range).map(|k| k.attribute_name.clone());
            (h, r)
        };
        assert_eq!(schema(t.key_schema()), (def.hash_key.clone(), def.range_key.clone()), "{key}");
        let mut attrs: Vec<(String, String)> = t
            .attribute_definitions()
            .iter()
            .map(|a| (a.attribute_name.clone(), a.attribute_type.as_str().to_string()))
            .collect();
        attrs.sort();
        let want: Vec<(String, String)> = def.attributes.clone().into_iter().collect();
        assert_eq!(attrs, want, "{key}");
        let mut gsis: Vec<(String, (String, Option<String>))> = t
            .global_secondary_indexes()
            .iter()
            .map(|g| (g.index_name.clone().unwrap(), schema(g.key_schema())))
            .collect();
        gsis.sort();
        let mut want_g: Vec<_> = def
            .global_secondary_indexes
            .iter()
            .map(|g| (g.name.clone(), (g.hash_key.clone(), g.range_key.clone())))
            .collect();
        want_g.sort();
        assert_eq!(gsis, want_g, "{key}");
        let ttl = ddb
            .describe_time_to_live()
            .table_name(format!("{prefix}-{key}"))
            .send()
            .await
            .unwrap();
        let ttl_attr = ttl.time_to_live_description.and_then(|d| d.attribute_name);
        assert_eq!(ttl_attr, def.ttl_attribute, "{key}");
    }
}
