/* hmap.h - a string-keyed hash map from byte strings to size_t values. */
#ifndef LOOM_HMAP_H
#define LOOM_HMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open addressing with linear probing. Keys are not copied: the caller keeps
 * each key's bytes alive and unchanged while it is in the map. No deletion.
 * Invariant: used * 2 <= cap, cap a power of two (or 0).
 */
struct hmap {
	struct hmap_slot {
		const char *key; /* NULL = empty */
		size_t len;
		uint64_t hash;
		size_t val;
	} * slots;
	size_t cap, used;
};
#define HMAP_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

uint64_t hmap_hash(const char *key, size_t len);
/* Inserts or replaces; returns 1 when the key was new. */
int hmap_put(struct hmap *m, const char *key, size_t len, size_t val);
/* Returns a pointer to the value, or NULL when the key is absent. */
size_t *hmap_get(const struct hmap *m, const char *key, size_t len);
void hmap_release(struct hmap *m);

#endif
