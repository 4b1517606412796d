//! `vn-local catalog-check` (`make catalog-check`): asks Replicate about every catalog model
//! (`GET /v1/models/{owner}/{name}`, and `GET .../versions/{id}` for a pinned version) and
//! compares the catalog with the answers (shared::catalog::drift). With `REPLICATE_API_TOKEN`
//! it asks Replicate itself; without one, the simulator, which answers from the schemas it
//! checks predictions against (`make test` runs it so).
use shared::catalog::drift::{Drift, compare};
use shared::catalog::{Catalog, Fact};
use shared::replicate::{ModelRef, ReplicateClient, ReplicateError};

use crate::BoxError;

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Models asked about.
    pub models: usize,
    pub drift: Vec<Drift>,
    /// Facts the catalog marks unconfirmed, by model id: only a real run can settle them.
    pub unconfirmed: Vec<(String, Fact)>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.drift.is_empty()
    }

    /// The report as the operator reads it.
    pub fn text(&self, against: &str) -> String {
        let mut s = format!("catalog-check against {against}: {} models\n", self.models);
        if self.drift.is_empty() {
            s.push_str("OK: the catalog matches what Replicate says of every model.\n");
        } else {
            s.push_str(&format!(
                "DRIFT: {} difference(s); change shared/catalog/models.json as each says:\n",
                self.drift.len()
            ));
            for d in &self.drift {
                s.push_str(&format!("  {d}\n"));
            }
        }
        if !self.unconfirmed.is_empty() {
            s.push_str("Unconfirmed facts (the catalog relies on them; a real run settles them, then set \"confirmed\": true):\n");
            for (model, f) in &self.unconfirmed {
                let rules = if f.rules.is_empty() {
                    "not enforced".to_string()
                } else {
                    f.rules.join(", ")
                };
                s.push_str(&format!("  {model}: {} [{rules}]\n", f.claim));
            }
        }
        s
    }
}

/// Asks `client` about every model of `catalog`, one request at a time (well within Replicate's
/// 3000 reads a minute). A model Replicate does not know is drift; any other failure (a wrong
/// token, Replicate down) stops the check with an error.
pub async fn check(client: &ReplicateClient, catalog: &Catalog) -> Result<Report, BoxError> {
    let mut report = Report::default();
    for m in catalog.models() {
        report.models += 1;
        report
            .unconfirmed
            .extend(m.facts.iter().filter(|f| !f.confirmed).map(|f| (m.id.clone(), f.clone())));
        let model = ModelRef::parse(&m.replicate)?;
        let info = match client.get_model(&model).await {
            Ok(info) => info,
            Err(ReplicateError::Client { status: 404, .. }) => {
                report.drift.push(Drift {
                    model: m.id.clone(),
                    problem: format!("Replicate does not know {}", m.replicate),
                    fix: "correct \"replicate\" (owner/name as on replicate.com), or remove the model".into(),
                });
                continue;
            }
            Err(e) => return Err(format!("GET /v1/models/{model}: {e}").into()),
        };
        let pinned = match &m.version {
            None => None,
            Some(v) => match client.get_model_version(&model, v).await {
                Ok(version) => Some(version),
                Err(ReplicateError::Client { status: 404, .. }) => None,
                Err(e) => return Err(format!("GET /v1/models/{model}/versions/{v}: {e}").into()),
            },
        };
        report.drift.extend(compare(m, &info, pinned.as_ref()));
    }
    Ok(report)
}
