//! The provider audit (`provider-audit`) on the local stack, run on demand as the scheduler
//! would run it (its own role and timeout): it lists the simulator's predictions, cancels this
//! deployment's running orphans, leaves everything else on the account alone, reports status
//! disagreements, keeps its watermark until a window was audited whole, and pages within the
//! rate limit. The audit's lag is 0 here: the tests' predictions are seconds old.
mod common;
use common::TestStack;
use local::simulator::list::Outside;
use serde_json::{Value, json};
use shared::domain::{JobId, UserId};
use shared::replicate::PredictionStatus;
use std::time::{Duration, Instant};

async fn stack(reads_per_minute: Option<u32>) -> TestStack {
    TestStack::with(|o| {
        o.extra_env.push(("PROVIDER_AUDIT_LAG_S".into(), "0".into()));
        if let Some(r) = reads_per_minute {
            o.extra_env.push(("PROVIDER_AUDIT_READS_PER_MINUTE".into(), r.to_string()));
        }
    })
    .await
}

/// One run, as the scheduler starts it: the function's own app (its IAM role) under its
/// routes.json timeout.
async fn audit(t: &TestStack) -> Value {
    let app = t.stack.apps["provider-audit"].clone();
    let timeout = Duration::from_secs(local::routes::table().functions["provider-audit"].timeout_s.into());
    local::invoke::invoke(timeout, provider_audit::handler(app, json!({})))
        .await
        .expect("the run ends inside its timeout")
        .expect("the run answers")
}

/// The report the run wrote: its lines after the summary.
async fn findings(t: &TestStack, run: &Value) -> Vec<Value> {
    let key = run["report_key"].as_str().expect("the run wrote its report");
    assert!(key.starts_with("reports/provider-audit/"), "{key}");
    let body = t.stack.app.media.get_bytes(key).await.unwrap();
    let lines: Vec<Value> = String::from_utf8(body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["kind"], "summary");
    lines[1..].to_vec()
}

/// This deployment's webhook URL naming a job that does not exist (a create whose outcome was
/// lost, whose job is gone).
fn our_webhook(t: &TestStack, user: &str) -> String {
    let base = t.stack.app.config.webhook_url().unwrap();
    format!("{base}?user={user}&job={}", JobId::new().as_str())
}

fn outside(status: &str, webhook: Option<String>, source: Option<&str>) -> Outside {
    serde_json::from_value(json!({ "status": status, "webhook": webhook, "source": source })).unwrap()
}

async fn wait_status(t: &TestStack, id: &str, want: PredictionStatus) {
    let sim = t.stack.sim.as_ref().unwrap();
    let until = Instant::now() + Duration::from_secs(15);
    while sim.prediction(id).unwrap().status != want {
        assert!(Instant::now() < until, "{id} still {:?}", sim.prediction(id).unwrap().status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_running_orphan_of_this_deployment_is_found_and_cancelled() {
    let t = stack(None).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let id = sim
        .make_predictions(&outside("processing", Some(our_webhook(&t, "lost-user")), None))
        .remove(0);
    let run = audit(&t).await;
    assert_eq!(
        (run["orphans"].as_u64(), run["cancels_queued"].as_u64()),
        (Some(1), Some(1)),
        "{run}"
    );
    assert_eq!(run["complete"], true, "{run}");
    let lines = findings(&t, &run).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0]["kind"].as_str(), lines[0]["prediction_id"].as_str()),
        (Some("orphan"), Some(id.as_str()))
    );
    assert_eq!(lines[0]["action"], "cancel_queued");
    // The worker takes the cancel from the queue and stops it: it bills no more.
    wait_status(&t, &id, PredictionStatus::Canceled).await;
    t.stop().await;
}

