//! Image checks and processing, with no I/O: what an upload is (from its bytes, never from
//! the client's name or type), whether it is within limits (before any pixel is decoded),
//! and the files we keep: the image re-encoded without its metadata, turned upright, a
//! small preview, and a blurhash.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Mastodon's limits: 16 MB files, 7680×4320 pixels (as a pixel count).
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_IMAGE_PIXELS: u64 = 7680 * 4320;
/// No side longer than this, whatever the pixel count (a 1×33-million image is not a photo).
const MAX_SIDE: u32 = 16_384;
/// The preview fits in this many pixels, as Mastodon's `small` (640×360).
const PREVIEW_PIXELS: u32 = 640 * 360;
const JPEG_QUALITY: u8 = 85;
/// Custom emoji are kept at most this wide and high (Mastodon shows them at 16–32 px).
pub const EMOJI_SIDE: u32 = 128;
/// As Mastodon's limit on custom emoji files.
pub const MAX_EMOJI_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MediaError {
    #[error("File is too large: the limit for images is 16 MB")]
    TooLarge,
    #[error("Image is too large: {0}×{1} pixels, the limit is 7680×4320 (33,177,600 pixels)")]
    TooManyPixels(u32, u32),
    #[error("Unsupported file type: images may be JPEG, PNG, WebP or GIF")]
    Unsupported,
    #[error("Animated images are not supported yet")]
    Animated,
    #[error("The image could not be read: {0}")]
    Unreadable(String),
    #[error("The file is empty")]
    Empty,
}

/// Which kind of image this is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl Kind {
    pub fn sniff(bytes: &[u8]) -> Result<Kind, MediaError> {
        if bytes.is_empty() {
            return Err(MediaError::Empty);
        }
        match image::guess_format(bytes) {
            Ok(ImageFormat::Jpeg) => Ok(Kind::Jpeg),
            Ok(ImageFormat::Png) => Ok(Kind::Png),
            Ok(ImageFormat::WebP) => Ok(Kind::WebP),
            Ok(ImageFormat::Gif) => Ok(Kind::Gif),
            _ => Err(MediaError::Unsupported),
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Kind::Jpeg => ImageFormat::Jpeg,
            Kind::Png => ImageFormat::Png,
            Kind::WebP => ImageFormat::WebP,
            Kind::Gif => ImageFormat::Gif,
        }
    }
}

/// An encoded file we keep.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone)]
pub struct Processed {
    pub original: Encoded,
    pub preview: Encoded,
    pub blurhash: String,
}

/// An upload that passed every check and decoded whole: what the background step turns
/// into [`Processed`].
pub struct Accepted {
    pub image: DynamicImage,
    /// Kept as JPEG when it came as one (photographs); as PNG otherwise (lossless).
    pub lossy: bool,
}

/// Check an upload and decode it: size, type, dimensions (read from the header, before
/// decoding), animation, then the pixels themselves, turned upright by their EXIF
/// orientation. Anything that fails is a [`MediaError`] and nothing is kept.
pub fn accept(bytes: &[u8]) -> Result<Accepted, MediaError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(MediaError::TooLarge);
    }
    let kind = Kind::sniff(bytes)?;
    let reader = |limits: Limits| {
        let mut r = ImageReader::with_format(Cursor::new(bytes), kind.format());
        r.limits(limits);
        r
    };
    // Reading the header allocates nothing; the limits apply to decoding.
    let (width, height) = reader(Limits::no_limits())
        .into_dimensions()
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    check_dimensions(width, height)?;
    if kind == Kind::Gif && is_animated(bytes)? {
        return Err(MediaError::Animated);
    }
    if kind == Kind::Jpeg && !jpeg_is_complete(bytes) {
        return Err(MediaError::Unreadable(
            "the JPEG data ends early (no end-of-image marker)".into(),
        ));
    }
    let mut decoder = reader(decode_limits())
        .into_decoder()
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| MediaError::Unreadable(e.to_string()))?;
    image.apply_orientation(orientation);
    Ok(Accepted {
        image,
        lossy: kind == Kind::Jpeg,
    })
}

pub fn check_dimensions(width: u32, height: u32) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::Unreadable("the image has no pixels".into()));
    }
    if width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(MediaError::TooManyPixels(width, height));
    }
    Ok(())
}

/// The decoder refuses to allocate beyond what an image within the limits needs, so a
/// header that lies about its size cannot make it reserve more.
fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // 33 megapixels of 16-bit RGBA, and room for the decoder's own buffers.
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 8 + 64 * 1024 * 1024);
    limits
}

fn is_animated(bytes: &[u8]) -> Result<bool, MediaError> {
    let decoder = image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    Ok(decoder.into_frames().take(2).count() > 1)
}

/// Decoders fill in a JPEG cut short with grey rather than failing; the end-of-image
/// marker (possibly followed by padding) tells a whole file from a truncated one.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// The files we keep for an attachment: the whole image re-encoded (which drops EXIF, GPS
/// and every other metadata block), a preview, and the blurhash.
pub fn attachment(accepted: &Accepted) -> Result<Processed, MediaError> {
    let image = &accepted.image;
    let original = encode(image, accepted.lossy)?;
    let small = shrunk(image, PREVIEW_PIXELS);
    let preview = encode(&small, accepted.lossy)?;
    Ok(Processed {
        original,
        preview,
        blurhash: blurhash_of(&small)?,
    })
}

/// A preview card's image: only the small copy is kept, with its blurhash.
pub struct CardImage {
    pub image: Encoded,
    pub blurhash: String,
}

