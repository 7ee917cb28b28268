#include "CodecShims.h"
#include "common.h"

#include <math.h>
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

// Reads the palette box ('pclr') inside the JP2 header box, if any, and reports its number of
// columns: OpenJPEG expands each palette column into a full-size 32-bit component.
static void read_palette(const uint8_t *box, size_t size, unsigned *columns) {
    size_t offset = 0;
    while (offset + 8 <= size) {
        uint64_t length = big32(box + offset);
        if (length == 0) length = size - offset;
        if (length < 8 || length > size - offset) return;
        if (memcmp(box + offset + 4, "pclr", 4) == 0 && length >= 8 + 3) *columns = box[offset + 8 + 2];
        offset += (size_t)length;
    }
}

// Finds the contiguous codestream box ('jp2c') among the top-level JP2 boxes, and the number of
// palette columns declared in the header box ('jp2h'; 0 without a palette).
static int find_codestream(const uint8_t *data, size_t size, size_t *start, unsigned *palette_columns,
                           char *message, size_t capacity) {
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
        if (memcmp(data + offset + 4, "jp2h", 4) == 0) {
            read_palette(data + offset + header, (size_t)length - header, palette_columns);
        }
        offset += (size_t)length;
    }
    shim_set_message(message, capacity, "truncated JP2: no codestream box (jp2c) in %zu bytes", size);
    return 0;
}

// What the main header says about the decoded size: the image, the largest tile (no larger than
// the image), the number of tiles and of components.
typedef struct {
    uint64_t area;
    uint32_t tile_width, tile_height;
    uint64_t tiles;
    unsigned components;
} Geometry;

// Checks the SIZ marker segment that must follow SOC (ISO/IEC 15444-1 A.5.1).
static int validate_siz(const uint8_t *data, size_t size, Geometry *geometry, char *message, size_t capacity) {
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
    // The first component sets the output size; subsampled, it would not fill the reference grid.
    if (siz[38 + 1] != 1 || siz[38 + 2] != 1) {
        shim_set_message(message, capacity, "the first component is subsampled %u×%u (only full-resolution "
                         "luma or red is supported); convert the file to PNG first", siz[38 + 1], siz[38 + 2]);
        return 0;
    }
    geometry->area = ((uint64_t)xsiz - xosiz) * ((uint64_t)ysiz - yosiz);
    geometry->tile_width = xtsiz < xsiz - xosiz ? xtsiz : xsiz - xosiz;
    geometry->tile_height = ytsiz < ysiz - yosiz ? ytsiz : ysiz - yosiz;
    geometry->tiles = across * down;
    geometry->components = components;
    return 1;
}

// MARK: - Memory estimate

// OpenJPEG sizes its decoding structures from the header: one record per code-block and per
// precinct band, whatever the data, and a packet-inclusion table of layers × components ×
// resolutions × precincts. A 2 KB file declaring 4×4 code-blocks, 2×2 precincts or a 255-column
// palette would cost gigabytes. The worst coding style found in the main header and in every
// tile-part header is kept, and shim_j2k_reader_read_rgb refuses, before decoding, files whose
// estimate is over SHIM_J2K_MAX_DECODE_BYTES.

// Bytes per code-block and per precinct band, rounded up from OpenJPEG 2.5's records (a
// code-block with its default ten segment slots is about 380 bytes, a precinct band with its
// two tag trees about 300).
enum { kCodeBlockBytes = 512, kPrecinctBandBytes = 512 };

typedef struct {
    double structure_bytes;    // code-block and precinct records of one component of one tile
    double inclusion_entries;  // resolutions × precincts of the largest resolution
    unsigned layers;
} CodingCost;

