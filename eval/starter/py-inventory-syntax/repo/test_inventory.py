import unittest

from inventory import Inventory, OutOfStock


class InventoryTest(unittest.TestCase):
    def setUp(self):
        self.inv = Inventory(reorder_level=3)
        self.inv.restock("apple", 10)
        self.inv.restock("pear", 2)

    def test_restock_adds_up(self):
        self.inv.restock("apple", 5)
        self.assertEqual(self.inv.stock["apple"], 15)

    def test_restock_rejects_nothing(self):
        with self.assertRaises(ValueError):
            self.inv.restock("apple", 0)

    def test_take(self):
        self.inv.take("apple", 4)
        self.assertEqual(self.inv.stock["apple"], 6)
        with self.assertRaises(OutOfStock):
            self.inv.take("pear", 3)

    def test_to_reorder(self):
        self.inv.take("apple", 8)
        self.assertEqual(self.inv.to_reorder(), ["apple", "pear"])


if __name__ == "__main__":
    unittest.main()
