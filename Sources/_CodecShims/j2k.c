#include "CodecShims.h"
#include "common.h"

#include <openjpeg.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Messages

typedef struct {
    char *text;
    size_t capacity;
} MessageSink;

// OpenJPEG reports several lines per failure; keep them all, joined, as far as they fit.
static void collect_error(const char *text, void *context) {
    MessageSink *sink = context;
    if (sink->text == NULL || sink->capacity == 0) return;
    size_t used = strlen(sink->text);
    if (used > 0 && used + 2 < sink->capacity) {
        strcat(sink->text, "; ");
        used += 2;
    }
    size_t i = 0;
    while (text[i] != '\0' && text[i] != '\n' && used + 1 < sink->capacity) sink->text[used++] = text[i++];
    sink->text[used] = '\0';
}

static void ignore_message(const char *text, void *context) {
    (void)text;
    (void)context;
}

static void install_handlers(opj_codec_t *codec, MessageSink *sink) {
    opj_set_error_handler(codec, collect_error, sink);
    opj_set_warning_handler(codec, ignore_message, NULL);
    opj_set_info_handler(codec, ignore_message, NULL);
}

// MARK: - Memory streams

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} Source;

static OPJ_SIZE_T read_source(void *buffer, OPJ_SIZE_T count, void *context) {
    Source *source = context;
    if (source->offset >= source->size) return (OPJ_SIZE_T)-1;
    size_t available = source->size - source->offset;
    if (count > available) count = available;
    memcpy(buffer, source->data + source->offset, count);
    source->offset += count;
    return count;
}

static OPJ_OFF_T skip_source(OPJ_OFF_T count, void *context) {
    Source *source = context;
    if (count < 0) {
        if ((size_t)(-count) > source->offset) count = -(OPJ_OFF_T)source->offset;
    } else if ((size_t)count > source->size - source->offset) {
        count = (OPJ_OFF_T)(source->size - source->offset);
    }
    source->offset = (size_t)((OPJ_OFF_T)source->offset + count);
    return count;
}

static OPJ_BOOL seek_source(OPJ_OFF_T position, void *context) {
    Source *source = context;
    if (position < 0 || (uint64_t)position > source->size) return OPJ_FALSE;
    source->offset = (size_t)position;
    return OPJ_TRUE;
}

static opj_stream_t *source_stream(Source *source) {
    opj_stream_t *stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    if (stream == NULL) return NULL;
    opj_stream_set_user_data(stream, source, NULL);
    opj_stream_set_user_data_length(stream, source->size);
    opj_stream_set_read_function(stream, read_source);
    opj_stream_set_skip_function(stream, skip_source);
    opj_stream_set_seek_function(stream, seek_source);
    return stream;
}

typedef struct {
    uint8_t *buffer;
    size_t size;
    size_t offset;
    size_t allocated;
    int failed;
} Sink;

static int reserve(Sink *sink, size_t end) {
    if (end <= sink->allocated) return 1;
    size_t grown = sink->allocated ? sink->allocated : 65536;
    while (grown < end) grown *= 2;
    uint8_t *buffer = realloc(sink->buffer, grown);
    if (buffer == NULL) {
        sink->failed = 1;
        return 0;
    }
    sink->buffer = buffer;
    sink->allocated = grown;
    return 1;
}

static OPJ_SIZE_T write_sink(void *buffer, OPJ_SIZE_T count, void *context) {
    Sink *sink = context;
    if (!reserve(sink, sink->offset + count)) return (OPJ_SIZE_T)-1;
    memcpy(sink->buffer + sink->offset, buffer, count);
    sink->offset += count;
    if (sink->offset > sink->size) sink->size = sink->offset;
    return count;
}

static OPJ_BOOL seek_sink(OPJ_OFF_T position, void *context) {
    Sink *sink = context;
    if (position < 0 || !reserve(sink, (size_t)position)) return OPJ_FALSE;
    if ((size_t)position > sink->size) {
        memset(sink->buffer + sink->size, 0, (size_t)position - sink->size);
        sink->size = (size_t)position;
    }
    sink->offset = (size_t)position;
    return OPJ_TRUE;
}

static OPJ_OFF_T skip_sink(OPJ_OFF_T count, void *context) {
    Sink *sink = context;
    OPJ_OFF_T target = (OPJ_OFF_T)sink->offset + count;
    return seek_sink(target, context) ? count : -1;
}

// MARK: - Header validation