// Reads SPcod/SPcoc (levels, code-block size, style, transform, precinct sizes) at `p`, with
// `end` the end of the segment, and counts the records it makes OpenJPEG allocate for the
// largest tile of `geometry`, by resolution: each resolution r of L levels is the tile reduced
// 2^(L - r) times, cut into precincts of 2^PP; each of its bands (one at r = 0, three above,
// each half the resolution across) is cut into code-blocks no larger than the precinct's share
// of the band, 2^(PP - 1) for r > 0. Every count is rounded up by one row and one column for
// edges and odd origins.
static void add_coding_style(const uint8_t *p, const uint8_t *end, int custom_precincts,
                             const Geometry *geometry, CodingCost *cost) {
    if (end - p < 5) return;
    const unsigned levels = p[0] > 32 ? 32 : p[0];
    const int xcb = (p[1] & 0xF) + 2, ycb = (p[2] & 0xF) + 2;
    double structures = 0, largest_precincts = 0;
    for (unsigned r = 0; r <= levels; r++) {
        int ppx = 15, ppy = 15;
        if (custom_precincts && p + 5 + r < end) {
            ppx = p[5 + r] & 0xF;
            ppy = p[5 + r] >> 4;
        }
        const double width = ceil(ldexp(geometry->tile_width, -(int)(levels - r))) + 1;
        const double height = ceil(ldexp(geometry->tile_height, -(int)(levels - r))) + 1;
        const double precincts = (width / ldexp(1, ppx) + 1) * (height / ldexp(1, ppy) + 1);
        const int bands = r > 0 ? 3 : 1;
        const double band_width = r > 0 ? width / 2 + 1 : width, band_height = r > 0 ? height / 2 + 1 : height;
        const int bx = r > 0 && ppx > 0 ? ppx - 1 : ppx, by = r > 0 && ppy > 0 ? ppy - 1 : ppy;
        const int cbx = xcb < bx ? xcb : bx, cby = ycb < by ? ycb : by;
        // Precinct boundaries fall on code-block boundaries (both are powers of two from 0).
        const double blocks = (band_width / ldexp(1, cbx) + 1) * (band_height / ldexp(1, cby) + 1);
        structures += bands * (blocks * kCodeBlockBytes + precincts * kPrecinctBandBytes);
        if (precincts > largest_precincts) largest_precincts = precincts;
    }
    if (structures > cost->structure_bytes) cost->structure_bytes = structures;
    const double entries = (double)(levels + 1) * largest_precincts;
    if (entries > cost->inclusion_entries) cost->inclusion_entries = entries;
}

// Walks the main header and each tile-part header (SOT to SOD, then Psot bytes on), reading
// every COD and COC. Malformed or truncated marker streams end the walk: OpenJPEG reports them.
static void scan_coding_styles(const uint8_t *data, size_t size, const Geometry *geometry, CodingCost *cost) {
    size_t offset = 2;
    size_t tile_part = 0;
    int in_tile = 0;
    while (offset + 4 <= size) {
        const uint16_t marker = big16(data + offset);
        if (marker == 0xFFD9) return;
        if (marker == 0xFF93) {
            if (!in_tile) return;
            const uint32_t psot = big32(data + tile_part + 6);
            if (psot == 0 || psot > size - tile_part) return;
            offset = tile_part + psot;
            in_tile = 0;
            continue;
        }
        const uint16_t length = big16(data + offset + 2);
        if (length < 2 || (size_t)length > size - offset - 2) return;
        const uint8_t *segment = data + offset + 4, *end = data + offset + 2 + length;
        if (marker == 0xFF90) {
            if (length < 10) return;
            tile_part = offset;
            in_tile = 1;
        } else if (marker == 0xFF52 && length >= 12) {
            const unsigned layers = big16(segment + 2);
            if (layers > cost->layers) cost->layers = layers;
            add_coding_style(segment + 5, end, segment[0] & 1, geometry, cost);
        } else if (marker == 0xFF53 && length >= 9) {
            // Ccoc is one byte while there are fewer than 257 components (at most 4 here).
            add_coding_style(segment + 2, end, segment[1] & 1, geometry, cost);
        }
        offset += 2 + (size_t)length;
    }
}

