import unittest

from dates import day_of_year, days_in_month, is_leap


class LeapYearTest(unittest.TestCase):
    def test_every_fourth_year(self):
        self.assertTrue(is_leap(2024))
        self.assertFalse(is_leap(2023))

    def test_centuries_are_not(self):
        self.assertFalse(is_leap(1900))
        self.assertFalse(is_leap(2100))

    def test_but_every_fourth_century_is(self):
        self.assertTrue(is_leap(2000))
        self.assertTrue(is_leap(1600))


class MonthTest(unittest.TestCase):
    def test_days_in_month(self):
        self.assertEqual(days_in_month(2023, 1), 31)
        self.assertEqual(days_in_month(2023, 2), 28)
        self.assertEqual(days_in_month(2024, 2), 29)
        self.assertEqual(days_in_month(2000, 2), 29)
        with self.assertRaises(ValueError):
            days_in_month(2023, 13)

    def test_day_of_year(self):
        self.assertEqual(day_of_year(2023, 1, 1), 1)
        self.assertEqual(day_of_year(2023, 3, 1), 60)
        self.assertEqual(day_of_year(2000, 3, 1), 61)
        self.assertEqual(day_of_year(2000, 12, 31), 366)
