//! A small YAML writer for JSON values: block mappings, flow lists of scalars, block lists of
//! mappings. Strings are plain when that is unambiguous, else single-quoted (backslashes stay
//! literal there, which regular expressions need).
use serde_json::Value;

fn plain_ok(s: &str) -> bool {
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"];
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/$".contains(c))
        && !reserved.contains(&s.to_ascii_lowercase().as_str())
}

pub fn key(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain_ok(s) => s.clone(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    }
}

/// Writes the entries of `v` (an object) at `indent` spaces, or a scalar on its own line.
pub fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                match x {
                    _ if is_scalar(x) => out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(x))),
                    Value::Array(a) if a.iter().all(is_scalar) => {
                        let items: Vec<String> = a.iter().map(scalar).collect();
                        out.push_str(&format!("{pad}{}: [{}]\n", key(k), items.join(", ")));
                    }
                    Value::Array(a) => {
                        out.push_str(&format!("{pad}{}:\n", key(k)));
                        for item in a {
                            let mut inner = String::new();
                            emit(item, indent + 4, &mut inner);
                            let body = inner.trim_start();
                            if is_scalar(item) {
                                out.push_str(&format!("{pad}  - {}\n", scalar(item)));
                            } else {
                                out.push_str(&format!("{pad}  - {body}"));
                            }
                        }
                    }
                    _ => {
                        out.push_str(&format!("{pad}{}:\n", key(k)));
                        emit(x, indent + 2, out);
                    }
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}
