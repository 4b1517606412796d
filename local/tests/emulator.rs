//! The local DynamoDB behaves like the real one where our money depends on it
//! (local/emulator/moto_server.py): writes to an item are serialized, a transaction is atomic,
//! and a transaction that meets an item another in-flight transaction holds is cancelled with
//! `TransactionConflict`. Plain moto fails both tests (it loses ADDs, and never conflicts).
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TransactWriteItem, Update,
};
use local::moto::Moto;
use std::sync::Arc;

fn s(v: &str) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v.into())
}
fn n(v: i64) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::N(v.to_string())
}

/// The shared emulator (`MOTO_URL`, left running), or one of our own (stopped by `stop`).
async fn shared_or_own() -> Moto {
    match std::env::var("MOTO_URL").ok().filter(|u| !u.is_empty()) {
        Some(u) => Moto::existing(&u),
        None => Moto::start(0).await.expect("emulator starts"),
    }
}

async fn table(moto: &Moto) -> (Client, String) {
    let client = Client::new(&shared::app::sdk_config("us-east-1", Some(&moto.url)));
    let name = format!("emu-{}", ulid::Ulid::new().to_string().to_lowercase());
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("k")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("k")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    (client, name)
}

fn add_to(table: &str, key: &str) -> TransactWriteItem {
    let u = Update::builder()
        .table_name(table)
        .key("k", s(key))
        .update_expression("ADD tally :one")
        .expression_attribute_values(":one", n(1))
        .build()
        .unwrap();
    TransactWriteItem::builder().update(u).build()
}

#[tokio::test]
async fn two_transactions_on_one_item_started_together_one_applies_one_conflicts() {
    // A long prepare phase makes "started together" certain on a busy machine.
    let mut moto = Moto::start_with_env(0, &[("VN_DDB_TXN_HOLD_MS", "400")])
        .await
        .expect("emulator starts");
    let (c, t) = table(&moto).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let run = |other: &'static str| {
        let (c, t, barrier) = (c.clone(), t.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            c.transact_write_items()
                .transact_items(add_to(&t, "month"))
                .transact_items(add_to(&t, other))
                .send()
                .await
        })
    };
    let (a, b) = (run("a"), run("b"));
    let results = [a.await.unwrap(), b.await.unwrap()];
    let applied = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(applied, 1, "exactly one applies: {results:?}");
    let err = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    let codes = shared::store::retry::cancellation_codes(err).expect("cancelled, not another error");
    assert_eq!(
        codes,
        vec![Some("TransactionConflict".to_string()), None],
        "the held item conflicts, the other is fine"
    );
    let item = c
        .get_item()
        .table_name(&t)
        .key("k", s("month"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert_eq!(item.item.unwrap()["tally"], n(1), "the cancelled one wrote nothing");

    // A single write to an item a transaction holds is refused too.
    let held = {
        let (c, t) = (c.clone(), t.clone());
        tokio::spawn(async move { c.transact_write_items().transact_items(add_to(&t, "month")).send().await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let single = c
        .update_item()
        .table_name(&t)
        .key("k", s("month"))
        .update_expression("ADD tally :one")
        .expression_attribute_values(":one", n(1))
        .send()
        .await;
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    assert_eq!(single.unwrap_err().code(), Some("TransactionConflictException"));
    held.await.unwrap().expect("the holder applies");
    moto.stop().await;
}

#[tokio::test]
async fn a_thousand_concurrent_adds_on_one_counter_lose_nothing() {
    let mut moto = shared_or_own().await;
    let (c, t) = table(&moto).await;
    let permits = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let (c, t, permits) = (c.clone(), t.clone(), permits.clone());
        tasks.spawn(async move {
            let _p = permits.acquire().await.unwrap();
            c.update_item()
                .table_name(&t)
                .key("k", s("counter"))
                .update_expression("ADD tally :one")
                .expression_attribute_values(":one", n(1))
                .send()
                .await
                .expect("a plain ADD succeeds")
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let item = c
        .get_item()
        .table_name(&t)
        .key("k", s("counter"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert_eq!(item.item.unwrap()["tally"], n(1000));
    moto.stop().await;
}

#[tokio::test]
async fn a_transaction_cancelled_by_a_condition_leaves_every_item_as_it_was() {
    let mut moto = shared_or_own().await;
    let (c, t) = table(&moto).await;
    c.put_item()
        .table_name(&t)
        .item("k", s("month"))
        .item("tally", n(5))
        .send()
        .await
        .unwrap();
    let put_new = aws_sdk_dynamodb::types::Put::builder()
        .table_name(&t)
        .item("k", s("new"))
        .build()
        .unwrap();
    let failing = Update::builder()
        .table_name(&t)
        .key("k", s("guard"))
        .update_expression("SET x = :one")
        .condition_expression("attribute_exists(k)")
        .expression_attribute_values(":one", n(1))
        .build()
        .unwrap();
    // Applied in order before the failing item in moto: an ADD and a new item.
    let r = c
        .transact_write_items()
        .transact_items(add_to(&t, "month"))
        .transact_items(TransactWriteItem::builder().put(put_new).build())
        .transact_items(TransactWriteItem::builder().update(failing).build())
        .send()
        .await;
    let codes = shared::store::retry::cancellation_codes(&r.unwrap_err()).unwrap();
    assert_eq!(codes, vec![None, None, Some("ConditionalCheckFailed".to_string())]);
    let get = |k: &'static str| {
        let (c, t) = (c.clone(), t.clone());
        async move {
            c.get_item()
                .table_name(&t)
                .key("k", s(k))
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item
        }
    };
    assert_eq!(get("month").await.unwrap()["tally"], n(5), "the ADD was rolled back");
    assert!(get("new").await.is_none(), "the new item was rolled back");
    assert!(get("guard").await.is_none());
    moto.stop().await;
}

/// DynamoDB refuses a transaction item with an expression value no expression uses (a
/// ValidationException, nothing applied); moto alone accepts it, which once hid such a bug.
#[tokio::test]
async fn a_transaction_with_an_unused_expression_value_is_refused() {
    let mut moto = shared_or_own().await;
    let (client, name) = table(&moto).await;
    let update = Update::builder()
        .table_name(&name)
        .key("k", s("unused"))
        .update_expression("SET n = :one")
        .condition_expression("attribute_not_exists(k)")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":running", s("running"))
        .build()
        .unwrap();
    let err = client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().update(update).build())
        .send()
        .await
        .expect_err("an unused value is refused");
    let text = format!("{:?}", aws_sdk_dynamodb::error::DisplayErrorContext(&err));
    assert!(text.contains("unused in expressions") && text.contains(":running"), "{text}");
    let got = client.get_item().table_name(&name).key("k", s("unused")).send().await.unwrap();
    assert!(got.item.is_none(), "nothing applied");
    // The same item without the stray value applies.
    client
        .transact_write_items()
        .transact_items(add_to(&name, "unused"))
        .send()
        .await
        .unwrap();
    moto.stop().await;
}
