#pragma once
#include <stddef.h>

/// Formats into the caller's message buffer (NULL or zero capacity is ignored).
void shim_set_message(char *message, size_t capacity, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
