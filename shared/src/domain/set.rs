//! A comparison set: one prompt sent to 2–4 text→image models at once, kept as a whole so the
//! comparison can be shown again later. Its jobs are ordinary jobs.
use super::{JobId, Micros, SetId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub const MIN_SET_MODELS: usize = 2;
pub const MAX_SET_MODELS: usize = 4;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareSet {
    pub user_id: UserId,
    pub set_id: SetId,
    pub prompt: String,
    /// Model ids, in the order the user picked them; `job_ids[i]` runs `models[i]`.
    pub models: Vec<String>,
    /// The options as requested (each job carries the ones its model takes, defaults filled in).
    pub options: Map<String, Value>,
    pub job_ids: Vec<JobId>,
    pub estimated_micros: Micros,
    pub created_at: String,
}

impl CompareSet {
    /// The `Set` object of the API (without its jobs).
    pub fn to_api(&self) -> Value {
        json!({
            "id": self.set_id,
            "prompt": self.prompt,
            "models": self.models,
            "options": self.options,
            "job_ids": self.job_ids,
            "estimated_cost_usd": self.estimated_micros.usd(),
            "created_at": self.created_at,
        })
    }
}

/// 2–4 distinct model ids, or what is wrong (as a 400 on `models`).
pub fn check_set_models(models: &[String]) -> Result<(), String> {
    if models.len() < MIN_SET_MODELS || models.len() > MAX_SET_MODELS {
        return Err(format!(
            "pick {MIN_SET_MODELS} to {MAX_SET_MODELS} models to compare; got {}",
            models.len()
        ));
    }
    for (i, m) in models.iter().enumerate() {
        if models[..i].contains(m) {
            return Err(format!("{m} is listed twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_to_four_distinct_models() {
        let m = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_set_models(&m(&["a", "b"])).is_ok());
        assert!(check_set_models(&m(&["a", "b", "c", "d"])).is_ok());
        assert!(check_set_models(&m(&["a"])).is_err());
        assert!(check_set_models(&m(&["a", "b", "c", "d", "e"])).is_err());
        assert!(check_set_models(&m(&["a", "b", "a"])).unwrap_err().contains("twice"));
    }
}
