//! `cargo fuzz run request` (libFuzzer, coverage-guided): the same target the mutation loop runs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = (vn_fuzz::targets::find("request").expect("a target").run)(data);
});