// The estimated peak of decoding: the coding structures, the inclusion table, one tile's
// buffers when there are several tiles, the decoded components (palette output and input side by
// side while OpenJPEG expands a palette) and the caller's 8-bit RGB.
static double estimate_decode_bytes(const Geometry *geometry, const CodingCost *cost, unsigned palette_columns) {
    const double area = (double)geometry->area, components = geometry->components;
    const double channels = components + palette_columns;
    double bytes = components * cost->structure_bytes;
    bytes += 2.0 * ((double)cost->layers + 1) * components * cost->inclusion_entries;
    if (geometry->tiles > 1) bytes += 4.0 * geometry->tile_width * (double)geometry->tile_height * components;
    bytes += 4.0 * area * channels + 3.0 * area;
    return bytes;
}

// MARK: - Decoding

struct ShimJ2KReader {
    Geometry geometry;
    CodingCost cost;
    double estimate;
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
    unsigned palette_columns = 0;
    if (jp2 && !find_codestream(data, size, &start, &palette_columns, message, capacity)) return NULL;
    Geometry geometry;
    if (!validate_siz(data + start, size - start, &geometry, message, capacity)) return NULL;
    if (palette_columns > SHIM_J2K_MAX_CHANNELS) {
        shim_set_message(message, capacity, "JP2 palette with %u columns (at most %d are supported: "
                         "RGB and alpha); convert the file to PNG first", palette_columns, SHIM_J2K_MAX_CHANNELS);
        return NULL;
    }
    CodingCost cost = {0};
    scan_coding_styles(data + start, size - start, &geometry, &cost);

    ShimJ2KReader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        shim_set_message(message, capacity, "out of memory");
        return NULL;
    }
    reader->geometry = geometry;
    reader->cost = cost;
    reader->estimate = estimate_decode_bytes(&geometry, &cost, palette_columns);
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

// Whether the three first components are YCbCr, decided as opj_decompress does: the file says
// sYCC, or there are exactly three components of which the second is horizontally subsampled.
static int is_ycc(const opj_image_t *image) {
    if (image->numcomps < 3) return 0;
    if (image->color_space == OPJ_CLRSPC_SYCC) return 1;
    return image->numcomps == 3 && image->comps[0].dx == image->comps[0].dy && image->comps[1].dx != 1;
}

// Refuses what would otherwise decode to wrong pixels: YCbCr whose chroma is not 4:4:4, 4:2:2 or
// 4:2:0 or whose components differ in depth or signedness, and RGB whose components are not all
// at full resolution. Depths may differ between R, G and B: each is scaled to 8 bits on its own.
static int check_layout(const opj_image_t *image, int ycc, char *message, size_t capacity) {
    const opj_image_comp_t *c = image->comps;
    if (image->numcomps < 3) return 1;
    if (ycc) {
        const int same = c[1].dx == c[2].dx && c[1].dy == c[2].dy;
        const int supported = (c[1].dx == 1 && c[1].dy == 1) || (c[1].dx == 2 && c[1].dy == 1) ||
                              (c[1].dx == 2 && c[1].dy == 2);
        if (!same || !supported) {
            shim_set_message(message, capacity, "YCbCr JPEG 2000 with chroma sampled %u×%u and %u×%u "
                             "(4:4:4, 4:2:2 and 4:2:0 are supported); convert the file to PNG first",
                             c[1].dx, c[1].dy, c[2].dx, c[2].dy);
            return 0;
        }
        for (unsigned i = 1; i < 3; i++) {
            if (c[i].prec != c[0].prec || c[i].sgnd || c[0].sgnd) {
                shim_set_message(message, capacity, "YCbCr JPEG 2000 whose components have depths %u, %u, %u "
                                 "(signed: %u, %u, %u) is not supported; convert the file to PNG first",
                                 c[0].prec, c[1].prec, c[2].prec, c[0].sgnd, c[1].sgnd, c[2].sgnd);
                return 0;
            }
        }
        return 1;
    }
    for (unsigned i = 1; i < 3; i++) {
        if (c[i].dx != 1 || c[i].dy != 1) {
            shim_set_message(message, capacity, "JPEG 2000 component %u is subsampled %u×%u but the file does not "
                             "say YCbCr, so its colours are unknown; convert the file to PNG first", i, c[i].dx, c[i].dy);
            return 0;
        }
    }
    return 1;
}

