//! `infra/*.tf`, parsed: its `resource` and `data` blocks, `locals` and `variable` defaults.

use hcl::{Block, Body, Expression};
use std::fs;
use std::path::Path;

/// One `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct TfBlock {
    pub kind: String,
    pub name: String,
    pub body: Body,
    pub file: String,
}

/// All of `infra/*.tf`, parsed.
#[derive(Debug, Default)]
pub struct Infra {
    pub resources: Vec<TfBlock>,
    pub data: Vec<TfBlock>,
    pub locals: Vec<(String, Expression)>,
    pub variables: Vec<(String, Option<Expression>)>,
}

fn label(block: &Block, i: usize) -> String {
    block.labels().get(i).map(|l| l.as_str().to_string()).unwrap_or_default()
}

/// Parses every `*.tf` file in `dir`.
pub fn parse_infra(dir: &Path) -> Result<Infra, String> {
    let mut infra = Infra::default();
    let mut paths: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no .tf files in {}", dir.display()));
    }
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
        let body: Body = hcl::parse(&text).map_err(|e| format!("{file}: HCL parse error: {e}"))?;
        for block in body.blocks() {
            match block.identifier() {
                "resource" | "data" => {
                    let b = TfBlock {
                        kind: label(block, 0),
                        name: label(block, 1),
                        body: block.body().clone(),
                        file: file.clone(),
                    };
                    if block.identifier() == "resource" {
                        infra.resources.push(b);
                    } else {
                        infra.data.push(b);
                    }
                }
                "locals" => {
                    for attr in block.body().attributes() {
                        infra.locals.push((attr.key().to_string(), attr.expr().clone()));
                    }
                }
                "variable" => {
                    let default = block.body().attributes().find(|a| a.key() == "default").map(|a| a.expr().clone());
                    infra.variables.push((label(block, 0), default));
                }
                _ => {}
            }
        }
    }
    Ok(infra)
}
