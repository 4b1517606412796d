//! Which function a Lambda runs. Every function is deployed as its own Lambda (own role,
//! memory, timeout, log group, route) from this one binary; the Lambda's name picks the
//! handler. One binary because the release link dominates packaging time
//! (docs/decisions/0001-one-binary-per-function.md).

/// Every function in `functions/`, as named in `routes.json`.
pub const FUNCTIONS: &[&str] = &[
    "health",
    "models-list",
    "me-get",
    "images-generate",
    "images-edit",
    "videos-generate",
    "assets-lineage",
    "jobs-get",
    "jobs-list",
    "assets-get",
    "uploads-create",
    "uploads-complete",
    "assets-list",
    "assets-save",
    "assets-delete",
    "assets-batch",
    "usage-get",
    "jobs-cancel",
    "prompts-rewrite",
    "sets-create",
    "sets-get",
    "sets-list",
    "stories-create",
    "stories-get",
    "stories-list",
    "boards-list",
    "boards-create",
    "boards-get",
    "boards-update",
    "boards-delete",
    "collections-list",
    "collections-create",
    "collections-get",
    "collections-update",
    "collections-delete",
    "collections-assets",
    "shares",
    "shares-open",
    "presets",
    "account-sign-out",
    "exports",
    "webhook-replicate",
    "worker",
    "reconciler",
    "provider-audit",
    "trash-list",
    "trash-update",
    "trash-sweep",
    "account-deletion",
    "account-erase",
];

/// `VN_HANDLER` if set, else the Lambda's name (`<prefix>-<function>` or the bare function).
pub fn which(handler: Option<&str>, lambda_name: Option<&str>) -> Option<&'static str> {
    let name = handler.or(lambda_name)?;
    FUNCTIONS
        .iter()
        .copied()
        .filter(|f| name == *f || name.ends_with(&format!("-{f}")))
        .max_by_key(|f| f.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_covers_exactly_the_functions_of_routes_json_and_functions_dir() {
        let routes: serde_json::Value = serde_json::from_str(include_str!("../../routes.json")).unwrap();
        let mut want: Vec<&str> = routes["functions"].as_object().unwrap().keys().map(String::as_str).collect();
        want.sort();
        let mut have = FUNCTIONS.to_vec();
        have.sort();
        assert_eq!(have, want);
        let mut dirs: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        dirs.sort();
        assert_eq!(dirs, want);
    }

    #[test]
    fn the_lambda_name_picks_the_handler() {
        assert_eq!(which(None, Some("visual-neurons-jobs-get")), Some("jobs-get"));
        assert_eq!(which(None, Some("vn-me-get")), Some("me-get"));
        assert_eq!(which(None, Some("worker")), Some("worker"));
        assert_eq!(which(Some("health"), Some("vn-worker")), Some("health"));
        assert_eq!(which(None, Some("vn-unknown")), None);
        assert_eq!(which(None, None), None);
    }
}