#[tokio::test]
async fn predictions_of_other_deployments_and_of_the_web_console_are_reported_and_never_touched() {
    let t = stack(None).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let elsewhere = format!(
        "https://another-deployment.example/webhooks/replicate?user=u&job={}",
        JobId::new().as_str()
    );
    let foreign = sim.make_predictions(&outside("processing", Some(elsewhere), None)).remove(0);
    let no_webhook = sim.make_predictions(&outside("processing", None, None)).remove(0);
    let web = sim.make_predictions(&outside("processing", None, Some("web"))).remove(0);
    let run = audit(&t).await;
    assert_eq!(
        (
            run["foreign_orphans"].as_u64(),
            run["web"].as_u64(),
            run["orphans"].as_u64(),
            run["cancels_queued"].as_u64()
        ),
        (Some(2), Some(1), Some(0), Some(0)),
        "{run}"
    );
    let lines = findings(&t, &run).await;
    assert!(
        lines.iter().all(|l| l["kind"] == "foreign_orphan" && l["action"] == "none"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l["webhook_host"] == "another-deployment.example"), "{lines:?}");
    // Nothing was queued for them: a worker poll later, they still run.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for id in [&foreign, &no_webhook, &web] {
        assert_eq!(sim.prediction(id).unwrap().status, PredictionStatus::Processing, "{id} was touched");
    }
    t.stop().await;
}

