#ifndef PATH_H
#define PATH_H

/* path_base returns the part of path after its last '/' (all of it when there
 * is none); the result points into path */
const char *path_base(const char *path);

/* path_ext returns the extension of path's last component without the dot,
 * or "" when it has none; a leading dot (".bashrc") is not an extension. The
 * result points into path or is a static "" */
const char *path_ext(const char *path);

#endif
