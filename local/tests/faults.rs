//! Provider faults through the whole local stack (gateway, queue, worker, webhook, simulator),
//! the cases issue #13 names that the other files don't: a storm of 429s with `Retry-After`,
//! outputs that redirect to another host, outputs on link-local or private addresses, and an
//! output that is not an image.
//! Each ends with every job in one final state, one charge or none, and nothing reserved.
mod common;
use common::{TestStack, User};
use local::simulator::Fault;
use shared::domain::Micros;
use std::time::{Duration, Instant};

/// The user's month: (committed, spent), in micros.
async fn month(t: &TestStack, u: &User) -> (Micros, Micros, i64) {
    let sub = t.sub(u).await;
    let period = shared::clock::period(shared::clock::now());
    let m = t.stack.app.store.usage().month(&sub, &period).await.unwrap();
    (m.committed, m.spent, m.count)
}

#[tokio::test]
async fn a_storm_of_429s_is_waited_out_as_retry_after_says_and_each_job_runs_once() {
    // A message comes back after 10 minutes unless the worker shortens its wait: the jobs can
    // only finish inside this test if the worker hands Replicate's Retry-After to the queue.
    // The client never sleeps in-process, so every 429 goes through the queue.
    let t = TestStack::with(|o| {
        o.queue_visibility_s = 600;
        o.monthly_limit_usd = "100".into();
        o.extra_env.push(("REPLICATE_MAX_RETRY_WAIT_S".into(), "0".into()));
    })
    .await;
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_throttle_retry_after(2);
    // 24 creates are throttled whoever makes them: every job is refused at least once, most
    // several times, and all of them come back around the same moments.
    sim.set_fault(Some(Fault::Throttle), 24);
    let u = t.user("storm").await;
    let started = Instant::now();
    let mut ids = Vec::new();
    for i in 0..8 {
        let job = t.generate(&u, &format!("storm {i}: a lighthouse in the rain")).await;
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    t.wait_all_finished(&u, &ids, Duration::from_secs(240)).await;
    assert!(started.elapsed() < Duration::from_secs(300), "waited for the visibility timeout");
    for id in &ids {
        let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
        assert_eq!(b["job"]["status"], "succeeded", "{b}");
        assert_eq!(b["job"]["asset_ids"].as_array().unwrap().len(), 1, "{b}");
    }
    let stats = sim.stats();
    assert_eq!(stats.creates_throttled, 24, "{stats:?}");
    assert_eq!(stats.predictions_created, 8, "one prediction per job: {stats:?}");
    assert_eq!(stats.early_retries, 0, "no create came back before its Retry-After: {stats:?}");
    let (committed, spent, count) = month(&t, &u).await;
    assert_eq!((spent, count), (Micros(8 * 40_000), 8), "charged once each");
    assert_eq!(committed, spent, "nothing left reserved");
    t.stop().await;
}

#[tokio::test]
async fn outputs_that_redirect_elsewhere_live_on_private_addresses_or_are_no_images_are_refused_and_free() {
    let t = TestStack::start().await;
    let sim = t.stack.sim.as_ref().unwrap();
    let u = t.user("ssrf").await;
    // Each is refused by its own guard: redirects are never followed, and only allow-listed
    // hosts are contacted (a name on the list that resolves privately is refused too: the
    // download client's unit tests in shared::media::fetch).
    let cases = [
        (Fault::RedirectOutput, "answered HTTP 302"),
        (Fault::LinkLocalOutput, "host 169.254.169.254 is not allowed"),
        (Fault::PrivateOutput, "host 10.0.0.1 is not allowed"),
        // Served as image/png, but HTML: the bytes are sniffed, never the header trusted.
        (Fault::NotImage, "not a valid image"),
    ];
    let mut ids = Vec::new();
    for (f, _) in cases {
        let job = t.generate(&u, &format!("{} a quiet harbour", f.marker())).await;
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    t.wait_all_finished(&u, &ids, Duration::from_secs(60)).await;
    for ((f, why), id) in cases.iter().zip(&ids) {
        let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
        assert_eq!(b["job"]["status"], "failed", "{f}: {b}");
        assert_eq!(b["job"]["error"]["code"], "invalid_output", "{f}: {b}");
        assert!(b["job"]["error"]["message"].as_str().unwrap().contains(why), "{f}: {b}");
        assert!(b["job"]["asset_ids"].as_array().is_none_or(|a| a.is_empty()), "{f}: {b}");
    }
    let stats = sim.stats();
    assert_eq!(stats.redirects_followed, 0, "the redirect was never followed: {stats:?}");
    assert_eq!(stats.outputs_served, 1, "only the not-image body was downloaded: {stats:?}");
    let (committed, spent, count) = month(&t, &u).await;
    assert_eq!((committed, spent, count), (Micros(0), Micros(0), 0), "nothing charged or reserved");
    let (_, assets) = t.get(&u, "/api/assets").await;
    assert_eq!(assets["assets"].as_array().unwrap().len(), 0, "{assets}");
    t.stop().await;
}
