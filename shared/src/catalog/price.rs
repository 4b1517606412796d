//! What a run costs: the estimate reserved before it, and the charge after it.
use super::check::spelled;
use super::request::check_value;
use super::{ModelSpec, OptionSpec, PriceUnit};
use crate::domain::Micros;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The JSON value a `by_option` key names for this option, if it is a valid value.
pub(super) fn parse_option_value(spec: &OptionSpec, key: &str) -> Option<Value> {
    let v = match spec {
        OptionSpec::Enum { .. } | OptionSpec::String { .. } => Value::from(key),
        OptionSpec::Boolean { .. } => Value::from(key.parse::<bool>().ok()?),
        OptionSpec::Integer { .. } => Value::from(key.parse::<i64>().ok()?),
        OptionSpec::Number { .. } => return None,
    };
    check_value(spec, &v).ok()
}

/// The unit price for these options: a `by_option` entry matching an option's value replaces
/// the base price (the first matching option, in name order).
pub fn unit_price(spec: &ModelSpec, options: &Map<String, Value>) -> Micros {
    unit_price_of(spec.price.usd_micros, &spec.price.by_option, options)
}

/// `base`, or the `by_option` price of the first option (in name order) whose value it names.
pub(super) fn unit_price_of(base: i64, by_option: &BTreeMap<String, BTreeMap<String, i64>>, options: &Map<String, Value>) -> Micros {
    for (opt, values) in by_option {
        if let Some(m) = options.get(opt).and_then(spelled).and_then(|v| values.get(&v)) {
            return Micros(*m);
        }
    }
    Micros(base)
}

/// How many outputs a request asks for (1 unless the model has a count option).
fn output_count(options: &Map<String, Value>) -> i64 {
    ["num_outputs", "max_images"]
        .iter()
        .find_map(|k| options.get(*k).and_then(Value::as_i64))
        .unwrap_or(1)
        .max(1)
}

/// The cost reserved before running: the most this request can cost.
pub fn estimate(spec: &ModelSpec, options: &Map<String, Value>) -> Micros {
    let units = match spec.price.per {
        PriceUnit::Image => output_count(options),
        PriceUnit::Second => options.get("duration").and_then(Value::as_i64).unwrap_or(8).max(1),
        PriceUnit::Run => 1,
        PriceUnit::Tokens => return token_estimate(spec, options),
    };
    Micros(unit_price(spec, options).0.saturating_mul(units))
}

/// How many output files a request asks for (and has money reserved for).
pub fn expected_outputs(spec: &ModelSpec, options: &Map<String, Value>) -> usize {
    match spec.price.per {
        PriceUnit::Image => output_count(options).max(1) as usize,
        PriceUnit::Second | PriceUnit::Run | PriceUnit::Tokens => 1,
    }
}

/// The real cost of a finished run with `outputs` files delivered.
pub fn actual_cost(spec: &ModelSpec, options: &Map<String, Value>, outputs: usize) -> Micros {
    match spec.price.per {
        PriceUnit::Image => Micros(unit_price(spec, options).0.saturating_mul(outputs as i64)),
        PriceUnit::Second | PriceUnit::Run | PriceUnit::Tokens => estimate(spec, options),
    }
}

/// Input tokens added around the prompts by the model's chat template (an upper bound).
const TEMPLATE_TOKENS: i64 = 64;

/// The most a language model run can cost: every byte of the system prompt and of the longest
/// prompt as one input token (a token is never shorter than a byte), plus `max_tokens` output.
fn token_estimate(spec: &ModelSpec, options: &Map<String, Value>) -> Micros {
    let (input, output) = token_bounds(options);
    token_cost(spec, input, output)
}

/// The most input and output tokens a language model run can take.
pub(super) fn token_bounds(options: &Map<String, Value>) -> (i64, i64) {
    let system = options.get("system_prompt").and_then(Value::as_str).map_or(0, str::len) as i64;
    let prompt = (crate::domain::MAX_PROMPT_CHARS * 4) as i64;
    let output = options.get("max_tokens").and_then(Value::as_i64).unwrap_or(0).max(0);
    (system + prompt + TEMPLATE_TOKENS, output)
}

/// What a language model run costs for these token counts, rounded up to a whole micro-dollar.
pub fn token_cost(spec: &ModelSpec, input_tokens: i64, output_tokens: i64) -> Micros {
    let input = spec.price.input_usd_micros.unwrap_or(0) as i128 * input_tokens.max(0) as i128;
    let output = spec.price.usd_micros as i128 * output_tokens.max(0) as i128;
    let total = (input + output + 999) / 1000;
    Micros(i64::try_from(total).unwrap_or(i64::MAX))
}