// Refuses JP2 colour spaces whose samples are not RGB, gray or YCbCr. OpenJPEG marks CIELab
// with a profile buffer of length zero, other enumerated spaces it does not know (CMY, YCCK,
// PhotoYCC, ...) as unknown, and keeps an ICC profile as given; an ICC profile is otherwise
// ignored, as for every format, when its colour space (bytes 16–19 of its header) is RGB or gray.
static int check_colour_space(const opj_image_t *image, char *message, size_t capacity) {
    if (image->icc_profile_buf != NULL && image->icc_profile_len == 0) {
        shim_set_message(message, capacity, "CIELab JPEG 2000 is not supported; convert the file to PNG first");
        return 0;
    }
    if (image->icc_profile_buf != NULL && image->icc_profile_len >= 20) {
        const uint8_t *space = image->icc_profile_buf + 16;
        const int expected = image->numcomps >= 3 ? memcmp(space, "RGB ", 4) == 0 : memcmp(space, "GRAY", 4) == 0;
        if (!expected) {
            char name[5];
            for (int i = 0; i < 4; i++) name[i] = space[i] >= 32 && space[i] < 127 ? (char)space[i] : '?';
            name[4] = '\0';
            shim_set_message(message, capacity, "JP2 whose ICC profile is for colour space '%s' with %u components "
                             "(RGB or gray profiles are supported); convert the file to PNG first", name, image->numcomps);
            return 0;
        }
        return 1;
    }
    if (image->color_space == OPJ_CLRSPC_UNKNOWN && image->numcomps >= 3) {
        shim_set_message(message, capacity, "JP2 colour space is neither sRGB, gray nor sYCC (its enumerated colour "
                         "space is unknown to OpenJPEG); convert the file to PNG first");
        return 0;
    }
    return 1;
}

// The sample of `component` covering reference-grid column `x` (absolute) and row `y`: the
// component's sample grid starts at ceil(x0 / dx), so the index is floor(x / dx) - ceil(x0 / dx),
// clamped. With an even image origin this is opj_decompress's pairing of luma and chroma. With an
// odd origin, opj_decompress gives the first row, and the first column of every other row, a
// chroma of zero (full negative saturation); this repeats the nearest chroma sample there
// instead, and equals opj_decompress everywhere else.
static inline int32_t sample_at(const opj_image_comp_t *component, uint32_t x, uint32_t y) {
    int64_t cx = (int64_t)(x / component->dx) - (int64_t)component->x0;
    int64_t cy = (int64_t)(y / component->dy) - (int64_t)component->y0;
    if (cx < 0) cx = 0;
    if (cy < 0) cy = 0;
    if (cx >= component->w) cx = component->w - 1;
    if (cy >= component->h) cy = component->h - 1;
    return component->data[(size_t)cy * component->w + (size_t)cx];
}

