import unittest

from exports import export_name, export_names, stem


class StemTest(unittest.TestCase):
    def test_plain(self):
        self.assertEqual(stem("orders.csv"), "orders")

    def test_names_ending_in_extension_letters(self):
        self.assertEqual(stem("metrics.csv"), "metrics")
        self.assertEqual(stem("data/sales.csv"), "sales")
        self.assertEqual(stem("invoices.csv"), "invoices")

    def test_other_extensions_are_kept(self):
        self.assertEqual(stem("notes.txt"), "notes.txt")


class ExportNameTest(unittest.TestCase):
    def test_export_name(self):
        self.assertEqual(export_name("data/metrics.csv", "2024-05"), "metrics-2024-05.csv")

    def test_export_names_sorted(self):
        self.assertEqual(
            export_names(["b/users.csv", "a/costs.csv"], "2024-05"),
            ["costs-2024-05.csv", "users-2024-05.csv"],
        )
