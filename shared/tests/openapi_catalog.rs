//! docs/openapi.yaml's request schemas for the catalog-driven routes (generate, edit, videos,
//! comparison sets, prompt rewrites) are rendered from `shared/catalog/models.json`, so the
//! catalog stays the one source of truth. The rendered block sits between two marker lines in
//! docs/openapi.yaml; this test fails when it differs from what the catalog renders today.
//!
//! Regenerate: `UPDATE_OPENAPI=1 cargo test -p shared --test openapi_catalog`.
mod openapi_render;

use openapi_render::render_block;
use shared::catalog::Catalog;

const OPENAPI: &str = "../docs/openapi.yaml";
pub const BEGIN: &str = "    # BEGIN catalog schemas: generated from shared/catalog/models.json by `UPDATE_OPENAPI=1 cargo test -p shared --test openapi_catalog`; do not edit by hand";
pub const END: &str = "    # END catalog schemas";

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(OPENAPI)
}

#[test]
fn openapi_request_schemas_match_the_catalog() {
    let catalog = Catalog::builtin().expect("catalog");
    let block = render_block(&catalog);
    let text = std::fs::read_to_string(path()).expect("read docs/openapi.yaml");
    let (Some(start), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/openapi.yaml lacks the marker lines of the catalog schemas (\n{BEGIN}\n...\n{END}\n) inside components.schemas");
    };
    let body_start = start + BEGIN.len() + 1;
    let current = &text[body_start..end];
    if current == block {
        return;
    }
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        let updated = format!("{}{}{}", &text[..body_start], block, &text[end..]);
        std::fs::write(path(), updated).expect("write docs/openapi.yaml");
        return;
    }
    let first_diff = current.lines().zip(block.lines()).position(|(a, b)| a != b).unwrap_or(0);
    panic!(
        "docs/openapi.yaml's catalog schemas differ from shared/catalog/models.json (first at block line {}: \
         {:?} vs rendered {:?}).\nRun `UPDATE_OPENAPI=1 cargo test -p shared --test openapi_catalog` to regenerate them.",
        first_diff + 1,
        current.lines().nth(first_diff).unwrap_or(""),
        block.lines().nth(first_diff).unwrap_or("")
    );
}

/// The rendered schemas say what the server checks: spot checks that would catch a renderer
/// that lost a rule.
#[test]
fn rendered_schemas_carry_the_catalogs_rules() {
    let catalog = Catalog::builtin().expect("catalog");
    let block = render_block(&catalog);
    for model in catalog.models() {
        assert!(block.contains(&openapi_render::scalar(&model.id.clone().into())), "{}", model.id);
    }
    // Options: enums, ranges, no unknown keys.
    assert!(block.contains("block_only_high"), "imagen's safety levels");
    assert!(block.contains("maximum: 2147483647"), "seeds' range");
    assert!(block.contains("additionalProperties: false"));
    // Video frames: references pin 16:9 and 8 s, and an end frame needs a start frame.
    assert!(block.contains("VideoRequest"));
    assert!(block.contains("reference_asset_ids"));
    // What the provider refuses (the catalog's facts): references take no negative prompt.
    assert!(block.contains("negative_prompt:\n                      type: 'null'"), "{block}");
}