int shim_j2k_reader_read_rgb(ShimJ2KReader *reader, uint8_t *rgb, char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    reader->sink = (MessageSink){.text = message, .capacity = capacity};
    // Checked here rather than when the header is read, so that a huge declared size is first
    // refused by the caller's pixel cap, with the size in the message.
    if (reader->estimate > (double)SHIM_J2K_MAX_DECODE_BYTES) {
        shim_set_message(message, capacity, "decoding would need about %.0f MiB (%llu pixels, %u components, "
                         "%.1f bytes of coding records per sample, %u layers), over the limit of %.0f MiB; "
                         "re-encode the image with larger code-blocks and precincts",
                         reader->estimate / 1048576.0, (unsigned long long)reader->geometry.area,
                         reader->geometry.components,
                         reader->cost.structure_bytes / ((double)reader->geometry.tile_width * reader->geometry.tile_height),
                         reader->cost.layers,
                         (double)SHIM_J2K_MAX_DECODE_BYTES / 1048576.0);
        return SHIM_FAILED;
    }
    opj_image_t *image = reader->image;
    if (!opj_decode(reader->codec, reader->stream, image) || !opj_end_decompress(reader->codec, reader->stream)) {
        if (message && capacity && message[0] == '\0') shim_set_message(message, capacity, "cannot decode the image");
        return SHIM_FAILED;
    }
    if (image->color_space == OPJ_CLRSPC_CMYK || image->color_space == OPJ_CLRSPC_EYCC) {
        shim_set_message(message, capacity, "%s JPEG 2000 is not supported; convert the file to PNG first",
                         image->color_space == OPJ_CLRSPC_CMYK ? "CMYK" : "e-sYCC");
        return SHIM_FAILED;
    }
    if (!check_colour_space(image, message, capacity)) return SHIM_FAILED;
    if (image->numcomps < 1 || image->numcomps > SHIM_J2K_MAX_CHANNELS) {
        shim_set_message(message, capacity, "%u decoded components (1 to %d are supported)",
                         image->numcomps, SHIM_J2K_MAX_CHANNELS);
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
    if (image->comps[0].dx != 1 || image->comps[0].dy != 1 || image->comps[0].w != width ||
        image->comps[0].h != height) {
        shim_set_message(message, capacity, "the first component is %u×%u, sampled %u×%u, in a %u×%u image; "
                         "convert the file to PNG first", image->comps[0].w, image->comps[0].h,
                         image->comps[0].dx, image->comps[0].dy, width, height);
        return SHIM_FAILED;
    }
    const int ycc = is_ycc(image);
    if (!check_layout(image, ycc, message, capacity)) return SHIM_FAILED;
    const uint32_t luma_precision = image->comps[0].prec;
    // YCbCr to RGB with opj_decompress's sYCC inverse (its color.c, after IEC 61966-2-1 Amd. 1):
    // chroma centred on 2^(p-1), each product truncated toward zero, then clamped to
    // 0…2^p - 1 in the luma's depth p.
    const int32_t offset = 1 << (luma_precision - 1);
    const int32_t top = (int32_t)((1u << luma_precision) - 1);
    for (uint32_t y = 0; y < height; y++) {
        uint8_t *out = rgb + (size_t)y * width * 3;
        const uint32_t gy = image->y0 + y;
        for (uint32_t x = 0; x < width; x++) {
            const uint32_t gx = image->x0 + x;
            if (channels == 1) {
                const opj_image_comp_t *gray = &image->comps[0];
                out[3 * x] = out[3 * x + 1] = out[3 * x + 2] =
                    to_8_bits(sample_at(gray, gx, gy), gray->prec, (int)gray->sgnd);
            } else if (ycc) {
                const int32_t luma = sample_at(&image->comps[0], gx, gy);
                const int32_t cb = sample_at(&image->comps[1], gx, gy) - offset;
                const int32_t cr = sample_at(&image->comps[2], gx, gy) - offset;
                int32_t rgb_value[3] = {
                    luma + (int32_t)(1.402 * (double)cr),
                    luma - (int32_t)(0.344 * (double)cb + 0.714 * (double)cr),
                    luma + (int32_t)(1.772 * (double)cb),
                };
                for (int c = 0; c < 3; c++) {
                    const int32_t v = rgb_value[c] < 0 ? 0 : rgb_value[c] > top ? top : rgb_value[c];
                    out[3 * x + c] = to_8_bits(v, luma_precision, 0);
                }
            } else {
                for (int c = 0; c < 3; c++) {
                    const opj_image_comp_t *component = &image->comps[c];
                    out[3 * x + c] = to_8_bits(sample_at(component, gx, gy), component->prec, (int)component->sgnd);
                }
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
