//! `hold-webhook`: the prediction finishes, but its `completed` webhook waits for the test.

use super::*;

#[tokio::test]
async fn hold_webhook_finishes_the_prediction_and_sends_completed_only_when_released() {
    let (sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    let p = client
        .create_prediction(
            &imagen(),
            json!({"prompt": "[sim:hold-webhook] late news"}),
            Some(&url),
            &[WebhookEvent::Completed],
        )
        .await
        .unwrap();
    let done = wait_terminal(&client, &p.id).await;
    assert_eq!(done.status, PredictionStatus::Succeeded);
    // A cancel now finds it finished and changes nothing (as on Replicate).
    let after = client.cancel_prediction(&p.id).await.unwrap();
    assert_eq!(after.status, PredictionStatus::Succeeded);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.all().is_empty(), "held: {:?}", rx.all().len());
    assert_eq!(sim.stats().webhook_attempts, 0);

    sim.release_webhooks();
    let got = rx.wait_for(1).await;
    verify(&WebhookSecret::parse(sim.webhook_secret()).unwrap(), &got[0]).unwrap();
    assert_eq!(got[0].prediction().status, PredictionStatus::Succeeded);
    assert_eq!(got[0].prediction().output_urls(), done.output_urls());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.all().len(), 1, "sent once");
}
