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
