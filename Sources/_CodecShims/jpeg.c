#include "CodecShims.h"
#include "common.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

// MARK: - Error handling

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t capacity;
} ErrorManager;

static void fail_with_library_message(j_common_ptr cinfo) {
    ErrorManager *errors = (ErrorManager *)cinfo->err;
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
        // libjpeg asks for a temporary file when its buffers would pass max_memory_to_use.
        shim_set_message(errors->message, errors->capacity, "decoding would need more than %ld MiB of coefficient "
                         "buffers (a progressive or multi-scan file this large); refused",
                         SHIM_JPEG_MAX_MEMORY >> 20);
        longjmp(errors->jump, 1);
    }
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    shim_set_message(errors->message, errors->capacity, "%s", text);
    longjmp(errors->jump, 1);
}

// libjpeg only warns on corrupt or truncated data ("Premature end of JPEG file") and pads the
// image with gray; such pixels must never reach an experiment, so warnings (level -1) fail.
static void emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) fail_with_library_message(cinfo);
}

static void install_errors(ErrorManager *errors, char *message, size_t capacity) {
    jpeg_std_error(&errors->base);
    errors->base.error_exit = fail_with_library_message;
    errors->base.emit_message = emit_message;
    errors->message = message;
    errors->capacity = capacity;
}

// MARK: - Decoding

struct ShimJPEGReader {
    struct jpeg_decompress_struct cinfo;
    ErrorManager errors;
    struct jpeg_progress_mgr progress;
    int created;
    uint8_t *cmyk_row;
};

// A progressive file may hold any number of scans, each re-reading the whole coefficient
// buffer; thousands of tiny scans make a small file take minutes (a "scan bomb").
static void limit_scans(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr decompressor = (j_decompress_ptr)cinfo;
    if (decompressor->input_scan_number > SHIM_JPEG_MAX_SCANS) {
        ErrorManager *errors = (ErrorManager *)cinfo->err;
        shim_set_message(errors->message, errors->capacity,
                         "progressive JPEG with more than %d scans (a scan bomb); refused",
                         SHIM_JPEG_MAX_SCANS);
        longjmp(errors->jump, 1);
    }
}

ShimJPEGReader *shim_jpeg_reader_open(const uint8_t *data, size_t size,
                                      uint32_t *width, uint32_t *height, int *components,
                                      char *message, size_t capacity) {
    ShimJPEGReader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        shim_set_message(message, capacity, "out of memory");
        return NULL;
    }
    install_errors(&reader->errors, message, capacity);
    reader->cinfo.err = &reader->errors.base;
    if (setjmp(reader->errors.jump)) {
        shim_jpeg_reader_close(reader);
        return NULL;
    }
    jpeg_create_decompress(&reader->cinfo);
    reader->created = 1;
    reader->cinfo.mem->max_memory_to_use = SHIM_JPEG_MAX_MEMORY;
    reader->progress.progress_monitor = limit_scans;
    reader->cinfo.progress = &reader->progress;
    jpeg_mem_src(&reader->cinfo, data, (unsigned long)size);
    if (jpeg_read_header(&reader->cinfo, TRUE) != JPEG_HEADER_OK) {
        shim_set_message(message, capacity, "the file holds JPEG tables but no image");
        shim_jpeg_reader_close(reader);
        return NULL;
    }
    // Four components without Adobe's APP14 marker may be CMYK stored either way round (0 = no ink
    // or 0 = full ink); guessing wrong turns the picture nearly black, so such files are refused.
    if (reader->cinfo.num_components == 4 && !reader->cinfo.saw_Adobe_marker) {
        shim_set_message(message, capacity, "CMYK JPEG without an Adobe marker: the ink convention is unknown; "
                         "convert it to RGB first");
        shim_jpeg_reader_close(reader);
        return NULL;
    }
    *width = reader->cinfo.image_width;
    *height = reader->cinfo.image_height;
    *components = reader->cinfo.num_components;
    return reader;
}

// (a * b) / 255 rounded, exactly, for a, b in 0...255.
static inline uint8_t multiply_255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return (uint8_t)((t + (t >> 8)) >> 8);
}

