//! Reading the Rust sources: every fn of a crate's `src/` (free fns and impl methods, with their
//! owner type), skipping what is not deployed (`#[cfg(test)]` modules, `#[test]` fns).

use quote::ToTokens;
use std::fs;
use std::path::{Path, PathBuf};
use syn::{ImplItem, Item};

/// One fn of the sources, with where it is.
pub(super) struct FnInfo {
    pub(super) owner: Option<String>,
    pub(super) name: String,
    pub(super) file: String,
    /// `shared` or the function crate's name.
    pub(super) krate: String,
    pub(super) block: syn::Block,
}

impl FnInfo {
    pub(super) fn label(&self) -> String {
        match &self.owner {
            Some(o) => format!("{o}::{}", self.name),
            None => self.name.clone(),
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let t = a.to_token_stream().to_string().replace(' ', "");
        t == "#[test]" || t.starts_with("#[cfg(test") || t.contains("tokio::test")
    })
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

fn collect_items(items: &[Item], file: &str, krate: &str, out: &mut Vec<FnInfo>) {
    for item in items {
        match item {
            Item::Fn(f) if !is_cfg_test(&f.attrs) => out.push(FnInfo {
                owner: None,
                name: f.sig.ident.to_string(),
                file: file.to_string(),
                krate: krate.to_string(),
                block: (*f.block).clone(),
            }),
            Item::Impl(i) if !is_cfg_test(&i.attrs) => {
                let owner = type_name(&i.self_ty);
                for it in &i.items {
                    if let ImplItem::Fn(f) = it {
                        if is_cfg_test(&f.attrs) {
                            continue;
                        }
                        out.push(FnInfo {
                            owner: owner.clone(),
                            name: f.sig.ident.to_string(),
                            file: file.to_string(),
                            krate: krate.to_string(),
                            block: f.block.clone(),
                        });
                    }
                }
            }
            Item::Mod(m) if !is_cfg_test(&m.attrs) => {
                if let Some((_, items)) = &m.content {
                    collect_items(items, file, krate, out);
                }
            }
            _ => {}
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let rd = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in rd {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            rust_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

pub(super) fn parse_dir(root: &Path, rel: &str, krate: &str, out: &mut Vec<FnInfo>) -> Result<(), String> {
    let mut files = Vec::new();
    rust_files(&root.join(rel), &mut files)?;
    files.sort();
    for p in files {
        let text = fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let file = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().to_string();
        let ast = syn::parse_file(&text).map_err(|e| format!("{file}: {e}"))?;
        collect_items(&ast.items, &file, krate, out);
    }
    Ok(())
}
