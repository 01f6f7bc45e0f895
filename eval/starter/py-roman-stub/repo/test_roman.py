import unittest

from roman import chapter_heading, from_roman, to_roman


class RomanTest(unittest.TestCase):
    def test_to_roman(self):
        cases = {1: "I", 4: "IV", 9: "IX", 14: "XIV", 40: "XL", 90: "XC",
                 400: "CD", 1994: "MCMXCIV", 2024: "MMXXIV", 3999: "MMMCMXCIX"}
        for n, text in cases.items():
            self.assertEqual(to_roman(n), text)

    def test_out_of_range(self):
        for n in (0, -3, 4000):
            with self.assertRaises(ValueError):
                to_roman(n)

    def test_from_roman(self):
        self.assertEqual(from_roman("MCMXCIV"), 1994)
        self.assertEqual(from_roman("XIV"), 14)

    def test_round_trip(self):
        for n in range(1, 4000):
            self.assertEqual(from_roman(to_roman(n)), n)

    def test_chapter_heading(self):
        self.assertEqual(chapter_heading(12, "The Storm"), "Chapter XII: The Storm")