static uint32_t big32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint16_t big16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

// Finds the contiguous codestream box ('jp2c') among the top-level JP2 boxes.
static int find_codestream(const uint8_t *data, size_t size, size_t *start, char *message, size_t capacity) {
    size_t offset = 0;
    while (offset + 8 <= size) {
        uint64_t length = big32(data + offset);
        size_t header = 8;
        if (length == 1) {
            if (offset + 16 > size) break;
            length = ((uint64_t)big32(data + offset + 8) << 32) | big32(data + offset + 12);
            header = 16;
        } else if (length == 0) {
            length = size - offset;
        }
        if (length < header) {
            shim_set_message(message, capacity, "JP2 box at byte %zu has an invalid length %llu",
                             offset, (unsigned long long)length);
            return 0;
        }
        if (memcmp(data + offset + 4, "jp2c", 4) == 0) {
            *start = offset + header;
            return 1;
        }
        if (length > size - offset) break;
        offset += (size_t)length;
    }
    shim_set_message(message, capacity, "truncated JP2: no codestream box (jp2c) in %zu bytes", size);
    return 0;
}

// Checks the SIZ marker segment that must follow SOC (ISO/IEC 15444-1 A.5.1).
static int validate_siz(const uint8_t *data, size_t size, char *message, size_t capacity) {
    if (size < 4 + 38 || big16(data) != 0xFF4F || big16(data + 2) != 0xFF51) {
        shim_set_message(message, capacity, "truncated or invalid codestream: no SOC and SIZ markers");
        return 0;
    }
    const uint8_t *siz = data + 4;
    const uint16_t length = big16(siz);
    const uint32_t xsiz = big32(siz + 4), ysiz = big32(siz + 8);
    const uint32_t xosiz = big32(siz + 12), yosiz = big32(siz + 16);
    const uint32_t xtsiz = big32(siz + 20), ytsiz = big32(siz + 24);
    const uint32_t xtosiz = big32(siz + 28), ytosiz = big32(siz + 32);
    const uint16_t components = big16(siz + 36);
    if (components < 1 || components > 4) {
        shim_set_message(message, capacity, "%u components (only 1 to 4 are supported)", components);
        return 0;
    }
    if (length != 38 + 3 * components || size < 4 + (size_t)length) {
        shim_set_message(message, capacity, "SIZ marker length %u does not match %u components", length, components);
        return 0;
    }
    if (xsiz <= xosiz || ysiz <= yosiz) {
        shim_set_message(message, capacity, "empty image area (%u, %u)–(%u, %u)", xosiz, yosiz, xsiz, ysiz);
        return 0;
    }
    if (xtsiz == 0 || ytsiz == 0 || xtosiz > xosiz || ytosiz > yosiz ||
        (uint64_t)xtosiz + xtsiz <= xosiz || (uint64_t)ytosiz + ytsiz <= yosiz) {
        shim_set_message(message, capacity, "invalid tiling: %u×%u tiles at (%u, %u)", xtsiz, ytsiz, xtosiz, ytosiz);
        return 0;
    }
    const uint64_t across = ((uint64_t)xsiz - xtosiz + xtsiz - 1) / xtsiz;
    const uint64_t down = ((uint64_t)ysiz - ytosiz + ytsiz - 1) / ytsiz;
    if (across * down > SHIM_J2K_MAX_TILES) {
        shim_set_message(message, capacity, "%llu×%llu tiles of %u×%u exceed the limit of %d tiles",
                         (unsigned long long)across, (unsigned long long)down, xtsiz, ytsiz, SHIM_J2K_MAX_TILES);
        return 0;
    }
    for (unsigned c = 0; c < components; c++) {
        const uint8_t *component = siz + 38 + 3 * c;
        const unsigned depth = (component[0] & 0x7F) + 1;
        if (depth > 16 || component[1] == 0 || component[2] == 0) {
            shim_set_message(message, capacity, "component %u has depth %u and sampling %u×%u "
                             "(depth 1–16 and sampling ≥ 1 are supported)", c, depth, component[1], component[2]);
            return 0;
        }
    }
    return 1;
}

// MARK: - Decoding

struct ShimJ2KReader {
    Source source;
    opj_stream_t *stream;
    opj_codec_t *codec;
    opj_image_t *image;
    MessageSink sink;
};

