#include "CodecShims.h"
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void shim_free(void *pointer) { free(pointer); }

void shim_set_message(char *message, size_t capacity, const char *format, ...) {
    if (message == NULL || capacity == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, capacity, format, arguments);
    va_end(arguments);
}
