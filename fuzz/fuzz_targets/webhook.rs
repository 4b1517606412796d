//! `cargo fuzz run webhook` (libFuzzer, coverage-guided): the same target the mutation loop runs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = (vn_fuzz::targets::find("webhook").expect("a target").run)(data);
});
