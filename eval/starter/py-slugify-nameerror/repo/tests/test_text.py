import unittest

from blog.text import excerpt, slugify


class SlugifyTest(unittest.TestCase):
    def test_punctuation_becomes_dashes(self):
        self.assertEqual(slugify("Hello, World!"), "hello-world")

    def test_accents_are_dropped(self):
        self.assertEqual(slugify("Café au lait"), "cafe-au-lait")

    def test_no_dashes_at_the_ends(self):
        self.assertEqual(slugify("  -- Release 2.0 --  "), "release-2-0")


class ExcerptTest(unittest.TestCase):
    def test_short_body_is_kept(self):
        self.assertEqual(excerpt("just  a\nfew words"), "just a few words")

    def test_long_body_is_cut(self):
        self.assertEqual(excerpt("one two three four", words=2), "one two...")