int shim_jpeg_reader_read_rgb(ShimJPEGReader *reader, uint8_t *rgb, char *message, size_t capacity) {
    reader->errors.message = message;
    reader->errors.capacity = capacity;
    if (setjmp(reader->errors.jump)) return SHIM_FAILED;
    struct jpeg_decompress_struct *cinfo = &reader->cinfo;
    const J_COLOR_SPACE source = cinfo->jpeg_color_space;
    const int cmyk = source == JCS_CMYK || source == JCS_YCCK;
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(cinfo);
    const size_t width = cinfo->output_width;
    if (cinfo->output_components != (cmyk ? 4 : 3)) {
        shim_set_message(message, capacity, "unsupported JPEG color space with %d components",
                         cinfo->num_components);
        return SHIM_FAILED;
    }
    if (!cmyk) {
        JSAMPROW rows[16];
        while (cinfo->output_scanline < cinfo->output_height) {
            JDIMENSION first = cinfo->output_scanline;
            JDIMENSION count = cinfo->output_height - first;
            if (count > 16) count = 16;
            for (JDIMENSION i = 0; i < count; i++) rows[i] = rgb + (size_t)(first + i) * width * 3;
            jpeg_read_scanlines(cinfo, rows, count);
        }
    } else {
        reader->cmyk_row = malloc(width * 4);
        if (reader->cmyk_row == NULL) {
            shim_set_message(message, capacity, "out of memory for a CMYK row");
            return SHIM_FAILED;
        }
        // Files with an Adobe marker (the only CMYK files opened) store CMYK inverted, 255 - ink, so
        // R = C'K' / 255 with C' and K' as stored; djpeg's CMYK-to-RGB output uses the same formula.
        while (cinfo->output_scanline < cinfo->output_height) {
            uint8_t *out = rgb + (size_t)cinfo->output_scanline * width * 3;
            JSAMPROW row = reader->cmyk_row;
            jpeg_read_scanlines(cinfo, &row, 1);
            for (size_t x = 0; x < width; x++) {
                const uint8_t *p = reader->cmyk_row + 4 * x;
                for (int c = 0; c < 3; c++) out[3 * x + c] = multiply_255(p[c], p[3]);
            }
        }
    }
    jpeg_finish_decompress(cinfo);
    return SHIM_OK;
}

void shim_jpeg_reader_close(ShimJPEGReader *reader) {
    if (reader == NULL) return;
    if (reader->created) jpeg_destroy_decompress(&reader->cinfo);
    free(reader->cmyk_row);
    free(reader);
}

// MARK: - Encoding

typedef struct {
    struct jpeg_destination_mgr base;
    uint8_t *buffer;
    size_t allocated;
} GrowingDestination;

typedef struct {
    struct jpeg_compress_struct cinfo;
    ErrorManager errors;
    GrowingDestination destination;
    int created;
} JPEGWriter;

static void start_destination(j_compress_ptr cinfo) {
    GrowingDestination *d = (GrowingDestination *)cinfo->dest;
    d->base.next_output_byte = d->buffer;
    d->base.free_in_buffer = d->allocated;
}

static boolean grow_destination(j_compress_ptr cinfo) {
    GrowingDestination *d = (GrowingDestination *)cinfo->dest;
    size_t used = d->allocated;
    uint8_t *grown = realloc(d->buffer, 2 * d->allocated);
    if (grown == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
    d->buffer = grown;
    d->allocated *= 2;
    d->base.next_output_byte = grown + used;
    d->base.free_in_buffer = d->allocated - used;
    return TRUE;
}

static void end_destination(j_compress_ptr cinfo) { (void)cinfo; }

int shim_jpeg_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                         uint8_t **output, size_t *output_size,
                         char *message, size_t capacity) {
    // On the heap, so that its fields are well defined after a longjmp.
    JPEGWriter *writer = calloc(1, sizeof *writer);
    if (writer == NULL) {
        shim_set_message(message, capacity, "out of memory");
        return SHIM_FAILED;
    }
    // A first guess of 1/4 of the raw size (q ≤ 95 photos compress well beyond that).
    writer->destination.allocated = (size_t)width * height * 3 / 4 + 4096;
    writer->destination.buffer = malloc(writer->destination.allocated);
    install_errors(&writer->errors, message, capacity);
    writer->cinfo.err = &writer->errors.base;
    if (setjmp(writer->errors.jump)) {
        if (writer->created) jpeg_destroy_compress(&writer->cinfo);
        free(writer->destination.buffer);
        free(writer);
        return SHIM_FAILED;
    }
    if (writer->destination.buffer == NULL) ERREXIT1(&writer->cinfo, JERR_OUT_OF_MEMORY, 11);
    jpeg_create_compress(&writer->cinfo);
    writer->created = 1;
    struct jpeg_compress_struct *cinfo = &writer->cinfo;
    writer->destination.base.init_destination = start_destination;
    writer->destination.base.empty_output_buffer = grow_destination;
    writer->destination.base.term_destination = end_destination;
    cinfo->dest = &writer->destination.base;
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW rows[16];
        JDIMENSION first = cinfo->next_scanline;
        JDIMENSION count = cinfo->image_height - first;
        if (count > 16) count = 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = (JSAMPROW)(rgb + (size_t)(first + i) * width * 3);
        jpeg_write_scanlines(cinfo, rows, count);
    }
    jpeg_finish_compress(cinfo);
    *output = writer->destination.buffer;
    *output_size = writer->destination.allocated - writer->destination.base.free_in_buffer;
    jpeg_destroy_compress(cinfo);
    free(writer);
    return SHIM_OK;
}
