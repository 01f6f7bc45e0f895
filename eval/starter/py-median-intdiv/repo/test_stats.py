import unittest

from stats import mean, median, percentile

TIMES_MS = [120, 95, 310, 101, 99, 87, 1500, 110]


class StatsTest(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(mean([1, 2, 3, 4]), 2.5)

    def test_median_odd(self):
        self.assertEqual(median([3, 1, 2]), 2)

    def test_median_even(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)
        self.assertEqual(median(TIMES_MS), 105.5)

    def test_median_empty(self):
        with self.assertRaises(ValueError):
            median([])

    def test_percentile(self):
        self.assertEqual(percentile(TIMES_MS, 50), 101)
        self.assertEqual(percentile(TIMES_MS, 95), 1500)
        self.assertEqual(percentile(TIMES_MS, 0), 87)


if __name__ == "__main__":
    unittest.main()