ShimJ2KReader *shim_j2k_reader_open(const uint8_t *data, size_t size, int jp2,
                                    uint32_t *width, uint32_t *height,
                                    char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    size_t start = 0;
    if (jp2 && !find_codestream(data, size, &start, message, capacity)) return NULL;
    if (!validate_siz(data + start, size - start, message, capacity)) return NULL;

    ShimJ2KReader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        shim_set_message(message, capacity, "out of memory");
        return NULL;
    }
    reader->source = (Source){.data = data, .size = size};
    reader->sink = (MessageSink){.text = message, .capacity = capacity};
    reader->codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    reader->stream = source_stream(&reader->source);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (reader->codec == NULL || reader->stream == NULL) {
        shim_set_message(message, capacity, "cannot create the OpenJPEG decoder");
        shim_j2k_reader_close(reader);
        return NULL;
    }
    install_handlers(reader->codec, &reader->sink);
    if (!opj_setup_decoder(reader->codec, &parameters) ||
        !opj_decoder_set_strict_mode(reader->codec, OPJ_TRUE) ||
        !opj_read_header(reader->stream, reader->codec, &reader->image)) {
        if (message && capacity && message[0] == '\0') shim_set_message(message, capacity, "cannot read the header");
        shim_j2k_reader_close(reader);
        return NULL;
    }
    opj_image_t *image = reader->image;
    if (image->x1 <= image->x0 || image->y1 <= image->y0 || image->numcomps < 1) {
        shim_set_message(message, capacity, "empty image");
        shim_j2k_reader_close(reader);
        return NULL;
    }
    *width = image->x1 - image->x0;
    *height = image->y1 - image->y0;
    return reader;
}

// Scales a sample of `precision` bits to 0–255, rounding: v · 255 / (2^p − 1).
static inline uint8_t to_8_bits(int32_t value, uint32_t precision, int is_signed) {
    if (is_signed) value += 1 << (precision - 1);
    const int32_t maximum = (int32_t)((1u << precision) - 1);
    if (value < 0) value = 0;
    if (value > maximum) value = maximum;
    if (precision == 8) return (uint8_t)value;
    return (uint8_t)(((int64_t)value * 510 + maximum) / (2 * (int64_t)maximum));
}

int shim_j2k_reader_read_rgb(ShimJ2KReader *reader, uint8_t *rgb, char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    reader->sink = (MessageSink){.text = message, .capacity = capacity};
    opj_image_t *image = reader->image;
    if (!opj_decode(reader->codec, reader->stream, image) || !opj_end_decompress(reader->codec, reader->stream)) {
        if (message && capacity && message[0] == '\0') shim_set_message(message, capacity, "cannot decode the image");
        return SHIM_FAILED;
    }
    if (image->color_space == OPJ_CLRSPC_CMYK) {
        shim_set_message(message, capacity, "CMYK JPEG 2000 is not supported");
        return SHIM_FAILED;
    }
    const uint32_t width = image->x1 - image->x0, height = image->y1 - image->y0;
    const uint32_t channels = image->numcomps >= 3 ? 3 : 1;
    for (uint32_t c = 0; c < channels; c++) {
        const opj_image_comp_t *component = &image->comps[c];
        if (component->data == NULL || component->w == 0 || component->h == 0 ||
            component->prec < 1 || component->prec > 16 || component->dx == 0 || component->dy == 0) {
            shim_set_message(message, capacity, "component %u was not decoded (precision %u, %u×%u)",
                             c, component->prec, component->w, component->h);
            return SHIM_FAILED;
        }
    }
    const int sycc = channels == 3 && image->color_space == OPJ_CLRSPC_SYCC;
    for (uint32_t y = 0; y < height; y++) {
        uint8_t *out = rgb + (size_t)y * width * 3;
        for (uint32_t x = 0; x < width; x++) {
            int32_t samples[3];
            for (uint32_t c = 0; c < channels; c++) {
                const opj_image_comp_t *component = &image->comps[c];
                uint32_t cx = x / component->dx, cy = y / component->dy;
                if (cx >= component->w) cx = component->w - 1;
                if (cy >= component->h) cy = component->h - 1;
                samples[c] = component->data[(size_t)cy * component->w + cx];
            }
            if (sycc) {
                // opj_decompress's sYCC → RGB (color.c): truncating float products, clamped.
                const opj_image_comp_t *luma = &image->comps[0];
                const int32_t offset = luma->sgnd ? 0 : 1 << (luma->prec - 1);
                const int32_t top = (int32_t)((1u << luma->prec) - 1);
                const int32_t yy = samples[0], cb = samples[1] - offset, cr = samples[2] - offset;
                int32_t r = yy + (int32_t)(1.402f * (float)cr);
                int32_t g = yy - (int32_t)(0.344f * (float)cb + 0.714f * (float)cr);
                int32_t b = yy + (int32_t)(1.772f * (float)cb);
                samples[0] = r < 0 ? 0 : r > top ? top : r;
                samples[1] = g < 0 ? 0 : g > top ? top : g;
                samples[2] = b < 0 ? 0 : b > top ? top : b;
            }
            for (uint32_t c = 0; c < 3; c++) {
                const uint32_t source = channels == 3 ? c : 0;
                const opj_image_comp_t *component = &image->comps[source];
                out[3 * x + c] = to_8_bits(samples[source], component->prec, sycc ? 0 : (int)component->sgnd);
            }
        }
    }
    return SHIM_OK;
}

