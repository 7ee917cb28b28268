#pragma once
// Plain-C call sequences for libjpeg and libpng, whose error handling needs setjmp/longjmp,
// which Swift cannot use. Every function returns SHIM_OK or a failure status and, on failure,
// writes the library's own message (NUL-terminated, truncated to `capacity`) into `message`.
// Buffers returned through `uint8_t **` are malloc'd and must be released with shim_free.

#include <stddef.h>
#include <stdint.h>

/// Success.
#define SHIM_OK 0
/// The library reported an error; `message` holds it.
#define SHIM_FAILED 1

/// Releases a buffer returned by an encoder in this module.
void shim_free(void *pointer);

// MARK: - PNG (libpng)

/// A PNG decode in progress: the header has been read, the pixels not yet.
typedef struct ShimPNGReader ShimPNGReader;

/// Reads the PNG signature and header from `data` and reports the image size, without
/// allocating anything proportional to it. Returns NULL on failure (message filled).
/// The reader borrows `data`, which must stay valid until shim_png_reader_close.
ShimPNGReader *shim_png_reader_open(const uint8_t *data, size_t size,
                                    uint32_t *width, uint32_t *height,
                                    char *message, size_t capacity);

/// Decodes the pixels as 8-bit RGB into `rgb` (3 * width * height bytes): palette and tRNS are
/// expanded, gray is replicated, alpha is dropped, 16-bit samples are scaled (v * 255 / 65535,
/// rounded), interlacing is undone. Checks the trailing chunks up to IEND.
int shim_png_reader_read_rgb(ShimPNGReader *reader, uint8_t *rgb, char *message, size_t capacity);

/// Destroys the reader (NULL is accepted).
void shim_png_reader_close(ShimPNGReader *reader);

/// Encodes 8-bit RGB as a non-interlaced PNG with zlib's default level.
int shim_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height,
                        uint8_t **output, size_t *output_size,
                        char *message, size_t capacity);

// MARK: - JPEG (libjpeg-turbo)

/// A JPEG decode in progress: the header has been read, the pixels not yet.
typedef struct ShimJPEGReader ShimJPEGReader;

/// Reads the JPEG header (up to the first scan) and reports the size and the number of
/// components (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK). Returns NULL on failure (message filled).
/// Any libjpeg warning, such as "Premature end of JPEG file", is treated as an error. Four
/// components without an Adobe APP14 marker are refused: whether such CMYK is inverted is unknown.
ShimJPEGReader *shim_jpeg_reader_open(const uint8_t *data, size_t size,
                                      uint32_t *width, uint32_t *height, int *components,
                                      char *message, size_t capacity);

/// Decodes into 8-bit RGB (3 * width * height bytes) with libjpeg's defaults (islow IDCT,
/// fancy upsampling), as djpeg does. Gray is replicated; CMYK and YCCK (Adobe files, which
/// store 255 - ink) are converted as djpeg's RGB output does: R = C'K' / 255 with C', K' as
/// stored. Stops with an error after SHIM_JPEG_MAX_SCANS progressive scans and when libjpeg
/// would need more than SHIM_JPEG_MAX_MEMORY bytes for its coefficient buffers.
int shim_jpeg_reader_read_rgb(ShimJPEGReader *reader, uint8_t *rgb, char *message, size_t capacity);

/// Destroys the reader (NULL is accepted).
void shim_jpeg_reader_close(ShimJPEGReader *reader);

/// The progressive-scan limit (libjpeg-turbo's own tools suggest a few hundred; real files use ~10).
#define SHIM_JPEG_MAX_SCANS 500
/// libjpeg's max_memory_to_use for decoding: 1 GiB.
#define SHIM_JPEG_MAX_MEMORY (1024L * 1024L * 1024L)

/// Encodes 8-bit RGB with jpeg_set_defaults + jpeg_set_quality(quality, TRUE): baseline
/// Huffman tables, 4:2:0 YCbCr, islow DCT, JFIF header, which is what `cjpeg -baseline
/// -quality q` writes. `quality` is 1–100.
int shim_jpeg_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                         uint8_t **output, size_t *output_size,
                         char *message, size_t capacity);

