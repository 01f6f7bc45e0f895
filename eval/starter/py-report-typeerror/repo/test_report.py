import unittest

import report

ORDERS = [
    {"id": "A-1", "qty": 2, "price_cents": 450},
    {"id": "A-2", "qty": 1, "price_cents": 1999},
    {"id": "A-3", "qty": 3, "price_cents": 100},
]


class ReportTest(unittest.TestCase):
    def test_format_cents(self):
        self.assertEqual(report.format_cents(1999), "19.99")
        self.assertEqual(report.format_cents(5), "0.05")

    def test_summary(self):
        self.assertEqual(report.summary(ORDERS), "6 items in 3 orders, total 31.99")

    def test_summary_of_a_quiet_day(self):
        self.assertEqual(report.summary([]), "0 items in 0 orders, total 0.00")

    def test_biggest(self):
        self.assertEqual(report.biggest(ORDERS), "A-2")
        self.assertIsNone(report.biggest([]))