void shim_j2k_reader_close(ShimJ2KReader *reader) {
    if (reader == NULL) return;
    if (reader->image) opj_image_destroy(reader->image);
    if (reader->codec) opj_destroy_codec(reader->codec);
    if (reader->stream) opj_stream_destroy(reader->stream);
    free(reader);
}

// MARK: - Encoding

int shim_j2k_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, float ratio,
                        int *resolutions, uint8_t **output, size_t *output_size,
                        char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    MessageSink messages = {.text = message, .capacity = capacity};
    opj_image_cmptparm_t parameters[3];
    memset(parameters, 0, sizeof parameters);
    for (int c = 0; c < 3; c++) {
        parameters[c].dx = 1;
        parameters[c].dy = 1;
        parameters[c].w = width;
        parameters[c].h = height;
        parameters[c].prec = 8;
        parameters[c].sgnd = 0;
    }
    opj_image_t *image = opj_image_create(3, parameters, OPJ_CLRSPC_SRGB);
    if (image == NULL) {
        shim_set_message(message, capacity, "cannot allocate the OpenJPEG image");
        return SHIM_FAILED;
    }
    image->x0 = 0;
    image->y0 = 0;
    image->x1 = width;
    image->y1 = height;
    const size_t count = (size_t)width * height;
    OPJ_INT32 *red = image->comps[0].data, *green = image->comps[1].data, *blue = image->comps[2].data;
    for (size_t i = 0; i < count; i++) {
        red[i] = rgb[3 * i];
        green[i] = rgb[3 * i + 1];
        blue[i] = rgb[3 * i + 2];
    }

    opj_cparameters_t settings;
    opj_set_default_encoder_parameters(&settings);
    settings.tcp_numlayers = 1;
    settings.tcp_rates[0] = ratio;
    settings.cp_disto_alloc = 1;
    settings.irreversible = 1;
    settings.tcp_mct = 1;
    uint32_t smallest = width < height ? width : height;
    int levels = 1;
    while (levels < 6 && (smallest >> levels) > 0) levels++;
    settings.numresolution = levels;
    *resolutions = levels;
    char comment[64];
    shim_set_message(comment, sizeof comment, "Created by OpenJPEG version %s", opj_version());
    settings.cp_comment = comment;

    Sink sink = {0};
    opj_codec_t *codec = opj_create_compress(OPJ_CODEC_J2K);
    opj_stream_t *stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
    int status = SHIM_FAILED;
    if (codec != NULL && stream != NULL) {
        install_handlers(codec, &messages);
        opj_stream_set_user_data(stream, &sink, NULL);
        opj_stream_set_write_function(stream, write_sink);
        opj_stream_set_skip_function(stream, skip_sink);
        opj_stream_set_seek_function(stream, seek_sink);
        if (opj_setup_encoder(codec, &settings, image) && opj_start_compress(codec, image, stream) &&
            opj_encode(codec, stream) && opj_end_compress(codec, stream) && !sink.failed) {
            status = SHIM_OK;
        }
    }
    if (stream) opj_stream_destroy(stream);
    if (codec) opj_destroy_codec(codec);
    opj_image_destroy(image);
    if (status != SHIM_OK) {
        if (message && capacity && message[0] == '\0') {
            shim_set_message(message, capacity, sink.failed ? "out of memory for the codestream" : "encoding failed");
        }
        free(sink.buffer);
        return SHIM_FAILED;
    }
    *output = sink.buffer;
    *output_size = sink.size;
    return SHIM_OK;
}
