//! Scheduled functions (`"trigger": "schedule"` in routes.json: the reconciler) are invoked
//! asynchronously, so Lambda, not the scheduler, decides what happens to a run that fails: by
//! default it retries twice, up to hours later, overlapping the next runs. Each one must have an
//! `aws_lambda_function_event_invoke_config` that retries nothing and sends a failed run to an
//! SQS failure destination; its role may (and must) send there, since Lambda sends with it.

use crate::infra::TfBlock;
use crate::model::{Model, stub_ref};
use hcl::Value;

/// The failure destination (`aws_sqs_queue.<name>.arn`) of the scheduled function `name`,
/// whose Lambda is `lambda`, after checking its invoke config.
pub fn failure_destination(model: &Model, name: &str, lambda: &TfBlock) -> Result<String, String> {
    let configs = model.resources("aws_lambda_function_event_invoke_config");
    let config = configs
        .iter()
        .find(|r| model.keys_of(r).is_some_and(|k| k.iter().any(|x| x == name)))
        .ok_or_else(|| {
            format!("scheduled function {name} has no aws_lambda_function_event_invoke_config (Lambda would retry a failed run, overlapping the next)")
        })?;
    let fq = format!("{}.{}[\"{name}\"]", config.kind, config.name);
    let own = ["function_name", "arn"].map(|a| stub_ref(&lambda.kind, &lambda.name, Some(name), a));
    match model.eval_attr_each(config, name, &["function_name"]) {
        Ok(Value::String(s)) if own.contains(&s) => {}
        other => return Err(format!("{fq}: function_name must be its own function's, got {other:?}")),
    }
    match model.eval_attr_each(config, name, &["maximum_retry_attempts"]) {
        Ok(v) if v.as_f64() == Some(0.0) => {}
        other => {
            return Err(format!(
                "{fq}: maximum_retry_attempts must be 0 (a retried run overlaps the next), got {other:?}"
            ));
        }
    }
    match model.eval_attr_each(config, name, &["destination_config", "on_failure", "destination"]) {
        Ok(Value::String(s)) if s.starts_with("aws_sqs_queue.") && s.ends_with(".arn") => Ok(s),
        other => Err(format!(
            "{fq}: destination_config.on_failure.destination must be an SQS queue's arn, got {other:?}"
        )),
    }
}
