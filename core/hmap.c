/*
 * hmap.c - string-keyed open-addressing hash map (FNV-1a, linear probing).
 *
 * Used for the path sets of a repository scan (tens of thousands of keys), so it
 * stores the full hash beside each key and compares lengths before bytes.
 */
#include "core/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

uint64_t hmap_hash(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	/* FNV's low bits are weak for similar keys; mix before masking */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static struct hmap_slot *find(const struct hmap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct hmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, len)))
			return s;
	}
}

static void rehash(struct hmap *m, size_t cap)
{
	struct hmap old = *m;
	size_t i;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*find(m, old.slots[i].key, old.slots[i].len, old.slots[i].hash) =
			        old.slots[i];
	free(old.slots);
}

int hmap_put(struct hmap *m, const char *key, size_t len, size_t val)
{
	uint64_t h = hmap_hash(key, len);
	struct hmap_slot *s;

	if ((m->used + 1) * 2 > m->cap)
		rehash(m, m->cap ? m->cap * 2 : 64);
	s = find(m, key, len, h);
	if (s->key) {
		s->val = val;
		return 0;
	}
	s->key = key;
	s->len = len;
	s->hash = h;
	s->val = val;
	m->used++;
	return 1;
}

size_t *hmap_get(const struct hmap *m, const char *key, size_t len)
{
	struct hmap_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m, key, len, hmap_hash(key, len));
	return s->key ? &s->val : NULL;
}

void hmap_release(struct hmap *m)
{
	free(m->slots);
	*m = (struct hmap)HMAP_INIT;
}
