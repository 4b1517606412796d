//! Prints per-signature and per-page costs of CloudFront URL signing as a markdown table.
//! A gallery page is 48 assets, each with a `url` and a `download_url`: 96 signatures.
#[path = "../../../shared/src/media/cdn.rs"]
#[allow(dead_code)]
mod cdn;

use cdn::{KeyKind, UrlSigner, UrlVerifier, generate_key_pair};
use std::collections::HashMap;
use std::time::Instant;

const PAGE: usize = 48;
/// Lambda gives a function CPU in proportion to memory: one vCPU at 1769 MB.
const FULL_VCPU_MB: f64 = 1769.0;

fn per_op_us(n: usize, mut f: impl FnMut(usize)) -> f64 {
    for i in 0..n / 10 {
        f(i);
    }
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn resource(i: usize) -> String {
    format!("https://studio.example.com/media/users/4f1c2b9e-0000-4000-8000-{i:012}/assets/01JD{i:022}.png")
}

fn main() {
    let n: usize = std::env::var("BENCH_SIGN_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let mem: Vec<f64> = vec![128.0, 256.0, 512.0];
    println!(
        "| key | sign µs | verify µs | page (96 signatures) ms | page at {} MB ms | page, signature cache hit ms |",
        mem.iter().map(|m| m.to_string()).collect::<Vec<_>>().join("/")
    );
    println!("|---|---|---|---|---|---|");
    for (kind, name) in [
        (KeyKind::Rsa2048, "RSA-2048 (PKCS#1 v1.5, SHA-256)"),
        (KeyKind::EcdsaP256, "ECDSA P-256 (SHA-256)"),
    ] {
        let (private, public) = generate_key_pair(kind).expect("key pair");
        let signer = UrlSigner::from_pem(&private, "KBENCH").expect("signer");
        let verifier = UrlVerifier::new().with_key("KBENCH", &public).expect("verifier");
        let expires = 4_000_000_000u64;
        let sign = per_op_us(n, |i| {
            std::hint::black_box(signer.sign(&resource(i), expires).expect("sign"));
        });
        let url = signer.sign(&resource(0), expires).expect("sign");
        let (path, query) = url.strip_prefix("https://studio.example.com").unwrap().split_once('?').unwrap();
        let verify = per_op_us(n, |_| {
            verifier.verify("https://studio.example.com", path, query, 1).expect("verify");
        });
        let page_us = per_op_us(n / 96 + 3, |p| {
            for i in 0..PAGE {
                let r = resource(p * PAGE + i);
                std::hint::black_box(signer.sign(&r, expires).expect("sign"));
                let d = format!("{r}?response-content-disposition=attachment%3B%20filename%3D%22x.png%22");
                std::hint::black_box(signer.sign(&d, expires).expect("sign"));
            }
        });
        // The same page again within one expiry window: every URL from the per-container cache.
        let mut cache: HashMap<(String, u64), String> = HashMap::new();
        for i in 0..PAGE * 2 {
            cache.insert((resource(i), expires), signer.sign(&resource(i), expires).unwrap());
        }
        let hit_us = per_op_us(200, |_| {
            for i in 0..PAGE * 2 {
                std::hint::black_box(cache.get(&(resource(i), expires)).expect("hit"));
            }
        });
        let projected: Vec<String> = mem.iter().map(|m| format!("{:.1}", page_us / 1000.0 * FULL_VCPU_MB / m)).collect();
        println!(
            "| {name} | {sign:.1} | {verify:.1} | {:.2} | {} | {:.3} |",
            page_us / 1000.0,
            projected.join(" / "),
            hit_us / 1000.0
        );
    }
}
