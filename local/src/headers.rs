//! The security headers of every response, rendered from `infra/security-headers.json`: the
//! same file Terraform turns into the CloudFront response headers policy (infra/cdn.tf), so the
//! local page runs under the CSP, HSTS and frame rules it gets in AWS.
use serde::Deserialize;

pub const SOURCE: &str = include_str!("../../infra/security-headers.json");

#[derive(Deserialize)]
struct Hsts {
    max_age_s: u64,
    include_subdomains: bool,
    preload: bool,
}

#[derive(Deserialize)]
struct Xss {
    protection: bool,
    mode_block: bool,
}

#[derive(Deserialize)]
struct Source {
    content_security_policy: Vec<String>,
    content_security_policy_https_only: Vec<String>,
    strict_transport_security: Hsts,
    frame_options: String,
    content_type_options: String,
    referrer_policy: String,
    xss_protection: Xss,
}

/// (header, value) pairs. `cognito` fills the `{cognito}` placeholder; `https` keeps the
/// directives that only make sense over TLS.
pub fn security_headers(cognito: &str, https: bool) -> Vec<(&'static str, String)> {
    let s: Source = serde_json::from_str(SOURCE).expect("infra/security-headers.json parses");
    let mut csp: Vec<String> = s.content_security_policy.iter().map(|d| d.replace("{cognito}", cognito)).collect();
    if https {
        csp.extend(s.content_security_policy_https_only);
    }
    let h = &s.strict_transport_security;
    let mut hsts = format!("max-age={}", h.max_age_s);
    if h.include_subdomains {
        hsts.push_str("; includeSubDomains");
    }
    if h.preload {
        hsts.push_str("; preload");
    }
    let xss = match (s.xss_protection.protection, s.xss_protection.mode_block) {
        (false, _) => "0".to_string(),
        (true, false) => "1".to_string(),
        (true, true) => "1; mode=block".to_string(),
    };
    vec![
        ("content-security-policy", csp.join("; ")),
        ("strict-transport-security", hsts),
        ("x-frame-options", s.frame_options),
        ("x-content-type-options", s.content_type_options),
        ("referrer-policy", s.referrer_policy),
        ("x-xss-protection", xss),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_shared_file_with_this_stacks_hosts() {
        let h: std::collections::HashMap<_, _> = security_headers("http://127.0.0.1:5000", false).into_iter().collect();
        let csp = &h["content-security-policy"];
        assert!(csp.starts_with("default-src 'none'; script-src 'self';"), "{csp}");
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:5000;"), "{csp}");
        assert!(
            csp.contains("img-src 'self' data: blob:;") && csp.contains("media-src 'self' blob:;"),
            "no S3 host: {csp}"
        );
        assert!(!csp.contains('{') && !csp.contains("upgrade-insecure-requests"), "{csp}");
        assert_eq!(h["strict-transport-security"], "max-age=63072000; includeSubDomains; preload");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let tls = security_headers("https://c", true);
        assert_eq!(tls.len(), 6);
        assert!(tls[0].1.ends_with("; upgrade-insecure-requests"), "{}", tls[0].1);
    }

    /// Terraform's response headers policy takes every value from the same file (infra/tests
    /// checks what it renders): no header value is written out in infra/cdn.tf itself, so the
    /// local gateway and CloudFront cannot drift apart.
    #[test]
    fn cloudfronts_policy_reads_the_same_file() {
        let tf = include_str!("../../infra/cdn.tf");
        assert!(tf.contains(r#"jsondecode(file("${path.module}/security-headers.json"))"#));
        let policy = &tf[tf.find(r#"resource "aws_cloudfront_response_headers_policy" "security""#).unwrap()..];
        let policy = &policy[..policy.find("\n}\n").unwrap()];
        for (setting, from) in [
            ("content_security_policy =", "local.content_security_policy"),
            (
                "access_control_max_age_sec =",
                "local.security_headers.strict_transport_security.max_age_s",
            ),
            (
                "include_subdomains         =",
                "local.security_headers.strict_transport_security.include_subdomains",
            ),
            (
                "preload                    =",
                "local.security_headers.strict_transport_security.preload",
            ),
            ("frame_option =", "local.security_headers.frame_options"),
            ("referrer_policy =", "local.security_headers.referrer_policy"),
            ("protection =", "local.security_headers.xss_protection.protection"),
            ("mode_block =", "local.security_headers.xss_protection.mode_block"),
        ] {
            let line = policy
                .lines()
                .find(|l| l.trim_start().starts_with(setting))
                .unwrap_or_else(|| panic!("{setting} in cdn.tf"));
            assert!(line.trim_end().ends_with(from), "cdn.tf: {line} must come from {from}");
        }
        // CloudFront's X-Content-Type-Options can only be nosniff: the file must say so.
        let s: serde_json::Value = serde_json::from_str(SOURCE).unwrap();
        assert_eq!(s["content_type_options"], "nosniff");
    }
}
