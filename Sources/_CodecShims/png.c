#include "CodecShims.h"
#include "common.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Limits

// Header limits, well above the pixel cap that Swift enforces before any large allocation,
// so that a huge declared size reaches that check and is refused with its size.
enum { kMaxPNGSide = 1000000 };
// Ancillary chunks kept in memory, and the largest single chunk allocation (text, ICC, ...).
enum { kMaxPNGChunks = 1000 };
static const png_alloc_size_t kMaxPNGChunkBytes = 16u << 20;

// MARK: - Error handling

struct ShimPNGReader {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    jmp_buf jump;
    char *message;
    size_t capacity;
};

typedef struct {
    jmp_buf jump;
    char *message;
    size_t capacity;
    uint8_t *buffer;
    size_t size;
    size_t allocated;
} PNGWriter;

static void reader_error(png_structp png, png_const_charp text) {
    struct ShimPNGReader *reader = png_get_error_ptr(png);
    shim_set_message(reader->message, reader->capacity, "%s", text);
    longjmp(reader->jump, 1);
}

static void writer_error(png_structp png, png_const_charp text) {
    PNGWriter *writer = png_get_error_ptr(png);
    shim_set_message(writer->message, writer->capacity, "%s", text);
    longjmp(writer->jump, 1);
}

// Warnings and benign errors (an sRGB profile libpng dislikes, a bad ancillary CRC) do not
// affect the pixels; truncated or corrupt image data and critical-chunk CRCs are errors.
static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
    struct ShimPNGReader *reader = png_get_io_ptr(png);
    if (count > reader->size - reader->offset) {
        png_error(png, "truncated PNG: the file ends before the data it declares");
    }
    memcpy(out, reader->data + reader->offset, count);
    reader->offset += count;
}

// MARK: - Decoding

static uint32_t big32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

// libpng allocates a chunk's buffer from its declared length before reading the data, so a
// 44-byte file declaring a 2 GB text chunk costs 2 GB. No chunk can be longer than the bytes that
// remain in the file: check every length up to IEND before libpng sees the data. A file that
// simply stops at a chunk boundary is left to libpng, which reports it as truncated.
static int check_chunk_lengths(const uint8_t *data, size_t size, char *message, size_t capacity) {
    size_t offset = 8;
    while (size - offset >= 8) {
        const uint32_t length = big32(data + offset);
        char name[5];
        for (int i = 0; i < 4; i++) {
            const uint8_t c = data[offset + 4 + i];
            name[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? (char)c : '?';
        }
        name[4] = '\0';
        const size_t remaining = size - offset - 8;
        if ((uint64_t)length + 4 > remaining) {
            shim_set_message(message, capacity, "truncated PNG: the %s chunk at byte %zu declares %u bytes and a "
                             "4-byte CRC, but only %zu bytes follow its header", name, offset, length, remaining);
            return 0;
        }
        if (memcmp(data + offset + 4, "IEND", 4) == 0) return 1;
        offset += 12 + (size_t)length;
    }
    return 1;
}

ShimPNGReader *shim_png_reader_open(const uint8_t *data, size_t size,
                                    uint32_t *width, uint32_t *height,
                                    char *message, size_t capacity) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        shim_set_message(message, capacity, "not a PNG signature");
        return NULL;
    }
    if (!check_chunk_lengths(data, size, message, capacity)) return NULL;
    struct ShimPNGReader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        shim_set_message(message, capacity, "out of memory");
        return NULL;
    }
    reader->data = data;
    reader->size = size;
    reader->message = message;
    reader->capacity = capacity;
    reader->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, reader_error, ignore_warning);
    if (reader->png == NULL) {
        shim_set_message(message, capacity, "cannot create the libpng reader");
        free(reader);
        return NULL;
    }
    reader->info = png_create_info_struct(reader->png);
    if (reader->info == NULL) {
        shim_set_message(message, capacity, "cannot create the libpng info");
        shim_png_reader_close(reader);
        return NULL;
    }
    if (setjmp(reader->jump)) {
        shim_png_reader_close(reader);
        return NULL;
    }
    png_set_read_fn(reader->png, reader, read_from_memory);
    png_set_user_limits(reader->png, kMaxPNGSide, kMaxPNGSide);
    png_set_chunk_cache_max(reader->png, kMaxPNGChunks);
    png_set_chunk_malloc_max(reader->png, kMaxPNGChunkBytes);
    png_read_info(reader->png, reader->info);
    *width = png_get_image_width(reader->png, reader->info);
    *height = png_get_image_height(reader->png, reader->info);
    return reader;
}

int shim_png_reader_read_rgb(ShimPNGReader *reader, uint8_t *rgb, char *message, size_t capacity) {
    reader->message = message;
    reader->capacity = capacity;
    png_bytep *volatile rows = NULL;
    if (setjmp(reader->jump)) {
        free(rows);
        return SHIM_FAILED;
    }
    png_structp png = reader->png;
    png_infop info = reader->info;
    const uint32_t width = png_get_image_width(png, info);
    const uint32_t height = png_get_image_height(png, info);
    const int color = png_get_color_type(png, info);

    png_set_expand(png);
    png_set_scale_16(png);
    png_set_strip_alpha(png);
    if ((color & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * 3) {
        png_error(png, "unsupported PNG layout after conversion to 8-bit RGB");
    }

    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (rows == NULL) png_error(png, "out of memory for the row table");
    for (uint32_t y = 0; y < height; y++) rows[y] = rgb + (size_t)y * width * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    return SHIM_OK;
}

void shim_png_reader_close(ShimPNGReader *reader) {
    if (reader == NULL) return;
    png_destroy_read_struct(&reader->png, reader->info ? &reader->info : NULL, NULL);
    free(reader);
}

// MARK: - Encoding

static void write_to_memory(png_structp png, png_bytep bytes, size_t count) {
    PNGWriter *writer = png_get_io_ptr(png);
    if (count > writer->allocated - writer->size) {
        size_t grown = writer->allocated ? writer->allocated : 65536;
        while (grown - writer->size < count) grown *= 2;
        uint8_t *buffer = realloc(writer->buffer, grown);
        if (buffer == NULL) png_error(png, "out of memory for the PNG output");
        writer->buffer = buffer;
        writer->allocated = grown;
    }
    memcpy(writer->buffer + writer->size, bytes, count);
    writer->size += count;
}

static void flush_nothing(png_structp png) { (void)png; }

int shim_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height,
                        uint8_t **output, size_t *output_size,
                        char *message, size_t capacity) {
    // On the heap, so that its fields are well defined after a longjmp.
    PNGWriter *writer = calloc(1, sizeof *writer);
    if (writer == NULL) {
        shim_set_message(message, capacity, "out of memory");
        return SHIM_FAILED;
    }
    writer->message = message;
    writer->capacity = capacity;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, writer, writer_error, ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        shim_set_message(message, capacity, "cannot create the libpng writer");
        png_destroy_write_struct(&png, NULL);
        free(writer);
        return SHIM_FAILED;
    }
    if (setjmp(writer->jump)) {
        png_destroy_write_struct(&png, &info);
        free(writer->buffer);
        free(writer);
        return SHIM_FAILED;
    }
    png_set_write_fn(png, writer, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *output = writer->buffer;
    *output_size = writer->size;
    free(writer);
    return SHIM_OK;
}