// MARK: - JPEG 2000 (OpenJPEG)

/// A JPEG 2000 decode in progress: the header has been validated and read, the pixels not yet.
typedef struct ShimJ2KReader ShimJ2KReader;

/// The most tiles a codestream may declare. OpenJPEG allocates several kilobytes of coding
/// parameters per tile and component while reading the header, before any pixel.
#define SHIM_J2K_MAX_TILES 4096
/// The most components a decoded JPEG 2000 image may have, palette columns included.
#define SHIM_J2K_MAX_CHANNELS 4
/// The largest estimated decoding cost accepted: 1 GiB. The estimate counts OpenJPEG's
/// code-block, precinct and packet-inclusion records (from the COD and COC markers of the main
/// and tile-part headers), the 32-bit components (palette expansion included) and the 8-bit RGB.
#define SHIM_J2K_MAX_DECODE_BYTES (1024L * 1024L * 1024L)

/// Validates the SIZ marker ourselves (component count 1–4, depths 1–16, sampling factors with
/// the first component at full resolution, tile sizes and tile count), refuses JP2 palettes of
/// more than SHIM_J2K_MAX_CHANNELS columns, estimates the decoding cost from the coding styles
/// of the main and tile-part headers, then reads the header with OpenJPEG in strict mode.
/// `jp2` selects the JP2 box format instead of a raw codestream. Reports the image size.
/// Returns NULL on failure (message filled with our reason or OpenJPEG's messages).
ShimJ2KReader *shim_j2k_reader_open(const uint8_t *data, size_t size, int jp2,
                                    uint32_t *width, uint32_t *height,
                                    char *message, size_t capacity);

/// Refuses, before OpenJPEG allocates anything for decoding, a file whose estimated cost exceeds
/// SHIM_J2K_MAX_DECODE_BYTES. Then decodes into 8-bit RGB (3 * width * height bytes). Gray (1
/// or 2 components) is replicated, a 4th (alpha) component is dropped, a palette is expanded
/// (by OpenJPEG), signed samples are offset, and depths other than 8 are scaled to 0–255 with
/// rounding, each component on its own.
/// YCbCr, recognised as opj_decompress recognises it (a colour box saying sYCC, or exactly three
/// components whose second is horizontally subsampled), has its 4:2:2 or 4:2:0 chroma repeated
/// over each 2×1 or 2×2 block and is converted with opj_decompress's sYCC formulas. Refused rather
/// than decoded to wrong colours: other chroma sampling, YCbCr of unequal depths or signed, RGB
/// with subsampled components, CMYK, e-sYCC, CIELab, other enumerated JP2 colour spaces that
/// OpenJPEG does not know, and ICC profiles for anything but RGB or gray (others are ignored).
int shim_j2k_reader_read_rgb(ShimJ2KReader *reader, uint8_t *rgb, char *message, size_t capacity);

/// Destroys the reader (NULL is accepted).
void shim_j2k_reader_close(ShimJ2KReader *reader);

/// Encodes 8-bit RGB as a J2K codestream with exactly `opj_compress -r ratio -I` settings:
/// one quality layer at `ratio`:1, irreversible 9/7 wavelet, RGB→YCC (MCT), 64×64 code blocks,
/// LRCP, one tile, and the same comment marker. The resolution count is
/// min(6, 1 + floor(log2(min(width, height)))), since each level halves the smallest side;
/// `resolutions` reports it.
int shim_j2k_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, float ratio,
                        int *resolutions, uint8_t **output, size_t *output_size,
                        char *message, size_t capacity);

/// The versions of the codec libraries this process runs with, one `name version` per line
/// (libjpeg-turbo, libwebp, OpenJPEG, libpng, zlib), written into `buffer`.
void shim_library_versions(char *buffer, size_t capacity);
