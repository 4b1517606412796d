//! `make bench` part 12 (BENCH_ONLY=thumbs): the peak memory (VmHWM) of thumbnailing a
//! 40-megapixel PNG and a 40-megapixel baseline JPEG (shared::thumb), each measured in a fresh
//! process that does nothing else (this test binary, run again as the `measure_one` test), so
//! the figure is the thumbnail's and not the generator's. Prints markdown table rows. Ignored in
//! `make test`: run with `cargo test -p shared --test thumb_bench -- --ignored --nocapture`.
use std::io::Write;

const W: u32 = 8000;
const H: u32 = 5000;

fn vm_kib(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A row of a picture that does not compress to nothing: gradients with a little noise.
fn row(y: u32, out: &mut [u8]) {
    let mut seed = y.wrapping_mul(2_654_435_761);
    for x in 0..W as usize {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 15) as u8;
        out[x * 3] = ((x as u32 * 255 / W) as u8).wrapping_add(n);
        out[x * 3 + 1] = ((y * 255 / H) as u8).wrapping_add(n);
        out[x * 3 + 2] = 128u8.wrapping_add(n);
    }
}

fn write_png(path: &std::path::Path) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut e = png::Encoder::new(file, W, H);
    e.set_color(png::ColorType::Rgb);
    e.set_depth(png::BitDepth::Eight);
    let mut w = e.write_header().unwrap().into_stream_writer().unwrap();
    let mut buf = vec![0u8; W as usize * 3];
    for y in 0..H {
        row(y, &mut buf);
        w.write_all(&buf).unwrap();
    }
    w.finish().unwrap();
}

fn write_jpeg(path: &std::path::Path) {
    let mut px = vec![0u8; W as usize * H as usize * 3];
    for (y, r) in px.chunks_exact_mut(W as usize * 3).enumerate() {
        row(y as u32, r);
    }
    let out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    jpeg_encoder::Encoder::new(out, 85)
        .encode(&px, W as u16, H as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
}

#[test]
#[ignore]
fn measure_one() {
    let Ok(path) = std::env::var("THUMB_BENCH_FILE") else {
        return;
    };
    let before = vm_kib("VmHWM:");
    let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let t = shared::thumb::make_thumbnail(file).unwrap();
    let after = vm_kib("VmHWM:");
    println!("MEASURED {before} {after} {} {}x{}", t.jpeg.len(), t.width, t.height);
}

#[test]
#[ignore]
fn forty_megapixels_png_and_jpeg() {
    if std::env::var("THUMB_BENCH_FILE").is_ok() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("vn-thumb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("| source | file | peak before | peak after | growth | thumbnail |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, ext) in [("PNG, RGB 8-bit, row by row", "png"), ("JPEG, baseline 4:2:0, scaled 1/8", "jpg")] {
        let path = dir.join(format!("forty.{ext}"));
        if ext == "png" {
            write_png(&path)
        } else {
            write_jpeg(&path)
        }
        let size = std::fs::metadata(&path).unwrap().len();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "measure_one", "--nocapture", "--test-threads=1"])
            .env("THUMB_BENCH_FILE", &path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        // The test harness may print its own "test measure_one ... " before it on the line.
        let line = text
            .lines()
            .find_map(|l| l.find("MEASURED").map(|i| &l[i..]))
            .unwrap_or_else(|| panic!("{text}"));
        let v: Vec<&str> = line.split_whitespace().collect();
        let (before, after): (u64, u64) = (v[1].parse().unwrap(), v[2].parse().unwrap());
        println!(
            "| 40 MP ({W}×{H}) {name} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB | {} ({} bytes) |",
            size as f64 / 1048576.0,
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            (after - before) as f64 / 1024.0,
            v[4],
            v[3]
        );
        std::fs::remove_file(&path).unwrap();
    }
    std::fs::remove_dir(&dir).unwrap();
}
