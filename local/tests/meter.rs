//! The emulator's meter (local/emulator/meter.py) bills a function's calls as AWS would:
//! DynamoDB request units by item size, consistency, transactions and global secondary
//! indexes, S3 requests with their bytes. `make bench`'s AWS cost per job rests on these rules
//! (docs/benchmarks.md, "What AWS costs per job").
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, Put,
    ScalarAttributeType, TransactWriteItem,
};
use local::moto::Moto;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().unwrap()
}

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap()
}

/// The meter's row of `action` (all zero when there is none).
fn row<'a>(rows: &'a [Value], action: &str) -> &'a Value {
    static NONE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    rows.iter()
        .find(|r| r["action"] == action)
        .unwrap_or_else(|| NONE.get_or_init(|| json!({})))
}

fn n(r: &Value, field: &str) -> i64 {
    r[field].as_i64().unwrap_or(0)
}

#[tokio::test]
async fn a_functions_calls_are_billed_as_aws_bills_them() {
    let mut moto = match std::env::var("MOTO_URL").ok().filter(|u| !u.is_empty()) {
        Some(u) => Moto::existing(&u),
        None => Moto::start(0).await.expect("emulator starts"),
    };
    let http = reqwest::Client::new();
    let id = ulid::Ulid::new().to_string().to_lowercase();
    let prefix = format!("VN.m{id}.");
    let fn_key = format!("{prefix}fn");
    let allow_all = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }] });
    local::iam::register(&http, &moto.url, &BTreeMap::from([(fn_key.clone(), ("fn".to_string(), allow_all))]))
        .await
        .unwrap();

    // The table (made by the harness, not metered): a hash key and an index on `g`.
    let admin = aws_sdk_dynamodb::Client::new(&shared::app::sdk_config("us-east-1", Some(&moto.url)));
    let table = format!("meter-{id}");
    admin
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("h", KeyType::Hash))
        .attribute_definitions(attr("h"))
        .attribute_definitions(attr("g"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_g")
                .key_schema(key("g", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let sdk = shared::app::sdk_config_as("us-east-1", Some(&moto.url), Some(&fn_key));
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    // h (1 + 1) + big (3 + 3000): 3,005 bytes, three 1 KB write units, one 4 KB read unit.
    ddb.put_item()
        .table_name(&table)
        .item("h", s("a"))
        .item("big", s(&"x".repeat(3000)))
        .send()
        .await
        .unwrap();
    // Now in the index too: three units for the table, three for the index's copy.
    ddb.update_item()
        .table_name(&table)
        .key("h", s("a"))
        .update_expression("SET g = :g")
        .expression_attribute_values(":g", s("G"))
        .send()
        .await
        .unwrap();
    ddb.get_item()
        .table_name(&table)
        .key("h", s("a"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    ddb.get_item().table_name(&table).key("h", s("missing")).send().await.unwrap();
    ddb.query()
        .table_name(&table)
        .index_name("by_g")
        .key_condition_expression("g = :g")
        .expression_attribute_values(":g", s("G"))
        .send()
        .await
        .unwrap();
    // A transaction doubles: a 2-byte item is 2 units.
    let put = Put::builder().table_name(&table).item("h", s("b")).build().unwrap();
    ddb.transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put).build())
        .send()
        .await
        .unwrap();
    ddb.delete_item().table_name(&table).key("h", s("a")).send().await.unwrap();

    let bucket = format!("meter-{id}");
    let admin_s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&shared::app::sdk_config("us-east-1", Some(&moto.url)))
            .force_path_style(true)
            .build(),
    );
    admin_s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let body = vec![7u8; 5000];
    s3.put_object()
        .bucket(&bucket)
        .key("users/k")
        .body(body.into())
        .send()
        .await
        .unwrap();
    let got = s3.get_object().bucket(&bucket).key("users/k").send().await.unwrap();
    assert_eq!(got.body.collect().await.unwrap().into_bytes().len(), 5000);

    let meter = |url: String| {
        let http = http.clone();
        async move {
            let v: Value = http.get(url).send().await.unwrap().json().await.unwrap();
            v["calls"].as_array().cloned().unwrap()
        }
    };
    let url = format!("{}/_vn/meter?key={prefix}", moto.url);
    let rows = meter(url.clone()).await;
    assert!(rows.iter().all(|r| r["name"] == "fn"), "only the function's calls: {rows:?}");
    let units = |action: &str| {
        let r = row(&rows, action);
        (n(r, "requests"), n(r, "rru_halves"), n(r, "wru"), n(r, "index_wru"))
    };
    assert_eq!(units("PutItem"), (1, 0, 3, 0), "{rows:?}");
    assert_eq!(units("UpdateItem"), (1, 0, 3, 3), "{rows:?}");
    // Strongly consistent: two halves; a missing item, eventually consistent: one half.
    assert_eq!(units("GetItem"), (2, 3, 0, 0), "{rows:?}");
    assert_eq!(units("Query"), (1, 1, 0, 0), "an index is read eventually consistent: {rows:?}");
    assert_eq!(units("TransactWriteItems"), (1, 0, 2, 0), "{rows:?}");
    assert_eq!(units("DeleteItem"), (1, 0, 3, 3), "the item leaves the index too: {rows:?}");
    assert_eq!(n(row(&rows, "PutObject"), "bytes_in"), 5000, "{rows:?}");
    assert_eq!(n(row(&rows, "GetObject"), "bytes_out"), 5000, "{rows:?}");

    http.post(format!("{}/_vn/meter/reset", moto.url))
        .json(&json!({ "key": prefix }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    assert_eq!(meter(url).await, Vec::<Value>::new(), "a reset starts afresh");
    moto.stop().await;
}
