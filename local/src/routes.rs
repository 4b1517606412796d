//! `routes.json`, the one route table (Terraform reads the same file), and the table of
//! handlers the local gateway dispatches to: the very same functions the Lambdas run.
use futures_util::future::BoxFuture;
use lambda_http::Request;
use serde::Deserialize;
use shared::App;
use shared::api::ApiResult;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const ROUTES_JSON: &str = include_str!("../../routes.json");

#[derive(Debug, Clone, Deserialize)]
pub struct FunctionDef {
    pub trigger: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    /// The AWS calls its code makes: its IAM role (Terraform) and its local identity (crate::iam).
    #[serde(default)]
    pub access: crate::iam::Access,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub function: String,
    pub auth: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RouteTable {
    pub functions: BTreeMap<String, FunctionDef>,
    pub routes: Vec<Route>,
}

pub fn table() -> RouteTable {
    parse(ROUTES_JSON).expect("routes.json is valid (checked by tests)")
}

/// A route table from its JSON: the compiled-in one, or a test's override of it.
pub fn parse(json: &str) -> Result<RouteTable, serde_json::Error> {
    serde_json::from_str(json)
}

impl Route {
    /// `GET /api/jobs/{id}` style key, as API Gateway names routes.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Matches a request path; returns the path parameters.
    pub fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        if !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let want: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_matches('/').split('/').collect();
        if want.len() != got.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (w, g) in want.iter().zip(&got) {
            if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                if g.is_empty() {
                    return None;
                }
                params.insert(name.to_string(), percent_decode(g));
            } else if w != g {
                return None;
            }
        }
        Some(params)
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

pub type Handler = fn(Arc<App>, Request) -> BoxFuture<'static, ApiResult>;

macro_rules! handler {
    ($krate:ident) => {
        (|app, req| Box::pin($krate::handler(app, req))) as Handler
    };
}

/// Function name (as in routes.json) → its handler.
pub fn handlers() -> BTreeMap<&'static str, Handler> {
    BTreeMap::from([
        ("health", handler!(health)),
        ("models-list", handler!(models_list)),
        ("me-get", handler!(me_get)),
        ("images-generate", handler!(images_generate)),
        ("images-edit", handler!(images_edit)),
        ("videos-generate", handler!(videos_generate)),
        ("assets-lineage", handler!(assets_lineage)),
        ("jobs-get", handler!(jobs_get)),
        ("jobs-list", handler!(jobs_list)),
        ("assets-get", handler!(assets_get)),
        ("uploads-create", handler!(uploads_create)),
        ("uploads-complete", handler!(uploads_complete)),
        ("assets-list", handler!(assets_list)),
        ("assets-save", handler!(assets_save)),
        ("assets-delete", handler!(assets_delete)),
        ("assets-batch", handler!(assets_batch)),
        ("usage-get", handler!(usage_get)),
        ("jobs-cancel", handler!(jobs_cancel)),
        ("prompts-rewrite", handler!(prompts_rewrite)),
        ("sets-create", handler!(sets_create)),
        ("sets-get", handler!(sets_get)),
        ("sets-list", handler!(sets_list)),
        ("stories-create", handler!(stories_create)),
        ("stories-get", handler!(stories_get)),
        ("stories-list", handler!(stories_list)),
        ("boards-list", handler!(boards_list)),
        ("boards-create", handler!(boards_create)),
        ("boards-get", handler!(boards_get)),
        ("boards-update", handler!(boards_update)),
        ("boards-delete", handler!(boards_delete)),
        ("collections-list", handler!(collections_list)),
        ("collections-create", handler!(collections_create)),
        ("collections-get", handler!(collections_get)),
        ("collections-update", handler!(collections_update)),
        ("collections-delete", handler!(collections_delete)),
        ("collections-assets", handler!(collections_assets)),
        ("shares", handler!(shares)),
        ("shares-open", handler!(shares_open)),
        ("presets", handler!(presets)),
        ("account-sign-out", handler!(account_sign_out)),
        ("exports", handler!(exports)),
        ("webhook-replicate", handler!(webhook_replicate)),
        ("trash-list", handler!(trash_list)),
        ("trash-update", handler!(trash_update)),
        ("account-deletion", handler!(account_deletion)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_function_and_every_http_function_a_handler() {
        let t = table();
        let h = handlers();
        for r in &t.routes {
            let f = t
                .functions
                .get(&r.function)
                .unwrap_or_else(|| panic!("route {} names unknown function {}", r.key(), r.function));
            assert_eq!(f.trigger, "http", "{}", r.key());
            assert!(h.contains_key(r.function.as_str()), "no local handler for {}", r.function);
        }
        for (name, f) in &t.functions {
            if f.trigger == "http" {
                assert!(t.routes.iter().any(|r| &r.function == name), "http function {name} has no route");
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../functions");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(t.functions.contains_key(&name), "functions/{name} is not in routes.json");
        }
    }

    #[test]
    fn only_health_the_webhook_and_the_share_read_are_public() {
        for r in table().routes {
            let public = r.path == "/api/health" || r.path == "/webhooks/replicate" || r.key() == "POST /api/shared";
            assert_eq!(!r.auth, public, "{}", r.key());
        }
    }

    #[test]
    fn path_parameters_match_one_segment() {
        let r = Route {
            method: "GET".into(),
            path: "/api/jobs/{id}".into(),
            function: "jobs-get".into(),
            auth: true,
        };
        assert_eq!(r.matches("GET", "/api/jobs/01ABC").unwrap()["id"], "01ABC");
        assert!(r.matches("GET", "/api/jobs/01ABC/x").is_none());
        assert!(r.matches("POST", "/api/jobs/01ABC").is_none());
        assert!(r.matches("GET", "/api/jobs/").is_none());
    }

    #[test]
    fn openapi_documents_every_route() {
        // Line parsing of the `paths:` section (no YAML crate): a key with exactly two spaces of
        // indent is a path, four spaces and an HTTP method is one of its operations.
        const OPENAPI: &str = include_str!("../../docs/openapi.yaml");
        const METHODS: [&str; 8] = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
        let mut documented = std::collections::BTreeSet::new();
        let (mut in_paths, mut path) = (false, None::<String>);
        for line in OPENAPI.lines().map(str::trim_end) {
            let body = line.trim_start();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let indent = line.len() - body.len();
            if indent == 0 {
                in_paths = line == "paths:";
                path = None;
                continue;
            }
            let Some(key) = body.strip_suffix(':').filter(|_| in_paths) else {
                continue;
            };
            match indent {
                2 => path = Some(key.trim_matches(|c| c == '\'' || c == '"').to_string()),
                4 if METHODS.contains(&key) => {
                    let p = path.as_ref().unwrap_or_else(|| panic!("operation {key} outside a path"));
                    documented.insert(format!("{} {p}", key.to_ascii_uppercase()));
                }
                _ => {}
            }
        }
        let routes: std::collections::BTreeSet<String> = table().routes.iter().map(Route::key).collect();
        for r in &routes {
            assert!(documented.contains(r), "docs/openapi.yaml does not document {r}");
        }
        for d in &documented {
            let (_, p) = d.split_once(' ').unwrap();
            if p.starts_with("/api/") || p.starts_with("/webhooks/") {
                assert!(
                    routes.contains(d),
                    "docs/openapi.yaml documents {d}, which routes.json does not have"
                );
            }
        }
        assert!(
            documented.contains("GET /config.json"),
            "docs/openapi.yaml does not document GET /config.json"
        );
    }
}
