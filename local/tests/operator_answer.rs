//! The operator's question, "what did Replicate bill us this month, what did users pay, and is
//! there any prediction we don't know about?", answered as `make ledger` answers it
//! (`local::operator`), and proven against the simulator's own ledger of what it billed.
mod common;
use chrono::Datelike;
use common::TestStack;
use serde_json::json;
use shared::domain::JobId;
use std::time::Duration;

#[tokio::test]
async fn the_months_answer_is_what_the_simulator_billed_what_users_paid_and_the_unknown_prediction() {
    let t = TestStack::with(|o| o.extra_env.push(("PROVIDER_AUDIT_LAG_S".into(), "0".into()))).await;
    let u = t.user("olga").await;
    let sim = t.stack.sim.as_ref().unwrap();

    // Two bases: per image (an official model) and per token (a rewrite).
    let image = t.generate(&u, "a lighthouse at dusk").await["id"].as_str().unwrap().to_string();
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a red fox in snow" })).await;
    assert_eq!(s, 200, "{b}");
    let text = b["job"]["id"].as_str().unwrap().to_string();
    let sub = t.sub(&u).await;
    let mut paid = 0i64;
    for id in [&image, &text] {
        let done = t.wait_finished(&u, id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        let job = t.stack.app.store.get_job(&sub, &JobId::parse(id).unwrap()).await.unwrap().unwrap();
        paid += job.cost_micros.expect("a charged job").0;
    }
    // A prediction no job knows: this deployment's webhook, a job that does not exist (a create
    // whose answer was lost), still running.
    let base = t.stack.app.config.webhook_url().unwrap();
    let outside = json!({ "status": "processing", "webhook": format!("{base}?user=lost&job={}", JobId::new().as_str()) });
    let orphan = sim.make_predictions(&serde_json::from_value(outside).unwrap()).remove(0);

    // The audit runs as the scheduler runs it.
    let timeout = Duration::from_secs(local::routes::table().functions["provider-audit"].timeout_s.into());
    let app = t.stack.apps["provider-audit"].clone();
    local::invoke::invoke(timeout, provider_audit::handler(app, json!({})))
        .await
        .unwrap()
        .unwrap();

    let conf = shared::app::sdk_config(&t.stack.app.config.region, Some(&t.stack.moto.url));
    let place = local::operator::Place::new(
        &conf,
        true,
        t.stack.app.config.tables.usage.clone(),
        Some(t.stack.app.config.media_bucket.clone()),
    );
    let month = shared::clock::now().date_naive().with_day0(0).unwrap();
    let answer = place.month_answer(month).await.unwrap();
    let total = answer.total();

    // What Replicate billed for our jobs, to the micro-dollar, is the simulator's own ledger.
    let ledger = sim.ledger();
    let billed: u64 = ledger.iter().filter(|b| b.prediction_id != orphan).map(|b| b.cost_micros).sum();
    assert!(ledger.iter().filter(|b| b.prediction_id != orphan).count() >= 2, "{ledger:?}");
    assert_eq!(total.provider_micros, billed as i64, "{:?}", answer.rows);
    // What users paid is what the jobs charged.
    assert_eq!(total.charged_micros, paid);
    // The prediction no job knows is named, and cancelled.
    let summary = answer.audit_summary().expect("the audit's report");
    assert_eq!(summary["orphans"], 1, "{summary}");
    let printed = answer.text().unwrap();
    assert!(printed.contains("1 orphans"), "{printed}");
    assert!(
        printed.contains(&shared::domain::Micros(total.provider_micros).to_string()),
        "{printed}"
    );
}
