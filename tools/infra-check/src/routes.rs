//! Every route of routes.json: an HTTP function, an `aws_apigatewayv2_route` with the right key,
//! target and authorization, an integration that invokes that function, and a permission that
//! lets API Gateway invoke it.

use crate::lambdas::Covering;
use crate::model::{Model, stub_ref};
use hcl::Value;
use std::collections::BTreeSet;

/// Checks each route of routes.json against the Terraform.
pub(crate) fn check_routes(
    model: &Model,
    routes: &[serde_json::Value],
    functions: &serde_json::Map<String, serde_json::Value>,
    dirs: &BTreeSet<String>,
    covering: &Covering,
    errors: &mut Vec<String>,
) {
    let route_blocks = model.resources("aws_apigatewayv2_route");
    let integrations = model.resources("aws_apigatewayv2_integration");
    let permissions = model.resources("aws_lambda_permission");
    for route in routes {
        let method = route["method"].as_str().unwrap_or("?");
        let path = route["path"].as_str().unwrap_or("?");
        let key = format!("{method} {path}");
        let Some(func) = route["function"].as_str() else {
            errors.push(format!("route {key} names no function"));
            continue;
        };
        match functions.get(func) {
            None => errors.push(format!("route {key}: function {func} is not in routes.json functions")),
            Some(f) if f["trigger"] != "http" => errors.push(format!("route {key}: function {func} is not an http function")),
            _ => {}
        }
        if !dirs.contains(func) {
            errors.push(format!("route {key}: no functions/{func} crate"));
        }
        let Some(rb) = route_blocks.iter().find(|r| model.keys_of(r).is_some_and(|k| k.contains(&key))) else {
            errors.push(format!("route {key} has no aws_apigatewayv2_route"));
            continue;
        };
        match model.eval_attr_each(rb, &key, &["route_key"]) {
            Ok(v) if v.as_str() == Some(key.as_str()) => {}
            other => errors.push(format!("route {key}: route_key is {other:?}")),
        }
        let auth = route["auth"].as_bool().unwrap_or(true);
        match model.eval_attr_each(rb, &key, &["authorization_type"]) {
            Ok(v) if v.as_str() == Some(if auth { "JWT" } else { "NONE" }) => {}
            other => errors.push(format!(
                "route {key}: authorization_type must be {} (auth={auth}), got {other:?}",
                if auth { "JWT" } else { "NONE" }
            )),
        }
        if auth {
            match model.eval_attr_each(rb, &key, &["authorizer_id"]) {
                Ok(Value::String(s)) if s.starts_with("aws_apigatewayv2_authorizer.") => {}
                other => errors.push(format!("route {key}: no JWT authorizer ({other:?})")),
            }
        }
        let Some(ib) = integrations
            .iter()
            .find(|r| model.keys_of(r).is_some_and(|k| k.iter().any(|x| x == func)))
        else {
            errors.push(format!("route {key}: function {func} has no aws_apigatewayv2_integration"));
            continue;
        };
        let want_target = format!("integrations/{}", stub_ref(&ib.kind, &ib.name, Some(func), "id"));
        match model.eval_attr_each(rb, &key, &["target"]) {
            Ok(v) if v.as_str() == Some(want_target.as_str()) => {}
            other => errors.push(format!("route {key}: target must be {want_target}, got {other:?}")),
        }
        if let Some(lambda) = covering["aws_lambda_function"].get(func) {
            let want = stub_ref(&lambda.kind, &lambda.name, Some(func), "invoke_arn");
            match model.eval_attr_each(ib, func, &["integration_uri"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!("integration of {func}: integration_uri must be {want}, got {other:?}")),
            }
        }
        let permitted = permissions.iter().any(|p| {
            model.keys_of(p).is_some_and(|k| k.iter().any(|x| x == func))
                && model
                    .eval_attr_each(p, func, &["principal"])
                    .is_ok_and(|v| v.as_str() == Some("apigateway.amazonaws.com"))
        });
        if !permitted {
            errors.push(format!("route {key}: no aws_lambda_permission lets API Gateway invoke {func}"));
        }
    }
}