pub fn card_image(accepted: &Accepted, pixels: u32) -> Result<CardImage, MediaError> {
    let small = shrunk(&accepted.image, pixels);
    Ok(CardImage {
        image: encode(&small, accepted.lossy)?,
        blurhash: blurhash_of(&small)?,
    })
}

fn shrunk(image: &DynamicImage, pixels: u32) -> DynamicImage {
    let (w, h) = fit_within(image.width(), image.height(), pixels);
    if (w, h) == (image.width(), image.height()) {
        image.clone()
    } else {
        image.resize_exact(w, h, FilterType::Triangle)
    }
}

/// An avatar or header: cropped to fill `width`×`height` (never enlarged beyond it).
pub fn cropped(accepted: &Accepted, width: u32, height: u32) -> Result<Encoded, MediaError> {
    let image = &accepted.image;
    let (w, h) = if image.width() >= width && image.height() >= height {
        (width, height)
    } else {
        // Smaller than the target: crop to its aspect at the size there is.
        let scale = f64::min(
            f64::from(image.width()) / f64::from(width),
            f64::from(image.height()) / f64::from(height),
        );
        (
            ((f64::from(width) * scale) as u32).max(1),
            ((f64::from(height) * scale) as u32).max(1),
        )
    };
    encode(
        &image.resize_to_fill(w, h, FilterType::Triangle),
        accepted.lossy,
    )
}

/// A custom emoji: lossless, fitted within [`EMOJI_SIDE`] on its longer side.
pub fn emoji(accepted: &Accepted) -> Result<Encoded, MediaError> {
    let image = &accepted.image;
    let fitted = if image.width() <= EMOJI_SIDE && image.height() <= EMOJI_SIDE {
        image.clone()
    } else {
        image.resize(EMOJI_SIDE, EMOJI_SIDE, FilterType::Triangle)
    };
    encode(&fitted, false)
}

fn encode(image: &DynamicImage, lossy: bool) -> Result<Encoded, MediaError> {
    let mut bytes = Vec::new();
    let failed = |e: image::ImageError| MediaError::Unreadable(e.to_string());
    if lossy {
        let rgb = image.to_rgb8();
        JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .encode_image(&rgb)
            .map_err(failed)?;
    } else {
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(failed)?;
    }
    Ok(Encoded {
        bytes,
        mime: if lossy { "image/jpeg" } else { "image/png" },
        extension: if lossy { "jpg" } else { "png" },
        width: image.width(),
        height: image.height(),
    })
}

/// The largest size with the same aspect that fits in `pixels` (never larger than given).
pub fn fit_within(width: u32, height: u32, pixels: u32) -> (u32, u32) {
    let area = u64::from(width) * u64::from(height);
    if area <= u64::from(pixels) {
        return (width, height);
    }
    let scale = (f64::from(pixels) / area as f64).sqrt();
    (
        ((f64::from(width) * scale) as u32).max(1),
        ((f64::from(height) * scale) as u32).max(1),
    )
}

/// Mastodon's 4×3 components, computed from a small copy (the hash is a blur anyway).
fn blurhash_of(image: &DynamicImage) -> Result<String, MediaError> {
    let tiny = image.thumbnail(64, 64).to_rgba8();
    blurhash::encode(4, 3, tiny.width(), tiny.height(), tiny.as_raw())
        .map_err(|e| MediaError::Unreadable(format!("blurhash: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(width, height);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(Kind::sniff(&png(2, 2)), Ok(Kind::Png));
        assert_eq!(
            Kind::sniff(
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"
            ),
            Err(MediaError::Unsupported)
        );
        assert_eq!(Kind::sniff(b"{\"a\":1}"), Err(MediaError::Unsupported));
        assert_eq!(Kind::sniff(b""), Err(MediaError::Empty));
    }

    #[test]
    fn a_preview_keeps_the_aspect_within_its_pixels() {
        assert_eq!(fit_within(100, 50, PREVIEW_PIXELS), (100, 50));
        let (w, h) = fit_within(4000, 3000, PREVIEW_PIXELS);
        assert!(w * h <= PREVIEW_PIXELS);
        assert_eq!((w, h), (554, 415));
    }

    #[test]
    fn a_processed_image_has_a_preview_and_a_blurhash() {
        let accepted = accept(&png(1200, 800)).unwrap();
        let p = attachment(&accepted).unwrap();
        assert_eq!((p.original.width, p.original.height), (1200, 800));
        assert!(p.preview.width < 1200 && p.preview.width * p.preview.height <= PREVIEW_PIXELS);
        assert_eq!(p.original.mime, "image/png");
        assert_eq!(p.blurhash.len(), 4 + 2 * 4 * 3);
    }

    #[test]
    fn pixel_limits_are_checked_from_the_header() {
        assert_eq!(
            check_dimensions(100_000, 100_000),
            Err(MediaError::TooManyPixels(100_000, 100_000))
        );
        assert!(check_dimensions(7680, 4320).is_ok());
        assert!(check_dimensions(7681, 4320).is_err());
    }

    #[test]
    fn avatars_are_cropped_to_fill() {
        let accepted = accept(&png(800, 400)).unwrap();
        let a = cropped(&accepted, 400, 400).unwrap();
        assert_eq!((a.width, a.height), (400, 400));
        let small = accept(&png(100, 300)).unwrap();
        let b = cropped(&small, 400, 400).unwrap();
        assert_eq!((b.width, b.height), (100, 100));
    }
}
