//! `tessera bench-media`: images processed per second, through the same checks and
//! processing an upload gets (decode, orientation, re-encode, preview, blurhash), on
//! synthetic photographs, one per core at a time. Storage and the database are left out.

use std::time::{Duration, Instant};

use image::ImageEncoder;

use crate::media::process;

#[derive(Debug, Clone)]
pub struct Options {
    pub images: usize,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug)]
pub struct Report {
    pub images: usize,
    pub input_bytes: usize,
    pub elapsed: Duration,
    pub per_second: f64,
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let photo = photo(opts.width, opts.height)?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let mut done = 0;
    while done < opts.images {
        let batch = (opts.images - done).min(workers);
        let jobs: Vec<_> = (0..batch)
            .map(|_| {
                let bytes = photo.clone();
                tokio::task::spawn_blocking(move || {
                    let accepted = process::accept(&bytes)?;
                    process::attachment(&accepted).map(drop)
                })
            })
            .collect();
        for job in jobs {
            job.await??;
        }
        done += batch;
    }
    let elapsed = started.elapsed();
    Ok(Report {
        images: opts.images,
        input_bytes: photo.len(),
        elapsed,
        per_second: opts.images as f64 / elapsed.as_secs_f64(),
    })
}

/// A JPEG with a photograph's variety of colour (so neither encoder has it easy).
fn photo(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let n = x
            .wrapping_mul(2_654_435_761)
            .wrapping_add(y.wrapping_mul(40_503));
        image::Rgb([
            ((x * 255) / width.max(1)) as u8 ^ (n >> 24) as u8 & 0x1f,
            ((y * 255) / height.max(1)) as u8,
            (n >> 16) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).write_image(
        &img,
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

impl Report {
    /// What it measured, for people, then the `bench` line (no database: `none`).
    pub fn print(&self, width: u32, height: u32) {
        println!(
            "{} images of {width}×{height} ({} KiB each) in {:.1} s: {:.1} images/s",
            self.images,
            self.input_bytes / 1024,
            self.elapsed.as_secs_f64(),
            self.per_second
        );
        println!(
            "{}",
            super::line(
                "media",
                "none",
                &[
                    ("images", self.images.to_string()),
                    ("pixels", format!("{width}x{height}")),
                    ("images_per_s", format!("{:.1}", self.per_second)),
                ]
            )
        );
    }
}
