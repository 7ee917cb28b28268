#include "CodecBaselines.h"
#include "CodecShims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <webp/decode.h>
#include <webp/encode.h>

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
} BaselineErrors;

static void baseline_error_exit(j_common_ptr cinfo) { longjmp(((BaselineErrors *)cinfo->err)->jump, 1); }

int baseline_jpeg_round_trip(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                             uint8_t *decoded, size_t *encoded_size) {
    struct jpeg_compress_struct compressor;
    struct jpeg_decompress_struct decompressor;
    BaselineErrors errors;
    unsigned char *volatile encoded = NULL;
    unsigned long size = 0;
    uint8_t *volatile output = NULL;
    compressor.err = jpeg_std_error(&errors.base);
    decompressor.err = &errors.base;
    errors.base.error_exit = baseline_error_exit;
    jpeg_create_compress(&compressor);
    jpeg_create_decompress(&decompressor);
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&compressor);
        jpeg_destroy_decompress(&decompressor);
        free(encoded);
        free(output);
        return SHIM_FAILED;
    }
    unsigned char *buffer = NULL;
    jpeg_mem_dest(&compressor, &buffer, &size);
    compressor.image_width = width;
    compressor.image_height = height;
    compressor.input_components = 3;
    compressor.in_color_space = JCS_RGB;
    jpeg_set_defaults(&compressor);
    jpeg_set_quality(&compressor, quality, TRUE);
    jpeg_start_compress(&compressor, TRUE);
    while (compressor.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)compressor.next_scanline * width * 3);
        jpeg_write_scanlines(&compressor, &row, 1);
    }
    jpeg_finish_compress(&compressor);
    encoded = buffer;

    jpeg_mem_src(&decompressor, encoded, size);
    jpeg_read_header(&decompressor, TRUE);
    decompressor.out_color_space = JCS_RGB;
    jpeg_start_decompress(&decompressor);
    const size_t stride = (size_t)decompressor.output_width * 3;
    output = malloc(stride * decompressor.output_height);
    if (output == NULL) longjmp(errors.jump, 1);
    while (decompressor.output_scanline < decompressor.output_height) {
        JSAMPROW row = output + decompressor.output_scanline * stride;
        jpeg_read_scanlines(&decompressor, &row, 1);
    }
    jpeg_finish_decompress(&decompressor);
    memcpy(decoded, output, stride * height);
    *encoded_size = size;
    jpeg_destroy_compress(&compressor);
    jpeg_destroy_decompress(&decompressor);
    free(encoded);
    free(output);
    return SHIM_OK;
}

// MARK: - WebP

int baseline_webp_round_trip(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                             uint8_t *decoded, size_t *encoded_size) {
    uint8_t *encoded = NULL;
    size_t size = WebPEncodeRGB(rgb, (int)width, (int)height, (int)width * 3, (float)quality, &encoded);
    if (size == 0) return SHIM_FAILED;
    const size_t count = (size_t)width * height * 3;
    uint8_t *output = malloc(count);
    int status = output != NULL && WebPDecodeRGBInto(encoded, size, output, count, (int)width * 3) != NULL
        ? SHIM_OK : SHIM_FAILED;
    if (status == SHIM_OK) memcpy(decoded, output, count);
    *encoded_size = size;
    WebPFree(encoded);
    free(output);
    return status;
}

// MARK: - JPEG 2000

int baseline_j2k_round_trip(const uint8_t *rgb, uint32_t width, uint32_t height, float ratio,
                            uint8_t *decoded, size_t *encoded_size) {
    char message[256];
    uint8_t *encoded = NULL;
    size_t size = 0;
    int resolutions = 0;
    if (shim_j2k_encode_rgb(rgb, width, height, ratio, &resolutions, &encoded, &size, message, sizeof message) != SHIM_OK) {
        return SHIM_FAILED;
    }
    uint32_t w = 0, h = 0;
    int status = SHIM_FAILED;
    ShimJ2KReader *reader = shim_j2k_reader_open(encoded, size, 0, &w, &h, message, sizeof message);
    if (reader != NULL && w == width && h == height) {
        const size_t count = (size_t)width * height * 3;
        uint8_t *output = malloc(count);
        if (output != NULL && shim_j2k_reader_read_rgb(reader, output, message, sizeof message) == SHIM_OK) {
            memcpy(decoded, output, count);
            status = SHIM_OK;
        }
        free(output);
    }
    shim_j2k_reader_close(reader);
    *encoded_size = size;
    free(encoded);
    return status;
}
