import unittest

from units import format_size, parse_size


class FormatSizeTest(unittest.TestCase):
    def test_bytes(self):
        self.assertEqual(format_size(512), "512B")

    def test_units(self):
        self.assertEqual(format_size(1536), "1.5K")
        self.assertEqual(format_size(10 * 1024**2), "10.0M")
        self.assertEqual(format_size(3 * 1024**4), "3.0T")


class ParseSizeTest(unittest.TestCase):
    def test_plain_bytes(self):
        self.assertEqual(parse_size("512"), 512)
        self.assertEqual(parse_size("512B"), 512)

    def test_units(self):
        self.assertEqual(parse_size("1.5K"), 1536)
        self.assertEqual(parse_size("10M"), 10 * 1024**2)
        self.assertEqual(parse_size("2G"), 2 * 1024**3)

    def test_round_trip(self):
        for n in (0, 512, 1536, 10 * 1024**2):
            self.assertEqual(parse_size(format_size(n)), n)

    def test_junk(self):
        for text in ("", "ten", "K", "1.5X"):
            with self.assertRaises(ValueError):
                parse_size(text)
