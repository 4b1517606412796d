//! What every outgoing TLS connection trusts: the Mozilla root set compiled into the binary
//! (`webpki-root-certs`), for the AWS SDK's HTTPS client and for the reqwest clients (Replicate,
//! output downloads). Not the system store: loading `/etc/ssl/certs` (~145 files, parsed one by
//! one) cost 6–7 ms of CPU on the first request, about 90 ms of a cold request at 128 MB, where
//! Lambda gives 128/1769 of a vCPU (docs/benchmarks.md, "Cold requests").
//!
//! Why this is safe: every endpoint we call (AWS regional endpoints, api.replicate.com,
//! replicate.delivery) chains to a public root in the Mozilla set, which is also what the
//! provided.al2023 system store is built from. The set is as fresh as the crate version in
//! Cargo.lock, so it is updated with the dependencies, not by the OS image. Verification is
//! rustls' WebPKI verifier either way (the platform verifier on Linux is that verifier too).
//!
//! The RNG seeding cost is the other half of a cold TLS request; `.cargo/config.toml` turns off
//! aws-lc's jitter entropy, and [`tests::no_jitter_entropy_linked`] fails when it is back.
use rustls::pki_types::CertificateDer;
use std::sync::{Arc, OnceLock};

/// The compiled-in roots, full certificates (DER).
pub fn root_certs() -> &'static [CertificateDer<'static>] {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
}

/// The trust store for the AWS SDK's HTTPS client: the compiled-in roots and no native roots.
/// The SDK only takes extra roots as PEM, so they are encoded here once, when its HTTPS client
/// is built (on the first AWS request), and parsed back by the SDK (about 1 ms of CPU natively).
#[cfg(feature = "aws")]
pub fn sdk_trust_store() -> aws_smithy_http_client::tls::TrustStore {
    let mut store = aws_smithy_http_client::tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(roots_pem());
    if let Some(extra) = bench_ca_pem() {
        store.add_pem_certificate(extra);
    }
    store
}

/// [`root_certs`] as one PEM bundle.
#[cfg(feature = "aws")]
fn roots_pem() -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut pem = String::with_capacity(root_certs().iter().map(|c| c.len() * 4 / 3 + 64).sum());
    for cert in root_certs() {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        b64.encode_string(cert.as_ref(), &mut pem);
        pem.push_str("\n-----END CERTIFICATE-----\n");
    }
    pem
}

/// The rustls configuration for the reqwest clients: aws-lc-rs, TLS 1.2/1.3, the compiled-in
/// roots and WebPKI verification. Given to reqwest with `tls_backend_preconfigured`; without
/// it reqwest uses rustls-platform-verifier, which loads the system store.
/// The roots are parsed once per process and shared by every reqwest client.
pub fn reqwest_tls_config() -> rustls::ClientConfig {
    static ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();
    let roots = ROOTS.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(root_certs().iter().cloned());
        if let Some(pem) = bench_ca_pem() {
            use rustls::pki_types::pem::PemObject as _;
            for cert in CertificateDer::pem_slice_iter(&pem).flatten() {
                let _ = roots.add(cert);
            }
        }
        Arc::new(roots)
    });
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .with_root_certificates(Arc::clone(roots))
        .with_no_client_auth()
}

/// A reqwest client builder that trusts the compiled-in roots (see [`reqwest_tls_config`]).
pub fn reqwest_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().tls_backend_preconfigured(reqwest_tls_config())
}

/// The bench's test CA (PEM), only in builds with the `bench-ca` feature (scripts/bench.sh) and
/// only when `VN_BENCH_CA_FILE` names a readable file. Shipped builds compile this to nothing.
#[cfg(feature = "bench-ca")]
fn bench_ca_pem() -> Option<Vec<u8>> {
    std::fs::read(std::env::var_os("VN_BENCH_CA_FILE")?).ok()
}

#[cfg(not(feature = "bench-ca"))]
fn bench_ca_pem() -> Option<Vec<u8>> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `needle` spelled backwards: the test binary holds this test's string literals, so the
    /// names searched for must not appear in it forwards.
    fn backwards(s: &str) -> Vec<u8> {
        s.bytes().rev().collect()
    }

    /// aws-lc must be built without CPU jitter entropy (`.cargo/config.toml`): its first random
    /// fill costs ~50 ms of CPU, ~0.7 s of a cold request at 128 MB. With it, aws-lc links
    /// jitterentropy's `jent_entropy_*` functions (reached from its RNG's entropy sources); without
    /// it, they are not compiled. This test binary is an unstripped build of the same aws-lc as
    /// the shipped one (the setting is per workspace, the same for every profile and target), so
    /// it scans its own executable for those names, after using aws-lc's RNG so the RNG's code is
    /// surely linked. The positive control (`CRYPTO_sysrand`, which aws-lc seeds from without
    /// jitter entropy) shows the symbol table is there to scan.
    #[test]
    fn no_jitter_entropy_linked() {
        let mut buf = [0u8; 32];
        rustls::crypto::aws_lc_rs::default_provider()
            .secure_random
            .fill(&mut buf)
            .expect("aws-lc's RNG works");
        assert_ne!(buf, [0u8; 32]);

        let exe = std::fs::read(std::env::current_exe().expect("own path")).expect("own executable readable");
        let has = |needle: &[u8]| exe.windows(needle.len()).any(|w| w == needle);
        assert!(
            has(&backwards("dnarsys_OTPYRC")),
            "aws-lc's symbols are not in this test binary (stripped?); the jitter-entropy check needs them"
        );
        assert!(
            !has(&backwards("yportne_tnej")),
            "aws-lc was built WITH CPU jitter entropy: set AWS_LC_SYS_NO_JITTER_ENTROPY=1 (.cargo/config.toml [env]) \
             for every build that ships; see docs/benchmarks.md, \"Cold requests\""
        );
    }

    #[test]
    fn the_compiled_in_roots_load() {
        assert!(root_certs().len() > 100);
        let roots = {
            let mut r = rustls::RootCertStore::empty();
            let (ok, bad) = r.add_parsable_certificates(root_certs().iter().cloned());
            assert_eq!(bad, 0);
            assert_eq!(ok, root_certs().len());
            r
        };
        assert_eq!(roots.len(), root_certs().len());
        // The roots that AWS endpoints chain to (Amazon Trust Services) are in the set.
        let amazon = b"Amazon Root CA 1";
        assert!(root_certs().iter().any(|c| c.as_ref().windows(amazon.len()).any(|w| w == amazon)));
        // The PEM handed to the SDK parses back to the same certificates.
        #[cfg(feature = "aws")]
        {
            use rustls::pki_types::pem::PemObject as _;
            let back: Vec<_> = CertificateDer::pem_slice_iter(roots_pem().as_bytes())
                .collect::<Result<_, _>>()
                .expect("valid PEM");
            assert_eq!(back, root_certs());
            let _ = sdk_trust_store();
        }
        let _ = reqwest_builder().build().expect("reqwest builds with the preconfigured TLS config");
    }
}
