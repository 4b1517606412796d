//! `make bench` part 12 (BENCH_ONLY=thumbs), second half: the image bytes of one gallery page
//! (30 tiles, frontend-static/js/gallery.js `PAGE_SIZE`) before thumbnails (each tile loads the
//! file) and after (each loads its thumbnail), for the simulator's 1024-pixel pictures (what
//! `vn-local seed --size 1024` writes). Ignored in
//! `make test`: `cargo test -p local --test gallery_bytes_bench -- --ignored --nocapture`.
use serde_json::json;
use std::io::Cursor;

const PAGE: usize = 30;

#[test]
#[ignore]
fn one_gallery_page_before_and_after_thumbnails() {
    println!("| a page of {PAGE} tiles | files (before) | thumbnails (after) | ratio |");
    println!("|---|---:|---:|---:|");
    let (mut files, mut thumbs) = (0usize, 0usize);
    for i in 0..PAGE {
        let png = local::simulator::image::render_png(&json!({ "prompt": local::seed::prompt(i) }), i, 1024);
        files += png.len();
        thumbs += shared::thumb::make_thumbnail(Cursor::new(png)).unwrap().jpeg.len();
    }
    println!(
        "| simulator pictures, 1024 px PNG (`vn-local seed --size 1024`) | {:.1} KiB | {:.1} KiB | {:.0}× |",
        files as f64 / 1024.0,
        thumbs as f64 / 1024.0,
        files as f64 / thumbs as f64
    );
}
