#include "CodecShims.h"

#include <stdio.h>
#include <jpeglib.h>
#include <openjpeg.h>
#include <png.h>
#include <webp/encode.h>
#include <zlib.h>

/* libjpeg-turbo states its version only as a bare macro (e.g. 2.1.5), so it is stringified here. */
#define SHIM_STRING(x) #x
#define SHIM_EXPAND(x) SHIM_STRING(x)

void shim_library_versions(char *buffer, size_t capacity) {
    int webp = WebPGetEncoderVersion();
    snprintf(buffer, capacity,
             "libjpeg-turbo %s\nlibwebp %d.%d.%d\nOpenJPEG %s\nlibpng %s\nzlib %s\n",
#ifdef LIBJPEG_TURBO_VERSION
             SHIM_EXPAND(LIBJPEG_TURBO_VERSION),
#else
             "unknown",
#endif
             (webp >> 16) & 0xff, (webp >> 8) & 0xff, webp & 0xff, opj_version(), png_get_libpng_ver(NULL), zlibVersion());
}
