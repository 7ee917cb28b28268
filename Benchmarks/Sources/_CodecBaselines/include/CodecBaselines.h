#pragma once
// Codec round trips written in plain C, the baselines that `sanitize-bench codecs` measures the
// Swift API against. Every function returns SHIM_OK or SHIM_FAILED (from CodecShims.h).

#include <stddef.h>
#include <stdint.h>

/// Encodes 8-bit RGB and decodes the result in plain C, the way a C program would call each
/// library, with the same settings as the Swift API: jpeg_set_defaults + jpeg_set_quality(q,
/// TRUE) and jpeg_mem_dest/jpeg_mem_src; WebPEncodeRGB + WebPDecodeRGBInto; and for JPEG 2000 the
/// C functions of CodecShims.h (shim_j2k_encode_rgb, shim_j2k_reader_*). The decoded image is
/// malloc'd each time (as any caller's output would be) and copied into `decoded` (3 * width *
/// height bytes) so the caller can check it; `encoded_size` receives the encoded length.
int baseline_jpeg_round_trip(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                             uint8_t *decoded, size_t *encoded_size);
int baseline_webp_round_trip(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                             uint8_t *decoded, size_t *encoded_size);
int baseline_j2k_round_trip(const uint8_t *rgb, uint32_t width, uint32_t height, float ratio,
                            uint8_t *decoded, size_t *encoded_size);