#[tokio::test]
async fn a_job_whose_status_disagrees_with_the_provider_is_reported() {
    let t = stack(None).await;
    let u = t.user("dee").await;
    // The prediction succeeds, but its completed webhook is held: our job still runs.
    let job = t.generate(&u, "a heron whose webhook is late [sim:hold-webhook]").await;
    let job_id = job["id"].as_str().unwrap().to_string();
    let sim = t.stack.sim.as_ref().unwrap();
    let until = Instant::now() + Duration::from_secs(15);
    let pid = loop {
        let done = sim.predictions().into_iter().find(|p| p.status == PredictionStatus::Succeeded);
        if let Some(p) = done {
            break p.id;
        }
        assert!(Instant::now() < until, "the prediction never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let run = audit(&t).await;
    assert_eq!(
        (run["matched"].as_u64(), run["disagreements"].as_u64()),
        (Some(1), Some(1)),
        "{run}"
    );
    assert_eq!(
        (run["orphans"].as_u64(), run["cancels_queued"].as_u64()),
        (Some(0), Some(0)),
        "{run}"
    );
    let lines = findings(&t, &run).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let l = &lines[0];
    assert_eq!(
        (
            l["kind"].as_str(),
            l["prediction_id"].as_str(),
            l["job_id"].as_str(),
            l["status"].as_str(),
            l["job_status"].as_str()
        ),
        (
            Some("disagreement"),
            Some(pid.as_str()),
            Some(job_id.as_str()),
            Some("succeeded"),
            Some("running")
        )
    );
    sim.release_webhooks();
    t.stop().await;
}

#[tokio::test]
async fn the_watermark_survives_a_crash_between_pages_and_the_window_is_audited_again() {
    let t = stack(None).await;
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_list_page_size(Some(2));
    // The orphan is the oldest: it is on the last page.
    let mut old = outside("processing", Some(our_webhook(&t, "lost-user")), None);
    old.age_s = 60;
    let orphan = sim.make_predictions(&old).remove(0);
    let mut newer = outside(
        "succeeded",
        Some("https://another-deployment.example/webhooks/replicate".into()),
        None,
    );
    newer.count = 5;
    sim.make_predictions(&newer);
    // Page 2 of the listing fails: the run ends between pages.
    sim.fail_list_page(Some(2));
    let first = audit(&t).await;
    assert_eq!(
        (first["complete"].as_bool(), first["pages"].as_u64()),
        (Some(false), Some(1)),
        "{first}"
    );
    assert_eq!(first["watermark_advanced"], false, "{first}");
    assert_eq!(
        t.stack.app.store.audit_watermark().await.unwrap(),
        None,
        "the watermark stays where it was"
    );
    assert_eq!(first["orphans"], 0, "the orphan's page was never read");

    sim.fail_list_page(None);
    let second = audit(&t).await;
    assert_eq!(
        (second["complete"].as_bool(), second["pages"].as_u64()),
        (Some(true), Some(3)),
        "{second}"
    );
    assert!(
        second["window_from"].as_str() < first["window_to"].as_str(),
        "the window the first run left is listed again: {first} {second}"
    );
    assert_eq!(second["orphans"], 1, "nothing was lost: {second}");
    assert_eq!(
        t.stack.app.store.audit_watermark().await.unwrap().as_deref(),
        second["window_to"].as_str(),
        "moved once the window was audited whole"
    );
    wait_status(&t, &orphan, PredictionStatus::Canceled).await;
    t.stop().await;
}

/// The simulator's limit here is Replicate's scaled to a second (5 reads a second, where
/// Replicate allows 3000 a minute), and the audit's pace likewise (240 reads a minute, 4 a
/// second): a run over a dozen pages must meet no 429.
#[tokio::test]
async fn a_paging_run_stays_under_the_rate_limit() {
    let t = stack(Some(240)).await;
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_list_page_size(Some(1));
    sim.set_list_rate_limit(Some((5, Duration::from_secs(1))));
    let mut many = outside(
        "succeeded",
        Some("https://another-deployment.example/webhooks/replicate".into()),
        None,
    );
    many.count = 12;
    sim.make_predictions(&many);
    let run = audit(&t).await;
    assert_eq!(
        (run["complete"].as_bool(), run["pages"].as_u64(), run["listed"].as_u64()),
        (Some(true), Some(12), Some(12)),
        "{run}"
    );
    let (requests, throttled, _) = sim.list_counters();
    assert_eq!(throttled, 0, "{throttled} of {requests} listing reads were over the limit");
    t.stop().await;
}

/// A prediction whose webhook names a job of a user who deleted their account (their
/// tombstone: the account item's `deleted_at`, as `POST /api/account/deletion` writes it) is
/// that user's, not an orphan; still running, it is stopped.
#[tokio::test]
async fn a_deleted_users_prediction_is_classed_apart_from_orphans() {
    let t = stack(None).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let gone = UserId::parse("gone-user").unwrap();
    let conf = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    use aws_sdk_dynamodb::types::AttributeValue as A;
    aws_sdk_dynamodb::Client::new(&conf)
        .put_item()
        .table_name(&t.stack.resources.tables.usage)
        .item("user_id", A::S(gone.as_str().into()))
        .item("period", A::S(shared::store::ACCOUNT_PERIOD.into()))
        .item("deleted_at", A::S("2026-12-01T10:00:00Z".into()))
        .item("deletion_id", A::S("01JDELETION0000000000000000".into()))
        .send()
        .await
        .unwrap();
    let id = sim
        .make_predictions(&outside("processing", Some(our_webhook(&t, gone.as_str())), None))
        .remove(0);
    let run = audit(&t).await;
    assert_eq!((run["deleted_user"].as_u64(), run["orphans"].as_u64()), (Some(1), Some(0)), "{run}");
    assert_eq!(findings(&t, &run).await[0]["kind"], "deleted_user");
    wait_status(&t, &id, PredictionStatus::Canceled).await;
    t.stop().await;
}

/// What the job recorded of the provider's bill when it settled is checked against the bill
/// the provider's final figures give, as listed: equal, nothing; off beyond the tolerance (here
/// the record understated it, as an estimate can), a cost drift.
#[tokio::test]
async fn a_provider_cost_that_differs_from_the_recorded_one_is_reported() {
    let t = stack(None).await;
    let u = t.user("cy").await;
    let job = t.generate(&u, "a finch on a wire").await;
    let job_id = job["id"].as_str().unwrap().to_string();
    assert_eq!(t.wait_finished(&u, &job_id).await["job"]["status"], "succeeded");
    let run = audit(&t).await;
    assert_eq!((run["matched"].as_u64(), run["cost_drifts"].as_u64()), (Some(1), Some(0)), "{run}");

    let sub = t.sub(&u).await;
    let conf = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    use aws_sdk_dynamodb::types::AttributeValue as A;
    aws_sdk_dynamodb::Client::new(&conf)
        .update_item()
        .table_name(&t.stack.resources.tables.jobs)
        .key("user_id", A::S(sub.as_str().into()))
        .key("job_id", A::S(job_id.clone()))
        .update_expression("SET #p.cost_micros = :c")
        .expression_attribute_names("#p", "provider")
        .expression_attribute_values(":c", A::N("1".into()))
        .send()
        .await
        .unwrap();
    let run = audit(&t).await;
    assert_eq!(run["cost_drifts"], 1, "{run}");
    let lines = findings(&t, &run).await;
    let drift = lines.iter().find(|l| l["kind"] == "cost_drift").expect("a cost drift line");
    assert_eq!(
        (drift["job_id"].as_str(), drift["recorded_micros"].as_i64()),
        (Some(job_id.as_str()), Some(1))
    );
    let billed = drift["provider_micros"].as_i64().unwrap();
    assert!(billed > 1, "{drift}");
    assert_eq!(drift["drift_micros"].as_i64(), Some(billed - 1));
    t.stop().await;
}
