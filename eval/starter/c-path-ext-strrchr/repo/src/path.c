#include <string.h>

#include "path.h"

const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

const char *path_ext(const char *path)
{
    const char *base = path_base(path);
    const char *dot = strchr(base, '.');

    if (!dot || dot == base)
        return "";
    return dot + 1;
}
